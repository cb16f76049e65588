"""Kredittvakt: the router and the shared sidebar."""

import streamlit as st

from data_access import service

st.set_page_config(page_title="Kredittvakt", page_icon=":material/shield:", layout="wide")

pages = {
    "Settings": [
        st.Page("pages/data_status.py", title="Data status", icon=":material/database:", default=True),
    ],
}
nav = st.navigation(pages)

status = service.status()
with st.sidebar:
    st.caption(f"{status.company.name} · base currency {status.company.base_currency}")
    if status.demo:
        st.caption(":material/science: Demo data")

nav.run()
