"""Page chrome shared by every page: sidebar (as-of, filters, language), freshness, the demo-data notice."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import streamlit as st

from components import format as fmt
from components.i18n import LANGUAGES, N_, _
from components.safe import md
from components.state import AS_OF, ROLES, USER_NAME, USER_ROLE
from data_access.status import DataStatus
from data_access.views import FilterOptions
from domain.access import may_open
from domain.policy import ledger_is_stale

ROLE_WIDGET = "user_role_label"
ROLE_SYNCED = "user_role_synced"
ROLE_LABELS = {
    "sales": N_("Sales"),
    "credit_manager": N_("Credit manager"),
    "cfo": N_("CFO"),
    "board": N_("Board"),
}
SOURCE_LABELS = {"ledger": N_("Ledger"), "credit_reports": N_("Credit reports"), "register": N_("Register")}


def navigation(pages: dict[str, list[tuple[str, str, str]]], account) -> dict[str, list]:
    """st.Page entries, per section, of the (path, title, icon) pages the signed-in account's role may open
    (domain.access.PAGES; the page key is the file name); all of them in demo mode without accounts (account
    None). Sections left empty are dropped; the first page shown is the default."""
    out: dict[str, list] = {}
    for section, entries in pages.items():
        allowed = [e for e in entries if account is None or may_open(account.role, Path(e[0]).stem)]
        if allowed:
            out[section] = [
                st.Page(path, title=title, icon=icon, default=not out and i == 0)
                for i, (path, title, icon) in enumerate(allowed)
            ]
    return out


ACTION_NAMES = {
    "add_note": N_("add notes"),
    "request_limit": N_("request limits"),
    "edit_customer": N_("change a customer's terms, status or limit"),
    "decide_limit": N_("decide limit requests"),
    "reject_limit": N_("reject or withdraw limit requests"),
    "work_alerts": N_("work the alerts"),
    "run_monitor": N_("run the monitor"),
    "collections": N_("work collections"),
    "credit_check": N_("run credit checks"),
    "check_register": N_("check the register"),
    "produce_report": N_("produce lender reports"),
    "credit_memo": N_("download credit memos"),
    "edit_policy": N_("change the credit policy"),
    "import": N_("import data"),
    "undo_import": N_("undo imports"),
    "remove_demo": N_("remove the demo data"),
    "manage_users": N_("manage users"),
    "read_audit": N_("read the audit trail"),
    "connectors": N_("run connectors"),
    "close_period": N_("close a period"),
    "reopen_period": N_("reopen a period"),
    "lender_data": N_("change lender data"),
    "open_customer": N_("open customers that others own"),
}


DENIED = "access_denied"


def show_denied() -> None:
    """The refusal a callback left (components.guard.callback), once."""
    message = st.session_state.pop(DENIED, None)
    if message:
        st.error(message, icon=":material/block:")


def denied(exc) -> str:
    """A refused action in words: what the role may not do."""
    what = _(ACTION_NAMES[exc.action]) if exc.action in ACTION_NAMES else exc.action
    if exc.role is None:
        return _("Sign in first: only signed-in users may {what}.").format(what=what)
    return _("Not allowed: your role may not {what}. Nothing was changed.").format(what=what)


def sidebar(status: DataStatus, options: FilterOptions, today: date, acting_as: bool = True) -> None:
    """Draw the shared sidebar; its widgets keep their values in st.session_state for every page. The "Acting as"
    choice is for demo mode without accounts only: signed in, the account says who acts."""
    with st.sidebar:
        st.selectbox(_("Language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")
        default = status.latest_transaction_date or today
        if AS_OF not in st.session_state:
            st.session_state[AS_OF] = default
        st.date_input(
            _("As of"),
            key=AS_OF,
            format="DD.MM.YYYY",
            help=_(
                "Every figure is computed as of the end of this day. Default: the latest transaction date in the data."
            ),
        )
        with st.expander(_("Filters"), expanded=False, icon=":material/filter_alt:"):
            st.multiselect(_("Country"), options.countries, key="f_countries", placeholder=_("All"))
            st.multiselect(_("Segment"), options.segments, key="f_segments", placeholder=_("All"))
            st.multiselect(_("Industry (NACE)"), options.industries, key="f_industries", placeholder=_("All"))
            names = dict(options.groups)
            st.multiselect(
                _("Corporate group"), list(names), format_func=names.get, key="f_groups", placeholder=_("All")
            )
            st.multiselect(
                _("Currency"),
                options.currencies,
                key="f_currencies",
                placeholder=_("All"),
                help=_("The customer's invoicing currency."),
            )
        if acting_as:
            _acting_as()
        company = status.company.name or _("Company profile not set (python cli.py company set)")
        st.caption(
            _("{company} · base currency {currency}").format(company=md(company), currency=status.company.base_currency)
        )


def _acting_as() -> None:
    """Who acts, chosen by hand: demo mode without accounts only."""
    with st.expander(_("Acting as"), expanded=False, icon=":material/person:"):
        st.text_input(_("Your name"), key=USER_NAME, help=_("Stored with every change, request and decision."))
        # the options are the labels themselves (a translating format_func does not survive AppTest in nb);
        # the role code lives in USER_ROLE for the pages
        labels = {_(ROLE_LABELS[r]): r for r in ROLES}
        role = st.session_state.get(USER_ROLE, ROLES[1])
        if (
            st.session_state.get(ROLE_WIDGET) not in labels  # first run, or the language changed
            or role != st.session_state.get(ROLE_SYNCED, role)  # set from outside the widget
        ):
            st.session_state[ROLE_WIDGET] = _(ROLE_LABELS[role if role in ROLES else ROLES[1]])
        st.selectbox(_("Role"), list(labels), key=ROLE_WIDGET)
        st.session_state[USER_ROLE] = st.session_state[ROLE_SYNCED] = labels[st.session_state[ROLE_WIDGET]]


def freshness(status: DataStatus, loaded: dict, max_age_days: int, now: datetime) -> None:
    """When each source was last loaded; a warning when the ledger is older than the policy allows."""
    with st.sidebar:
        lines = [f"{_(SOURCE_LABELS[s])}: {fmt.moment(t) if t else _('never')}" for s, t in loaded.items()]
        st.caption(_("Last loaded") + " — " + " · ".join(lines))
    if status.demo:
        st.info(
            _(
                "**Demo data.** Everything shown here is a generated demo portfolio, not real customers. "
                "It is removed at the first real import, or under Data status › Remove demo data. "
                "Until then, or until the first user account is created, anyone can use every page without "
                "signing in."
            ),
            icon=":material/science:",
        )
        return
    last = loaded.get("ledger")
    if last is None:
        st.info(
            _(
                "No ledger has been loaded yet. Import customers, invoices and payments with "
                "`python cli.py import` (see docs/data-formats.md)."
            ),
            icon=":material/upload_file:",
        )
        return
    if last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    if ledger_is_stale(last, now, max_age_days):
        when = fmt.moment(last)
        st.warning(
            _("The ledger was last loaded {when}, more than {days} days ago: figures may be out of date.").format(
                when=when, days=max_age_days
            ),
            icon=":material/schedule:",
        )


def enter_page() -> None:
    """First call of every page: make sure the page runs inside app.py's router and frame.

    With a `pages/` folder beside app.py, Streamlit starts each process in its old pages-folder mode and
    stays there until app.py has called st.navigation once. A page opened by its URL in that state (the
    first request after a server start, or any AppTest run) would run alone, without the sidebar. Leave
    that mode and rerun: the rerun goes through app.py, which routes to the same URL.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
