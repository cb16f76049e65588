"""Receivables KPI formulas on aggregates (DSO, BPDSO, ADD, CEI, countback, payment index, concentration)."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def r1(value: Decimal | None) -> Decimal | None:
    """Days, shares and CEI are reported to 1 decimal (half-up)."""
    return None if value is None else Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator, or None when the denominator is <= 0."""
    if denominator is None or denominator <= 0:
        return None
    return Decimal(numerator) / Decimal(denominator)


def dso_standard(open_ar: Decimal, credit_sales: Decimal, window_days: int) -> Decimal | None:
    """DSO = open AR / credit sales in the window x window days."""
    q = ratio(open_ar, credit_sales)
    return None if q is None else q * window_days


def bpdso(current: Decimal, credit_sales: Decimal, window_days: int) -> Decimal | None:
    """Best possible DSO = current (not yet due) AR / credit sales x window days."""
    q = ratio(current, credit_sales)
    return None if q is None else q * window_days


def average_days_delinquent(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    """ADD = DSO - BPDSO (same sales base and window)."""
    if dso is None or best is None:
        return None
    return dso - best


def cei(ar_start: Decimal, credit_sales: Decimal, open_ar: Decimal, current: Decimal) -> Decimal | None:
    """CEI % = (AR start + sales - open AR) / (AR start + sales - current) x 100 (CRF, no /N)."""
    q = ratio(ar_start + credit_sales - open_ar, ar_start + credit_sales - current)
    return None if q is None else q * HUNDRED


@dataclass(frozen=True)
class SalesPeriod:
    """One countback step: its calendar days and its credit sales."""

    days: int
    sales: Decimal


def countback(ar: Decimal, periods: Iterable[SalesPeriod]) -> Decimal | None:
    """Countback DSO over periods from the latest backwards.

    Subtract each period's sales and add its days until the remaining AR is <= that period's
    sales, then add the fraction. AR <= 0 gives 0; AR not used up by the history gives None.
    """
    if ar <= 0:
        return Decimal(0)
    remaining = Decimal(ar)
    days = Decimal(0)
    for p in periods:
        if p.sales > 0 and remaining <= p.sales:
            return days + remaining / p.sales * p.days
        remaining -= p.sales
        days += p.days
    return None


def countback_periods(as_of: date, monthly_sales: Mapping[tuple[int, int], Decimal]) -> list[SalesPeriod]:
    """The as-of month (1st..as_of, as_of.day days), then whole earlier calendar months back to the
    earliest month with sales. `monthly_sales` is keyed by (year, month) and holds sales dated <= as_of."""
    if not monthly_sales:
        return [SalesPeriod(as_of.day, Decimal(0))]
    earliest = min(monthly_sales)
    periods = [SalesPeriod(as_of.day, monthly_sales.get((as_of.year, as_of.month), Decimal(0)))]
    y, m = as_of.year, as_of.month
    while True:
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        if (y, m) < earliest:
            break
        periods.append(SalesPeriod(calendar.monthrange(y, m)[1], monthly_sales.get((y, m), Decimal(0))))
    return periods


def weighted_average(weighted_sum: Decimal, weight_sum: Decimal) -> Decimal | None:
    """sum(w x v) / sum(w), None when there is no weight."""
    return ratio(weighted_sum, weight_sum)


@dataclass(frozen=True)
class PaymentIndexScale:
    """Days beyond terms -> payment index, piecewise linear; the table is editable policy data."""

    points: tuple[tuple[int, int], ...] = (
        (-30, 100),
        (-20, 90),
        (0, 80),
        (15, 70),
        (22, 60),
        (30, 50),
        (60, 40),
        (90, 30),
        (120, 20),
    )
    floor: int = 20
    ceiling: int = 100
    source: str = (
        "D&B payment-score key as quoted in shared/reference/domain_rules.md §2 "
        "(http://www.dandb.com/glossary/paydex/); the 15-days -> 70 point is unverified [U]"
    )

    def __post_init__(self) -> None:
        days = [d for d, _ in self.points]
        if len(self.points) < 2 or days != sorted(set(days)):
            raise ValueError("payment index points need at least two strictly increasing day values")
        if self.floor > self.ceiling:
            raise ValueError(f"payment index floor {self.floor} is above the ceiling {self.ceiling}")

    def index(self, days_beyond_terms: Decimal) -> Decimal:
        x = Decimal(days_beyond_terms)
        pts = [(Decimal(d), Decimal(v)) for d, v in self.points]
        if x <= pts[0][0]:
            y = pts[0][1]
        elif x >= pts[-1][0]:
            y = pts[-1][1]
        else:
            y = pts[-1][1]
            for (x0, y0), (x1, y1) in itertools.pairwise(pts):
                if x0 <= x <= x1:
                    y = y0 + (y1 - y0) * (x - x0) / (x1 - x0)
                    break
        return min(max(y, Decimal(self.floor)), Decimal(self.ceiling))


def positive(balances: Iterable[Decimal]) -> list[Decimal]:
    return [b for b in balances if b > 0]


def top_n_share(balances: Iterable[Decimal], n: int = 10) -> Decimal | None:
    """Share in % of the n largest positive balances in all positive balances."""
    pos = sorted(positive(balances), reverse=True)
    total = sum(pos, Decimal(0))
    q = ratio(sum(pos[:n], Decimal(0)), total)
    return None if q is None else q * HUNDRED


def hhi(balances: Iterable[Decimal]) -> Decimal | None:
    """Herfindahl-Hirschman index on percent shares of positive balances (0-10,000)."""
    pos = positive(balances)
    total = sum(pos, Decimal(0))
    if total <= 0:
        return None
    return sum(((b / total * HUNDRED) ** 2 for b in pos), Decimal(0))


def limit_utilisation(pairs: Iterable[tuple[Decimal, Decimal | None]]) -> Decimal | None:
    """% of granted credit limits in use: sum of positive balances of customers with a limit > 0
    divided by the sum of those limits."""
    used = Decimal(0)
    granted = Decimal(0)
    for balance, limit in pairs:
        if limit is not None and limit > 0:
            granted += limit
            used += max(balance, Decimal(0))
    q = ratio(used, granted)
    return None if q is None else q * HUNDRED


@dataclass(frozen=True)
class KpiInputs:
    """The aggregates the KPIs are computed from, all in base currency."""

    as_of: date
    window_days: int
    total_open: Decimal
    current: Decimal
    ar_window_start: Decimal
    credit_sales: Decimal
    monthly_sales: Mapping[tuple[int, int], Decimal]
    paid_weight: Decimal  # sum of amounts of invoices closed by payment in the window
    paid_weighted_days_late: Decimal  # sum amt x max(0, close - due)
    paid_weighted_days_to_pay: Decimal  # sum amt x (close - issue)
    paid_weighted_days_beyond_terms: Decimal  # sum amt x (close - due), signed
    customer_balances: Sequence[Decimal]
    group_balances: Sequence[Decimal]
    limits: Sequence[tuple[Decimal, Decimal | None]]
    open_invoices: int
    customers_with_balance: int


@dataclass(frozen=True)
class Kpis:
    as_of: date
    window_days: int
    total_open: Decimal
    current: Decimal
    overdue: Decimal
    overdue_share: Decimal | None
    dso_standard: Decimal | None
    dso_countback: Decimal | None
    bpdso: Decimal | None
    add: Decimal | None
    cei: Decimal | None
    weighted_days_late: Decimal | None
    avg_days_to_pay: Decimal | None
    payment_index: Decimal | None
    top10_share: Decimal | None
    hhi: Decimal | None
    group_hhi: Decimal | None
    limit_utilisation: Decimal | None
    open_invoices: int
    customers_with_balance: int
    credit_sales: Decimal
    ar_window_start: Decimal


def compute_kpis(k: KpiInputs, scale: PaymentIndexScale | None = None) -> Kpis:
    """Every portfolio KPI from one set of aggregates (unrounded; round at the presentation edge)."""
    scale = scale or PaymentIndexScale()
    overdue = k.total_open - k.current
    dso = dso_standard(k.total_open, k.credit_sales, k.window_days)
    best = bpdso(k.current, k.credit_sales, k.window_days)
    share = ratio(overdue, k.total_open)
    dbt = weighted_average(k.paid_weighted_days_beyond_terms, k.paid_weight)
    return Kpis(
        as_of=k.as_of,
        window_days=k.window_days,
        total_open=k.total_open,
        current=k.current,
        overdue=overdue,
        overdue_share=None if share is None else share * HUNDRED,
        dso_standard=dso,
        dso_countback=countback(k.total_open, countback_periods(k.as_of, k.monthly_sales)),
        bpdso=best,
        add=average_days_delinquent(dso, best),
        cei=cei(k.ar_window_start, k.credit_sales, k.total_open, k.current),
        weighted_days_late=weighted_average(k.paid_weighted_days_late, k.paid_weight),
        avg_days_to_pay=weighted_average(k.paid_weighted_days_to_pay, k.paid_weight),
        payment_index=None if dbt is None else scale.index(dbt),
        top10_share=top_n_share(k.customer_balances, 10),
        hhi=hhi(k.customer_balances),
        group_hhi=hhi(k.group_balances),
        limit_utilisation=limit_utilisation(k.limits),
        open_invoices=k.open_invoices,
        customers_with_balance=k.customers_with_balance,
        credit_sales=k.credit_sales,
        ar_window_start=k.ar_window_start,
    )


def group_roots(parent_of: Mapping[int, int | None]) -> dict[int, int]:
    """Each customer's corporate group: its top-most ancestor (itself when it has no parent)."""
    roots: dict[int, int] = {}
    for cid in parent_of:
        seen = {cid}
        node = cid
        while parent_of.get(node) is not None and parent_of[node] not in seen:
            node = parent_of[node]  # type: ignore[assignment]
            seen.add(node)
        roots[cid] = node
    return roots


def group_balances(balances: Mapping[int, Decimal], roots: Mapping[int, int]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for cid, bal in balances.items():
        g = roots.get(cid, cid)
        out[g] = out.get(g, Decimal(0)) + bal
    return out
