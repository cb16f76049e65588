"""What is in the database: row counts, latest transaction date, demo flag, recent imports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select, union_all

from data_access.ledger import company_profile, data_version, is_demo
from data_access.migrate import current_revision
from data_access.schema import Base, ImportLog, Invoice, Payment, WriteOff
from domain.company import CompanyProfile

COUNTED_TABLES = (
    "customers",
    "invoices",
    "payments",
    "write_offs",
    "allocations",
    "fx_rates",
    "credit_reports",
    "company_events",
    "activities",
    "import_log",
    "policy_versions",
)


@dataclass(frozen=True)
class ImportEntry:
    kind: str
    source: str
    file_name: str | None
    status: str  # running | ok | failed | undone | undo
    rows: int
    inserted: int
    updated: int
    message: str | None
    finished_at: datetime | None
    id: int = 0
    author: str | None = None
    rejected: int = 0
    part_of: int | None = None  # customers created for import N are undone with it
    can_undo: bool = False  # journalled, done, not yet undone and not a companion (the undo may still be refused)


@dataclass(frozen=True)
class DataStatus:
    demo: bool
    data_version: int
    schema_revision: str | None
    row_counts: dict[str, int]
    latest_transaction_date: date | None
    company: CompanyProfile
    recent_imports: tuple[ImportEntry, ...]


def latest_transaction_date(conn: Connection) -> date | None:
    """The newest document date in the ledger (invoices, credit notes, payments, write-offs)."""
    u = union_all(
        select(func.max(Invoice.issue_date).label("d")),
        select(func.max(Payment.payment_date).label("d")),
        select(func.max(WriteOff.write_off_date).label("d")),
    ).subquery()
    value = conn.execute(select(func.max(u.c.d))).scalar()
    if value is None:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def data_status(conn: Connection) -> DataStatus:
    tables = Base.metadata.tables
    counts = {
        name: int(conn.execute(select(func.count()).select_from(tables[name])).scalar_one()) for name in COUNTED_TABLES
    }
    return DataStatus(
        demo=is_demo(conn),
        data_version=data_version(conn),
        schema_revision=current_revision(conn.engine),
        row_counts=counts,
        latest_transaction_date=latest_transaction_date(conn),
        company=company_profile(conn),
        recent_imports=import_log(conn, 10),
    )


def import_log(conn: Connection, limit: int = 50) -> tuple[ImportEntry, ...]:
    """The import log, newest first."""
    rows = conn.execute(select(ImportLog).order_by(ImportLog.id.desc()).limit(limit)).all()
    return tuple(
        ImportEntry(
            r.kind,
            r.source,
            r.file_name,
            r.status,
            r.rows,
            r.inserted,
            r.updated,
            r.message,
            r.finished_at,
            id=r.id,
            author=r.author,
            rejected=r.rejected,
            part_of=r.part_of,
            can_undo=bool(r.undoable and r.status == "ok" and r.part_of is None),
        )
        for r in rows
    )
