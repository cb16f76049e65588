"""The audit trail: one append-only row per change (who, when, what, before and after). The database refuses
UPDATE and DELETE on it (triggers, migration 0009); no function here changes or removes a row.

Who: the signed-in account's user name when the change comes from the app (data_access.cache sets `ACTOR` for
the write), else the author the caller names (the CLI's --by, a connector)."""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from data_access.ledger import utcnow
from data_access.schema import AuditEntry

ACTOR: ContextVar[str | None] = ContextVar("audit_actor", default=None)
ENTITIES = ("customer", "limit_request", "policy", "alert", "import", "user", "connector", "period")


def _json(value: dict | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


def record(
    conn: Connection,
    author: str | None,
    action: str,
    entity: str,
    key: Any,
    before: dict | None = None,
    after: dict | None = None,
    now: datetime | None = None,
) -> None:
    """Append one change to the audit trail, in the caller's transaction (a rolled-back change leaves none)."""
    actor = ACTOR.get() or (author or "").strip() or "unknown"
    conn.execute(
        insert(AuditEntry).values(
            at=now or utcnow(),
            actor=actor[:100],
            action=action[:40],
            entity=entity,
            entity_key=None if key is None else str(key)[:200],
            before=_json(before),
            after=_json(after),
        )
    )


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    key: str | None
    before: str | None
    after: str | None


def entries(
    conn: Connection,
    *,
    entity: str | None = None,
    actor: str | None = None,
    key: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 1000,
) -> list[AuditRow]:
    """The trail, newest first, filtered by entity, actor (exact), key (contains) and day range (inclusive)."""
    t = AuditEntry
    q = select(t).order_by(t.id.desc()).limit(limit)
    if entity:
        q = q.where(t.entity == entity)
    if actor:
        q = q.where(t.actor == actor)
    if key:
        q = q.where(t.entity_key.contains(key))
    if since:
        q = q.where(t.at >= datetime.combine(since, datetime.min.time()))
    if until:
        q = q.where(t.at < datetime.combine(until, datetime.max.time()))
    return [AuditRow(r.id, r.at, r.actor, r.action, r.entity, r.entity_key, r.before, r.after) for r in conn.execute(q)]
