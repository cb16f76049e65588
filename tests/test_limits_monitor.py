"""Limits, approvals, the change log, the ERP export and the monitor on both engines, on a hand-built ledger.

Ledger (NOK): K1 (limit 10 000, terms 30) with subsidiary K2 (limit 5 000).
K1 owes INV1 12 000.00 due 2026-07-01 (121 days past due on 2026-10-30); K2 owes INV2 4 000.00, not yet due.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, update

from data_access import limits, monitor
from data_access.ledger import active_policy, save_policy
from data_access.schema import Alert, CompanyEvent, Customer, CustomerChange, LimitRequest
from domain.approvals import ApprovalError
from domain.credit_terms import CreditTermsError
from domain.policy import AlertThresholds, Policy
from domain.risk import RiskRules
from tests.ledger import load, ready_engine

D = date(2026, 10, 30)


@pytest.fixture
def engine(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[
            ("K1", "Nord AS", "NO", "NOK", 30, "10000.00"),
            ("K2", "Nord Datter AS", "NO", "NOK", 30, "5000.00", "K1"),
        ],
        invoices=[
            ("INV1", "K1", "2026-06-01", "2026-07-01", "12000.00", "NOK"),
            ("INV2", "K2", "2026-10-01", "2026-10-31", "4000.00", "NOK"),
        ],
    )
    return e


def cid(conn, ref):
    return conn.execute(select(Customer.id).where(Customer.customer_ref == ref)).scalar_one()


def count(conn, model):
    return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_limit_request_and_approval_follow_the_matrix(engine):
    with engine.begin() as conn:
        k1 = cid(conn, "K1")
        rid = limits.request_limit(
            conn,
            k1,
            Decimal("20000.00"),
            reason="more volume",
            requested_by="Ola",
            requested_role="sales",
            requested_on=D,
        )
    with engine.begin() as conn:
        [r] = limits.limit_requests(conn, status="pending")
        assert (r.id, r.amount, r.amount_base, r.required_role, r.requested_by) == (
            rid,
            Decimal("20000.00"),
            Decimal("20000.00"),
            "credit_manager",
            "Ola",
        )
    for who, role, code in (("ola", "credit_manager", "self_approval"), ("Kari", "sales", "no_authority")):
        with pytest.raises(ApprovalError) as exc, engine.begin() as conn:
            limits.approve_limit_request(conn, rid, approver=who, approver_role=role, decided_on=D)
        assert exc.value.code == code
    with engine.begin() as conn:
        assert conn.execute(select(Customer.credit_limit).where(Customer.id == k1)).scalar_one() == Decimal("10000.00")
        expires = limits.approve_limit_request(conn, rid, approver="Kari", approver_role="credit_manager", decided_on=D)
    # unrated customer: class C, reviewed every 12 months; limits valid 12 months
    assert expires == date(2027, 10, 30)
    with engine.connect() as conn:
        c = conn.execute(select(Customer.__table__).where(Customer.id == k1)).one()
        assert (c.credit_limit, c.limit_review_on, c.limit_expires_on) == (
            Decimal("20000.00"),
            date(2027, 10, 30),
            date(2027, 10, 30),
        )
        log = limits.change_log(conn, k1)
        assert {(x.field, x.old, x.new, x.author, x.source) for x in log} == {
            ("credit_limit", "10000.00", "20000.00", "Kari", "limit_approval"),
            ("limit_review_on", None, "2027-10-30", "Kari", "limit_approval"),
            ("limit_expires_on", None, "2027-10-30", "Kari", "limit_approval"),
        }
        assert conn.execute(select(LimitRequest.status, LimitRequest.decided_by)).one() == ("approved", "Kari")
    with pytest.raises(CreditTermsError, match="already approved"), engine.begin() as conn:
        limits.approve_limit_request(conn, rid, approver="Per", approver_role="cfo", decided_on=D)


def test_a_large_limit_needs_the_cfo(engine):
    with engine.begin() as conn:
        k1 = cid(conn, "K1")
        rid = limits.request_limit(
            conn,
            k1,
            Decimal("600000.00"),
            reason="framework deal",
            requested_by="Ola",
            requested_role="sales",
            requested_on=D,
        )
        assert limits.limit_requests(conn)[0].required_role == "cfo"
    with pytest.raises(ApprovalError) as exc, engine.begin() as conn:
        limits.approve_limit_request(conn, rid, approver="Kari", approver_role="credit_manager", decided_on=D)
    assert exc.value.code == "level_too_low" and exc.value.params["needed"] == "cfo"
    with engine.begin() as conn:
        limits.approve_limit_request(conn, rid, approver="Per", approver_role="cfo", decided_on=D)
        assert conn.execute(select(Customer.credit_limit).where(Customer.id == k1)).scalar_one() == Decimal("600000.00")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reason": " "}, "reason"),
        ({"requested_by": ""}, "author"),
        ({"requested_role": "intern"}, "role"),
        ({"amount": Decimal("-1")}, "negative"),
        ({"amount": Decimal("1.005")}, "decimals"),
    ],
)
def test_bad_limit_requests_write_nothing(engine, kwargs, code):
    args = {"amount": Decimal("100.00"), "reason": "r", "requested_by": "Ola", "requested_role": "sales"}
    args.update(kwargs)
    with pytest.raises(CreditTermsError) as exc, engine.begin() as conn:
        limits.request_limit(conn, cid(conn, "K1"), args.pop("amount"), requested_on=D, **args)
    assert exc.value.code == code
    with engine.connect() as conn:
        assert count(conn, LimitRequest) == 0


def test_rejection_and_withdrawal(engine):
    with engine.begin() as conn:
        k1 = cid(conn, "K1")
        rid = limits.request_limit(
            conn, k1, Decimal("1.00"), reason="r", requested_by="Ola", requested_role="sales", requested_on=D
        )
    with pytest.raises(CreditTermsError, match="needs a reason"), engine.begin() as conn:
        limits.reject_limit_request(
            conn, rid, decided_by="Kari", decided_role="credit_manager", decided_on=D, comment=""
        )
    with engine.begin() as conn:
        limits.reject_limit_request(
            conn, rid, decided_by="Kari", decided_role="credit_manager", decided_on=D, comment="no"
        )
        assert limits.limit_requests(conn)[0].status == "rejected"
        rid2 = limits.request_limit(
            conn, k1, Decimal("2.00"), reason="r", requested_by="Ola", requested_role="sales", requested_on=D
        )
        # the requester may withdraw (sales has no approval authority, but it is their own request)
        limits.reject_limit_request(conn, rid2, decided_by="Ola", decided_role="sales", decided_on=D, comment="typo")
        assert [r.status for r in limits.limit_requests(conn)] == ["withdrawn", "rejected"]


def test_direct_edits_lower_but_never_raise_a_limit(engine):
    with engine.begin() as conn:
        k1 = cid(conn, "K1")
        old = limits.credit_terms(conn, k1)
        new = old.__class__(**{**old.__dict__, "credit_limit": Decimal("8000.00"), "payment_terms_days": 14})
        found = limits.update_credit_terms(conn, k1, new, reason="late payer", author="Kari", effective_on=D)
        assert [(f.field, f.old, f.new) for f in found] == [
            ("credit_limit", "10000.00", "8000.00"),
            ("payment_terms_days", "30", "14"),
        ]
    for changes, code in (
        ({"credit_limit": Decimal("9000.00")}, "raise_needs_approval"),
        ({"payment_terms_days": -1}, "terms"),
        ({"status": "frozen"}, "status"),
        ({"insured_limit": Decimal("100.00")}, "insurance"),  # no insurer or share given
        ({"insured_share": Decimal("101")}, "share"),
        ({}, "unchanged"),
    ):
        with pytest.raises(CreditTermsError) as exc, engine.begin() as conn:
            cur = limits.credit_terms(conn, k1)
            limits.update_credit_terms(
                conn, k1, cur.__class__(**{**cur.__dict__, **changes}), reason="x", author="Kari", effective_on=D
            )
        assert exc.value.code == code
    with pytest.raises(CreditTermsError) as exc, engine.begin() as conn:
        cur = limits.credit_terms(conn, k1)
        limits.update_credit_terms(
            conn,
            k1,
            cur.__class__(**{**cur.__dict__, "payment_terms_days": 10}),
            reason=" ",
            author="Kari",
            effective_on=D,
        )
    assert exc.value.code == "reason"
    with engine.connect() as conn:
        assert count(conn, CustomerChange) == 2
        rows = limits.erp_changes(conn, date(2020, 1, 1))
    assert [
        (r["customer_ref"], r["credit_limit"], r["payment_terms_days"], r["credit_hold"], r["changed_fields"])
        for r in rows
    ] == [("K1", "8000.00", 14, "no", "credit_limit payment_terms_days")]
    with engine.connect() as conn:
        assert limits.erp_changes(conn, date(2999, 1, 1)) == []


def alert_set(conn):
    return {(a.customer_ref, a.type, a.severity, a.recommendation) for a in monitor.alerts(conn)}


def test_monitor_raises_each_rule_once_and_clears_what_no_longer_holds(engine):
    with engine.begin() as conn:
        k1, k2 = cid(conn, "K1"), cid(conn, "K2")
        rid = limits.request_limit(
            conn,
            k1,
            Decimal("15000.00"),
            reason="group",
            requested_by="Ola",
            requested_role="sales",
            requested_on=D,
            scope="group",
        )
        limits.approve_limit_request(conn, rid, approver="Kari", approver_role="credit_manager", decided_on=D)
        first = monitor.run_monitor(conn, D)
    with engine.connect() as conn:
        got = alert_set(conn)
    # K1: 12 000 over its 10 000 limit (exactly 120 %: medium); 12 000 > 90 days past due; the group owes 16 000
    # against its 15 000 limit. K2 is within its limit and not yet due.
    assert got == {
        ("K1", "over_limit", "medium", "credit_hold"),
        ("K1", "overdue", "high", "hand_over_to_collection"),
        ("K1", "group_over_limit", "high", "call_customer"),
    }
    assert (first.raised, first.cleared) == (3, 0)
    with engine.begin() as conn:
        again = monitor.run_monitor(conn, D)
        assert (again.raised, again.cleared) == (0, 0)
        assert count(conn, Alert) == 3
    # K1 pays 3 000 of INV1: 9 000 is within the limit, the group owes 13 000 within 15 000
    load(engine, payments=[("P1", "K1", "2026-11-02", "3000.00", "NOK", "INV1")])
    with engine.begin() as conn:
        later = monitor.run_monitor(conn, date(2026, 11, 3))
        assert (later.raised, later.cleared) == (1, 2)
        # K2's invoice is now past due (all of its balance): unrated and new (D) plus a high overdue share -> E
        assert alert_set(conn) == {
            ("K1", "overdue", "high", "hand_over_to_collection"),
            ("K2", "score_drop", "high", "require_prepayment"),
        }
        cleared = conn.execute(select(Alert.type, Alert.status, Alert.cleared_on).where(Alert.cleared_on.is_not(None)))
        assert sorted(cleared) == [
            ("group_over_limit", "closed", date(2026, 11, 3)),
            ("over_limit", "closed", date(2026, 11, 3)),
        ]
    assert k2


def test_a_credit_hold_event_puts_the_customer_on_hold(engine):
    with engine.begin() as conn:
        k2 = cid(conn, "K2")
        conn.execute(
            insert(CompanyEvent).values(
                customer_id=k2,
                event_date=date(2026, 10, 20),
                event_type="bankruptcy_petition",
                source="test",
                text="petition",
            )
        )
        result = monitor.run_monitor(conn, D)
        assert result.held == 1
        assert conn.execute(select(Customer.status).where(Customer.id == k2)).scalar_one() == "credit_hold"
        [ch] = limits.change_log(conn, k2)
        assert (ch.field, ch.old, ch.new, ch.author, ch.source) == (
            "status",
            "active",
            "credit_hold",
            "monitor",
            "monitor",
        )
        assert ("K2", "negative_event", "high", "credit_hold") in alert_set(conn)
        # the severe event also puts K2 in class E
        assert limits.current_class(conn, k2, D) == "E"
        assert monitor.run_monitor(conn, D).held == 0


BEFORE_DELETED = ("bankruptcy", "bankruptcy_petition", "liquidation", "forced_dissolution")


@pytest.mark.parametrize("older_version", [False, True], ids=["defaults", "version-saved-before"])
def test_a_deletion_from_the_register_under_the_defaults_and_under_an_older_policy_version(engine, older_version):
    """brreg's `deleted` (slettedato, or HTTP 410) holds credit and puts the customer in class E under the built-in
    policy. A version saved before `deleted` joined the defaults is used as approved: the deletion then raises no
    alert and changes no class until someone saves a version that names it."""
    with engine.begin() as conn:
        if older_version:
            policy = replace(
                Policy(),
                alerts=replace(AlertThresholds(), credit_hold_events=BEFORE_DELETED),
                risk_rules=replace(RiskRules(), severe_events=(*BEFORE_DELETED, "debt_restructuring")),
            )
            save_policy(conn, policy, "Kari", "approved by the board")
            assert "deleted" not in active_policy(conn).alerts.credit_hold_events
        k2 = cid(conn, "K2")
        conn.execute(
            insert(CompanyEvent).values(
                customer_id=k2, event_date=date(2026, 10, 20), event_type="deleted", source="brreg", text="slettet"
            )
        )
        held = monitor.run_monitor(conn, D).held
        status = conn.execute(select(Customer.status).where(Customer.id == k2)).scalar_one()
        negative = {a for a in alert_set(conn) if a[:2] == ("K2", "negative_event")}
        risk_class = limits.current_class(conn, k2, D)
    if older_version:
        assert (held, status, negative, risk_class) == (0, "active", set(), "D")
    else:
        assert (held, status, negative, risk_class) == (
            1,
            "credit_hold",
            {("K2", "negative_event", "high", "credit_hold")},
            "E",
        )


def test_inbox_actions_and_applying_a_recommendation(engine):
    with engine.begin() as conn:
        monitor.run_monitor(conn, D)
        k1 = cid(conn, "K1")
        by_type = {a.type: a for a in monitor.alerts(conn)}
        over, overdue = by_type["over_limit"], by_type["overdue"]
    with pytest.raises(monitor.AlertError) as exc, engine.begin() as conn:
        monitor.acknowledge(conn, over.id, " ")
    assert exc.value.code == "author"
    with engine.begin() as conn:
        monitor.acknowledge(conn, over.id, "Kari")
        monitor.assign(conn, over.id, "Per", "Kari")
        monitor.comment(conn, over.id, "called, pays Friday", "Per")
        assert [(x.author, x.action, x.text) for x in monitor.alert_log(conn, over.id)] == [
            ("monitor", "raised", over.message),
            ("Kari", "acknowledged", None),
            ("Kari", "assigned", "Per"),
            ("Per", "comment", "called, pays Friday"),
        ]
        assert [a.id for a in monitor.alerts(conn, assignee="Per")] == [over.id]
        found = monitor.apply_recommendation(conn, overdue.id, "Kari", D)  # hand over to collection
        assert [(f.field, f.new) for f in found] == [("status", "credit_hold")]
        ch = limits.change_log(conn, k1)[0]
        assert (ch.source, ch.author) == ("alert_action", "Kari") and ch.reason.startswith(f"alert {overdue.id} ")
        monitor.close(conn, over.id, "Per", "paid down")
        assert conn.execute(select(Alert.status).where(Alert.id == over.id)).scalar_one() == "closed"
    with pytest.raises(monitor.AlertError) as exc, engine.begin() as conn:
        monitor.close(conn, over.id, "Per", "again")
    assert exc.value.code == "closed"
    # a condition closed by a person stays closed while it still holds; no duplicate on the next run
    with engine.begin() as conn:
        assert monitor.run_monitor(conn, date(2026, 10, 31)).raised == 0
        conn.execute(update(Customer).where(Customer.id == k1).values(status="active"))


def test_applying_call_the_customer_puts_a_task_in_the_activity_log(engine):
    from data_access.views import activities

    with engine.begin() as conn:
        k2 = cid(conn, "K2")
        conn.execute(
            insert(CompanyEvent).values(
                customer_id=k2, event_date=date(2026, 10, 20), event_type="role_change", source="test", text="new CEO"
            )
        )
        monitor.run_monitor(conn, D)
        [a] = monitor.alerts(conn, customer_id=k2)
        assert (a.type, a.severity, a.recommendation) == ("negative_event", "medium", "call_customer")
        assert monitor.apply_recommendation(conn, a.id, "Kari", D) == []  # nothing on the customer changes
        [task] = activities(conn, k2)
        assert (task.kind, task.author, task.activity_date) == ("note", "Kari", D)
        assert task.text == f"To do: call the customer (alert {a.id}): role change registered 2026-10-20"
        assert monitor.alerts(conn, customer_id=k2)[0].status == "acknowledged"
    with pytest.raises(monitor.AlertError) as exc, engine.begin() as conn:
        review = monitor.alerts(conn, customer_id=k2)[0]
        conn.execute(update(Alert).where(Alert.id == review.id).values(recommendation="review_credit"))
        monitor.apply_recommendation(conn, review.id, "Kari", D)
    assert exc.value.code == "not_applicable"


def test_a_broken_promise_raises_one_alert(engine):
    from data_access.activities import add_activity
    from domain.activity import NewActivity

    with engine.begin() as conn:
        k1 = cid(conn, "K1")
        add_activity(
            conn,
            k1,
            NewActivity("promise", date(2026, 10, 20), "pays Friday", "Kari", Decimal("5000.00"), date(2026, 10, 23)),
        )
        monitor.run_monitor(conn, date(2026, 10, 23))  # the promised day itself: not broken yet
        assert not monitor.alerts(conn, types=("broken_promise",))
        monitor.run_monitor(conn, D)
        monitor.run_monitor(conn, D)
        [a] = monitor.alerts(conn, types=("broken_promise",))
        assert (a.customer_ref, a.severity, a.since, a.recommendation) == (
            "K1",
            "high",
            date(2026, 10, 24),
            "call_customer",
        )
        assert a.params["amount"] == "5000.00" and a.params["paid"] == "0.00"
