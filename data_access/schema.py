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
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import text

from data_access.types import Money, Percent, Rate

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
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
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
    # Credit insurance: the insurer, its decision date and the share of a loss it covers (percent, 2 decimals)
    insurer: Mapped[str | None] = mapped_column(String(100))
    insured_share: Mapped[Decimal | None] = mapped_column(Percent)
    insurance_decided_on: Mapped[date | None] = mapped_column(Date)
    # The credit decision in force: when it is to be reviewed and when the granted limit expires
    limit_review_on: Mapped[date | None] = mapped_column(Date)
    limit_expires_on: Mapped[date | None] = mapped_column(Date)
    # A corporate group's limit (base currency), kept on the group's top-most parent
    group_limit: Mapped[Decimal | None] = mapped_column(Money)
    # A public-sector debtor (state, municipality): ineligible in most borrowing bases
    government: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    sales_owner: Mapped[str | None] = mapped_column(String(64))  # the user name of the sales person who owns it
    __table_args__ = (
        CheckConstraint("status IN ('active', 'credit_hold', 'prepayment_only')", name="status"),
        CheckConstraint("payment_terms_days >= 0", name="terms"),
    )


class Invoice(Base):
    """Invoices and credit notes (negative amount); numbers are unique across the ledger."""

    __tablename__ = "invoices"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
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
    # Factored or pledged to a third party (the factor's or bank's name): ineligible in a borrowing base
    pledged_to: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
        CheckConstraint("(kind = 'invoice' AND amount > 0) OR (kind = 'credit_note' AND amount < 0)", name="sign"),
        Index("ix_invoices_customer_issue", "customer_id", "issue_date"),
        Index("ix_invoices_issue_date", "issue_date"),
        Index("ix_invoices_open_until", "open_until", "issue_date"),
        Index("ix_invoices_credited_invoice", "credited_invoice"),
    )


class Payment(Base):
    __tablename__ = "payments"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
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
        Index("ix_payments_invoice_number", "invoice_number"),
    )


class WriteOff(Base):
    __tablename__ = "write_offs"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
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
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate_date: Mapped[date] = mapped_column(Date, primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Rate)


class CreditReport(Base):
    __tablename__ = "credit_reports"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    report_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(50))
    score: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[str | None] = mapped_column(String(20))
    remarks_count: Mapped[int] = mapped_column(Integer, default=0)
    remarks_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    uc_class: Mapped[int | None] = mapped_column(Integer)  # UC riskklass 1-5, when the bureau is UC
    pd_percent: Mapped[Decimal | None] = mapped_column(Percent)  # the bureau's own PD (UC riskprognos)
    __table_args__ = (CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score"),)


class CompanyEvent(Base):
    __tablename__ = "company_events"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
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


class CustomerChange(Base):
    """One changed credit field of a customer (limit, terms, status, insurance, review dates): who, why, when,
    under which policy version; the source of the "changes for the ERP" export."""

    __tablename__ = "customer_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    effective_on: Mapped[date] = mapped_column(Date)
    field: Mapped[str] = mapped_column(String(30))
    old_value: Mapped[str | None] = mapped_column(String(100))
    new_value: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(20))  # edit | limit_approval | alert_action | credit_check
    policy_version: Mapped[int | None] = mapped_column(Integer)
    alert_id: Mapped[int | None] = mapped_column(Integer)


class LimitRequest(Base):
    """A requested credit limit (customer currency) and its decision under the policy's approval matrix."""

    __tablename__ = "limit_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    scope: Mapped[str] = mapped_column(String(10), default="customer")  # customer | group
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    amount_base: Mapped[Decimal] = mapped_column(Money)  # what the approval matrix compares
    required_role: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_role: Mapped[str] = mapped_column(String(40))
    requested_on: Mapped[date] = mapped_column(Date)
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    policy_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_role: Mapped[str | None] = mapped_column(String(40))
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    decided_policy_version: Mapped[int | None] = mapped_column(Integer)
    review_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status"),
        CheckConstraint("scope IN ('customer', 'group')", name="scope"),
        CheckConstraint("amount >= 0", name="amount"),
    )


class Alert(Base):
    """A monitoring alert. (customer, type, key) is unique, so running the monitor twice adds nothing.

    Event alerts (negative_event, score_drop) are keyed by what happened; condition alerts by the date the
    condition was first seen, and get `cleared_on` when it no longer holds."""

    __tablename__ = "alerts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(10))
    since: Mapped[date] = mapped_column(Date)
    raised_on: Mapped[date] = mapped_column(Date)  # the as-of date of the monitor run that raised it
    message: Mapped[str] = mapped_column(Text)  # English; the UI words it from code and params
    params: Mapped[str] = mapped_column(Text)  # JSON
    recommendation: Mapped[str] = mapped_column(String(30))
    recommendation_params: Mapped[str] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(15), default="open")
    assignee: Mapped[str | None] = mapped_column(String(100))
    cleared_on: Mapped[date | None] = mapped_column(Date)
    policy_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name="status"),
        CheckConstraint("severity IN ('high', 'medium', 'low')", name="severity"),
        Index("uq_alerts_customer_type_key", "customer_id", "type", "key", unique=True),
        Index("ix_alerts_status", "status", "severity"),
    )


class AlertLog(Base):
    """What happened to an alert: raised, acknowledged, assigned, commented, applied, cleared, closed."""

    __tablename__ = "alert_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))
    text: Mapped[str | None] = mapped_column(Text)


class RiskHistory(Base):
    """A customer's risk class as the monitor saw it, one row per change (for class-downgrade alerts)."""

    __tablename__ = "risk_history"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    risk_class: Mapped[str] = mapped_column(String(1))
    base_class: Mapped[str] = mapped_column(String(1))
    policy_version: Mapped[int | None] = mapped_column(Integer)


class CreditCheck(Base):
    """A new-customer credit check and the policy's decision on it."""

    __tablename__ = "credit_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checked_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(100))
    org_number: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    name: Mapped[str] = mapped_column(String(200))
    customer_ref: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    requested_limit: Mapped[Decimal] = mapped_column(Money)
    requested_terms_days: Mapped[int] = mapped_column(Integer)
    report: Mapped[str | None] = mapped_column(Text)  # JSON of the credit report used
    decision: Mapped[str] = mapped_column(String(30))
    risk_class: Mapped[str] = mapped_column(String(1))
    granted_limit: Mapped[Decimal] = mapped_column(Money)
    granted_terms_days: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of {code, params, text}
    policy_version: Mapped[int | None] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    limit_request_id: Mapped[int | None] = mapped_column(ForeignKey("limit_requests.id"))


class Dispute(Base):
    """A disputed (part of an) invoice: pauses dunning of that invoice while open."""

    __tablename__ = "disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(20))  # sales | delivery | finance
    opened_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    outcome: Mapped[str | None] = mapped_column(String(20))  # credit_note | rejected | settled
    resolved_on: Mapped[date | None] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("status IN ('open', 'resolved')", name="status"),
        CheckConstraint("owner IN ('sales', 'delivery', 'finance')", name="owner"),
        CheckConstraint("amount > 0", name="amount"),
    )


class PaymentPlan(Base):
    """An agreed payment plan for one or more invoices of a customer; pauses their dunning while kept."""

    __tablename__ = "payment_plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    agreed_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | cancelled
    reason: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    policy_version: Mapped[int | None] = mapped_column(Integer)


class PlanInvoice(Base):
    __tablename__ = "plan_invoices"
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)


class PlanInstalment(Base):
    __tablename__ = "plan_instalments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plans.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)


class DunningStep(Base):
    """A dunning step sent to a customer (by us, marked sent on the Collections page) for some invoices."""

    __tablename__ = "dunning_steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    step: Mapped[str] = mapped_column(String(30))
    sent_on: Mapped[date] = mapped_column(Date)
    deadline_on: Mapped[date | None] = mapped_column(Date)
    fee: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    invoice_numbers: Mapped[str] = mapped_column(Text)  # space-separated
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    policy_version: Mapped[int | None] = mapped_column(Integer)


class CollectionPause(Base):
    """A customer taken off the collections worklist for a while, with a reason."""

    __tablename__ = "collection_pauses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    paused_on: Mapped[date] = mapped_column(Date)
    paused_until: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ended_on: Mapped[date | None] = mapped_column(Date)


class DunningStatus(Base):
    """Each invoice's reminder level as the ERP or a collection agency reports it (import kind dunning-status)."""

    __tablename__ = "dunning_status"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    reminder_level: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_on: Mapped[date | None] = mapped_column(Date)
    last_deadline_on: Mapped[date | None] = mapped_column(Date)
    fees_charged: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    notice_sent_on: Mapped[date | None] = mapped_column(Date)  # notice of collection (inkassovarsel)
    collection_status: Mapped[str] = mapped_column(String(20), default="none")
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (
        CheckConstraint("collection_status IN ('none', 'notice_sent', 'with_agency', 'closed')", name="collection"),
        CheckConstraint("reminder_level >= 0", name="level"),
    )


class StatutoryParameter(Base):
    """Dated statutory figures per jurisdiction (fee caps, minimum deadlines, interest, fixed compensation) with
    their source; editable because they change every half-year."""

    __tablename__ = "statutory_parameters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(2))
    parameter: Mapped[str] = mapped_column(String(50))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    value: Mapped[str] = mapped_column(String(30))  # a decimal number as text (exact)
    unit: Mapped[str] = mapped_column(String(10))  # NOK | SEK | DKK | EUR | percent | days | count
    source: Mapped[str] = mapped_column(Text)
    confidence: Mapped[str] = mapped_column(String(1))  # V verified | D derived | U unverified
    __table_args__ = (Index("uq_statutory_key", "jurisdiction", "parameter", "valid_from", unique=True),)


class CashApplication(Base):
    """A payment or credit note applied by hand to an invoice of the same customer (reversible): the document's
    invoice reference is changed and the customer's allocations rebuilt by the allocation rules."""

    __tablename__ = "cash_applications"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    doc_kind: Mapped[str] = mapped_column(String(12))  # payment | credit_note
    doc_id: Mapped[int] = mapped_column(Integer)
    old_invoice_number: Mapped[str | None] = mapped_column(String(64))
    new_invoice_number: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    applied_at: Mapped[datetime] = mapped_column(DateTime)
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime)
    reversed_by: Mapped[str | None] = mapped_column(String(100))
    __table_args__ = (CheckConstraint("doc_kind IN ('payment', 'credit_note')", name="kind"),)


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
    author: Mapped[str | None] = mapped_column(String(100))
    rejected: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    part_of: Mapped[int | None] = mapped_column(Integer)  # a companion import (customers created from the file)
    undoable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[str | None] = mapped_column(String(100))


class ImportChange(Base):
    """The journal of an import: the before- and after-image of each row it updated or deleted (rows it inserted
    carry its `import_id` instead), so that the import can be undone (data_access.import_journal)."""

    __tablename__ = "import_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(Integer, index=True)
    table_name: Mapped[str] = mapped_column(String(40))
    op: Mapped[str] = mapped_column(String(10))  # update | delete
    row_key: Mapped[str] = mapped_column(Text)  # JSON of the primary key
    before: Mapped[str] = mapped_column(Text)  # JSON of the row (update: the columns written) before the import
    after: Mapped[str | None] = mapped_column(Text)  # JSON of the same columns after it (update only)
    before_import_id: Mapped[int | None] = mapped_column(Integer, index=True)
    __table_args__ = (CheckConstraint("op IN ('update', 'delete')", name="op"),)


class User(Base):
    """A local account: argon2 hash, access role (domain.access.ROLES), decision authority, lockout state."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200), index=True)  # the identity single sign-on maps
    password_hash: Mapped[str | None] = mapped_column(String(200))  # None: signs in only through SSO
    role: Mapped[str] = mapped_column(String(20))
    authority: Mapped[str | None] = mapped_column(String(20))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    row_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    __table_args__ = (CheckConstraint("role IN ('viewer', 'sales', 'credit_manager', 'admin')", name="role"),)


class AuditEntry(Base):
    """One change, append-only (database triggers refuse UPDATE and DELETE): who, when, what, before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_key: Mapped[str | None] = mapped_column(String(200))
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_key"),)


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # JSON of domain.policy.Policy.to_dict()


class LenderProfileVersion(Base):
    """A loan agreement's borrowing-base terms (domain.borrowing_base.LenderProfile) per version; the latest
    version of each name is in force unless it is retired."""

    __tablename__ = "lender_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)  # JSON of LenderProfile.to_dict()
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (Index("uq_lender_profiles_name_version", "name", "version", unique=True),)


class ContraBalance(Base):
    """What we owe a customer (accounts payable to the same counterparty) as of a date, entered by hand; the
    latest row on or before a date is in force."""

    __tablename__ = "contra_balances"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)  # base currency, >= 0
    note: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    __table_args__ = (CheckConstraint("amount >= 0", name="amount"),)


class ControlTotal(Base):
    """The ERP's own receivables total (its aging total or the receivables account's balance) for a date."""

    __tablename__ = "control_totals"
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that last wrote it
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    amount: Mapped[Decimal] = mapped_column(Money)  # base currency
    source: Mapped[str] = mapped_column(String(100))
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # the file gave the balance of each customer (control_total_lines); `amount` is then their sum
    by_customer: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class ControlTotalLine(Base):
    """One customer's balance in one currency behind a by-customer control total (a customer balance list, an
    aging by customer, an open-items snapshot). A customer Kredittvakt does not know keeps the file's reference
    (or organisation number) with no customer_id."""

    __tablename__ = "control_total_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    control_total_id: Mapped[int] = mapped_column(ForeignKey("control_totals.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    customer_ref: Mapped[str] = mapped_column(String(64))  # the customer's reference, or as the file named it
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)  # in `currency`, signed
    base_amount: Mapped[Decimal] = mapped_column(Money)  # at the closing rate of the date, 0.01 half-up
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the import that wrote it


class PeriodClose(Base):
    """A month-end close: the lender pack's data frozen as JSON (domain.pack.LenderPack via domain.snapshot) with
    the sign-off; reopening keeps the row (status 'reopened', who, when, why) and a new close adds a row."""

    __tablename__ = "period_closes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="closed")
    closed_at: Mapped[datetime] = mapped_column(DateTime)
    closed_by: Mapped[str] = mapped_column(String(100))
    policy_version: Mapped[int | None] = mapped_column(Integer)
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    reopened_at: Mapped[datetime | None] = mapped_column(DateTime)
    reopened_by: Mapped[str | None] = mapped_column(String(100))
    reopen_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("status IN ('closed', 'reopened')", name="status"),
        Index(
            "uq_period_closes_closed",
            "period",
            unique=True,
            sqlite_where=text("status = 'closed'"),
            postgresql_where=text("status = 'closed'"),
        ),
    )


class ReportLog(Base):
    """Every report produced for someone: which report, period, recipient, and the file's SHA-256."""

    __tablename__ = "report_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report: Mapped[str] = mapped_column(String(30))  # lender_pack | lender_workbook | credit_memo
    period: Mapped[str | None] = mapped_column(String(7))
    as_of: Mapped[date] = mapped_column(Date)
    lender: Mapped[str | None] = mapped_column(String(200))
    customer_ref: Mapped[str | None] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(2))
    recipient: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    close_id: Mapped[int | None] = mapped_column(ForeignKey("period_closes.id"))
    author: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


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
    "report_log",
    "period_closes",
    "control_total_lines",
    "control_totals",
    "contra_balances",
    "cash_applications",
    "dunning_status",
    "collection_pauses",
    "dunning_steps",
    "plan_instalments",
    "plan_invoices",
    "payment_plans",
    "disputes",
    "credit_checks",
    "alert_log",
    "alerts",
    "risk_history",
    "limit_requests",
    "customer_changes",
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
