"""Portfolio KPIs as of a date: gathers the SQL aggregates and hands them to domain.kpis."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, Date, bindparam, select, text

from data_access.asof import (
    _rate_on,
    agings,
    behaviour_sums,
    customer_ids_in_view,
    monthly_credit_sales,
    window_start,
)
from data_access.ledger import active_policy, base_currency
from data_access.schema import Customer
from domain.aging import Basis
from domain.filters import CustomerFilter
from domain.fx import MissingFxRate
from domain.kpis import KpiInputs, Kpis, compute_kpis, group_balances, group_roots
from domain.money import convert, scaled_to_rate


def rates_as_of(conn: Connection, as_of: date) -> dict:
    """Closing rates: the latest rate per currency dated on or before as_of."""
    stmt = text(
        f"""SELECT c.currency, {_rate_on("c.currency", ":as_of")} AS rate
            FROM (SELECT DISTINCT currency FROM fx_rates) c"""
    ).bindparams(bindparam("as_of", type_=Date))
    return {r.currency: scaled_to_rate(r.rate) for r in conn.execute(stmt, {"as_of": as_of}) if r.rate is not None}


def kpi_inputs(
    conn: Connection, as_of: date, window_days: int | None = None, flt: CustomerFilter | None = None
) -> KpiInputs:
    policy = active_policy(conn)
    w = window_days or policy.kpi_window_days
    start = window_start(as_of, w)
    reports = agings(conn, (as_of, start), Basis.DUE, policy.buckets, flt)
    now, then = reports[as_of], reports[start]
    monthly, window_sales = monthly_credit_sales(conn, as_of, start, flt)
    beh = behaviour_sums(conn, as_of, start, flt)
    base = base_currency(conn)
    rates = rates_as_of(conn, as_of)
    customers = conn.execute(select(Customer.id, Customer.parent_id, Customer.credit_limit, Customer.currency)).all()
    in_view = customer_ids_in_view(conn, flt)
    balances = {c.customer_id: c.total for c in now.customers}
    roots = group_roots({c.id: c.parent_id for c in customers})
    limits = []
    for c in customers:
        if in_view is not None and c.id not in in_view:
            continue
        limit = c.credit_limit
        if limit is not None and c.currency != base:
            if c.currency not in rates:
                if balances.get(c.id, Decimal(0)) != 0:
                    raise MissingFxRate(c.currency, as_of)
                # a limit that cannot be converted on this date: utilisation is not available (n/a), not guessed
                limits = None
                break
            limit = convert(limit, rates[c.currency])
        limits.append((balances.get(c.id, Decimal(0)), limit))
    return KpiInputs(
        as_of=as_of,
        window_days=w,
        total_open=now.total,
        current=now.current,
        ar_window_start=then.total,
        credit_sales=window_sales,
        monthly_sales=monthly,
        paid_weight=beh.weight,
        paid_weighted_days_late=beh.weighted_days_late,
        paid_weighted_days_to_pay=beh.weighted_days_to_pay,
        paid_weighted_days_beyond_terms=beh.weighted_days_beyond_terms,
        customer_balances=list(balances.values()),
        group_balances=list(group_balances(balances, roots).values()),
        limits=limits if limits is not None else [],
        open_invoices=now.open_invoices,
        customers_with_balance=now.customers_with_balance,
    )


def portfolio_kpis(
    conn: Connection, as_of: date, window_days: int | None = None, flt: CustomerFilter | None = None
) -> Kpis:
    return compute_kpis(kpi_inputs(conn, as_of, window_days, flt), active_policy(conn).payment_index)
