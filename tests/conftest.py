"""Shared fixtures: empty databases (SQLite / PostgreSQL), a headless chromium, pdftoppm.

The fixtures hand out *empty* databases; creating the schema is the caller's job
(data_access.migrate.upgrade(engine)).

Without KREDITTVAKT_REQUIRE_ALL=1 a missing PostgreSQL / chromium / poppler skips the tests
that need it; with it (as in .ci/run) they fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

try:  # tests/ is a plain directory, put on sys.path by pytest's rootdir-relative conftest import
    import infra
except ImportError:  # ... unless tests/ has become a package
    from tests import infra


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by the fixtures they use, so `-m "not postgres and not browser"` works."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"pg_admin_url", "pg_url"}:
            item.add_marker(pytest.mark.postgres)
        if "browser" in names:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = infra.pg_admin_url()
    if url is None:
        infra.skip_or_fail(f"PostgreSQL not reachable at {infra.DEFAULT_PG_ADMIN_URL}; set KREDITTVAKT_TEST_PG_URL")
    return url


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/kv.db"


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    url = infra.create_database(pg_admin_url)
    try:
        yield url
    finally:
        infra.drop_database(pg_admin_url, url)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty database URL of each engine (the test runs once per engine)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/kv.db"
    return request.getfixturevalue("pg_url")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(infra.CHROMIUM):
        infra.skip_or_fail("Debian chromium not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright  # never `playwright install`: we use Debian's

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=infra.CHROMIUM, headless=True, args=infra.chromium_args())
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def pdftoppm() -> str:
    path = shutil.which("pdftoppm")
    if path is None:
        infra.skip_or_fail("poppler-utils not installed (pdftoppm missing): apt-get install poppler-utils")
    return path


@pytest.fixture(scope="session")
def _demo_db_template(tmp_path_factory) -> str:
    """A demo ledger (80 customers, seed 5, 3 years to 2026-10-31) seeded once per test session."""
    from data_access.demo import DemoSpec, seed_demo
    from data_access.engine import make_engine
    from data_access.migrate import upgrade

    path = tmp_path_factory.mktemp("demo") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        seed_demo(conn, DemoSpec(customers=80, seed=5))
    engine.dispose()
    return str(path)


@pytest.fixture
def demo_url(_demo_db_template, tmp_path, monkeypatch) -> str:
    """A private copy of the seeded demo database; the app under test reads it via KREDITTVAKT_DATABASE_URL."""
    target = tmp_path / "demo.db"
    shutil.copy(_demo_db_template, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


@pytest.fixture(autouse=True)
def _router_on_every_apptest_run(monkeypatch):
    """AppTest runs behave like a server that has routed once (as st.navigation leaves it).

    AppTest resets PagesManager.uses_pages_directory before each run; with a `pages/` folder beside app.py
    Streamlit would then take its old pages-folder path and run a page without app.py. In a live server that
    happens only until the first st.navigation call, which components.frame.enter_page handles (covered by
    tests/test_e2e.py::test_deep_link_as_first_request_runs_inside_the_frame).
    """
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.pages_manager import PagesManager

    class NavigationOnly(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "uses_pages_directory", False)
    monkeypatch.setattr(app_test_module, "PagesManager", NavigationOnly)
