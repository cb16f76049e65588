"""Open-items snapshots through the CLI (`import open-items`), on both engines: each day's open AR equals the
list's total, a rerun changes nothing, and a list that contradicts history is refused and writes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from test_cli import ok, run

from data_access.asof import aging
from data_access.engine import make_engine

HEAD = "snapshot_date,document_number,customer_ref,issue_date,due_date,original_amount,remaining_amount,currency\n"


def total(url, day):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return aging(conn, day).total
    finally:
        engine.dispose()


def test_three_daily_lists_keep_the_ledger_equal_to_the_erp(db_url, tmp_path):
    url = db_url
    ok(url, "db", "init", "--empty")

    def day(name: str, rows: str):
        path = tmp_path / name
        path.write_text(HEAD + rows, encoding="utf-8")
        return str(path)

    d1 = day(
        "d1.csv",
        "2026-10-01,F1,C1,2026-09-01,2026-10-01,1000.00,1000.00,NOK\n2026-10-01,F2,C2,2026-09-15,2026-10-15,500.00,500.00,NOK\n",
    )
    out = ok(url, "import", "open-items", d1, "--create-customers")
    assert total(url, date(2026, 10, 1)) == D("1500.00")  # 1 000 + 500
    # day 2: F1 paid in full (gone), F2 paid 200 of 500, F3 new
    d2 = day(
        "d2.csv",
        "2026-10-02,F2,C2,2026-09-15,2026-10-15,500.00,300.00,NOK\n2026-10-02,F3,C1,2026-10-02,2026-11-01,250.00,250.00,NOK\n",
    )
    ok(url, "import", "open-items", d2)
    assert total(url, date(2026, 10, 2)) == D("550.00")  # 300 + 250
    assert total(url, date(2026, 10, 1)) == D("1500.00")  # the day before keeps its total
    again = ok(url, "import", "open-items", d2)  # the same list again: nothing changes
    assert total(url, date(2026, 10, 2)) == D("550.00")
    # day 3: F1, paid on day 2, reappears: the list contradicts the ledger and is refused whole
    d3 = day(
        "d3.csv",
        "2026-10-03,F1,C1,2026-09-01,2026-10-01,1000.00,1000.00,NOK\n2026-10-03,F3,C1,2026-10-02,2026-11-01,250.00,100.00,NOK\n",
    )
    r = run(url, "import", "open-items", d3)
    assert r.exit_code == 1 and "F1" in r.output
    assert total(url, date(2026, 10, 3)) == D("550.00")  # nothing from day 3 was written
    assert out and again
