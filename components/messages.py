"""User-facing sentences for results that domain/ and data_access/ return as codes and numbers."""

from __future__ import annotations

from components import format as fmt
from components.i18n import N_, _
from domain.activity import ActivityError
from domain.behaviour import Trend

ACTIVITY_ERRORS = {
    "kind": N_("'{kind}' is not a note, a call or a promise to pay"),
    "author": N_("an author is needed"),
    "too_long": N_("the text is longer than {limit} characters"),
    "promise_amount": N_("a promise to pay needs a positive amount"),
    "promise_decimals": N_("the promised amount has more than 2 decimals"),
    "promise_date": N_("a promise to pay needs the date it promises"),
    "promise_before": N_("the promised date is before the day the promise was made"),
    "text": N_("a note or a call needs some text"),
    "customer": N_("the customer no longer exists"),
}

TREND_TEXT = {
    "too_few": N_("too few paid invoices to judge the trend"),
    "deteriorating": N_("median days late rose from {before} to {now} days"),
    "small_rise": N_("median days late rose to {now} days, still within the tolerance"),
    "steady": N_("median days late {now} against {before} before"),
}


def activity_error(exc: ActivityError) -> str:
    template = ACTIVITY_ERRORS.get(exc.code)
    return _(template).format(**exc.params) if template else str(exc)


def trend_text(trend: Trend) -> str:
    return _(TREND_TEXT[trend.code]).format(before=fmt.days(trend.baseline_median), now=fmt.days(trend.recent_median))


def watch_reason(deteriorating: bool, over_limit: bool, over_90: bool, trend: Trend | None) -> str:
    parts = []
    if deteriorating and trend is not None:
        parts.append(_("paying later: {trend}").format(trend=trend_text(trend)))
    if over_limit:
        parts.append(_("over credit limit"))
    if over_90:
        parts.append(_("over 90 days past due"))
    return "; ".join(parts)


CONTRIBUTION_TEXT = {
    "severe_event": N_("{event} registered {date}"),
    "payment_remarks": N_("{count} payment remark(s) on the latest credit report ({amount})"),
    "role_change": N_("change of CEO or chair registered {date}"),
    "weak_payment_index": N_("payment index {index}"),
    "deteriorating": N_("pays later than before: median {before} → {now} days late"),
    "high_overdue": N_("{share} of the balance is past due"),
    "over_limit": N_("credit limit {share} used"),
    "new_unrated": N_("customer for {months} months and no credit report"),
    "good_payer": N_("customer for {months} months with payment index {index}"),
}
EVENT_LABELS = {
    "bankruptcy": N_("Bankruptcy"),
    "bankruptcy_petition": N_("Bankruptcy petition"),
    "liquidation": N_("Liquidation"),
    "forced_dissolution": N_("Forced dissolution"),
    "debt_restructuring": N_("Debt restructuring"),
    "role_change": N_("Change of roles"),
    "address_change": N_("Change of address"),
    "deleted": N_("Deleted from the register"),
}


def event_label(kind: str) -> str:
    """A register event's name in the UI language (pages, alerts and the policy form share it)."""
    return _(EVENT_LABELS[kind]) if kind in EVENT_LABELS else kind.replace("_", " ").capitalize()


def contribution_text(code: str, params: dict) -> str:
    """A class contribution (domain.risk.Contribution) in the UI language."""
    template = CONTRIBUTION_TEXT.get(code)
    if template is None:
        return code
    p = dict(params)
    if "date" in p and p["date"] is not None:
        p["date"] = fmt.day(p["date"])
    if "event" in p:
        p["event"] = event_label(p["event"])
    for key in ("index",):
        if p.get(key) is not None:
            p[key] = fmt.number(p[key])
    for key in ("share", "utilisation"):
        if p.get(key) is not None:
            p["share"] = fmt.percent(p[key], 0)
    if "amount" in p:
        p["amount"] = fmt.number(p["amount"], 2)
    for key in ("before", "now"):
        if key in p:
            p[key] = fmt.days(p[key])
    return _(template).format(**p)
