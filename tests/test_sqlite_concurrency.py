"""SQLite as the app runs it: WAL mode (readers never wait for a writer) and a busy timeout (a second writer waits
for the first instead of failing at once), with real connections to one file."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from data_access.engine import SQLITE_BUSY_TIMEOUT_S, make_engine, mask_url


def pragma(engine: sa.Engine, name: str):
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


class Holder:
    """A second connection holding SQLite's write lock (an open transaction with an uncommitted insert)."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.conn = self.engine.connect()
        self.tx = self.conn.begin()

    def write(self, sql: str, **params) -> Holder:
        self.conn.execute(sa.text(sql), params)
        return self

    def commit(self) -> None:
        self.tx.commit()
        self.close()

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/a.db")
    assert pragma(engine, "journal_mode") == "wal"
    assert pragma(engine, "busy_timeout") == int(SQLITE_BUSY_TIMEOUT_S * 1000) == 30000
    assert pragma(engine, "foreign_keys") == 1
    engine.dispose()
    short = make_engine(f"sqlite:///{tmp_path}/b.db?timeout=0.25")  # the URL's own timeout wins
    assert pragma(short, "busy_timeout") == 250
    short.dispose()


def test_a_write_waits_for_the_lock_and_succeeds_once_the_holder_commits(tmp_path):
    url = f"sqlite:///{tmp_path}/w.db"
    setup = make_engine(url)
    with setup.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (v TEXT NOT NULL)")
    setup.dispose()
    holder = Holder(url).write("INSERT INTO t VALUES ('first')")

    waiter = make_engine(url + "?timeout=20")
    done, errors = threading.Event(), []

    def second_write():
        try:
            with waiter.begin() as conn:
                conn.exec_driver_sql("INSERT INTO t VALUES ('second')")
        except Exception as exc:  # recorded: the assertion below says what happened
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=second_write)
    thread.start()
    # Without a busy timeout the second write would fail at once ("database is locked"); with one it cannot
    # finish while the lock is held, so it is still waiting here.
    assert not done.wait(0.5)
    holder.commit()
    thread.join(30)
    assert errors == []
    with waiter.connect() as conn:
        assert conn.exec_driver_sql("SELECT v FROM t ORDER BY rowid").scalars().all() == ["first", "second"]
    waiter.dispose()


def test_readers_are_not_blocked_by_a_writer_in_wal_mode(tmp_path):
    url = f"sqlite:///{tmp_path}/r.db?timeout=0.1"
    setup = make_engine(url)
    with setup.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (v TEXT NOT NULL)")
        conn.exec_driver_sql("INSERT INTO t VALUES ('committed')")
    holder = Holder(url).write("INSERT INTO t VALUES ('pending')")
    with setup.connect() as conn:  # would raise "database is locked" after 0.1 s in rollback-journal mode
        assert conn.exec_driver_sql("SELECT v FROM t").scalars().all() == ["committed"]
    holder.commit()
    setup.dispose()


def test_the_database_url_is_shown_without_its_password():
    assert (
        mask_url("postgresql+psycopg://kv:s3cret@db.example:5432/kv")
        == "postgresql+psycopg://kv:***@db.example:5432/kv"
    )
    assert mask_url("postgresql+psycopg://kv@db/kv?password=s3cret&sslmode=require") == (
        "postgresql+psycopg://kv@db/kv?password=***&sslmode=require"
    )
    assert mask_url("sqlite:////srv/kv/kredittvakt.db?timeout=20") == "sqlite:////srv/kv/kredittvakt.db?timeout=20"
    assert "s3cret" not in mask_url("not-a-url://kv:s3cret@db?password=s3cret")
