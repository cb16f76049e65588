"""Month-end close and the lender pack's data.

`build_pack` gathers every figure of the pack from the ledger as known now, through the same as-of SQL, KPI,
risk, provision and borrowing-base paths the pages use. `close_period` freezes that data as a snapshot
(domain.snapshot JSON) with the sign-off; a closed period's pack is always rendered from its snapshot, so later
imports never change it: they show as the post-close difference in the next period's roll-forward. Every report
handed out is logged with its SHA-256."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, bindparam, select, text, update
from sqlalchemy.types import Date

from data_access.asof import _rate_on, _to_base, aging_cells, customer_names, monthly_credit_sales, open_items
from data_access.audit import record
from data_access.borrowing import certificates, control_total, disputed_at
from data_access.kpis import portfolio_kpis, rates_as_of
from data_access.ledger import active_policy, base_currency, bump_data_version, company_profile
from data_access.policy_store import active_policy_version
from data_access.provision import Provision, provision
from data_access.schema import Customer, Dispute, Invoice, PeriodClose, ReportLog
from data_access.views import SHARE_EDGES, month_end_trend
from domain.aging import AgingCell, Basis, Buckets, amounts_beyond, bucket_totals, merged
from domain.borrowing_base import Certificate
from domain.calendar import period_bounds, period_of, previous_month_end, year_earlier_month_end
from domain.closing import CloseError, check_can_close, check_can_reopen, check_report, sha256
from domain.ecl import reconcile_allowance
from domain.kpis import cei, group_roots, hhi, ratio
from domain.money import convert, from_minor
from domain.pack import (
    AgingTable,
    ConcentrationLine,
    CustomerAgingLine,
    DisputeSummary,
    Headline,
    InsuranceSection,
    InsuredLine,
    LenderPack,
    NotificationDue,
    RiskSection,
    RollForward,
    TrendRow,
)
from domain.policy import Policy
from domain.risk import CLASSES, summarise_by_class
from domain.snapshot import dumps, loads

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


# --- reading closes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseRow:
    id: int
    period: str
    period_end: date
    status: str
    closed_at: datetime
    closed_by: str
    policy_version: int | None
    snapshot_sha256: str
    reopened_at: datetime | None
    reopened_by: str | None
    reopen_reason: str | None


_CLOSE_COLS = (
    PeriodClose.id,
    PeriodClose.period,
    PeriodClose.period_end,
    PeriodClose.status,
    PeriodClose.closed_at,
    PeriodClose.closed_by,
    PeriodClose.policy_version,
    PeriodClose.snapshot_sha256,
    PeriodClose.reopened_at,
    PeriodClose.reopened_by,
    PeriodClose.reopen_reason,
)


def closes(conn: Connection) -> list[CloseRow]:
    """Every close, newest period first (a reopened close stays listed with who reopened it and why)."""
    rows = conn.execute(select(*_CLOSE_COLS).order_by(PeriodClose.period.desc(), PeriodClose.id.desc())).all()
    return [CloseRow(*r) for r in rows]


def current_close(conn: Connection, period: str) -> CloseRow | None:
    """The close in force for a period (status closed), None when the period is open."""
    r = conn.execute(select(*_CLOSE_COLS).where(PeriodClose.period == period, PeriodClose.status == "closed")).first()
    return None if r is None else CloseRow(*r)


def closed_pack(conn: Connection, period: str) -> LenderPack | None:
    """The frozen pack of a closed period, exactly as it was closed; None when the period is not closed."""
    text_ = conn.execute(
        select(PeriodClose.snapshot).where(PeriodClose.period == period, PeriodClose.status == "closed")
    ).scalar()
    return None if text_ is None else loads(LenderPack, text_)


def _closed_at(conn: Connection, day: date) -> LenderPack | None:
    """The closed pack whose period ends on `day` (a month-end), if any."""
    return closed_pack(conn, period_of(day)) if day == period_bounds(period_of(day))[1] else None


# --- the pack's sections -------------------------------------------------------------------------


def _aging_table(cells: list[AgingCell], buckets: Buckets, basis: Basis) -> AgingTable:
    n = len(buckets.labels)
    inv, cred = [ZERO] * n, [ZERO] * n
    ninv, ncred = [0] * n, [0] * n
    for c in cells:
        inv[c.bucket] += c.amount - c.unapplied_amount
        cred[c.bucket] += c.unapplied_amount
        ncred[c.bucket] += c.unapplied_count
        ninv[c.bucket] += c.count - c.unapplied_count
    return AgingTable(str(basis), buckets.labels, tuple(inv), tuple(cred), tuple(ninv), tuple(ncred))


def _customer_lines(conn: Connection, cells: list[AgingCell], buckets: Buckets) -> tuple[CustomerAgingLine, ...]:
    names = customer_names(conn)
    n = len(buckets.labels)
    acc: dict[int, list] = {}
    for c in cells:
        row = acc.setdefault(c.customer_id, [[ZERO] * n, ZERO])
        row[0][c.bucket] += c.amount
        row[1] += c.unapplied_amount
    lines = [CustomerAgingLine(names[cid][0], names[cid][1], tuple(v[0]), v[1]) for cid, v in acc.items()]
    return tuple(sorted(lines, key=lambda x: x.ref))


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    q = ratio(part, whole)
    return None if q is None else q * HUNDRED


def headline(conn: Connection, as_of: date, policy: Policy, ecl: Decimal | None) -> Headline:
    """The executive summary's figures at one date, from the portfolio KPIs and the aging by due date."""
    k = portfolio_kpis(conn, as_of)
    fine = merged(policy.buckets, SHARE_EDGES)
    amounts = bucket_totals(aging_cells(conn, as_of, Basis.DUE, fine, base_currency(conn)), fine)
    total = sum(amounts, ZERO)
    return Headline(
        as_of=as_of,
        total=total,
        overdue_share=k.overdue_share,
        share_over_60=_share(amounts_beyond(amounts, fine, 60), total),
        share_over_90=_share(amounts_beyond(amounts, fine, 90), total),
        dso=k.dso_standard,
        bpdso=k.bpdso,
        add=k.add,
        cei=k.cei,
        ecl=ecl,
    )


def _flows(conn: Connection, first: date, last: date) -> dict[tuple[str, bool], Decimal]:
    """The month's movements per flow, split base currency (True) / other currencies (False), each document at
    the closing rate of `last` rounded per document. Signs as they move AR."""
    sql = f"""
WITH rates AS MATERIALIZED (
  SELECT c.currency, {_rate_on("c.currency", ":last")} AS rate FROM (SELECT DISTINCT currency FROM fx_rates) c
),
pp AS MATERIALIZED (
  -- the month's payments: the part applied to invoices by the period end, and whether the invoice they name had
  -- been written off by the payment date (then the unapplied rest is a recovery, not ordinary collection)
  SELECT p.currency, p.amount,
         COALESCE((SELECT SUM(a.amount) FROM allocations a
                   WHERE a.payment_id = p.id AND a.alloc_date <= :last), 0) AS applied,
         CASE WHEN EXISTS (
           SELECT 1 FROM invoices wi JOIN write_offs w ON w.invoice_id = wi.id
           WHERE wi.invoice_number = p.invoice_number AND wi.customer_id = p.customer_id
             AND w.write_off_date <= p.payment_date) THEN 1 ELSE 0 END AS written_off
  FROM payments p WHERE p.payment_date >= :first AND p.payment_date <= :last
),
docs AS MATERIALIZED (
  SELECT CASE WHEN i.kind = 'invoice' THEN 'invoiced' ELSE 'credit_notes' END AS flow, i.currency, i.amount
  FROM invoices i WHERE i.issue_date >= :first AND i.issue_date <= :last
  UNION ALL
  SELECT 'collected', pp.currency, -(CASE WHEN pp.written_off = 1 THEN pp.applied ELSE pp.amount END) FROM pp
  UNION ALL
  SELECT 'recoveries', pp.currency, -(pp.amount - pp.applied) FROM pp WHERE pp.written_off = 1
  UNION ALL
  SELECT 'write_offs', i.currency, -w.amount
  FROM write_offs w JOIN invoices i ON i.id = w.invoice_id
  WHERE w.write_off_date >= :first AND w.write_off_date <= :last
)
SELECT d.flow, CASE WHEN d.currency = :base THEN 1 ELSE 0 END AS home,
       SUM({_to_base("d.amount", "d.currency", "r.rate")}) AS total,
       SUM(CASE WHEN r.rate IS NULL AND d.currency <> :base THEN 1 ELSE 0 END) AS missing
FROM docs d LEFT JOIN rates r ON r.currency = d.currency
GROUP BY d.flow, CASE WHEN d.currency = :base THEN 1 ELSE 0 END"""
    stmt = text(sql).bindparams(*(bindparam(n, type_=Date) for n in ("first", "last")))
    out: dict[tuple[str, bool], Decimal] = {}
    for r in conn.execute(stmt, {"first": first, "last": last, "base": base_currency(conn)}):
        if r.missing:
            raise CloseError(f"a document of {first.isoformat()}..{last.isoformat()} has no FX rate on {last}")
        out[(r.flow, bool(r.home))] = from_minor(r.total or 0)
    return out


def rollforward(
    conn: Connection,
    first: date,
    last: date,
    aging_total: Decimal,
    previous: LenderPack | None,
    closing_items: list | None = None,
) -> RollForward:
    """Opening AR (the previous month-end) + the month's movements = closing AR, reconciled to the aging.

    Base-currency documents tie exactly: opening + movements must equal the closing aging's base-currency part,
    and `difference_to_aging` shows it. Other currencies: the opening items revalued to the closing rate are the
    FX revaluation, and what remains between the revalued opening, the movements at the closing rate and the
    closing items is per-document conversion rounding (a few øre)."""
    base = base_currency(conn)
    opening_day = first - timedelta(days=1)
    rates_close = rates_as_of(conn, last)
    opening_items = open_items(conn, opening_day)
    opening = sum((i.base_amount for i in opening_items), ZERO)
    opening_foreign = sum((i.base_amount for i in opening_items if i.currency != base), ZERO)
    revalued = ZERO
    for i in opening_items:
        if i.currency != base:
            if i.currency not in rates_close:
                raise CloseError(f"no {i.currency} rate on or before {last.isoformat()} to revalue the opening AR")
            revalued += convert(i.open_amount, rates_close[i.currency])
    if closing_items is None:
        closing_items = open_items(conn, last, Basis.DUE)
    closing_foreign = sum((i.base_amount for i in closing_items if i.currency != base), ZERO)
    flows = _flows(conn, first, last)

    def flow(name: str) -> Decimal:
        return flows.get((name, True), ZERO) + flows.get((name, False), ZERO)

    foreign_flows = sum((v for (_, home), v in flows.items() if not home), ZERO)
    post_close = ZERO
    printed_opening = opening
    if previous is not None:  # the previous month was closed: open from its frozen closing AR
        printed_opening = previous.aging_due.total
        post_close = opening - printed_opening
    found = control_total(conn, last)
    return RollForward(
        first_day=first,
        last_day=last,
        opening=printed_opening,
        invoiced=flow("invoiced"),
        collected=flow("collected"),
        credit_notes=flow("credit_notes"),
        write_offs=flow("write_offs"),
        recoveries=flow("recoveries"),
        fx_revaluation=revalued - opening_foreign,
        post_close=post_close,
        rounding=closing_foreign - revalued - foreign_flows,
        aging_total=aging_total,
        control_total=None if found is None else found[0],
        control_source=None if found is None else found[1],
    )


def _concentration(conn: Connection, as_of: date, prov: Provision) -> tuple:
    rows = [r for r in prov.risk.rows]
    balances = {r.customer_id: r.balance for r in rows}
    positive = sum((b for b in balances.values() if b > 0), ZERO)
    top = [
        ConcentrationLine(
            r.ref, r.name, r.balance, _share(r.balance, positive), r.credit_limit, r.insured_limit, r.risk_class
        )
        for r in sorted(rows, key=lambda r: (-r.balance, r.ref))
        if r.balance > 0
    ][:10]
    parents = dict(conn.execute(select(Customer.id, Customer.parent_id)).all())
    roots = group_roots(parents)
    by_id = {r.customer_id: r for r in rows}
    info = {
        c.id: c
        for c in conn.execute(select(Customer.id, Customer.customer_ref, Customer.name, Customer.group_limit)).all()
    }
    groups: dict[int, list] = {}
    for r in rows:
        groups.setdefault(roots[r.customer_id], []).append(r)
    worst = {c: i for i, c in enumerate(CLASSES)}
    group_lines = []
    group_balances = []
    for root, members in groups.items():
        bal = sum((m.balance for m in members), ZERO)
        group_balances.append(bal)
        if bal <= 0:
            continue
        limits = [m.credit_limit for m in members if m.credit_limit is not None]
        insured = [m.insured_limit for m in members if m.insured_limit is not None]
        group_limit = by_id[root].group_limit if root in by_id else info[root].group_limit
        classes = [m.risk_class for m in members if m.balance > 0]
        group_lines.append(
            ConcentrationLine(
                info[root].customer_ref,
                info[root].name,
                bal,
                None,
                group_limit if group_limit is not None else (sum(limits, ZERO) if limits else None),
                sum(insured, ZERO) if insured else None,
                max(classes, key=lambda c: worst[c]) if classes else None,
                len(members),
            )
        )
    group_total = sum((g.balance for g in group_lines), ZERO)
    top_groups = [
        ConcentrationLine(
            g.ref,
            g.name,
            g.balance,
            _share(g.balance, group_total),
            g.credit_limit,
            g.insured_limit,
            g.risk_class,
            g.members,
        )
        for g in sorted(group_lines, key=lambda g: (-g.balance, g.ref))[:10]
    ]
    return tuple(top), tuple(top_groups), hhi(balances.values()), hhi(group_balances)


def _disputes(conn: Connection, first: date, last: date) -> DisputeSummary:
    rates = rates_as_of(conn, last)
    base = base_currency(conn)
    rows = conn.execute(
        select(
            Dispute.amount,
            Dispute.opened_on,
            Dispute.resolved_on,
            Dispute.outcome,
            Invoice.currency,
            Invoice.invoice_number,
            Customer.customer_ref,
            Customer.name,
        )
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .join(Customer, Customer.id == Dispute.customer_id)
        .where(Dispute.opened_on <= last)
    ).all()

    def base_amount(r) -> Decimal:
        if r.currency == base:
            return r.amount
        if r.currency not in rates:
            raise CloseError(
                f"no {r.currency} rate on or before {last.isoformat()} for disputed invoice {r.invoice_number}"
            )
        return convert(r.amount, rates[r.currency])

    open_rows = [r for r in rows if r.resolved_on is None or r.resolved_on > last]
    opened = [r for r in rows if r.opened_on >= first]
    resolved = [r for r in rows if r.resolved_on is not None and first <= r.resolved_on <= last]
    outcomes: dict[str, list] = {}
    for r in resolved:
        acc = outcomes.setdefault(r.outcome or "", [0, ZERO])
        acc[0] += 1
        acc[1] += base_amount(r)
    largest = sorted(open_rows, key=lambda r: (-base_amount(r), r.invoice_number))[:5]
    return DisputeSummary(
        open_count=len(open_rows),
        open_amount=sum((base_amount(r) for r in open_rows), ZERO),
        opened_count=len(opened),
        opened_amount=sum((base_amount(r) for r in opened), ZERO),
        resolved_count=len(resolved),
        resolved_amount=sum((base_amount(r) for r in resolved), ZERO),
        by_outcome=tuple((k, v[0], v[1]) for k, v in sorted(outcomes.items())),
        largest_open=tuple((r.customer_ref, r.name, r.invoice_number, base_amount(r), r.opened_on) for r in largest),
    )


def _risk(conn: Connection, first: date, last: date, prov: Provision) -> RiskSection:
    rows = [
        (
            r.risk_class,
            r.amounts if r.balance > 0 else tuple(ZERO for _ in r.amounts),
            r.exposure,
            r.uninsured,
            r.expected_loss,
        )
        for r in prov.risk.rows
    ]
    summary = summarise_by_class(rows, len(prov.risk.buckets.labels))
    return RiskSection(
        classes=tuple(s.risk_class for s in summary),
        exposure_by_class=tuple(s.exposure for s in summary),
        customers_by_class=tuple(s.customers for s in summary),
        expected_loss_by_class=tuple(s.expected_loss for s in summary),
        bucket_labels=prov.risk.buckets.labels,
        heat=tuple(tuple(s.amounts) for s in summary),
        disputes=_disputes(conn, first, last),
    )


def _trend(conn: Connection, as_of: date) -> tuple[TrendRow, ...]:
    """12 month-ends: AR, overdue share, countback DSO and each month's CEI (one-month window: the month's
    opening AR + its credit sales − closing AR over the same less the closing current AR)."""
    _, points = month_end_trend(conn, as_of, points=13)
    monthly, _ = monthly_credit_sales(conn, as_of, as_of)
    out = []
    for before, p in itertools.pairwise(points):
        sales = monthly.get((p.as_of.year, p.as_of.month), ZERO)
        out.append(
            TrendRow(
                p.as_of, p.total, p.overdue_share, p.dso_countback, cei(before.total, sales, p.total, p.amounts[0])
            )
        )
    return tuple(out)


def _insurance(conn: Connection, prov: Provision, policy: Policy, items: list) -> InsuranceSection:
    """Insured and uninsured exposure, customers above their insured limit, and notifications due; `items` are the
    open items by due date at the period end."""
    rows = [r for r in prov.risk.rows if r.balance > 0]
    uninsured = sum((r.uninsured for r in rows), ZERO)
    exposure = sum((r.exposure for r in rows), ZERO)
    above = [
        InsuredLine(r.ref, r.name, r.balance, r.insured_limit, r.balance - r.insured_limit)
        for r in sorted(rows, key=lambda r: r.ref)
        if r.insured_limit is not None and r.insured_limit > 0 and r.balance > r.insured_limit
    ]
    insurers = {
        c.id: (c.customer_ref, c.name, c.insurer)
        for c in conn.execute(select(Customer.id, Customer.customer_ref, Customer.name, Customer.insurer)).all()
        if c.insurer
    }
    days = policy.alerts.insurer_notification_days
    warn_from = policy.alerts.insurer_warning_from
    due = []
    for it in items:
        if it.kind == "invoice" and it.customer_id in insurers and it.days >= warn_from:
            ref, name, insurer = insurers[it.customer_id]
            due.append(
                NotificationDue(ref, name, insurer, it.ref, it.base_amount, it.days, it.due_date + timedelta(days=days))
            )
    due.sort(key=lambda n: (n.deadline, n.ref, n.invoice))
    return InsuranceSection(exposure - uninsured, uninsured, days, tuple(above), tuple(due))


def _parameters(policy: Policy, version: int | None) -> tuple[tuple[str, str], ...]:
    e = policy.ecl
    out = [
        ("policy_version", str(version or "")),
        ("bucket_edges", ", ".join(str(x) for x in policy.bucket_edges)),
        ("kpi_window_days", str(policy.kpi_window_days)),
        ("lgd_percent", str(policy.lgd_percent)),
        ("ecl_lookback_months", str(e.lookback_months)),
        ("ecl_emergence_months", str(e.emergence_months)),
        ("ecl_min_reached", str(e.min_reached)),
        ("ecl_forward_factor", str(e.forward_factor)),
        ("ecl_forward_source", e.forward_source),
        ("ecl_individual_threshold", "" if e.individual_threshold is None else str(e.individual_threshold)),
        ("ecl_individual_events", ", ".join(e.individual_events)),
        ("ecl_individual_in_collection", "yes" if e.individual_in_collection else "no"),
        ("insurer_notification_days", str(policy.alerts.insurer_notification_days)),
    ]
    return tuple(out)


def _ecl_at(conn: Connection, day: date, policy: Policy) -> Decimal | None:
    """The booked ECL at a month-end: the closed figure when that month is closed, else computed now; None
    before the ledger's first document."""
    frozen = _closed_at(conn, day)
    if frozen is not None:
        return frozen.ecl.total
    try:
        return provision(conn, day, policy).result.total
    except Exception:
        return None


def _headline_at(conn: Connection, day: date, policy: Policy) -> Headline:
    frozen = _closed_at(conn, day)
    if frozen is not None:
        return frozen.summary[0]
    return headline(conn, day, policy, _ecl_at(conn, day, policy))


def build_pack(
    conn: Connection,
    period: str,
    *,
    prepared_by: str,
    generated_at: datetime,
    signed_off_by: str | None = None,
    closed: bool = False,
) -> LenderPack:
    """Every figure of the lender pack for a month, from the ledger as known now."""
    first, last = period_bounds(period)
    policy = active_policy(conn)
    version = active_policy_version(conn)
    profile = company_profile(conn)
    base = base_currency(conn)
    prev_end = previous_month_end(last)
    year_end = year_earlier_month_end(last)
    previous = _closed_at(conn, prev_end)

    prov = provision(conn, last, policy)
    buckets = policy.buckets
    due_cells = aging_cells(conn, last, Basis.DUE, buckets, base)
    inv_cells = aging_cells(conn, last, Basis.INVOICE, buckets, base)
    aging_due = _aging_table(due_cells, buckets, Basis.DUE)
    aging_invoice = _aging_table(inv_cells, buckets, Basis.INVOICE)

    # the previous month-end's ECL is both its headline figure and the allowance's opening: computed once
    prev_ecl = previous.ecl.total if previous is not None else _ecl_at(conn, prev_end, policy)
    summary = (
        headline(conn, last, policy, prov.result.total),
        previous.summary[0] if previous is not None else headline(conn, prev_end, policy, prev_ecl),
        _headline_at(conn, year_end, policy),
    )
    opening_ecl = prev_ecl or ZERO
    closing_items = open_items(conn, last, Basis.DUE)  # the roll-forward's closing side and the insurance list
    flows_rf = rollforward(conn, first, last, aging_due.total, previous, closing_items)
    used = -flows_rf.write_offs
    allowance = reconcile_allowance(opening_ecl, prov.result.total, used)
    top, top_groups, hhi_c, hhi_g = _concentration(conn, last, prov)
    prev_certs = {c.profile.name: c for c in previous.certificates} if previous is not None else {}
    certs = certificates(conn, last, disputed_at(conn, last), prev_certs)

    warnings = []
    for label in prov.result.matrix.missing_rationale:
        warnings.append(f"thin_history:{label}")
    if flows_rf.post_close != 0:
        warnings.append("post_close_difference")
    if flows_rf.difference_to_aging != 0:
        warnings.append("rollforward_difference")
    if flows_rf.difference_to_control not in (None, ZERO):
        warnings.append("control_total_difference")
    if not certs:
        warnings.append("no_lender_profile")
    return LenderPack(
        company=profile.name,
        org_number=profile.org_number,
        country=profile.country,
        currency=base,
        period=period,
        period_end=last,
        previous_end=prev_end,
        year_earlier_end=year_end,
        prepared_by=prepared_by,
        signed_off_by=signed_off_by,
        signed_off_at=generated_at if closed else None,
        generated_at=generated_at,
        policy_version=version or 0,
        closed=closed,
        summary=summary,
        aging_due=aging_due,
        aging_invoice=aging_invoice,
        customers=_customer_lines(conn, due_cells, buckets),
        rollforward=flows_rf,
        top_customers=top,
        top_groups=top_groups,
        hhi=hhi_c,
        group_hhi=hhi_g,
        risk=_risk(conn, first, last, prov),
        trend=_trend(conn, last),
        ecl_settings=policy.ecl,
        ecl=prov.result,
        allowance=allowance,
        certificates=tuple(certs),
        insurance=_insurance(conn, prov, policy, closing_items),
        parameters=_parameters(policy, version),
        warnings=tuple(warnings),
    )


# --- close and reopen ----------------------------------------------------------------------------


def close_period(
    conn: Connection, period: str, *, closed_by: str, now: datetime, prepared_by: str | None = None
) -> int:
    """Freeze the period's pack with the sign-off (who, when); CloseError when the period is not over or is
    already closed. Returns the close's id."""
    check_can_close(period, now.date(), closed_by)
    existing = current_close(conn, period)
    if existing is not None:
        raise CloseError(
            f"period {period} was closed on {existing.closed_at:%Y-%m-%d %H:%M} by {existing.closed_by}; "
            "reopen it first to close it again"
        )
    stamp = now.replace(microsecond=0)
    pack = build_pack(
        conn,
        period,
        prepared_by=(prepared_by or closed_by).strip(),
        generated_at=stamp,
        signed_off_by=closed_by.strip(),
        closed=True,
    )
    body = dumps(pack)
    result = conn.execute(
        PeriodClose.__table__.insert().values(
            period=period,
            period_end=pack.period_end,
            status="closed",
            closed_at=stamp,
            closed_by=closed_by.strip(),
            policy_version=pack.policy_version or None,
            snapshot=body,
            snapshot_sha256=sha256(body),
        )
    )
    close_id = int(result.inserted_primary_key[0])
    record(conn, closed_by, "close", "period", period, None, {"status": "closed", "sha256": sha256(body)}, stamp)
    bump_data_version(conn)
    return close_id


def reopen_period(conn: Connection, period: str, *, user: str, role: str, reason: str, now: datetime) -> None:
    check_can_reopen(period, role, user, reason)
    existing = current_close(conn, period)
    if existing is None:
        raise CloseError(f"period {period} is not closed")
    conn.execute(
        update(PeriodClose)
        .where(PeriodClose.id == existing.id)
        .values(
            status="reopened",
            reopened_at=now.replace(microsecond=0),
            reopened_by=user.strip(),
            reopen_reason=reason.strip(),
        )
    )
    record(
        conn, user, "reopen", "period", period, {"status": "closed"}, {"status": "reopened", "reason": reason.strip()}
    )
    bump_data_version(conn)


def pack_for(conn: Connection, period: str, *, prepared_by: str, now: datetime) -> LenderPack:
    """The pack of a period: frozen when the period is closed, else a draft from the ledger as known now."""
    frozen = closed_pack(conn, period)
    if frozen is not None:
        return frozen
    return build_pack(conn, period, prepared_by=prepared_by, generated_at=now.replace(microsecond=0))


# --- the report log ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportLogRow:
    id: int
    report: str
    period: str | None
    as_of: date
    lender: str | None
    customer_ref: str | None
    lang: str
    recipient: str
    file_sha256: str
    size: int
    close_id: int | None
    author: str
    created_at: datetime


def log_report(
    conn: Connection,
    *,
    report: str,
    data: bytes,
    as_of: date,
    recipient: str,
    author: str,
    now: datetime,
    lang: str = "en",
    period: str | None = None,
    lender: str | None = None,
    customer_ref: str | None = None,
) -> int:
    """Record a report handed to someone with its file's SHA-256 (and the close it came from, if any)."""
    recipient = check_report(report, recipient)
    if not (author or "").strip():
        raise CloseError("say who sends the report")
    close = current_close(conn, period) if period else None
    result = conn.execute(
        ReportLog.__table__.insert().values(
            report=report,
            period=period,
            as_of=as_of,
            lender=lender,
            customer_ref=customer_ref,
            lang=lang,
            recipient=recipient,
            file_sha256=sha256(data),
            size=len(data),
            close_id=None if close is None else close.id,
            author=author.strip(),
            created_at=now.replace(microsecond=0),
        )
    )
    bump_data_version(conn)
    return int(result.inserted_primary_key[0])


def report_log(conn: Connection, limit: int = 200) -> list[ReportLogRow]:
    rows = conn.execute(select(ReportLog.__table__).order_by(ReportLog.id.desc()).limit(limit)).all()
    return [ReportLogRow(*r) for r in rows]


def certificate_of(pack: LenderPack, lender: str | None) -> Certificate | None:
    cert = pack.certificate(lender)
    if lender is not None and cert is None:
        names = ", ".join(c.profile.name for c in pack.certificates) or "none"
        raise CloseError(f"no lender profile named {lender!r} in the {pack.period} pack (profiles: {names})")
    return cert
