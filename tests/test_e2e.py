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
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('[data-testid="stSidebar"] :text("Signed in as")', timeout=60_000)


def go(page, path: str, title: str, charts: bool = False) -> None:
    """Open a page from the sidebar: the session lives in this browser tab (a new URL would be a new session, signed
    out again)."""
    page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').click()
    page.locator('[data-testid="stMainBlockContainer"] h1', has_text=title).first.wait_for(timeout=60_000)
    wait_rendered(page, charts)


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
        go(page, "data_status", "Data status", charts=True)
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


# A Norwegian ERP's invoice export as it comes: Windows-1252, semicolons, decimal commas with space thousands,
# dd.mm.yyyy dates, the ERP's own headers
NORWEGIAN_EXPORT = (
    "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n"
    "1001;F-1;01.10.2026;31.10.2026;1 234,50;NOK\n"
    "1002;F-2;02.10.2026;01.11.2026;765,50;NOK\n"
).encode("cp1252")


def wait_idle(page) -> None:
    """The script run triggered by the last interaction has finished."""
    page.wait_for_timeout(300)  # let the rerun start (the status widget appears only once it runs)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)


@pytest.fixture
def empty_server(tmp_path):
    from data_access.bootstrap import ensure_ready
    from data_access.engine import make_engine

    url = f"sqlite:///{tmp_path}/live.db"
    engine = make_engine(url)
    ensure_ready(engine, seed_demo_if_new=False)
    engine.dispose()
    add_user(url, "ada", "admin")  # importing is the administrator's
    with StreamlitServer({"KREDITTVAKT_DATABASE_URL": url}, log_name="e2e_import.log") as server:
        yield server


def test_import_wizard_uploads_a_norwegian_export_in_chromium(browser, empty_server):
    """Upload through the real file uploader, see the detected dialect, mapping and preview, import, and find the
    invoices in Data status: 1 234.50 + 765.50 = 2 000.00 open."""
    page = browser.new_page(viewport={"width": 1440, "height": 2400})
    try:
        sign_in(page, empty_server.url, "ada")
        go(page, "data_import", "Import data")
        page.get_by_role("combobox", name="What the file holds").click()
        page.get_by_role("option", name="Invoices and credit notes").click()
        wait_idle(page)
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
            files=[{"name": "fakturaer.csv", "mimeType": "text/csv", "buffer": NORWEGIAN_EXPORT}]
        )
        page.wait_for_selector("text=How the file is written", timeout=60_000)
        wait_idle(page)

        def shown(label: str) -> str:
            return page.get_by_role("combobox", name=label, exact=True).input_value()

        dialect = {k: shown(k) for k in ("Encoding", "Separator", "Decimal mark", "Thousands separator", "Dates")}
        assert dialect == {
            "Encoding": "cp1252",
            "Separator": "semicolon",
            "Decimal mark": "comma (1234,50)",
            "Thousands separator": "space",
            "Dates": "dd.mm.yyyy",
        }
        mapping = {c: shown(f"{c} *") for c in ("customer_ref", "invoice_number", "issue_date", "due_date", "amount")}
        assert mapping == {
            "customer_ref": "Kundenr",
            "invoice_number": "Fakturanr",
            "issue_date": "Fakturadato",
            "due_date": "Forfallsdato",
            "amount": "Beløp",
        }

        preview = page.locator('[data-testid="stDataFrame"]').first
        preview.scroll_into_view_if_needed()
        # the grid draws on a canvas; its accessible (hidden) table holds the same cells
        preview.locator('td[role="gridcell"]').first.wait_for(state="attached", timeout=30_000)
        header = preview.locator('th[role="columnheader"]').all_text_contents()
        cells = [r.locator('td[role="gridcell"]').all_text_contents() for r in preview.locator("tbody tr").all()]
        rows = [dict(zip(header, c, strict=True)) for c in cells]
        assert [(r["invoice_number"], r["issue_date"], r["amount"]) for r in rows] == [
            ("F-1", "2026-10-01", "1234.50"),
            ("F-2", "2026-10-02", "765.50"),
        ]
        assert "The first 2 rows of the file" in page.inner_text('[data-testid="stMainBlockContainer"]')

        # the ledger has no customers yet: the file's customer numbers become customers
        page.get_by_text("Create customers that the file names but Kredittvakt does not know").click()
        wait_idle(page)
        page.get_by_role("button", name="Import", exact=True).click()
        page.wait_for_selector("text=Imported: invoices: 2 rows, 2 inserted", timeout=60_000)
        wait_idle(page)
        assert "2 customer(s) created from the file" in page.inner_text('[data-testid="stMainBlockContainer"]')
        assert page.locator('[data-testid="stException"]').count() == 0, empty_server.log_tail()
        page.screenshot(path=str(artifacts_dir() / "import_wizard_done.png"), full_page=True)

        go(page, "data_status", "Data status", charts=True)
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        values = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
        metrics = dict(zip(labels, values, strict=True))
        assert metrics["Mode"] == "Live data"
        assert metrics["Latest transaction"] == "2 Oct 2026"
        assert metrics["Total open receivables"].replace("\xa0", " ") == "NOK 2,000.00"
        assert page.locator('[data-testid="stException"]').count() == 0, empty_server.log_tail()
    finally:
        page.close()
