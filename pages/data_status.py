"""Data status: which database, how much data, how fresh, and the aging as of the latest transaction."""

import pandas as pd
import streamlit as st

from components import format as fmt
from components.charts import aging_bar
from components.tables import aging_frame
from data_access import service

status = service.status()
st.title("Data status")

c1, c2, c3, c4 = st.columns(4)
c1.metric("Database", service.masked_database_url().split("://")[0])
c2.metric("Mode", "Demo data" if status.demo else "Live data")
c3.metric("Latest transaction", fmt.day(status.latest_transaction_date))
c4.metric("Data version", status.data_version)
st.caption(f"Database URL: `{service.masked_database_url()}` · schema revision {status.schema_revision}")

left, right = st.columns([1, 2])
with left:
    st.subheader("Rows per table")
    st.dataframe(
        pd.DataFrame({"table": list(status.row_counts), "rows": list(status.row_counts.values())}),
        hide_index=True,
        width="stretch",
        height=36 * (len(status.row_counts) + 1) + 3,  # every table visible without scrolling
    )
with right:
    as_of = status.latest_transaction_date
    if as_of is None:
        st.subheader("Aging")
        st.write("The ledger is empty: import customers, invoices and payments (see docs/data-formats.md).")
    else:
        report = service.aging_report(as_of)
        st.subheader(f"Aging by due date as of {fmt.day(as_of)}")
        frame = aging_frame(report)
        st.metric("Total open receivables", fmt.money(report.total, report.currency))
        st.plotly_chart(aging_bar(frame, report.currency), key="aging_chart")
        shown = frame.assign(amount=[fmt.money(a, report.currency) for a in report.amounts])
        st.dataframe(shown.rename(columns={"label": "bucket"}), hide_index=True, width="stretch")
        if report.unapplied_count:
            st.caption(
                f"Includes {report.unapplied_count} unapplied credits "
                f"({fmt.money(report.unapplied_amount, report.currency)}) in their buckets."
            )

st.subheader("Recent imports")
if status.recent_imports:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "finished": e.finished_at,
                    "kind": e.kind,
                    "source": e.source,
                    "file": e.file_name,
                    "status": e.status,
                    "rows": e.rows,
                    "inserted": e.inserted,
                    "updated": e.updated,
                    "message": e.message,
                }
                for e in status.recent_imports
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.write("No imports yet.")

if status.demo:
    with st.expander("Remove demo data"):
        st.write("Deletes the whole demo portfolio. The database stays; import your own ledger afterwards.")
        if st.button("Remove demo data", type="primary", key="remove_demo"):
            service.remove_demo()
            st.success("Demo data removed.")
            st.rerun()
