"""The borrowing base certificate (domain/borrowing_base.py) against hand-computed ledgers.

Reference: /work/shared/reference/domain_rules.md §4 (ineligibles, order of calculation, concentration, dilution).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.borrowing_base import (
    CATEGORIES,
    BBItem,
    BorrowingBaseError,
    Certificate,
    DilutionInputs,
    Ineligible,
    LenderProfile,
    borrowing_base,
    changes,
    validate_order,
)

D = Decimal
NAMES = {1: "Alfa AS", 2: "Beta AB", 3: "Gamma AS", 4: "Delta AS", 5: "Epsilon Oy", 6: "Zeta AS"}
NO_DILUTION = DilutionInputs(gross_sales=D(0), credit_notes=D(0), write_offs=D(0))


def item(
    cid: int,
    ref: str,
    amount: str,
    days: int,
    *,
    kind: str = "invoice",
    country: str | None = "NO",
    group: int | None = None,
    insured: bool = False,
    affiliate: bool = False,
    government: bool = False,
    bankrupt: bool = False,
    pledged: bool = False,
    disputed: str = "0",
) -> BBItem:
    return BBItem(
        customer_id=cid,
        customer_ref=f"C{cid:03d}",
        name=NAMES.get(cid, f"Customer {cid}"),
        group_id=cid if group is None else group,
        ref=ref,
        kind=kind,
        amount=D(amount),
        days=days,
        country=country,
        insured=insured,
        affiliate=affiliate,
        government=government,
        bankrupt=bankrupt,
        pledged=pledged,
        disputed=D(disputed),
    )


def profile(**kw) -> LenderProfile:
    return LenderProfile(name="DNB revolving credit facility", lender="DNB", **kw)


def by_cat(c: Certificate) -> dict[str, Decimal]:
    return dict(c.ineligible_by_category)


def rows(c: Certificate) -> list[tuple[str, str, str, Decimal]]:
    return [(r.customer_ref, r.category, r.ref, r.amount) for r in c.detail]


# --- 1. a small ledger computed by hand ----------------------------------------------------------

LEDGER = (
    # Alfa: 50,000 of 150,000 past 90 days = 33.3 % -> not cross-aged; an unapplied payment 100 days old
    item(1, "INV-101", "100000.00", 30),
    item(1, "INV-102", "50000.00", 120),
    item(1, "PAY-1", "-5000.00", 100, kind="payment"),
    # Beta: Swedish, not insured -> foreign
    item(2, "INV-201", "40000.00", 10, country="SE"),
    # Gamma: an affiliate with 30,000 of 50,000 = 60 % past 90 days -> cross-aged
    item(3, "INV-301", "30000.00", 95, affiliate=True),
    item(3, "INV-302", "20000.00", 20, affiliate=True),
    # Delta: 10,000 disputed, we owe Delta 25,000 (contra), a recent credit note that stays in eligible AR
    item(4, "INV-401", "200000.00", 15, disputed="10000.00"),
    item(4, "INV-402", "60000.00", 45),
    item(4, "CN-401", "-8000.00", 10, kind="credit_note"),
    # Epsilon: Finnish but insured -> eligible
    item(5, "INV-501", "70000.00", 60, country="FI", insured=True),
)
CONTRA = {4: D("25000.00")}
DILUTION = DilutionInputs(
    gross_sales=D("2000000.00"),
    credit_notes=D("90000.00"),
    write_offs=D("30000.00"),
    discounts=D("20000.00"),
    first_day=date(2025, 4, 1),
    last_day=date(2026, 3, 31),
)


def ledger_certificate(**kw) -> Certificate:
    return borrowing_base(LEDGER, profile(loan_balance=D("150000.00")), CONTRA, DILUTION, **kw)


def test_hand_computed_certificate():
    c = ledger_certificate()
    # gross = 145,000 (Alfa 100,000 + 50,000 - 5,000) + 40,000 + 50,000 + 252,000 (Delta 200,000 + 60,000 - 8,000)
    #       + 70,000 = 557,000
    assert c.gross == D("557000.00")
    assert c.ineligible_by_category == (
        ("past_due", D("80000.00")),  # INV-102 50,000 + INV-301 30,000
        ("cross_aged", D("20000.00")),  # Gamma's remaining INV-302
        ("credits_in_prior", D("5000.00")),  # PAY-1, 100 days > 90
        ("affiliate", D("0.00")),  # Gamma is an affiliate but nothing of it is left
        ("foreign_uninsured", D("40000.00")),  # Beta (SE, uninsured); Epsilon is insured
        ("government", D("0.00")),
        ("contra", D("25000.00")),  # min(owed 25,000, Delta's remaining 260,000), oldest first: INV-402
        ("disputed", D("10000.00")),  # INV-401's disputed part
        ("bankrupt", D("0.00")),
        ("pledged", D("0.00")),
        # before cap: 80,000 + 20,000 + 5,000 + 40,000 + 25,000 + 10,000 = 180,000; 557,000 - 180,000 = 377,000
        # cap 20 % x 377,000 = 75,400. Alfa 100,000 -> 24,600; Delta 190,000 + 35,000 = 225,000 -> 149,600;
        # Epsilon 70,000 <= 75,400 -> 0. 24,600 + 149,600 = 174,200
        ("concentration", D("174200.00")),
    )
    assert c.eligible_before_cap == D("377000.00")
    assert c.total_ineligible == D("354200.00")  # 180,000 + 174,200
    # 557,000 - 354,200 = 202,800; check: Alfa 75,400 + Delta 75,400 + Epsilon 70,000 - PAY-1 5,000 (in gross)
    # - its add-back 5,000 - CN-401 8,000 = 202,800
    assert c.eligible == D("202800.00")
    assert c.advance_rate_percent == D("85")
    assert c.gross_availability == D("172380.00")  # 202,800 x 0.85
    assert c.dilution_percent == D("7.00")  # (90,000 + 30,000 + 20,000) / 2,000,000 = 7 %
    assert c.dilution_reserve == D("4056.00")  # 202,800 x (7 - 5) %
    assert c.availability == D("168324.00")  # 172,380 - 4,056
    assert c.loan_balance == D("150000.00")
    assert c.excess_availability == D("18324.00")  # 168,324 - 150,000


def test_detail_rows_and_by_customer():
    c = ledger_certificate()
    # sorted by customer, then category order, then ref; concentration is spread oldest first:
    # Delta's 149,600 takes INV-402's remaining 35,000 (45 days) then 114,600 of INV-401 (15 days)
    assert rows(c) == [
        ("C001", "past_due", "INV-102", D("50000.00")),
        ("C001", "credits_in_prior", "PAY-1", D("5000.00")),
        ("C001", "concentration", "INV-101", D("24600.00")),
        ("C002", "foreign_uninsured", "INV-201", D("40000.00")),
        ("C003", "past_due", "INV-301", D("30000.00")),
        ("C003", "cross_aged", "INV-302", D("20000.00")),
        ("C004", "contra", "INV-402", D("25000.00")),
        ("C004", "disputed", "INV-401", D("10000.00")),
        ("C004", "concentration", "INV-401", D("114600.00")),
        ("C004", "concentration", "INV-402", D("35000.00")),
    ]
    assert c.detail[1] == Ineligible(1, "C001", "Alfa AS", "PAY-1", "payment", "credits_in_prior", D("5000.00"), 100)
    assert sum(r.amount for r in c.detail) == c.total_ineligible
    assert c.by_customer() == [
        (
            "C001",
            "Alfa AS",
            {"past_due": D("50000.00"), "credits_in_prior": D("5000.00"), "concentration": D("24600.00")},
        ),
        ("C002", "Beta AB", {"foreign_uninsured": D("40000.00")}),
        ("C003", "Gamma AS", {"past_due": D("30000.00"), "cross_aged": D("20000.00")}),
        # concentration 114,600 + 35,000 = 149,600
        ("C004", "Delta AS", {"contra": D("25000.00"), "disputed": D("10000.00"), "concentration": D("149600.00")}),
    ]


def test_lines_in_print_order():
    c = ledger_certificate()
    keys = [k for k, _ in c.lines()]
    assert keys == [
        "gross",
        *CATEGORIES,
        "concentration",
        "total_ineligible",
        "eligible",
        "advance_rate_percent",
        "gross_availability",
        "dilution_percent",
        "dilution_reserve",
        "availability",
        "loan_balance",
        "excess_availability",
    ]
    lines = dict(c.lines())
    assert lines["gross"] == D("557000.00") and lines["excess_availability"] == D("18324.00")


# --- 2. one invoice in two categories is deducted once ---------------------------------------------


def test_past_due_affiliate_counted_once_in_the_first_category():
    items = (
        item(1, "A-1", "10000.00", 120, affiliate=True),  # past due AND affiliate
        item(2, "B-1", "30000.00", 10),
    )
    first = borrowing_base(items, profile(order=("past_due", "affiliate"), concentration_percent=None), {}, NO_DILUTION)
    assert by_cat(first) == {"past_due": D("10000.00"), "affiliate": D("0.00"), "concentration": D("0.00")}
    swapped = borrowing_base(
        items, profile(order=("affiliate", "past_due"), concentration_percent=None), {}, NO_DILUTION
    )
    assert by_cat(swapped) == {"affiliate": D("10000.00"), "past_due": D("0.00"), "concentration": D("0.00")}
    # gross 40,000 - 10,000 either way
    assert first.total_ineligible == swapped.total_ineligible == D("10000.00")
    assert first.eligible == swapped.eligible == D("30000.00")


def test_disputed_and_pledged_split_by_order():
    items = (item(1, "A-1", "10000.00", 10, pledged=True, disputed="4000.00"), item(2, "B-1", "50000.00", 10))
    p = profile(concentration_percent=None)
    # disputed first: 4,000 disputed, the remaining 6,000 pledged
    first = borrowing_base(items, replace(p, order=("disputed", "pledged")), {}, NO_DILUTION)
    assert (by_cat(first)["disputed"], by_cat(first)["pledged"]) == (D("4000.00"), D("6000.00"))
    # pledged first: the whole 10,000 pledged, nothing left to be disputed
    swapped = borrowing_base(items, replace(p, order=("pledged", "disputed")), {}, NO_DILUTION)
    assert (by_cat(swapped)["disputed"], by_cat(swapped)["pledged"]) == (D("0.00"), D("10000.00"))
    assert first.total_ineligible == swapped.total_ineligible == D("10000.00")


def test_category_left_out_of_the_order_is_not_applied():
    items = (item(1, "A-1", "10000.00", 120, government=True), item(2, "B-1", "10000.00", 10))
    c = borrowing_base(items, profile(order=("past_due",), concentration_percent=None), {}, NO_DILUTION)
    assert c.ineligible_by_category == (("past_due", D("10000.00")), ("concentration", D("0.00")))
    c = borrowing_base(items, profile(order=("government",), concentration_percent=None), {}, NO_DILUTION)
    assert c.ineligible_by_category == (("government", D("10000.00")), ("concentration", D("0.00")))
    c = borrowing_base(items, profile(order=(), concentration_percent=None), {}, NO_DILUTION)
    assert c.ineligible_by_category == (("concentration", D("0.00")),)
    assert c.eligible == D("20000.00")


# --- 3. concentration ---------------------------------------------------------------------------

CONCENTRATED = (
    item(1, "A-1", "400000.00", 10),
    item(2, "B-1", "300000.00", 40, group=2),
    item(3, "C-1", "200000.00", 70, group=2),  # C belongs to B's group
    item(4, "D-1", "100000.00", 5),
)


def test_concentration_applied_once_on_the_base_before_the_cap():
    c = borrowing_base(CONCENTRATED, profile(), {}, NO_DILUTION)
    assert c.eligible_before_cap == D("1000000.00")
    # cap 20 % x 1,000,000 = 200,000: A 400,000 -> 200,000 excess; B 300,000 -> 100,000; C and D under the cap.
    # Not iterated: a recomputed cap of 20 % x 700,000 = 140,000 would have taken more.
    assert rows(c) == [
        ("C001", "concentration", "A-1", D("200000.00")),
        ("C002", "concentration", "B-1", D("100000.00")),
    ]
    assert by_cat(c)["concentration"] == D("300000.00")
    assert c.eligible == D("700000.00")
    assert c.gross_availability == D("595000.00")  # 700,000 x 0.85


def test_concentration_at_group_level_sums_the_members():
    c = borrowing_base(CONCENTRATED, profile(concentration_level="group"), {}, NO_DILUTION)
    # group 2 = B 300,000 + C 200,000 = 500,000 -> excess 300,000, spread oldest first: C-1 (70 days) 200,000,
    # then B-1 (40 days) 100,000. A 400,000 -> 200,000. Total 500,000.
    assert rows(c) == [
        ("C001", "concentration", "A-1", D("200000.00")),
        ("C002", "concentration", "B-1", D("100000.00")),
        ("C003", "concentration", "C-1", D("200000.00")),
    ]
    assert c.eligible == D("500000.00")  # 1,000,000 - 500,000


def test_concentration_uses_the_base_after_the_other_ineligibles_and_no_cap_when_none():
    items = (*CONCENTRATED, item(5, "E-1", "250000.00", 200))  # past due 250,000
    c = borrowing_base(items, profile(), {}, NO_DILUTION)
    # gross 1,250,000 - past due 250,000 = 1,000,000 before the cap, the same excesses as above
    assert c.eligible_before_cap == D("1000000.00")
    assert by_cat(c)["concentration"] == D("300000.00")
    assert c.eligible == D("700000.00")  # 1,250,000 - 250,000 - 300,000
    uncapped = borrowing_base(items, profile(concentration_percent=None), {}, NO_DILUTION)
    assert by_cat(uncapped)["concentration"] == D("0.00")
    assert uncapped.eligible == D("1000000.00")


def test_concentration_cap_rounds_half_up():
    items = (item(1, "A-1", "600.00", 1), item(2, "B-1", "400.05", 1))
    c = borrowing_base(items, profile(concentration_percent=D("33.3")), {}, NO_DILUTION)
    # cap 33.3 % x 1,000.05 = 333.016665 -> 333.02; A 600 - 333.02 = 266.98; B 400.05 - 333.02 = 67.03
    assert rows(c) == [
        ("C001", "concentration", "A-1", D("266.98")),
        ("C002", "concentration", "B-1", D("67.03")),
    ]
    assert c.eligible == D("666.04")  # 1,000.05 - 334.01 = 2 x 333.02


# --- 4. the other rules -------------------------------------------------------------------------

NO_CAP = profile(concentration_percent=None)


def test_cross_aging_above_the_share_takes_the_whole_customer():
    items = (item(1, "A-1", "60000.00", 100), item(1, "A-2", "40000.00", 30))
    c = borrowing_base(items, NO_CAP, {}, NO_DILUTION)
    # 60,000 / 100,000 = 60 % > 50 %: past due 60,000, the other 40,000 cross-aged
    assert (by_cat(c)["past_due"], by_cat(c)["cross_aged"]) == (D("60000.00"), D("40000.00"))
    assert c.eligible == D("0.00")


def test_cross_aging_below_or_at_the_share_takes_only_past_due():
    items = (item(1, "A-1", "40000.00", 100), item(1, "A-2", "60000.00", 30))
    c = borrowing_base(items, NO_CAP, {}, NO_DILUTION)
    # 40 % is not above 50 %: only the past-due 40,000
    assert (by_cat(c)["past_due"], by_cat(c)["cross_aged"]) == (D("40000.00"), D("0.00"))
    assert c.eligible == D("60000.00")
    at = (item(1, "A-1", "50000.00", 91), item(1, "A-2", "50000.00", 90))  # 90 days is not past a 90-day cut-off
    c = borrowing_base(at, NO_CAP, {}, NO_DILUTION)
    # exactly 50 % is not MORE than 50 %
    assert (by_cat(c)["past_due"], by_cat(c)["cross_aged"]) == (D("50000.00"), D("0.00"))
    # with a 10 % cross-aging rule the same 40 % customer is cross-aged
    c = borrowing_base(items, replace(NO_CAP, cross_aging_percent=D("10")), {}, NO_DILUTION)
    assert (by_cat(c)["past_due"], by_cat(c)["cross_aged"]) == (D("40000.00"), D("60000.00"))


def test_cross_aging_without_past_due_in_the_order_takes_everything():
    items = (item(1, "A-1", "60000.00", 100), item(1, "A-2", "40000.00", 30))
    c = borrowing_base(items, replace(NO_CAP, order=("cross_aged",)), {}, NO_DILUTION)
    assert by_cat(c)["cross_aged"] == D("100000.00")


def test_cut_off_on_the_due_date_basis():
    # the caller computes days past due; the profile's cut-off is 60 days past due
    items = (item(1, "A-1", "1000.00", 61), item(1, "A-2", "9000.00", 60))
    c = borrowing_base(items, replace(NO_CAP, basis="due", cutoff_days=60), {}, NO_DILUTION)
    assert by_cat(c)["past_due"] == D("1000.00")  # 61 > 60; 60 is not


def test_credits_in_prior_add_back():
    items = (
        item(1, "A-1", "10000.00", 10),
        item(1, "CN-1", "-3000.00", 120, kind="credit_note"),
        item(1, "PAY-1", "-2000.00", 30, kind="payment"),
    )
    c = borrowing_base(items, NO_CAP, {}, NO_DILUTION)
    # gross 10,000 - 3,000 - 2,000 = 5,000; CN-1 is older than 90 days -> 3,000 added back; PAY-1 is recent
    assert c.gross == D("5000.00")
    assert by_cat(c)["credits_in_prior"] == D("3000.00")
    assert c.eligible == D("2000.00")  # 5,000 - 3,000
    off = borrowing_base(items, replace(NO_CAP, credits_in_prior=False), {}, NO_DILUTION)
    assert by_cat(off)["credits_in_prior"] == D("0.00")  # still a line, zero
    assert off.eligible == D("5000.00")


def test_contra_is_the_lower_of_ar_and_amount_owed():
    items = (
        item(1, "A-1", "6000.00", 50),
        item(1, "A-2", "4000.00", 20),
        item(2, "B-1", "10000.00", 20),
        item(3, "C-1", "8000.00", 100),  # past due first
        item(3, "C-2", "20000.00", 10),  # 8,000 / 28,000 = 28.6 % past due: not cross-aged
    )
    owed = {1: D("15000.00"), 2: D("4000.00"), 3: D("25000.00"), 99: D("500.00")}
    c = borrowing_base(items, NO_CAP, owed, NO_DILUTION)
    # A: min(15,000, 10,000) = 10,000; B: min(4,000, 10,000) = 4,000;
    # C: min(25,000, 20,000 left after past due) = 20,000 (not 25,000: its past-due 8,000 is already out)
    # customer 99 has no AR: nothing. 10,000 + 4,000 + 20,000 = 34,000
    assert by_cat(c)["contra"] == D("34000.00")
    assert [r for r in rows(c) if r[1] == "contra"] == [
        ("C001", "contra", "A-1", D("6000.00")),
        ("C001", "contra", "A-2", D("4000.00")),
        ("C002", "contra", "B-1", D("4000.00")),
        ("C003", "contra", "C-2", D("20000.00")),
    ]


def test_contra_taken_from_the_oldest_invoice_first():
    items = (item(1, "A-2", "5000.00", 20), item(1, "A-1", "5000.00", 20), item(1, "A-3", "5000.00", 60))
    c = borrowing_base(items, NO_CAP, {1: D("7000.00")}, NO_DILUTION)
    # A-3 (60 days) 5,000, then by ref at equal age: A-1 2,000
    assert rows(c) == [("C001", "contra", "A-1", D("2000.00")), ("C001", "contra", "A-3", D("5000.00"))]


def test_foreign_insured_vs_uninsured():
    items = (
        item(1, "A-1", "1000.00", 10, country="SE", insured=True),
        item(2, "B-1", "2000.00", 10, country="SE"),
        item(3, "C-1", "4000.00", 10, country=None),  # unknown country: not foreign
        item(4, "D-1", "8000.00", 10, country="no"),  # the home country in lower case
    )
    c = borrowing_base(items, NO_CAP, {}, NO_DILUTION)
    assert rows(c) == [("C002", "foreign_uninsured", "B-1", D("2000.00"))]
    swedish = borrowing_base(items, replace(NO_CAP, home_country="se"), {}, NO_DILUTION)
    # for a Swedish borrower the Norwegian debtor is foreign and uninsured; the Swedish ones are home
    assert rows(swedish) == [("C004", "foreign_uninsured", "D-1", D("8000.00"))]


def test_government_and_bankrupt():
    items = (item(1, "A-1", "1000.00", 10, government=True), item(2, "B-1", "2000.00", 10, bankrupt=True))
    c = borrowing_base(items, NO_CAP, {}, NO_DILUTION)
    assert (by_cat(c)["government"], by_cat(c)["bankrupt"]) == (D("1000.00"), D("2000.00"))


def test_dilution_reserve_above_threshold_zero_below_and_unknown():
    items = (item(1, "A-1", "100000.00", 10),)
    p = replace(NO_CAP, loan_balance=D("50000.00"))
    below = DilutionInputs(gross_sales=D("1000000.00"), credit_notes=D("30000.00"), write_offs=D("0"))
    c = borrowing_base(items, p, {}, below)
    assert c.dilution_percent == D("3.00")  # 30,000 / 1,000,000
    assert c.dilution_reserve == D("0.00")
    assert c.availability == D("85000.00")  # 100,000 x 0.85
    assert c.excess_availability == D("35000.00")  # 85,000 - 50,000
    thirds = DilutionInputs(gross_sales=D("300000.00"), credit_notes=D("15000.00"), write_offs=D("5000.00"))
    c = borrowing_base(items, p, {}, thirds)
    # 20,000 / 300,000 = 6.666..% -> 6.67; reserve 100,000 x (6.67 - 5) % = 1,670
    assert thirds.dilution_percent is not None and D("6.6666") < thirds.dilution_percent < D("6.6667")
    assert c.dilution_percent == D("6.67")
    assert c.dilution_reserve == D("1670.00")
    assert c.availability == D("83330.00")  # 85,000 - 1,670
    assert c.excess_availability == D("33330.00")
    c = borrowing_base(items, p, {}, NO_DILUTION)
    assert c.dilution_percent is None and c.dilution_reserve == D("0.00")


def test_money_rounds_half_up():
    items = (item(1, "A-1", "100.10", 10),)
    c = borrowing_base(items, NO_CAP, {}, NO_DILUTION)
    assert c.gross_availability == D("85.09")  # 100.10 x 0.85 = 85.085 -> 85.09 (half up, not 85.08)


def test_negative_excess_availability_is_an_overadvance():
    items = (item(1, "A-1", "10000.00", 10),)
    c = borrowing_base(items, replace(NO_CAP, loan_balance=D("9000.00")), {}, NO_DILUTION)
    assert c.excess_availability == D("-500.00")  # 8,500 - 9,000


# --- changes against the previous certificate, storage --------------------------------------------


def test_changes_against_previous():
    prev = borrowing_base(
        (item(1, "A-1", "100000.00", 10), item(2, "B-1", "20000.00", 100)),
        replace(NO_CAP, loan_balance=D("60000.00"), order=("past_due", "government")),
        {},
        NO_DILUTION,
    )
    # previous: gross 120,000, past due 20,000, eligible 100,000, availability 85,000, excess 25,000
    cur = borrowing_base(
        (item(1, "A-1", "150000.00", 10),), replace(NO_CAP, loan_balance=D("60000.00")), {}, NO_DILUTION, prev
    )
    d = {k: (now, before) for k, now, before in changes(cur, prev)}
    assert d["gross"] == (D("150000.00"), D("120000.00"))
    assert d["past_due"] == (D("0.00"), D("20000.00"))
    assert d["affiliate"] == (D("0.00"), None)  # the previous profile did not apply it
    assert d["eligible"] == (D("150000.00"), D("100000.00"))
    assert d["availability"] == (D("127500.00"), D("85000.00"))  # 150,000 x 0.85
    assert d["excess_availability"] == (D("67500.00"), D("25000.00"))
    assert d["dilution_percent"] == (None, None)
    assert [k for k, _, _ in changes(cur, prev)] == [k for k, _ in cur.lines()]
    assert all(before is None for _, _, before in changes(cur, None))
    assert cur.previous == prev
    # a category only the previous certificate had is listed before concentration
    narrow = borrowing_base((item(1, "A-1", "1.00", 1),), replace(NO_CAP, order=("past_due",)), {}, NO_DILUTION)
    keys = [k for k, _, _ in changes(narrow, prev)]
    assert keys[:4] == ["gross", "past_due", "government", "concentration"]
    assert dict((k, (a, b)) for k, a, b in changes(narrow, prev))["government"] == (None, D("0.00"))


def test_previous_is_stored_one_level_deep():
    first = ledger_certificate()
    second = ledger_certificate(previous=first)
    third = ledger_certificate(previous=second)
    assert third.previous is not None and third.previous.previous is None
    assert third.previous == replace(second, previous=None)


def test_certificate_round_trip_through_json():
    first = ledger_certificate(as_of=date(2026, 2, 28))
    c = ledger_certificate(previous=first, as_of=date(2026, 3, 31))
    text = json.dumps(c.to_dict())
    back = Certificate.from_dict(json.loads(text))
    assert back == c
    assert back.previous == first
    assert back.as_of == date(2026, 3, 31)
    assert back.dilution.first_day == date(2025, 4, 1)
    assert json.loads(text)["eligible"] == "202800.00"
    nodil = borrowing_base(LEDGER, profile(concentration_percent=None), CONTRA, NO_DILUTION)
    assert Certificate.from_dict(json.loads(json.dumps(nodil.to_dict()))) == nodil


def test_certificate_from_dict_errors_name_the_field():
    d = ledger_certificate().to_dict()
    del d["eligible"]
    with pytest.raises(BorrowingBaseError, match="'eligible' is missing"):
        Certificate.from_dict(d)
    d = ledger_certificate().to_dict()
    d["gross"] = "lots"
    with pytest.raises(BorrowingBaseError, match="gross: 'lots' is not a number"):
        Certificate.from_dict(d)
    d = ledger_certificate().to_dict()
    d["version"] = 2
    with pytest.raises(BorrowingBaseError, match="version"):
        Certificate.from_dict(d)


def test_profile_round_trip_and_defaults():
    p = LenderProfile(
        name="Nordea ABL",
        lender="Nordea",
        basis="due",
        cutoff_days=60,
        cross_aging_percent=D("10"),
        credits_in_prior=False,
        order=("past_due", "cross_aged", "contra"),
        home_country="se",
        concentration_percent=None,
        concentration_level="group",
        advance_rate_percent=D("80"),
        dilution_months=6,
        dilution_threshold_percent=D("4.5"),
        loan_balance=D("1250000.50"),
        loan_balance_date=date(2026, 3, 31),
    )
    assert p.home_country == "SE"
    d = json.loads(json.dumps(p.to_dict()))
    assert d["advance_rate_percent"] == "80" and d["concentration_percent"] is None
    assert LenderProfile.from_dict(d) == p
    q = LenderProfile.from_dict({"name": "Default"})
    assert q.order == CATEGORIES and q.cutoff_days == 90 and q.concentration_percent == D("20")
    assert LenderProfile.from_dict({"name": "x", "cutoff_days": "60", "advance_rate_percent": 80}).cutoff_days == 60


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"basis": "days"}, "basis: 'days' is not valid; use 'invoice'"),
        ({"cutoff_days": 0}, "cutoff_days must be a whole number above 0, got 0"),
        ({"cross_aging_percent": D("0")}, "cross_aging_percent must be above 0 and at most 100, got 0"),
        ({"cross_aging_percent": D("101")}, "cross_aging_percent must be above 0 and at most 100, got 101"),
        ({"advance_rate_percent": D("0")}, "advance_rate_percent must be above 0 and at most 100"),
        ({"advance_rate_percent": 85.0}, "advance_rate_percent: 85.0 is not an exact number"),
        ({"concentration_percent": D("0")}, "concentration_percent must be above 0"),
        ({"concentration_level": "industry"}, "concentration_level: 'industry' is not valid; use 'debtor' or 'group'"),
        ({"home_country": "Norway"}, "home_country: 'Norway' is not a two-letter country code"),
        ({"loan_balance": D("-1")}, "loan_balance must be 0 or more"),
        ({"loan_balance": D("1.001")}, "with at most 2 decimals"),
        ({"dilution_months": 0}, "dilution_months must be a whole number above 0"),
        ({"dilution_threshold_percent": D("-1")}, "dilution_threshold_percent must be between 0 and 100"),
        ({"order": ("past_due", "foo")}, "order: unknown category 'foo'; valid categories are past_due, cross_aged"),
        ({"order": ("past_due", "past_due")}, "order: category 'past_due' appears more than once"),
        ({"order": ("cross_aged", "past_due")}, "'past_due' must come before 'cross_aged'"),
        ({"order": ("past_due", "concentration")}, "'concentration' is always applied last"),
        ({"order": "past_due"}, "is not a list of category names"),
    ],
)
def test_profile_validation_messages(kwargs, message):
    with pytest.raises(BorrowingBaseError) as err:
        profile(**kwargs)
    assert message in str(err.value)


def test_profile_name_required_and_from_dict_errors():
    with pytest.raises(BorrowingBaseError, match="name: the lender profile needs a name"):
        LenderProfile(name="  ")
    with pytest.raises(BorrowingBaseError, match="name: the lender profile needs a name"):
        LenderProfile.from_dict({"basis": "due"})
    with pytest.raises(BorrowingBaseError, match=r"unknown field.*advance_rate; valid fields are"):
        LenderProfile.from_dict({"name": "x", "advance_rate": "85"})
    with pytest.raises(BorrowingBaseError, match=r"advance_rate_percent: 0.85 is not a number"):
        LenderProfile.from_dict({"name": "x", "advance_rate_percent": 0.85})
    with pytest.raises(BorrowingBaseError, match=r"cutoff_days: '90 days' is not a whole number"):
        LenderProfile.from_dict({"name": "x", "cutoff_days": "90 days"})
    with pytest.raises(BorrowingBaseError, match=r"loan_balance_date: '31.03.2026' is not a date"):
        LenderProfile.from_dict({"name": "x", "loan_balance_date": "31.03.2026"})
    with pytest.raises(BorrowingBaseError, match="credits_in_prior: 'yes' is not true or false"):
        LenderProfile.from_dict({"name": "x", "credits_in_prior": "yes"})
    assert validate_order(["past_due", "contra"]) == ("past_due", "contra")


def test_input_validation_messages():
    with pytest.raises(BorrowingBaseError, match="item C001/A-1: an invoice's open amount must be above 0, got -5"):
        item(1, "A-1", "-5", 10)
    with pytest.raises(BorrowingBaseError, match=r"item C001/CN-1: a credit note is a credit; .* below 0, got 5"):
        item(1, "CN-1", "5", 10, kind="credit_note")
    with pytest.raises(BorrowingBaseError, match="disputed part must be between 0 and the open amount 100, got 150"):
        item(1, "A-1", "100", 10, disputed="150")
    with pytest.raises(BorrowingBaseError, match="kind 'refund' is not valid"):
        item(1, "A-1", "100", 10, kind="refund")
    with pytest.raises(BorrowingBaseError, match=r"contra for customer id 1: the amount owed .* got -10"):
        borrowing_base((item(1, "A-1", "100", 10),), NO_CAP, {1: D("-10")}, NO_DILUTION)
    with pytest.raises(BorrowingBaseError, match=r"customer C001 .* has items in two groups: 1 and 7"):
        borrowing_base((item(1, "A-1", "100", 10), item(1, "A-2", "100", 10, group=7)), NO_CAP, {}, NO_DILUTION)
    with pytest.raises(BorrowingBaseError, match="dilution: credit_notes must be 0 or more"):
        DilutionInputs(gross_sales=D("100"), credit_notes=D("-1"), write_offs=D("0"))
    with pytest.raises(BorrowingBaseError, match="dilution: the window starts on 2026-04-01, after its last day"):
        DilutionInputs(D("1"), D("0"), D("0"), first_day=date(2026, 4, 1), last_day=date(2026, 3, 31))
