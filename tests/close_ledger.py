"""Small hand-computed ledgers for the month-end close SQL tests (tests/test_close_sql.py).

Every ledger goes in through the real canonical import (tests/ledger.load); the flags the CSV formats do not
carry (government debtor, pledged invoice, insured limit, register events, disputes, dunning) are written with
the ORM, as the pages and the register feed do."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from ledger import load
from sqlalchemy import Connection, Engine, select, update

from data_access.ledger import save_company_profile
from data_access.schema import CompanyEvent, Customer, Dispute, DunningStatus, DunningStep, Invoice
from domain.company import CompanyProfile

NOW = datetime(2026, 11, 5, 9, 0)
OCT_FIRST, OCT_LAST = date(2026, 10, 1), date(2026, 10, 31)
COMPANY = CompanyProfile(name="Kredittvakt Test AS", org_number="", country="NO", base_currency="NOK")


def customer_id(conn: Connection, ref: str) -> int:
    return conn.execute(select(Customer.id).where(Customer.customer_ref == ref)).scalar_one()


def set_customer(conn: Connection, ref: str, **values) -> None:
    conn.execute(update(Customer).where(Customer.customer_ref == ref).values(**values))


def set_invoice(conn: Connection, number: str, **values) -> None:
    conn.execute(update(Invoice).where(Invoice.invoice_number == number).values(**values))


def add_event(conn: Connection, ref: str, day: date, kind: str) -> None:
    conn.execute(
        CompanyEvent.__table__.insert().values(
            customer_id=customer_id(conn, ref), event_date=day, event_type=kind, source="brreg", text=kind
        )
    )


def add_dispute(conn: Connection, number: str, amount: D, opened: date, resolved: date | None = None) -> None:
    inv = conn.execute(select(Invoice.id, Invoice.customer_id).where(Invoice.invoice_number == number)).one()
    conn.execute(
        Dispute.__table__.insert().values(
            invoice_id=inv.id,
            customer_id=inv.customer_id,
            amount=amount,
            reason="wrong quantity",
            owner="sales",
            opened_on=opened,
            status="open" if resolved is None else "resolved",
            outcome=None if resolved is None else "rejected",
            resolved_on=resolved,
            author="Kari",
            created_at=NOW,
        )
    )


def add_collection_step(conn: Connection, ref: str, sent: date, numbers: str) -> None:
    conn.execute(
        DunningStep.__table__.insert().values(
            customer_id=customer_id(conn, ref),
            step="collection_agency",
            sent_on=sent,
            fee=D("0"),
            currency="NOK",
            invoice_numbers=numbers,
            author="Kari",
            created_at=NOW,
        )
    )


def add_with_agency(conn: Connection, number: str) -> None:
    inv = conn.execute(select(Invoice.id).where(Invoice.invoice_number == number)).scalar_one()
    conn.execute(
        DunningStatus.__table__.insert().values(
            invoice_id=inv, reminder_level=2, fees_charged=D("0"), collection_status="with_agency", updated_at=NOW
        )
    )


# --- the NOK month: period 2026-10 --------------------------------------------------------------------------
# Open at 2026-09-30 (the opening AR):
#   I1 (C1) 1 000.00, I2 (C2) 500.00, I3 (C1) 200.00, PA (C2, on account, no invoice) -50.00   -> 1 650.00
#   (I0 of June was paid in July: closed before the period)
# October:
#   invoiced     I4 800.00 + I5 300.00                                   =  1 100.00  (I6 is dated 2 Nov: outside)
#   collected    P1 pays I1                                              = -1 000.00
#   credit notes CN1 credits I3                                          =   -150.00
#   write-offs   W1 writes off I2 on 15 Oct                              =   -500.00
#   recoveries   P2 (20 Oct) names I2, written off on 15 Oct: unapplied  =   -120.00
# Closing: 1 650 + 1 100 - 1 000 - 150 - 500 - 120 = 980.00
# Aging at 2026-10-31: I3 200 - 150 = 50, I4 800, I5 300, PA -50, P2 -120 -> 50 + 800 + 300 - 50 - 120 = 980.00
NOK_MONTH = dict(
    customers=[("C1", "Fjord Handel AS", "NO", "NOK", 30), ("C2", "Bergen Bygg AS", "NO", "NOK", 30)],
    invoices=[
        ("I0", "C1", "2026-06-01", "2026-07-01", "400.00", "NOK"),
        ("I1", "C1", "2026-09-01", "2026-10-01", "1000.00", "NOK"),
        ("I2", "C2", "2026-08-01", "2026-08-31", "500.00", "NOK"),
        ("I3", "C1", "2026-09-15", "2026-10-15", "200.00", "NOK"),
        ("I4", "C1", "2026-10-05", "2026-11-04", "800.00", "NOK"),
        ("I5", "C2", "2026-10-10", "2026-11-09", "300.00", "NOK"),
        ("CN1", "C1", "2026-10-12", "2026-10-12", "-150.00", "NOK", "credit_note", "I3"),
        ("I6", "C2", "2026-11-02", "2026-12-02", "300.00", "NOK"),
    ],
    payments=[
        ("P0", "C1", "2026-07-10", "400.00", "NOK", "I0"),
        ("PA", "C2", "2026-09-25", "50.00", "NOK"),
        ("P1", "C1", "2026-10-10", "1000.00", "NOK", "I1"),
        ("P2", "C2", "2026-10-20", "120.00", "NOK", "I2"),
    ],
    write_offs=[("W1", "I2", "2026-10-15", "500.00", "debtor bankrupt")],
)
NOK_OPENING = D("1650.00")
NOK_CLOSING = D("980.00")
# A document imported after the close, dated inside the closed month.
LATE_INVOICE = ("I7", "C1", "2026-10-20", "2026-11-19", "250.00", "NOK")


def load_nok_month(engine: Engine) -> None:
    with engine.begin() as conn:
        save_company_profile(conn, COMPANY)
    load(engine, **NOK_MONTH)


# --- a EUR customer across an FX move ------------------------------------------------------------------------
# EUR rates: 11.40 (1 Sep), 11.50 (30 Sep), 11.30 (15 Oct: a mid-month rate no closing figure may use),
# 11.234567 (31 Oct). Every document converts alone, rounded 0.01 half-up.
EUR_MONTH = dict(
    customers=[("N1", "Oslo Verksted AS", "NO", "NOK", 30), ("E1", "Hamburg Handel GmbH", "DE", "EUR", 30)],
    fx=[
        ("2026-09-01", "EUR", "11.40"),
        ("2026-09-30", "EUR", "11.50"),
        ("2026-10-15", "EUR", "11.30"),
        ("2026-10-31", "EUR", "11.234567"),
    ],
    invoices=[
        ("NI1", "N1", "2026-09-05", "2026-10-05", "500.00", "NOK"),
        ("EI1", "E1", "2026-09-10", "2026-10-10", "1000.01", "EUR"),
        ("EI2", "E1", "2026-09-20", "2026-10-20", "333.33", "EUR"),
        ("NI2", "N1", "2026-10-10", "2026-11-09", "250.00", "NOK"),
        ("EI3", "E1", "2026-10-05", "2026-11-04", "200.02", "EUR"),
    ],
    payments=[
        ("EP1", "E1", "2026-10-15", "333.33", "EUR", "EI2"),
        ("EP2", "E1", "2026-10-25", "301.00", "EUR", "EI1"),
    ],
)
