"""Portfolio page figures: the headline KPIs as reported with their month-on-month change, and a plain
reading of the concentration index (HHI)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from domain.kpis import Kpis, r1
from domain.money import q2


class Unit(StrEnum):
    """How a figure is shown; the change of a percentage is in percentage points."""

    MONEY = "money"
    PERCENT = "percent"
    DAYS = "days"
    INDEX = "index"  # CEI: a percentage, but read as an index (100 = everything due was collected)
    COUNT = "count"


class Direction(StrEnum):
    """Which way of moving is bad news, for the colour of the change."""

    UP_IS_BAD = "up_is_bad"
    UP_IS_GOOD = "up_is_good"
    NEUTRAL = "neutral"  # a bigger book is neither good nor bad by itself


@dataclass(frozen=True)
class Figure:
    key: str
    unit: Unit
    direction: Direction
    value: Decimal | int | None  # as reported (money to 0.01, days and shares to 0.1, half-up)
    previous: Decimal | int | None
    change: Decimal | int | None  # value - previous of the reported figures; None when either is missing


def _rounder(unit: Unit) -> Callable:
    if unit is Unit.MONEY:
        return q2
    if unit is Unit.COUNT:
        return int
    return r1


def reported(value: Decimal | int | None, unit: Unit) -> Decimal | int | None:
    """A figure rounded the way it is reported (docs/metrics.md §16), None stays None."""
    return None if value is None else _rounder(unit)(value)


def change(now: Decimal | int | None, before: Decimal | int | None, unit: Unit) -> Decimal | int | None:
    """now - before of the figures as reported, so the change shown is exactly the difference of the two
    numbers shown (45.04 and 44.96 days both read 45.0: the change is 0.0, not 0.1)."""
    a, b = reported(now, unit), reported(before, unit)
    if a is None or b is None:
        return None
    return a - b


def whole(amount: Decimal | None) -> Decimal | None:
    """An amount rounded half-up to whole currency units, for the overview tables (the customer page shows
    the exact amounts); None stays None."""
    return None if amount is None else Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP)


# (key, unit, direction, attribute of Kpis) of the headline cards, in display order
HEADLINE: tuple[tuple[str, Unit, Direction, str], ...] = (
    ("total_ar", Unit.MONEY, Direction.NEUTRAL, "total_open"),
    ("overdue_ar", Unit.MONEY, Direction.UP_IS_BAD, "overdue"),
    ("overdue_share", Unit.PERCENT, Direction.UP_IS_BAD, "overdue_share"),
    ("dso_countback", Unit.DAYS, Direction.UP_IS_BAD, "dso_countback"),
    ("add", Unit.DAYS, Direction.UP_IS_BAD, "add"),
    ("cei", Unit.INDEX, Direction.UP_IS_GOOD, "cei"),
)
COUNTS: tuple[tuple[str, Direction], ...] = (
    ("deteriorating", Direction.UP_IS_BAD),
    ("over_limit", Direction.UP_IS_BAD),
)


def headline(
    now: Kpis,
    before: Kpis,
    deteriorating: tuple[int, int],
    over_limit: tuple[int, int],
) -> list[Figure]:
    """The portfolio page's KPI cards: each figure now, at the previous month-end, and the change.

    `deteriorating` and `over_limit` are (now, previous month-end) customer counts."""
    out = []
    for key, unit, direction, attr in HEADLINE:
        a, b = getattr(now, attr), getattr(before, attr)
        out.append(Figure(key, unit, direction, reported(a, unit), reported(b, unit), change(a, b, unit)))
    counts = {"deteriorating": deteriorating, "over_limit": over_limit}
    for key, direction in COUNTS:
        a, b = counts[key]
        out.append(Figure(key, Unit.COUNT, direction, a, b, change(a, b, Unit.COUNT)))
    return out


# --- concentration -------------------------------------------------------------------------------


class Concentration(StrEnum):
    UNCONCENTRATED = "unconcentrated"
    MODERATE = "moderate"
    HIGH = "high"


@dataclass(frozen=True)
class HhiScale:
    """HHI reading bands: an HHI below `moderate_from` is unconcentrated, above `high_above` highly
    concentrated, in between (both ends included) moderately concentrated.

    This is a CONVENTION borrowed from competition policy, not a credit rule: the thresholds describe how
    concentrated a market is among its sellers, and we reuse them only as a familiar yardstick for how
    concentrated the receivables book is among its customers. No credit standard prescribes them; a
    company's own risk appetite may set other limits.
    """

    moderate_from: Decimal = Decimal(1500)
    high_above: Decimal = Decimal(2500)
    source: str = (
        "U.S. Department of Justice and Federal Trade Commission, Horizontal Merger Guidelines (19 August 2010), "
        "§5.3 Market Concentration: unconcentrated below 1500, moderately concentrated 1500-2500, highly "
        "concentrated above 2500 (https://www.justice.gov/atr/horizontal-merger-guidelines-08192010). "
        "The 2023 Merger Guidelines use other thresholds; the 2010 bands are the widely quoted convention."
    )

    def __post_init__(self) -> None:
        if not (0 < self.moderate_from <= self.high_above <= 10_000):
            raise ValueError("HHI bands need 0 < moderate_from <= high_above <= 10000")

    def reading(self, value: Decimal | None) -> Concentration | None:
        """The band of an HHI as reported (to 0.1, so a figure shown as 1,500.0 reads moderate)."""
        if value is None:
            return None
        v = r1(value)
        if v < self.moderate_from:
            return Concentration.UNCONCENTRATED
        if v <= self.high_above:
            return Concentration.MODERATE
        return Concentration.HIGH


HHI_SCALE = HhiScale()
