"""Monitor backtest ("early and quiet") on the 80-customer test demo: deteriorating payers are flagged before their
first invoice is 30 days overdue, steady-slow and one-off-late payers never are.

Definitions are those of data_access/backtest.py (and docs/benchmarks.md). The test replays the monitor every 3rd
day from R = end - 400 days, plus the end date. A coarser replay can only raise the payment_deterioration alert
on the same day or later (the condition depends on the ledger and the date alone, so the first replay date on
which it holds is never before the first night on which it holds): "flagged early" on it implies flagged early
nightly. Quietness does not carry over that way (a coarse replay could step over a short blip), so the test also
checks the trend condition the rule reads on every night of the range (`deteriorating_dates`, one query).
The benchmark (`python -m bench.backtest`) replays the monitor itself nightly.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
from ledger import load, ready_engine

from data_access.asof import customer_names, open_items
from data_access.backtest import (
    ANY,
    DETERIORATION,
    BacktestError,
    deteriorating_dates,
    false_alarms,
    first_overdue_dates,
    late_or_missed,
    outcomes,
    replay,
    started_flagged,
    summarise,
)
from data_access.demo import DEMO_END_DATE, DemoSpec, generate
from data_access.engine import make_engine
from domain.aging import Basis

SPEC = DemoSpec(customers=80, seed=5)  # the spec of conftest's session demo (checked below by the names)
START = DEMO_END_DATE - timedelta(days=400)  # R: before every deteriorating customer's turn (255-285 days back)
STEP = 3
COARSE = sorted({START + timedelta(days=k) for k in range(0, 401, STEP)} | {DEMO_END_DATE})
NIGHTLY = [START + timedelta(days=k) for k in range(401)]


@pytest.fixture(scope="module")
def backtest(_demo_db_template, tmp_path_factory):
    """One replay for the module, on a private copy of the session demo that `demo_url` copies too."""
    target = tmp_path_factory.mktemp("backtest") / "demo.db"
    shutil.copy(_demo_db_template, target)
    engine = make_engine(f"sqlite:///{target}")
    data = generate(SPEC)
    with engine.connect() as conn:
        names = customer_names(conn)
    assert sorted(n for _, n in names.values()) == sorted(c["name"] for c in data.customers), "not the SPEC demo"
    archetypes = {cid: (ref, data.archetypes[ref]) for cid, (ref, _) in names.items()}
    result = replay(engine, COARSE)
    with engine.connect() as conn:
        first_30 = first_overdue_dates(conn, START, DEMO_END_DATE)
        trend_days = deteriorating_dates(conn, NIGHTLY)
    rows = outcomes(result, first_30, archetypes)
    yield {
        "engine": engine,
        "result": result,
        "first_30": first_30,
        "trend_days": trend_days,
        "rows": rows,
        "ids": {ref: cid for cid, (ref, _) in archetypes.items()},
    }
    engine.dispose()


def _describe(rows) -> str:
    return "; ".join(
        f"{o.customer_ref} flagged {o.flagged_on} first 30 days overdue {o.first_30_on} (lead {o.lead_days})"
        for o in rows
    )


def test_the_demo_holds_enough_of_each_archetype_to_judge(backtest):
    counts = {a: s.customers for a, s in summarise(backtest["rows"]).items()}
    assert counts["deteriorating"] >= 2 and counts["steady_slow"] >= 2 and counts["noisy_prompt"] >= 2, counts
    assert sum(counts.values()) == 80
    # not vacuous on the early side either: some deteriorating customers do reach 30 days overdue in the range
    det = [o for o in backtest["rows"] if o.archetype == "deteriorating"]
    assert sum(1 for o in det if o.first_30_on is not None) >= 2


def test_every_deteriorating_customer_is_flagged_before_its_first_invoice_is_30_days_overdue(backtest):
    rows, result = backtest["rows"], backtest["result"]
    failing = late_or_missed(rows)
    assert not failing, "requirement 'early' FAILS with the current policy defaults (not changed here): " + _describe(
        failing
    )
    det = [o for o in rows if o.archetype == "deteriorating"]
    assert all(o.flagged_on is not None for o in det), _describe(o for o in det if o.flagged_on is None)
    # the range starts early enough: nobody is flagged (or overdue) on its first day, where the monitor's first
    # run would raise every condition that already holds and the lead time would be measured from R
    assert started_flagged(result, rows) == []
    assert all(o.first_30_on is None or o.first_30_on > START for o in det)
    assert min(o.lead_days for o in det if o.lead_days is not None) > 0


def test_no_steady_slow_or_one_off_late_payer_is_flagged(backtest):
    rows = backtest["rows"]
    assert false_alarms(rows) == [], "requirement 'quiet' FAILS: false deterioration alerts"
    assert false_alarms(rows, ("prompt",)) == []
    # nightly, not only on the replay's dates: the condition the rule reads never holds for a quiet payer
    quiet = {backtest["ids"][o.customer_ref] for o in rows if o.archetype in ("steady_slow", "noisy_prompt")}
    assert {cid: ds for cid, ds in backtest["trend_days"].items() if cid in quiet} == {}
    # ... although every one-off-late payer does have an invoice more than 30 days overdue in the range
    noisy = [o for o in rows if o.archetype == "noisy_prompt"]
    assert all(o.first_30_on is not None for o in noisy)


def test_the_replay_flags_on_the_first_replay_date_the_trend_rule_holds(backtest):
    result, trend_days = backtest["result"], backtest["trend_days"]
    coarse = set(COARSE)
    flagged = {cid: per[DETERIORATION] for cid, per in result.first_alert.items() if DETERIORATION in per}
    expected = {cid: min(d for d in ds if d in coarse) for cid, ds in trend_days.items() if coarse & set(ds)}
    assert flagged == expected
    # the nightly first date is never later than the coarse one (why a coarse 'early' implies a nightly one)
    assert all(trend_days[cid][0] <= d for cid, d in flagged.items())
    # the first alert of any type is never after the first deterioration alert
    assert all(result.first(cid, ANY) <= d for cid, d in flagged.items())


def test_first_30_days_overdue_matches_open_items_for_a_hand_picked_customer(backtest):
    # K10006 (deteriorating): F2026-000667, due 2026-07-10, still open at the end, is 31 days past due on 2026-08-10
    cid = backtest["ids"]["K10006"]
    assert backtest["first_30"][cid] == date(2026, 8, 10)
    with backtest["engine"].connect() as conn:
        on = [(i.ref, i.days) for i in open_items(conn, date(2026, 8, 10), Basis.DUE, cid) if i.kind == "invoice"]
        before = open_items(conn, date(2026, 8, 9), Basis.DUE, cid)
        assert [x for x in on if x[1] > 30] == [("F2026-000667", 31)]
        assert max(i.days for i in before if i.kind == "invoice") == 30
        # and for every customer: over 30 days on its date, not on the day before (unless that is before R)
        for c, d in backtest["first_30"].items():
            days_on = [i.days for i in open_items(conn, d, Basis.DUE, c) if i.kind == "invoice"]
            assert max(days_on) > 30, (c, d)
            if d > START:
                days_before = [
                    i.days for i in open_items(conn, d - timedelta(days=1), Basis.DUE, c) if i.kind == "invoice"
                ]
                assert all(x <= 30 for x in days_before), (c, d)


def test_first_overdue_dates_on_a_hand_ledger(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[(f"C{n}", f"Kunde {n} AS") for n in range(1, 6)],
        invoices=[
            ("A1", "C1", "2025-12-11", "2026-01-10", "100.00", "NOK"),  # settled on due + 31: never over 30
            ("A2", "C1", "2025-12-21", "2026-01-20", "100.00", "NOK"),  # settled on due + 32: over 30 on 02-20
            ("B1", "C2", "2025-10-02", "2025-11-01", "100.00", "NOK"),  # unpaid, over 30 before the range starts
            ("C1", "C3", "2026-01-30", "2026-03-01", "100.00", "NOK"),  # unpaid, over 30 from 2026-04-01
            ("D1", "C4", "2025-09-01", "2025-10-01", "100.00", "NOK"),  # paid late, but before the range
            ("E1", "C5", "2026-01-01", "2026-01-31", "100.00", "NOK"),  # partly paid: still open
        ],
        payments=[
            ("P1", "C1", "2026-02-10", "100.00", "NOK", "A1"),
            ("P2", "C1", "2026-02-21", "100.00", "NOK", "A2"),
            ("P3", "C4", "2025-12-15", "100.00", "NOK", "D1"),
            ("P4", "C5", "2026-01-31", "60.00", "NOK", "E1"),
        ],
    )
    start = date(2026, 1, 1)
    with e.connect() as conn:
        ids = {ref: cid for cid, (ref, _) in customer_names(conn).items()}
        got = first_overdue_dates(conn, start, date(2026, 3, 31))
        assert got == {ids["C1"]: date(2026, 2, 20), ids["C2"]: start, ids["C5"]: date(2026, 3, 3)}
        assert first_overdue_dates(conn, start, date(2026, 4, 1))[ids["C3"]] == date(2026, 4, 1)
        assert first_overdue_dates(conn, date(2026, 2, 21), date(2026, 3, 31)).get(ids["C1"]) is None
        with pytest.raises(BacktestError, match="ends"):
            first_overdue_dates(conn, start, start - timedelta(days=1))
    with pytest.raises(BacktestError, match="at least one date"):
        replay(e, [])
    result = replay(e, [date(2026, 3, 2), date(2026, 3, 1)])
    assert result.dates == (date(2026, 3, 1), date(2026, 3, 2)) and len(result.nights) == 2
    assert result.first(ids["C2"], "overdue") == date(2026, 3, 1)  # B1 is 120 days past due, over the 60 of policy
    assert result.first(ids["C2"], DETERIORATION) is None
    with pytest.raises(BacktestError, match="already run"):
        replay(e, [date(2026, 3, 3)])
    e.dispose()
