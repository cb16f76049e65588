"""As-of ledger math in SQL: open items, aging cells, credit sales and closed invoices at any date.

One SQL text serves SQLite and PostgreSQL; only the day-difference and month-key expressions differ.
Amounts are integer minor units throughout, converted per document at 0.01 half-up, so every sum is
exact on both engines. Bucket edges come from domain.aging.Buckets; aging is never redone in pandas.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Date, bindparam, select, text

from data_access.ledger import base_currency
from data_access.schema import Customer
from domain.aging import AgingCell, AgingReport, Basis, Buckets, build_aging
from domain.filters import CustomerFilter
from domain.fx import MissingFxRate
from domain.money import RATE_SCALE, from_minor

HALF = RATE_SCALE // 2


def _days(conn: Connection, later: str, earlier: str) -> str:
    if conn.dialect.name == "sqlite":
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
    return f"(CAST({later} AS DATE) - {earlier})"


def _month_key(conn: Connection, col: str) -> str:
    if conn.dialect.name == "sqlite":
        return f"CAST(strftime('%Y%m', {col}) AS INTEGER)"
    return f"CAST(to_char({col}, 'YYYYMM') AS INTEGER)"


def _to_base(amount: str, currency: str, rate: str) -> str:
    """amount (minor units) x rate (millionths) rounded half away from zero; NULL when no rate."""
    # CAST: on PostgreSQL SUM(bigint) is NUMERIC, and NUMERIC division would keep the fraction
    p = f"(CAST({amount} AS BIGINT) * {rate})"
    return (
        f"CASE WHEN {currency} = :base THEN CAST({amount} AS BIGINT) WHEN {rate} IS NULL THEN NULL "
        f"WHEN {p} >= 0 THEN ({p} + {HALF}) / {RATE_SCALE} "
        f"ELSE -((-{p} + {HALF}) / {RATE_SCALE}) END"
    )


def _rate_on(currency: str, day: str) -> str:
    """The latest rate for `currency` dated on or before `day` (a correlated scalar subquery)."""
    return (
        f"(SELECT f.rate FROM fx_rates f WHERE f.currency = {currency} AND f.rate_date <= {day} "
        f"ORDER BY f.rate_date DESC LIMIT 1)"
    )


def _scope(flt: CustomerFilter | None) -> tuple[str, dict, tuple[str, ...]]:
    """The WITH clause head: '' CTEs for an empty filter, else a `scope` CTE of the customer ids in view.

    Returns (head, params, expanding parameter names); the head ends ready for the next CTE.
    """
    if flt is None or flt.is_empty:
        return "WITH ", {}, ()
    conds, params = [], {}
    for name, col, values in (
        ("f_countries", "c.country", flt.countries),
        ("f_segments", "c.segment", flt.segments),
        ("f_industries", "c.industry_code", flt.industries),
        ("f_currencies", "c.currency", flt.currencies),
    ):
        if values:
            conds.append(f"{col} IN :{name}")
            params[name] = list(values)
    head = "WITH "
    if flt.groups:
        head = (
            "WITH RECURSIVE roots(id, root) AS (\n"
            "  SELECT id, id FROM customers WHERE parent_id IS NULL\n"
            "  UNION ALL SELECT c.id, r.root FROM customers c JOIN roots r ON c.parent_id = r.id\n),\n"
        )
        conds.append("c.id IN (SELECT id FROM roots WHERE root IN :f_groups)")
        params["f_groups"] = list(flt.groups)
    head += f"scope AS MATERIALIZED (SELECT c.id FROM customers c WHERE {' AND '.join(conds)}),\n"
    return head, params, tuple(params)


def _in_scope(col: str, flt: CustomerFilter | None) -> str:
    return "" if flt is None or flt.is_empty else f" AND {col} IN (SELECT id FROM scope)"


def _allocated(column: str, doc_id: str, day: str = ":as_of") -> str:
    """What is allocated to or from a document on or before `day` (an indexed correlated subquery)."""
    return (
        f"COALESCE((SELECT CAST(SUM(a.amount) AS BIGINT) FROM allocations a "
        f"WHERE a.{column} = {doc_id} AND a.alloc_date <= {day}), 0)"
    )


def open_items_sql(
    conn: Connection, basis: Basis, flt: CustomerFilter | None = None, one_customer: bool = False
) -> str:
    """CTEs ending in `conv`: every document with a non-zero open amount as of :as_of, in base currency.

    Only documents open at :as_of are read (own date <= :as_of < open_until, see schema.Invoice.open_until);
    with one_customer, only those of customer :cid.
    Columns of conv: doc_id, kind, ref, customer_id, currency, doc_date, due_date, open_minor, rate,
    base_minor (NULL when the FX rate is missing) and days (by the chosen basis; credits by their own date).
    """
    day_col = "it.due_date" if basis == Basis.DUE else "it.doc_date"
    head = _scope(flt)[0]

    def whose(col: str) -> str:
        return _in_scope(col, flt) + (f" AND {col} = :cid" if one_customer else "")

    return f"""
{head}rates AS MATERIALIZED (
  SELECT c.currency, {_rate_on("c.currency", ":as_of")} AS rate FROM (SELECT DISTINCT currency FROM fx_rates) c
),
items AS MATERIALIZED (
  SELECT i.id AS doc_id, 'invoice' AS kind, i.invoice_number AS ref, i.customer_id, i.currency,
         i.issue_date AS doc_date, i.due_date,
         i.amount - {_allocated("invoice_id", "i.id")} AS open_minor
  FROM invoices i
  WHERE i.kind = 'invoice' AND i.open_until > :as_of AND i.issue_date <= :as_of{whose("i.customer_id")}
  UNION ALL
  SELECT i.id, 'credit_note', i.invoice_number, i.customer_id, i.currency, i.issue_date, i.issue_date,
         i.amount + {_allocated("credit_note_id", "i.id")}
  FROM invoices i
  WHERE i.kind = 'credit_note' AND i.open_until > :as_of AND i.issue_date <= :as_of{whose("i.customer_id")}
  UNION ALL
  SELECT p.id, 'payment', p.payment_ref, p.customer_id, p.currency, p.payment_date, p.payment_date,
         -p.amount + {_allocated("payment_id", "p.id")}
  FROM payments p
  WHERE p.open_until > :as_of AND p.payment_date <= :as_of{whose("p.customer_id")}
),
conv AS MATERIALIZED (
  SELECT it.doc_id, it.kind, it.ref, it.customer_id, it.currency, it.doc_date, it.due_date, it.open_minor,
         r.rate,
         {_to_base("it.open_minor", "it.currency", "r.rate")} AS base_minor,
         {_days(conn, ":as_of", day_col)} AS days
  FROM items it LEFT JOIN rates r ON r.currency = it.currency
  WHERE it.open_minor <> 0
)"""


def _bucket_case(buckets: Buckets, col: str = "days") -> str:
    parts = [f"WHEN {col} <= 0 THEN 0"]
    parts += [f"WHEN {col} <= {e} THEN {i}" for i, e in enumerate(buckets.edges, start=1)]
    return f"CASE {' '.join(parts)} ELSE {len(buckets.edges) + 1} END"


def _run(conn: Connection, sql: str, params: dict, flt: CustomerFilter | None = None, dates=("as_of",)):
    """Execute with typed date parameters and the filter's expanding lists."""
    _, scope_params, expanding = _scope(flt)
    t = text(sql).bindparams(*(bindparam(d, type_=Date) for d in dates))
    if expanding:
        t = t.bindparams(*(bindparam(n, expanding=True) for n in expanding))
    return conn.execute(t, {**params, **scope_params})


def aging_cells(
    conn: Connection, as_of: date, basis: Basis, buckets: Buckets, base: str, flt: CustomerFilter | None = None
) -> list[AgingCell]:
    """One query: per customer and bucket, the base-currency sum and count of open items."""
    sql = (
        open_items_sql(conn, basis, flt)
        + f"""
SELECT customer_id, {_bucket_case(buckets)} AS bucket,
       SUM(base_minor) AS amount, COUNT(*) AS n,
       SUM(CASE WHEN kind <> 'invoice' THEN base_minor ELSE 0 END) AS ua,
       SUM(CASE WHEN kind <> 'invoice' THEN 1 ELSE 0 END) AS uc,
       SUM(CASE WHEN kind = 'invoice' THEN 1 ELSE 0 END) AS oi,
       SUM(CASE WHEN base_minor IS NULL THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN base_minor IS NULL THEN currency END) AS missing_currency
FROM conv GROUP BY customer_id, {_bucket_case(buckets)}"""
    )
    rows = _run(conn, sql, {"as_of": as_of, "base": base}, flt).all()
    missing = [r.missing_currency for r in rows if r.missing]
    if missing:
        raise MissingFxRate(min(missing), as_of)
    return [
        AgingCell(r.customer_id, int(r.bucket), from_minor(r.amount), int(r.n), from_minor(r.ua), int(r.uc), int(r.oi))
        for r in rows
    ]


def aging_cells_by_date(
    conn: Connection,
    dates: Iterable[date],
    basis: Basis,
    buckets: Buckets,
    base: str,
    flt: CustomerFilter | None = None,
) -> dict[date, list[AgingCell]]:
    """aging_cells for several as-of dates (e.g. the month-ends of a trend) in one statement.

    The rules are those of open_items_sql with the date taken from a `dates` CTE instead of :as_of: per date D,
    documents with own date <= D < open_until, allocations dated <= D, the closing rate of D, each document
    converted and rounded on its own, days counted to D. Only documents open at some date between the first and
    the last are read (own date <= last date, open_until > first date).
    """
    days = sorted(set(dates))
    if not days:
        return {}
    day_col = "it.due_date" if basis == Basis.DUE else "it.doc_date"
    names = [f"d{i}" for i in range(len(days))]
    values = ", ".join(f"(:{n})" for n in names)
    head = _scope(flt)[0]

    first, last = f":{names[0]}", f":{names[-1]}"
    sql = f"""
{head}dates(as_of) AS (VALUES {values}),
rates AS MATERIALIZED (
  SELECT d.as_of, c.currency, {_rate_on("c.currency", "d.as_of")} AS rate
  FROM dates d CROSS JOIN (SELECT DISTINCT currency FROM fx_rates) c
),
docs AS MATERIALIZED (
  SELECT i.id, i.kind, i.customer_id, i.currency, i.amount, i.issue_date AS doc_date,
         CASE WHEN i.kind = 'invoice' THEN i.due_date ELSE i.issue_date END AS due_date, i.open_until
  FROM invoices i
  WHERE i.open_until > {first} AND i.issue_date <= {last}{_in_scope("i.customer_id", flt)}
  UNION ALL
  SELECT p.id, 'payment', p.customer_id, p.currency, -p.amount, p.payment_date, p.payment_date, p.open_until
  FROM payments p
  WHERE p.open_until > {first} AND p.payment_date <= {last}{_in_scope("p.customer_id", flt)}
),
items AS MATERIALIZED (
  SELECT d.as_of, x.kind, x.customer_id, x.currency, x.doc_date, x.due_date,
         CASE x.kind WHEN 'invoice' THEN x.amount - {_allocated("invoice_id", "x.id", "d.as_of")}
                     WHEN 'credit_note' THEN x.amount + {_allocated("credit_note_id", "x.id", "d.as_of")}
                     ELSE x.amount + {_allocated("payment_id", "x.id", "d.as_of")} END AS open_minor
  FROM dates d JOIN docs x ON x.doc_date <= d.as_of AND x.open_until > d.as_of
),
conv AS MATERIALIZED (
  SELECT it.as_of, it.kind, it.customer_id, it.currency,
         {_to_base("it.open_minor", "it.currency", "r.rate")} AS base_minor,
         {_days(conn, "it.as_of", day_col)} AS days
  FROM items it LEFT JOIN rates r ON r.as_of = it.as_of AND r.currency = it.currency
  WHERE it.open_minor <> 0
)
SELECT as_of, customer_id, {_bucket_case(buckets)} AS bucket,
       SUM(base_minor) AS amount, COUNT(*) AS n,
       SUM(CASE WHEN kind <> 'invoice' THEN base_minor ELSE 0 END) AS ua,
       SUM(CASE WHEN kind <> 'invoice' THEN 1 ELSE 0 END) AS uc,
       SUM(CASE WHEN kind = 'invoice' THEN 1 ELSE 0 END) AS oi,
       SUM(CASE WHEN base_minor IS NULL THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN base_minor IS NULL THEN currency END) AS missing_currency
FROM conv GROUP BY as_of, customer_id, {_bucket_case(buckets)}"""
    params = {"base": base, **dict(zip(names, days, strict=True))}
    rows = _run(conn, sql, params, flt, tuple(names)).all()
    missing = sorted((_as_date(r.as_of), r.missing_currency) for r in rows if r.missing)
    if missing:
        raise MissingFxRate(missing[0][1], missing[0][0])  # the first date, as aging() date by date would say
    out: dict[date, list[AgingCell]] = {d: [] for d in days}
    for as_of, cid, bucket, amount, n, ua, uc, oi, _, _ in rows:
        cell = AgingCell(cid, int(bucket), from_minor(amount), int(n), from_minor(ua), int(uc), int(oi))
        out[_as_date(as_of)].append(cell)
    return out


def customer_names(conn: Connection) -> dict[int, tuple[str, str]]:
    return {
        r.id: (r.customer_ref, r.name) for r in conn.execute(select(Customer.id, Customer.customer_ref, Customer.name))
    }


def aging(
    conn: Connection,
    as_of: date,
    basis: Basis | str = Basis.DUE,
    buckets: Buckets | None = None,
    flt: CustomerFilter | None = None,
) -> AgingReport:
    """The aging report as of a date (default buckets: the active policy's edges), for the customers in view."""
    from data_access.ledger import active_policy

    buckets = buckets or active_policy(conn).buckets
    base = base_currency(conn)
    cells = aging_cells(conn, as_of, Basis(basis), buckets, base, flt)
    return build_aging(as_of, Basis(basis), base, buckets, cells, customer_names(conn))


def agings(
    conn: Connection,
    dates: Iterable[date],
    basis: Basis | str = Basis.DUE,
    buckets: Buckets | None = None,
    flt: CustomerFilter | None = None,
) -> dict[date, AgingReport]:
    """aging() at each of several dates, from one statement (aging_cells_by_date)."""
    from data_access.ledger import active_policy

    buckets = buckets or active_policy(conn).buckets
    base = base_currency(conn)
    cells = aging_cells_by_date(conn, dates, Basis(basis), buckets, base, flt)
    names = customer_names(conn)
    return {d: build_aging(d, Basis(basis), base, buckets, c, names) for d, c in cells.items()}


@dataclass(frozen=True)
class OpenItem:
    kind: str
    ref: str
    customer_id: int
    currency: str
    doc_date: date
    due_date: date
    open_amount: Decimal
    base_amount: Decimal
    days: int


def open_items(
    conn: Connection,
    as_of: date,
    basis: Basis | str = Basis.DUE,
    customer_id: int | None = None,
    flt: CustomerFilter | None = None,
) -> list[OpenItem]:
    """The document lines behind the aging (same CTEs), optionally for one customer."""
    sql = (
        open_items_sql(conn, Basis(basis), flt, customer_id is not None)
        + """
SELECT kind, ref, customer_id, currency, doc_date, due_date, open_minor, base_minor, days, rate
FROM conv ORDER BY customer_id, doc_date, ref"""
    )
    rows = _run(conn, sql, {"as_of": as_of, "base": base_currency(conn), "cid": customer_id}, flt).all()
    out = []
    for r in rows:
        if r.base_minor is None:
            raise MissingFxRate(r.currency, as_of)
        out.append(
            OpenItem(
                r.kind,
                r.ref,
                r.customer_id,
                r.currency,
                _as_date(r.doc_date),
                _as_date(r.due_date),
                from_minor(r.open_minor),
                from_minor(r.base_minor),
                int(r.days),
            )
        )
    return out


def aging_by_currency(
    conn: Connection,
    as_of: date,
    basis: Basis | str,
    buckets: Buckets,
    flt: CustomerFilter | None = None,
) -> dict[str, tuple[Decimal, ...]]:
    """The aging's open items summed per document currency and bucket (amounts in base currency)."""
    sql = (
        open_items_sql(conn, Basis(basis), flt)
        + f"""
SELECT currency, {_bucket_case(buckets)} AS bucket, SUM(base_minor) AS amount,
       SUM(CASE WHEN base_minor IS NULL THEN 1 ELSE 0 END) AS missing
FROM conv GROUP BY currency, {_bucket_case(buckets)}"""
    )
    rows = _run(conn, sql, {"as_of": as_of, "base": base_currency(conn)}, flt).all()
    missing = [r.currency for r in rows if r.missing]
    if missing:
        raise MissingFxRate(min(missing), as_of)
    out: dict[str, list[Decimal]] = {}
    for r in rows:
        out.setdefault(r.currency, [Decimal("0.00")] * len(buckets.labels))[int(r.bucket)] += from_minor(r.amount)
    return {k: tuple(v) for k, v in sorted(out.items())}


def _as_date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


# --- flows ------------------------------------------------------------------------------------


def monthly_credit_sales(
    conn: Connection, as_of: date, window_start: date, flt: CustomerFilter | None = None
) -> tuple[dict[tuple[int, int], Decimal], Decimal]:
    """Invoices minus credit notes by issue month up to as_of, each at fx(currency, issue date), and the part
    issued in (window_start, as_of]. Returns ({(year, month): sales}, window sales).

    SQL sums per issue day (a plain column: no month expression per row); the days add up to months here."""
    sql = f"""
{_scope(flt)[0]}docs AS MATERIALIZED (
  SELECT i.issue_date, i.currency, i.amount,
         CASE WHEN i.currency = :base THEN NULL ELSE {_rate_on("i.currency", "i.issue_date")} END AS rate
  FROM invoices i WHERE i.issue_date <= :as_of{_in_scope("i.customer_id", flt)}
),
conv AS (
  SELECT issue_date, currency, {_to_base("amount", "currency", "rate")} AS base_minor FROM docs
)
SELECT issue_date, SUM(base_minor) AS sales,
       SUM(CASE WHEN base_minor IS NULL THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN base_minor IS NULL THEN currency END) AS missing_currency
FROM conv GROUP BY issue_date"""
    params = {"as_of": as_of, "base": base_currency(conn)}
    rows = _run(conn, sql, params, flt).all()
    monthly: dict[tuple[int, int], Decimal] = {}
    window = Decimal("0.00")
    missing: dict[tuple[int, int], tuple[str, date]] = {}  # per month: the least currency and the first day
    for issue_date, sales, n_missing, missing_currency in rows:
        day = _as_date(issue_date)
        month = (day.year, day.month)
        if n_missing:
            currency, first = missing.get(month, (missing_currency, day))
            missing[month] = (min(currency, missing_currency), min(first, day))
            continue
        monthly[month] = monthly.get(month, Decimal("0.00")) + from_minor(sales)
        if day > window_start:
            window += from_minor(sales)
    if missing:
        currency, first = min(missing.values(), key=lambda m: m[1])
        raise MissingFxRate(currency, first)
    return monthly, window


def _closed_by_payment(flt: CustomerFilter | None, one_customer: bool) -> str:
    """The WHERE condition on invoices `i` closed by payment in (:start, :as_of]: the open amount reached 0 by an
    allocation dated in the window (open_until), with at least one payment among the invoice's allocations.
    With one_customer, only customer :cid."""
    return (
        f"i.kind = 'invoice' AND i.open_until > :start AND i.open_until <= :as_of{_in_scope('i.customer_id', flt)}"
        + (" AND i.customer_id = :cid" if one_customer else "")
        + "\n    AND EXISTS (SELECT 1 FROM allocations a WHERE a.invoice_id = i.id AND a.payment_id IS NOT NULL)"
    )


def closed_invoices_sql(conn: Connection, flt: CustomerFilter | None = None, one_customer: bool = False) -> str:
    """CTE `closed`: invoices closed by payment in (:start, :as_of] (see _closed_by_payment), optionally of
    customer :cid only; amt = invoice amount at fx(currency, close date)."""
    return f"""
{_scope(flt)[0]}closed0 AS MATERIALIZED (
  SELECT i.id, i.customer_id, i.invoice_number, i.currency, i.issue_date, i.due_date, i.amount,
         i.open_until AS close_date,
         CASE WHEN i.currency = :base THEN NULL ELSE {_rate_on("i.currency", "i.open_until")} END AS rate
  FROM invoices i
  WHERE {_closed_by_payment(flt, one_customer)}
),
closed AS MATERIALIZED (
  SELECT id, customer_id, invoice_number, currency, issue_date, due_date, close_date,
         {_to_base("amount", "currency", "rate")} AS amt,
         {_days(conn, "close_date", "due_date")} AS late,
         {_days(conn, "close_date", "issue_date")} AS to_pay
  FROM closed0
)"""


@dataclass(frozen=True)
class BehaviourSums:
    weight: Decimal
    weighted_days_late: Decimal
    weighted_days_to_pay: Decimal
    weighted_days_beyond_terms: Decimal
    invoices: int


def behaviour_sums(
    conn: Connection, as_of: date, start: date, flt: CustomerFilter | None = None, customer_id: int | None = None
) -> BehaviourSums:
    """Amount-weighted payment behaviour of invoices closed by payment in (start, as_of]."""
    sql = closed_invoices_sql(conn, flt, customer_id is not None) + _BEHAVIOUR_SELECT
    params = {"as_of": as_of, "start": start, "base": base_currency(conn), "cid": customer_id}
    return _behaviour(_run(conn, sql, params, flt, ("as_of", "start")).one())


def behaviour_sums_by_customer(
    conn: Connection, as_of: date, start: date, flt: CustomerFilter | None = None
) -> dict[int, BehaviourSums]:
    """behaviour_sums for every customer at once (same CTE and sums, grouped by customer)."""
    sql = (
        closed_invoices_sql(conn, flt)
        + _BEHAVIOUR_SELECT.replace("SELECT ", "SELECT customer_id, ", 1)
        + "\nGROUP BY customer_id"
    )
    params = {"as_of": as_of, "start": start, "base": base_currency(conn)}
    return {r.customer_id: _behaviour(r) for r in _run(conn, sql, params, flt, ("as_of", "start"))}


_BEHAVIOUR_SELECT = """
SELECT COUNT(*) AS n, SUM(amt) AS w,
       SUM(amt * CASE WHEN late > 0 THEN late ELSE 0 END) AS wl,
       SUM(amt * to_pay) AS wp, SUM(amt * late) AS wb,
       SUM(CASE WHEN amt IS NULL THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN amt IS NULL THEN currency END) AS missing_currency,
       MIN(CASE WHEN amt IS NULL THEN close_date END) AS missing_date
FROM closed"""


def _behaviour(r) -> BehaviourSums:
    if r.missing:
        raise MissingFxRate(r.missing_currency, _as_date(r.missing_date))

    def m(v):
        return from_minor(v or 0)

    return BehaviourSums(m(r.w), m(r.wl), m(r.wp), m(r.wb), int(r.n))


@dataclass(frozen=True)
class ClosedInvoiceRow:
    customer_id: int
    invoice_number: str
    issue_date: date
    due_date: date
    close_date: date
    amount: Decimal
    days_late: int


def closed_invoices(
    conn: Connection,
    as_of: date,
    start: date,
    customer_id: int | None = None,
    flt: CustomerFilter | None = None,
) -> list[ClosedInvoiceRow]:
    """The invoice lines behind behaviour_sums (same CTE), e.g. for the payment history."""
    sql = (
        closed_invoices_sql(conn, flt, customer_id is not None)
        + """
SELECT customer_id, invoice_number, issue_date, due_date, close_date, amt, late, currency FROM closed
ORDER BY customer_id, close_date, invoice_number"""
    )
    params = {"as_of": as_of, "start": start, "base": base_currency(conn), "cid": customer_id}
    rows = _run(conn, sql, params, flt, ("as_of", "start")).all()
    out = []
    for r in rows:
        if r.amt is None:
            raise MissingFxRate(r.currency, _as_date(r.close_date))
        out.append(
            ClosedInvoiceRow(
                r.customer_id,
                r.invoice_number,
                _as_date(r.issue_date),
                _as_date(r.due_date),
                _as_date(r.close_date),
                from_minor(r.amt),
                int(r.late),
            )
        )
    return out


def paid_lateness(
    conn: Connection,
    as_of: date,
    start: date,
    customer_id: int | None = None,
    flt: CustomerFilter | None = None,
) -> list[tuple[int, date, int]]:
    """(customer id, close date, days late) of the invoices closed by payment in (start, as_of]: the same
    invoices as closed_invoices, in the same order, without amounts (so no FX rate is needed)."""
    sql = f"""
{_scope(flt)[0]}paid AS (
  SELECT i.customer_id, i.invoice_number, i.open_until AS close_date,
         {_days(conn, "i.open_until", "i.due_date")} AS late
  FROM invoices i
  WHERE {_closed_by_payment(flt, customer_id is not None)}
)
SELECT customer_id, close_date, late FROM paid ORDER BY customer_id, close_date, invoice_number"""
    rows = _run(conn, sql, {"as_of": as_of, "start": start, "cid": customer_id}, flt, ("as_of", "start"))
    return [(cid, _as_date(close_date), int(late)) for cid, close_date, late in rows]


def window_start(as_of: date, window_days: int) -> date:
    return as_of - timedelta(days=window_days)


def customer_ids_in_view(conn: Connection, flt: CustomerFilter | None) -> set[int] | None:
    """The customer ids the filter selects, or None for "all customers"."""
    if flt is None or flt.is_empty:
        return None
    sql = _scope(flt)[0] + "one AS (SELECT 1 AS x)\nSELECT id FROM scope"
    return {r.id for r in _run(conn, sql, {}, flt, dates=())}
