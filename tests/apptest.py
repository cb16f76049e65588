"""AppTest helpers: run the real app.py (router + shared frame) and switch to a page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
DEMO_AS_OF_DEFAULT = "2026-10-30"  # the demo's latest transaction date (last business day before 2026-10-31)


def test_account(name: str | None = None, authority: str | None = None, role: str = "admin") -> int | None:
    """A signed-in session's account for AppTests on the app's database (KREDITTVAKT_DATABASE_URL, else the
    default): None in demo mode without accounts (no sign-in there; the sidebar's "Acting as" applies), else the
    id of an account (created once) named `name` acting with `authority` in the approval matrix."""
    from sqlalchemy.exc import DBAPIError

    from data_access.bootstrap import ensure_ready
    from data_access.engine import default_url, make_engine, resolve_database_url
    from data_access.ledger import utcnow
    from data_access.users import account, add_user, sign_in_required
    from domain.access import AUTHORITIES

    url = resolve_database_url(None)
    engine = make_engine(url)
    try:
        try:
            ensure_ready(engine, seed_demo_if_new=url == default_url())
        except DBAPIError:  # a database that cannot be used (the fault tests): the session stays signed out
            return None
        with engine.begin() as conn:
            if not sign_in_required(conn):
                return None
            authority = authority if authority in AUTHORITIES else None
            slug = "".join(ch for ch in (name or "tester").lower() if ch.isalnum()) or "tester"
            username = f"{slug}.{role}.{authority or 'none'}"
            found = account(conn, username)
            if found is None:
                found = add_user(
                    conn, username, role=role, display_name=name or "Tester", password="correct horse battery",
                    authority=authority, actor="tests", now=utcnow(),
                )  # fmt: skip
            return found.id
    finally:
        engine.dispose()


def demo_mode(url: str) -> None:
    """Flag a test database as demo mode without accounts: no sign-in, and the sidebar's "Acting as" names who
    acts (the only mode where a page can be used without a name)."""
    from data_access.engine import make_engine
    from data_access.ledger import set_setting

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            set_setting(conn, "demo_mode", True)
    finally:
        engine.dispose()


def run_page(page: str, lang: str | None = None, timeout: int = 90, role: str | None = "admin", **state) -> AppTest:
    """A fresh AppTest of app.py, switched to `page` (e.g. "pages/portfolio.py"), with session state preset.

    Where the database needs sign-in, the session is signed in as an account with `role` (admin by default),
    the name in `user_name` and the approval authority in `user_role`; role=None leaves it signed out."""
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=timeout)
    if lang:
        at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    if role is not None:
        uid = test_account(state.get("user_name"), state.get("user_role"), role)
        if uid is not None:
            at.session_state["auth_user_id"] = uid
    at.run()
    at.switch_page(page).run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}
