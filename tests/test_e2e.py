"""Real Streamlit server, real headless Debian Chromium: every page as a person sees it.

Each page is opened by its URL, the test waits for the script run to finish and the charts to draw, checks
that no Streamlit exception element is shown, and saves a full-page screenshot under tests/artifacts/.
"""

from __future__ import annotations

import shutil

import pytest
from infra import StreamlitServer, artifacts_dir
from test_cli import load_scenario

# url path (st.navigation derives it from the file name), whether the page draws plotly charts
PAGES = [
    ("", "portfolio", True),
    ("aging", "aging", True),
    ("customers", "customers", False),
    ("data_status", "data_status", True),
    ("alerts", "alerts", False),
    ("collections", "collections", False),
    ("credit_check", "credit_check", False),
    ("policy", "policy", False),
    ("reports", "reports", False),
    ("data_import", "data_import", False),
]


def wait_rendered(page, charts: bool) -> None:
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=90_000)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    if charts:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
    # no element still waiting to be drawn (Streamlit shows grey skeletons until then)
    page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)


@pytest.fixture(scope="module")
def demo_server(_demo_db_template, tmp_path_factory):
    path = tmp_path_factory.mktemp("e2e") / "demo.db"
    shutil.copy(_demo_db_template, path)
    with StreamlitServer({"KREDITTVAKT_DATABASE_URL": f"sqlite:///{path}"}, log_name="e2e_demo.log") as server:
        yield server


@pytest.mark.parametrize(("path", "name", "charts"), PAGES, ids=[p[1] for p in PAGES])
def test_every_page_renders_in_chromium(browser, demo_server, path, name, charts):
    # tall viewport: Streamlit scrolls inside its own container, so the screenshot shows what fits
    page = browser.new_page(viewport={"width": 1440, "height": 3600})
    try:
        page.goto(f"{demo_server.url}/{path}", wait_until="domcontentloaded")
        wait_rendered(page, charts)
        assert page.locator('[data-testid="stException"]').count() == 0, demo_server.log_tail()
        assert "Traceback" not in page.inner_text("body")
        assert "Demo data" in page.inner_text("body")  # the shared frame labels demo data on every page
        page.screenshot(path=str(artifacts_dir() / f"page_{name}.png"), full_page=True)
    finally:
        page.close()


def test_sidebar_navigation_and_language_switch(browser, demo_server):
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    try:
        page.goto(demo_server.url, wait_until="domcontentloaded")
        wait_rendered(page, True)
        page.get_by_role("link", name="Aging").click()
        page.wait_for_url("**/aging", timeout=30_000)
        wait_rendered(page, True)
        assert page.locator("h1").first.inner_text().startswith("Aging")
    finally:
        page.close()


PASSWORD = "a long enough secret"


def add_user(url: str, name: str, role: str) -> None:
    from test_cli import runner

    from cli import app

    r = runner.invoke(app, ["--database-url", url, "users", "add", name, "--role", role, "--password-stdin"],
                      input=PASSWORD + "\n")  # fmt: skip
    assert r.exit_code == 0, r.output


def sign_in(page, base_url: str, name: str, password: str = PASSWORD) -> None:
    """The sign-in form in the browser (a live database has no page open to anyone)."""
    page.goto(base_url, wait_until="domcontentloaded")
    wait_rendered(page, False)
    assert page.locator("h1").first.inner_text() == "Sign in to Kredittvakt"
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebar"] :text("Signed in as")', timeout=60_000)


@pytest.fixture
def scenario_server(tmp_path):
    url = f"sqlite:///{tmp_path}/kv.db"
    load_scenario(url)
    add_user(url, "kari", "viewer")
    with StreamlitServer({"KREDITTVAKT_DATABASE_URL": url}, log_name="e2e_scenario.log") as server:
        yield server


def test_data_status_figures_in_chromium(browser, scenario_server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        sign_in(page, scenario_server.url, "kari")
        # the session lives in this browser tab: move within it (a new URL would be a new session)
        page.locator('[data-testid="stSidebarNav"] a[href$="/data_status"]').click()
        page.wait_for_selector('h1:text("Data status")', timeout=60_000)
        wait_rendered(page, True)
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        metrics = dict(zip(labels, values, strict=True))
        assert metrics["Mode"] == "Live data"
        assert metrics["Latest transaction"] == "5 Apr 2026"
        assert metrics["Total open receivables"].replace("\xa0", " ") == "NOK 6,029.00"
        assert page.locator(".js-plotly-plot .bars path").count() == 6  # one bar per bucket
        page.screenshot(path=str(artifacts_dir() / "data_status_scenario.png"), full_page=True)
    finally:
        page.close()


def test_deep_link_as_first_request_runs_inside_the_frame(browser, _demo_db_template, tmp_path):
    """The very first request to a fresh server is a deep link: the page must still get the shared frame."""
    path = tmp_path / "demo.db"
    shutil.copy(_demo_db_template, path)
    with StreamlitServer({"KREDITTVAKT_DATABASE_URL": f"sqlite:///{path}"}, log_name="e2e_deeplink.log") as server:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        try:
            page.goto(f"{server.url}/customers?customer=K10001", wait_until="domcontentloaded")
            wait_rendered(page, False)
            assert page.locator('[data-testid="stException"]').count() == 0, server.log_tail()
            sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
            assert "As of" in sidebar and "Portfolio" in sidebar  # the router's navigation and frame
            assert "K10001" in page.inner_text('[data-testid="stMainBlockContainer"]')
        finally:
            page.close()


def test_alerts_monitor_run_and_acknowledge_in_chromium(browser, _demo_db_template, tmp_path):
    """A credit manager runs the monitor from the Alerts page and sees the inbox fill with what the store holds."""
    from data_access.engine import make_engine
    from data_access.monitor import alerts

    path = tmp_path / "alerts.db"
    shutil.copy(_demo_db_template, path)
    url = f"sqlite:///{path}"
    with StreamlitServer({"KREDITTVAKT_DATABASE_URL": url}, log_name="e2e_alerts.log") as server:
        page = browser.new_page(viewport={"width": 1440, "height": 2400})
        try:
            page.goto(f"{server.url}/alerts", wait_until="domcontentloaded")
            wait_rendered(page, charts=False)
            page.get_by_role("button", name="Run the monitor").click()
            page.wait_for_selector("text=new alerts", timeout=60_000)
            wait_rendered(page, charts=False)
            with make_engine(url).connect() as conn:
                stored = alerts(conn)
            assert stored, "the demo portfolio has customers that raise alerts"
            metric = page.locator('[data-testid="stMetric"]').filter(has_text="Open alerts")
            assert metric.locator('[data-testid="stMetricValue"]').inner_text().strip() == str(len(stored))
            assert page.locator('[data-testid="stException"]').count() == 0, server.log_tail()
            page.screenshot(path=str(artifacts_dir() / "page_alerts_after_monitor.png"), full_page=True)
        finally:
            page.close()
