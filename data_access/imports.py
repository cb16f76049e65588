"""Canonical CSV imports: validate the whole file, then upsert in the caller's transaction, all or nothing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, tuple_, update

from data_access.audit import record
from data_access.import_journal import RowChange, begin_import, finish_import, forget_journal, journal_updates
from data_access.ledger import (
    ANALYZE_AFTER_ROWS,
    base_currency,
    bump_data_version,
    customers_with_documents_named,
    is_demo,
    log_import,
    rebuild_allocations,
    refresh_statistics,
    set_setting,
    utcnow,
)
from data_access.schema import (
    LEDGER_TABLES,
    Base,
    CompanyEvent,
    CreditReport,
    Customer,
    DunningStatus,
    FxRate,
    Invoice,
    LenderProfileVersion,
    Payment,
    WriteOff,
)
from domain.allocation import AllocationError
from domain.canonical import CUSTOMER_COLUMNS, FORMATS, OWN_PATH_KINDS, FieldError, Format, parse_row
from domain.identifiers import COUNTRIES, OrgNumberError, normalise_org_number

MAX_LISTED_ERRORS = 200
BUREAU_KINDS = ("credit-reports", "company-events")
# the import log's source per kind (data_access.views.SOURCES: the sidebar's "last loaded"); others are "ledger"
KIND_SOURCES = {"credit-reports": "credit_reports", "company-events": "register", "control-totals": "control_totals"}
JSON_KINDS = BUREAU_KINDS  # kinds that also read a JSON list of objects


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row: the header is row 1, the first data row is row 2
    column: str
    value: str
    problem: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row else "file"
        col = f", column {self.column}" if self.column else ""
        val = f" (value '{self.value}')" if self.value not in ("", None) else ""
        return f"{where}{col}: {self.problem}{val}"


class ImportFailed(ValueError):
    """The file was rejected; nothing was written. `errors` lists every problem found."""

    def __init__(self, kind: str, errors: list[RowError]):
        self.kind = kind
        self.errors = errors
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        super().__init__(f"{kind} import rejected, nothing was written: {errors[0]}{more}")


@dataclass
class ImportResult:
    kind: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    demo_removed: bool = False
    import_id: int | None = None  # its number in the import log (for `import undo`)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = f"{self.kind}: {self.rows} rows, {self.inserted} inserted, {self.updated} updated"
        if self.demo_removed:
            s += " (demo data removed first; demo mode ended)"
        return s


def read_rows(kind: str, data: bytes, fmt: Format | None = None) -> list[dict[str, str]]:
    """Decode and split a canonical CSV; header problems raise ImportFailed. `fmt` defaults to the kind's format."""
    fmt = fmt or FORMATS[kind]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            kind, [RowError(0, "", "", f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8")]
        ) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(kind, [RowError(0, "", "", "the file is empty")]) from None
    header = [h.strip() for h in header]
    errors = []
    missing = [c for c in fmt.required if c not in header]
    if missing:
        errors.append(RowError(1, ",".join(missing), "", f"missing required column(s): {', '.join(missing)}"))
    unknown = [c for c in header if c not in fmt.columns]
    if unknown:
        errors.append(
            RowError(
                1, ",".join(unknown), "", f"unknown column(s) {', '.join(unknown)}; allowed: {', '.join(fmt.columns)}"
            )
        )
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        errors.append(RowError(1, ",".join(dupes), "", "column(s) appear more than once"))
    if kind in BUREAU_KINDS and not set(CUSTOMER_COLUMNS) & set(header):
        errors.append(
            RowError(1, ",".join(CUSTOMER_COLUMNS), "", "needs a customer_ref or an org_number column (or both)")
        )
    if errors:
        raise ImportFailed(kind, errors)
    rows = []
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(RowError(n, "", "", f"has {len(values)} fields, the header has {len(header)}"))
            continue
        row = dict(zip(header, values, strict=True))
        row["__row__"] = str(n)
        rows.append(row)
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
    return rows


def _parse_all(kind: str, rows: list[dict[str, str]], base: str) -> list[dict[str, Any]]:
    fmt = FORMATS[kind]
    parsed, errors, seen = [], [], {}
    for row in rows:
        n = int(row["__row__"])
        try:
            p = parse_row(kind, row, base)
        except FieldError as exc:
            errors.append(RowError(n, getattr(exc, "column", ""), getattr(exc, "value", ""), str(exc)))
            continue
        if kind in BUREAU_KINDS:  # the key holds the customer, resolved against the database: _import_bureau
            p["__row__"] = n
            parsed.append(p)
            continue
        key = (p["currency"], p["date"]) if kind == "fx-rates" else p[fmt.key]
        if key in seen:
            col = "currency,date" if kind == "fx-rates" else fmt.key
            errors.append(
                RowError(
                    n,
                    col,
                    str(key if kind != "fx-rates" else f"{key[0]} {key[1]}"),
                    f"duplicate key, first seen in row {seen[key]}",
                )
            )
            continue
        seen[key] = n
        p["__row__"] = n
        parsed.append(p)
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
    return parsed


def _chunks(seq, size=500):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _existing(conn: Connection, model, key_col, keys) -> dict:
    out = {}
    for chunk in _chunks(keys):
        for r in conn.execute(select(model.__table__).where(key_col.in_(chunk))):
            out[r._mapping[key_col.key]] = r
    return out


def _customer_ids(conn: Connection, refs) -> dict[str, int]:
    out = {}
    for chunk in _chunks(set(refs)):
        out.update(
            {
                r.customer_ref: r.id
                for r in conn.execute(
                    select(Customer.customer_ref, Customer.id).where(Customer.customer_ref.in_(chunk))
                )
            }
        )
    return out


def clear_ledger(conn: Connection) -> None:
    """Delete every ledger row (used to remove demo data); policy, settings and logs stay."""
    tables = {t.name: t for t in Base.metadata.sorted_tables}
    conn.execute(update(Customer).values(parent_id=None))
    for name in LEDGER_TABLES:
        conn.execute(delete(tables[name]))
    forget_journal(conn)


DEMO_AUTHOR = "demo"  # data_access.demo saves its lender profile as this author


def remove_demo_lender_profiles(conn: Connection) -> None:
    """The demo's invented loan agreement goes with the demo, unless someone has saved a version of it since."""
    t = LenderProfileVersion.__table__
    names = {r.name for r in conn.execute(select(t.c.name).where(t.c.author == DEMO_AUTHOR))}
    real = {r.name for r in conn.execute(select(t.c.name).where(t.c.name.in_(names), t.c.author != DEMO_AUTHOR))}
    if names - real:
        conn.execute(delete(t).where(t.c.name.in_(names - real)))


def remove_demo_data(conn: Connection) -> bool:
    """Remove the demo portfolio and end demo mode; False when not in demo mode."""
    if not is_demo(conn):
        return False
    clear_ledger(conn)
    remove_demo_lender_profiles(conn)
    set_setting(conn, "demo_mode", False)
    bump_data_version(conn)
    return True


def _apply(
    conn: Connection,
    model,
    key_col,
    parsed,
    values_of,
    result: ImportResult,
    stamp: dict | None = None,
    import_id: int | None = None,
) -> list:
    """Insert new keys, update changed rows, count unchanged; returns the (old, new) value dicts that changed.

    `stamp` (e.g. an updated_at) is written with every inserted or updated row but left out of the comparison,
    so that re-importing the same file stays a no-op. With an `import_id`, every written row carries it and each
    update's before- and after-image goes into the import's journal (data_access.import_journal)."""
    stamp = dict(stamp or {})
    if import_id is not None:
        stamp["import_id"] = import_id
    table = model.__table__
    journal: list[RowChange] = []
    existing = _existing(conn, model, key_col, [p[key_col.key] if key_col.key in p else None for p in parsed])
    new_rows, changed = [], []
    for p in parsed:
        vals = values_of(p)
        old = existing.get(vals[key_col.key])
        if old is None:
            new_rows.append(vals)
            changed.append((None, vals))
            continue
        before = {k: old._mapping[k] for k in vals}
        if before == vals:
            result.unchanged += 1
            continue
        conn.execute(update(model).where(key_col == vals[key_col.key]).values(**vals, **stamp))
        result.updated += 1
        changed.append((before, vals))
        if import_id is not None:
            key = {c.name: old._mapping[c.name] for c in table.primary_key.columns}
            diff = [k for k in vals if before[k] != vals[k]]  # only what changed: a hand edit of the rest stays
            journal.append(
                RowChange(key, {k: before[k] for k in diff}, {k: vals[k] for k in diff}, old._mapping["import_id"])
            )
    for chunk in _chunks(new_rows, 5000):
        conn.execute(insert(model), [{**r, **stamp} for r in chunk])
    if journal:
        journal_updates(conn, import_id, table.name, journal)
    result.inserted += len(new_rows)
    return changed


def import_rows(
    conn: Connection, kind: str, parsed: list[dict[str, Any]], import_id: int | None = None
) -> ImportResult:
    """Validate references and write; raises ImportFailed (the caller rolls back). With an `import_id` (the log
    row of `begin_import`) the written rows carry it and updates are journalled, so that the import can be undone."""
    result = ImportResult(kind, len(parsed), import_id=import_id)
    errors: list[RowError] = []
    affected: set[int] = set()
    if kind == "customers":
        refs = {p["customer_ref"] for p in parsed}
        known = _customer_ids(conn, {p["parent_ref"] for p in parsed if p["parent_ref"]})
        for p in parsed:
            if p["parent_ref"] and p["parent_ref"] not in refs and p["parent_ref"] not in known:
                errors.append(RowError(p["__row__"], "parent_ref", p["parent_ref"], "unknown parent customer"))
        if errors:
            raise ImportFailed(kind, errors)
        # the stored columns are the format's columns but the key and the parent link (resolved to an id below)
        cols = [c for c in FORMATS["customers"].columns if c not in ("customer_ref", "parent_ref")]
        changed = _apply(
            conn,
            Customer,
            Customer.customer_ref,
            parsed,
            lambda p: {"customer_ref": p["customer_ref"], **{c: p[c] for c in cols}},
            result,
            import_id=import_id,
        )
        touched = {new["customer_ref"] for _, new in changed}
        created = {new["customer_ref"] for old, new in changed if old is None}
        ids = _customer_ids(conn, refs | {p["parent_ref"] for p in parsed if p["parent_ref"]})
        current: dict[int, tuple[int | None, int | None]] = {}
        for chunk in _chunks(ids.values()):
            current.update(
                (r.id, (r.parent_id, r.import_id))
                for r in conn.execute(
                    select(Customer.id, Customer.parent_id, Customer.import_id).where(Customer.id.in_(chunk))
                )
            )
        links: list[RowChange] = []
        for p in parsed:
            cid = ids[p["customer_ref"]]
            want = ids[p["parent_ref"]] if p["parent_ref"] else None
            parent, writer = current[cid]
            if parent != want:
                stamp = {} if import_id is None else {"import_id": import_id}
                conn.execute(update(Customer).where(Customer.id == cid).values(parent_id=want, **stamp))
                if import_id is not None and p["customer_ref"] not in created:  # an inserted row needs no image
                    links.append(RowChange({"id": cid}, {"parent_id": parent}, {"parent_id": want}, writer))
                if p["customer_ref"] not in touched:  # only the parent link changed: an update
                    result.unchanged -= 1
                    result.updated += 1
        if links:
            journal_updates(conn, import_id, "customers", links)
        _check_no_cycles(conn, kind)
        return result
    if kind == "fx-rates":
        keys = [(p["currency"], p["date"]) for p in parsed]
        existing = {}
        for chunk in _chunks(keys):
            for r in conn.execute(select(FxRate.__table__).where(tuple_(FxRate.currency, FxRate.rate_date).in_(chunk))):
                existing[(r.currency, r.rate_date)] = r
        stamp = {} if import_id is None else {"import_id": import_id}
        new, journal = [], []
        for p in parsed:
            k = (p["currency"], p["date"])
            if k not in existing:
                new.append({"currency": k[0], "rate_date": k[1], "rate": p["rate"], **stamp})
            elif existing[k].rate != p["rate"]:
                conn.execute(
                    update(FxRate)
                    .where(FxRate.currency == k[0], FxRate.rate_date == k[1])
                    .values(rate=p["rate"], **stamp)
                )
                result.updated += 1
                key = {"currency": k[0], "rate_date": k[1]}
                journal.append(RowChange(key, {"rate": existing[k].rate}, {"rate": p["rate"]}, existing[k].import_id))
            else:
                result.unchanged += 1
        for chunk in _chunks(new, 5000):
            conn.execute(insert(FxRate), chunk)
        if journal:
            journal_updates(conn, import_id, "fx_rates", journal)
        result.inserted = len(new)
        return result
    if kind == "dunning-status":
        return _import_dunning_status(conn, parsed, result, import_id)
    if kind in BUREAU_KINDS:
        return _import_bureau(conn, kind, parsed, result, import_id)

    ids = _customer_ids(conn, {p["customer_ref"] for p in parsed if "customer_ref" in p})
    for p in parsed:
        if "customer_ref" in p and p["customer_ref"] not in ids:
            errors.append(RowError(p["__row__"], "customer_ref", p["customer_ref"], "unknown customer"))
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
    if kind == "invoices":
        changed = _apply(
            conn,
            Invoice,
            Invoice.invoice_number,
            parsed,
            lambda p: {
                "invoice_number": p["invoice_number"],
                "customer_id": ids[p["customer_ref"]],
                "kind": p["kind"],
                "issue_date": p["issue_date"],
                "due_date": p["due_date"],
                "amount": p["amount"],
                "currency": p["currency"],
                "disputed_amount": p["disputed_amount"],
                "credited_invoice": p["credited_invoice"],
                "pledged_to": p["pledged_to"],
            },
            result,
            import_id=import_id,
        )
        numbers = {new["invoice_number"] for _, new in changed}
        affected |= customers_with_documents_named(conn, numbers)
    elif kind == "payments":
        changed = _apply(
            conn,
            Payment,
            Payment.payment_ref,
            parsed,
            lambda p: {
                "payment_ref": p["payment_ref"],
                "customer_id": ids[p["customer_ref"]],
                "payment_date": p["payment_date"],
                "amount": p["amount"],
                "currency": p["currency"],
                "invoice_number": p["invoice_number"],
            },
            result,
            import_id=import_id,
        )
    elif kind == "write-offs":
        invoices = _existing(conn, Invoice, Invoice.invoice_number, {p["invoice_number"] for p in parsed})
        for p in parsed:
            inv = invoices.get(p["invoice_number"])
            if inv is None or inv.kind != "invoice":
                errors.append(RowError(p["__row__"], "invoice_number", p["invoice_number"], "unknown invoice"))
        if errors:
            raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
        changed = _apply(
            conn,
            WriteOff,
            WriteOff.write_off_ref,
            parsed,
            lambda p: {
                "write_off_ref": p["write_off_ref"],
                "invoice_id": invoices[p["invoice_number"]].id,
                "customer_id": invoices[p["invoice_number"]].customer_id,
                "write_off_date": p["date"],
                "amount": p["amount"],
                "reason": p["reason"],
            },
            result,
            import_id=import_id,
        )
    else:
        raise ValueError(f"unknown import kind '{kind}'")
    for old, new in changed:
        affected.add(new["customer_id"])
        if old is not None:
            affected.add(old["customer_id"])
    try:
        rebuild_allocations(conn, affected)
    except AllocationError as exc:
        raise ImportFailed(kind, [RowError(0, "", "", str(exc))]) from exc
    return result


def _import_dunning_status(
    conn: Connection, parsed: list[dict[str, Any]], result: ImportResult, import_id: int | None = None
) -> ImportResult:
    """Each row replaces the stored status of its invoice; statuses are not ledger amounts, so no reallocation."""
    invoices = _existing(conn, Invoice, Invoice.invoice_number, {p["invoice_number"] for p in parsed})
    errors = []
    for p in parsed:
        inv = invoices.get(p["invoice_number"])
        if inv is None:
            errors.append(RowError(p["__row__"], "invoice_number", p["invoice_number"], "unknown invoice"))
        elif inv.kind != "invoice":
            errors.append(
                RowError(p["__row__"], "invoice_number", p["invoice_number"], "is a credit note, not an invoice")
            )
    if errors:
        raise ImportFailed("dunning-status", errors[:MAX_LISTED_ERRORS])
    for p in parsed:
        p["invoice_id"] = invoices[p["invoice_number"]].id
    _apply(
        conn,
        DunningStatus,
        DunningStatus.invoice_id,
        parsed,
        lambda p: {
            "invoice_id": p["invoice_id"],
            "reminder_level": p["reminder_level"],
            "last_reminder_on": p["last_reminder_date"],
            "last_deadline_on": p["last_deadline_date"],
            "fees_charged": p["fees_charged"],
            "notice_sent_on": p["notice_sent_date"],
            "collection_status": p["collection_status"],
        },
        result,
        stamp={"updated_at": utcnow()},
        import_id=import_id,
    )
    return result


class _Pairs(list):
    """A JSON object as its (key, value) pairs, so that a key given twice is seen, not silently dropped."""


def is_json(kind: str, data: bytes, file_name: str | None = None) -> bool:
    """A JSON list of objects rather than a CSV: the name ends in .json or the content starts with '['."""
    if kind not in JSON_KINDS:
        return False
    return (file_name or "").lower().endswith(".json") or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")


def _json_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def read_json_rows(kind: str, data: bytes) -> list[dict[str, str]]:
    """A JSON list of objects keyed by the canonical columns, as the text rows `read_rows` gives for a CSV.

    Numbers keep their written digits (1.25 stays '1.25', never a binary float); null is an empty value. Row N
    in a message is the N-th object of the list."""
    fmt = FORMATS[kind]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            kind, [RowError(0, "", "", f"the file is not UTF-8 (byte {exc.start}); save it as UTF-8")]
        ) from exc
    if not text.strip():
        raise ImportFailed(kind, [RowError(0, "", "", "the file is empty")])
    try:
        doc = json.loads(text, parse_float=str, parse_int=str, parse_constant=_json_constant, object_pairs_hook=_Pairs)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            kind,
            [RowError(0, "", "", f"the file is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")],
        ) from exc
    except ValueError as exc:
        raise ImportFailed(kind, [RowError(0, "", "", f"the file is not valid JSON: {exc}")]) from exc
    if not isinstance(doc, list) or isinstance(doc, _Pairs):
        raise ImportFailed(kind, [RowError(0, "", "", "a JSON file must be a list of objects: [{...}, {...}]")])
    rows, errors = [], []
    for n, obj in enumerate(doc, start=1):
        if not isinstance(obj, _Pairs):
            errors.append(RowError(n, "", "", "is not an object with the columns as keys"))
            continue
        keys = [k for k, _ in obj]
        unknown = [k for k in keys if k not in fmt.columns]
        if unknown:
            errors.append(
                RowError(
                    n, ",".join(unknown), "", f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(fmt.columns)}"
                )
            )
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            errors.append(RowError(n, ",".join(dupes), "", "key(s) appear more than once"))
        row: dict[str, str] = {}
        for k, v in obj:
            if v is None or isinstance(v, str):
                row[k] = v or ""
            else:  # numbers arrive as their text; what is left is true/false, a list or an object
                shown = json.dumps(v) if isinstance(v, bool) else ""
                errors.append(RowError(n, k, shown, "must be text or a number"))
        if unknown or dupes:
            continue
        row["__row__"] = str(n)
        rows.append(row)
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
    return rows


def org_forms(value: str) -> set[str]:
    """Every stored form an organisation number from a bureau can have: compact per Nordic country, or as given."""
    forms = {value.strip()}
    for country in COUNTRIES:
        try:
            forms.add(normalise_org_number(country, value))
        except OrgNumberError:
            pass
    return forms


def org_matches(customer, value: str) -> bool:
    """The customer's stored number is this value in the compact form of the customer's own country."""
    if customer.org_number is None:
        return False
    if customer.country in COUNTRIES:
        try:
            return normalise_org_number(customer.country, value) == customer.org_number
        except OrgNumberError:
            return False
    return value.strip() == customer.org_number


def _bureau_customers(conn: Connection, kind: str, parsed: list[dict[str, Any]]) -> None:
    """Sets each row's customer_id from its customer_ref, else its org_number; every miss is a row error."""
    cols = (Customer.id, Customer.customer_ref, Customer.country, Customer.org_number)
    by_ref: dict[str, Any] = {}
    for chunk in _chunks({p["customer_ref"] for p in parsed if p["customer_ref"]}):
        by_ref.update({r.customer_ref: r for r in conn.execute(select(*cols).where(Customer.customer_ref.in_(chunk)))})
    forms = {v: org_forms(v) for v in {p["org_number"] for p in parsed if p["org_number"] and not p["customer_ref"]}}
    by_org: dict[str, list] = {}
    for chunk in _chunks(set().union(*forms.values())):
        for r in conn.execute(select(*cols).where(Customer.org_number.in_(chunk))):
            by_org.setdefault(r.org_number, []).append(r)
    errors = []
    for p in parsed:
        n, ref, org = p["__row__"], p["customer_ref"], p["org_number"]
        if ref is not None:
            c = by_ref.get(ref)
            if c is None:
                errors.append(RowError(n, "customer_ref", ref, "unknown customer"))
            elif org is not None and c.org_number is not None and not org_matches(c, org):
                errors.append(
                    RowError(n, "org_number", org, f"is not the organisation number of {ref} ({c.org_number})")
                )
            else:
                p["customer_id"] = c.id
            continue
        found = {c.id: c for form in forms[org] for c in by_org.get(form, ()) if org_matches(c, org)}
        if not found:
            errors.append(RowError(n, "org_number", org, "unknown customer: no customer has this organisation number"))
        elif len(found) > 1:
            refs = ", ".join(sorted(c.customer_ref for c in found.values()))
            errors.append(
                RowError(n, "org_number", org, f"belongs to more than one customer ({refs}); give customer_ref")
            )
        else:
            p["customer_id"] = next(iter(found))
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])


def _import_bureau(
    conn: Connection, kind: str, parsed: list[dict[str, Any]], result: ImportResult, import_id: int | None = None
) -> ImportResult:
    """Credit reports (key customer + report date + source) and register events (customer + date + type + source):
    a row replaces the stored values of its key; not ledger amounts, so no reallocation."""
    _bureau_customers(conn, kind, parsed)
    if kind == "credit-reports":
        model, key_cols = CreditReport, ("customer_id", "report_date", "source")
        value_cols = ("score", "rating", "remarks_count", "remarks_amount", "uc_class", "pd_percent")
    else:
        model, key_cols = CompanyEvent, ("customer_id", "event_date", "event_type", "source")
        value_cols = ("text",)
    errors, seen = [], {}
    for p in parsed:
        key = tuple(p[c] for c in key_cols)
        if key in seen:
            who = "customer_ref" if p["customer_ref"] is not None else "org_number"
            shown = " ".join(str(v) for v in (p[who], *key[1:]))
            errors.append(
                RowError(
                    p["__row__"], ",".join((who, *key_cols[1:])), shown, f"duplicate key, first seen in row {seen[key]}"
                )
            )
        else:
            seen[key] = p["__row__"]
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
    table = model.__table__
    existing: dict[tuple, list] = {}
    for chunk in _chunks({p["customer_id"] for p in parsed}):
        for r in conn.execute(select(table).where(table.c.customer_id.in_(chunk))):
            existing.setdefault(tuple(r._mapping[c] for c in key_cols), []).append(r)
    stamp = {} if import_id is None else {"import_id": import_id}
    new_rows, journal = [], []
    for p in parsed:
        key = tuple(p[c] for c in key_cols)
        vals = {c: p[c] for c in value_cols}
        stored = existing.get(key)
        if stored is None:
            new_rows.append({**dict(zip(key_cols, key, strict=True)), **vals, **stamp})
        elif all({c: r._mapping[c] for c in value_cols} == vals for r in stored):
            result.unchanged += 1
        else:
            where = [table.c[c] == v for c, v in zip(key_cols, key, strict=True)]
            conn.execute(update(table).where(*where).values(**vals, **stamp))
            result.updated += 1
            journal += [
                RowChange({"id": r.id}, {c: r._mapping[c] for c in value_cols}, vals, r.import_id) for r in stored
            ]
    for chunk in _chunks(new_rows, 5000):
        conn.execute(insert(table), chunk)
    if journal and import_id is not None:
        journal_updates(conn, import_id, table.name, journal)
    result.inserted += len(new_rows)
    return result


def _check_no_cycles(conn: Connection, kind: str) -> None:
    from domain.kpis import group_roots

    parents = dict(conn.execute(select(Customer.id, Customer.parent_id)).all())
    roots = group_roots(parents)
    for cid, root in roots.items():
        if parents.get(root) is not None:  # the walk stopped on a cycle
            ref = conn.execute(select(Customer.customer_ref).where(Customer.id == cid)).scalar_one()
            raise ImportFailed(kind, [RowError(0, "parent_ref", ref, "parent links form a cycle")])


def import_file(
    conn: Connection,
    kind: str,
    data: bytes,
    file_name: str | None = None,
    source: str | None = None,
    author: str | None = None,
) -> ImportResult:
    """Validate and import one canonical file in the caller's transaction; logs it and bumps the data version.

    The first real import removes the demo portfolio (demo mode ends). On ImportFailed the caller must roll
    back; `log_failed_import` records the rejection in a transaction of its own. The bureau kinds also read a
    JSON list of objects (`is_json`). The log's source defaults to the kind's (`KIND_SOURCES`, else "ledger").
    """
    if kind not in FORMATS:
        raise ValueError(f"unknown import kind '{kind}'; choose one of {', '.join(FORMATS)}")
    if kind in OWN_PATH_KINDS:
        raise ValueError(f"{kind} has an import of its own: data_access.ingest.import_export routes it")
    source = source or KIND_SOURCES.get(kind, "ledger")
    started = utcnow()
    rows = read_json_rows(kind, data) if is_json(kind, data, file_name) else read_rows(kind, data)
    base = base_currency(conn)
    parsed = _parse_all(kind, rows, base)
    demo_removed = remove_demo_data(conn)
    import_id = begin_import(
        conn,
        kind=kind,
        source=source,
        file_name=file_name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        author=author,
        started_at=started,
    )
    result = import_rows(conn, kind, parsed, import_id)
    result.demo_removed = demo_removed
    if result.inserted + result.updated >= ANALYZE_AFTER_ROWS:
        refresh_statistics(conn)
    finish_import(
        conn, import_id, rows=result.rows, inserted=result.inserted, updated=result.updated, message=result.summary()
    )
    bump_data_version(conn)
    return result


def log_failed_import(
    conn: Connection,
    kind: str,
    data: bytes,
    file_name: str | None,
    error: Exception,
    started_at: datetime,
    source: str | None = None,
    author: str | None = None,
) -> None:
    """Record a rejected file in a transaction of its own: who, which file, how many rows had problems, why."""
    errors = getattr(error, "errors", [])
    log_import(
        conn,
        kind=kind,
        source=source or KIND_SOURCES.get(kind, "ledger"),
        file_name=file_name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        rows=0,
        inserted=0,
        updated=0,
        status="failed",
        message=str(error),
        started_at=started_at,
        author=author,
        rejected=len({e.row for e in errors if e.row and e.row > 1}),
    )
    record(conn, author, "import_refused", "import", file_name, None, {"kind": kind, "reason": str(error)})
    bump_data_version(conn)


def import_path(conn: Connection, kind: str, path: Path) -> ImportResult:
    return import_file(conn, kind, Path(path).read_bytes(), Path(path).name)
