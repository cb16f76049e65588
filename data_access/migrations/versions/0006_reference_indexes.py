"""indexes on the invoice a payment or a credit note names (payments.invoice_number, invoices.credited_invoice):
an import looks up which customers' credits name the imported invoices, one chunk of numbers at a time; without
them every chunk scanned both tables, and a million-row import slowed down quadratically

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_payments_invoice_number", "payments", ["invoice_number"])
    op.create_index("ix_invoices_credited_invoice", "invoices", ["credited_invoice"])


def downgrade() -> None:
    op.drop_index("ix_invoices_credited_invoice", table_name="invoices")
    op.drop_index("ix_payments_invoice_number", table_name="payments")
