"""Monitoring rules: from one customer's state as of a date to the alerts the policy asks for, each with a
severity, a message, and a recommended action from the policy.

Two kinds of alert:
- events (negative_event, score_drop) happen once and are keyed by what happened (the event, the report, the
  class change), so running the monitor again never raises them twice;
- conditions (over limit, overdue, deteriorating, ...) hold for a while: the store keeps one live alert per
  customer and type, and clears it on the first run where the condition no longer holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.policy import AlertThresholds
from domain.risk import CLASSES, ClassTerms, RiskRules

TYPES = (
    "negative_event",
    "score_drop",
    "payment_deterioration",
    "over_limit",
    "group_over_limit",
    "overdue",
    "review_due",
    "insured_limit_exceeded",
    "insurer_notification_due",
    "broken_promise",
    "missed_instalment",
)
# Collections (data_access/collections.py) raises the last two: a promise to pay or a plan instalment not kept.
EVENT_TYPES = ("negative_event", "score_drop", "broken_promise", "missed_instalment")
CONDITION_TYPES = tuple(t for t in TYPES if t not in EVENT_TYPES)
SEVERITIES = ("high", "medium", "low")
RECOMMENDATIONS = (
    "shorten_terms",
    "require_prepayment",
    "lower_limit",
    "credit_hold",
    "call_customer",
    "hand_over_to_collection",
    "review_credit",
    "notify_insurer",
)
# The recommendations a click can carry out: a change to the customer, or (a call) a task in the activity log.
# Reviewing the credit and notifying the insurer are for a person to do and record.
APPLICABLE = (
    "shorten_terms",
    "require_prepayment",
    "lower_limit",
    "credit_hold",
    "hand_over_to_collection",
    "call_customer",
)


@dataclass(frozen=True)
class Event:
    id: int
    day: date
    kind: str
    text: str | None = None


@dataclass(frozen=True)
class MonitorInputs:
    """One customer as of a date; amounts in the base currency unless marked local (the customer's currency)."""

    as_of: date
    risk_class: str
    previous_class: str | None  # the class last recorded before as_of (None: never assessed)
    class_terms: ClassTerms
    payment_terms_days: int
    status: str
    events: tuple[Event, ...] = ()
    report_id: int | None = None
    report_date: date | None = None
    score: int | None = None
    previous_score: int | None = None
    remarks: int = 0
    previous_remarks: int = 0
    deteriorating: bool = False
    days_late_before: float | None = None
    days_late_now: float | None = None
    balance: Decimal = Decimal("0.00")
    credit_limit: Decimal | None = None
    credit_limit_local: Decimal | None = None
    class_max_limit_local: Decimal | None = None  # the class's maximum limit in the customer's currency
    overdue_beyond: Decimal = Decimal("0.00")  # more than thresholds.overdue_days past due
    collection_beyond: Decimal = Decimal("0.00")  # more than thresholds.collection_days past due
    insured_limit: Decimal | None = None
    insured_limit_local: Decimal | None = None
    insurer_due: Decimal = Decimal("0.00")  # past due more than thresholds.insurer_warning_from days
    review_on: date | None = None
    expires_on: date | None = None
    group_balance: Decimal | None = None  # only on a group's top-most parent with a group limit
    group_limit: Decimal | None = None


@dataclass(frozen=True)
class AlertCandidate:
    type: str
    key: str  # events: what happened; conditions: "" (the store keys them by the date first seen)
    severity: str
    since: date
    message: str  # English, for the CLI, e-mail and logs; pages word it from type and params
    params: dict = field(default_factory=dict)
    recommendation: str = "review_credit"
    recommendation_params: dict = field(default_factory=dict)


def _money(v: Decimal | None) -> str:
    return "-" if v is None else f"{v:,.2f}"


def _worse(a: str, b: str) -> bool:
    return CLASSES.index(a) > CLASSES.index(b)


def terms_recommendation(i: MonitorInputs) -> tuple[str, dict]:
    """What the policy's class terms ask for, most protective first: prepayment, shorter terms, lower limit."""
    t = i.class_terms
    if t.prepayment_required and i.status == "active":
        return "require_prepayment", {}
    if i.payment_terms_days > t.payment_terms_days:
        return "shorten_terms", {"from": i.payment_terms_days, "to": t.payment_terms_days}
    if (
        i.class_max_limit_local is not None
        and i.credit_limit_local is not None
        and i.credit_limit_local > i.class_max_limit_local
    ):
        return "lower_limit", {"from": i.credit_limit_local, "to": i.class_max_limit_local}
    return "call_customer", {}


def evaluate(i: MonitorInputs, t: AlertThresholds, rules: RiskRules) -> list[AlertCandidate]:
    """Every alert the rules raise for this customer as of i.as_of, in TYPES order."""
    out: list[AlertCandidate] = []
    fresh_from = i.as_of.toordinal() - t.new_event_days

    # new negative events: register events and new payment remarks
    negative = set(rules.severe_events) | set(rules.role_events) | set(t.credit_hold_events)
    for e in sorted(i.events, key=lambda e: (e.day, e.id)):
        if e.kind not in negative or not fresh_from < e.day.toordinal() <= i.as_of.toordinal():
            continue
        hold = e.kind in t.credit_hold_events
        severe = hold or e.kind in rules.severe_events
        if hold:
            rec = "credit_hold" if i.status != "credit_hold" else "call_customer"
        else:
            rec = "call_customer"
        out.append(
            AlertCandidate(
                "negative_event",
                f"event:{e.id}",
                "high" if severe else "medium",
                e.day,
                f"{e.kind.replace('_', ' ')} registered {e.day.isoformat()}",
                {"event": e.kind, "date": e.day.isoformat()},
                rec,
            )
        )
    report_is_new = i.report_date is not None and fresh_from < i.report_date.toordinal() <= i.as_of.toordinal()
    if report_is_new and i.remarks > i.previous_remarks:
        out.append(
            AlertCandidate(
                "negative_event",
                f"remarks:{i.report_id}",
                "high" if i.remarks >= rules.many_remarks else "medium",
                i.report_date,
                f"payment remarks on the credit report rose from {i.previous_remarks} to {i.remarks}",
                {"event": "payment_remark", "before": i.previous_remarks, "now": i.remarks},
                *terms_recommendation(i),
            )
        )

    # score drop on the bureau's report, and our class downgrade
    if report_is_new and i.score is not None and i.previous_score is not None:
        drop = i.previous_score - i.score
        if drop >= t.score_drop_points:
            out.append(
                AlertCandidate(
                    "score_drop",
                    f"report:{i.report_id}",
                    "medium",
                    i.report_date,
                    f"bureau score fell {drop} points, from {i.previous_score} to {i.score}",
                    {"kind": "score", "before": i.previous_score, "now": i.score, "points": drop},
                    *terms_recommendation(i),
                )
            )
    if (
        i.previous_class is not None
        and _worse(i.risk_class, i.previous_class)
        and CLASSES.index(i.risk_class) >= CLASSES.index(t.downgrade_alert_class)
    ):
        out.append(
            AlertCandidate(
                "score_drop",
                f"class:{i.previous_class}>{i.risk_class}:{i.as_of.isoformat()}",
                "high" if i.risk_class == CLASSES[-1] else "medium",
                i.as_of,
                f"risk class downgraded from {i.previous_class} to {i.risk_class}",
                {"kind": "class", "before": i.previous_class, "now": i.risk_class},
                *terms_recommendation(i),
            )
        )

    if i.deteriorating:
        rec, rp = (
            ("shorten_terms", {"from": i.payment_terms_days, "to": i.class_terms.payment_terms_days})
            if i.payment_terms_days > i.class_terms.payment_terms_days
            else ("call_customer", {})
        )
        before = "-" if i.days_late_before is None else f"{i.days_late_before:g}"
        now = "-" if i.days_late_now is None else f"{i.days_late_now:g}"
        out.append(
            AlertCandidate(
                "payment_deterioration",
                "",
                "medium",
                i.as_of,
                f"pays later than before: median {before} -> {now} days late",
                {"before": i.days_late_before, "now": i.days_late_now},
                rec,
                rp,
            )
        )

    if i.credit_limit is not None and i.credit_limit > 0 and i.balance > i.credit_limit:
        out.append(
            AlertCandidate(
                "over_limit",
                "",
                "high" if i.balance > i.credit_limit * Decimal("1.2") else "medium",
                i.as_of,
                f"balance {_money(i.balance)} is over the credit limit {_money(i.credit_limit)}",
                {"balance": i.balance, "limit": i.credit_limit},
                "credit_hold" if i.status == "active" else "call_customer",
            )
        )

    if i.group_limit is not None and i.group_balance is not None and i.group_balance > i.group_limit:
        out.append(
            AlertCandidate(
                "group_over_limit",
                "",
                "high",
                i.as_of,
                f"group balance {_money(i.group_balance)} is over the group limit {_money(i.group_limit)}",
                {"balance": i.group_balance, "limit": i.group_limit},
                "call_customer",
            )
        )

    if i.overdue_beyond > 0:
        collect = i.collection_beyond > 0
        out.append(
            AlertCandidate(
                "overdue",
                "",
                "high" if collect else "medium",
                i.as_of,
                f"{_money(i.overdue_beyond)} is more than {t.overdue_days} days past due",
                {"amount": i.overdue_beyond, "days": t.overdue_days, "collection_amount": i.collection_beyond},
                "hand_over_to_collection" if collect else "call_customer",
            )
        )

    due = [d for d in (i.review_on, i.expires_on) if d is not None]
    if due:
        first = min(due)
        if (first - i.as_of).days <= t.review_warning_days:
            expired = i.expires_on is not None and i.expires_on <= i.as_of
            out.append(
                AlertCandidate(
                    "review_due",
                    "",
                    "medium" if expired else "low",
                    i.as_of,
                    f"credit limit expired {i.expires_on.isoformat()}"
                    if expired and i.expires_on
                    else f"credit review due {first.isoformat()}",
                    {"date": first.isoformat(), "expired": expired},
                    "review_credit",
                )
            )

    if i.insured_limit is not None and i.insured_limit > 0 and i.balance > i.insured_limit:
        lower = (
            i.credit_limit_local is not None
            and i.insured_limit_local is not None
            and i.credit_limit_local > i.insured_limit_local
        )
        out.append(
            AlertCandidate(
                "insured_limit_exceeded",
                "",
                "medium",
                i.as_of,
                f"balance {_money(i.balance)} is over the insured limit {_money(i.insured_limit)}",
                {"balance": i.balance, "insured_limit": i.insured_limit},
                "lower_limit" if lower else "call_customer",
                {"from": i.credit_limit_local, "to": i.insured_limit_local} if lower else {},
            )
        )

    if i.insured_limit is not None and i.insured_limit > 0 and i.insurer_due > 0:
        out.append(
            AlertCandidate(
                "insurer_notification_due",
                "",
                "high",
                i.as_of,
                f"{_money(i.insurer_due)} is more than {t.insurer_warning_from} days past due: the insurer must be "
                f"told by day {t.insurer_notification_days}",
                {
                    "amount": i.insurer_due,
                    "from_days": t.insurer_warning_from,
                    "deadline_days": t.insurer_notification_days,
                },
                "notify_insurer",
            )
        )
    return out


def collection_alert(alert_type: str, key: str, since: date, message: str, params: dict) -> AlertCandidate:
    """A broken promise or a missed plan instalment: high, and the customer is to be called."""
    if alert_type not in ("broken_promise", "missed_instalment"):
        raise ValueError(f"'{alert_type}' is not a collections alert")
    return AlertCandidate(alert_type, key, "high", since, message, params, "call_customer")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity)
