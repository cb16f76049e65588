"""Import kind dunning-status: strict rows, all or nothing, idempotent, logged, read back per customer, and the CLI."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ledger import csv_bytes, load, ready_engine
from sqlalchemy import select
from typer.testing import CliRunner

from cli import app
from data_access.dunning_status import DunningStatusRow, dunning_status_by_invoice
from data_access.imports import ImportFailed, import_file
from data_access.ledger import data_version
from data_access.schema import Customer, DunningStatus, ImportLog, Invoice
from domain.canonical import FORMATS, FieldError, parse_row

HEADER = FORMATS["dunning-status"].columns
CUSTOMERS = [("C1", "Fjord Handel AS", "NO", "NOK"), ("C2", "Lahti Metalli Oy", "FI", "EUR")]
FX = [("2026-01-01", "EUR", "11.500000")]
INVOICES = [
    ("A1", "C1", "2026-01-01", "2026-01-31", "1000.00", "NOK"),
    ("A2", "C1", "2026-01-10", "2026-02-09", "500.00", "NOK"),
    ("B1", "C2", "2026-01-05", "2026-02-04", "200.00", "EUR"),
    ("CN1", "C1", "2026-01-15", "", "-100.00", "NOK", "credit_note"),
]
# invoice_number, reminder_level, last_reminder_date, last_deadline_date, fees_charged, notice_sent_date, collection
GOOD = [
    ("A1", "2", "2026-02-14", "2026-02-28", "70.00", "", "none"),
    ("A2", "0", "", "", "", "", ""),  # every optional column blank: the defaults
    ("B1", "3", "2026-03-01", "2026-03-15", "25.5", "2026-03-01", "notice_sent"),
]


def ledger(url: str):
    engine = ready_engine(url)
    load(engine, customers=CUSTOMERS, fx=FX, invoices=INVOICES)
    return engine


def run_import(engine, rows, name="dunning.csv"):
    with engine.begin() as conn:
        return import_file(conn, "dunning-status", csv_bytes(HEADER, rows), name)


def stored(engine) -> dict[str, tuple]:
    """invoice number -> every stored column but updated_at."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Invoice.invoice_number,
                DunningStatus.reminder_level,
                DunningStatus.last_reminder_on,
                DunningStatus.last_deadline_on,
                DunningStatus.fees_charged,
                DunningStatus.notice_sent_on,
                DunningStatus.collection_status,
            ).join(Invoice, Invoice.id == DunningStatus.invoice_id)
        ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def stamps(engine) -> dict[int, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(DunningStatus.invoice_id, DunningStatus.updated_at)).all())


EXPECTED = {
    "A1": (2, date(2026, 2, 14), date(2026, 2, 28), D("70.00"), None, "none"),
    "A2": (0, None, None, D("0.00"), None, "none"),
    "B1": (3, date(2026, 3, 1), date(2026, 3, 15), D("25.50"), date(2026, 3, 1), "notice_sent"),
}


def test_a_good_file_stores_every_row_and_is_logged_as_ledger(db_url):
    engine = ledger(db_url)
    with engine.connect() as conn:
        v0 = data_version(conn)
    res = run_import(engine, GOOD)
    assert (res.rows, res.inserted, res.updated, res.unchanged) == (3, 3, 0, 0)
    assert res.summary() == "dunning-status: 3 rows, 3 inserted, 0 updated"
    assert stored(engine) == EXPECTED
    with engine.connect() as conn:
        assert data_version(conn) > v0
        log = conn.execute(select(ImportLog.__table__).order_by(ImportLog.id.desc()).limit(1)).one()
        ids = dict(conn.execute(select(Customer.customer_ref, Customer.id)).all())
        c1, c2 = (dunning_status_by_invoice(conn, ids[ref]) for ref in ("C1", "C2"))
    assert (log.kind, log.source, log.file_name, log.rows, log.inserted, log.updated, log.status) == (
        "dunning-status",
        "ledger",
        "dunning.csv",
        3,
        3,
        0,
        "ok",
    )
    # the read model: keyed by invoice number, per customer, with the invoice currency of the fees
    assert list(c1) == ["A1", "A2"] and list(c2) == ["B1"]
    a1 = c1["A1"]
    assert a1 == DunningStatusRow(
        "A1", 2, date(2026, 2, 14), date(2026, 2, 28), D("70.00"), "NOK", None, "none", a1.updated_at
    )
    assert (c2["B1"].fees_charged, c2["B1"].currency, c2["B1"].collection_status) == (D("25.50"), "EUR", "notice_sent")


def test_reimport_is_idempotent_and_a_changed_row_replaces_the_stored_status(db_url):
    engine = ledger(db_url)
    run_import(engine, GOOD)
    before = stamps(engine)
    res = run_import(engine, GOOD)
    assert (res.inserted, res.updated, res.unchanged) == (0, 0, 3)
    assert "0 inserted, 0 updated" in res.summary()
    assert stored(engine) == EXPECTED and stamps(engine) == before  # not even the timestamp moved

    # A1 goes to the agency; its blank deadline clears the stored one (a row replaces, it does not merge)
    changed = [("A1", "3", "2026-03-05", "", "140.00", "2026-03-05", "with_agency"), GOOD[1], GOOD[2]]
    res = run_import(engine, changed)
    assert (res.inserted, res.updated, res.unchanged) == (0, 1, 2)
    assert stored(engine) == {
        **EXPECTED,
        "A1": (3, date(2026, 3, 5), None, D("140.00"), date(2026, 3, 5), "with_agency"),
    }
    with engine.connect() as conn:
        a1_id = conn.execute(select(Invoice.id).where(Invoice.invoice_number == "A1")).scalar_one()
    after = stamps(engine)
    assert after[a1_id] > before[a1_id]  # only the changed row gets a new timestamp
    assert {i: t for i, t in after.items() if i != a1_id} == {i: t for i, t in before.items() if i != a1_id}


# Each file has a valid first row that would change A1, then one bad row: nothing at all may be written.
CHANGE_A1 = ("A1", "1", "2026-02-10", "", "", "", "")
REJECTED = [
    (("ZZ9", "1", "2026-02-10", "", "", "", ""), "row 3, column invoice_number: unknown invoice (value 'ZZ9')"),
    (
        ("A2", "2", "", "", "", "", ""),
        "row 3, column last_reminder_date: is required when reminder_level is above 0 (here 2)",
    ),
    (
        ("A2", "1", "2026-02-20", "2026-02-19", "", "", ""),
        "row 3, column last_deadline_date: deadline 2026-02-19 is before the last reminder date 2026-02-20 "
        "(value '2026-02-19')",
    ),
    (
        ("A2", "1", "2026-02-20", "", "", "", "sent"),
        "row 3, column collection_status: 'sent' is not one of none, notice_sent, with_agency, closed (value 'sent')",
    ),
    (
        ("A2", "1", "2026-02-20", "", "-35.00", "", ""),
        "row 3, column fees_charged: -35.00 must not be negative (value '-35.00')",
    ),
    (("CN1", "0", "", "", "", "", ""), "row 3, column invoice_number: is a credit note, not an invoice (value 'CN1')"),
    (("A1", "0", "", "", "", "", ""), "row 3, column invoice_number: duplicate key, first seen in row 2 (value 'A1')"),
]


def test_each_bad_row_rejects_the_whole_file_with_a_precise_message(db_url):
    engine = ledger(db_url)
    run_import(engine, GOOD)
    before, before_stamps = stored(engine), stamps(engine)
    for bad, message in REJECTED:
        with pytest.raises(ImportFailed) as exc:
            run_import(engine, [CHANGE_A1, bad], "bad.csv")
        assert len(exc.value.errors) == 1, (bad, exc.value.errors)
        assert str(exc.value.errors[0]) == message
        assert str(exc.value) == f"dunning-status import rejected, nothing was written: {message}"
        assert stored(engine) == before and stamps(engine) == before_stamps, bad


def test_every_problem_of_a_file_is_listed(db_url):
    engine = ledger(db_url)
    with pytest.raises(ImportFailed) as exc:
        run_import(engine, [("A1", "two", "", "", "", "", ""), ("A2", "0", "", "", "1,50", "", ""), GOOD[2]])
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "reminder_level"), (3, "fees_charged")]
    assert stored(engine) == {}


@pytest.mark.parametrize(
    ("values", "column", "problem"),
    [
        ({"reminder_level": ""}, "reminder_level", "is required"),
        ({"reminder_level": "-1"}, "reminder_level", "-1 is below the minimum 0"),
        ({"reminder_level": "1.5"}, "reminder_level", "'1.5' is not a whole number"),
        ({"last_reminder_date": "14.02.2026"}, "last_reminder_date", "not an ISO date"),
        ({"notice_sent_date": "2026-02-30"}, "notice_sent_date", "'2026-02-30' is not a valid date"),
        ({"fees_charged": "70.001"}, "fees_charged", "more than 2 decimals"),
        ({"collection_status": "Closed"}, "collection_status", "'Closed' is not one of none"),
        ({"collection_status": "notice_sent"}, "notice_sent_date", "is required when collection_status is notice_sent"),
    ],
)
def test_parse_row_names_the_column(values, column, problem):
    row = dict(zip(HEADER, GOOD[0], strict=True)) | values
    with pytest.raises(FieldError) as exc:
        parse_row("dunning-status", row, "NOK")
    assert exc.value.column == column  # type: ignore[attr-defined]
    assert problem in str(exc.value)


def test_parse_row_values_and_the_same_day_deadline():
    row = dict(zip(HEADER, ("X1", "1", "2026-02-14", "2026-02-14", "", "", "closed"), strict=True))
    assert {k: v for k, v in parse_row("dunning-status", row, "NOK").items()} == {
        "invoice_number": "X1",
        "reminder_level": 1,
        "last_reminder_date": date(2026, 2, 14),
        "last_deadline_date": date(2026, 2, 14),  # "not before" allows the same day
        "fees_charged": D("0.00"),
        "notice_sent_date": None,
        "collection_status": "closed",
    }


def test_the_documented_example_parses():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "data-formats.md").read_text()
    section = doc.split("## dunning-status ")[1].split("\n## ")[0]
    lines = section.split("```")[1].strip().splitlines()
    assert tuple(lines[0].split(",")) == HEADER
    parsed = [parse_row("dunning-status", dict(zip(HEADER, line.split(","), strict=True)), "NOK") for line in lines[1:]]
    assert [(p["invoice_number"], p["collection_status"], p["fees_charged"]) for p in parsed] == [
        ("10023", "none", D("70.00")),
        ("10031", "with_agency", D("140.00")),
    ]


def test_cli_imports_the_file_and_refuses_a_bad_one(db_url, tmp_path):
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, ["--database-url", db_url, *args])

    assert run("db", "init", "--empty").exit_code == 0
    for kind, header, rows in (
        ("customers", ("customer_ref", "name", "country", "currency"), CUSTOMERS),
        ("fx-rates", ("date", "currency", "rate"), FX),
        ("invoices", ("invoice_number", "customer_ref", "issue_date", "due_date", "amount", "currency"), INVOICES[:3]),
    ):
        (tmp_path / f"{kind}.csv").write_bytes(csv_bytes(header, rows))
        r = run("import", kind, str(tmp_path / f"{kind}.csv"))
        assert r.exit_code == 0, r.output
    good = tmp_path / "dunning.csv"
    good.write_bytes(csv_bytes(HEADER, GOOD))
    r = run("import", "dunning-status", str(good))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "dunning-status: 3 rows, 3 inserted, 0 updated"
    r = run("import", "dunning-status", str(good))
    assert r.output.splitlines()[0] == "dunning-status: 3 rows, 0 inserted, 0 updated"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(HEADER, [CHANGE_A1, ("A2", "2", "", "", "", "", "")]))
    r = run("import", "dunning-status", str(bad))
    assert r.exit_code == 1
    assert "row 3, column last_reminder_date: is required when reminder_level is above 0 (here 2)" in r.output
    engine = ready_engine(db_url)
    assert stored(engine) == EXPECTED
    with engine.connect() as conn:
        failed = conn.execute(select(ImportLog.__table__).where(ImportLog.status == "failed")).one()
    engine.dispose()
    assert (failed.kind, failed.source, failed.file_name) == ("dunning-status", "ledger", "bad.csv")
