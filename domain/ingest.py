"""Reading an ERP's own export: encoding, separator, decimal mark and date format detected, headers in English,
Norwegian, Swedish or Danish mapped to the canonical columns, and every row rewritten as a canonical row
(ISO dates, '.' decimals) for the strict canonical import. Pure: bytes in, canonical text out; a large file is
handled piece by piece (`detect_encoding` over its blocks, `check_mapping` once and `canonical_row` per row).

What is detected is shown to the user and can be overridden (`Dialect`); a mapping can be edited and saved
as a named preset (`ColumnMap`)."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from domain.canonical import FORMATS
from domain.open_items import KIND as OPEN_ITEMS

# The kinds an export can be read as: the canonical imports and the open-items snapshot (its own import path)
ENCODINGS = ("utf-8-sig", "utf-8", "cp1252")
DELIMITERS = (",", ";", "\t", "|")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d-%m-%Y", "%Y%m%d", "%d.%m.%y", "%Y/%m/%d")
DATE_LABELS = {
    "%Y-%m-%d": "yyyy-mm-dd",
    "%d.%m.%Y": "dd.mm.yyyy",
    "%d/%m/%Y": "dd/mm/yyyy",
    "%m/%d/%Y": "mm/dd/yyyy (US)",
    "%d-%m-%Y": "dd-mm-yyyy",
    "%Y%m%d": "yyyymmdd",
    "%d.%m.%y": "dd.mm.yy",
    "%Y/%m/%d": "yyyy/mm/dd",
}
DATE_COLUMNS = frozenset(
    {"issue_date", "due_date", "payment_date", "date", "report_date", "event_date", "snapshot_date",
     "last_reminder_on", "last_deadline_on", "notice_sent_on"}
)  # fmt: skip
AMOUNT_COLUMNS = frozenset(
    {"amount", "credit_limit", "insured_limit", "disputed_amount", "remarks_amount", "original_amount",
     "remaining_amount", "fees_charged", "rate", "pd_percent", "balance"}
)  # fmt: skip

# A column that says yes/no to "is this a credit note?" (Fortnox `Credit`, Tripletex `isCreditNote`) feeds `kind`
CREDIT_FLAGS = ("credit", "is credit note", "credit invoice", "is credit invoice")
FLAG_VALUES = {"true": "credit_note", "false": "invoice", "yes": "credit_note", "no": "invoice", "1": "credit_note",
               "0": "invoice", "ja": "credit_note", "nei": "invoice", "nej": "invoice"}  # fmt: skip

# Header variants per canonical column, in English, Norwegian, Swedish and Danish (compared after `normalise`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_ref": (
        "customer ref",
        "customer id",
        "customerid",
        "customer no",
        "customer number",
        "customer",
        "account",
        "kundenr",
        "kunde nr",
        "kundenummer",
        "kunde id",
        "kundeid",
        "kundnr",
        "kund nr",
        "kundnummer",
        "debitornr",
        "debitor nr",
        "debitornummer",
        "kunde",
        "kund",
        "debitor",
        "invoice customer number",
    ),
    "name": (
        "name",
        "customer name",
        "company",
        "company name",
        "navn",
        "kundenavn",
        "firmanavn",
        "namn",
        "kundnamn",
        "företag",
        "firmanamn",
        "kundenavn",
        "firma",
        "debitornavn",
    ),
    "org_number": (
        "org number",
        "organisation number",
        "organization number",
        "orgnr",
        "org nr",
        "organisasjonsnummer",
        "organisationsnummer",
        "org nummer",
        "cvr",
        "cvr nr",
        "cvr nummer",
        "business id",
        "y tunnus",
        "vat number",
        "registration no",
        "registration number",
    ),
    "country": (
        "country",
        "country code",
        "countrycode",
        "country region code",
        "land",
        "landkode",
        "landskode",
        "landkod",
    ),
    "currency": ("currency", "currency code", "valuta", "valutakode", "valutakod", "ccy"),
    "payment_terms_days": (
        "payment terms",
        "terms",
        "terms days",
        "betalingsbetingelser",
        "betalingsfrist",
        "kredittid",
        "betalningsvillkor",
        "kredittdager",
        "betalingsbetingelse",
        "forfallsdager",
        "kredit dage",
        "betalingsfrist dager",
        "betalningsvillkor dagar",
    ),
    "credit_limit": (
        "credit limit",
        "credit limit lcy",
        "kredittgrense",
        "kreditgrense",
        "kreditgräns",
        "kreditgrænse",
        "kreditramme",
        "kreditmaksimum",
    ),
    "insured_limit": ("insured limit", "forsikret grense", "försäkrad gräns", "forsikret grænse"),
    "segment": ("segment", "kundegruppe", "kundgrupp", "debitorgruppe"),
    "sales_owner": (
        "sales owner",
        "salesperson",
        "sales person",
        "account manager",
        "selger",
        "säljare",
        "saljare",
        "sælger",
        "kundeansvarlig",
        "kundansvarig",
    ),
    "industry_code": ("industry code", "nace", "nace code", "næringskode", "naeringskode", "bransch", "branchekode"),
    "parent_ref": ("parent ref", "parent", "parent customer", "morselskap", "moderbolag", "moderselskab", "konsern"),
    "invoice_number": (
        "invoice number",
        "invoice no",
        "invoicenumber",
        "invoice",
        "invoice id",
        "fakturanr",
        "faktura nr",
        "fakturanummer",
        "faktura",
        "fakturanr.",
        "dokumentnr",
        "bilagsnr",
        "document number",
        "document no",
    ),
    "issue_date": (
        "issue date",
        "invoice date",
        "invoicedate",
        "fakturadato",
        "fakturadatum",
        "bilagsdato",
        "dokumentdato",
        "document date",
        "posting date",
        "dato",
        "datum",
        "date",
    ),
    "due_date": (
        "due date",
        "duedate",
        "due",
        "forfallsdato",
        "forfall",
        "forfallsdag",
        "förfallodatum",
        "förfallodag",
        "forfaldsdato",
        "forfaldsdag",
        "forfald",
    ),
    "amount": (
        "amount",
        "invoice amount",
        "invoiceamount",
        "total",
        "sum",
        "beløp",
        "belop",
        "belopp",
        "beløb",
        "belob",
        "fakturabeløp",
        "fakturabelopp",
        "fakturabeløb",
        "totalbeløp",
        "brutto",
        "amount incl vat",
        "amount including vat",
        "original amount",
        "opprinnelig beløp",
        "beløp inkl mva",
        "belopp inkl moms",
        "beløb inkl moms",
    ),
    "kind": (
        "kind",
        "type",
        "document type",
        "doc type",
        "bilagstype",
        "dokumenttype",
        "fakturatyp",
        *CREDIT_FLAGS,
    ),
    "credited_invoice": (
        "credited invoice",
        "kreditert faktura",
        "krediterad faktura",
        "krediteret faktura",
        "applies to doc no",
    ),
    "disputed_amount": ("disputed amount", "omtvistet beløp", "tvistigt belopp", "omtvistet beløb"),
    "payment_ref": (
        "payment ref",
        "payment id",
        "payment number",
        "payment no",
        "betalingsref",
        "innbetalingsnr",
        "betalingsnr",
        "betalningsnr",
        "betalningsreferens",
        "indbetalingsnr",
        "bilagsnr",
        "number",
    ),
    "payment_date": (
        "payment date",
        "paid date",
        "settled date",
        "settleddate",
        "betalingsdato",
        "innbetalingsdato",
        "betalt dato",
        "betalningsdatum",
        "betaldatum",
        "indbetalingsdato",
        "betalt",
        "innbetalt dato",
        "slutbetald",
        "closed at date",
        "bilagsdato",
    ),
    "write_off_ref": ("write off ref", "write off id", "avskrivning nr", "avskrivningsnr", "nedskrivning nr"),
    "reason": ("reason", "årsak", "arsak", "orsak", "årsag", "begrunnelse", "kommentar"),
    "rate": ("rate", "exchange rate", "kurs", "valutakurs", "växelkurs"),
    "unit": ("unit", "enhet", "enhed", "per"),
    # open-items (aged receivables, åpne poster, kundreskontra) and control-totals (balance per customer)
    "original_amount": (
        "original amount",
        "invoice amount",
        "amount",
        "opprinnelig beløp",
        "opprinnelig belop",
        "fakturabeløp",
        "fakturabelopp",
        "fakturabeløb",
        "ursprungligt belopp",
        "oprindeligt beløb",
        "beløp",
        "belopp",
        "beløb",
        "brutto",
        "belop",
        "total",
        "amount including vat",
        "beløp inkl mva",
        "belopp inkl moms",
        "beløb inkl moms",
    ),
    "remaining_amount": (
        "remaining amount",
        "remaining",
        "open amount",
        "outstanding",
        "balance",
        "restbeløp",
        "restbelop",
        "rest",
        "restbelopp",
        "restbeløb",
        "utestående",
        "åpent beløp",
        "gjenstående",
        "resterende",
        "kvarstående",
        "udestående",
        "saldo",
        "kvar att betala",
        "remainder",
    ),
    "snapshot_date": (
        "snapshot date",
        "snapshot",
        "as of",
        "as of date",
        "per dato",
        "pr dato",
        "uttaksdato",
        "per datum",
        "saldodato",
    ),
    "balance": (
        "balance",
        "customer balance",
        "open balance",
        "balance due",
        "outstanding",
        "total outstanding",
        "saldo",
        "kundesaldo",
        "kundsaldo",
        "debitorsaldo",
        "reskontrosaldo",
        "utgående saldo",
        "utestående",
        "udestående",
        "total",
        "totalt",
        "sum",
        "summa",
        "i alt",
        "amount",
        "beløp",
        "belopp",
        "beløb",
    ),
    "date": (
        "as of",
        "as of date",
        "balance date",
        "saldodato",
        "per dato",
        "pr dato",
        "rapportdato",
    ),
}
SYNONYMS["document_number"] = tuple(
    dict.fromkeys(
        (
            "document number",
            "document no",
            *SYNONYMS["invoice_number"],
            *(
                "document",
                "invoice number",
                "invoice no",
                "invoice",
                "fakturanr",
                "faktura nr",
                "fakturanummer",
                "faktura",
                "dokumentnr",
                "dokumentnummer",
                "bilagsnr",
                "bilagsnummer",
                "bilag",
            ),
        )
    )
)


# A header that says only "date" means the kind's own date
GENERIC_DATES = frozenset({"date", "dato", "datum"})
# Headers that name a column only loosely: matched after the specific ones, so that in a file with both, the
# issue date is Fakturadato (not Bilagsdato), the invoice number Fakturanr (not Bilagsnr), the customer Kundenr
# (not Kunde, which holds the name) and the amount "Amount Including VAT" (not Business Central's net "Amount")
GENERIC_HEADERS = frozenset(
    {"date", "dato", "datum", "bilagsnr", "bilagsdato", "type", "total", "sum", "amount", "number", "customer",
     "kunde", "kund", "debitor", "account", "invoice", "faktura", "betalt", "brutto"}
)  # fmt: skip
PRIMARY_DATE = {
    "invoices": "issue_date",
    "payments": "payment_date",
    "write-offs": "date",
    "fx-rates": "date",
    "credit-reports": "report_date",
    "company-events": "event_date",
    "control-totals": "date",
    OPEN_ITEMS: "issue_date",
}


class IngestError(ValueError):
    """A file that cannot be read as the kind asked for, with the reason in words."""


@dataclass(frozen=True)
class Dialect:
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    decimal: str = "."
    thousands: str = ""
    date_format: str = "%Y-%m-%d"

    def describe(self) -> str:
        sep = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "bar"}.get(self.delimiter, self.delimiter)
        thousands = {"": "none", " ": "space", "\u00a0": "space", ".": "point", ",": "comma", "'": "apostrophe"}
        mark = "comma" if self.decimal == "," else "point"
        groups = thousands.get(self.thousands, self.thousands)
        dates = DATE_LABELS.get(self.date_format, self.date_format)
        return f"encoding {self.encoding}, separator {sep}, decimal mark {mark}, thousands {groups}, dates {dates}"

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Dialect:
        unknown = set(d) - {"encoding", "delimiter", "decimal", "thousands", "date_format"}
        if unknown:
            raise IngestError(f"unknown dialect setting(s): {', '.join(sorted(unknown))}")
        out = cls(**{k: str(v) for k, v in d.items()})
        if out.decimal not in (".", ","):
            raise IngestError(f"decimal mark must be '.' or ',', not {out.decimal!r}")
        if out.date_format not in DATE_FORMATS:
            raise IngestError(f"date format {out.date_format!r} is not one of {', '.join(DATE_FORMATS)}")
        return out


@dataclass(frozen=True)
class ColumnMap:
    """Which column of the file feeds each canonical column: (canonical, file header) pairs."""

    kind: str
    columns: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        if self.kind not in FORMATS:
            raise IngestError(f"unknown kind {self.kind!r}; choose one of {', '.join(FORMATS)}")
        fmt = FORMATS[self.kind]
        wrong = [c for c, _ in self.columns if c not in fmt.columns]
        if wrong:
            raise IngestError(
                f"{', '.join(wrong)} is not a column of {self.kind}; the columns are {', '.join(fmt.columns)}"
            )
        targets = [c for c, _ in self.columns]
        twice = sorted({c for c in targets if targets.count(c) > 1})
        if twice:
            raise IngestError(f"{', '.join(twice)} is mapped more than once")

    @property
    def source_of(self) -> dict[str, str]:
        return dict(self.columns)

    def missing(self) -> list[str]:
        return [c for c in FORMATS[self.kind].required if c not in self.source_of]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": {c: s for c, s in self.columns}}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnMap:
        if not isinstance(d, dict) or "kind" not in d or not isinstance(d.get("columns"), dict):
            raise IngestError('a mapping is {"kind": KIND, "columns": {"canonical column": "column in the file"}}')
        return cls(str(d["kind"]), tuple((str(c), str(s)) for c, s in d["columns"].items()))


def normalise(header: str) -> str:
    """Header text compared loosely: case, accents, æøå, punctuation and spaces do not matter."""
    text = header.strip().casefold()
    text = text.replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("ä", "a").replace("ö", "o")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", text)


_FLAG_HEADERS = frozenset(normalise(h) for h in CREDIT_FLAGS)
_LOOKUP: dict[str, list[str]] = {}
for _canonical, _variants in SYNONYMS.items():
    for _v in (_canonical, _canonical.replace("_", " "), *_variants):
        _LOOKUP.setdefault(normalise(_v), []).append(_canonical)


# Bytes that Windows-1252 leaves undefined (Python's cp1252 codec refuses them)
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
BOM = codecs.BOM_UTF8


def detect_encoding(blocks: Iterable[bytes]) -> str:
    """The encoding of a whole file given block by block: UTF-8 with a BOM, UTF-8, else Windows-1252.

    One pass that keeps nothing but the decoder's state, so a Windows-1252 letter in the last row of a large
    file is seen. Bytes that are neither raise IngestError naming the first such byte and its position."""
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8, offset = True, 0
    not_cp1252: tuple[int, int] | None = None
    for block in blocks:
        if offset == 0 and block.startswith(BOM):
            return "utf-8-sig"
        if is_utf8:
            try:
                utf8.decode(block)
            except UnicodeDecodeError:
                is_utf8 = False
        if not_cp1252 is None and (bad := _NOT_CP1252.search(block)):
            not_cp1252 = (block[bad.start()], offset + bad.start())
        if not is_utf8 and not_cp1252 is not None:
            break
        offset += len(block)
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
    if not_cp1252 is not None:
        byte, position = not_cp1252
        raise IngestError(
            f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{byte:02x} at position {position}): "
            "is it a CSV or Excel file?"
        )
    return "cp1252"


def first_undecodable(blocks: Iterable[bytes], encoding: str) -> tuple[int, int] | None:
    """(position, byte) of the first byte that is not text in `encoding`, counted from the file's first byte;
    None when the whole file decodes. Used to name the place when a file streamed in pieces stops decoding."""
    sig = codecs.lookup(encoding).name == "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8" if sig else encoding)()
    offset = 0
    for block in blocks:
        if offset == 0 and sig and block.startswith(BOM):
            block, offset = block[len(BOM) :], len(BOM)
        held = decoder.getstate()[0]
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            data = held + block
            return offset - len(held) + exc.start, data[exc.start]
        offset += len(block)
    held = decoder.getstate()[0]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        return offset - len(held) + exc.start, held[exc.start]
    return None


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read with: UTF-8 (with or without BOM), else Windows-1252."""
    encoding = encoding or detect_encoding([data])
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as exc:
        raise IngestError(f"the file cannot be read as {encoding}: {exc}") from exc


def sniff_delimiter(text: str) -> str:
    """The separator that splits the header and the first rows into the same number (>1) of fields."""
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if not lines:
        raise IngestError("the file is empty")
    best, best_fields = ",", 1
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=d)]
        if counts and counts[0] > 1 and all(c == counts[0] for c in counts) and counts[0] > best_fields:
            best, best_fields = d, counts[0]
    return best


def read_table(text: str, delimiter: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
        rows = [r for r in reader if any(v.strip() for v in r)]
    except StopIteration:
        raise IngestError("the file is empty") from None
    except csv.Error as exc:
        raise IngestError(f"the file cannot be read as CSV: {exc}") from exc
    return header, rows


def auto_map(headers: Sequence[str], kind: str) -> tuple[ColumnMap, list[str]]:
    """The canonical column each header means (first match wins), and the headers left unmapped.

    Specific headers are matched before generic ones (GENERIC_HEADERS), and a header that can mean two columns
    of the kind (Bilagsnr in a payments file: the payment's or the invoice's number) after those that cannot, to
    a required column before an optional one."""
    if kind not in FORMATS:
        raise IngestError(f"unknown kind {kind!r}; choose one of {', '.join(FORMATS)}")
    fmt = FORMATS[kind]
    allowed = fmt.columns
    pairs: list[tuple[str, str]] = []
    taken: set[str] = set()
    # exact canonical names first, then synonyms: "date" in a write-off file is the canonical `date`
    for h in headers:
        if h in allowed and h not in taken:
            pairs.append((h, h))
            taken.add(h)
    rest = [h for h in headers if all(s != h for _, s in pairs)]
    meanings = {h: [c for c in _LOOKUP.get(normalise(h), []) if c in allowed] for h in rest}
    for h in sorted(rest, key=lambda h: (normalise(h) in GENERIC_HEADERS, len(meanings[h]) > 1)):  # stable
        key = normalise(h)
        candidates = sorted((c for c in meanings[h] if c not in taken), key=lambda c: c not in fmt.required)
        primary = PRIMARY_DATE.get(kind)
        if key in GENERIC_DATES and primary in allowed and primary not in taken:
            candidates = [primary]  # a plain "Dato" is the kind's own date: a payment's date, a rate's date
        if candidates:
            pairs.append((candidates[0], h))
            taken.add(candidates[0])
    mapped = {s for _, s in pairs}
    unmapped = [h for h in headers if h not in mapped]
    order = {c: i for i, c in enumerate(allowed)}
    return ColumnMap(kind, tuple(sorted(pairs, key=lambda p: order[p[0]]))), unmapped


def _parses(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value.strip(), fmt)
    except ValueError:
        return False
    return True


def detect_date_format(values: Iterable[str]) -> str:
    """The format most values parse in (the first of the list on a tie: day-first before month-first when both
    do). A value the winning format does not read (31.09.2026 among dd.mm.yyyy dates) is then reported by its row;
    only when no format reads any value is the file refused here."""
    sample = [v.strip() for v in values if v and v.strip()][:2000]
    if not sample:
        return DATE_FORMATS[0]
    parsed = {fmt: sum(_parses(v, fmt) for v in sample) for fmt in DATE_FORMATS}
    best = max(DATE_FORMATS, key=lambda f: parsed[f])
    if parsed[best]:
        return best
    raise IngestError(
        f"the dates (e.g. {sample[0]!r}) are in none of the known formats: {', '.join(DATE_LABELS.values())}"
    )


def detect_number_format(values: Iterable[str]) -> tuple[str, str]:
    """(decimal mark, thousands separator) of amount texts such as 1 234,50 / 1.234,50 / 1,234.50 / 47.07."""
    sample = [v.strip().replace("\u00a0", " ") for v in values if v and v.strip()][:2000]
    comma_dec = point_dec = 0
    spaces = False
    for v in sample:
        spaces |= " " in v
        last_c, last_p = v.rfind(","), v.rfind(".")
        if last_c >= 0 and last_p >= 0:
            if last_c > last_p:
                comma_dec += 1
            else:
                point_dec += 1
        elif last_c >= 0 and not re.search(r",\d{3}$", v):
            comma_dec += 1
        elif last_p >= 0 and not re.search(r"\.\d{3}$", v):
            point_dec += 1
    if comma_dec > point_dec:
        has_point_groups = any("." in v for v in sample)
        return ",", "." if has_point_groups else (" " if spaces else "")
    has_comma_groups = any("," in v for v in sample)
    return ".", "," if has_comma_groups else (" " if spaces else "")


def detect_formats(
    dialect: Dialect, header: Sequence[str], rows: Sequence[Sequence[str]], mapping: ColumnMap
) -> Dialect:
    """The dialect with the decimal mark, thousands separator and date format of the mapped amount and date columns
    (the first 2,000 values of each kind are looked at)."""
    index = {h: i for i, h in enumerate(header)}
    dates, amounts = [], []
    for canonical, source in mapping.columns:
        if source not in index:
            continue
        col = [r[index[source]] for r in rows if index[source] < len(r)]
        if canonical in DATE_COLUMNS:
            dates.extend(col)
        elif canonical in AMOUNT_COLUMNS:
            amounts.extend(col)
    decimal, thousands = detect_number_format(amounts)
    return replace(dialect, decimal=decimal, thousands=thousands, date_format=detect_date_format(dates))


def detect_dialect(
    data: bytes, mapping: ColumnMap | None = None, encoding: str | None = None
) -> tuple[Dialect, list[str], list[list[str]]]:
    """Encoding and separator from the text; decimal mark and date format from the mapped amount and date columns.
    `encoding` when it is known already (found over the whole of a file of which `data` is the start)."""
    text, encoding = decode(data, encoding)
    delimiter = sniff_delimiter(text)
    header, rows = read_table(text, delimiter)
    dialect = Dialect(encoding=encoding, delimiter=delimiter)
    if mapping is None:
        return dialect, header, rows
    return detect_formats(dialect, header, rows, mapping), header, rows


@dataclass(frozen=True)
class Problem:
    row: int  # 1 = the header
    column: str
    value: str
    problem: str


PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# Document types as ERPs write them
KIND_VALUES = {
    normalise(v): k
    for k, values in {
        "invoice": ("invoice", "faktura", "inv", "debet", "debit"),
        "credit_note": (
            "credit note", "credit_note", "creditnote", "credit", "kreditnota", "kreditfaktura", "kredit",
            "kreditnote", "cn", "credit memo",
        ),
    }.items()
    for v in values
}  # fmt: skip


_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")  # what domain.money.parse_amount reads


def _amount_example(dialect: Dialect) -> str:
    """How an amount of the detected format looks: 1 234,50, 1.234,50, 1,234.50, 1234.50."""
    groups = " " if dialect.thousands == "\u00a0" else dialect.thousands
    return f"1{groups}234{dialect.decimal}50"


def _cell(row: Sequence[str], i: int) -> str:
    return row[i] if i < len(row) else ""


def _amount(text: str, dialect: Dialect) -> str:
    v = text.strip().replace("\u00a0", " ")
    negative = v.endswith("-") or (v.startswith("(") and v.endswith(")"))
    v = v.rstrip("-").strip("()").strip()
    if dialect.thousands:
        v = v.replace(dialect.thousands, "")
    v = v.replace(" ", "").replace("'", "")
    if dialect.decimal == ",":
        v = v.replace(",", ".")
    if negative and v and not v.startswith("-"):
        v = "-" + v
    return v


def check_mapping(header: Sequence[str], mapping: ColumnMap) -> dict[str, int]:
    """The position of each header; IngestError when the mapping names a column the file lacks or leaves a required
    column unmapped."""
    index = {h: i for i, h in enumerate(header)}
    absent = [s for _, s in mapping.columns if not s.startswith("=") and s not in index]
    absent += [p for _, s in mapping.columns if s.startswith("=") for p in PLACEHOLDER.findall(s) if p not in index]
    if absent:
        raise IngestError(f"the mapping names column(s) the file does not have: {', '.join(absent)}")
    missing = mapping.missing()
    if missing:
        raise IngestError(
            f"missing required column(s) for {mapping.kind}: {', '.join(missing)}; the file's columns are "
            f"{', '.join(header)} (map them by hand or save a preset)"
        )
    return index


def canonical_row(
    row: Sequence[str], n: int, index: dict[str, int], mapping: ColumnMap, dialect: Dialect
) -> tuple[list[str], list[Problem]]:
    """One row of the file (row `n`, the header being row 1) as the canonical row's values, in the mapping's column
    order, and the dates in it that do not parse."""
    values: list[str] = []
    problems: list[Problem] = []
    for canonical, source in mapping.columns:
        if source.startswith("="):  # a constant ("=NOK") or a template ("=P-{invoiceNumber}")
            raw = PLACEHOLDER.sub(lambda m: _cell(row, index[m.group(1)]).strip(), source[1:])
        else:
            raw = _cell(row, index[source])
        v = raw.strip()
        if v and canonical == "kind":
            flags = FLAG_VALUES if normalise(source) in _FLAG_HEADERS else {}
            v = flags.get(v.casefold(), KIND_VALUES.get(normalise(v), v))
        if v and canonical in DATE_COLUMNS:
            try:
                v = datetime.strptime(v, dialect.date_format).date().isoformat()
            except ValueError:
                problems.append(Problem(n, source, raw, f"not a date in the format {DATE_LABELS[dialect.date_format]}"))
        elif v and canonical in AMOUNT_COLUMNS:
            v = _amount(v, dialect)
            if not _NUMBER.fullmatch(v):
                what = "a number" if canonical in ("rate", "pd_percent") else "an amount"
                problems.append(Problem(n, source, raw, f"not {what} in the format {_amount_example(dialect)}"))
        values.append(v)
    return values, problems


def to_canonical(
    header: Sequence[str], rows: Sequence[Sequence[str]], mapping: ColumnMap, dialect: Dialect
) -> tuple[str, list[Problem]]:
    """The rows as a canonical CSV (header = the mapped canonical columns; ISO dates; '.' decimals), row for row,
    so the canonical import's row numbers are the file's. Dates that do not parse are reported here."""
    index = check_mapping(header, mapping)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([c for c, _ in mapping.columns])
    problems: list[Problem] = []
    for n, r in enumerate(rows, start=2):
        values, found = canonical_row(r, n, index, mapping, dialect)
        problems += found
        w.writerow(values)
    return out.getvalue(), problems
