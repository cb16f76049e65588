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
EVENT_NAMES = {
    "bankruptcy": N_("Bankruptcy"),
    "bankruptcy_petition": N_("Bankruptcy petition"),
    "liquidation": N_("Liquidation"),
    "forced_dissolution": N_("Forced dissolution"),
    "debt_restructuring": N_("Debt restructuring"),
    "role_change": N_("Change of CEO or chair"),
    "address_change": N_("Change of address"),
}
CREDIT_TERMS_ERRORS = {
    "negative": N_("a credit limit cannot be negative"),
    "decimals": N_("the amount has more than 2 decimals"),
    "terms": N_("payment terms must be between 0 and 365 days"),
    "status": N_("'{status}' is not a valid status"),
    "share": N_("the insured share must be between 0 and 100 %"),
    "insurance": N_("an insured limit needs the insurer and the insured share"),
    "author": N_("enter your name under Acting as in the sidebar first"),
    "reason": N_("every change needs a reason"),
    "raise_needs_approval": N_("raising a credit limit needs an approved limit request: use Request a limit"),
    "unchanged": N_("nothing changed"),
    "role": N_("the role '{role}' may not request credit limits"),
    "pending": N_("{ref} already has a pending limit request"),
    "customer": N_("the customer no longer exists"),
    "decided": N_("the request is already {status}"),
}
APPROVAL_ERRORS = {
    "self_approval": N_("you cannot approve your own request"),
    "no_authority": N_("the role '{role}' may not grant credit limits"),
    "above_matrix": N_("{amount} exceeds every level of the approval matrix"),
    "level_too_low": N_("this amount needs the approval of the role '{needed}'"),
    "negative": N_("a credit limit cannot be negative"),
    "before_request": N_("a decision cannot predate its request"),
}


def event_name(kind: str) -> str:
    return _(EVENT_NAMES[kind]) if kind in EVENT_NAMES else kind.replace("_", " ")


def contribution_text(code: str, params: dict) -> str:
    """A class contribution (domain.risk.Contribution) in the UI language."""
    template = CONTRIBUTION_TEXT.get(code)
    if template is None:
        return code
    p = dict(params)
    if "date" in p and p["date"] is not None:
        p["date"] = fmt.day(p["date"])
    if "event" in p:
        p["event"] = event_name(p["event"])
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


def coded_error(exc) -> str:
    """A CreditTermsError or ApprovalError in the UI language (its English text when the code is unknown)."""
    from domain.approvals import ApprovalError

    table = APPROVAL_ERRORS if isinstance(exc, ApprovalError) else CREDIT_TERMS_ERRORS
    template = table.get(getattr(exc, "code", ""))
    try:
        return _(template).format(**exc.params) if template else str(exc)
    except (KeyError, IndexError):
        return str(exc)
