"""Payment behaviour per customer: days late of the invoices closed by payment, through the policy's trend rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import Connection

from data_access.asof import paid_lateness
from data_access.ledger import active_policy
from domain.behaviour import ClosedInvoice, Trend, assess_trend


def payment_trends(
    conn: Connection, as_of: date, customer_id: int | None = None, with_slope: bool | None = None
) -> dict[int, Trend]:
    """Trend per customer with closed invoices in the policy's recent + baseline windows.

    The display slope is computed for a single customer by default and skipped for the whole portfolio."""
    return payment_trends_at(conn, (as_of,), customer_id, with_slope)[as_of]


def payment_trends_at(
    conn: Connection, dates: Iterable[date], customer_id: int | None = None, with_slope: bool | None = None
) -> dict[date, dict[int, Trend]]:
    """payment_trends at each of several dates, from one query over all their windows."""
    if with_slope is None:
        with_slope = customer_id is not None
    rule = active_policy(conn).trend
    span = timedelta(days=rule.recent_days + rule.baseline_days)
    days = sorted(set(dates))
    if not days:
        return {}
    rows = [
        (cid, ClosedInvoice(close_date, days_late))
        for cid, close_date, days_late in paid_lateness(conn, days[-1], days[0] - span, customer_id)
    ]
    out = {}
    for d in days:
        points: dict[int, list[ClosedInvoice]] = defaultdict(list)
        for cid, p in rows:
            if d - span < p.close_date <= d:  # the window of d: (d - span, d]
                points[cid].append(p)
        out[d] = {cid: assess_trend(pts, d, rule, with_slope) for cid, pts in points.items()}
    return out
