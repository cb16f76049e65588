"""A real Streamlit server in headless Debian Chromium: the Data status page as a person sees it."""

from __future__ import annotations

import pytest
from infra import StreamlitServer, artifacts_dir
from test_cli import load_scenario


def wait_rendered(page) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)


@pytest.fixture
def scenario_server(tmp_path):
    url = f"sqlite:///{tmp_path}/kv.db"
    load_scenario(url)
    with StreamlitServer({"KREDITTVAKT_DATABASE_URL": url}, log_name="e2e_scenario.log") as server:
        yield server


def test_data_status_page_in_chromium(browser, scenario_server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(scenario_server.url, wait_until="domcontentloaded")
        wait_rendered(page)
        assert page.locator("h1").first.inner_text() == "Data status"
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        metrics = dict(zip(labels, values, strict=True))
        assert metrics["Mode"] == "Live data"
        assert metrics["Latest transaction"] == "05.04.2026"
        assert metrics["Total open receivables"].replace("\xa0", " ") == "6 029,00 kr"
        # six bars, one per bucket, drawn by plotly
        assert page.locator(".js-plotly-plot .bars path").count() == 6
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "base currency NOK" in sidebar  # the shared sidebar drawn by app.py
        page.screenshot(path=str(artifacts_dir() / "data_status.png"), full_page=True)
    finally:
        page.close()
