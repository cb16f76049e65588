"""IFRS 9 simplified approach (domain/ecl.py): loss rates, provision matrix, overrides, individual assessment,
allowance reconciliation and the settings' JSON; the worked examples of domain_rules.md §3 are reproduced."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from domain.aging import Buckets
from domain.ecl import (
    AllowanceReconciliation,
    BucketOverride,
    EclError,
    EclResult,
    EclSettings,
    IndividualRow,
    LossHistory,
    ProvisionMatrix,
    historical_rates,
    individual_reason,
    provision_matrix,
    reconcile_allowance,
)

D = Decimal
LABELS = Buckets((30, 60, 90)).labels  # current, 1-30, 31-60, 61-90, 91+
# domain_rules.md §3: January sales 100 000; 50 000 still open at 1-30, 23 000 reach 31-60, 8 000 reach 61-90,
# 2 000 never paid (they reach 91+ and are written off).
COHORT = LossHistory(
    labels=LABELS,
    reached=(D(100000), D(50000), D(23000), D(8000), D(2000)),
    lost=(D(2000),) * 5,
)
BALANCES = (D(300000), D(140000), D(60000), D(23000), D(5000))  # the 31 Dec aging of the worked example


def test_labels_are_those_of_the_worked_example():
    assert LABELS == ("current", "1-30", "31-60", "61-90", "91+")


def test_historical_rates_reproduce_domain_rules_cohort_example():
    rates = historical_rates(COHORT)
    # 2000/100000 = 0.02, 2000/50000 = 0.04, 2000/23000 (8.7 %, kept unrounded), 2000/8000 = 0.25, 2000/2000 = 1
    assert rates == (D("0.02"), D("0.04"), D(2000) / D(23000), D("0.25"), D(1))
    assert rates[2] == D(2000) / D(23000)
    assert rates[2] != D("0.087")  # not the rounded table value


def test_historical_rate_is_none_when_nothing_reached_the_bucket():
    h = LossHistory(labels=("current", "1-30"), reached=(D(1000), D(0)), lost=(D(10), D(0)))
    assert historical_rates(h) == (D("0.01"), None)


def test_provision_matrix_reproduces_domain_rules_worked_example_27567():
    m = provision_matrix(BALANCES, COHORT, EclSettings(min_reached=D(0)))
    # 300000 x 0.02 = 6000; 140000 x 0.04 = 5600; 60000 x 2000/23000 = 5217.3913.. -> 5217.39;
    # 23000 x 0.25 = 5750; 5000 x 1 = 5000; total 27567.39 (the reference shows 27 567).
    assert [r.ecl for r in m.rows] == [D("6000.00"), D("5600.00"), D("5217.39"), D("5750.00"), D("5000.00")]
    assert m.total_ecl == D("27567.39")
    assert m.total_ecl.quantize(D(1)) == D(27567)
    assert m.total_balance == D(528000)  # 300000 + 140000 + 60000 + 23000 + 5000
    assert [r.label for r in m.rows] == list(LABELS)
    assert m.rows[2].rate == D(2000) / D(23000)  # unrounded, factor 1
    assert m.rows[2].historical_rate == D(2000) / D(23000)
    assert (m.rows[2].reached, m.rows[2].lost) == (D(23000), D(2000))
    assert all(r.override is None for r in m.rows)
    assert m.missing_rationale == ()  # min_reached 0: no bucket is thin


def test_thin_buckets_need_an_override():
    m = provision_matrix(BALANCES, COHORT, EclSettings())  # min_reached 100000
    # current reached exactly 100000 (not below); the others reached 50000, 23000, 8000, 2000
    assert [r.thin for r in m.rows] == [False, True, True, True, True]
    assert m.missing_rationale == ("1-30", "31-60", "61-90", "91+")


def test_override_replaces_thin_rate_and_forward_factor_multiplies_and_caps():
    s = EclSettings(
        overrides=(BucketOverride("61-90", D("40"), "Two large debtors in this bucket are in reconstruction"),),
        forward_factor=D("1.10"),
        forward_source="SSB konkursstatistikk: bankruptcies +10 % year on year",
    )
    m = provision_matrix(BALANCES, COHORT, s)
    rates = [r.rate for r in m.rows]
    # current 0.02 x 1.1 = 0.022; 1-30 0.04 x 1.1 = 0.044; 31-60 2000/23000 x 1.1 = 2200/23000;
    # 61-90 override 40 % x 1.1 = 0.44; 91+ 1 x 1.1 capped at 1
    assert rates == [D("0.022"), D("0.044"), D(2000) / D(23000) * D("1.10"), D("0.44"), D(1)]
    # 300000 x 0.022 = 6600; 140000 x 0.044 = 6160; 60000 x 2200/23000 = 5739.1304.. -> 5739.13;
    # 23000 x 0.44 = 10120; 5000 x 1 = 5000
    assert [r.ecl for r in m.rows] == [D("6600.00"), D("6160.00"), D("5739.13"), D("10120.00"), D("5000.00")]
    assert m.total_ecl == D("33619.13")  # 6600 + 6160 + 5739.13 + 10120 + 5000
    assert m.rows[3].override is not None and m.rows[3].override.rationale.startswith("Two large")
    assert m.rows[3].historical_rate == D("0.25")  # the historical rate is still reported next to the override
    assert m.missing_rationale == ("1-30", "31-60", "91+")  # 61-90 is thin but has its override


def test_override_of_100_percent_with_factor_is_capped_at_one():
    s = EclSettings(overrides=(BucketOverride("31-60", D("100"), "Disputed balances"),), forward_factor=D("1.5"))
    m = provision_matrix(BALANCES, COHORT, s)
    assert m.rows[2].rate == D(1)
    assert m.rows[2].ecl == D("60000.00")


def test_bucket_without_history_gets_rate_zero_and_is_thin_even_with_min_reached_zero():
    h = LossHistory(labels=("current", "1-30"), reached=(D(1000), D(0)), lost=(D(10), D(0)))
    m = provision_matrix((D(500), D(700)), h, EclSettings(min_reached=D(0)))
    assert (m.rows[1].historical_rate, m.rows[1].rate, m.rows[1].ecl) == (None, D(0), D("0.00"))
    assert m.missing_rationale == ("1-30",)
    assert m.rows[0].ecl == D("5.00")  # 500 x 10/1000


def test_ecl_rounds_half_up_to_cents():
    h = LossHistory(labels=("current",), reached=(D(2),), lost=(D(1),))  # rate 0.5
    m = provision_matrix((D("0.05"),), h, EclSettings(min_reached=D(0)))
    assert m.rows[0].ecl == D("0.03")  # 0.05 x 0.5 = 0.025 -> 0.03 half-up (banker's rounding would give 0.02)


def test_provision_matrix_rejects_unknown_override_bucket_and_wrong_balance_count():
    s = EclSettings(overrides=(BucketOverride("91-120", D(50), "Old debts"),))
    with pytest.raises(EclError, match=r"unknown bucket '91-120'.*current, 1-30, 31-60, 61-90, 91\+"):
        provision_matrix(BALANCES, COHORT, s)
    with pytest.raises(EclError, match="4 bucket balances for 5 buckets"):
        provision_matrix(BALANCES[:4], COHORT, EclSettings())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lookback_months": 0}, "lookback_months must be a whole number of months, 1 or more, got 0"),
        ({"emergence_months": 24}, r"emergence_months must be a whole number from 0 to 23 .* got 24"),
        ({"emergence_months": -1}, "emergence_months .* got -1"),
        ({"min_reached": D(-1)}, "min_reached must not be negative, got -1"),
        ({"forward_factor": D(0)}, "forward_factor must be above 0 and at most 5 .* got 0"),
        ({"forward_factor": D("5.01")}, "forward_factor .* got 5.01"),
        ({"forward_source": "  "}, "forward_source must say where the forward-looking factor comes from"),
        ({"individual_threshold": D(0)}, "individual_threshold must be above 0"),
        (
            {"overrides": (BucketOverride("61-90", D(30), "a"), BucketOverride("61-90", D(40), "b"))},
            "bucket 61-90 is overridden twice",
        ),
    ],
)
def test_settings_validation(kwargs, message):
    with pytest.raises(EclError, match=message):
        EclSettings(**kwargs)


def test_override_validation():
    with pytest.raises(EclError, match=r"^the override for bucket 61-90 needs a written rationale$"):
        BucketOverride("61-90", D(40), "   ")
    with pytest.raises(EclError, match="override rate for bucket 61-90 must be between 0 and 100 %, got 120"):
        BucketOverride("61-90", D(120), "why")
    with pytest.raises(EclError, match="between 0 and 100 %, got -1"):
        BucketOverride("61-90", D(-1), "why")
    assert BucketOverride("61-90", D("12.5"), "why").rate == D("0.125")
    assert issubclass(EclError, ValueError)


def test_loss_history_validation():
    with pytest.raises(EclError, match="2 buckets, 1 reached amounts and 2 lost amounts"):
        LossHistory(labels=("current", "1-30"), reached=(D(1),), lost=(D(0), D(0)))
    with pytest.raises(EclError, match="bucket 1-30: reached -5"):
        LossHistory(labels=("current", "1-30"), reached=(D(1), D(-5)), lost=(D(0), D(0)))


@pytest.mark.parametrize(
    ("opening", "closing", "used", "charged", "reversed_"),
    [
        # 12000 - 10000 + 3000 = 5000 charged
        (D(10000), D(12000), D(3000), D(5000), D(0)),
        # 6000 - 10000 + 1000 = -3000: a reversal of 3000
        (D(10000), D(6000), D(1000), D(0), D(3000)),
        # write-offs exactly used up the fall: 2000 - 5000 + 3000 = 0
        (D(5000), D(2000), D(3000), D(0), D(0)),
        # first allowance: 0 -> 27567.39
        (D(0), D("27567.39"), D(0), D("27567.39"), D(0)),
        # everything reversed: 0 - 800.50 + 0 = -800.50
        (D("800.50"), D(0), D(0), D(0), D("800.50")),
    ],
)
def test_reconcile_allowance(opening, closing, used, charged, reversed_):
    r = reconcile_allowance(opening, closing, used)
    assert r == AllowanceReconciliation(opening, charged, used, reversed_, closing)
    assert r.opening + r.charged - r.used - r.reversed == r.closing


def test_reconcile_allowance_rejects_negative_amounts():
    with pytest.raises(EclError, match="used allowance amount must not be negative, got -1"):
        reconcile_allowance(D(0), D(0), D(-1))


def test_individual_reason_order():
    s = EclSettings(individual_threshold=D(500000))
    big = D(600000)
    assert individual_reason(events=["bankruptcy"], in_collection=True, exposure=big, settings=s) == "bankrupt"
    assert (
        individual_reason(events=["debt_restructuring"], in_collection=False, exposure=D(1), settings=s) == "bankrupt"
    )
    assert individual_reason(events=["payment_remark"], in_collection=True, exposure=big, settings=s) == "in_collection"
    assert individual_reason(events=[], in_collection=False, exposure=big, settings=s) == "size"
    assert individual_reason(events=[], in_collection=False, exposure=D(500000), settings=s) is None  # not above
    no_coll = EclSettings(individual_threshold=D(500000), individual_in_collection=False)
    assert individual_reason(events=[], in_collection=True, exposure=big, settings=no_coll) == "size"
    assert individual_reason(events=[], in_collection=True, exposure=D(10), settings=no_coll) is None
    assert individual_reason(events=[], in_collection=False, exposure=D(10**9), settings=EclSettings()) is None
    only_liq = EclSettings(individual_events=("liquidation",))
    assert individual_reason(events=["bankruptcy"], in_collection=False, exposure=D(1), settings=only_liq) is None


@pytest.mark.parametrize(
    ("as_of", "lookback", "emergence", "window"),
    [
        # after 2024-10-31 and on or before 2026-04-30
        (date(2026, 10, 31), 24, 6, (date(2024, 11, 1), date(2026, 4, 30))),
        # 31 Aug - 6 months: no 31 Feb, clamped to 28 Feb; 2024-08-31 + 1 day
        (date(2026, 8, 31), 24, 6, (date(2024, 9, 1), date(2026, 2, 28))),
        # leap year: 2028-02-29
        (date(2028, 8, 31), 12, 6, (date(2027, 9, 1), date(2028, 2, 29))),
        (date(2026, 3, 15), 12, 3, (date(2025, 3, 16), date(2025, 12, 15))),
        # no emergence period: the window ends on as_of
        (date(2026, 1, 31), 1, 0, (date(2026, 1, 1), date(2026, 1, 31))),
    ],
)
def test_cohort_window(as_of, lookback, emergence, window):
    assert EclSettings(lookback_months=lookback, emergence_months=emergence).cohort_window(as_of) == window


def test_settings_round_trip_and_json_shape():
    s = EclSettings(
        lookback_months=36,
        emergence_months=3,
        min_reached=D("250000.00"),
        overrides=(BucketOverride("61-90", D("40"), "Reconstruction cases"), BucketOverride("91+", D("100"), "x")),
        forward_factor=D("1.10"),
        forward_source="SCB bankruptcy forecast 2026",
        individual_threshold=D("1000000"),
        individual_events=("bankruptcy",),
        individual_in_collection=False,
    )
    d = s.to_dict()
    assert d["min_reached"] == "250000.00"
    assert d["forward_factor"] == "1.10"
    assert d["individual_threshold"] == "1000000"
    assert d["overrides"][0] == {"bucket": "61-90", "rate_percent": "40", "rationale": "Reconstruction cases"}
    assert d["individual_events"] == ["bankruptcy"]
    assert EclSettings.from_dict(json.loads(json.dumps(d))) == s
    assert EclSettings.from_dict(EclSettings().to_dict()) == EclSettings()
    assert EclSettings().to_dict()["individual_threshold"] is None


def test_from_dict_defaults_and_errors_name_the_field():
    assert EclSettings.from_dict({}) == EclSettings()
    assert EclSettings.from_dict({"forward_factor": "1.2"}).forward_factor == D("1.2")
    with pytest.raises(EclError, match="lookback_months must be a whole number, got 'two'"):
        EclSettings.from_dict({"lookback_months": "two"})
    with pytest.raises(EclError, match="forward_factor must be a number, got 'abc'"):
        EclSettings.from_dict({"forward_factor": "abc"})
    with pytest.raises(EclError, match="individual_in_collection must be true or false"):
        EclSettings.from_dict({"individual_in_collection": "maybe"})
    with pytest.raises(EclError, match="rate_percent of override 1 must be a number"):
        EclSettings.from_dict({"overrides": [{"bucket": "61-90", "rationale": "x"}]})
    with pytest.raises(EclError, match="the override for bucket 61-90 needs a written rationale"):
        EclSettings.from_dict({"overrides": [{"bucket": "61-90", "rate_percent": "40", "rationale": " "}]})
    with pytest.raises(EclError, match="individual_events must be a list"):
        EclSettings.from_dict({"individual_events": "bankruptcy"})


def test_result_adds_individual_customers_to_the_matrix():
    m = provision_matrix(BALANCES, COHORT, EclSettings(min_reached=D(0)))
    individual = (
        # domain_rules.md §3 customer X: 0.05 x 0.70 x 1 000 000 = 35 000
        IndividualRow(1, "C-1", "Customer X", "bankrupt", D(1000000), D(5), D(70), D(1000000), D("35000.00")),
        IndividualRow(2, "C-2", "Y AS", "size", D(50000), D(2), D(45), D("20000"), D("1234.56")),  # kept as given
    )
    r = EclResult(m, individual)
    assert r.individual_ecl == D("36234.56")  # 35000 + 1234.56
    assert r.individual_exposure == D(1050000)  # 1000000 + 50000
    assert r.total == D("63801.95")  # 27567.39 + 36234.56
    empty = EclResult(ProvisionMatrix(()), ())
    assert (empty.total, empty.individual_ecl, empty.matrix.total_balance) == (D(0), D(0), D(0))
