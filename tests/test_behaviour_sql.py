"""Payment trends from the ledger on SQLite and PostgreSQL: deteriorating, steady slow and one-off late payers."""

from __future__ import annotations

from datetime import date, timedelta

from ledger import load, ready_engine
from sqlalchemy import select

from data_access.asof import closed_invoices
from data_access.behaviour import payment_trends
from data_access.schema import Customer

AS_OF = date(2026, 6, 30)


def history(ref: str, lateness: list[int]):
    """One 100.00 invoice a fortnight, the last closing shortly before AS_OF; each paid `late` days after due."""
    invoices, payments = [], []
    n = len(lateness)
    for i, late in enumerate(lateness):
        issue = AS_OF - timedelta(days=14 * (n - i) + 30 + max(lateness))
        due = issue + timedelta(days=30)
        paid = due + timedelta(days=late)
        invoices.append((f"{ref}-{i}", ref, issue.isoformat(), due.isoformat(), "100.00", "NOK"))
        payments.append((f"P{ref}-{i}", ref, paid.isoformat(), "100.00", "NOK", f"{ref}-{i}"))
    return invoices, payments


def test_trend_flags_only_the_deteriorating_payer(db_url):
    e = ready_engine(db_url)
    cases = {
        "DET": [0, 1, 0, 2, 1, 0, 1, 0, 2, 1, 0, 1, 1, 2, 1, 0, 1, 2, 7, 8, 7, 14, 15, 14],  # a week late, then two
        "SLOW": [20, 21, 19, 20, 22, 20, 21, 19, 20, 20, 21, 20, 19, 20, 21, 22, 20, 19, 20, 21, 20, 19, 21, 20],
        "ONEOFF": [0, 1, 0, 2, 1, 0, 1, 0, 2, 1, 0, 1, 1, 2, 1, 0, 1, 2, 0, 1, 40, 0, 1, 0],
    }
    invoices, payments = [], []
    for ref, late in cases.items():
        i, p = history(ref, late)
        invoices += i
        payments += p
    load(e, customers=[(ref, f"{ref} AS") for ref in cases], invoices=invoices, payments=payments)
    with e.connect() as conn:
        ids = {r.customer_ref: r.id for r in conn.execute(select(Customer.customer_ref, Customer.id))}
        trends = payment_trends(conn, AS_OF)
        lines = closed_invoices(conn, AS_OF, AS_OF - timedelta(days=3650), ids["DET"])
    assert [r.days_late for r in lines] == cases["DET"]  # the SQL days late are close - due
    assert trends[ids["DET"]].deteriorating, trends[ids["DET"]].reason
    assert not trends[ids["SLOW"]].deteriorating, trends[ids["SLOW"]].reason
    assert not trends[ids["ONEOFF"]].deteriorating, trends[ids["ONEOFF"]].reason
    assert trends[ids["SLOW"]].recent_median == 20.0
