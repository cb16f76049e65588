"""The one JSON/CSV shape of aging and KPIs, shared by the CLI, the pages and the reports."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.aging import AgingReport
from domain.kpis import Kpis, r1
from domain.money import q2


def money(v: Decimal | None) -> float | None:
    """Base-currency amount as a JSON number rounded to 2 decimals."""
    return None if v is None else float(q2(v))


def one_decimal(v: Decimal | None) -> float | None:
    return None if v is None else float(r1(v))


def aging_portfolio(report: AgingReport) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        "basis": str(report.basis),
        "currency": report.currency,
        "total": money(report.total),
        "unapplied": {"amount": money(report.unapplied_amount), "count": report.unapplied_count},
        "buckets": [
            {"label": label, "amount": money(a), "count": n}
            for label, a, n in zip(report.buckets.labels, report.amounts, report.counts, strict=True)
        ],
    }


def aging_by_customer(report: AgingReport) -> dict[str, Any]:
    return {
        "as_of": report.as_of.isoformat(),
        "basis": str(report.basis),
        "currency": report.currency,
        "rows": [
            {
                "customer_ref": c.customer_ref,
                "name": c.name,
                "total": money(c.total),
                "buckets": {label: money(a) for label, a in zip(report.buckets.labels, c.amounts, strict=True)},
            }
            for c in report.customers
        ],
    }


KPI_KEYS = (
    "as_of",
    "window_days",
    "currency",
    "total_open",
    "current",
    "overdue",
    "overdue_share",
    "dso_standard",
    "dso_countback",
    "bpdso",
    "add",
    "cei",
    "weighted_days_late",
    "avg_days_to_pay",
    "payment_index",
    "top10_share",
    "hhi",
    "limit_utilisation",
    "open_invoices",
    "customers_with_balance",
)


def kpis_dict(k: Kpis, currency: str) -> dict[str, Any]:
    """KPI values rounded for presentation: amounts to 0.01, days, shares, CEI and indexes to 0.1."""
    return {
        "as_of": k.as_of.isoformat(),
        "window_days": k.window_days,
        "currency": currency,
        "total_open": money(k.total_open),
        "current": money(k.current),
        "overdue": money(k.overdue),
        "overdue_share": one_decimal(k.overdue_share),
        "dso_standard": one_decimal(k.dso_standard),
        "dso_countback": one_decimal(k.dso_countback),
        "bpdso": one_decimal(k.bpdso),
        "add": one_decimal(k.add),
        "cei": one_decimal(k.cei),
        "weighted_days_late": one_decimal(k.weighted_days_late),
        "avg_days_to_pay": one_decimal(k.avg_days_to_pay),
        "payment_index": one_decimal(k.payment_index),
        "top10_share": one_decimal(k.top10_share),
        "hhi": one_decimal(k.hhi),
        "limit_utilisation": one_decimal(k.limit_utilisation),
        "open_invoices": k.open_invoices,
        "customers_with_balance": k.customers_with_balance,
    }
