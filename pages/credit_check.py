"""Credit check: a prospective customer's request checked against the active credit policy, and recent checks."""

from datetime import date
from decimal import Decimal

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame
from components.frame import ROLE_LABELS
from components.i18n import N_, _
from components.safe import md
from components.state import acting_user, current_view
from data_access import cache
from domain.credit_check import CreditCheckError, CreditCheckInput, CreditDecision, Reason
from domain.fx import CURRENCIES, MissingFxRate
from domain.identifiers import COUNTRIES, OrgNumberError, normalise_org_number
from domain.risk import BureauView

frame.enter_page()

K = "cc_"  # widget keys
RESULT, ERROR = "cc_result", "cc_error"

DECISIONS = {
    "approve": (N_("Approved"), st.success, ":material/check_circle:"),
    "approve_reduced": (N_("Approved with a lower limit or shorter terms"), st.warning, ":material/rule:"),
    "prepayment_only": (N_("Prepayment only"), st.info, ":material/payments:"),
    "decline": (N_("Declined"), st.error, ":material/block:"),
}
REPORT_MODES = {
    "bureau": N_("From imported bureau data"),
    "manual": N_("Enter by hand"),
    "none": N_("No report"),
}
BANDS = {  # the default policy's band labels; a label edited in the policy is shown as written
    "very low risk": N_("very low risk"),
    "low risk": N_("low risk"),
    "moderate risk": N_("moderate risk"),
    "high risk": N_("high risk"),
    "very high risk": N_("very high risk"),
}
REASONS = {
    "base_class": N_("The bureau's view ({band}) maps to class {class}"),
    "unrated": N_("No credit report: class {class}, the policy's class for companies without a rating"),
    "unrated_report": N_(
        "The report gives no score or known rating: class {class}, the policy's class for companies without a rating"
    ),
    "payment_remarks": N_("{count} payment remarks on the latest report ({amount})"),
    "new_unrated": N_("A new customer without a credit report"),
    "many_remarks": N_("{count} payment remarks: the policy declines at {threshold} or more"),
    "class_e_remarks": N_("Class E with {count} payment remarks: declined"),
    "prepayment": N_("Class {class} trades on prepayment only"),
    "limit_lowered": N_("Limit lowered from {requested} to {granted}, the maximum for class {class}"),
    "terms_shortened": N_("Terms shortened from {requested} to {granted} days, the standard for class {class}"),
    "insurance_required": N_("Credit insurance required for class {class}"),
    "above_matrix": N_("{amount} in the base currency exceeds every level of the approval matrix"),
}
ERRORS = {
    "org_number": N_("'{org_number}' is not a valid organisation number in {country}"),
    "name": N_("the company's name is needed"),
    "name_too_long": N_("the name is longer than {limit} characters"),
    "negative_limit": N_("the requested limit cannot be negative"),
    "limit_decimals": N_("the requested limit has more than 2 decimals"),
    "negative_terms": N_("payment terms cannot be negative"),
    "terms_too_long": N_("payment terms cannot exceed {limit} days"),
    "report_after": N_("the report is dated {report_date}, after the check's date {as_of}"),
    "score": N_("a score must be between 0 and 100, not {score}"),
    "uc_class": N_("a UC risk class must be between 1 and 5, not {uc_class}"),
    "remarks": N_("payment remarks cannot be negative"),
    "source": N_("a credit report needs its source (the bureau)"),
}


def role_label(role: str | None) -> str:
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else (role or fmt.DASH)


def decision_label(code: str) -> str:
    return _(DECISIONS[code][0]) if code in DECISIONS else code


def reason_text(r: Reason, currency: str, base: str) -> str:
    template = REASONS.get(r.code)
    if template is None:
        text = r.text[:1].upper() + r.text[1:]  # a rule without its own wording: the English text
    else:
        p = dict(r.params)
        if r.code == "base_class":
            band = p.get("band")
            p["band"] = _(BANDS[band]) if band in BANDS else band
        if r.code == "payment_remarks":
            p["amount"] = fmt.number(p.get("amount"), 2)
        if r.code == "limit_lowered":
            p["requested"], p["granted"] = fmt.money(p["requested"], currency), fmt.money(p["granted"], currency)
        if r.code == "above_matrix":
            p["amount"] = fmt.money(p["amount"], base)
        text = _(template).format(**p)
    notches = r.params.get("notches")
    return f"{text} ({notches:+d})" if notches else text


def error_text(e: Exception) -> str:
    if isinstance(e, CreditCheckError) and e.code in ERRORS:
        p = {k: fmt.day(v) if isinstance(v, date) else v for k, v in e.params.items()}
        return _(ERRORS[e.code]).format(**p)
    if isinstance(e, MissingFxRate):
        return _("no exchange rate for {currency} dated on or before {date}").format(
            currency=e.currency, date=fmt.day(e.on)
        )
    return str(e)


def report_line(r: BureauView, currency: str) -> str:
    parts = [_("{source}, {date}").format(source=md(r.source), date=fmt.day(r.report_date))]
    if r.score is not None:
        parts.append(_("score {score}").format(score=r.score))
    if r.rating:
        parts.append(_("rating {rating}").format(rating=md(r.rating)))
    if r.uc_class is not None:
        parts.append(_("UC risk class {n}").format(n=r.uc_class))
    if r.remarks_count:
        parts.append(
            _("{n} payment remarks, {amount}").format(n=r.remarks_count, amount=fmt.money(r.remarks_amount, currency))
        )
    else:
        parts.append(_("no payment remarks"))
    return " · ".join(parts)


# --- the request ------------------------------------------------------------------------------------


def org_number_or_none(country: str, number: str) -> str | None:
    try:
        return normalise_org_number(country, number.strip()) if number.strip() else None
    except OrgNumberError:
        return None


def manual_report(as_of: date) -> BureauView:
    s = st.session_state
    a, b, c = st.columns(3)
    a.text_input(_("Source (bureau)"), key=K + "m_source", value="Manual")
    b.date_input(_("Report date"), key=K + "m_date", value=as_of, format="DD.MM.YYYY")
    c.number_input(_("Score (0–100)"), key=K + "m_score", value=None, min_value=0, max_value=100, step=1)
    a, b, c, d = st.columns(4)
    a.text_input(_("Rating"), key=K + "m_rating", placeholder="AAA, AA, A, AN, B, C")
    b.selectbox(
        _("UC risk class"),
        [None, 1, 2, 3, 4, 5],
        key=K + "m_uc",
        format_func=lambda v: fmt.DASH if v is None else str(v),
    )
    c.number_input(_("Payment remarks"), key=K + "m_remarks", value=0, min_value=0, step=1)
    d.number_input(_("Remarks amount"), key=K + "m_amount", value=0.0, min_value=0.0, step=1000.0, format="%.2f")
    rating = (s.get(K + "m_rating") or "").strip().upper() or None
    return BureauView(
        report_date=s.get(K + "m_date") or as_of,
        source=s.get(K + "m_source") or "",
        score=s.get(K + "m_score"),
        rating=rating,
        uc_class=s.get(K + "m_uc"),
        remarks_count=int(s.get(K + "m_remarks") or 0),
        remarks_amount=Decimal(f"{s.get(K + 'm_amount') or 0:.2f}"),
    )


def request_form(as_of: date, base: str) -> tuple[CreditCheckInput, str, str] | None:
    """The widgets; returns (input, currency, customer ref) when the check was submitted."""
    a, b, c = st.columns([1, 2, 3])
    country = a.selectbox(_("Country"), COUNTRIES, key=K + "country")
    org = b.text_input(_("Organisation number"), key=K + "org")
    name = c.text_input(_("Company name"), key=K + "name")
    a, b, c, d = st.columns(4)
    ref = a.text_input(
        _("Customer reference (optional)"),
        key=K + "ref",
        help=_("Create the customer when credit is granted, with a pending limit request for the granted limit."),
    )
    currencies = list(CURRENCIES) if base in CURRENCIES else [base, *CURRENCIES]
    currency = b.selectbox(_("Currency"), currencies, index=currencies.index(base), key=K + "currency")
    limit = c.number_input(_("Requested limit"), key=K + "limit", value=0, min_value=0, step=10_000)
    days = d.number_input(_("Requested terms (days)"), key=K + "terms", value=30, min_value=0, max_value=365, step=1)

    st.subheader(_("Latest credit report"), anchor=False)
    # The options are the words themselves, not codes with a format_func: AppTest words options outside the
    # session (in English), so a translated format_func breaks every Norwegian test run.
    labels = {_(label): mode for mode, label in REPORT_MODES.items()}
    choice = st.radio(
        _("Credit report"), list(labels), key=K + "report_mode", horizontal=True, label_visibility="collapsed"
    )
    mode = labels.get(choice, "bureau")
    report: BureauView | None = None
    if mode == "bureau":
        compact = org_number_or_none(country, org)
        if compact is None:
            st.caption(_("Enter a valid organisation number to look up its report."))
        else:
            report = cache.bureau_report(compact, country, as_of)
            if report is None:
                st.info(_("No report on file for {org}.").format(org=compact), icon=":material/search_off:")
            else:
                st.markdown(
                    ":material/description: " + _("On file: {report}").format(report=report_line(report, currency))
                )
    elif mode == "manual":
        report = manual_report(as_of)

    if not st.button(_("Run the credit check"), type="primary", icon=":material/fact_check:", key=K + "submit"):
        return None
    check = CreditCheckInput(
        as_of=as_of,
        org_number=org,
        country=country,
        name=name,
        requested_limit=Decimal(int(limit)),
        requested_terms_days=int(days),
        report=report,
    )
    return check, currency, ref


def submit(check: CreditCheckInput, currency: str, ref: str) -> None:
    actor = acting_user()
    st.session_state[RESULT] = st.session_state[ERROR] = None
    if not actor.name:
        st.session_state[ERROR] = _("enter your name under “Acting as” in the sidebar")
        return
    try:
        decision, record = cache.run_credit_check(
            check, author=actor.name, customer_ref=ref or None, currency=currency, role=actor.role
        )
    except (ValueError, MissingFxRate) as e:
        st.session_state[ERROR] = error_text(e)
        return
    st.session_state[RESULT] = (decision, record, currency, (ref or "").strip(), check.report)


# --- the decision -----------------------------------------------------------------------------------


def show_decision(d: CreditDecision, record, currency: str, ref: str, report: BureauView | None, base: str) -> None:
    label, box, icon = DECISIONS[d.decision]
    box(f"**{_(label)}**", icon=icon)
    a, b, c = st.columns(3, border=True)
    with a:
        st.metric(_("Risk class"), d.risk_class)
        if report is None:
            st.caption(_("No credit report"))
        else:
            score = fmt.DASH if report.score is None else str(report.score)
            st.caption(
                _("Bureau score {score} · base class {base}").format(score=score, base=d.base_class)
                + (" · " + md(report.rating) if report.rating else "")
            )
    b.metric(_("Granted limit"), fmt.money(d.granted_limit, currency))
    c.metric(_("Granted terms"), _("{n} days").format(n=d.granted_terms_days))
    st.markdown("**" + _("Reasons") + "**")
    st.markdown("\n".join(f"- {md(reason_text(r, currency, base))}" for r in d.reasons))
    if d.approver_role:
        st.markdown(
            ":material/how_to_reg: " + _("Approval needed from: {role}").format(role=role_label(d.approver_role))
        )
    if record.limit_request_id is not None:
        st.success(
            _("Customer {ref} was created and a pending limit request (no. {id}) awaits approval.").format(
                ref=md(ref), id=record.limit_request_id
            ),
            icon=":material/pending_actions:",
        )
    elif record.customer_id is not None:
        st.success(
            _("Customer {ref} was created on prepayment only.").format(ref=md(ref)), icon=":material/person_add:"
        )
    elif d.grants_credit:
        st.caption(_("No customer reference given: no customer and no limit request were created."))
    policy = _("version {n}").format(n=record.policy_version) if record.policy_version else _("built-in defaults")
    st.caption(_("Stored as check no. {id} under the credit policy: {policy}.").format(id=record.id, policy=policy))


def history() -> None:
    st.subheader(_("Recent credit checks"), anchor=False)
    rows = cache.credit_check_history()
    if not rows:
        st.info(_("No credit checks yet."), icon=":material/history:")
        return
    col = {
        "date": _("Date"),
        "org": _("Org. no."),
        "name": _("Name"),
        "class": _("Class"),
        "decision": _("Decision"),
        "limit": _("Granted limit"),
        "currency": _("Currency"),
        "terms": _("Terms (days)"),
        "author": _("Author"),
        "policy": _("Policy version"),
    }
    frame_ = pd.DataFrame(
        {
            col["date"]: [r.checked_on for r in rows],
            col["org"]: [f"{r.country} {r.org_number}" for r in rows],
            col["name"]: [r.name for r in rows],
            col["class"]: [r.risk_class for r in rows],
            col["decision"]: [decision_label(r.decision) for r in rows],
            col["limit"]: [float(r.granted_limit) for r in rows],
            col["currency"]: [r.currency for r in rows],
            col["terms"]: [r.granted_terms_days for r in rows],
            col["author"]: [r.author for r in rows],
            col["policy"]: [r.policy_version for r in rows],
        }
    )
    st.dataframe(
        frame_,
        hide_index=True,
        width="stretch",
        key=K + "history",
        column_config={
            col["date"]: st.column_config.DateColumn(format=fmt.date_column_format()),
            col["limit"]: st.column_config.NumberColumn(format="localized"),
            col["policy"]: st.column_config.NumberColumn(help=_("Empty: the built-in defaults")),
        },
    )


# --- page -------------------------------------------------------------------------------------------

view = current_view()
base_currency = cache.status().company.base_currency
st.title(_("Credit check"))
st.caption(
    _(
        "A new customer's request checked against the active credit policy as of {date}: the risk class, the "
        "limit and terms the policy allows, and who must approve."
    ).format(date=fmt.day(view.as_of))
)
submitted = request_form(view.as_of, base_currency)
if submitted is not None:
    submit(*submitted)
if st.session_state.get(ERROR):
    st.error(_("Not checked: {reason}.").format(reason=md(st.session_state[ERROR])), icon=":material/error:")
elif st.session_state.get(RESULT):
    show_decision(*st.session_state[RESULT], base_currency)
st.divider()
history()
