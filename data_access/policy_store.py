"""The versioned credit-policy store: history, any version's policy, saving and restoring as new versions.

Versions are never changed or deleted: a save or a restore adds the next version (through
`data_access.ledger.save_policy`). Every function takes a Connection; the caller owns the transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, func, select

from data_access.audit import record
from data_access.ledger import active_policy, save_policy, utcnow
from data_access.schema import PolicyVersion
from data_access.statutory import statutory_table
from domain.dunning import validate_ladder
from domain.policy import Policy, PolicyError

AUTHOR_MAX = PolicyVersion.__table__.c.author.type.length or 100


class PolicyUnchanged(ValueError):
    """The policy to store is the same as the active one; a version that changes nothing is not stored."""


class PolicyConflict(PolicyError):
    """Someone saved a version after the editor opened the form (optimistic locking): nothing is overwritten."""


@dataclass(frozen=True)
class PolicyVersionRow:
    version: int
    created_at: datetime  # UTC, naive (as stored)
    author: str
    comment: str | None


def policy_history(conn: Connection) -> list[PolicyVersionRow]:
    """Every saved version, newest first; empty while the built-in defaults apply."""
    rows = conn.execute(
        select(PolicyVersion.version, PolicyVersion.created_at, PolicyVersion.author, PolicyVersion.comment).order_by(
            PolicyVersion.version.desc()
        )
    ).all()
    return [PolicyVersionRow(r.version, r.created_at, r.author, r.comment) for r in rows]


def policy_version_row(conn: Connection, version: int) -> PolicyVersionRow:
    """Who saved `version`, when and why; LookupError when no such version was saved."""
    r = conn.execute(
        select(PolicyVersion.version, PolicyVersion.created_at, PolicyVersion.author, PolicyVersion.comment).where(
            PolicyVersion.version == version
        )
    ).first()
    if r is None:
        raise _missing(conn, version)
    return PolicyVersionRow(r.version, r.created_at, r.author, r.comment)


def policy_at_version(conn: Connection, version: int) -> Policy:
    """The policy as saved in `version`; LookupError when no such version was saved."""
    body = conn.execute(select(PolicyVersion.body).where(PolicyVersion.version == version)).scalar()
    if body is None:
        raise _missing(conn, version)
    return Policy.from_dict(json.loads(body))


def _missing(conn: Connection, version: int) -> LookupError:
    latest = active_policy_version(conn)
    known = "no version has been saved yet" if latest is None else f"versions run from 1 to {latest}"
    return LookupError(f"policy version {version} does not exist ({known})")


def active_policy_version(conn: Connection) -> int | None:
    """The number of the version in force (the latest), None while the built-in defaults apply."""
    return conn.execute(select(func.max(PolicyVersion.version))).scalar()


def save_policy_version(
    conn: Connection, policy: Policy, author: str, comment: str | None = None, based_on: int | None = None
) -> int:
    """Store `policy` as the next version by `author`; refuses an empty author and a policy equal to the active
    one (PolicyUnchanged), writing nothing then. Returns the new version number.

    `based_on` is the version the editor started from (0: the built-in defaults): when another version was saved
    since, PolicyConflict names it and nothing is saved."""
    who = _author(author)
    active = active_policy_version(conn) or 0
    if based_on is not None and active != based_on:
        row = policy_version_row(conn, active)
        raise PolicyConflict(
            f"{row.author} saved version {active} ({row.created_at:%Y-%m-%d %H:%M}) after you opened version "
            f"{based_on}; nothing was saved: look at version {active} and make your changes again"
        )
    if policy == active_policy(conn):
        raise PolicyUnchanged("nothing changed: the policy is the same as the active version")
    check_ladders(conn, policy, utcnow().date())
    version = save_policy(conn, policy, who, _comment(comment))
    record(conn, who, "save", "policy", version, {"version": active or None}, {"version": version, "comment": comment})
    return version


def check_ladders(conn: Connection, policy: Policy, on: date) -> None:
    """Refuse dunning ladders that break the law of their country on `on` (the statutory figures in force then),
    with every breach and the rule it breaks in the message."""
    table = statutory_table(conn)
    found = [f"{ladder.country}: {v.message}" for ladder in policy.dunning for v in validate_ladder(ladder, table, on)]
    if found:
        raise PolicyError("the dunning ladder breaks the law: " + "; ".join(found))


def restore_policy(conn: Connection, version: int, author: str, comment: str | None = None) -> int:
    """Store a copy of `version` as a new version (the old one stays as it was); returns the new number.

    The comment defaults to "Restored version N". Refuses an empty author, a missing version (LookupError) and a
    version whose policy is already the active one (PolicyUnchanged)."""
    who = _author(author)
    policy = policy_at_version(conn, version)
    if policy == active_policy(conn):
        raise PolicyUnchanged(f"nothing changed: version {version} is the same as the active policy")
    check_ladders(conn, policy, utcnow().date())
    before = active_policy_version(conn)
    new = save_policy(conn, policy, who, _comment(comment) or f"Restored version {version}")
    record(conn, who, "restore", "policy", new, {"version": before}, {"version": new, "restored": version})
    return new


def _author(author: str) -> str:
    who = (author or "").strip()
    if not who:
        raise ValueError("a policy version needs an author: give the name of the person saving it")
    if len(who) > AUTHOR_MAX:
        raise ValueError(f"the author's name may be at most {AUTHOR_MAX} characters")
    return who


def _comment(comment: str | None) -> str | None:
    return (comment or "").strip() or None
