"""Shaping prepared reports into display frames (no arithmetic beyond picking columns)."""

from __future__ import annotations

import pandas as pd

from domain.aging import AgingReport


def aging_frame(report: AgingReport) -> pd.DataFrame:
    """One row per bucket: label, amount (float for charts), count."""
    return pd.DataFrame(
        {
            "label": list(report.buckets.labels),
            "amount": [float(a) for a in report.amounts],
            "count": list(report.counts),
        }
    )


def aging_customer_frame(report: AgingReport, attributes: dict[int, tuple]) -> pd.DataFrame:
    """One row per customer of the report, indexed by customer id: ref, name, country, segment, total, one
    float column per bucket label (bucket order) and unapplied. `attributes` maps id -> (country, segment, ...)
    as in data_access.views.AgingView.attributes."""
    labels = list(report.buckets.labels)
    rows = []
    for c in report.customers:
        country, segment = (attributes.get(c.customer_id) or (None, None))[:2]
        row = {"ref": c.customer_ref, "name": c.name, "country": country or "–", "segment": segment or "–"}
        row["total"] = float(c.total)
        row.update({label: float(a) for label, a in zip(labels, c.amounts, strict=True)})
        row["unapplied"] = float(c.unapplied_amount)
        rows.append(row)
    columns = ["ref", "name", "country", "segment", "total", *labels, "unapplied"]
    return pd.DataFrame(rows, columns=columns, index=pd.Index([c.customer_id for c in report.customers], name="id"))


def aging_group_frame(groups: dict[str, tuple], labels: tuple[str, ...], key: str = "key") -> pd.DataFrame:
    """One row per group (country, segment, currency, ...) with one float column per bucket label."""
    return pd.DataFrame(
        [
            {key: k, **{label: float(a) for label, a in zip(labels, amounts, strict=True)}}
            for k, amounts in groups.items()
        ],
        columns=[key, *labels],
    )


def aging_trend_frame(labels: tuple[str, ...], points: list) -> pd.DataFrame:
    """One row per month-end (column as_of, a date) with one float column per bucket label; `points` are
    data_access.views.TrendPoint whose amounts follow `labels`."""
    return pd.DataFrame(
        [{"as_of": p.as_of, **{label: float(a) for label, a in zip(labels, p.amounts, strict=True)}} for p in points],
        columns=["as_of", *labels],
    )


# --- customer page ---------------------------------------------------------------------------------


def open_items_frame(items: list) -> pd.DataFrame:
    """One row per open document (data_access.asof.OpenItem): kind, ref, doc_date, due_date, currency,
    open_amount (document currency), base_amount, days, unapplied (credit notes and payments on account)."""
    columns = ["kind", "ref", "doc_date", "due_date", "currency", "open_amount", "base_amount", "days", "unapplied"]
    return pd.DataFrame(
        [
            {
                "kind": i.kind,
                "ref": i.ref,
                "doc_date": i.doc_date,
                "due_date": i.due_date,
                "currency": i.currency,
                "open_amount": float(i.open_amount),
                "base_amount": float(i.base_amount),
                "days": int(i.days),
                "unapplied": i.kind != "invoice",
            }
            for i in items
        ],
        columns=columns,
    )


def paid_invoices_frame(history: list) -> pd.DataFrame:
    """One row per paid invoice (data_access.views.PaidInvoice), oldest first: date (paid, as datetime), day
    (the paid date as a day number, for trend lines), due_date, invoice, days_late, amount (float)."""
    return pd.DataFrame(
        {
            "date": pd.to_datetime([p.close_date for p in history]),
            "day": [p.close_date.toordinal() for p in history],
            "due_date": [p.due_date for p in history],
            "invoice": [p.invoice_number for p in history],
            "days_late": [int(p.days_late) for p in history],
            "amount": [float(p.amount) for p in history],
        }
    )


def month_flows_frame(flows: list) -> pd.DataFrame:
    """One row per calendar month (data_access.views.MonthFlow): month (first day, a date), invoiced, paid."""
    from datetime import date

    return pd.DataFrame(
        {
            "month": [date(f.year, f.month, 1) for f in flows],
            "invoiced": [float(f.invoiced) for f in flows],
            "paid": [float(f.paid) for f in flows],
        }
    )


def credit_reports_frame(reports: list) -> pd.DataFrame:
    """One row per credit report (data_access.views.CreditReportRow), in the given order."""
    return pd.DataFrame(
        {
            "report_date": [r.report_date for r in reports],
            "source": [r.source for r in reports],
            "score": [r.score for r in reports],
            "rating": [r.rating for r in reports],
            "remarks_count": [int(r.remarks_count) for r in reports],
            "remarks_amount": [float(r.remarks_amount) for r in reports],
        }
    )


def activities_frame(rows: list) -> pd.DataFrame:
    """One row per activity (data_access.views.ActivityRow), in the given order (newest first)."""
    return pd.DataFrame(
        {
            "activity_date": [a.activity_date for a in rows],
            "kind": [a.kind for a in rows],
            "text": [a.text or "" for a in rows],
            "promised_amount": [None if a.promised_amount is None else float(a.promised_amount) for a in rows],
            "promised_date": [a.promised_date for a in rows],
            "author": [a.author or "" for a in rows],
            "created_at": [a.created_at for a in rows],
        }
    )


def control_differences_frame(customers) -> pd.DataFrame:
    """The customers whose open AR differs from the ERP's balance (domain.control_totals.CustomerDifference), in
    their order: ref, name, erp, ours, difference (floats; NaN where a side lists nothing) and the side code."""
    return pd.DataFrame(
        [
            {
                "ref": c.customer_ref,
                "name": c.name or "",
                "erp": None if c.erp is None else float(c.erp),
                "ours": None if c.ours is None else float(c.ours),
                "difference": float(c.difference),
                "side": c.side,
            }
            for c in customers
        ],
        columns=["ref", "name", "erp", "ours", "difference", "side"],
    )
