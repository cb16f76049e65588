"""month-end close: lender profiles, contra balances, ERP control totals, period closes with their snapshot, the
report log; government debtors and pledged invoices

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy of the table): a copy would drop `customers`, which other tables reference
    op.add_column("customers", sa.Column("government", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("invoices", sa.Column("pledged_to", sa.String(length=100), nullable=True))

    op.create_table(
        "lender_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lender_profiles")),
    )
    with op.batch_alter_table("lender_profiles", schema=None) as batch_op:
        batch_op.create_index("uq_lender_profiles_name_version", ["name", "version"], unique=True)

    op.create_table(
        "contra_balances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_contra_balances_amount")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contra_balances_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contra_balances")),
    )
    with op.batch_alter_table("contra_balances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contra_balances_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "control_totals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_control_totals")),
    )
    with op.batch_alter_table("control_totals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_control_totals_as_of"), ["as_of"], unique=False)

    op.create_table(
        "period_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("snapshot_sha256", sa.String(length=64), nullable=False),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopened_by", sa.String(length=100), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('closed', 'reopened')", name=op.f("ck_period_closes_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_closes")),
    )
    with op.batch_alter_table("period_closes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_period_closes_period"), ["period"], unique=False)
    # at most one close in force per month, even when two users close at the same moment
    op.create_index(
        "uq_period_closes_closed",
        "period_closes",
        ["period"],
        unique=True,
        sqlite_where=sa.text("status = 'closed'"),
        postgresql_where=sa.text("status = 'closed'"),
    )

    op.create_table(
        "report_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=30), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("lender", sa.String(length=200), nullable=True),
        sa.Column("customer_ref", sa.String(length=64), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("close_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["close_id"], ["period_closes.id"], name=op.f("fk_report_log_close_id_period_closes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_log")),
    )


def downgrade() -> None:
    op.drop_table("report_log")
    op.drop_index("uq_period_closes_closed", table_name="period_closes")
    with op.batch_alter_table("period_closes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_period_closes_period"))
    op.drop_table("period_closes")
    with op.batch_alter_table("control_totals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_control_totals_as_of"))
    op.drop_table("control_totals")
    with op.batch_alter_table("contra_balances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contra_balances_customer_id"))
    op.drop_table("contra_balances")
    with op.batch_alter_table("lender_profiles", schema=None) as batch_op:
        batch_op.drop_index("uq_lender_profiles_name_version")
    op.drop_table("lender_profiles")
    op.execute("ALTER TABLE invoices DROP COLUMN pledged_to")  # SQLite >= 3.35 and PostgreSQL
    op.execute("ALTER TABLE customers DROP COLUMN government")
