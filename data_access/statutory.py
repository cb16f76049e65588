"""The dated statutory figures in the database: seeding the defaults and reading them back as a StatutoryTable."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, insert, select, update

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


def add_statutory_value(conn: Connection, value: StatutoryValue) -> None:
    """Add a dated figure (e.g. the next half-year's interest rate); the row it follows, open-ended until now, is
    closed the day before. The new table must stay free of overlaps, else ValueError and nothing is written."""
    current = statutory_table(conn)
    rows = list(current.rows)
    stored = conn.execute(select(func.count()).select_from(StatutoryParameter)).scalar_one()
    if not stored:  # write the defaults first so the table is the one edited
        ensure_statutory(conn)
    follows = [
        r
        for r in rows
        if r.jurisdiction == value.jurisdiction
        and r.parameter == value.parameter
        and r.valid_from < value.valid_from
        and (r.valid_to is None or r.valid_to >= value.valid_from)
    ]
    closed = {id(r): r for r in follows}
    new_rows = [
        StatutoryValue(
            r.jurisdiction,
            r.parameter,
            r.valid_from,
            value.valid_from - timedelta(days=1),
            r.value,
            r.unit,
            r.source,
            r.confidence,
        )
        if id(r) in closed
        else r
        for r in rows
    ] + [value]
    StatutoryTable(tuple(new_rows))  # refuses overlaps, naming them
    for r in follows:
        conn.execute(
            update(StatutoryParameter)
            .where(
                StatutoryParameter.jurisdiction == r.jurisdiction,
                StatutoryParameter.parameter == r.parameter,
                StatutoryParameter.valid_from == r.valid_from,
            )
            .values(valid_to=value.valid_from - timedelta(days=1))
        )
    conn.execute(
        insert(StatutoryParameter).values(
            jurisdiction=value.jurisdiction,
            parameter=value.parameter,
            valid_from=value.valid_from,
            valid_to=value.valid_to,
            value=str(value.value),
            unit=value.unit,
            source=value.source,
            confidence=value.confidence,
        )
    )
    bump_data_version(conn)
