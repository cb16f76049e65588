"""The ERP's control totals by customer: importing a control-totals file (a customer balance list, an aging by
customer, or plain totals), storing a date's total with its per-customer lines, and comparing those lines with our
open AR by customer from the as-of aging. Calls run in the caller's transaction; on ImportFailed it rolls back."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, insert, select

from data_access.asof import aging
from data_access.import_journal import begin_import, finish_import
from data_access.imports import (
    MAX_LISTED_ERRORS,
    ImportFailed,
    RowError,
    org_forms,
    org_matches,
    read_rows,
    remove_demo_data,
)
from data_access.kpis import rates_as_of
from data_access.ledger import base_currency, bump_data_version, utcnow
from data_access.schema import ControlTotal, ControlTotalLine, Customer
from domain.control_totals import (
    KIND,
    BalanceRow,
    ControlTotalError,
    ErpBalance,
    OurBalance,
    Reconciliation,
    by_date,
    erp_total,
    parse_balances,
    reconcile,
    to_base,
)
from domain.fx import MissingFxRate
from domain.money import q2

DEFAULT_AUTHOR = "control-totals import"
LOG_SOURCE = "control_totals"  # the import log's source: not the ledger's freshness (no document changes)


@dataclass(frozen=True)
class StoredLine:
    """A customer's balance in one currency behind a control total."""

    customer_id: int | None  # None: a customer Kredittvakt does not know
    customer_ref: str
    currency: str
    amount: Decimal
    base_amount: Decimal


def _chunks(seq, size=500):
    seq = list(seq)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def latest_control_total(conn: Connection, as_of: date):
    """The control total in force for a date (its latest entry), or None."""
    return conn.execute(
        select(ControlTotal.__table__).where(ControlTotal.as_of == as_of).order_by(ControlTotal.id.desc()).limit(1)
    ).first()


def _lines_of(conn: Connection, control_total_id: int) -> list[StoredLine]:
    t = ControlTotalLine
    rows = conn.execute(
        select(t.customer_id, t.customer_ref, t.currency, t.amount, t.base_amount)
        .where(t.control_total_id == control_total_id)
        .order_by(t.id)
    )
    return [StoredLine(r.customer_id, r.customer_ref, r.currency, r.amount, r.base_amount) for r in rows]


def _sort_key(line: StoredLine) -> tuple:
    return (line.customer_ref, line.currency, line.customer_id or 0)


def store_control_total(
    conn: Connection,
    as_of: date,
    amount: Decimal,
    source: str,
    author: str,
    lines: Sequence[StoredLine] | None = None,
    import_id: int | None = None,
) -> bool:
    """Record the ERP's total of a date, with its per-customer lines when there are any (None: a plain total), as
    the date's latest entry. When that entry already says the same (amount, source and lines) nothing is written;
    returns whether a new entry was added."""
    amount = q2(amount)
    by_customer = lines is not None
    latest = latest_control_total(conn, as_of)
    if (
        latest is not None
        and latest.amount == amount
        and latest.source == source
        and bool(latest.by_customer) == by_customer
        and (not by_customer or sorted(_lines_of(conn, latest.id), key=_sort_key) == sorted(lines, key=_sort_key))
    ):
        return False
    new_id = conn.execute(
        insert(ControlTotal).values(
            as_of=as_of,
            amount=amount,
            source=source,
            author=author,
            created_at=utcnow(),
            by_customer=by_customer,
            import_id=import_id,
        )
    ).inserted_primary_key[0]
    rows = [
        {
            "control_total_id": new_id,
            "customer_id": line.customer_id,
            "customer_ref": line.customer_ref,
            "currency": line.currency,
            "amount": line.amount,
            "base_amount": line.base_amount,
            "import_id": import_id,
        }
        for line in sorted(lines or (), key=_sort_key)
    ]
    for chunk in _chunks(rows, 5000):
        conn.execute(insert(ControlTotalLine), chunk)
    return True


# --- importing a file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DayResult:
    as_of: date
    erp_total: Decimal
    customers: int  # customers with a balance in the file (0: a plain total)
    added: bool  # False when the date's latest control total already said the same
    our_total: Decimal | None  # our open AR that day (None when a rate is missing)

    @property
    def difference(self) -> Decimal | None:
        return None if self.our_total is None else self.our_total - self.erp_total


@dataclass(frozen=True)
class ControlTotalsResult:
    """What a control-totals file stored: one control total per date."""

    rows: int
    source: str
    days: tuple[DayResult, ...]
    unknown_customers: tuple[str, ...]  # what the file called customers Kredittvakt does not know
    demo_removed: bool = False
    import_id: int | None = None  # its number in the import log (for `import undo`)

    @property
    def kind(self) -> str:
        return KIND

    @property
    def added(self) -> int:
        return sum(1 for d in self.days if d.added)

    @property
    def notes(self) -> list[str]:
        out = []
        if self.unknown_customers:
            shown = ", ".join(self.unknown_customers[:10]) + (" …" if len(self.unknown_customers) > 10 else "")
            out.append(
                f"{len(self.unknown_customers)} customer(s) in the file are unknown to Kredittvakt ({shown}); "
                "Data status lists them as differences"
            )
        unchanged = [d.as_of.isoformat() for d in self.days if not d.added]
        if unchanged:
            out.append(f"already stored, nothing new for {', '.join(unchanged)}")
        return out

    def summary(self) -> str:
        parts = []
        for d in self.days:
            text = f"{d.as_of} ERP total {d.erp_total:.2f}"
            text += f" from {d.customers} customers" if d.customers else ""
            if d.difference is not None:
                text += f", our open AR {d.our_total:.2f}, difference {d.difference:.2f}"
            parts.append(text)
        s = f"{KIND}: {self.rows} rows, {len(self.days)} date(s) ({self.source}): " + "; ".join(parts)
        if self.demo_removed:
            s += " (demo data removed first; demo mode ended)"
        return s


def _fail(problems) -> ImportFailed:
    return ImportFailed(KIND, [RowError(p.row, p.column, p.value, p.problem) for p in problems][:MAX_LISTED_ERRORS])


def _resolve(conn: Connection, rows: Sequence[BalanceRow]) -> dict[int, tuple[int | None, str]]:
    """Each customer row's (customer id, reference): by customer_ref, else by organisation number (compact form of
    the customer's country, as the bureau kinds match it). A customer we do not know keeps the file's name for it
    and no id; an organisation number of several customers, or a customer_ref whose stored number differs from
    the row's, is an error."""
    cols = (Customer.id, Customer.customer_ref, Customer.country, Customer.org_number)
    lines = [r for r in rows if not r.is_total]
    by_ref: dict = {}
    for chunk in _chunks({r.customer_ref for r in lines if r.customer_ref}):
        by_ref.update({c.customer_ref: c for c in conn.execute(select(*cols).where(Customer.customer_ref.in_(chunk)))})
    forms = {v: org_forms(v) for v in {r.org_number for r in lines if r.org_number and not r.customer_ref}}
    by_org: dict[str, list] = {}
    for chunk in _chunks(set().union(*forms.values()) if forms else ()):
        for c in conn.execute(select(*cols).where(Customer.org_number.in_(chunk))):
            by_org.setdefault(c.org_number, []).append(c)
    out: dict[int, tuple[int | None, str]] = {}
    errors = []
    for r in lines:
        if r.customer_ref is not None:
            c = by_ref.get(r.customer_ref)
            if c is None:
                out[r.row] = (None, r.customer_ref)
            elif r.org_number is not None and c.org_number is not None and not org_matches(c, r.org_number):
                problem = f"is not the organisation number of {c.customer_ref} ({c.org_number})"
                errors.append(RowError(r.row, "org_number", r.org_number, problem))
            else:
                out[r.row] = (c.id, c.customer_ref)
            continue
        found = {c.id: c for form in forms[r.org_number] for c in by_org.get(form, ()) if org_matches(c, r.org_number)}
        if len(found) > 1:
            refs = ", ".join(sorted(c.customer_ref for c in found.values()))
            problem = f"belongs to more than one customer ({refs}); give customer_ref"
            errors.append(RowError(r.row, "org_number", r.org_number, problem))
        elif found:
            c = next(iter(found.values()))
            out[r.row] = (c.id, c.customer_ref)
        else:
            out[r.row] = (None, r.org_number or "")
    seen: dict[tuple, int] = {}
    for r in lines:
        if r.row not in out or out[r.row][0] is None:
            continue
        key = (r.as_of, r.currency, out[r.row][0])
        if key in seen:
            errors.append(
                RowError(
                    r.row,
                    "customer_ref" if r.customer_ref else "org_number",
                    r.customer,
                    f"names customer {out[r.row][1]} again on {r.as_of} in {r.currency}; the first is row {seen[key]}",
                )
            )
        seen[key] = r.row
    if errors:
        raise ImportFailed(KIND, sorted(errors, key=lambda e: e.row)[:MAX_LISTED_ERRORS])
    return out


def import_control_totals(
    conn: Connection,
    data: bytes,
    file_name: str | None = None,
    *,
    as_of: date | None = None,
    source: str | None = None,
    author: str | None = None,
) -> ControlTotalsResult:
    """Store a control-totals file (canonical CSV) in the caller's transaction: one control total per date, with
    the balance of every customer when the file gives them. All or nothing: a bad row raises ImportFailed listing
    every problem. The file's rows carry their date, or `as_of` gives it; `source` (default the file name) says
    where the figures come from. Logged (kind control-totals) and the data version bumped."""
    started = utcnow()
    rows = read_rows(KIND, data)
    try:
        parsed = parse_balances(rows, as_of, base_currency(conn))
    except ControlTotalError as exc:
        raise _fail(exc.problems) from exc
    demo_removed = remove_demo_data(conn)  # a control total compares with the real ledger, never the demo
    author = (author or "").strip() or DEFAULT_AUTHOR
    import_id = begin_import(
        conn,
        kind=KIND,
        source=LOG_SOURCE,
        file_name=file_name,
        file_sha256=hashlib.sha256(data).hexdigest(),
        author=author,
        started_at=started,
    )
    base = base_currency(conn)
    days = by_date(parsed)
    rates = {}
    missing = []
    for day in days:
        rates[day.as_of] = rates_as_of(conn, day.as_of)
        for c in sorted(day.currencies - {base} - set(rates[day.as_of])):
            row = next(r for r in (*day.lines, *day.totals) if r.currency == c)
            problem = f"no {c} exchange rate on or before {day.as_of}; import the fx-rates first"
            missing.append(RowError(row.row, "currency", c, problem))
    if missing:
        raise ImportFailed(KIND, missing[:MAX_LISTED_ERRORS])
    customers = _resolve(conn, parsed)
    source = ((source or "").strip() or file_name or KIND)[:100]
    results = []
    for day in days:
        day_rates = rates[day.as_of]
        lines = [
            StoredLine(*customers[r.row], r.currency, r.balance, to_base(r.balance, r.currency, base, day_rates))
            for r in day.lines
        ]
        total = erp_total(day, base, day_rates)
        added = store_control_total(
            conn, day.as_of, total, source, author, lines if day.by_customer else None, import_id=import_id
        )
        try:
            ours = aging(conn, day.as_of).total
        except MissingFxRate:
            ours = None
        named = len({(line.customer_id, line.customer_ref) for line in lines})
        results.append(DayResult(day.as_of, total, named, added, ours))
    unknown = sorted({customers[r.row][1] for r in parsed if not r.is_total and customers[r.row][0] is None})
    result = ControlTotalsResult(len(parsed), source, tuple(results), tuple(unknown), demo_removed, import_id)
    finish_import(conn, import_id, rows=len(parsed), inserted=result.added, updated=0, message=result.summary())
    bump_data_version(conn)
    return result


# --- the comparison ---------------------------------------------------------------------------------


def control_differences(conn: Connection, as_of: date) -> Reconciliation | None:
    """The date's control total by customer against our open AR by customer (the aging's customer rows), or None
    when the date has no control total or only a plain total. A customer the file named but Kredittvakt did not
    know is matched by its reference if it has been imported since."""
    latest = latest_control_total(conn, as_of)
    if latest is None or not latest.by_customer:
        return None
    lines = _lines_of(conn, latest.id)
    unresolved = {line.customer_ref for line in lines if line.customer_id is None}
    known: dict[str, int] = {}
    for chunk in _chunks(unresolved):
        known.update(
            conn.execute(select(Customer.customer_ref, Customer.id).where(Customer.customer_ref.in_(chunk))).all()
        )
    erp = [
        ErpBalance(
            line.customer_id if line.customer_id is not None else known.get(line.customer_ref),
            line.customer_ref,
            line.base_amount,
        )
        for line in lines
    ]
    report = aging(conn, as_of)
    ours = [OurBalance(c.customer_id, c.customer_ref, c.name, c.total) for c in report.customers]
    ids = {b.customer_id for b in erp if b.customer_id is not None} - {o.customer_id for o in ours}
    names: dict[int, str] = {}
    for chunk in _chunks(ids):
        names.update(conn.execute(select(Customer.id, Customer.name).where(Customer.id.in_(chunk))).all())
    return reconcile(as_of, latest.source, erp, ours, names)
