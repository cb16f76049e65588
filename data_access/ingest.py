"""An ERP export into the canonical import: detection and automatic mapping (domain.ingest), named presets
(stored in `settings`), and the strict canonical import on the rewritten rows (data_access.imports), or the
open-items snapshot import for an aged-receivables list (data_access.open_items_import)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Connection, select

from data_access.control_totals import ControlTotalsResult, import_control_totals
from data_access.import_journal import set_part_of
from data_access.imports import ImportFailed, ImportResult, RowError, import_file, is_json
from data_access.ledger import get_setting, set_setting
from data_access.open_items_import import OpenItemsResult, import_open_items_file
from data_access.schema import Customer
from domain.control_totals import KIND as CONTROL_TOTALS
from domain.ingest import (
    KINDS,
    OPEN_ITEMS,
    ColumnMap,
    Dialect,
    IngestError,
    auto_map,
    decode,
    detect_dialect,
    read_table,
    sniff_delimiter,
    to_canonical,
)

PRESETS_KEY = "import_presets"


@dataclass(frozen=True)
class Preset:
    name: str
    mapping: ColumnMap
    dialect: Dialect | None = None  # None: detect on every file

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "mapping": self.mapping.to_dict(),
            "dialect": None if self.dialect is None else self.dialect.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Preset:
        return cls(
            str(d["name"]),
            ColumnMap.from_dict(d["mapping"]),
            None if d.get("dialect") is None else Dialect.from_dict(d["dialect"]),
        )


def presets(conn: Connection) -> dict[str, Preset]:
    stored = get_setting(conn, PRESETS_KEY, {}) or {}
    return {name: Preset.from_dict(d) for name, d in sorted(stored.items())}


def save_preset(conn: Connection, preset: Preset) -> None:
    """Store (or replace) a named mapping for the next file from the same ERP."""
    name = preset.name.strip()
    if not name:
        raise IngestError("a preset needs a name, e.g. 'Tripletex invoices'")
    stored = dict(get_setting(conn, PRESETS_KEY, {}) or {})
    stored[name] = Preset(name, preset.mapping, preset.dialect).to_dict()
    set_setting(conn, PRESETS_KEY, stored)


def preset(conn: Connection, name: str) -> Preset:
    found = presets(conn)
    if name not in found:
        raise IngestError(f"there is no import preset named {name!r}; saved presets: {', '.join(found) or 'none'}")
    return found[name]


def mapping_from_json(text: str, kind: str) -> ColumnMap:
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(f"the mapping file is not JSON: {exc}") from exc
    if isinstance(d, dict) and "kind" not in d:
        d = {"kind": kind, "columns": d.get("columns", d)}
    mapping = ColumnMap.from_dict(d)
    if mapping.kind != kind:
        raise IngestError(f"the mapping is for {mapping.kind}, not {kind}")
    return mapping


@dataclass(frozen=True)
class Prepared:
    """How a file was read: its dialect and mapping (detected or given), the headers left out, and the canonical
    CSV the strict import reads."""

    kind: str
    canonical: bool  # the file already was a canonical file (read as it is)
    dialect: Dialect
    mapping: ColumnMap
    ignored: tuple[str, ...]
    data: bytes

    def describe(self) -> str:
        if self.canonical:
            return "canonical file"
        cols = ", ".join(f"{s} -> {c}" for c, s in self.mapping.columns)
        text = f"read with {self.dialect.describe()}; columns {cols}"
        return text + (f"; ignored {', '.join(self.ignored)}" if self.ignored else "")


def _is_xlsx(data: bytes, file_name: str) -> bool:
    return file_name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"


def sheet_names(data: bytes, file_name: str) -> list[str]:
    """The sheets of an Excel workbook (empty for a CSV file)."""
    if not _is_xlsx(data, file_name):
        return []
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True)
    except Exception as exc:  # not a zip, not a workbook: a clear refusal, as in as_csv
        raise IngestError(f"{file_name} cannot be read as an Excel workbook: {exc}") from exc
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def as_csv(data: bytes, file_name: str, sheet: str | None = None) -> bytes:
    """An Excel workbook's sheet (the first when none is named) as a UTF-8 CSV with ISO dates and '.' decimals;
    a CSV file is returned as it is."""
    if not _is_xlsx(data, file_name):
        return data
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise IngestError(f"{file_name} cannot be read as an Excel workbook: {exc}") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise IngestError(f"the workbook has no sheet {sheet!r}; its sheets: {', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet else book[book.sheetnames[0]]
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        for row in ws.iter_rows(values_only=True):
            if any(v is not None and str(v).strip() for v in row):
                w.writerow([_cell_text(v) for v in row])
    finally:
        book.close()
    return out.getvalue().encode("utf-8")


def in_file_terms(exc: ImportFailed, prepared: Prepared) -> ImportFailed:
    """The strict import's errors with each canonical column also named as the file names it, e.g. "column
    Forfallsdato (due_date)": the rows were rewritten (ISO dates, '.' decimals), the row numbers are the file's."""
    if prepared.canonical:
        return exc
    source = {c: s for c, s in prepared.mapping.columns if not s.startswith("=") and s != c}  # a new name only

    def named(column: str) -> str:
        return ",".join(f"{source[c]} ({c})" if c in source else c for c in column.split(",")) if column else column

    return ImportFailed(exc.kind, [replace(e, column=named(e.column)) for e in exc.errors])


def _fail(kind: str, message: str) -> ImportFailed:
    return ImportFailed(kind, [RowError(1, "", "", message)])


def prepare(
    kind: str,
    data: bytes,
    mapping: ColumnMap | None = None,
    dialect: Dialect | None = None,
    file_name: str | None = None,
) -> Prepared:
    """Read an export: a canonical file (CSV, or the bureau kinds' JSON) as it is; anything else mapped (given,
    else automatic) and rewritten."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind '{kind}'; choose one of {', '.join(KINDS)}")
    if mapping is None and dialect is None and is_json(kind, data, file_name):
        return Prepared(kind, True, Dialect(encoding="utf-8"), ColumnMap(kind, ()), (), data)
    try:
        text, encoding = decode(data, dialect.encoding if dialect else None)
        delimiter = dialect.delimiter if dialect else sniff_delimiter(text)
        header, rows = read_table(text, delimiter)
        if mapping is None and dialect is None and delimiter == "," and set(header) <= set(KINDS[kind].columns):
            identity = ColumnMap(kind, tuple((h, h) for h in header if h))
            return Prepared(kind, True, Dialect(encoding=encoding), identity, (), data)
        ignored: list[str] = []
        if mapping is None:
            mapping, ignored = auto_map(header, kind)
        else:
            ignored = [h for h in header if h not in mapping.source_of.values()]
        if dialect is None:
            dialect, header, rows = detect_dialect(data, mapping)
        out, problems = to_canonical(header, rows, mapping, dialect)
    except IngestError as exc:
        raise _fail(kind, str(exc)) from exc
    if problems:
        raise ImportFailed(kind, [RowError(p.row, p.column, p.value, p.problem) for p in problems])
    return Prepared(kind, False, dialect, mapping, tuple(ignored), out.encode("utf-8"))


def create_missing_customers(
    conn: Connection, prepared: Prepared, file_name: str | None, author: str | None = None
) -> tuple[int, int | None]:
    """Customers the file names but the ledger lacks, created with their reference as name (an export without a
    customer master); returns how many and the log number of their import. Part of the caller's transaction, so a
    rejected file creates none."""
    if "customer_ref" not in prepared.mapping.source_of:
        return 0, None
    rows = csv.DictReader(io.StringIO(prepared.data.decode("utf-8-sig")))
    refs = sorted({(r.get("customer_ref") or "").strip() for r in rows} - {""})
    known: set[str] = set()
    for i in range(0, len(refs), 500):
        chunk = refs[i : i + 500]
        known |= {r[0] for r in conn.execute(select(Customer.customer_ref).where(Customer.customer_ref.in_(chunk)))}
    missing = [r for r in refs if r not in known]
    if missing:
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["customer_ref", "name"])
        w.writerows([r, r] for r in missing)
        created = import_file(
            conn,
            "customers",
            out.getvalue().encode("utf-8"),
            f"{file_name or 'file'} (customers created)",
            None,
            author,
        )
        return len(missing), created.import_id
    return 0, None


@dataclass(frozen=True)
class Detected:
    """What a wizard shows first: the dialect and mapping guessed for a file (or a preset's), and its headers."""

    dialect: Dialect
    mapping: ColumnMap
    headers: tuple[str, ...]


def detect(kind: str, data: bytes, chosen: Preset | None = None) -> Detected:
    """Best guesses for a file even when it cannot be imported as it is (a required column unmapped, odd dates)."""
    base, header, _rows = detect_dialect(data)
    mapping = chosen.mapping if chosen else auto_map(header, kind)[0]
    if chosen and chosen.dialect:
        return Detected(chosen.dialect, mapping, tuple(header))
    try:
        dialect = detect_dialect(data, mapping)[0]
    except IngestError:
        dialect = base
    return Detected(dialect, mapping, tuple(header))


def import_export(
    conn: Connection,
    kind: str,
    data: bytes,
    file_name: str | None = None,
    *,
    mapping: ColumnMap | None = None,
    dialect: Dialect | None = None,
    create_customers: bool = False,
    author: str | None = None,
    as_of: date | None = None,
    source: str | None = None,
    allow_empty: bool = False,
) -> tuple[ImportResult | OpenItemsResult | ControlTotalsResult, Prepared]:
    """Prepare and import one file in the caller's transaction (all rows or none); a dry run is this call in a
    transaction the caller rolls back. With create_customers, unknown customer references become customers (their
    own log entry, undone together with this import).

    open-items (a snapshot: `as_of` is its date when the file has none; `allow_empty`) and control-totals (`as_of`
    likewise, `source` where the figures come from) go to their own imports after the same reading and mapping."""
    prepared = prepare(kind, data, mapping, dialect, file_name)
    try:
        if kind == OPEN_ITEMS:
            snapshot = import_open_items_file(
                conn,
                prepared.data,
                file_name,
                snapshot_date=as_of,
                author=author,
                create_customers=create_customers,
                allow_empty=allow_empty,
            )
            return snapshot, prepared
        if kind == CONTROL_TOTALS:
            totals = import_control_totals(conn, prepared.data, file_name, as_of=as_of, source=source, author=author)
            return totals, prepared
        created, companion = (
            create_missing_customers(conn, prepared, file_name, author) if create_customers else (0, None)
        )
        result = import_file(conn, kind, prepared.data, file_name, None, author)
    except ImportFailed as exc:
        raise in_file_terms(exc, prepared) from exc
    if companion is not None and result.import_id is not None:
        set_part_of(conn, [companion], result.import_id)
    if created:
        result.notes.append(f"{created} customer(s) created from the file (named by their reference)")
    return result, prepared
