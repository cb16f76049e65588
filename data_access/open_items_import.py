"""Open-items snapshots (kind `open-items`): the ERP's list of open documents at a date becomes new documents,
inferred payments and credit-note applications, checked document by document and stored as that day's
control total. One call is one snapshot in the caller's transaction; on ImportFailed the caller rolls back."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Date, bindparam, delete, func, insert, select, text, update

from data_access.asof import aging, open_items, open_items_sql
from data_access.control_totals import StoredLine, store_control_total
from data_access.import_journal import RowChange, begin_import, finish_import, journal_deletes, journal_updates
from data_access.imports import MAX_LISTED_ERRORS, ImportFailed, RowError, read_rows, remove_demo_data
from data_access.kpis import rates_as_of
from data_access.ledger import base_currency, bump_data_version, rebuild_allocations, utcnow
from data_access.schema import Allocation, CashApplication, ControlTotal, Customer, Invoice, Payment
from domain.aging import Basis
from domain.allocation import AllocationError
from domain.fx import MissingFxRate
from domain.money import convert, from_minor
from domain.open_items import (
    KIND,
    CreditApplication,
    LedgerDoc,
    OpenItemRow,
    PlannedPayment,
    Problem,
    SnapshotError,
    parse_snapshot,
    payment_ref,
    plan_snapshot,
)

# The control total's source starts with this; it also marks which control totals came from snapshots (the
# latest one is the date a new snapshot may not precede). A credit note applied by a snapshot is recorded as a
# cash application whose reason starts with "<CONTROL_SOURCE> <date>:".
CONTROL_SOURCE = "open-items snapshot"
DEFAULT_AUTHOR = "open-items import"


@dataclass(frozen=True)
class OpenItemsResult:
    """What one snapshot changed. A rerun of the same file changes nothing and lists nothing new."""

    snapshot_date: date
    file_name: str | None
    rows: int
    inserted_documents: tuple[str, ...]  # documents new to the ledger
    partial_payments: tuple[PlannedPayment, ...]  # new or changed payments that leave their invoice open
    closing_payments: tuple[PlannedPayment, ...]  # new or changed payments for invoices that left the list
    applied_credit_notes: tuple[CreditApplication, ...]  # credit notes newly applied to an invoice
    removed_payments: tuple[str, ...]  # an earlier run of this date inferred them; this file does not
    unchanged_payments: int
    created_customers: tuple[str, ...]
    control_total: Decimal  # the snapshot's total in the base currency, stored as the ERP control total
    ledger_total: Decimal  # our aging total as of the snapshot date after applying
    control_total_added: bool  # False when the same total from the same source was already stored for the date
    warnings: tuple[str, ...]
    demo_removed: bool = False
    import_id: int | None = None  # its number in the import log (for `import undo`)

    @property
    def closed_documents(self) -> tuple[str, ...]:
        """Invoices closed by a payment and credit notes closed by an application in this run."""
        return tuple(p.invoice_number for p in self.closing_payments) + tuple(
            a.credit_note for a in self.applied_credit_notes
        )

    @property
    def difference(self) -> Decimal:
        """Our open AR minus the snapshot's (non-zero only for what the warnings name)."""
        return self.ledger_total - self.control_total

    @property
    def payments_inferred(self) -> int:
        """New or changed payments of this run (partial and closing)."""
        return len(self.partial_payments) + len(self.closing_payments)

    @property
    def notes(self) -> list[str]:
        """What the caller prints after the summary: created customers and the warnings."""
        out = [f"{len(self.created_customers)} customer(s) created from the file (named by their reference)"]
        return (out if self.created_customers else []) + [f"warning: {w}" for w in self.warnings]

    def summary(self) -> str:
        s = (
            f"{KIND} {self.snapshot_date}: {self.rows} rows, {len(self.inserted_documents)} documents added, "
            f"{len(self.partial_payments)} partial payments, {len(self.closed_documents)} documents closed, "
            f"control total {self.control_total:.2f}"
        )
        if self.difference:
            s += f", our open AR differs by {self.difference:.2f}"
        if self.demo_removed:
            s += " (demo data removed first; demo mode ended)"
        return s


def _fail(problems: Sequence[Problem]) -> ImportFailed:
    return ImportFailed(KIND, [RowError(p.row, p.column, p.value, p.problem) for p in problems][:MAX_LISTED_ERRORS])


def _file_error(column: str, value: str, problem: str) -> ImportFailed:
    return ImportFailed(KIND, [RowError(0, column, value, problem)])


# --- reading the file -------------------------------------------------------------------------


def read_open_items(data: bytes) -> list[dict[str, str]]:
    """Decode and split an open-items CSV into text rows (with "__row__"); header problems raise ImportFailed.
    The same reader and rules as every canonical kind (UTF-8, strict header), with the open-items format."""
    return read_rows(KIND, data)


def parse_open_items(rows: Sequence[dict[str, str]], snapshot_date: date | None = None) -> tuple[date, list]:
    """(snapshot date, typed rows) of text rows; every bad value is a RowError in one ImportFailed."""
    try:
        return parse_snapshot(rows, snapshot_date)
    except SnapshotError as exc:
        raise _fail(exc.problems) from exc


def import_open_items_file(
    conn: Connection,
    data: bytes,
    file_name: str | None = None,
    *,
    snapshot_date: date | None = None,
    author: str | None = None,
    create_customers: bool = False,
    allow_empty: bool = False,
) -> OpenItemsResult:
    """Read, parse and apply one open-items CSV (see apply_open_items)."""
    day, rows = parse_open_items(read_open_items(data), snapshot_date)
    return apply_open_items(
        conn,
        rows,
        day,
        file_name,
        author,
        create_customers=create_customers,
        allow_empty=allow_empty,
        file_sha256=hashlib.sha256(data).hexdigest(),
    )


# --- reading the ledger -----------------------------------------------------------------------


def _chunks(seq, size=500):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _snapshot_dates(conn: Connection, snapshot_date: date) -> tuple[date | None, date | None]:
    """(the latest snapshot date applied, the latest one before this date) from the snapshot control totals."""
    is_snapshot = ControlTotal.source.like(f"{CONTROL_SOURCE}%")
    latest = conn.execute(select(func.max(ControlTotal.as_of)).where(is_snapshot)).scalar()
    before = conn.execute(
        select(func.max(ControlTotal.as_of)).where(is_snapshot, ControlTotal.as_of < snapshot_date)
    ).scalar()
    return latest, before


def _customer_ids(conn: Connection, refs) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in _chunks(sorted(set(refs))):
        out.update(
            conn.execute(select(Customer.customer_ref, Customer.id).where(Customer.customer_ref.in_(chunk))).all()
        )
    return out


def _open_as_of(conn: Connection, day: date) -> list:
    """Every open item as of `day` in its own currency (kind, ref, customer_id, open_minor), no conversion needed."""
    sql = open_items_sql(conn, Basis.DUE) + "\nSELECT kind, ref, customer_id, currency, open_minor FROM conv"
    stmt = text(sql).bindparams(bindparam("as_of", type_=Date))
    return conn.execute(stmt, {"as_of": day, "base": base_currency(conn)}).all()


def _ledger_docs(conn: Connection, numbers: set[str], open_by_ref: dict[str, Decimal]) -> dict[str, LedgerDoc]:
    cols = (
        Invoice.invoice_number,
        Invoice.kind,
        Customer.customer_ref,
        Invoice.currency,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.amount,
        Invoice.open_until,
        Invoice.credited_invoice,
    )
    out = {}
    for chunk in _chunks(sorted(numbers)):
        stmt = select(*cols).join(Customer, Customer.id == Invoice.customer_id).where(Invoice.invoice_number.in_(chunk))
        for r in conn.execute(stmt):
            out[r.invoice_number] = LedgerDoc(
                r.invoice_number,
                r.kind,
                r.customer_ref,
                r.currency,
                r.issue_date,
                r.due_date,
                r.amount,
                open_by_ref.get(r.invoice_number, Decimal("0.00")),
                r.open_until,
                r.credited_invoice,
            )
    return out


def _prior_inferences(conn: Connection, day: date) -> tuple[dict, dict]:
    """What an earlier run of this same date wrote: its payments by ref, and its credit-note applications by
    credit note id (only those still in force)."""
    pays = {}
    for r in conn.execute(select(Payment.__table__).where(Payment.payment_ref.like(f"OI-%-{day.isoformat()}"))):
        if r.invoice_number is not None and r.payment_ref == payment_ref(r.invoice_number, day):
            pays[r.payment_ref] = r
    apps = {}
    stmt = (
        select(CashApplication.__table__, Invoice.invoice_number.label("credit_note"))
        .join(Invoice, Invoice.id == CashApplication.doc_id)
        .where(
            CashApplication.doc_kind == "credit_note",
            CashApplication.reversed_at.is_(None),
            CashApplication.reason.like(f"{CONTROL_SOURCE} {day.isoformat()}:%"),
            Invoice.credited_invoice == CashApplication.new_invoice_number,
        )
    )
    for r in conn.execute(stmt):
        apps[r.doc_id] = r
    return pays, apps


def _undo(conn: Connection, pays: dict, apps: dict, import_id: int) -> set[int]:
    """Take back an earlier run of this date, so the ledger is as it was before that snapshot; returns the
    customers whose allocations were rebuilt. Kept rows are written back with their ids by `_write`. What is taken
    back goes into this import's journal, so that undoing this import brings the earlier run back."""
    customers = {r.customer_id for r in pays.values()} | {r.customer_id for r in apps.values()}
    if not customers:
        return customers
    journal_deletes(conn, import_id, "payments", [dict(r._mapping) for r in pays.values()])
    ids = [r.id for r in pays.values()]
    for chunk in _chunks(ids):
        conn.execute(delete(Allocation).where(Allocation.payment_id.in_(chunk)))
        conn.execute(delete(Payment).where(Payment.id.in_(chunk)))
    _set_credited(conn, [(r.doc_id, r.old_invoice_number) for r in apps.values()], import_id)
    rebuild_allocations(conn, customers)
    return customers


def _set_credited(conn: Connection, changes: Sequence[tuple[int, str | None]], import_id: int) -> None:
    """Point credit notes at an invoice (or at none), journalled for the import's undo."""
    journal = []
    for doc_id, number in changes:
        old = conn.execute(select(Invoice.credited_invoice, Invoice.import_id).where(Invoice.id == doc_id)).one()
        if old.credited_invoice == number:
            continue
        conn.execute(update(Invoice).where(Invoice.id == doc_id).values(credited_invoice=number, import_id=import_id))
        journal.append(
            RowChange(
                {"id": doc_id}, {"credited_invoice": old.credited_invoice}, {"credited_invoice": number}, old.import_id
            )
        )
    if journal:
        journal_updates(conn, import_id, "invoices", journal)


# --- applying -----------------------------------------------------------------------------------


def apply_open_items(
    conn: Connection,
    rows: Sequence[OpenItemRow],
    snapshot_date: date,
    file_name: str | None = None,
    author: str | None = None,
    *,
    create_customers: bool = False,
    allow_empty: bool = False,
    file_sha256: str | None = None,
) -> OpenItemsResult:
    """Apply the snapshot of `snapshot_date` in the caller's transaction (all or nothing: on ImportFailed the
    caller rolls back; imports.log_failed_import records the rejection in a transaction of its own).

    Adds the documents the ledger lacks, infers payments from falling open amounts (ref `OI-<doc>-<date>`),
    applies credit notes that left the list (domain.open_items.plan_snapshot), rebuilds the touched customers'
    allocations, checks that every document's open amount as of the date is what the plan expects, stores the
    snapshot's base-currency total as the ERP control total of the date, logs the import and bumps the data
    version. A rerun of the same date first takes back what the earlier run inferred, so the same file changes
    nothing and a corrected file replaces it. A date before the latest snapshot applied is refused.
    """
    started = utcnow()
    author = (author or "").strip() or DEFAULT_AUTHOR
    day = snapshot_date
    rows = list(rows)
    latest, previous = _snapshot_dates(conn, day)
    if latest is not None and day < latest:
        raise _file_error(
            "snapshot_date",
            day.isoformat(),
            f"a snapshot of {latest} has been applied already; snapshots apply in date order (the latest date may be "
            "applied again)",
        )
    if not rows and not allow_empty:
        raise _file_error(
            "",
            "",
            f"the snapshot of {day} lists no open documents; applying it would close every open document "
            "(allow an empty snapshot explicitly if that is right)",
        )

    # the demo portfolio goes first (its customers, rates and documents are not the ERP's; its documents would all
    # look paid); a refused snapshot rolls this back with everything else
    demo_removed = remove_demo_data(conn)
    import_id = begin_import(
        conn,
        kind=KIND,
        source="ledger",
        file_name=file_name,
        file_sha256=file_sha256,
        author=author,
        started_at=started,
    )
    base = base_currency(conn)
    rates = rates_as_of(conn, day)
    missing_rates = sorted({r.currency for r in rows if r.currency != base and r.currency not in rates})
    if missing_rates:
        raise ImportFailed(
            KIND,
            [
                RowError(0, "currency", c, f"no {c} exchange rate on or before {day}; import the fx-rates first")
                for c in missing_rates
            ],
        )
    ids = _customer_ids(conn, {r.customer_ref for r in rows})
    unknown = [r for r in rows if r.customer_ref not in ids]
    if unknown and not create_customers:
        raise _fail([Problem(r.row, "customer_ref", r.customer_ref, "unknown customer") for r in unknown])

    prior_pays, prior_apps = _prior_inferences(conn, day)
    try:
        undone = _undo(conn, prior_pays, prior_apps, import_id)
    except AllocationError as exc:
        raise _file_error("", "", str(exc)) from exc

    state = _open_as_of(conn, day)
    open_by_ref = {r.ref: from_minor(r.open_minor) for r in state if r.kind != "payment"}
    ledger = _ledger_docs(conn, {r.document_number for r in rows} | set(open_by_ref), open_by_ref)
    plan = plan_snapshot(day, rows, ledger, previous)
    if plan.problems:
        raise _fail(plan.problems)

    created = _create_customers(conn, rows, ids, base, import_id)
    ids.update(created)
    # customers of invoices and credit notes that left the list are not named by the file
    others = {p.customer_ref for p in plan.payments} | {a.customer_ref for a in plan.applications}
    ids.update(_customer_ids(conn, others - set(ids)))
    touched = undone | {ids[r.customer_ref] for r in rows} | {ids[ref] for ref in others}
    for n in plan.new_documents:
        conn.execute(
            insert(Invoice).values(
                invoice_number=n.number,
                customer_id=ids[n.customer_ref],
                kind=n.kind,
                issue_date=n.issue_date,
                due_date=n.due_date,
                amount=n.amount,
                currency=n.currency,
                import_id=import_id,
            )
        )
    new_pays, changed_pays, unchanged = _write_payments(conn, plan.payments, prior_pays, ids, import_id)
    new_apps = _write_applications(conn, plan.applications, prior_apps, day, file_name, author, ids, import_id)
    try:
        rebuild_allocations(conn, touched)
    except AllocationError as exc:
        raise _file_error("", "", str(exc)) from exc

    ledger_total, snapshot_total, warnings = _verify(conn, day, rows, plan, rates, base)
    source = f"{CONTROL_SOURCE} {file_name or day.isoformat()}"[:100]
    added = store_control_total(
        conn, day, snapshot_total, source, author, _control_lines(rows, ids, rates, base), import_id=import_id
    )

    changed = new_pays + changed_pays
    result = OpenItemsResult(
        snapshot_date=day,
        file_name=file_name,
        rows=len(rows),
        inserted_documents=tuple(n.number for n in plan.new_documents),
        partial_payments=tuple(p for p in changed if not p.closes),
        closing_payments=tuple(p for p in changed if p.closes),
        applied_credit_notes=tuple(new_apps),
        removed_payments=tuple(sorted(set(prior_pays) - {p.ref for p in plan.payments})),
        unchanged_payments=unchanged,
        created_customers=tuple(sorted(created)),
        control_total=snapshot_total,
        ledger_total=ledger_total,
        control_total_added=added,
        warnings=(*plan.warnings, *warnings),
        demo_removed=demo_removed,
        import_id=import_id,
    )
    finish_import(
        conn,
        import_id,
        rows=len(rows),
        inserted=len(plan.new_documents) + len(new_pays),
        updated=len(changed_pays) + len(new_apps) + len(result.removed_payments),
        message=result.summary(),
    )
    bump_data_version(conn)
    return result


def _control_lines(rows: list[OpenItemRow], ids: dict[str, int], rates: dict, base: str) -> list[StoredLine]:
    """The snapshot per customer and currency: the remaining amounts, and their base amounts converted document by
    document (0.01 half-up each, as the aging converts), so the lines add up to the snapshot's total exactly."""
    sums: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for r in rows:
        amount, in_base = sums.get((r.customer_ref, r.currency), (Decimal("0.00"), Decimal("0.00")))
        converted = r.remaining_amount if r.currency == base else convert(r.remaining_amount, rates[r.currency])
        sums[(r.customer_ref, r.currency)] = (amount + r.remaining_amount, in_base + converted)
    return [StoredLine(ids[ref], ref, cur, a, b) for (ref, cur), (a, b) in sorted(sums.items())]


def _create_customers(
    conn: Connection, rows: list[OpenItemRow], ids: dict[str, int], base: str, import_id: int
) -> dict[str, int]:
    """Customers the file names but the ledger lacks, named by their reference; their currency is that of their
    documents when all are in one currency, else the base currency."""
    currencies: dict[str, set[str]] = {}
    for r in rows:
        if r.customer_ref not in ids:
            currencies.setdefault(r.customer_ref, set()).add(r.currency)
    for ref, cur in sorted(currencies.items()):
        conn.execute(
            insert(Customer).values(
                customer_ref=ref, name=ref, currency=next(iter(cur)) if len(cur) == 1 else base, import_id=import_id
            )
        )
    return _customer_ids(conn, currencies) if currencies else {}


def _write_payments(
    conn: Connection, planned: Sequence[PlannedPayment], prior: dict, ids: dict[str, int], import_id: int
) -> tuple[list[PlannedPayment], list[PlannedPayment], int]:
    """Insert the plan's payments; one an earlier run of the date wrote keeps its id. Returns (new, changed,
    unchanged count) against that earlier run."""
    new, changed, unchanged, values = [], [], 0, []
    for p in planned:
        row = {
            "payment_ref": p.ref,
            "customer_id": ids[p.customer_ref],
            "payment_date": p.payment_date,
            "amount": p.amount,
            "currency": p.currency,
            "invoice_number": p.invoice_number,
        }
        old = prior.get(p.ref)
        if old is None:
            new.append(p)
        else:
            row["id"] = old.id
            if all(old._mapping[k] == v for k, v in row.items()):
                unchanged += 1
            else:
                changed.append(p)
        values.append({**row, "import_id": import_id})
    # an executemany needs the same columns in every row: the rows that keep their id go in apart
    for group in ([v for v in values if "id" in v], [v for v in values if "id" not in v]):
        for chunk in _chunks(group, 5000):
            conn.execute(insert(Payment), chunk)
    return new, changed, unchanged


def _write_applications(
    conn: Connection,
    planned: Sequence[CreditApplication],
    prior: dict,
    day: date,
    file_name: str | None,
    author: str,
    ids: dict[str, int],
    import_id: int,
) -> list[CreditApplication]:
    """Point each credit note at its invoice and record it as a cash application (audit trail, reversible on the
    customer page); an earlier run's application that still holds is kept as it is, one that no longer holds is
    marked reversed. Returns the new applications."""
    numbers = {a.credit_note for a in planned}
    cn_ids: dict[str, int] = {}
    for chunk in _chunks(sorted(numbers)):
        cn_ids.update(
            conn.execute(select(Invoice.invoice_number, Invoice.id).where(Invoice.invoice_number.in_(chunk))).all()
        )
    new, kept = [], set()
    _set_credited(conn, [(cn_ids[a.credit_note], a.invoice_number) for a in planned], import_id)
    for a in planned:
        doc_id = cn_ids[a.credit_note]
        old = prior.get(doc_id)
        if old is not None and old.new_invoice_number == a.invoice_number:
            kept.add(doc_id)
            continue
        new.append(a)
        conn.execute(
            insert(CashApplication).values(
                customer_id=ids[a.customer_ref],
                doc_kind="credit_note",
                doc_id=doc_id,
                old_invoice_number=None,
                new_invoice_number=a.invoice_number,
                reason=(
                    f"{CONTROL_SOURCE} {day.isoformat()}: credit note {a.credit_note} left the open items"
                    f"{f' ({file_name})' if file_name else ''}; applied to invoice {a.invoice_number}, whose open "
                    f"amount fell by at least {a.amount:.2f} that day"
                ),
                author=author,
                applied_at=utcnow(),
                import_id=import_id,
            )
        )
    reversed_ = []
    for doc_id, old in prior.items():
        if doc_id not in kept:
            now = utcnow()
            conn.execute(
                update(CashApplication)
                .where(CashApplication.id == old.id)
                .values(reversed_at=now, reversed_by=author, import_id=import_id)
            )
            reversed_.append(
                RowChange(
                    {"id": old.id},
                    {"reversed_at": old.reversed_at, "reversed_by": old.reversed_by},
                    {"reversed_at": now, "reversed_by": author},
                    old.import_id,
                )
            )
    if reversed_:
        journal_updates(conn, import_id, "cash_applications", reversed_)
    return new


def _verify(
    conn: Connection, day: date, rows: list[OpenItemRow], plan, rates: dict, base: str
) -> tuple[Decimal, Decimal, list[str]]:
    """Every invoice's and credit note's open amount as of the date is the plan's; returns (our aging total, the
    snapshot's total, warnings). Both totals convert each document at the closing rate, 0.01 half-up."""
    try:
        items = open_items(conn, day)
        ledger_total = aging(conn, day).total
    except MissingFxRate as exc:
        raise _file_error("currency", exc.currency, str(exc)) from exc
    actual = {i.ref: i.open_amount for i in items if i.kind != "payment"}
    wrong = [
        RowError(
            0,
            "document_number",
            ref,
            f"after applying, {ref} is open {actual.get(ref, Decimal('0.00')):.2f} as of {day} in the ledger, but the "
            f"snapshot needs {plan.expected_open.get(ref, Decimal('0.00')):.2f} (a payment or credit dated after "
            "the snapshot, or another import, changed how the allocation rules apply)",
        )
        for ref in sorted(set(actual) | set(plan.expected_open))
        if actual.get(ref, Decimal("0.00")) != plan.expected_open.get(ref, Decimal("0.00"))
    ]
    if wrong:
        raise ImportFailed(KIND, wrong[:MAX_LISTED_ERRORS])
    snapshot_total = sum(
        (r.remaining_amount if r.currency == base else convert(r.remaining_amount, rates[r.currency]) for r in rows),
        Decimal("0.00"),
    )
    warnings = []
    on_account = [i for i in items if i.kind == "payment"]
    if on_account:
        amount = sum((i.base_amount for i in on_account), Decimal("0.00"))
        warnings.append(
            f"{len(on_account)} payment(s) on account ({-amount:.2f} {base}) are open in the ledger as of {day}; "
            "an open-items snapshot does not list them, so our open AR is lower by that much"
        )
    return ledger_total, snapshot_total, warnings
