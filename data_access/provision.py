"""IFRS 9 expected credit loss from the ledger: the loss history of the invoice cohorts (one statement), the
collectively assessed aging, the individually assessed customers (risk-model expected loss), and the booked ECL.

The formulas are in domain.ecl; this module only gathers their inputs in SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, bindparam, text
from sqlalchemy.types import Date

from data_access.asof import _days, _rate_on, _to_base, aging_cells, customer_names
from data_access.ledger import active_policy, base_currency
from data_access.risk import RiskPortfolio, portfolio_risk, register_events
from domain.aging import Basis, Buckets, build_aging
from domain.dunning import COLLECTION_KINDS
from domain.ecl import (
    EclResult,
    EclSettings,
    IndividualRow,
    LossHistory,
    individual_reason,
    provision_matrix,
)
from domain.fx import MissingFxRate
from domain.money import from_minor
from domain.policy import Policy

ZERO = Decimal("0.00")
EVER = 365 * 200  # register events of any age count for "bankrupt"


def _lower_edges(buckets: Buckets) -> list[int]:
    """The first day past due of each overdue bucket: 1, e1 + 1, e2 + 1, ..."""
    return [1] + [e + 1 for e in buckets.edges]


def loss_history(conn: Connection, as_of: date, buckets: Buckets, settings: EclSettings) -> LossHistory:
    """Per bucket by due date: the base amount of the cohort invoices still open when they entered the bucket
    (for 'current': the amount invoiced) and what was written off of them after they entered it, both known as
    of `as_of`.

    Cohorts: invoices issued within settings.cohort_window(as_of). An invoice counts for an overdue bucket only
    when as_of is at or past the bucket's first day (due + lower edge), so a young invoice never dilutes an old
    bucket's rate. Amounts convert at the as-of closing rate, rounded per invoice."""
    first, last = settings.cohort_window(as_of)
    lowers = _lower_edges(buckets)
    per_bucket = []
    for i, lower in enumerate(lowers, start=1):
        late = f"{_days(conn, 'a.alloc_date', 'c.due_date')} > {lower}"  # after the invoice entered the bucket
        per_bucket.append(
            f"c.amount - COALESCE(SUM(CASE WHEN NOT ({late}) THEN a.amount END), 0) AS open_{i},\n"
            f"    COALESCE(SUM(CASE WHEN a.write_off_id IS NOT NULL AND {late} THEN a.amount END), 0) AS lost_{i},\n"
            f"    CASE WHEN {_days(conn, ':as_of', 'c.due_date')} >= {lower} THEN 1 ELSE 0 END AS seen_{i}"
        )
    sums = []
    for i in range(1, len(lowers) + 1):
        reached = f"CASE WHEN seen_{i} = 1 AND open_{i} > 0 THEN {_to_base(f'open_{i}', 'p.currency', 'r.rate')} END"
        lost = f"CASE WHEN seen_{i} = 1 AND open_{i} > 0 THEN {_to_base(f'lost_{i}', 'p.currency', 'r.rate')} END"
        sums.append(f"COALESCE(SUM({reached}), 0) AS reached_{i}, COALESCE(SUM({lost}), 0) AS lost_{i}")
    cols = ",\n    ".join(per_bucket)
    sql = f"""
WITH rates AS MATERIALIZED (
  SELECT c.currency, {_rate_on("c.currency", ":as_of")} AS rate FROM (SELECT DISTINCT currency FROM fx_rates) c
),
coh AS MATERIALIZED (
  SELECT i.id, i.currency, i.amount, i.due_date FROM invoices i
  WHERE i.kind = 'invoice' AND i.issue_date >= :first AND i.issue_date <= :last
),
per AS MATERIALIZED (
  SELECT c.id, c.currency, c.amount,
    COALESCE(SUM(CASE WHEN a.write_off_id IS NOT NULL THEN a.amount END), 0) AS lost,
    {cols}
  FROM coh c LEFT JOIN allocations a ON a.invoice_id = c.id AND a.alloc_date <= :as_of
  GROUP BY c.id, c.currency, c.amount, c.due_date
)
SELECT COALESCE(SUM({_to_base("p.amount", "p.currency", "r.rate")}), 0) AS reached_0,
       COALESCE(SUM({_to_base("p.lost", "p.currency", "r.rate")}), 0) AS lost_0,
       SUM(CASE WHEN r.rate IS NULL AND p.currency <> :base THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN r.rate IS NULL AND p.currency <> :base THEN p.currency END) AS missing_currency,
       {", ".join(sums)}
FROM per p LEFT JOIN rates r ON r.currency = p.currency"""
    stmt = text(sql).bindparams(*(bindparam(n, type_=Date) for n in ("as_of", "first", "last")))
    row = conn.execute(stmt, {"as_of": as_of, "first": first, "last": last, "base": base_currency(conn)}).one()
    if row.missing:
        raise MissingFxRate(row.missing_currency, as_of)
    m = row._mapping
    n = len(buckets.labels)
    return LossHistory(
        labels=buckets.labels,
        reached=tuple(from_minor(m[f"reached_{i}"] or 0) for i in range(n)),
        lost=tuple(from_minor(m[f"lost_{i}"] or 0) for i in range(n)),
        first_issue=first,
        last_issue=last,
    )


def in_collection(conn: Connection, as_of: date) -> set[int]:
    """Customers handed over to collection by as_of: a collection step we sent, or an invoice the ERP or agency
    reports as with the agency that is still open."""
    kinds = ", ".join(f"'{k}'" for k in COLLECTION_KINDS)
    sql = f"""
SELECT DISTINCT customer_id FROM dunning_steps WHERE step IN ({kinds}) AND sent_on <= :as_of
UNION
SELECT DISTINCT i.customer_id FROM dunning_status d JOIN invoices i ON i.id = d.invoice_id
WHERE d.collection_status = 'with_agency' AND i.issue_date <= :as_of AND i.open_until > :as_of"""
    stmt = text(sql).bindparams(bindparam("as_of", type_=Date))
    return {r[0] for r in conn.execute(stmt, {"as_of": as_of})}


@dataclass(frozen=True)
class Provision:
    """The booked ECL at a date and the portfolio it was measured on (reused by the pack's other sections)."""

    result: EclResult
    risk: RiskPortfolio
    individual_ids: frozenset[int]
    collective_credits: Decimal  # unapplied credits of collectively assessed customers (outside the matrix)


def individual_rows(
    risk: RiskPortfolio, events: dict[int, Iterable], collection: set[int], settings: EclSettings, lgd: Decimal
) -> list[IndividualRow]:
    out = []
    for r in risk.rows:
        if r.balance <= 0:
            continue
        reason = individual_reason(
            events=[e.kind for e in events.get(r.customer_id, ())],
            in_collection=r.customer_id in collection,
            exposure=r.balance,
            settings=settings,
        )
        if reason is None:
            continue
        out.append(
            IndividualRow(
                customer_id=r.customer_id,
                ref=r.ref,
                name=r.name,
                reason=reason,
                exposure=r.balance,
                pd_percent=r.assessment.pd_percent,
                lgd_percent=lgd,
                uninsured=r.uninsured,
                ecl=r.expected_loss,
            )
        )
    out.sort(key=lambda x: x.ref)
    return out


def provision(conn: Connection, as_of: date, policy: Policy | None = None) -> Provision:
    """The ECL as of a date: individually assessed customers (bankrupt, in collection or above the size
    threshold) at the risk model's expected loss, every other customer's open invoices through the provision
    matrix by due-date bucket (the policy's buckets) with the loss rates of the ledger's own history."""
    policy = policy or active_policy(conn)
    settings = policy.ecl
    buckets = policy.buckets
    risk = portfolio_risk(conn, as_of, policy=policy)
    events = register_events(conn, as_of, EVER)
    indiv = individual_rows(risk, events, in_collection(conn, as_of), settings, policy.lgd_percent)
    ids = frozenset(r.customer_id for r in indiv)
    cells = [c for c in aging_cells(conn, as_of, Basis.DUE, buckets, base_currency(conn)) if c.customer_id not in ids]
    balances = [ZERO] * len(buckets.labels)
    credits = ZERO
    for c in cells:
        balances[c.bucket] += c.amount - c.unapplied_amount  # open invoices only: credits are not receivables
        credits += c.unapplied_amount
    matrix = provision_matrix(balances, loss_history(conn, as_of, buckets, settings), settings)
    return Provision(EclResult(matrix, tuple(indiv)), risk, ids, credits)


def collective_aging(conn: Connection, as_of: date, buckets: Buckets, exclude: Iterable[int]):
    """The aging by due date without the given customers (for tests and the reconciliation)."""
    skip = set(exclude)
    cells = [c for c in aging_cells(conn, as_of, Basis.DUE, buckets, base_currency(conn)) if c.customer_id not in skip]
    return build_aging(as_of, Basis.DUE, base_currency(conn), buckets, cells, customer_names(conn))
