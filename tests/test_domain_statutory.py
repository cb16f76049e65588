"""The dated statutory table (domain/statutory.py): lookups, periods and gaps, the reference figures and tags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.statutory import (
    DEFAULT_STATUTORY,
    DEFAULT_TABLE,
    MissingStatutoryParameter,
    StatutoryTable,
    StatutoryValue,
)

D = Decimal


def row(parameter="p", start=date(2025, 1, 1), end=None, value="1", j="NO", unit="percent", conf="V", src="x"):
    return StatutoryValue(j, parameter, start, end, D(value), unit, src, conf)


# Every figure of domain_rules.md §1 the brief names, with its tag: (jurisdiction, parameter, on, value, confidence)
REFERENCE = [
    ("NO", "inkassosats", date(2024, 6, 1), "700", "V"),
    ("NO", "inkassosats", date(2025, 12, 31), "700", "V"),
    ("NO", "inkassosats", date(2026, 1, 1), "750", "D"),  # read on a secondary page only
    ("NO", "reminder_fee_fraction", date(2025, 1, 1), "0.05", "V"),
    ("NO", "demand_fee_fraction", date(2025, 1, 1), "0.15", "V"),
    ("NO", "fee_min_days_after_due", date(2025, 1, 1), "14", "V"),
    ("NO", "notice_min_deadline_days", date(2025, 1, 1), "14", "V"),
    ("NO", "max_fee_reminders", date(2025, 1, 1), "2", "V"),
    ("NO", "late_interest_rate", date(2024, 3, 1), "12.5", "V"),
    ("NO", "late_interest_rate", date(2025, 6, 30), "12.5", "V"),
    ("NO", "late_interest_rate", date(2025, 7, 1), "12.25", "D"),
    ("NO", "late_interest_rate", date(2026, 1, 1), "12.00", "D"),
    ("NO", "fixed_compensation", date(2024, 1, 1), "470", "V"),
    ("NO", "fixed_compensation", date(2025, 3, 1), "470", "V"),
    ("NO", "fixed_compensation", date(2025, 9, 1), "470", "U"),  # "not found" in the reference
    ("NO", "fixed_compensation", date(2026, 6, 30), "460", "D"),
    ("SE", "reminder_fee_cap", date(2025, 1, 1), "60", "V"),
    ("SE", "collection_demand_fee_cap", date(2025, 1, 1), "180", "V"),
    ("SE", "demand_min_deadline_days", date(2025, 1, 1), "8", "V"),
    ("SE", "late_interest_rate", date(2024, 1, 1), "12.00", "D"),
    ("SE", "late_interest_rate", date(2024, 12, 31), "12.00", "D"),
    ("SE", "late_interest_rate", date(2025, 1, 1), "11.00", "D"),
    ("SE", "late_interest_rate", date(2025, 7, 1), "10.00", "D"),
    ("SE", "late_interest_rate", date(2026, 1, 1), "10.00", "D"),
    ("SE", "fixed_compensation", date(2025, 1, 1), "450", "V"),
    ("DK", "reminder_fee_cap", date(2025, 1, 1), "100", "V"),
    ("DK", "max_fee_reminders", date(2025, 1, 1), "3", "V"),
    ("DK", "reminder_min_interval_days", date(2025, 1, 1), "10", "V"),
    ("DK", "late_interest_rate", date(2023, 7, 1), "11.25", "V"),
    ("DK", "late_interest_rate", date(2024, 1, 1), "11.75", "V"),
    ("DK", "late_interest_rate", date(2025, 1, 1), "10.75", "D"),
    ("DK", "late_interest_rate", date(2025, 7, 1), "9.75", "D"),
    ("DK", "late_interest_rate", date(2026, 1, 1), "9.75", "D"),
    ("DK", "fixed_compensation", date(2025, 1, 1), "310", "V"),
    ("FI", "reminder_fee_cap", date(2025, 1, 1), "5", "U"),  # consumer rule; the B2B caps were not verified
    ("FI", "fee_min_days_after_due", date(2025, 1, 1), "14", "U"),
    ("FI", "late_interest_rate", date(2024, 7, 1), "12.5", "V"),
    ("FI", "late_interest_rate", date(2025, 1, 1), "11.5", "V"),
    ("FI", "late_interest_rate", date(2025, 7, 1), "10.5", "D"),
    ("FI", "late_interest_rate", date(2026, 1, 1), "10.5", "V"),
    ("FI", "fixed_compensation", date(2025, 1, 1), "40", "V"),
    ("EU", "fixed_compensation", date(2025, 1, 1), "40", "V"),
    ("EU", "max_payment_days", date(2025, 1, 1), "60", "V"),
]


@pytest.mark.parametrize(("j", "p", "on", "value", "conf"), REFERENCE, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in REFERENCE])
def test_reference_figures_and_tags(j, p, on, value, conf):
    v = DEFAULT_TABLE.get(j, p, on)
    assert (v.value, v.confidence) == (D(value), conf)
    assert DEFAULT_TABLE.value(j, p, on) == D(value)


def test_every_row_has_a_source_and_every_unverified_row_says_why():
    for r in DEFAULT_STATUTORY:
        assert r.source.strip()
        if r.confidence == "U":
            assert "assum" in r.source, f"{r.jurisdiction} {r.parameter} {r.valid_from}: U without 'assumed'"
        if r.confidence == "V" and r.parameter in ("late_interest_rate", "fixed_compensation", "inkassosats"):
            assert any(cite in r.source for cite in ("http", "FOR-", "§", "Art.", "/2013")), r.source


HALF_YEARLY = [(j, "late_interest_rate") for j in ("NO", "SE", "DK", "FI")] + [("NO", "fixed_compensation")]


@pytest.mark.parametrize(("j", "p"), HALF_YEARLY)
def test_half_yearly_figures_cover_the_demo_ledger_and_stop_at_2026(j, p):
    pieces = DEFAULT_TABLE.periods(j, p, date(2023, 7, 1), date(2026, 12, 31))
    days = sum((b - a).days + 1 for a, b, _ in pieces)
    assert days == (date(2026, 12, 31) - date(2023, 7, 1)).days + 1
    with pytest.raises(MissingStatutoryParameter, match=f"{j} {p} on 2027-01-01"):
        DEFAULT_TABLE.get(j, p, date(2027, 1, 1))


@pytest.mark.parametrize(("j", "value"), [("SE", "450"), ("DK", "310"), ("FI", "40")])
def test_fixed_compensation_set_by_law_is_open_ended(j, value):
    assert DEFAULT_TABLE.periods(j, "fixed_compensation", date(2023, 7, 1), date(2027, 6, 30)) == [
        (date(2023, 7, 1), date(2027, 6, 30), D(value))
    ]


def test_get_at_the_edges_of_a_row():
    assert DEFAULT_TABLE.get("NO", "late_interest_rate", date(2025, 6, 30)).value == D("12.5")
    assert DEFAULT_TABLE.get("NO", "late_interest_rate", date(2025, 7, 1)).value == D("12.25")
    assert DEFAULT_TABLE.get("NO", "inkassosats", date(2030, 1, 1)).value == D("750")  # open-ended


@pytest.mark.parametrize(
    ("j", "p", "on"),
    [
        ("NO", "inkassosats", date(2019, 12, 31)),  # before the table
        ("NO", "late_interest_rate", date(2023, 6, 30)),
        ("SE", "max_fee_reminders", date(2025, 1, 1)),  # Sweden has no such rule
        ("XX", "inkassosats", date(2025, 1, 1)),
    ],
)
def test_get_missing_names_jurisdiction_parameter_and_date(j, p, on):
    with pytest.raises(MissingStatutoryParameter, match=f"no statutory value for {j} {p} on {on.isoformat()}") as e:
        DEFAULT_TABLE.get(j, p, on)
    assert (e.value.jurisdiction, e.value.parameter, e.value.on) == (j, p, on)


def test_periods_split_at_half_years_and_clip_to_the_range():
    assert DEFAULT_TABLE.periods("NO", "late_interest_rate", date(2025, 6, 1), date(2026, 1, 10)) == [
        (date(2025, 6, 1), date(2025, 6, 30), D("12.5")),
        (date(2025, 7, 1), date(2025, 12, 31), D("12.25")),
        (date(2026, 1, 1), date(2026, 1, 10), D("12.00")),
    ]
    assert DEFAULT_TABLE.periods("NO", "inkassosats", date(2025, 12, 31), date(2026, 1, 1)) == [
        (date(2025, 12, 31), date(2025, 12, 31), D("700")),
        (date(2026, 1, 1), date(2026, 1, 1), D("750")),
    ]
    assert DEFAULT_TABLE.periods("NO", "inkassosats", date(2026, 2, 1), date(2026, 1, 1)) == []


def test_periods_with_a_gap_name_the_parameter_and_the_first_missing_day():
    t = StatutoryTable(
        (
            row("rate", date(2025, 1, 1), date(2025, 6, 30), "10"),
            row("rate", date(2025, 8, 1), None, "9"),  # July missing
        )
    )
    assert t.periods("NO", "rate", date(2025, 6, 1), date(2025, 6, 30)) == [(date(2025, 6, 1), date(2025, 6, 30), 10)]
    with pytest.raises(MissingStatutoryParameter, match="NO rate on 2025-07-01"):
        t.periods("NO", "rate", date(2025, 6, 1), date(2025, 8, 14))
    with pytest.raises(MissingStatutoryParameter, match="NO rate on 2024-12-31"):
        t.periods("NO", "rate", date(2024, 12, 31), date(2025, 1, 5))


def test_overlapping_rows_are_refused():
    with pytest.raises(ValueError, match="NO p: the rows from 2025-01-01 and 2025-06-01 overlap"):
        StatutoryTable((row(start=date(2025, 1, 1), end=date(2025, 6, 30)), row(start=date(2025, 6, 1))))
    with pytest.raises(ValueError, match="overlap"):  # an open-ended row followed by another
        StatutoryTable((row(start=date(2025, 1, 1)), row(start=date(2026, 1, 1))))
    StatutoryTable((row(start=date(2025, 1, 1), end=date(2025, 5, 31)), row(start=date(2025, 6, 1))))  # adjacent


def test_with_rows_adds_and_replaces():
    new = row("late_interest_rate", date(2027, 1, 1), date(2027, 6, 30), "11.5", conf="V", src="FOR-2026-12-xx")
    t = DEFAULT_TABLE.with_rows([new])
    assert t.get("NO", "late_interest_rate", date(2027, 3, 1)).value == D("11.5")
    fixed = row("late_interest_rate", date(2026, 7, 1), date(2026, 12, 31), "11.75", conf="V", src="FOR-2026-06-xx")
    t = DEFAULT_TABLE.with_rows([fixed])
    assert (t.get("NO", "late_interest_rate", date(2026, 9, 1)).value, len(t.rows)) == (
        D("11.75"),
        len(DEFAULT_STATUTORY),
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"j": "US"}, "jurisdiction"),
        ({"unit": "USD"}, "unit"),
        ({"conf": "X"}, "confidence"),
        ({"src": " "}, "source"),
        ({"value": "-1"}, "non-negative"),
        ({"end": date(2024, 12, 31)}, "valid_to 2024-12-31 is before valid_from"),
    ],
)
def test_invalid_values_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        row(**kwargs)
