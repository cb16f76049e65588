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
# How long a SQLite write waits for another writer's lock before it fails with "database is locked" (readers never
# wait in WAL mode). A URL's own ?timeout= wins. Long enough for a page's write to wait out another user's save or a
# small import; a large import holds the lock longer, and the user gets a clear message instead of a hang.
SQLITE_BUSY_TIMEOUT_S = 30.0
# How long a PostgreSQL connection attempt may take before the app says the database cannot be reached (libpq
# waits for the operating system's TCP timeout otherwise, minutes for a host that does not answer). ?connect_timeout=
# in the URL wins.
PG_CONNECT_TIMEOUT_S = 10
SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "sslpassword", "sslkey_password")


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
    """The URL with any password replaced, for display: the one in the authority and a password query parameter
    (libpq accepts ?password=...)."""
    try:
        u = make_url(url)
        secret = {k: "***" for k in u.query if k.lower() in SECRET_QUERY_KEYS}
        shown = (u.update_query_dict(secret) if secret else u).render_as_string(hide_password=True)
        return shown.replace("%2A%2A%2A", "***")
    except Exception:  # an unparsable URL is shown with anything after ':' before '@' hidden
        hidden = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)
        keys = "|".join(SECRET_QUERY_KEYS)
        return re.sub(rf"(?i)([?&](?:{keys})=)[^&]*", r"\1***", hidden)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_busy_timeout(url: str) -> float | None:
    """Seconds a SQLite write waits for the lock on this URL's engine (None: not SQLite)."""
    if not is_sqlite(url):
        return None
    return float(make_url(url).query.get("timeout", SQLITE_BUSY_TIMEOUT_S))


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
    """A new engine; for SQLite the file's folder is created and pragmas are set per connection (WAL, foreign keys,
    a busy timeout of SQLITE_BUSY_TIMEOUT_S unless the URL sets ?timeout=); PostgreSQL connections give up after
    PG_CONNECT_TIMEOUT_S unless the URL sets ?connect_timeout=."""
    u = make_url(url)
    if is_sqlite(url):
        db = u.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        # sqlite3's `timeout` is SQLite's busy timeout: a write waiting for the lock retries until it runs out
        connect_args = {} if "timeout" in u.query else {"timeout": SQLITE_BUSY_TIMEOUT_S}
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {}
    if u.get_backend_name() == "postgresql" and "connect_timeout" not in u.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgresql_session)
    return engine


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """The process-wide engine for a URL (one per process, as SQLAlchemy recommends)."""
    return make_engine(url)
