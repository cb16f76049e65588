"""AppTest of Credit control › Collections on the demo: the worklist, marking a step sent, a pause, a dispute,
a payment plan, and the letter as PDF."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pdfplumber
from apptest import DEMO_AS_OF_DEFAULT, run_page
from sqlalchemy import func, select

from data_access.collections import disputes, dunning_steps, plans, worklist
from data_access.engine import make_engine
from data_access.schema import CollectionPause
from domain.instalments import equal_instalments

PAGE = "pages/collections.py"
AS_OF = date.fromisoformat(DEMO_AS_OF_DEFAULT)


def read(url, fn, *args, **kwargs):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn, *args, **kwargs)
    finally:
        engine.dispose()


def table(at):
    [found] = [d for d in at.dataframe if d.key == "coll_table"]
    return found


def pick(at, row: int):
    at.session_state["coll_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return at.run()


def first_with_step(rows):
    return next(i for i, r in enumerate(rows) if r.mode == "ladder" and r.step is not None)


def test_worklist_lists_every_customer_once_with_its_step(demo_url):
    rows = read(demo_url, worklist, AS_OF)
    assert rows, "the demo has overdue customers"
    at = run_page(PAGE)
    assert not at.exception, at.exception
    shown = table(at).value
    assert list(shown["ref"]) == [r.ref for r in rows]
    assert len(set(shown["ref"])) == len(rows)  # one communication per customer
    assert list(shown["total"]) == [float(r.total_to_pay) for r in rows]


def test_marking_a_step_sent_records_it_and_moves_the_customer_on(demo_url):
    rows = read(demo_url, worklist, AS_OF)
    i = first_with_step(rows)
    r = rows[i]
    at = pick(run_page(PAGE, user_name="Kari"), i)
    at.button(key="coll_mark_sent").click().run()
    assert not at.exception and not at.error, at.error
    [step] = read(demo_url, dunning_steps, r.customer_id)
    assert (step.step, step.sent_on, step.author, step.fee) == (r.step.kind, AS_OF, "Kari", r.step.fee)
    after = next((x for x in read(demo_url, worklist, AS_OF) if x.customer_id == r.customer_id), None)
    assert after is None or after.step is None or after.step.index > r.step.index


def test_marking_sent_without_a_name_is_refused(demo_url):
    rows = read(demo_url, worklist, AS_OF)
    i = first_with_step(rows)
    at = pick(run_page(PAGE), i)
    at.button(key="coll_mark_sent").click().run()
    assert at.error and "Acting as" in at.error[0].value
    assert read(demo_url, dunning_steps, rows[i].customer_id) == []


def test_pause_dispute_and_plan(demo_url):
    rows = read(demo_url, worklist, AS_OF)
    i = first_with_step(rows)
    r = rows[i]
    at = pick(run_page(PAGE, user_name="Kari"), i)
    # a dispute on the first overdue invoice
    at.selectbox(key="coll_dispute_invoice").set_value(r.items[0].invoice_number)
    at.number_input(key="coll_dispute_amount").set_value(float(min(r.items[0].open_amount, 100)))
    at.text_input(key="coll_dispute_reason").input("wrong quantity")
    next(b for b in at.button if b.label == "Open dispute").click().run()
    assert not at.error, at.error
    [d] = read(demo_url, disputes)
    assert (d.invoice_number, d.owner, d.author, d.status) == (r.items[0].invoice_number, "sales", "Kari", "open")
    # a pause of the customer
    at = pick(
        run_page(PAGE, user_name="Kari"),
        next(j for j, x in enumerate(read(demo_url, worklist, AS_OF)) if x.customer_id == r.customer_id),
    )
    at.text_input(key="coll_pause_reason").input("talks with the CFO")
    next(b for b in at.button if b.label == "Pause").click().run()
    assert not at.error, at.error
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(CollectionPause)).scalar_one() == 1
    engine.dispose()
    assert r.customer_id not in {x.customer_id for x in read(demo_url, worklist, AS_OF)}


def test_a_payment_plan_of_equal_instalments(demo_url):
    rows = read(demo_url, worklist, AS_OF)
    i = first_with_step(rows)
    r = rows[i]
    at = pick(run_page(PAGE, user_name="Kari"), i)
    at.number_input(key="coll_plan_count").set_value(2)
    at.text_input(key="coll_plan_reason").input("cash flow")
    next(b for b in at.button if b.label == "Create plan").click().run()
    assert not at.error, at.error
    [p] = read(demo_url, plans, AS_OF)
    total = sum(x.open_amount for x in r.items)
    assert p.planned == total and len(p.instalments) == 2
    want = equal_instalments(total, 2, AS_OF + timedelta(days=14), 30)  # the form's defaults: in 14 days, monthly
    assert [(x.due_on, x.amount) for x in p.instalments] == want


def test_the_letter_pdf_reads_back(demo_url):
    from data_access import cache

    rows = read(demo_url, worklist, AS_OF)
    r = rows[first_with_step(rows)]
    at = run_page(PAGE)  # sets up the app's database URL for the cache
    assert not at.exception
    pdf = cache.collection_letter(r.customer_id, AS_OF, "nb")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "\n".join(p.extract_text() for p in doc.pages)
    assert r.name in text and all(i.invoice_number in text for i in r.items if i.currency == r.currency)


def test_cash_applied_by_hand_and_reversed(demo_url):
    from data_access.collections import cash_applications, unapplied_documents

    rows = read(demo_url, worklist, AS_OF)
    i, docs = next(
        (j, d) for j, r in enumerate(rows) if (d := read(demo_url, unapplied_documents, r.customer_id, AS_OF))
    )
    r = rows[i]
    at = pick(run_page(PAGE, user_name="Kari"), i)
    at.selectbox(key="coll_cash_doc").set_value(docs[0].ref)
    at.selectbox(key="coll_cash_invoice").set_value(r.items[0].invoice_number)
    at.text_input(key="coll_cash_reason").input("remittance advice by e-mail")
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.error, at.error
    [a] = read(demo_url, cash_applications, r.customer_id)
    assert (a.doc_ref, a.new_invoice_number, a.author, a.reversed_at) == (
        docs[0].ref,
        r.items[0].invoice_number,
        "Kari",
        None,
    )
    assert docs[0].ref not in {d.ref for d in read(demo_url, unapplied_documents, r.customer_id, AS_OF)}
    at = pick(
        run_page(PAGE, user_name="Kari"),
        next(j for j, x in enumerate(read(demo_url, worklist, AS_OF)) if x.customer_id == r.customer_id),
    )
    at.button(key=f"coll_reverse_{a.id}").click().run()
    assert not at.error, at.error
    assert read(demo_url, cash_applications, r.customer_id)[0].reversed_by == "Kari"
    assert docs[0].ref in {d.ref for d in read(demo_url, unapplied_documents, r.customer_id, AS_OF)}


def test_a_dispute_is_resolved_on_the_disputes_tab(demo_url):
    from data_access.collections import open_dispute

    rows = read(demo_url, worklist, AS_OF)
    r = rows[first_with_step(rows)]
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        did = open_dispute(
            conn,
            r.items[0].invoice_number,
            Decimal("10.00"),
            reason="price",
            owner="sales",
            opened_on=AS_OF,
            author="Ola",
        )
    engine.dispose()
    at = run_page(PAGE, user_name="Kari")
    at.selectbox(key="coll_resolve_id").set_value(did)
    at.selectbox(key="coll_resolve_outcome").set_value("rejected")
    next(b for b in at.button if b.label == "Resolve").click().run()
    assert not at.error, at.error
    [d] = read(demo_url, disputes)
    assert (d.status, d.outcome, d.resolved_on) == ("resolved", "rejected", AS_OF)


def test_promises_tab_shows_kept_broken_and_pending(demo_url):
    from data_access.activities import add_activity
    from domain.activity import NewActivity

    rows = read(demo_url, worklist, AS_OF)
    r = rows[first_with_step(rows)]
    engine = make_engine(demo_url)
    with engine.begin() as conn:  # nothing paid: broken once the day has passed, pending before
        add_activity(
            conn,
            r.customer_id,
            NewActivity("promise", date(2026, 10, 1), "", "Kari", Decimal("100"), date(2026, 10, 5)),
        )
        add_activity(
            conn, r.customer_id, NewActivity("promise", AS_OF, "", "Kari", Decimal("100"), AS_OF + timedelta(days=3))
        )
    engine.dispose()
    at = run_page(PAGE)
    assert not at.exception, at.exception
    shown = next(d.value for d in at.dataframe if "paid" in d.value.columns and "by" in d.value.columns)
    assert sorted(shown["status"]) == ["Broken", "Pending"]
    assert set(shown["customer"]) == {f"{r.ref} · {r.name}"}
