"""Daily open-items snapshots: the file format, strict row parsing, and the plan that turns the ledger's state at
the snapshot date into the documents, inferred payments and credit-note applications that reproduce the snapshot.

Pure: no SQL, no clock. data_access.open_items_import reads the ledger, calls `plan_snapshot` and writes the plan.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NoReturn

from domain.canonical import FieldError, parse_currency, parse_date, parse_money

KIND = "open-items"  # its canonical format is FORMATS["open-items"] in domain.canonical; due_date may be empty for a
# credit note (it defaults to the issue date, as in the invoices format)
MAX_REF = 64  # invoices.invoice_number, payments.payment_ref and customers.customer_ref are 64 characters
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class OpenItemRow:
    """One open document of the snapshot. Amounts are signed: negative for a credit note."""

    row: int  # spreadsheet row of the file (header = 1), 0 when built in code
    document_number: str
    customer_ref: str
    kind: str  # invoice | credit_note, from the sign of original_amount
    issue_date: date
    due_date: date
    original_amount: Decimal
    remaining_amount: Decimal
    currency: str
    payment_date: date | None = None


@dataclass(frozen=True)
class Problem:
    """Why a file is refused: the file row (0: the file as a whole), column, value and what is wrong."""

    row: int
    column: str
    value: str
    problem: str


class FileProblems(ValueError):
    """A file that cannot be applied; `problems` lists every reason found."""

    default = "invalid file"

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(self.problems[0].problem if self.problems else self.default)


class SnapshotError(FileProblems):
    """The snapshot cannot be applied."""

    default = "invalid snapshot"


def payment_ref(document_number: str, snapshot_date: date) -> str:
    """The inferred payment's reference: `OI-<document>-<snapshot date>`, so a rerun finds its own payments.

    A document number too long for the 64-character reference is replaced by a digest of it (still deterministic).
    """
    ref = f"OI-{document_number}-{snapshot_date.isoformat()}"
    if len(ref) <= MAX_REF:
        return ref
    digest = hashlib.sha256(document_number.encode()).hexdigest()[:24]
    return f"OI-{digest}-{snapshot_date.isoformat()}"


# --- parsing ----------------------------------------------------------------------------------


def _fail(column: str, value: str, problem: str) -> NoReturn:
    e = FieldError(problem)
    e.column, e.value = column, value  # type: ignore[attr-defined]
    raise e


def _text(row: Mapping[str, str], col: str) -> str:
    return (row.get(col) or "").strip()


def _required(row: Mapping[str, str], col: str) -> str:
    v = _text(row, col)
    if not v:
        _fail(col, "", "is required")
    return v


def _ref(row: Mapping[str, str], col: str) -> str:
    v = _required(row, col)
    if len(v) > MAX_REF:
        _fail(col, v, f"at most {MAX_REF} characters, got {len(v)}")
    return v


def _field(row: Mapping[str, str], col: str, fn):
    """fn(text) with a FieldError tagged by the column and the value as written."""
    try:
        return fn(_text(row, col))
    except FieldError as exc:
        if not hasattr(exc, "column"):
            exc.column, exc.value = col, row.get(col, "")  # type: ignore[attr-defined]
        raise


def parse_open_item(row: Mapping[str, str], snapshot_date: date, n: int = 0) -> OpenItemRow:
    """Typed values of one row; raises FieldError with `.column` and `.value`. `snapshot_date` is the file's date
    (checked against the row's own snapshot_date by `parse_snapshot`)."""
    number = _ref(row, "document_number")
    customer = _ref(row, "customer_ref")
    issue = _field(row, "issue_date", lambda v: parse_date(v) if v else _fail("issue_date", "", "is required"))
    original = _field(
        row, "original_amount", lambda v: parse_money(v) if v else _fail("original_amount", "", "is required")
    )
    if original == 0:
        _fail("original_amount", row.get("original_amount", ""), "must not be zero (negative for a credit note)")
    kind = "invoice" if original > 0 else "credit_note"
    due_text = _text(row, "due_date")
    if not due_text and kind == "invoice":
        _fail("due_date", "", "is required for an invoice (a credit note may leave it empty)")
    due = _field(row, "due_date", lambda v: parse_date(v) if v else issue)
    remaining = _field(
        row, "remaining_amount", lambda v: parse_money(v) if v else _fail("remaining_amount", "", "is required")
    )
    written = row.get("remaining_amount", "")
    if remaining == 0:
        _fail("remaining_amount", written, "must not be zero: an open-items file lists open documents only")
    if (remaining > 0) != (original > 0):
        _fail("remaining_amount", written, f"must have the sign of original_amount ({original})")
    if abs(remaining) > abs(original):
        _fail("remaining_amount", written, f"is larger than original_amount ({original})")
    currency = _field(row, "currency", parse_currency)
    paid = _field(row, "payment_date", lambda v: parse_date(v) if v else None)
    if due < issue:
        _fail("due_date", row.get("due_date", ""), f"due date {due} is before the issue date {issue}")
    if issue > snapshot_date:
        _fail("issue_date", row.get("issue_date", ""), f"is after the snapshot date {snapshot_date}")
    if paid is not None and paid > snapshot_date:
        _fail("payment_date", row.get("payment_date", ""), f"is after the snapshot date {snapshot_date}")
    if paid is not None and paid < issue:
        _fail("payment_date", row.get("payment_date", ""), f"is before the issue date {issue}")
    return OpenItemRow(n, number, customer, kind, issue, due, original, remaining, currency, paid)


def parse_snapshot(
    rows: Sequence[Mapping[str, str]], snapshot_date: date | None = None
) -> tuple[date, list[OpenItemRow]]:
    """The snapshot date and the typed rows of a file; raises SnapshotError listing every bad value.

    `rows` are text rows keyed by column, each with its spreadsheet row number under "__row__" (as
    data_access.imports.read_rows gives them). The date is `snapshot_date` when given, else the file's
    snapshot_date column, which must then be the same on every row.
    """
    problems: list[Problem] = []
    dated: list[tuple[int, date]] = []
    for i, row in enumerate(rows):
        n = int(row.get("__row__") or i + 2)
        written = _text(row, "snapshot_date")
        if not written:
            if snapshot_date is None:
                problems.append(Problem(n, "snapshot_date", "", "is required (or give the snapshot date separately)"))
            continue
        try:
            d = parse_date(written)
        except FieldError as exc:
            problems.append(Problem(n, "snapshot_date", row.get("snapshot_date", ""), str(exc)))
            continue
        if snapshot_date is not None and d != snapshot_date:
            problems.append(
                Problem(n, "snapshot_date", written, f"differs from the snapshot date given ({snapshot_date})")
            )
        dated.append((n, d))
    if snapshot_date is None and dated:
        first_row, snapshot_date = dated[0]
        for n, d in dated[1:]:
            if d != snapshot_date:
                problems.append(
                    Problem(
                        n,
                        "snapshot_date",
                        d.isoformat(),
                        f"differs from row {first_row} ({snapshot_date}): a file holds one snapshot date",
                    )
                )
    if snapshot_date is None:
        problems.append(Problem(0, "snapshot_date", "", "no snapshot date: the file has none; give it separately"))
        raise SnapshotError(problems)
    out: list[OpenItemRow] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        n = int(row.get("__row__") or i + 2)
        try:
            item = parse_open_item(row, snapshot_date, n)
        except FieldError as exc:
            problems.append(Problem(n, getattr(exc, "column", ""), getattr(exc, "value", ""), str(exc)))
            continue
        if item.document_number in seen:
            problems.append(
                Problem(
                    n,
                    "document_number",
                    item.document_number,
                    f"duplicate key, first seen in row {seen[item.document_number]}",
                )
            )
            continue
        seen[item.document_number] = n
        out.append(item)
    if problems:
        raise SnapshotError(problems)
    return snapshot_date, out


# --- the plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerDoc:
    """An invoice or credit note of the ledger as of the snapshot date, before the snapshot is applied."""

    number: str
    kind: str  # invoice | credit_note
    customer_ref: str
    currency: str
    issue_date: date
    due_date: date
    amount: Decimal  # signed, as stored
    open_amount: Decimal  # signed open amount as of the snapshot date; 0 when not open then
    open_until: date  # the day it was fully allocated (far future while open)
    credited_invoice: str | None = None


@dataclass(frozen=True)
class NewDocument:
    number: str
    customer_ref: str
    kind: str
    issue_date: date
    due_date: date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class PlannedPayment:
    """An inferred payment naming one invoice: the fall of its open amount (closes: it left the open items)."""

    ref: str
    customer_ref: str
    invoice_number: str
    payment_date: date
    amount: Decimal
    currency: str
    closes: bool


@dataclass(frozen=True)
class CreditApplication:
    """A credit note that left the open items, applied to an invoice whose open amount fell by at least as much."""

    credit_note: str
    invoice_number: str
    customer_ref: str
    amount: Decimal  # positive: the credit absorbed


@dataclass(frozen=True)
class Plan:
    snapshot_date: date
    new_documents: tuple[NewDocument, ...] = ()
    payments: tuple[PlannedPayment, ...] = ()
    applications: tuple[CreditApplication, ...] = ()
    # every invoice and credit note open after applying, with its signed open amount (the check after writing)
    expected_open: Mapping[str, Decimal] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()


def _money(d: Decimal) -> str:
    return f"{d:.2f}"


def _conflicts(r: OpenItemRow, doc: LedgerDoc, d: date) -> list[Problem]:
    """The snapshot row contradicts the stored document (other customer, currency, amount or issue date)."""
    label = "credit note" if doc.kind == "credit_note" else "invoice"
    out = []
    for column, ours, theirs in (
        ("customer_ref", doc.customer_ref, r.customer_ref),
        ("currency", doc.currency, r.currency),
        ("original_amount", _money(doc.amount), _money(r.original_amount)),
        ("issue_date", doc.issue_date.isoformat(), r.issue_date.isoformat()),
    ):
        if ours != theirs:
            out.append(
                Problem(r.row, column, theirs, f"{label} {doc.number} has {column} {ours} in the ledger, not {theirs}")
            )
    if out:
        return out
    if doc.open_amount == 0:
        out.append(
            Problem(
                r.row,
                "document_number",
                doc.number,
                f"{label} {doc.number} was closed in the ledger on {doc.open_until} (open amount 0.00), but the "
                f"snapshot of {d} lists it open with {_money(r.remaining_amount)} remaining",
            )
        )
    elif abs(r.remaining_amount) > abs(doc.open_amount):
        out.append(
            Problem(
                r.row,
                "remaining_amount",
                _money(r.remaining_amount),
                f"is more than {label} {doc.number}'s open amount in the ledger as of {d} "
                f"({_money(doc.open_amount)}): a snapshot cannot reopen part of a document",
            )
        )
    return out


def plan_snapshot(
    snapshot_date: date,
    rows: Iterable[OpenItemRow],
    ledger: Mapping[str, LedgerDoc],
    previous_snapshot: date | None = None,
) -> Plan:
    """What reproduces the snapshot of `snapshot_date` from the ledger's state at that date.

    `ledger` holds every invoice and credit note open at the snapshot date and every one the snapshot names
    (keyed by number). Rules (docs/data-formats.md, "Open-items snapshots"):
    - a document the ledger lacks is added with its original amount; an invoice's paid part becomes a payment;
    - an invoice whose open amount fell gets a payment for the fall; one that left the list, a payment for all
      of it; dated the row's payment_date, else the snapshot date; ref `payment_ref(number, date)`;
    - a credit note that left the list is applied to an invoice of the same customer and currency whose open
      amount fell by at least the credit (exact fall first), and that invoice's payment shrinks by it; with no
      such invoice, or a credit note used in part, the ledger keeps the credit and a warning says so;
    - a document the ledger closed on or before the date, a higher open amount, or other stored facts
      (customer, currency, original amount, issue date) refuse the whole snapshot.
    """
    d = snapshot_date
    rows = list(rows)
    problems: list[Problem] = []
    warnings: list[str] = []
    new_docs: list[NewDocument] = []
    payments: dict[str, PlannedPayment] = {}  # by invoice number
    expected: dict[str, Decimal] = {}
    listed = {r.document_number for r in rows}
    seen: set[str] = set()

    def pay(r: OpenItemRow, amount: Decimal) -> None:
        when = r.payment_date or d
        payments[r.document_number] = PlannedPayment(
            payment_ref(r.document_number, d), r.customer_ref, r.document_number, when, amount, r.currency, False
        )
        if previous_snapshot is not None and r.payment_date is not None and when <= previous_snapshot < d:
            warnings.append(
                f"invoice {r.document_number}: the payment of {_money(amount)} is dated {when}, on or before the "
                f"previous snapshot ({previous_snapshot}); that day's open AR changes and no longer matches its "
                "control total"
            )

    for r in rows:
        if r.document_number in seen:
            problems.append(Problem(r.row, "document_number", r.document_number, "listed twice in the snapshot"))
            continue
        seen.add(r.document_number)
        if r.issue_date > d:
            problems.append(Problem(r.row, "issue_date", r.issue_date.isoformat(), f"is after the snapshot date {d}"))
            continue
        if r.payment_date is not None and r.payment_date > d:
            problems.append(
                Problem(r.row, "payment_date", r.payment_date.isoformat(), f"is after the snapshot date {d}")
            )
            continue
        doc = ledger.get(r.document_number)
        if doc is None:
            new_docs.append(
                NewDocument(
                    r.document_number, r.customer_ref, r.kind, r.issue_date, r.due_date, r.original_amount, r.currency
                )
            )
            if r.kind == "invoice":
                expected[r.document_number] = r.remaining_amount
                if r.remaining_amount < r.original_amount:
                    pay(r, r.original_amount - r.remaining_amount)
            else:
                expected[r.document_number] = r.original_amount
                if r.remaining_amount != r.original_amount:
                    warnings.append(
                        f"credit note {r.document_number} is new with {_money(r.remaining_amount)} of "
                        f"{_money(r.original_amount)} left; a credit note cannot be applied in part, so the ledger "
                        f"holds all {_money(r.original_amount)} "
                        f"({_money(r.remaining_amount - r.original_amount)} more credit than the snapshot)"
                    )
            continue
        found = _conflicts(r, doc, d)
        if found:
            problems.extend(found)
            continue
        if r.due_date != doc.due_date:
            warnings.append(
                f"{doc.kind.replace('_', ' ')} {doc.number}: the snapshot gives due date {r.due_date}, the ledger "
                f"{doc.due_date}; the ledger keeps its date (import the invoices file to change it)"
            )
        if doc.kind == "invoice":
            expected[doc.number] = r.remaining_amount
            if r.remaining_amount < doc.open_amount:
                pay(r, doc.open_amount - r.remaining_amount)
        else:
            expected[doc.number] = doc.open_amount
            if r.remaining_amount != doc.open_amount:
                warnings.append(
                    f"credit note {doc.number}: the snapshot shows {_money(r.remaining_amount)} left, the ledger "
                    f"{_money(doc.open_amount)}; a credit note cannot be applied in part, so the ledger keeps "
                    f"{_money(doc.open_amount)} ({_money(r.remaining_amount - doc.open_amount)} more credit than "
                    "the snapshot)"
                )

    gone = sorted(
        (doc for doc in ledger.values() if doc.number not in listed and doc.open_amount != 0),
        key=lambda doc: (doc.issue_date, doc.number),
    )
    for doc in gone:
        if doc.kind == "invoice":
            payments[doc.number] = PlannedPayment(
                payment_ref(doc.number, d), doc.customer_ref, doc.number, d, doc.open_amount, doc.currency, True
            )
    applications: list[CreditApplication] = []
    for doc in gone:
        if doc.kind != "credit_note":
            continue
        credit = -doc.open_amount
        if doc.credited_invoice is not None:
            expected[doc.number] = doc.open_amount
            warnings.append(
                f"credit note {doc.number} ({_money(doc.open_amount)}) left the open items, but it names invoice "
                f"{doc.credited_invoice}, which has nothing left to absorb it; it stays open in the ledger"
            )
            continue
        candidates = [
            p
            for p in payments.values()
            if p.customer_ref == doc.customer_ref and p.currency == doc.currency and p.amount >= credit
        ]
        if not candidates:
            expected[doc.number] = doc.open_amount
            warnings.append(
                f"credit note {doc.number} ({_money(doc.open_amount)} {doc.currency}) disappeared without an invoice "
                f"to absorb it (no invoice of {doc.customer_ref} fell by at least {_money(credit)} on {d}); it stays "
                "open in the ledger"
            )
            continue
        best = min(candidates, key=lambda p: (p.amount != credit, p.amount, p.invoice_number))
        applications.append(CreditApplication(doc.number, best.invoice_number, doc.customer_ref, credit))
        rest = best.amount - credit
        if rest == 0:
            del payments[best.invoice_number]
        else:
            payments[best.invoice_number] = PlannedPayment(
                best.ref, best.customer_ref, best.invoice_number, best.payment_date, rest, best.currency, best.closes
            )

    return Plan(
        snapshot_date=d,
        new_documents=tuple(new_docs),
        payments=tuple(sorted(payments.values(), key=lambda p: p.ref)),
        applications=tuple(applications),
        expected_open={k: v for k, v in expected.items() if v != 0},
        problems=tuple(problems),
        warnings=tuple(warnings),
    )


def totals_by_currency(rows: Iterable[OpenItemRow]) -> dict[str, Decimal]:
    """The snapshot's remaining amounts summed per currency."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in rows:
        out[r.currency] += r.remaining_amount
    return dict(out)
