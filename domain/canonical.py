"""The canonical CSV formats: columns, and strict parsing of one row into typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from domain.fx import is_currency_code, looks_like_currency_code
from domain.identifiers import COUNTRIES, OrgNumberError, normalise_org_number
from domain.money import MoneyError, parse_amount

MAX_AMOUNT = Decimal("500000000.00")  # per document; keeps every converted product exact in 64-bit SQL integers
MAX_RATE = Decimal("180")
STATUSES = ("active", "credit_hold", "prepayment_only")
COLLECTION_STATUSES = ("none", "notice_sent", "with_agency", "closed")
# Register event codes the app acts on: the risk rules' severe and role events (domain.risk.RiskRules), the
# credit-hold events (domain.policy.AlertThresholds) and the labelled ones (components.messages.EVENT_LABELS)
EVENT_TYPES = (
    "bankruptcy",
    "bankruptcy_petition",
    "liquidation",
    "forced_dissolution",
    "debt_restructuring",
    "role_change",
    "address_change",
    "deleted",
)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NACE = re.compile(r"^\d{2}(\.\d{1,2}){0,2}$")


@dataclass(frozen=True)
class Format:
    kind: str
    key: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


FORMATS: dict[str, Format] = {
    "customers": Format(
        "customers",
        "customer_ref",
        ("customer_ref", "name"),
        (
            "org_number",
            "country",
            "currency",
            "payment_terms_days",
            "credit_limit",
            "insured_limit",
            "status",
            "segment",
            "industry_code",
            "parent_ref",
            "affiliate",
            "government",
            "sales_owner",
        ),
    ),
    "invoices": Format(
        "invoices",
        "invoice_number",
        ("invoice_number", "customer_ref", "issue_date", "due_date", "amount", "currency"),
        ("kind", "credited_invoice", "disputed_amount", "pledged_to"),
    ),
    "payments": Format(
        "payments",
        "payment_ref",
        ("payment_ref", "customer_ref", "payment_date", "amount", "currency"),
        ("invoice_number",),
    ),
    "write-offs": Format(
        "write-offs", "write_off_ref", ("write_off_ref", "invoice_number", "date", "amount"), ("reason",)
    ),
    "fx-rates": Format("fx-rates", "currency+date", ("date", "currency", "rate"), ("unit",)),
    "dunning-status": Format(
        "dunning-status",
        "invoice_number",
        ("invoice_number", "reminder_level"),
        ("last_reminder_date", "last_deadline_date", "fees_charged", "notice_sent_date", "collection_status"),
    ),
    # The bureau feeds name the customer by customer_ref or org_number (at least one); the key includes the
    # customer the importer resolves, so it is checked there, not by the generic duplicate check.
    "credit-reports": Format(
        "credit-reports",
        "customer+report_date+source",
        ("report_date", "source"),
        (
            "customer_ref",
            "org_number",
            "score",
            "rating",
            "remarks_count",
            "remarks_amount",
            "uc_class",
            "pd_percent",
        ),
    ),
    "company-events": Format(
        "company-events",
        "customer+event_date+event_type+source",
        ("event_date", "event_type", "source"),
        ("customer_ref", "org_number", "text"),
    ),
    # These two have import paths of their own (data_access.open_items_import, data_access.control_totals); they
    # are here so that an ERP's export of them is read, mapped and previewed like every other kind.
    # The day's list of open documents; due_date may be empty for a credit note (domain.open_items).
    "open-items": Format(
        "open-items",
        "document_number",
        (
            "document_number",
            "customer_ref",
            "issue_date",
            "due_date",
            "original_amount",
            "remaining_amount",
            "currency",
        ),
        ("snapshot_date", "payment_date"),
    ),
    # The ERP's receivables total of a date, or its balance per customer (domain.control_totals).
    "control-totals": Format(
        "control-totals",
        "date+customer+currency",
        ("balance",),
        ("date", "customer_ref", "org_number", "currency"),
    ),
}
# kinds that data_access.imports.import_file does not import (each has its own path; data_access.ingest routes)
OWN_PATH_KINDS = ("open-items", "control-totals")
CUSTOMER_COLUMNS = ("customer_ref", "org_number")  # the bureau kinds need at least one of them


class FieldError(ValueError):
    """One value that does not parse; the importer adds the row and column."""


def parse_date(v: str) -> date:
    s = v.strip()
    if not _ISO.match(s):
        raise FieldError(f"'{v}' is not an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(s)
    except ValueError as exc:
        raise FieldError(f"'{v}' is not a valid date") from exc


def parse_money(v: str, *, allow_negative: bool = True) -> Decimal:
    try:
        d = parse_amount(v)
    except MoneyError as exc:
        raise FieldError(str(exc)) from exc
    if abs(d) > MAX_AMOUNT:
        raise FieldError(f"{v} exceeds the largest supported amount per document ({MAX_AMOUNT})")
    if not allow_negative and d < 0:
        raise FieldError(f"{v} must not be negative")
    return d


def parse_int(v: str, *, minimum: int = 0) -> int:
    s = v.strip()
    if not re.fullmatch(r"-?\d+", s):
        raise FieldError(f"'{v}' is not a whole number")
    n = int(s)
    if n < minimum:
        raise FieldError(f"{n} is below the minimum {minimum}")
    return n


def parse_currency(v: str) -> str:
    s = v.strip()
    if not looks_like_currency_code(s):
        raise FieldError(f"'{v}' is not a three-letter upper-case currency code (e.g. NOK, EUR)")
    if not is_currency_code(s):
        raise FieldError(f"'{v}' is not an ISO 4217 currency code (e.g. NOK, SEK, DKK, EUR)")
    return s


def parse_bool(v: str) -> bool:
    s = v.strip().lower()
    if s in ("true", "1", "yes"):
        return True
    if s in ("false", "0", "no", ""):
        return False
    raise FieldError(f"'{v}' is not true/false")


def parse_rate(v: str) -> Decimal:
    s = v.strip()
    if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,12})?", s):
        raise FieldError(f"'{v}' is not a positive decimal number (e.g. 11.4523)")
    d = Decimal(s)
    if d <= 0:
        raise FieldError(f"'{v}' must be a positive number")
    return d


def _req(row: dict[str, str], col: str) -> str:
    v = (row.get(col) or "").strip()
    if not v:
        raise FieldError("is required")
    return v


def _opt(row: dict[str, str], col: str) -> str | None:
    v = (row.get(col) or "").strip()
    return v or None


def parse_row(kind: str, row: dict[str, str], base_currency: str) -> dict[str, Any]:
    """Typed values of one canonical row; raises FieldError tagged with the column via `.column`."""
    out: dict[str, Any] = {}

    def field(col, fn):
        try:
            out[col] = fn()
        except FieldError as exc:
            exc.column = col  # type: ignore[attr-defined]
            exc.value = row.get(col, "")  # type: ignore[attr-defined]
            raise

    if kind == "customers":
        field("customer_ref", lambda: _req(row, "customer_ref"))
        field("name", lambda: _req(row, "name"))
        field("country", lambda: _country(_opt(row, "country")))
        field("org_number", lambda: _org(out["country"], _opt(row, "org_number")))
        field("currency", lambda: parse_currency(_opt(row, "currency") or base_currency))
        field("payment_terms_days", lambda: parse_int(_opt(row, "payment_terms_days") or "30"))
        field("credit_limit", lambda: _opt_money(row, "credit_limit"))
        field("insured_limit", lambda: _opt_money(row, "insured_limit"))
        field("status", lambda: _status(_opt(row, "status") or "active"))
        field("segment", lambda: _opt(row, "segment"))
        field("industry_code", lambda: _nace(_opt(row, "industry_code")))
        field("parent_ref", lambda: _opt(row, "parent_ref"))
        field("affiliate", lambda: parse_bool(row.get("affiliate") or ""))
        field("government", lambda: parse_bool(row.get("government") or ""))
        field("sales_owner", lambda: (_opt(row, "sales_owner") or "").lower() or None)
        if out["parent_ref"] == out["customer_ref"]:
            e = FieldError("a customer cannot be its own parent")
            e.column, e.value = "parent_ref", out["parent_ref"]  # type: ignore[attr-defined]
            raise e
    elif kind == "invoices":
        field("invoice_number", lambda: _req(row, "invoice_number"))
        field("customer_ref", lambda: _req(row, "customer_ref"))
        field("kind", lambda: _doc_kind(_opt(row, "kind") or "invoice"))
        field("issue_date", lambda: parse_date(_req(row, "issue_date")))
        is_cn = out["kind"] == "credit_note"
        field("due_date", lambda: parse_date(_opt(row, "due_date") or (row["issue_date"] if is_cn else "")))
        field("amount", lambda: _signed_amount(_req(row, "amount"), is_cn))
        field("currency", lambda: parse_currency(_req(row, "currency")))
        field("credited_invoice", lambda: _credited(_opt(row, "credited_invoice"), is_cn))
        field("disputed_amount", lambda: _disputed(_opt(row, "disputed_amount"), out["amount"]))
        field("pledged_to", lambda: _pledged(_opt(row, "pledged_to"), is_cn))
        if out["due_date"] < out["issue_date"]:
            e = FieldError(f"due date {out['due_date']} is before the issue date {out['issue_date']}")
            e.column, e.value = "due_date", row.get("due_date", "")  # type: ignore[attr-defined]
            raise e
    elif kind == "payments":
        field("payment_ref", lambda: _req(row, "payment_ref"))
        field("customer_ref", lambda: _req(row, "customer_ref"))
        field("payment_date", lambda: parse_date(_req(row, "payment_date")))
        field("amount", lambda: _positive(_req(row, "amount")))
        field("currency", lambda: parse_currency(_req(row, "currency")))
        field("invoice_number", lambda: _opt(row, "invoice_number"))
    elif kind == "write-offs":
        field("write_off_ref", lambda: _req(row, "write_off_ref"))
        field("invoice_number", lambda: _req(row, "invoice_number"))
        field("date", lambda: parse_date(_req(row, "date")))
        field("amount", lambda: _positive(_req(row, "amount")))
        field("reason", lambda: _opt(row, "reason"))
    elif kind == "fx-rates":
        field("date", lambda: parse_date(_req(row, "date")))
        field("currency", lambda: parse_currency(_req(row, "currency")))
        field("unit", lambda: parse_int(_opt(row, "unit") or "1", minimum=1))
        field("rate", lambda: _rate(_req(row, "rate"), out["unit"]))
        if out["currency"] == base_currency:
            e = FieldError(f"{base_currency} is the base currency; it needs no rate")
            e.column, e.value = "currency", out["currency"]  # type: ignore[attr-defined]
            raise e
    elif kind == "dunning-status":
        field("invoice_number", lambda: _req(row, "invoice_number"))
        field("reminder_level", lambda: parse_int(_req(row, "reminder_level")))
        field("last_reminder_date", lambda: _opt_date(row, "last_reminder_date"))
        field("last_deadline_date", lambda: _opt_date(row, "last_deadline_date"))
        field("fees_charged", lambda: parse_money(_opt(row, "fees_charged") or "0", allow_negative=False))
        field("notice_sent_date", lambda: _opt_date(row, "notice_sent_date"))
        field("collection_status", lambda: _collection_status(_opt(row, "collection_status") or "none"))
        level, reminded, deadline = out["reminder_level"], out["last_reminder_date"], out["last_deadline_date"]
        if level > 0 and reminded is None:
            _raise("last_reminder_date", "", f"is required when reminder_level is above 0 (here {level})")
        if deadline is not None and reminded is not None and deadline < reminded:
            _raise(
                "last_deadline_date",
                row.get("last_deadline_date", ""),
                f"deadline {deadline} is before the last reminder date {reminded}",
            )
        if out["collection_status"] == "notice_sent" and out["notice_sent_date"] is None:
            _raise("notice_sent_date", "", "is required when collection_status is notice_sent")
    elif kind in ("credit-reports", "company-events"):
        field("customer_ref", lambda: _opt(row, "customer_ref"))
        field("org_number", lambda: _opt(row, "org_number"))
        if out["customer_ref"] is None and out["org_number"] is None:
            _raise("customer_ref,org_number", "", "give the customer: customer_ref or org_number (at least one)")
        if kind == "credit-reports":
            field("report_date", lambda: parse_date(_req(row, "report_date")))
            field("source", lambda: _text(_req(row, "source"), 50))
            field("score", lambda: _opt_between(row, "score", 0, 100, "is not on the 0-100 scale"))
            field("rating", lambda: _opt_text(row, "rating", 20))
            field("remarks_count", lambda: parse_int(_opt(row, "remarks_count") or "0"))
            field("remarks_amount", lambda: parse_money(_opt(row, "remarks_amount") or "0", allow_negative=False))
            field(
                "uc_class",
                lambda: _opt_between(
                    row, "uc_class", 1, 5, "is not a UC risk class (1 = very high risk ... 5 = very low risk)"
                ),
            )
            field("pd_percent", lambda: _opt_pd(_opt(row, "pd_percent")))
        else:
            field("event_date", lambda: parse_date(_req(row, "event_date")))
            field("event_type", lambda: _event_type(_req(row, "event_type")))
            field("source", lambda: _text(_req(row, "source"), 50))
            field("text", lambda: _opt(row, "text"))
    else:
        raise ValueError(f"unknown import kind '{kind}'")
    return out


def _text(v: str, max_len: int) -> str:
    if len(v) > max_len:
        raise FieldError(f"at most {max_len} characters, got {len(v)}")
    return v


def _opt_text(row: dict[str, str], col: str, max_len: int) -> str | None:
    v = _opt(row, col)
    return None if v is None else _text(v, max_len)


def _opt_between(row: dict[str, str], col: str, low: int, high: int, problem: str) -> int | None:
    """An optional whole number on a bounded scale (a bureau score, a UC risk class)."""
    v = _opt(row, col)
    if v is None:
        return None
    if not re.fullmatch(r"-?\d+", v):
        raise FieldError(f"'{v}' is not a whole number")
    n = int(v)
    if not low <= n <= high:
        raise FieldError(f"{n} {problem}")
    return n


def _opt_pd(v: str | None) -> Decimal | None:
    """The bureau's 12-month PD as a percent (UC riskprognos 1.25 = 1.25 %), at most 2 decimals."""
    if v is None:
        return None
    if not re.fullmatch(r"-?\d+(\.\d+)?", v):
        raise FieldError(f"'{v}' is not a number (a percent with . as the decimal mark, e.g. 1.25)")
    d = Decimal(v)
    if d != d.quantize(Decimal("0.01")):
        raise FieldError(f"{v} has more than 2 decimals")
    if not Decimal(0) <= d <= Decimal(100):
        raise FieldError(f"{v} is not a percentage between 0 and 100")
    return d.quantize(Decimal("0.01"))


def _event_type(v: str) -> str:
    if v not in EVENT_TYPES:
        raise FieldError(f"'{v}' is not a known register event; use one of {', '.join(EVENT_TYPES)}")
    return v


def _raise(column: str, value: str, problem: str) -> NoReturn:
    """A rule across columns failed: blame the column that has to change."""
    e = FieldError(problem)
    e.column, e.value = column, value  # type: ignore[attr-defined]
    raise e


def _opt_date(row: dict[str, str], col: str) -> date | None:
    v = _opt(row, col)
    return None if v is None else parse_date(v)


def _collection_status(v: str) -> str:
    if v not in COLLECTION_STATUSES:
        raise FieldError(f"'{v}' is not one of {', '.join(COLLECTION_STATUSES)}")
    return v


def _country(v: str | None) -> str | None:
    if v is None:
        return None
    s = v.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", s):
        raise FieldError(f"'{v}' is not a two-letter country code")
    return s


def _org(country: str | None, v: str | None) -> str | None:
    if v is None:
        return None
    if country is None:
        raise FieldError("an organisation number needs a country to be checked")
    if country not in COUNTRIES:
        return v.strip()
    try:
        return normalise_org_number(country, v)
    except OrgNumberError as exc:
        raise FieldError(str(exc)) from exc


def _opt_money(row: dict[str, str], col: str) -> Decimal | None:
    v = _opt(row, col)
    return None if v is None else parse_money(v, allow_negative=False)


def _status(v: str) -> str:
    if v not in STATUSES:
        raise FieldError(f"'{v}' is not one of {', '.join(STATUSES)}")
    return v


def _nace(v: str | None) -> str | None:
    if v is not None and not _NACE.match(v):
        raise FieldError(f"'{v}' is not a NACE code (e.g. 46.90)")
    return v


def _doc_kind(v: str) -> str:
    if v not in ("invoice", "credit_note"):
        raise FieldError(f"'{v}' is not 'invoice' or 'credit_note'")
    return v


def _signed_amount(v: str, is_credit_note: bool) -> Decimal:
    d = parse_money(v)
    if is_credit_note and d >= 0:
        raise FieldError(f"a credit note needs a negative amount, not {v}")
    if not is_credit_note and d <= 0:
        raise FieldError(f"an invoice needs a positive amount, not {v} (use kind=credit_note for credits)")
    return d


def _positive(v: str) -> Decimal:
    d = parse_money(v)
    if d <= 0:
        raise FieldError(f"{v} must be a positive amount")
    return d


def _pledged(value: str | None, is_credit_note: bool) -> str | None:
    """The factor or bank an invoice is factored or pledged to (free text, at most 100 characters)."""
    if value is None:
        return None
    if is_credit_note:
        raise FieldError("only an invoice can be factored or pledged, not a credit note")
    if len(value) > 100:
        raise FieldError(f"at most 100 characters, got {len(value)}")
    return value


def _credited(v: str | None, is_credit_note: bool) -> str | None:
    if v is not None and not is_credit_note:
        raise FieldError("only a credit note can name a credited invoice")
    return v


def _disputed(v: str | None, amount: Decimal) -> Decimal:
    if v is None:
        return Decimal("0.00")
    d = parse_money(v, allow_negative=False)
    if d > abs(amount):
        raise FieldError(f"disputed amount {d} exceeds the document amount {abs(amount)}")
    return d


def _rate(v: str, unit: int) -> Decimal:
    d = parse_rate(v) / unit
    if d != d.quantize(Decimal("0.000001")):
        raise FieldError(f"rate {v} per {unit} has more than 6 decimals per unit")
    if d > MAX_RATE:
        raise FieldError(f"rate {d} per unit exceeds the supported maximum {MAX_RATE}")
    return d.quantize(Decimal("0.000001"))
