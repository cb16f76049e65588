"""User accounts and sign-in: argon2 password hashes, roles, the failed-sign-in lockout, the single sign-on
mapping, and the append-only audit trail of account changes. Functions run in the caller's transaction."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from data_access.audit import record
from data_access.ledger import get_setting, is_demo, set_setting
from data_access.schema import User
from domain.access import (
    AccountError,
    SignInPolicy,
    acting_authority,
    check_authority,
    check_password,
    check_role,
    locked_until,
    normalise_username,
)

_HASHER = PasswordHasher()  # argon2id with the library's current parameters (RFC 9106's second recommendation)
# verified against when the user name is unknown, so that the answer takes as long as for a known one
_DUMMY_HASH = _HASHER.hash("not a password of anyone")
SIGN_IN_POLICY_KEY = "sign_in_policy"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    authority: str | None  # as set on the account (None: the role's default)
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    last_login_at: datetime | None
    has_password: bool
    row_version: int

    @property
    def acting_authority(self) -> str | None:
        return acting_authority(self.role, self.authority)


class SignInError(ValueError):
    """A refused sign-in. `code`: wrong (user name or password; never says which), locked, disabled."""

    def __init__(self, code: str, message: str, until: datetime | None = None):
        self.code = code
        self.until = until
        super().__init__(message)


def _account(r) -> Account:
    return Account(
        r.id,
        r.username,
        r.display_name,
        r.email,
        r.role,
        r.authority,
        bool(r.disabled),
        r.failed_attempts,
        r.locked_until,
        r.last_login_at,
        r.password_hash is not None,
        r.row_version,
    )


def sign_in_policy(conn: Connection) -> SignInPolicy:
    stored = get_setting(conn, SIGN_IN_POLICY_KEY, {}) or {}
    return SignInPolicy(**{k: int(v) for k, v in stored.items() if k in SignInPolicy.__dataclass_fields__})


def save_sign_in_policy(conn: Connection, **changes: int) -> SignInPolicy:
    """Change some of the sign-in rules (validated; ValueError names the bad one); returns the rules in force."""
    current = sign_in_policy(conn)
    policy = SignInPolicy(**{**current.__dict__, **changes})
    if policy != current:
        set_setting(conn, SIGN_IN_POLICY_KEY, dict(policy.__dict__))
        record(conn, None, "sign_in_policy", "user", None, dict(current.__dict__), dict(policy.__dict__))
    return policy


def user_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(User)).scalar_one())


def sign_in_required(conn: Connection, accounts: int | None = None) -> bool:
    """Demo mode, and only demo mode, runs without sign-in: it ends at the first real import or the first user.
    `accounts` is the number of accounts when the caller has counted them already."""
    return (user_count(conn) if accounts is None else accounts) > 0 or not is_demo(conn)


def _public(a: Account) -> dict:
    d = asdict(a)
    for k in ("failed_attempts", "locked_until", "last_login_at", "row_version", "id"):
        d.pop(k)
    return d


def account(conn: Connection, username: str) -> Account | None:
    r = conn.execute(select(User).where(User.username == username.strip().lower())).first()
    return None if r is None else _account(r)


def account_by_id(conn: Connection, user_id: int) -> Account | None:
    r = conn.execute(select(User).where(User.id == user_id)).first()
    return None if r is None else _account(r)


def account_by_email(conn: Connection, email: str) -> Account | None:
    """The account single sign-on maps an identity to (by e-mail, case-insensitive); None when there is none."""
    rows = conn.execute(select(User).where(func.lower(User.email) == email.strip().lower())).all()
    return _account(rows[0]) if len(rows) == 1 else None


def accounts(conn: Connection) -> list[Account]:
    return [_account(r) for r in conn.execute(select(User).order_by(User.username))]


def add_user(
    conn: Connection,
    username: str,
    *,
    role: str,
    display_name: str | None = None,
    password: str | None = None,
    email: str | None = None,
    authority: str | None = None,
    actor: str,
    now: datetime,
) -> Account:
    """A new account; a password (hashed with argon2) unless the user signs in only through single sign-on."""
    name = normalise_username(username)
    check_role(role)
    authority = check_authority(authority)
    policy = sign_in_policy(conn)
    if password is not None:
        check_password(password, policy)
    elif not email:
        raise AccountError("give a password, or an e-mail address for single sign-on")
    if account(conn, name) is not None:
        raise AccountError(f"there is already a user named '{name}'")
    conn.execute(
        insert(User).values(
            username=name,
            display_name=(display_name or "").strip() or name,
            email=(email or "").strip() or None,
            password_hash=None if password is None else _HASHER.hash(password),
            role=role,
            authority=authority,
            disabled=False,
            failed_attempts=0,
            created_at=now,
            row_version=1,
        )
    )
    created = account(conn, name)
    assert created is not None
    record(conn, actor, "create", "user", name, None, _public(created), now)
    return created


def add_first_admin(
    conn: Connection, username: str, password: str, display_name: str | None, email: str | None, now: datetime
) -> Account:
    """The first-run form: only while no account exists (a second visitor finds the form gone)."""
    if user_count(conn):
        raise AccountError("an administrator exists already: sign in")
    return add_user(
        conn, username, role="admin", display_name=display_name, password=password, email=email, actor="first run",
        now=now,
    )  # fmt: skip


def _change(conn: Connection, username: str, actor: str, now: datetime, action: str, **values) -> Account:
    old = account(conn, normalise_username(username))
    if old is None:
        raise AccountError(f"there is no user named '{username}'")
    conn.execute(update(User).where(User.id == old.id).values(**values, row_version=User.row_version + 1))
    new = account_by_id(conn, old.id)
    assert new is not None
    record(conn, actor, action, "user", old.username, _public(old), _public(new), now)
    return new


def _last_admin(conn: Connection, username: str) -> bool:
    admins = conn.execute(select(User.username).where(User.role == "admin", User.disabled.is_(False))).scalars().all()
    return list(admins) == [normalise_username(username)]


def set_role(
    conn: Connection, username: str, role: str, *, authority: str | None = None, actor: str, now: datetime
) -> Account:
    check_role(role)
    if role != "admin" and _last_admin(conn, username):
        raise AccountError(f"'{username}' is the last active administrator; make someone else admin first")
    return _change(conn, username, actor, now, "set_role", role=role, authority=check_authority(authority))


def disable_user(conn: Connection, username: str, *, actor: str, now: datetime) -> Account:
    if _last_admin(conn, username):
        raise AccountError(f"'{username}' is the last active administrator; make someone else admin first")
    return _change(conn, username, actor, now, "disable", disabled=True)


def enable_user(conn: Connection, username: str, *, actor: str, now: datetime) -> Account:
    return _change(conn, username, actor, now, "enable", disabled=False, failed_attempts=0, locked_until=None)


def set_password(conn: Connection, username: str, password: str, *, actor: str, now: datetime) -> Account:
    check_password(password, sign_in_policy(conn))
    return _change(
        conn, username, actor, now, "set_password", password_hash=_HASHER.hash(password), failed_attempts=0,
        locked_until=None,
    )  # fmt: skip


def authenticate(conn: Connection, username: str, password: str, now: datetime) -> Account:
    """Check a sign-in; the failure count, the lockout and the last sign-in are written in the caller's transaction
    (commit it whether or not this raises, so that failures count). Raises SignInError."""
    policy = sign_in_policy(conn)
    wrong = SignInError("wrong", "wrong user name or password")
    try:
        name = normalise_username(username)
    except AccountError:
        raise wrong from None
    r = conn.execute(select(User).where(User.username == name)).first()
    if r is None or r.password_hash is None:
        try:
            _HASHER.verify(_DUMMY_HASH, password or "-")
        except VerificationError:
            pass
        raise wrong
    if r.locked_until is not None and now < r.locked_until:
        raise SignInError(
            "locked", f"too many failed sign-ins: the account is locked until {r.locked_until:%H:%M}", r.locked_until
        )
    try:
        _HASHER.verify(r.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        failures = r.failed_attempts + 1
        until = locked_until(failures, now, policy)
        conn.execute(update(User).where(User.id == r.id).values(failed_attempts=failures, locked_until=until))
        if until is not None:
            record(conn, name, "locked", "user", name, None, {"failed_attempts": failures}, now)
            raise SignInError(
                "locked", f"too many failed sign-ins: the account is locked until {until:%H:%M}", until
            ) from None
        raise wrong from None
    if r.disabled:
        raise SignInError("disabled", "this account is disabled; ask an administrator")
    values: dict = {"failed_attempts": 0, "locked_until": None, "last_login_at": now}
    if _HASHER.check_needs_rehash(r.password_hash):
        values["password_hash"] = _HASHER.hash(password)
    conn.execute(update(User).where(User.id == r.id).values(**values))
    signed_in = account_by_id(conn, r.id)
    assert signed_in is not None
    return signed_in


def active_account(conn: Connection, user_id: int) -> Account | None:
    """The account of a signed-in session, re-read on every request: None once it is disabled or deleted."""
    a = account_by_id(conn, user_id)
    return None if a is None or a.disabled else a
