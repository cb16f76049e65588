"""The Alerts page through AppTest on a copy of the seeded demo (80 customers, as of 2026-10-30): the empty inbox,
the table after a monitor run, acting on an alert, applying a recommendation and the limit-approval queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apptest import DEMO_AS_OF_DEFAULT, metrics, run_page
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from data_access.engine import make_engine
from data_access.limits import change_log, credit_terms, limit_requests, request_limit
from data_access.monitor import alert_log, alerts, run_monitor
from data_access.schema import Customer

PAGE = "pages/alerts.py"
AS_OF = date.fromisoformat(DEMO_AS_OF_DEFAULT)


def read(url: str, fn, *args, **kwargs):
    """Run a data_access function in a fresh connection of its own (not the app's)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn, *args, **kwargs)
    finally:
        engine.dispose()


def write(url: str, fn, *args, **kwargs):
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            return fn(conn, *args, **kwargs)
    finally:
        engine.dispose()


def table(at: AppTest):
    found = [d for d in at.dataframe if (d.key or "").startswith("alerts_table")]
    assert len(found) == 1, "exactly one alert table"
    return found[0]


def select_row(at: AppTest, row: int) -> AppTest:
    """What a click on a table row does: the table's selection state names the row."""
    at.session_state[table(at).key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def log_frame(at: AppTest):
    return next(d.value for d in at.dataframe if "Who" in d.value.columns)


def by_id(url: str) -> dict:
    return {a.id: a for a in read(url, alerts, statuses=())}


def test_no_alerts_before_the_monitor_ran(demo_url):
    assert read(demo_url, alerts, statuses=()) == []
    at = run_page(PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Alerts"
    assert metrics(at)["Open alerts"] == "0"
    assert metrics(at)["Limit requests"] == "0"
    info = " ".join(i.value for i in at.info)
    assert "No alerts yet" in info and "30 Oct 2026" in info
    assert "No limit request is waiting for approval." in info
    assert not [d for d in at.dataframe if (d.key or "").startswith("alerts_table")]
    assert at.button(key="alerts_run_monitor").proto.label == "Run the monitor for 30 Oct 2026"


def test_the_button_runs_the_monitor_for_the_sidebar_date(demo_url):
    at = run_page(PAGE)
    at.button(key="alerts_run_monitor").click().run()
    assert not at.exception, at.exception
    stored = read(demo_url, alerts)
    assert stored and {a.raised_on for a in stored} == {AS_OF}
    assert [s.value for s in at.success] == [
        f"Monitor run for 30 Oct 2026: {len(stored)} new alerts, 0 cleared, 0 customers put on credit hold."
    ]
    assert len(table(at).value) == len(stored)
    at.button(key="alerts_run_monitor").click().run()  # a second run for the date adds nothing
    assert [s.value for s in at.success] == [
        "Monitor run for 30 Oct 2026: 0 new alerts, 0 cleared, 0 customers put on credit hold."
    ]
    assert len(read(demo_url, alerts)) == len(stored)


def test_the_table_lists_every_open_alert_and_the_filters_narrow_it(demo_url):
    write(demo_url, run_monitor, AS_OF)
    stored = read(demo_url, alerts)
    high = [a for a in stored if a.severity == "high"]
    assert 0 < len(high) < len(stored)
    at = run_page(PAGE)
    assert not at.exception, at.exception
    shown = table(at).value
    assert len(shown) == len(stored)
    assert list(shown.index) == [a.id for a in stored]  # the store's order: most severe first, then oldest
    assert list(shown["Customer"]) == [f"{a.customer_ref} · {a.customer_name}" for a in stored]
    assert set(shown["Status"]) == {"Open"}
    m = metrics(at)
    assert (m["Open alerts"], m["High severity"], m["New today"]) == (
        str(len(stored)),
        str(len(high)),
        str(len(stored)),
    )
    over = next(a for a in stored if a.type == "over_limit")
    row = shown.loc[over.id]
    assert row["Type"] == "Over the credit limit"
    balance = Decimal(over.params["balance"])
    assert row["Message"].startswith(f"Balance NOK\xa0{balance:,.2f} is over the credit limit NOK\xa0")

    at.multiselect(key="alerts_severities").set_value(["high"]).run()
    assert not at.exception, at.exception
    assert list(table(at).value.index) == [a.id for a in high]
    at.selectbox(key="alerts_assignee").set_value("*unassigned").run()
    assert len(table(at).value) == len(high)  # nobody has been assigned yet
    at.selectbox(key="alerts_assignee").set_value("*me").run()  # no name under Acting as
    assert any("Acting as" in w.value for w in at.warning)


def test_acknowledging_as_kari_is_stored_with_a_log_row(demo_url):
    write(demo_url, run_monitor, AS_OF)
    first = read(demo_url, alerts)[0]
    at = run_page(PAGE, user_name="Kari")
    select_row(at, 0)
    assert not at.exception, at.exception
    assert [h.value for h in at.subheader if h.value != "Changes for the ERP"] == [
        f"{first.customer_ref} · {first.customer_name}"
    ]
    at.button(key="alert_ack").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == ["Acknowledged."]
    assert by_id(demo_url)[first.id].status == "acknowledged"
    log = read(demo_url, alert_log, first.id)
    assert [(e.author, e.action) for e in log] == [("monitor", "raised"), ("Kari", "acknowledged")]
    # the page still shows the same alert, now acknowledged, with its log
    assert [h.value for h in at.subheader if h.value != "Changes for the ERP"] == [
        f"{first.customer_ref} · {first.customer_name}"
    ]
    assert table(at).value.loc[first.id, "Status"] == "Acknowledged"
    assert list(log_frame(at)["Who"]) == ["monitor", "Kari"]
    assert list(log_frame(at)["What"]) == ["Raised", "Acknowledged"]
    assert at.button(key="alert_ack").disabled


def test_acknowledging_without_a_name_is_refused_and_changes_nothing(demo_url):
    write(demo_url, run_monitor, AS_OF)
    first = read(demo_url, alerts)[0]
    at = run_page(PAGE)
    select_row(at, 0)
    at.button(key="alert_ack").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Enter your name under “Acting as” in the sidebar first: every action is recorded with who did it."
    ]
    assert by_id(demo_url)[first.id].status == "open"
    assert [e.action for e in read(demo_url, alert_log, first.id)] == ["raised"]


def test_applying_shorten_terms_changes_the_terms_and_records_who_and_why(demo_url):
    write(demo_url, run_monitor, AS_OF)
    stored = read(demo_url, alerts)
    row, alert = next((i, a) for i, a in enumerate(stored) if a.recommendation == "shorten_terms")
    before = read(demo_url, credit_terms, alert.customer_id).payment_terms_days
    target = int(alert.recommendation_params["to"])
    assert before > target
    at = run_page(PAGE, user_name="Kari")
    select_row(at, row)
    assert not at.exception, at.exception
    button = at.button(key="alert_apply")
    assert button.proto.label == "Apply: Shorten the payment terms"
    assert any(f"Payment terms {before} → {target} days" in m.value for m in at.markdown)
    button.click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert read(demo_url, credit_terms, alert.customer_id).payment_terms_days == target
    change = read(demo_url, change_log, alert.customer_id)[0]
    assert (change.field, change.old, change.new) == ("payment_terms_days", str(before), str(target))
    assert change.author == "Kari" and change.source == "alert_action" and change.effective_on == AS_OF
    assert change.reason.startswith(f"alert {alert.id} ({alert.type}): ") and "shorten_terms" in change.reason
    assert by_id(demo_url)[alert.id].status == "acknowledged"
    assert [(e.author, e.action) for e in read(demo_url, alert_log, alert.id)][-1] == ("Kari", "applied")


def test_closing_needs_a_resolution_and_keeps_showing_the_closed_alert(demo_url):
    write(demo_url, run_monitor, AS_OF)
    stored = read(demo_url, alerts)
    first = stored[0]
    at = run_page(PAGE, user_name="Kari")
    select_row(at, 0)
    at.button(key="alert_close").click().run()
    assert [e.value for e in at.error] == ["Not done: closing an alert needs a resolution."]
    assert by_id(demo_url)[first.id].status == "open"
    at.text_input(key=f"alert_resolution_{first.id}").input("Paid in full on 29.10.")
    at.button(key="alert_close").click().run()
    assert not at.exception, at.exception
    assert by_id(demo_url)[first.id].status == "closed"
    # gone from the default (open and acknowledged) table; the panel stays on this alert, not on the next row
    assert list(table(at).value.index) == [a.id for a in stored[1:]]
    assert [h.value for h in at.subheader if h.value != "Changes for the ERP"] == [
        f"{first.customer_ref} · {first.customer_name}"
    ]
    assert log_frame(at)["Text"].iloc[-1] == "Paid in full on 29.10."
    assert metrics(at)["Open alerts"] == str(len(stored) - 1)


def nok_customer(url: str):
    """A demo customer invoiced in the base currency (NOK), so the requested amount is the base amount."""
    return read(
        url,
        lambda c: c.execute(
            select(Customer.id, Customer.customer_ref, Customer.name, Customer.credit_limit)
            .where(Customer.currency == "NOK")
            .order_by(Customer.id)
        ).first(),
    )


def request_by_ola(url: str, customer_id: int) -> int:
    return write(
        url,
        request_limit,
        customer_id,
        Decimal("300000"),
        reason="Larger orders for the winter season",
        requested_by="Ola",
        requested_role="sales",
        requested_on=AS_OF,
    )


def test_kari_approves_olas_limit_request(demo_url):
    c = nok_customer(demo_url)
    assert c.credit_limit != Decimal("300000.00")
    rid = request_by_ola(demo_url, c.id)
    at = run_page(PAGE, user_name="Kari", user_role="credit_manager")
    assert not at.exception, at.exception
    assert metrics(at)["Limit requests"] == "1"
    card = " ".join(m.value for m in at.markdown)
    assert f"{c.customer_ref} · {c.name}" in card and "NOK\xa0300,000.00" in card
    assert any("requested by Ola (Sales) on 30 Oct 2026" in x.value for x in at.caption)
    at.button(key=f"lr_approve_{rid}").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert [s.value for s in at.success] == [
        f"Approved: the new credit limit of {c.customer_ref} · {c.name} applies until 30 Oct 2027."
    ]
    decided = next(r for r in read(demo_url, limit_requests) if r.id == rid)
    assert (decided.status, decided.decided_by, decided.decided_on) == ("approved", "Kari", AS_OF)
    assert read(demo_url, credit_terms, c.id).credit_limit == Decimal("300000.00")
    assert any("No limit request is waiting for approval." in i.value for i in at.info)


def test_ola_cannot_approve_his_own_request_nor_can_a_sales_role(demo_url):
    c = nok_customer(demo_url)
    rid = request_by_ola(demo_url, c.id)
    at = run_page(PAGE, user_name="Ola", user_role="credit_manager")
    assert at.button(key=f"lr_reject_{rid}").proto.label == "Withdraw"  # his own request
    at.button(key=f"lr_approve_{rid}").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [
        "Not approved: you requested this limit yourself; someone else must approve it."
    ]

    at.session_state["user_name"] = "Per"
    at.session_state["user_role"] = "sales"
    at.run()
    at.button(key=f"lr_approve_{rid}").click().run()
    assert [e.value for e in at.error] == ["Not approved: the role Sales may not decide credit limits."]

    assert [r.status for r in read(demo_url, limit_requests) if r.id == rid] == ["pending"]
    assert read(demo_url, credit_terms, c.id).credit_limit == c.credit_limit


def test_norwegian(demo_url):
    write(demo_url, run_monitor, AS_OF)
    stored = read(demo_url, alerts)
    at = run_page(PAGE, lang="nb", user_name="Kari")
    assert not at.exception, at.exception
    assert at.title[0].value == "Varsler"
    shown = table(at).value
    assert list(shown.columns) == [
        "Alvorlighet",
        "Siden",
        "Kunde",
        "Type",
        "Melding",
        "Anbefaling",
        "Ansvarlig",
        "Status",
    ]
    assert len(shown) == len(stored) and set(shown["Status"]) == {"Åpen"}
    review = next(a for a in stored if a.type == "review_due" and not a.params["expired"])
    day = date.fromisoformat(review.params["date"])
    assert shown.loc[review.id, "Melding"] == f"Kredittvurdering forfaller {day:%d.%m.%Y}"


def test_erp_changes_download_holds_what_changed_since_the_date(demo_url):
    from data_access.limits import erp_changes_csv, update_credit_terms

    cid = read(
        demo_url,
        lambda conn: conn.execute(
            select(Customer.id).where(Customer.status == "active").order_by(Customer.id).limit(1)
        ).scalar_one(),
    )
    old = read(demo_url, credit_terms, cid)
    write(
        demo_url,
        update_credit_terms,
        cid,
        old.__class__(**{**old.__dict__, "status": "credit_hold"}),
        reason="bankruptcy petition",
        author="Kari",
        effective_on=AS_OF,
    )
    at = run_page(PAGE)
    assert not at.exception, at.exception
    [button] = [b for b in at.get("download_button") if b.proto.label.startswith("Download CSV")]
    assert button.proto.label == "Download CSV (1 customer)"
    text, n = read(demo_url, erp_changes_csv, date(2000, 1, 1))
    assert n == 1 and text.splitlines()[1].split(",")[6] == "yes"  # credit_hold
