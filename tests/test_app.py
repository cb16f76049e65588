"""Every page renders through AppTest on a real database; the Data status page shows the right figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_cli import SCENARIO_A, load_scenario

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
# every page of the navigation (the sign-in page is the only page of a session that is not signed in)
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py") if p.stem != "sign_in")


@pytest.fixture
def scenario_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/kv.db"
    load_scenario(url)
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def app_test(page: str = "pages/data_status.py") -> AppTest:
    """The app switched to a page (the Data status page by default)."""
    import streamlit as st
    from apptest import test_account

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    uid = test_account()
    if uid is not None:
        at.session_state["auth_user_id"] = uid
    return at.run().switch_page(page)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(scenario_url, page):
    at = app_test(page).run()
    assert not at.exception, at.exception
    assert at.title, f"{page} shows no title"


def test_data_status_shows_counts_latest_date_and_aging(scenario_url):
    at = app_test().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Mode"] == "Live data"
    assert metrics["Latest transaction"] == "5 Apr 2026"  # A4, the newest document in scenario A
    # as of 2026-04-05 (EUR at 12.0): scenario A's 5610 at 11.8 becomes 1130 - 600 (P2) + 999 (A4) + 3300 + 1200
    assert metrics["Total open receivables"] == "NOK\xa06,029.00"
    counts = at.dataframe[0].value.set_index("table")["rows"].to_dict()
    assert counts["customers"] == 3 and counts["invoices"] == 11 and counts["payments"] == 4
    assert counts["fx_rates"] == 3
    assert not [i for i in at.info if "Demo data" in i.value]
    assert (SCENARIO_A / "expected.json").exists()


@pytest.fixture
def first_start_url(tmp_path, monkeypatch):
    from data_access.bootstrap import ensure_ready
    from data_access.engine import make_engine

    url = f"sqlite:///{tmp_path}/demo.db"
    result = ensure_ready(make_engine(url), seed_demo_if_new=True)  # what the app does on first start
    assert result.seeded
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def test_demo_data_is_labelled_and_can_be_removed(first_start_url):
    at = app_test().run()
    assert not at.exception
    assert any("Demo data" in i.value for i in at.info)  # the shared frame says so on every page
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Mode"] == "Demo data"
    assert metrics["Latest transaction"] == "30 Oct 2026"  # last business day before the fixed end date
    counts = at.dataframe[0].value.set_index("table")["rows"].to_dict()
    assert counts["customers"] == 500
    at.button(key="remove_demo").click().run()
    assert not at.exception
    # demo mode has ended: no page opens without signing in, and no account exists yet: the first-run form
    assert at.title[0].value == "Sign in to Kredittvakt"
    assert not at.metric
    at.text_input(key="first_user").input("Kari.Nordmann")
    at.text_input(key="first_name").input("Kari Nordmann")
    at.text_input(key="first_password").input("a long enough secret")
    at.text_input(key="first_password_again").input("a long enough secret")
    at.button[0].click().run()
    assert not at.exception
    assert any("Signed in as Kari Nordmann (Administrator)" in c.value for c in at.sidebar.caption)
    at.switch_page("pages/data_status.py").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Mode"] == "Live data"
    counts = at.dataframe[0].value.set_index("table")["rows"].to_dict()
    assert counts["customers"] == 0 and counts["invoices"] == 0 and counts["allocations"] == 0
    assert not any("Demo data" in i.value for i in at.info)
