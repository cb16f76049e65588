"""Sign-in state of a session: the idle timeout, the acting name and authority kept in step with the account, and
the signed-in box in the sidebar. The checks live in data_access.users (passwords, lockout) and domain.access
(roles); the forms are pages/sign_in.py."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from components.i18n import N_, _
from components.state import USER_NAME, USER_ROLE
from domain.access import idle_expired

LAST_ACTIVITY = "auth_last_activity"
NOTICE = "auth_notice"
ROLE_NAMES = {
    "viewer": N_("Viewer"),
    "sales": N_("Sales"),
    "credit_manager": N_("Credit manager"),
    "admin": N_("Administrator"),
}


def session(account, policy, now: datetime) -> tuple:
    """The session's account after the idle timeout: (account or None, why it was signed out or None). Keeps the
    acting name and authority in step with the account (the pages store them with every decision)."""
    if account is not None and idle_expired(st.session_state.get(LAST_ACTIVITY), now, policy):
        return None, _("You were signed out after a period without activity.")
    if account is not None:
        st.session_state[LAST_ACTIVITY] = now
        st.session_state[USER_NAME] = account.display_name
        st.session_state[USER_ROLE] = account.acting_authority or account.role
    return account, None


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        return False


def signed_in_box(account) -> bool:
    """Who is signed in, with what role, and the sign-out button (sidebar); True when it was clicked."""
    with st.sidebar:
        role = _(ROLE_NAMES[account.role])
        st.caption(_("Signed in as {name} ({role})").format(name=account.display_name, role=role))
        return st.button(_("Sign out"), key="sign_out", icon=":material/logout:")


def now_utc() -> datetime:
    """Naive UTC, as the database stores times."""
    return datetime.now(UTC).replace(tzinfo=None)
