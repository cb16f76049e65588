"""Customer: one customer as a credit manager sees it (header, open items, payment behaviour, credit, activities)."""

from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial

import pandas as pd
import streamlit as st
from babel import Locale
from babel.dates import format_date

from components import alert_text, charts, frame, guard, messages, tables, widgets
from components import format as fmt
from components.i18n import N_, _, babel_locale, bucket_label, current_language, ngettext
from components.safe import chart_text, md
from components.state import CUSTOMER, acting_user, current_view
from components.theme import STATUS_BADGES
from data_access import cache
from domain.activity import ActivityError, NewActivity
from domain.approvals import ApprovalError
from domain.behaviour import rolling_mean, trend_line
from domain.credit_terms import CreditTerms, CreditTermsError
from domain.fx import MissingFxRate

frame.enter_page()
TERMS_CONFLICT = "terms_conflict"

QP = "customer"  # ?customer=K10001 (by reference)
SEARCH = "cust_search"
PICK = "cust_pick"
SYNCED = "cust_qp_synced"  # the reference last written to the URL
ACT_KIND, ACT_DATE, ACT_TEXT = "act_kind", "act_date", "act_text"
ACT_AMOUNT, ACT_PROMISED, ACT_AUTHOR = "act_amount", "act_promised", "act_author"
ACT_ERROR, ACT_SAVED = "act_error", "act_saved"
AUTHOR = "author"  # remembered for the session until sign-in exists


def fx_error(e: MissingFxRate) -> None:
    st.error(
        _(
            "No exchange rate for {currency} dated on or before {date}. Import FX rates (an fx-rates file) "
            "or choose a later as-of date."
        ).format(currency=e.currency, date=fmt.day(e.on)),
        icon=":material/currency_exchange:",
    )


def hit_label(ref: str, name: str, org_number: str | None) -> str:
    return " — ".join(p for p in (ref, name, org_number) if p)


def country_name(code: str | None) -> str:
    if not code:
        return fmt.DASH
    try:
        return Locale.parse(babel_locale()).territories.get(code.upper(), code)
    except (ValueError, TypeError):
        return code


EVENT_BADGE_COLOURS = {"bankruptcy": "red"}  # other events: gray


def open_other(customer_id: int) -> None:
    """Callback of the group-member buttons: show that customer."""
    st.session_state[CUSTOMER] = customer_id
    st.session_state[SEARCH] = ""


def pick_changed() -> None:
    st.session_state[CUSTOMER] = st.session_state[PICK]


def detail_or_none(customer_id: int, as_of: date):
    try:
        return cache.customer_detail(customer_id, as_of)
    except MissingFxRate:
        return None


# --- which customer --------------------------------------------------------------------------------


def apply_deep_link() -> None:
    """?customer=REF selects that customer when the URL was not written by this page (a shared link)."""
    ref = (st.query_params.get(QP) or "").strip()
    if not ref or ref == st.session_state.get(SYNCED):
        return
    st.session_state[SYNCED] = ref
    found = [h for h in cache.search_customers(ref, 200) if h.ref.lower() == ref.lower()]
    if found:
        st.session_state[CUSTOMER] = found[0].id
        st.session_state[SEARCH] = ""
    else:
        st.warning(_("No customer has the reference {ref}.").format(ref=md(ref)), icon=":material/link_off:")


def choose_customer(as_of: date) -> int | None:
    """The search box and the hit list; returns the chosen customer id (None: nothing to show)."""
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    text = left.text_input(
        _("Find a customer"),
        key=SEARCH,
        placeholder=_("Name, reference or organisation number"),
        icon=":material/search:",
    )
    typed = text.strip()
    hits = cache.search_customers(typed)
    if not hits:
        if typed:
            st.info(_("No customer matches “{text}”.").format(text=md(typed)), icon=":material/search_off:")
        else:
            st.info(
                _("There are no customers yet: import a customers file (see Data status and docs/data-formats.md)."),
                icon=":material/group_off:",
            )
        return None
    options = [h.id for h in hits]
    labels = {h.id: hit_label(h.ref, h.name, h.org_number) for h in hits}
    current = st.session_state.get(CUSTOMER)
    if current not in labels:
        known = detail_or_none(current, as_of) if current is not None and not typed else None
        if known is not None:
            options.insert(0, current)
            labels[current] = hit_label(known.ref, known.name, known.org_number)
        else:
            current = options[0]
    st.session_state[CUSTOMER] = current
    st.session_state[PICK] = current
    right.selectbox(
        _("Customer"),
        options,
        format_func=labels.get,
        key=PICK,
        on_change=pick_changed,
        help=_("Up to 50 hits, by name; refine the search to narrow the list."),
    )
    return current


def sync_url(ref: str) -> None:
    if st.query_params.get(QP) != ref:
        st.query_params[QP] = ref
    st.session_state[SYNCED] = ref


# --- header ----------------------------------------------------------------------------------------


def index_help(scale) -> str:
    parts = []
    for days_beyond, index in scale.points:
        if days_beyond == 0:
            parts.append(_("{index} = pays on terms").format(index=index))
        elif days_beyond < 0:
            parts.append(_("{index} = {days} days early").format(index=index, days=abs(days_beyond)))
        else:
            parts.append(_("{index} = {days} days late").format(index=index, days=days_beyond))
    return (
        _("Days beyond terms over the last 12 months, weighted by amount, on the policy's scale: ")
        + ", ".join(parts)
        + "."
    )


def header(d, policy, events) -> None:
    status_labels = {
        "active": _("Active"),
        "credit_hold": _("Credit hold"),
        "prepayment_only": _("Prepayment only"),
    }
    colour, icon = STATUS_BADGES.get(d.status, ("gray", ":material/help:"))
    st.header(md(d.name), anchor=False)
    badges = st.container(horizontal=True, gap="small")
    badges.badge(status_labels.get(d.status, d.status), icon=icon, color=colour)
    if d.trend is not None and d.trend.deteriorating:
        badges.badge(_("Paying later"), icon=":material/trending_down:", color="red")
    if events:
        newest = events[0]
        badges.badge(
            _("{event} {date}").format(event=messages.event_label(newest.event_type), date=fmt.day(newest.event_date)),
            icon=":material/event:",
            color=EVENT_BADGE_COLOURS.get(newest.event_type, "gray"),
            help=_("The newest company event; see Credit reports and events."),
        )
    facts = [
        md(d.ref),
        _("Org. no. {org}").format(org=md(d.org_number or fmt.DASH)),
        md(country_name(d.country)),
        _("Invoices in {currency}").format(currency=d.currency),
    ]
    if d.segment:
        facts.append(md(d.segment))
    if d.industry_code:
        facts.append(_("NACE {code}").format(code=md(d.industry_code)))
    st.caption(" · ".join(facts))

    if d.group_root is not None:
        group(d)

    top = st.columns(3, border=True)
    top[0].metric(
        _("Balance"),
        fmt.money(d.balance, d.currency_base),
        help=_("Open items as of the as-of date in the base currency, unapplied credits included."),
    )
    with top[1]:
        st.metric(_("Credit limit"), fmt.money(d.credit_limit, d.currency) if d.credit_limit is not None else fmt.DASH)
        if d.utilisation is not None:
            over = d.utilisation > 100
            st.progress(
                max(0.0, min(float(d.utilisation), 100.0)) / 100,  # a customer in credit uses none of its limit
                text=(_("{share} used — over the limit") if over else _("{share} used")).format(
                    share=fmt.percent(d.utilisation)
                ),
            )
        else:
            st.caption(_("No credit limit set."))
    with top[2]:
        st.metric(
            _("Insured limit"), fmt.money(d.insured_limit, d.currency) if d.insured_limit is not None else fmt.DASH
        )
        if d.insurer:
            share = fmt.percent(d.insured_share, 0) if d.insured_share is not None else fmt.DASH
            st.caption(_("{insurer} covers {share}").format(insurer=md(d.insurer), share=share))
    bottom = st.columns(3, border=True)
    bottom[0].metric(_("Payment terms"), _("{n} days").format(n=d.payment_terms_days))
    bottom[1].metric(
        _("Payment index"),
        fmt.number(d.payment_index) if d.payment_index is not None else fmt.DASH,
        help=index_help(policy.payment_index),
    )
    with bottom[2]:
        r = d.latest_report
        if r is None:
            st.metric(_("Credit score"), fmt.DASH)
            st.caption(_("No credit report yet."))
        else:
            score = fmt.DASH if r.score is None else str(r.score)
            st.metric(_("Credit score"), f"{score} · {md(r.rating)}" if r.rating else score)
            note = _("{source}, {date}").format(source=md(r.source), date=fmt.day(r.report_date))
            if r.remarks_count:
                st.markdown(
                    note
                    + " · :red["
                    + _("{n} payment remarks, {amount}").format(
                        n=r.remarks_count, amount=fmt.money(r.remarks_amount, d.currency)
                    )
                    + "]"
                )
            else:
                st.caption(note + " · " + _("no payment remarks"))

    t = d.trend
    if t is None:
        st.caption(_("Payment trend: no paid invoices in the last 12 months to judge."))
    elif t.deteriorating:
        st.warning(
            _("**Paying later:** {reason}.").format(reason=messages.trend_text(t)), icon=":material/trending_down:"
        )
    else:
        st.caption(_("Payment trend: {reason}.").format(reason=messages.trend_text(t)))


def group(d) -> None:
    root = d.group_root
    line = _("Corporate group **{group}** ({ref}) · group exposure {amount}").format(
        group=md(root.name), ref=md(root.ref), amount=fmt.money(d.group_balance, d.currency_base)
    )
    if d.group_limit is not None:
        line += " · " + _("group limit {limit}").format(limit=fmt.money(d.group_limit, d.currency_base))
    if root.id == d.id:
        line += " · " + _("this customer is the parent")
    st.markdown(":material/account_tree: " + line)
    row = st.container(horizontal=True, gap="small")
    for m in d.group_members:
        row.button(
            md(hit_label(m.ref, m.name, None)),
            key=f"member_{m.id}",
            on_click=open_other,
            args=(m.id,),
            icon=":material/arrow_forward:",
            type="tertiary",
            help=_("Show this member of the group"),
        )


# --- open items ------------------------------------------------------------------------------------


def open_items(d, as_of: date) -> None:
    labels = [bucket_label(label) for label in d.aging.buckets.labels]
    aging_row = {label: [float(a)] for label, a in zip(labels, d.aging.amounts, strict=True)}
    aging_row[_("Total")] = [float(d.balance)]
    st.subheader(_("Aging by due date ({currency})").format(currency=d.currency_base), anchor=False)
    st.dataframe(
        aging_row,
        hide_index=True,
        width="stretch",
        column_config={k: st.column_config.NumberColumn(k, format="localized") for k in aging_row},
        key="aging_row",
    )

    st.subheader(_("Open items as of {date}").format(date=fmt.day(as_of)), anchor=False)
    frame = tables.open_items_frame(d.open_items)
    if frame.empty:
        st.info(
            _("No open items as of {date}: nothing is owed and no credit is unapplied.").format(date=fmt.day(as_of)),
            icon=":material/task_alt:",
        )
        return
    kinds = {
        "invoice": _("Invoice"),
        "credit_note": _("Credit note (unapplied)"),
        "payment": _("Payment on account (unapplied)"),
    }
    col = {
        "kind": _("Kind"),
        "ref": _("Reference"),
        "doc_date": _("Document date"),
        "due_date": _("Due date"),
        "currency": _("Currency"),
        "open_amount": _("Open amount"),
        "base_amount": _("Amount ({currency})").format(currency=d.currency_base),
        "days": _("Days past due"),
        "unapplied": _("Unapplied credit"),
    }
    shown = frame.assign(kind=frame["kind"].map(lambda k: kinds.get(k, k))).rename(columns=col)
    config = {
        col["kind"]: st.column_config.TextColumn(width="medium"),
        col["doc_date"]: st.column_config.DateColumn(format=fmt.date_column_format()),
        col["due_date"]: st.column_config.DateColumn(format=fmt.date_column_format()),
        col["open_amount"]: st.column_config.NumberColumn(format="localized", help=_("In the document's currency")),
        col["base_amount"]: st.column_config.NumberColumn(format="localized"),
        col["days"]: st.column_config.NumberColumn(
            format="localized", help=_("Days after the due date; credits count from their own date")
        ),
        col["unapplied"]: st.column_config.CheckboxColumn(
            help=_("A credit note or payment not yet matched to an invoice; it lowers the balance")
        ),
    }
    # Reminders sent by the ERP or a collection agency (import kind dunning-status); only customers with an
    # imported status get the columns, so a ledger without that feed shows no empty columns.
    dunning = cache.dunning_status_by_invoice(d.id)
    if dunning:
        found = [dunning.get(r) if k == "invoice" else None for k, r in zip(frame["kind"], frame["ref"], strict=True)]
        collection = {
            "none": _("No collection"),
            "notice_sent": _("Notice of collection sent"),
            "with_agency": _("With collection agency"),
            "closed": _("Collection closed"),
        }
        level, last, coll = _("Reminder level"), _("Last reminder"), _("Collection")
        shown = shown.assign(
            **{
                level: pd.array([s.reminder_level if s else None for s in found], dtype="Int64"),
                last: [s.last_reminder_on if s else None for s in found],
                coll: [collection.get(s.collection_status, s.collection_status) if s else None for s in found],
            }
        )
        erp = _("As reported by the ERP or the collection agency")
        config[level] = st.column_config.NumberColumn(help=erp)
        config[last] = st.column_config.DateColumn(format=fmt.date_column_format(), help=erp)
        config[coll] = st.column_config.TextColumn(help=erp)
    st.dataframe(shown, hide_index=True, width="stretch", key="open_items", column_config=config)
    if d.aging.unapplied_count:
        st.caption(
            _("{n} unapplied credits ({amount}) are included and lower the balance.").format(
                n=d.aging.unapplied_count, amount=fmt.money(d.aging.unapplied_amount, d.currency_base)
            )
        )
    name = f"statement_{d.ref}_{as_of.isoformat()}"
    widgets.export_buttons(shown, name, _("Statement"), (_("Statement (CSV)"), _("Statement (Excel)")), "statement")


# --- payment behaviour -----------------------------------------------------------------------------


def behaviour(d, as_of: date, window: int) -> None:
    st.subheader(_("Days late per paid invoice"), anchor=False)
    history = cache.payment_history(d.id, as_of)
    if not history:
        st.info(
            _("No invoice was paid in the three years up to {date}: no payment behaviour to show yet.").format(
                date=fmt.day(as_of)
            ),
            icon=":material/hourglass_empty:",
        )
    else:
        frame = tables.paid_invoices_frame(history)
        frame["rolling"] = rolling_mean(frame["days_late"].tolist(), window)
        frame["hover"] = [
            _("{invoice}: due {due}, paid {paid}, {days} days late · {amount}").format(
                invoice=chart_text(p.invoice_number),
                due=fmt.day(p.due_date),
                paid=fmt.day(p.close_date),
                days=p.days_late,
                amount=fmt.money(p.amount, d.currency_base),
            )
            for p in history
        ]
        line = trend_line(frame["day"].tolist(), frame["days_late"].tolist())
        names = {
            "points": _("Paid invoice"),
            "rolling": _("Rolling mean of {n}").format(n=window),
            "trend": _("Trend"),
            "on_time": _("on time"),
            "yaxis": _("Days late"),
        }
        st.plotly_chart(charts.payment_behaviour_chart(frame, line, names), key="behaviour_chart")
        st.caption(
            _(
                "{n} invoices paid in the three years up to {date}. Above the green line: paid after the due date; "
                "below: early."
            ).format(n=len(history), date=fmt.day(as_of))
        )

    st.subheader(_("Invoiced and paid per month ({currency})").format(currency=d.currency_base), anchor=False)
    flows = cache.monthly_flows(d.id, as_of)
    if not any(f.invoiced or f.paid for f in flows):
        st.info(
            _("No invoices or payments in the 24 months up to {date}.").format(date=fmt.day(as_of)),
            icon=":material/hourglass_empty:",
        )
        return
    frame = tables.month_flows_frame(flows)
    frame["label"] = [format_date(m, "MMM yy", locale=babel_locale()) for m in frame["month"]]
    names = {"invoiced": _("Invoiced"), "paid": _("Paid")}
    st.plotly_chart(charts.flows_chart(frame, d.currency_base, names), key="flows_chart")


# --- credit reports and company events --------------------------------------------------------------


def credit(d, as_of: date, events) -> None:
    left, right = st.columns([3, 2])
    with left:
        st.subheader(_("Credit score history"), anchor=False)
        reports = cache.credit_reports(d.id, as_of)
        if not reports:
            st.info(_("No credit reports up to {date}.").format(date=fmt.day(as_of)), icon=":material/description:")
        else:
            frame = tables.credit_reports_frame(reports)
            frame["hover"] = [
                _("{date} · score {score} · rating {rating} · {source}").format(
                    date=fmt.day(r.report_date),
                    score=fmt.DASH if r.score is None else r.score,
                    rating=chart_text(r.rating or fmt.DASH),
                    source=chart_text(r.source),
                )
                + (
                    "<br>"
                    + _("{n} payment remarks, {amount}").format(
                        n=r.remarks_count, amount=fmt.money(r.remarks_amount, d.currency)
                    )
                    if r.remarks_count
                    else ""
                )
                for r in reports
            ]
            names = {"score": _("Score"), "remarks": _("Payment remarks"), "yaxis": _("Score")}
            st.plotly_chart(charts.score_chart(frame, names), key="score_chart")
            with st.expander(_("All credit reports"), icon=":material/table_rows:"):
                col = {
                    "report_date": _("Date"),
                    "source": _("Source"),
                    "score": _("Score"),
                    "rating": _("Rating"),
                    "remarks_count": _("Remarks"),
                    "remarks_amount": _("Remarks amount ({currency})").format(currency=d.currency),
                }
                st.dataframe(
                    frame.drop(columns=["hover"]).iloc[::-1].rename(columns=col),
                    hide_index=True,
                    width="stretch",
                    key="reports_table",
                    column_config={
                        col["report_date"]: st.column_config.DateColumn(format=fmt.date_column_format()),
                        col["remarks_amount"]: st.column_config.NumberColumn(format="localized"),
                    },
                )
    with right:
        st.subheader(_("Company events"), anchor=False)
        if not events:
            st.info(_("No company events up to {date}.").format(date=fmt.day(as_of)), icon=":material/event_busy:")
            return
        box = st.container(height=520 if len(events) > 6 else "content", border=False)
        for e in events:
            with box.container(border=True):
                st.markdown(
                    f"**{fmt.day(e.event_date)}** :{EVENT_BADGE_COLOURS.get(e.event_type, 'gray')}-badge["
                    + messages.event_label(e.event_type)
                    + "]"
                )
                if e.text:
                    st.markdown(md(e.text))
                st.caption(_("Source: {source}").format(source=md(e.source)))


# --- activity log ----------------------------------------------------------------------------------


@guard.callback
def save_activity(customer_id: int) -> None:
    """Submit callback: validate and store; on success clear the form, else keep it and show why."""
    s = st.session_state
    kind = s.get(ACT_KIND) or "note"
    amount = None
    if kind == "promise" and s.get(ACT_AMOUNT) is not None:
        try:
            amount = Decimal(str(s[ACT_AMOUNT]))
        except InvalidOperation:
            amount = None
    author = (s.get(ACT_AUTHOR) or "").strip()
    try:
        cache.add_activity(
            customer_id,
            NewActivity(
                kind=kind,
                activity_date=s.get(ACT_DATE) or date.today(),
                text=s.get(ACT_TEXT) or "",
                author=author,
                promised_amount=amount,
                promised_date=s.get(ACT_PROMISED) if kind == "promise" else None,
            ),
        )
    except ActivityError as e:
        s[ACT_ERROR] = (customer_id, messages.activity_error(e))
        return
    if author:
        s[AUTHOR] = author
    s[ACT_ERROR] = None
    s[ACT_SAVED] = kind
    s[ACT_TEXT] = ""
    s[ACT_AMOUNT] = None
    s[ACT_PROMISED] = None


def activity_log(d) -> None:
    kinds = {"note": _("Note"), "call": _("Call"), "promise": _("Promise to pay")}
    icons = {"note": ":material/sticky_note_2:", "call": ":material/call:", "promise": ":material/handshake:"}
    with st.columns([3, 2])[0]:
        st.subheader(_("Add to the log"), anchor=False)
        if st.session_state.get(ACT_KIND) not in kinds:
            st.session_state[ACT_KIND] = "note"
        kind = st.segmented_control(
            _("Kind"), list(kinds), format_func=lambda k: f"{icons[k]} {kinds[k]}", key=ACT_KIND, required=True
        )
        if ACT_AUTHOR not in st.session_state:
            st.session_state[ACT_AUTHOR] = st.session_state.get(AUTHOR, "")
        with st.form("activity_form", border=True):
            st.date_input(_("Date"), value=date.today(), key=ACT_DATE, format="DD.MM.YYYY")
            if kind == "promise":
                a, b = st.columns(2)
                a.number_input(
                    _("Promised amount ({currency})").format(currency=d.currency),
                    key=ACT_AMOUNT,
                    value=None,
                    min_value=0.0,
                    step=100.0,
                    format="%.2f",
                )
                b.date_input(_("Promised payment date"), key=ACT_PROMISED, value=None, format="DD.MM.YYYY")
            st.text_area(
                _("Text"),
                key=ACT_TEXT,
                placeholder=_("What was said or agreed") if kind != "note" else _("The note"),
                height=100,
            )
            st.text_input(
                _("Author"),
                key=ACT_AUTHOR,
                help=_("Your name; remembered for this session (until sign-in exists)."),
            )
            st.form_submit_button(
                _("Save"), type="primary", icon=":material/save:", on_click=save_activity, args=(d.id,)
            )
        error = st.session_state.get(ACT_ERROR)
        if error and error[0] == d.id:
            st.error(_("Not saved: {reason}.").format(reason=md(error[1])), icon=":material/error:")
        elif st.session_state.get(ACT_SAVED):
            st.success(
                _("Saved: {kind}.").format(kind=kinds.get(st.session_state[ACT_SAVED], "")), icon=":material/check:"
            )
            st.session_state[ACT_SAVED] = None
    st.subheader(_("Activity log"), anchor=False)
    rows = cache.activities(d.id)
    if not rows:
        st.info(_("Nothing logged for this customer yet."), icon=":material/history:")
        return
    frame = tables.activities_frame(rows)
    frame["kind"] = frame["kind"].map(lambda k: kinds.get(k, k))
    frame["created_at"] = [fmt.moment(t) for t in frame["created_at"]]
    col = {
        "activity_date": _("Date"),
        "kind": _("Kind"),
        "text": _("Text"),
        "promised_amount": _("Promised amount"),
        "promised_date": _("Promised date"),
        "author": _("Author"),
        "created_at": _("Recorded (UTC)"),
    }
    st.dataframe(
        frame.rename(columns=col),
        hide_index=True,
        width="stretch",
        key="activities_table",
        column_config={
            col["activity_date"]: st.column_config.DateColumn(format=fmt.date_column_format()),
            col["promised_date"]: st.column_config.DateColumn(format=fmt.date_column_format()),
            col["promised_amount"]: st.column_config.NumberColumn(
                format="localized", help=_("In the customer's currency")
            ),
            col["text"]: st.column_config.TextColumn(width="large"),
        },
    )


# --- credit decision: risk class, alerts, terms, limit requests, change log ----------------------------

STATUS_LABELS = {"active": N_("Active"), "credit_hold": N_("Credit hold"), "prepayment_only": N_("Prepayment only")}
REQUEST_STATUS = {
    "pending": N_("Pending"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "withdrawn": N_("Withdrawn"),
}


def risk_card(d, risk) -> None:
    a = risk.assessment
    cols = st.columns(4, border=True)
    cols[0].metric(
        _("Risk class"),
        a.risk_class,
        help=_("Our class A–E: the bureau's view first, then what only our ledger shows (the reasons below)."),
    )
    with cols[1]:
        b = a.bureau
        if b is None:
            st.metric(_("Bureau's view"), fmt.DASH)
            st.caption(
                _("No credit report: the policy's class for unrated customers ({cls}).").format(cls=a.base_class)
            )
        else:
            shown = " · ".join(md(x) for x in (None if b.score is None else str(b.score), b.rating, a.bureau_band) if x)
            st.metric(_("Bureau's view"), shown or fmt.DASH)
            st.caption(
                _("{source}, {date} · maps to class {cls}").format(
                    source=md(b.source), date=fmt.day(b.report_date), cls=a.base_class
                )
            )
    with cols[2]:
        st.metric(_("Probability of default"), fmt.percent(a.pd_percent, 2))
        st.caption(_("From the bureau (its own PD)") if a.pd_source == "bureau" else _("The policy's PD for the class"))
    with cols[3]:
        st.metric(
            _("Expected loss (risk model)"),
            fmt.money(risk.expected_loss, d.currency_base),
            help=_("PD × LGD × the exposure no credit insurer covers. Not the IFRS 9 provision."),
        )
        st.caption(_("Uninsured exposure {amount}").format(amount=fmt.money(risk.uninsured, d.currency_base)))
    if a.contributions:
        lines = []
        for c in a.contributions:
            sign = "+" if c.notches > 0 else "−"
            move = ngettext("{sign}{n} class", "{sign}{n} classes", abs(c.notches)).format(sign=sign, n=abs(c.notches))
            if c.code == "severe_event":
                move = _("class E")
            lines.append(f"- {messages.contribution_text(c.code, c.params)} ({move})")
        st.markdown(_("**Why {cls}:**").format(cls=a.risk_class) + "\n" + "\n".join(lines))
    else:
        st.caption(_("Nothing in our ledger moves the class: it is the bureau's."))


def class_terms(d, policy, cls: str) -> None:
    t = policy.terms(cls)
    limit = fmt.money(t.max_credit_limit, d.currency_base) if t.max_credit_limit is not None else _("no cap")
    text = _("Class {cls} terms in the policy: {days} days, limit up to {limit}, review every {months} months").format(
        cls=cls, days=t.payment_terms_days, limit=limit, months=t.review_months
    )
    extra = []
    if t.prepayment_required:
        extra.append(_("prepayment required"))
    if t.insurance_required:
        extra.append(_("credit insurance required"))
    st.caption(text + ("; " + ", ".join(extra) if extra else "") + ".")
    if d.payment_terms_days > t.payment_terms_days:
        st.warning(
            _("This customer has {now} days; the class's standard is {std} days.").format(
                now=d.payment_terms_days, std=t.payment_terms_days
            ),
            icon=":material/schedule:",
        )


def open_alerts(alerts, currency: str) -> None:
    st.subheader(_("Open alerts"), anchor=False)
    if not alerts:
        st.caption(_("No open alerts. The monitor runs nightly (python cli.py monitor) or from the Alerts page."))
        return
    st.dataframe(
        pd.DataFrame(
            {
                "severity": [alert_text.severity_label(a.severity) for a in alerts],
                "since": [a.since for a in alerts],
                "message": [alert_text.alert_message(a.type, a.params, currency, a.message) for a in alerts],
                "recommendation": [alert_text.recommendation_label(a.recommendation) for a in alerts],
                "assignee": [a.assignee or "" for a in alerts],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "severity": st.column_config.TextColumn(_("Severity")),
            "since": st.column_config.DateColumn(_("Since"), format=fmt.date_column_format()),
            "message": st.column_config.TextColumn(_("Alert")),
            "recommendation": st.column_config.TextColumn(_("Recommendation")),
            "assignee": st.column_config.TextColumn(_("Assignee")),
        },
    )


def terms_form(d, as_of: date) -> None:
    # what this editor started from, kept until a save: someone else's change in between is a conflict, not lost
    base_key = f"terms_base_{d.id}"
    if base_key not in st.session_state:
        st.session_state[base_key] = cache.customer_terms(d.id)
    cur = st.session_state[base_key]
    conflict = st.session_state.pop(TERMS_CONFLICT, None)
    if conflict:
        st.error(conflict, icon=":material/sync_problem:")
    with st.form("terms_form", border=True):
        st.markdown(_("**Change terms, status or insurance**"))
        c1, c2, c3 = st.columns(3)
        limit = c1.number_input(
            _("Credit limit ({currency})").format(currency=d.currency),
            min_value=0.0,
            value=float(cur.credit_limit or 0),
            step=1000.0,
            help=_("Lower it here; raising a limit needs an approved limit request."),
        )
        terms = c2.number_input(_("Payment terms (days)"), 0, 365, value=cur.payment_terms_days)
        statuses = list(STATUS_LABELS)
        status = c3.selectbox(
            _("Status"), statuses, index=statuses.index(cur.status), format_func=lambda s: _(STATUS_LABELS[s])
        )
        i1, i2, i3, i4 = st.columns(4)
        insured = i1.number_input(
            _("Insured limit ({currency})").format(currency=d.currency),
            min_value=0.0,
            value=float(cur.insured_limit or 0),
            step=1000.0,
        )
        insurer = i2.text_input(_("Insurer"), value=cur.insurer or "")
        share = i3.number_input(
            _("Insured share (%)"), 0.0, 100.0, value=float(cur.insured_share if cur.insured_share is not None else 90)
        )
        decided = i4.date_input(_("Insurer's decision date"), value=cur.insurance_decided_on, format="DD.MM.YYYY")
        reason = st.text_input(_("Reason (required)"))
        if not st.form_submit_button(_("Save changes"), icon=":material/save:"):
            return
    actor = acting_user()
    has_insurance = insured > 0
    new = CreditTerms(
        credit_limit=None if cur.credit_limit is None and limit == 0 else Decimal(str(limit)).quantize(Decimal("0.01")),
        payment_terms_days=int(terms),
        status=status,
        insured_limit=Decimal(str(insured)).quantize(Decimal("0.01")) if has_insurance else None,
        insurer=insurer if has_insurance else None,
        insured_share=Decimal(str(share)).quantize(Decimal("0.01")) if has_insurance else None,
        insurance_decided_on=decided if has_insurance else None,
        limit_review_on=cur.limit_review_on,
        limit_expires_on=cur.limit_expires_on,
    )
    try:
        found = cache.save_credit_terms(d.id, new, reason=reason, author=actor.name, effective_on=as_of, base=cur)
    except CreditTermsError as e:
        if e.code == "conflict":  # start again from the current values, with the reason shown above the form
            st.session_state.pop(base_key, None)
            st.session_state[TERMS_CONFLICT] = md(alert_text.error_text(e, d.currency_base))
            st.rerun()
        st.error(md(alert_text.error_text(e, d.currency_base)), icon=":material/error:")
        return
    st.session_state.pop(base_key, None)
    st.success(_("Saved {n} change(s).").format(n=len(found)), icon=":material/check:")


def limit_request_form(d, as_of: date) -> None:
    with st.form("limit_request", border=True, clear_on_submit=True):
        st.markdown(_("**Request a credit limit**"))
        c1, c2 = st.columns([1, 2])
        amount = c1.number_input(_("New limit ({currency})").format(currency=d.currency), min_value=0.0, step=10000.0)
        reason = c2.text_input(_("Reason (required)"), key="limit_reason")
        group = (
            d.group_root is not None
            and d.group_root.id == d.id
            and st.checkbox(_("This is a limit for the whole corporate group (base currency)"))
        )
        if not st.form_submit_button(_("Request"), icon=":material/send:"):
            return
    actor = acting_user()
    try:
        rid = cache.submit_limit_request(
            d.id,
            Decimal(str(amount)).quantize(Decimal("0.01")),
            reason=reason,
            requested_by=actor.name,
            requested_role=actor.role,
            requested_on=as_of,
            scope="group" if group else "customer",
        )
    except (CreditTermsError, ApprovalError) as e:
        st.error(md(alert_text.error_text(e, d.currency_base)), icon=":material/error:")
        return
    except MissingFxRate as e:
        fx_error(e)
        return
    st.success(
        _("Limit request {id} sent: someone else with the required role approves it under Alerts.").format(id=rid),
        icon=":material/send:",
    )


def limit_requests(rows) -> None:
    if not rows:
        return
    st.markdown(_("**Limit requests**"))
    st.dataframe(
        pd.DataFrame(
            {
                "requested_on": [r.requested_on for r in rows],
                "amount": [
                    f"{fmt.money(r.amount, r.currency)}" + (" (" + _("group") + ")" if r.scope == "group" else "")
                    for r in rows
                ],
                "status": [_(REQUEST_STATUS[r.status]) for r in rows],
                "by": [r.requested_by for r in rows],
                "role": [r.required_role or "" for r in rows],
                "decided": [
                    f"{r.decided_by or ''} {fmt.day(r.decided_on) if r.decided_on else ''}".strip() for r in rows
                ],
                "expires": [r.expires_on for r in rows],
                "reason": [r.reason for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "requested_on": st.column_config.DateColumn(_("Requested"), format=fmt.date_column_format()),
            "amount": st.column_config.TextColumn(_("Limit")),
            "status": st.column_config.TextColumn(_("Status")),
            "by": st.column_config.TextColumn(_("Requested by")),
            "role": st.column_config.TextColumn(_("Needs approval by")),
            "decided": st.column_config.TextColumn(_("Decided")),
            "expires": st.column_config.DateColumn(_("Expires"), format=fmt.date_column_format()),
            "reason": st.column_config.TextColumn(_("Reason")),
        },
    )


def change_log(rows) -> None:
    st.subheader(_("Changes to credit terms"), anchor=False)
    if not rows:
        st.caption(_("No changes recorded yet."))
        return
    st.dataframe(
        pd.DataFrame(
            {
                "at": [r.changed_at for r in rows],
                "field": [r.field.replace("_", " ") for r in rows],
                "old": [r.old or "" for r in rows],
                "new": [r.new or "" for r in rows],
                "author": [r.author for r in rows],
                "reason": [r.reason for r in rows],
                "policy": [r.policy_version for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "at": st.column_config.DatetimeColumn(_("When"), format="DD.MM.YYYY HH:mm"),
            "field": st.column_config.TextColumn(_("Field")),
            "old": st.column_config.TextColumn(_("Before")),
            "new": st.column_config.TextColumn(_("After")),
            "author": st.column_config.TextColumn(_("By")),
            "reason": st.column_config.TextColumn(_("Reason")),
            "policy": st.column_config.NumberColumn(_("Policy version")),
        },
    )


def credit_decision(d, as_of: date, policy) -> None:
    try:
        risk = cache.customer_risk(d.id, as_of)
    except MissingFxRate as e:
        fx_error(e)
        return
    if risk is not None:
        risk_card(d, risk)
        class_terms(d, policy, risk.risk_class)
    open_alerts(cache.customer_alerts(d.id), d.currency_base)
    left, right = st.columns(2)
    with left:
        terms_form(d, as_of)
    with right:
        limit_request_form(d, as_of)
        limit_requests(cache.customer_limit_requests(d.id))
    change_log(cache.customer_changes(d.id))


# --- page ------------------------------------------------------------------------------------------

view = current_view()
st.title(_("Customers"))
apply_deep_link()
customer_id = choose_customer(view.as_of)
if customer_id is None:
    st.stop()

try:
    detail = cache.customer_detail(customer_id, view.as_of)
except MissingFxRate as e:
    fx_error(e)
    st.stop()
if detail is None:
    st.warning(_("This customer no longer exists."), icon=":material/person_off:")
    st.stop()
sync_url(detail.ref)
policy = cache.policy()

events = cache.company_events(detail.id, view.as_of)
header(detail, policy, events)
actions = st.container(horizontal=True)
if detail.country == "NO" and detail.org_number:
    if actions.button(_("Check register now"), icon=":material/travel_explore:", key="check_register"):
        with st.spinner(_("Asking Brønnøysundregistrene…")):
            found = cache.check_register(detail.id, date.today())
        if found.errors:
            st.warning(
                _("The register did not answer for this customer: {why}").format(why=md("; ".join(found.errors)))
            )
        else:
            st.success(
                ngettext(
                    "The register was checked: {n} new event.",
                    "The register was checked: {n} new events.",
                    found.events_added,
                ).format(n=found.events_added)
            )
actions.download_button(
    _("Credit memo (PDF)"),
    # built on the click (not on every run), and logged
    data=partial(cache.credit_memo_download, detail.id, detail.ref, view.as_of, current_language(), acting_user().name),
    file_name=f"credit_memo_{detail.ref}_{view.as_of.isoformat()}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    on_click="ignore",
    key="credit_memo_pdf",
)
tab_items, tab_behaviour, tab_decision, tab_credit, tab_log = st.tabs(
    [
        ":material/receipt_long: " + _("Open items"),
        ":material/timeline: " + _("Payment behaviour"),
        ":material/gavel: " + _("Credit decision"),
        ":material/verified_user: " + _("Credit reports and events"),
        ":material/history: " + _("Activity log"),
    ]
)
with tab_decision:
    credit_decision(detail, view.as_of, policy)
with tab_items:
    open_items(detail, view.as_of)
with tab_behaviour:
    try:
        behaviour(detail, view.as_of, policy.trend.rolling_window)
    except MissingFxRate as e:
        fx_error(e)
with tab_credit:
    credit(detail, view.as_of, events)
with tab_log:
    activity_log(detail)
