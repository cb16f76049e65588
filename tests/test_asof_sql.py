"""The as-of SQL on SQLite and PostgreSQL: each ledger built through the real import, figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ledger import load, ready_engine

from data_access.asof import aging, monthly_credit_sales, open_items
from data_access.kpis import portfolio_kpis
from domain.aging import Basis, Buckets
from domain.fx import MissingFxRate
from domain.serialize import kpis_dict

AS_OF = date(2026, 3, 31)
C1 = [("C1", "Fjord Handel AS")]


def buckets_of(engine, as_of=AS_OF, basis=Basis.DUE, buckets=None):
    with engine.connect() as conn:
        r = aging(conn, as_of, basis, buckets)
    return dict(zip(r.buckets.labels, r.amounts, strict=True)), r


def test_bucket_edges_by_due_and_invoice_date(db_url):
    e = ready_engine(db_url)
    # due date -> days past due on 2026-03-31: 0, 1, 30, 31, 120, 121 and not yet due
    load(
        e,
        customers=C1,
        invoices=[
            ("I0", "C1", "2025-11-01", "2026-03-31", "1.00", "NOK"),
            ("I1", "C1", "2025-11-01", "2026-03-30", "2.00", "NOK"),
            ("I30", "C1", "2025-11-01", "2026-03-01", "4.00", "NOK"),
            ("I31", "C1", "2025-11-01", "2026-02-28", "8.00", "NOK"),
            ("I120", "C1", "2025-11-01", "2025-12-01", "16.00", "NOK"),
            ("I121", "C1", "2025-11-01", "2025-11-30", "32.00", "NOK"),
            ("INOT", "C1", "2025-11-01", "2026-04-30", "64.00", "NOK"),
        ],
    )
    got, r = buckets_of(e)
    assert got == {
        "current": D("65.00"),
        "1-30": D("6.00"),
        "31-60": D("8.00"),
        "61-90": D("0.00"),
        "91-120": D("16.00"),
        "121+": D("32.00"),
    }
    assert r.counts == (2, 2, 1, 0, 1, 1)
    assert r.total == D("127.00")
    # invoice basis: all issued 2025-11-01, 150 days before the as-of date
    got, r = buckets_of(e, basis=Basis.INVOICE)
    assert got["121+"] == D("127.00") and r.total == D("127.00")
    # custom edges: labels and sums come from the same numbers
    got, r = buckets_of(e, buckets=Buckets((10, 20)))
    assert got == {"current": D("65.00"), "1-10": D("2.00"), "11-20": D("0.00"), "21+": D("60.00")}


def test_partial_payment_and_documents_after_as_of(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=C1,
        invoices=[
            ("X", "C1", "2026-01-01", "2026-01-31", "1000.00", "NOK"),
            ("Y", "C1", "2026-04-02", "2026-05-02", "500.00", "NOK"),
        ],
        payments=[("P1", "C1", "2026-02-10", "300.00", "NOK", "X"), ("P2", "C1", "2026-04-05", "700.00", "NOK", "X")],
    )
    got, r = buckets_of(e)
    assert got["31-60"] == D("700.00")  # 59 days past due, 300 paid; P2 and Y do not exist yet
    assert r.total == D("700.00") and r.open_invoices == 1
    got, r = buckets_of(e, as_of=date(2026, 4, 5))
    assert r.total == D("500.00") and got["current"] == D("500.00")  # X closed by P2, Y not yet due


def test_credit_notes_with_and_without_invoice_and_with_excess(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=C1,
        invoices=[
            ("A", "C1", "2026-02-01", "2026-03-03", "400.00", "NOK"),
            ("B", "C1", "2026-03-01", "2026-03-31", "500.00", "NOK"),
            ("CN1", "C1", "2026-02-15", "2026-02-15", "-100.00", "NOK", "credit_note", "A"),
            ("CN2", "C1", "2026-03-10", "2026-03-10", "-50.00", "NOK", "credit_note", None),
            ("CN3", "C1", "2026-03-20", "2026-03-20", "-600.00", "NOK", "credit_note", "B"),
        ],
    )
    got, r = buckets_of(e)
    # A 300 open (28 days), CN2 -50 unapplied (21 days), CN3 excess -100 (11 days); B closed by CN3
    assert got["1-30"] == D("150.00") and r.counts[1] == 3
    assert r.total == D("150.00")
    assert (r.unapplied_amount, r.unapplied_count) == (D("-150.00"), 2)
    with e.connect() as conn:
        items = {i.ref: (i.open_amount, i.days) for i in open_items(conn, AS_OF)}
    assert items == {"A": (D("300.00"), 28), "CN2": (D("-50.00"), 21), "CN3": (D("-100.00"), 11)}


def test_payment_on_account_and_write_off(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=C1,
        invoices=[("W", "C1", "2025-10-01", "2025-10-31", "1000.00", "NOK")],
        payments=[("PW", "C1", "2025-12-01", "200.00", "NOK", "W"), ("PA", "C1", "2026-03-01", "250.00", "NOK")],
        write_offs=[("WO1", "W", "2026-02-01", "800.00", "bankruptcy")],
    )
    got, r = buckets_of(e, as_of=date(2026, 1, 15))
    assert got["61-90"] == D("800.00") and r.total == D("800.00")  # 76 days past due before the write-off
    got, r = buckets_of(e)
    assert got["1-30"] == D("-250.00") and r.total == D("-250.00")  # only the payment on account (30 days)
    assert (r.unapplied_amount, r.unapplied_count, r.open_invoices) == (D("-250.00"), 1, 0)


def test_payment_dated_before_its_invoice(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=C1,
        invoices=[("Q", "C1", "2026-03-10", "2026-04-09", "100.00", "NOK")],
        payments=[("PP", "C1", "2026-03-01", "100.00", "NOK", "Q")],
    )
    got, r = buckets_of(e, as_of=date(2026, 3, 5))
    assert r.total == D("-100.00") and got["1-30"] == D("-100.00")  # a prepayment, 4 days old
    got, r = buckets_of(e)
    assert r.total == D("0.00") and r.customers == ()  # allocated on the invoice's issue date


def test_closing_rate_for_balances_and_document_rate_for_sales(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[("C3", "Öresund Trading AB", "SE", "EUR")],
        fx=[("2026-03-01", "EUR", "11.5"), ("2026-03-31", "EUR", "11.8"), ("2026-04-01", "EUR", "12.0")],
        invoices=[("E1", "C3", "2026-03-01", "2026-03-31", "100.00", "EUR")],
    )
    assert buckets_of(e)[1].total == D("1180.00")  # closing rate of 31 March, not the later 12.0
    assert buckets_of(e, as_of=date(2026, 3, 15))[1].total == D("1150.00")  # latest rate on or before
    with e.connect() as conn:
        k = portfolio_kpis(conn, AS_OF)
    assert k.credit_sales == D("1150.00")  # a flow: the rate of the issue date


def test_each_document_is_rounded_then_summed(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[("C3", "Euro Kunde Oy", "FI", "EUR")],
        fx=[("2026-03-01", "EUR", "10.5")],
        invoices=[
            ("R1", "C3", "2026-03-02", "2026-04-01", "0.05", "EUR"),
            ("R2", "C3", "2026-03-02", "2026-04-01", "0.05", "EUR"),
        ],
        payments=[("RP", "C3", "2026-03-03", "0.05", "EUR")],
    )
    got, r = buckets_of(e)
    # 0.05 x 10.5 = 0.525 -> 0.53 per invoice (half-up), -0.53 for the credit (half away from zero)
    assert got["current"] == D("1.06") and got["1-30"] == D("-0.53")
    assert r.total == D("0.53")


def test_missing_fx_rate_is_an_error_naming_currency_and_date(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[("S1", "Svensk AB", "SE", "SEK")],
        fx=[("2026-04-01", "SEK", "0.98")],
        invoices=[("S-1", "S1", "2026-03-02", "2026-04-01", "100.00", "SEK")],
    )
    with e.connect() as conn, pytest.raises(MissingFxRate, match="SEK dated on or before 2026-03-31"):
        aging(conn, AS_OF)
    # a flow needs the rate of its own document date
    with e.connect() as conn, pytest.raises(MissingFxRate, match="SEK dated on or before 2026-03-02"):
        monthly_credit_sales(conn, AS_OF, date(2025, 12, 31))


def test_allocation_order_does_not_depend_on_import_order(db_url, tmp_path):
    expected = {"X": (D("0.00"))}
    # same documents, two import orders: credit note applies before the payment of the same date
    e1 = ready_engine(db_url)
    load(
        e1,
        customers=C1,
        invoices=[
            ("X", "C1", "2026-02-01", "2026-03-03", "100.00", "NOK"),
            ("CN", "C1", "2026-03-01", "2026-03-01", "-50.00", "NOK", "credit_note", "X"),
        ],
        payments=[("P", "C1", "2026-03-01", "80.00", "NOK", "X")],
    )
    e2 = ready_engine(f"sqlite:///{tmp_path}/second.db")
    load(
        e2,
        customers=C1,
        invoices=[("X", "C1", "2026-02-01", "2026-03-03", "100.00", "NOK")],
        payments=[("P", "C1", "2026-03-01", "80.00", "NOK", "X")],
    )
    load(e2, invoices=[("CN", "C1", "2026-03-01", "2026-03-01", "-50.00", "NOK", "credit_note", "X")])
    for e in (e1, e2):
        with e.connect() as conn:
            items = {i.ref: i.open_amount for i in open_items(conn, AS_OF)}
        assert items == {"P": D("-30.00")}, items  # CN 50 + P 50 close X; 30 of P stays unapplied
    assert expected  # X itself is closed: it is not an open item


def test_kpis_by_hand(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[("K", "Kunde AS", "NO", "NOK", "30", "10000.00")],
        invoices=[
            ("K1", "K", "2025-12-01", "2025-12-31", "1000.00", "NOK"),
            ("K2", "K", "2026-01-15", "2026-02-14", "2000.00", "NOK"),
            ("K3", "K", "2026-02-20", "2026-03-22", "3000.00", "NOK"),
            ("K4", "K", "2026-03-10", "2026-04-09", "4000.00", "NOK"),
        ],
        payments=[
            ("PK1", "K", "2026-01-10", "1000.00", "NOK", "K1"),
            ("PK2", "K", "2026-02-14", "2000.00", "NOK", "K2"),
        ],
    )
    with e.connect() as conn:
        got = kpis_dict(portfolio_kpis(conn, AS_OF), "NOK")
    assert got == {
        "as_of": "2026-03-31",
        "window_days": 90,
        "currency": "NOK",
        "total_open": 7000.0,
        "current": 4000.0,
        "overdue": 3000.0,
        "overdue_share": 42.9,  # 3000 / 7000
        "dso_standard": 70.0,  # 7000 / 9000 x 90 (sales in window: K2 + K3 + K4)
        "dso_countback": 59.0,  # March 31 days (sales 4000), then Feb: 3000 / 3000 x 28
        "bpdso": 40.0,  # 4000 / 9000 x 90
        "add": 30.0,
        "cei": 50.0,  # (1000 + 9000 - 7000) / (1000 + 9000 - 4000)
        "weighted_days_late": 3.3,  # (1000 x 10 + 2000 x 0) / 3000
        "avg_days_to_pay": 33.3,  # (1000 x 40 + 2000 x 30) / 3000
        "payment_index": 77.8,  # 3.33 days beyond terms: 80 - 3.33 / 15 x 10
        "top10_share": 100.0,
        "hhi": 10000.0,
        "limit_utilisation": 70.0,  # 7000 / 10000
        "open_invoices": 2,
        "customers_with_balance": 1,
    }


def test_empty_ledger_gives_zero_aging_and_null_ratios(db_url):
    e = ready_engine(db_url)
    got, r = buckets_of(e)
    assert r.total == D("0.00") and set(got.values()) == {D("0.00")} and len(got) == 6
    with e.connect() as conn:
        k = kpis_dict(portfolio_kpis(conn, AS_OF), "NOK")
    assert k["dso_standard"] is None and k["cei"] is None and k["dso_countback"] == 0.0
    assert k["payment_index"] is None and k["hhi"] is None


def test_partly_paid_foreign_documents_round_per_document(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[("C3", "Euro Kunde Oy", "FI", "EUR")],
        fx=[("2026-03-01", "EUR", "11.55")],
        invoices=[
            ("R1", "C3", "2026-03-02", "2026-04-01", "100.01", "EUR"),
            ("R2", "C3", "2026-03-02", "2026-04-01", "100.01", "EUR"),
        ],
        payments=[("P1", "C3", "2026-03-03", "50.00", "EUR", "R1"), ("P2", "C3", "2026-03-03", "50.00", "EUR", "R2")],
    )
    # each open 50.01 EUR x 11.55 = 577.6155 -> 577.62; the total is the sum of rounded lines, 1155.24
    # (summing unrounded products would give 1155.231 -> 1155.23)
    got, r = buckets_of(e)
    assert got["current"] == D("1155.24") and r.total == D("1155.24")


@pytest.mark.postgres
def test_sqlite_and_postgresql_agree_on_a_demo_ledger(tmp_path, pg_url):
    from data_access.demo import DEMO_END_DATE, DemoSpec, seed_demo

    results = []
    for url in (f"sqlite:///{tmp_path}/demo.db", pg_url):
        e = ready_engine(url)
        with e.begin() as conn:
            seed_demo(conn, DemoSpec(customers=120, seed=3))
        with e.connect() as conn:
            out = {}
            for as_of in (DEMO_END_DATE, date(2025, 12, 31)):
                for basis in Basis:
                    rep = aging(conn, as_of, basis)
                    out[(as_of, basis)] = [(c.customer_ref, c.amounts, c.counts) for c in rep.customers]
                out[(as_of, "kpis")] = kpis_dict(portfolio_kpis(conn, as_of), "NOK")
        e.dispose()
        results.append(out)
    assert results[0] == results[1]
