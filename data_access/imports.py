"""Canonical CSV imports: read a file chunk by chunk from a binary stream, validate every row and upsert in the
caller's transaction, all or nothing.

A ledger file (customers, invoices, payments, write-offs, FX rates, dunning status) is streamed: `CHUNK_ROWS` rows at
a time are parsed, checked against the database and written, so memory does not grow with the file. The first
problem stops the writing, the remaining chunks are still validated (up to `MAX_LISTED_ERRORS` problems), and the
import raises ImportFailed for the caller to roll back. Keys are remembered across chunks, so a duplicate is found
wherever it is; the allocations of the touched customers are rebuilt once at the end. Bureau files (credit
reports, register events; CSV or JSON) are read whole."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

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
from domain.ingest import first_undecodable

MAX_LISTED_ERRORS = 200
CHUNK_ROWS = 20_000  # rows of a streamed file parsed, checked and written together
READ_BLOCK = 1 << 14  # bytes read from the file at a time (small: the progress is counted in them)
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
    notes: list[str] = field(default_factory=list)
    import_id: int | None = None  # its number in the import log (for `import undo`)

    def summary(self) -> str:
        s = f"{self.kind}: {self.rows} rows, {self.inserted} inserted, {self.updated} updated"
        if self.demo_removed:
            s += " (demo data removed first; demo mode ended)"
        return s


@dataclass(frozen=True)
class Progress:
    """How far an import has got, for a progress bar: data rows read so far, bytes read of the file's total.

    `stage` is "rows" while the file is read, checked and written, then "allocations" while the allocations of the
    customers it touched are rebuilt (the file is read by then)."""

    rows: int
    bytes_done: int
    bytes_total: int | None
    stage: str = "rows"

    @property
    def fraction(self) -> float:
        """The share of the file read, 0.0 to 1.0 (0.0 while the size is unknown)."""
        if self.stage != "rows":
            return 1.0
        if not self.bytes_total:
            return 0.0
        return min(1.0, self.bytes_done / self.bytes_total)


ProgressCallback = Callable[[Progress], None]


def blocks(stream: IO[bytes], size: int = 1 << 20) -> Iterator[bytes]:
    """A seekable binary stream from its start, block by block."""
    stream.seek(0)
    while block := stream.read(size):
        yield block


def stream_size(stream: IO[bytes]) -> int | None:
    """Bytes from the stream's position to its end; None when it cannot seek."""
    if not stream.seekable():
        return None
    here = stream.tell()
    end = stream.seek(0, io.SEEK_END)
    stream.seek(here)
    return end - here


def file_sha256(data: bytes | IO[bytes]) -> str:
    """The SHA-256 of a file given as bytes or as a seekable binary stream (read from its start in blocks)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    for block in blocks(data):
        digest.update(block)
    return digest.hexdigest()


class _Metered(io.RawIOBase):
    """A binary stream read through: counts the bytes and hashes them on the way (the import log's SHA-256)."""

    def __init__(self, stream: IO[bytes]):
        self.stream = stream
        self.done = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.done += n
        self.digest.update(data)
        return n


def header_problems(kind: str, header: list[str], fmt: Format) -> list[RowError]:
    """What is wrong with a file's header row: required columns missing, unknown or repeated columns."""
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
    return errors


def note_error(errors: list[RowError], error: RowError) -> None:
    """Add a problem to an import's list unless the list is full (MAX_LISTED_ERRORS)."""
    if len(errors) < MAX_LISTED_ERRORS:
        errors.append(error)


class RowReader:
    """A CSV read incrementally from a binary stream: decoded as it is read, the header checked when the reader is
    made (ImportFailed), then the data rows handed out in chunks as canonical text rows ({column: text, "__row__":
    spreadsheet row number}). Problems of single rows are added to the caller's error list and the row is left out;
    a file that stops decoding or stops being CSV raises ImportFailed with the problems found so far."""

    encoding = "utf-8-sig"
    delimiter = ","

    def __init__(self, kind: str, stream: IO[bytes]):
        self.kind = kind
        self.stream = stream
        self.bytes_total = stream_size(stream)
        self.rows_read = 0
        self._meter = _Metered(stream)
        text = io.TextIOWrapper(io.BufferedReader(self._meter, READ_BLOCK), encoding=self.encoding, newline="")
        self._records = csv.reader(text, delimiter=self.delimiter)
        self._record_no = 0
        header = self._next([])
        if header is None:
            raise ImportFailed(kind, [RowError(0, "", "", "the file is empty")])
        self.header = [h.strip() for h in header]
        self.check_header()

    @property
    def bytes_done(self) -> int:
        return self._meter.done

    def sha256(self) -> str:
        """The file's SHA-256, once every chunk has been read."""
        return self._meter.digest.hexdigest()

    def check_header(self) -> None:
        raise NotImplementedError

    def row(self, values: list[str], record_no: int, errors: list[RowError]) -> dict[str, str] | None:
        raise NotImplementedError

    def decode_problem(self, position: int | None) -> RowError:
        at = "" if position is None else f" at position {position}"
        return RowError(1, "", "", f"the file cannot be read as {self.encoding}: a byte{at} is not {self.encoding}")

    def _next(self, errors: list[RowError]) -> list[str] | None:
        try:
            values = next(self._records)
        except StopIteration:
            return None
        except UnicodeDecodeError as exc:
            found = first_undecodable(blocks(self.stream), self.encoding) if self.stream.seekable() else None
            raise ImportFailed(self.kind, [*errors, self.decode_problem(None if found is None else found[0])]) from exc
        except csv.Error as exc:
            raise ImportFailed(
                self.kind, [*errors, RowError(self._record_no + 1, "", "", f"cannot be read as CSV: {exc}")]
            ) from exc
        self._record_no += 1
        return values

    def chunks(self, size: int, errors: list[RowError]) -> Iterator[list[dict[str, str]]]:
        """The data rows, `size` at a time; the last chunk may be shorter, an empty file gives none."""
        chunk: list[dict[str, str]] = []
        while (values := self._next(errors)) is not None:
            if not any(v.strip() for v in values):
                continue
            self.rows_read += 1
            row = self.row(values, self._record_no, errors)
            if row is not None:
                chunk.append(row)
            if self.rows_read % size == 0:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


class CsvRows(RowReader):
    """A canonical CSV (UTF-8, comma-separated, canonical header) row by row; row N is the file's N-th record."""

    def __init__(self, kind: str, stream: IO[bytes]):
        self.fmt = FORMATS[kind]
        super().__init__(kind, stream)

    def decode_problem(self, position: int | None) -> RowError:
        where = "?" if position is None else position
        return RowError(0, "", "", f"the file is not UTF-8 (byte {where}); save it as UTF-8")

    def check_header(self) -> None:
        errors = header_problems(self.kind, self.header, self.fmt)
        if errors:
            raise ImportFailed(self.kind, errors)

    def row(self, values: list[str], record_no: int, errors: list[RowError]) -> dict[str, str] | None:
        n = record_no  # the header is record 1, spreadsheet row 1
        if len(values) != len(self.header):
            note_error(errors, RowError(n, "", "", f"has {len(values)} fields, the header has {len(self.header)}"))
            return None
        row = dict(zip(self.header, values, strict=True))
        row["__row__"] = str(n)
        return row


class WholeRows:
    """Rows already read whole (a bureau file, CSV or JSON), handed out as one chunk."""

    def __init__(self, data: bytes, rows: list[dict[str, str]]):
        self.data, self.rows = data, rows
        self.bytes_total = self.bytes_done = len(data)
        self.rows_read = len(rows)

    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def chunks(self, size: int, errors: list[RowError]) -> Iterator[list[dict[str, str]]]:
        if self.rows:
            yield self.rows


def read_rows(kind: str, data: bytes) -> list[dict[str, str]]:
    """Decode and split a whole canonical CSV (the kinds read whole: bureau files, open-items snapshots, control
    totals); header problems raise ImportFailed."""
    errors: list[RowError] = []
    reader = CsvRows(kind, io.BytesIO(data))
    rows = [row for chunk in reader.chunks(CHUNK_ROWS, errors) for row in chunk]
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
    return rows


@dataclass
class _Run:
    """One import's state across its chunks."""

    kind: str
    base: str
    result: ImportResult
    errors: list[RowError] = field(default_factory=list)
    seen: dict = field(default_factory=dict)  # key -> row first seen in
    affected: set[int] = field(default_factory=set)  # customers whose allocations are rebuilt at the end
    parents: list[tuple[int, str, str | None, bool]] = field(
        default_factory=list
    )  # customers: row, ref, parent, touched
    whole: list[dict[str, Any]] = field(default_factory=list)  # bureau kinds: every row, imported at the end
    import_id: int | None = None  # the log row every written row is stamped with (data_access.import_journal)
    created: set[str] = field(default_factory=set)  # customers: the references this import inserted

    @property
    def writing(self) -> bool:
        """Rows are written until the first problem; after it the rest of the file is only validated."""
        return not self.errors


def _parse_chunk(run: _Run, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Typed rows of one chunk; bad fields and keys already seen (in this chunk or an earlier one) go to the run's
    errors."""
    kind = run.kind
    fmt = FORMATS[kind]
    parsed, seen = [], run.seen
    for row in rows:
        n = int(row["__row__"])
        try:
            p = parse_row(kind, row, run.base)
        except FieldError as exc:
            note_error(run.errors, RowError(n, getattr(exc, "column", ""), getattr(exc, "value", ""), str(exc)))
            continue
        if kind in BUREAU_KINDS:  # the key holds the customer, resolved against the database: _import_bureau
            p["__row__"] = n
            parsed.append(p)
            continue
        key = (p["currency"], p["date"]) if kind == "fx-rates" else p[fmt.key]
        if key in seen:
            col = "currency,date" if kind == "fx-rates" else fmt.key
            note_error(
                run.errors,
                RowError(
                    n,
                    col,
                    str(key if kind != "fx-rates" else f"{key[0]} {key[1]}"),
                    f"duplicate key, first seen in row {seen[key]}",
                ),
            )
            continue
        seen[key] = n
        p["__row__"] = n
        parsed.append(p)
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


def _load_chunk(conn: Connection, run: _Run, parsed: list[dict[str, Any]]) -> None:
    """Check one chunk's references against the database and, while the run has no problems, write it."""
    kind = run.kind
    if kind in BUREAU_KINDS:
        run.whole.extend(parsed)
    elif kind == "customers":
        _customers_chunk(conn, run, parsed)
    elif kind == "fx-rates":
        _fx_rates_chunk(conn, run, parsed)
    elif kind == "dunning-status":
        _dunning_status_chunk(conn, run, parsed)
    elif kind in ("invoices", "payments", "write-offs"):
        _documents_chunk(conn, run, parsed)
    else:
        raise ValueError(f"unknown import kind '{kind}'")


def _check_end(conn: Connection, run: _Run) -> None:
    """Checks that need the whole file: a customer's parent may come later in the file than the customer."""
    if run.kind != "customers":
        return
    outside = {parent for _, _, parent, _ in run.parents if parent and parent not in run.seen}
    known = _customer_ids(conn, outside)
    for n, _ref, parent, _ in run.parents:
        if parent and parent not in run.seen and parent not in known:
            note_error(run.errors, RowError(n, "parent_ref", parent, "unknown parent customer"))


def _finish(conn: Connection, run: _Run) -> None:
    """What is done once every chunk is written: parent links, bureau rows, the allocations."""
    if run.kind == "customers":
        _link_parents(conn, run)
    elif run.kind in BUREAU_KINDS:
        _import_bureau(conn, run.kind, run.whole, run.result, run.import_id)
    elif run.kind in ("invoices", "payments", "write-offs"):
        try:
            rebuild_allocations(conn, run.affected)
        except AllocationError as exc:
            raise ImportFailed(run.kind, [RowError(0, "", "", str(exc))]) from exc


def _customers_chunk(conn: Connection, run: _Run, parsed: list[dict[str, Any]]) -> None:
    touched: set[str] = set()
    if run.writing:
        # the stored columns are the format's columns but the key and the parent link (set at the end: a parent
        # may come later in the file)
        cols = [c for c in FORMATS["customers"].columns if c not in ("customer_ref", "parent_ref")]
        changed = _apply(
            conn,
            Customer,
            Customer.customer_ref,
            parsed,
            lambda p: {"customer_ref": p["customer_ref"], **{c: p[c] for c in cols}},
            run.result,
            import_id=run.import_id,
        )
        touched = {new["customer_ref"] for _, new in changed}
        run.created |= {new["customer_ref"] for old, new in changed if old is None}
    run.parents += [(p["__row__"], p["customer_ref"], p["parent_ref"], p["customer_ref"] in touched) for p in parsed]


def _link_parents(conn: Connection, run: _Run) -> None:
    """Each customer's parent as the file says (none when blank); a changed link alone counts as an update."""
    result = run.result
    for chunk in _chunks(run.parents, 5000):
        ids = _customer_ids(conn, {ref for _, ref, _, _ in chunk} | {parent for _, _, parent, _ in chunk if parent})
        current: dict[int, tuple[int | None, int | None]] = {}
        for part in _chunks(ids[ref] for _, ref, _, _ in chunk):
            current.update(
                (r.id, (r.parent_id, r.import_id))
                for r in conn.execute(
                    select(Customer.id, Customer.parent_id, Customer.import_id).where(Customer.id.in_(part))
                )
            )
        links: list[RowChange] = []
        stamp = {} if run.import_id is None else {"import_id": run.import_id}
        for _n, ref, parent, touched in chunk:
            cid = ids[ref]
            want = ids[parent] if parent else None
            old, writer = current[cid]
            if old != want:
                conn.execute(update(Customer).where(Customer.id == cid).values(parent_id=want, **stamp))
                if run.import_id is not None and ref not in run.created:  # an inserted row needs no image
                    links.append(RowChange({"id": cid}, {"parent_id": old}, {"parent_id": want}, writer))
                if not touched:  # only the parent link changed: an update
                    result.unchanged -= 1
                    result.updated += 1
        if links:
            journal_updates(conn, run.import_id, "customers", links)
    _check_no_cycles(conn, run.kind)


def _fx_rates_chunk(conn: Connection, run: _Run, parsed: list[dict[str, Any]]) -> None:
    if not run.writing:
        return
    result = run.result
    keys = [(p["currency"], p["date"]) for p in parsed]
    existing = {}
    for chunk in _chunks(keys):
        for r in conn.execute(select(FxRate.__table__).where(tuple_(FxRate.currency, FxRate.rate_date).in_(chunk))):
            existing[(r.currency, r.rate_date)] = r
    stamp = {} if run.import_id is None else {"import_id": run.import_id}
    new, journal = [], []
    for p in parsed:
        k = (p["currency"], p["date"])
        if k not in existing:
            new.append({"currency": k[0], "rate_date": k[1], "rate": p["rate"], **stamp})
        elif existing[k].rate != p["rate"]:
            conn.execute(
                update(FxRate).where(FxRate.currency == k[0], FxRate.rate_date == k[1]).values(rate=p["rate"], **stamp)
            )
            result.updated += 1
            key = {"currency": k[0], "rate_date": k[1]}
            journal.append(RowChange(key, {"rate": existing[k].rate}, {"rate": p["rate"]}, existing[k].import_id))
        else:
            result.unchanged += 1
    for chunk in _chunks(new, 5000):
        conn.execute(insert(FxRate), chunk)
    if journal:
        journal_updates(conn, run.import_id, "fx_rates", journal)
    result.inserted += len(new)


def _documents_chunk(conn: Connection, run: _Run, parsed: list[dict[str, Any]]) -> None:
    """Invoices, payments and write-offs: the customer (and a write-off's invoice) must exist."""
    kind, errors = run.kind, run.errors
    ids = _customer_ids(conn, {p["customer_ref"] for p in parsed if "customer_ref" in p})
    for p in parsed:
        if "customer_ref" in p and p["customer_ref"] not in ids:
            note_error(errors, RowError(p["__row__"], "customer_ref", p["customer_ref"], "unknown customer"))
    invoices: dict = {}
    if kind == "write-offs":
        invoices = _existing(conn, Invoice, Invoice.invoice_number, {p["invoice_number"] for p in parsed})
        for p in parsed:
            inv = invoices.get(p["invoice_number"])
            if inv is None or inv.kind != "invoice":
                note_error(errors, RowError(p["__row__"], "invoice_number", p["invoice_number"], "unknown invoice"))
    if not run.writing:
        return
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
            run.result,
            import_id=run.import_id,
        )
        run.affected |= customers_with_documents_named(conn, {new["invoice_number"] for _, new in changed})
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
            run.result,
            import_id=run.import_id,
        )
    else:
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
            run.result,
            import_id=run.import_id,
        )
    for old, new in changed:
        run.affected.add(new["customer_id"])
        if old is not None:
            run.affected.add(old["customer_id"])


def _dunning_status_chunk(conn: Connection, run: _Run, parsed: list[dict[str, Any]]) -> None:
    """Each row replaces the stored status of its invoice; statuses are not ledger amounts, so no reallocation."""
    invoices = _existing(conn, Invoice, Invoice.invoice_number, {p["invoice_number"] for p in parsed})
    for p in parsed:
        inv = invoices.get(p["invoice_number"])
        if inv is None:
            note_error(run.errors, RowError(p["__row__"], "invoice_number", p["invoice_number"], "unknown invoice"))
        elif inv.kind != "invoice":
            note_error(
                run.errors,
                RowError(p["__row__"], "invoice_number", p["invoice_number"], "is a credit note, not an invoice"),
            )
    if not run.writing:
        return
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
        run.result,
        stamp={"updated_at": utcnow()},
        import_id=run.import_id,
    )


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
    return import_stream(conn, kind, io.BytesIO(data), file_name, source, author=author)


def import_path(conn: Connection, kind: str, path: Path, author: str | None = None) -> ImportResult:
    """`import_file` for a file on disk, read as it is imported (never whole)."""
    with Path(path).open("rb") as stream:
        return import_stream(conn, kind, stream, Path(path).name, author=author)


def import_stream(
    conn: Connection,
    kind: str,
    stream: IO[bytes],
    file_name: str | None = None,
    source: str | None = None,
    *,
    progress: ProgressCallback | None = None,
    chunk_rows: int | None = None,
    author: str | None = None,
) -> ImportResult:
    """`import_file` for a binary stream (an open file, io.BytesIO), read and written `chunk_rows` rows at a time;
    `progress` is called after every chunk. The bureau kinds are read whole."""
    if kind not in FORMATS:
        raise ValueError(f"unknown import kind '{kind}'; choose one of {', '.join(FORMATS)}")
    if kind in OWN_PATH_KINDS:
        raise ValueError(f"{kind} has an import of its own: data_access.ingest.import_export routes it")
    reader: RowReader | WholeRows
    if kind in BUREAU_KINDS:
        data = stream.read()
        rows = read_json_rows(kind, data) if is_json(kind, data, file_name) else read_rows(kind, data)
        reader = WholeRows(data, rows)
    else:
        reader = CsvRows(kind, stream)
    return import_rows_from(
        conn, kind, reader, file_name, source, progress=progress, chunk_rows=chunk_rows, author=author
    )


def import_rows_from(
    conn: Connection,
    kind: str,
    reader: RowReader | WholeRows,
    file_name: str | None = None,
    source: str | None = None,
    *,
    progress: ProgressCallback | None = None,
    chunk_rows: int | None = None,
    author: str | None = None,
) -> ImportResult:
    """Import the canonical rows a reader hands out (its header already checked), chunk by chunk, in the caller's
    transaction: all rows or none (ImportFailed; the caller rolls back). The import's log row is written first, so
    that every row it writes carries its number (undo: data_access.import_journal)."""
    source = source or KIND_SOURCES.get(kind, "ledger")
    started = utcnow()
    demo_removed = remove_demo_data(conn)
    import_id = begin_import(
        conn, kind=kind, source=source, file_name=file_name, file_sha256=None, author=author, started_at=started
    )
    run = _Run(kind, base_currency(conn), ImportResult(kind, 0, import_id=import_id), import_id=import_id)
    shown = None

    def report(stage: str = "rows") -> None:
        nonlocal shown
        now = Progress(reader.rows_read, reader.bytes_done, reader.bytes_total, stage)
        if progress is not None and now != shown:
            progress(now)
            shown = now

    for rows in reader.chunks(chunk_rows or CHUNK_ROWS, run.errors):
        _load_chunk(conn, run, _parse_chunk(run, rows))
        report()
        if len(run.errors) >= MAX_LISTED_ERRORS:
            break  # the list is full: reading on would change nothing
    report()
    run.result.rows = reader.rows_read
    _check_end(conn, run)
    if run.errors:
        raise ImportFailed(kind, run.errors[:MAX_LISTED_ERRORS])
    if kind in ("invoices", "payments", "write-offs"):
        report("allocations")
    _finish(conn, run)
    result = run.result
    result.demo_removed = demo_removed
    if result.inserted + result.updated >= ANALYZE_AFTER_ROWS:
        refresh_statistics(conn)
    finish_import(
        conn,
        import_id,
        rows=result.rows,
        inserted=result.inserted,
        updated=result.updated,
        message=result.summary(),
        file_sha256=reader.sha256(),
    )
    bump_data_version(conn)
    return result


def log_failed_import(
    conn: Connection,
    kind: str,
    data: bytes | IO[bytes],
    file_name: str | None,
    error: Exception,
    started_at: datetime,
    source: str | None = None,
    author: str | None = None,
) -> None:
    """Record a rejected file (its bytes, or the seekable stream it was read from) in a transaction of its own:
    who, which file, how many rows had problems, why."""
    errors = getattr(error, "errors", [])
    log_import(
        conn,
        kind=kind,
        source=source or KIND_SOURCES.get(kind, "ledger"),
        file_name=file_name,
        file_sha256=file_sha256(data),
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
