"""Portfolio: the CFO's morning view. Headline KPIs with the change since the last month-end, where the open
money sits (age, segment, country), concentration, the 12 month-end trend and the watchlist."""

import pandas as pd
import streamlit as st
from babel.numbers import get_decimal_symbol, get_group_symbol

from components import charts, frame, messages
from components import format as fmt
from components.i18n import N_, _, babel_locale, ngettext
from components.state import current_view, open_customer
from components.theme import DSO_COLOUR, TREND_LINE_COLOURS
from data_access import cache
from domain.aging import CURRENT
from domain.calendar import previous_month_end
from domain.fx import MissingFxRate
from domain.kpis import r1
from domain.portfolio import HHI_SCALE, Concentration, Direction, Figure, Unit, whole
from domain.portfolio import headline as headline_figures

LABELS = {
    "total_ar": N_("Total AR"),
    "overdue_ar": N_("Overdue AR"),
    "overdue_share": N_("Overdue share"),
    "dso_countback": N_("DSO (countback)"),
    "add": N_("Average days delinquent"),
    "cei": N_("Collection effectiveness"),
    "deteriorating": N_("Paying later"),
    "over_limit": N_("Over credit limit"),
}
HELP = {
    "total_ar": N_(
        "All open receivables at the end of the as-of day, in {currency}: open invoices less credit notes and "
        "unapplied payments."
    ),
    "overdue_ar": N_("The part of total AR that is past its due date."),
    "overdue_share": N_("Overdue AR as a share of total AR. The change is in percentage points."),
    "dso_countback": N_(
        "Countback DSO: how many days of the most recent credit sales the open AR represents, counting back "
        "month by month from the as-of date."
    ),
    "add": N_(
        "Average days delinquent (ADD) = DSO − best possible DSO, both by the standard method on the credit sales "
        "of the last {window} days (not the countback DSO): the days customers take beyond their terms. Best "
        "possible DSO counts only the AR that is not yet due."
    ),
    "cei": N_(
        "Collection effectiveness index (CEI): of what could have been collected in the last {window} days, the "
        "share that was collected. 100% means everything that fell due was paid. The change is in percentage points."
    ),
    "deteriorating": N_(
        "Customers whose median days late over the last {recent} days is at least {increase} days above their "
        "own median of the {baseline} days before."
    ),
    "over_limit": N_("Customers whose balance is above their credit limit (limits in {currency} at the as-of rate)."),
}
MISSING = {
    "overdue_share": N_("Not reported: there are no open receivables."),
    "dso_countback": N_("Not reported: the sales history runs out before the open AR is used up."),
    "add": N_("Not reported: no credit sales in the last {window} days."),
    "cei": N_("Not reported: nothing could have been collected in the last {window} days."),
}
READING = {
    Concentration.UNCONCENTRATED: N_("Unconcentrated"),
    Concentration.MODERATE: N_("Moderately concentrated"),
    Concentration.HIGH: N_("Highly concentrated"),
}
COLOUR = {Direction.UP_IS_BAD: "inverse", Direction.UP_IS_GOOD: "normal", Direction.NEUTRAL: "off"}


def separators() -> str:
    """Plotly's decimal and thousands marks for the session's language."""
    loc = babel_locale()
    return get_decimal_symbol(loc) + get_group_symbol(loc)


def bucket_name(label: str) -> str:
    return _("Current") if label == CURRENT else _("{range} days").format(range=label)


def shown(value, unit: Unit, currency: str) -> str:
    if unit is Unit.MONEY:
        return fmt.money(value, currency)
    if unit in (Unit.PERCENT, Unit.INDEX):
        return fmt.percent(value)
    if unit is Unit.DAYS:
        return fmt.DASH if value is None else _("{value} days").format(value=fmt.days(value))
    return fmt.number(value)


def shown_change(f: Figure, currency: str) -> str | None:
    if f.change is None:
        return None
    sign = "+" if f.change > 0 else ""
    if f.unit is Unit.MONEY:
        return sign + fmt.money(f.change, currency)
    if f.unit in (Unit.PERCENT, Unit.INDEX):
        return _("{value} pp").format(value=sign + fmt.number(f.change, 1))
    if f.unit is Unit.DAYS:
        return _("{value} days").format(value=sign + fmt.days(f.change))
    return sign + fmt.number(f.change)


def kpi_cards(ov, trend, policy) -> None:
    """Money on two wide cards with the 12 month-end bars (exact amounts need the width), then two rows of three."""
    names = {
        "currency": ov.currency,
        "window": ov.kpis.window_days,
        "recent": policy.trend.recent_days,
        "baseline": policy.trend.baseline_days,
        "increase": policy.trend.min_increase_days,
    }
    figures = headline_figures(
        ov.kpis,
        ov.kpis_previous,
        (ov.deteriorating, ov.deteriorating_previous),
        (ov.over_limit, ov.over_limit_previous),
    )
    sparks = {
        "total_ar": [float(p.total) for p in trend],
        "overdue_ar": [float(p.overdue) for p in trend],
    }
    for row in (figures[:2], figures[2:5], figures[5:]):
        for col, f in zip(st.columns(len(row)), row, strict=True):
            text = _(HELP[f.key]).format(**names)
            if f.key in sparks:
                text += "\n\n" + _("Bars: the last 12 month-ends.")
            if f.value is None:
                text = _(MISSING[f.key]).format(**names) + "\n\n" + text
            elif f.previous is None:
                text += "\n\n" + _("No change shown: the figure was not reported on {date}.").format(
                    date=fmt.day(ov.previous)
                )
            still = f.change == 0
            col.metric(
                _(LABELS[f.key]),
                shown(f.value, f.unit, ov.currency),
                delta=shown_change(f, ov.currency),
                delta_color="off" if still else COLOUR[f.direction],
                delta_arrow="off" if still else "auto",
                help=text,
                border=True,
                chart_data=sparks.get(f.key),
                chart_type="bar",
            )


def bucket_frame(rows: dict, key: str, labels: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{key: k, **{lab: float(a) for lab, a in zip(labels, amounts, strict=True)}} for k, amounts in rows.items()],
        columns=[key, *labels],
    )


def select_customer(event, ids: list[int]) -> None:
    rows = event.selection.rows if event is not None else []
    if rows:
        open_customer(ids[rows[0]])


def money_column(label: str, help: str | None = None):
    return st.column_config.NumberColumn(label, format="localized", help=help)


def units(amount) -> float | None:
    """Whole currency units for the overview tables (exact amounts are on the customer page)."""
    value = whole(amount)
    return None if value is None else float(value)


def percent_bar(label: str, help: str | None = None):
    return st.column_config.ProgressColumn(label, min_value=0, max_value=100, format="%.1f%%", help=help)


def concentration(ov, groups: bool) -> None:
    rows = ov.top_groups if groups else ov.top_customers
    index = ov.kpis.group_hhi if groups else ov.kpis.hhi
    reading = HHI_SCALE.reading(index)
    c1, c2 = st.columns([1, 3], vertical_alignment="center")
    c1.metric(
        _("HHI, corporate groups") if groups else _("HHI, customers"),
        fmt.number(r1(index), 1),
        help=_(
            "Herfindahl–Hirschman index: the sum of the squared percentage shares of all positive balances "
            "({what}), from near 0 (many small) to {max} (one only)."
        ).format(
            what=_("each corporate group's members together") if groups else _("each customer"),
            max=fmt.number(10_000),
        ),
        border=True,
    )
    low = fmt.number(HHI_SCALE.moderate_from)
    high = fmt.number(HHI_SCALE.high_above)
    if reading is not None:
        c2.markdown("**" + _(READING[reading]) + "**")
    c2.caption(
        _(
            "A yardstick, not a credit rule: the US DOJ/FTC merger-guideline convention reads an HHI below {low} "
            "as unconcentrated, {low}–{high} as moderately and above {high} as highly concentrated."
        ).format(low=low, high=high)
    )
    if not groups and ov.kpis.top10_share is not None:
        c2.caption(
            _("The ten largest customers hold {share} of the positive balances.").format(
                share=fmt.percent(r1(ov.kpis.top10_share))
            )
        )
    if not rows:
        st.info(_("No positive balances to rank."), icon=":material/info:")
        return
    name = _("Corporate group") if groups else _("Customer")
    data = pd.DataFrame(
        {
            "name": [r.name for r in rows],
            "ref": [r.ref for r in rows],
            **({"members": [r.members for r in rows]} if groups else {}),
            "balance": [units(r.balance) for r in rows],
            "share": [None if r.share is None else float(r1(r.share)) for r in rows],
            "limit": [units(r.credit_limit) for r in rows],
            "utilisation": [None if r.utilisation is None else float(r1(r.utilisation)) for r in rows],
            "insured": [units(r.insured_limit) for r in rows],
            "uninsured": [units(r.uninsured) for r in rows],
        }
    )
    event = st.dataframe(
        data,
        hide_index=True,
        width="stretch",
        placeholder=fmt.DASH,
        on_select="rerun",
        selection_mode="single-row",
        key="pf_top_groups" if groups else "pf_top_customers",
        column_config={
            "name": st.column_config.TextColumn(name),
            "ref": st.column_config.TextColumn(_("Ref.")),
            "members": st.column_config.NumberColumn(_("Members"), help=_("Customers in the group, parent included.")),
            "balance": money_column(_("Balance ({currency})").format(currency=ov.currency)),
            "share": percent_bar(_("Share of AR")),
            "limit": money_column(
                _("Credit limit ({currency})").format(currency=ov.currency),
                _("The sum of the members' credit limits.") if groups else None,
            ),
            "utilisation": percent_bar(_("Utilisation"), _("Balance as a share of the credit limit.")),
            "insured": money_column(_("Insured limit ({currency})").format(currency=ov.currency)),
            "uninsured": money_column(
                _("Uninsured ({currency})").format(currency=ov.currency),
                _("The balance no credit insurer covers: the insurer pays its share up to the insured limit."),
            ),
        },
    )
    st.caption(
        _("Select a row to open the group's parent company.") if groups else _("Select a row to open the customer.")
    )
    select_customer(event, [r.key for r in rows])


def watchlist(ov) -> None:
    rows = ov.watchlist
    st.subheader(_("Watchlist"))
    if not rows:
        st.success(
            _("No customer is paying later, over its credit limit or more than 90 days past due."),
            icon=":material/check_circle:",
        )
        return
    st.caption(
        ngettext(
            "{n} customer paying later than it used to, over its credit limit or more than 90 days past due. "
            "Select the row to open the customer.",
            "{n} customers paying later than they used to, over their credit limit or more than 90 days past due; "
            "most flags first. Select a row to open the customer.",
            len(rows),
        ).format(n=fmt.number(len(rows)))
    )
    flags = {"det": _("Paying later"), "ovl": _("Over limit"), "o90": _("90+ days")}
    data = pd.DataFrame(
        {
            "name": [w.name for w in rows],
            "balance": [units(w.balance) for w in rows],
            "over_90": [units(w.over_90) for w in rows],
            "limit": [units(w.credit_limit) for w in rows],
            "flags": [
                [flags[k] for k, on in (("det", w.deteriorating), ("ovl", w.over_limit), ("o90", w.over_90 > 0)) if on]
                for w in rows
            ],
            "reason": [messages.watch_reason(w.deteriorating, w.over_limit, w.over_90 > 0, w.trend) for w in rows],
        }
    )
    event = st.dataframe(
        data,
        hide_index=True,
        width="stretch",
        height=min(35 * len(rows) + 38, 458),
        placeholder=fmt.DASH,
        on_select="rerun",
        selection_mode="single-row",
        key="pf_watchlist",
        column_config={
            "name": st.column_config.TextColumn(_("Customer"), width=210),
            "balance": money_column(_("Balance ({currency})").format(currency=ov.currency)),
            "over_90": money_column(_("Over 90 days ({currency})").format(currency=ov.currency)),
            "limit": money_column(_("Credit limit ({currency})").format(currency=ov.currency)),
            "flags": st.column_config.ListColumn(_("Flags"), width=275),
            "reason": st.column_config.TextColumn(_("Reason"), width="large"),
        },
    )
    select_customer(event, [w.customer_id for w in rows])


def trend_section(ov, buckets, trend) -> None:
    sep = separators()
    labels = [bucket_name(lab) for lab in buckets.labels]
    month = [fmt.day(p.as_of) for p in trend]

    def one_decimal(values):
        return [None if v is None else float(r1(v)) for v in values]

    data = pd.DataFrame(
        {
            "month": month,
            **{lab: [float(p.amounts[i]) for p in trend] for i, lab in enumerate(labels)},
            "overdue_share": one_decimal(p.overdue_share for p in trend),
            "over_60": one_decimal(p.share_over_60 for p in trend),
            "over_90": one_decimal(p.share_over_90 for p in trend),
        }
    )
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(
            charts.ar_trend_chart(
                data,
                labels,
                {
                    "overdue_share": _("Overdue share"),
                    "over_60": _("Over 60 days"),
                    "over_90": _("Over 90 days"),
                },
                ov.currency,
                TREND_LINE_COLOURS,
                title=_("Is the book growing, and is more of it late?"),
                share_axis=_("% of AR"),
                separators=sep,
                bucket_legend=False,
            ),
            key="pf_trend_ar",
        )
    with right:
        days = pd.DataFrame({"month": month, "days": one_decimal(p.dso_countback for p in trend)})
        st.plotly_chart(
            charts.dso_trend_chart(
                days,
                _("DSO (countback)"),
                DSO_COLOUR,
                title=_("Are customers paying faster or slower?"),
                axis_title=_("days of sales unpaid (countback DSO)"),
                separators=sep,
            ),
            key="pf_trend_dso",
        )
    st.caption(
        _(
            "Bars: open AR at each month-end by age, coloured as the aging bar above; lines: the overdue share and "
            "the shares over 60 and over 90 days past due, in percent of AR (right axis). Shares can dip below zero "
            "when unapplied credits sit in the older buckets."
        )
    )


def exposure_section(ov) -> None:
    sep = separators()
    labels = [bucket_name(lab) for lab in ov.aging.buckets.labels]
    now = pd.DataFrame({"label": labels, "amount": [float(a) for a in ov.aging.amounts]})
    left, right = st.columns([9, 4], vertical_alignment="center")
    with left:
        st.plotly_chart(
            charts.aging_composition_bar(now, ov.currency, title=_("How old is the open money?"), separators=sep),
            key="pf_aging",
        )
    with right:
        st.dataframe(
            pd.DataFrame(
                {
                    "bucket": labels,
                    "amount": [units(a) for a in ov.aging.amounts],
                    "count": list(ov.aging.counts),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "bucket": st.column_config.TextColumn(
                    _("Past due"), help=_("Days past the due date; current = not yet due.")
                ),
                "amount": money_column(_("Amount ({currency})").format(currency=ov.currency)),
                "count": st.column_config.NumberColumn(
                    _("Items"), help=_("Open items: invoices with an open amount and unapplied credits.")
                ),
            },
        )
    overdue_only = (
        st.segmented_control(
            _("Exposure"),
            ["all", "overdue"],
            format_func=lambda v: _("All open AR") if v == "all" else _("Overdue only"),
            default="all",
            key="pf_exposure",
            label_visibility="collapsed",
        )
        == "overdue"
    )
    titles = {
        ("segment", False): _("Which segments carry the exposure, and how old is it?"),
        ("segment", True): _("Which segments hold the overdue money?"),
        ("country", False): _("Which countries carry the exposure, and how old is it?"),
        ("country", True): _("Which countries hold the overdue money?"),
    }
    for col, key, rows in zip(st.columns(2), ("segment", "country"), (ov.by_segment, ov.by_country), strict=True):
        data = bucket_frame(rows, key, labels)
        if overdue_only:  # hide the not-yet-due bucket; the others keep their colours
            data[labels[0]] = None
        col.plotly_chart(
            charts.aging_stacked_bars(
                data,
                key,
                labels,
                ov.currency,
                horizontal=True,
                title=titles[key, overdue_only],
                separators=sep,
                legend=False,
                biggest_first=True,
            ),
            key=f"pf_{key}",
        )


WEAK_CLASSES = ("D", "E")


def risk_section(risk, currency: str) -> None:
    """Exposure by risk class and age, with the uninsured part and the risk-model expected loss."""
    st.subheader(_("Risk classes"))
    st.caption(
        _(
            "Our class A–E starts from the bureau's view and adds what only our ledger shows (see a customer's "
            "Credit decision tab for the reasons). Expected loss = PD × LGD × uninsured exposure."
        )
    )
    cards = st.columns(3, border=True)
    cards[0].metric(
        _("Expected loss (risk model)"),
        fmt.money(risk.expected_loss, currency),
        help=_("Sum over customers of PD × LGD × the exposure no credit insurer covers. Not the IFRS 9 provision."),
    )
    cards[1].metric(
        _("Uninsured exposure"),
        fmt.money(risk.uninsured, currency),
        help=_("Open balances above zero minus the insurers' share up to each insured limit."),
    )
    weak, share = risk.exposure_in(WEAK_CLASSES), risk.share_in(WEAK_CLASSES)
    cards[2].metric(
        _("Exposure in classes D and E"),
        fmt.money(weak, currency),
        delta=None if share is None else _("{share} of the exposure").format(share=fmt.percent(share)),
        delta_color="off",
        help=_("Open balances of customers in the two weakest classes."),
    )
    sep = separators()
    labels = [bucket_name(lab) for lab in risk.buckets.labels]
    frame = pd.DataFrame(
        [
            {"class": c.risk_class, **{lab: float(a) for lab, a in zip(labels, c.amounts, strict=True)}}
            for c in risk.classes
        ]
    )
    left, right = st.columns(2)
    left.plotly_chart(
        charts.aging_stacked_bars(
            frame, "class", labels, currency, horizontal=True, title=_("Exposure by risk class"), separators=sep
        ),
        key="pf_class_bars",
    )
    right.plotly_chart(
        charts.class_aging_heatmap(
            frame, labels, currency, title=_("Risk class × age of the open money"), separators=sep
        ),
        key="pf_class_heat",
    )
    st.dataframe(
        key="pf_classes",
        data=pd.DataFrame(
            {
                "class": [c.risk_class for c in risk.classes],
                "customers": [c.customers for c in risk.classes],
                "exposure": [units(c.exposure) for c in risk.classes],
                "uninsured": [units(c.uninsured) for c in risk.classes],
                "el": [units(c.expected_loss) for c in risk.classes],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "class": st.column_config.TextColumn(_("Class")),
            "customers": st.column_config.NumberColumn(_("Customers")),
            "exposure": money_column(_("Exposure ({currency})").format(currency=currency)),
            "uninsured": money_column(_("Uninsured ({currency})").format(currency=currency)),
            "el": money_column(_("Expected loss ({currency})").format(currency=currency)),
        },
    )


def nothing_open(as_of, flt, latest) -> None:
    if flt.is_empty:
        st.info(
            _(
                "Nothing is open on {date}: the as-of date is probably before the first invoice. "
                "The latest transaction is dated {latest}."
            ).format(date=fmt.day(as_of), latest=fmt.day(latest)),
            icon=":material/event_busy:",
        )
    else:
        st.info(
            _("No open receivables on {date} for the customers in the filter. Widen the filter in the sidebar.").format(
                date=fmt.day(as_of)
            ),
            icon=":material/filter_alt_off:",
        )


def fx_error(exc: MissingFxRate, base: str) -> None:
    st.error(
        _(
            "No exchange rate for {currency} on or before {date}, so amounts cannot be converted to {base}. "
            "Import the rate (fx_rates) or choose a later as-of date."
        ).format(currency=exc.currency, date=fmt.day(exc.on), base=base),
        icon=":material/currency_exchange:",
    )


# --- page ------------------------------------------------------------------------------------------

frame.enter_page()
view = current_view()
status = cache.status()
base = status.company.base_currency
st.title(_("Portfolio"))

if status.latest_transaction_date is None:
    st.info(
        _("The ledger is empty: import customers, invoices and payments, or load the demo (see Data status)."),
        icon=":material/inbox:",
    )
    st.stop()

st.caption(
    _("As of {date} · amounts in {currency} · changes against the month-end {previous}").format(
        date=fmt.day(view.as_of), currency=base, previous=fmt.day(previous_month_end(view.as_of))
    )
)

try:
    ov = cache.overview(view.as_of, view.flt)
    buckets, trend = cache.month_end_trend(view.as_of, view.flt)
except MissingFxRate as exc:
    try:  # before the first invoice nothing is open and only the credit limits lack a rate: say that instead
        empty = not cache.aging_report(view.as_of, flt=view.flt).customers
    except MissingFxRate:
        empty = False
    if empty:
        nothing_open(view.as_of, view.flt, status.latest_transaction_date)
    else:
        fx_error(exc, base)
    st.stop()

if not ov.aging.customers and not ov.watchlist:
    nothing_open(view.as_of, view.flt, status.latest_transaction_date)
    st.stop()

kpi_cards(ov, trend, cache.policy())
exposure_section(ov)

try:
    risk_section(cache.risk_overview(view.as_of, view.flt), ov.currency)
except MissingFxRate as exc:
    fx_error(exc, base)

st.subheader(_("Who holds the money?"))
tab_c, tab_g = st.tabs([_("Top 10 customers"), _("Top 10 corporate groups")])
with tab_c:
    concentration(ov, groups=False)
with tab_g:
    concentration(ov, groups=True)

st.subheader(_("Twelve month-ends"))
trend_section(ov, buckets, trend)

watchlist(ov)
