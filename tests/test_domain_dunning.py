"""Nordic dunning (domain/dunning.py): ladder rules with their citations, steps sent by others, the next step,
late-payment interest and fixed compensation, and the policy's dunning section."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.dunning import (
    DEFAULT_LADDERS,
    CountryLadder,
    LadderStep,
    SentStep,
    StepDue,
    check_sent_steps,
    fixed_compensation,
    interest_periods,
    ladder_dates,
    late_interest,
    next_step,
    statutory_late_interest,
    validate_ladder,
)
from domain.policy import Policy, PolicyError
from domain.statutory import DEFAULT_TABLE, MissingStatutoryParameter

D = Decimal
CUR = {"NO": "NOK", "SE": "SEK", "DK": "DKK", "FI": "EUR"}


def step(kind: str, days: int, after: str = "previous", deadline: int = 14, fee: str = "0") -> LadderStep:
    return LadderStep(kind, days, after, deadline, D(fee))


def ladder(country: str, *steps: LadderStep) -> CountryLadder:
    return CountryLadder(country, CUR[country], steps)


def found(violations) -> set[tuple[str, int | None, str]]:
    return {(v.code, v.step, v.rule) for v in violations}


# --- the default ladders -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lad", DEFAULT_LADDERS, ids=[lad.country for lad in DEFAULT_LADDERS])
def test_default_ladders_are_lawful_on_every_day_2024_to_2026(lad):
    day = date(2024, 1, 1)
    while day <= date(2026, 12, 31):
        assert validate_ladder(lad, DEFAULT_TABLE, day) == [], day
        day += timedelta(days=1)


def test_default_ladders_one_per_country_in_its_currency():
    assert [(lad.country, lad.currency) for lad in DEFAULT_LADDERS] == list(CUR.items())
    no = DEFAULT_LADDERS[0]
    # reminder day 14, notice 28 days later (14 after the reminder's 14-day deadline), agency the day after the
    # notice's 14-day deadline: days 14, 42, 57 after the due date
    assert ladder_dates(no, date(2025, 3, 1)) == [date(2025, 3, 15), date(2025, 4, 12), date(2025, 4, 27)]


# --- validate_ladder: one row per rule, hand-made ladders ----------------------------------------------------------

NO_I, NO_3, NO_9, NO_10 = (
    "inkassoforskriften § 1-2",
    "inkassoforskriften § 1-3",
    "inkassoloven § 9",
    "inkassoloven § 10",
)
SE_4, SE_5, DK, FI = (
    "lag (1981:739) § 4",
    "inkassolagen § 5 (IMY guidance)",
    "renteloven § 9 b",
    "laki saatavien perinnästä (513/1999)",
)
Y2025, Y2026 = date(2025, 6, 1), date(2026, 6, 1)
NOTICE = step("notice_of_collection", 15, deadline=14, fee="0")

LADDER_CASES = [
    # Norway: a fee-bearing reminder from day 14 after the due date (§ 1-2)
    ("no-fee-day-13", ladder("NO", step("reminder", 13, "due", fee="35")), Y2025, {("fee_too_early", 0, NO_I)}),
    ("no-fee-day-14", ladder("NO", step("reminder", 14, "due", fee="35")), Y2025, set()),
    ("no-free-reminder-day-1", ladder("NO", step("reminder", 1, "due", fee="0")), Y2025, set()),
    # the cap is 1/20 of the inkassosats on the date: 700/20 = 35.00 in 2025, 750/20 = 37.50 in 2026
    ("no-fee-36-in-2025", ladder("NO", step("reminder", 14, "due", fee="36")), Y2025, {("fee_too_high", 0, NO_I)}),
    (
        "no-fee-37.50-in-2025",
        ladder("NO", step("reminder", 14, "due", fee="37.50")),
        Y2025,
        {("fee_too_high", 0, NO_I)},
    ),
    ("no-fee-37.50-in-2026", ladder("NO", step("reminder", 14, "due", fee="37.50")), Y2026, set()),
    (
        "no-fee-37.51-in-2026",
        ladder("NO", step("reminder", 14, "due", fee="37.51")),
        Y2026,
        {("fee_too_high", 0, NO_I)},
    ),
    # the creditor's own notice: same fee rules, and at least 14 days to pay (inkassoloven § 9)
    (
        "no-notice-13-days",
        ladder("NO", step("notice_of_collection", 14, "due", deadline=13)),
        Y2025,
        {("deadline_too_short", 0, NO_9)},
    ),
    ("no-notice-14-days", ladder("NO", step("notice_of_collection", 14, "due", deadline=14)), Y2025, set()),
    (
        "no-notice-fee-day-10",
        ladder("NO", step("notice_of_collection", 10, "due", fee="35")),
        Y2025,
        {("fee_too_early", 0, NO_I)},
    ),
    (
        "no-notice-on-due-date",
        ladder("NO", step("notice_of_collection", 0, "due")),
        Y2025,
        {("notice_before_due", 0, NO_9)},
    ),
    # § 1-3: at most two fees before the payment demand, the second after a missed deadline of >= 14 days
    (
        "no-three-fees",
        ladder(
            "NO",
            step("reminder", 14, "due", fee="35"),
            step("second_reminder", 15, fee="35"),
            step("notice_of_collection", 15, fee="35"),
        ),
        Y2025,
        {("too_many_fees", 2, NO_3)},
    ),
    (
        "no-second-fee-before-deadline-passed",
        ladder("NO", step("reminder", 14, "due", fee="35"), step("second_reminder", 14, fee="35")),
        Y2025,
        {("deadline_not_missed", 1, NO_3)},  # sent on the deadline day itself
    ),
    (
        "no-second-fee-after-a-short-deadline",
        ladder("NO", step("reminder", 14, "due", deadline=10, fee="35"), step("notice_of_collection", 20, fee="35")),
        Y2025,
        {("deadline_not_missed", 1, NO_3)},
    ),
    # collection only after a notice of collection whose deadline has passed (§ 9)
    (
        "no-agency-without-notice",
        ladder("NO", step("reminder", 14, "due"), step("collection_agency", 15)),
        Y2025,
        {("no_notice", 1, NO_9)},
    ),
    (
        "no-demand-without-notice",
        ladder("NO", step("reminder", 14, "due", fee="35"), step("payment_demand", 15, fee="105")),
        Y2025,
        {("no_notice", 1, NO_9)},
    ),
    (
        "no-agency-on-notice-deadline",
        ladder("NO", step("notice_of_collection", 14, "due"), step("collection_agency", 14)),
        Y2025,
        {("notice_deadline_not_passed", 1, NO_9)},
    ),
    # the payment demand: fee at most 3/20 of the sats (105.00 in 2025, 112.50 in 2026), 14 days to pay (§ 10)
    (
        "no-demand-105-in-2025",
        ladder("NO", step("reminder", 14, "due", fee="35"), NOTICE, step("payment_demand", 15, fee="105")),
        Y2025,
        set(),
    ),
    (
        "no-demand-106-in-2025",
        ladder("NO", step("reminder", 14, "due", fee="35"), NOTICE, step("payment_demand", 15, fee="106")),
        Y2025,
        {("fee_too_high", 2, NO_I)},
    ),
    (
        "no-demand-112.50-in-2026",
        ladder("NO", step("reminder", 14, "due", fee="35"), NOTICE, step("payment_demand", 15, fee="112.50")),
        Y2026,
        set(),
    ),
    (
        "no-demand-13-days",
        ladder("NO", step("reminder", 14, "due"), NOTICE, step("payment_demand", 15, deadline=13)),
        Y2025,
        {("deadline_too_short", 2, NO_10)},
    ),
    # Sweden: reminder fee <= 60, inkassokrav fee <= 180 and >= 8 days to pay
    ("se-fee-61", ladder("SE", step("reminder", 10, "due", fee="61")), Y2025, {("fee_too_high", 0, SE_4)}),
    ("se-fee-60-day-1", ladder("SE", step("reminder", 1, "due", fee="60")), Y2025, set()),
    (
        "se-inkassokrav-181",
        ladder("SE", step("reminder", 10, "due"), step("payment_demand", 11, deadline=8, fee="181")),
        Y2025,
        {("fee_too_high", 1, SE_4)},
    ),
    (
        "se-inkassokrav-7-days",
        ladder("SE", step("reminder", 10, "due"), step("payment_demand", 11, deadline=7, fee="180")),
        Y2025,
        {("deadline_too_short", 1, SE_5)},
    ),
    (
        "se-inkassokrav-8-days",
        ladder("SE", step("reminder", 10, "due"), step("payment_demand", 11, deadline=8, fee="180")),
        Y2025,
        set(),
    ),
    # Denmark: four fee-bearing reminders 9 days apart at DKK 101: every one too high, each after the first too
    # close, the fourth one too many
    (
        "dk-four-9-days-101",
        ladder("DK", step("reminder", 1, "due", fee="101"), *[step("second_reminder", 9, fee="101")] * 3),
        Y2025,
        {("fee_too_high", i, DK) for i in range(4)}
        | {("too_close", i, DK) for i in (1, 2, 3)}
        | {("too_many_fees", 3, DK)},
    ),
    (
        "dk-three-10-days-100",
        ladder("DK", step("reminder", 1, "due", fee="100"), *[step("second_reminder", 10, fee="100")] * 2),
        Y2025,
        set(),
    ),
    (
        "dk-free-reminder-in-between",  # the interval counts between fee-bearing reminders only
        ladder(
            "DK",
            step("reminder", 1, "due", fee="100"),
            step("second_reminder", 5),
            step("second_reminder", 5, fee="100"),
        ),
        Y2025,
        set(),
    ),
    (
        "dk-inkassogebyr-101",
        ladder("DK", step("reminder", 1, "due"), step("collection_agency", 10, fee="101")),
        Y2025,
        {("fee_too_high", 1, DK)},
    ),
    # Finland: reminder fee <= EUR 5, not before day 14
    ("fi-fee-5.01", ladder("FI", step("reminder", 14, "due", fee="5.01")), Y2025, {("fee_too_high", 0, FI)}),
    ("fi-fee-day-13", ladder("FI", step("reminder", 13, "due", fee="5")), Y2025, {("fee_too_early", 0, FI)}),
    ("fi-fee-5-day-14", ladder("FI", step("reminder", 14, "due", fee="5")), Y2025, set()),
]


@pytest.mark.parametrize(("lad", "on", "expected"), [c[1:] for c in LADDER_CASES], ids=[c[0] for c in LADDER_CASES])
def test_validate_ladder(lad, on, expected):
    got = validate_ladder(lad, DEFAULT_TABLE, on)
    assert found(got) == expected
    for v in got:
        assert v.rule in v.message  # every finding cites its rule in the text too
        assert v.params["kind"] == lad.steps[v.step].kind
        json.dumps(v.params)  # JSON-ready


def test_violation_messages_carry_the_numbers():
    [v] = validate_ladder(ladder("NO", step("reminder", 14, "due", fee="36")), DEFAULT_TABLE, Y2025)
    assert v.message == (
        "step 1 (reminder, day 14 after the due date): a fee of 36.00 NOK is above the cap of 35.00 NOK "
        "(1/20 of the inkassosats 700 in force on the sending date) [inkassoforskriften § 1-2]"
    )
    assert v.params == {"kind": "reminder", "fee": "36.00", "cap": "35.00", "currency": "NOK", "confidence": "V"}
    [v] = validate_ladder(ladder("NO", step("notice_of_collection", 14, "due", deadline=13)), DEFAULT_TABLE, Y2025)
    assert v.message == (
        "step 1 (notice_of_collection, day 14 after the due date): a deadline of 13 days is shorter than the 14 days "
        "required [inkassoloven § 9]"
    )
    assert (v.params["deadline_days"], v.params["min_days"]) == (13, 14)


def test_ladder_messages_count_days_sent_messages_give_dates():
    lad = ladder("NO", step("notice_of_collection", 14, "due"), step("collection_agency", 10))
    [v] = validate_ladder(lad, DEFAULT_TABLE, Y2025)
    assert v.message == (
        "step 2 (collection_agency, day 24 after the due date): collection may only start after the notice's "
        "deadline, day 28, has passed; this is sent on day 24 [inkassoloven § 9]"
    )
    assert (v.params["notice_deadline"], v.params["sent_on"]) == (28, 24)
    notice = sent("notice_of_collection", date(2025, 3, 15), date(2025, 3, 29))
    [v] = check_sent_steps(
        "NO", date(2025, 3, 1), [notice, sent("collection_agency", date(2025, 3, 25))], DEFAULT_TABLE
    )
    assert v.message == (
        "step 2 (collection_agency sent 2025-03-25, 24 days after the due date): collection may only start after the "
        "notice's deadline, 2025-03-29, has passed; this is sent on 2025-03-25 [inkassoloven § 9]"
    )
    assert (v.params["notice_deadline"], v.params["sent_on"]) == ("2025-03-29", "2025-03-25")


def test_confidence_of_the_figure_travels_with_the_finding():
    [v] = validate_ladder(ladder("FI", step("reminder", 14, "due", fee="6")), DEFAULT_TABLE, Y2025)
    assert v.params["confidence"] == "U"  # the EUR 5 cap is the consumer rule, unverified for B2B
    [v] = validate_ladder(ladder("NO", step("reminder", 14, "due", fee="38")), DEFAULT_TABLE, Y2026)
    assert v.params["confidence"] == "D"  # the 2026 inkassosats was read on a secondary page only


def test_validate_ladder_without_the_figures_names_what_is_missing():
    with pytest.raises(MissingStatutoryParameter, match="NO fee_min_days_after_due on 2019-06-01"):
        validate_ladder(DEFAULT_LADDERS[0], DEFAULT_TABLE, date(2019, 6, 1))


# --- check_sent_steps: what the ERP or an agency actually sent ----------------------------------------------------


def sent(kind, on, deadline=None, fee="0"):
    return SentStep(kind, on, deadline, D(fee))


def test_sent_fees_use_the_sats_on_each_sending_date():
    due = date(2025, 12, 1)
    steps = [
        sent("reminder", date(2025, 12, 20), date(2026, 1, 3), "37.50"),  # 2025: cap 35.00
        sent("second_reminder", date(2026, 1, 5), date(2026, 1, 19), "37.50"),  # 2026: cap 37.50
    ]
    assert found(check_sent_steps("NO", due, steps, DEFAULT_TABLE)) == {("fee_too_high", 0, NO_I)}


def test_sent_steps_are_taken_in_date_order_and_indexed_as_given():
    due = date(2025, 3, 1)
    steps = [
        sent("collection_agency", date(2025, 4, 20), date(2025, 5, 4)),
        sent("notice_of_collection", date(2025, 4, 1), date(2025, 4, 14)),  # 13 days
        sent("reminder", date(2025, 3, 10), date(2025, 3, 24), "35"),  # day 9
    ]
    assert found(check_sent_steps("NO", due, steps, DEFAULT_TABLE)) == {
        ("fee_too_early", 2, NO_I),
        ("deadline_too_short", 1, NO_9),
    }


def test_sent_collection_before_the_notice_deadline_and_without_notice():
    due = date(2025, 3, 1)
    early = [
        sent("notice_of_collection", date(2025, 3, 20), date(2025, 4, 3)),
        sent("payment_demand", date(2025, 4, 3)),
    ]
    assert found(check_sent_steps("NO", due, early, DEFAULT_TABLE)) == {("notice_deadline_not_passed", 1, NO_9)}
    assert found(check_sent_steps("NO", due, [sent("payment_demand", date(2025, 4, 3))], DEFAULT_TABLE)) == {
        ("no_notice", 0, NO_9)
    }


def test_unknown_deadlines_are_not_checked():
    due = date(2025, 3, 1)
    steps = [
        sent("reminder", date(2025, 3, 15), None, "35"),
        sent("notice_of_collection", date(2025, 4, 20), None, "35"),
    ]
    assert check_sent_steps("NO", due, steps, DEFAULT_TABLE) == []


def test_sent_dk_reminders_too_close_and_too_many():
    due = date(2025, 3, 1)
    days = [date(2025, 3, 2), date(2025, 3, 12), date(2025, 3, 21), date(2025, 4, 1)]  # 10, 9, 11 days apart
    steps = [sent("reminder", d, d + timedelta(days=10), "100") for d in days]
    assert found(check_sent_steps("DK", due, steps, DEFAULT_TABLE)) == {("too_close", 2, DK), ("too_many_fees", 3, DK)}


def test_sent_se_fee_61():
    assert found(
        check_sent_steps("SE", date(2025, 3, 1), [sent("reminder", date(2025, 3, 5), None, "61")], DEFAULT_TABLE)
    ) == {("fee_too_high", 0, SE_4)}


def test_unknown_country_or_kind_is_refused():
    with pytest.raises(ValueError, match="not 'IS'"):
        check_sent_steps("IS", date(2025, 3, 1), [], DEFAULT_TABLE)
    with pytest.raises(ValueError, match="'letter'"):
        check_sent_steps("NO", date(2025, 3, 1), [sent("letter", date(2025, 3, 5))], DEFAULT_TABLE)


# --- next_step ----------------------------------------------------------------------------------------------------

NO_LADDER = DEFAULT_LADDERS[0]  # reminder day 14 (35, 14 days) -> notice 28 days later -> agency 15 days later
DK_LADDER = DEFAULT_LADDERS[2]
DUE = date(2025, 3, 1)
R = sent("reminder", date(2025, 3, 20), date(2025, 4, 3), "35")  # sent 5 days late
N = sent("notice_of_collection", date(2025, 4, 20), date(2025, 5, 4), "35")
A = sent("collection_agency", date(2025, 5, 10))

NEXT_CASES = [
    ("nothing-before-the-first-date", NO_LADDER, [], date(2025, 3, 14), None),
    (
        "first-on-its-date",
        NO_LADDER,
        [],
        date(2025, 3, 15),
        StepDue(0, "reminder", date(2025, 3, 15), date(2025, 3, 29), D("35")),
    ),
    (
        "first-overdue",
        NO_LADDER,
        [],
        date(2025, 3, 18),
        StepDue(0, "reminder", date(2025, 3, 15), date(2025, 4, 1), D("35")),
    ),
    # the notice is timed from the reminder's sent date: 2025-03-20 + 28 = 2025-04-17
    ("second-not-yet", NO_LADDER, [R], date(2025, 4, 16), None),
    (
        "second-from-first-sent",
        NO_LADDER,
        [R],
        date(2025, 4, 17),
        StepDue(1, "notice_of_collection", date(2025, 4, 17), date(2025, 5, 1), D("35")),
    ),
    (
        "sent-later-than-as-of-ignored",
        NO_LADDER,
        [R],
        date(2025, 3, 19),
        StepDue(0, "reminder", date(2025, 3, 15), date(2025, 4, 2), D("35")),
    ),
    (
        "third-from-second-sent",
        NO_LADDER,
        [N, R],
        date(2025, 5, 5),
        StepDue(2, "collection_agency", date(2025, 5, 5), date(2025, 5, 19), D("0")),
    ),
    (
        "skipped-reminder",
        NO_LADDER,
        [N],
        date(2025, 5, 5),
        StepDue(2, "collection_agency", date(2025, 5, 5), date(2025, 5, 19), D("0")),
    ),
    ("finished", NO_LADDER, [R, N, A], date(2026, 1, 1), None),
    # Denmark repeats second_reminder: two sent, the third reminder is next, 10 days after the second
    (
        "repeated-kind",
        DK_LADDER,
        [sent("reminder", date(2025, 3, 11)), sent("second_reminder", date(2025, 3, 21))],
        date(2025, 3, 31),
        StepDue(2, "second_reminder", date(2025, 3, 31), date(2025, 4, 10), D("100")),
    ),
    ("empty-ladder", CountryLadder("FI", "EUR", ()), [], date(2026, 1, 1), None),
]


@pytest.mark.parametrize(
    ("lad", "done", "as_of", "expected"), [c[1:] for c in NEXT_CASES], ids=[c[0] for c in NEXT_CASES]
)
def test_next_step(lad, done, as_of, expected):
    assert next_step(lad, DUE, done, as_of) == expected


# --- late-payment interest ----------------------------------------------------------------------------------------

NO_RATES = [(date(2025, 1, 1), date(2025, 6, 30), D("12.5")), (date(2025, 7, 1), date(2025, 12, 31), D("12.25"))]


@pytest.mark.parametrize(
    ("amount", "due", "as_of", "day_count", "expected"),
    [
        # NOK 10 000 due 2025-05-31 as of 2025-08-14: 1 Jun - 30 Jun = 30 days at 12.5 %, 1 Jul - 14 Aug = 31 + 14 =
        # 45 days at 12.25 %: 10000 x 0.125 x 30/365 = 102.7397 + 10000 x 0.1225 x 45/365 = 151.0274 = 253.7671
        ("10000", date(2025, 5, 31), date(2025, 8, 14), 365, "253.77"),
        # the same on 360 days: 10000 x 0.125 x 30/360 = 104.1667 + 10000 x 0.1225 x 45/360 = 153.1250 = 257.2917
        ("10000", date(2025, 5, 31), date(2025, 8, 14), 360, "257.29"),
        # one day: 10000 x 0.125 / 365 = 3.4247
        ("10000", date(2025, 5, 31), date(2025, 6, 1), 365, "3.42"),
        # rounded once at the end: 2 days at 12.5 % = 0.6849 and 2 days at 12.25 % = 0.6712 on 1000 make 1.3562 -> 1.36
        # (each period rounded first would give 0.68 + 0.67 = 1.35)
        ("1000", date(2025, 6, 28), date(2025, 7, 2), 365, "1.36"),
        ("10000", date(2025, 5, 31), date(2025, 5, 31), 365, "0.00"),  # at the due date
        ("10000", date(2025, 5, 31), date(2025, 5, 1), 365, "0.00"),  # before it
    ],
)
def test_late_interest(amount, due, as_of, day_count, expected):
    assert late_interest(D(amount), due, as_of, NO_RATES, day_count) == D(expected)


def test_late_interest_from_the_table_equals_the_hand_computed_example():
    due, as_of = date(2025, 5, 31), date(2025, 8, 14)
    assert interest_periods("NO", due, as_of, DEFAULT_TABLE) == [
        (date(2025, 6, 1), date(2025, 6, 30), D("12.5")),
        (date(2025, 7, 1), date(2025, 8, 14), D("12.25")),
    ]
    assert statutory_late_interest("NO", D("10000"), due, as_of, DEFAULT_TABLE) == D("253.77")
    assert interest_periods("NO", due, due, DEFAULT_TABLE) == []


def test_late_interest_with_a_gap_in_the_rates():
    with pytest.raises(MissingStatutoryParameter, match="late_interest_rate on 2025-07-01"):
        late_interest(D("100"), date(2025, 5, 31), date(2025, 8, 14), NO_RATES[:1])
    with pytest.raises(MissingStatutoryParameter, match="late_interest_rate on 2024-12-31"):
        late_interest(D("100"), date(2024, 12, 30), date(2025, 1, 5), NO_RATES)
    with pytest.raises(MissingStatutoryParameter, match="NO late_interest_rate on 2027-01-01"):
        statutory_late_interest("NO", D("100"), date(2026, 12, 1), date(2027, 1, 5), DEFAULT_TABLE)
    with pytest.raises(ValueError, match="day_count"):
        late_interest(D("100"), date(2025, 5, 31), date(2025, 6, 14), NO_RATES, 0)


@pytest.mark.parametrize(
    ("country", "on", "value", "unit", "conf"),
    [
        ("NO", date(2025, 3, 1), "470", "NOK", "V"),
        ("NO", date(2025, 8, 1), "470", "NOK", "U"),
        ("NO", date(2026, 3, 1), "460", "NOK", "D"),
        ("SE", date(2025, 3, 1), "450", "SEK", "V"),
        ("DK", date(2025, 3, 1), "310", "DKK", "V"),
        ("FI", date(2025, 3, 1), "40", "EUR", "V"),
    ],
)
def test_fixed_compensation(country, on, value, unit, conf):
    v = fixed_compensation(country, on, DEFAULT_TABLE)
    assert (v.value, v.unit, v.confidence) == (D(value), unit, conf)


# --- the ladder as data and the policy's dunning section ----------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: step("letter", 1), "kind 'letter'"),
        (lambda: step("reminder", 1, "sent"), "'after' must be 'due' or 'previous'"),
        (lambda: step("reminder", -1), "days_after must be a whole number"),
        (lambda: step("reminder", 1, deadline=-2), "deadline_days must be a whole number"),
        (lambda: step("reminder", 1, fee="-1"), "fee must be an amount of 0 or more"),
        (lambda: step("reminder", 1, fee="35.001"), "more than 2 decimals"),
        (lambda: CountryLadder("NO", "EUR", ()), "NO dunning ladder charges its fees in NOK, not EUR"),
        (lambda: CountryLadder("IS", "ISK", ()), "country must be one of"),
        (lambda: ladder("SE", step("reminder", 10, "previous")), "first step of the SE dunning ladder"),
    ],
)
def test_invalid_ladders_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


CUSTOM = replace(
    Policy(),
    dunning=(
        ladder("NO", step("reminder", 20, "due", fee="0"), step("notice_of_collection", 20, fee="35")),
        ladder("DK", step("reminder", 5, "due", deadline=10, fee="100")),
    ),
)


@pytest.mark.parametrize("policy", [Policy(), CUSTOM], ids=["default", "custom"])
def test_policy_round_trip_with_the_dunning_section(policy):
    d = json.loads(json.dumps(policy.to_dict()))
    assert Policy.from_dict(d) == policy
    assert Policy.from_dict(d).dunning == policy.dunning


def test_policy_dunning_json_shape():
    d = CUSTOM.to_dict()["dunning"]
    assert d[1] == {
        "country": "DK",
        "currency": "DKK",
        "steps": [{"kind": "reminder", "days_after": 5, "after": "due", "deadline_days": 10, "fee": "100"}],
    }


def test_old_policy_without_dunning_loads_the_defaults():
    d = Policy().to_dict()
    del d["dunning"]
    p = Policy.from_dict(d)
    assert p.dunning == DEFAULT_LADDERS
    assert p.ladder("SE") == DEFAULT_LADDERS[1]
    assert CUSTOM.ladder("SE") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["dunning"][0]["steps"][0].update(fee="35.001"), "more than 2 decimals"),
        (lambda d: d["dunning"][0]["steps"][0].update(days_after="14.5"), "not a whole number"),
        (lambda d: d["dunning"][0]["steps"][0].update(kind="sms"), "kind 'sms'"),
        (lambda d: d["dunning"][0].update(currency="SEK"), "charges its fees in NOK"),
        (lambda d: d["dunning"][0]["steps"][0].pop("deadline_days"), "deadline_days"),
        (lambda d: d["dunning"].append(d["dunning"][0]), "more than one dunning ladder for NO"),
    ],
)
def test_invalid_dunning_section_is_a_policy_error(change, message):
    d = Policy().to_dict()
    change(d)
    with pytest.raises(PolicyError, match=message):
        Policy.from_dict(d)
