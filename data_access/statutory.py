"""The dated statutory figures in the database: seeding the defaults and reading them back as a StatutoryTable."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, func, insert, select

from data_access.ledger import bump_data_version
from data_access.schema import StatutoryParameter
from domain.statutory import DEFAULT_STATUTORY, StatutoryTable, StatutoryValue


def ensure_statutory(conn: Connection) -> int:
    """Store DEFAULT_STATUTORY when the table is empty (first start); returns the number of rows written.

    A table that has rows is left alone: they may have been edited, and a new half-year's figures are added there."""
    if conn.execute(select(func.count()).select_from(StatutoryParameter)).scalar_one():
        return 0
    conn.execute(
        insert(StatutoryParameter),
        [
            {
                "jurisdiction": v.jurisdiction,
                "parameter": v.parameter,
                "valid_from": v.valid_from,
                "valid_to": v.valid_to,
                "value": str(v.value),  # text keeps the exact decimal on both engines
                "unit": v.unit,
                "source": v.source,
                "confidence": v.confidence,
            }
            for v in DEFAULT_STATUTORY
        ],
    )
    bump_data_version(conn)
    return len(DEFAULT_STATUTORY)


def statutory_table(conn: Connection) -> StatutoryTable:
    """The stored figures as a StatutoryTable; the built-in defaults while none are stored (reads never write)."""
    rows = conn.execute(
        select(StatutoryParameter.__table__).order_by(
            StatutoryParameter.jurisdiction, StatutoryParameter.parameter, StatutoryParameter.valid_from
        )
    ).all()
    if not rows:
        return StatutoryTable(DEFAULT_STATUTORY)
    return StatutoryTable(
        tuple(
            StatutoryValue(
                r.jurisdiction, r.parameter, r.valid_from, r.valid_to, Decimal(r.value), r.unit, r.source, r.confidence
            )
            for r in rows
        )
    )
