"""As-of ledger math in SQL: open items, aging cells, credit sales and closed invoices at any date.

One SQL text serves SQLite and PostgreSQL; only the day-difference and month-key expressions differ.
Amounts are integer minor units throughout, converted per document at 0.01 half-up, so every sum is
exact on both engines. Bucket edges come from domain.aging.Buckets; aging is never redone in pandas.
"""

from __future__ import annotations

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


def _allocated(column: str, doc_id: str) -> str:
    """What is allocated to or from a document on or before :as_of (an indexed correlated subquery)."""
    return (
        f"COALESCE((SELECT CAST(SUM(a.amount) AS BIGINT) FROM allocations a "
        f"WHERE a.{column} = {doc_id} AND a.alloc_date <= :as_of), 0)"
    )


def open_items_sql(conn: Connection, basis: Basis, flt: CustomerFilter | None = None) -> str:
    """CTEs ending in `conv`: every document with a non-zero open amount as of :as_of, in base currency.

    Only documents open at :as_of are read (own date <= :as_of < open_until, see schema.Invoice.open_until).
    Columns of conv: doc_id, kind, ref, customer_id, currency, doc_date, due_date, open_minor, rate,
    base_minor (NULL when the FX rate is missing) and days (by the chosen basis; credits by their own date).
    """
    day_col = "it.due_date" if basis == Basis.DUE else "it.doc_date"
    head = _scope(flt)[0]
    return f"""
{head}rates AS MATERIALIZED (
  SELECT f.currency, f.rate FROM fx_rates f
  WHERE f.rate_date = (SELECT MAX(f2.rate_date) FROM fx_rates f2
                       WHERE f2.currency = f.currency AND f2.rate_date <= :as_of)
),
items AS MATERIALIZED (
  SELECT i.id AS doc_id, 'invoice' AS kind, i.invoice_number AS ref, i.customer_id, i.currency,
         i.issue_date AS doc_date, i.due_date,
         i.amount - {_allocated("invoice_id", "i.id")} AS open_minor
  FROM invoices i
  WHERE i.kind = 'invoice' AND i.open_until > :as_of AND i.issue_date <= :as_of{_in_scope("i.customer_id", flt)}
  UNION ALL
  SELECT i.id, 'credit_note', i.invoice_number, i.customer_id, i.currency, i.issue_date, i.issue_date,
         i.amount + {_allocated("credit_note_id", "i.id")}
  FROM invoices i
  WHERE i.kind = 'credit_note' AND i.open_until > :as_of AND i.issue_date <= :as_of{_in_scope("i.customer_id", flt)}
  UNION ALL
  SELECT p.id, 'payment', p.payment_ref, p.customer_id, p.currency, p.payment_date, p.payment_date,
         -p.amount + {_allocated("payment_id", "p.id")}
  FROM payments p
  WHERE p.open_until > :as_of AND p.payment_date <= :as_of{_in_scope("p.customer_id", flt)}
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
    where = "WHERE customer_id = :cid" if customer_id is not None else ""
    sql = (
        open_items_sql(conn, Basis(basis), flt)
        + f"""
SELECT kind, ref, customer_id, currency, doc_date, due_date, open_minor, base_minor, days, rate
FROM conv {where} ORDER BY customer_id, doc_date, ref"""
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


def _as_date(v) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


# --- flows ------------------------------------------------------------------------------------


def monthly_credit_sales(
    conn: Connection, as_of: date, window_start: date, flt: CustomerFilter | None = None
) -> tuple[dict[tuple[int, int], Decimal], Decimal]:
    """Invoices minus credit notes by issue month up to as_of, each at fx(currency, issue date), and the part
    issued in (window_start, as_of]. Returns ({(year, month): sales}, window sales)."""
    sql = f"""
{_scope(flt)[0]}docs AS MATERIALIZED (
  SELECT i.issue_date, i.currency, i.amount,
         CASE WHEN i.currency = :base THEN NULL ELSE {_rate_on("i.currency", "i.issue_date")} END AS rate
  FROM invoices i WHERE i.issue_date <= :as_of{_in_scope("i.customer_id", flt)}
),
conv AS (
  SELECT issue_date, currency, {_to_base("amount", "currency", "rate")} AS base_minor FROM docs
)
SELECT {_month_key(conn, "issue_date")} AS ym, SUM(base_minor) AS sales,
       SUM(CASE WHEN issue_date > :start THEN base_minor ELSE 0 END) AS window_sales,
       SUM(CASE WHEN base_minor IS NULL THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN base_minor IS NULL THEN currency END) AS missing_currency,
       MIN(CASE WHEN base_minor IS NULL THEN issue_date END) AS missing_date
FROM conv GROUP BY {_month_key(conn, "issue_date")}"""
    params = {"as_of": as_of, "start": window_start, "base": base_currency(conn)}
    rows = _run(conn, sql, params, flt, ("as_of", "start")).all()
    bad = [r for r in rows if r.missing]
    if bad:
        first = min(bad, key=lambda r: str(r.missing_date))
        raise MissingFxRate(first.missing_currency, _as_date(first.missing_date))
    monthly = {(int(r.ym) // 100, int(r.ym) % 100): from_minor(r.sales) for r in rows}
    window = sum((from_minor(r.window_sales) for r in rows), Decimal("0.00"))
    return monthly, window


def closed_invoices_sql(conn: Connection, flt: CustomerFilter | None = None) -> str:
    """CTE `closed`: invoices whose open amount reached 0 by an allocation dated in (:start, :as_of], with at
    least one payment among their allocations; amt = invoice amount at fx(currency, close date)."""
    return f"""
{_scope(flt)[0]}closed0 AS MATERIALIZED (
  SELECT i.id, i.customer_id, i.invoice_number, i.currency, i.issue_date, i.due_date, i.amount,
         i.open_until AS close_date,
         CASE WHEN i.currency = :base THEN NULL ELSE {_rate_on("i.currency", "i.open_until")} END AS rate
  FROM invoices i
  WHERE i.kind = 'invoice' AND i.open_until > :start AND i.open_until <= :as_of{_in_scope("i.customer_id", flt)}
    AND EXISTS (SELECT 1 FROM allocations a WHERE a.invoice_id = i.id AND a.payment_id IS NOT NULL)
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
    where = "WHERE customer_id = :cid" if customer_id is not None else ""
    sql = (
        closed_invoices_sql(conn, flt)
        + f"""
SELECT COUNT(*) AS n, SUM(amt) AS w,
       SUM(amt * CASE WHEN late > 0 THEN late ELSE 0 END) AS wl,
       SUM(amt * to_pay) AS wp, SUM(amt * late) AS wb,
       SUM(CASE WHEN amt IS NULL THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN amt IS NULL THEN currency END) AS missing_currency,
       MIN(CASE WHEN amt IS NULL THEN close_date END) AS missing_date
FROM closed {where}"""
    )
    params = {"as_of": as_of, "start": start, "base": base_currency(conn), "cid": customer_id}
    r = _run(conn, sql, params, flt, ("as_of", "start")).one()
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
    """The invoice lines behind behaviour_sums (same CTE), e.g. for the payment trend."""
    where = "WHERE customer_id = :cid" if customer_id is not None else ""
    sql = (
        closed_invoices_sql(conn, flt)
        + f"""
SELECT customer_id, invoice_number, issue_date, due_date, close_date, amt, late, currency FROM closed {where}
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


def window_start(as_of: date, window_days: int) -> date:
    return as_of - timedelta(days=window_days)


def customer_ids_in_view(conn: Connection, flt: CustomerFilter | None) -> set[int] | None:
    """The customer ids the filter selects, or None for "all customers"."""
    if flt is None or flt.is_empty:
        return None
    sql = _scope(flt)[0] + "one AS (SELECT 1 AS x)\nSELECT id FROM scope"
    return {r.id for r in _run(conn, sql, {}, flt, dates=())}
