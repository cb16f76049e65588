"""Users (administrators): the accounts, their role and decision authority, adding one, changing a role,
disabling or enabling an account and setting a new password. Every change is checked again on the server and
recorded in the audit trail."""

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame
from components.auth import ROLE_NAMES, now_utc
from components.i18n import _
from data_access import cache
from domain.access import AUTHORITIES, ROLES, AccessDenied, AccountError

frame.enter_page()

NONE = "—"
RESULT = "users_result"

st.title(_("Users"))
try:
    accounts = cache.accounts()
except AccessDenied:
    st.error(_("Only administrators manage users."))
    st.stop()
st.caption(
    _(
        "Viewer: reads everything and downloads reports. Sales: its own customers, notes and limit requests. "
        "Credit manager: notes, alerts, collections, limits and terms within the approval matrix, credit checks. "
        "Administrator: policy, users, imports, connectors, period close. The decision authority is the "
        "account's role in the approval matrix (e.g. a CFO who reads everything and approves large limits)."
    )
)
found = st.session_state.pop(RESULT, None)
if found:
    (st.success if found[0] == "ok" else st.error)(found[1])

st.dataframe(
    pd.DataFrame(
        [
            {
                _("user name"): a.username,
                _("name"): a.display_name,
                _("e-mail"): a.email or "",
                _("role"): _(ROLE_NAMES[a.role]),
                _("authority"): a.acting_authority or "",
                _("active"): _("no") if a.disabled else _("yes"),
                _("last sign-in"): fmt.moment(a.last_login_at) if a.last_login_at else "",
                _("locked until"): fmt.moment(a.locked_until) if a.locked_until else "",
            }
            for a in accounts
        ]
    ),
    hide_index=True,
    width="stretch",
)


def run(action, done: str, *args, **kwargs) -> None:
    try:
        action(*args, now=now_utc(), **kwargs)
        st.session_state[RESULT] = ("ok", done)
    except (AccountError, AccessDenied) as exc:
        st.session_state[RESULT] = ("error", str(exc))
    st.rerun()


left, right = st.columns(2)
with left, st.form("add_user", clear_on_submit=True):
    st.subheader(_("Add a user"))
    username = st.text_input(_("User name"), key="new_username")
    display_name = st.text_input(_("Full name"), key="new_display_name")
    email = st.text_input(_("E-mail (for single sign-on, optional)"), key="new_email")
    role = st.selectbox(_("Role"), ROLES, format_func=lambda r: _(ROLE_NAMES[r]), key="new_role")
    authority = st.selectbox(_("Decision authority"), [NONE, *AUTHORITIES], key="new_authority")
    password = st.text_input(_("Password"), type="password", key="new_password")
    if st.form_submit_button(_("Add user"), type="primary"):
        run(
            cache.add_user,
            _("User {name} added.").format(name=username.strip().lower()),
            username,
            role=role,
            display_name=display_name,
            password=password or None,
            email=email or None,
            authority=None if authority == NONE else authority,
        )
with right:
    st.subheader(_("Change a user"))
    names = [a.username for a in accounts]
    who = st.selectbox(_("User"), names, key="edit_user")
    current = next(a for a in accounts if a.username == who)
    with st.form("edit_role"):
        role = st.selectbox(
            _("Role"), ROLES, index=ROLES.index(current.role), format_func=lambda r: _(ROLE_NAMES[r]), key="edit_role_v"
        )
        options = [NONE, *AUTHORITIES]
        authority = st.selectbox(
            _("Decision authority"), options, index=options.index(current.authority or NONE), key="edit_authority"
        )
        if st.form_submit_button(_("Save role")):
            run(
                cache.set_user_role,
                _("{name} is now {role}.").format(name=who, role=_(ROLE_NAMES[role])),
                who,
                role,
                authority=None if authority == NONE else authority,
            )
    with st.form("edit_password", clear_on_submit=True):
        password = st.text_input(_("New password"), type="password", key="edit_password_v")
        if st.form_submit_button(_("Set password")):
            run(cache.set_user_password, _("Password of {name} set.").format(name=who), who, password)
    if current.disabled:
        if st.button(_("Enable {name}").format(name=who), key="enable_user"):
            run(cache.enable_user, _("{name} is enabled.").format(name=who), who)
    elif st.button(_("Disable {name}").format(name=who), key="disable_user"):
        run(cache.disable_user, _("{name} is disabled and signed out.").format(name=who), who)
