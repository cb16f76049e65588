"""When the database cannot be used: a driver error recognised as "unreachable", "busy" or "file" and turned into
DatabaseUnavailable with the masked URL; every other error (a bad statement, a broken constraint) is left alone.

Pure: no Streamlit. data_access/cache.py raises DatabaseUnavailable at its boundary, components/frame.py shows it.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

# the kinds, in the order the frame explains them
UNREACHABLE = "unreachable"  # no connection: the server is down, refuses, the credentials or the database are wrong
BUSY = "busy"  # another transaction holds the lock: SQLite's busy timeout ran out, a PostgreSQL deadlock
FILE = "file"  # the SQLite file cannot be opened, read or written, or is not a database

# SQLite primary result codes (https://sqlite.org/rescode.html)
_SQLITE_KINDS = {
    5: BUSY,  # SQLITE_BUSY
    6: BUSY,  # SQLITE_LOCKED
    3: FILE,  # SQLITE_PERM
    8: FILE,  # SQLITE_READONLY
    10: FILE,  # SQLITE_IOERR
    11: FILE,  # SQLITE_CORRUPT
    13: FILE,  # SQLITE_FULL
    14: FILE,  # SQLITE_CANTOPEN
    26: FILE,  # SQLITE_NOTADB
}
# PostgreSQL SQLSTATEs: serialization failure, deadlock, lock not available; the rest of class 08 and 57P0x is
# a lost or refused connection, 28 bad credentials, 3D000 no such database, 53300 too many connections
_PG_BUSY = {"40001", "40P01", "55P03"}
_PG_UNREACHABLE_PREFIXES = ("08", "28", "57P0")
_PG_UNREACHABLE = {"3D000", "53300"}


class DatabaseUnavailable(Exception):
    """The database could not be used for this read or write; nothing of a write was stored."""

    def __init__(self, kind: str, url: str, detail: str, write: bool = False) -> None:
        self.kind = kind
        self.url = url  # masked: never carries a password
        self.detail = detail
        self.write = write  # True when a write was refused (and rolled back whole)
        super().__init__(f"database {kind} ({url}): {detail}")


def _detail(orig: BaseException, secrets: tuple[str, ...]) -> str:
    text = str(orig).strip().splitlines()
    line = text[0] if text else type(orig).__name__
    for secret in secrets:
        if secret:
            line = line.replace(secret, "***")
    return line[:300]


def kind_of(error: BaseException) -> str | None:
    """UNREACHABLE, BUSY or FILE for a driver error (wrapped by SQLAlchemy or not) that means the database cannot
    be used right now; None for anything else."""
    orig = getattr(error, "orig", None) or error
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return UNREACHABLE
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return _SQLITE_KINDS.get(code & 0xFF)
    module = type(orig).__module__.split(".")[0]
    if module == "sqlite3":  # an error raised without a result code: judge by the words
        words = str(orig).lower()
        if "locked" in words:
            return BUSY
        if "unable to open" in words or "not a database" in words or "disk i/o" in words:
            return FILE
        return None
    if module == "psycopg":
        import psycopg

        sqlstate = getattr(orig, "sqlstate", None)
        if sqlstate in _PG_BUSY:
            return BUSY
        if sqlstate is None:  # libpq failed before the server said anything: refused, timed out, closed
            return UNREACHABLE if isinstance(orig, psycopg.OperationalError | psycopg.InterfaceError) else None
        if sqlstate in _PG_UNREACHABLE or sqlstate.startswith(_PG_UNREACHABLE_PREFIXES):
            return UNREACHABLE
        return None
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return UNREACHABLE  # another driver: its operational errors are about the connection
    return None


def unavailable(error: BaseException, masked_url: str, secrets: tuple[str, ...] = ()) -> DatabaseUnavailable | None:
    """The error as DatabaseUnavailable when it means the database cannot be used, else None.

    `secrets` (e.g. the URL's password) are blanked out of the driver's words, which are shown to the user."""
    kind = kind_of(error)
    if kind is None:
        return None
    orig = getattr(error, "orig", None) or error
    return DatabaseUnavailable(kind, masked_url, _detail(orig, secrets))
