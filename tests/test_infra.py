"""Tests of the test infrastructure itself (tests/infra.py and tests/conftest.py), against the real things."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

try:
    import infra
except ImportError:
    from tests import infra

TESTS_DIR = Path(__file__).resolve().parent
NORSK = "Bølgen & Blåbær – 12 500 €"


def _database_exists(admin_url: str, name: str) -> bool:
    engine = sa.create_engine(admin_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            )
    finally:
        engine.dispose()


def _table_names(url: str) -> list[str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def _roundtrip_row(url: str) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE probe (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)"))
            conn.execute(sa.text("INSERT INTO probe (id, name) VALUES (1, :n)"), {"n": NORSK})
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT name FROM probe WHERE id = 1")).scalar_one()
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- PostgreSQL


def test_pg_database_lifecycle(pg_admin_url: str) -> None:
    url = infra.create_database(pg_admin_url)
    name = make_url(url).database
    assert name is not None and name.startswith(f"kv_test_{os.getpid()}_")
    try:
        assert _database_exists(pg_admin_url, name)
        assert _table_names(url) == []
        assert _roundtrip_row(url) == NORSK
        assert _table_names(url) == ["probe"]

        # A session still connected must not block the drop: drop_database terminates it.
        lingering = sa.create_engine(url, poolclass=sa.pool.NullPool)
        conn = lingering.connect()
        conn.execute(sa.text("SELECT 1"))
        infra.drop_database(pg_admin_url, url)
        assert not _database_exists(pg_admin_url, name)
        with pytest.raises(sa.exc.DBAPIError):
            conn.execute(sa.text("SELECT 1"))
        conn.invalidate()
        lingering.dispose()
    finally:
        infra.drop_database(pg_admin_url, url)  # IF EXISTS: harmless after the drop above


def test_fresh_databases_are_distinct_and_isolated(pg_admin_url: str, pg_url: str) -> None:
    other = infra.create_database(pg_admin_url)
    try:
        assert make_url(other).database != make_url(pg_url).database
        assert _roundtrip_row(pg_url) == NORSK
        assert _table_names(pg_url) == ["probe"]
        assert _table_names(other) == []
    finally:
        infra.drop_database(pg_admin_url, other)
    assert not _database_exists(pg_admin_url, make_url(other).database)


def test_db_url_is_fresh_and_usable(db_url: str, request: pytest.FixtureRequest) -> None:
    engine_name = request.node.callspec.params["db_url"]
    assert make_url(db_url).get_backend_name() == engine_name
    assert _table_names(db_url) == []
    assert _roundtrip_row(db_url) == NORSK


def test_pg_admin_url_prefers_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KREDITTVAKT_TEST_PG_URL", "postgresql+psycopg://someone@127.0.0.1:1/x")
    assert infra.pg_admin_url() == "postgresql+psycopg://someone@127.0.0.1:1/x"


def test_pg_admin_url_none_when_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KREDITTVAKT_TEST_PG_URL", raising=False)
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{infra.free_port()}/postgres"
    monkeypatch.setattr(infra, "DEFAULT_PG_ADMIN_URL", dead)
    assert infra.pg_admin_url() is None


# --------------------------------------------------------------------------- skip_or_fail


_PROBE = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    import pytest, infra
    try:
        infra.skip_or_fail("no widget")
    except pytest.fail.Exception as e:
        print("FAILED:", e.msg); sys.exit(3)
    except pytest.skip.Exception as e:
        print("SKIPPED:", e.msg); sys.exit(4)
    print("RETURNED"); sys.exit(0)
    """
)


@pytest.mark.parametrize(("require_all", "rc", "outcome"), [("1", 3, "FAILED"), (None, 4, "SKIPPED")])
def test_skip_or_fail(require_all: str | None, rc: int, outcome: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KREDITTVAKT_REQUIRE_ALL"}
    if require_all is not None:
        env["KREDITTVAKT_REQUIRE_ALL"] = require_all
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, str(TESTS_DIR)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == rc, proc.stdout + proc.stderr
    assert proc.stdout.strip() == f"{outcome}: no widget"


# --------------------------------------------------------------------------- ports, browser, Streamlit


def test_free_port_is_bindable() -> None:
    port = infra.free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_browser_reads_unicode_heading(browser) -> None:
    page = browser.new_page()
    try:
        # Without ";charset=utf-8" chromium decodes a data: URL as windows-1252 ("Ã˜rsta â€“ 5 â‚¬").
        page.goto("data:text/html;charset=utf-8,<h1>Hej Ørsta – 5 €</h1>")
        assert page.inner_text("h1") == "Hej Ørsta – 5 €"
    finally:
        page.close()


def test_streamlit_server_serves_app_with_env(browser, tmp_path: Path) -> None:
    app = tmp_path / "mini_app.py"
    app.write_text(
        "import os\nimport streamlit as st\n"
        "st.title('Kredittvakt – prøve')\n"
        "st.write('DB=' + os.environ['KREDITTVAKT_DATABASE_URL'])\n",
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path}/kv.db"
    server = infra.StreamlitServer({"KREDITTVAKT_DATABASE_URL": db}, app=app, log_name="test_infra_streamlit.log")
    with server:
        page = browser.new_page()
        try:
            page.goto(server.url, wait_until="domcontentloaded")
            page.wait_for_selector("h1", timeout=30_000)
            page.get_by_text(f"DB={db}").wait_for(timeout=30_000)
            assert page.inner_text("h1").strip() == "Kredittvakt – prøve"
        finally:
            page.close()
        assert server.proc is not None and server.proc.poll() is None
    assert server.proc.poll() is not None, "server still running after the with-block"
    assert server.log_path.parent == infra.ARTIFACTS
    assert server.log_path.exists()


def test_streamlit_server_reports_startup_failure(tmp_path: Path) -> None:
    server = infra.StreamlitServer(app=tmp_path / "missing.py", startup_timeout=30, log_name="test_infra_bad.log")
    with pytest.raises(RuntimeError, match="streamlit"):
        server.__enter__()
    assert server.proc is not None and server.proc.poll() is not None
