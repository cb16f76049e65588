"""Payment behaviour over time: days late per closed invoice, rolling median, slope, deterioration."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class TrendRule:
    """When a customer counts as deteriorating; all of it is policy data.

    Deteriorating = the median days late of invoices closed in the recent window exceeds the median
    of the baseline window before it by at least `min_increase_days`, the recent median is at least
    `min_recent_days_late`, and both windows hold enough closed invoices. Medians make one odd late
    payment harmless; comparing with the customer's own baseline keeps steady slow payers quiet.
    """

    recent_days: int = 90
    baseline_days: int = 270
    min_recent_count: int = 3
    min_baseline_count: int = 3
    min_increase_days: int = 7
    min_recent_days_late: int = 7
    rolling_window: int = 5

    def __post_init__(self) -> None:
        for name in ("recent_days", "baseline_days", "min_recent_count", "min_baseline_count", "rolling_window"):
            if getattr(self, name) <= 0:
                raise ValueError(f"trend rule {name} must be positive")
        if self.min_increase_days < 0 or self.min_recent_days_late < 0:
            raise ValueError("trend rule thresholds must not be negative")


@dataclass(frozen=True)
class ClosedInvoice:
    """One invoice closed by payment: when it closed and how many days after its due date (signed)."""

    close_date: date
    days_late: int
    amount: object = None  # base-currency amount, for display weighting only


@dataclass(frozen=True)
class Trend:
    recent_median: float | None
    baseline_median: float | None
    recent_count: int
    baseline_count: int
    slope_days_per_30: float | None
    deteriorating: bool
    reason: str  # English, for the CLI and logs; pages translate from `code` and the medians
    code: str = "steady"  # too_few | deteriorating | small_rise | steady


def rolling_median(values: Sequence[float], window: int) -> list[float]:
    """Trailing median over up to `window` values (shorter at the start)."""
    out = []
    for i in range(len(values)):
        out.append(float(statistics.median(values[max(0, i - window + 1) : i + 1])))
    return out


def theil_sen_slope(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Median of pairwise slopes: a robust trend, not pulled by one outlier."""
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i]) for i in range(len(xs)) for j in range(i + 1, len(xs)) if xs[j] != xs[i]
    ]
    return float(statistics.median(slopes)) if slopes else None


def assess_trend(
    points: Sequence[ClosedInvoice], as_of: date, rule: TrendRule | None = None, with_slope: bool = True
) -> Trend:
    """The trend verdict for one customer; the (quadratic) Theil–Sen slope is only for display and can be
    skipped when a whole portfolio is assessed."""
    rule = rule or TrendRule()
    recent_start = as_of - timedelta(days=rule.recent_days)
    baseline_start = recent_start - timedelta(days=rule.baseline_days)
    recent = [p.days_late for p in points if recent_start < p.close_date <= as_of]
    baseline = [p.days_late for p in points if baseline_start < p.close_date <= recent_start]
    rm = float(statistics.median(recent)) if recent else None
    bm = float(statistics.median(baseline)) if baseline else None
    slope30 = None
    if with_slope:
        window = sorted((p for p in points if baseline_start < p.close_date <= as_of), key=lambda p: p.close_date)
        slope = theil_sen_slope([(p.close_date - as_of).days for p in window], [p.days_late for p in window])
        slope30 = None if slope is None else slope * 30
    if len(recent) < rule.min_recent_count or len(baseline) < rule.min_baseline_count:
        return Trend(rm, bm, len(recent), len(baseline), slope30, False, "too few closed invoices to judge", "too_few")
    assert rm is not None and bm is not None
    increase = rm - bm
    deteriorating = increase >= rule.min_increase_days and rm >= rule.min_recent_days_late
    if deteriorating:
        code, reason = "deteriorating", f"median days late rose from {bm:g} to {rm:g} (+{increase:g} days)"
    elif increase >= rule.min_increase_days:
        code, reason = "small_rise", f"median days late rose by {increase:g} but is only {rm:g} days"
    else:
        code, reason = "steady", f"median days late {rm:g} against {bm:g} before"
    return Trend(rm, bm, len(recent), len(baseline), slope30, deteriorating, reason, code)


def rolling_mean(values: Sequence[float], window: int) -> list[float]:
    """Trailing mean over up to `window` values (shorter at the start)."""
    out = []
    for i in range(len(values)):
        part = values[max(0, i - window + 1) : i + 1]
        out.append(float(sum(part)) / len(part))
    return out


def trend_line(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """Robust straight line (Theil–Sen slope, intercept through the medians): (slope, intercept)."""
    slope = theil_sen_slope(xs, ys)
    if slope is None:
        return None
    intercept = float(statistics.median([y - slope * x for x, y in zip(xs, ys, strict=True)]))
    return slope, intercept
