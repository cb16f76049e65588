"""Typed SQLAlchemy models: the ledger, reference data, logs and the versioned policy store."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import text

from data_access.types import Money, Rate

# `open_until` of a document that is still open (not fully allocated): later than any as-of date.
OPEN_UNTIL_OPEN = date(9999, 12, 31)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_ref: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    org_number: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="NOK")
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=30)
    credit_limit: Mapped[Decimal | None] = mapped_column(Money)
    insured_limit: Mapped[Decimal | None] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(20), default="active")
    segment: Mapped[str | None] = mapped_column(String(50))
    industry_code: Mapped[str | None] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    affiliate: Mapped[bool] = mapped_column(Boolean, default=False)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    __table_args__ = (
        CheckConstraint("status IN ('active', 'credit_hold', 'prepayment_only')", name="status"),
        CheckConstraint("payment_terms_days >= 0", name="terms"),
    )


class Invoice(Base):
    """Invoices and credit notes (negative amount); numbers are unique across the ledger."""

    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(12), default="invoice")
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    disputed_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    credited_invoice: Mapped[str | None] = mapped_column(String(64))
    # The date the document stopped being open (fully allocated), derived from the allocations;
    # it is an open item as of D exactly when issue_date <= D < open_until.
    open_until: Mapped[date] = mapped_column(Date, default=OPEN_UNTIL_OPEN, server_default=text("'9999-12-31'"))
    __table_args__ = (
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
        CheckConstraint("(kind = 'invoice' AND amount > 0) OR (kind = 'credit_note' AND amount < 0)", name="sign"),
        Index("ix_invoices_customer_issue", "customer_id", "issue_date"),
        Index("ix_invoices_issue_date", "issue_date"),
        Index("ix_invoices_open_until", "open_until", "issue_date"),
    )


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_ref: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    payment_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    invoice_number: Mapped[str | None] = mapped_column(String(64))
    open_until: Mapped[date] = mapped_column(Date, default=OPEN_UNTIL_OPEN, server_default=text("'9999-12-31'"))
    __table_args__ = (
        CheckConstraint("amount > 0", name="positive"),
        Index("ix_payments_customer_date", "customer_id", "payment_date"),
        Index("ix_payments_date", "payment_date"),
        Index("ix_payments_open_until", "open_until", "payment_date"),
    )


class WriteOff(Base):
    __tablename__ = "write_offs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    write_off_ref: Mapped[str] = mapped_column(String(64), unique=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    write_off_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(String(200))
    __table_args__ = (CheckConstraint("amount > 0", name="positive"),)


class Allocation(Base):
    """A payment, credit note or write-off closing (part of) an invoice on `alloc_date`.

    Rebuilt from the documents by the allocation rules whenever a customer's documents change.
    """

    __tablename__ = "allocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    alloc_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    write_off_id: Mapped[int | None] = mapped_column(ForeignKey("write_offs.id"))
    __table_args__ = (
        CheckConstraint("amount > 0", name="positive"),
        CheckConstraint(
            "(CASE WHEN payment_id IS NULL THEN 0 ELSE 1 END + CASE WHEN credit_note_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN write_off_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_source",
        ),
        Index("ix_allocations_invoice_date", "invoice_id", "alloc_date"),
        Index("ix_allocations_payment", "payment_id"),
        Index("ix_allocations_credit_note", "credit_note_id"),
        Index("ix_allocations_customer", "customer_id"),
        Index("ix_allocations_date", "alloc_date"),
    )


class FxRate(Base):
    __tablename__ = "fx_rates"
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate_date: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Rate)


class CreditReport(Base):
    __tablename__ = "credit_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    report_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(50))
    score: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(20))
    remarks_count: Mapped[int] = mapped_column(Integer, default=0)
    remarks_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    __table_args__ = (CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score"),)


class CompanyEvent(Base):
    __tablename__ = "company_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    event_date: Mapped[date] = mapped_column(Date)
    event_type: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(50))
    text: Mapped[str | None] = mapped_column(Text)


class Activity(Base):
    """Notes, calls and promises to pay on a customer."""

    __tablename__ = "activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    activity_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)
    promised_amount: Mapped[Decimal | None] = mapped_column(Money)
    promised_date: Mapped[date | None] = mapped_column(Date)
    author: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("kind IN ('note', 'call', 'promise')", name="kind"),)


class ImportLog(Base):
    __tablename__ = "import_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    source: Mapped[str] = mapped_column(String(30))  # ledger | credit_reports | register | demo
    file_name: Mapped[str | None] = mapped_column(String(300))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10))
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # JSON of domain.policy.Policy.to_dict()


class Setting(Base):
    """Key/value settings (company profile, demo flag) stored as JSON text."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DataVersion(Base):
    """One row; every committed write bumps `version` so caches keyed on it refresh."""

    __tablename__ = "data_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)


LEDGER_TABLES = (
    "allocations",
    "write_offs",
    "payments",
    "invoices",
    "credit_reports",
    "company_events",
    "activities",
    "fx_rates",
    "customers",
)
