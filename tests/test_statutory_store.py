"""The statutory figures in the database: seeded defaults, adding the next period's figure, refusing overlaps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from test_cli import ok, run

from data_access.schema import StatutoryParameter
from data_access.statutory import add_statutory_value, ensure_statutory, statutory_table
from domain.statutory import DEFAULT_STATUTORY, StatutoryValue
from tests.ledger import ready_engine


def count(conn):
    return conn.execute(select(func.count()).select_from(StatutoryParameter)).scalar_one()


def test_adding_a_figure_ends_the_open_ended_one_before_it(db_url):
    engine = ready_engine(db_url)
    with engine.begin() as conn:
        assert ensure_statutory(conn) == len(DEFAULT_STATUTORY)
        assert ensure_statutory(conn) == 0  # seeded once; edits are kept
        add_statutory_value(
            conn, StatutoryValue("SE", "fixed_compensation", date(2027, 1, 1), None, Decimal("500"), "SEK", "test", "U")
        )
    with engine.connect() as conn:
        table = statutory_table(conn)
        assert table.get("SE", "fixed_compensation", date(2026, 12, 31)).value == Decimal("450")
        assert table.get("SE", "fixed_compensation", date(2026, 12, 31)).valid_to == date(2026, 12, 31)
        assert table.get("SE", "fixed_compensation", date(2027, 1, 1)).value == Decimal("500")
        assert count(conn) == len(DEFAULT_STATUTORY) + 1


def test_an_overlapping_figure_is_refused_and_nothing_written(db_url):
    engine = ready_engine(db_url)
    with engine.begin() as conn:
        ensure_statutory(conn)
    # NO interest has a row for 2026-07-01..2026-12-31: a row from 2026-01-01 to 2026-09-30 would overlap it
    with pytest.raises(ValueError, match="overlap"), engine.begin() as conn:
        add_statutory_value(
            conn,
            StatutoryValue(
                "NO", "late_interest_rate", date(2026, 3, 1), date(2026, 9, 30), Decimal("12"), "percent", "x", "V"
            ),
        )
    with engine.connect() as conn:
        assert count(conn) == len(DEFAULT_STATUTORY)


def test_cli_lists_and_adds(tmp_path):
    url = f"sqlite:///{tmp_path}/s.db"
    ok(url, "db", "init", "--empty")
    out = ok(url, "statutory", "list", "--country", "DK", "--on", "2026-06-01")
    assert "DK reminder_fee_cap" in out and "100 DKK" in out
    r = run(
        url,
        "statutory",
        "add",
        "--country",
        "NO",
        "--parameter",
        "inkassosats",
        "--from",
        "2027-01-01",
        "--value",
        "800",
        "--unit",
        "NOK",
        "--source",
        "FOR-2026-xx",
        "--confidence",
        "V",
    )
    assert r.exit_code == 0, r.output
    assert "NO inkassosats                  2027-01-01 … open       800 NOK [V] FOR-2026-xx" in ok(
        url, "statutory", "list", "--country", "NO"
    )
    r = run(
        url,
        "statutory",
        "add",
        "--country",
        "XX",
        "--parameter",
        "p",
        "--from",
        "2027-01-01",
        "--value",
        "1",
        "--unit",
        "NOK",
        "--source",
        "s",
    )
    assert r.exit_code == 2 and "jurisdiction must be one of" in r.output
