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


def month_end(d: date) -> date:
    """The last day of d's month."""
    nxt = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def period_bounds(period: str) -> tuple[date, date]:
    """A month written YYYY-MM -> (its first day, its last day); a ValueError that says what is expected."""
    text = (period or "").strip()
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not (parts[0] + parts[1]).isdigit():
        raise ValueError(f"period {period!r} is not a month written YYYY-MM, e.g. 2026-10")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"period {period!r} has no month {month}: use 01 to 12")
    first = date(year, month, 1)
    return first, month_end(first)


def period_of(d: date) -> str:
    """The month of a date written YYYY-MM."""
    return f"{d.year:04d}-{d.month:02d}"


def year_earlier_month_end(d: date) -> date:
    """The month-end twelve months before d's month (2024-02-29's year-earlier month-end is 2023-02-28)."""
    return month_end(date(d.year - 1, d.month, 1))
