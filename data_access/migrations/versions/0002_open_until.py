"""open_until on invoices and payments: the date a document was fully allocated

Lets the as-of queries read only the documents still open at the as-of date
(issue_date <= D < open_until) instead of the whole history. Backfilled from the allocations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = "'9999-12-31'"


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite allows NOT NULL with a constant default, and a table copy
    # would trip the foreign keys that point at invoices.
    for table in ("invoices", "payments"):
        op.add_column(table, sa.Column("open_until", sa.Date(), nullable=False, server_default=sa.text(OPEN)))
    op.create_index("ix_invoices_open_until", "invoices", ["open_until", "issue_date"])
    op.create_index("ix_payments_open_until", "payments", ["open_until", "payment_date"])
    # A document is settled on the date of its last allocation once the allocations add up to its amount.
    op.execute(
        f"""UPDATE invoices SET open_until = COALESCE((
              SELECT MAX(a.alloc_date) FROM allocations a WHERE a.invoice_id = invoices.id
              HAVING SUM(a.amount) = invoices.amount), {OPEN})
            WHERE kind = 'invoice'"""
    )
    op.execute(
        f"""UPDATE invoices SET open_until = COALESCE((
              SELECT MAX(a.alloc_date) FROM allocations a WHERE a.credit_note_id = invoices.id
              HAVING SUM(a.amount) = -invoices.amount), {OPEN})
            WHERE kind = 'credit_note'"""
    )
    op.execute(
        f"""UPDATE payments SET open_until = COALESCE((
              SELECT MAX(a.alloc_date) FROM allocations a WHERE a.payment_id = payments.id
              HAVING SUM(a.amount) = payments.amount), {OPEN})"""
    )


def downgrade() -> None:
    op.drop_index("ix_payments_open_until", table_name="payments")
    op.drop_index("ix_invoices_open_until", table_name="invoices")
    for table in ("invoices", "payments"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN open_until")  # SQLite >= 3.35 and PostgreSQL
