"""Portfolio filters in the SQL: country, segment, industry, corporate group (any depth), currency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ledger import csv_bytes, load, ready_engine
from sqlalchemy import select

from data_access.asof import aging, customer_ids_in_view, open_items
from data_access.imports import import_file
from data_access.kpis import portfolio_kpis
from data_access.schema import Customer
from domain.filters import CustomerFilter

AS_OF = date(2026, 3, 31)
HEADER = ("customer_ref", "name", "country", "currency", "segment", "industry_code", "parent_ref", "credit_limit")
CUSTOMERS = [
    ("G", "Group Holding AS", "NO", "NOK", "Enterprise", "64.20", None, "1000.00"),
    ("G1", "Group Sub AS", "NO", "NOK", "Mid-market", "46.90", "G", None),
    ("G2", "Group Sub-sub AB", "SE", "NOK", "SMB", "46.90", "G1", None),
    ("S", "Solo AB", "SE", "SEK", "SMB", "41.20", None, "500.00"),
    ("N", "Nord AS", "NO", "NOK", "SMB", "41.20", None, None),
]
# one invoice each, issued 2026-03-01, due 2026-03-31 (current); S in SEK at 1.0 for simple sums
AMOUNTS = {"G": "100.00", "G1": "20.00", "G2": "3.00", "S": "400.00", "N": "5000.00"}


@pytest.fixture
def ledger(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        import_file(conn, "customers", csv_bytes(HEADER, CUSTOMERS))
    load(
        e,
        fx=[("2026-01-01", "SEK", "1.0")],
        invoices=[
            (f"I-{ref}", ref, "2026-03-01", "2026-03-31", amt, "SEK" if ref == "S" else "NOK")
            for ref, amt in AMOUNTS.items()
        ],
    )
    return e


def ids(conn) -> dict[str, int]:
    return dict(conn.execute(select(Customer.customer_ref, Customer.id)).all())


@pytest.mark.parametrize(
    ("make_filter", "expected"),
    [
        (lambda i: CustomerFilter(), {"G", "G1", "G2", "S", "N"}),
        (lambda i: CustomerFilter(countries=("SE",)), {"G2", "S"}),
        (lambda i: CustomerFilter(segments=("SMB",)), {"G2", "S", "N"}),
        (lambda i: CustomerFilter(industries=("46.90",)), {"G1", "G2"}),
        (lambda i: CustomerFilter(currencies=("SEK",)), {"S"}),
        (lambda i: CustomerFilter(groups=(i["G"],)), {"G", "G1", "G2"}),  # the whole group, any depth
        (lambda i: CustomerFilter(groups=(i["S"],)), {"S"}),  # a stand-alone customer is its own group
        (lambda i: CustomerFilter(groups=(i["G"],), countries=("NO",)), {"G", "G1"}),  # filters combine (AND)
        (lambda i: CustomerFilter(countries=("DK",)), set()),
    ],
)
def test_filters_select_customers_and_their_figures(ledger, make_filter, expected):
    with ledger.connect() as conn:
        flt = make_filter(ids(conn))
        report = aging(conn, AS_OF, flt=flt)
        assert {c.customer_ref for c in report.customers} == expected
        assert report.total == sum((D(AMOUNTS[r]) for r in expected), D("0.00"))
        assert {i.ref for i in open_items(conn, AS_OF, flt=flt)} == {f"I-{r}" for r in expected}
        k = portfolio_kpis(conn, AS_OF, flt=flt)
        assert k.credit_sales == report.total  # every invoice was issued inside the window
        assert k.customers_with_balance == len(expected)
        in_view = customer_ids_in_view(conn, flt)
        assert in_view is None if flt.is_empty else {r for r, i in ids(conn).items() if i in in_view} == expected


def test_limit_utilisation_counts_only_customers_in_view(ledger):
    with ledger.connect() as conn:
        assert portfolio_kpis(conn, AS_OF).limit_utilisation == D(500) / D(1500) * 100  # (100 + 400) / 1500
        k = portfolio_kpis(conn, AS_OF, flt=CustomerFilter(currencies=("SEK",)))
        assert k.limit_utilisation == D(80)  # 400 / 500
