"""Undoing an import from the log: what it inserted goes, what it updated comes back, what it deleted returns, and
the undo is refused (changing nothing) while anything later depends on the import. SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest
from ledger import CUSTOMER_HEADER, INVOICE_HEADER, PAYMENT_HEADER, csv_bytes, load, ready_engine
from sqlalchemy import func, select
from test_open_items_import import CUSTOMERS, DAY1, DAY2, DAY3, LEDGER, dump
from test_open_items_import import apply as apply_snapshot

from data_access.activities import add_activity
from data_access.asof import aging
from data_access.borrowing import control_total
from data_access.import_journal import UndoRefused, undo_import
from data_access.imports import ImportFailed, import_file, log_failed_import
from data_access.ingest import import_export
from data_access.ledger import data_version, utcnow
from data_access.limits import credit_terms, update_credit_terms
from data_access.schema import (
    CompanyEvent,
    CreditReport,
    Customer,
    FxRate,
    ImportChange,
    ImportLog,
    Invoice,
    Payment,
    WriteOff,
)
from domain.activity import NewActivity

C = [("C1", "Fjord Handel AS", "NO", "NOK", "30", "1000.00"), ("C2", "Vik Bygg AS", "NO", "NOK", "30", "")]
INV = [
    ("A1", "C1", "2026-01-01", "2026-01-31", "1000.00", "NOK"),
    ("A2", "C1", "2026-01-10", "2026-02-09", "250.00", "NOK"),
    ("B1", "C2", "2026-01-05", "2026-02-04", "50.00", "NOK"),
]
AS_OF = date(2026, 3, 31)


def imp(engine, kind: str, header, rows, name: str | None = None, author: str = "kari"):
    padded = [tuple(r) + (None,) * (len(header) - len(r)) for r in rows]
    with engine.begin() as conn:
        return import_file(conn, kind, csv_bytes(header, padded), name or f"{kind}.csv", None, author)


def undo(engine, import_id: int, author: str = "ola"):
    with engine.begin() as conn:
        return undo_import(conn, import_id, author)


def refused(engine, import_id: int) -> UndoRefused:
    before = snapshot(engine)
    with pytest.raises(UndoRefused) as exc:
        undo(engine, import_id)
    assert snapshot(engine) == before  # nothing changed, the version included
    return exc.value


def snapshot(engine) -> tuple:
    with engine.connect() as conn:
        return (dump(engine), data_version(conn), conn.execute(select(ImportLog.id, ImportLog.status)).all())


def total(engine, day: date = AS_OF) -> D:
    with engine.connect() as conn:
        return aging(conn, day).total


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def status(engine, import_id: int) -> tuple:
    with engine.connect() as conn:
        r = conn.execute(select(ImportLog).where(ImportLog.id == import_id)).one()
        return r.status, r.undone_by


def test_undo_removes_what_an_import_added_and_is_refused_while_later_payments_name_its_invoices(db_url):
    e = ready_engine(db_url)
    cust = imp(e, "customers", CUSTOMER_HEADER, C)
    inv = imp(e, "invoices", INVOICE_HEADER, INV)
    pay = imp(e, "payments", PAYMENT_HEADER, [("P1", "C1", "2026-02-15", "400.00", "NOK", "A1")])
    assert (cust.import_id, inv.import_id, pay.import_id) == (1, 2, 3)
    # 1000 + 250 + 50 - 400 = 900.00
    assert total(e) == D("900.00")

    err = refused(e, inv.import_id)
    assert "payments from other imports name invoices it created (P1)" in str(err.reasons)
    assert "1 invoice(s) it created are settled in part by payments" in " ".join(err.reasons)
    assert str(err).startswith("import #2 cannot be undone, nothing was changed: ")

    with e.connect() as conn:
        v0 = data_version(conn)
    done = undo(e, pay.import_id)
    assert done.undone == [3] and done.removed == {"payments": 1} and done.restored == {}
    assert done.summary() == "undid import #3: removed 1 payments; restored none"
    assert total(e) == D("1300.00")  # the three invoices, open again
    assert count(e, Payment) == 0
    assert status(e, 3) == ("undone", "ola")
    with e.connect() as conn:
        assert data_version(conn) == v0 + 1
        last = conn.execute(select(ImportLog).order_by(ImportLog.id.desc()).limit(1)).one()
        assert (last.id, last.status, last.author, last.file_name) == (4, "undo", "ola", "payments.csv")
        assert last.message == done.summary()

    again = refused(e, pay.import_id)
    assert again.reasons[0].startswith("it was already undone on ") and again.reasons[0].endswith(" by ola")

    # now nothing depends on the invoices: they go, and the customers after them
    assert undo(e, inv.import_id).removed == {"invoices": 3}
    assert total(e) == D("0")
    assert undo(e, cust.import_id).removed == {"customers": 2}
    assert count(e, Customer) == 0


def test_undo_of_a_changed_reimport_puts_the_earlier_values_back(db_url):
    e = ready_engine(db_url)
    imp(e, "customers", CUSTOMER_HEADER, C)
    first = imp(e, "invoices", INVOICE_HEADER, INV)
    # the ERP corrected A1 (1000 -> 1200) and added A3 (75): one update, one insert; A2 and B1 unchanged
    changed = [("A1", "C1", "2026-01-01", "2026-01-31", "1200.00", "NOK"), *INV[1:]]
    second = imp(e, "invoices", INVOICE_HEADER, [*changed, ("A3", "C2", "2026-02-01", "2026-03-03", "75.00", "NOK")])
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 2)
    assert total(e) == D("1575.00")  # 1200 + 250 + 50 + 75

    err = refused(e, first.import_id)
    assert err.reasons == [
        f"import #3 (invoices invoices.csv, {_finished(e, 3)}) later changed 1 invoices row(s) this import wrote: "
        "undo it first"
    ]

    done = undo(e, second.import_id)
    assert (done.removed, done.restored) == ({"invoices": 1}, {"invoices": 1})
    assert total(e) == D("1300.00")  # 1000 + 250 + 50, exactly as before the second file
    with e.connect() as conn:
        a1 = conn.execute(select(Invoice.amount, Invoice.import_id).where(Invoice.invoice_number == "A1")).one()
    assert a1 == (D("1000.00"), first.import_id)  # the row is the first import's again
    # and so the first import can go now
    assert undo(e, first.import_id).removed == {"invoices": 3}


def _finished(engine, import_id: int) -> str:
    with engine.connect() as conn:
        finished = conn.execute(select(ImportLog.finished_at).where(ImportLog.id == import_id)).scalar_one()
    return f"{finished:%Y-%m-%d %H:%M}"


def test_a_value_changed_by_hand_since_the_import_blocks_its_undo(db_url):
    e = ready_engine(db_url)
    imp(e, "customers", CUSTOMER_HEADER, C)
    raised = imp(e, "customers", CUSTOMER_HEADER, [(*C[0][:5], "2000.00"), C[1]])
    assert (raised.updated, raised.unchanged) == (1, 1)
    with e.begin() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.customer_ref == "C1")).scalar_one()
        lower = dataclasses.replace(credit_terms(conn, cid), credit_limit=D("1500.00"))
        update_credit_terms(conn, cid, lower, reason="risk review", author="kari", effective_on=date(2026, 3, 1))
    err = refused(e, raised.import_id)
    assert err.reasons == [
        f"customers row (id {cid}): credit_limit was Decimal('2000.00') after the import and is Decimal('1500.00') "
        "now; it was changed since"
    ]


def test_undo_restores_the_columns_it_wrote_and_keeps_a_later_hand_edit_of_others(db_url):
    e = ready_engine(db_url)
    imp(e, "customers", CUSTOMER_HEADER, C)
    renamed = imp(e, "customers", CUSTOMER_HEADER, [("C1", "Fjord Handel ASA", "NO", "NOK", "30", "1000.00"), C[1]])
    with e.begin() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.customer_ref == "C1")).scalar_one()
        held = dataclasses.replace(credit_terms(conn, cid), status="credit_hold")
        update_credit_terms(conn, cid, held, reason="late payer", author="kari", effective_on=date(2026, 3, 1))
    undo(e, renamed.import_id)
    with e.connect() as conn:
        c1 = conn.execute(select(Customer.name, Customer.status).where(Customer.id == cid)).one()
    assert c1 == ("Fjord Handel AS", "credit_hold")


def test_notes_on_a_customer_it_created_block_the_undo(db_url):
    e = ready_engine(db_url)
    cust = imp(e, "customers", CUSTOMER_HEADER, C)
    with e.begin() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.customer_ref == "C2")).scalar_one()
        add_activity(conn, cid, NewActivity("note", date(2026, 3, 1), "Called the CFO", "kari"))
    err = refused(e, cust.import_id)
    assert err.reasons == [
        "1 activities row(s) written after it refer to customers it created (customer_id): remove or undo those first"
    ]


def test_customers_created_from_an_invoice_file_are_undone_with_it(db_url):
    e = ready_engine(db_url)
    erp = (
        "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n"
        "K1;F1;01.02.2026;03.03.2026;1 234,50;NOK\nK2;F2;05.02.2026;07.03.2026;100,00;NOK\n"
    )
    with e.begin() as conn:
        result, _prepared = import_export(
            conn, "invoices", erp.encode(), "faktura.csv", create_customers=True, author="kari"
        )
    assert (result.import_id, result.inserted) == (2, 2)
    with e.connect() as conn:
        companion = conn.execute(select(ImportLog).where(ImportLog.id == 1)).one()
    assert (companion.kind, companion.part_of, companion.author) == ("customers", 2, "kari")
    assert total(e) == D("1334.50")

    err = refused(e, 1)
    assert err.reasons == ["it was made for import #2 (customers created from its file): undo #2"]
    done = undo(e, 2)
    assert done.undone == [2, 1]
    assert done.removed == {"invoices": 2, "customers": 2}
    assert (count(e, Customer), count(e, Invoice)) == (0, 0)
    assert status(e, 1) == status(e, 2) == ("undone", "ola")


def test_write_offs_fx_rates_and_bureau_updates_undo(db_url):
    e = ready_engine(db_url)
    load(e, customers=C, invoices=INV)
    wo = imp(
        e,
        "write-offs",
        ("write_off_ref", "invoice_number", "date", "amount", "reason"),
        [("W1", "B1", "2026-03-01", "50.00", "bankrupt")],
    )
    assert total(e) == D("1250.00")
    assert undo(e, wo.import_id).removed == {"write_offs": 1}
    assert total(e) == D("1300.00") and count(e, WriteOff) == 0

    fx1 = imp(
        e, "fx-rates", ("date", "currency", "rate"), [("2026-03-31", "EUR", "11.5000"), ("2026-03-31", "SEK", "1.0100")]
    )
    fx2 = imp(
        e, "fx-rates", ("date", "currency", "rate"), [("2026-03-31", "EUR", "11.6000"), ("2026-04-30", "EUR", "11.7")]
    )
    assert (fx2.inserted, fx2.updated) == (1, 1)
    undo(e, fx2.import_id)
    with e.connect() as conn:
        assert sorted(conn.execute(select(FxRate.currency, FxRate.rate_date, FxRate.rate)).all()) == [
            ("EUR", date(2026, 3, 31), D("11.5000")),
            ("SEK", date(2026, 3, 31), D("1.0100")),
        ]
    assert fx1.import_id < fx2.import_id

    header = ("customer_ref", "report_date", "source", "score")
    r1 = imp(e, "credit-reports", header, [("C1", "2026-03-01", "UC", "55")])
    r2 = imp(e, "credit-reports", header, [("C1", "2026-03-01", "UC", "21"), ("C2", "2026-03-01", "UC", "80")])
    assert (r2.inserted, r2.updated) == (1, 1)
    undo(e, r2.import_id)
    with e.connect() as conn:
        assert conn.execute(select(CreditReport.score, CreditReport.import_id)).all() == [(55, r1.import_id)]
    ev = imp(
        e,
        "company-events",
        ("customer_ref", "event_date", "event_type", "source", "text"),
        [("C2", "2026-03-02", "bankruptcy", "register", "Konkurs åpnet")],
    )
    undo(e, ev.import_id)
    assert count(e, CompanyEvent) == 0


def test_open_items_snapshots_undo_newest_first_and_bring_back_an_earlier_run(db_url):
    e = ready_engine(db_url)
    load(e, customers=CUSTOMERS, invoices=LEDGER)
    apply_snapshot(e, DAY1)
    after_day1 = dump(e)
    d2 = apply_snapshot(e, DAY2)
    after_day2 = dump(e)
    d3 = apply_snapshot(e, DAY3)
    after_day3 = dump(e)
    assert total(e, date(2026, 3, 4)) == D("730.00")

    err = refused(e, d2.import_id)
    assert err.reasons[0].startswith("later open-items snapshots were computed on top of it (#")

    # a rerun of day 3 rewrites that day's inferences; undoing it brings the first run's rows back
    rerun = apply_snapshot(e, DAY3)
    assert rerun.import_id > d3.import_id
    undo(e, rerun.import_id)
    assert dump(e) == after_day3

    done = undo(e, d3.import_id)
    assert done.removed["control_totals"] == 1
    assert dump(e) == after_day2  # ids, amounts, credit-note links and allocations as before day 3
    with e.connect() as conn:
        assert control_total(conn, date(2026, 3, 4)) is None
    assert total(e, date(2026, 3, 3)) == D("1270.00")
    undo(e, d2.import_id)
    assert dump(e) == after_day1


def test_the_log_records_who_and_how_many_rows_a_rejected_file_had(db_url):
    e = ready_engine(db_url)
    imp(e, "customers", CUSTOMER_HEADER, C)
    bad = csv_bytes(
        INVOICE_HEADER,
        [
            ("X1", "C1", "2026-01-01", "2025-12-01", "5.00", "NOK", "", ""),
            ("X2", "ZZ", "2026-01-01", "2026-01-31", "5.00", "NOK", "", ""),
            ("X3", "C1", "2026-01-01", "2026-01-31", "oops", "NOK", "", ""),
        ],
    )
    started = utcnow()
    with pytest.raises(ImportFailed) as exc, e.begin() as conn:
        import_file(conn, "invoices", bad, "bad.csv", None, "kari")
    with e.begin() as conn:
        log_failed_import(conn, "invoices", bad, "bad.csv", exc.value, started, author="kari")
    with e.connect() as conn:
        r = conn.execute(select(ImportLog).order_by(ImportLog.id.desc()).limit(1)).one()
        assert (r.status, r.author, r.rejected, r.undoable) == ("failed", "kari", 3, False)
        assert conn.execute(select(func.count()).select_from(ImportChange)).scalar_one() == 0
    # every row has its problem: due before issue, an unknown customer, a bad amount
    err = refused(e, r.id)
    assert err.reasons == ["its status is 'failed': a rejected import wrote nothing to undo"]
    assert refused(e, 99).reasons == ["there is no import with this number in the log"]


def test_demo_imports_and_those_before_a_cleared_ledger_cannot_be_undone(db_url):
    from data_access.demo import DemoSpec, seed_demo

    e = ready_engine(db_url)
    with e.begin() as conn:
        seed_demo(conn, DemoSpec(customers=5, seed=1))
        demo_log = conn.execute(select(ImportLog.id).order_by(ImportLog.id.desc()).limit(1)).scalar_one()
    assert refused(e, demo_log).reasons == [
        "it cannot be undone: the demo portfolio is removed with 'Remove demo data', not undone"
    ]
    first = imp(e, "customers", CUSTOMER_HEADER, C)  # the first real import removes the demo
    assert first.demo_removed
    assert undo(e, first.import_id).removed == {"customers": 2}


def test_cli_lists_the_log_and_undoes_an_import_all_or_nothing(db_url, tmp_path):
    from test_cli import SCENARIO_A, load_scenario, ok, run

    load_scenario(db_url)
    log = ok(db_url, "import", "log").splitlines()
    assert [line.split()[0] for line in log] == ["#4", "#3", "#2", "#1"]
    assert log[0].split("  ")[3:] == [
        "payments",
        "payments.csv",
        "ok",
        "4 rows, 4 inserted, 0 updated, 0 rejected; can be undone",
    ]
    with_payments = ok(db_url, "aging", "--as-of", "2026-03-31", "--by", "customer", "--format", "csv")

    # the EUR invoices need the rates: refused, with the reason, exit 1
    r = run(db_url, "import", "undo", "2")
    assert r.exit_code == 1
    assert "import #2 cannot be undone, nothing was changed: " in r.output
    assert "document(s) in EUR would have no exchange rate left" in r.output
    assert run(db_url, "import", "undo", "two").exit_code == 2

    out = ok(db_url, "import", "undo", "4", "--by", "ola")
    assert out.strip() == "undid import #4: removed 4 payments; restored none"
    assert ok(db_url, "import", "log").splitlines()[0].split("  ")[2:5] == ["ola", "payments", "payments.csv"]

    # the ledger is now what the customers, rates and invoices alone give
    fresh = f"sqlite:///{tmp_path}/fresh.db"
    ok(fresh, "db", "init", "--empty")
    for kind in ("customers", "fx-rates", "invoices"):
        ok(fresh, "import", kind, str(SCENARIO_A / f"{kind}.csv"))
    without = ok(fresh, "aging", "--as-of", "2026-03-31", "--by", "customer", "--format", "csv")
    assert ok(db_url, "aging", "--as-of", "2026-03-31", "--by", "customer", "--format", "csv") == without
    assert without != with_payments

    # importing the file again brings the payments back, as a new import
    out = ok(db_url, "import", "payments", str(SCENARIO_A / "payments.csv"))
    assert "logged as import #6 (undo: python cli.py import undo 6)" in out
    assert ok(db_url, "aging", "--as-of", "2026-03-31", "--by", "customer", "--format", "csv") == with_payments
