"""The Customer page's open items show the ERP's reminder level and collection status once one has been imported."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from apptest import run_page
from sqlalchemy import select

from data_access.engine import make_engine
from data_access.schema import Customer

PAGE = "pages/customers.py"
AS_OF = date(2026, 5, 1)
ERP_COLUMNS = ["Reminder level", "Last reminder", "Collection"]


@pytest.fixture
def ledger_with_status(tmp_path, monkeypatch) -> dict[str, int]:
    """L1 with two open invoices, one reported by the collection agency; L2 with an open invoice and no status."""
    from data_access.bootstrap import ensure_ready
    from data_access.imports import import_file

    url = f"sqlite:///{tmp_path}/live.db"
    engine = make_engine(url)
    ensure_ready(engine, seed_demo_if_new=False)
    with engine.begin() as conn:
        import_file(conn, "customers", b"customer_ref,name,country\nL1,Fjord Frakt AS,NO\nL2,Vik Bygg AS,NO\n")
        import_file(
            conn,
            "invoices",
            b"invoice_number,customer_ref,issue_date,due_date,amount,currency\n"
            b"I-1,L1,2026-02-01,2026-03-03,1250.00,NOK\n"
            b"I-2,L1,2026-03-15,2026-04-14,400.00,NOK\n"
            b"I-3,L2,2026-03-01,2026-03-31,800.00,NOK\n",
        )
        import_file(
            conn,
            "dunning-status",
            b"invoice_number,reminder_level,last_reminder_date,last_deadline_date,fees_charged,notice_sent_date,"
            b"collection_status\n"
            b"I-1,2,2026-04-02,2026-04-16,70.00,2026-04-02,with_agency\n",
        )
        ids = dict(conn.execute(select(Customer.customer_ref, Customer.id)).all())
    engine.dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return ids


def items_table(at) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe if "Reference" in d.value.columns or "Referanse" in d.value.columns]
    assert len(frames) == 1, "exactly one open-items table"
    return frames[0]


def test_customer_with_imported_status_shows_the_erp_columns(ledger_with_status):
    at = run_page(PAGE, customer_id=ledger_with_status["L1"], as_of=AS_OF)
    assert not at.exception, at.exception
    frame = items_table(at)
    assert list(frame.columns[-3:]) == ERP_COLUMNS
    assert list(frame["Reference"]) == ["I-1", "I-2"]
    by_ref = frame.set_index("Reference")
    assert by_ref.loc["I-1", "Reminder level"] == 2
    assert pd.Timestamp(by_ref.loc["I-1", "Last reminder"]).date() == date(2026, 4, 2)
    assert by_ref.loc["I-1", "Collection"] == "With collection agency"
    # the other invoice has no reported status: empty cells, not zeros
    assert pd.isna(by_ref.loc["I-2", "Reminder level"])
    assert pd.isna(by_ref.loc["I-2", "Last reminder"]) and pd.isna(by_ref.loc["I-2", "Collection"])


def test_customer_without_status_has_no_erp_columns(ledger_with_status):
    at = run_page(PAGE, customer_id=ledger_with_status["L2"], as_of=AS_OF)
    assert not at.exception, at.exception
    frame = items_table(at)
    assert list(frame["Reference"]) == ["I-3"]
    assert not set(ERP_COLUMNS) & set(frame.columns)


def test_erp_columns_in_norwegian(ledger_with_status):
    at = run_page(PAGE, lang="nb", customer_id=ledger_with_status["L1"], as_of=AS_OF)
    assert not at.exception, at.exception
    frame = items_table(at)
    assert list(frame.columns[-3:]) == ["Purrenivå", "Siste purring", "Inkasso"]
    assert list(frame["Inkasso"].fillna("")) == ["Hos inkassobyrå", ""]
