"""import undo: every row an import writes carries the import's id (`import_id`), the journal keeps the
before- and after-image of each row an import updated or deleted, and the import log records who imported, how
many rows were rejected, which import a companion belongs to (customers created from an invoice file) and when an
import was undone

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# the tables an import writes (data_access.import_journal.STAMPED)
STAMPED = (
    "customers",
    "invoices",
    "payments",
    "write_offs",
    "fx_rates",
    "dunning_status",
    "credit_reports",
    "company_events",
    "cash_applications",
    "control_totals",
)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): a copy would drop `customers`, which other tables reference
    for table in STAMPED:
        op.add_column(table, sa.Column("import_id", sa.Integer(), nullable=True))
        op.create_index(f"ix_{table}_import_id", table, ["import_id"])
    op.add_column("import_log", sa.Column("author", sa.String(length=100), nullable=True))
    op.add_column("import_log", sa.Column("rejected", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("import_log", sa.Column("part_of", sa.Integer(), nullable=True))
    op.add_column("import_log", sa.Column("undoable", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("import_log", sa.Column("undone_at", sa.DateTime(), nullable=True))
    op.add_column("import_log", sa.Column("undone_by", sa.String(length=100), nullable=True))
    op.create_table(
        "import_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=40), nullable=False),
        sa.Column("op", sa.String(length=10), nullable=False),
        sa.Column("row_key", sa.Text(), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("before_import_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("op IN ('update', 'delete')", name=op.f("ck_import_changes_op")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_changes")),
    )
    op.create_index("ix_import_changes_import_id", "import_changes", ["import_id"])
    op.create_index("ix_import_changes_before_import_id", "import_changes", ["before_import_id"])


def downgrade() -> None:
    op.drop_index("ix_import_changes_before_import_id", table_name="import_changes")
    op.drop_index("ix_import_changes_import_id", table_name="import_changes")
    op.drop_table("import_changes")
    for col in ("undone_by", "undone_at", "undoable", "part_of", "rejected", "author"):
        op.drop_column("import_log", col)
    for table in STAMPED:
        op.drop_index(f"ix_{table}_import_id", table_name=table)
        op.drop_column(table, "import_id")
