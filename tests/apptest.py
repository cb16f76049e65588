"""AppTest helpers: run the real app.py (router + shared frame) and switch to a page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
DEMO_AS_OF_DEFAULT = "2026-10-30"  # the demo's latest transaction date (last business day before 2026-10-31)


def run_page(page: str, lang: str | None = None, timeout: int = 90, **state) -> AppTest:
    """A fresh AppTest of app.py, switched to `page` (e.g. "pages/portfolio.py"), with session state preset."""
    import streamlit as st

    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=timeout)
    if lang:
        at.session_state["lang"] = lang
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    at.switch_page(page).run()
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}
