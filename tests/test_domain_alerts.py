"""Every alert rule, table-driven: what fires, with which key, severity, message and recommendation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.alerts import CONDITION_TYPES, EVENT_TYPES, TYPES, Event, MonitorInputs, evaluate, terms_recommendation
from domain.policy import AlertThresholds, Policy
from domain.risk import RiskRules

D = date(2026, 10, 30)
POLICY = Policy()
T = AlertThresholds()
R = RiskRules()
QUIET = MonitorInputs(
    as_of=D,
    risk_class="B",
    previous_class="B",
    class_terms=POLICY.terms("B"),
    payment_terms_days=30,
    status="active",
    balance=Decimal("1000.00"),
    credit_limit=Decimal("5000.00"),
    credit_limit_local=Decimal("5000.00"),
    class_max_limit_local=Decimal("2000000"),
)


def fired(i: MonitorInputs, t: AlertThresholds = T):
    return [(a.type, a.key, a.severity, a.recommendation) for a in evaluate(i, t, R)]


def test_a_quiet_customer_raises_nothing():
    assert evaluate(QUIET, T, R) == []


def test_types_split_into_events_and_conditions():
    assert set(CONDITION_TYPES) | set(EVENT_TYPES) == set(TYPES)
    assert len(TYPES) == 11 and len(CONDITION_TYPES) == 7


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # a bankruptcy 29 days ago: new, severe, a credit-hold event
        (
            {"events": (Event(7, date(2026, 10, 1), "bankruptcy"),)},
            [("negative_event", "event:7", "high", "credit_hold")],
        ),
        # already on hold: call instead
        (
            {"events": (Event(7, date(2026, 10, 1), "bankruptcy"),), "status": "credit_hold"},
            [("negative_event", "event:7", "high", "call_customer")],
        ),
        # 30 days ago is no longer new (new_event_days = 30: the window is (as_of - 30, as_of])
        ({"events": (Event(7, date(2026, 9, 30), "bankruptcy"),)}, []),
        # a role change is negative but not severe
        (
            {"events": (Event(8, date(2026, 10, 20), "role_change"),)},
            [("negative_event", "event:8", "medium", "call_customer")],
        ),
        # an address change is not a negative event
        ({"events": (Event(9, date(2026, 10, 20), "address_change"),)}, []),
        # a unit deleted from the register (brreg: slettedato or HTTP 410): severe and a credit-hold event
        (
            {"events": (Event(10, date(2026, 10, 20), "deleted"),)},
            [("negative_event", "event:10", "high", "credit_hold")],
        ),
        # an event dated after the as-of date is not seen yet
        ({"events": (Event(7, date(2026, 10, 31), "bankruptcy"),)}, []),
    ],
)
def test_negative_events(changes, expected):
    assert fired(replace(QUIET, **changes)) == expected


def test_a_policy_saved_before_deleted_was_a_credit_hold_event_only_calls_the_customer():
    """The thresholds a stored version was approved with are used as they are: without `deleted` among its
    credit-hold events the deletion is still severe (the default risk rules) but the recommendation is a call."""
    old = replace(T, credit_hold_events=("bankruptcy", "bankruptcy_petition", "liquidation", "forced_dissolution"))
    deleted = replace(QUIET, events=(Event(10, date(2026, 10, 20), "deleted"),))
    assert fired(deleted, old) == [("negative_event", "event:10", "high", "call_customer")]


def report(**kw):
    base = {"report_id": 42, "report_date": date(2026, 10, 15), "score": 60, "previous_score": 60}
    return replace(QUIET, **{**base, **kw})


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (report(score=50, previous_score=60), [("score_drop", "report:42", "medium", "call_customer")]),
        (report(score=51, previous_score=60), []),  # 9 points < 10
        (report(score=50, previous_score=60, report_date=date(2026, 9, 1)), []),  # an old report: not new
        (report(score=50, previous_score=None), []),  # nothing to compare with
        # new payment remarks: medium below the "many" threshold (3), high at it
        (report(remarks=1, previous_remarks=0), [("negative_event", "remarks:42", "medium", "call_customer")]),
        (report(remarks=3, previous_remarks=2), [("negative_event", "remarks:42", "high", "call_customer")]),
        (report(remarks=2, previous_remarks=2), []),
    ],
)
def test_bureau_report_rules(inputs, expected):
    assert fired(inputs) == expected


@pytest.mark.parametrize(
    ("previous", "now", "expected"),
    [
        ("B", "C", [("score_drop", "class:B>C:2026-10-30", "medium", "shorten_terms")]),  # C terms are 20 days
        ("A", "B", []),  # below the policy's downgrade_alert_class (C)
        ("C", "E", [("score_drop", "class:C>E:2026-10-30", "high", "require_prepayment")]),
        ("D", "C", []),  # an upgrade
        (None, "D", []),  # never assessed before
    ],
)
def test_class_downgrade(previous, now, expected):
    i = replace(QUIET, previous_class=previous, risk_class=now, class_terms=POLICY.terms(now))
    assert fired(i) == expected


def test_terms_recommendation_most_protective_first():
    c = replace(QUIET, class_terms=POLICY.terms("C"))
    assert terms_recommendation(c) == ("shorten_terms", {"from": 30, "to": 20})
    c = replace(c, payment_terms_days=20, credit_limit_local=Decimal("800000"), class_max_limit_local=Decimal("500000"))
    assert terms_recommendation(c) == ("lower_limit", {"from": Decimal("800000"), "to": Decimal("500000")})
    e = replace(QUIET, class_terms=POLICY.terms("E"))
    assert terms_recommendation(e) == ("require_prepayment", {})
    assert terms_recommendation(replace(e, status="prepayment_only")) == ("shorten_terms", {"from": 30, "to": 0})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # deteriorating on class B terms (30): nothing to shorten, call
        ({"deteriorating": True}, [("payment_deterioration", "", "medium", "call_customer")]),
        (
            {"deteriorating": True, "payment_terms_days": 45},
            [("payment_deterioration", "", "medium", "shorten_terms")],
        ),
        # over limit: medium up to 120 %, high beyond; recommendation credit hold unless already restricted
        ({"balance": Decimal("5000.01")}, [("over_limit", "", "medium", "credit_hold")]),
        ({"balance": Decimal("6000.00")}, [("over_limit", "", "medium", "credit_hold")]),
        ({"balance": Decimal("6000.01")}, [("over_limit", "", "high", "credit_hold")]),
        (
            {"balance": Decimal("5000.01"), "status": "prepayment_only"},
            [("over_limit", "", "medium", "call_customer")],
        ),
        ({"balance": Decimal("5000.00")}, []),  # at the limit is not over it
        ({"balance": Decimal("100.00"), "credit_limit": Decimal("0.00")}, []),  # no limit set: no rule
        # group limit
        (
            {"group_balance": Decimal("10.01"), "group_limit": Decimal("10.00")},
            [("group_over_limit", "", "high", "call_customer")],
        ),
        ({"group_balance": Decimal("10.00"), "group_limit": Decimal("10.00")}, []),
        # overdue beyond 60 days: call; beyond 90: hand over to collection
        ({"overdue_beyond": Decimal("1.00")}, [("overdue", "", "medium", "call_customer")]),
        (
            {"overdue_beyond": Decimal("1.00"), "collection_beyond": Decimal("1.00")},
            [("overdue", "", "high", "hand_over_to_collection")],
        ),
        # review due within 30 days; an expired limit is medium
        ({"review_on": date(2026, 11, 29)}, [("review_due", "", "low", "review_credit")]),
        ({"review_on": date(2026, 11, 30)}, []),  # 31 days ahead
        ({"expires_on": date(2026, 10, 30)}, [("review_due", "", "medium", "review_credit")]),
        # insured limit exceeded: lower the limit to the insured limit when it is higher
        (
            {
                "balance": Decimal("3000.01"),
                "insured_limit": Decimal("3000.00"),
                "insured_limit_local": Decimal("3000.00"),
            },
            [("insured_limit_exceeded", "", "medium", "lower_limit")],
        ),
        # insurer must be told by day 60: warn from day 50
        (
            {"insured_limit": Decimal("3000.00"), "insurer_due": Decimal("5.00")},
            [("insurer_notification_due", "", "high", "notify_insurer")],
        ),
        ({"insured_limit": None, "insurer_due": Decimal("5.00")}, []),  # uninsured: no insurer to tell
    ],
)
def test_condition_rules(changes, expected):
    assert fired(replace(QUIET, **changes)) == expected


def test_messages_carry_the_numbers():
    [a] = evaluate(replace(QUIET, balance=Decimal("5200.50")), T, R)
    assert a.message == "balance 5,200.50 is over the credit limit 5,000.00"
    assert a.params == {"balance": Decimal("5200.50"), "limit": Decimal("5000.00")}
    [a] = evaluate(replace(QUIET, deteriorating=True, days_late_before=2.0, days_late_now=14.5), T, R)
    assert a.message == "pays later than before: median 2 -> 14.5 days late"
    [a] = evaluate(replace(QUIET, insured_limit=Decimal("3000.00"), insurer_due=Decimal("5.00")), T, R)
    assert a.message == "5.00 is more than 50 days past due: the insurer must be told by day 60"


def test_thresholds_are_policy_data():
    t = replace(T, score_drop_points=5, overdue_days=30, collection_days=45, review_warning_days=60)
    assert fired(report(score=55, previous_score=60), t) == [("score_drop", "report:42", "medium", "call_customer")]
    assert fired(replace(QUIET, review_on=date(2026, 12, 20)), t) == [("review_due", "", "low", "review_credit")]
    [a] = evaluate(replace(QUIET, overdue_beyond=Decimal("1.00")), t, R)
    assert a.message == "1.00 is more than 30 days past due"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("insurer_warning_days", 60, "insurer_warning_days must be shorter"),
        ("collection_days", 60, "collection_days must be longer"),
        ("downgrade_alert_class", "F", "downgrade_alert_class must be one of"),
        ("auto_credit_hold", 2, "auto_credit_hold must be 0 or 1"),
        ("new_event_days", 0, "new_event_days must be positive"),
    ],
)
def test_invalid_thresholds_are_refused(field, value, message):
    with pytest.raises(ValueError, match=message):
        replace(T, **{field: value})
