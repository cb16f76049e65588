"""Aging: open receivables by bucket as of the sidebar date, by customer, country, segment and currency,
the 12 month-end trend, and CSV/Excel export of the customer table as shown."""

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame, widgets
from components.charts import aging_bar, aging_stacked_bars
from components.i18n import _, bucket_label
from components.safe import md
from components.state import current_view, open_customer
from components.tables import aging_customer_frame, aging_frame, aging_group_frame, aging_trend_frame
from data_access import cache
from domain.aging import BucketError, Buckets, parse_edges
from domain.fx import MissingFxRate

frame.enter_page()

BASES = ("due", "invoice")
EDGES_KEY = "aging_edges"


def money_columns(names: list[str], width: int | None = None) -> dict:
    """Money as numbers (so sorting stays numeric) in the reader's locale with two decimals."""
    return {n: st.column_config.NumberColumn(n, format="localized", step=0.01, width=width) for n in names}


def reset_edges(text: str) -> None:
    st.session_state[EDGES_KEY] = text


def group_section(groups: dict, labels: tuple[str, ...], key_title: str, key: str, currency: str, note: str) -> None:
    """Stacked bars and a small table of bucket amounts per group (country, segment or currency)."""
    if not groups:
        st.info(_("Nothing to show."), icon=":material/info:")
        return
    frame = aging_group_frame(groups, labels, key="key")
    names = {label: bucket_label(label) for label in labels}
    st.plotly_chart(
        aging_stacked_bars(
            frame, "key", list(labels), currency, horizontal=True, height=90 + 36 * len(frame), names=names
        ),
        key=f"aging_{key}_chart",
    )
    st.dataframe(
        frame.rename(columns={"key": key_title, **names}),
        hide_index=True,
        column_config=money_columns([names[label] for label in labels]),
        key=f"aging_{key}_table",
    )
    st.caption(note)


st.title(_("Aging"))

status = cache.status()
if status.latest_transaction_date is None:
    st.info(
        _("The ledger is empty: import customers, invoices and payments (see docs/data-formats.md)."),
        icon=":material/inbox:",
    )
    st.stop()

view = current_view()
policy_buckets = Buckets(cache.policy().bucket_edges)

# --- controls ----------------------------------------------------------------------------------------
basis_names = {"due": _("Due date"), "invoice": _("Invoice date")}
c_basis, c_edges, c_reset = st.columns([2, 3, 1], vertical_alignment="bottom")
with c_basis:
    basis = st.segmented_control(
        _("Count days from"),
        BASES,
        default="due",
        required=True,
        format_func=basis_names.get,
        key="aging_basis",
        persist_state="session",  # kept when the user visits a customer and comes back
        help=_("Due date: days past due (current = not yet due). Invoice date: days since the invoice was issued."),
    )
with c_edges:
    edges_text = st.text_input(
        _("Bucket edges (days)"),
        value=policy_buckets.as_text(),
        key=EDGES_KEY,
        persist_state="session",
        help=_(
            "Comma-separated upper bounds in days, e.g. 30,60,90,120. The credit policy's edges are {edges}; "
            "a change here applies to this page only."
        ).format(edges=policy_buckets.as_text()),
    )
with c_reset:
    st.button(
        _("Policy edges"),
        icon=":material/restart_alt:",
        key="aging_edges_reset",
        on_click=reset_edges,
        args=(policy_buckets.as_text(),),
        help=_("Go back to the credit policy's bucket edges ({edges}).").format(edges=policy_buckets.as_text()),
    )

try:
    buckets = parse_edges(edges_text or "")
except BucketError as exc:
    st.error(
        _("These bucket edges cannot be used: {error}. Showing the credit policy's buckets ({edges}).").format(
            error=md(exc), edges=policy_buckets.as_text()
        ),
        icon=":material/error:",
    )
    buckets = policy_buckets

try:
    aging = cache.aging_view(view.as_of, basis, buckets.edges, view.flt)
    trend_buckets, trend = cache.month_end_trend(view.as_of, view.flt, basis, buckets.edges)
except MissingFxRate as exc:
    st.error(
        _(
            "No exchange rate for {currency} dated on or before {date}, so amounts cannot be converted to the base "
            "currency. Import FX rates (python cli.py import fx) and reload."
        ).format(currency=exc.currency, date=fmt.day(exc.on)),
        icon=":material/currency_exchange:",
    )
    st.stop()

report = aging.report
currency = report.currency
labels = report.buckets.labels
names = {label: bucket_label(label) for label in labels}

basis_captions = {
    "due": _("As of {date} · days past the due date · amounts in {currency}"),
    "invoice": _("As of {date} · days since the invoice date · amounts in {currency}"),
}
st.caption(basis_captions[basis].format(date=fmt.day(view.as_of), currency=currency))

if not report.customers:
    if not view.flt.is_empty:
        st.info(
            _(
                "No open receivables as of {date} for the customers selected by the sidebar filters. "
                "Widen the filters or pick another date."
            ).format(date=fmt.day(view.as_of)),
            icon=":material/filter_alt_off:",
        )
    else:
        st.info(
            _(
                "Nothing was open as of {date}. The ledger's latest transaction is dated {latest}; "
                "pick a date when invoices were outstanding."
            ).format(date=fmt.day(view.as_of), latest=fmt.day(status.latest_transaction_date)),
            icon=":material/event_busy:",
        )
    st.stop()

# --- summary -----------------------------------------------------------------------------------------
# Whole currency units keep the figures readable in four columns; the exact amounts are in the help and the table.
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    _("Total open receivables ({currency})").format(currency=currency),
    fmt.number(report.total),
    help=_("Exactly {amount}.").format(amount=fmt.money(report.total, currency)),
)
m2.metric(_("Open invoices"), fmt.number(report.open_invoices))
m3.metric(_("Customers with a balance"), fmt.number(report.customers_with_balance))
m4.metric(
    _("Unapplied credits ({currency})").format(currency=currency),
    fmt.number(report.unapplied_amount),
    help=_(
        "Exactly {amount} in {n} credit notes and payments not yet allocated to an invoice. They are included in "
        "the buckets (by their own date) and reduce the total."
    ).format(amount=fmt.money(report.unapplied_amount, currency), n=fmt.number(report.unapplied_count)),
)

frame = aging_frame(report)
chart, table = st.columns([3, 2])
with chart:
    shown_frame = frame.assign(label=[names[label] for label in frame["label"]])
    st.plotly_chart(aging_bar(shown_frame, currency), key="aging_chart")
with table:
    st.dataframe(
        pd.DataFrame(
            {_("Bucket"): [names[label] for label in labels], _("Amount"): frame["amount"], _("Items"): frame["count"]}
        ),
        hide_index=True,
        column_config={
            _("Amount"): st.column_config.NumberColumn(_("Amount"), format="localized", step=0.01),
            _("Items"): st.column_config.NumberColumn(_("Items"), help=_("Open invoices and unapplied credits")),
        },
        key="aging_buckets",
    )
    if report.unapplied_count:
        st.caption(
            _("Includes {n} unapplied credits ({amount}) in their buckets.").format(
                n=fmt.number(report.unapplied_count), amount=fmt.money(report.unapplied_amount, currency)
            )
        )

# --- by customer -------------------------------------------------------------------------------------
st.subheader(_("By customer"))
customers = aging_customer_frame(report, aging.attributes)
search = st.text_input(
    _("Search customers"),
    key="aging_search",
    persist_state="session",
    placeholder=_("Name or reference"),
    icon=":material/search:",
)
if search and search.strip():
    needle = search.strip()
    hit = customers["name"].str.contains(needle, case=False, regex=False) | customers["ref"].str.contains(
        needle, case=False, regex=False
    )
    customers = customers[hit]

headers = {
    "ref": _("Reference"),
    "name": _("Name"),
    "country": _("Country"),
    "segment": _("Segment"),
    "total": _("Total"),
    **names,
    "unapplied": _("Unapplied"),
}
shown = customers.rename(columns=headers)
money_headers = [headers["total"], *(names[label] for label in labels), headers["unapplied"]]
st.caption(
    _("{shown} of {all} customers · click a row to open the customer").format(
        shown=fmt.number(len(shown)), all=fmt.number(len(report.customers))
    )
)
if shown.empty:
    st.info(_("No customer matches “{text}”.").format(text=md(search.strip())), icon=":material/search_off:")
else:
    picked = st.dataframe(
        shown,
        hide_index=True,
        height=min(36 * (len(shown) + 1) + 3, 460),
        column_config={
            headers["ref"]: st.column_config.TextColumn(headers["ref"], pinned=True),
            headers["name"]: st.column_config.TextColumn(headers["name"], pinned=True),
            **money_columns(money_headers, width=120),  # fixed: a new bucket ladder keeps no stale widths
        },
        on_select="rerun",
        selection_mode="single-row",
        key="aging_customers",
    )
    widgets.export_buttons(
        shown,
        f"aging_{view.as_of.isoformat()}_{basis}",
        _("Aging"),
        (_("CSV"), _("Excel")),
        "aging",
        _("The customer table as shown (after the search)."),
    )
    rows = picked.selection.rows if picked else []
    if rows and rows[0] < len(shown):
        open_customer(int(shown.index[rows[0]]))

# --- by country, segment, currency ---------------------------------------------------------------------
st.subheader(_("Breakdown"))
t_country, t_segment, t_currency = st.tabs([_("By country"), _("By segment"), _("By currency")])
with t_country:
    group_section(aging.by_country, labels, _("Country"), "country", currency, _("The customer's country."))
with t_segment:
    group_section(aging.by_segment, labels, _("Segment"), "segment", currency, _("The customer's segment."))
with t_currency:
    group_section(
        aging.by_currency,
        labels,
        _("Currency"),
        "currency",
        currency,
        _("By the currency of each document; amounts converted to {currency}.").format(currency=currency),
    )

# --- trend -------------------------------------------------------------------------------------------
st.subheader(_("Month-end trend"))
trend_labels = trend_buckets.labels
trend_frame = aging_trend_frame(trend_labels, trend)
trend_names = {label: bucket_label(label) for label in trend_labels}
st.plotly_chart(
    aging_stacked_bars(
        trend_frame.assign(as_of=[fmt.day(d) for d in trend_frame["as_of"]]),
        "as_of",
        list(trend_labels),
        currency,
        height=380,
        names=trend_names,
    ),
    key="aging_trend_chart",
)
st.caption(
    _("Open receivables by bucket at each of the last 11 month-ends and at {date}; credits stack below zero.").format(
        date=fmt.day(view.as_of)
    )
)
with st.expander(_("Trend figures"), icon=":material/table:"):
    st.dataframe(
        trend_frame.rename(columns={"as_of": _("Date"), **trend_names}),
        hide_index=True,
        column_config={
            _("Date"): st.column_config.DateColumn(_("Date"), format=fmt.date_column_format()),
            **money_columns([trend_names[label] for label in trend_labels]),
        },
        key="aging_trend_table",
    )
