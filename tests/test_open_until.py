"""open_until lets the SQL skip settled documents; these tests check it never drops an open one."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal as D

from alembic import command
from ledger import load, ready_engine
from sqlalchemy import select, text

from data_access.asof import open_items
from data_access.demo import DEMO_END_DATE, DemoSpec, seed_demo
from data_access.engine import make_engine
from data_access.migrate import alembic_config, upgrade
from data_access.schema import Allocation, Invoice, Payment


def oracle(conn, as_of: date) -> set[tuple[str, str, D]]:
    """Open items computed the slow way in Python: every document, minus its allocations up to as_of."""
    alloc_in = defaultdict(lambda: D(0))
    alloc_from = defaultdict(lambda: D(0))
    for a in conn.execute(select(Allocation.__table__)):
        if a.alloc_date <= as_of:
            alloc_in[a.invoice_id] += a.amount
            src = ("payment", a.payment_id) if a.payment_id else ("credit_note", a.credit_note_id or -1)
            if a.write_off_id is None:
                alloc_from[src] += a.amount
    out = set()
    for i in conn.execute(select(Invoice.__table__).where(Invoice.issue_date <= as_of)):
        if i.kind == "invoice":
            left = i.amount - alloc_in[i.id]
        else:
            left = i.amount + alloc_from[("credit_note", i.id)]
        if left:
            out.add((i.kind, i.invoice_number, left))
    for p in conn.execute(select(Payment.__table__).where(Payment.payment_date <= as_of)):
        left = -p.amount + alloc_from[("payment", p.id)]
        if left:
            out.add(("payment", p.payment_ref, left))
    return out


def test_open_items_match_a_slow_oracle_on_a_demo_ledger(db_url):
    e = ready_engine(db_url)
    with e.begin() as conn:
        seed_demo(conn, DemoSpec(customers=60, seed=11))
    with e.connect() as conn:
        for months_back in range(0, 40, 3):
            as_of = DEMO_END_DATE - timedelta(days=30 * months_back)
            got = {(i.kind, i.ref, i.open_amount) for i in open_items(conn, as_of)}
            assert got == oracle(conn, as_of), as_of


def test_reimport_that_reopens_an_invoice_updates_open_until(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[("C1", "Fjord Handel AS")],
        invoices=[("X", "C1", "2026-01-01", "2026-01-31", "100.00", "NOK")],
        payments=[("P", "C1", "2026-02-10", "100.00", "NOK", "X")],
    )
    with e.connect() as conn:
        assert conn.execute(select(Invoice.open_until)).scalar_one() == date(2026, 2, 10)
        assert open_items(conn, date(2026, 3, 31)) == []
    load(e, payments=[("P", "C1", "2026-02-10", "60.00", "NOK", "X")])  # the payment was only 60
    with e.connect() as conn:
        assert conn.execute(select(Invoice.open_until)).scalar_one() == date(9999, 12, 31)
        assert [(i.ref, i.open_amount) for i in open_items(conn, date(2026, 3, 31))] == [("X", D("40.00"))]
        assert oracle(conn, date(2026, 3, 31)) == {("invoice", "X", D("40.00"))}


def test_migration_backfills_open_until_from_allocations(db_url):
    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:  # a ledger written by the 0001 schema
        conn.execute(
            text(
                "INSERT INTO customers (id, customer_ref, name, currency, payment_terms_days, status, "
                "affiliate, row_version) VALUES (1, 'C1', 'A', 'NOK', 30, 'active', false, 1)"
            )
        )
        for n, (num, kind, amount) in enumerate(
            [("I1", "invoice", 10000), ("I2", "invoice", 5000), ("CN", "credit_note", -2000)], start=1
        ):
            conn.execute(
                text(
                    "INSERT INTO invoices (id, invoice_number, customer_id, kind, issue_date, due_date, "
                    "amount, currency, disputed_amount) VALUES (:id, :n, 1, :k, '2026-01-01', "
                    "'2026-01-31', :a, 'NOK', 0)"
                ),
                {"id": n, "n": num, "k": kind, "a": amount},
            )
        conn.execute(
            text(
                "INSERT INTO payments (id, payment_ref, customer_id, payment_date, amount, currency, "
                "invoice_number) VALUES (1, 'P1', 1, '2026-02-05', 8000, 'NOK', 'I1')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO allocations (invoice_id, customer_id, alloc_date, amount, credit_note_id) "
                "VALUES (1, 1, '2026-01-03', 2000, 3)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO allocations (invoice_id, customer_id, alloc_date, amount, payment_id) "
                "VALUES (1, 1, '2026-02-05', 8000, 1)"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        until = dict(conn.execute(select(Invoice.invoice_number, Invoice.open_until)).all())
        assert until == {"I1": date(2026, 2, 5), "I2": date(9999, 12, 31), "CN": date(2026, 1, 3)}
        assert conn.execute(select(Payment.open_until)).scalar_one() == date(2026, 2, 5)
        assert {(i.ref, i.open_amount) for i in open_items(conn, date(2026, 3, 31))} == {("I2", D("50.00"))}
        assert {(i.ref, i.open_amount) for i in open_items(conn, date(2026, 2, 1))} == {
            ("I1", D("80.00")),
            ("I2", D("50.00")),
        }
    engine.dispose()


def test_migrations_downgrade_and_upgrade_again(db_url):
    engine = ready_engine(db_url)
    load(
        engine,
        customers=[("C1", "A")],
        invoices=[("X", "C1", "2026-01-01", "2026-01-31", "100.00", "NOK")],
        payments=[("P", "C1", "2026-02-10", "100.00", "NOK", "X")],
    )
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(select(Invoice.open_until)).scalar_one() == date(2026, 2, 10)
    engine.dispose()
