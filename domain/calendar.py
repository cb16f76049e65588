"""Month-ends for trends and comparisons (explicit dates, no clock)."""

from __future__ import annotations

from datetime import date, timedelta


def previous_month_end(d: date) -> date:
    """The last day of the month before d's month (2026-10-30 -> 2026-09-30)."""
    return date(d.year, d.month, 1) - timedelta(days=1)


def trend_dates(as_of: date, points: int = 12) -> list[date]:
    """as_of and the month-ends before it, oldest first: `points` dates in all."""
    dates = [as_of]
    while len(dates) < points:
        dates.append(previous_month_end(dates[-1]))
    return dates[::-1]
