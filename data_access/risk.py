"""Risk classes as of a date for every customer (or one): gathers the bureau's latest report, register events,
payment behaviour, the as-of aging and limits in a handful of set-based queries, then hands each customer to
domain.risk.assess. The portfolio page, the customer page and the monitor all read this one path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Date, bindparam, func, select, text

from data_access.asof import aging, behaviour_sums_by_customer, customer_ids_in_view
from data_access.behaviour import payment_trends
from data_access.ledger import active_policy, base_currency
from data_access.schema import Customer, Invoice
from data_access.views import _customers
from domain.aging import Basis, Buckets, merged
from domain.alerts import Event
from domain.behaviour import Trend
from domain.filters import CustomerFilter
from domain.kpis import group_roots, ratio
from domain.money import from_minor, q2
from domain.policy import Policy
from domain.risk import (
    BureauView,
    ClassSummary,
    RiskAssessment,
    RiskInputs,
    assess,
    expected_loss,
    summarise_by_class,
    uninsured,
)

PAYMENT_INDEX_DAYS = 365  # the payment index reads a year of paid invoices (as on the customer page)


@dataclass(frozen=True)
class ReportRow:
    id: int
    view: BureauView


@dataclass(frozen=True)
class CustomerRisk:
    customer_id: int
    ref: str
    name: str
    parent_id: int | None
    status: str
    payment_terms_days: int
    assessment: RiskAssessment
    previous_report: ReportRow | None  # the report before the latest, for score drops
    latest_report: ReportRow | None
    balance: Decimal  # open balance, base currency (negative when in credit)
    amounts: tuple[Decimal, ...]  # by RiskPortfolio.buckets
    credit_limit: Decimal | None  # base currency
    insured_limit: Decimal | None  # base currency
    insured_share: Decimal | None  # percent
    uninsured: Decimal  # exposure the insurer does not cover
    expected_loss: Decimal  # risk-model PD x LGD x uninsured exposure, rounded to 0.01
    payment_index: Decimal | None
    trend: Trend | None
    limit_review_on: date | None
    limit_expires_on: date | None
    group_limit: Decimal | None

    @property
    def risk_class(self) -> str:
        return self.assessment.risk_class

    @property
    def exposure(self) -> Decimal:
        return max(self.balance, Decimal("0.00"))


@dataclass(frozen=True)
class RiskPortfolio:
    as_of: date
    currency: str
    buckets: Buckets  # the policy's buckets merged with any extra edges asked for
    rows: tuple[CustomerRisk, ...]


def _reports(conn: Connection, as_of: date, customer_id: int | None) -> dict[int, list[ReportRow]]:
    """The latest two credit reports dated on or before as_of, per customer (newest first)."""
    where = "report_date <= :as_of" + (" AND customer_id = :cid" if customer_id is not None else "")
    stmt = text(
        f"""SELECT * FROM (
              SELECT id, customer_id, report_date, source, score, rating, uc_class, pd_percent, remarks_count,
                     remarks_amount,
                     ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY report_date DESC, id DESC) AS rn
              FROM credit_reports WHERE {where}) r
            WHERE rn <= 2 ORDER BY customer_id, rn"""
    ).bindparams(bindparam("as_of", type_=Date))
    out: dict[int, list[ReportRow]] = {}
    for r in conn.execute(stmt, {"as_of": as_of, "cid": customer_id}):
        day = r.report_date if isinstance(r.report_date, date) else date.fromisoformat(str(r.report_date))
        out.setdefault(r.customer_id, []).append(
            ReportRow(
                r.id,
                BureauView(
                    report_date=day,
                    source=r.source,
                    score=r.score,
                    rating=r.rating,
                    uc_class=r.uc_class,
                    pd_percent=None if r.pd_percent is None else from_minor(int(r.pd_percent)),
                    remarks_count=int(r.remarks_count or 0),
                    remarks_amount=from_minor(int(r.remarks_amount or 0)),
                ),
            )
        )
    return out


def register_events(conn: Connection, as_of: date, days: int, customer_id: int | None = None) -> dict[int, list[Event]]:
    """Register events dated in (as_of - days, as_of], per customer (the risk class reads a year, the monitor
    the events new enough to alert on)."""
    stmt = text(
        "SELECT id, customer_id, event_date, event_type, text FROM company_events "
        "WHERE event_date <= :as_of AND event_date > :start"
        + (" AND customer_id = :cid" if customer_id is not None else "")
    ).bindparams(bindparam("as_of", type_=Date), bindparam("start", type_=Date))
    out: dict[int, list[Event]] = {}
    for r in conn.execute(stmt, {"as_of": as_of, "start": as_of - timedelta(days=days), "cid": customer_id}):
        day = r.event_date if isinstance(r.event_date, date) else date.fromisoformat(str(r.event_date))
        out.setdefault(r.customer_id, []).append(Event(r.id, day, r.event_type, r.text))
    return out


def _since(conn: Connection, as_of: date, customer_id: int | None) -> dict[int, date]:
    q = select(Invoice.customer_id, func.min(Invoice.issue_date)).where(Invoice.issue_date <= as_of)
    if customer_id is not None:
        q = q.where(Invoice.customer_id == customer_id)
    return {cid: d for cid, d in conn.execute(q.group_by(Invoice.customer_id))}


def portfolio_risk(
    conn: Connection,
    as_of: date,
    flt: CustomerFilter | None = None,
    extra_edges: tuple[int, ...] = (),
    customer_id: int | None = None,
    policy: Policy | None = None,
) -> RiskPortfolio:
    """Every customer's class as of `as_of` with its reasons, exposure, insured part and expected loss."""
    policy = policy or active_policy(conn)
    buckets = merged(policy.buckets, extra_edges) if extra_edges else policy.buckets
    if customer_id is not None:
        # the as-of SQL's narrowest scope is a corporate group: read the customer's, not the whole portfolio
        root = group_roots(dict(conn.execute(select(Customer.id, Customer.parent_id)).all())).get(customer_id)
        if root is None:
            return RiskPortfolio(as_of, base_currency(conn), buckets, ())
        flt = CustomerFilter(groups=(root,))
    rep = aging(conn, as_of, Basis.DUE, buckets, flt)
    rows_by_id = {c.customer_id: c for c in rep.customers}
    if customer_id is not None:
        rows_by_id = {k: v for k, v in rows_by_id.items() if k == customer_id}
    info = _customers(conn, as_of, set(rows_by_id), only=customer_id)
    cust = {
        r.id: r
        for r in conn.execute(
            select(
                Customer.id,
                Customer.parent_id,
                Customer.status,
                Customer.payment_terms_days,
                Customer.insured_share,
                Customer.limit_review_on,
                Customer.limit_expires_on,
                Customer.group_limit,
            ).where(True if customer_id is None else Customer.id == customer_id)
        )
    }
    if flt is not None and not flt.is_empty:
        scope = customer_ids_in_view(conn, flt) or set()
    else:
        scope = set(cust)
    reports = _reports(conn, as_of, customer_id)
    rules = policy.risk_rules
    events = register_events(conn, as_of, max(rules.severe_event_days, rules.role_change_days), customer_id)
    sums = behaviour_sums_by_customer(conn, as_of, as_of - timedelta(days=PAYMENT_INDEX_DAYS), flt)
    trends = payment_trends(conn, as_of, customer_id, with_slope=False)
    since = _since(conn, as_of, customer_id)
    zero = tuple(Decimal("0.00") for _ in buckets.labels)
    out = []
    for cid in sorted(scope & set(cust)):
        c, i, row = cust[cid], info[cid], rows_by_id.get(cid)
        amounts = row.amounts if row else zero
        balance = sum(amounts, Decimal("0.00"))
        overdue = balance - amounts[0]
        s = sums.get(cid)
        dbt = None if s is None else ratio(s.weighted_days_beyond_terms, s.weight)
        pindex = None if dbt is None else policy.payment_index.index(dbt)
        trend = trends.get(cid)
        latest = reports.get(cid, [])
        inputs = RiskInputs(
            as_of=as_of,
            bureau=latest[0].view if latest else None,
            events=tuple((e.day, e.kind, e.text) for e in events.get(cid, ())),
            payment_index=pindex,
            deteriorating=bool(trend and trend.deteriorating),
            days_late_before=trend.baseline_median if trend else None,
            days_late_now=trend.recent_median if trend else None,
            overdue_share=None if balance <= 0 else overdue / balance * 100,
            limit_utilisation=None if not i.credit_limit else balance / i.credit_limit * 100,
            customer_since=since.get(cid),
        )
        a = assess(inputs, policy.bureau, rules, policy.risk_classes)
        exposure = max(balance, Decimal("0.00"))
        share = c.insured_share if c.insured_share is not None else Decimal(0)
        el = expected_loss(a.pd_percent, policy.lgd_percent, exposure, i.insured_limit, share)
        out.append(
            CustomerRisk(
                customer_id=cid,
                ref=i.ref,
                name=i.name,
                parent_id=c.parent_id,
                status=c.status,
                payment_terms_days=c.payment_terms_days,
                assessment=a,
                previous_report=latest[1] if len(latest) > 1 else None,
                latest_report=latest[0] if latest else None,
                balance=balance,
                amounts=amounts,
                credit_limit=i.credit_limit,
                insured_limit=i.insured_limit,
                insured_share=c.insured_share,
                uninsured=q2(uninsured(exposure, i.insured_limit, share)),
                expected_loss=q2(el),
                payment_index=pindex,
                trend=trend,
                limit_review_on=c.limit_review_on,
                limit_expires_on=c.limit_expires_on,
                group_limit=c.group_limit,
            )
        )
    return RiskPortfolio(as_of, rep.currency, buckets, tuple(out))


def customer_risk(conn: Connection, customer_id: int, as_of: date) -> CustomerRisk | None:
    """One customer's row of portfolio_risk (the same computation, restricted to that customer)."""
    rows = portfolio_risk(conn, as_of, customer_id=customer_id).rows
    return rows[0] if rows else None


@dataclass(frozen=True)
class RiskOverview:
    as_of: date
    currency: str
    buckets: Buckets  # the policy's
    classes: tuple[ClassSummary, ...]  # A–E

    @property
    def exposure(self) -> Decimal:
        return sum((c.exposure for c in self.classes), Decimal("0.00"))

    @property
    def uninsured(self) -> Decimal:
        return sum((c.uninsured for c in self.classes), Decimal("0.00"))

    @property
    def expected_loss(self) -> Decimal:
        return sum((c.expected_loss for c in self.classes), Decimal("0.00"))

    def exposure_in(self, classes: tuple[str, ...]) -> Decimal:
        return sum((c.exposure for c in self.classes if c.risk_class in classes), Decimal("0.00"))

    def share_in(self, classes: tuple[str, ...]) -> Decimal | None:
        """Percent of the exposure held by customers in these classes (None when nothing is exposed)."""
        q = ratio(self.exposure_in(classes), self.exposure)
        return None if q is None else q * 100


def risk_overview(conn: Connection, as_of: date, flt: CustomerFilter | None = None) -> RiskOverview:
    """The portfolio by risk class: exposure (open balances above zero) by aging bucket, uninsured part and
    expected loss, summed from the customer rows of portfolio_risk."""
    pf = portfolio_risk(conn, as_of, flt)
    rows = [
        (
            r.risk_class,
            r.amounts if r.balance > 0 else tuple(Decimal("0.00") for _ in r.amounts),
            r.exposure,
            r.uninsured,
            r.expected_loss,
        )
        for r in pf.rows
    ]
    return RiskOverview(as_of, pf.currency, pf.buckets, summarise_by_class(rows, len(pf.buckets.labels)))
