"""Read model of the reminder level and collection status that the ERP or a collection agency reported per invoice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, select

from data_access.schema import DunningStatus, Invoice


@dataclass(frozen=True)
class DunningStatusRow:
    invoice_number: str
    reminder_level: int
    last_reminder_on: date | None
    last_deadline_on: date | None
    fees_charged: Decimal  # in the invoice currency
    currency: str
    notice_sent_on: date | None
    collection_status: str  # none | notice_sent | with_agency | closed
    updated_at: datetime  # when the last import changed it


def dunning_status_by_invoice(conn: Connection, customer_id: int) -> dict[str, DunningStatusRow]:
    """The imported status of each of the customer's invoices that has one, keyed by invoice number."""
    rows = conn.execute(
        select(
            Invoice.invoice_number,
            Invoice.currency,
            DunningStatus.reminder_level,
            DunningStatus.last_reminder_on,
            DunningStatus.last_deadline_on,
            DunningStatus.fees_charged,
            DunningStatus.notice_sent_on,
            DunningStatus.collection_status,
            DunningStatus.updated_at,
        )
        .join(Invoice, Invoice.id == DunningStatus.invoice_id)
        .where(Invoice.customer_id == customer_id)
        .order_by(Invoice.invoice_number)
    )
    return {
        r.invoice_number: DunningStatusRow(
            invoice_number=r.invoice_number,
            reminder_level=r.reminder_level,
            last_reminder_on=r.last_reminder_on,
            last_deadline_on=r.last_deadline_on,
            fees_charged=r.fees_charged,
            currency=r.currency,
            notice_sent_on=r.notice_sent_on,
            collection_status=r.collection_status,
            updated_at=r.updated_at,
        )
        for r in rows
    }
