"""An ERP export into the canonical import: detection and automatic mapping (domain.ingest), named presets
(stored in `settings`), and the strict canonical import on the rewritten rows (data_access.imports), or the
import of its own for an open-items snapshot (data_access.open_items_import) or a control-totals file
(data_access.control_totals).

A file is given as bytes or as a seekable binary stream. The dialect and the mapping are found on its first rows
(`SAMPLE_BYTES`), the encoding over the whole file in one decoding pass; the import then reads the file again,
rewriting and importing it chunk by chunk (`ExportRows`), so no second copy of the file is ever built."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import IO

from sqlalchemy import Connection, select

from data_access.control_totals import ControlTotalsResult, import_control_totals
from data_access.import_journal import set_part_of
from data_access.imports import (
    CHUNK_ROWS,
    MAX_LISTED_ERRORS,
    CsvRows,
    ImportFailed,
    ImportResult,
    ProgressCallback,
    RowError,
    RowReader,
    blocks,
    header_problems,
    import_file,
    import_rows_from,
    import_stream,
    is_json,
    note_error,
)
from data_access.ledger import get_setting, set_setting
from data_access.open_items_import import OpenItemsResult, import_open_items_file
from data_access.schema import Customer
from domain.canonical import FORMATS
from domain.control_totals import KIND as CONTROL_TOTALS
from domain.ingest import (
    ColumnMap,
    Dialect,
    IngestError,
    auto_map,
    canonical_row,
    check_mapping,
    decode,
    detect_encoding,
    detect_formats,
    read_table,
    sniff_delimiter,
    to_canonical,
)
from domain.open_items import KIND as OPEN_ITEMS

PRESETS_KEY = "import_presets"
SAMPLE_BYTES = 1 << 20  # the start of a file that detection and the preview read
SAMPLE_ROWS = 2_000  # rows of the sample that the decimal mark and the date format are detected on
PREVIEW_ROWS = 20
FileData = bytes | IO[bytes]


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
    """How a file is read: its dialect and mapping (detected or given), the headers left out, and the first rows
    as the strict import will read them (the canonical header and up to PREVIEW_ROWS rows)."""

    kind: str
    canonical: bool  # the file already was a canonical file (read as it is)
    dialect: Dialect
    mapping: ColumnMap
    ignored: tuple[str, ...]
    preview: tuple[tuple[str, ...], tuple[tuple[str, ...], ...]] = ((), ())

    def describe(self) -> str:
        if self.canonical:
            return "canonical file"
        cols = ", ".join(f"{s} -> {c}" for c, s in self.mapping.columns)
        text = f"read with {self.dialect.describe()}; columns {cols}"
        return text + (f"; ignored {', '.join(self.ignored)}" if self.ignored else "")


def _is_xlsx(data: bytes, file_name: str) -> bool:
    return file_name.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK"


def is_workbook(head: bytes, file_name: str) -> bool:
    """An Excel workbook (by its name, or the zip signature in its first bytes) rather than a text file."""
    return _is_xlsx(head, file_name)


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


def _fail(kind: str, message: str) -> ImportFailed:
    return ImportFailed(kind, [RowError(1, "", "", message)])


def _stream(data: FileData) -> IO[bytes]:
    """The file as a seekable binary stream (bytes are wrapped, not copied)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    if not data.seekable():  # a pipe: kept in memory, since detection and import each read the file
        return io.BytesIO(data.read())
    return data


@dataclass(frozen=True)
class _Sample:
    """The first rows of a file, cut after a line end; `whole` when the file ends within the sample."""

    data: bytes
    whole: bool

    @classmethod
    def of(cls, stream: IO[bytes]) -> _Sample:
        stream.seek(0)
        head = stream.read(SAMPLE_BYTES + 1)
        stream.seek(0)
        if len(head) <= SAMPLE_BYTES:
            return cls(head, True)
        cut = max(head.rfind(b"\n", 0, SAMPLE_BYTES), head.rfind(b"\r", 0, SAMPLE_BYTES))
        return cls(head[: cut + 1] if cut > 0 else head[:SAMPLE_BYTES], False)

    def table(self, text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
        """Header and rows of the sample's text; the last row is left out when the file goes on (a quoted field
        may continue past the cut), and at most SAMPLE_ROWS rows are kept."""
        header, rows = read_table(text, delimiter)
        if not self.whole:
            rows = rows[:-1]
        return header, rows[:SAMPLE_ROWS]


def _encoding(stream: IO[bytes], sample: _Sample) -> str:
    """The whole file's encoding (a Windows-1252 letter far down the file decides it as much as one in the sample)."""
    return decode(sample.data)[1] if sample.whole else detect_encoding(blocks(stream))


def _canonical_preview(header: list[str], rows: list[list[str]]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    return tuple(header), tuple(tuple(r) for r in rows[:PREVIEW_ROWS])


def prepare(
    kind: str,
    data: FileData,
    mapping: ColumnMap | None = None,
    dialect: Dialect | None = None,
    file_name: str | None = None,
) -> Prepared:
    """Read the start of an export: a canonical file (CSV, or the bureau kinds' JSON) as it is; anything else mapped
    (given, else automatic). Rows of the sample whose dates do not parse raise ImportFailed; the rest of the file is
    checked as it is imported."""
    if kind not in FORMATS:
        raise ValueError(f"unknown import kind '{kind}'; choose one of {', '.join(FORMATS)}")
    stream = _stream(data)
    sample = _Sample.of(stream)
    if mapping is None and dialect is None and is_json(kind, sample.data, file_name):
        return Prepared(kind, True, Dialect(encoding="utf-8"), ColumnMap(kind, ()), ())
    try:
        text, encoding = decode(sample.data, dialect.encoding if dialect else None)
        delimiter = dialect.delimiter if dialect else sniff_delimiter(text)
        header, rows = sample.table(text, delimiter)
        if mapping is None and dialect is None and delimiter == "," and set(header) <= set(FORMATS[kind].columns):
            identity = ColumnMap(kind, tuple((h, h) for h in header if h))
            return Prepared(kind, True, Dialect(encoding=encoding), identity, (), _canonical_preview(header, rows))
        ignored: list[str] = []
        if mapping is None:
            mapping, ignored = auto_map(header, kind)
        else:
            ignored = [h for h in header if h not in mapping.source_of.values()]
        if dialect is None:
            whole_encoding = _encoding(stream, sample)
            if whole_encoding != encoding:
                text, encoding = decode(sample.data, whole_encoding)
                header, rows = sample.table(text, delimiter)
            dialect = detect_formats(Dialect(encoding=encoding, delimiter=delimiter), header, rows, mapping)
        out, problems = to_canonical(header, rows, mapping, dialect)
    except IngestError as exc:
        raise _fail(kind, str(exc)) from exc
    if problems:
        raise ImportFailed(kind, [RowError(p.row, p.column, p.value, p.problem) for p in problems])
    head, canonical = read_table(out, ",")
    return Prepared(kind, False, dialect, mapping, tuple(ignored), _canonical_preview(head, canonical))


class ExportRows(RowReader):
    """An export read row by row with its dialect and rewritten by its mapping into canonical rows (ISO dates, '.'
    decimals); row N is the N-th non-blank row of the file, as in the preview. A date that does not parse is a
    problem of its row."""

    def __init__(self, kind: str, stream: IO[bytes], mapping: ColumnMap, dialect: Dialect):
        self.mapping, self.dialect = mapping, dialect
        self.encoding, self.delimiter = dialect.encoding, dialect.delimiter
        self.columns = [c for c, _ in mapping.columns]
        super().__init__(kind, stream)

    def check_header(self) -> None:
        try:
            self.index = check_mapping(self.header, self.mapping)
        except IngestError as exc:
            raise _fail(self.kind, str(exc)) from exc
        errors = header_problems(self.kind, self.columns, FORMATS[self.kind])
        if errors:
            raise ImportFailed(self.kind, errors)

    def row(self, values: list[str], record_no: int, errors: list[RowError]) -> dict[str, str] | None:
        n = self.rows_read + 1  # blank rows are not counted: the header is row 1
        out, problems = canonical_row(values, n, self.index, self.mapping, self.dialect)
        for p in problems:
            note_error(errors, RowError(p.row, p.column, p.value, p.problem))
        if problems or not any(v.strip() for v in out):
            return None
        row = dict(zip(self.columns, out, strict=True))
        row["__row__"] = str(n)
        return row


def _reader(kind: str, stream: IO[bytes], prepared: Prepared) -> ExportRows | None:
    """The export reader of a mapped file; None for a canonical one (data_access.imports reads it)."""
    stream.seek(0)
    return None if prepared.canonical else ExportRows(kind, stream, prepared.mapping, prepared.dialect)


def in_file_terms(exc: ImportFailed, prepared: Prepared) -> ImportFailed:
    """The strict import's errors with each canonical column also named as the file names it, e.g. "column
    Forfallsdato (due_date)": the rows were rewritten (ISO dates, '.' decimals), the row numbers are the file's."""
    if prepared.canonical:
        return exc
    source = {c: s for c, s in prepared.mapping.columns if not s.startswith("=") and s != c}  # a new name only

    def named(column: str) -> str:
        return ",".join(f"{source[c]} ({c})" if c in source else c for c in column.split(",")) if column else column

    return ImportFailed(exc.kind, [replace(e, column=named(e.column)) for e in exc.errors])


def canonical_file(kind: str, stream: IO[bytes], prepared: Prepared) -> bytes:
    """The whole file as the canonical CSV, for the kinds that are read whole (open-items snapshots, control
    totals); a row the mapping cannot rewrite is an ImportFailed listing every such row."""
    stream.seek(0)
    reader = _reader(kind, stream, prepared)
    if reader is None:
        return stream.read()
    errors: list[RowError] = []
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(reader.columns)
    for rows in reader.chunks(CHUNK_ROWS, errors):
        w.writerows([r[c] for c in reader.columns] for r in rows)
    if errors:
        raise ImportFailed(kind, errors[:MAX_LISTED_ERRORS])
    return out.getvalue().encode("utf-8")


def create_missing_customers(
    conn: Connection, prepared: Prepared, file_name: str | None, data: FileData, author: str | None = None
) -> tuple[int, int | None]:
    """Customers the file names but the ledger lacks, created with their reference as name (an export without a
    customer master); returns how many and the log number of their import. Part of the caller's transaction, so a
    rejected file creates none. The file is read once for its references; rows with other problems are left to
    the import to report."""
    if "customer_ref" not in prepared.mapping.source_of:
        return 0, None
    stream = _stream(data)
    reader = _reader(prepared.kind, stream, prepared) or CsvRows(prepared.kind, stream)
    refs: set[str] = set()
    for rows in reader.chunks(CHUNK_ROWS, []):
        refs |= {(r.get("customer_ref") or "").strip() for r in rows}
    stream.seek(0)
    refs_sorted = sorted(refs - {""})
    known: set[str] = set()
    for i in range(0, len(refs_sorted), 500):
        chunk = refs_sorted[i : i + 500]
        known |= {r[0] for r in conn.execute(select(Customer.customer_ref).where(Customer.customer_ref.in_(chunk)))}
    missing = [r for r in refs_sorted if r not in known]
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


def headers(data: FileData, encoding: str, delimiter: str) -> list[str]:
    """The header row of a file read with this encoding and separator (the page's mapping choices)."""
    sample = _Sample.of(_stream(data))
    return read_table(decode(sample.data, encoding)[0], delimiter)[0]


@dataclass(frozen=True)
class Detected:
    """What a wizard shows first: the dialect and mapping guessed for a file (or a preset's), and its headers."""

    dialect: Dialect
    mapping: ColumnMap
    headers: tuple[str, ...]


def detect(kind: str, data: FileData, chosen: Preset | None = None) -> Detected:
    """Best guesses for a file even when it cannot be imported as it is (a required column unmapped, odd dates);
    read on the file's first rows, the encoding on the whole file."""
    stream = _stream(data)
    sample = _Sample.of(stream)
    text, encoding = decode(sample.data, _encoding(stream, sample))
    delimiter = sniff_delimiter(text)
    header, rows = sample.table(text, delimiter)
    base = Dialect(encoding=encoding, delimiter=delimiter)
    mapping = chosen.mapping if chosen else auto_map(header, kind)[0]
    if chosen and chosen.dialect:
        return Detected(chosen.dialect, mapping, tuple(header))
    try:
        dialect = detect_formats(base, header, rows, mapping)
    except IngestError:
        dialect = base
    return Detected(dialect, mapping, tuple(header))


def import_export(
    conn: Connection,
    kind: str,
    data: FileData,
    file_name: str | None = None,
    *,
    mapping: ColumnMap | None = None,
    dialect: Dialect | None = None,
    create_customers: bool = False,
    progress: ProgressCallback | None = None,
    chunk_rows: int | None = None,
    author: str | None = None,
    as_of: date | None = None,
    source: str | None = None,
    allow_empty: bool = False,
) -> tuple[ImportResult | OpenItemsResult | ControlTotalsResult, Prepared]:
    """Prepare and import one file in the caller's transaction (all rows or none); a dry run is this call in a
    transaction the caller rolls back. With create_customers, unknown customer references become customers (their
    own log entry, undone together with this import).

    `data` is the file's bytes or a seekable binary stream (an open file); it is read `chunk_rows` rows at a time
    and `progress` is called after every chunk (data_access.imports.Progress). open-items (a snapshot: `as_of` is
    its date when the file has none; `allow_empty`) and control-totals (`as_of` likewise, `source` where the figures
    come from) are read whole and go to their own imports after the same reading and mapping."""
    stream = _stream(data)
    prepared = prepare(kind, stream, mapping, dialect, file_name)
    try:
        if kind == OPEN_ITEMS:
            snapshot = import_open_items_file(
                conn,
                canonical_file(kind, stream, prepared),
                file_name,
                snapshot_date=as_of,
                author=author,
                create_customers=create_customers,
                allow_empty=allow_empty,
            )
            return snapshot, prepared
        if kind == CONTROL_TOTALS:
            data = canonical_file(kind, stream, prepared)
            return import_control_totals(conn, data, file_name, as_of=as_of, source=source, author=author), prepared
        created, companion = (
            create_missing_customers(conn, prepared, file_name, stream, author) if create_customers else (0, None)
        )
        reader = _reader(kind, stream, prepared)
        if reader is None:
            result = import_stream(
                conn, kind, stream, file_name, progress=progress, chunk_rows=chunk_rows, author=author
            )
        else:
            result = import_rows_from(
                conn, kind, reader, file_name, progress=progress, chunk_rows=chunk_rows, author=author
            )
    except ImportFailed as exc:
        raise in_file_terms(exc, prepared) from exc
    if companion is not None and result.import_id is not None:
        set_part_of(conn, [companion], result.import_id)
    if created:
        result.notes.append(f"{created} customer(s) created from the file (named by their reference)")
    return result, prepared
