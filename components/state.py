"""What the sidebar chose, for every page: as-of date, portfolio filter, language (in st.session_state)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from domain.filters import CustomerFilter

AS_OF = "as_of"
CUSTOMER = "customer_id"
USER_NAME = "user_name"
USER_ROLE = "user_role"
# Who is acting, until sign-in (issue 8) replaces the sidebar choice: the approval matrix decides by role.
ROLES = ("sales", "credit_manager", "cfo", "board")


@dataclass(frozen=True)
class View:
    as_of: date
    flt: CustomerFilter


def current_view() -> View:
    """The sidebar's choices; app.py draws the sidebar before any page runs."""
    return View(
        as_of=st.session_state[AS_OF],
        flt=CustomerFilter(
            countries=tuple(st.session_state.get("f_countries", ())),
            segments=tuple(st.session_state.get("f_segments", ())),
            industries=tuple(st.session_state.get("f_industries", ())),
            groups=tuple(st.session_state.get("f_groups", ())),
            currencies=tuple(st.session_state.get("f_currencies", ())),
        ),
    )


def open_customer(customer_id: int) -> None:
    """Go to the customer page showing this customer."""
    st.session_state[CUSTOMER] = int(customer_id)
    st.switch_page("pages/customers.py")


@dataclass(frozen=True)
class Actor:
    name: str
    role: str


def acting_user() -> Actor:
    """The name and role chosen in the sidebar (stored with every decision); empty name when none was given."""
    return Actor(str(st.session_state.get(USER_NAME, "") or "").strip(), st.session_state.get(USER_ROLE, ROLES[1]))
