"""Audit trail (administrators): every recorded change, who made it, when, and the values before and after;
filter by what changed, who, a key or the days, and export what is shown. The rows cannot be edited."""

import pandas as pd
import streamlit as st

from components import format as fmt
from components import frame
from components.export import to_csv, to_xlsx
from components.i18n import N_, _
from data_access import cache
from domain.access import AccessDenied

frame.enter_page()

ENTITIES = {
    "customer": N_("Customers (limit, terms, status)"),
    "limit_request": N_("Limit requests"),
    "policy": N_("Policy versions"),
    "alert": N_("Alert actions"),
    "import": N_("Imports"),
    "user": N_("Users"),
    "connector": N_("Connector runs"),
    "period": N_("Period close"),
}
ALL = "*"

st.title(_("Audit trail"))
st.caption(
    _(
        "Every change to customers, policy versions, alert actions, imports, users and connector runs, "
        "append-only: the database refuses to change or delete a row."
    )
)
c = st.columns(4)
entity = c[0].selectbox(
    _("What"), [ALL, *ENTITIES], format_func=lambda e: _("Everything") if e == ALL else _(ENTITIES[e]), key="au_entity"
)
actor = c[1].text_input(_("Who (user name)"), key="au_actor")
key = c[2].text_input(_("Key contains"), key="au_key", help=_("A customer reference, import number, user name…"))
days = c[3].date_input(_("Days"), value=(), key="au_days", format="DD.MM.YYYY")
since, until = (days[0], days[-1]) if days else (None, None)
try:
    rows = cache.audit_entries(
        None if entity == ALL else entity, actor.strip() or None, key.strip() or None, since, until
    )
except AccessDenied:
    st.error(_("Only administrators read the audit trail."))
    st.stop()
table = pd.DataFrame(
    [
        {
            _("no."): r.id,
            _("when"): fmt.moment(r.at),
            _("who"): r.actor,
            _("action"): r.action,
            _("what"): _(ENTITIES[r.entity]) if r.entity in ENTITIES else r.entity,
            _("key"): r.key or "",
            _("before"): r.before or "",
            _("after"): r.after or "",
        }
        for r in rows
    ],
    columns=[_("no."), _("when"), _("who"), _("action"), _("what"), _("key"), _("before"), _("after")],
)
st.caption(_("{n} entries").format(n=len(table)))
st.dataframe(table, hide_index=True, width="stretch", key="audit_table")
left, right = st.columns(2)
left.download_button(_("Download (CSV)"), to_csv(table), "audit_trail.csv", "text/csv", on_click="ignore")
right.download_button(
    _("Download (Excel)"),
    to_xlsx(table, "Audit"),
    "audit_trail.xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    on_click="ignore",
)
