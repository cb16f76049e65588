"""Sign-in, roles and the audit trail of accounts: the role x page and role x action matrices, argon2 passwords,
the failed-sign-in lockout, the idle timeout, demo mode without sign-in, and the append-only audit rows (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from apptest import run_page, test_account
from ledger import load, ready_engine
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from data_access.schema import Activity, AuditEntry, Customer, User
from data_access.users import (
    SignInError,
    account,
    add_first_admin,
    add_user,
    authenticate,
    disable_user,
    enable_user,
    set_role,
    sign_in_required,
)
from domain.access import (
    ACTIONS,
    PAGES,
    ROLES,
    AccessDenied,
    AccountError,
    SignInPolicy,
    idle_expired,
    locked_until,
    may,
    may_open,
    normalise_username,
    require,
)

T0 = datetime(2026, 12, 6, 9, 0)
PW = "correct horse battery"

# --- the matrices, as the issue states them ------------------------------------------------------------------------

# page -> the roles that see it in the navigation
EXPECTED_PAGES = {
    "portfolio": {"viewer", "credit_manager", "admin"},
    "aging": {"viewer", "credit_manager", "admin"},
    "customers": {"viewer", "sales", "credit_manager", "admin"},
    "alerts": {"viewer", "credit_manager", "admin"},
    "collections": {"viewer", "credit_manager", "admin"},
    "credit_check": {"credit_manager", "admin"},
    "reports": {"viewer", "credit_manager", "admin"},
    "policy": {"viewer", "credit_manager", "admin"},
    "data_import": {"admin"},
    "data_status": {"viewer", "credit_manager", "admin"},
    "users": {"admin"},
    "audit": {"admin"},
}
# action -> roles allowed (without any decision authority)
EXPECTED_ACTIONS = {
    "add_note": {"sales", "credit_manager", "admin"},
    "request_limit": {"sales", "credit_manager", "admin"},
    "edit_customer": {"credit_manager", "admin"},
    "decide_limit": {"credit_manager", "admin"},
    "reject_limit": {"sales", "credit_manager", "admin"},
    "work_alerts": {"credit_manager", "admin"},
    "run_monitor": {"credit_manager", "admin"},
    "collections": {"credit_manager", "admin"},
    "credit_check": {"credit_manager", "admin"},
    "check_register": {"credit_manager", "admin"},
    "produce_report": {"viewer", "credit_manager", "admin"},
    "credit_memo": {"viewer", "sales", "credit_manager", "admin"},
    "edit_policy": {"admin"},
    "import": {"admin"},
    "undo_import": {"admin"},
    "remove_demo": {"admin"},
    "manage_users": {"admin"},
    "read_audit": {"admin"},
    "connectors": {"admin"},
    "close_period": {"admin"},
    "reopen_period": {"admin"},
    "lender_data": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(EXPECTED_PAGES))
def test_role_by_page(role, page):
    assert may_open(role, page) is (role in EXPECTED_PAGES[page])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(EXPECTED_ACTIONS))
def test_role_by_action(role, action):
    allowed = role in EXPECTED_ACTIONS[action]
    assert may(role, action) is allowed
    if allowed:
        require(role, action)
    else:
        with pytest.raises(AccessDenied, match=f"your role \\({role}\\) may not {action.replace('_', ' ')}"):
            require(role, action)


def test_the_matrices_cover_every_page_file_and_action():
    from pathlib import Path

    from components.frame import ACTION_NAMES

    pages = {p.stem for p in (Path(__file__).resolve().parents[1] / "pages").glob("*.py")} - {"sign_in"}
    assert set(PAGES) == pages == set(EXPECTED_PAGES)
    assert set(ACTIONS) == set(EXPECTED_ACTIONS)
    assert set(ACTIONS) <= set(ACTION_NAMES)  # every refusal can be said in words


def test_decision_authority_grants_only_its_own_decisions():
    # a CFO reads as a viewer but approves large limits and may reopen a close (the policy's own rules then apply)
    assert may("viewer", "decide_limit", "cfo") and may("viewer", "reopen_period", "cfo")
    assert not may("viewer", "decide_limit", "sales") and not may("viewer", "reopen_period", "board")
    assert not may("viewer", "edit_customer", "cfo") and not may("viewer", "import", "board")
    with pytest.raises(KeyError):
        may("admin", "fly")


def test_lockout_and_idle_rules():
    p = SignInPolicy(max_failures=3, lockout_minutes=10, idle_minutes=30)
    assert locked_until(2, T0, p) is None
    assert locked_until(3, T0, p) == T0 + timedelta(minutes=10)
    assert locked_until(7, T0, p) == T0 + timedelta(minutes=10)  # each failure while locked moves it on
    assert not idle_expired(None, T0, p)
    assert not idle_expired(T0, T0 + timedelta(minutes=30), p)
    assert idle_expired(T0, T0 + timedelta(minutes=30, seconds=1), p)
    with pytest.raises(ValueError, match="idle_minutes must be at least 1"):
        SignInPolicy(idle_minutes=0)


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("Kari.Nordmann ", None),
        ("k", "not a valid user name"),
        ("kari nordmann", "not a valid user name"),
        ("", "'' is not a valid"),
    ],
)
def test_user_names(given, problem):
    if problem is None:
        assert normalise_username(given) == "kari.nordmann"
    else:
        with pytest.raises(AccountError, match=problem):
            normalise_username(given)


# --- accounts in the database --------------------------------------------------------------------------------------


def audit_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_key)).all()


def test_accounts_hash_passwords_with_argon2_and_lock_after_five_failures(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        add_user(conn, "Kari", role="credit_manager", password=PW, display_name="Kari N", actor="cli", now=T0)
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PW not in stored

    def attempt(password, at, name="kari"):
        with e.connect() as conn:
            try:
                return authenticate(conn, name, password, at)
            finally:
                conn.commit()

    for i in range(4):
        with pytest.raises(SignInError, match=r"^wrong user name or password$"):
            attempt("wrong", T0 + timedelta(seconds=i))
    with pytest.raises(SignInError, match="locked until 09:15") as exc:
        attempt("wrong", T0 + timedelta(seconds=4))  # the fifth failure in a row locks for 15 minutes
    assert exc.value.code == "locked"
    with pytest.raises(SignInError, match="locked until 09:15"):
        attempt(PW, T0 + timedelta(minutes=14))  # even the right password, while locked
    ok = attempt(PW, T0 + timedelta(minutes=15, seconds=5))
    assert (ok.username, ok.role, ok.acting_authority, ok.failed_attempts) == (
        "kari",
        "credit_manager",
        "credit_manager",
        0,
    )
    assert ok.last_login_at == T0 + timedelta(minutes=15, seconds=5)
    # an unknown name gets the same answer as a wrong password
    with pytest.raises(SignInError, match=r"^wrong user name or password$"):
        attempt(PW, T0, "karin")
    assert ("kari", "locked", "kari") in audit_rows(e)


def test_disabled_accounts_cannot_sign_in_and_the_last_admin_stays(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        add_first_admin(conn, "root", PW, "Root", None, T0)
        with pytest.raises(AccountError, match="an administrator exists already"):
            add_first_admin(conn, "root2", PW, None, None, T0)
        add_user(conn, "ola", role="sales", password=PW, actor="root", now=T0)
        with pytest.raises(AccountError, match="last active administrator"):
            disable_user(conn, "root", actor="root", now=T0)
        with pytest.raises(AccountError, match="last active administrator"):
            set_role(conn, "root", "viewer", actor="root", now=T0)
        with pytest.raises(AccountError, match="there is already a user named 'ola'"):
            add_user(conn, "OLA", role="viewer", password=PW, actor="root", now=T0)
        with pytest.raises(AccountError, match="at least 12 characters"):
            add_user(conn, "per", role="viewer", password="short", actor="root", now=T0)
        with pytest.raises(AccountError, match="unknown role 'boss'"):
            add_user(conn, "per", role="boss", password=PW, actor="root", now=T0)
        disable_user(conn, "ola", actor="root", now=T0)
    with e.connect() as conn, pytest.raises(SignInError, match="disabled"):
        authenticate(conn, "ola", PW, T0)
    with e.begin() as conn:
        enable_user(conn, "ola", actor="root", now=T0)
        set_role(conn, "ola", "viewer", authority="cfo", actor="root", now=T0)
        assert account(conn, "ola").acting_authority == "cfo"
    assert [(a, act) for a, act, _k in audit_rows(e)] == [
        ("first run", "create"),
        ("root", "create"),
        ("root", "disable"),
        ("root", "enable"),
        ("root", "set_role"),
    ]


def test_audit_rows_are_append_only_in_the_database(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        add_user(conn, "kari", role="admin", password=PW, actor="cli", now=T0)
    for stmt in (update(AuditEntry).values(actor="someone else"), delete(AuditEntry)):
        with pytest.raises(DBAPIError, match="audit rows are append-only"), e.begin() as conn:
            conn.execute(stmt)
    if e.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="audit rows are append-only"), e.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    assert audit_rows(e) == [("cli", "create", "kari")]


def test_demo_mode_runs_without_sign_in_until_the_first_user(db_url):
    from data_access.demo import DemoSpec, seed_demo

    e = ready_engine(db_url)
    with e.begin() as conn:
        assert sign_in_required(conn)  # an empty, live database
        seed_demo(conn, DemoSpec(customers=3, seed=1))
        assert not sign_in_required(conn)
        add_user(conn, "kari", role="admin", password=PW, actor="cli", now=T0)
        assert sign_in_required(conn)


# --- the app: navigation, sign-in and server-side checks -----------------------------------------------------------


@pytest.fixture
def live_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path}/live.db"
    e = ready_engine(url)
    load(e, customers=[("C1", "Fjord Handel AS", "NO", "NOK"), ("C2", "Vik Bygg AS", "NO", "NOK")])
    with e.begin() as conn:
        conn.execute(update(Customer).where(Customer.customer_ref == "C1").values(sales_owner="ola.sales.sales"))
    e.dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def test_a_live_database_shows_only_the_sign_in_page(live_url):
    import streamlit as st
    from apptest import APP
    from streamlit.testing.v1 import AppTest

    test_account("Kari", role="viewer")
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert [t.value for t in at.title] == ["Sign in to Kredittvakt"]
    at.text_input(key="sign_in_user").input("kari.viewer.none")
    at.text_input(key="sign_in_password").input("wrong password!")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    at.text_input(key="sign_in_password").input(PW)
    at.button[0].click().run()
    assert not at.exception
    assert any("Signed in as Kari (Viewer)" in c.value for c in at.sidebar.caption)
    assert at.title[0].value == "Portfolio"
    at.sidebar.button(key="sign_out").click().run()
    assert [t.value for t in at.title] == ["Sign in to Kredittvakt"]


def customer_id(url: str, ref: str) -> int:
    e = ready_engine(url)
    with e.connect() as conn:
        found = conn.execute(select(Customer.id).where(Customer.customer_ref == ref)).scalar_one()
    e.dispose()
    return found


def note_count(url: str) -> int:
    e = ready_engine(url)
    with e.connect() as conn:
        n = len(conn.execute(select(Activity.id)).all())
    e.dispose()
    return n


def add_note_on_page(at) -> None:
    at.segmented_control(key="act_kind").set_value("note").run()
    at.text_area(key="act_text").input("Called the CFO")
    at.text_input(key="act_author").input("Someone")
    at.form_submit_button[-1].click().run()


def test_a_viewer_reads_but_a_hidden_button_is_no_permission(live_url):
    # the note form is on the customer page; the server refuses a viewer's note whatever the page showed
    at = run_page("pages/customers.py", role="viewer", user_name="Vera", customer_id=customer_id(live_url, "C2"))
    assert not at.exception, [e.value for e in at.exception]
    add_note_on_page(at)
    assert not at.exception
    assert "Not allowed: your role may not add notes. Nothing was changed." in [e.value for e in at.error]
    assert note_count(live_url) == 0
    # a credit manager may
    at = run_page(
        "pages/customers.py", role="credit_manager", user_name="Carl", customer_id=customer_id(live_url, "C2")
    )
    add_note_on_page(at)
    assert not at.error and note_count(live_url) == 1


def test_sales_reads_only_its_customers(live_url):
    from data_access import cache

    own, other = customer_id(live_url, "C1"), customer_id(live_url, "C2")
    at = run_page("pages/customers.py", role="sales", user_name="Ola", user_role="sales", customer_id=own)
    assert not at.exception, [e.value for e in at.exception]
    assert any("Fjord Handel AS" in t.value for t in [*at.title, *at.header, *at.subheader])
    # the search offers only its own customers
    assert [h.ref for h in _as(at, cache.search_customers, "")] == ["C1"]
    # another's customer, even by its id, is refused
    at = run_page("pages/customers.py", role="sales", user_name="Ola", user_role="sales", customer_id=other)
    assert "Not allowed: your role may not open customers that others own. Nothing was changed." in [
        e.value for e in at.error
    ]
    assert not any("Vik Bygg AS" in t.value for t in [*at.title, *at.header, *at.subheader])


def _as(at, fn, *args):
    """Call a cache function in the AppTest session's identity (its session state)."""
    import streamlit as st

    saved = dict(st.session_state)
    try:
        st.session_state["auth_user_id"] = at.session_state["auth_user_id"]
        return fn(*args)
    finally:
        st.session_state.clear()
        st.session_state.update(saved)


def test_users_page_adds_a_user_and_refuses_non_admins(live_url):
    at = run_page("pages/users.py", role="admin", user_name="Root")
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="new_username").input("Per")
    at.selectbox(key="new_role").set_value("credit_manager")
    at.text_input(key="new_password").input(PW)
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["User per added."]
    e = ready_engine(live_url)
    with e.connect() as conn:
        assert account(conn, "per").role == "credit_manager"
    assert ("root.admin.none", "create", "per") in audit_rows(e)  # the signed-in account, not a typed name
    e.dispose()
    with pytest.raises(ValueError, match=r"Could not find a navigation page for '.*pages/users.py'"):
        run_page("pages/users.py", role="credit_manager", user_name="Carl")


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_pages_in_the_app(live_url, role):
    """The navigation of a signed-in session registers only the pages its role may open; each of those renders."""
    for page, roles in sorted(EXPECTED_PAGES.items()):
        path = f"pages/{page}.py"
        if role in roles:
            at = run_page(path, role=role, user_name=f"{role} user", customer_id=customer_id(live_url, "C1"))
            assert not at.exception, (page, [e.value for e in at.exception])
            assert at.title, page
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                run_page(path, role=role, user_name=f"{role} user")


# --- the audit trail of changes ------------------------------------------------------------------------------------


def test_every_kind_of_change_leaves_an_audit_row_with_before_and_after(db_url):
    """Customers (limit, terms), limit requests, policy versions, alert actions, imports (done, refused, undone)
    and users each append a row naming who, what and the values before and after."""
    import dataclasses
    import json
    from datetime import date
    from decimal import Decimal as D

    from ledger import INVOICE_HEADER, csv_bytes

    from data_access import limits, monitor
    from data_access.audit import entries
    from data_access.import_journal import undo_import
    from data_access.imports import ImportFailed, import_file, log_failed_import
    from data_access.ledger import active_policy, utcnow
    from data_access.policy_store import save_policy_version
    from data_access.schema import Alert

    e = ready_engine(db_url)
    load(
        e,
        customers=[("K1", "Nord AS", "NO", "NOK", 30, "10000.00")],
        invoices=[("INV1", "K1", "2026-06-01", "2026-07-01", "12000.00", "NOK")],
    )
    day = date(2026, 10, 30)
    with e.begin() as conn:
        k1 = conn.execute(select(Customer.id).where(Customer.customer_ref == "K1")).scalar_one()
        terms = dataclasses.replace(limits.credit_terms(conn, k1), credit_limit=D("8000.00"), payment_terms_days=14)
        limits.update_credit_terms(conn, k1, terms, reason="late payer", author="kari", effective_on=day)
        rid = limits.request_limit(
            conn, k1, D("9000.00"), reason="season", requested_by="ola", requested_role="sales", requested_on=day
        )
        limits.approve_limit_request(conn, rid, approver="kari", approver_role="credit_manager", decided_on=day)
        policy = active_policy(conn)
        version = save_policy_version(
            conn, dataclasses.replace(policy, ledger_freshness_days=policy.ledger_freshness_days + 1), "admin", "x"
        )
        monitor.run_monitor(conn, day)
        alert_id = conn.execute(select(Alert.id).order_by(Alert.id).limit(1)).scalar_one()
        monitor.acknowledge(conn, alert_id, "kari")
        add_user(conn, "per", role="viewer", password=PW, actor="admin", now=T0)
    bad = csv_bytes(INVOICE_HEADER, [("X1", "NOPE", "2026-01-01", "2026-01-31", "5.00", "NOK", "", "")])
    with pytest.raises(ImportFailed) as refused, e.begin() as conn:
        import_file(conn, "invoices", bad, "bad.csv", None, "ola")
    with e.begin() as conn:
        log_failed_import(conn, "invoices", bad, "bad.csv", refused.value, utcnow(), author="ola")
    good = csv_bytes(INVOICE_HEADER, [("INV2", "K1", "2026-10-01", "2026-10-31", "100.00", "NOK", "", "")])
    with e.begin() as conn:
        number = import_file(conn, "invoices", good, "more.csv", None, "ola").import_id
        undo_import(conn, number, "admin")

    with e.connect() as conn:
        rows = list(reversed(entries(conn)))
    trail = [(r.actor, r.action, r.entity, r.key) for r in rows]
    loaded = [t for t in trail if t[2] == "import"][:2]  # the fixture's customers and invoices files
    assert loaded == [("unknown", "import", "import", "1"), ("unknown", "import", "import", "2")]  # no --by given
    assert trail[2:] == [
        ("kari", "edit", "customer", "K1"),
        ("ola", "request", "limit_request", str(rid)),
        ("kari", "approved", "limit_request", str(rid)),
        ("kari", "limit_approval", "customer", "K1"),
        ("admin", "save", "policy", str(version)),
        ("kari", "acknowledged", "alert", str(alert_id)),
        ("admin", "create", "user", "per"),
        ("ola", "import_refused", "import", "bad.csv"),
        ("ola", "import", "import", str(number)),
        ("admin", "undo", "import", str(number)),
    ]
    edit = rows[2]
    assert json.loads(edit.before) == {"credit_limit": "10000.00", "payment_terms_days": "30"}
    assert json.loads(edit.after) == {"credit_limit": "8000.00", "payment_terms_days": "14", "reason": "late payer"}
    ack = rows[7]
    assert (json.loads(ack.before), json.loads(ack.after)) == ({"status": "open"}, {"status": "acknowledged"})


# --- two users editing the same record -----------------------------------------------------------------------------


def test_the_second_of_two_concurrent_customer_edits_is_refused_with_what_changed(db_url):
    import dataclasses
    from datetime import date
    from decimal import Decimal as D

    from data_access.limits import credit_terms, update_credit_terms
    from domain.credit_terms import CreditTermsError

    e = ready_engine(db_url)
    load(e, customers=[("K1", "Nord AS", "NO", "NOK", 30, "10000.00")])
    with e.connect() as conn:
        k1 = conn.execute(select(Customer.id).where(Customer.customer_ref == "K1")).scalar_one()
        opened_by_kari = opened_by_per = credit_terms(conn, k1)  # both open the form
    day = date(2026, 10, 30)
    with e.begin() as conn:  # Per saves first: a lower limit
        per = dataclasses.replace(opened_by_per, credit_limit=D("6000.00"))
        update_credit_terms(conn, k1, per, reason="review", author="Per", effective_on=day, base=opened_by_per)
    with pytest.raises(CreditTermsError) as exc, e.begin() as conn:  # Kari saves shorter terms from the old form
        kari = dataclasses.replace(opened_by_kari, payment_terms_days=14)
        update_credit_terms(conn, k1, kari, reason="late", author="Kari", effective_on=day, base=opened_by_kari)
    assert exc.value.code == "conflict"
    assert exc.value.params["who"] == "Per"
    assert exc.value.params["changes"] == "credit_limit: 10000.00 -> 6000.00"
    with e.connect() as conn:
        now = credit_terms(conn, k1)
    assert (now.credit_limit, now.payment_terms_days) == (D("6000.00"), 30)  # Per's save stands, Kari's is not lost
    # started again from the current values, Kari's change goes through
    with e.begin() as conn:
        kari = dataclasses.replace(now, payment_terms_days=14)
        update_credit_terms(conn, k1, kari, reason="late", author="Kari", effective_on=day, base=now)
    with e.connect() as conn:
        assert credit_terms(conn, k1).payment_terms_days == 14


def test_the_second_of_two_concurrent_policy_saves_is_refused(db_url):
    import dataclasses

    from data_access.ledger import active_policy
    from data_access.policy_store import PolicyConflict, policy_history, save_policy_version

    e = ready_engine(db_url)
    with e.connect() as conn:
        policy = active_policy(conn)
    with e.begin() as conn:
        first = dataclasses.replace(policy, ledger_freshness_days=5)
        assert save_policy_version(conn, first, "Per", "fresher data", based_on=0) == 1
    with pytest.raises(PolicyConflict, match=r"Per saved version 1 \(.*\) after you opened version 0; nothing was"):
        with e.begin() as conn:
            save_policy_version(conn, dataclasses.replace(policy, kpi_window_days=60), "Kari", "x", based_on=0)
    with e.connect() as conn:
        assert [(v.version, v.author) for v in policy_history(conn)] == [(1, "Per")]


def test_two_sessions_editing_a_customer_on_the_page(live_url):
    c1 = customer_id(live_url, "C1")
    kari = run_page("pages/customers.py", role="credit_manager", user_name="Kari", customer_id=c1)
    per = run_page("pages/customers.py", role="credit_manager", user_name="Per", customer_id=c1)

    def save(at, label: str, value, reason: str):
        [field] = [n for n in at.number_input if n.label.startswith(label)]
        field.set_value(value)
        why = next(t for t in at.text_input if t.label == "Reason (required)")  # the terms form comes first
        why.input(reason)
        [button] = [b for b in at.button if b.label == "Save changes"]
        button.click().run()

    save(per, "Payment terms (days)", 20, "agreed with the customer")
    assert [s.value for s in per.success] == ["Saved 1 change(s)."]
    save(kari, "Payment terms (days)", 10, "late payer")  # Kari's form still shows 30 days
    assert not kari.exception
    [error] = [x.value for x in kari.error]
    assert error.startswith("Per changed this customer (")
    assert error.endswith(
        "after you opened it: payment_terms_days: 30 -> 20. Nothing was saved; the form now shows the current values."
    )
    [terms] = [n for n in kari.number_input if n.label == "Payment terms (days)"]
    assert terms.value == 20
    e = ready_engine(live_url)
    from data_access.limits import credit_terms

    with e.connect() as conn:
        assert credit_terms(conn, c1).payment_terms_days == 20
    e.dispose()


def test_an_idle_session_is_signed_out_and_the_cli_sets_the_rules(live_url):
    from datetime import UTC
    from datetime import datetime as dt

    from test_cli import ok, run

    assert ok(live_url, "users", "sign-in-policy", "--idle-minutes", "20").strip() == (
        "idle timeout 20 min; lockout after 5 failed sign-ins for 15 min; passwords of at least 12 characters"
    )
    assert run(live_url, "users", "sign-in-policy", "--max-failures", "0").exit_code == 2
    at = run_page("pages/data_status.py", role="viewer", user_name="Vera")
    assert at.title[0].value == "Data status"
    now = dt.now(UTC).replace(tzinfo=None)
    at.session_state["auth_last_activity"] = now - timedelta(minutes=19)
    at.run()
    assert at.title[0].value == "Data status"  # 19 minutes: still signed in (and the clock starts again)
    at.session_state["auth_last_activity"] = now - timedelta(minutes=21)
    at.run()
    assert [t.value for t in at.title] == ["Sign in to Kredittvakt"]
    assert [i.value for i in at.info] == ["You were signed out after a period without activity."]


# --- the server-side check itself, for every role and action --------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_server_refuses_each_action_the_role_may_not_take(live_url, role):
    """A signed-in session of each role calls the write boundary for every action: the refused ones raise
    AccessDenied before anything runs, the allowed ones run."""
    import streamlit as st

    from data_access import cache

    uid = test_account(f"{role} user", role=role)
    saved = dict(st.session_state)
    ran: list[str] = []
    try:
        st.session_state["auth_user_id"] = uid
        for action in sorted(EXPECTED_ACTIONS):
            if role in EXPECTED_ACTIONS[action]:
                cache._write(action, lambda conn, a=action: ran.append(a))
            else:
                with pytest.raises(AccessDenied):
                    cache._write(action, lambda conn, a=action: ran.append(a))
        st.session_state["auth_user_id"] = None  # signed out: every write is refused on a live database
        with pytest.raises(AccessDenied, match=r"your role \(none\)"):
            cache._write("add_note", lambda conn: ran.append("signed out"))
    finally:
        st.session_state.clear()
        st.session_state.update(saved)
    assert ran == sorted(a for a, roles in EXPECTED_ACTIONS.items() if role in roles)


def test_every_write_of_the_cache_boundary_names_its_action():
    """Each write wrapper in data_access/cache.py passes the action the matrix governs (read from the source, so a
    new write without a check fails here)."""
    import re
    from pathlib import Path

    source = (Path(__file__).resolve().parents[1] / "data_access" / "cache.py").read_text()
    calls = re.findall(r'_write\(\s*"([a-z_]+)",\s*([a-z_.]+)', source)
    found = {fn.split(".")[-1]: action for action, fn in calls}
    assert found == {
        "remove_demo_data": "remove_demo",
        "add_activity": "add_note",
        "save_policy_version": "edit_policy",
        "restore_policy": "edit_policy",
        "run_credit_check": "credit_check",
        "update_credit_terms": "edit_customer",
        "request_limit": "request_limit",
        "run_monitor": "run_monitor",
        "acknowledge": "work_alerts",
        "assign": "work_alerts",
        "comment": "work_alerts",
        "close": "work_alerts",
        "apply_recommendation": "work_alerts",
        "approve_limit_request": "decide_limit",
        "reject_limit_request": "reject_limit",
        "mark_step_sent": "collections",
        "pause_customer": "collections",
        "open_dispute": "collections",
        "create_equal_plan": "collections",
        "apply_cash": "collections",
        "reverse_cash_application": "collections",
        "resolve_dispute": "collections",
        "close_period": "close_period",
        "reopen_period": "reopen_period",
        "save_lender_profile": "lender_data",
        "retire_lender_profile": "lender_data",
        "set_contra": "lender_data",
        "add_control_total": "lender_data",
        "log": "credit_memo",
        "save_preset": "import",
        "undo_import": "undo_import",
        "sync_customer": "check_register",
        "_by_session": "manage_users",
    }
    assert ("produce_report", "log") in calls and ("credit_memo", "log") in calls  # the two logged downloads
    assert '_check(conn, "import")' in source  # run_import checks inside its own transaction
    assert len(calls) == 38  # the dict folds the five user writes and the two credit-memo/pack logs


def test_single_sign_on_maps_the_identity_by_e_mail_to_an_active_account(db_url):
    from data_access.users import account_by_email

    e = ready_engine(db_url)
    with e.begin() as conn:
        add_user(conn, "cfo", role="viewer", email="CFO@Example.com", authority="cfo", actor="cli", now=T0)
        add_user(conn, "ola", role="sales", password=PW, actor="cli", now=T0)
        assert account(conn, "cfo").has_password is False  # single sign-on only
        assert account_by_email(conn, " cfo@example.COM ").username == "cfo"
        assert account_by_email(conn, "nobody@example.com") is None
        with pytest.raises(SignInError, match=r"^wrong user name or password$"):
            authenticate(conn, "cfo", "", T0)  # no password to sign in with
        with pytest.raises(AccountError, match="give a password, or an e-mail address for single sign-on"):
            add_user(conn, "x1", role="viewer", actor="cli", now=T0)


def test_a_customer_in_credit_shows_its_limit_unused(tmp_path, monkeypatch):
    """Found by the load test: a customer whose payments exceed its invoices has a negative utilisation, which the
    limit bar must show as none used (it raised StreamlitValueOutOfRangeError)."""
    url = f"sqlite:///{tmp_path}/credit.db"
    e = ready_engine(url)
    load(
        e,
        customers=[("C1", "Fjord Handel AS", "NO", "NOK", 30, "1000.00")],
        invoices=[("A1", "C1", "2026-01-01", "2026-01-31", "100.00", "NOK")],
        payments=[("P1", "C1", "2026-01-10", "400.00", "NOK", "")],
    )
    e.dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    at = run_page("pages/customers.py", role="viewer", customer_id=customer_id(url, "C1"))
    assert not at.exception, [x.value for x in at.exception]
    [bar] = [p for p in at.get("progress")]
    assert bar.value == 0 and bar.proto.text == "-30.0% used"  # (100 - 400) / 1000
