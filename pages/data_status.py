"""Data status: which database, how much data, how fresh, and the aging as of the latest transaction."""

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame
from components.charts import aging_bar
from components.export import to_csv
from components.i18n import N_, _, bucket_label
from components.state import acting_user
from components.tables import aging_frame, control_differences_frame
from data_access import cache
from data_access.cache import UndoRefused

frame.enter_page()

SIDES = {
    "both": N_("both"),
    "erp_only": N_("only the ERP"),
    "ours_only": N_("only Kredittvakt"),
    "unknown": N_("the ERP (customer unknown to Kredittvakt)"),
}

status = cache.status()
st.title(_("Data status"))

c1, c2, c3, c4 = st.columns(4)
c1.metric(_("Database"), cache.masked_database_url().split("://")[0])
c2.metric(_("Mode"), _("Demo data") if status.demo else _("Live data"))
c3.metric(_("Latest transaction"), fmt.day(status.latest_transaction_date))
c4.metric(_("Data version"), status.data_version)
st.caption(
    _("Database URL: {url} · schema revision {rev}").format(
        url=f"`{cache.masked_database_url()}`", rev=status.schema_revision
    )
)

left, right = st.columns([1, 2])
with left:
    st.subheader(_("Rows per table"))
    st.dataframe(
        pd.DataFrame({_("table"): list(status.row_counts), _("rows"): list(status.row_counts.values())}),
        hide_index=True,
        width="stretch",
        height=36 * (len(status.row_counts) + 1) + 3,  # every table visible without scrolling
    )
with right:
    as_of = status.latest_transaction_date
    if as_of is None:
        st.subheader(_("Aging"))
        st.write(_("The ledger is empty: import customers, invoices and payments (see docs/data-formats.md)."))
    else:
        report = cache.aging_report(as_of)
        st.subheader(_("Aging by due date as of {date}").format(date=fmt.day(as_of)))
        frame = aging_frame(report)
        frame["label"] = frame["label"].map(bucket_label)
        st.metric(_("Total open receivables"), fmt.money(report.total, report.currency))
        st.plotly_chart(aging_bar(frame, report.currency), key="aging_chart")
        shown = pd.DataFrame(
            {
                _("bucket"): frame["label"],
                _("amount"): [fmt.money(a, report.currency) for a in report.amounts],
                _("count"): frame["count"],
            }
        )
        st.dataframe(shown, hide_index=True, width="stretch")
        if report.unapplied_count:
            st.caption(
                _("Includes {n} unapplied credits ({amount}) in their buckets.").format(
                    n=report.unapplied_count, amount=fmt.money(report.unapplied_amount, report.currency)
                )
            )

checks = cache.control_checks()
if checks:
    st.subheader(_("Does our AR tie to the ERP?"))
    currency = status.company.base_currency
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("date"): fmt.day(c.as_of),
                    _("source"): c.source,
                    _("ERP total"): fmt.money(c.erp_total, currency),
                    _("our open AR"): fmt.money(c.our_total, currency),
                    _("difference"): fmt.money(c.difference, currency),
                    _("ties"): _("yes") if c.difference == 0 else _("no"),
                }
                for c in checks
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    by_customer = [c for c in checks if c.by_customer]  # totals may tie while customers differ both ways
    if by_customer:
        st.subheader(_("Differences by customer"))
        day = st.selectbox(
            _("Control total of"), [c.as_of for c in by_customer], format_func=fmt.day, key="control_day"
        )
        rec = cache.control_differences(day)
        if rec is not None and not rec.customers:
            st.success(
                _("Every customer's open AR ties to the ERP's balance on {date} ({source}).").format(
                    date=fmt.day(day), source=rec.source
                )
            )
        elif rec is not None:
            st.caption(
                _(
                    "{n} customers differ from the ERP's balances ({source}); their differences add up to {total}, "
                    "the difference of the totals. Largest first."
                ).format(n=len(rec.customers), source=rec.source, total=fmt.money(rec.explained, currency))
            )
            table = control_differences_frame(rec.customers)
            table["side"] = table["side"].map(lambda code: _(SIDES[code]))
            names = {
                "ref": _("customer"),
                "name": _("name"),
                "erp": _("ERP balance"),
                "ours": _("our open AR"),
                "difference": _("difference"),
                "side": _("listed by"),
            }
            table = table.rename(columns=names)
            st.dataframe(
                table,
                hide_index=True,
                width="stretch",
                key="control_differences",
                column_config={
                    names[c]: st.column_config.NumberColumn(names[c], format="localized", step=0.01)
                    for c in ("erp", "ours", "difference")
                },
            )
            st.download_button(
                _("Download the differences (CSV)"),
                to_csv(table),
                f"control_differences_{day.isoformat()}.csv",
                "text/csv",
                on_click="ignore",
            )

st.subheader(_("Import log"))
undo_outcome = st.session_state.pop("undo_result", None)
if undo_outcome:
    state, text, reasons = undo_outcome
    if state == "ok":
        st.success(text)
    else:
        st.error(text)
        for reason in reasons[1:]:
            st.caption(reason)
log = cache.import_log(50)
if log:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    _("no."): e.id,
                    _("finished"): fmt.moment(e.finished_at),
                    _("by"): e.author or "",
                    _("kind"): e.kind,
                    _("source"): e.source,
                    _("file"): e.file_name,
                    _("status"): e.status,
                    _("rows"): e.rows,
                    _("inserted"): e.inserted,
                    _("updated"): e.updated,
                    _("rejected"): e.rejected,
                    _("message"): e.message,
                }
                for e in log
            ]
        ),
        hide_index=True,
        width="stretch",
        key="import_log",
    )
    undoable = {e.id: e for e in log if e.can_undo}
    if undoable:
        with st.expander(_("Undo an import")):
            st.write(
                _(
                    "Removes the rows an import added and puts back the rows it changed (with the customers created "
                    "from its file). Refused while anything later depends on it: a later import that changed the "
                    "same rows, a change made by hand since, or notes, alerts and documents on what it created."
                )
            )
            chosen = st.selectbox(
                _("Import"),
                list(undoable),
                format_func=lambda i: (
                    f"#{i} · {undoable[i].kind} · {undoable[i].file_name or ''} · {fmt.moment(undoable[i].finished_at)}"
                ),
                key="undo_import_id",
            )
            if st.button(_("Undo this import"), key="undo_import", type="primary"):
                try:
                    done = cache.undo_import(chosen, acting_user().name or _("unknown user"))
                    st.session_state["undo_result"] = ("ok", done.summary(), [])
                except UndoRefused as exc:
                    st.session_state["undo_result"] = ("refused", str(exc), exc.reasons)
                st.rerun()
else:
    st.write(_("No imports yet."))

if status.demo:
    with st.expander(_("Remove demo data")):
        st.write(_("Deletes the whole demo portfolio. The database stays; import your own ledger afterwards."))
        if st.button(_("Remove demo data"), type="primary", key="remove_demo"):
            cache.remove_demo()
            st.success(_("Demo data removed."))
            st.rerun()
