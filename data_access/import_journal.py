"""The import journal and undo: every row an import inserts carries the import's id (`import_id`), every row it
updates or deletes leaves its before- and after-image in `import_changes`, and an import can be undone from the
log while nothing later depends on it. Functions run in the caller's transaction; an undo that is refused raises
UndoRefused with every reason and has changed nothing once the caller rolls back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, and_, delete, func, insert, or_, select, update

from data_access.audit import record
from data_access.ledger import bump_data_version, rebuild_allocations, utcnow
from data_access.schema import Base, ImportChange, ImportLog
from domain.allocation import AllocationError

# the tables an import writes, each with an `import_id` column (migration 0007)
STAMPED = (
    "customers",
    "invoices",
    "payments",
    "write_offs",
    "fx_rates",
    "dunning_status",
    "credit_reports",
    "company_events",
    "cash_applications",
    "control_totals",
    "control_total_lines",
)
# derived from the documents and rebuilt after an undo: never a reason to refuse one
DERIVED = ("allocations",)
# documents whose customers need their allocations rebuilt when the import's rows go or come back
DOCUMENT_TABLES = ("invoices", "payments", "write_offs")
MAX_LISTED = 20
OPEN_ITEMS = "open-items"  # a snapshot's payments are inferred from the ledger that the earlier snapshots left


def _tables() -> dict[str, Table]:
    return {t.name: t for t in Base.metadata.sorted_tables}


# --- the journal's JSON: exact values, typed ---------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dec" in value:
            return Decimal(value["$dec"])
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


def dumps(values: Mapping[str, Any]) -> str:
    return json.dumps({k: _encode(v) for k, v in values.items()}, sort_keys=True, ensure_ascii=False)


def loads(text: str) -> dict[str, Any]:
    return {k: _decode(v) for k, v in json.loads(text).items()}


def primary_key(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    return {c.name: row[c.name] for c in table.primary_key.columns}


# --- writing: the log row first, then the journal ----------------------------------------------------------------


def begin_import(
    conn: Connection,
    *,
    kind: str,
    source: str,
    file_name: str | None,
    file_sha256: str | None,
    author: str | None,
    started_at: datetime,
    part_of: int | None = None,
) -> int:
    """The log row of an import that is being written (status 'running' until `finish_import`); its id stamps
    every row the import writes. It is part of the caller's transaction: a rejected file leaves no trace here."""
    return _log_entry(
        conn, kind, source, file_name, file_sha256, author, "running", started_at, undoable=True, part_of=part_of
    )


def _log_entry(
    conn: Connection,
    kind: str,
    source: str,
    file_name: str | None,
    file_sha256: str | None,
    author: str | None,
    status: str,
    started_at: datetime,
    **more,
) -> int:
    """A new import-log row with nothing counted yet; returns its number."""
    values = {"rows": 0, "inserted": 0, "updated": 0, "rejected": 0, **more}
    return int(
        conn.execute(
            insert(ImportLog)
            .values(
                kind=kind,
                source=source,
                file_name=file_name,
                file_sha256=file_sha256,
                author=author,
                status=status,
                started_at=started_at,
                **values,
            )
            .returning(ImportLog.id)
        ).scalar_one()
    )


def finish_import(
    conn: Connection,
    import_id: int,
    *,
    rows: int,
    inserted: int,
    updated: int,
    message: str,
    file_sha256: str | None = None,
) -> None:
    """The import is done: its counts and message (and the file's SHA-256 when it was known only at the end, for a
    file read as it was imported)."""
    values = {"file_sha256": file_sha256} if file_sha256 is not None else {}
    conn.execute(
        update(ImportLog)
        .where(ImportLog.id == import_id)
        .values(
            rows=rows, inserted=inserted, updated=updated, status="ok", message=message, finished_at=utcnow(), **values
        )
    )
    log = conn.execute(select(ImportLog.kind, ImportLog.file_name, ImportLog.author).where(ImportLog.id == import_id))
    kind, file_name, author = log.one()
    after = {"kind": kind, "file": file_name, "rows": rows, "inserted": inserted, "updated": updated}
    record(conn, author, "import", "import", import_id, None, after)


def set_part_of(conn: Connection, import_ids: Iterable[int], parent_id: int) -> None:
    """Companion imports (customers created from an invoice file) are undone with the import they served."""
    ids = list(import_ids)
    if ids:
        conn.execute(update(ImportLog).where(ImportLog.id.in_(ids)).values(part_of=parent_id))


@dataclass(frozen=True)
class RowChange:
    """One row an import updated: its key, the columns it wrote as they were and as it wrote them, and the import
    that had written the row before (None: a row from before the journal, or written by hand)."""

    key: Mapping[str, Any]
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    before_import_id: int | None


def journal_updates(conn: Connection, import_id: int, table: str, changes: Sequence[RowChange]) -> None:
    rows = [
        {
            "import_id": import_id,
            "table_name": table,
            "op": "update",
            "row_key": dumps(c.key),
            "before": dumps(c.before),
            "after": dumps(c.after),
            "before_import_id": c.before_import_id,
        }
        for c in changes
    ]
    for i in range(0, len(rows), 5000):
        conn.execute(insert(ImportChange), rows[i : i + 5000])


def journal_deletes(conn: Connection, import_id: int, table: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows an import is about to delete, whole, so that an undo can put them back with their ids."""
    t = _tables()[table]
    out = [
        {
            "import_id": import_id,
            "table_name": table,
            "op": "delete",
            "row_key": dumps(primary_key(t, r)),
            "before": dumps(dict(r)),
            "after": None,
            "before_import_id": r.get("import_id"),
        }
        for r in rows
    ]
    for i in range(0, len(out), 5000):
        conn.execute(insert(ImportChange), out[i : i + 5000])


def forget_journal(conn: Connection) -> None:
    """The ledger was cleared (the demo removed): nothing before this point can be undone any more."""
    conn.execute(delete(ImportChange))
    conn.execute(update(ImportLog).values(undoable=False))


# --- undo ----------------------------------------------------------------------------------------------------------


class UndoRefused(ValueError):
    """The import cannot be undone (yet); `reasons` says why, each with what to do."""

    def __init__(self, import_id: int, reasons: list[str]):
        self.import_id = import_id
        self.reasons = reasons
        more = f" (and {len(reasons) - 1} more reasons)" if len(reasons) > 1 else ""
        super().__init__(f"import #{import_id} cannot be undone, nothing was changed: {reasons[0]}{more}")


@dataclass
class UndoResult:
    import_id: int
    undone: list[int]  # the import and its companions, in the order they were undone
    removed: dict[str, int] = field(default_factory=dict)  # rows the imports had inserted, per table
    restored: dict[str, int] = field(default_factory=dict)  # rows they had updated, back as they were
    reinserted: dict[str, int] = field(default_factory=dict)  # rows they had deleted, put back
    log_id: int | None = None

    def summary(self) -> str:
        def part(counts: dict[str, int]) -> str:
            return ", ".join(f"{n} {t}" for t, n in sorted(counts.items()) if n) or "none"

        which = " and ".join(f"#{i}" for i in self.undone)
        text = f"undid import {which}: removed {part(self.removed)}; restored {part(self.restored)}"
        if any(self.reinserted.values()):
            text += f"; put back {part(self.reinserted)}"
        return text


def _describe(log) -> str:
    when = log.finished_at.strftime("%Y-%m-%d %H:%M") if log.finished_at else "?"
    name = f" {log.file_name}" if log.file_name else ""
    return f"#{log.id} ({log.kind}{name}, {when})"


def _check_log(conn: Connection, log) -> None:
    if log.status == "undone" or log.undone_at is not None:
        by = f" by {log.undone_by}" if log.undone_by else ""
        raise UndoRefused(log.id, [f"it was already undone on {log.undone_at:%Y-%m-%d %H:%M}{by}"])
    if log.status != "ok":
        raise UndoRefused(log.id, [f"its status is '{log.status}': a rejected import wrote nothing to undo"])
    if not log.undoable:
        why = (
            "the demo portfolio is removed with 'Remove demo data', not undone"
            if log.kind == "demo"
            else "it was written before imports kept a journal, or by a connector run, or before the ledger was cleared"
        )
        raise UndoRefused(log.id, [f"it cannot be undone: {why}"])
    if log.part_of is not None:
        raise UndoRefused(
            log.id, [f"it was made for import #{log.part_of} (customers created from its file): undo #{log.part_of}"]
        )
    if log.kind == OPEN_ITEMS:
        later = conn.execute(
            select(ImportLog)
            .where(ImportLog.kind == OPEN_ITEMS, ImportLog.id > log.id, ImportLog.status == "ok")
            .order_by(ImportLog.id)
        ).all()
        if later:
            shown = ", ".join(_describe(r) for r in later)
            raise UndoRefused(
                log.id,
                [f"later open-items snapshots were computed on top of it ({shown}): undo them first, newest first"],
            )


def _later_changes(conn: Connection, import_id: int, group: set[int]) -> list[str]:
    """Later imports (not undone) that updated or deleted rows this import wrote."""
    rows = conn.execute(
        select(ImportChange.import_id, ImportChange.table_name, func.count())
        .join(ImportLog, ImportLog.id == ImportChange.import_id)
        .where(
            ImportChange.before_import_id == import_id,
            ImportChange.import_id.not_in(group),
            ImportLog.undone_at.is_(None),
        )
        .group_by(ImportChange.import_id, ImportChange.table_name)
        .order_by(ImportChange.import_id.desc())
    ).all()
    out = []
    for later_id, table, n in rows:
        later = conn.execute(select(ImportLog).where(ImportLog.id == later_id)).one()
        out.append(f"import {_describe(later)} later changed {n} {table} row(s) this import wrote: undo it first")
    return out


def _restore_updates(conn: Connection, changes: list, result: UndoResult) -> list[str]:
    """Put updated rows back as they were, newest change first (a row the import changed twice comes back in
    two steps). Each row must still hold what the import wrote; the reasons it does not are returned (the caller
    then refuses the undo and rolls back)."""
    tables = _tables()
    out = []
    for ch in changes:
        t = tables[ch.table_name]
        key, after = loads(ch.row_key), loads(ch.after)
        where = [t.c[k] == v for k, v in key.items()]
        current = conn.execute(select(*(t.c[c] for c in after)).where(*where)).first()
        shown = ", ".join(f"{k} {v}" for k, v in key.items())
        if current is None:
            out.append(f"{ch.table_name} row ({shown}) that it updated has been deleted since")
            continue
        for col, value in after.items():
            now = current._mapping[col]
            if now != value:
                out.append(
                    f"{ch.table_name} row ({shown}): {col} was {value!r} after the import and is {now!r} now; "
                    "it was changed since"
                )
        conn.execute(update(t).where(*where).values(**loads(ch.before), import_id=ch.before_import_id))
        result.restored[ch.table_name] = result.restored.get(ch.table_name, 0) + 1
    return out


def _inserted(t: Table, import_id: int):
    return select(t.c.id).where(t.c.import_id == import_id)


def _not_by(t: Table, import_id: int):
    """Rows of `t` this import did not write (written by another import, or by hand)."""
    return or_(t.c.import_id.is_(None), t.c.import_id != import_id)


def _dependents(conn: Connection, import_id: int) -> list[str]:
    """Rows not written by this import that refer to rows it inserted (by foreign key, or by invoice number)."""
    tables = _tables()
    out = []
    for name in STAMPED:
        target = tables[name]
        if "id" not in target.c:
            continue
        for source in tables.values():
            if source.name in DERIVED:
                continue
            for fk in source.foreign_keys:
                if fk.column.table is not target:
                    continue
                col = fk.parent
                cond = [col.in_(_inserted(target, import_id))]
                if "import_id" in source.c:
                    cond.append(_not_by(source, import_id))
                n = conn.execute(select(func.count()).select_from(source).where(*cond)).scalar_one()
                if n:
                    out.append(
                        f"{n} {source.name} row(s) written after it refer to {name} it created "
                        f"({col.name}): remove or undo those first"
                    )
    inv, pay, cash = tables["invoices"], tables["payments"], tables["cash_applications"]
    numbers = select(inv.c.invoice_number).where(inv.c.import_id == import_id, inv.c.kind == "invoice")
    named = [
        ("payments", pay.c.payment_ref, and_(pay.c.invoice_number.in_(numbers), _not_by(pay, import_id))),
        ("credit notes", inv.c.invoice_number, and_(inv.c.credited_invoice.in_(numbers), _not_by(inv, import_id))),
    ]
    for label, ref, cond in named:
        found = conn.execute(select(ref).where(cond).order_by(ref).limit(MAX_LISTED + 1)).scalars().all()
        if found:
            refs = ", ".join(found[:MAX_LISTED]) + (" …" if len(found) > MAX_LISTED else "")
            out.append(f"{label} from other imports name invoices it created ({refs}): undo or change those first")
    fx = tables["fx_rates"]
    for (currency,) in conn.execute(select(fx.c.currency).where(fx.c.import_id == import_id).distinct()):
        left = conn.execute(select(func.count()).where(fx.c.currency == currency, _not_by(fx, import_id))).scalar_one()
        used = sum(
            conn.execute(select(func.count()).select_from(t).where(t.c.currency == currency)).scalar_one()
            for t in (inv, pay)
        )
        if used and not left:
            out.append(
                f"{used} document(s) in {currency} would have no exchange rate left: import other {currency} rates "
                "first"
            )
    alloc, wo = tables["allocations"], tables["write_offs"]
    settled_by_others = [
        alloc.c.payment_id.in_(select(pay.c.id).where(_not_by(pay, import_id))),
        alloc.c.credit_note_id.in_(select(inv.c.id).where(_not_by(inv, import_id))),
        alloc.c.write_off_id.in_(select(wo.c.id).where(_not_by(wo, import_id))),
    ]
    settled = conn.execute(
        select(func.count(func.distinct(alloc.c.invoice_id))).where(
            alloc.c.invoice_id.in_(_inserted(inv, import_id)), or_(*settled_by_others)
        )
    ).scalar_one()
    if settled:
        out.append(
            f"{settled} invoice(s) it created are settled in part by payments, credit notes or write-offs from "
            "other imports: undo those first"
        )
    applied = conn.execute(
        select(func.count()).where(cash.c.new_invoice_number.in_(numbers), _not_by(cash, import_id))
    ).scalar_one()
    if applied:
        out.append(f"{applied} cash application(s) point at invoices it created: reverse those first")
    return out


def _customers_touched(conn: Connection, import_id: int, changes: list) -> set[int]:
    tables = _tables()
    ids: set[int] = set()
    for name in DOCUMENT_TABLES:
        t = tables[name]
        ids.update(conn.execute(select(t.c.customer_id).where(t.c.import_id == import_id).distinct()).scalars())
    for ch in changes:
        if ch.table_name in DOCUMENT_TABLES:
            for image in (ch.before, ch.after):
                if image and "customer_id" in (values := loads(image)):
                    ids.add(values["customer_id"])
    return ids


def _undo_one(conn: Connection, log, group: set[int], result: UndoResult) -> set[int]:
    """Undo one import of the group; returns the customers whose allocations must be rebuilt."""
    tables = _tables()
    journal = conn.execute(
        select(ImportChange).where(ImportChange.import_id == log.id).order_by(ImportChange.id.desc())
    ).all()
    updates = [c for c in journal if c.op == "update"]
    deletes = [c for c in journal if c.op == "delete"]
    reasons = _later_changes(conn, log.id, group)
    if reasons:
        raise UndoRefused(log.id, reasons[:MAX_LISTED])
    affected = _customers_touched(conn, log.id, journal)
    # updated rows back as they were, which takes them out of the import's own rows
    reasons = _restore_updates(conn, updates, result)
    if reasons:
        raise UndoRefused(log.id, reasons[:MAX_LISTED])
    reasons = _dependents(conn, log.id)
    if reasons:
        raise UndoRefused(log.id, reasons[:MAX_LISTED])
    # what is left stamped with the import is what it inserted: allocations on it first, then children first
    alloc = tables["allocations"]
    refs = {
        "invoice_id": "invoices",
        "credit_note_id": "invoices",
        "payment_id": "payments",
        "write_off_id": "write_offs",
    }
    for col, name in refs.items():
        conn.execute(delete(alloc).where(alloc.c[col].in_(_inserted(tables[name], log.id))))
    customers = tables["customers"]
    conn.execute(update(customers).where(customers.c.import_id == log.id).values(parent_id=None))
    for t in reversed(Base.metadata.sorted_tables):
        if t.name in STAMPED:
            n = conn.execute(delete(t).where(t.c.import_id == log.id)).rowcount
            if n:
                result.removed[t.name] = result.removed.get(t.name, 0) + n
    # rows it deleted come back with their ids, parents first
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    for ch in sorted(deletes, key=lambda c: (order[c.table_name], c.id)):
        t, row = tables[ch.table_name], loads(ch.before)
        key = loads(ch.row_key)
        if conn.execute(select(func.count()).select_from(t).where(*(t.c[k] == v for k, v in key.items()))).scalar():
            shown = ", ".join(f"{k} {v}" for k, v in key.items())
            raise UndoRefused(log.id, [f"{t.name} row ({shown}) that it deleted has been written again since"])
        conn.execute(insert(t).values(**row))
        result.reinserted[ch.table_name] = result.reinserted.get(ch.table_name, 0) + 1
        if "customer_id" in row and ch.table_name in DOCUMENT_TABLES:
            affected.add(row["customer_id"])
    existing = set(conn.execute(select(customers.c.id).where(customers.c.id.in_(affected))).scalars())
    return existing


def undo_import(conn: Connection, import_id: int, author: str) -> UndoResult:
    """Undo an import (and the companion imports made for it) in the caller's transaction: rows it inserted are
    deleted, rows it updated get their earlier values back, rows it deleted return; the log keeps both entries.

    Refused (UndoRefused, the caller rolls back) while anything later depends on it: a later import that changed
    its rows, a row changed by hand since, or rows written later that refer to rows it created."""
    log = conn.execute(select(ImportLog).where(ImportLog.id == import_id)).first()
    if log is None:
        raise UndoRefused(import_id, ["there is no import with this number in the log"])
    _check_log(conn, log)
    companions = conn.execute(
        select(ImportLog).where(ImportLog.part_of == import_id, ImportLog.undone_at.is_(None))
    ).all()
    members = sorted([log, *companions], key=lambda r: r.id, reverse=True)
    group = {m.id for m in members}
    result = UndoResult(import_id, [m.id for m in members])
    affected: set[int] = set()
    for member in members:
        affected |= _undo_one(conn, member, group, result)
    try:
        rebuild_allocations(conn, affected)
    except AllocationError as exc:
        raise UndoRefused(import_id, [f"the ledger without it cannot be allocated: {exc}"]) from exc
    now = utcnow()
    conn.execute(
        update(ImportLog).where(ImportLog.id.in_(group)).values(status="undone", undone_at=now, undone_by=author)
    )
    result.log_id = _log_entry(
        conn,
        log.kind,
        log.source,
        log.file_name,
        log.file_sha256,
        author,
        "undo",
        now,
        message=result.summary(),
        finished_at=now,
        undoable=False,
    )
    summary = {"status": "undone", "summary": result.summary()}
    record(conn, author, "undo", "import", import_id, {"status": "ok"}, summary)
    bump_data_version(conn)
    return result
