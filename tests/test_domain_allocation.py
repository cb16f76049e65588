"""Allocation rules (domain/allocation.py): which credit closes which invoice, how much, and on which date."""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal

import pytest

from domain.allocation import Allocation, AllocationError, CreditDoc, InvoiceDoc, allocate

D = Decimal
INV = InvoiceDoc(1, "INV-1", customer_id=10, currency="NOK", issue_date=date(2026, 3, 10), amount=D("1000.00"))
INV2 = InvoiceDoc(2, "INV-2", customer_id=10, currency="NOK", issue_date=date(2026, 3, 20), amount=D("500.00"))
EUR_INV = InvoiceDoc(3, "INV-3", customer_id=10, currency="EUR", issue_date=date(2026, 3, 1), amount=D("100.00"))
OTHER_INV = InvoiceDoc(4, "INV-4", customer_id=20, currency="NOK", issue_date=date(2026, 3, 1), amount=D("100.00"))


def pay(id_, ref, day, amount, invoice="INV-1", customer=10, currency="NOK"):
    return CreditDoc("payment", id_, ref, customer, currency, day, D(amount), invoice)


def cn(id_, ref, day, amount, invoice="INV-1", customer=10, currency="NOK"):
    return CreditDoc("credit_note", id_, ref, customer, currency, day, D(amount), invoice)


def wo(id_, ref, day, amount, invoice="INV-1"):
    return CreditDoc("write_off", id_, ref, 10, "NOK", day, D(amount), invoice)


def open_amount(invoice: InvoiceDoc, allocations: list[Allocation], as_of: date) -> Decimal | None:
    """The spec's open amount at as_of: amount - allocations dated on or before as_of; None before issue.

    (The product computes this in SQL, data_access/asof.py; here it shows what the allocation dates mean.)
    """
    if invoice.issue_date > as_of:
        return None
    return invoice.amount - sum(
        (a.amount for a in allocations if a.invoice_id == invoice.id and a.alloc_date <= as_of), D(0)
    )


def test_partial_payment():
    got = allocate([INV], [pay(1, "P1", date(2026, 4, 1), "400.00")])
    assert got == [Allocation(1, "payment", 1, date(2026, 4, 1), D("400.00"))]
    assert open_amount(INV, got, date(2026, 3, 31)) == D("1000.00")  # before the payment
    assert open_amount(INV, got, date(2026, 4, 1)) == D("600.00")  # on the payment date


def test_excess_is_unapplied_no_row_beyond_the_open_amount():
    got = allocate([INV], [pay(1, "P1", date(2026, 4, 1), "1500.00"), pay(2, "P2", date(2026, 4, 2), "50.00")])
    # 1 000 closes the invoice; 500 of P1 and all of P2 stay unapplied credits (no allocation rows)
    assert got == [Allocation(1, "payment", 1, date(2026, 4, 1), D("1000.00"))]
    assert open_amount(INV, got, date(2026, 4, 30)) == D("0.00")


def test_payment_naming_no_invoice_is_unapplied():
    assert allocate([INV], [pay(1, "P1", date(2026, 4, 1), "300.00", invoice=None)]) == []


def test_zero_amount_credit_is_skipped():
    assert allocate([INV], [pay(1, "P1", date(2026, 4, 1), "0.00")]) == []


def test_payment_before_the_invoice_is_allocated_at_the_issue_date():
    got = allocate([INV], [pay(1, "P1", date(2026, 3, 1), "1000.00")])
    assert got == [Allocation(1, "payment", 1, date(2026, 3, 10), D("1000.00"))]  # max(3-1, 3-10)
    assert open_amount(INV, got, date(2026, 3, 5)) is None  # the invoice does not exist yet (payment unapplied)
    assert open_amount(INV, got, date(2026, 3, 10)) == D("0.00")


def test_credit_note_before_payment_on_the_same_date():
    day = date(2026, 4, 1)
    # refs chosen so that reference order alone would put the payment first
    got = allocate([INV], [pay(1, "A-PAY", day, "1000.00"), cn(7, "Z-CN", day, "300.00")])
    assert got == [
        Allocation(1, "credit_note", 7, day, D("300.00")),
        Allocation(1, "payment", 1, day, D("700.00")),  # 300 of the payment stays unapplied
    ]


def test_date_comes_before_kind():
    got = allocate([INV], [cn(7, "CN", date(2026, 4, 2), "300.00"), pay(1, "P", date(2026, 4, 1), "1000.00")])
    # the payment is a day earlier: it closes the invoice; the credit note stays unapplied
    assert got == [Allocation(1, "payment", 1, date(2026, 4, 1), D("1000.00"))]


def test_same_date_and_kind_in_reference_order():
    day = date(2026, 4, 1)
    got = allocate([INV], [pay(2, "P2", day, "800.00"), pay(1, "P1", day, "800.00")])
    assert got == [Allocation(1, "payment", 1, day, D("800.00")), Allocation(1, "payment", 2, day, D("200.00"))]


def test_order_is_by_document_date_even_when_both_are_dated_at_issue():
    # both precede the invoice, so both allocations are dated 3-10; P-late's earlier document date wins
    got = allocate([INV], [pay(1, "A", date(2026, 3, 5), "600.00"), pay(2, "B", date(2026, 3, 2), "600.00")])
    assert got == [
        Allocation(1, "payment", 2, date(2026, 3, 10), D("600.00")),
        Allocation(1, "payment", 1, date(2026, 3, 10), D("400.00")),
    ]


def test_write_off_after_payment_on_the_same_date():
    day = date(2026, 5, 1)
    got = allocate([INV], [wo(9, "WO1", day, "400.00"), pay(1, "P1", day, "600.00")])  # imported write-off first
    assert got == [Allocation(1, "payment", 1, day, D("600.00")), Allocation(1, "write_off", 9, day, D("400.00"))]


@pytest.mark.parametrize(
    ("credits", "message"),
    [
        # 600 paid, 500 written off on the same day: only 400 left
        (
            [pay(1, "P1", date(2026, 5, 1), "600.00"), wo(9, "WO1", date(2026, 5, 1), "500.00")],
            "write-off WO1 of 500.00 exceeds the 400.00 left open on invoice INV-1",
        ),
        # written off in full before a payment arrives is fine; a second write-off is not
        (
            [wo(9, "WO1", date(2026, 5, 1), "1000.00"), wo(10, "WO2", date(2026, 5, 2), "0.01")],
            "write-off WO2 of 0.01 exceeds the 0.00 left open on invoice INV-1",
        ),
        (
            [pay(1, "P1", date(2026, 5, 1), "999.99"), wo(9, "WO1", date(2026, 5, 1), "1000.00")],
            "write-off WO1 of 1000.00 exceeds the 0.01 left open on invoice INV-1",
        ),
    ],
)
def test_write_off_larger_than_what_is_left(credits, message):
    with pytest.raises(AllocationError) as exc:
        allocate([INV], credits)
    assert str(exc.value) == message


def test_write_off_of_exactly_what_is_left():
    got = allocate([INV], [pay(1, "P1", date(2026, 5, 1), "999.99"), wo(9, "WO1", date(2026, 5, 2), "0.01")])
    assert got[-1] == Allocation(1, "write_off", 9, date(2026, 5, 2), D("0.01"))


@pytest.mark.parametrize(
    ("credit", "message"),
    [
        (
            pay(1, "P1", date(2026, 4, 1), "10.00", invoice="NOPE"),
            "payment P1 names invoice NOPE, which does not exist",
        ),
        (
            cn(2, "CN1", date(2026, 4, 1), "10.00", invoice="NOPE"),
            "credit note CN1 names invoice NOPE, which does not exist",
        ),
        (
            wo(3, "WO1", date(2026, 4, 1), "10.00", invoice="NOPE"),
            "write off WO1 names invoice NOPE, which does not exist",
        ),
        (
            pay(1, "P1", date(2026, 4, 1), "10.00", invoice="INV-4"),
            "payment P1 names invoice INV-4 of another customer",
        ),
        (
            cn(2, "CN1", date(2026, 4, 1), "10.00", invoice="INV-1", customer=20),
            "credit note CN1 names invoice INV-1 of another customer",
        ),
        (
            pay(1, "P1", date(2026, 4, 1), "10.00", invoice="INV-3"),
            "payment P1 is in NOK but invoice INV-3 is in EUR",
        ),
        (
            cn(2, "CN1", date(2026, 4, 1), "10.00", currency="SEK"),
            "credit note CN1 is in SEK but invoice INV-1 is in NOK",
        ),
    ],
)
def test_allocation_errors(credit, message):
    with pytest.raises(AllocationError) as exc:
        allocate([INV, EUR_INV, OTHER_INV], [credit])
    assert str(exc.value) == message


MIXED_CREDITS = [
    pay(1, "P-01", date(2026, 3, 15), "300.00"),
    pay(2, "P-02", date(2026, 3, 25), "900.00"),  # 700 left on INV-1 -> 200 unapplied
    cn(3, "CN-01", date(2026, 3, 25), "100.00"),  # same date as P-02: goes first
    pay(4, "P-03", date(2026, 3, 18), "250.00", invoice="INV-2"),  # before INV-2 (3-20): dated 3-20
    wo(5, "WO-01", date(2026, 4, 30), "210.00", invoice="INV-2"),  # closes INV-2
    pay(6, "P-04", date(2026, 4, 2), "75.00", invoice=None),  # on account
    cn(7, "CN-02", date(2026, 3, 18), "40.00", invoice="INV-2"),  # before P-03 on the same day
]
EXPECTED_MIXED = [
    Allocation(1, "payment", 1, date(2026, 3, 15), D("300.00")),
    Allocation(2, "credit_note", 7, date(2026, 3, 20), D("40.00")),
    Allocation(2, "payment", 4, date(2026, 3, 20), D("250.00")),
    Allocation(1, "credit_note", 3, date(2026, 3, 25), D("100.00")),
    Allocation(1, "payment", 2, date(2026, 3, 25), D("600.00")),  # 1 000 - 300 - 100
    Allocation(2, "write_off", 5, date(2026, 4, 30), D("210.00")),  # 500 - 40 - 250
]


def test_mixed_example():
    assert allocate([INV, INV2], MIXED_CREDITS) == EXPECTED_MIXED


@pytest.mark.parametrize("seed", range(20))
def test_order_independence(seed):
    shuffled = list(MIXED_CREDITS)
    random.Random(seed).shuffle(shuffled)  # a fixed, different import order per seed
    invoices = [INV, INV2] if seed % 2 else [INV2, INV]
    assert allocate(invoices, shuffled) == EXPECTED_MIXED


def test_mixed_example_write_off_too_large():
    credits = [c if c.ref != "WO-01" else wo(5, "WO-01", date(2026, 4, 30), "250.00", "INV-2") for c in MIXED_CREDITS]
    with pytest.raises(
        AllocationError, match=re.escape("write-off WO-01 of 250.00 exceeds the 210.00 left open on invoice INV-2")
    ):
        allocate([INV, INV2], credits)


@pytest.mark.parametrize(
    ("as_of", "inv1", "inv2"),
    [
        (date(2026, 3, 14), D("1000.00"), None),  # INV-2 not issued yet
        (date(2026, 3, 15), D("700.00"), None),
        (date(2026, 3, 20), D("700.00"), D("210.00")),  # CN-02 and P-03 dated at INV-2's issue date
        (date(2026, 3, 25), D("0.00"), D("210.00")),
        (date(2026, 4, 29), D("0.00"), D("210.00")),
        (date(2026, 4, 30), D("0.00"), D("0.00")),
    ],
)
def test_open_amounts_as_of(as_of, inv1, inv2):
    assert open_amount(INV, EXPECTED_MIXED, as_of) == inv1
    assert open_amount(INV2, EXPECTED_MIXED, as_of) == inv2
