"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Money columns are BIGINT minor units and FX rates BIGINT millionths (see data_access/types.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_ref", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("org_number", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("credit_limit", sa.BigInteger(), nullable=True),
        sa.Column("insured_limit", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("segment", sa.String(length=50), nullable=True),
        sa.Column("industry_code", sa.String(length=10), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("affiliate", sa.Boolean(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('active', 'credit_hold', 'prepayment_only')", name=op.f("ck_customers_status")),
        sa.CheckConstraint("payment_terms_days >= 0", name=op.f("ck_customers_terms")),
        sa.ForeignKeyConstraint(["parent_id"], ["customers.id"], name=op.f("fk_customers_parent_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("customer_ref", name=op.f("uq_customers_customer_ref")),
    )
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    op.create_table(
        "fx_rates",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate_date", sa.Date(), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("currency", "rate_date", name=op.f("pk_fx_rates")),
    )
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_log")),
    )
    op.create_table(
        "policy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_policy_versions_version")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("promised_amount", sa.BigInteger(), nullable=True),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('note', 'call', 'promise')", name=op.f("ck_activities_kind")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_activities_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "company_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_company_events_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company_events")),
    )
    with op.batch_alter_table("company_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_events_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "credit_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("rating", sa.String(length=20), nullable=True),
        sa.Column("remarks_count", sa.Integer(), nullable=False),
        sa.Column("remarks_amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name=op.f("ck_credit_reports_score")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_credit_reports_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_reports")),
    )
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_reports_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("disputed_amount", sa.BigInteger(), nullable=False),
        sa.Column("credited_invoice", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(kind = 'invoice' AND amount > 0) OR (kind = 'credit_note' AND amount < 0)",
            name=op.f("ck_invoices_sign"),
        ),
        sa.CheckConstraint("kind IN ('invoice', 'credit_note')", name=op.f("ck_invoices_kind")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_invoices_invoice_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index("ix_invoices_customer_issue", ["customer_id", "issue_date"], unique=False)
        batch_op.create_index("ix_invoices_issue_date", ["issue_date"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_ref", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("invoice_number", sa.String(length=64), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_positive")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_payments_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("payment_ref", name=op.f("uq_payments_payment_ref")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index("ix_payments_customer_date", ["customer_id", "payment_date"], unique=False)
        batch_op.create_index("ix_payments_date", ["payment_date"], unique=False)

    op.create_table(
        "write_offs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("write_off_ref", sa.String(length=64), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("write_off_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_write_offs_positive")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_write_offs_customer_id_customers")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_write_offs_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_offs")),
        sa.UniqueConstraint("write_off_ref", name=op.f("uq_write_offs_write_off_ref")),
    )
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("alloc_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("write_off_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN payment_id IS NULL THEN 0 ELSE 1 END + CASE WHEN credit_note_id IS NULL THEN 0 ELSE 1 END + CASE WHEN write_off_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_allocations_one_source"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_allocations_positive")),
        sa.ForeignKeyConstraint(
            ["credit_note_id"], ["invoices.id"], name=op.f("fk_allocations_credit_note_id_invoices")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_allocations_customer_id_customers")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_allocations_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_allocations_payment_id_payments")),
        sa.ForeignKeyConstraint(
            ["write_off_id"], ["write_offs.id"], name=op.f("fk_allocations_write_off_id_write_offs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocations")),
    )
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.create_index("ix_allocations_credit_note", ["credit_note_id"], unique=False)
        batch_op.create_index("ix_allocations_customer", ["customer_id"], unique=False)
        batch_op.create_index("ix_allocations_date", ["alloc_date"], unique=False)
        batch_op.create_index("ix_allocations_invoice_date", ["invoice_id", "alloc_date"], unique=False)
        batch_op.create_index("ix_allocations_payment", ["payment_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("allocations", schema=None) as batch_op:
        batch_op.drop_index("ix_allocations_payment")
        batch_op.drop_index("ix_allocations_invoice_date")
        batch_op.drop_index("ix_allocations_date")
        batch_op.drop_index("ix_allocations_customer")
        batch_op.drop_index("ix_allocations_credit_note")

    op.drop_table("allocations")
    op.drop_table("write_offs")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index("ix_payments_date")
        batch_op.drop_index("ix_payments_customer_date")

    op.drop_table("payments")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_issue_date")
        batch_op.drop_index("ix_invoices_customer_issue")

    op.drop_table("invoices")
    with op.batch_alter_table("credit_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_reports_customer_id"))

    op.drop_table("credit_reports")
    with op.batch_alter_table("company_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_events_customer_id"))

    op.drop_table("company_events")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activities_customer_id"))

    op.drop_table("activities")
    op.drop_table("settings")
    op.drop_table("policy_versions")
    op.drop_table("import_log")
    op.drop_table("fx_rates")
    op.drop_table("data_version")
    op.drop_table("customers")
