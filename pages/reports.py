"""Reports: month-end close and reopen, the lender and investor pack (PDF and Excel) per lender profile, the log
of what was sent, the IFRS 9 provision settings, lender profiles, contra balances and ERP control totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame
from components.i18n import N_, _, bucket_label, current_language
from components.safe import md
from components.state import acting_user, current_view
from data_access import cache
from domain.borrowing_base import CATEGORIES, LenderProfile
from domain.calendar import month_end, period_of, previous_month_end, trend_dates
from domain.ecl import BucketOverride, EclSettings
from domain.fx import MissingFxRate

frame.enter_page()

FLASH = "reports_flash"
PACKS = "reports_files"
CATEGORY_LABELS = {
    "past_due": N_("Past the cut-off"),
    "cross_aged": N_("Cross-aged"),
    "credits_in_prior": N_("Credits in prior"),
    "affiliate": N_("Affiliates"),
    "foreign_uninsured": N_("Foreign, not insured"),
    "government": N_("Government"),
    "contra": N_("Contra"),
    "disputed": N_("Disputed"),
    "bankrupt": N_("In bankruptcy"),
    "pledged": N_("Factored or pledged"),
    "concentration": N_("Concentration above the cap"),
}
LINE_LABELS = {
    "gross": N_("Gross AR"),
    "total_ineligible": N_("Total ineligible"),
    "eligible": N_("Eligible AR"),
    "advance_rate_percent": N_("Advance rate (%)"),
    "gross_availability": N_("Gross availability"),
    "dilution_percent": N_("Dilution, trailing months (%)"),
    "dilution_reserve": N_("Dilution reserve"),
    "availability": N_("Availability"),
    "loan_balance": N_("Loan balance"),
    "excess_availability": N_("Excess availability"),
}
REASONS = {"bankrupt": N_("Bankrupt"), "in_collection": N_("In collection"), "size": N_("Large exposure")}
WARNINGS = {
    "post_close_difference": N_(
        "The previous month's closing AR as known now differs from its close: see the post-close difference."
    ),
    "rollforward_difference": N_("The roll-forward does not reconcile to the aging: see the difference."),
    "control_total_difference": N_("Our AR differs from the ERP's control total: see the roll-forward."),
    "no_lender_profile": N_("No lender profile: add one below to get a borrowing base certificate."),
}


def flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def show_flash() -> None:
    found = st.session_state.pop(FLASH, None)
    if found:
        (st.error if found[0] == "error" else st.success)(md(found[1]))  # names and refs shown as text


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def warning_text(code: str) -> str:
    if code.startswith("thin_history:"):
        return _(
            "Bucket {bucket}: the loss history is thin and there is no override with a rationale; "
            "set one under IFRS 9 provision."
        ).format(bucket=bucket_label(code.split(":", 1)[1]))
    return _(WARNINGS[code]) if code in WARNINGS else code


def category_label(key: str) -> str:
    return _(CATEGORY_LABELS[key]) if key in CATEGORY_LABELS else key


def line_label(key: str) -> str:
    if key in LINE_LABELS:
        return _(LINE_LABELS[key])
    return _("Less: {category}").format(category=category_label(key))


def decimal_input(text: str, what: str) -> Decimal:
    try:
        return Decimal(text.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(_("{what}: “{value}” is not a number").format(what=what, value=text)) from None


view = current_view()
lang = current_language()
st.title(_("Reports and month-end close"))
show_flash()

latest_end = view.as_of if view.as_of == month_end(view.as_of) else previous_month_end(view.as_of)
ends = list(reversed(trend_dates(latest_end, 24)))
period_end = st.selectbox(_("Month"), ends, format_func=lambda d: f"{period_of(d)} ({fmt.day(d)})", key="report_period")
period = period_of(period_end)
closes = cache.closes()
close_now = next((c for c in closes if c.period == period and c.status == "closed"), None)

try:
    pack = cache.lender_pack(period)
except (MissingFxRate, ValueError) as exc:
    st.error(md(exc))
    st.stop()
currency = pack.currency

if close_now is not None:
    st.success(
        _("{period} is closed: signed off by {who} at {when}. The figures below are frozen.").format(
            period=period, who=md(close_now.closed_by), when=fmt.moment(close_now.closed_at)
        ),
        icon=":material/lock:",
    )
else:
    st.info(
        _("{period} is open: the figures below are a draft from the ledger as known now.").format(period=period),
        icon=":material/lock_open:",
    )
for code in pack.warnings:
    st.warning(warning_text(code))

head = pack.summary[0]
cols = st.columns(5)
cols[0].metric(_("Total AR"), fmt.money(head.total, currency))
cols[1].metric(_("Overdue share"), fmt.percent(head.overdue_share))
cols[2].metric(_("DSO"), fmt.days(head.dso))
cols[3].metric(_("CEI"), fmt.percent(head.cei))
cols[4].metric(_("ECL (booked allowance)"), fmt.money(pack.ecl.total, currency))

# --- close / reopen --------------------------------------------------------------------------------------------
actor = acting_user()
with st.expander(_("Close or reopen the month"), icon=":material/event_available:"):
    if close_now is None:
        st.write(
            _(
                "Closing freezes every figure of the pack as known now, with your sign-off. Later imports never change "
                "a closed month: they show as a post-close difference in the next month's roll-forward."
            )
        )
        if st.button(_("Close {period} and sign off").format(period=period), type="primary", key="close_btn"):
            if not actor.name:
                flash("error", _("Enter your name under “Acting as” in the sidebar: the close is signed off by name."))
            else:
                try:
                    cache.close_period(period, closed_by=actor.name, now=now())
                    flash("ok", _("{period} closed and signed off by {who}.").format(period=period, who=actor.name))
                except (ValueError, MissingFxRate) as exc:
                    flash("error", str(exc))
            st.rerun()
    else:
        st.write(_("Reopening is recorded with who, when and why; only the CFO role may reopen a month."))
        with st.form("reopen_form", clear_on_submit=True):
            reason = st.text_input(_("Reason for reopening"))
            if st.form_submit_button(_("Reopen {period}").format(period=period)):
                try:
                    cache.reopen_period(period, user=actor.name, role=actor.role, reason=reason, now=now())
                    flash("ok", _("{period} reopened.").format(period=period))
                except ValueError as exc:
                    flash("error", str(exc))
                st.rerun()

# --- produce the pack ------------------------------------------------------------------------------------------
st.subheader(_("Lender and investor pack"))
names = [c.profile.name for c in pack.certificates]
row = st.columns([2, 1, 2])
lender = row[0].selectbox(_("Lender profile"), names, key="report_lender") if names else None
language = row[1].radio(_("Language"), ["en", "nb"], horizontal=True, key="report_lang")
recipient = row[2].text_input(_("Recipient (logged)"), key="report_recipient", placeholder=_("e.g. DNB, credit dept."))
if st.button(_("Prepare PDF and Excel"), icon=":material/picture_as_pdf:", key="prepare_pack"):
    if not actor.name:
        flash("error", _("Enter your name under “Acting as” in the sidebar: every report sent is logged with who."))
    else:
        try:
            pdf, book = cache.produce_lender_pack(
                period, lender=lender, lang=language, recipient=recipient, author=actor.name, now=now()
            )
            st.session_state[PACKS] = (period, lender, language, pdf, book)
            flash("ok", _("Prepared and logged for {recipient}.").format(recipient=recipient.strip()))
        except (ValueError, MissingFxRate) as exc:
            flash("error", str(exc))
    st.rerun()
files = st.session_state.get(PACKS)
if files and files[0] == period:
    stem = f"kredittvakt_lender_pack_{period}_{files[2]}"
    dl = st.container(horizontal=True)
    dl.download_button(
        _("Download PDF"), files[3], f"{stem}.pdf", "application/pdf", icon=":material/download:", on_click="ignore"
    )
    dl.download_button(
        _("Download Excel"),
        files[4],
        f"{stem}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/download:",
        on_click="ignore",
    )

tabs = st.tabs(
    [_("Borrowing base"), _("IFRS 9 provision"), _("Roll-forward"), _("Sent reports"), _("Closes"), _("Lender data")]
)

# --- borrowing base --------------------------------------------------------------------------------------------
with tabs[0]:
    cert = pack.certificate(lender)
    if cert is None:
        st.info(_("No lender profile: add one on the Lender data tab."))
    else:
        prev = dict(cert.previous.lines()) if cert.previous is not None else {}
        lines = pd.DataFrame(
            {
                "line": [line_label(k) for k, _v in cert.lines()],
                "value": [None if v is None else float(v) for _k, v in cert.lines()],
                "previous": [None if prev.get(k) is None else float(prev[k]) for k, _v in cert.lines()],
            }
        )
        st.dataframe(
            lines,
            hide_index=True,
            column_config={
                "line": st.column_config.TextColumn(_("Certificate line")),
                "value": st.column_config.NumberColumn(period, format="localized"),
                "previous": st.column_config.NumberColumn(_("Previous certificate"), format="localized"),
            },
        )
        detail = cert.by_customer()
        if detail:
            st.caption(_("Ineligible amounts per customer and category"))
            st.dataframe(
                pd.DataFrame(
                    [
                        {"ref": ref, "name": name, **{category_label(k): float(v) for k, v in amounts.items()}}
                        for ref, name, amounts in detail
                    ]
                ),
                hide_index=True,
            )

# --- IFRS 9 ----------------------------------------------------------------------------------------------------
with tabs[1]:
    m = pack.ecl.matrix
    st.dataframe(
        pd.DataFrame(
            {
                "bucket": [bucket_label(r.label) for r in m.rows],
                "balance": [float(r.balance) for r in m.rows],
                "reached": [float(r.reached) for r in m.rows],
                "lost": [float(r.lost) for r in m.rows],
                "historical": [None if r.historical_rate is None else float(r.historical_rate) for r in m.rows],
                "override": [r.override.rationale if r.override else "" for r in m.rows],
                "rate": [float(r.rate) for r in m.rows],
                "ecl": [float(r.ecl) for r in m.rows],
            }
        ),
        hide_index=True,
        column_config={
            "bucket": st.column_config.TextColumn(_("Days past due")),
            "balance": st.column_config.NumberColumn(_("Balance"), format="localized"),
            "reached": st.column_config.NumberColumn(_("History: reached the bucket"), format="localized"),
            "lost": st.column_config.NumberColumn(_("History: written off"), format="localized"),
            "historical": st.column_config.NumberColumn(_("Historical rate"), format="percent"),
            "override": st.column_config.TextColumn(_("Override rationale")),
            "rate": st.column_config.NumberColumn(_("Applied rate"), format="percent"),
            "ecl": st.column_config.NumberColumn(_("ECL"), format="localized"),
        },
    )
    if pack.ecl.individual:
        st.caption(_("Individually assessed customers (risk-model expected loss)"))
        st.dataframe(
            pd.DataFrame(
                {
                    "ref": [r.ref for r in pack.ecl.individual],
                    "name": [r.name for r in pack.ecl.individual],
                    "reason": [_(REASONS.get(r.reason, r.reason)) for r in pack.ecl.individual],
                    "exposure": [float(r.exposure) for r in pack.ecl.individual],
                    "ecl": [float(r.ecl) for r in pack.ecl.individual],
                }
            ),
            hide_index=True,
        )
    a = pack.allowance
    st.write(
        _(
            "Allowance: opening {opening} + charged {charged} − used for write-offs {used} − reversed {reversed} "
            "= closing {closing}"
        ).format(
            opening=fmt.money(a.opening, currency),
            charged=fmt.money(a.charged, currency),
            used=fmt.money(a.used, currency),
            reversed=fmt.money(a.reversed, currency),
            closing=fmt.money(a.closing, currency),
        )
    )
    settings = cache.policy().ecl
    with st.form("ecl_settings"):
        st.markdown(_("**Provision settings** (saved as a new policy version)"))
        c = st.columns(3)
        lookback = c[0].number_input(_("Loss history: months of cohorts"), 1, 120, settings.lookback_months)
        emergence = c[1].number_input(
            _("Leave out the last months (losses not yet known)"), 0, 60, settings.emergence_months
        )
        min_reached = c[2].text_input(_("Thin history below (amount reached)"), str(settings.min_reached))
        c = st.columns(3)
        factor = c[0].text_input(_("Forward-looking factor"), str(settings.forward_factor))
        threshold = c[1].text_input(
            _("Assess individually above (empty: no size rule)"),
            "" if settings.individual_threshold is None else str(settings.individual_threshold),
        )
        source = st.text_area(_("Source of the forward-looking factor"), settings.forward_source)
        overrides = st.data_editor(
            pd.DataFrame(
                {
                    "bucket": pd.Series([o.bucket for o in settings.overrides], dtype="string"),
                    "rate": pd.Series([float(o.rate_percent) for o in settings.overrides], dtype="float"),
                    "rationale": pd.Series([o.rationale for o in settings.overrides], dtype="string"),
                }
            ),
            num_rows="dynamic",
            column_config={
                "bucket": st.column_config.SelectboxColumn(_("Bucket"), options=[r.label for r in m.rows]),
                "rate": st.column_config.NumberColumn(_("Rate (%)"), min_value=0.0, max_value=100.0),
                "rationale": st.column_config.TextColumn(_("Written rationale")),
            },
            key="ecl_overrides",
        )
        comment = st.text_input(_("Why the settings change"))
        if st.form_submit_button(_("Save provision settings")):
            try:
                new = EclSettings(
                    lookback_months=int(lookback),
                    emergence_months=int(emergence),
                    min_reached=decimal_input(min_reached, _("Thin history below")),
                    overrides=tuple(
                        BucketOverride(str(r.bucket), decimal_input(str(r.rate), _("Rate")), str(r.rationale or ""))
                        for r in overrides.itertuples()
                        if r.bucket
                    ),
                    forward_factor=decimal_input(factor, _("Forward-looking factor")),
                    forward_source=source,
                    individual_threshold=decimal_input(threshold, _("Threshold")) if threshold.strip() else None,
                    individual_events=settings.individual_events,
                    individual_in_collection=settings.individual_in_collection,
                )
                if not actor.name:
                    raise ValueError(_("Enter your name under “Acting as” in the sidebar."))
                cache.save_policy_version(replace(cache.policy(), ecl=new), actor.name, comment)
                flash("ok", _("Provision settings saved as a new policy version."))
            except ValueError as exc:
                flash("error", str(exc))
            st.rerun()

# --- roll-forward ----------------------------------------------------------------------------------------------
with tabs[2]:
    rf = pack.rollforward
    items = [
        (_("Opening AR ({day})").format(day=fmt.day(pack.previous_end)), rf.opening),
        (_("Invoiced"), rf.invoiced),
        (_("Collected"), rf.collected),
        (_("Credit notes"), rf.credit_notes),
        (_("Write-offs"), rf.write_offs),
        (_("Recoveries on written-off invoices"), rf.recoveries),
        (_("FX revaluation"), rf.fx_revaluation),
        (_("Post-close difference"), rf.post_close),
        (_("Conversion rounding"), rf.rounding),
        (_("Closing AR"), rf.closing),
        (_("Closing AR per aging"), rf.aging_total),
        (_("Difference"), rf.difference_to_aging),
        (_("ERP control total"), rf.control_total),
        (_("Difference to the ERP"), rf.difference_to_control),
    ]
    st.dataframe(
        pd.DataFrame({"line": [k for k, _v in items], "amount": [None if v is None else float(v) for _k, v in items]}),
        hide_index=True,
        column_config={
            "line": st.column_config.TextColumn(_("Roll-forward")),
            "amount": st.column_config.NumberColumn(currency, format="localized"),
        },
    )

# --- logs ------------------------------------------------------------------------------------------------------
with tabs[3]:
    log = cache.report_log()
    if not log:
        st.info(_("Nothing sent yet."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "when": [r.created_at for r in log],
                    "report": [r.report for r in log],
                    "period": [r.period or "" for r in log],
                    "lender": [r.lender or "" for r in log],
                    "customer": [r.customer_ref or "" for r in log],
                    "recipient": [r.recipient for r in log],
                    "by": [r.author for r in log],
                    "sha256": [r.file_sha256 for r in log],
                }
            ),
            hide_index=True,
        )

with tabs[4]:
    if not closes:
        st.info(_("No month has been closed yet."))
    else:
        st.dataframe(
            pd.DataFrame(
                {
                    "period": [c.period for c in closes],
                    "status": [c.status for c in closes],
                    "closed": [c.closed_at for c in closes],
                    "by": [c.closed_by for c in closes],
                    "reopened": [c.reopened_at for c in closes],
                    "reopened_by": [c.reopened_by or "" for c in closes],
                    "reason": [c.reopen_reason or "" for c in closes],
                    "sha256": [c.snapshot_sha256 for c in closes],
                }
            ),
            hide_index=True,
        )

# --- lender data -----------------------------------------------------------------------------------------------
with tabs[5]:
    profiles = {p.name: p for p in cache.lender_profiles()}
    choice = st.selectbox(_("Lender profile to edit"), [*profiles, _("New profile")], key="profile_edit")
    base = profiles.get(choice) or LenderProfile(name=_("New lender profile"))
    with st.form("lender_profile"):
        c = st.columns(2)
        name = c[0].text_input(_("Profile name"), base.name)
        bank = c[1].text_input(_("Lender"), base.lender)
        c = st.columns(4)
        basis = c[0].radio(
            _("Cut-off counted from"),
            ["invoice", "due"],
            index=0 if base.basis == "invoice" else 1,
            format_func=lambda b: _("invoice date") if b == "invoice" else _("due date"),
        )
        cutoff = c[1].number_input(_("Cut-off (days)"), 1, 365, base.cutoff_days)
        cross = c[2].text_input(_("Cross-aging (%)"), str(base.cross_aging_percent))
        advance = c[3].text_input(_("Advance rate (%)"), str(base.advance_rate_percent))
        c = st.columns(4)
        conc = c[0].text_input(
            _("Concentration cap (%; empty: none)"),
            "" if base.concentration_percent is None else str(base.concentration_percent),
        )
        level = c[1].radio(
            _("Cap per"),
            ["debtor", "group"],
            index=0 if base.concentration_level == "debtor" else 1,
            format_func=lambda b: _("debtor") if b == "debtor" else _("corporate group"),
        )
        dil_threshold = c[2].text_input(_("Dilution threshold (%)"), str(base.dilution_threshold_percent))
        dil_months = c[3].number_input(_("Dilution months"), 1, 36, base.dilution_months)
        order = st.multiselect(
            _("Ineligible categories, in the agreement's order"),
            list(CATEGORIES),
            default=list(base.order),
            format_func=category_label,
        )
        c = st.columns(4)
        credits_prior = c[0].checkbox(_("Add back credits in prior"), base.credits_in_prior)
        home = c[1].text_input(_("Home country"), base.home_country)
        loan = c[2].text_input(_("Loan balance"), str(base.loan_balance))
        loan_day = c[3].date_input(_("Loan balance date"), base.loan_balance_date or period_end)
        comment = st.text_input(_("Why the profile changes"), key="profile_comment")
        if st.form_submit_button(_("Save lender profile")):
            try:
                if not actor.name:
                    raise ValueError(_("Enter your name under “Acting as” in the sidebar."))
                profile = LenderProfile(
                    name=name.strip(),
                    lender=bank.strip(),
                    basis=basis,
                    cutoff_days=int(cutoff),
                    cross_aging_percent=decimal_input(cross, _("Cross-aging")),
                    credits_in_prior=credits_prior,
                    order=tuple(order),
                    home_country=home.strip().upper(),
                    concentration_percent=decimal_input(conc, _("Concentration cap")) if conc.strip() else None,
                    concentration_level=level,
                    advance_rate_percent=decimal_input(advance, _("Advance rate")),
                    dilution_months=int(dil_months),
                    dilution_threshold_percent=decimal_input(dil_threshold, _("Dilution threshold")),
                    loan_balance=decimal_input(loan, _("Loan balance")),
                    loan_balance_date=loan_day if isinstance(loan_day, date) else None,
                )
                version = cache.save_lender_profile(profile, actor.name, comment)
                flash("ok", _("Lender profile saved as version {version}.").format(version=version))
            except ValueError as exc:
                flash("error", str(exc))
            st.rerun()

    st.markdown(_("**What we owe customers (contra)**"))
    with st.form("contra_form", clear_on_submit=True):
        c = st.columns(3)
        ref = c[0].text_input(_("Customer reference"))
        owed = c[1].text_input(_("Amount we owe ({currency})").format(currency=currency))
        day = c[2].date_input(_("As of"), period_end, key="contra_day")
        if st.form_submit_button(_("Record contra")):
            try:
                if not actor.name:
                    raise ValueError(_("Enter your name under “Acting as” in the sidebar."))
                cache.set_contra(ref.strip(), decimal_input(owed, _("Amount")), day, actor.name)
                flash("ok", _("Contra recorded for {ref}.").format(ref=ref.strip()))
            except ValueError as exc:
                flash("error", str(exc))
            st.rerun()
    st.markdown(_("**The ERP's receivables total (control total)**"))
    with st.form("control_form", clear_on_submit=True):
        c = st.columns(3)
        total = c[0].text_input(_("Amount ({currency})").format(currency=currency))
        src = c[1].text_input(_("Source"), placeholder=_("e.g. GL 1500 or the ERP's aged receivables"))
        day = c[2].date_input(_("As of"), period_end, key="control_day")
        if st.form_submit_button(_("Record control total")):
            try:
                if not actor.name:
                    raise ValueError(_("Enter your name under “Acting as” in the sidebar."))
                cache.add_control_total(day, decimal_input(total, _("Amount")), src, actor.name)
                flash("ok", _("Control total recorded."))
            except ValueError as exc:
                flash("error", str(exc))
            st.rerun()
