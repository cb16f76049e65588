"""Aging buckets (edges, labels, days -> bucket, invalid edges) and the AgingReport sums (domain/aging.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.aging import (
    CURRENT,
    DEFAULT_EDGES,
    AgingCell,
    Basis,
    BucketError,
    Buckets,
    build_aging,
    parse_edges,
)

D = Decimal
DEFAULT = Buckets()


def test_default_edges_and_labels():
    assert DEFAULT_EDGES == (30, 60, 90, 120)
    assert DEFAULT.labels == ("current", "1-30", "31-60", "61-90", "91-120", "121+")
    assert DEFAULT.as_text() == "30,60,90,120"
    assert CURRENT == "current"


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (-45, "current"),  # not due for another 45 days
        (-1, "current"),
        (0, "current"),  # due today is not past due
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-120"),
        (120, "91-120"),
        (121, "121+"),
        (10_000, "121+"),
    ],
)
def test_default_bucket_of_days(days, label):
    assert DEFAULT.label(days) == label
    assert DEFAULT.labels[DEFAULT.index(days)] == label


@pytest.mark.parametrize(
    ("as_of", "due", "issue", "due_label", "invoice_label"),
    [
        # days past due = as_of - due_date; invoice basis = as_of - issue_date
        (date(2026, 3, 31), date(2026, 3, 31), date(2026, 3, 1), "current", "1-30"),  # 0 and 30 days
        (date(2026, 3, 31), date(2026, 3, 30), date(2026, 2, 28), "1-30", "31-60"),  # 1 and 31 days
        (date(2026, 3, 31), date(2026, 3, 1), date(2026, 1, 30), "1-30", "31-60"),  # 30 and 60 days
        (date(2026, 3, 31), date(2026, 2, 28), date(2026, 1, 29), "31-60", "61-90"),  # 31 and 61 days
        (date(2026, 3, 31), date(2025, 12, 1), date(2025, 11, 1), "91-120", "121+"),  # 120 and 150 days
        (date(2026, 3, 31), date(2025, 11, 30), date(2025, 10, 31), "121+", "121+"),  # 121 and 151 days
        (date(2024, 3, 31), date(2024, 3, 1), date(2024, 2, 1), "1-30", "31-60"),  # 30 and 59 days (Feb 2024: 29)
        (date(2026, 3, 31), date(2026, 4, 30), date(2026, 3, 31), "current", "current"),  # -30 and 0 days
    ],
)
def test_bucket_by_due_and_invoice_basis(as_of, due, issue, due_label, invoice_label):
    assert DEFAULT.label((as_of - due).days) == due_label
    assert DEFAULT.label((as_of - issue).days) == invoice_label


def test_basis_values():
    assert Basis("due") is Basis.DUE
    assert Basis("invoice") is Basis.INVOICE
    assert str(Basis.INVOICE) == "invoice"


@pytest.mark.parametrize(
    ("edges", "labels"),
    [
        ((30, 60, 90, 120), ("current", "1-30", "31-60", "61-90", "91-120", "121+")),
        ((7, 14, 21), ("current", "1-7", "8-14", "15-21", "22+")),
        ((45,), ("current", "1-45", "46+")),
        ((1, 2), ("current", "1-1", "2-2", "3+")),
        ((30, 60, 90), ("current", "1-30", "31-60", "61-90", "91+")),  # invoice-date style, >90 cut-off
    ],
)
def test_custom_edges_labels(edges, labels):
    b = Buckets(edges)
    assert b.labels == labels
    assert len(b.labels) == len(edges) + 2


@pytest.mark.parametrize(
    ("edges", "days", "label"),
    [
        ((7, 14, 21), 0, "current"),
        ((7, 14, 21), 7, "1-7"),
        ((7, 14, 21), 8, "8-14"),
        ((7, 14, 21), 21, "15-21"),
        ((7, 14, 21), 22, "22+"),
        ((45,), 45, "1-45"),
        ((45,), 46, "46+"),
        ((1, 2), 1, "1-1"),
        ((1, 2), 2, "2-2"),
        ((1, 2), 3, "3+"),
    ],
)
def test_custom_edges_bucket_of_days(edges, days, label):
    assert Buckets(edges).label(days) == label


@pytest.mark.parametrize(
    ("text", "edges"),
    [
        ("30,60,90,120", (30, 60, 90, 120)),
        (" 30 , 60 ", (30, 60)),  # blanks around edges are ignored
        ("45", (45,)),
        ("7,14,21", (7, 14, 21)),
    ],
)
def test_parse_edges_valid(text, edges):
    b = parse_edges(text)
    assert b.edges == edges
    assert parse_edges(b.as_text()) == b  # as_text round-trips


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "bucket edge 0 is not a positive whole number of days"),
        ("-30", "bucket edge '-30' is not a positive whole number of days"),
        ("30,abc", "bucket edge 'abc' is not a positive whole number of days"),
        ("", "bucket edge '' is not a positive whole number of days"),
        ("30,,60", "bucket edge '' is not a positive whole number of days"),
        ("30,", "bucket edge '' is not a positive whole number of days"),
        ("30.5", "bucket edge '30.5' is not a positive whole number of days"),
        ("60,30", "bucket edges must be strictly increasing: 60 then 30"),
        ("30,30", "bucket edges must be strictly increasing: 30 then 30"),
        ("30,90,60", "bucket edges must be strictly increasing: 90 then 60"),
    ],
)
def test_parse_edges_invalid(text, message):
    with pytest.raises(BucketError) as exc:
        parse_edges(text)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ((), "at least one bucket edge is needed"),
        ((0,), "bucket edge 0 is not a positive whole number of days"),
        ((-30, 60), "bucket edge -30 is not a positive whole number of days"),
        ((30.0, 60), "bucket edge 30.0 is not a positive whole number of days"),  # no floats
        ((True, 60), "bucket edge True is not a positive whole number of days"),  # no booleans
        ((60, 30), "strictly increasing: 60 then 30"),
    ],
)
def test_buckets_invalid_edges(edges, message):
    with pytest.raises(BucketError) as exc:
        Buckets(edges)
    assert message in str(exc.value)


def test_parse_edges_superscript_digit_is_a_bucket_error():
    with pytest.raises(BucketError):
        parse_edges("30,³")


# --- AgingReport -------------------------------------------------------------------------------

NAMES = {1: ("C001", "Alfa AS"), 2: ("C002", "Beta AB"), 3: ("C003", "Gamma ApS")}


def _cells():
    # customer, bucket, amount, count, unapplied amount, unapplied count, open invoices
    return [
        AgingCell(2, 0, D("500.00"), 1, D("0.00"), 0, 1),
        AgingCell(1, 0, D("1000.00"), 2, D("0.00"), 0, 2),
        AgingCell(1, 1, D("-200.00"), 1, D("-200.00"), 1, 0),  # a payment on account, 12 days old
        AgingCell(1, 1, D("300.00"), 1, D("0.00"), 0, 1),  # same customer and bucket: added up
        AgingCell(1, 5, D("1500.00"), 1, D("0.00"), 0, 1),
        AgingCell(3, 2, D("-50.00"), 1, D("-50.00"), 1, 0),  # only a credit note: a credit balance
    ]


def test_aging_report_totals_are_sums_of_customer_rows():
    r = build_aging(date(2026, 3, 31), Basis.DUE, "NOK", DEFAULT, _cells(), NAMES)
    assert [c.customer_ref for c in r.customers] == ["C001", "C002", "C003"]  # ordered by reference
    c1, c2, c3 = r.customers
    assert c1.amounts == (D("1000.00"), D("100.00"), D(0), D(0), D(0), D("1500.00"))  # 300 - 200 in 1-30
    assert c1.counts == (2, 2, 0, 0, 0, 1)
    assert c1.total == D("2600.00")  # 1000 + 100 + 1500
    assert c2.total == D("500.00")
    assert c3.total == D("-50.00")
    # portfolio = column sums of the customer rows
    assert r.amounts == (D("1500.00"), D("100.00"), D("-50.00"), D(0), D(0), D("1500.00"))
    assert r.counts == (3, 2, 1, 0, 0, 1)
    assert r.total == D("3050.00") == sum(c.total for c in r.customers) == sum(r.amounts)
    assert r.current == D("1500.00")
    assert r.unapplied_amount == D("-250.00")  # -200 - 50
    assert r.unapplied_count == 2
    assert r.open_invoices == 5
    assert r.customers_with_balance == 2  # C003's credit balance does not count
    assert (r.as_of, r.basis, r.currency) == (date(2026, 3, 31), Basis.DUE, "NOK")


def test_aging_report_is_independent_of_cell_order():
    a = build_aging(date(2026, 3, 31), Basis.INVOICE, "NOK", DEFAULT, _cells(), NAMES)
    b = build_aging(date(2026, 3, 31), Basis.INVOICE, "NOK", DEFAULT, list(reversed(_cells())), NAMES)
    assert a == b


def test_empty_aging_report():
    r = build_aging(date(2026, 3, 31), "due", "NOK", DEFAULT, [], NAMES)
    assert r.customers == ()
    assert r.total == D("0.00")
    assert r.amounts == (D("0.00"),) * 6
    assert r.customers_with_balance == 0
    assert r.basis is Basis.DUE


# --- re-bucketing and grouping -----------------------------------------------------------------


def _report(edges, rows):
    from domain.aging import AgingReport, Basis, Buckets, CustomerAging

    b = Buckets(edges)
    custs = tuple(
        CustomerAging(
            i,
            f"C{i}",
            f"Name {i}",
            tuple(D(a) for a in amts),
            tuple(1 if D(a) else 0 for a in amts),
            D("0.00"),
            0,
            sum(1 for a in amts if D(a)),
        )
        for i, amts in rows
    )
    return AgingReport(date(2026, 3, 31), Basis.DUE, "NOK", b, custs)


def test_coarsen_merges_fine_buckets_exactly():
    from domain.aging import Buckets, coarsen

    # fine edges 30,60,90,120: current, 1-30, 31-60, 61-90, 91-120, 121+
    fine = _report((30, 60, 90, 120), [(1, ("1", "2", "4", "8", "16", "32")), (2, ("0", "0", "0", "0", "1", "-1"))])
    coarse = coarsen(fine, Buckets((60,)))  # current, 1-60, 61+
    assert coarse.buckets.labels == ("current", "1-60", "61+")
    assert coarse.amounts == (D("1"), D("6"), D("56"))  # 2+4, 8+16+32+1-1
    assert coarse.total == fine.total
    assert coarse.counts == (1, 2, 5)
    with pytest.raises(BucketError, match="not a subset"):
        coarsen(fine, Buckets((45,)))


def test_amount_beyond_and_group_rows():
    from domain.aging import amount_beyond, group_rows

    r = _report((30, 60, 90, 120), [(1, ("1", "2", "4", "8", "16", "32")), (2, ("5", "0", "0", "0", "1", "0"))])
    assert amount_beyond(r, 60) == D("57")  # 8 + 16 + 32 + 1
    assert amount_beyond(r, 90) == D("49")  # 16 + 32 + 1
    with pytest.raises(BucketError):
        amount_beyond(r, 45)
    assert group_rows(r, {1: "NO", 2: "SE"}) == {
        "NO": tuple(D(x) for x in ("1", "2", "4", "8", "16", "32")),
        "SE": tuple(D(x) for x in ("5", "0", "0", "0", "1", "0")),
    }
    assert group_rows(r, {1: "NO"})["–"][0] == D("5")  # a missing key is shown as a dash


def test_bucket_totals_coarsen_values_and_amounts_beyond_equal_the_report_path():
    from domain.aging import amount_beyond, amounts_beyond, bucket_totals, coarsen, coarsen_values, merged

    fine = merged(DEFAULT, (60, 90))
    cells = [*_cells(), AgingCell(2, 3, D("0.01"), 1, D("0.00"), 0, 1), AgingCell(3, 5, D("7.77"), 1, D("0.00"), 0, 1)]
    r = build_aging(date(2026, 3, 31), Basis.DUE, "NOK", fine, cells, NAMES)
    totals = bucket_totals(cells, fine)
    assert totals == r.amounts and sum(totals) == r.total
    assert bucket_totals([], fine) == (D("0.00"),) * len(fine.labels)
    for target in (DEFAULT, Buckets((60,)), Buckets((30, 90))):
        assert coarsen_values(totals, fine, target) == coarsen(r, target).amounts
        assert coarsen_values(r.counts, fine, target, 0) == coarsen(r, target).counts
    for days in (60, 90):
        assert amounts_beyond(totals, fine, days) == amount_beyond(r, days)
    with pytest.raises(BucketError, match="not a subset"):
        coarsen_values(totals, fine, Buckets((45,)))
    with pytest.raises(BucketError, match="not a bucket edge"):
        amounts_beyond(totals, fine, 45)
