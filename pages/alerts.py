"""Credit control › Alerts: the credit manager's inbox (filters, the alert table, one alert's detail with its
actions and log, running the monitor) and the queue of limit requests awaiting approval."""

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from components import alert_text, frame, widgets
from components import format as fmt
from components.frame import guarded
from components.i18n import _, ngettext
from components.state import acting_user, current_view, open_customer
from data_access import cache
from data_access.monitor import AlertError
from domain.alerts import APPLICABLE, SEVERITIES, TYPES
from domain.approvals import ApprovalError
from domain.credit_terms import CreditTermsError
from domain.fx import MissingFxRate

frame.enter_page()

STATUSES = ("open", "acknowledged", "closed")
F_TYPES, F_SEVERITIES, F_ASSIGNEE, F_STATUSES = (
    "alerts_types",
    "alerts_severities",
    "alerts_assignee",
    "alerts_statuses",
)
EVERYONE, UNASSIGNED, ME = "*everyone", "*unassigned", "*me"
TABLE = "alerts_table"
GENERATION = "alerts_table_generation"  # a new table key drops a row selection that no longer points at its alert
FOCUS = "alerts_focus"  # the alert acted on last, shown until another row is selected
FLASH = "alerts_flash"  # (where, kind, text) of the last action's outcome, shown once
ACTION_ERRORS = (AlertError, CreditTermsError, ApprovalError, MissingFxRate)
SEVERITY_BADGES = {"high": "red", "medium": "orange", "low": "blue"}
STATUS_BADGES = {"open": "red", "acknowledged": "blue", "closed": "gray"}


def table_key() -> str:
    return f"{TABLE}_{st.session_state.get(GENERATION, 0)}"


def new_table(focus: int | None = None) -> None:
    st.session_state[GENERATION] = st.session_state.get(GENERATION, 0) + 1
    if focus is None:
        st.session_state.pop(FOCUS, None)
    else:
        st.session_state[FOCUS] = focus


def flash(where: str, kind: str, text: str) -> None:
    st.session_state[FLASH] = (where, kind, text)


def show_flash(where: str) -> None:
    found = st.session_state.get(FLASH)
    if not found or found[0] != where:
        return
    del st.session_state[FLASH]
    _where, kind, text = found
    if kind == "error":
        st.error(text, icon=":material/error:")
    else:
        st.success(text, icon=":material/check_circle:")


def reason(exc: Exception, base: str) -> str:
    if isinstance(exc, MissingFxRate):
        return _("no exchange rate for {currency} on or before {date}").format(
            currency=exc.currency, date=fmt.day(exc.on)
        )
    return alert_text.error_text(exc, base)


def acting_name(where: str) -> str | None:
    """The sidebar's name; without one, say so and do nothing (every action is recorded with who did it)."""
    name = acting_user().name
    if not name:
        flash(
            where,
            "error",
            _("Enter your name under “Acting as” in the sidebar first: every action is recorded with who did it."),
        )
    return name or None


# --- callbacks (run before the page, so their outcome shows on this rerun) ---------------------------------------


def run_monitor(as_of: date) -> None:
    try:
        result = cache.run_monitor(as_of)
    except MissingFxRate as exc:
        flash("monitor", "error", _("The monitor did not run: {reason}.").format(reason=reason(exc, "")))
        return
    new_table()
    flash(
        "monitor",
        "success",
        _(
            "Monitor run for {date}: {raised} new alerts, {cleared} cleared, {held} customers put on credit hold."
        ).format(date=fmt.day(as_of), raised=result.raised, cleared=result.cleared, held=result.held),
    )


def act(alert_id: int, action: str, as_of: date, base: str) -> None:
    name = acting_name("alert")
    if name is None:
        return
    try:
        if action == "acknowledge":
            cache.acknowledge_alert(alert_id, name)
            done = _("Acknowledged.")
        elif action == "assign":
            assignee = str(st.session_state.get(f"alert_assignee_{alert_id}") or "").strip()
            cache.assign_alert(alert_id, assignee or None, name)
            done = _("Assigned to {name}.").format(name=assignee) if assignee else _("Now unassigned.")
        elif action == "comment":
            cache.comment_alert(alert_id, str(st.session_state.get(f"alert_comment_{alert_id}") or ""), name)
            st.session_state[f"alert_comment_{alert_id}"] = ""
            done = _("Comment added.")
        elif action == "close":
            cache.close_alert(alert_id, name, str(st.session_state.get(f"alert_resolution_{alert_id}") or ""))
            done = _("Closed.")
        else:
            found = cache.apply_recommendation(alert_id, name, as_of)
            done = (
                _("Applied: the change is recorded with your name, and the alert is acknowledged.")
                if found
                else _("Nothing needed changing; the alert is acknowledged.")
            )
    except ACTION_ERRORS as exc:
        flash("alert", "error", _("Not done: {reason}.").format(reason=reason(exc, base)))
        return
    new_table(focus=alert_id)
    flash("alert", "success", done)


def decide(request_id: int, approve: bool, as_of: date, base: str, customer: str) -> None:
    name = acting_name("limits")
    if name is None:
        return
    role = acting_user().role
    note = str(st.session_state.get(f"lr_note_{request_id}") or "")
    try:
        if approve:
            expires = cache.approve_limit_request(
                request_id, approver=name, approver_role=role, decided_on=as_of, comment=note
            )
            done = _("Approved: the new credit limit of {customer} applies until {date}.").format(
                customer=customer, date=fmt.day(expires)
            )
        else:
            cache.reject_limit_request(request_id, decided_by=name, decided_role=role, decided_on=as_of, comment=note)
            done = _("The request for {customer} is closed without a change to the limit.").format(customer=customer)
    except ACTION_ERRORS as exc:
        template = _("Not approved: {reason}.") if approve else _("Not rejected: {reason}.")
        flash("limits", "error", template.format(reason=reason(exc, base)))
        return
    flash("limits", "success", done)


# --- the inbox -------------------------------------------------------------------------------------------------


def filters(everything: list, me: str) -> dict:
    """The filter row; returns the keyword arguments of cache.alerts."""
    if F_STATUSES not in st.session_state:
        st.session_state[F_STATUSES] = ["open", "acknowledged"]
    assignees = sorted({a.assignee for a in everything if a.assignee})
    names = {EVERYONE: _("Everyone"), UNASSIGNED: _("Unassigned"), ME: _("Assigned to me")}
    c_type, c_severity, c_assignee, c_status = st.columns([3, 2, 2, 3])
    types = c_type.multiselect(
        _("Type"),
        TYPES,
        format_func=alert_text.type_label,
        key=F_TYPES,
        placeholder=_("All"),
        on_change=new_table,
        persist_state="session",
    )
    severities = c_severity.multiselect(
        _("Severity"),
        SEVERITIES,
        format_func=alert_text.severity_label,
        key=F_SEVERITIES,
        placeholder=_("All"),
        on_change=new_table,
        persist_state="session",
    )
    who = c_assignee.selectbox(
        _("Assignee"),
        [EVERYONE, UNASSIGNED, ME, *assignees],
        format_func=lambda v: names.get(v, v),
        key=F_ASSIGNEE,
        on_change=new_table,
        persist_state="session",
        help=_("“Assigned to me” uses your name under “Acting as” in the sidebar."),
    )
    statuses = c_status.multiselect(
        _("Status"),
        STATUSES,
        format_func=alert_text.status_label,
        key=F_STATUSES,
        placeholder=_("All"),
        on_change=new_table,
        persist_state="session",
    )
    assignee = {EVERYONE: None, UNASSIGNED: "", ME: me}.get(who, who)
    return {"statuses": tuple(statuses), "types": tuple(types), "severities": tuple(severities), "assignee": assignee}


def alert_frame(rows: list, base: str) -> pd.DataFrame:
    """The table as shown, indexed by alert id; the message is worded in the reader's language."""
    return pd.DataFrame(
        {
            _("Severity"): [alert_text.severity_label(a.severity) for a in rows],
            _("Since"): [a.since for a in rows],
            _("Customer"): [f"{a.customer_ref} · {a.customer_name}" for a in rows],
            _("Type"): [alert_text.type_label(a.type) for a in rows],
            _("Message"): [alert_text.alert_message(a.type, a.params, base, a.message) for a in rows],
            _("Recommendation"): [alert_text.recommendation_label(a.recommendation) for a in rows],
            _("Assignee"): [a.assignee or "" for a in rows],
            _("Status"): [alert_text.status_label(a.status) for a in rows],
        },
        index=pd.Index([a.id for a in rows], name="id"),
    )


def log_text(entry, a, base: str) -> str:
    """A log row's text in the reader's language where the app wrote it; people's own words as they are."""
    if entry.action == "raised":
        return alert_text.alert_message(a.type, a.params, base, entry.text or a.message)
    if entry.action == "applied":
        return alert_text.recommendation_label(entry.text or a.recommendation)
    if entry.action == "cleared":
        return _("The condition no longer holds.")
    if entry.action == "assigned" and entry.text == "(unassigned)":
        return _("unassigned")
    return entry.text or ""


def detail(a, as_of: date, base: str, me: str) -> None:
    """One alert: what it says, what the policy recommends, the actions and the log."""
    with st.container(border=True, key="alert_detail"):
        st.subheader(f"{a.customer_ref} · {a.customer_name}", anchor=False)
        badges = st.container(horizontal=True, gap="small")
        badges.badge(alert_text.severity_label(a.severity), color=SEVERITY_BADGES.get(a.severity, "gray"))
        badges.badge(alert_text.status_label(a.status), color=STATUS_BADGES.get(a.status, "gray"))
        badges.badge(alert_text.type_label(a.type), icon=":material/notifications:", color="gray")
        show_flash("alert")
        st.markdown("**" + alert_text.alert_message(a.type, a.params, base, a.message) + "**")
        facts = [
            _("since {date}").format(date=fmt.day(a.since)),
            _("raised {date}").format(date=fmt.day(a.raised_on)),
            _("assigned to {name}").format(name=a.assignee) if a.assignee else _("unassigned"),
        ]
        if a.cleared_on:
            facts.append(_("cleared {date}").format(date=fmt.day(a.cleared_on)))
        if a.policy_version is not None:
            facts.append(_("policy version {version}").format(version=a.policy_version))
        st.caption(" · ".join(facts))

        try:
            customer = cache.customer_detail(a.customer_id, as_of)
        except MissingFxRate:
            customer = None
        label = alert_text.recommendation_label(a.recommendation)
        change = alert_text.recommendation_change(
            a.recommendation,
            a.recommendation_params,
            customer.currency if customer else None,
            terms_days=customer.payment_terms_days if customer else None,
            credit_limit=customer.credit_limit if customer else None,
            status=customer.status if customer else None,
        )
        line = _("**Recommendation:** {recommendation}").format(recommendation=label)
        st.markdown(line + (f" — {change}" if change else ""))
        is_closed = a.status == "closed"
        if a.recommendation in APPLICABLE and not is_closed:
            st.button(
                _("Apply: {recommendation}").format(recommendation=label),
                key="alert_apply",
                type="primary",
                icon=":material/bolt:",
                on_click=guarded(act),
                args=(a.id, "apply", as_of, base),
                help=_(
                    "Changes the customer as shown, dated {date}, records the change with your name and this alert "
                    "as the reason, and acknowledges the alert."
                ).format(date=fmt.day(as_of)),
            )
        elif a.recommendation not in APPLICABLE:
            st.caption(_("This recommendation is a task for a person: note what was done as a comment."))

        row = st.container(horizontal=True, gap="small")
        row.button(
            _("Acknowledge"),
            key="alert_ack",
            icon=":material/done:",
            disabled=a.status != "open",
            on_click=guarded(act),
            args=(a.id, "acknowledge", as_of, base),
        )
        if row.button(_("Open customer"), key="alert_open_customer", icon=":material/business:"):
            open_customer(a.customer_id)

        c_assign, c_comment, c_close = st.columns(3, vertical_alignment="bottom")
        if not is_closed:
            with c_assign:
                st.text_input(
                    _("Assign to"), value=me, key=f"alert_assignee_{a.id}", help=_("Leave empty to unassign.")
                )
                st.button(
                    _("Assign"),
                    key="alert_assign",
                    icon=":material/person_add:",
                    on_click=guarded(act),
                    args=(a.id, "assign", as_of, base),
                )
            with c_close:
                st.text_input(
                    _("Resolution"),
                    key=f"alert_resolution_{a.id}",
                    placeholder=_("What was done"),
                    help=_("Closing needs a resolution; it goes into the log."),
                )
                st.button(
                    _("Close alert"),
                    key="alert_close",
                    icon=":material/task_alt:",
                    on_click=guarded(act),
                    args=(a.id, "close", as_of, base),
                )
        with c_comment:
            st.text_area(_("Comment"), key=f"alert_comment_{a.id}", height=68)
            st.button(
                _("Add comment"),
                key="alert_comment",
                icon=":material/comment:",
                on_click=guarded(act),
                args=(a.id, "comment", as_of, base),
            )

        st.markdown("**" + _("Log") + "**")
        log = cache.alert_log(a.id)
        st.dataframe(
            pd.DataFrame(
                {
                    _("When (UTC)"): [fmt.moment(e.at) for e in log],
                    _("Who"): [e.author for e in log],
                    _("What"): [alert_text.action_label(e.action) for e in log],
                    _("Text"): [log_text(e, a, base) for e in log],
                }
            ),
            hide_index=True,
            width="stretch",
            key="alert_log_table",
            column_config={_("Text"): st.column_config.TextColumn(width="large")},
        )


def inbox(everything: list, as_of: date, base: str, me: str) -> None:
    if not everything:
        st.info(
            _(
                "No alerts yet: the monitor has not raised any. Run it for {date} with the button above, or schedule "
                "`python cli.py monitor`."
            ).format(date=fmt.day(as_of)),
            icon=":material/notifications_off:",
        )
        return
    wanted = filters(everything, me)
    if wanted["assignee"] == "" and st.session_state.get(F_ASSIGNEE) == ME:
        st.warning(
            _("Enter your name under “Acting as” in the sidebar to see the alerts assigned to you."),
            icon=":material/person:",
        )
        return
    rows = cache.alerts(**wanted)
    selected = st.session_state.get(FOCUS)
    if not rows:
        st.info(_("No alert matches the filters."), icon=":material/filter_alt_off:")
    else:
        shown = alert_frame(rows, base)
        st.caption(
            _("{shown} of {all} alerts · select a row to see it, act on it and read its log").format(
                shown=fmt.number(len(rows)), all=fmt.number(len(everything))
            )
        )
        picked = st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=min(36 * (len(shown) + 1) + 3, 460),
            column_config={
                _("Since"): st.column_config.DateColumn(format=fmt.date_column_format()),
                _("Message"): st.column_config.TextColumn(width="large"),
            },
            on_select="rerun",
            selection_mode="single-row",
            key=table_key(),
        )
        widgets.export_buttons(
            shown,
            f"alerts_{as_of.isoformat()}",
            _("Alerts"),
            (_("CSV"), _("Excel")),
            "alerts_export",
            _("The alert table as shown (after the filters)."),
        )
        chosen = picked.selection.rows if picked else []
        if chosen and chosen[0] < len(rows):
            st.session_state.pop(FOCUS, None)
            selected = rows[chosen[0]].id
    found = {a.id: a for a in everything}.get(selected)
    if found is None:
        show_flash("alert")
        return
    detail(found, as_of, base, me)


# --- limit requests --------------------------------------------------------------------------------------------


def erp_export(as_of: date) -> None:
    """Orders are stopped in the ERP: the changed limits, terms and holds go there as a file."""
    st.subheader(_("Changes for the ERP"), anchor=False)
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    since = c1.date_input(_("Changed since"), value=as_of - timedelta(days=7), format="DD.MM.YYYY", key="erp_since")
    text, n = cache.erp_changes_csv(since)
    c2.download_button(
        ngettext("Download CSV ({n} customer)", "Download CSV ({n} customers)", n).format(n=n),
        data=text.encode("utf-8"),
        file_name=f"erp-changes-since-{since.isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
        key="erp_download",
        disabled=n == 0,
    )
    st.caption(
        _(
            "Credit limits, payment terms, holds and group limits changed on or after that day, with the values now "
            "in force: the same file as python cli.py erp-changes."
        )
    )


def limit_queue(pending: list, as_of: date, base: str) -> None:
    show_flash("limits")
    if not pending:
        st.info(_("No limit request is waiting for approval."), icon=":material/inbox:")
        return
    actor = acting_user()
    if actor.name:
        st.caption(
            _("You decide as {name} ({role}); decisions are dated {date}, the sidebar's as-of date.").format(
                name=actor.name, role=alert_text.role_label(actor.role), date=fmt.day(as_of)
            )
        )
    else:
        st.warning(_("Enter your name under “Acting as” in the sidebar to decide."), icon=":material/person:")
    for r in pending:
        customer = f"{r.customer_ref} · {r.customer_name}"
        with st.container(border=True, key=f"lr_{r.id}"):
            amount = fmt.money(r.amount, r.currency)
            if r.currency != base:
                amount += " " + _("({amount} in the base currency)").format(amount=fmt.money(r.amount_base, base))
            scope = _("group limit") if r.scope == "group" else _("credit limit")
            st.markdown(f"**{customer}** — {scope} {amount}")
            st.caption(
                " · ".join(
                    [
                        _("requested by {name} ({role}) on {date}").format(
                            name=r.requested_by,
                            role=alert_text.role_label(r.requested_role),
                            date=fmt.day(r.requested_on),
                        ),
                        _("needs {role} or higher").format(role=alert_text.role_label(r.required_role or "")),
                        _("reason: {reason}").format(reason=r.reason),
                    ]
                )
            )
            own = bool(actor.name) and actor.name.casefold() == r.requested_by.strip().casefold()
            c_note, c_buttons = st.columns([3, 2], vertical_alignment="bottom")
            c_note.text_input(
                _("Comment (a rejection needs a reason)"),
                key=f"lr_note_{r.id}",
            )
            buttons = c_buttons.container(horizontal=True, gap="small")
            buttons.button(
                _("Approve"),
                key=f"lr_approve_{r.id}",
                type="primary",
                icon=":material/check:",
                on_click=guarded(decide),
                args=(r.id, True, as_of, base, customer),
            )
            buttons.button(
                _("Withdraw") if own else _("Reject"),
                key=f"lr_reject_{r.id}",
                icon=":material/close:",
                on_click=guarded(decide),
                args=(r.id, False, as_of, base, customer),
            )


# --- page ------------------------------------------------------------------------------------------------------

view = current_view()
me = acting_user().name
base = cache.status().company.base_currency
st.title(_("Alerts"))

everything = cache.alerts(statuses=())
live = [a for a in everything if a.status != "closed"]
pending = cache.limit_requests("pending")

m_open, m_high, m_new, m_requests, c_run = st.columns([2, 2, 2, 2, 3], vertical_alignment="bottom")
m_open.metric(_("Open alerts"), fmt.number(len(live)), help=_("Open and acknowledged alerts, not yet closed."))
m_high.metric(_("High severity"), fmt.number(sum(1 for a in live if a.severity == "high")))
m_new.metric(
    _("New today"),
    fmt.number(sum(1 for a in everything if a.raised_on == view.as_of)),
    help=_("Raised on {date}, the sidebar's as-of date.").format(date=fmt.day(view.as_of)),
)
m_requests.metric(_("Limit requests"), fmt.number(len(pending)), help=_("Waiting for approval."))
c_run.button(
    _("Run the monitor for {date}").format(date=fmt.day(view.as_of)),
    key="alerts_run_monitor",
    icon=":material/radar:",
    on_click=guarded(run_monitor),
    args=(view.as_of,),
    help=_(
        "Evaluates every alert rule as of the sidebar's date. Running it again for the same date does not raise an "
        "alert twice."
    ),
)
show_flash("monitor")

tab_inbox, tab_limits = st.tabs(
    [":material/notifications: " + _("Inbox"), ":material/approval: " + _("Limit requests awaiting approval")]
)
with tab_inbox:
    inbox(everything, view.as_of, base, me)
with tab_limits:
    limit_queue(pending, view.as_of, base)
    erp_export(view.as_of)
