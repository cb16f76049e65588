"""The Streamlit boundary of data_access: one engine per process, first-start bootstrap, and
st.cache_data keyed on the database URL and its data version. Pages call only these functions."""

from __future__ import annotations

from datetime import date

import streamlit as st

from data_access.asof import aging
from data_access.bootstrap import ensure_ready
from data_access.engine import default_url, get_engine, mask_url, resolve_database_url
from data_access.imports import remove_demo_data
from data_access.ledger import data_version
from data_access.status import DataStatus, data_status
from domain.aging import AgingReport, Basis, Buckets


def database_url() -> str:
    return resolve_database_url()


def masked_database_url() -> str:
    return mask_url(database_url())


@st.cache_resource(show_spinner="Preparing the database…")
def _ready(url: str) -> bool:
    """Migrate once per process; the default SQLite database gets the demo portfolio on first start."""
    ensure_ready(get_engine(url), seed_demo_if_new=url == default_url())
    return True


def engine():
    url = database_url()
    _ready(url)
    return get_engine(url)


def current_version() -> int:
    with engine().connect() as conn:
        return data_version(conn)


@st.cache_data(ttl=3600, max_entries=16, show_spinner=False)
def _status(url: str, version: int) -> DataStatus:
    with get_engine(url).connect() as conn:
        return data_status(conn)


def status() -> DataStatus:
    engine()
    return _status(database_url(), current_version())


@st.cache_data(ttl=3600, max_entries=64, show_spinner=False)
def _aging(url: str, version: int, as_of: date, basis: str, edges: tuple[int, ...] | None) -> AgingReport:
    with get_engine(url).connect() as conn:
        return aging(conn, as_of, Basis(basis), Buckets(edges) if edges else None)


def aging_report(as_of: date, basis: str = "due", edges: tuple[int, ...] | None = None) -> AgingReport:
    engine()
    return _aging(database_url(), current_version(), as_of, basis, edges)


def remove_demo() -> bool:
    with engine().begin() as conn:
        removed = remove_demo_data(conn)
    st.cache_data.clear()
    return removed
