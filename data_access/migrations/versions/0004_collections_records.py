"""collections records: disputes, payment plans and instalments, dunning steps sent, collection pauses,
the ERP's dunning status per invoice, dated statutory parameters and cash applied by hand

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statutory_parameters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("parameter", sa.String(length=50), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("value", sa.String(length=30), nullable=False),
        sa.Column("unit", sa.String(length=10), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("confidence", sa.String(length=1), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statutory_parameters")),
    )
    with op.batch_alter_table("statutory_parameters", schema=None) as batch_op:
        batch_op.create_index("uq_statutory_key", ["jurisdiction", "parameter", "valid_from"], unique=True)

    op.create_table(
        "cash_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("doc_kind", sa.String(length=12), nullable=False),
        sa.Column("doc_id", sa.Integer(), nullable=False),
        sa.Column("old_invoice_number", sa.String(length=64), nullable=True),
        sa.Column("new_invoice_number", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("reversed_at", sa.DateTime(), nullable=True),
        sa.Column("reversed_by", sa.String(length=100), nullable=True),
        sa.CheckConstraint("doc_kind IN ('payment', 'credit_note')", name=op.f("ck_cash_applications_kind")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cash_applications_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_applications")),
    )
    with op.batch_alter_table("cash_applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cash_applications_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "collection_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("paused_on", sa.Date(), nullable=False),
        sa.Column("paused_until", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_collection_pauses_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_pauses")),
    )
    with op.batch_alter_table("collection_pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_pauses_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "payment_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_payment_plans_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_plans")),
    )
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_plans_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "disputes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("owner IN ('sales', 'delivery', 'finance')", name=op.f("ck_disputes_owner")),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_disputes_status")),
        sa.CheckConstraint("amount > 0", name=op.f("ck_disputes_amount")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_disputes_customer_id_customers")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_disputes_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disputes_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_disputes_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "dunning_status",
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("reminder_level", sa.Integer(), nullable=False),
        sa.Column("last_reminder_on", sa.Date(), nullable=True),
        sa.Column("last_deadline_on", sa.Date(), nullable=True),
        sa.Column("fees_charged", sa.BigInteger(), nullable=False),
        sa.Column("notice_sent_on", sa.Date(), nullable=True),
        sa.Column("collection_status", sa.String(length=20), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "collection_status IN ('none', 'notice_sent', 'with_agency', 'closed')",
            name=op.f("ck_dunning_status_collection"),
        ),
        sa.CheckConstraint("reminder_level >= 0", name=op.f("ck_dunning_status_level")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_dunning_status_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("invoice_id", name=op.f("pk_dunning_status")),
    )
    op.create_table(
        "dunning_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("deadline_on", sa.Date(), nullable=True),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("invoice_numbers", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["activity_id"], ["activities.id"], name=op.f("fk_dunning_steps_activity_id_activities")
        ),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_dunning_steps_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dunning_steps")),
    )
    with op.batch_alter_table("dunning_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dunning_steps_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "plan_instalments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_plan_instalments_amount")),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["payment_plans.id"], name=op.f("fk_plan_instalments_plan_id_payment_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_instalments")),
    )
    with op.batch_alter_table("plan_instalments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_instalments_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_invoices",
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_plan_invoices_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["plan_id"], ["payment_plans.id"], name=op.f("fk_plan_invoices_plan_id_payment_plans")),
        sa.PrimaryKeyConstraint("plan_id", "invoice_id", name=op.f("pk_plan_invoices")),
    )


def downgrade() -> None:
    op.drop_table("plan_invoices")
    with op.batch_alter_table("plan_instalments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_instalments_plan_id"))

    op.drop_table("plan_instalments")
    with op.batch_alter_table("dunning_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dunning_steps_customer_id"))

    op.drop_table("dunning_steps")
    op.drop_table("dunning_status")
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_disputes_customer_id"))

    op.drop_table("disputes")
    with op.batch_alter_table("payment_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_plans_customer_id"))

    op.drop_table("payment_plans")
    with op.batch_alter_table("collection_pauses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_pauses_customer_id"))

    op.drop_table("collection_pauses")
    with op.batch_alter_table("cash_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cash_applications_customer_id"))

    op.drop_table("cash_applications")
    with op.batch_alter_table("statutory_parameters", schema=None) as batch_op:
        batch_op.drop_index("uq_statutory_key")

    op.drop_table("statutory_parameters")
