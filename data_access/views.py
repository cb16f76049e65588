"""Read models for the pages: each function takes a Connection and returns plain dataclasses.

All figures come from the as-of SQL in data_access/asof.py and the formulas in domain/; nothing here
re-implements aging. Amounts are Decimal in the base currency unless a field says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, or_, select

from data_access.asof import (
    aging,
    aging_by_currency,
    aging_cells_by_date,
    agings,
    behaviour_sums,
    closed_invoices,
    customer_ids_in_view,
    monthly_credit_sales,
    open_items,
)
from data_access.behaviour import payment_trends, payment_trends_at
from data_access.kpis import portfolio_kpis, rates_as_of
from data_access.ledger import active_policy, base_currency
from data_access.schema import Activity, CompanyEvent, CreditReport, Customer, ImportLog
from domain.aging import (
    AgingReport,
    Basis,
    Buckets,
    amounts_beyond,
    bucket_totals,
    coarsen,
    coarsen_values,
    customer_amount_beyond,
    merged,
)
from domain.behaviour import Trend
from domain.calendar import previous_month_end, trend_dates
from domain.filters import CustomerFilter
from domain.fx import MissingFxRate
from domain.kpis import Kpis, countback, countback_periods, group_roots, ratio
from domain.money import convert, q2
from domain.risk import uninsured

SOURCES = ("ledger", "credit_reports", "register")
SHARE_EDGES = (60, 90)  # the "share over 60 / 90 days" figures need these edges


# --- frame ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterOptions:
    countries: tuple[str, ...]
    segments: tuple[str, ...]
    industries: tuple[str, ...]
    currencies: tuple[str, ...]
    groups: tuple[tuple[int, str], ...]  # (root customer id, name) of corporate groups with members


def filter_options(conn: Connection) -> FilterOptions:
    rows = conn.execute(
        select(
            Customer.id,
            Customer.name,
            Customer.parent_id,
            Customer.country,
            Customer.segment,
            Customer.industry_code,
            Customer.currency,
        )
    ).all()
    roots = group_roots({r.id: r.parent_id for r in rows})
    with_members = {root for cid, root in roots.items() if cid != root}
    names = {r.id: r.name for r in rows}

    def distinct(attr):
        return tuple(sorted({getattr(r, attr) for r in rows if getattr(r, attr)}))

    return FilterOptions(
        countries=distinct("country"),
        segments=distinct("segment"),
        industries=distinct("industry_code"),
        currencies=distinct("currency"),
        groups=tuple(sorted(((g, names[g]) for g in with_members), key=lambda g: g[1])),
    )


def freshness(conn: Connection) -> dict[str, datetime | None]:
    """When each source was last loaded successfully (from the import log)."""
    rows = conn.execute(
        select(ImportLog.source, func.max(ImportLog.finished_at))
        .where(ImportLog.status == "ok")
        .group_by(ImportLog.source)
    ).all()
    found = {r[0]: r[1] for r in rows}
    return {s: found.get(s) for s in SOURCES}


# --- portfolio --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    as_of: date
    total: Decimal
    overdue: Decimal
    over_60: Decimal
    over_90: Decimal
    dso_countback: Decimal | None
    amounts: tuple[Decimal, ...]  # by the display buckets

    @property
    def overdue_share(self) -> Decimal | None:
        q = ratio(self.overdue, self.total)
        return None if q is None else q * 100

    @property
    def share_over_60(self) -> Decimal | None:
        q = ratio(self.over_60, self.total)
        return None if q is None else q * 100

    @property
    def share_over_90(self) -> Decimal | None:
        q = ratio(self.over_90, self.total)
        return None if q is None else q * 100


def month_end_trend(
    conn: Connection,
    as_of: date,
    flt: CustomerFilter | None = None,
    basis: Basis = Basis.DUE,
    buckets: Buckets | None = None,
    points: int = 12,
) -> tuple[Buckets, list[TrendPoint]]:
    """AR, overdue, over 60/90 days, countback DSO and bucket amounts at as_of and the 11 month-ends before.

    The aging cells of all dates come from one statement (asof.aging_cells_by_date), with the display edges
    merged with 60 and 90, summed per bucket and re-bucketed exactly; DSO from one monthly-sales query
    (month-ends take whole months, as_of takes its month up to as_of)."""
    display = buckets or active_policy(conn).buckets
    fine = merged(display, SHARE_EDGES)
    monthly, _ = monthly_credit_sales(conn, as_of, as_of, flt)
    dates = trend_dates(as_of, points)
    cells = aging_cells_by_date(conn, dates, basis, fine, base_currency(conn), flt)
    out = []
    for d in dates:
        amounts = bucket_totals(cells[d], fine)  # the aging's portfolio amounts by the fine buckets
        total = sum(amounts, Decimal("0.00"))
        sales = {k: v for k, v in monthly.items() if k <= (d.year, d.month)}
        out.append(
            TrendPoint(
                as_of=d,
                total=total,
                overdue=total - amounts[0],
                over_60=amounts_beyond(amounts, fine, 60),
                over_90=amounts_beyond(amounts, fine, 90),
                dso_countback=countback(total, countback_periods(d, sales)),
                amounts=coarsen_values(amounts, fine, display),
            )
        )
    return display, out


@dataclass(frozen=True)
class ConcentrationRow:
    key: int
    ref: str
    name: str
    balance: Decimal
    share: Decimal | None  # % of all positive balances in view
    credit_limit: Decimal | None  # base currency; for a group the sum of its members' limits
    utilisation: Decimal | None  # % of the limit
    insured_limit: Decimal | None
    members: int = 1
    uninsured: Decimal | None = None  # the exposure no credit insurer covers (domain.risk.uninsured)


@dataclass(frozen=True)
class WatchRow:
    customer_id: int
    ref: str
    name: str
    balance: Decimal
    over_90: Decimal
    credit_limit: Decimal | None
    deteriorating: bool
    over_limit: bool
    reason: str  # English summary for the CLI; pages build their text from the flags and `trend`
    trend: Trend | None = None


@dataclass(frozen=True)
class Overview:
    as_of: date
    previous: date
    currency: str
    kpis: Kpis
    kpis_previous: Kpis
    deteriorating: int
    deteriorating_previous: int
    over_limit: int
    over_limit_previous: int
    aging: AgingReport
    by_segment: dict[str, tuple[Decimal, ...]]
    by_country: dict[str, tuple[Decimal, ...]]
    top_customers: list[ConcentrationRow]
    top_groups: list[ConcentrationRow]
    watchlist: list[WatchRow]
    trend: list[TrendPoint] = field(default_factory=list)


@dataclass(frozen=True)
class _CustomerInfo:
    id: int
    ref: str
    name: str
    parent_id: int | None
    country: str | None
    segment: str | None
    industry: str | None
    currency: str
    credit_limit: Decimal | None  # base currency at the as-of closing rate
    insured_limit: Decimal | None
    insured_share: Decimal | None = None  # percent

    def uninsured(self, balance: Decimal) -> Decimal:
        return q2(uninsured(balance, self.insured_limit, self.insured_share))


def _customers(
    conn: Connection, as_of: date, need: set[int] | None = None, only: int | None = None
) -> dict[int, _CustomerInfo]:
    """Customers (all, or only the one with id `only`) with limits in base currency at the as-of closing rate.

    A missing rate is an error for the customers in `need` (those whose balance is compared with a limit);
    for the others the converted limit is left unknown (None), so an as-of date before a currency's first
    rate does not fail for customers with nothing open.
    """
    base = base_currency(conn)
    rates = rates_as_of(conn, as_of)

    def to_base(amount, currency, cid):
        if amount is None or currency == base:
            return amount
        if currency not in rates:
            if need is None or cid in need:
                raise MissingFxRate(currency, as_of)
            return None
        return convert(amount, rates[currency])

    query = select(Customer.__table__)
    rows = conn.execute(query if only is None else query.where(Customer.id == only)).all()
    return {
        r.id: _CustomerInfo(
            r.id,
            r.customer_ref,
            r.name,
            r.parent_id,
            r.country,
            r.segment,
            r.industry_code,
            r.currency,
            to_base(r.credit_limit, r.currency, r.id),
            to_base(r.insured_limit, r.currency, r.id),
            r.insured_share,
        )
        for r in rows
    }


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    q = ratio(part, whole)
    return None if q is None else q * 100


def _over_limit(balance: Decimal, limit: Decimal | None) -> bool:
    return limit is not None and limit > 0 and balance > limit


def overview(conn: Connection, as_of: date, flt: CustomerFilter | None = None) -> Overview:
    """Everything on the portfolio page for one as-of date and filter."""
    policy = active_policy(conn)
    prev = previous_month_end(as_of)
    k_now = portfolio_kpis(conn, as_of, flt=flt)
    k_prev = portfolio_kpis(conn, prev, flt=flt)
    fine = merged(policy.buckets, SHARE_EDGES)
    reports = agings(conn, (as_of, prev), Basis.DUE, fine, flt)
    rep_fine = reports[as_of]
    rep = coarsen(rep_fine, policy.buckets)
    rep_prev = coarsen(reports[prev], policy.buckets)
    info = _customers(conn, as_of, {c.customer_id for c in rep.customers})
    info_prev = _customers(conn, prev, {c.customer_id for c in rep_prev.customers})
    by_date = payment_trends_at(conn, (as_of, prev))
    trends, trends_prev = by_date[as_of], by_date[prev]
    in_view = customer_ids_in_view(conn, flt)

    def visible(cid):
        return in_view is None or cid in in_view

    deteriorating = {cid for cid, t in trends.items() if t.deteriorating and visible(cid)}
    det_prev = sum(1 for cid, t in trends_prev.items() if t.deteriorating and visible(cid))
    balances = {c.customer_id: c.total for c in rep.customers}
    over = {cid for cid, b in balances.items() if _over_limit(b, info[cid].credit_limit)}
    over_prev = sum(1 for c in rep_prev.customers if _over_limit(c.total, info_prev[c.customer_id].credit_limit))

    positive_total = sum((b for b in balances.values() if b > 0), Decimal(0))
    top_customers = [
        ConcentrationRow(
            cid,
            info[cid].ref,
            info[cid].name,
            b,
            _share(b, positive_total),
            info[cid].credit_limit,
            _share(b, info[cid].credit_limit) if info[cid].credit_limit else None,
            info[cid].insured_limit,
            uninsured=info[cid].uninsured(b),
        )
        for cid, b in sorted(balances.items(), key=lambda kv: (-kv[1], info[kv[0]].ref))
        if b > 0
    ][:10]
    roots = group_roots({c.id: c.parent_id for c in info.values()})
    groups: dict[int, list[int]] = {}
    for cid in info:
        if visible(cid):
            groups.setdefault(roots[cid], []).append(cid)
    group_rows = []
    for root, members in groups.items():
        bal = sum((balances.get(m, Decimal(0)) for m in members), Decimal(0))
        if bal <= 0:
            continue
        limits = [info[m].credit_limit for m in members if info[m].credit_limit is not None]
        insured = [info[m].insured_limit for m in members if info[m].insured_limit is not None]
        limit = sum(limits, Decimal(0)) if limits else None
        group_rows.append(
            ConcentrationRow(
                root,
                info[root].ref,
                info[root].name,
                bal,
                None,
                limit,
                _share(bal, limit) if limit else None,
                sum(insured, Decimal(0)) if insured else None,
                len(members),
                sum((info[m].uninsured(balances[m]) for m in members if balances.get(m, 0) > 0), Decimal("0.00")),
            )
        )
    group_total = sum((g.balance for g in group_rows), Decimal(0))
    top_groups = [
        ConcentrationRow(
            g.key,
            g.ref,
            g.name,
            g.balance,
            _share(g.balance, group_total),
            g.credit_limit,
            g.utilisation,
            g.insured_limit,
            g.members,
            g.uninsured,
        )
        for g in sorted(group_rows, key=lambda g: (-g.balance, g.ref))[:10]
    ]
    watch = []
    for c in rep_fine.customers:
        o90 = customer_amount_beyond(c, fine, 90)
        det, ovl = c.customer_id in deteriorating, c.customer_id in over
        if not (det or ovl or o90 > 0):
            continue
        reasons = []
        if det:
            reasons.append(f"paying later: {trends[c.customer_id].reason}")
        if ovl:
            reasons.append("over credit limit")
        if o90 > 0:
            reasons.append("over 90 days past due")
        watch.append(
            WatchRow(
                c.customer_id,
                c.customer_ref,
                c.name,
                c.total,
                o90,
                info[c.customer_id].credit_limit,
                det,
                ovl,
                "; ".join(reasons),
                trends.get(c.customer_id),
            )
        )
    for cid in deteriorating - {w.customer_id for w in watch}:  # deteriorating payers with nothing open
        watch.append(
            WatchRow(
                cid,
                info[cid].ref,
                info[cid].name,
                Decimal("0.00"),
                Decimal("0.00"),
                info[cid].credit_limit,
                True,
                False,
                f"paying later: {trends[cid].reason}",
                trends[cid],
            )
        )
    watch.sort(key=lambda w: (-(w.deteriorating + w.over_limit + (w.over_90 > 0)), -w.over_90, -w.balance, w.ref))
    seg = {cid: i.segment for cid, i in info.items()}
    cty = {cid: i.country for cid, i in info.items()}
    from domain.aging import group_rows as by_key

    return Overview(
        as_of=as_of,
        previous=prev,
        currency=rep.currency,
        kpis=k_now,
        kpis_previous=k_prev,
        deteriorating=len(deteriorating),
        deteriorating_previous=det_prev,
        over_limit=len(over),
        over_limit_previous=over_prev,
        aging=rep,
        by_segment=by_key(rep, seg),
        by_country=by_key(rep, cty),
        top_customers=top_customers,
        top_groups=top_groups,
        watchlist=watch,
    )


# --- aging page --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgingView:
    report: AgingReport
    by_country: dict[str, tuple[Decimal, ...]]
    by_segment: dict[str, tuple[Decimal, ...]]
    by_currency: dict[str, tuple[Decimal, ...]]  # by document currency, amounts in base currency
    attributes: dict[int, tuple[str | None, str | None, str]]  # customer id -> (country, segment, currency)


def aging_view(
    conn: Connection, as_of: date, basis: Basis, buckets: Buckets | None = None, flt: CustomerFilter | None = None
) -> AgingView:
    from domain.aging import group_rows as by_key

    rep = aging(conn, as_of, basis, buckets, flt)
    info = conn.execute(select(Customer.id, Customer.country, Customer.segment, Customer.currency)).all()
    attrs = {r.id: (r.country, r.segment, r.currency) for r in info}
    return AgingView(
        report=rep,
        by_country=by_key(rep, {k: v[0] for k, v in attrs.items()}),
        by_segment=by_key(rep, {k: v[1] for k, v in attrs.items()}),
        by_currency=aging_by_currency(conn, as_of, basis, rep.buckets, flt),
        attributes=attrs,
    )


# --- customer page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerHit:
    id: int
    ref: str
    name: str
    org_number: str | None


def search_customers(conn: Connection, text: str = "", limit: int = 50, owner: str | None = None) -> list[CustomerHit]:
    """Customers whose name, reference or organisation number contains `text` (case-insensitive); with an
    `owner`, only the customers that sales person owns."""
    q = select(Customer.id, Customer.customer_ref, Customer.name, Customer.org_number)
    if owner is not None:
        q = q.where(Customer.sales_owner == owner)
    t = text.strip()
    if t:
        like = f"%{t.lower()}%"
        compact = t.replace(" ", "").replace("-", "")
        q = q.where(
            or_(
                func.lower(Customer.name).like(like),
                func.lower(Customer.customer_ref).like(like),
                Customer.org_number.like(f"%{compact}%"),
            )
        )
    rows = conn.execute(q.order_by(Customer.name, Customer.customer_ref).limit(limit)).all()
    return [CustomerHit(r.id, r.customer_ref, r.name, r.org_number) for r in rows]


@dataclass(frozen=True)
class CreditReportRow:
    report_date: date
    source: str
    score: int | None
    rating: str | None
    remarks_count: int
    remarks_amount: Decimal


@dataclass(frozen=True)
class EventRow:
    event_date: date
    event_type: str
    source: str
    text: str | None


@dataclass(frozen=True)
class ActivityRow:
    id: int
    activity_date: date
    kind: str
    text: str | None
    promised_amount: Decimal | None
    promised_date: date | None
    author: str | None
    created_at: datetime


@dataclass(frozen=True)
class CustomerDetail:
    id: int
    ref: str
    name: str
    org_number: str | None
    country: str | None
    currency: str
    status: str
    payment_terms_days: int
    segment: str | None
    industry_code: str | None
    credit_limit: Decimal | None  # customer currency
    credit_limit_base: Decimal | None
    insured_limit: Decimal | None  # customer currency
    balance: Decimal  # base currency
    utilisation: Decimal | None  # % of the limit (base)
    group_root: CustomerHit | None  # the corporate group's top-most parent (None when stand-alone)
    group_members: list[CustomerHit]
    group_balance: Decimal | None
    aging: AgingReport  # this customer only
    open_items: list
    latest_report: CreditReportRow | None
    payment_index: Decimal | None
    trend: Trend | None
    currency_base: str
    group_limit: Decimal | None = None  # the corporate group's limit (base currency), kept on its top-most parent
    insurer: str | None = None
    insured_share: Decimal | None = None


def customer_detail(conn: Connection, customer_id: int, as_of: date) -> CustomerDetail | None:
    c = conn.execute(select(Customer.__table__).where(Customer.id == customer_id)).one_or_none()
    if c is None:
        return None
    policy = active_policy(conn)
    base = base_currency(conn)
    parents = dict(conn.execute(select(Customer.id, Customer.parent_id)).all())
    roots = group_roots(parents)
    root = roots[customer_id]
    member_ids = sorted(cid for cid, r in roots.items() if r == root)
    rep_group = aging(conn, as_of, Basis.DUE, policy.buckets, CustomerFilter(groups=(root,)))
    balances = {row.customer_id: row.total for row in rep_group.customers}
    own = [row for row in rep_group.customers if row.customer_id == customer_id]
    rep = type(rep_group)(rep_group.as_of, rep_group.basis, rep_group.currency, rep_group.buckets, tuple(own))
    balance = rep.total
    info = _customers(conn, as_of, {customer_id} if own else set(), only=customer_id)[customer_id]
    hits = {
        r.id: CustomerHit(r.id, r.customer_ref, r.name, r.org_number)
        for r in conn.execute(
            select(Customer.id, Customer.customer_ref, Customer.name, Customer.org_number).where(
                Customer.id.in_(member_ids)
            )
        )
    }
    grouped = len(member_ids) > 1
    latest = conn.execute(
        select(CreditReport.__table__)
        .where(CreditReport.customer_id == customer_id, CreditReport.report_date <= as_of)
        .order_by(CreditReport.report_date.desc())
        .limit(1)
    ).one_or_none()
    beh = behaviour_sums(conn, as_of, as_of - timedelta(days=365), customer_id=customer_id)
    dbt = ratio(beh.weighted_days_beyond_terms, beh.weight)
    trends = payment_trends(conn, as_of, customer_id)
    return CustomerDetail(
        id=c.id,
        ref=c.customer_ref,
        name=c.name,
        org_number=c.org_number,
        country=c.country,
        currency=c.currency,
        status=c.status,
        payment_terms_days=c.payment_terms_days,
        segment=c.segment,
        industry_code=c.industry_code,
        credit_limit=c.credit_limit,
        credit_limit_base=info.credit_limit,
        insured_limit=c.insured_limit,
        balance=balance,
        utilisation=_share(balance, info.credit_limit) if info.credit_limit else None,
        group_root=hits[root] if grouped else None,
        group_members=[hits[m] for m in member_ids if m != customer_id] if grouped else [],
        group_balance=sum((balances.get(m, Decimal(0)) for m in member_ids), Decimal("0.00")) if grouped else None,
        aging=rep,
        open_items=open_items(conn, as_of, Basis.DUE, customer_id),
        latest_report=None
        if latest is None
        else CreditReportRow(
            latest.report_date, latest.source, latest.score, latest.rating, latest.remarks_count, latest.remarks_amount
        ),
        payment_index=None if dbt is None else policy.payment_index.index(dbt),
        trend=trends.get(customer_id),
        currency_base=base,
        group_limit=conn.execute(select(Customer.group_limit).where(Customer.id == root)).scalar() if grouped else None,
        insurer=c.insurer,
        insured_share=c.insured_share,
    )


@dataclass(frozen=True)
class PaidInvoice:
    invoice_number: str
    due_date: date
    close_date: date
    days_late: int
    amount: Decimal


def payment_history(conn: Connection, customer_id: int, as_of: date, years: int = 3) -> list[PaidInvoice]:
    """Every invoice of the customer closed by payment in the last `years` years, oldest first."""
    rows = closed_invoices(conn, as_of, as_of - timedelta(days=365 * years), customer_id)
    return [PaidInvoice(r.invoice_number, r.due_date, r.close_date, r.days_late, r.amount) for r in rows]


@dataclass(frozen=True)
class MonthFlow:
    year: int
    month: int
    invoiced: Decimal  # invoices minus credit notes, base currency at the document date
    paid: Decimal  # payments received, base currency at the payment date


def monthly_flows(conn: Connection, customer_id: int, as_of: date, months: int = 24) -> list[MonthFlow]:
    """Invoiced versus paid per calendar month for one customer (same conversion rules as the KPIs)."""
    from data_access.asof import _month_key, _rate_on, _run, _to_base

    start = date(as_of.year, as_of.month, 1)
    for _ in range(months - 1):
        start = previous_month_end(start).replace(day=1)
    sql = f"""
WITH docs AS (
  SELECT i.issue_date AS d, i.currency, i.amount, 'inv' AS kind,
         CASE WHEN i.currency = :base THEN NULL ELSE {_rate_on("i.currency", "i.issue_date")} END AS rate
  FROM invoices i WHERE i.customer_id = :cid AND i.issue_date >= :start AND i.issue_date <= :as_of
  UNION ALL
  SELECT p.payment_date, p.currency, p.amount, 'pay',
         CASE WHEN p.currency = :base THEN NULL ELSE {_rate_on("p.currency", "p.payment_date")} END
  FROM payments p WHERE p.customer_id = :cid AND p.payment_date >= :start AND p.payment_date <= :as_of
),
conv AS (SELECT d, kind, currency, {_to_base("amount", "currency", "rate")} AS base_minor FROM docs)
SELECT {_month_key(conn, "d")} AS ym,
       SUM(CASE WHEN kind = 'inv' THEN base_minor ELSE 0 END) AS invoiced,
       SUM(CASE WHEN kind = 'pay' THEN base_minor ELSE 0 END) AS paid,
       MIN(CASE WHEN base_minor IS NULL THEN currency END) AS missing_currency
FROM conv GROUP BY {_month_key(conn, "d")}"""
    rows = _run(
        conn,
        sql,
        {"as_of": as_of, "start": start, "cid": customer_id, "base": base_currency(conn)},
        dates=("as_of", "start"),
    ).all()
    from domain.money import from_minor

    for r in rows:
        if r.missing_currency:
            raise MissingFxRate(r.missing_currency, as_of)
    found = {int(r.ym): (from_minor(r.invoiced or 0), from_minor(r.paid or 0)) for r in rows}
    out, d = [], start
    while d <= as_of:
        inv, paid = found.get(d.year * 100 + d.month, (Decimal("0.00"), Decimal("0.00")))
        out.append(MonthFlow(d.year, d.month, inv, paid))
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def credit_reports(conn: Connection, customer_id: int, as_of: date) -> list[CreditReportRow]:
    rows = conn.execute(
        select(CreditReport.__table__)
        .where(CreditReport.customer_id == customer_id, CreditReport.report_date <= as_of)
        .order_by(CreditReport.report_date)
    ).all()
    return [
        CreditReportRow(r.report_date, r.source, r.score, r.rating, r.remarks_count, r.remarks_amount) for r in rows
    ]


def company_events(conn: Connection, customer_id: int, as_of: date) -> list[EventRow]:
    rows = conn.execute(
        select(CompanyEvent.__table__)
        .where(CompanyEvent.customer_id == customer_id, CompanyEvent.event_date <= as_of)
        .order_by(CompanyEvent.event_date.desc())
    ).all()
    return [EventRow(r.event_date, r.event_type, r.source, r.text) for r in rows]


def activities(conn: Connection, customer_id: int) -> list[ActivityRow]:
    """The activity log of a customer, newest first."""
    rows = conn.execute(
        select(Activity.__table__)
        .where(Activity.customer_id == customer_id)
        .order_by(Activity.activity_date.desc(), Activity.created_at.desc(), Activity.id.desc())
    ).all()
    return [
        ActivityRow(r.id, r.activity_date, r.kind, r.text, r.promised_amount, r.promised_date, r.author, r.created_at)
        for r in rows
    ]
