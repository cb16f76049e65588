"""The database under faults: writes that find the database locked (retried when refused at once, else refused whole
with a clear message), which driver errors mean "cannot be used", and every page saying what failed instead of a
traceback when the database cannot be reached or read, then working again on the next run once it is back."""

from __future__ import annotations

import socket
import sqlite3
import threading
from datetime import date

import pytest
import sqlalchemy as sa
import streamlit as st
from apptest import APP, run_page, test_account
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest
from test_sqlite_concurrency import Holder

from components.safe import md
from data_access import cache
from data_access.bootstrap import ensure_ready
from data_access.engine import get_engine, make_engine, mask_url
from data_access.unavailable import BUSY, FILE, UNREACHABLE, DatabaseUnavailable, kind_of
from data_access.views import activities
from domain.activity import NewActivity

try:
    import infra
except ImportError:
    from tests import infra


def count(url: str, table: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


_USED: list[str] = []


@pytest.fixture(autouse=True)
def _app_engines_closed_after_each_test():
    """The app keeps one engine per URL and process; close the ones a test used, so no pooled connection outlives
    its database."""
    yield
    st.session_state.pop("auth_user_id", None)
    while _USED:
        get_engine(_USED.pop()).dispose()


def app_url(monkeypatch, url: str, sign_in: bool = False) -> str:
    """Point the app (cache.database_url) at `url` for this test; with sign_in, this process acts as a signed-in
    administrator (a live database refuses writes without one)."""
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    _USED.append(url)
    if sign_in:
        st.session_state["auth_user_id"] = test_account("Kari")
    return url


# --------------------------------------------------------------------------- writes through the cache boundary


@pytest.fixture
def one_customer(tmp_path) -> str:
    """A migrated SQLite file with one customer and no activities."""
    url = f"sqlite:///{tmp_path}/kv.db"
    engine = make_engine(url)
    ensure_ready(engine, seed_demo_if_new=False)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO customers (id, customer_ref, name, currency, payment_terms_days, status, affiliate, "
                "row_version, government) VALUES (1, 'K1', 'Fjord AS', 'NOK', 30, 'active', false, 1, false)"
            )
        )
    engine.dispose()
    return url


NOTE = NewActivity(kind="note", activity_date=date(2026, 3, 1), text="Called", author="Kari")


def test_a_write_on_a_locked_sqlite_fails_whole_with_a_clear_message(one_customer, monkeypatch):
    url = app_url(monkeypatch, one_customer + "?timeout=0.3", sign_in=True)
    assert cache.status().company is not None  # the app is up: migrated, readable
    holder = Holder(one_customer).write(
        "INSERT INTO activities (customer_id, activity_date, kind, text, created_at) "
        "VALUES (1, '2026-02-01', 'note', 'the holder', '2026-02-01 10:00:00')"
    )
    with pytest.raises(DatabaseUnavailable) as caught:
        cache.add_activity(1, NOTE)
    problem = caught.value
    assert (problem.kind, problem.write) == (BUSY, True)
    assert problem.detail == "database is locked"
    assert problem.url == mask_url(url)
    holder.close()  # rolled back: the holder's row is gone too
    assert count(one_customer, "activities") == 0

    # once nobody holds the lock the same write goes through, exactly once
    cache.add_activity(1, NOTE)
    engine = make_engine(one_customer)
    with engine.connect() as conn:
        assert [(a.text, a.author) for a in activities(conn, 1)] == [("Called", "Kari")]
    engine.dispose()


def _busy() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("INSERT INTO activities ...", {}, sqlite3.OperationalError("database is locked"))


def test_a_write_refused_at_once_is_run_again_whole_and_stored_once(one_customer, monkeypatch):
    app_url(monkeypatch, one_customer, sign_in=True)
    calls = []

    def write(conn):
        calls.append(1)
        conn.execute(
            sa.text(
                "INSERT INTO activities (customer_id, activity_date, kind, text, created_at) "
                "VALUES (1, '2026-03-01', 'note', :t, '2026-03-01 09:00:00')"
            ),
            {"t": f"attempt {len(calls)}"},
        )
        if len(calls) == 1:  # the first attempt has written a row, then the database refuses at once
            raise _busy()
        return "stored"

    assert cache._write("add_note", write) == "stored"
    assert len(calls) == 2
    engine = make_engine(one_customer)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT text FROM activities").scalars().all() == ["attempt 2"]
    engine.dispose()


def test_a_write_refused_every_time_gives_up_after_the_attempts_and_stores_nothing(one_customer, monkeypatch):
    app_url(monkeypatch, one_customer, sign_in=True)
    calls = []

    def write(conn):
        calls.append(1)
        conn.exec_driver_sql(
            "INSERT INTO activities (customer_id, activity_date, kind, text, created_at) "
            "VALUES (1, '2026-03-01', 'note', 'x', '2026-03-01 09:00:00')"
        )
        raise _busy()

    with pytest.raises(DatabaseUnavailable) as caught:
        cache._write("add_note", write)
    assert caught.value.kind == BUSY and caught.value.write
    assert len(calls) == cache.WRITE_ATTEMPTS == 3
    assert count(one_customer, "activities") == 0


def test_other_errors_are_neither_retried_nor_disguised(one_customer, monkeypatch):
    app_url(monkeypatch, one_customer, sign_in=True)
    calls = []

    def write(conn):
        calls.append(1)
        conn.exec_driver_sql(  # customer 99 does not exist: a foreign-key error, a bug, not a database outage
            "INSERT INTO activities (customer_id, activity_date, kind, text, created_at) "
            "VALUES (99, '2026-03-01', 'note', 'x', '2026-03-01 09:00:00')"
        )

    with pytest.raises(sa.exc.IntegrityError):
        cache._write("add_note", write)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (sqlite3.OperationalError("database is locked"), BUSY),
        (sqlite3.OperationalError("unable to open database file"), FILE),
        (sqlite3.DatabaseError("file is not a database"), FILE),
        (sqlite3.OperationalError("no such table: customers"), None),
        (sqlite3.IntegrityError("UNIQUE constraint failed"), None),
        (ValueError("not a database error at all"), None),
    ],
)
def test_which_driver_errors_mean_the_database_cannot_be_used(error, kind):
    assert kind_of(sa.exc.DBAPIError("SELECT 1", {}, error)) == kind
    assert kind_of(error) == kind


def test_postgresql_errors_are_classified_by_sqlstate_and_connection(pg_url):
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        with pytest.raises(sa.exc.ProgrammingError) as missing_table:
            conn.execute(sa.text("SELECT * FROM no_such_table"))
    assert kind_of(missing_table.value) is None
    with engine.connect() as conn:
        conn.execute(sa.text("CREATE TABLE t (v int)"))
        conn.commit()
    locker = engine.connect()
    locker.begin()
    locker.execute(sa.text("LOCK TABLE t IN ACCESS EXCLUSIVE MODE"))
    with engine.connect() as conn:
        conn.execute(sa.text("SET lock_timeout = '50ms'"))
        with pytest.raises(sa.exc.OperationalError) as locked:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    assert kind_of(locked.value) == BUSY  # 55P03 lock_not_available
    locker.close()
    engine.dispose()
    closed = sa.create_engine(
        make_url(pg_url).set(port=infra.free_port()).render_as_string(hide_password=False), poolclass=sa.pool.NullPool
    )
    with pytest.raises(sa.exc.OperationalError) as refused:
        closed.connect()
    assert kind_of(refused.value) == UNREACHABLE


# --------------------------------------------------------------------------- every page, database down and back


class Forwarder:
    """A TCP port on 127.0.0.1 that forwards to PostgreSQL once started: the database 'comes back' on the same URL."""

    def __init__(self, port: int, target: tuple[str, int]) -> None:
        self.port, self.target = port, target
        self.server: socket.socket | None = None
        self.sockets: list[socket.socket] = []

    def start(self) -> None:
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        assert self.server is not None
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for s in self.sockets:
            s.close()


def errors_of(at: AppTest) -> str:
    return "\n".join(e.value for e in at.error)


def test_postgresql_down_shows_a_clear_message_and_the_same_session_recovers_when_it_is_back(pg_url, monkeypatch):
    real = make_url(pg_url)
    port = infra.free_port()  # nothing listens here yet: PostgreSQL is "down"
    # trust authentication ignores the password; it is there to show that it is never displayed
    url = app_url(monkeypatch, real.set(port=port, password="s3cret-pw").render_as_string(hide_password=False))
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    shown = errors_of(at)
    assert "The database cannot be reached." in shown
    assert "Connection refused" in shown
    assert md(mask_url(url)) in shown and "postgres:***@" in mask_url(url)  # the masked URL, shown as text
    assert "s3cret" not in shown
    assert [b.label for b in at.button] == ["Try again"]
    assert not at.title  # no page ran without its data

    forwarder = Forwarder(port, (real.host, real.port))
    forwarder.start()  # the database is back, on the same URL
    try:
        at.session_state["auth_user_id"] = test_account("Kari")  # a live database: the session signs in
        at.button(key="database_try_again").click().run()
        assert not at.exception, at.exception
        assert not at.error
        assert [t.value for t in at.title] == ["Portfolio"]
        at.switch_page("pages/customers.py").run()
        assert not at.exception and not at.error
        assert [t.value for t in at.title] == ["Customers"]
    finally:
        get_engine(url).dispose()
        forwarder.close()


@pytest.mark.parametrize(
    "page",
    [
        "pages/portfolio.py",
        "pages/aging.py",
        "pages/customers.py",
        "pages/alerts.py",
        "pages/collections.py",
        "pages/credit_check.py",
        "pages/reports.py",
        "pages/policy.py",
        "pages/data_import.py",
        "pages/data_status.py",
    ],
)
def test_every_page_says_what_failed_when_the_sqlite_file_is_not_a_database(page, tmp_path, monkeypatch):
    bad = tmp_path / "kv.db"
    bad.write_bytes(b"this is a spreadsheet, not a database" * 100)
    url = app_url(monkeypatch, f"sqlite:///{bad}")
    at = run_page(page)
    assert not at.exception, at.exception
    shown = errors_of(at)
    assert "The database file cannot be opened, read or written." in shown
    assert "file is not a database" in shown
    assert md(mask_url(url)) in shown

    bad.unlink()  # replaced by a good (new, empty) database: the next run works
    at.run()
    assert not at.exception, at.exception
    assert not at.error


def test_a_locked_write_from_a_page_is_refused_whole_and_said_once(demo_url, monkeypatch):
    """The customer page's activity form, while another connection holds the write lock beyond the busy timeout."""
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        customer_id = conn.execute(sa.text("SELECT min(id) FROM customers")).scalar_one()
        before = conn.execute(sa.text("SELECT count(*) FROM activities")).scalar_one()
    engine.dispose()
    app_url(monkeypatch, demo_url + "?timeout=0.3")
    at = run_page("pages/customers.py", customer_id=customer_id)
    assert not at.exception, at.exception

    holder = Holder(demo_url).write("UPDATE data_version SET version = version + 1")
    try:
        at.text_area(key="act_text").input("Promised to call back")
        at.text_input(key="act_author").input("Kari")
        at.form_submit_button[-1].click().run()
    finally:
        holder.close()
    assert not at.exception, at.exception
    shown = errors_of(at)
    assert shown.count("The database is busy: another write holds its lock.") == 1
    assert "Nothing was saved: the change was rolled back whole." in shown
    assert not at.success
    assert count(demo_url, "activities") == before
    assert at.text_area(key="act_text").value == "Promised to call back"  # kept for another try

    at.form_submit_button[-1].click().run()  # the lock is gone: saved now, once
    assert not at.exception and not at.error
    assert count(demo_url, "activities") == before + 1


def test_a_page_says_the_database_is_busy_while_another_process_locks_it_for_reading(demo_url, monkeypatch):
    """A tool holding the file in SQLite's exclusive locking mode keeps even readers out (WAL's readers-never-wait
    does not hold then): the page waits out the busy timeout, says so, and works on the next run."""
    app_url(monkeypatch, demo_url + "?timeout=0.3")
    at = run_page("pages/aging.py")
    assert not at.exception and not at.error
    get_engine(demo_url + "?timeout=0.3").dispose()  # the app's idle pooled connections would keep the lock out
    locker = sqlite3.connect(make_url(demo_url).database)
    try:
        locker.execute("PRAGMA locking_mode=EXCLUSIVE")
        locker.execute("BEGIN EXCLUSIVE")
        at.run()
    finally:
        locker.rollback()
        locker.close()
    assert not at.exception, at.exception
    shown = errors_of(at)
    assert "The database is busy: another write holds its lock." in shown and "database is locked" in shown
    assert "Nothing was saved" not in shown  # a read: there was nothing to save
    at.run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Aging"]
