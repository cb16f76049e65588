"""Sign in: the user name and password form (and single sign-on when configured in secrets.toml), or, while no
account exists, the form that creates the first administrator. The only page of a session not signed in."""

import streamlit as st

from components import frame
from components.auth import LAST_ACTIVITY, NOTICE, now_utc, sso_configured
from components.i18n import _
from data_access import cache
from data_access.users import AccountError, SignInError

frame.enter_page()


def sign_in_error(exc: SignInError) -> str:
    if exc.code == "locked":
        return _("Too many failed sign-ins: the account is locked until {time}.").format(time=f"{exc.until:%H:%M}")
    if exc.code == "disabled":
        return _("This account is disabled; ask an administrator.")
    return _("Wrong user name or password.")


def first_run() -> None:
    st.write(
        _(
            "No one can sign in yet. Create the first administrator here (or with `python cli.py users add NAME "
            "--role admin`); administrators add everyone else under Settings › Users."
        )
    )
    with st.form("first_admin"):
        username = st.text_input(_("User name"), key="first_user")
        display_name = st.text_input(_("Full name"), key="first_name")
        email = st.text_input(_("E-mail (for single sign-on, optional)"), key="first_email")
        password = st.text_input(_("Password"), type="password", key="first_password")
        again = st.text_input(_("Password again"), type="password", key="first_password_again")
        submitted = st.form_submit_button(_("Create administrator"), type="primary")
    if submitted:
        if password != again:
            st.error(_("The two passwords differ."))
            return
        try:
            cache.create_first_admin(username, password, display_name, email, now_utc())
        except AccountError as exc:
            st.error(str(exc))
            return
        st.session_state[LAST_ACTIVITY] = now_utc()
        st.rerun()


st.title(_("Sign in to Kredittvakt"))
notice = st.session_state.pop(NOTICE, None)
if notice:
    st.info(notice)
_required, _account, count, _policy = cache.sign_in_state()
if count == 0:
    first_run()
    st.stop()
if sso_configured():
    if getattr(st.user, "is_logged_in", False):
        email = str(st.user.get("email") or "")
        if cache.sign_in_sso(email) is not None:
            st.session_state[LAST_ACTIVITY] = now_utc()
            st.rerun()
        st.error(
            _("{email} has no active account in Kredittvakt; ask an administrator to add one.").format(email=email)
        )
    if st.button(_("Sign in with single sign-on"), key="sso_sign_in"):
        st.login()
    st.divider()
with st.form("sign_in"):
    username = st.text_input(_("User name"), key="sign_in_user")
    password = st.text_input(_("Password"), type="password", key="sign_in_password")
    submitted = st.form_submit_button(_("Sign in"), type="primary")
if submitted:
    try:
        cache.sign_in(username, password, now_utc())
    except SignInError as exc:
        st.error(sign_in_error(exc))
    else:
        st.session_state[LAST_ACTIVITY] = now_utc()
        st.rerun()
