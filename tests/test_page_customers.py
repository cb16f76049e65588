"""The Customer page through AppTest on the seeded demo (80 customers, as of 2026-10-30) and a tiny live ledger."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from apptest import APP, DEMO_AS_OF_DEFAULT, metrics, run_page
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from components import format as fmt
from data_access.asof import aging, open_items
from data_access.engine import make_engine
from data_access.schema import Customer
from data_access.views import activities, search_customers
from domain.kpis import group_roots

PAGE = "pages/customers.py"
AS_OF = date.fromisoformat(DEMO_AS_OF_DEFAULT)


def read(url: str, fn, *args):
    """Run a read model in a fresh connection of its own (not the app's)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn, *args)
    finally:
        engine.dispose()


def customers(url: str) -> list:
    return read(
        url, lambda c: c.execute(select(Customer.id, Customer.customer_ref, Customer.name, Customer.parent_id)).all()
    )


def balances(url: str) -> dict[int, Decimal]:
    return {row.customer_id: row.total for row in read(url, aging, AS_OF).customers}


def items_of(url: str, customer_id: int) -> list:
    return read(url, lambda c: open_items(c, AS_OF, customer_id=customer_id))


def shown_items(at: AppTest):
    frames = [d.value for d in at.dataframe if "Reference" in d.value.columns]
    assert len(frames) == 1, "exactly one open-items table"
    return frames[0]


def assert_shows(at: AppTest, url: str, customer_id: int, name: str) -> None:
    """The page shows exactly this customer's open items and its balance."""
    assert not at.exception, at.exception
    assert [h.value for h in at.header] == [name]
    expected = items_of(url, customer_id)
    frame = shown_items(at)
    assert list(frame["Reference"]) == [i.ref for i in expected]
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in frame["Amount (NOK)"]] == [
        i.base_amount for i in expected
    ]
    assert list(frame["Days past due"]) == [i.days for i in expected]
    assert list(frame["Unapplied credit"]) == [i.kind != "invoice" for i in expected]
    balance = balances(url).get(customer_id, Decimal("0.00"))
    assert metrics(at)["Balance"] == fmt.money(balance, "NOK", locale="en_GB")


def with_unapplied(url: str) -> tuple[int, str, str]:
    """A customer with several open items, at least one of them an unapplied credit."""
    for c in customers(url):
        its = items_of(url, c.id)
        if len(its) >= 3 and any(i.kind != "invoice" for i in its):
            return c.id, c.customer_ref, c.name
    pytest.fail("the demo has no customer with an unapplied credit")


def test_renders_without_a_chosen_customer(demo_url):
    at = run_page(PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Customers"
    first = read(demo_url, search_customers, "")[0]
    assert at.selectbox(key="cust_pick").value == first.id
    assert_shows(at, demo_url, first.id, first.name)
    assert at.query_params["customer"] == first.ref


def test_customer_from_session_state_shows_its_open_items_and_balance(demo_url):
    cid, ref, name = with_unapplied(demo_url)
    at = run_page(PAGE, customer_id=cid)
    assert_shows(at, demo_url, cid, name)
    assert at.query_params["customer"] == ref  # the URL follows the selection
    assert any("unapplied credit" in c.value for c in at.caption)
    assert [b.proto.label for b in at.download_button] == ["Credit memo (PDF)", "Statement (CSV)", "Statement (Excel)"]
    assert at.download_button(key="statement_csv").proto.url.endswith(".csv")


def test_another_page_sending_a_customer_wins_over_the_old_url(demo_url):
    cid, ref, name = with_unapplied(demo_url)
    other = next(c for c in customers(demo_url) if c.id != cid)
    at = run_page(PAGE, customer_id=other.id)
    assert at.query_params["customer"] == other.customer_ref
    at.switch_page("pages/data_status.py").run()
    at.session_state["customer_id"] = cid  # what components.state.open_customer does before switching
    at.switch_page(PAGE).run()
    assert_shows(at, demo_url, cid, name)
    assert at.query_params["customer"] == ref


def test_search_and_pick(demo_url):
    everyone = customers(demo_url)
    cid, ref, name = with_unapplied(demo_url)
    at = run_page(PAGE)
    at.text_input(key="cust_search").input(name.split()[-1]).run()  # e.g. "AS": many hits
    assert not at.exception, at.exception
    options = at.selectbox(key="cust_pick").options
    assert len(options) > 1
    at.selectbox(key="cust_pick").set_value(cid).run()
    assert_shows(at, demo_url, cid, name)
    # the organisation number finds it too, as the only hit
    org = next(h.org_number for h in read(demo_url, search_customers, ref) if h.id == cid)
    at.text_input(key="cust_search").input(org).run()
    assert at.selectbox(key="cust_pick").value == cid
    assert_shows(at, demo_url, cid, name)
    # a search with no hits says so, without a traceback
    at.text_input(key="cust_search").input("no such customer zzz").run()
    assert not at.exception
    assert any("No customer matches" in i.value for i in at.info)
    assert not at.header
    assert len(everyone) == 80


def test_deep_link_selects_the_customer_by_reference(demo_url):
    cid, ref, name = with_unapplied(demo_url)
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["customer"] = ref
    at.run()
    at.switch_page(PAGE).run()
    assert_shows(at, demo_url, cid, name)
    assert at.selectbox(key="cust_pick").value == cid
    # an unknown reference is reported and the page still renders
    at2 = AppTest.from_file(APP, default_timeout=90)
    at2.query_params["customer"] = "NOPE-1"
    at2.run()
    at2.switch_page(PAGE).run()
    assert not at2.exception, at2.exception
    assert any("NOPE-1" in w.value for w in at2.warning)


def test_group_member_shows_group_and_group_balance(demo_url):
    rows = customers(demo_url)
    roots = group_roots({r.id: r.parent_id for r in rows})
    member = next(r for r in rows if r.parent_id is not None)
    root = roots[member.id]
    members = [cid for cid, r in roots.items() if r == root]
    names = {r.id: r.name for r in rows}
    bal = balances(demo_url)
    expected = sum((bal.get(m, Decimal("0.00")) for m in members), Decimal("0.00"))

    at = run_page(PAGE, customer_id=member.id)
    assert not at.exception, at.exception
    line = next(m.value for m in at.markdown if "Corporate group" in m.value)
    assert names[root] in line
    assert fmt.money(expected, "NOK", locale="en_GB") in line
    # one button per other member; clicking one switches the page to it
    others = sorted(set(members) - {member.id})
    assert (
        sorted(int(b.key.removeprefix("member_")) for b in at.button if (b.key or "").startswith("member_")) == others
    )
    at.button(key=f"member_{others[0]}").click().run()
    assert_shows(at, demo_url, others[0], names[others[0]])


def test_adding_a_note_persists_and_comes_first(demo_url):
    cid, _ref, _name = with_unapplied(demo_url)
    at = run_page(PAGE, customer_id=cid)
    at.segmented_control(key="act_kind").set_value("call").run()
    at.text_area(key="act_text").input("Older call")
    at.text_input(key="act_author").input("Kari Nordmann")
    at.date_input(key="act_date").set_value(date(2026, 10, 1))
    at.form_submit_button[-1].click().run()
    assert not at.exception, at.exception
    at.segmented_control(key="act_kind").set_value("note").run()
    at.text_area(key="act_text").input("Called the CFO: payment run on Friday.")
    at.form_submit_button[-1].click().run()
    assert not at.exception, at.exception
    assert not at.error

    stored = read(demo_url, activities, cid)  # a fresh connection: really in the database
    assert [(a.kind, a.text, a.author) for a in stored] == [
        ("note", "Called the CFO: payment run on Friday.", "Kari Nordmann"),
        ("call", "Older call", "Kari Nordmann"),
    ]
    log = next(d.value for d in at.dataframe if "Author" in d.value.columns)
    assert log["Text"].iloc[0] == "Called the CFO: payment run on Friday."
    assert log["Kind"].iloc[0] == "Note"
    assert at.session_state["author"] == "Kari Nordmann"  # remembered for the next entry
    assert at.text_input(key="act_author").value == "Kari Nordmann"
    assert at.text_area(key="act_text").value == ""  # the form is cleared after saving


def test_promise_without_amount_is_refused_and_nothing_is_written(demo_url):
    cid, _ref, _name = with_unapplied(demo_url)
    at = run_page(PAGE, customer_id=cid)
    at.segmented_control(key="act_kind").set_value("promise").run()
    at.text_area(key="act_text").input("Will pay next week")
    at.text_input(key="act_author").input("Kari")
    at.date_input(key="act_promised").set_value(date(2026, 12, 1))
    at.form_submit_button[-1].click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["Not saved: a promise to pay needs a positive amount."]
    assert read(demo_url, activities, cid) == []
    assert at.text_area(key="act_text").value == "Will pay next week"  # the input is kept for a fix


@pytest.fixture
def small_ledger(tmp_path, monkeypatch) -> str:
    """A live ledger: customer L1 with one invoice, customer L2 without any."""
    from data_access.bootstrap import ensure_ready
    from data_access.imports import import_file

    url = f"sqlite:///{tmp_path}/live.db"
    engine = make_engine(url)
    ensure_ready(engine, seed_demo_if_new=False)
    with engine.begin() as conn:
        import_file(
            conn,
            "customers",
            b"customer_ref,name,country,credit_limit\nL1,Fjord Frakt AS,NO,50000\nL2,Tom Kunde AS,NO,\n",
        )
        import_file(
            conn,
            "invoices",
            b"invoice_number,customer_ref,issue_date,due_date,amount,currency\nI-1,L1,2026-03-01,2026-03-31,1250.00,NOK\n",
        )
    engine.dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def test_customer_without_invoices_gets_clear_messages(small_ledger):
    ids = {r.customer_ref: r.id for r in customers(small_ledger)}
    at = run_page(PAGE, customer_id=ids["L2"])
    assert not at.exception, at.exception
    assert [h.value for h in at.header] == ["Tom Kunde AS"]
    info = " ".join(i.value for i in at.info)
    assert "No open items as of 1 Mar 2026" in info
    assert "No invoice was paid" in info
    assert "No invoices or payments" in info
    assert "No credit reports" in info and "Nothing logged" in info
    assert metrics(at)["Balance"] == "NOK\xa00.00"
    assert not [d for d in at.dataframe if "Reference" in d.value.columns]

    at = run_page(PAGE, customer_id=ids["L1"])
    assert not at.exception, at.exception
    assert list(shown_items(at)["Reference"]) == ["I-1"]
    assert metrics(at)["Balance"] == "NOK\xa01,250.00"


def test_as_of_before_any_data(demo_url):
    cid, _ref, name = with_unapplied(demo_url)
    at = run_page(PAGE, customer_id=cid, as_of=date(2020, 1, 1))
    assert not at.exception, at.exception
    shown = [h.value for h in at.header] + [e.value for e in at.error]
    assert shown == [name] or any("exchange rate" in e for e in shown), shown


def test_title_in_norwegian(demo_url):
    cid, _ref, _name = with_unapplied(demo_url)
    at = run_page(PAGE, lang="nb", customer_id=cid)
    assert not at.exception, at.exception
    assert at.title[0].value != "Customers"


# --- credit decision tab -------------------------------------------------------------------------------


def deteriorating_customer(url: str):
    from data_access.risk import portfolio_risk

    with make_engine(url).connect() as conn:
        rows = portfolio_risk(conn, AS_OF).rows
    return next(r for r in rows if r.assessment.contributions and r.payment_terms_days > 10)


def test_credit_decision_shows_the_class_its_reasons_and_expected_loss(demo_url):
    r = deteriorating_customer(demo_url)
    at = run_page(PAGE, customer_id=r.customer_id)
    assert not at.exception, at.exception
    shown = metrics(at)
    assert shown["Risk class"] == r.risk_class
    assert shown["Probability of default"] == fmt.percent(r.assessment.pd_percent, 2, "en")
    assert shown["Expected loss (risk model)"] == fmt.money(r.expected_loss, "NOK", "en")
    why = next(m.value for m in at.markdown if m.value.startswith(f"**Why {r.risk_class}:**"))
    assert why.count("\n- ") == len(r.assessment.contributions)


def test_saving_terms_records_the_change_with_reason_and_author(demo_url):
    from data_access.limits import change_log, limit_requests

    r = deteriorating_customer(demo_url)
    at = run_page(PAGE, customer_id=r.customer_id, user_name="Kari", user_role="credit_manager")
    terms = next(n for n in at.number_input if n.label == "Payment terms (days)")
    terms.set_value(10)
    next(t for t in at.text_input if t.label == "Reason (required)" and t.key != "limit_reason").input("pays late")
    at.form_submit_button[0].click().run()
    assert not at.exception and not at.error, at.error
    new_limit = next(n for n in at.number_input if n.label.startswith("New limit"))
    new_limit.set_value(123000.0)
    at.text_input(key="limit_reason").input("bigger orders")
    at.form_submit_button[1].click().run()
    assert not at.exception and not at.error, at.error
    with make_engine(demo_url).connect() as conn:
        [ch] = change_log(conn, r.customer_id)
        [req] = limit_requests(conn, customer_id=r.customer_id)
    assert (ch.field, ch.old, ch.new, ch.author, ch.reason) == (
        "payment_terms_days",
        str(r.payment_terms_days),
        "10",
        "Kari",
        "pays late",
    )
    assert (req.amount, req.requested_by, req.status) == (Decimal("123000.00"), "Kari", "pending")


def test_raising_a_limit_directly_is_refused_with_a_clear_message(demo_url):
    from data_access.limits import change_log

    r = deteriorating_customer(demo_url)
    at = run_page(PAGE, customer_id=r.customer_id, user_name="Kari")
    limit = next(n for n in at.number_input if n.label.startswith("Credit limit"))
    limit.set_value(float(limit.value) + 1000)
    next(t for t in at.text_input if t.label == "Reason (required)" and t.key != "limit_reason").input("more")
    at.form_submit_button[0].click().run()
    assert [e.value for e in at.error] == [
        "raising a credit limit needs an approved limit request: use Request a limit"
    ]
    with make_engine(demo_url).connect() as conn:
        assert change_log(conn, r.customer_id) == []


def test_open_alerts_of_the_customer_are_listed_in_the_ui_language(demo_url, monkeypatch):
    from components import i18n
    from components.alert_text import alert_message
    from data_access.monitor import alerts, run_monitor

    with make_engine(demo_url).begin() as conn:
        run_monitor(conn, AS_OF)
        mine = [a for a in alerts(conn) if a.customer_id == alerts(conn)[0].customer_id]
    at = run_page(PAGE, customer_id=mine[0].customer_id, lang="nb")
    assert not at.exception, at.exception
    shown = next(d.value for d in at.dataframe if "recommendation" in d.value.columns)
    assert len(shown) == len(mine)
    monkeypatch.setattr(i18n, "current_language", lambda: "nb")
    assert sorted(shown["message"]) == sorted(alert_message(a.type, a.params, "NOK", a.message) for a in mine)
