"""Kredittvakt: the router and the shared sidebar."""

import streamlit as st

from components.frame import demo_notice
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
    company = status.company.name or "Company profile not set (python cli.py company set)"
    st.caption(f"{company} · base currency {status.company.base_currency}")
    if status.demo:
        st.caption(":material/science: Demo data")
demo_notice(status.demo)

nav.run()
