"""Read models behind the pages, on SQLite and PostgreSQL: every figure ties back to the as-of SQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ledger import csv_bytes, load, ready_engine
from sqlalchemy import select

from data_access import views
from data_access.activities import add_activity
from data_access.asof import aging
from data_access.behaviour import payment_trends
from data_access.demo import DemoSpec, seed_demo
from data_access.imports import import_file
from data_access.kpis import portfolio_kpis
from data_access.schema import Customer
from domain.activity import ActivityError, NewActivity
from domain.aging import Basis, Buckets
from domain.calendar import trend_dates
from domain.filters import CustomerFilter

AS_OF = date(2026, 3, 31)
HEADER = ("customer_ref", "name", "country", "currency", "segment", "parent_ref", "credit_limit", "org_number")


@pytest.fixture
def small(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        import_file(
            conn,
            "customers",
            csv_bytes(
                HEADER,
                [
                    ("G", "Group Holding AS", "NO", "NOK", "Enterprise", None, "1000.00", "988077917"),
                    ("G1", "Group Sub AS", "NO", "NOK", "SMB", "G", "100.00", None),
                    ("S", "Solo AB", "SE", "NOK", "SMB", None, None, "5560360793"),
                ],
            ),
        )
    load(
        e,
        invoices=[
            ("I1", "G", "2026-01-05", "2026-02-04", "800.00", "NOK"),  # 55 days past due on 31 March
            ("I2", "G1", "2025-11-20", "2025-12-20", "150.00", "NOK"),  # 101 days: over 90, and over G1's limit
            ("I3", "S", "2026-03-10", "2026-04-09", "50.00", "NOK"),
            ("I4", "S", "2026-02-01", "2026-03-03", "70.00", "NOK"),
        ],
        payments=[("P4", "S", "2026-03-20", "70.00", "NOK", "I4"), ("P5", "S", "2026-03-25", "30.00", "NOK")],
    )
    return e


def refs(conn) -> dict[str, int]:
    return dict(conn.execute(select(Customer.customer_ref, Customer.id)).all())


def test_overview_concentration_watchlist_and_counts(small):
    with small.connect() as conn:
        ids = refs(conn)
        o = views.overview(conn, AS_OF)
        assert o.kpis == portfolio_kpis(conn, AS_OF)
        assert o.previous == date(2026, 2, 28)
        assert o.kpis_previous == portfolio_kpis(conn, date(2026, 2, 28))
    # balances: G 800, G1 150, S 50 - 30 = 20; positive total 970
    assert [(r.ref, r.balance) for r in o.top_customers] == [("G", D("800.00")), ("G1", D("150.00")), ("S", D("20.00"))]
    assert o.top_customers[0].share == D(800) / D(970) * 100
    assert o.top_customers[1].utilisation == D(150)  # 150 of a 100 limit
    assert [(g.ref, g.members, g.balance, g.credit_limit) for g in o.top_groups] == [
        ("G", 2, D("950.00"), D("1100.00")),
        ("S", 1, D("20.00"), None),
    ]
    assert o.over_limit == 1 and o.over_limit_previous == 1  # G1 (150 > 100) already on 28 Feb
    watch = {w.ref: w for w in o.watchlist}
    assert set(watch) == {"G1"}  # over limit and over 90 days; G is 55 days past due, S is fine
    assert watch["G1"].over_90 == D("150.00") and watch["G1"].over_limit
    assert o.by_segment == {
        "Enterprise": o.aging.customers[0].amounts,
        "SMB": tuple(a + b for a, b in zip(o.aging.customers[1].amounts, o.aging.customers[2].amounts, strict=True)),
    }
    assert ids["G"] == o.top_groups[0].key


def test_month_end_trend_ties_to_the_aging_of_each_date(small):
    with small.connect() as conn:
        buckets, points = views.month_end_trend(conn, AS_OF)
        assert [p.as_of for p in points] == trend_dates(AS_OF)
        for p in points:
            rep = aging(conn, p.as_of, Basis.DUE, buckets)
            assert p.total == rep.total and p.amounts == rep.amounts
            assert p.over_90 == aging(conn, p.as_of, Basis.DUE, Buckets((90,))).amounts[2]
            assert p.over_60 == aging(conn, p.as_of, Basis.DUE, Buckets((60,))).amounts[2]
    last = points[-1]
    # current is only I3 (50); P5 (-30 on account, 6 days old) ages into 1-30, so overdue = 970 - 50
    assert (last.total, last.overdue, last.over_60, last.over_90) == (
        D("970.00"),
        D("920.00"),
        D("150.00"),
        D("150.00"),
    )
    # countback on 31 March: March sales 50 cover AR? no: AR 970 > 50 -> 31 days; Feb 70 -> 28 days;
    # Jan 800 covers the remaining 850? no (850 > 800) -> 31 days; Dec 0 -> 31 days; Nov 150 covers 50: 50/150 x 30
    assert last.dso_countback == D(31 + 28 + 31 + 31) + D(50) / D(150) * 30


def test_customer_detail_group_and_search(small):
    with small.connect() as conn:
        ids = refs(conn)
        d = views.customer_detail(conn, ids["G1"], AS_OF)
        assert d.balance == D("150.00") and d.utilisation == D(150)
        assert d.group_root.ref == "G" and [m.ref for m in d.group_members] == ["G"]
        assert d.group_balance == D("950.00")
        assert [(i.ref, i.days) for i in d.open_items] == [("I2", 101)]
        solo = views.customer_detail(conn, ids["S"], AS_OF)
        assert solo.group_root is None and solo.group_balance is None
        assert {i.ref for i in solo.open_items} == {"I3", "P5"}
        assert views.customer_detail(conn, 999_999, AS_OF) is None
        assert [h.ref for h in views.search_customers(conn, "group")] == ["G", "G1"]
        assert [h.ref for h in views.search_customers(conn, "556036-0793")] == ["S"]  # org number, any spacing
        assert [h.ref for h in views.search_customers(conn, "g1")] == ["G1"]
        opts = views.filter_options(conn)
        assert opts.groups == ((ids["G"], "Group Holding AS"),) and opts.countries == ("NO", "SE")


def test_monthly_flows_by_hand(small):
    with small.connect() as conn:
        flows = views.monthly_flows(conn, refs(conn)["S"], AS_OF, months=3)
    assert [(f.year, f.month, f.invoiced, f.paid) for f in flows] == [
        (2026, 1, D("0.00"), D("0.00")),
        (2026, 2, D("70.00"), D("0.00")),
        (2026, 3, D("50.00"), D("100.00")),
    ]


def test_activities_are_validated_stored_and_listed_newest_first(small):
    with small.begin() as conn:
        cid = refs(conn)["S"]
        add_activity(conn, cid, NewActivity("note", date(2026, 3, 1), " Called the CFO ", "Kari"))
        add_activity(conn, cid, NewActivity("promise", date(2026, 3, 2), "", "Kari", D("20.00"), date(2026, 3, 15)))
    with small.connect() as conn:
        rows = views.activities(conn, cid)
    assert [(r.kind, r.text, r.author) for r in rows] == [("promise", None, "Kari"), ("note", "Called the CFO", "Kari")]
    assert rows[0].promised_amount == D("20.00")
    for bad, message in [
        (NewActivity("promise", date(2026, 3, 2), "", "Kari"), "positive amount"),
        (NewActivity("promise", date(2026, 3, 2), "", "Kari", D("5"), date(2026, 3, 1)), "before the day"),
        (NewActivity("note", date(2026, 3, 2), "  ", "Kari"), "needs some text"),
        (NewActivity("note", date(2026, 3, 2), "x", " "), "author"),
        (NewActivity("visit", date(2026, 3, 2), "x", "Kari"), "not one of"),
    ]:
        with pytest.raises(ActivityError, match=message), small.begin() as conn:
            add_activity(conn, cid, bad)
    with small.connect() as conn:
        assert len(views.activities(conn, cid)) == 2


def test_overview_on_a_demo_ledger_is_consistent(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/demo.db")
    with e.begin() as conn:
        seed_demo(conn, DemoSpec(customers=80, seed=5))
    as_of = date(2026, 10, 30)
    with e.connect() as conn:
        o = views.overview(conn, as_of)
        trends = payment_trends(conn, as_of)
        assert o.deteriorating == sum(t.deteriorating for t in trends.values())
        assert o.aging.total == o.kpis.total_open
        assert (
            sum((s for s in o.by_country.values()), ()) and sum(sum(v) for v in o.by_country.values()) == o.aging.total
        )
        se = views.overview(conn, as_of, CustomerFilter(countries=("SE",)))
        assert se.kpis.total_open == aging(conn, as_of, flt=CustomerFilter(countries=("SE",))).total
        assert set(se.by_country) <= {"SE"}
        fresh = views.freshness(conn)
    assert set(fresh) == {"ledger", "credit_reports", "register"} and all(fresh.values())


def test_limits_need_a_rate_only_where_a_balance_is_compared(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        import_file(
            conn,
            "customers",
            csv_bytes(
                HEADER,
                [
                    ("N", "Nord AS", "NO", "NOK", "SMB", None, "100.00", None),
                    ("E", "Euro Oy", "FI", "EUR", "SMB", None, "1000.00", None),
                ],
            ),
        )
    load(
        e,
        fx=[("2026-03-01", "EUR", "11.5")],
        invoices=[
            ("N1", "N", "2026-02-01", "2026-03-03", "50.00", "NOK"),
            ("E1", "E", "2026-03-02", "2026-04-01", "10.00", "EUR"),
        ],
    )
    with e.connect() as conn:
        early = views.overview(conn, date(2026, 2, 15))  # before the first EUR rate; E has nothing open yet
        assert early.kpis.total_open == D("50.00") and early.over_limit == 0
        assert early.kpis.limit_utilisation is None  # E's EUR limit cannot be converted yet: n/a, not a guess
        assert views.customer_detail(conn, refs(conn)["E"], date(2026, 2, 15)).credit_limit_base is None
        later = views.overview(conn, AS_OF)
        assert [(r.ref, r.credit_limit) for r in later.top_customers] == [("E", D("11500.00")), ("N", D("100.00"))]
