"""Open-items snapshots: the plan (pure), and daily snapshots applied to a real ledger on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ledger import csv_bytes, load, ready_engine
from sqlalchemy import select

from data_access.asof import aging, open_items
from data_access.borrowing import control_total
from data_access.imports import ImportFailed
from data_access.ledger import data_version
from data_access.open_items_import import import_open_items_file
from data_access.schema import (
    Allocation,
    CashApplication,
    ControlTotal,
    Customer,
    ImportLog,
    Invoice,
    Payment,
)
from domain.open_items import LedgerDoc, OpenItemRow, payment_ref, plan_snapshot

HEADER = (
    "snapshot_date",
    "document_number",
    "customer_ref",
    "issue_date",
    "due_date",
    "original_amount",
    "remaining_amount",
    "currency",
    "payment_date",
)
OPEN = date(9999, 12, 31)


def snap(day: str, rows) -> bytes:
    """rows: (document, customer, issue, due, original, remaining, currency[, payment_date])."""
    return csv_bytes(HEADER, [(day, *r, *(None,) * (8 - len(r))) for r in rows])


def apply(engine, data: bytes, name: str = "open-items.csv", **kw):
    with engine.begin() as conn:
        return import_open_items_file(conn, data, name, **kw)


def refused(engine, data: bytes, **kw) -> ImportFailed:
    with pytest.raises(ImportFailed) as exc:
        apply(engine, data, **kw)
    return exc.value


def total(engine, day: str) -> D:
    with engine.connect() as conn:
        return aging(conn, date.fromisoformat(day)).total


def open_docs(engine, day: str) -> dict[str, D]:
    with engine.connect() as conn:
        return {i.ref: i.open_amount for i in open_items(conn, date.fromisoformat(day))}


def payments(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(Payment.payment_ref, Payment.invoice_number, Payment.payment_date, Payment.amount))
        return {r.payment_ref: (r.invoice_number, r.payment_date.isoformat(), r.amount) for r in rows}


def dump(engine) -> dict:
    """Every ledger row a snapshot can write, to show that a refusal or a rerun changed nothing."""
    with engine.connect() as conn:
        # import_id is bookkeeping (which run wrote a row last, for undo), not ledger content: a rerun restamps it
        out = {
            m.__tablename__: sorted(
                tuple(r) for r in conn.execute(select(*(c for c in m.__table__.c if c.name != "import_id")))
            )
            for m in (Customer, Invoice, Payment, CashApplication, ControlTotal)
        }
        # allocations are derived rows, rebuilt for the customers a snapshot touches: compare them without their id
        cols = [c for c in Allocation.__table__.c if c.name != "id"]
        out["allocations"] = sorted(tuple(r) for r in conn.execute(select(*cols)))
        return out


# --- the plan, pure -----------------------------------------------------------------------------

DAY = date(2026, 3, 4)


def doc(number, kind, customer, amount, open_amount, issue=date(2026, 3, 1), credited=None, until=OPEN):
    return LedgerDoc(
        number,
        kind,
        customer,
        "NOK",
        issue,
        issue,
        D(amount),
        D(open_amount),
        until if open_amount else issue,
        credited,
    )


def row(number, customer, original, remaining, issue=date(2026, 3, 1), paid=None):
    kind = "invoice" if D(original) > 0 else "credit_note"
    return OpenItemRow(2, number, customer, kind, issue, issue, D(original), D(remaining), "NOK", paid)


def test_a_disappearing_credit_note_prefers_the_invoice_that_fell_by_exactly_its_amount():
    ledger = {
        "I1": doc("I1", "invoice", "C1", "1000.00", "1000.00"),
        "I2": doc("I2", "invoice", "C1", "500.00", "500.00"),
        "CN": doc("CN", "credit_note", "C1", "-150.00", "-150.00"),
    }
    # I1 falls 1000 -> 600 (400), I2 500 -> 350 (150): I2 fell by exactly the credit, so it absorbs it
    plan = plan_snapshot(DAY, [row("I1", "C1", "1000.00", "600.00"), row("I2", "C1", "500.00", "350.00")], ledger)
    assert [(a.credit_note, a.invoice_number, a.amount) for a in plan.applications] == [("CN", "I2", D("150.00"))]
    # I2's payment 150 - 150 = 0 disappears; I1 keeps its 400
    assert [(p.invoice_number, p.amount, p.closes) for p in plan.payments] == [("I1", D("400.00"), False)]
    assert plan.expected_open == {"I1": D("600.00"), "I2": D("350.00")}
    assert plan.warnings == ()


def test_a_credit_note_nothing_can_absorb_stays_open_with_a_warning():
    ledger = {
        "I1": doc("I1", "invoice", "C1", "1000.00", "1000.00"),
        "CN": doc("CN", "credit_note", "C1", "-150.00", "-150.00"),
        "CX": doc("CX", "credit_note", "C2", "-10.00", "-10.00"),  # another customer's: no invoice of C2 fell
    }
    # I1 fell by 100 only: less than the 150 credit
    plan = plan_snapshot(DAY, [row("I1", "C1", "1000.00", "900.00")], ledger)
    assert plan.applications == ()
    assert plan.expected_open == {"I1": D("900.00"), "CN": D("-150.00"), "CX": D("-10.00")}
    assert "credit note CN (-150.00 NOK) disappeared without an invoice to absorb it" in plan.warnings[0]
    assert "credit note CX (-10.00 NOK) disappeared without an invoice to absorb it" in plan.warnings[1]


def test_a_credit_note_used_in_part_is_kept_whole_with_a_warning():
    ledger = {"CN": doc("CN", "credit_note", "C1", "-500.00", "-500.00")}
    plan = plan_snapshot(DAY, [row("CN", "C1", "-500.00", "-200.00"), row("CN2", "C1", "-80.00", "-30.00")], ledger)
    assert plan.payments == ()
    # the ledger keeps -500 and stores the new CN2 at its original -80: 300 + 50 more credit than the ERP
    assert plan.expected_open == {"CN": D("-500.00"), "CN2": D("-80.00")}
    assert "keeps -500.00 (300.00 more credit than the snapshot)" in plan.warnings[0]
    assert "holds all -80.00 (50.00 more credit than the snapshot)" in plan.warnings[1]


def test_a_payment_dated_on_or_before_the_previous_snapshot_is_flagged():
    ledger = {"I1": doc("I1", "invoice", "C1", "1000.00", "1000.00")}
    plan = plan_snapshot(
        DAY, [row("I1", "C1", "1000.00", "700.00", paid=date(2026, 3, 3))], ledger, previous_snapshot=date(2026, 3, 3)
    )
    p = plan.payments[0]
    assert (p.ref, p.payment_date, p.amount) == ("OI-I1-2026-03-04", date(2026, 3, 3), D("300.00"))
    assert "dated 2026-03-03, on or before the previous snapshot (2026-03-03)" in plan.warnings[0]


def test_contradictions_are_problems_naming_the_document_and_both_values():
    ledger = {
        "I1": doc("I1", "invoice", "C1", "1000.00", "0", until=date(2026, 3, 2)),
        "I2": doc("I2", "invoice", "C1", "500.00", "300.00"),
        "I3": doc("I3", "invoice", "C1", "200.00", "200.00"),
    }
    plan = plan_snapshot(
        DAY,
        [row("I1", "C1", "1000.00", "1000.00"), row("I2", "C1", "500.00", "301.00"), row("I3", "C2", "200.00", "1")],
        ledger,
    )
    got = [(p.column, p.problem) for p in plan.problems]
    assert got == [
        (
            "document_number",
            "invoice I1 was closed in the ledger on 2026-03-02 (open amount 0.00), but the snapshot of 2026-03-04 "
            "lists it open with 1000.00 remaining",
        ),
        (
            "remaining_amount",
            "is more than invoice I2's open amount in the ledger as of 2026-03-04 (300.00): a snapshot cannot "
            "reopen part of a document",
        ),
        ("customer_ref", "invoice I3 has customer_ref C1 in the ledger, not C2"),
    ]


def test_a_long_document_number_gets_a_deterministic_short_reference():
    long_number = "X" * 60
    ref = payment_ref(long_number, DAY)
    assert len(ref) <= 64 and ref == payment_ref(long_number, DAY) and ref.endswith("-2026-03-04")
    assert payment_ref("A1", DAY) == "OI-A1-2026-03-04"


# --- three daily snapshots on a real ledger --------------------------------------------------------

CUSTOMERS = [("C1", "Fjord Handel AS", "NO", "NOK"), ("C2", "Vik Bygg AS", "NO", "NOK")]
LEDGER = [
    ("A1", "C1", "2026-03-01", "2026-03-31", "1000.00", "NOK"),
    ("A2", "C1", "2026-03-01", "2026-03-31", "800.00", "NOK"),
    ("B1", "C2", "2026-02-15", "2026-03-17", "500.00", "NOK"),
    ("CN1", "C2", "2026-03-01", "2026-03-01", "-150.00", "NOK", "credit_note"),
]
DAY1 = snap(
    "2026-03-02",
    [
        ("A1", "C1", "2026-03-01", "2026-03-31", "1000.00", "1000.00", "NOK"),
        ("A2", "C1", "2026-03-01", "2026-03-31", "800.00", "800.00", "NOK"),
        ("B1", "C2", "2026-02-15", "2026-03-17", "500.00", "500.00", "NOK"),
        ("CN1", "C2", "2026-03-01", "", "-150.00", "-150.00", "NOK"),
        ("A3", "C1", "2026-03-02", "2026-04-01", "300.00", "300.00", "NOK"),  # new
    ],
)
DAY2 = snap(
    "2026-03-03",
    [  # A1 is gone (paid in full), A2 fell 800 -> 500, A4 is new and paid in part
        ("A2", "C1", "2026-03-01", "2026-03-31", "800.00", "500.00", "NOK"),
        ("B1", "C2", "2026-02-15", "2026-03-17", "500.00", "500.00", "NOK"),
        ("CN1", "C2", "2026-03-01", "2026-03-01", "-150.00", "-150.00", "NOK"),
        ("A3", "C1", "2026-03-02", "2026-04-01", "300.00", "300.00", "NOK"),
        ("A4", "C2", "2026-03-03", "2026-04-02", "200.00", "120.00", "NOK", "2026-03-03"),
    ],
)
DAY3_ROWS = [  # CN1 is gone (used against B1, which fell 500 -> 100), A3 fell 300 -> 50, CN2 is new
    ("A2", "C1", "2026-03-01", "2026-03-31", "800.00", "500.00", "NOK"),
    ("B1", "C2", "2026-02-15", "2026-03-17", "500.00", "100.00", "NOK"),
    ("A3", "C1", "2026-03-02", "2026-04-01", "300.00", "50.00", "NOK", "2026-03-04"),
    ("A4", "C2", "2026-03-03", "2026-04-02", "200.00", "120.00", "NOK"),
    ("CN2", "C1", "2026-03-04", "", "-40.00", "-40.00", "NOK"),
]
DAY3 = snap("2026-03-04", DAY3_ROWS)


def three_days(db_url):
    e = ready_engine(db_url)
    load(e, customers=CUSTOMERS, invoices=LEDGER)
    return e, [apply(e, DAY1), apply(e, DAY2), apply(e, DAY3)]


def test_three_daily_snapshots_give_each_day_its_total_and_the_inferred_payments(db_url):
    e, (r1, r2, r3) = three_days(db_url)

    # day 1: 1000 + 800 + 500 - 150 + 300 (A3, new) = 2450.00; nothing was paid
    assert r1.inserted_documents == ("A3",)
    assert (r1.partial_payments, r1.closing_payments, r1.warnings) == ((), (), ())
    assert r1.control_total == r1.ledger_total == D("2450.00")

    # day 2: A1 closed by a payment of 1000; A2 paid 800 - 500 = 300; A4 new, paid 200 - 120 = 80 on 2026-03-03
    # total 500 + 500 - 150 + 300 + 120 = 1270.00
    assert r2.inserted_documents == ("A4",)
    assert r2.closed_documents == ("A1",)
    assert [(p.ref, p.amount) for p in r2.partial_payments] == [
        ("OI-A2-2026-03-03", D("300.00")),
        ("OI-A4-2026-03-03", D("80.00")),
    ]
    assert r2.control_total == r2.ledger_total == D("1270.00")

    # day 3: B1 fell 500 -> 100 = 400 and CN1 (150) left the list: CN1 is applied to B1, B1's payment 400 - 150 = 250;
    # A3 paid 300 - 50 = 250 on its payment_date; CN2 new. Total 500 + 100 + 50 + 120 - 40 = 730.00
    assert r3.inserted_documents == ("CN2",)
    assert [(a.credit_note, a.invoice_number, a.amount) for a in r3.applied_credit_notes] == [
        ("CN1", "B1", D("150.00"))
    ]
    assert r3.closed_documents == ("CN1",)
    assert [(p.ref, p.payment_date, p.amount) for p in r3.partial_payments] == [
        ("OI-A3-2026-03-04", date(2026, 3, 4), D("250.00")),
        ("OI-B1-2026-03-04", date(2026, 3, 4), D("250.00")),
    ]
    assert r3.control_total == r3.ledger_total == D("730.00")
    assert r3.warnings == ()

    assert payments(e) == {
        "OI-A1-2026-03-03": ("A1", "2026-03-03", D("1000.00")),
        "OI-A2-2026-03-03": ("A2", "2026-03-03", D("300.00")),
        "OI-A4-2026-03-03": ("A4", "2026-03-03", D("80.00")),
        "OI-B1-2026-03-04": ("B1", "2026-03-04", D("250.00")),
        "OI-A3-2026-03-04": ("A3", "2026-03-04", D("250.00")),
    }
    assert open_docs(e, "2026-03-04") == {
        "A2": D("500.00"),
        "A3": D("50.00"),
        "A4": D("120.00"),
        "B1": D("100.00"),
        "CN2": D("-40.00"),
    }
    # each day's aging total is still that day's snapshot total. CN1 is applied from its own date (2026-03-01), so
    # on day 2 B1 shows 350 and CN1 nothing: 500 + 350 + 300 + 120 = 1270; on day 1 1000 + 800 + 350 + 300 = 2450
    assert [total(e, d) for d in ("2026-03-02", "2026-03-03", "2026-03-04")] == [
        D("2450.00"),
        D("1270.00"),
        D("730.00"),
    ]
    with e.connect() as conn:
        assert [control_total(conn, date(2026, 3, d))[0] for d in (2, 3, 4)] == [
            D("2450.00"),
            D("1270.00"),
            D("730.00"),
        ]
        assert conn.execute(select(Invoice.credited_invoice).where(Invoice.invoice_number == "CN1")).scalar() == "B1"
        reason = conn.execute(select(CashApplication.reason)).scalar_one()
        assert reason.startswith("open-items snapshot 2026-03-04: credit note CN1 left the open items")
        logged = conn.execute(select(ImportLog.kind, ImportLog.status).where(ImportLog.kind == "open-items")).all()
        assert len(logged) == 3 and {s for _, s in logged} == {"ok"}


def test_rerunning_a_snapshot_changes_nothing_and_a_corrected_file_replaces_it(db_url):
    e, _ = three_days(db_url)
    before = dump(e)
    with e.connect() as conn:
        v0 = data_version(conn)
    again = apply(e, DAY3)
    assert dump(e) == before
    assert (again.inserted_documents, again.partial_payments, again.closed_documents) == ((), (), ())
    assert (again.removed_payments, again.unchanged_payments, again.control_total_added) == ((), 2, False)
    with e.connect() as conn:
        assert data_version(conn) > v0  # the import log is written, so caches refresh

    # the ERP corrects day 3: A3 is at 100 (paid 300 - 100 = 200), and CN1 is still open, so B1's fall of 400 is
    # all payment. Total 500 + 100 + 100 + 120 - 40 - 150 = 630.00
    corrected = [r for r in DAY3_ROWS if r[0] != "A3"] + [
        ("A3", "C1", "2026-03-02", "2026-04-01", "300.00", "100.00", "NOK", "2026-03-04"),
        ("CN1", "C2", "2026-03-01", "2026-03-01", "-150.00", "-150.00", "NOK"),
    ]
    ids_before = {r[1]: r[0] for r in before["payments"]}  # payment_ref -> id
    fixed = apply(e, snap("2026-03-04", corrected))
    assert [(p.ref, p.amount) for p in fixed.partial_payments] == [
        ("OI-A3-2026-03-04", D("200.00")),
        ("OI-B1-2026-03-04", D("400.00")),
    ]
    assert fixed.control_total == fixed.ledger_total == D("630.00")
    with e.connect() as conn:
        ids_after = dict(conn.execute(select(Payment.payment_ref, Payment.id)).all())
        assert ids_after == ids_before  # the same payments, corrected in place
        app = conn.execute(select(CashApplication.reversed_at, CashApplication.reversed_by)).one()
        assert app.reversed_at is not None and app.reversed_by == "open-items import"
        assert conn.execute(select(Invoice.credited_invoice).where(Invoice.invoice_number == "CN1")).scalar() is None
    # history before day 3 is as the ERP said again: day 2 has B1 500 and CN1 -150 -> 1270.00
    assert total(e, "2026-03-03") == D("1270.00")
    assert open_docs(e, "2026-03-03")["B1"] == D("500.00")

    # a third version of day 3 adds a payment next to the kept ones: A4 at 20 (paid 200 - 20 - 80 = 100 more)
    # total 630 - 100 = 530.00
    third = [r for r in corrected if r[0] != "A4"] + [
        ("A4", "C2", "2026-03-03", "2026-04-02", "200.00", "20.00", "NOK")
    ]
    r = apply(e, snap("2026-03-04", third))
    assert [(p.ref, p.amount) for p in r.partial_payments] == [("OI-A4-2026-03-04", D("100.00"))]
    assert (r.unchanged_payments, r.control_total, r.ledger_total) == (2, D("530.00"), D("530.00"))

    # a version of day 3 that the ledger contradicts is refused after the earlier run was taken back, and the
    # earlier run stays: A2 was 500 before day 3 (day 2 paid 300), so 600 is more than open
    before = dump(e)
    bad = [(*r[:5], "600.00", *r[6:]) if r[0] == "A2" else r for r in third]
    err = refused(e, snap("2026-03-04", bad))
    assert "is more than invoice A2's open amount in the ledger as of 2026-03-04 (500.00)" in str(err)
    assert dump(e) == before


def test_a_closed_document_reappearing_is_refused_and_nothing_changes(db_url):
    e, _ = three_days(db_url)
    before = dump(e)
    rows = [
        ("A1", "C1", "2026-03-01", "2026-03-31", "1000.00", "1000.00", "NOK"),
        *[r[:7] for r in DAY3_ROWS if r[0] != "A3"],
        ("A3", "C1", "2026-03-02", "2026-04-01", "300.00", "50.00", "NOK"),
    ]
    err = refused(e, snap("2026-03-05", rows))
    assert err.errors[0].row == 2 and err.errors[0].column == "document_number"
    assert (
        "invoice A1 was closed in the ledger on 2026-03-03 (open amount 0.00), but the snapshot of 2026-03-05 lists "
        "it open with 1000.00 remaining" in str(err)
    )
    assert dump(e) == before


def test_a_remaining_amount_above_the_open_amount_is_refused(db_url):
    e, _ = three_days(db_url)
    before = dump(e)
    rows = [(*r[:5], "600.00", *r[6:]) if r[0] == "A2" else r for r in DAY3_ROWS]
    err = refused(e, snap("2026-03-05", rows))
    assert (err.errors[0].row, err.errors[0].column, err.errors[0].value) == (2, "remaining_amount", "600.00")
    assert "is more than invoice A2's open amount in the ledger as of 2026-03-05 (500.00)" in str(err)
    # an earlier date than the latest snapshot applied is refused too
    err = refused(e, DAY2)
    assert "a snapshot of 2026-03-04 has been applied already" in str(err)
    assert dump(e) == before


def test_foreign_currency_totals_convert_per_document_and_a_missing_rate_is_refused(db_url):
    e = ready_engine(db_url)
    load(e, customers=CUSTOMERS, fx=[("2026-03-01", "EUR", "11.5")])
    data = snap(
        "2026-03-02",
        [
            ("E1", "C1", "2026-03-01", "2026-03-31", "100.01", "100.01", "EUR"),
            ("N1", "C2", "2026-03-01", "2026-03-31", "10.00", "10.00", "NOK"),
        ],
    )
    r = apply(e, data)
    # 100.01 x 11.5 = 1150.115 -> 1150.12 (half up per document) + 10.00 = 1160.12
    assert r.control_total == r.ledger_total == D("1160.12")
    err = refused(e, snap("2026-03-03", [("G1", "C1", "2026-03-01", "2026-03-31", "5.00", "5.00", "GBP")]))
    assert "no GBP exchange rate on or before 2026-03-03; import the fx-rates first" in str(err)


def test_payments_on_account_and_unabsorbed_credit_notes_show_as_a_difference_with_warnings(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=CUSTOMERS,
        invoices=[LEDGER[0], LEDGER[3]],
        payments=[("P1", "C1", "2026-03-01", "50.00", "NOK")],  # on account: names no invoice
    )
    # A1 stays at 1000; CN1 leaves the list, but no invoice of C2 fell: it stays open
    r = apply(e, snap("2026-03-02", [("A1", "C1", "2026-03-01", "2026-03-31", "1000.00", "1000.00", "NOK")]))
    # ours: 1000 - 150 (CN1) - 50 (P1) = 800.00; the ERP's 1000.00
    assert (r.control_total, r.ledger_total, r.difference) == (D("1000.00"), D("800.00"), D("-200.00"))
    assert "credit note CN1 (-150.00 NOK) disappeared without an invoice to absorb it" in r.warnings[0]
    assert "1 payment(s) on account (50.00 NOK) are open in the ledger as of 2026-03-02" in r.warnings[1]


def test_unknown_customers_are_row_errors_unless_created(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=CUSTOMERS)
    data = snap("2026-03-02", [("Z1", "C9", "2026-03-01", "2026-03-31", "70.00", "40.00", "EUR")])
    err = refused(e, data + b"")
    assert "no EUR exchange rate" in str(err)  # the rate is checked before the customers
    data = snap("2026-03-02", [("Z1", "C9", "2026-03-01", "2026-03-31", "70.00", "40.00", "NOK")])
    err = refused(e, data)
    assert (err.errors[0].row, err.errors[0].column, err.errors[0].value) == (2, "customer_ref", "C9")
    assert "unknown customer" in str(err)
    r = apply(e, data, create_customers=True)
    assert r.created_customers == ("C9",)
    assert [(p.ref, p.amount) for p in r.partial_payments] == [("OI-Z1-2026-03-02", D("30.00"))]  # 70 - 40
    with e.connect() as conn:
        assert conn.execute(select(Customer.name, Customer.currency).where(Customer.customer_ref == "C9")).one() == (
            "C9",
            "NOK",
        )


GOOD = ("2026-03-02", "A9", "C1", "2026-03-01", "2026-03-31", "100.00", "60.00", "NOK", "")


@pytest.mark.parametrize(
    ("changes", "column", "problem"),
    [
        ({5: "12,50"}, "original_amount", "not a canonical amount"),
        ({6: "60.001"}, "remaining_amount", "more than 2 decimals"),
        ({3: "01.03.2026"}, "issue_date", "not an ISO date"),
        ({4: "2026-02-01"}, "due_date", "before the issue date"),
        ({4: ""}, "due_date", "is required for an invoice"),
        ({6: "120.00"}, "remaining_amount", "is larger than original_amount (100.00)"),
        ({6: "-60.00"}, "remaining_amount", "must have the sign of original_amount"),
        ({6: "0.00"}, "remaining_amount", "must not be zero"),
        ({5: "0"}, "original_amount", "must not be zero"),
        ({7: "nok"}, "currency", "currency code"),
        ({8: "2026-03-03"}, "payment_date", "is after the snapshot date 2026-03-02"),
        ({8: "2026-02-28"}, "payment_date", "is before the issue date 2026-03-01"),
        ({3: "2026-03-03", 4: "2026-03-31"}, "issue_date", "is after the snapshot date 2026-03-02"),
        ({0: "2026-3-2"}, "snapshot_date", "not an ISO date"),
        ({2: ""}, "customer_ref", "is required"),
    ],
)
def test_bad_values_are_row_errors_naming_row_column_and_value(tmp_path, changes, column, problem):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=CUSTOMERS)
    ok = ("2026-03-02", "A8", "C1", "2026-03-01", "2026-03-31", "10.00", "10.00", "NOK", "")
    bad = tuple(changes.get(i, v) for i, v in enumerate(GOOD))
    before = dump(e)
    with pytest.raises(ImportFailed) as exc, e.begin() as conn:
        import_open_items_file(conn, csv_bytes(HEADER, [ok, bad]), "bad.csv")
    first = exc.value.errors[0]
    assert (first.row, first.column) == (3, column)
    assert problem in first.problem
    assert f"row 3, column {column}" in str(exc.value)
    assert dump(e) == before


def test_file_level_problems_are_named(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=CUSTOMERS)
    row1 = ("2026-03-02", "A1", "C1", "2026-03-01", "2026-03-31", "10.00", "10.00", "NOK", "")
    row2 = ("2026-03-03", "A1", "C1", "2026-03-01", "2026-03-31", "10.00", "10.00", "NOK", "")
    err = refused(e, csv_bytes(HEADER, [row1, row2]))
    assert "row 3, column snapshot_date" in str(err) and "differs from row 2 (2026-03-02)" in str(err)
    err = refused(e, csv_bytes(HEADER, [row1, row1]))
    assert "row 3, column document_number: duplicate key, first seen in row 2" in str(err)
    err = refused(e, csv_bytes(HEADER[1:], [row1[1:]]))
    assert "column snapshot_date: is required (or give the snapshot date separately)" in str(err)
    # the date given separately must agree with the column
    err = refused(e, csv_bytes(HEADER, [row1]), snapshot_date=date(2026, 3, 5))
    assert "differs from the snapshot date given (2026-03-05)" in str(err)
    err = refused(e, b"document_number,customer_ref\n")
    assert "missing required column(s): issue_date, due_date, original_amount" in str(err)
    err = refused(e, csv_bytes(HEADER, []), snapshot_date=date(2026, 3, 2))
    assert "lists no open documents; applying it would close every open document" in str(err)
    # without the column, the date comes as a parameter
    r = apply(e, csv_bytes(HEADER[1:], [row1[1:]]), snapshot_date=date(2026, 3, 2))
    assert (r.snapshot_date, r.inserted_documents, r.control_total) == (date(2026, 3, 2), ("A1",), D("10.00"))


def test_the_first_snapshot_into_a_demo_database_removes_the_demo_first(tmp_path):
    from data_access.ledger import set_setting

    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=CUSTOMERS, invoices=LEDGER)
    with e.begin() as conn:
        set_setting(conn, "demo_mode", True)
    data = snap("2026-03-02", [("R1", "C1", "2026-03-01", "2026-03-31", "70.00", "70.00", "NOK")])
    # the demo's C1 goes with the demo, so C1 is unknown unless created; the refusal keeps the demo
    assert "unknown customer" in str(refused(e, data))
    r = apply(e, data, create_customers=True)
    # the demo's A1, A2, B1 and CN1 are gone rather than closed by payments: only R1 is open
    assert (r.demo_removed, r.closed_documents, r.created_customers) == (True, (), ("C1",))
    assert open_docs(e, "2026-03-02") == {"R1": D("70.00")}
