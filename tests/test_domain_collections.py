"""Collections rules without a database: plan and promise status from payments, instalment checks, ERP letters,
conversion, and worklist rows (interest across a half-year, one letter at the highest step, netted compensation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.collections import (
    CollectionsError,
    OverdueInvoice,
    build_row,
    check_instalments,
    converter,
    day_count,
    instalment_statuses,
    promise_status,
    sent_steps_from_status,
)
from domain.dunning import DEFAULT_LADDERS, SentStep
from domain.fx import MissingFxRate
from domain.statutory import DEFAULT_TABLE

D = Decimal
AGREED = date(2026, 2, 15)
PLAN = [(date(2026, 3, 1), D("100.00")), (date(2026, 4, 1), D("100.00")), (date(2026, 5, 1), D("100.00"))]


def ladder(country):
    return next(lad for lad in DEFAULT_LADDERS if lad.country == country)


def same(_amount, _currency):
    return _amount


@pytest.mark.parametrize(
    ("payments", "as_of", "statuses", "credited"),
    [
        # paid before its due date; the rest not yet due
        ([(date(2026, 2, 28), "100.00")], date(2026, 3, 15), ["paid", "upcoming", "upcoming"], ["100", "0", "0"]),
        # paid 4 days late: missed (the rule looks at the payments by the due date), though credited
        ([(date(2026, 3, 5), "100.00")], date(2026, 3, 15), ["missed", "upcoming", "upcoming"], ["100", "0", "0"]),
        # on the due date itself, unpaid: due (missed only once the date has passed)
        ([(date(2026, 3, 5), "100.00")], date(2026, 3, 1), ["due", "upcoming", "upcoming"], ["0", "0", "0"]),
        # a payment before the agreement does not count
        ([(date(2026, 2, 10), "300.00")], date(2026, 3, 2), ["missed", "upcoming", "upcoming"], ["0", "0", "0"]),
        # one payment of 250 covers the first two cumulatively (100, 200), not the third (300)
        ([(date(2026, 3, 1), "250.00")], date(2026, 4, 2), ["paid", "paid", "upcoming"], ["100", "100", "50"]),
        # 50 by 1 Mar (< 100): missed; 200 by 1 Apr covers 200: the second is paid
        (
            [(date(2026, 3, 1), "50.00"), (date(2026, 4, 1), "150.00")],
            date(2026, 4, 10),
            ["missed", "paid", "upcoming"],
            ["100", "100", "0"],
        ),
    ],
)
def test_instalment_statuses(payments, as_of, statuses, credited):
    got = instalment_statuses(PLAN, [(d, D(a)) for d, a in payments], AGREED, as_of)
    assert [s.status for s in got] == statuses
    assert [s.credited for s in got] == [D(c) for c in credited]
    assert [s.number for s in got] == [1, 2, 3]


@pytest.mark.parametrize(
    ("payments", "as_of", "expected"),
    [
        ([(date(2026, 3, 5), "300.00"), (date(2026, 3, 10), "200.00")], date(2026, 3, 10), ("kept", "500.00")),
        ([(date(2026, 2, 28), "500.00")], date(2026, 3, 11), ("broken", "0")),  # paid before the promise
        ([(date(2026, 3, 5), "300.00")], date(2026, 3, 10), ("pending", "300.00")),  # the promised day itself
        ([(date(2026, 3, 5), "300.00"), (date(2026, 3, 11), "200.00")], date(2026, 3, 12), ("broken", "300.00")),
        ([(date(2026, 3, 5), "300.00")], date(2026, 3, 4), ("pending", "0")),  # not yet paid as of that day
    ],
)
def test_promise_status(payments, as_of, expected):
    status, paid = promise_status(
        date(2026, 3, 1), date(2026, 3, 10), D("500.00"), [(d, D(a)) for d, a in payments], as_of
    )
    assert (status, paid) == (expected[0], D(expected[1]))


@pytest.mark.parametrize(
    ("instalments", "open_total", "code", "text"),
    [
        ([], "300.00", "no_instalments", "at least one instalment"),
        (
            [(date(2026, 3, 1), D("-5.00"))],
            "300.00",
            "instalment_not_positive",
            "instalment 1 must be a positive amount",
        ),
        ([(date(2026, 3, 1), D("1.005"))], "300.00", "instalment_decimals", "more than 2 decimals"),
        ([(date(2026, 2, 14), D("300.00"))], "300.00", "instalment_before_agreement", "before the plan was agreed"),
        (
            [(date(2026, 4, 1), D("150.00")), (date(2026, 3, 1), D("150.00"))],
            "300.00",
            "instalments_not_ascending",
            "must fall after instalment 1",
        ),
        (PLAN, "350.00", "instalments_do_not_match", "sum to 300.00 but the invoices had 350.00 open on 2026-02-15"),
        (PLAN, "250.00", "instalments_do_not_match", "50.00 too much"),
    ],
)
def test_check_instalments_says_what_is_wrong(instalments, open_total, code, text):
    with pytest.raises(CollectionsError, match=text) as exc:
        check_instalments(instalments, AGREED, D(open_total))
    assert exc.value.code == code


def test_check_instalments_accepts_a_matching_plan():
    check_instalments(PLAN, AGREED, D("300.00"))


def test_sent_steps_from_an_erp_status():
    # level 1: the reminder carries the deadline and the fee
    assert sent_steps_from_status(1, date(2026, 3, 11), date(2026, 3, 25), D("35.00"), None) == (
        SentStep("reminder", date(2026, 3, 11), date(2026, 3, 25), D("35.00")),
    )
    # level 2 and a later notice: 105 over 3 letters = 35 each; the deadline is the notice's
    assert sent_steps_from_status(2, date(2026, 4, 1), date(2026, 5, 4), D("105.00"), date(2026, 4, 20)) == (
        SentStep("second_reminder", date(2026, 4, 1), None, D("35.00")),
        SentStep("notice_of_collection", date(2026, 4, 20), date(2026, 5, 4), D("35.00")),
    )
    assert sent_steps_from_status(0, None, None, D("0"), None) == ()


def test_converter_goes_through_the_base_currency():
    rates = {"EUR": D("11.5"), "SEK": D("0.98")}
    to_nok = converter("NOK", "NOK", rates, date(2026, 7, 31))
    to_sek = converter("SEK", "NOK", rates, date(2026, 7, 31))
    assert to_nok(D("100.00"), "EUR") == D("1150.00")
    assert to_sek(D("100.00"), "EUR") == D("1173.47")  # 1150.00 / 0.98 = 1173.469...
    assert to_sek(D("100.00"), "SEK") == D("100.00")
    with pytest.raises(MissingFxRate, match="DKK"):
        to_nok(D("1.00"), "DKK")


def test_interest_across_a_half_year_boundary():
    # NO: 16-30 Jun 2025 (15 days) at 12.5 %, 1-15 Jul 2025 (15 days) at 12.25 %, actual/365:
    # 10 000 x (12.5 x 15 + 12.25 x 15) / 100 / 365 = 37 125 / 365 = 101.712... -> 101.71
    # DK: 10.75 % and 9.75 % on 360 days: 10 000 x (10.75 x 15 + 9.75 x 15) / 100 / 360 = 85.416... -> 85.42
    assert (day_count("NO"), day_count("DK"), day_count("SE"), day_count("FI")) == (365, 360, 365, 365)
    for country, expected in (("NO", "101.71"), ("DK", "85.42")):
        row = build_row(
            customer_id=1,
            ref="K1",
            name="K1",
            country=country,
            currency="NOK",
            mode="no_ladder",
            invoices=[OverdueInvoice("INV1", "NOK", date(2025, 6, 15), 30, D("10000.00"))],
            ladder=None,
            table=DEFAULT_TABLE,
            as_of=date(2025, 7, 15),
            convert=same,
        )
        assert row.items[0].interest == D(expected), country


def _two_invoices(country: str, mode: str = "ladder", sent_b=None):
    """As of 2026-03-20: INV-A 1 000.00 due 2026-03-01 (19 days), nothing sent; INV-B 2 000.00 due 2026-01-15
    (64 days) with a reminder sent 2026-01-29 (fee 35, deadline 2026-02-12)."""
    sent_b = (SentStep("reminder", date(2026, 1, 29), date(2026, 2, 12), D("35.00")),) if sent_b is None else sent_b
    return build_row(
        customer_id=7,
        ref="K7",
        name="Nord AS",
        country=country,
        currency="NOK",
        mode=mode,
        invoices=[
            OverdueInvoice("INV-A", "NOK", date(2026, 3, 1), 19, D("1000.00")),
            OverdueInvoice("INV-B", "NOK", date(2026, 1, 15), 64, D("2000.00"), sent_b),
        ],
        ladder=ladder(country) if mode == "ladder" else None,
        table=DEFAULT_TABLE,
        as_of=date(2026, 3, 20),
        convert=same,
        fees_charged=D("35.00"),
        last_step=("reminder", date(2026, 1, 29)),
    )


def test_one_letter_at_the_highest_step_with_netted_compensation_in_norway():
    row = _two_invoices("NO")
    a, b = sorted(row.items, key=lambda i: i.invoice_number)
    # INV-A: reminder due 1 Mar + 14 = 15 Mar; INV-B: notice due 28 days after the reminder = 26 Feb
    assert (a.step_due.kind, a.step_due.due_on, a.step_due.index) == ("reminder", date(2026, 3, 15), 0)
    assert (b.step_due.kind, b.step_due.due_on, b.step_due.index) == ("notice_of_collection", date(2026, 2, 26), 1)
    assert (row.step.kind, row.step.deadline_on, row.fee) == ("notice_of_collection", date(2026, 4, 3), D("35.00"))
    # 12.00 % in H1 2026: 1 000 x 0.12 x 19/365 = 6.246 -> 6.25; 2 000 x 0.12 x 64/365 = 42.082 -> 42.08
    assert (a.interest, b.interest, row.interest_total) == (D("6.25"), D("42.08"), D("48.33"))
    # 2 x NOK 460 (2026) = 920, netted against the fees (35 earlier + 35 now): 850
    assert row.compensation == D("850.00")
    assert row.total_to_pay == D("3000.00") + D("48.33") + D("35.00") + D("35.00") + D("850.00")
    assert row.items[0].invoice_number == "INV-B"  # oldest due first
    assert row.oldest_due == date(2026, 1, 15)
    assert row.violations == ()  # reminder 14 days after due, fee 35 = 1/20 of 700: lawful


def test_denmark_adds_the_compensation_on_top_of_fees():
    row = _two_invoices("DK", sent_b=())
    assert row.compensation == D("620.00")  # 2 x DKK 310, no netting (domain_rules §1.3)
    # DK reminders from 10 days after due: both invoices are at the first reminder
    assert (row.step.kind, row.fee) == ("reminder", D("100.00"))


def test_erp_mode_proposes_nothing_and_lists_the_erp_violations():
    # the ERP charged NOK 35 ten days after the due date: too early under inkassoforskriften § 1-2 (14 days)
    sent = (SentStep("reminder", date(2026, 1, 25), date(2026, 2, 8), D("35.00")),)
    row = _two_invoices("NO", mode="erp", sent_b=sent)
    assert row.step is None and row.fee == D("0.00") and all(i.step_due is None for i in row.items)
    [v] = row.violations
    assert (v.invoice_number, v.violation.code, v.violation.rule) == (
        "INV-B",
        "fee_too_early",
        "inkassoforskriften § 1-2",
    )
    assert row.compensation == D("885.00")  # 920 - the 35 the ERP charged


def test_rows_sort_by_step_then_oldest_due_then_ref():
    high = _two_invoices("NO")  # notice (index 1)
    low = _two_invoices("DK", sent_b=())  # reminder (index 0)
    none = _two_invoices("NO", mode="erp", sent_b=())
    assert sorted([none, low, high], key=lambda r: r.sort_key) == [high, low, none]


def test_build_row_refuses_an_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        _two_invoices("NO", mode="manual")
