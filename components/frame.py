"""Page chrome shared by every page: the demo-data notice and the database line."""

from __future__ import annotations

import streamlit as st


def demo_notice(is_demo: bool) -> None:
    if is_demo:
        st.info(
            "**Demo data.** Everything shown here is a generated demo portfolio, not real customers. "
            "It is removed at the first real import, or under Data status › Remove demo data.",
            icon=":material/science:",
        )
