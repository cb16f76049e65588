"""Database URL resolution and one engine per process (SQLite default, PostgreSQL by URL)."""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = ROOT / "data" / "kredittvakt.db"
ENV_VAR = "KREDITTVAKT_DATABASE_URL"
SECRETS_PATH = ROOT / ".streamlit" / "secrets.toml"


def default_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def url_from_secrets(path: Path | None = None) -> str | None:
    path = path or SECRETS_PATH
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    url = data.get("connections", {}).get("kredittvakt", {}).get("url")
    return str(url) if url else None


def resolve_database_url(explicit: str | None = None) -> str:
    """Explicit URL, else env KREDITTVAKT_DATABASE_URL, else secrets.toml, else the SQLite default."""
    return explicit or os.environ.get(ENV_VAR) or url_from_secrets() or default_url()


def mask_url(url: str) -> str:
    """The URL with any password replaced, for display."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown with anything after ':' before '@' hidden
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _postgresql_session(dbapi_conn, _record) -> None:
    """No JIT compilation: the as-of statements are estimated above jit_above_cost at 100k invoices, and
    compiling them took longer (0.3-0.7 s) than running them. Set outside any transaction so it sticks."""
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    cur = dbapi_conn.cursor()
    cur.execute("SET jit = off")
    cur.close()
    dbapi_conn.autocommit = autocommit


def make_engine(url: str) -> Engine:
    """A new engine; for SQLite the file's folder is created and pragmas are set per connection."""
    if is_sqlite(url):
        db = make_url(url).database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgresql_session)
    return engine


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """The process-wide engine for a URL (one per process, as SQLAlchemy recommends)."""
    return make_engine(url)
