"""Test infrastructure helpers: PostgreSQL scratch databases, a Streamlit server, chromium settings.

Used by tests/conftest.py. Nothing here imports Streamlit; the server runs in a subprocess.
"""

from __future__ import annotations

import itertools
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"

CHROMIUM = "/usr/bin/chromium"
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

REQUIRE_ALL = os.environ.get("KREDITTVAKT_REQUIRE_ALL") == "1"

_db_counter = itertools.count(1)


def skip_or_fail(reason: str) -> None:
    """Skip the test, or fail it when KREDITTVAKT_REQUIRE_ALL=1 (CI must not skip silently)."""
    if REQUIRE_ALL:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def artifacts_dir() -> Path:
    """tests/artifacts/, created on demand (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def chromium_args() -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
    ]


def free_port() -> int:
    """A currently free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- PostgreSQL


def _admin_engine(admin_url: str) -> sa.Engine:
    return sa.create_engine(
        admin_url,
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"connect_timeout": 2},
    )


def _render(url: sa.URL) -> str:
    return url.render_as_string(hide_password=False)


def pg_admin_url() -> str | None:
    """The admin URL from KREDITTVAKT_TEST_PG_URL, else the local default if it answers within 2 s."""
    env = os.environ.get("KREDITTVAKT_TEST_PG_URL")
    if env:
        return env
    engine = _admin_engine(DEFAULT_PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception:
        return None
    finally:
        engine.dispose()
    return DEFAULT_PG_ADMIN_URL


def create_database(admin_url: str) -> str:
    """Create a fresh, empty, uniquely named database and return its URL."""
    name = f"kv_test_{os.getpid()}_{next(_db_counter)}_{secrets.token_hex(3)}"
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as conn:
            quoted = conn.dialect.identifier_preparer.quote(name)
            conn.execute(sa.text(f"CREATE DATABASE {quoted} ENCODING 'UTF8' TEMPLATE template0"))
    finally:
        engine.dispose()
    return _render(make_url(admin_url).set(database=name))


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database named in url, terminating any sessions still connected to it."""
    name = make_url(url).database
    if not name or name == make_url(admin_url).database:
        raise ValueError(f"refusing to drop database {name!r}")
    engine = _admin_engine(admin_url)
    try:
        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            quoted = conn.dialect.identifier_preparer.quote(name)
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted}"))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- Streamlit


class StreamlitServer:
    """Run `streamlit run app.py` headless on a free loopback port for the duration of a with-block.

    env is merged over os.environ (pass KREDITTVAKT_DATABASE_URL). The log goes to tests/artifacts/.
    """

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        app: str | os.PathLike[str] | None = None,
        port: int | None = None,
        startup_timeout: float = 60.0,
        log_name: str | None = None,
    ) -> None:
        self.app = Path(app) if app is not None else REPO / "app.py"
        self.env = dict(env or {})
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.log_path = artifacts_dir() / (log_name or f"streamlit_{self.port}.log")
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> StreamlitServer:
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app),
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--client.toolbarMode",
            "viewer",
        ]
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_healthy(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with code {self.proc.returncode} before becoming healthy\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"streamlit not healthy on {self.url} after {self.startup_timeout:.0f} s\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return f"(no log at {self.log_path})"
        return f"--- tail of {self.log_path} ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
