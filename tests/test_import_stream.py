"""Streamed imports: a file read and written in chunks gives what the whole file gives, problems anywhere in the file
are listed and leave the database untouched, keys are unique across chunks, progress reaches the file's size, and
the file is read in pieces (never whole)."""

from __future__ import annotations

import hashlib
import io
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ledger import (
    CUSTOMER_HEADER,
    FX_HEADER,
    INVOICE_HEADER,
    PAYMENT_HEADER,
    csv_bytes,
    load,
    ready_engine,
)
from sqlalchemy import func, select

from data_access import imports as imports_module
from data_access import ingest as ingest_module
from data_access import ledger as ledger_module
from data_access.asof import aging
from data_access.imports import MAX_LISTED_ERRORS, ImportFailed, Progress, import_path, import_stream
from data_access.ingest import import_export
from data_access.schema import Allocation, Customer, DunningStatus, FxRate, ImportLog, Invoice, Payment
from domain.ingest import ColumnMap

IBM = Path(__file__).resolve().parents[2] / "shared" / "data" / "ibm_accounts_receivable.csv"
C = [("C1", "Fjord Handel AS"), ("C2", "Vik Bygg AS")]


def invoice(number: str, customer: str = "C1", amount: str = "100.00", issue: str = "2026-01-01") -> tuple:
    return (number, customer, issue, "2026-01-31", amount, "NOK", None, None)


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def streamed(engine, kind: str, data: bytes, chunk_rows: int, progress=None):
    with engine.begin() as conn:
        return import_stream(conn, kind, io.BytesIO(data), f"{kind}.csv", progress=progress, chunk_rows=chunk_rows)


def refused(engine, kind: str, data: bytes, chunk_rows: int) -> ImportFailed:
    with pytest.raises(ImportFailed) as exc:
        streamed(engine, kind, data, chunk_rows)
    return exc.value


def problems(err: ImportFailed) -> list[tuple]:
    return [(e.row, e.column, e.problem) for e in err.errors]


def test_a_duplicate_key_in_a_later_chunk_is_found(db_url):
    e = ready_engine(db_url)
    load(e, customers=C)
    rows = [invoice("A1"), invoice("A2"), invoice("A3"), invoice("A1", amount="5.00"), invoice("A4")]
    err = refused(e, "invoices", csv_bytes(INVOICE_HEADER, rows), chunk_rows=2)
    assert problems(err) == [(5, "invoice_number", "duplicate key, first seen in row 2")]
    assert str(err) == (
        "invoices import rejected, nothing was written: row 5, column invoice_number: duplicate key, first seen in "
        "row 2 (value 'A1')"
    )
    assert count(e, Invoice) == 0


def test_a_problem_in_the_last_chunk_alone_leaves_the_database_untouched(db_url):
    e = ready_engine(db_url)
    load(e, customers=C)
    rows = [invoice(f"A{i}") for i in range(1, 8)] + [invoice("A9", customer="ZZ")]
    err = refused(e, "invoices", csv_bytes(INVOICE_HEADER, rows), chunk_rows=3)
    assert problems(err) == [(9, "customer_ref", "unknown customer")]
    assert count(e, Invoice) == 0  # the first two chunks had been written: rolled back with the rest


def test_problems_from_every_chunk_are_listed(db_url):
    e = ready_engine(db_url)
    load(e, customers=C)
    rows = [
        invoice("A1"),
        invoice("A2", amount="12,50"),  # row 3, chunk 1
        invoice("A3"),
        invoice("A4"),
        invoice("A5", customer="ZZ"),  # row 6, chunk 2
        invoice("A6"),
        invoice("A2"),  # row 8, chunk 3: A2 was refused, so this is its first valid row
        invoice("A7", issue="01.01.2026"),  # row 9, chunk 3
    ]
    err = refused(e, "invoices", csv_bytes(INVOICE_HEADER, rows), chunk_rows=3)
    assert [(r, c) for r, c, _ in problems(err)] == [(3, "amount"), (6, "customer_ref"), (9, "issue_date")]
    assert "not a canonical amount" in err.errors[0].problem
    assert "not an ISO date" in err.errors[2].problem
    assert str(err).endswith("(and 2 more problems)")
    assert count(e, Invoice) == 0


def test_an_invoice_and_its_credit_note_in_different_chunks(db_url):
    e = ready_engine(db_url)
    load(e, customers=C)
    rows = [
        ("A1", "C1", "2026-01-01", "2026-01-31", "1000.00", "NOK", "invoice", None),
        ("B1", "C2", "2026-01-02", "2026-02-01", "50.00", "NOK", "invoice", None),
        ("B2", "C2", "2026-01-03", "2026-02-02", "70.00", "NOK", "invoice", None),
        ("CN1", "C1", "2026-01-10", None, "-400.00", "NOK", "credit_note", "A1"),
    ]
    result = streamed(e, "invoices", csv_bytes(INVOICE_HEADER, rows), chunk_rows=2)
    assert (result.rows, result.inserted, result.updated) == (4, 4, 0)
    with e.connect() as conn:
        allocated = conn.execute(
            select(Invoice.invoice_number, Allocation.amount, Allocation.alloc_date).join(
                Invoice, Invoice.id == Allocation.invoice_id
            )
        ).all()
        assert allocated == [("A1", D("400.00"), date(2026, 1, 10))]
        assert aging(conn, date(2026, 1, 31)).total == D("720.00")  # 1000 - 400 + 50 + 70
    # a payment of the rest of A1 in a second file, on account and by invoice, chunk by chunk
    payments = [("P1", "C1", "2026-02-01", "600.00", "NOK", "A1"), ("P2", "C2", "2026-02-01", "10.00", "NOK", None)]
    assert streamed(e, "payments", csv_bytes(PAYMENT_HEADER, payments), chunk_rows=1).inserted == 2
    with e.connect() as conn:
        assert aging(conn, date(2026, 2, 28)).total == D("110.00")
        assert conn.execute(select(Invoice.open_until).where(Invoice.invoice_number == "A1")).scalar() == date(
            2026, 2, 1
        )


def test_a_parent_later_in_the_file_and_an_unknown_parent(db_url):
    e = ready_engine(db_url)
    rows = [
        ("S1", "Sub 1", None, None, None, None, "G"),
        ("S2", "Sub 2", None, None, None, None, "G"),
        ("G", "Group AS", None, None, None, None, None),
    ]
    result = streamed(e, "customers", csv_bytes(CUSTOMER_HEADER, rows), chunk_rows=1)
    assert (result.rows, result.inserted, result.updated) == (3, 3, 0)
    with e.connect() as conn:
        parent = dict(conn.execute(select(Customer.customer_ref, Customer.parent_id)).all())
        ids = dict(conn.execute(select(Customer.customer_ref, Customer.id)).all())
    assert parent == {"G": None, "S1": ids["G"], "S2": ids["G"]}
    # only a parent link changes (S2 moves under S1): counted as an update, found in the last chunk
    moved = [*rows[:1], ("S2", "Sub 2", None, None, None, None, "S1"), rows[2]]
    result = streamed(e, "customers", csv_bytes(CUSTOMER_HEADER, moved), chunk_rows=1)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 2)
    bad = [("S3", "Sub 3", None, None, None, None, "NOPE"), *rows]
    err = refused(e, "customers", csv_bytes(CUSTOMER_HEADER, bad), chunk_rows=2)
    assert problems(err) == [(2, "parent_ref", "unknown parent customer")]
    assert count(e, Customer) == 3


def test_fx_rate_and_dunning_keys_are_unique_across_chunks(db_url):
    e = ready_engine(db_url)
    load(e, customers=C, invoices=[invoice("A1"), invoice("A2")])
    fx = [("2026-01-01", "EUR", "11.5"), ("2026-01-02", "EUR", "11.6"), ("2026-01-01", "EUR", "11.7")]
    err = refused(e, "fx-rates", csv_bytes(FX_HEADER, fx), chunk_rows=2)
    assert problems(err) == [(4, "currency,date", "duplicate key, first seen in row 2")]
    assert count(e, FxRate) == 0
    assert streamed(e, "fx-rates", csv_bytes(FX_HEADER, fx[:2]), chunk_rows=1).inserted == 2
    header = ("invoice_number", "reminder_level", "last_reminder_date")
    dunning = [("A1", "1", "2026-02-05"), ("A2", "0", ""), ("A1", "2", "2026-02-20")]
    err = refused(e, "dunning-status", csv_bytes(header, dunning), chunk_rows=2)
    assert problems(err) == [(4, "invoice_number", "duplicate key, first seen in row 2")]
    result = streamed(e, "dunning-status", csv_bytes(header, dunning[:2]), chunk_rows=1)
    assert (result.rows, result.inserted) == (2, 2) and count(e, DunningStatus) == 2


def test_progress_rises_to_the_file_size_and_ends_with_the_allocations(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=C)
    data = csv_bytes(INVOICE_HEADER, [invoice(f"A{i:04d}", amount=f"{i}.00") for i in range(1, 2001)])
    seen: list[Progress] = []
    result = streamed(e, "invoices", data, chunk_rows=300, progress=seen.append)
    assert result.rows == 2000
    reading = [p for p in seen if p.stage == "rows"]
    assert [p.rows for p in reading] == [300, 600, 900, 1200, 1500, 1800, 2000]
    assert all(p.bytes_total == len(data) for p in seen)
    done = [p.bytes_done for p in reading]
    assert done == sorted(done) and done[0] < len(data) and done[-1] == len(data)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert (seen[-1].stage, seen[-1].rows, seen[-1].bytes_done) == ("allocations", 2000, len(data))


class Reads(io.BytesIO):
    """A file that remembers the largest single read asked of it."""

    largest = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.largest = max(self.largest, len(chunk))
        return chunk


def test_files_are_read_in_pieces_and_hashed_as_they_are_read(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=C)
    data = csv_bytes(INVOICE_HEADER, [invoice(f"A{i:05d}") for i in range(40_000)])  # 2.2 MB
    stream = Reads(data)
    with e.begin() as conn:
        assert import_stream(conn, "invoices", stream, "big.csv").inserted == 40_000
    assert stream.largest <= imports_module.READ_BLOCK
    erp = "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n" + "".join(
        f"C2;F{i:05d};01.10.2026;31.10.2026;1 234,50;NOK\n" for i in range(40_000)
    )
    stream = Reads(erp.encode("cp1252"))
    with e.begin() as conn:
        result, prepared = import_export(conn, "invoices", stream, "erp.csv")
    assert result.inserted == 40_000 and prepared.dialect.encoding == "cp1252"
    assert stream.largest <= ingest_module.SAMPLE_BYTES + 1  # the sample; the import itself reads READ_BLOCK
    with e.connect() as conn:
        logged = conn.execute(select(ImportLog.file_name, ImportLog.file_sha256).order_by(ImportLog.id)).all()[-2:]
    assert logged == [
        ("big.csv", hashlib.sha256(data).hexdigest()),
        ("erp.csv", hashlib.sha256(erp.encode("cp1252")).hexdigest()),
    ]


def test_import_path_streams_a_file_on_disk(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=C)
    path = tmp_path / "invoices.csv"
    path.write_bytes(csv_bytes(INVOICE_HEADER, [invoice("A1"), invoice("A2", customer="C2", amount="5.00")]))
    with e.begin() as conn:
        result = import_path(conn, "invoices", path)
    assert (result.rows, result.inserted) == (2, 2)
    with e.connect() as conn:
        assert aging(conn, date(2026, 1, 31)).total == D("105.00")


def test_a_full_error_list_stops_the_reading(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=C)
    rows = [invoice(f"A{i}", customer="ZZ") for i in range(MAX_LISTED_ERRORS * 3)]
    err = refused(e, "invoices", csv_bytes(INVOICE_HEADER, rows), chunk_rows=50)
    assert len(err.errors) == MAX_LISTED_ERRORS
    assert [e.row for e in err.errors] == list(range(2, MAX_LISTED_ERRORS + 2))
    assert str(err).endswith(f"(and {MAX_LISTED_ERRORS - 1} more problems)")


def test_a_file_that_stops_being_utf8_far_down_is_refused_with_the_byte(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=C)
    good = csv_bytes(INVOICE_HEADER, [invoice(f"A{i:05d}") for i in range(5_000)])
    data = good + "A9,C1,2026-01-01,2026-01-31,1.00,NOK,,Bølgen\n".encode("cp1252")
    err = refused(e, "invoices", data, chunk_rows=1000)
    position = len(good) + len("A9,C1,2026-01-01,2026-01-31,1.00,NOK,,B")
    assert problems(err) == [(0, "", f"the file is not UTF-8 (byte {position}); save it as UTF-8")]
    assert count(e, Invoice) == 0


def test_an_export_with_a_windows_1252_letter_after_the_sample(tmp_path, monkeypatch):
    """The encoding is decided on the whole file: the sample alone would read as UTF-8."""
    monkeypatch.setattr(ingest_module, "SAMPLE_BYTES", 200)
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    lines = ["Kundenr;Navn"] + [f"K{i:03d};Kunde {i}" for i in range(40)] + ["K999;Ørsta Bygg AS"]
    data = ("\n".join(lines) + "\n").encode("cp1252")
    with e.begin() as conn:
        result, prepared = import_export(conn, "customers", data, "kunder.csv", chunk_rows=7)
    assert prepared.dialect.encoding == "cp1252" and result.inserted == 41
    with e.connect() as conn:
        assert conn.execute(select(Customer.name).where(Customer.customer_ref == "K999")).scalar() == "Ørsta Bygg AS"


def test_an_export_with_a_bad_date_after_the_sample(tmp_path, monkeypatch):
    """Detection reads the first rows; a date further down that does not parse is a problem of its row."""
    monkeypatch.setattr(ingest_module, "SAMPLE_BYTES", 300)
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=C)
    lines = ["Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta"]
    lines += [f"{'ZZ' if i == 3 else 'C1'};F{i};01.10.2026;31.10.2026;10,00;NOK" for i in range(9)]
    lines += ["C1;F9;31.02.2026;31.10.2026;10,00;NOK", "", "C1;F10;01.10.2026;31.10.2026;10,00;NOK"]
    with pytest.raises(ImportFailed) as exc, e.begin() as conn:
        import_export(conn, "invoices", ("\n".join(lines) + "\n").encode("cp1252"), "f.csv", chunk_rows=4)
    assert problems(exc.value) == [
        (5, "Kundenr (customer_ref)", "unknown customer"),  # the file's name for the column too
        (11, "Fakturadato", "not a date in the format dd.mm.yyyy"),  # the blank line is not counted
    ]
    assert count(e, Invoice) == 0


def ibm_tables(url: str) -> dict:
    engine = ready_engine(url)
    try:
        with engine.connect() as conn:
            inv = conn.execute(
                select(
                    Invoice.invoice_number,
                    Customer.customer_ref,
                    Invoice.issue_date,
                    Invoice.due_date,
                    Invoice.amount,
                    Invoice.open_until,
                ).join(Customer, Customer.id == Invoice.customer_id)
            ).all()
            pay = conn.execute(
                select(
                    Payment.payment_ref,
                    Payment.payment_date,
                    Payment.amount,
                    Payment.invoice_number,
                    Payment.open_until,
                )
            ).all()
            alloc = conn.execute(
                select(Invoice.invoice_number, Payment.payment_ref, Allocation.alloc_date, Allocation.amount)
                .join(Invoice, Invoice.id == Allocation.invoice_id)
                .join(Payment, Payment.id == Allocation.payment_id)
            ).all()
            return {
                "customers": sorted(conn.execute(select(Customer.customer_ref, Customer.name)).all()),
                "invoices": sorted(inv),
                "payments": sorted(pay),
                "allocations": sorted(alloc),
                "aging": aging(conn, date(2013, 6, 30)).total,
            }
    finally:
        engine.dispose()


def import_ibm(url: str, chunk_rows: int | None) -> None:
    inv = ColumnMap.from_dict(
        {
            "kind": "invoices",
            "columns": {
                "customer_ref": "customerID",
                "invoice_number": "invoiceNumber",
                "issue_date": "InvoiceDate",
                "due_date": "DueDate",
                "amount": "InvoiceAmount",
                "currency": "=NOK",
            },
        }
    )
    pay = ColumnMap.from_dict(
        {
            "kind": "payments",
            "columns": {
                "payment_ref": "=P-{invoiceNumber}",
                "customer_ref": "customerID",
                "payment_date": "SettledDate",
                "amount": "InvoiceAmount",
                "currency": "=NOK",
                "invoice_number": "invoiceNumber",
            },
        }
    )
    engine = ready_engine(url)
    try:
        with engine.begin() as conn, IBM.open("rb") as f:
            import_export(conn, "invoices", f, IBM.name, mapping=inv, create_customers=True, chunk_rows=chunk_rows)
        with engine.begin() as conn, IBM.open("rb") as f:
            import_export(conn, "payments", f, IBM.name, mapping=pay, chunk_rows=chunk_rows)
    finally:
        engine.dispose()


def test_the_ibm_sample_in_small_chunks_gives_what_the_whole_file_gives(db_url, tmp_path, monkeypatch):
    if not IBM.is_file():
        pytest.fail(f"public sample missing at {IBM}")
    whole = f"sqlite:///{tmp_path}/whole.db"
    import_ibm(whole, None)  # 2,586 rows: one chunk
    monkeypatch.setattr(ledger_module, "REBUILD_CUSTOMERS", 7)  # and the allocations 7 customers at a time
    import_ibm(db_url, 97)
    expected, got = ibm_tables(whole), ibm_tables(db_url)
    assert (len(got["customers"]), len(got["invoices"]), len(got["allocations"])) == (100, 2586, 2586)
    assert got["aging"] == D("5223.91")  # tests/test_ibm_sample.py's pinned figure
    assert got == expected


def test_the_cli_shows_progress_for_a_file_of_several_chunks(tmp_path, monkeypatch):
    from test_cli import ok

    url = f"sqlite:///{tmp_path}/kv.db"
    ok(url, "db", "init", "--empty")
    customers = tmp_path / "customers.csv"
    customers.write_bytes(csv_bytes(("customer_ref", "name"), C))
    out = ok(url, "import", "customers", str(customers))
    assert out.splitlines() == [  # one chunk: no progress shown
        "customers: 2 rows, 2 inserted, 0 updated",
        "logged as import #1 (undo: python cli.py import undo 1)",
    ]
    monkeypatch.setattr(imports_module, "CHUNK_ROWS", 500)
    invoices = tmp_path / "invoices.csv"
    invoices.write_bytes(csv_bytes(INVOICE_HEADER, [invoice(f"A{i:05d}") for i in range(5_000)]))
    lines = ok(url, "import", "invoices", str(invoices)).splitlines()
    reading = [line for line in lines if "rows read (" in line]
    assert len(reading) >= 5 and reading[-1] == "invoices: 5,000 rows read (100%)"
    assert lines[-3:] == [
        "invoices: 5,000 rows read; rebuilding the allocations",
        "invoices: 5000 rows, 5000 inserted, 0 updated",
        "logged as import #2 (undo: python cli.py import undo 2)",
    ]


def test_a_file_imported_again_leaves_allocations_and_open_until_as_they_are(db_url):
    e = ready_engine(db_url)
    load(e, customers=C, invoices=[invoice("A1"), invoice("A2", customer="C2", amount="50.00")])
    payments = csv_bytes(PAYMENT_HEADER, [("P1", "C1", "2026-02-01", "100.00", "NOK", "A1")])
    streamed(e, "payments", payments, chunk_rows=1)

    def state():
        with e.connect() as conn:
            allocations = conn.execute(
                select(Allocation.id, Allocation.amount, Allocation.alloc_date).order_by(Allocation.id)
            ).all()
            until = conn.execute(select(Invoice.invoice_number, Invoice.open_until).order_by(Invoice.id)).all()
            return allocations, until

    before = state()
    assert before[1] == [("A1", date(2026, 2, 1)), ("A2", date(9999, 12, 31))]
    assert streamed(e, "payments", payments, chunk_rows=1).unchanged == 1
    assert state() == before  # the same rows, ids included (PostgreSQL never reuses one): nothing rewritten
    changed = csv_bytes(PAYMENT_HEADER, [("P1", "C1", "2026-02-03", "100.00", "NOK", "A1")])
    assert streamed(e, "payments", changed, chunk_rows=1).updated == 1
    allocations, until = state()
    assert [(a.amount, a.alloc_date) for a in allocations] == [(D("100.00"), date(2026, 2, 3))]
    assert until == [("A1", date(2026, 2, 3)), ("A2", date(9999, 12, 31))]
