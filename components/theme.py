"""The visual theme shared by pages and (later) PDF charts: colours per aging bucket and fonts."""

from __future__ import annotations

PRIMARY = "#1f4e79"
FONT_FAMILY = "DejaVu Sans, Source Sans Pro, sans-serif"
# From calm to alarming: current, then older buckets; longer ladders reuse the last colour.
BUCKET_COLOURS = ("#2e7d32", "#9ccc65", "#fbc02d", "#fb8c00", "#e53935", "#8e0000")
NEGATIVE = "#607d8b"


def bucket_colours(n: int) -> list[str]:
    return [BUCKET_COLOURS[min(i, len(BUCKET_COLOURS) - 1)] for i in range(n)]


# Customer page: payment behaviour, invoiced versus paid, credit score, status badges.
ON_TIME = "#2e7d32"
LATE_POINT = "#78909c"
ROLLING_MEAN = PRIMARY
TREND_LINE = "#e53935"
INVOICED = PRIMARY
PAID = "#66bb6a"
SCORE_LINE = PRIMARY
REMARK = "#e53935"
# Customer status -> (st.badge colour, material icon).
STATUS_BADGES = {
    "active": ("green", ":material/check_circle:"),
    "credit_hold": ("red", ":material/block:"),
    "prepayment_only": ("orange", ":material/payments:"),
}

# Portfolio trend lines (overdue share, over 60, over 90 days) and the DSO line: dark, to read over bucket bars.
TREND_LINE_COLOURS = ("#1f4e79", "#6a1b9a", "#b71c1c")
DSO_COLOUR = "#1f4e79"

# Risk classes A (best) to E: from calm to alarming, and the heat map's scale (white to deep red).
CLASS_COLOURS = {"A": "#2e7d32", "B": "#9ccc65", "C": "#fbc02d", "D": "#fb8c00", "E": "#e53935"}
CLASS_BADGES = {"A": "green", "B": "green", "C": "orange", "D": "orange", "E": "red"}
HEAT_SCALE = ((0.0, "#ffffff"), (0.15, "#fde0dc"), (1.0, "#b71c1c"))
