"""Kredittvakt: the router (the pages the signed-in role may open, or the sign-in page) and the shared frame."""

from datetime import UTC, date, datetime

import streamlit as st

from components import auth, frame, guard
from components.i18n import _
from data_access import cache
from domain.access import AccessDenied

st.set_page_config(page_title="Kredittvakt", page_icon=":material/shield:", layout="wide")

PAGES = {
    _("Overview"): [("pages/portfolio.py", _("Portfolio"), ":material/dashboard:")],
    _("Receivables"): [
        ("pages/aging.py", _("Aging"), ":material/stacked_bar_chart:"),
        ("pages/customers.py", _("Customers"), ":material/business:"),
    ],
    _("Credit control"): [
        ("pages/alerts.py", _("Alerts"), ":material/notifications:"),
        ("pages/collections.py", _("Collections"), ":material/request_quote:"),
        ("pages/credit_check.py", _("Credit check"), ":material/fact_check:"),
    ],
    _("Reports"): [("pages/reports.py", _("Reports and close"), ":material/summarize:")],
    _("Settings"): [
        ("pages/policy.py", _("Policy"), ":material/policy:"),
        ("pages/data_import.py", _("Import data"), ":material/upload_file:"),
        ("pages/data_status.py", _("Data status"), ":material/database:"),
        ("pages/users.py", _("Users"), ":material/group:"),
        ("pages/audit.py", _("Audit trail"), ":material/history:"),
    ],
}

with guard.database():  # a clear message instead of a traceback when the database cannot be used
    required, account, _count, policy = cache.sign_in_state()
    account, notice = auth.session(account, policy, auth.now_utc())
    if required and account is None:
        cache.sign_out()
        if notice:
            st.session_state[auth.NOTICE] = notice
        sign_in = st.Page("pages/sign_in.py", title=_("Sign in"), icon=":material/login:")
        st.navigation([sign_in], position="hidden").run()
        st.stop()

    nav = st.navigation(frame.navigation(PAGES, account))
    status = cache.status()
    if account is not None and auth.signed_in_box(account):
        cache.sign_out()
        st.rerun()
    frame.sidebar(status, cache.filter_options(), date.today(), acting_as=account is None)
    frame.freshness(status, cache.freshness(), cache.policy().ledger_freshness_days, datetime.now(UTC))
    frame.show_denied()
    try:
        nav.run()
    except AccessDenied as exc:  # the server-side check of a write (or a sales person's customer) refused it
        st.error(frame.denied(exc), icon=":material/block:")
