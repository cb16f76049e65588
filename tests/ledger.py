"""Build small ledgers for tests through the real canonical import path."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine

from data_access.engine import make_engine
from data_access.imports import import_file
from data_access.migrate import upgrade


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    return out.getvalue().encode()


def ready_engine(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


CUSTOMER_HEADER = ("customer_ref", "name", "country", "currency", "payment_terms_days", "credit_limit", "parent_ref")
INVOICE_HEADER = (
    "invoice_number",
    "customer_ref",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "kind",
    "credited_invoice",
)
PAYMENT_HEADER = ("payment_ref", "customer_ref", "payment_date", "amount", "currency", "invoice_number")
WRITE_OFF_HEADER = ("write_off_ref", "invoice_number", "date", "amount", "reason")
FX_HEADER = ("date", "currency", "rate")


def load(engine: Engine, *, customers=(), fx=(), invoices=(), payments=(), write_offs=()) -> None:
    """Import each non-empty table in its own transaction, in dependency order.

    customers: (ref, name[, country, currency, terms, limit, parent]); invoices: (number, ref, issue, due, amount,
    currency[, kind, credited]); payments: (ref, customer, date, amount, currency[, invoice]);
    write_offs: (ref, invoice, date, amount[, reason]); fx: (date, currency, rate).
    """
    for kind, header, rows in (
        ("customers", CUSTOMER_HEADER, customers),
        ("fx-rates", FX_HEADER, fx),
        ("invoices", INVOICE_HEADER, invoices),
        ("payments", PAYMENT_HEADER, payments),
        ("write-offs", WRITE_OFF_HEADER, write_offs),
    ):
        if rows:
            padded = [tuple(r) + (None,) * (len(header) - len(r)) for r in rows]
            with engine.begin() as conn:
                import_file(conn, kind, csv_bytes(header, padded), f"{kind}.csv")
