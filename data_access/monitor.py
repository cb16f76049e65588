"""The monitor: evaluate every alert rule for a date and store the result idempotently, plus the alert inbox
(read, acknowledge, assign, comment, close, apply a recommendation). The caller owns the transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import Connection, Date, bindparam, insert, select, text, update

from data_access.activities import add_activity
from data_access.audit import record
from data_access.collections import broken_promises, missed_instalments
from data_access.kpis import rates_as_of
from data_access.ledger import active_policy, base_currency, bump_data_version, utcnow
from data_access.limits import credit_terms, policy_version, update_credit_terms
from data_access.risk import CustomerRisk, portfolio_risk, register_events
from data_access.schema import Alert, AlertLog, Customer, RiskHistory
from domain.activity import NewActivity
from domain.aging import amounts_beyond
from domain.alerts import (
    APPLICABLE,
    CONDITION_TYPES,
    SEVERITIES,
    TYPES,
    AlertCandidate,
    MonitorInputs,
    collection_alert,
    evaluate,
)
from domain.kpis import group_roots
from domain.policy import Policy

MONITOR = "monitor"  # the author of what the monitor does by itself


class AlertError(ValueError):
    """An inbox action that cannot be done; `code` and `params` let the UI say it in any language."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.params = params
        super().__init__(message)


def _jsonable(d: dict) -> str:
    return json.dumps({k: (str(v) if isinstance(v, (Decimal, date)) else v) for k, v in d.items()}, sort_keys=True)


def _local(amount: Decimal | None, currency: str, base: str, rates: dict) -> Decimal | None:
    """A base-currency amount in the customer's currency, rounded down to whole units (for suggested limits)."""
    if amount is None:
        return None
    if currency == base:
        return amount.quantize(Decimal("1"), rounding=ROUND_DOWN)
    rate = rates.get(currency)
    return None if not rate else (amount / rate).quantize(Decimal("1"), rounding=ROUND_DOWN)


def _previous_classes(conn: Connection, as_of: date) -> dict[int, str]:
    """Each customer's class as last recorded before as_of."""
    stmt = text(
        """SELECT customer_id, risk_class FROM (
             SELECT customer_id, risk_class,
                    ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY as_of DESC) AS rn
             FROM risk_history WHERE as_of < :as_of) h WHERE rn = 1"""
    ).bindparams(bindparam("as_of", type_=Date))
    return {r.customer_id: r.risk_class for r in conn.execute(stmt, {"as_of": as_of})}


def monitor_inputs(
    conn: Connection, as_of: date, policy: Policy | None = None
) -> list[tuple[CustomerRisk, MonitorInputs]]:
    """Every customer's state as of `as_of` in the shape the alert rules read."""
    policy = policy or active_policy(conn)
    t = policy.alerts
    extra = (t.overdue_days, t.collection_days, t.insurer_warning_from)
    pf = portfolio_risk(conn, as_of, extra_edges=extra, policy=policy)
    events = register_events(conn, as_of, t.new_event_days)
    previous = _previous_classes(conn, as_of)
    base, rates = base_currency(conn), rates_as_of(conn, as_of)
    currency = dict(conn.execute(select(Customer.id, Customer.currency)).all())
    limits_local = {
        r.id: (r.credit_limit, r.insured_limit)
        for r in conn.execute(select(Customer.id, Customer.credit_limit, Customer.insured_limit))
    }
    roots = group_roots({r.customer_id: r.parent_id for r in pf.rows})
    group_balance: dict[int, Decimal] = {}
    for r in pf.rows:
        group_balance[roots[r.customer_id]] = group_balance.get(roots[r.customer_id], Decimal("0.00")) + r.balance
    out = []
    for r in pf.rows:
        terms = policy.terms(r.risk_class)
        latest, prev = r.latest_report, r.previous_report
        is_root = roots[r.customer_id] == r.customer_id
        out.append(
            (
                r,
                MonitorInputs(
                    as_of=as_of,
                    risk_class=r.risk_class,
                    previous_class=previous.get(r.customer_id),
                    class_terms=terms,
                    payment_terms_days=r.payment_terms_days,
                    status=r.status,
                    events=tuple(events.get(r.customer_id, ())),
                    report_id=latest.id if latest else None,
                    report_date=latest.view.report_date if latest else None,
                    score=latest.view.score if latest else None,
                    previous_score=prev.view.score if prev else None,
                    remarks=latest.view.remarks_count if latest else 0,
                    previous_remarks=prev.view.remarks_count if prev else 0,
                    deteriorating=bool(r.trend and r.trend.deteriorating),
                    days_late_before=r.trend.baseline_median if r.trend else None,
                    days_late_now=r.trend.recent_median if r.trend else None,
                    balance=r.balance,
                    credit_limit=r.credit_limit,
                    credit_limit_local=limits_local[r.customer_id][0],
                    class_max_limit_local=_local(terms.max_credit_limit, currency[r.customer_id], base, rates),
                    overdue_beyond=amounts_beyond(r.amounts, pf.buckets, t.overdue_days),
                    collection_beyond=amounts_beyond(r.amounts, pf.buckets, t.collection_days),
                    insured_limit=r.insured_limit,
                    insured_limit_local=limits_local[r.customer_id][1],
                    insurer_due=amounts_beyond(r.amounts, pf.buckets, t.insurer_warning_from),
                    review_on=r.limit_review_on,
                    expires_on=r.limit_expires_on,
                    group_balance=group_balance[r.customer_id] if is_root and r.group_limit is not None else None,
                    group_limit=r.group_limit if is_root else None,
                ),
            )
        )
    return out


@dataclass(frozen=True)
class MonitorResult:
    as_of: date
    customers: int
    raised: int
    cleared: int
    held: int  # customers put on credit hold by a credit-hold event


def _log(
    conn: Connection,
    alert_id: int,
    author: str,
    action: str,
    body: str | None = None,
    change: tuple[dict, dict] | None = None,
) -> None:
    """The alert's own log; a person's action (not the monitor's) also goes into the audit trail, with the
    columns `_set` changed (`change`: before, after)."""
    conn.execute(insert(AlertLog).values(alert_id=alert_id, at=utcnow(), author=author, action=action, text=body))
    if author != MONITOR:
        before, after = change or (None, {})
        record(conn, author, action, "alert", alert_id, before, {**({"text": body} if body else {}), **after})


def run_monitor(conn: Connection, as_of: date) -> MonitorResult:
    """Evaluate every rule for `as_of` and store the outcome; running it twice for a date adds nothing."""
    policy = active_policy(conn)
    version = policy_version(conn)
    now = utcnow()
    pairs = monitor_inputs(conn, as_of, policy)
    live: dict[tuple[int, str], object] = {
        (r.customer_id, r.type): r
        for r in conn.execute(
            select(Alert.id, Alert.customer_id, Alert.type, Alert.status).where(
                Alert.type.in_(CONDITION_TYPES), Alert.cleared_on.is_(None)
            )
        )
    }
    keys = {
        (r.customer_id, r.type, r.key)
        for r in conn.execute(select(Alert.customer_id, Alert.type, Alert.key).where(Alert.type.in_(TYPES)))
    }
    # a rerun for the same date records the classes afresh (the policy may have changed in between)
    conn.execute(text("DELETE FROM risk_history WHERE as_of = :d").bindparams(bindparam("d", type_=Date)), {"d": as_of})
    raised = cleared = held = 0
    holding: set[int] = set()
    for risk, inputs in pairs:
        cid = risk.customer_id
        found = evaluate(inputs, policy.alerts, policy.risk_rules)
        firing = {c.type for c in found}
        for c in found:
            if c.type in CONDITION_TYPES:
                if (cid, c.type) in live:
                    continue
                key = as_of.isoformat()
            else:
                key = c.key
            if (cid, c.type, key) in keys:
                continue
            _insert(conn, cid, c, key, as_of, version, now)
            keys.add((cid, c.type, key))
            raised += 1
            if (
                c.type == "negative_event"
                and c.params.get("event") in policy.alerts.credit_hold_events
                and policy.alerts.auto_credit_hold
                and inputs.status != "credit_hold"
            ):
                holding.add(cid)
        for ltype in CONDITION_TYPES:
            row = live.get((cid, ltype))
            if row is not None and ltype not in firing:
                conn.execute(
                    update(Alert).where(Alert.id == row.id).values(cleared_on=as_of, status="closed", updated_at=now)
                )
                if row.status != "closed":
                    _log(conn, row.id, MONITOR, "cleared", f"the condition no longer holds on {as_of.isoformat()}")
                cleared += 1
        # the class as the monitor saw it, one row per change, for the next run's downgrade check
        if inputs.previous_class != risk.risk_class:
            conn.execute(
                insert(RiskHistory).values(
                    customer_id=cid,
                    as_of=as_of,
                    risk_class=risk.risk_class,
                    base_class=risk.assessment.base_class,
                    policy_version=version,
                )
            )
    # promises and plan instalments not kept (recent ones: an old breach found on a first run is history)
    fresh_from = as_of - timedelta(days=policy.alerts.new_event_days)
    for kind, found in (
        ("broken_promise", broken_promises(conn, as_of)),
        ("missed_instalment", missed_instalments(conn, as_of)),
    ):
        for cid, key, since, message, params in found:
            if (cid, kind, key) in keys or not fresh_from < since <= as_of:
                continue
            _insert(conn, cid, collection_alert(kind, key, since, message, params), key, as_of, version, now)
            keys.add((cid, kind, key))
            raised += 1
    for cid in sorted(holding):
        terms = credit_terms(conn, cid)
        update_credit_terms(
            conn,
            cid,
            type(terms)(**{**terms.__dict__, "status": "credit_hold"}),
            reason="a credit-hold event was registered (credit policy)",
            author=MONITOR,
            effective_on=as_of,
            source="monitor",
        )
        held += 1
    bump_data_version(conn)
    return MonitorResult(as_of, len(pairs), raised, cleared, held)


def _insert(conn, cid, c: AlertCandidate, key: str, as_of: date, version, now) -> None:
    new_id = conn.execute(
        insert(Alert)
        .values(
            customer_id=cid,
            type=c.type,
            key=key,
            severity=c.severity,
            since=c.since,
            raised_on=as_of,
            message=c.message,
            params=_jsonable(c.params),
            recommendation=c.recommendation,
            recommendation_params=_jsonable(c.recommendation_params),
            status="open",
            policy_version=version,
            created_at=now,
            updated_at=now,
        )
        .returning(Alert.id)
    ).scalar_one()
    _log(conn, new_id, MONITOR, "raised", c.message)


# --- the inbox -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertRow:
    id: int
    customer_id: int
    customer_ref: str
    customer_name: str
    type: str
    severity: str
    since: date
    raised_on: date
    message: str
    params: dict
    recommendation: str
    recommendation_params: dict
    status: str
    assignee: str | None
    cleared_on: date | None
    policy_version: int | None

    def as_json(self) -> dict:
        """The CLI's JSON shape (docs/data-formats.md)."""
        return {
            "customer_ref": self.customer_ref,
            "type": self.type,
            "severity": self.severity,
            "since": self.since.isoformat(),
            "message": self.message,
            "recommendation": self.recommendation,
        }


def alerts(
    conn: Connection,
    *,
    statuses: tuple[str, ...] = ("open", "acknowledged"),
    customer_id: int | None = None,
    types: tuple[str, ...] = (),
    severities: tuple[str, ...] = (),
    assignee: str | None = None,
) -> list[AlertRow]:
    """Alerts by status (open and acknowledged by default), most severe first, then oldest, then customer."""
    q = select(Alert.__table__, Customer.customer_ref, Customer.name).join(Customer, Customer.id == Alert.customer_id)
    if statuses:
        q = q.where(Alert.status.in_(statuses))
    if customer_id is not None:
        q = q.where(Alert.customer_id == customer_id)
    if types:
        q = q.where(Alert.type.in_(types))
    if severities:
        q = q.where(Alert.severity.in_(severities))
    if assignee is not None:
        q = q.where(Alert.assignee.is_(None) if assignee == "" else Alert.assignee == assignee)
    rows = [
        AlertRow(
            r.id,
            r.customer_id,
            r.customer_ref,
            r.name,
            r.type,
            r.severity,
            r.since,
            r.raised_on,
            r.message,
            json.loads(r.params),
            r.recommendation,
            json.loads(r.recommendation_params),
            r.status,
            r.assignee,
            r.cleared_on,
            r.policy_version,
        )
        for r in conn.execute(q)
    ]
    rows.sort(key=lambda a: (SEVERITIES.index(a.severity), a.since, a.customer_ref, TYPES.index(a.type), a.id))
    return rows


@dataclass(frozen=True)
class AlertLogRow:
    at: datetime
    author: str
    action: str
    text: str | None


def alert_log(conn: Connection, alert_id: int) -> list[AlertLogRow]:
    rows = conn.execute(
        select(AlertLog.at, AlertLog.author, AlertLog.action, AlertLog.text)
        .where(AlertLog.alert_id == alert_id)
        .order_by(AlertLog.at, AlertLog.id)
    ).all()
    return [AlertLogRow(*r) for r in rows]


def _alert(conn: Connection, alert_id: int):
    r = conn.execute(select(Alert.__table__).where(Alert.id == alert_id)).one_or_none()
    if r is None:
        raise AlertError("missing", f"alert {alert_id} does not exist", alert_id=alert_id)
    return r


def _author(author: str) -> str:
    if not author.strip():
        raise AlertError("author", "an author is needed (enter your name under Acting as)")
    return author.strip()


def _set(conn: Connection, alert_id: int, **values) -> tuple[dict, dict]:
    """Update the alert; returns the changed columns as they were and as they are now (for the audit trail)."""
    before = dict(
        conn.execute(select(*(Alert.__table__.c[k] for k in values)).where(Alert.id == alert_id)).one()._mapping
    )
    conn.execute(update(Alert).where(Alert.id == alert_id).values(**values, updated_at=utcnow()))
    bump_data_version(conn)
    return before, values


def acknowledge(conn: Connection, alert_id: int, author: str) -> None:
    r, who = _alert(conn, alert_id), _author(author)
    if r.status != "open":
        raise AlertError("not_open", f"alert {alert_id} is {r.status}, not open", status=r.status)
    change = _set(conn, alert_id, status="acknowledged")
    _log(conn, alert_id, who, "acknowledged", change=change)


def assign(conn: Connection, alert_id: int, assignee: str | None, author: str) -> None:
    r, who = _alert(conn, alert_id), _author(author)
    if r.status == "closed":
        raise AlertError("closed", f"alert {alert_id} is closed")
    name = (assignee or "").strip() or None
    change = _set(conn, alert_id, assignee=name)
    _log(conn, alert_id, who, "assigned", name or "(unassigned)", change=change)


def comment(conn: Connection, alert_id: int, body: str, author: str) -> None:
    _alert(conn, alert_id)
    who = _author(author)
    if not body.strip():
        raise AlertError("empty", "the comment is empty")
    _log(conn, alert_id, who, "comment", body.strip())
    bump_data_version(conn)


def close(conn: Connection, alert_id: int, author: str, resolution: str) -> None:
    r, who = _alert(conn, alert_id), _author(author)
    if r.status == "closed":
        raise AlertError("closed", f"alert {alert_id} is already closed")
    if not resolution.strip():
        raise AlertError("resolution", "closing an alert needs a resolution")
    change = _set(conn, alert_id, status="closed")
    _log(conn, alert_id, who, "closed", resolution.strip(), change=change)


def apply_recommendation(conn: Connection, alert_id: int, author: str, as_of: date) -> list:
    """Carry out the alert's recommendation on the customer (recorded as a change with reason and author) and
    acknowledge the alert; returns the changed fields."""
    r, who = _alert(conn, alert_id), _author(author)
    rec, params = r.recommendation, json.loads(r.recommendation_params)
    if rec not in APPLICABLE:
        raise AlertError("not_applicable", f"'{rec}' is a task for a person, not a change to apply", recommendation=rec)
    if r.status == "closed":
        raise AlertError("closed", f"alert {alert_id} is closed")
    terms = credit_terms(conn, r.customer_id)
    values = dict(terms.__dict__)
    if rec == "shorten_terms":
        values["payment_terms_days"] = int(params["to"])
    elif rec == "require_prepayment":
        values["status"] = "prepayment_only"
    elif rec == "lower_limit":
        values["credit_limit"] = Decimal(str(params["to"])).quantize(Decimal("0.01"))
    elif rec in ("credit_hold", "hand_over_to_collection"):
        values["status"] = "credit_hold"
    reason = f"alert {alert_id} ({r.type}): {r.message}; recommendation {rec}"
    found = []
    if type(terms)(**values) != terms:
        found = update_credit_terms(
            conn,
            r.customer_id,
            type(terms)(**values),
            reason=reason,
            author=who,
            effective_on=as_of,
            source="alert_action",
            alert_id=alert_id,
        )
    if rec == "hand_over_to_collection":
        add_activity(
            conn,
            r.customer_id,
            NewActivity("note", as_of, f"Handed over to collection (alert {alert_id}): {r.message}", who),
        )
    elif rec == "call_customer":
        add_activity(
            conn,
            r.customer_id,
            NewActivity("note", as_of, f"To do: call the customer (alert {alert_id}): {r.message}", who),
        )
    if r.status == "open":
        _set(conn, alert_id, status="acknowledged")
    _log(conn, alert_id, who, "applied", rec)
    bump_data_version(conn)
    return found
