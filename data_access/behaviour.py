"""Payment behaviour per customer: the closed-invoice lines from SQL through the policy's trend rule."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import Connection

from data_access.asof import closed_invoices
from data_access.ledger import active_policy
from domain.behaviour import ClosedInvoice, Trend, assess_trend


def payment_trends(
    conn: Connection, as_of: date, customer_id: int | None = None, with_slope: bool | None = None
) -> dict[int, Trend]:
    """Trend per customer with closed invoices in the policy's recent + baseline windows.

    The display slope is computed for a single customer by default and skipped for the whole portfolio."""
    if with_slope is None:
        with_slope = customer_id is not None
    rule = active_policy(conn).trend
    start = as_of - timedelta(days=rule.recent_days + rule.baseline_days)
    points: dict[int, list[ClosedInvoice]] = defaultdict(list)
    for r in closed_invoices(conn, as_of, start, customer_id):
        points[r.customer_id].append(ClosedInvoice(r.close_date, r.days_late, r.amount))
    return {cid: assess_trend(pts, as_of, rule, with_slope) for cid, pts in points.items()}
