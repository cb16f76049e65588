"""credit policy records: limits and their approvals, changes, alerts, risk history, credit checks,
credit insurance and review dates on customers, UC class and bureau PD on credit reports

Money and percentages are BIGINT hundredths (data_access/types.py).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.String(length=30), nullable=False),
        sa.Column("recommendation_params", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("assignee", sa.String(length=100), nullable=True),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("severity IN ('high', 'medium', 'low')", name=op.f("ck_alerts_severity")),
        sa.CheckConstraint("status IN ('open', 'acknowledged', 'closed')", name=op.f("ck_alerts_status")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_alerts_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alerts_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index("ix_alerts_status", ["status", "severity"], unique=False)
        batch_op.create_index("uq_alerts_customer_type_key", ["customer_id", "type", "key"], unique=True)

    op.create_table(
        "customer_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("field", sa.String(length=30), nullable=False),
        sa.Column("old_value", sa.String(length=100), nullable=True),
        sa.Column("new_value", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_changes_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_changes")),
    )
    with op.batch_alter_table("customer_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_changes_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_changes_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "limit_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_base", sa.BigInteger(), nullable=False),
        sa.Column("required_role", sa.String(length=40), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_role", sa.String(length=40), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_role", sa.String(length=40), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("decided_policy_version", sa.Integer(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.CheckConstraint("scope IN ('customer', 'group')", name=op.f("ck_limit_requests_scope")),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')", name=op.f("ck_limit_requests_status")
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_limit_requests_amount")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_limit_requests_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_limit_requests")),
    )
    with op.batch_alter_table("limit_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_limit_requests_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "risk_history",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("risk_class", sa.String(length=1), nullable=False),
        sa.Column("base_class", sa.String(length=1), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_risk_history_customer_id_customers")),
        sa.PrimaryKeyConstraint("customer_id", "as_of", name=op.f("pk_risk_history")),
    )
    op.create_table(
        "alert_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], name=op.f("fk_alert_log_alert_id_alerts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_log")),
    )
    with op.batch_alter_table("alert_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_log_alert_id"), ["alert_id"], unique=False)

    op.create_table(
        "credit_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("org_number", sa.String(length=20), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_ref", sa.String(length=64), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("requested_limit", sa.BigInteger(), nullable=False),
        sa.Column("requested_terms_days", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("risk_class", sa.String(length=1), nullable=False),
        sa.Column("granted_limit", sa.BigInteger(), nullable=False),
        sa.Column("granted_terms_days", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("limit_request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_credit_checks_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["limit_request_id"], ["limit_requests.id"], name=op.f("fk_credit_checks_limit_request_id_limit_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_checks")),
    )
    op.add_column("credit_reports", sa.Column("uc_class", sa.Integer(), nullable=True))
    op.add_column("credit_reports", sa.Column("pd_percent", sa.BigInteger(), nullable=True))

    op.add_column("customers", sa.Column("insurer", sa.String(length=100), nullable=True))
    op.add_column("customers", sa.Column("insured_share", sa.BigInteger(), nullable=True))
    op.add_column("customers", sa.Column("insurance_decided_on", sa.Date(), nullable=True))
    op.add_column("customers", sa.Column("limit_review_on", sa.Date(), nullable=True))
    op.add_column("customers", sa.Column("limit_expires_on", sa.Date(), nullable=True))
    op.add_column("customers", sa.Column("group_limit", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.execute("ALTER TABLE customers DROP COLUMN group_limit")
    op.execute("ALTER TABLE customers DROP COLUMN limit_expires_on")
    op.execute("ALTER TABLE customers DROP COLUMN limit_review_on")
    op.execute("ALTER TABLE customers DROP COLUMN insurance_decided_on")
    op.execute("ALTER TABLE customers DROP COLUMN insured_share")
    op.execute("ALTER TABLE customers DROP COLUMN insurer")

    op.execute("ALTER TABLE credit_reports DROP COLUMN pd_percent")
    op.execute("ALTER TABLE credit_reports DROP COLUMN uc_class")

    op.drop_table("credit_checks")
    with op.batch_alter_table("alert_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_log_alert_id"))

    op.drop_table("alert_log")
    op.drop_table("risk_history")
    with op.batch_alter_table("limit_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_limit_requests_customer_id"))

    op.drop_table("limit_requests")
    with op.batch_alter_table("customer_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_changes_customer_id"))
        batch_op.drop_index(batch_op.f("ix_customer_changes_changed_at"))

    op.drop_table("customer_changes")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("uq_alerts_customer_type_key")
        batch_op.drop_index("ix_alerts_status")
        batch_op.drop_index(batch_op.f("ix_alerts_customer_id"))

    op.drop_table("alerts")
