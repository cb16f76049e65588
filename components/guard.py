"""The shared frame's guard: when the database cannot be used, every page says what failed, where (the masked URL)
and what to do, instead of a traceback; nothing about the failure is kept, so the next run tries again.

app.py runs the frame and the page inside `database()`; a page's widget callback that writes is wrapped in
`callback`, because Streamlit runs callbacks before the script, outside app.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import streamlit as st

from components.frame import DENIED, denied
from components.i18n import _
from components.safe import md
from data_access.unavailable import BUSY, FILE, DatabaseUnavailable
from domain.access import AccessDenied

PENDING = "database_problem"  # a callback's failure, shown on the run that follows it
ICONS = {BUSY: ":material/lock_clock:", FILE: ":material/error:"}


def _what(kind: str) -> str:
    if kind == BUSY:
        return _("The database is busy: another write holds its lock.")
    if kind == FILE:
        return _("The database file cannot be opened, read or written.")
    return _("The database cannot be reached.")


def _todo(kind: str) -> str:
    if kind == BUSY:
        return _(
            "Another user, an import or a month-end close is writing. Try again in a moment; if this happens often, "
            "move the database to PostgreSQL (docs/architecture.md)."
        )
    if kind == FILE:
        return _(
            "Check that the file exists and is a Kredittvakt database, that the disk is not full, and that the user "
            "running the app may read and write the file and its folder."
        )
    return _(
        "Check that the database server is running and reachable from this machine, and that the URL "
        "(KREDITTVAKT_DATABASE_URL or .streamlit/secrets.toml) names the right host, database and user. "
        "The page tries again every time it runs: reload it when the database is back."
    )


def show(problem: DatabaseUnavailable, retry: bool = True) -> None:
    """The message: what failed (with the driver's words), the masked URL, what to do; a button to try again."""
    lines = [
        "**" + _what(problem.kind) + "** " + md(problem.detail),  # the driver's words and the URL are shown as text
        _("Database: {url}").format(url=md(problem.url)),
    ]
    if problem.write:
        lines.append(_("Nothing was saved: the change was rolled back whole."))
    lines.append(_todo(problem.kind))
    st.error("\n\n".join(lines), icon=ICONS.get(problem.kind, ":material/cloud_off:"))
    if retry:
        st.button(_("Try again"), icon=":material/refresh:", key="database_try_again")


@contextmanager
def database() -> Iterator[None]:
    """Run the frame and the page; a DatabaseUnavailable from either ends the run with the message."""
    pending = st.session_state.pop(PENDING, None)
    if pending is not None:
        show(pending, retry=False)
    try:
        yield
    except DatabaseUnavailable as problem:
        if pending is None or str(problem) != str(pending):  # the same failure is said once
            show(problem)


def callback(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A widget callback whose DatabaseUnavailable or AccessDenied (the server refused the write for the user's
    role) is shown at the top of the following run instead of as a traceback; the write was rolled back whole."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DatabaseUnavailable as problem:
            st.session_state[PENDING] = problem
            return None
        except AccessDenied as exc:
            st.session_state[DENIED] = denied(exc)
            return None

    return run
