"""The Streamlit boundary of data_access: one engine per process, first-start bootstrap, and
st.cache_data keyed on (database URL, data version, reader, arguments).

Every reader opens its own read connection; the data version is read fresh on each call (one indexed
single-row query), so a write from any process (CLI, cron, another server) is seen on the next rerun.
Pages call only the functions below.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import streamlit as st
from sqlalchemy import select
from sqlalchemy.engine import make_url

from data_access import activities as activity_store
from data_access import audit as audit_store
from data_access import borrowing as borrowing_store
from data_access import close as close_store
from data_access import collections as collection_store
from data_access import control_totals as control_store
from data_access import credit_checks as credit_check_store
from data_access import dunning_status as dunning_status_store
from data_access import import_journal, policy_store, views
from data_access import ingest as ingest_store
from data_access import limits as limit_store
from data_access import monitor as monitor_store
from data_access import risk as risk_store
from data_access import users as user_store
from data_access.asof import aging
from data_access.bootstrap import ensure_ready
from data_access.engine import default_url, get_engine, mask_url, resolve_database_url, sqlite_busy_timeout
from data_access.import_journal import UndoRefused as UndoRefused  # re-exported for the pages
from data_access.imports import ImportFailed, Progress, log_failed_import, remove_demo_data
from data_access.ledger import active_policy, data_version, utcnow
from data_access.schema import Customer
from data_access.status import DataStatus, data_status
from data_access.status import import_log as import_log_of
from data_access.unavailable import BUSY, DatabaseUnavailable, unavailable
from domain.access import AccessDenied, SignInPolicy, require
from domain.activity import NewActivity
from domain.aging import AgingReport, Basis, Buckets
from domain.borrowing_base import LenderProfile
from domain.closing import check_report
from domain.credit_check import CreditCheckInput, CreditDecision
from domain.credit_terms import CreditTerms, FieldChange
from domain.filters import CustomerFilter
from domain.pack import LenderPack
from domain.policy import Policy
from domain.risk import BureauView
from reports.letters import letter_pdf


def database_url() -> str:
    return resolve_database_url()


def masked_database_url() -> str:
    return mask_url(database_url())


def _password(url: str) -> str:
    try:
        return make_url(url).password or ""
    except Exception:  # an unparsable URL fails on its own, with mask_url's words
        return ""


@contextmanager
def _available() -> Iterator[None]:
    """A driver error that means the database cannot be used (no connection, locked beyond the busy timeout, an
    unreadable file) becomes DatabaseUnavailable with the masked URL; nothing about it is cached, so the next rerun
    tries again. Every other error passes unchanged."""
    try:
        yield
    except Exception as exc:
        url = database_url()
        problem = unavailable(exc, mask_url(url), (_password(url),))
        if problem is None:
            raise
        raise problem from exc


@st.cache_resource(show_spinner="Preparing the database…")
def _ready(url: str) -> bool:
    """Migrate once per process; the default SQLite database gets the demo portfolio on first start."""
    ensure_ready(get_engine(url), seed_demo_if_new=url == default_url())
    return True


def engine():
    url = database_url()
    with _available():
        _ready(url)  # st.cache_resource keeps no exception: a failed start is tried again on the next rerun
    return get_engine(url)


def current_version() -> int:
    with _available(), engine().connect() as conn:
        return data_version(conn)


def _aging(conn, as_of, basis, edges, flt):
    return aging(conn, as_of, Basis(basis), Buckets(edges) if edges else None, flt)


def _trend(conn, as_of, flt, basis, edges):
    return views.month_end_trend(conn, as_of, flt, Basis(basis), Buckets(edges) if edges else None)


def _aging_view(conn, as_of, basis, edges, flt):
    return views.aging_view(conn, as_of, Basis(basis), Buckets(edges) if edges else None, flt)


_READERS = {
    "status": data_status,
    "policy": active_policy,
    "filter_options": views.filter_options,
    "freshness": views.freshness,
    "aging": _aging,
    "overview": views.overview,
    "trend": _trend,
    "aging_view": _aging_view,
    "search": views.search_customers,
    "customer": views.customer_detail,
    "payments": views.payment_history,
    "flows": views.monthly_flows,
    "reports": views.credit_reports,
    "events": views.company_events,
    "activities": views.activities,
}


@st.cache_data(ttl=3600, max_entries=256, show_spinner=False)
def _cached(url: str, version: int, reader: str, args: tuple):
    with get_engine(url).connect() as conn:
        return _READERS[reader](conn, *args)


def _read(reader: str, *args):
    with _available():
        return _cached(database_url(), current_version(), reader, args)


# --- readers ---------------------------------------------------------------------------------------


def status() -> DataStatus:
    return _read("status")


def policy() -> Policy:
    return _read("policy")


def filter_options() -> views.FilterOptions:
    return _read("filter_options")


def freshness() -> dict:
    return _read("freshness")


def aging_report(
    as_of: date, basis: str = "due", edges: tuple[int, ...] | None = None, flt: CustomerFilter | None = None
) -> AgingReport:
    return _read("aging", as_of, str(basis), edges, flt)


def overview(as_of: date, flt: CustomerFilter | None = None) -> views.Overview:
    return _read("overview", as_of, flt)


def month_end_trend(
    as_of: date, flt: CustomerFilter | None = None, basis: str = "due", edges: tuple[int, ...] | None = None
) -> tuple[Buckets, list[views.TrendPoint]]:
    return _read("trend", as_of, flt, str(basis), edges)


def aging_view(
    as_of: date, basis: str = "due", edges: tuple[int, ...] | None = None, flt: CustomerFilter | None = None
) -> views.AgingView:
    return _read("aging_view", as_of, str(basis), edges, flt)


def _own_customers() -> str | None:
    """The signed-in sales person's user name (sales reads only the customers it owns); None for other roles."""
    if session_user_id() is None:
        return None
    with _available(), engine().connect() as conn:
        account = _session_account(conn)
    return account.username if account is not None and account.role == "sales" else None


def _check_owner(conn, customer_id: int, account: user_store.Account | None) -> None:
    """A sales person may touch only the customers it owns (AccessDenied otherwise)."""
    if account is not None and account.role == "sales":
        owner = conn.execute(select(Customer.sales_owner).where(Customer.id == customer_id)).scalar()
        if owner != account.username:
            raise AccessDenied("open_customer", "sales")


def search_customers(text: str = "", limit: int = 50) -> list[views.CustomerHit]:
    return _read("search", text, limit, _own_customers())


def customer_detail(customer_id: int, as_of: date) -> views.CustomerDetail | None:
    """One customer as of a date; a sales person sees only the customers it owns (AccessDenied otherwise)."""
    if session_user_id() is not None:
        with _available(), engine().connect() as conn:
            _check_owner(conn, customer_id, _session_account(conn))
    return _read("customer", customer_id, as_of)


def payment_history(customer_id: int, as_of: date) -> list[views.PaidInvoice]:
    return _read("payments", customer_id, as_of)


def monthly_flows(customer_id: int, as_of: date) -> list[views.MonthFlow]:
    return _read("flows", customer_id, as_of)


def credit_reports(customer_id: int, as_of: date) -> list[views.CreditReportRow]:
    return _read("reports", customer_id, as_of)


def company_events(customer_id: int, as_of: date) -> list[views.EventRow]:
    return _read("events", customer_id, as_of)


def activities(customer_id: int) -> list[views.ActivityRow]:
    return _read("activities", customer_id)


# --- writes ----------------------------------------------------------------------------------------


# --- who is signed in (the session holds the account's id; its role is re-read from the database) ------------

SESSION_USER = "auth_user_id"


def session_user_id() -> int | None:
    uid = st.session_state.get(SESSION_USER)
    return None if uid is None else int(uid)


def sign_in_state() -> tuple[bool, user_store.Account | None, int, SignInPolicy]:
    """(sign-in required, the session's account while it is active, number of accounts, the sign-in rules): what
    every run of the app asks first, read in one connection and never cached."""
    uid = session_user_id()
    with _available(), engine().connect() as conn:
        count = user_store.user_count(conn)
        account = None if uid is None else user_store.active_account(conn, uid)
        return user_store.sign_in_required(conn, count), account, count, user_store.sign_in_policy(conn)


def _session_account(conn) -> user_store.Account | None:
    """The session's account as the database has it now (None: signed out, disabled or deleted)."""
    uid = session_user_id()
    return None if uid is None else user_store.active_account(conn, uid)


def _check(conn, action: str) -> user_store.Account | None:
    """The server-side permission check of every write, in the write's own transaction: the session's account
    (re-read, so a disabled account or a changed role counts at once) must be allowed to take `action`; returns it.
    Demo mode without accounts lets everyone act (and says so on every page)."""
    account = _session_account(conn)
    if account is None:
        if user_store.sign_in_required(conn):
            raise AccessDenied(action, None)
        return None
    require(account.role, action, account.acting_authority)
    return account


def _acting(account: user_store.Account | None) -> str | None:
    """The name the audit trail records for a write: the signed-in account's user name."""
    return None if account is None else account.username


def sign_in(username: str, password: str, now) -> user_store.Account:
    """Check the password; the failure count and lockout are committed even when the sign-in is refused."""
    with _available(), engine().connect() as conn:
        try:
            account = user_store.authenticate(conn, username, password, now)
        finally:
            conn.commit()
    st.session_state[SESSION_USER] = account.id
    return account


def sign_in_sso(email: str) -> user_store.Account | None:
    """Single sign-on (st.login): the identity's e-mail mapped to an active local account, or None."""
    with _available(), engine().connect() as conn:
        account = user_store.account_by_email(conn, email)
    if account is None or account.disabled:
        return None
    st.session_state[SESSION_USER] = account.id
    return account


def sign_out() -> None:
    st.session_state.pop(SESSION_USER, None)


def create_first_admin(username: str, password: str, display_name: str, email: str, now) -> user_store.Account:
    with _available(), engine().begin() as conn:
        account = user_store.add_first_admin(conn, username, password, display_name, email or None, now)
    st.session_state[SESSION_USER] = account.id
    st.cache_data.clear()
    return account


def accounts() -> list[user_store.Account]:
    with _available(), engine().connect() as conn:
        _check(conn, "manage_users")
        return user_store.accounts(conn)


def _by_session(fn):
    """A user-management change made by the signed-in account (`_write` has set it for the audit trail)."""

    def run(conn, *args, **kwargs):
        return fn(conn, *args, actor=audit_store.ACTOR.get() or "demo mode", **kwargs)

    return run


def add_user(username: str, **kwargs) -> user_store.Account:
    return _write("manage_users", _by_session(user_store.add_user), username, **kwargs)


def set_user_role(username: str, role: str, **kwargs) -> user_store.Account:
    return _write("manage_users", _by_session(user_store.set_role), username, role, **kwargs)


def disable_user(username: str, **kwargs) -> user_store.Account:
    return _write("manage_users", _by_session(user_store.disable_user), username, **kwargs)


def enable_user(username: str, **kwargs) -> user_store.Account:
    return _write("manage_users", _by_session(user_store.enable_user), username, **kwargs)


def set_user_password(username: str, password: str, **kwargs) -> user_store.Account:
    return _write("manage_users", _by_session(user_store.set_password), username, password, **kwargs)


def audit_entries(
    entity: str | None = None, actor: str | None = None, key: str | None = None, since=None, until=None
) -> list:
    """The audit trail, newest first (administrators only, checked here)."""
    with _available(), engine().connect() as conn:
        _check(conn, "read_audit")
        return audit_store.entries(conn, entity=entity, actor=actor, key=key, since=since, until=until)


WRITE_ATTEMPTS = 3


def _write(action: str, fn, *args, customer: int | None = None, **kwargs):
    """One user action in one transaction (an error rolls it back and writes nothing), then fresh reads. The
    signed-in user's role must allow `action` (domain.access.ACTIONS), whatever the page showed; with a
    `customer`, a sales person must own it.

    A write that finds the database busy is run again from the start, at most WRITE_ATTEMPTS times, when the refusal
    came at once (a PostgreSQL deadlock or serialization failure, a SQLite lock refused without waiting); after
    SQLite's busy timeout has been waited out it is not, and DatabaseUnavailable says so. Either way the failed
    attempt was rolled back whole."""
    wait = sqlite_busy_timeout(database_url())
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        started = time.monotonic()
        try:
            with _available(), engine().begin() as conn:
                account = _check(conn, action)
                token = audit_store.ACTOR.set(_acting(account))  # the audit trail names the signed-in account
                try:
                    if customer is not None:
                        _check_owner(conn, customer, account)
                    result = fn(conn, *args, **kwargs)
                finally:
                    audit_store.ACTOR.reset(token)
            break
        except DatabaseUnavailable as exc:
            waited_out = wait is not None and time.monotonic() - started >= 0.9 * wait
            if exc.kind != BUSY or waited_out or attempt == WRITE_ATTEMPTS:
                exc.write = True
                raise
    st.cache_data.clear()
    return result


def remove_demo() -> bool:
    return _write("remove_demo", remove_demo_data)


def add_activity(customer_id: int, activity: NewActivity) -> int:
    """Store a note, call or promise; raises domain.activity.ActivityError (nothing written) when invalid."""
    return _write("add_note", activity_store.add_activity, customer_id, activity, customer=customer_id)


# --- policy (pages/policy.py) ------------------------------------------------------------------------------------


_READERS.update(
    {
        "policy_history": policy_store.policy_history,
        "policy_at_version": policy_store.policy_at_version,
        "policy_version": policy_store.active_policy_version,
    }
)


def policy_history() -> list[policy_store.PolicyVersionRow]:
    """Every saved policy version, newest first (empty while the built-in defaults apply)."""
    return _read("policy_history")


def policy_at_version(version: int) -> Policy:
    """The policy as saved in `version`; LookupError when there is no such version."""
    return _read("policy_at_version", version)


def active_policy_version() -> int | None:
    return _read("policy_version")


def save_policy_version(policy: Policy, author: str, comment: str | None, based_on: int | None = None) -> int:
    """Store the policy as the next version; ValueError (no author), PolicyUnchanged or PolicyConflict (another
    version was saved after `based_on`), nothing written, else the new version number."""
    return _write("edit_policy", policy_store.save_policy_version, policy, author, comment, based_on)


def restore_policy_version(version: int, author: str, comment: str | None = None) -> int:
    """Store a copy of an old version as the next version; same refusals as save_policy_version."""
    return _write("edit_policy", policy_store.restore_policy, version, author, comment)


def policy_pdf(version: int | None, lang: str, company: str, base_currency: str) -> bytes:
    """The credit-policy PDF of a saved version (None: the built-in defaults) in "en" or "nb".

    Built when first asked for (a download button's deferred data) and then kept: a saved version never changes."""
    with _available():
        return _policy_pdf(database_url(), version, lang, company, base_currency)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _policy_pdf(url: str, version: int | None, lang: str, company: str, base_currency: str) -> bytes:
    from reports.policy_document import policy_document  # fpdf is loaded only when a PDF is asked for

    if version is None:
        policy, row = Policy(), None
    else:
        with get_engine(url).connect() as conn:
            policy = policy_store.policy_at_version(conn, version)
            row = policy_store.policy_version_row(conn, version)
    return policy_document(
        policy,
        version=version,
        author=row.author if row else None,
        saved_at=row.created_at if row else None,
        comment=row.comment if row else None,
        company=company,
        base_currency=base_currency,
        lang=lang,
    )


# --- credit check (pages/credit_check.py) ------------------------------------------------------------------------


def _bureau_report(conn, org_number: str, country: str, as_of: date) -> BureauView | None:
    return credit_check_store.latest_bureau_report(conn, org_number, country=country, as_of=as_of)


_READERS.update(
    {
        "cc_bureau_report": _bureau_report,
        "cc_history": credit_check_store.credit_check_history,
    }
)


def bureau_report(org_number: str, country: str, as_of: date) -> BureauView | None:
    """The newest imported credit report on or before `as_of` of a customer with this compact org number."""
    return _read("cc_bureau_report", org_number, country, as_of)


def credit_check_history(limit: int = 50) -> list[credit_check_store.CreditCheckRow]:
    return _read("cc_history", limit)


def run_credit_check(
    check: CreditCheckInput, *, author: str, customer_ref: str | None, currency: str, role: str
) -> tuple[CreditDecision, credit_check_store.CreditCheckRecord]:
    """Decide under the active policy and store the check (and the customer and its pending limit request when
    credit is granted and a customer ref is given) in one transaction; ValueError or MissingFxRate, nothing
    written, when anything is wrong."""
    return _write(
        "credit_check",
        credit_check_store.run_credit_check,
        check,
        author=author,
        customer_ref=customer_ref,
        currency=currency,
        role=role,
    )


# --- risk, limits and terms (pages/customers.py, pages/portfolio.py) ---------------------------------------------


def _customer_limit_requests(conn, customer_id: int):
    return limit_store.limit_requests(conn, customer_id=customer_id)


def _customer_alerts(conn, customer_id: int):
    return monitor_store.alerts(conn, customer_id=customer_id)


_READERS.update(
    {
        "risk_overview": risk_store.risk_overview,
        "customer_risk": risk_store.customer_risk,
        "customer_changes": limit_store.change_log,
        "customer_terms": limit_store.credit_terms,
        "customer_limit_requests": _customer_limit_requests,
        "customer_alerts": _customer_alerts,
    }
)


def risk_overview(as_of: date, flt: CustomerFilter | None = None) -> risk_store.RiskOverview:
    return _read("risk_overview", as_of, flt)


def customer_risk(customer_id: int, as_of: date) -> risk_store.CustomerRisk | None:
    return _read("customer_risk", customer_id, as_of)


def customer_changes(customer_id: int) -> list[limit_store.ChangeRow]:
    return _read("customer_changes", customer_id)


def customer_terms(customer_id: int) -> CreditTerms:
    return _read("customer_terms", customer_id)


def customer_limit_requests(customer_id: int) -> list[limit_store.LimitRequestRow]:
    return _read("customer_limit_requests", customer_id)


def customer_alerts(customer_id: int) -> list[monitor_store.AlertRow]:
    return _read("customer_alerts", customer_id)


def save_credit_terms(
    customer_id: int,
    terms: CreditTerms,
    *,
    reason: str,
    author: str,
    effective_on: date,
    base: CreditTerms | None = None,
) -> list[FieldChange]:
    """Store a direct edit; CreditTermsError (nothing written) when it breaks a rule or when the customer changed
    since `base` (what the editor started from) was read."""
    return _write(
        "edit_customer",
        limit_store.update_credit_terms,
        customer_id,
        terms,
        reason=reason,
        author=author,
        effective_on=effective_on,
        base=base,
    )


def submit_limit_request(
    customer_id: int,
    amount,
    *,
    reason: str,
    requested_by: str,
    requested_role: str,
    requested_on: date,
    scope: str = "customer",
) -> int:
    return _write(
        "request_limit",
        limit_store.request_limit,
        customer_id,
        amount,
        reason=reason,
        requested_by=requested_by,
        requested_role=requested_role,
        requested_on=requested_on,
        scope=scope,
        customer=customer_id,
    )


# --- alerts (pages/alerts.py) ----------------------------------------------------------------------------------


def _alerts(conn, statuses, types, severities, assignee):
    return monitor_store.alerts(conn, statuses=statuses, types=types, severities=severities, assignee=assignee)


def _limit_requests(conn, status):
    return limit_store.limit_requests(conn, status=status)


_READERS.update({"alerts": _alerts, "alert_log": monitor_store.alert_log, "limit_requests": _limit_requests})


def alerts(
    statuses: tuple[str, ...] = ("open", "acknowledged"),
    types: tuple[str, ...] = (),
    severities: tuple[str, ...] = (),
    assignee: str | None = None,
) -> list[monitor_store.AlertRow]:
    """The inbox, most severe first; empty tuples mean every status/type/severity, assignee "" the unassigned."""
    return _read("alerts", tuple(statuses), tuple(types), tuple(severities), assignee)


def alert_log(alert_id: int) -> list[monitor_store.AlertLogRow]:
    return _read("alert_log", alert_id)


def limit_requests(status: str | None = None) -> list[limit_store.LimitRequestRow]:
    """Limit requests of every customer (newest first), optionally of one status ("pending")."""
    return _read("limit_requests", status)


def run_monitor(as_of: date) -> monitor_store.MonitorResult:
    return _write("run_monitor", monitor_store.run_monitor, as_of)


def acknowledge_alert(alert_id: int, author: str) -> None:
    _write("work_alerts", monitor_store.acknowledge, alert_id, author)


def assign_alert(alert_id: int, assignee: str | None, author: str) -> None:
    _write("work_alerts", monitor_store.assign, alert_id, assignee, author)


def comment_alert(alert_id: int, body: str, author: str) -> None:
    _write("work_alerts", monitor_store.comment, alert_id, body, author)


def close_alert(alert_id: int, author: str, resolution: str) -> None:
    _write("work_alerts", monitor_store.close, alert_id, author, resolution)


def apply_recommendation(alert_id: int, author: str, as_of: date) -> list:
    """Carry out the alert's recommendation on the customer (a recorded change) and acknowledge the alert."""
    return _write("work_alerts", monitor_store.apply_recommendation, alert_id, author, as_of)


def approve_limit_request(
    request_id: int, *, approver: str, approver_role: str, decided_on: date, comment: str = ""
) -> date:
    """Grant a pending request; ApprovalError (self-approval, role too low) or CreditTermsError, nothing written."""
    return _write(
        "decide_limit",
        limit_store.approve_limit_request,
        request_id,
        approver=approver,
        approver_role=approver_role,
        decided_on=decided_on,
        comment=comment,
    )


def reject_limit_request(
    request_id: int, *, decided_by: str, decided_role: str, decided_on: date, comment: str
) -> None:
    """Reject (an approver) or withdraw (the requester) a pending request; a reason is required."""
    _write(
        "reject_limit",
        limit_store.reject_limit_request,
        request_id,
        decided_by=decided_by,
        decided_role=decided_role,
        decided_on=decided_on,
        comment=comment,
    )


# --- changes for the ERP (pages/alerts.py) -----------------------------------------------------------------------

_READERS.update({"erp_changes_csv": limit_store.erp_changes_csv})


def erp_changes_csv(since: date) -> tuple[str, int]:
    """The CSV of `python cli.py erp-changes --since` and its number of customers."""
    return _read("erp_changes_csv", since)


# --- dunning status from the ERP or a collection agency (pages/customers.py) -------------------------------------


_READERS.update({"dunning_status_by_invoice": dunning_status_store.dunning_status_by_invoice})


def dunning_status_by_invoice(customer_id: int) -> dict[str, dunning_status_store.DunningStatusRow]:
    """The imported reminder level and collection status of the customer's invoices, keyed by invoice number."""
    return _read("dunning_status_by_invoice", customer_id)


# --- collections (pages/collections.py) ---------------------------------------------------------------------------


def _letter(conn, customer_id: int, as_of: date, lang: str) -> bytes:
    return letter_pdf(collection_store.letter_data(conn, customer_id, as_of), lang)


_READERS.update(
    {
        "worklist": collection_store.worklist,
        "disputes": collection_store.disputes,
        "plans": collection_store.plans,
        "letter": _letter,
    }
)


def worklist(as_of: date) -> list:
    return _read("worklist", as_of)


def disputes() -> list:
    return _read("disputes")


def payment_plans(as_of: date) -> list:
    return _read("plans", as_of)


def collection_letter(customer_id: int, as_of: date, lang: str) -> bytes:
    return _read("letter", customer_id, as_of, lang)


def mark_step_sent(customer_id: int, **kwargs) -> int:
    return _write("collections", collection_store.mark_step_sent, customer_id, **kwargs)


def pause_customer(customer_id: int, **kwargs) -> int:
    return _write("collections", collection_store.pause_customer, customer_id, **kwargs)


def open_dispute(invoice_number: str, amount, **kwargs) -> int:
    return _write("collections", collection_store.open_dispute, invoice_number, amount, **kwargs)


def create_equal_plan(
    customer_id: int,
    invoice_numbers: list[str],
    count: int,
    first: date,
    every_days: int,
    *,
    agreed_on: date,
    reason: str,
    author: str,
) -> int:
    """A plan of `count` equal instalments for the invoices' open amount as of the agreement date."""

    return _write(
        "collections",
        collection_store.create_equal_plan,
        customer_id,
        invoice_numbers,
        count,
        first,
        every_days,
        agreed_on=agreed_on,
        reason=reason,
        author=author,
    )


_READERS.update(
    {"unapplied": collection_store.unapplied_documents, "cash_applications": collection_store.cash_applications}
)


def unapplied_documents(customer_id: int, as_of: date) -> list:
    return _read("unapplied", customer_id, as_of)


def cash_applications(customer_id: int) -> list:
    return _read("cash_applications", customer_id)


def apply_cash(**kwargs) -> int:
    return _write("collections", collection_store.apply_cash, **kwargs)


def reverse_cash_application(application_id: int, **kwargs) -> None:
    return _write("collections", collection_store.reverse_cash_application, application_id, **kwargs)


def resolve_dispute(dispute_id: int, **kwargs) -> None:
    return _write("collections", collection_store.resolve_dispute, dispute_id, **kwargs)


_READERS.update({"promises": collection_store.promises})


def promises(as_of: date) -> list:
    """Promises to pay made on or before as_of, with kept / broken / pending from the payments."""
    return _read("promises", as_of)


# --- month-end close, lender pack, credit memo (pages/reports.py, pages/customers.py) ---------------------------


def _pack(conn, period: str):
    """The period's pack: frozen when closed, else a draft from the ledger as known at this data version."""
    return close_store.pack_for(conn, period, prepared_by="", now=utcnow())


_READERS.update(
    {
        "closes": close_store.closes,
        "report_log": close_store.report_log,
        "lender_profiles": borrowing_store.lender_profiles,
        "lender_profile_history": borrowing_store.lender_profile_history,
        "pack": _pack,
        "contra": borrowing_store.contra_amounts,
        "control_total": borrowing_store.control_total,
        "control_checks": borrowing_store.control_checks,
        "control_differences": control_store.control_differences,
    }
)


def closes() -> list[close_store.CloseRow]:
    return _read("closes")


def report_log() -> list[close_store.ReportLogRow]:
    return _read("report_log")


def lender_profiles() -> list[LenderProfile]:
    return _read("lender_profiles")


def lender_profile_history(name: str) -> list[borrowing_store.LenderProfileRow]:
    return _read("lender_profile_history", name)


def lender_pack(period: str) -> LenderPack:
    """The pack's data (frozen for a closed period); MissingFxRate / CloseError when it cannot be built."""
    return _read("pack", period)


def contra_amounts(as_of: date) -> dict:
    return _read("contra", as_of)


def control_total(as_of: date):
    return _read("control_total", as_of)


def control_checks() -> list:
    """The ERP's control totals against our open AR on the same dates, newest first."""
    return _read("control_checks")


def control_differences(as_of: date):
    """The date's control total by customer against our open AR by customer (domain.control_totals.Reconciliation),
    or None when the date has no control total by customer."""
    return _read("control_differences", as_of)


def close_period(period: str, *, closed_by: str, now) -> int:
    return _write("close_period", close_store.close_period, period, closed_by=closed_by, now=now)


def reopen_period(period: str, *, user: str, role: str, reason: str, now) -> None:
    return _write("reopen_period", close_store.reopen_period, period, user=user, role=role, reason=reason, now=now)


def save_lender_profile(profile: LenderProfile, author: str, comment: str | None = None) -> int:
    return _write("lender_data", borrowing_store.save_lender_profile, profile, author, comment)


def retire_lender_profile(name: str, author: str) -> int:
    return _write("lender_data", borrowing_store.retire_lender_profile, name, author)


def set_contra(customer_ref: str, amount, as_of: date, author: str, note: str | None = None) -> None:
    return _write("lender_data", borrowing_store.set_contra, customer_ref, amount, as_of, author, note)


def add_control_total(as_of: date, amount, source: str, author: str) -> None:
    return _write("lender_data", borrowing_store.add_control_total, as_of, amount, source, author)


def produce_lender_pack(period: str, *, lender: str | None, lang: str, recipient: str, author: str, now) -> tuple:
    """The pack's PDF and Excel workbook for a recipient, both logged with their SHA-256; (pdf, xlsx)."""
    from reports.lender_pack import render_lender_pack
    from reports.lender_xlsx import lender_workbook

    recipient = check_report("lender_pack", recipient)  # refused before anything is built or logged
    pack = lender_pack(period)
    if not pack.closed:  # a draft is prepared by whoever produces it; a closed pack keeps its sign-off
        pack = replace(pack, prepared_by=author)
    close_store.certificate_of(pack, lender)
    pdf = render_lender_pack(pack, lender=lender, lang=lang)
    book = lender_workbook(pack, lender=lender)

    def log(conn):
        for report, data in (("lender_pack", pdf), ("lender_workbook", book)):
            close_store.log_report(
                conn,
                report=report,
                data=data,
                as_of=pack.period_end,
                recipient=recipient,
                author=author,
                now=now,
                lang=lang,
                period=period,
                lender=lender,
            )

    _write("produce_report", log)
    return pdf, book


def credit_memo_pdf(customer_id: int, as_of: date, lang: str) -> bytes:
    """The customer's credit memo (built on the click, kept for this data version)."""
    with _available():
        return _credit_memo_pdf(database_url(), current_version(), customer_id, as_of, lang)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _credit_memo_pdf(url: str, version: int, customer_id: int, as_of: date, lang: str) -> bytes:
    from data_access.memo import credit_memo
    from reports.credit_memo import render_credit_memo

    with get_engine(url).connect() as conn:
        memo = credit_memo(conn, customer_id, as_of, generated_at=utcnow().replace(microsecond=0))
    if memo is None:
        raise LookupError(f"there is no customer with id {customer_id}")
    return render_credit_memo(memo, lang=lang)


def credit_memo_download(customer_id: int, customer_ref: str, as_of: date, lang: str, author: str) -> bytes:
    """The credit memo PDF for a download from the customer page, logged (who, when, the file's SHA-256)."""
    pdf = credit_memo_pdf(customer_id, as_of, lang)

    def log(conn):
        close_store.log_report(
            conn,
            report="credit_memo",
            data=pdf,
            as_of=as_of,
            recipient="download",
            author=author or "unknown",
            now=utcnow(),
            lang=lang,
            customer_ref=customer_ref,
        )

    _write("credit_memo", log, customer=customer_id)
    return pdf


# --- import wizard (pages/data_import.py) -------------------------------------------------------------------


def prepare_import(kind: str, data: bytes, mapping=None, dialect=None) -> ingest_store.Prepared:
    """How the file reads (no database): detected or given dialect and mapping, and its first rows as they will
    be stored. ImportFailed with row errors when dates do not parse or required columns are missing."""
    return ingest_store.prepare(kind, data, mapping, dialect)


def file_headers(data: bytes, encoding: str, delimiter: str) -> list[str]:
    """The header row of an uploaded file read with the chosen encoding and separator."""
    return ingest_store.headers(data, encoding, delimiter)


def detect_import(kind: str, data: bytes, chosen=None) -> ingest_store.Detected:
    """The guessed dialect and mapping of a file (a preset's when given), and its headers."""
    return ingest_store.detect(kind, data, chosen)


def file_table(data: bytes, file_name: str, sheet: str | None = None) -> bytes:
    """An uploaded file as CSV bytes: an Excel workbook's chosen (or first) sheet, else the file as it is."""
    return ingest_store.as_csv(data, file_name, sheet)


def sheet_names(data: bytes, file_name: str) -> list[str]:
    return ingest_store.sheet_names(data, file_name)


def import_presets() -> dict:
    with _available(), engine().connect() as conn:
        return ingest_store.presets(conn)


def import_preset(name: str, mapping, dialect) -> ingest_store.Preset:
    return ingest_store.Preset(name, mapping, dialect)


def save_import_preset(preset: ingest_store.Preset) -> None:
    return _write("import", ingest_store.save_preset, preset)


def run_import(
    kind: str,
    data: bytes,
    file_name: str,
    *,
    mapping,
    dialect,
    create_customers: bool,
    dry_run: bool,
    author: str | None = None,
    as_of: date | None = None,
    source: str | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> tuple:
    """Validate (dry run: rolled back, nothing written) or import the file in one transaction, chunk by chunk;
    `progress` gets a data_access.imports.Progress after every chunk (its `fraction` feeds st.progress). `as_of`
    dates an open-items snapshot or a control-totals file without a date column; `source` names a control total's
    origin."""
    try:
        with _available(), engine().connect() as conn:
            with conn.begin() as tx:
                token = audit_store.ACTOR.set(_acting(_check(conn, "import")))
                try:
                    result, prepared = ingest_store.import_export(
                        conn,
                        kind,
                        io.BytesIO(data),
                        file_name,
                        mapping=mapping,
                        dialect=dialect,
                        create_customers=create_customers,
                        progress=progress,
                        author=author,
                        as_of=as_of,
                        source=source,
                    )
                except ImportFailed as exc:
                    tx.rollback()
                    if not dry_run:
                        with engine().begin() as log_conn:
                            log_failed_import(log_conn, kind, data, file_name, exc, utcnow(), author=author)
                    raise
                finally:
                    audit_store.ACTOR.reset(token)
                if dry_run:
                    tx.rollback()
    except DatabaseUnavailable as exc:
        exc.write = not dry_run  # the import's one transaction was rolled back whole
        raise
    if not dry_run:
        st.cache_data.clear()
    return result, prepared


_READERS.update({"import_log": import_log_of})


def import_log(limit: int = 50) -> tuple:
    """The import log, newest first (data_access.status.ImportEntry)."""
    return _read("import_log", limit)


def undo_import(import_id: int, author: str):
    """Undo an import and its companions in one transaction; raises import_journal.UndoRefused (nothing changed)."""
    return _write("undo_import", import_journal.undo_import, import_id, author)


# --- the Norwegian register (customer page) -------------------------------------------------------------------


def check_register(customer_id: int, today: date):
    """Fetch the customer's unit (and roles) from Enhetsregisteret now; its events go to the customer's events.
    The API is $KREDITTVAKT_BRREG_URL or the public one."""
    import os

    from connectors.brreg import DEFAULT_BASE_URL, BrregClient
    from data_access.brreg import sync_customer

    client = BrregClient(os.environ.get("KREDITTVAKT_BRREG_URL") or DEFAULT_BASE_URL)
    return _write("check_register", sync_customer, customer_id, client, today)
