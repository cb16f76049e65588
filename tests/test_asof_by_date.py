"""The faster read paths give exactly the figures of the date-by-date computations they replace.

Each test keeps the earlier implementation as a reference (aging per date, closed-invoice rows with amounts,
open-item lines, the whole-portfolio aging) and compares on SQLite and PostgreSQL: on the small hand ledgers of
test_asof_sql.py and on a demo ledger.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from ledger import load, ready_engine
from sqlalchemy import select, text

from data_access import views
from data_access.asof import (
    aging,
    aging_by_currency,
    aging_cells,
    aging_cells_by_date,
    agings,
    behaviour_sums,
    closed_invoices,
    customer_ids_in_view,
    monthly_credit_sales,
    open_items,
    paid_lateness,
)
from data_access.behaviour import payment_trends, payment_trends_at
from data_access.demo import DEMO_END_DATE, DemoSpec, seed_demo
from data_access.engine import make_engine
from data_access.kpis import kpi_inputs, rates_as_of
from data_access.ledger import active_policy, base_currency
from data_access.schema import Customer, FxRate, Invoice
from domain.aging import Basis, Buckets, amount_beyond, coarsen, merged
from domain.behaviour import ClosedInvoice, assess_trend
from domain.calendar import previous_month_end, trend_dates
from domain.filters import CustomerFilter
from domain.fx import MissingFxRate
from domain.kpis import countback, countback_periods, group_roots
from domain.money import convert

C1 = [("C1", "Fjord Handel AS")]
EURO = [("C3", "Euro Kunde Oy", "FI", "EUR")]
# The hand ledgers of test_asof_sql.py: (customers, fx, invoices, payments, write-offs).
HAND_LEDGERS = {
    "bucket_edges": (
        C1,
        [],
        [
            ("I0", "C1", "2025-11-01", "2026-03-31", "1.00", "NOK"),
            ("I1", "C1", "2025-11-01", "2026-03-30", "2.00", "NOK"),
            ("I30", "C1", "2025-11-01", "2026-03-01", "4.00", "NOK"),
            ("I31", "C1", "2025-11-01", "2026-02-28", "8.00", "NOK"),
            ("I120", "C1", "2025-11-01", "2025-12-01", "16.00", "NOK"),
            ("I121", "C1", "2025-11-01", "2025-11-30", "32.00", "NOK"),
            ("INOT", "C1", "2025-11-01", "2026-04-30", "64.00", "NOK"),
        ],
        [],
        [],
    ),
    "partial_payment": (
        C1,
        [],
        [
            ("X", "C1", "2026-01-01", "2026-01-31", "1000.00", "NOK"),
            ("Y", "C1", "2026-04-02", "2026-05-02", "500.00", "NOK"),
        ],
        [("P1", "C1", "2026-02-10", "300.00", "NOK", "X"), ("P2", "C1", "2026-04-05", "700.00", "NOK", "X")],
        [],
    ),
    "credit_notes": (
        C1,
        [],
        [
            ("A", "C1", "2026-02-01", "2026-03-03", "400.00", "NOK"),
            ("B", "C1", "2026-03-01", "2026-03-31", "500.00", "NOK"),
            ("CN1", "C1", "2026-02-15", "2026-02-15", "-100.00", "NOK", "credit_note", "A"),
            ("CN2", "C1", "2026-03-10", "2026-03-10", "-50.00", "NOK", "credit_note", None),
            ("CN3", "C1", "2026-03-20", "2026-03-20", "-600.00", "NOK", "credit_note", "B"),
        ],
        [],
        [],
    ),
    "on_account_and_write_off": (
        C1,
        [],
        [("W", "C1", "2025-10-01", "2025-10-31", "1000.00", "NOK")],
        [("PW", "C1", "2025-12-01", "200.00", "NOK", "W"), ("PA", "C1", "2026-03-01", "250.00", "NOK")],
        [("WO1", "W", "2026-02-01", "800.00", "bankruptcy")],
    ),
    "prepayment": (
        C1,
        [],
        [("Q", "C1", "2026-03-10", "2026-04-09", "100.00", "NOK")],
        [("PP", "C1", "2026-03-01", "100.00", "NOK", "Q")],
        [],
    ),
    "closing_rates": (
        [("C3", "Öresund Trading AB", "SE", "EUR")],
        [("2026-03-01", "EUR", "11.5"), ("2026-03-31", "EUR", "11.8"), ("2026-04-01", "EUR", "12.0")],
        [("E1", "C3", "2026-03-01", "2026-03-31", "100.00", "EUR")],
        [],
        [],
    ),
    "rounding_per_document": (
        EURO,
        [("2026-03-01", "EUR", "11.55")],
        [
            ("R1", "C3", "2026-03-02", "2026-04-01", "100.01", "EUR"),
            ("R2", "C3", "2026-03-02", "2026-04-01", "100.01", "EUR"),
            ("R3", "C3", "2026-03-02", "2026-04-01", "0.05", "EUR"),
        ],
        [
            ("P1", "C3", "2026-03-03", "50.00", "EUR", "R1"),
            ("P2", "C3", "2026-03-03", "50.00", "EUR", "R2"),
            ("RP", "C3", "2026-03-04", "0.05", "EUR"),
        ],
        [],
    ),
    "missing_rate": (
        [("S1", "Svensk AB", "SE", "SEK"), ("N1", "Norsk AS", "NO", "NOK")],
        [("2026-04-01", "SEK", "0.98")],
        [
            ("S-1", "S1", "2026-03-02", "2026-04-01", "100.00", "SEK"),
            ("N-1", "N1", "2026-01-02", "2026-02-01", "70.00", "NOK"),
        ],
        [],
        [],
    ),
}
HAND_DATES = [
    date(2025, 10, 31),
    date(2025, 11, 1),
    date(2025, 11, 30),
    date(2025, 12, 31),
    date(2026, 1, 15),
    date(2026, 1, 31),
    date(2026, 2, 1),
    date(2026, 2, 28),
    date(2026, 3, 1),
    date(2026, 3, 2),
    date(2026, 3, 3),
    date(2026, 3, 5),
    date(2026, 3, 15),
    date(2026, 3, 30),
    date(2026, 3, 31),
    date(2026, 4, 1),
    date(2026, 4, 5),
    date(2026, 4, 30),
]


def cell_key(c):
    return (c.customer_id, c.bucket)


def assert_cells_match(conn, dates, basis, buckets, flt=None) -> None:
    """aging_cells_by_date over `dates` == aging_cells date by date (or the same error, for the first date)."""
    base = base_currency(conn)
    expected, error = {}, None
    for d in sorted(set(dates)):
        try:
            expected[d] = sorted(aging_cells(conn, d, basis, buckets, base, flt), key=cell_key)
        except MissingFxRate as exc:
            error = error or exc
    if error is not None:
        with pytest.raises(MissingFxRate) as raised:
            aging_cells_by_date(conn, dates, basis, buckets, base, flt)
        assert (raised.value.currency, raised.value.on) == (error.currency, error.on)
        return
    got = aging_cells_by_date(conn, dates, basis, buckets, base, flt)
    assert {d: sorted(cells, key=cell_key) for d, cells in got.items()} == expected


@pytest.mark.parametrize("name", sorted(HAND_LEDGERS))
def test_aging_cells_by_date_equal_aging_cells_on_the_hand_ledgers(db_url, name):
    customers, fx, invoices, payments, write_offs = HAND_LEDGERS[name]
    e = ready_engine(db_url)
    load(e, customers=customers, fx=fx, invoices=invoices, payments=payments, write_offs=write_offs)
    with e.connect() as conn:
        for basis in Basis:
            for buckets in (Buckets(), Buckets((10, 20)), merged(Buckets(), (60, 90))):
                assert_cells_match(conn, HAND_DATES, basis, buckets)
        if name == "missing_rate":  # the dates after the first SEK rate have every rate they need
            assert_cells_match(conn, [date(2026, 4, 1), date(2026, 4, 30)], Basis.DUE, Buckets())
            assert_cells_match(conn, HAND_DATES, Basis.DUE, Buckets(), CustomerFilter(countries=("NO",)))
        assert aging_cells_by_date(conn, [], Basis.DUE, Buckets(), "NOK") == {}


def seeded(db_url: str, customers: int = 100, seed: int = 4):
    e = ready_engine(db_url)
    with e.begin() as conn:
        seed_demo(conn, DemoSpec(customers=customers, seed=seed))
    return e


def a_group_and_a_country(conn) -> list[CustomerFilter | None]:
    parents = dict(conn.execute(select(Customer.id, Customer.parent_id)).all())
    roots = group_roots(parents)
    group = next(r for cid, r in sorted(roots.items()) if cid != r)
    return [None, CustomerFilter(countries=("SE",), currencies=("SEK", "EUR")), CustomerFilter(groups=(group,))]


def test_aging_cells_by_date_equal_aging_cells_on_a_demo_ledger(db_url):
    e = seeded(db_url)
    dates = [
        *trend_dates(DEMO_END_DATE),
        DEMO_END_DATE - timedelta(days=90),
        date(2024, 2, 29),
        date(2023, 11, 4),  # a Saturday near the first documents
        date(2023, 6, 30),  # before the first document: nothing open
    ]
    with e.connect() as conn:
        fine = merged(active_policy(conn).buckets, (60, 90))
        for flt in a_group_and_a_country(conn):
            for basis in Basis:
                assert_cells_match(conn, dates, basis, fine, flt)
        assert_cells_match(conn, dates[-3:], Basis.INVOICE, Buckets((7, 45, 365)), CustomerFilter(segments=("SMB",)))
        reports = agings(conn, dates, Basis.INVOICE, fine)
        for d in dates:
            assert reports[d] == aging(conn, d, Basis.INVOICE, fine)


def trend_date_by_date(conn, as_of, flt, basis):
    """month_end_trend as it was: one aging per date."""
    display = active_policy(conn).buckets
    fine = merged(display, (60, 90))
    monthly, _ = monthly_credit_sales(conn, as_of, as_of, flt)
    out = []
    for d in trend_dates(as_of):
        rep = aging(conn, d, basis, fine, flt)
        sales = {k: v for k, v in monthly.items() if k <= (d.year, d.month)}
        out.append(
            views.TrendPoint(
                d,
                rep.total,
                rep.total - rep.current,
                amount_beyond(rep, 60),
                amount_beyond(rep, 90),
                countback(rep.total, countback_periods(d, sales)),
                coarsen(rep, display).amounts,
            )
        )
    return display, out


def trends_from_closed_invoices(conn, as_of, customer_id=None, with_slope=None):
    """payment_trends as it was: from the closed-invoice rows with amounts."""
    if with_slope is None:
        with_slope = customer_id is not None
    rule = active_policy(conn).trend
    start = as_of - timedelta(days=rule.recent_days + rule.baseline_days)
    points = defaultdict(list)
    for r in closed_invoices(conn, as_of, start, customer_id):
        points[r.customer_id].append(ClosedInvoice(r.close_date, r.days_late, r.amount))
    return {cid: assess_trend(pts, as_of, rule, with_slope) for cid, pts in points.items()}


def test_month_end_trend_equals_the_aging_of_each_date_on_a_demo_ledger(db_url):
    e = seeded(db_url)
    with e.connect() as conn:
        for flt in a_group_and_a_country(conn):
            for basis in Basis:
                got = views.month_end_trend(conn, DEMO_END_DATE, flt, basis)
                assert got == trend_date_by_date(conn, DEMO_END_DATE, flt, basis)
        back = date(2025, 6, 17)
        assert views.month_end_trend(conn, back) == trend_date_by_date(conn, back, None, Basis.DUE)


def test_payment_trends_equal_the_closed_invoice_computation_on_a_demo_ledger(db_url):
    e = seeded(db_url)
    with e.connect() as conn:
        dates = [DEMO_END_DATE, previous_month_end(DEMO_END_DATE), date(2025, 12, 31), date(2024, 3, 15)]
        for d in dates:
            expected = trends_from_closed_invoices(conn, d)
            assert expected and any(t.deteriorating for t in expected.values()) == (d != date(2024, 3, 15))
            assert payment_trends(conn, d) == expected
        assert payment_trends_at(conn, dates) == {d: trends_from_closed_invoices(conn, d) for d in dates}
        for cid in (1, 2, 17):
            assert payment_trends(conn, DEMO_END_DATE, cid) == trends_from_closed_invoices(conn, DEMO_END_DATE, cid)
        start = DEMO_END_DATE - timedelta(days=400)
        for flt in a_group_and_a_country(conn):
            rows = closed_invoices(conn, DEMO_END_DATE, start, flt=flt)
            lean = paid_lateness(conn, DEMO_END_DATE, start, flt=flt)
            assert lean == [(r.customer_id, r.close_date, r.days_late) for r in rows]
        assert payment_trends_at(conn, []) == {}


def test_one_customer_reads_equal_the_portfolio_reads_on_a_demo_ledger(db_url):
    e = seeded(db_url)
    with e.connect() as conn:
        everyone = aging(conn, DEMO_END_DATE)
        balances = {c.customer_id: c.total for c in everyone.customers}
        items = open_items(conn, DEMO_END_DATE)
        start = DEMO_END_DATE - timedelta(days=365)
        closed = closed_invoices(conn, DEMO_END_DATE, start)
        parents = dict(conn.execute(select(Customer.id, Customer.parent_id)).all())
        roots = group_roots(parents)
        grouped = sorted(cid for cid, r in roots.items() if cid != r)[:3]
        for cid in [1, 2, 3, *grouped, *(r for r in map(roots.get, grouped))]:
            d = views.customer_detail(conn, cid, DEMO_END_DATE)
            assert d.aging.customers == tuple(c for c in everyone.customers if c.customer_id == cid)
            assert d.balance == balances.get(cid, Decimal("0.00"))
            members = [m for m, r in roots.items() if r == roots[cid]]
            if len(members) > 1:
                assert d.group_balance == sum((balances.get(m, Decimal(0)) for m in members), Decimal("0.00"))
            assert d.open_items == [i for i in items if i.customer_id == cid]
            mine = [r for r in closed if r.customer_id == cid]
            assert closed_invoices(conn, DEMO_END_DATE, start, cid) == mine
            beh = behaviour_sums(conn, DEMO_END_DATE, start, customer_id=cid)
            assert (beh.invoices, beh.weight) == (len(mine), sum((r.amount for r in mine), Decimal("0.00")))
            assert beh.weighted_days_beyond_terms == sum((r.amount * r.days_late for r in mine), Decimal("0.00"))
            assert beh.weighted_days_to_pay == sum(
                (r.amount * (r.close_date - r.issue_date).days for r in mine), Decimal("0.00")
            )


def test_aging_view_and_overview_equal_their_date_by_date_parts_on_a_demo_ledger(db_url):
    e = seeded(db_url)
    with e.connect() as conn:
        policy = active_policy(conn)
        for flt in a_group_and_a_country(conn):
            for basis, buckets in ((Basis.DUE, None), (Basis.INVOICE, Buckets((15, 45)))):
                view = views.aging_view(conn, DEMO_END_DATE, basis, buckets, flt)
                expected: dict[str, list[Decimal]] = {}
                for item in open_items(conn, DEMO_END_DATE, basis, flt=flt):
                    acc = expected.setdefault(item.currency, [Decimal("0.00")] * len(view.report.buckets.labels))
                    acc[view.report.buckets.index(item.days)] += item.base_amount
                assert view.by_currency == {k: tuple(v) for k, v in sorted(expected.items())}
                assert aging_by_currency(conn, DEMO_END_DATE, basis, view.report.buckets, flt) == view.by_currency

            o = views.overview(conn, DEMO_END_DATE, flt)
            prev = previous_month_end(DEMO_END_DATE)
            assert o.aging == aging(conn, DEMO_END_DATE, Basis.DUE, policy.buckets, flt)
            now, before = trends_from_closed_invoices(conn, DEMO_END_DATE), trends_from_closed_invoices(conn, prev)
            in_view = {c.customer_id for c in aging(conn, DEMO_END_DATE, flt=flt).customers} | {
                c.customer_id for c in aging(conn, prev, flt=flt).customers
            }
            ids = customer_ids_in_view(conn, flt)
            if ids is None:
                ids = {r.id for r in conn.execute(select(Customer.id))}
            assert in_view and in_view <= ids
            assert o.deteriorating == sum(1 for cid, t in now.items() if t.deteriorating and cid in ids)
            assert o.deteriorating_previous == sum(1 for cid, t in before.items() if t.deteriorating and cid in ids)
            assert {w.customer_id: w.trend for w in o.watchlist} == {
                w.customer_id: now.get(w.customer_id) for w in o.watchlist
            }

            window = policy.kpi_window_days
            for d in (DEMO_END_DATE, prev):
                k = kpi_inputs(conn, d, flt=flt)
                rep_now, rep_then = aging(conn, d, flt=flt), aging(conn, d - timedelta(days=window), flt=flt)
                assert (k.total_open, k.current, k.ar_window_start) == (rep_now.total, rep_now.current, rep_then.total)
                assert k.customer_balances == [c.total for c in rep_now.customers]
                assert (k.open_invoices, k.customers_with_balance) == (
                    rep_now.open_invoices,
                    rep_now.customers_with_balance,
                )


def test_monthly_credit_sales_and_closing_rates_equal_a_python_computation_on_a_demo_ledger(db_url):
    """Sales convert each document at the rate of its issue date (the latest on or before it), 0.01 half-up."""
    e = seeded(db_url, customers=60, seed=9)
    with e.connect() as conn:
        history = defaultdict(list)
        for r in conn.execute(select(FxRate.currency, FxRate.rate_date, FxRate.rate).order_by(FxRate.rate_date)):
            history[r.currency].append((r.rate_date, r.rate))

        def rate_on(currency, day):
            found = [rate for d, rate in history[currency] if d <= day]
            return found[-1] if found else None

        docs = conn.execute(select(Invoice.issue_date, Invoice.currency, Invoice.amount)).all()
        windows = ((DEMO_END_DATE, DEMO_END_DATE - timedelta(days=90)), (date(2025, 6, 17), date(2025, 1, 1)))
        for as_of, start in windows:
            monthly: dict[tuple[int, int], Decimal] = defaultdict(lambda: Decimal("0.00"))
            window = Decimal("0.00")
            for d in docs:
                if d.issue_date > as_of:
                    continue
                base = d.amount if d.currency == "NOK" else convert(d.amount, rate_on(d.currency, d.issue_date))
                monthly[(d.issue_date.year, d.issue_date.month)] += base
                window += base if d.issue_date > start else 0
            assert monthly_credit_sales(conn, as_of, start) == (dict(monthly), window)
            closing = {c: rate_on(c, as_of) for c in history if rate_on(c, as_of) is not None}
            assert rates_as_of(conn, as_of) == closing
        assert rates_as_of(conn, date(2000, 1, 1)) == {}


@pytest.mark.postgres
def test_postgresql_sessions_run_without_jit(pg_url):
    e = make_engine(pg_url)
    try:
        with e.connect() as conn:
            assert conn.execute(text("SHOW jit")).scalar_one() == "off"
        with e.begin() as conn:  # still off inside the application's transactions
            assert conn.execute(text("SHOW jit")).scalar_one() == "off"
    finally:
        e.dispose()
