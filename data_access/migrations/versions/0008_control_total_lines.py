"""control totals by customer: control_totals.by_customer and control_total_lines (one customer's balance in one
currency behind a control total, from a customer balance list or an open-items snapshot)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN: a batch copy of a table with rows and foreign keys trips SQLite (see 0005)
    op.add_column("control_totals", sa.Column("by_customer", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "control_total_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("control_total_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("customer_ref", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("base_amount", sa.BigInteger(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=True),  # the import that wrote it (see 0007)
        sa.ForeignKeyConstraint(
            ["control_total_id"],
            ["control_totals.id"],
            name=op.f("fk_control_total_lines_control_total_id_control_totals"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_control_total_lines_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_total_lines")),
    )
    op.create_index(
        op.f("ix_control_total_lines_control_total_id"), "control_total_lines", ["control_total_id"], unique=False
    )
    op.create_index("ix_control_total_lines_import_id", "control_total_lines", ["import_id"])


def downgrade() -> None:
    op.drop_index("ix_control_total_lines_import_id", table_name="control_total_lines")
    op.drop_index(op.f("ix_control_total_lines_control_total_id"), table_name="control_total_lines")
    op.drop_table("control_total_lines")
    op.execute("ALTER TABLE control_totals DROP COLUMN by_customer")  # SQLite >= 3.35 and PostgreSQL
