"""Who may do what: the four access roles, the pages each may open, the actions each may take, and the sign-in
rules (password length, failed-attempt lockout, idle timeout) as data. Pure: no Streamlit, no SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

VIEWER, SALES, CREDIT_MANAGER, ADMIN = "viewer", "sales", "credit_manager", "admin"
ROLES = (VIEWER, SALES, CREDIT_MANAGER, ADMIN)
# A user's decision authority in the approval matrix (and for reopening a close): the policy's role names.
AUTHORITIES = ("sales", "credit_manager", "cfo", "board")
DEFAULT_AUTHORITY = {VIEWER: None, SALES: "sales", CREDIT_MANAGER: "credit_manager", ADMIN: None}

_READERS = frozenset({VIEWER, CREDIT_MANAGER, ADMIN})  # read the whole portfolio
_CREDIT = frozenset({CREDIT_MANAGER, ADMIN})

# page key (the file name under pages/ without .py) -> roles that may open it
PAGES: dict[str, frozenset[str]] = {
    "portfolio": _READERS,
    "aging": _READERS,
    "customers": frozenset(ROLES),  # sales: only the customers it owns
    "alerts": _READERS,
    "collections": _READERS,
    "credit_check": _CREDIT,
    "reports": _READERS,
    "policy": _READERS,  # editing is the admin's (action edit_policy)
    "data_import": frozenset({ADMIN}),
    "data_status": _READERS,
    "users": frozenset({ADMIN}),
    "audit": frozenset({ADMIN}),
}

# action -> roles that may take it (checked on the server for every write, whatever the page showed)
ACTIONS: dict[str, frozenset[str]] = {
    "add_note": frozenset({SALES, CREDIT_MANAGER, ADMIN}),
    "request_limit": frozenset({SALES, CREDIT_MANAGER, ADMIN}),
    "edit_customer": _CREDIT,  # terms, status, insurance, a lower limit
    "decide_limit": _CREDIT,  # and anyone whose authority is in the approval matrix (AUTHORITY_ACTIONS)
    "reject_limit": frozenset({SALES, CREDIT_MANAGER, ADMIN}),  # approvers reject, requesters withdraw
    "work_alerts": _CREDIT,
    "run_monitor": _CREDIT,
    "collections": _CREDIT,
    "credit_check": _CREDIT,
    "check_register": _CREDIT,
    "produce_report": _READERS,  # logged downloads: the lender pack and its workbook
    "credit_memo": frozenset(ROLES),  # a customer's memo (sales: of the customers it owns)
    "edit_policy": frozenset({ADMIN}),
    "import": frozenset({ADMIN}),
    "undo_import": frozenset({ADMIN}),
    "remove_demo": frozenset({ADMIN}),
    "manage_users": frozenset({ADMIN}),
    "read_audit": frozenset({ADMIN}),
    "connectors": frozenset({ADMIN}),
    "close_period": frozenset({ADMIN}),
    "reopen_period": frozenset({ADMIN}),  # and the cfo authority (domain.closing.REOPEN_ROLES)
    "lender_data": frozenset({ADMIN}),
}
# actions a decision authority grants whatever the access role (the policy's own rules then apply)
AUTHORITY_ACTIONS: dict[str, frozenset[str]] = {
    "decide_limit": frozenset({"credit_manager", "cfo", "board"}),
    "reject_limit": frozenset({"credit_manager", "cfo", "board"}),
    "reopen_period": frozenset({"cfo"}),
}


class AccessDenied(PermissionError):
    """An action or page the user's role does not allow; `action` and `role` let the UI say it in any language."""

    def __init__(self, action: str, role: str | None):
        self.action = action
        self.role = role
        super().__init__(f"your role ({role or 'none'}) may not {action.replace('_', ' ')}")


def may(role: str | None, action: str, authority: str | None = None) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"unknown action '{action}'")
    return role in ACTIONS[action] or (authority is not None and authority in AUTHORITY_ACTIONS.get(action, ()))


def require(role: str | None, action: str, authority: str | None = None) -> None:
    if not may(role, action, authority):
        raise AccessDenied(action, role)


def may_open(role: str | None, page: str) -> bool:
    return role in PAGES.get(page, frozenset())


# --- accounts and sign-in ------------------------------------------------------------------------------------------

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class AccountError(ValueError):
    """A user account that cannot be stored as given; the message says what to change."""


def normalise_username(value: str) -> str:
    name = (value or "").strip().lower()
    if not USERNAME.match(name):
        raise AccountError(
            f"'{value}' is not a valid user name: 2-64 characters, letters, digits and . _ @ - (e.g. kari.nordmann)"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role '{role}'; choose one of {', '.join(ROLES)}")
    return role


def check_authority(authority: str | None) -> str | None:
    if authority in (None, ""):
        return None
    if authority not in AUTHORITIES:
        raise AccountError(f"unknown authority '{authority}'; choose one of {', '.join(AUTHORITIES)} or none")
    return authority


@dataclass(frozen=True)
class SignInPolicy:
    """Sign-in rules; the defaults follow common guidance (NIST SP 800-63B: length over composition rules)."""

    min_password_length: int = 12
    max_failures: int = 5  # failed sign-ins in a row before the account is locked for a while
    lockout_minutes: int = 15
    idle_minutes: int = 30  # a session without activity for this long signs out

    def __post_init__(self) -> None:
        for name in ("min_password_length", "max_failures", "lockout_minutes", "idle_minutes"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")


def check_password(password: str, policy: SignInPolicy) -> None:
    if len(password or "") < policy.min_password_length:
        raise AccountError(f"a password needs at least {policy.min_password_length} characters")
    if password != password.strip():
        raise AccountError("a password may not start or end with a space")


def locked_until(failures: int, last_failure: datetime, policy: SignInPolicy) -> datetime | None:
    """After `max_failures` failed sign-ins in a row the account is locked until `lockout_minutes` after the last;
    each further failure while locked extends it."""
    if failures < policy.max_failures:
        return None
    return last_failure + timedelta(minutes=policy.lockout_minutes)


def idle_expired(last_activity: datetime | None, now: datetime, policy: SignInPolicy) -> bool:
    return last_activity is not None and now - last_activity > timedelta(minutes=policy.idle_minutes)


def acting_authority(role: str, authority: str | None) -> str | None:
    """The authority a user decides with: the one set on the account, else the role's default."""
    return authority if authority is not None else DEFAULT_AUTHORITY.get(role)
