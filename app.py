"""Kredittvakt: the router and the shared frame (sidebar, freshness, demo notice)."""

from datetime import UTC, date, datetime

import streamlit as st

from components import frame, guard
from components.i18n import _
from data_access import cache

st.set_page_config(page_title="Kredittvakt", page_icon=":material/shield:", layout="wide")

pages = {
    _("Overview"): [
        st.Page("pages/portfolio.py", title=_("Portfolio"), icon=":material/dashboard:", default=True),
    ],
    _("Receivables"): [
        st.Page("pages/aging.py", title=_("Aging"), icon=":material/stacked_bar_chart:"),
        st.Page("pages/customers.py", title=_("Customers"), icon=":material/business:"),
    ],
    _("Credit control"): [
        st.Page("pages/alerts.py", title=_("Alerts"), icon=":material/notifications:"),
        st.Page("pages/collections.py", title=_("Collections"), icon=":material/request_quote:"),
        st.Page("pages/credit_check.py", title=_("Credit check"), icon=":material/fact_check:"),
    ],
    _("Reports"): [
        st.Page("pages/reports.py", title=_("Reports and close"), icon=":material/summarize:"),
    ],
    _("Settings"): [
        st.Page("pages/policy.py", title=_("Policy"), icon=":material/policy:"),
        st.Page("pages/data_import.py", title=_("Import data"), icon=":material/upload_file:"),
        st.Page("pages/data_status.py", title=_("Data status"), icon=":material/database:"),
    ],
}
nav = st.navigation(pages)

with guard.database():  # a clear message instead of a traceback when the database cannot be used
    status = cache.status()
    frame.sidebar(status, cache.filter_options(), date.today())
    frame.freshness(status, cache.freshness(), cache.policy().ledger_freshness_days, datetime.now(UTC))
    nav.run()
