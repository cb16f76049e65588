"""Shaping prepared reports into display frames (no arithmetic beyond picking columns)."""

from __future__ import annotations

import pandas as pd

from domain.aging import AgingReport


def aging_frame(report: AgingReport) -> pd.DataFrame:
    """One row per bucket: label, amount (float for charts), count."""
    return pd.DataFrame(
        {
            "label": list(report.buckets.labels),
            "amount": [float(a) for a in report.amounts],
            "count": list(report.counts),
        }
    )
