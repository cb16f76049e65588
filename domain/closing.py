"""Month-end close rules (pure): when a period may be closed or reopened, and who may do it."""

from __future__ import annotations

import hashlib
from datetime import date

from domain.calendar import period_bounds

# Reopening a closed period changes figures that may already have gone to a bank: only the most senior role.
# Until sign-in and an admin role exist (the access issue), that is the CFO.
REOPEN_ROLES = ("cfo",)
REPORTS = ("lender_pack", "lender_workbook", "credit_memo")


class CloseError(ValueError):
    """A close, reopen or report request that cannot be carried out, with the reason in words."""


def check_can_close(period: str, today: date, closed_by: str | None) -> tuple[date, date]:
    """The period's first and last day when it may be closed today by this person; CloseError otherwise."""
    first, last = period_bounds(period)
    if not (closed_by or "").strip():
        raise CloseError("a close needs a sign-off: say who closes the period")
    if last >= today:
        raise CloseError(
            f"period {period} ends {last.isoformat()}, which is not over yet (today is {today.isoformat()})"
        )
    return first, last


def check_can_reopen(period: str, role: str, user: str | None, reason: str | None) -> None:
    if role not in REOPEN_ROLES:
        raise CloseError(
            f"only the {', '.join(REOPEN_ROLES)} role may reopen a closed period; you act as {role or 'nobody'}"
        )
    if not (user or "").strip():
        raise CloseError("say who reopens the period")
    if not (reason or "").strip():
        raise CloseError(f"reopening {period} needs a reason: it is recorded with the close")


def sha256(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def check_report(report: str, recipient: str | None) -> str:
    if report not in REPORTS:
        raise CloseError(f"unknown report {report!r}: use one of {', '.join(REPORTS)}")
    r = (recipient or "").strip()
    if not r:
        raise CloseError("say who receives the report (a bank, an investor, the board): the recipient is logged")
    return r
