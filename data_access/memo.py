"""The customer credit memo's data (domain.memo.CreditMemo), gathered from the read models the customer page uses:
customer detail, payment history and behaviour sums, credit reports, events, activities, the risk class, open
alerts, disputes and payment plans. Nothing here ages, converts or scores a second time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, select

from data_access import collections, monitor, views
from data_access.asof import behaviour_sums
from data_access.ledger import active_policy, company_profile
from data_access.policy_store import active_policy_version
from data_access.risk import PAYMENT_INDEX_DAYS, portfolio_risk
from data_access.schema import Customer
from domain.aging import amounts_beyond
from domain.collections import PlanStatus
from domain.filters import CustomerFilter
from domain.kpis import weighted_average
from domain.memo import (
    ACTIVITIES,
    BEHAVIOUR_YEARS,
    BUREAU_REPORTS,
    CreditMemo,
    GroupMember,
    MemoActivity,
    MemoAging,
    MemoAlert,
    MemoBehaviour,
    MemoContribution,
    MemoCustomer,
    MemoDispute,
    MemoEvent,
    MemoExposure,
    MemoPlan,
    MemoRecommendation,
    MemoReport,
    MemoRisk,
    PaidPoint,
)
from domain.risk import ClassTerms

OVER_DAYS = 90  # the memo's "over 90 days past due"
LIMIT_RECOMMENDATION = "lower_limit"  # the monitor's recommendation that names a limit (params["to"])


def customer_id_by_ref(conn: Connection, ref: str) -> int | None:
    """The id of the customer with this reference (exact, surrounding spaces ignored); None when there is none."""
    return conn.execute(select(Customer.id).where(Customer.customer_ref == ref.strip())).scalar()


def credit_memo(conn: Connection, customer_id: int, as_of: date, *, generated_at: datetime) -> CreditMemo | None:
    """The credit memo of one customer as of `as_of`; None when the customer does not exist.

    Ledger figures (balance, aging, behaviour, class) are as of `as_of`; the inbox (alerts), disputes and the
    activity log are the records as they stand now. Raises domain.fx.MissingFxRate like the customer page."""
    detail = views.customer_detail(conn, customer_id, as_of)
    if detail is None:
        return None
    policy = active_policy(conn)
    profile = company_profile(conn)
    root = detail.group_root
    # One read of the risk model for the customer's corporate group gives the customer's class and its members'
    # balances; 90 is added to the policy's edges for the "over 90 days" figure.
    portfolio = portfolio_risk(
        conn,
        as_of,
        CustomerFilter(groups=(root.id,)) if root is not None else None,
        extra_edges=(OVER_DAYS,),
        customer_id=None if root is not None else customer_id,
        policy=policy,
    )
    rows = {r.customer_id: r for r in portfolio.rows}
    risk = rows[customer_id]
    a = risk.assessment
    alerts = monitor.alerts(conn, customer_id=customer_id)
    reports = views.credit_reports(conn, customer_id, as_of)  # oldest first
    return CreditMemo(
        company=profile.name,
        as_of=as_of,
        generated_at=generated_at,
        base_currency=detail.currency_base,
        policy_version=active_policy_version(conn),
        customer=_customer(detail, rows),
        exposure=MemoExposure(
            balance=detail.balance,
            overdue=detail.aging.total - detail.aging.current,
            over_90=amounts_beyond(risk.amounts, portfolio.buckets, OVER_DAYS),
            credit_limit=detail.credit_limit,
            credit_limit_base=detail.credit_limit_base,
            utilisation=detail.utilisation,
            insured_limit=detail.insured_limit,
            insurer=detail.insurer,
            insured_share=detail.insured_share,
            uninsured=risk.uninsured,
            unapplied_amount=detail.aging.unapplied_amount,
            limit_review_on=risk.limit_review_on,
            limit_expires_on=risk.limit_expires_on,
        ),
        aging=MemoAging(detail.aging.buckets.labels, detail.aging.amounts, detail.aging.total),
        behaviour=_behaviour(conn, detail, as_of),
        reports=tuple(
            MemoReport(r.report_date, r.source, r.score, r.rating, r.remarks_count, r.remarks_amount)
            for r in reversed(reports[-BUREAU_REPORTS:])
        ),
        reports_total=len(reports),
        risk=MemoRisk(
            risk_class=a.risk_class,
            base_class=a.base_class,
            bureau_band=a.bureau_band,
            bureau_source=None if a.bureau is None else a.bureau.source,
            bureau_date=None if a.bureau is None else a.bureau.report_date,
            contributions=tuple(MemoContribution(c.code, c.notches, tuple(c.params.items())) for c in a.contributions),
            pd_percent=a.pd_percent,
            pd_source=a.pd_source,
            lgd_percent=policy.lgd_percent,
            expected_loss=risk.expected_loss,
        ),
        recommendation=_recommendation(policy.terms(a.risk_class), alerts),
        events=tuple(
            MemoEvent(e.event_date, e.event_type, e.source, e.text)
            for e in views.company_events(conn, customer_id, as_of)
        ),
        alerts=tuple(
            MemoAlert(x.type, x.severity, x.raised_on, x.since, x.message, x.recommendation, x.status) for x in alerts
        ),
        disputes=tuple(
            MemoDispute(d.invoice_number, d.currency, d.amount, d.reason, d.owner, d.opened_on)
            for d in collections.disputes(conn, customer_id, status="open")
        ),
        plans=tuple(_plan(p) for p in collections.plans(conn, as_of, customer_id)),
        activities=tuple(
            MemoActivity(x.activity_date, x.kind, x.text, x.promised_amount, x.promised_date, x.author)
            for x in views.activities(conn, customer_id)[:ACTIVITIES]
        ),
    )


def _customer(d: views.CustomerDetail, rows: dict) -> MemoCustomer:
    root = d.group_root
    members: tuple[GroupMember, ...] = ()
    if root is not None:
        members = tuple(
            GroupMember(
                ref=r.ref,
                name=r.name,
                balance=r.balance,
                credit_limit=r.credit_limit,
                risk_class=r.risk_class,
                is_parent=r.customer_id == root.id,
                is_customer=r.customer_id == d.id,
            )
            for r in sorted(rows.values(), key=lambda r: r.ref)
        )
    return MemoCustomer(
        id=d.id,
        ref=d.ref,
        name=d.name,
        org_number=d.org_number,
        country=d.country,
        segment=d.segment,
        industry_code=d.industry_code,
        currency=d.currency,
        payment_terms_days=d.payment_terms_days,
        status=d.status,
        group_ref=None if root is None else root.ref,
        group_name=None if root is None else root.name,
        group_members=members,
        group_balance=d.group_balance,
        group_limit=d.group_limit,
    )


def _behaviour(conn: Connection, d: views.CustomerDetail, as_of: date) -> MemoBehaviour:
    history = views.payment_history(conn, d.id, as_of, years=BEHAVIOUR_YEARS)
    # the same window and sums as the payment index on the customer page and in the risk class
    sums = behaviour_sums(conn, as_of, as_of - timedelta(days=PAYMENT_INDEX_DAYS), customer_id=d.id)
    t = d.trend
    return MemoBehaviour(
        points=tuple(_point(p) for p in history),
        since=as_of - timedelta(days=365 * BEHAVIOUR_YEARS),  # payment_history's window
        window_days=PAYMENT_INDEX_DAYS,
        paid_invoices=sums.invoices,
        weighted_days_late=weighted_average(sums.weighted_days_late, sums.weight),
        avg_days_to_pay=weighted_average(sums.weighted_days_to_pay, sums.weight),
        payment_index=d.payment_index,
        trend_code=None if t is None else t.code,
        recent_median=None if t is None else t.recent_median,
        baseline_median=None if t is None else t.baseline_median,
    )


def _point(p: views.PaidInvoice) -> PaidPoint:
    return PaidPoint(p.close_date, p.days_late, p.amount, p.invoice_number)


def _recommendation(terms: ClassTerms, alerts: list[monitor.AlertRow]) -> MemoRecommendation:
    # several open alerts may each suggest a limit (the class's cap, the insured limit): the lowest protects most
    suggested = [
        Decimal(str(a.recommendation_params["to"]))
        for a in alerts
        if a.recommendation == LIMIT_RECOMMENDATION and a.recommendation_params.get("to") is not None
    ]
    return MemoRecommendation(
        risk_class=terms.risk_class,
        payment_terms_days=terms.payment_terms_days,
        max_credit_limit=terms.max_credit_limit,
        review_months=terms.review_months,
        prepayment_required=terms.prepayment_required,
        insurance_required=terms.insurance_required,
        recommended_limit=min(suggested) if suggested else None,
    )


def _plan(p: PlanStatus) -> MemoPlan:
    upcoming = next((i for i in p.instalments if i.status in ("due", "upcoming")), None)  # missed: missed_since
    return MemoPlan(
        plan_id=p.plan_id,
        agreed_on=p.agreed_on,
        currency=p.currency,
        invoice_numbers=p.invoice_numbers,
        instalments=len(p.instalments),
        planned=p.planned,
        paid=p.paid,
        kept=p.kept,
        missed_since=p.missed_since,
        next_due_on=None if upcoming is None else upcoming.due_on,
        next_amount=None if upcoming is None else upcoming.amount,
    )
