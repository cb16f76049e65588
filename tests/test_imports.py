"""Canonical imports: strict validation, all-or-nothing, idempotent re-import, clear messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ledger import CUSTOMER_HEADER, INVOICE_HEADER, PAYMENT_HEADER, csv_bytes, load, ready_engine
from sqlalchemy import func, select

from data_access.asof import aging
from data_access.imports import ImportFailed, import_file
from data_access.ledger import data_version
from data_access.schema import Customer, FxRate, ImportLog, Invoice, Payment

C = [("C1", "Fjord Handel AS", "NO", "NOK"), ("C2", "Vik Bygg AS", "NO", "NOK")]
INV = [
    ("A1", "C1", "2026-01-01", "2026-01-31", "1000.00", "NOK"),
    ("B1", "C2", "2026-01-05", "2026-02-04", "50.00", "NOK"),
]


def count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def try_import(engine, kind, data):
    with pytest.raises(ImportFailed) as exc, engine.begin() as conn:
        import_file(conn, kind, data, "bad.csv")
    return exc.value


@pytest.mark.parametrize(
    ("rows", "row", "column", "problem"),
    [
        ([("A9", "C1", "2026-01-01", "2026-01-31", "12,50", "NOK")], 2, "amount", "not a canonical amount"),
        ([("A9", "C1", "01.02.2026", "2026-01-31", "12.50", "NOK")], 2, "issue_date", "not an ISO date"),
        ([("A9", "C1", "2026-02-01", "2026-01-31", "12.50", "NOK")], 2, "due_date", "before the issue date"),
        ([("A9", "C1", "2026-01-01", "2026-01-31", "-5.00", "NOK")], 2, "amount", "use kind=credit_note"),
        ([("A9", "C1", "2026-01-01", "2026-01-31", "5.00", "NOK", "credit_note")], 2, "amount", "negative amount"),
        ([("A9", "C1", "2026-01-01", "2026-01-31", "5.001", "NOK")], 2, "amount", "more than 2 decimals"),
        ([("A9", "C1", "2026-01-01", "2026-01-31", "5.00", "nok")], 2, "currency", "currency code"),
        ([("A9", "ZZ", "2026-01-01", "2026-01-31", "5.00", "NOK")], 2, "customer_ref", "unknown customer"),
        (
            [
                ("A9", "C1", "2026-01-01", "2026-01-31", "5.00", "NOK"),
                ("A9", "C1", "2026-01-01", "2026-01-31", "6.00", "NOK"),
            ],
            3,
            "invoice_number",
            "duplicate key",
        ),
        (
            [("A8", "C1", "2026-01-01", "2026-01-31", "5.00", "NOK"), ("A9", "C1", "", "2026-01-31", "6.00", "NOK")],
            3,
            "issue_date",
            "is required",
        ),
    ],
)
def test_invalid_invoice_rows_abort_the_whole_file(tmp_path, rows, row, column, problem):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    load(e, customers=C)
    padded = [r + (None,) * (len(INVOICE_HEADER) - len(r)) for r in rows]
    err = try_import(e, "invoices", csv_bytes(INVOICE_HEADER, padded))
    first = err.errors[0]
    assert (first.row, first.column) == (row, column)
    assert problem in first.problem
    assert f"row {row}, column {column}" in str(err)
    assert count(e, Invoice) == 0  # nothing written


def test_header_problems_are_named(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    err = try_import(e, "customers", b"customer_ref,nam\nC1,X\n")
    assert "missing required column(s): name" in str(err)
    assert "unknown column(s) nam" in str(err.errors[1])
    err = try_import(e, "customers", b"")
    assert "the file is empty" in str(err)
    err = try_import(e, "customers", "customer_ref,name\nC1,Bølgen\n".encode("cp1252"))
    assert "not UTF-8" in str(err)


def test_org_numbers_are_checked_per_country(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    header = ("customer_ref", "name", "org_number", "country")
    err = try_import(
        e, "customers", csv_bytes(header, [("C1", "A", "988077917", "NO"), ("C2", "B", "988077918", "NO")])
    )
    assert (err.errors[0].row, err.errors[0].column) == (3, "org_number")
    assert "not a valid NO organisation number" in str(err)
    err = try_import(e, "customers", csv_bytes(header, [("C1", "A", "988077917", "")]))
    assert "needs a country" in str(err)
    with e.begin() as conn:
        import_file(
            conn,
            "customers",
            csv_bytes(
                header,
                [
                    ("C1", "A", "988077917", "NO"),
                    ("C2", "B", "5560360793", "SE"),
                    ("C3", "C", "13585628", "DK"),
                    ("C4", "D", "2077474-0", "FI"),
                ],
            ),
        )
    with e.connect() as conn:
        assert conn.execute(select(Customer.org_number).where(Customer.customer_ref == "C4")).scalar() == "20774740"


def test_payments_must_match_the_invoice_customer_and_currency(db_url):
    e = ready_engine(db_url)
    load(e, customers=C, invoices=INV)
    err = try_import(e, "payments", csv_bytes(PAYMENT_HEADER, [("P1", "C2", "2026-02-01", "10.00", "NOK", "A1")]))
    assert "names invoice A1 of another customer" in str(err)
    err = try_import(e, "payments", csv_bytes(PAYMENT_HEADER, [("P1", "C1", "2026-02-01", "10.00", "EUR", "A1")]))
    assert "is in EUR but invoice A1 is in NOK" in str(err)
    err = try_import(e, "payments", csv_bytes(PAYMENT_HEADER, [("P1", "C1", "2026-02-01", "10.00", "NOK", "NOPE")]))
    assert "names invoice NOPE, which does not exist" in str(err)
    assert count(e, Payment) == 0


def test_write_off_larger_than_what_is_left_is_refused(db_url):
    e = ready_engine(db_url)
    load(e, customers=C, invoices=INV, payments=[("P1", "C1", "2026-02-01", "600.00", "NOK", "A1")])
    with pytest.raises(ImportFailed, match=r"write-off WO1 of 500\.00 exceeds the 400\.00 left open on invoice A1"):
        load(e, write_offs=[("WO1", "A1", "2026-03-01", "500.00")])
    load(e, write_offs=[("WO1", "A1", "2026-03-01", "400.00")])
    with e.connect() as conn:
        assert aging(conn, date(2026, 3, 31)).total == D("50.00")  # only B1 is left


def test_reimport_is_idempotent_and_changes_are_updates(db_url):
    e = ready_engine(db_url)
    load(e, customers=C, invoices=INV)
    data = csv_bytes(INVOICE_HEADER, [(*r, None, None) for r in INV])
    with e.begin() as conn:
        v0 = data_version(conn)
        res = import_file(conn, "invoices", data)
    assert (res.inserted, res.updated, res.unchanged) == (0, 0, 2)
    assert "0 inserted, 0 updated" in res.summary()
    changed = csv_bytes(INVOICE_HEADER, [("A1", "C1", "2026-01-01", "2026-01-31", "900.00", "NOK", None, None)])
    with e.begin() as conn:
        res = import_file(conn, "invoices", changed)
        assert data_version(conn) > v0
    assert (res.inserted, res.updated) == (0, 1)
    with e.connect() as conn:
        assert aging(conn, date(2026, 3, 31)).total == D("950.00")
        assert conn.execute(select(func.count()).select_from(ImportLog)).scalar_one() >= 3


def test_fx_quotes_per_100_are_stored_per_unit(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        import_file(conn, "fx-rates", b"date,currency,rate,unit\n2026-03-02,SEK,98.1234,100\n")
    with e.connect() as conn:
        assert conn.execute(select(FxRate.rate)).scalar_one() == D("0.981234")
    err = try_import(e, "fx-rates", b"date,currency,rate\n2026-03-02,NOK,1\n")
    assert "NOK is the base currency" in str(err)


def test_customer_parents_resolve_within_the_file_and_cycles_are_refused(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    rows = [("G", "Group AS", None, None, None, None, None), ("S1", "Sub 1", None, None, None, None, "G")]
    with e.begin() as conn:
        res = import_file(conn, "customers", csv_bytes(CUSTOMER_HEADER, rows))
    assert (res.inserted, res.updated) == (2, 0)
    cyc = [("G", "Group AS", None, None, None, None, "S1")]
    err = try_import(e, "customers", csv_bytes(CUSTOMER_HEADER, cyc))
    assert "cycle" in str(err)
    with e.connect() as conn:
        parent = conn.execute(select(Customer.parent_id).where(Customer.customer_ref == "G")).scalar()
    assert parent is None  # the rejected file changed nothing


def test_government_debtors_and_pledged_invoices_import_and_bad_values_are_refused(tmp_path):
    """The borrowing base's flags arrive with the canonical files: customers.government, invoices.pledged_to."""
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    with e.begin() as conn:
        import_file(
            conn,
            "customers",
            csv_bytes(("customer_ref", "name", "government"), [("K1", "Oslo kommune", "true"), ("C1", "Fjord AS", "")]),
        )
        import_file(
            conn,
            "invoices",
            csv_bytes(
                (*INVOICE_HEADER[:6], "pledged_to"),
                [
                    ("A1", "C1", "2026-01-01", "2026-01-31", "100.00", "NOK", "Nordic Factoring AS"),
                    ("A2", "K1", "2026-01-01", "2026-01-31", "100.00", "NOK", ""),
                ],
            ),
        )
    with e.connect() as conn:
        assert dict(conn.execute(select(Customer.customer_ref, Customer.government)).all()) == {"K1": True, "C1": False}
        assert dict(conn.execute(select(Invoice.invoice_number, Invoice.pledged_to)).all()) == {
            "A1": "Nordic Factoring AS",
            "A2": None,
        }
    err = try_import(
        e,
        "invoices",
        csv_bytes(
            (*INVOICE_HEADER[:6], "kind", "pledged_to"),
            [("CN9", "C1", "2026-01-05", "2026-01-05", "-10.00", "NOK", "credit_note", "Nordic Factoring AS")],
        ),
    )
    assert "only an invoice can be factored or pledged" in str(err)
    err = try_import(e, "customers", csv_bytes(("customer_ref", "name", "government"), [("K2", "X", "maybe")]))
    assert "government" in str(err)
