"""Enhetsregisteret sync: fetch Norwegian customers' units and roles, store the register profile and add company
events (source "brreg") without duplicates.

Per organisation number the last state (unit, profile, CEO and chair, raised flags) is the JSON setting
`brreg:<orgnr>`; the change feed's cursor is the setting `brreg_cursor` (the next update id to read). `sync_all`
reads the feed from the cursor and fetches only the units the feed names, plus the ones never fetched or whose
last fetch failed; without a cursor it fetches every unit and starts the cursor at the feed of the day before.
A unit that fails (404, malformed JSON, the retries used up) is listed in `SyncResult.errors` and the run goes
on. Nothing here commits: the caller owns the transaction. The data version is bumped when anything changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy import Connection, insert, select, update

from connectors.brreg import BrregError, Fetched, UpdatePage
from data_access.audit import record
from data_access.ledger import bump_data_version, get_setting, set_setting
from data_access.schema import CompanyEvent, Customer
from domain.brreg import SOURCE, RegisterDataError, RegisterEvent, RegisterProfile, RegisterState, sync_outcome
from domain.identifiers import OrgNumberError, normalise_org_number

log = logging.getLogger(__name__)

CURSOR_KEY = "brreg_cursor"
FEED_SIZE = 500
FEED_MAX_PAGES = 100  # 50,000 feed entries per run; the cursor keeps the rest for the next run


class RegisterClient(Protocol):
    """What the sync needs of connectors.brreg.BrregClient (tests may pass a stand-in)."""

    def get_unit(self, orgnr: str) -> Fetched: ...
    def get_roles(self, orgnr: str) -> Fetched: ...
    def updates(self, since_id: int | None, size: int = ..., *, since: date | None = ...) -> UpdatePage: ...


@dataclass
class SyncResult:
    """fetched: units the register answered (200 or 410); enriched: customers whose register profile or industry
    code changed; events_added: company_events rows inserted; errors: one line per failed unit, "<orgnr>: why"
    (or "customer <ref>: why", "change feed: why"); cursor: the feed cursor after the run; changed: anything
    written (the data version was bumped)."""

    fetched: int = 0
    events_added: int = 0
    enriched: int = 0
    errors: list[str] = field(default_factory=list)
    cursor: int | None = None
    changed: bool = False


def state_key(orgnr: str) -> str:
    return f"brreg:{orgnr}"


def register_state(conn: Connection, orgnr: str) -> RegisterState | None:
    raw = get_setting(conn, state_key(orgnr))
    return None if raw is None else RegisterState.from_dict(raw)


def register_profile(conn: Connection, orgnr: str) -> tuple[RegisterProfile | None, date | None]:
    """The register's view of a company as last fetched, and the day it was fetched (None, None: never)."""
    s = register_state(conn, orgnr)
    return (None, None) if s is None else (s.profile, s.fetched_on)


def sync_customer(conn: Connection, customer_id: int, client: RegisterClient, today: date) -> SyncResult:
    """Fetch this customer's unit and roles now. The state is per organisation number, so every customer with
    the same number gets the events and the industry code too. The feed cursor is left alone."""
    result = SyncResult(cursor=get_setting(conn, CURSOR_KEY))
    c = conn.execute(
        select(Customer.customer_ref, Customer.country, Customer.org_number).where(Customer.id == customer_id)
    ).first()
    if c is None:
        _error(result, f"customer {customer_id}: no such customer")
        return result
    if c.country != "NO" or not c.org_number:
        _error(
            result,
            f"customer {c.customer_ref}: Enhetsregisteret covers Norwegian companies; this customer has "
            f"country {c.country or '(none)'} and organisation number {c.org_number or '(none)'}",
        )
        return result
    try:
        orgnr = normalise_org_number("NO", c.org_number)
    except OrgNumberError as exc:
        _error(result, f"customer {c.customer_ref}: {exc}")
        return result
    others = SyncResult()  # the other customers' bad numbers are not this sync's business
    _sync_unit(conn, orgnr, _norwegian_customers(conn, others).get(orgnr, [customer_id]), client, today, result)
    _audit(conn, "check_register", c.customer_ref, result)
    if result.changed:
        bump_data_version(conn)
    return result


def _audit(conn: Connection, action: str, key: str, result: SyncResult) -> None:
    """A connector run in the audit trail: what it fetched and changed, and what failed."""
    after = {"fetched": result.fetched, "enriched": result.enriched, "events_added": result.events_added,
             "errors": len(result.errors), "cursor": result.cursor}  # fmt: skip
    record(conn, "brreg connector", action, "connector", key, None, after)


def sync_all(
    conn: Connection,
    client: RegisterClient,
    today: date,
    *,
    feed_size: int = FEED_SIZE,
    feed_max_pages: int = FEED_MAX_PAGES,
) -> SyncResult:
    """Every Norwegian customer with an organisation number: the units the change feed names since the cursor,
    and the ones never fetched or left stale by a failed fetch."""
    result = SyncResult()
    groups = _norwegian_customers(conn, result)
    cursor = get_setting(conn, CURSOR_KEY)
    wanted: set[str] = set()
    if cursor is None:
        wanted = set(groups)  # no cursor: nothing tells us what changed, so everything is fetched
        cursor = _start_cursor(client, today, result)
    else:
        changed_units, cursor = _read_feed(client, int(cursor), feed_size, feed_max_pages, result)
        wanted = changed_units & set(groups)
    states = _states(conn, groups)
    wanted |= {o for o in groups if states.get(o) is None or states[o].get("stale")}
    for orgnr in sorted(wanted):
        _sync_unit(conn, orgnr, groups[orgnr], client, today, result)
    if cursor is not None and cursor != get_setting(conn, CURSOR_KEY):
        set_setting(conn, CURSOR_KEY, cursor)
        result.changed = True
    result.cursor = cursor
    _audit(conn, "sync", "brreg", result)
    if result.changed:
        bump_data_version(conn)
    return result


# --- the steps


def _error(result: SyncResult, message: str) -> None:
    log.warning("Enhetsregisteret sync: %s", message)
    result.errors.append(message)


def _norwegian_customers(conn: Connection, result: SyncResult) -> dict[str, list[int]]:
    """orgnr -> customer ids; a number that fails its check digit is an error line."""
    rows = conn.execute(
        select(Customer.id, Customer.customer_ref, Customer.org_number)
        .where(Customer.country == "NO", Customer.org_number.is_not(None))
        .order_by(Customer.id)
    )
    groups: dict[str, list[int]] = {}
    for cid, ref, org in rows:
        if not org.strip():
            continue
        try:
            orgnr = normalise_org_number("NO", org)
        except OrgNumberError as exc:
            _error(result, f"customer {ref}: {exc}")
            continue
        groups.setdefault(orgnr, []).append(cid)
    return groups


def _states(conn: Connection, groups: dict[str, list[int]]) -> dict[str, dict | None]:
    return {o: get_setting(conn, state_key(o)) for o in groups}


def _start_cursor(client: RegisterClient, today: date, result: SyncResult) -> int | None:
    """The first update published from the day before `today` (a day of overlap rather than a gap: the units are
    fetched now, and what the feed names after that is fetched again next time)."""
    try:
        page = client.updates(None, 1, since=today - timedelta(days=1))
    except BrregError as exc:
        _error(result, f"change feed: {exc}")
        return None
    return page.entries[0].id if page.entries else None


def _read_feed(
    client: RegisterClient, cursor: int, size: int, max_pages: int, result: SyncResult
) -> tuple[set[str], int]:
    names: set[str] = set()
    for _ in range(max_pages):
        try:
            page = client.updates(cursor, size)
        except BrregError as exc:
            _error(result, f"change feed: {exc}")
            break
        names |= {u.orgnr for u in page.entries}
        if page.next_cursor is not None:
            cursor = page.next_cursor
        if len(page.entries) < size:
            break
    return names, cursor


def _sync_unit(
    conn: Connection, orgnr: str, customer_ids: list[int], client: RegisterClient, today: date, result: SyncResult
) -> None:
    raw_before = get_setting(conn, state_key(orgnr))
    previous = None if raw_before is None else RegisterState.from_dict(raw_before)

    def fail(reason: str) -> None:
        _error(result, f"{orgnr}: {reason}")
        if previous is not None and not previous.stale:  # fetch it again next run even if the feed moves on
            _save_state(conn, orgnr, replace(previous, stale=True), raw_before, result)

    try:
        unit = client.get_unit(orgnr)
    except BrregError as exc:
        fail(str(exc))
        return
    if unit.status == "not_found":
        fail("not found in Enhetsregisteret (HTTP 404); check the customer's organisation number")
        return
    result.fetched += 1
    roles = None
    if unit.status == "ok":
        try:
            got = client.get_roles(orgnr)
        except BrregError as exc:
            _error(result, f"{orgnr}: roles: {exc}; CEO and chair changes not checked")
        else:
            if got.status == "ok":
                roles = got.data
            else:
                _error(
                    result,
                    f"{orgnr}: roles: HTTP {404 if got.status == 'not_found' else 410}; CEO and chair changes "
                    "not checked",
                )
    try:
        outcome = sync_outcome(orgnr, unit.data, roles, previous, today)
    except RegisterDataError as exc:
        fail(str(exc))
        return

    _save_state(conn, orgnr, outcome.state, raw_before, result)
    old_profile = previous.profile if previous else None
    profile_changed = outcome.state.profile is not None and outcome.state.profile != old_profile
    filled = _fill_industry_code(conn, customer_ids, outcome.state.profile)
    result.enriched += len(customer_ids) if profile_changed else len(filled)
    if filled:
        result.changed = True
    added = _add_events(conn, customer_ids, outcome.events)
    result.events_added += added
    if added:
        result.changed = True


def _save_state(
    conn: Connection, orgnr: str, state: RegisterState, raw_before: dict | None, result: SyncResult
) -> None:
    new = state.to_dict()
    if new != raw_before:
        set_setting(conn, state_key(orgnr), new)
        result.changed = True


def _fill_industry_code(conn: Connection, customer_ids: list[int], p: RegisterProfile | None) -> list[int]:
    """Our own industry code wins; the register's fills only an empty one."""
    if p is None or p.industry_code is None:
        return []
    empty = list(
        conn.execute(
            select(Customer.id).where(
                Customer.id.in_(customer_ids), (Customer.industry_code.is_(None)) | (Customer.industry_code == "")
            )
        ).scalars()
    )
    if empty:
        conn.execute(update(Customer).where(Customer.id.in_(empty)).values(industry_code=p.industry_code))
    return empty


def _add_events(conn: Connection, customer_ids: list[int], events: Iterable[RegisterEvent]) -> int:
    """Insert the events each customer does not have yet (same key among its brreg events)."""
    events = list(events)
    if not events:
        return 0
    have: set[tuple[int, tuple[str, str, str | None]]] = set()
    for cid, kind, day, text in conn.execute(
        select(CompanyEvent.customer_id, CompanyEvent.event_type, CompanyEvent.event_date, CompanyEvent.text).where(
            CompanyEvent.customer_id.in_(customer_ids), CompanyEvent.source == SOURCE
        )
    ):
        iso = day.isoformat() if isinstance(day, date) else str(day)
        have.add((cid, (kind, iso, None)))
        have.add((cid, (kind, iso, text)))
    rows = []
    for cid in customer_ids:
        for e in events:
            if (cid, e.key) in have:
                continue
            have.add((cid, e.key))
            rows.append(
                {"customer_id": cid, "event_date": e.day, "event_type": e.kind, "source": SOURCE, "text": e.text}
            )
    if rows:
        conn.execute(insert(CompanyEvent), rows)
    return len(rows)
