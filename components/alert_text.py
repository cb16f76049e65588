"""Alerts in the reader's language: labels of types, severities, statuses, recommendations and log actions, each
alert worded from its params, what applying a recommendation changes, and inbox/approval errors by their code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from components import format as fmt
from components.frame import ROLE_LABELS
from components.i18n import N_, _
from components.messages import event_label
from data_access.monitor import AlertError
from domain.approvals import ApprovalError
from domain.credit_terms import CreditTermsError

TYPE_LABELS = {
    "negative_event": N_("Negative event"),
    "score_drop": N_("Score or class drop"),
    "payment_deterioration": N_("Paying later"),
    "over_limit": N_("Over the credit limit"),
    "group_over_limit": N_("Group over its limit"),
    "overdue": N_("Overdue"),
    "review_due": N_("Credit review due"),
    "insured_limit_exceeded": N_("Over the insured limit"),
    "insurer_notification_due": N_("Insurer to be notified"),
    "broken_promise": N_("Promise to pay broken"),
    "missed_instalment": N_("Plan instalment missed"),
}
SEVERITY_LABELS = {"high": N_("High"), "medium": N_("Medium"), "low": N_("Low")}
STATUS_LABELS = {"open": N_("Open"), "acknowledged": N_("Acknowledged"), "closed": N_("Closed")}
RECOMMENDATION_LABELS = {
    "shorten_terms": N_("Shorten the payment terms"),
    "require_prepayment": N_("Require prepayment"),
    "lower_limit": N_("Lower the credit limit"),
    "credit_hold": N_("Put on credit hold"),
    "call_customer": N_("Call the customer"),
    "hand_over_to_collection": N_("Hand over to collection"),
    "review_credit": N_("Review the credit"),
    "notify_insurer": N_("Notify the credit insurer"),
}
ACTION_LABELS = {
    "raised": N_("Raised"),
    "acknowledged": N_("Acknowledged"),
    "assigned": N_("Assigned"),
    "comment": N_("Comment"),
    "closed": N_("Closed"),
    "cleared": N_("Cleared by the monitor"),
    "applied": N_("Recommendation applied"),
}
CUSTOMER_STATUS_LABELS = {
    "active": N_("Active"),
    "credit_hold": N_("Credit hold"),
    "prepayment_only": N_("Prepayment only"),
}

ALERT_ERRORS = {
    "missing": N_("the alert no longer exists"),
    "author": N_("enter your name under “Acting as” in the sidebar: every action is recorded with who did it"),
    "not_open": N_("the alert is already {status}"),
    "closed": N_("the alert is closed"),
    "empty": N_("the comment is empty"),
    "resolution": N_("closing an alert needs a resolution"),
    "not_applicable": N_("this recommendation is a task for a person, not a change the app can make"),
}
APPROVAL_ERRORS = {
    "self_approval": N_("you requested this limit yourself; someone else must approve it"),
    "no_authority": N_("the role {role} may not decide credit limits"),
    "level_too_low": N_("{amount} needs the approval of {needed} or higher"),
    "above_matrix": N_("{amount} is above every level of the approval matrix"),
    "before_request": N_("a decision cannot be dated before its request"),
    "negative": N_("a credit limit cannot be negative"),
}
TERMS_ERRORS = {
    "author": ALERT_ERRORS["author"],
    "reason": N_("a reason is needed"),
    "request": N_("the limit request no longer exists"),
    "decided": N_("the limit request is already {status}"),
    "customer": N_("the customer no longer exists"),
    "unchanged": N_("nothing changed"),
    "terms": N_("payment terms must be between 0 and 365 days"),
    "negative": N_("a credit limit cannot be negative"),
    "raise_needs_approval": N_("raising a credit limit needs an approved limit request: use Request a limit"),
    "decimals": N_("the amount has more than 2 decimals"),
    "status": N_("'{status}' is not a valid status"),
    "share": N_("the insured share must be between 0 and 100 %"),
    "insurance": N_("an insured limit needs the insurer and the insured share"),
    "role": N_("the role '{role}' may not request credit limits"),
    "pending": N_("{ref} already has a pending limit request"),
    "conflict": N_(
        "{who} changed this customer ({when}) after you opened it: {changes}. Nothing was saved; the form now shows "
        "the current values."
    ),
}
REQUEST_STATUS_LABELS = {
    "pending": N_("pending"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "withdrawn": N_("withdrawn"),
}


def _label(labels: dict[str, str], code: str) -> str:
    return _(labels[code]) if code in labels else code.replace("_", " ")


def type_label(alert_type: str) -> str:
    return _label(TYPE_LABELS, alert_type)


def severity_label(severity: str) -> str:
    return _label(SEVERITY_LABELS, severity)


def status_label(status: str) -> str:
    return _label(STATUS_LABELS, status)


def recommendation_label(recommendation: str) -> str:
    return _label(RECOMMENDATION_LABELS, recommendation)


def action_label(action: str) -> str:
    return _label(ACTION_LABELS, action)


def customer_status_label(status: str) -> str:
    return _label(CUSTOMER_STATUS_LABELS, status)


def role_label(role: str) -> str:
    return _label(ROLE_LABELS, role)


def _amount(value, currency: str | None) -> str:
    """Params come back from JSON as strings; money is shown with the currency when it is known."""
    if value is None or value == "":
        return fmt.DASH
    amount = Decimal(str(value))
    return fmt.money(amount, currency) if currency else fmt.number(amount, 2)


def _day(value) -> str:
    return fmt.day(value if isinstance(value, date) else date.fromisoformat(str(value)))


def _days(value) -> str:
    return fmt.DASH if value is None else fmt.days(Decimal(str(value)))


def _word(alert_type: str, p: dict, currency: str | None) -> str:
    if alert_type == "negative_event":
        if p["event"] == "payment_remark":
            return _("Payment remarks on the credit report rose from {before} to {now}").format(
                before=p["before"], now=p["now"]
            )
        return _("{event} registered {date}").format(event=event_label(p["event"]), date=_day(p["date"]))
    if alert_type == "score_drop":
        if p["kind"] == "class":
            return _("Risk class downgraded from {before} to {now}").format(before=p["before"], now=p["now"])
        return _("Bureau score fell {points} points, from {before} to {now}").format(
            points=p["points"], before=p["before"], now=p["now"]
        )
    if alert_type == "payment_deterioration":
        return _("Pays later than before: median {before} → {now} days late").format(
            before=_days(p.get("before")), now=_days(p.get("now"))
        )
    if alert_type == "over_limit":
        return _("Balance {balance} is over the credit limit {limit}").format(
            balance=_amount(p["balance"], currency), limit=_amount(p["limit"], currency)
        )
    if alert_type == "group_over_limit":
        return _("Group balance {balance} is over the group limit {limit}").format(
            balance=_amount(p["balance"], currency), limit=_amount(p["limit"], currency)
        )
    if alert_type == "overdue":
        text = _("{amount} is more than {days} days past due").format(
            amount=_amount(p["amount"], currency), days=p["days"]
        )
        if Decimal(str(p.get("collection_amount") or 0)) > 0:
            text += _("; {amount} of it is due for collection").format(amount=_amount(p["collection_amount"], currency))
        return text
    if alert_type == "review_due":
        if p.get("expired"):
            return _("Credit limit expired {date}").format(date=_day(p["date"]))
        return _("Credit review due {date}").format(date=_day(p["date"]))
    if alert_type == "insured_limit_exceeded":
        return _("Balance {balance} is over the insured limit {limit}").format(
            balance=_amount(p["balance"], currency), limit=_amount(p["insured_limit"], currency)
        )
    if alert_type == "insurer_notification_due":
        return _("{amount} is more than {from_days} days past due: the insurer must be told by day {deadline}").format(
            amount=_amount(p["amount"], currency), from_days=p["from_days"], deadline=p["deadline_days"]
        )
    if alert_type == "broken_promise":
        ccy = p.get("currency") or currency
        return _("Promised {amount} by {date}; {paid} was paid").format(
            amount=_amount(p["amount"], ccy), date=_day(p["date"]), paid=_amount(p["paid"], ccy)
        )
    if alert_type == "missed_instalment":
        ccy = p.get("currency") or currency
        return _("Plan instalment of {amount} due {date} was not paid").format(
            amount=_amount(p["amount"], ccy), date=_day(p["date"])
        )
    raise KeyError(alert_type)


def alert_message(alert_type: str, params: dict, currency: str | None = None, fallback: str | None = None) -> str:
    """One alert in the UI language from its type and params (amounts in `currency`, the base currency; without
    it they are plain numbers). An unknown type or incomplete params give `fallback` (the stored English text)."""
    try:
        return _word(alert_type, params, currency)
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return fallback if fallback is not None else type_label(alert_type)


def recommendation_change(
    recommendation: str,
    params: dict,
    currency: str | None = None,
    *,
    terms_days: int | None = None,
    credit_limit: Decimal | None = None,
    status: str | None = None,
) -> str:
    """What applying the recommendation changes on the customer, e.g. "Payment terms 45 → 15 days"; the current
    values (when given) win over those the alert recorded. Empty for recommendations that change nothing."""
    if recommendation == "shorten_terms" and "to" in params:
        before = terms_days if terms_days is not None else params.get("from")
        return _("Payment terms {before} → {after} days").format(
            before=fmt.DASH if before is None else before, after=params["to"]
        )
    if recommendation == "lower_limit" and "to" in params:
        before = credit_limit if credit_limit is not None else params.get("from")
        return _("Credit limit {before} → {after}").format(
            before=_amount(before, currency), after=_amount(params["to"], currency)
        )
    if recommendation == "call_customer":
        return _("A call to the customer in the activity log, as a task")
    targets = {
        "require_prepayment": "prepayment_only",
        "credit_hold": "credit_hold",
        "hand_over_to_collection": "credit_hold",
    }
    if recommendation in targets:
        text = _("Status {before} → {after}").format(
            before=customer_status_label(status) if status else fmt.DASH,
            after=customer_status_label(targets[recommendation]),
        )
        if recommendation == "hand_over_to_collection":
            text += _(", and a note that the customer was handed over to collection")
        return text
    return ""


def _format(template: str, params: dict, currency: str | None) -> str:
    shown = dict(params)
    for key in ("role", "needed"):
        if key in shown:
            shown[key] = role_label(str(shown[key]))
    if "amount" in shown:
        shown["amount"] = _amount(shown["amount"], currency)
    if "status" in shown:
        s = str(shown["status"])
        shown["status"] = _(STATUS_LABELS[s]).lower() if s in STATUS_LABELS else _label(REQUEST_STATUS_LABELS, s)
    return _(template).format(**shown)


def error_text(exc: Exception, currency: str | None = None) -> str:
    """An AlertError, ApprovalError or CreditTermsError in the UI language when its code has a text, else the
    English message it carries. `currency` is the base currency (approval amounts)."""
    code = getattr(exc, "code", None)
    if isinstance(exc, AlertError):
        table = ALERT_ERRORS
    elif isinstance(exc, ApprovalError):
        table = APPROVAL_ERRORS
    elif isinstance(exc, CreditTermsError):
        table = TERMS_ERRORS
    else:
        return str(exc)
    if code not in table:
        return str(exc)
    try:
        return _format(table[code], getattr(exc, "params", {}) or {}, currency)
    except (KeyError, ValueError, IndexError, ArithmeticError):
        return str(exc)
