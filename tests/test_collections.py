"""Collections records and the worklist on both engines, on a hand-built ledger (NOK, as of 2026-07-31 unless said).

K1 Nord AS (NO): INV1 10 000.00 due 2026-06-01 (60 days past due), INV2 2 000.00 due 2026-07-10 (21 days).
K2 Fjord AS (NO): INV3 5 000.00 due 2026-06-15 (46 days); payment P1 1 000.00 of 2026-06-20 names no invoice.
K3 Vest AS (NO): INV4 3 000.00 due 2026-06-20 (41 days).
K5 Berlin GmbH (DE, no ladder): INV6 1 000.00 due 2026-06-01.
Late interest 12.00 % a year in both halves of 2026 (NO), actual/365; fixed compensation NOK 460 in 2026.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from data_access import collections as col
from data_access.activities import add_activity
from data_access.asof import open_items
from data_access.imports import import_file
from data_access.ledger import data_version
from data_access.schema import (
    Activity,
    Allocation,
    CashApplication,
    CollectionPause,
    Customer,
    Dispute,
    DunningStep,
    Invoice,
    Payment,
    PaymentPlan,
    PlanInstalment,
    StatutoryParameter,
)
from data_access.statutory import ensure_statutory, statutory_table
from domain.activity import NewActivity
from domain.collections import CollectionsError
from domain.statutory import DEFAULT_STATUTORY
from tests.ledger import csv_bytes, load, ready_engine

D = date(2026, 7, 31)
M = Decimal


@pytest.fixture
def engine(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[
            ("K1", "Nord AS", "NO", "NOK", 30),
            ("K2", "Fjord AS", "NO", "NOK", 30),
            ("K3", "Vest AS", "NO", "NOK", 30),
            ("K5", "Berlin GmbH", "DE", "NOK", 30),
        ],
        invoices=[
            ("INV1", "K1", "2026-05-02", "2026-06-01", "10000.00", "NOK"),
            ("INV2", "K1", "2026-06-10", "2026-07-10", "2000.00", "NOK"),
            ("INV3", "K2", "2026-05-16", "2026-06-15", "5000.00", "NOK"),
            ("INV4", "K3", "2026-05-21", "2026-06-20", "3000.00", "NOK"),
            ("INV6", "K5", "2026-05-02", "2026-06-01", "1000.00", "NOK"),
        ],
        payments=[("P1", "K2", "2026-06-20", "1000.00", "NOK")],
    )
    return e


def ids(conn) -> dict[str, int]:
    return dict(conn.execute(select(Customer.customer_ref, Customer.id)).all())


def count(conn, model) -> int:
    return conn.execute(select(func.count()).select_from(model)).scalar_one()


def rows_by_ref(conn, as_of, **kw):
    return {r.ref: r for r in col.worklist(conn, as_of, **kw)}


def items(row) -> list[str]:
    return [i.invoice_number for i in row.items]


def test_worklist_lists_overdue_customers_by_step_then_due_date(engine):
    with engine.connect() as conn:
        rows = col.worklist(conn, D)
    assert [r.ref for r in rows] == ["K1", "K2", "K3", "K5"]  # all at the first reminder, by oldest due; no ladder last
    k1 = rows[0]
    assert (k1.mode, k1.country, k1.currency, k1.paused, k1.last_step) == ("ladder", "NO", "NOK", False, None)
    assert [(i.invoice_number, i.days_past_due, i.open_amount) for i in k1.items] == [
        ("INV1", 60, M("10000.00")),
        ("INV2", 21, M("2000.00")),
    ]
    # 10 000 x 0.12 x 60/365 = 197.260... ; 2 000 x 0.12 x 21/365 = 13.808...
    assert [i.interest for i in k1.items] == [M("197.26"), M("13.81")]
    # reminder 14 days after due: INV1 on 2026-06-15, INV2 on 2026-07-24; one letter, deadline 14 days from today
    assert [i.step_due.due_on for i in k1.items] == [date(2026, 6, 15), date(2026, 7, 24)]
    assert (k1.step.kind, k1.step.deadline_on, k1.fee) == ("reminder", date(2026, 8, 14), M("35.00"))
    # 2 invoices x NOK 460, less the 35 fee (Norway nets): 885
    assert (k1.open_total, k1.interest_total, k1.fees_charged, k1.compensation) == (
        M("12000.00"),
        M("211.07"),
        M("0.00"),
        M("885.00"),
    )
    assert k1.total_to_pay == M("13131.07")
    k5 = rows[3]
    assert (k5.mode, k5.step, k5.items[0].interest, k5.compensation, k5.total_to_pay) == (
        "no_ladder",
        None,
        M("0.00"),
        M("0.00"),
        M("1000.00"),
    )


def test_interest_across_a_half_year_boundary_on_one_invoice(engine):
    load(
        engine,
        customers=[("K6", "Bergen AS", "NO", "NOK", 30)],
        invoices=[("INV9", "K6", "2025-05-16", "2025-06-15", "10000.00", "NOK")],
    )
    with engine.connect() as conn:
        [row] = col.worklist(conn, date(2025, 7, 15))
    # 16-30 Jun 2025: 15 days at 12.5 %; 1-15 Jul 2025: 15 days at 12.25 %; actual/365:
    # 10 000 x (0.125 x 15 + 0.1225 x 15) / 365 = 3 712.5 / 365 = 101.712... -> 101.71
    assert (row.ref, row.items[0].days_past_due, row.items[0].interest) == ("K6", 30, M("101.71"))
    # reminder due 2025-06-29 with fee 35; compensation NOK 470 (H1 2025, the day after the due date) - 35 = 435
    assert (row.step.kind, row.fee, row.compensation) == ("reminder", M("35.00"), M("435.00"))
    assert row.total_to_pay == M("10000.00") + M("101.71") + M("35.00") + M("435.00")


def test_a_dispute_pauses_only_its_invoice_while_open(engine):
    with engine.begin() as conn:
        did = col.open_dispute(
            conn,
            "INV1",
            M("500.00"),
            reason="wrong quantity",
            owner="sales",
            opened_on=date(2026, 7, 20),
            author="Kari",
        )
        # the imported disputed amount pauses an invoice too
        conn.execute(update(Invoice).where(Invoice.invoice_number == "INV4").values(disputed_amount=M("100.00")))
    with engine.connect() as conn:
        assert items(rows_by_ref(conn, D)["K1"]) == ["INV2"]
        assert items(rows_by_ref(conn, date(2026, 7, 19))["K1"]) == ["INV1", "INV2"]  # not yet disputed
        assert set(rows_by_ref(conn, D)) == {"K1", "K2", "K5"}  # K3's only invoice is disputed in the ERP
        [d] = col.disputes(conn, status="open")
        assert (d.id, d.invoice_number, d.amount, d.owner, d.author) == (did, "INV1", M("500.00"), "sales", "Kari")
    with engine.begin() as conn:
        col.resolve_dispute(conn, did, outcome="credit_note", resolved_on=date(2026, 7, 25), author="Ola")
    with engine.connect() as conn:
        assert items(rows_by_ref(conn, date(2026, 7, 22))["K1"]) == ["INV2"]  # still open on that day
        assert items(rows_by_ref(conn, D)["K1"]) == ["INV1", "INV2"]
        assert col.disputes(conn, status="open") == []
        notes = conn.execute(select(Activity.text, Activity.author).order_by(Activity.id)).all()
        assert [(n.text.split(":")[0], n.author) for n in notes] == [
            ("Dispute opened on invoice INV1", "Kari"),
            ("Dispute on invoice INV1 resolved", "Ola"),
        ]
        with pytest.raises(CollectionsError) as exc:
            col.resolve_dispute(conn, did, outcome="rejected", resolved_on=D, author="Ola")
        assert exc.value.code == "dispute_resolved"


def test_a_kept_plan_pauses_its_invoices_and_a_missed_instalment_brings_them_back(engine):
    with engine.begin() as conn:
        k2 = ids(conn)["K2"]
        pid = col.create_plan(
            conn,
            k2,
            ["INV3"],
            [(date(2026, 7, 15), M("2500.00")), (date(2026, 8, 15), M("2500.00"))],
            agreed_on=date(2026, 7, 1),
            reason="seasonal cash squeeze",
            author="Kari",
        )
    load(engine, payments=[("P2", "K2", "2026-07-14", "2500.00", "NOK", "INV3")])
    with engine.connect() as conn:
        s = col.plan_status(conn, pid, D)
        # P1 (2026-06-20) is before the agreement and does not count; P2 covers the first instalment in time
        assert ([i.status for i in s.instalments], s.paid, s.kept) == (["paid", "upcoming"], M("2500.00"), True)
        assert "K2" not in rows_by_ref(conn, D)
        assert col.missed_instalments(conn, D) == []
        assert [i.status for i in col.plan_status(conn, pid, date(2026, 8, 15)).instalments] == ["paid", "due"]
        late = col.plan_status(conn, pid, date(2026, 8, 20))
        assert ([i.status for i in late.instalments], late.kept, late.missed_since) == (
            ["paid", "missed"],
            False,
            date(2026, 8, 16),
        )
        k2_row = rows_by_ref(conn, date(2026, 8, 20))["K2"]
        assert (items(k2_row), k2_row.open_total) == (["INV3"], M("2500.00"))
        [(cust, key, since, message, params)] = col.missed_instalments(conn, date(2026, 8, 20))
        assert (cust, key, since) == (k2, f"plan:{pid}:instalment:2", date(2026, 8, 16))
        assert (params["amount"], params["date"], params["currency"]) == ("2500.00", "2026-08-15", "NOK")
        assert "instalment 2 of payment plan" in message
    with engine.begin() as conn:
        with pytest.raises(CollectionsError) as exc:
            col.create_plan(conn, k2, ["INV3"], [(D, M("2500.00"))], agreed_on=D, reason="again", author="Kari")
        assert exc.value.code == "plan_running"
        col.cancel_plan(conn, pid, cancelled_on=D, reason="customer asked", author="Ola")
    with engine.connect() as conn:
        assert "K2" in rows_by_ref(conn, D)  # a cancelled plan pauses nothing
        assert col.missed_instalments(conn, date(2026, 8, 20)) == []


def test_promises_kept_broken_and_pending_from_payments(engine):
    with engine.begin() as conn:
        k3 = ids(conn)["K3"]
        a1 = add_activity(
            conn, k3, NewActivity("promise", date(2026, 7, 1), "", "Kari", M("1000.00"), date(2026, 7, 10))
        )
        a2 = add_activity(
            conn, k3, NewActivity("promise", date(2026, 7, 11), "", "Kari", M("400.00"), date(2026, 7, 20))
        )
        note = add_activity(conn, k3, NewActivity("note", date(2026, 7, 1), "called", "Kari"))
    load(
        engine,
        payments=[("P3", "K3", "2026-07-08", "600.00", "NOK", "INV4"), ("P4", "K3", "2026-07-15", "400.00", "NOK")],
    )
    with engine.connect() as conn:
        assert [col.promise_status(conn, a1, d) for d in (date(2026, 7, 9), date(2026, 7, 10), date(2026, 7, 11))] == [
            "pending",
            "pending",
            "broken",  # 600 of 1 000 paid by 10 July
        ]
        assert col.promise_status(conn, a2, date(2026, 7, 14)) == "pending"
        assert col.promise_status(conn, a2, date(2026, 7, 15)) == "kept"  # P4 alone; P3 predates the promise
        [(cust, key, since, message, params)] = col.broken_promises(conn, D)
        assert (cust, key, since) == (k3, f"promise:{a1}", date(2026, 7, 11))
        assert message == "promise to pay 1,000.00 NOK by 2026-07-10 was broken: 600.00 paid"
        assert (params["amount"], params["date"], params["paid"], params["currency"]) == (
            "1000.00",
            "2026-07-10",
            "600.00",
            "NOK",
        )
        assert col.broken_promises(conn, date(2026, 7, 10)) == []
        with pytest.raises(CollectionsError) as exc:
            col.promise_status(conn, note, D)
        assert exc.value.code == "not_a_promise"


def test_the_second_step_is_timed_from_the_first_marked_sent(engine):
    with engine.begin() as conn:
        k1 = ids(conn)["K1"]
        sid = col.mark_step_sent(
            conn,
            k1,
            step="reminder",
            invoice_numbers=["INV1"],
            sent_on=date(2026, 6, 20),
            deadline_on=date(2026, 7, 4),
            fee=M("35.00"),
            currency="NOK",
            author="Kari",
        )
    with engine.connect() as conn:
        [step] = col.dunning_steps(conn, k1)
        assert (step.id, step.step, step.invoice_numbers, step.author) == (sid, "reminder", ("INV1",), "Kari")
        log = conn.execute(select(Activity.kind, Activity.text, Activity.author).where(Activity.id == step.activity_id))
        assert log.one() == (
            "note",
            "Reminder sent: reminder for invoice INV1, fee 35.00 NOK, pay by 2026-07-04",
            "Kari",
        )
        # the notice comes 28 days after the reminder was sent (2026-06-20), not after it was due (2026-06-15)
        early = rows_by_ref(conn, date(2026, 7, 17))["K1"]
        assert (early.step, early.last_step) == (None, ("reminder", date(2026, 6, 20)))
        on_day = rows_by_ref(conn, date(2026, 7, 18))["K1"]
        assert (on_day.step.kind, on_day.step.due_on, on_day.step.deadline_on) == (
            "notice_of_collection",
            date(2026, 7, 18),
            date(2026, 8, 1),
        )
        # one row for K1 at its highest step: INV1 at the notice, INV2 at its first reminder
        rows = col.worklist(conn, D)
        [k1_row] = [r for r in rows if r.ref == "K1"]
        assert rows[0] is k1_row  # the highest step sorts first
        assert [(i.invoice_number, i.step_due.kind) for i in k1_row.items] == [
            ("INV1", "notice_of_collection"),
            ("INV2", "reminder"),
        ]
        assert (k1_row.step.kind, k1_row.fee, k1_row.fees_charged) == ("notice_of_collection", M("35.00"), M("35.00"))
        # 920 compensation - 35 charged - 35 now = 850; 12 000 + 211.07 + 35 + 35 + 850
        assert (k1_row.compensation, k1_row.total_to_pay) == (M("850.00"), M("13131.07"))
        assert k1_row.violations == ()  # 19 days after due, NOK 35: lawful


def test_a_pause_takes_the_customer_off_the_worklist(engine):
    with engine.begin() as conn:
        k1 = ids(conn)["K1"]
        pid = col.pause_customer(
            conn, k1, reason="owner in hospital", paused_on=date(2026, 7, 1), until=date(2026, 8, 31), author="Kari"
        )
    with engine.connect() as conn:
        assert "K1" not in rows_by_ref(conn, D)
        shown = rows_by_ref(conn, D, include_paused=True)["K1"]
        assert (shown.paused, shown.step, shown.fee) == (True, None, M("0.00"))
        assert "K1" in rows_by_ref(conn, date(2026, 6, 30))  # before the pause
    with engine.begin() as conn:
        col.end_pause(conn, pid, ended_on=date(2026, 8, 5), author="Ola")
    with engine.connect() as conn:
        assert "K1" not in rows_by_ref(conn, date(2026, 8, 4))
        assert "K1" in rows_by_ref(conn, date(2026, 8, 5))
        [p] = col.pauses(conn, k1)
        assert (p.paused_until, p.ended_on, p.author) == (date(2026, 8, 31), date(2026, 8, 5), "Kari")


def _open(conn, customer_id):
    return [(i.kind, i.ref, i.open_amount) for i in open_items(conn, D, "due", customer_id)]


def test_cash_application_allocates_an_unapplied_payment_and_its_reversal_restores_it(engine):
    with engine.connect() as conn:
        k2 = ids(conn)["K2"]
        before = _open(conn, k2)
        assert before == [("invoice", "INV3", M("5000.00")), ("payment", "P1", M("-1000.00"))]
        [u] = col.unapplied_documents(conn, k2, D)
        assert (u.kind, u.ref, u.doc_date, u.amount, u.invoice_number) == (
            "payment",
            "P1",
            date(2026, 6, 20),
            M("1000.00"),
            None,
        )
    with engine.begin() as conn:
        aid = col.apply_cash(
            conn, doc_kind="payment", doc_ref="P1", invoice_number="INV3", reason="remittance names INV3", author="Kari"
        )
    with engine.connect() as conn:
        assert _open(conn, k2) == [("invoice", "INV3", M("4000.00"))]
        assert col.unapplied_documents(conn, k2, D) == []
        assert conn.execute(select(Allocation.alloc_date, Allocation.amount)).all() == [
            (date(2026, 6, 20), M("1000.00"))
        ]
        assert rows_by_ref(conn, D)["K2"].open_total == M("4000.00")
    with engine.begin() as conn:
        col.reverse_cash_application(conn, aid, author="Ola")
    with engine.connect() as conn:
        assert _open(conn, k2) == before
        assert conn.execute(select(Payment.invoice_number).where(Payment.payment_ref == "P1")).scalar_one() is None
        assert count(conn, Allocation) == 0
        [a] = col.cash_applications(conn, k2)
        assert (a.doc_ref, a.old_invoice_number, a.new_invoice_number, a.author, a.reversed_by) == (
            "P1",
            None,
            "INV3",
            "Kari",
            "Ola",
        )
        with pytest.raises(CollectionsError) as exc:
            col.reverse_cash_application(conn, aid, author="Ola")
        assert exc.value.code == "already_reversed"


def test_erp_mode_checks_the_letters_the_erp_sent(engine):
    header = (
        "invoice_number",
        "reminder_level",
        "last_reminder_date",
        "last_deadline_date",
        "fees_charged",
        "notice_sent_date",
        "collection_status",
    )
    with engine.begin() as conn:
        # a NOK 35 reminder fee 10 days after the due date (2026-06-20): 4 days too early
        import_file(
            conn, "dunning-status", csv_bytes(header, [("INV4", 1, "2026-06-30", "2026-07-14", "35.00", "", "")])
        )
    with engine.connect() as conn:
        k3 = rows_by_ref(conn, D)["K3"]
    assert (k3.mode, k3.step, k3.fee, k3.last_step) == ("erp", None, M("0.00"), ("reminder", date(2026, 6, 30)))
    [v] = k3.violations
    assert (v.invoice_number, v.violation.code, v.violation.rule) == (
        "INV4",
        "fee_too_early",
        "inkassoforskriften § 1-2",
    )
    assert v.violation.params["days_after_due"] == 10
    # 3 000 x 0.12 x 41/365 = 40.438...; compensation 460 less the 35 the ERP charged
    assert (k3.items[0].interest, k3.fees_charged, k3.compensation) == (M("40.44"), M("35.00"), M("425.00"))
    assert k3.total_to_pay == M("3000.00") + M("40.44") + M("35.00") + M("425.00")


BAD_INPUT = [
    ("amount_above_open", lambda c, k: col.open_dispute(c, "INV1", M("10000.01"), **_dispute())),
    ("owner", lambda c, k: col.open_dispute(c, "INV1", M("1.00"), **{**_dispute(), "owner": "legal"})),
    ("unknown_invoice", lambda c, k: col.open_dispute(c, "NOPE", M("1.00"), **_dispute())),
    (
        "invoice_not_open",
        lambda c, k: col.open_dispute(c, "INV1", M("1.00"), **{**_dispute(), "opened_on": date(2026, 5, 1)}),
    ),
    ("author", lambda c, k: col.open_dispute(c, "INV1", M("1.00"), **{**_dispute(), "author": "  "})),
    ("unknown_dispute", lambda c, k: col.resolve_dispute(c, 999, outcome="settled", resolved_on=D, author="Kari")),
    (
        "instalments_do_not_match",
        lambda c, k: col.create_plan(
            c, k["K2"], ["INV3"], [(D, M("2000.00")), (date(2026, 8, 31), M("2000.00"))], **_plan()
        ),
    ),
    ("other_customer", lambda c, k: col.create_plan(c, k["K2"], ["INV1"], [(D, M("10000.00"))], **_plan())),
    ("unknown_plan", lambda c, k: col.cancel_plan(c, 999, cancelled_on=D, reason="x", author="Kari")),
    ("step_kind", lambda c, k: col.mark_step_sent(c, k["K1"], **{**_step(), "step": "final_warning"})),
    (
        "deadline_before_sent",
        lambda c, k: col.mark_step_sent(c, k["K1"], **{**_step(), "deadline_on": date(2026, 7, 1)}),
    ),
    (
        "invoice_not_open",
        lambda c, k: col.mark_step_sent(
            c, k["K1"], **{**_step(), "invoice_numbers": ["INV2"], "sent_on": date(2026, 6, 1)}
        ),
    ),
    (
        "until_before_start",
        lambda c, k: col.pause_customer(c, k["K1"], reason="x", paused_on=D, until=date(2026, 7, 1), author="Kari"),
    ),
    ("other_customer", lambda c, k: col.apply_cash(c, **{**_cash(), "invoice_number": "INV1"})),
    ("doc_kind", lambda c, k: col.apply_cash(c, **{**_cash(), "doc_kind": "invoice"})),
    ("reason", lambda c, k: col.apply_cash(c, **{**_cash(), "reason": ""})),
]


def _dispute():
    return {"reason": "wrong price", "owner": "sales", "opened_on": D, "author": "Kari"}


def _plan():
    return {"agreed_on": D, "reason": "cash squeeze", "author": "Kari"}


def _step():
    return {
        "step": "reminder",
        "invoice_numbers": ["INV1"],
        "sent_on": D,
        "deadline_on": date(2026, 8, 14),
        "fee": M("35.00"),
        "currency": "NOK",
        "author": "Kari",
    }


def _cash():
    return {"doc_kind": "payment", "doc_ref": "P1", "invoice_number": "INV3", "reason": "remittance", "author": "Kari"}


@pytest.mark.parametrize(("code", "call"), BAD_INPUT, ids=[f"{i}-{c}" for i, (c, _) in enumerate(BAD_INPUT)])
def test_bad_input_is_refused_and_writes_nothing(engine, code, call):
    records = (
        Dispute,
        PaymentPlan,
        PlanInstalment,
        DunningStep,
        CollectionPause,
        CashApplication,
        Activity,
        Allocation,
    )
    with engine.begin() as conn:
        version = data_version(conn)
        with pytest.raises(CollectionsError) as exc:
            call(conn, ids(conn))
        assert exc.value.code == code, str(exc.value)
        assert str(exc.value)
        assert data_version(conn) == version
        assert [count(conn, m) for m in records] == [0] * len(records)
        assert conn.execute(select(Payment.invoice_number).where(Payment.payment_ref == "P1")).scalar_one() is None


def test_statutory_defaults_are_seeded_once_and_read_back_exactly(engine):
    with engine.begin() as conn:
        assert set(statutory_table(conn).rows) == set(DEFAULT_STATUTORY)  # nothing stored yet: the defaults
        version = data_version(conn)
        assert ensure_statutory(conn) == len(DEFAULT_STATUTORY)
        assert data_version(conn) == version + 1
        assert ensure_statutory(conn) == 0
        assert set(statutory_table(conn).rows) == set(DEFAULT_STATUTORY)
        assert statutory_table(conn).get("NO", "reminder_fee_fraction", D).value == M("0.05")
        # an edited figure is what the worklist uses
        conn.execute(
            update(StatutoryParameter)
            .where(
                StatutoryParameter.jurisdiction == "NO",
                StatutoryParameter.parameter == "late_interest_rate",
                StatutoryParameter.valid_from == date(2026, 7, 1),
            )
            .values(value="24.00")
        )
        k1 = rows_by_ref(conn, D)["K1"]
    # INV2 lies wholly in H2 2026: 2 000 x 0.24 x 21/365 = 27.616... -> 27.62
    assert k1.items[1].interest == M("27.62")
