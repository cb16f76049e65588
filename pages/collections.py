"""Collections: the worklist of overdue customers with the next dunning step per policy and law, letters, disputes,
payment plans, pauses and cash applied by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame, widgets
from components.frame import guarded
from components.i18n import N_, _
from components.state import acting_user, current_view, open_customer
from data_access import cache
from domain.fx import MissingFxRate

frame.enter_page()

STEP_LABELS = {
    "reminder": N_("Reminder"),
    "second_reminder": N_("Second reminder"),
    "notice_of_collection": N_("Notice of collection"),
    "payment_demand": N_("Payment demand"),
    "collection_agency": N_("Hand-over to a collection agency"),
}
MODE_LABELS = {
    "ladder": N_("Our routine"),
    "erp": N_("The ERP sends reminders: checked against the law"),
    "no_ladder": N_("No dunning ladder for this country in the policy"),
}
OWNERS = {"sales": N_("Sales"), "delivery": N_("Delivery"), "finance": N_("Finance")}
OUTCOMES = {"credit_note": N_("Credit note"), "rejected": N_("Rejected"), "settled": N_("Settled")}
PROMISE_STATUS = {"kept": N_("Kept"), "broken": N_("Broken"), "pending": N_("Pending")}
FLASH = "collections_flash"
LETTER_KINDS = ("reminder", "second_reminder", "notice_of_collection")


def step_label(kind: str | None) -> str:
    return _(STEP_LABELS[kind]) if kind in STEP_LABELS else (kind or fmt.DASH)


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    found = st.session_state.pop(FLASH, None)
    if found:
        (st.error if found[0] == "error" else st.success)(found[1])


def act(fn, *args, done: str, **kwargs) -> None:
    """Run a write as the acting user; every failure becomes a clear message and nothing is stored."""
    actor = acting_user()
    if not actor.name:
        flash("error", _("Enter your name under “Acting as” in the sidebar: every action is recorded with who did it."))
        return
    try:
        fn(*args, author=actor.name, **kwargs)
    except (ValueError, LookupError, MissingFxRate) as exc:
        flash("error", str(exc))
        return
    flash("ok", done)


def worklist_frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref": [r.ref for r in rows],
            "name": [r.name for r in rows],
            "country": [r.country or "" for r in rows],
            "step": [step_label(r.step.kind) if r.step else fmt.DASH for r in rows],
            "mode": [_(MODE_LABELS.get(r.mode, r.mode)) for r in rows],
            "open": [float(r.open_total) for r in rows],
            "interest": [float(r.interest_total) for r in rows],
            "fee": [float(r.fee) for r in rows],
            "compensation": [float(r.compensation) for r in rows],
            "total": [float(r.total_to_pay) for r in rows],
            "currency": [r.currency for r in rows],
            "issues": [len(r.violations) for r in rows],
        }
    )


def detail(row, as_of: date) -> None:
    st.subheader(f"{row.ref} · {row.name}", anchor=False)
    st.button(
        _("Open customer"),
        key="coll_open",
        icon=":material/arrow_forward:",
        on_click=open_customer,
        args=(row.customer_id,),
    )
    items = pd.DataFrame(
        {
            "invoice": [i.invoice_number for i in row.items],
            "due": [i.due_date for i in row.items],
            "days": [i.days_past_due for i in row.items],
            "open": [float(i.open_amount) for i in row.items],
            "interest": [float(i.interest) for i in row.items],
            "step": [step_label(i.step_due.kind) if i.step_due else fmt.DASH for i in row.items],
        }
    )
    st.dataframe(
        items,
        hide_index=True,
        width="stretch",
        column_config={
            "invoice": st.column_config.TextColumn(_("Invoice")),
            "due": st.column_config.DateColumn(_("Due"), format=fmt.date_column_format()),
            "days": st.column_config.NumberColumn(_("Days past due")),
            "open": st.column_config.NumberColumn(_("Open ({currency})").format(currency=row.currency), format="%.2f"),
            "interest": st.column_config.NumberColumn(
                _("Interest ({currency})").format(currency=row.currency), format="%.2f"
            ),
            "step": st.column_config.TextColumn(_("Step due")),
        },
    )
    if row.mode == "erp":
        if row.violations:
            st.error(
                _("The ERP's reminders break the rules:")
                + "\n"
                + "\n".join(f"- {v.invoice_number}: {v.violation.message}" for v in row.violations),
                icon=":material/gavel:",
            )
        else:
            st.success(_("The ERP's reminders for these invoices follow the policy and the law."))
    elif row.step is not None:
        s = row.step
        st.info(
            _(
                "Next step: {step}, fee {fee}, pay by {deadline}. Statutory interest {interest}; compensation {comp}."
            ).format(
                step=step_label(s.kind),
                fee=fmt.money(s.fee, row.currency),
                deadline=fmt.day(s.deadline_on),
                interest=fmt.money(row.interest_total, row.currency),
                comp=fmt.money(row.compensation, row.currency),
            ),
            icon=":material/mail:",
        )
        c1, c2, c3 = st.columns(3)
        c1.button(
            _("Mark {step} sent").format(step=step_label(s.kind).lower()),
            key="coll_mark_sent",
            type="primary",
            icon=":material/send:",
            on_click=guarded(act),
            args=(cache.mark_step_sent, row.customer_id),
            kwargs={
                "step": s.kind,
                "invoice_numbers": [i.invoice_number for i in row.items if i.step_due is not None],
                "sent_on": as_of,
                "deadline_on": s.deadline_on,
                "fee": s.fee,
                "currency": row.currency,
                "done": _("{step} recorded as sent.").format(step=step_label(s.kind)),
            },
        )
        if s.kind in LETTER_KINDS:
            for col, lang, label in ((c2, "en", _("Letter (PDF, English)")), (c3, "nb", _("Letter (PDF, norsk)"))):
                col.download_button(
                    label,
                    data=lambda lang=lang: cache.collection_letter(row.customer_id, as_of, lang),
                    file_name=f"{s.kind}-{row.ref}-{as_of.isoformat()}-{lang}.pdf",
                    mime="application/pdf",
                    icon=":material/picture_as_pdf:",
                    key=f"coll_letter_{lang}",
                    on_click="ignore",
                )
    else:
        st.caption(_("No dunning step is due yet."))

    cash_application(row, as_of)
    with st.expander(_("Pause this customer"), icon=":material/pause_circle:"):
        with st.form("coll_pause"):
            reason = st.text_input(_("Reason (required)"), key="coll_pause_reason")
            until = st.date_input(_("Until (optional)"), value=None, format="DD.MM.YYYY", key="coll_pause_until")
            if st.form_submit_button(_("Pause")):
                act(
                    cache.pause_customer,
                    row.customer_id,
                    reason=reason,
                    paused_on=as_of,
                    until=until,
                    done=_("Paused."),
                )
                st.rerun()
    with st.expander(_("Open a dispute"), icon=":material/report:"):
        with st.form("coll_dispute"):
            numbers = [i.invoice_number for i in row.items]
            invoice = st.selectbox(_("Invoice"), numbers, key="coll_dispute_invoice")
            amount = st.number_input(_("Disputed amount"), min_value=0.0, step=100.0, key="coll_dispute_amount")
            owner = st.selectbox(_("Owner"), list(OWNERS), format_func=lambda o: _(OWNERS[o]), key="coll_dispute_owner")
            reason = st.text_input(_("Reason (required)"), key="coll_dispute_reason")
            if st.form_submit_button(_("Open dispute")):
                act(
                    cache.open_dispute,
                    invoice,
                    Decimal(str(amount)).quantize(Decimal("0.01")),
                    reason=reason,
                    owner=owner,
                    opened_on=as_of,
                    done=_("Dispute opened: dunning of {invoice} is paused.").format(invoice=invoice),
                )
                st.rerun()
    with st.expander(_("Agree a payment plan"), icon=":material/event_repeat:"):
        with st.form("coll_plan"):
            numbers = [i.invoice_number for i in row.items]
            chosen = st.multiselect(_("Invoices"), numbers, default=numbers, key="coll_plan_invoices")
            count = st.number_input(_("Instalments"), 1, 24, 3, key="coll_plan_count")
            first = st.date_input(
                _("First instalment"), value=as_of + timedelta(days=14), format="DD.MM.YYYY", key="coll_plan_first"
            )
            every = st.number_input(_("Days between instalments"), 1, 90, 30, key="coll_plan_every")
            reason = st.text_input(_("Reason (required)"), key="coll_plan_reason")
            if st.form_submit_button(_("Create plan")):
                act(
                    cache.create_equal_plan,
                    row.customer_id,
                    chosen,
                    int(count),
                    first,
                    int(every),
                    agreed_on=as_of,
                    reason=reason,
                    done=_("Payment plan created: dunning of its invoices is paused while it is kept."),
                )
                st.rerun()


def cash_application(row, as_of: date) -> None:
    """Payments and credit notes the ERP export left unmatched, applied by hand to an invoice (reversible)."""
    docs = cache.unapplied_documents(row.customer_id, as_of)
    applied = cache.cash_applications(row.customer_id)
    with st.expander(_("Apply a payment by hand"), icon=":material/link:"):
        if not docs:
            st.caption(_("No unapplied payments or credit notes."))
        else:
            with st.form("coll_cash"):
                labels = {d.ref: f"{d.ref} · {fmt.day(d.doc_date)} · {fmt.money(d.amount, d.currency)}" for d in docs}
                doc = st.selectbox(
                    _("Payment or credit note"), list(labels), format_func=labels.get, key="coll_cash_doc"
                )
                invoice = st.selectbox(_("Invoice"), [i.invoice_number for i in row.items], key="coll_cash_invoice")
                reason = st.text_input(_("Reason (required)"), key="coll_cash_reason")
                if st.form_submit_button(_("Apply")):
                    kind = next(d.kind for d in docs if d.ref == doc)
                    act(
                        cache.apply_cash,
                        doc_kind=kind,
                        doc_ref=doc,
                        invoice_number=invoice,
                        reason=reason,
                        done=_("{doc} applied to {invoice}.").format(doc=doc, invoice=invoice),
                    )
                    st.rerun()
        for a in applied:
            line = _("{doc} → {invoice} by {author}: {reason}").format(
                doc=a.doc_ref, invoice=a.new_invoice_number, author=a.author, reason=a.reason
            )
            if a.reversed_at is None:
                c1, c2 = st.columns([4, 1])
                c1.caption(line)
                c2.button(
                    _("Reverse"),
                    key=f"coll_reverse_{a.id}",
                    on_click=guarded(act),
                    args=(cache.reverse_cash_application, a.id),
                    kwargs={"done": _("Cash application reversed.")},
                )
            else:
                st.caption("~~" + line + "~~")


# --- page ------------------------------------------------------------------------------------------

view = current_view()
st.title(_("Collections"))
st.caption(
    _("As of {date}: overdue customers without disputes, kept payment plans or pauses, one letter each.").format(
        date=fmt.day(view.as_of)
    )
)
show_flash()
try:
    rows = cache.worklist(view.as_of)
except (MissingFxRate, LookupError) as exc:
    st.error(str(exc))
    st.stop()

m1, m2, m3 = st.columns(3, border=True)
m1.metric(_("Customers to contact"), fmt.number(sum(1 for r in rows if r.step or r.violations)))
m2.metric(_("Customers with overdue items"), fmt.number(len(rows)))
m3.metric(_("ERP steps breaking the rules"), fmt.number(sum(len(r.violations) for r in rows)))

tab_work, tab_disputes, tab_plans, tab_promises = st.tabs(
    [
        ":material/checklist: " + _("Worklist"),
        ":material/report: " + _("Disputes"),
        ":material/event_repeat: " + _("Plans"),
        ":material/handshake: " + _("Promises to pay"),
    ]
)
with tab_work:
    if not rows:
        st.info(_("Nothing to collect as of this date."), icon=":material/task_alt:")
    else:
        shown = worklist_frame(rows)
        event = st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="coll_table",
            column_config={
                "ref": st.column_config.TextColumn(_("Ref.")),
                "name": st.column_config.TextColumn(_("Customer")),
                "country": st.column_config.TextColumn(_("Country")),
                "step": st.column_config.TextColumn(_("Next step")),
                "mode": st.column_config.TextColumn(_("Routine")),
                "open": st.column_config.NumberColumn(_("Overdue"), format="%.2f"),
                "interest": st.column_config.NumberColumn(_("Interest"), format="%.2f"),
                "fee": st.column_config.NumberColumn(_("Fee"), format="%.2f"),
                "compensation": st.column_config.NumberColumn(_("Compensation"), format="%.2f"),
                "total": st.column_config.NumberColumn(_("Total to pay"), format="%.2f"),
                "currency": st.column_config.TextColumn(_("Currency")),
                "issues": st.column_config.NumberColumn(_("Rule breaches")),
            },
        )
        widgets.export_buttons(shown, "collections-worklist", "Worklist", (_("CSV"), _("Excel")), key="coll_export")
        picked = event.selection.rows if event and event.selection else []
        if picked:
            detail(rows[picked[0]], view.as_of)
        else:
            st.caption(_("Select a customer to act on it."))
with tab_disputes:
    disputes = cache.disputes()
    if not disputes:
        st.caption(_("No disputes recorded."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "invoice": [d.invoice_number for d in disputes],
                    "amount": [float(d.amount) for d in disputes],
                    "owner": [_(OWNERS.get(d.owner, d.owner)) for d in disputes],
                    "opened": [d.opened_on for d in disputes],
                    "status": [
                        _("Open") if d.status == "open" else _(OUTCOMES.get(d.outcome, d.status)) for d in disputes
                    ],
                    "reason": [d.reason for d in disputes],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        still_open = {
            d.id: f"{d.invoice_number} · {fmt.number(d.amount, 2)} · {d.reason}" for d in disputes if d.status == "open"
        }
        if still_open:
            with st.form("coll_resolve"):
                chosen = st.selectbox(_("Dispute"), list(still_open), format_func=still_open.get, key="coll_resolve_id")
                outcome = st.selectbox(
                    _("Outcome"), list(OUTCOMES), format_func=lambda o: _(OUTCOMES[o]), key="coll_resolve_outcome"
                )
                if st.form_submit_button(_("Resolve")):
                    act(
                        cache.resolve_dispute,
                        chosen,
                        outcome=outcome,
                        resolved_on=view.as_of,
                        done=_("Dispute resolved: dunning of the invoice resumes if it is still open."),
                    )
                    st.rerun()
with tab_plans:
    plans = cache.payment_plans(view.as_of)
    if not plans:
        st.caption(_("No payment plans."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "invoices": [" ".join(p.invoice_numbers) for p in plans],
                    "agreed": [p.agreed_on for p in plans],
                    "instalments": [len(p.instalments) for p in plans],
                    "kept": [p.kept for p in plans],
                }
            ),
            hide_index=True,
            width="stretch",
        )
with tab_promises:
    found = cache.promises(view.as_of)
    if not found:
        st.caption(_("No promises to pay recorded (add them in a customer's activity log)."))
    else:
        refs = {h.id: f"{h.ref} · {h.name}" for h in cache.search_customers("", 1_000_000)}
        st.dataframe(
            pd.DataFrame(
                {
                    "customer": [refs.get(p.customer_id, str(p.customer_id)) for p in found],
                    "made": [p.made_on for p in found],
                    "by": [p.promised_date for p in found],
                    "amount": [float(p.promised_amount) for p in found],
                    "paid": [float(p.paid) for p in found],
                    "currency": [p.currency for p in found],
                    "status": [_(PROMISE_STATUS[p.status]) for p in found],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "customer": st.column_config.TextColumn(_("Customer")),
                "made": st.column_config.DateColumn(_("Made"), format=fmt.date_column_format()),
                "by": st.column_config.DateColumn(_("Promised by"), format=fmt.date_column_format()),
                "amount": st.column_config.NumberColumn(_("Promised"), format="%.2f"),
                "paid": st.column_config.NumberColumn(_("Paid"), format="%.2f"),
                "currency": st.column_config.TextColumn(_("Currency")),
                "status": st.column_config.TextColumn(_("Status")),
            },
        )
