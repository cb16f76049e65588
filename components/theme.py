"""The visual theme shared by pages and (later) PDF charts: colours per aging bucket and fonts."""

from __future__ import annotations

PRIMARY = "#1f4e79"
FONT_FAMILY = "DejaVu Sans, Source Sans Pro, sans-serif"
# From calm to alarming: current, then older buckets; longer ladders reuse the last colour.
BUCKET_COLOURS = ("#2e7d32", "#9ccc65", "#fbc02d", "#fb8c00", "#e53935", "#8e0000")
NEGATIVE = "#607d8b"


def bucket_colours(n: int) -> list[str]:
    return [BUCKET_COLOURS[min(i, len(BUCKET_COLOURS) - 1)] for i in range(n)]
