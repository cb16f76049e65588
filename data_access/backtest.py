"""Monitor backtest ("early and quiet"): replay the nightly monitor over past dates and find, from the ledger,
the first date each customer had an invoice more than 30 days past due.

Definitions (also in docs/benchmarks.md, "Monitor backtest"):
- replay dates: the dates `run_monitor` is run for, ascending, each in its own transaction as the nightly job
  does; the benchmark replays every day from R to the demo's end date. A coarser replay (every n-th day) can
  only raise an alert on the same day or later, so a test that passes on it implies the nightly replay passes.
- flagged: the first replay date with a `payment_deterioration` alert (`raised_on`); the first alert of any type
  is reported too.
- first 30-days-overdue date: the earliest date D in [start, end] on which some invoice of the customer is open
  (issue_date <= D < open_until) and more than 30 days past due (D >= due_date + 31). Per invoice that is
  max(due_date + 31, start), if the invoice is still open on that date; the customer's is the minimum.
- lead time: first 30-days-overdue date minus flagged date, in days (positive = early). A flagged customer never
  30 days overdue in the range is "flagged, no overdue yet".
- false alarm: a steady_slow or noisy_prompt customer with any payment_deterioration alert in the replay range.

The monitor's first run raises every condition that already holds, so a customer already deteriorating on the
first replay date counts as flagged on that date: the range must start early enough (`started_flagged` lists
such customers so callers can assert there are none).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection, Date, Engine, bindparam, func, select, text

from data_access.behaviour import payment_trends_at
from data_access.monitor import MonitorResult, run_monitor
from data_access.schema import Alert, RiskHistory

DETERIORATION = "payment_deterioration"
ANY = "*"  # the key of the first alert of any type in ReplayResult.first_alert
QUIET_ARCHETYPES = ("steady_slow", "noisy_prompt")  # must never be flagged for deterioration


class BacktestError(ValueError):
    """A replay that cannot give a meaningful answer (no dates, or a ledger the monitor already ran on)."""


def _day(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _days_between(conn: Connection, later: str, earlier: str) -> str:
    if conn.dialect.name == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"({later} - {earlier})"


def first_overdue_dates(conn: Connection, start: date, end: date, days: int = 30) -> dict[int, date]:
    """customer_id -> the first date in [start, end] with an invoice open and more than `days` days past due.

    An invoice of due date d is more than `days` past due from d + days + 1 on, and open on D while
    issue_date <= D < open_until; customers never in that state in the range are absent.
    """
    if end < start:
        raise BacktestError(f"the range ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    over = days + 1
    params = {"start": start, "lo": start - timedelta(days=over), "hi": end - timedelta(days=over)}
    # due on or after lo: the date is due + over (>= start), reached while still open (open_until > due + over)
    crossing = text(
        f"""SELECT customer_id, MIN(due_date) AS due FROM invoices
            WHERE kind = 'invoice' AND due_date >= :lo AND due_date <= :hi
              AND {_days_between(conn, "open_until", "due_date")} > {over}
            GROUP BY customer_id"""
    ).bindparams(bindparam("lo", type_=Date), bindparam("hi", type_=Date))
    # due before lo: already more than `days` past due at start, so the date is start if the invoice is open then
    already = text(
        """SELECT DISTINCT customer_id FROM invoices
           WHERE kind = 'invoice' AND due_date < :lo AND issue_date <= :start AND open_until > :start"""
    ).bindparams(bindparam("lo", type_=Date), bindparam("start", type_=Date))
    out = {r.customer_id: _day(r.due) + timedelta(days=over) for r in conn.execute(crossing, params)}
    for r in conn.execute(already, params):
        out[r.customer_id] = start
    return out


def cash_on_account(conn: Connection, days: dict[int, date]) -> set[int]:
    """Of customer_id -> date, the customers holding a payment not fully allocated on their date (own date <= D <
    open_until): an invoice of theirs may look overdue only because the payment waits for matching."""
    stmt = text(
        "SELECT 1 FROM payments WHERE customer_id = :cid AND payment_date <= :d AND open_until > :d LIMIT 1"
    ).bindparams(bindparam("d", type_=Date))
    return {cid for cid, d in days.items() if conn.execute(stmt, {"cid": cid, "d": d}).first() is not None}


def deteriorating_dates(conn: Connection, dates: Iterable[date]) -> dict[int, tuple[date, ...]]:
    """customer_id -> the given dates on which the policy's trend rule counts the customer as deteriorating: the
    condition the monitor's payment_deterioration rule reads, from one query (cheap enough to check every day)."""
    out: dict[int, list[date]] = {}
    for d, trends in sorted(payment_trends_at(conn, dates).items()):
        for cid, t in trends.items():
            if t.deteriorating:
                out.setdefault(cid, []).append(d)
    return {cid: tuple(ds) for cid, ds in sorted(out.items())}


@dataclass(frozen=True)
class ReplayResult:
    """What a replay raised: the first `raised_on` per customer and alert type (ANY: of any type)."""

    dates: tuple[date, ...]
    first_alert: dict[int, dict[str, date]]
    nights: tuple[MonitorResult, ...]
    seconds: tuple[float, ...]  # wall-clock per replayed date

    def first(self, customer_id: int, alert_type: str = DETERIORATION) -> date | None:
        return self.first_alert.get(customer_id, {}).get(alert_type)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds)


def replay(
    engine: Engine, dates: Iterable[date], progress: Callable[[MonitorResult, float], None] | None = None
) -> ReplayResult:
    """Run the monitor for each date, ascending, each in its own committed transaction, then read the first alert
    per customer and type. Needs a ledger the monitor never ran on (no alerts, no recorded classes)."""
    days = tuple(sorted(set(dates)))
    if not days:
        raise BacktestError("a replay needs at least one date")
    with engine.connect() as conn:
        used = conn.execute(select(func.count()).select_from(Alert)).scalar_one()
        used += conn.execute(select(func.count()).select_from(RiskHistory)).scalar_one()
    if used:
        raise BacktestError(
            "the monitor has already run on this database (alerts or risk history exist); "
            "a backtest needs a fresh ledger"
        )
    nights, seconds = [], []
    for d in days:
        t0 = time.perf_counter()
        with engine.begin() as conn:
            result = run_monitor(conn, d)
        seconds.append(time.perf_counter() - t0)
        nights.append(result)
        if progress is not None:
            progress(result, seconds[-1])
    first: dict[int, dict[str, date]] = {}
    with engine.connect() as conn:
        q = (
            select(Alert.customer_id, Alert.type, func.min(Alert.raised_on))
            .where(Alert.raised_on >= days[0], Alert.raised_on <= days[-1])
            .group_by(Alert.customer_id, Alert.type)
        )
        for cid, kind, raised in conn.execute(q):
            per = first.setdefault(cid, {})
            per[kind] = _day(raised)
            per[ANY] = min(per.get(ANY, per[kind]), per[kind])
    return ReplayResult(days, first, tuple(nights), tuple(seconds))


@dataclass(frozen=True)
class CustomerOutcome:
    customer_id: int
    customer_ref: str
    archetype: str
    flagged_on: date | None  # first payment_deterioration alert
    first_alert_on: date | None  # first alert of any type
    first_30_on: date | None  # first date more than 30 days overdue in the range

    @property
    def lead_days(self) -> int | None:
        """first_30_on - flagged_on in days (positive = early); None unless both exist."""
        if self.flagged_on is None or self.first_30_on is None:
            return None
        return (self.first_30_on - self.flagged_on).days

    @property
    def any_lead_days(self) -> int | None:
        if self.first_alert_on is None or self.first_30_on is None:
            return None
        return (self.first_30_on - self.first_alert_on).days


@dataclass(frozen=True)
class ArchetypeSummary:
    archetype: str
    customers: int
    flagged: int  # with a payment_deterioration alert
    flagged_early: int  # flagged strictly before the first 30-days-overdue date
    flagged_late: int  # flagged on or after it
    flagged_no_overdue: int  # flagged, never 30 days overdue in the range
    not_flagged: int
    overdue_30: int  # ever more than 30 days overdue in the range
    lead_days: tuple[int, ...] = field(default=())  # of the flagged customers with a first-30 date, ascending

    def lead_stats(self) -> dict[str, float | None]:
        xs = self.lead_days
        if not xs:
            return {"min": None, "median": None, "max": None}
        return {"min": xs[0], "median": float(statistics.median(xs)), "max": xs[-1]}


def outcomes(
    result: ReplayResult, first_30: dict[int, date], archetypes: dict[int, tuple[str, str]]
) -> list[CustomerOutcome]:
    """One outcome per customer; `archetypes` maps customer_id -> (customer_ref, archetype)."""
    return [
        CustomerOutcome(
            cid,
            ref,
            arche,
            result.first(cid, DETERIORATION),
            result.first(cid, ANY),
            first_30.get(cid),
        )
        for cid, (ref, arche) in sorted(archetypes.items())
    ]


def summarise(rows: Iterable[CustomerOutcome]) -> dict[str, ArchetypeSummary]:
    """Per archetype: how many were flagged, early or late, and their lead times."""
    by: dict[str, list[CustomerOutcome]] = {}
    for o in rows:
        by.setdefault(o.archetype, []).append(o)
    out = {}
    for arche, xs in sorted(by.items()):
        flagged = [o for o in xs if o.flagged_on is not None]
        leads = sorted(o.lead_days for o in flagged if o.lead_days is not None)
        out[arche] = ArchetypeSummary(
            archetype=arche,
            customers=len(xs),
            flagged=len(flagged),
            flagged_early=sum(1 for x in leads if x > 0),
            flagged_late=sum(1 for x in leads if x <= 0),
            flagged_no_overdue=sum(1 for o in flagged if o.first_30_on is None),
            not_flagged=len(xs) - len(flagged),
            overdue_30=sum(1 for o in xs if o.first_30_on is not None),
            lead_days=tuple(leads),
        )
    return out


def false_alarms(rows: Iterable[CustomerOutcome], archetypes: tuple[str, ...] = QUIET_ARCHETYPES) -> list[str]:
    """customer_refs of customers of `archetypes` flagged for deterioration."""
    return [o.customer_ref for o in rows if o.archetype in archetypes and o.flagged_on is not None]


def late_or_missed(rows: Iterable[CustomerOutcome], archetype: str = "deteriorating") -> list[CustomerOutcome]:
    """Customers of `archetype` not flagged strictly before their first 30-days-overdue date (the requirement's
    failures; a customer never 30 days overdue is not one)."""
    return [
        o
        for o in rows
        if o.archetype == archetype
        and o.first_30_on is not None
        and (o.flagged_on is None or o.flagged_on >= o.first_30_on)
    ]


def started_flagged(
    result: ReplayResult, rows: Iterable[CustomerOutcome], archetype: str = "deteriorating"
) -> list[CustomerOutcome]:
    """Customers of `archetype` flagged on the first replay date: their lead time is measured from the range's
    start, not from when the monitor would have seen the change (the range starts too late for them)."""
    return [o for o in rows if o.archetype == archetype and o.flagged_on == result.dates[0]]
