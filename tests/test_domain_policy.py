"""The credit policy as data (domain/policy.py): defaults, to_dict/from_dict round trip, invalid values, and the
diff of its ecl section (domain/policy_diff.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from domain.aging import Buckets
from domain.behaviour import TrendRule
from domain.ecl import DEFAULT_FORWARD_SOURCE, BucketOverride, EclSettings
from domain.kpis import PaymentIndexScale
from domain.policy import Policy, PolicyError
from domain.policy_diff import NO, NONE, YES, PolicyChange, diff_policies


def test_defaults():
    p = Policy()
    assert p.bucket_edges == (30, 60, 90, 120)
    assert p.buckets == Buckets((30, 60, 90, 120))
    assert p.kpi_window_days == 90
    assert p.ledger_freshness_days == 2
    assert p.trend == TrendRule()
    assert (p.trend.recent_days, p.trend.baseline_days, p.trend.min_increase_days) == (90, 270, 7)
    assert p.payment_index == PaymentIndexScale()


def test_to_dict_shape():
    d = Policy().to_dict()
    assert d["bucket_edges"] == [30, 60, 90, 120]
    assert d["kpi_window_days"] == 90
    assert d["trend"] == {
        "recent_days": 90,
        "baseline_days": 270,
        "min_recent_count": 3,
        "min_baseline_count": 3,
        "min_increase_days": 7,
        "min_recent_days_late": 7,
        "rolling_window": 5,
    }
    assert d["payment_index"]["points"][0] == [-30, 100]
    assert (d["payment_index"]["floor"], d["payment_index"]["ceiling"]) == (20, 100)
    json.dumps(d)  # plain JSON


CUSTOM = Policy(
    bucket_edges=(7, 14, 21),
    kpi_window_days=30,
    ledger_freshness_days=0,
    trend=TrendRule(recent_days=60, baseline_days=180, min_recent_count=2, min_increase_days=10, rolling_window=3),
    payment_index=PaymentIndexScale(points=((-10, 100), (0, 80), (60, 20)), floor=10, ceiling=95, source="own table"),
)


@pytest.mark.parametrize("policy", [Policy(), CUSTOM], ids=["default", "custom"])
def test_round_trip(policy):
    assert Policy.from_dict(policy.to_dict()) == policy
    assert Policy.from_dict(json.loads(json.dumps(policy.to_dict()))) == policy  # through JSON text


@pytest.mark.parametrize(
    ("partial", "check"),
    [
        ({}, lambda p: p == Policy()),
        ({"kpi_window_days": 30}, lambda p: p.kpi_window_days == 30 and p.bucket_edges == (30, 60, 90, 120)),
        ({"bucket_edges": ["15", "45"]}, lambda p: p.bucket_edges == (15, 45)),  # numeric strings are read
        ({"trend": {"min_increase_days": 14}}, lambda p: p.trend == TrendRule(min_increase_days=14)),
        ({"payment_index": {"floor": 30}}, lambda p: p.payment_index.floor == 30 and p.payment_index.ceiling == 100),
    ],
)
def test_from_dict_fills_missing_values_with_defaults(partial, check):
    assert check(Policy.from_dict(partial))


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ({"bucket_edges": []}, "at least one bucket edge is needed"),
        ({"bucket_edges": [0, 30]}, "bucket edge 0 is not a positive whole number of days"),
        ({"bucket_edges": [-30]}, "bucket edge -30 is not a positive whole number of days"),
        ({"bucket_edges": [60, 30]}, "strictly increasing: 60 then 30"),
        ({"bucket_edges": ["30", "abc"]}, "'abc' is not a whole number"),
        ({"bucket_edges": 30}, "not iterable"),
        ({"kpi_window_days": 0}, "kpi_window_days must be a positive number of days"),
        ({"kpi_window_days": -90}, "kpi_window_days must be a positive number of days"),
        ({"kpi_window_days": "ninety"}, "'ninety' is not a whole number"),
        ({"kpi_window_days": None}, "None is not a whole number"),
        ({"ledger_freshness_days": -1}, "ledger_freshness_days must not be negative"),
        ({"trend": {"recent_days": 0}}, "trend rule recent_days must be positive"),
        ({"trend": {"min_increase_days": -1}}, "trend rule thresholds must not be negative"),
        ({"trend": {"no_such_field": 1}}, "unexpected keyword argument"),
        ({"trend": {"recent_days": "ninety"}}, "'ninety' is not a whole number"),
        ({"payment_index": {"points": [[0, 80]]}}, "at least two strictly increasing day values"),
        ({"payment_index": {"points": [[10, 80], [0, 90]]}}, "at least two strictly increasing day values"),
        ({"payment_index": {"points": [[0, 80, 1]]}}, "too many values to unpack"),
        ({"payment_index": {"floor": "low"}}, "'low' is not a whole number"),
    ],
)
def test_invalid_values_raise_policy_error(d, message):
    with pytest.raises(PolicyError) as exc:
        Policy.from_dict(d)
    assert str(exc.value).startswith("invalid policy: ")
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kpi_window_days": 0}, "kpi_window_days must be a positive number of days"),
        ({"ledger_freshness_days": -1}, "ledger_freshness_days must not be negative"),
    ],
)
def test_direct_construction_checks_too(kwargs, message):
    with pytest.raises(PolicyError, match=message):
        Policy(**kwargs)


def test_direct_construction_with_bad_edges_raises_a_value_error():
    # Policy(...) itself lets the BucketError (a ValueError) through; from_dict wraps it in PolicyError
    with pytest.raises(ValueError, match="bucket edge 0"):
        Policy(bucket_edges=(0,))


def test_floor_above_ceiling_is_invalid():
    with pytest.raises(PolicyError):
        Policy.from_dict({"payment_index": {"floor": 100, "ceiling": 20}})


@pytest.mark.parametrize("d", [{"kpi_window_days": 1.5}, {"bucket_edges": [30.5, 60]}])
def test_fractional_days_are_invalid(d):
    with pytest.raises(PolicyError):
        Policy.from_dict(d)


def test_risk_sections_round_trip_through_json_exactly():
    import json

    from domain.approvals import ApprovalLevel
    from domain.risk import RiskRules

    p = Policy(
        risk_rules=RiskRules(high_overdue_share=Decimal("42.5"), remark_notches=2),
        approval_matrix=(ApprovalLevel("credit_manager", Decimal("250000.50")), ApprovalLevel("cfo", None)),
        lgd_percent=Decimal("65.5"),
    )
    back = Policy.from_dict(json.loads(json.dumps(p.to_dict())))
    assert back == p
    assert back.terms("D").payment_terms_days == 14 and back.terms("E").prepayment_required


BEFORE_DELETED = ("bankruptcy", "bankruptcy_petition", "liquidation", "forced_dissolution")


def test_deleted_is_a_class_e_and_credit_hold_event_of_the_defaults_and_older_versions_keep_their_lists():
    """A unit deleted from the register (brreg `deleted`) is a default severe (class E) and credit-hold event. A
    version saved before keeps the lists it was approved with (nothing rewrites a stored policy); a version saved
    before the alert and rule sections existed takes today's defaults, `deleted` included."""
    p = Policy()
    assert p.alerts.credit_hold_events == (*BEFORE_DELETED, "deleted")
    assert p.risk_rules.severe_events == (*BEFORE_DELETED, "debt_restructuring", "deleted")
    stored = Policy().to_dict()
    stored["alerts"]["credit_hold_events"] = list(BEFORE_DELETED)
    stored["risk_rules"]["severe_events"] = [*BEFORE_DELETED, "debt_restructuring"]
    older = Policy.from_dict(json.loads(json.dumps(stored)))
    assert older.alerts.credit_hold_events == BEFORE_DELETED
    assert older.risk_rules.severe_events == (*BEFORE_DELETED, "debt_restructuring")
    assert diff_policies(older, Policy()) == [
        PolicyChange(
            "risk_rules.severe_events",
            "bankruptcy, bankruptcy_petition, liquidation, forced_dissolution, debt_restructuring",
            "bankruptcy, bankruptcy_petition, liquidation, forced_dissolution, debt_restructuring, deleted",
        ),
        PolicyChange(
            "alerts.credit_hold_events",
            "bankruptcy, bankruptcy_petition, liquidation, forced_dissolution",
            "bankruptcy, bankruptcy_petition, liquidation, forced_dissolution, deleted",
        ),
    ]
    oldest = Policy.from_dict({"bucket_edges": [30, 60, 90, 120], "kpi_window_days": 90})
    assert "deleted" in oldest.alerts.credit_hold_events and "deleted" in oldest.risk_rules.severe_events


def test_a_policy_saved_before_the_risk_sections_loads_with_defaults():
    old = {"bucket_edges": [30, 60, 90, 120], "kpi_window_days": 90, "ledger_freshness_days": 2}
    p = Policy.from_dict(old)
    assert p.risk_classes == Policy().risk_classes and p.approval_matrix == Policy().approval_matrix
    assert p.lgd_percent == Decimal(70) and p.alerts.overdue_days == 60


@pytest.mark.parametrize(
    ("d", "message"),
    [
        ({"lgd_percent": 120}, "lgd_percent must be between 0 and 100"),
        ({"lgd_percent": "lots"}, "not a number"),
        ({"risk_rules": {"no_such_rule": 1}}, "no_such_rule"),
        ({"risk_rules": {"high_overdue_share": "x"}}, "not a number"),
        ({"alerts": {"overdue_days": 0}}, "overdue_days must be positive"),
        ({"approval_matrix": [{"role": "cfo", "up_to": None}, {"role": "board", "up_to": None}]}, "only the last"),
        (
            {
                "risk_classes": [
                    {
                        "risk_class": "A",
                        "payment_terms_days": 30,
                        "max_credit_limit": None,
                        "review_months": 12,
                        "prepayment_required": False,
                        "insurance_required": False,
                        "pd_percent": "0.2",
                    }
                ]
            },
            "classes A, B, C, D, E",
        ),
        ({"limit_validity_months": 0}, "limit_validity_months must be positive"),
    ],
)
def test_invalid_risk_sections_raise_policy_error(d, message):
    with pytest.raises(PolicyError, match=message):
        Policy.from_dict(d)


# --- the policy diff of the ecl section (domain/policy_diff.py) ------------------------------------------------

THIN = BucketOverride("61-90", Decimal("40"), "Thin history: 3 cohorts only")
OLD_91 = BucketOverride("91-120", Decimal("60"), "One debtor is most of the bucket")


def _ecl(**kwargs) -> Policy:
    return replace(Policy(), ecl=EclSettings(**kwargs))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            Policy(),
            _ecl(forward_factor=Decimal("1.10"), forward_source="Norges Bank MPR 1/2026"),
            [
                PolicyChange("ecl.forward_factor", "1.00", "1.10"),
                PolicyChange("ecl.forward_source", DEFAULT_FORWARD_SOURCE, "Norges Bank MPR 1/2026"),
            ],
            id="factor-and-source",
        ),
        # the first override: one line per field under its bucket, no line for the empty list it replaces
        pytest.param(
            Policy(),
            _ecl(overrides=(THIN,)),
            [
                PolicyChange("ecl.overrides.61-90.rate_percent", None, "40"),
                PolicyChange("ecl.overrides.61-90.rationale", None, "Thin history: 3 cohorts only"),
            ],
            id="override-added",
        ),
        pytest.param(
            _ecl(overrides=(THIN,)),
            Policy(),
            [
                PolicyChange("ecl.overrides.61-90.rate_percent", "40", None),
                PolicyChange("ecl.overrides.61-90.rationale", "Thin history: 3 cohorts only", None),
            ],
            id="override-removed",
        ),
        pytest.param(
            _ecl(overrides=(THIN,)),
            _ecl(overrides=(replace(THIN, rate_percent=Decimal("45")),)),
            [PolicyChange("ecl.overrides.61-90.rate_percent", "40", "45")],
            id="override-rate-changed",
        ),
        # keyed by bucket, not position: dropping the first of two leaves the other unchanged
        pytest.param(
            _ecl(overrides=(OLD_91, THIN)),
            _ecl(overrides=(THIN,)),
            [
                PolicyChange("ecl.overrides.91-120.rate_percent", "60", None),
                PolicyChange("ecl.overrides.91-120.rationale", "One debtor is most of the bucket", None),
            ],
            id="one-of-two-removed",
        ),
        pytest.param(
            Policy(),
            _ecl(
                lookback_months=36,
                emergence_months=3,
                individual_threshold=Decimal("2500000"),
                individual_events=("bankruptcy",),
                individual_in_collection=False,
            ),
            [
                PolicyChange("ecl.lookback_months", "24", "36"),
                PolicyChange("ecl.emergence_months", "6", "3"),
                PolicyChange("ecl.individual_threshold", NONE, "2500000"),
                PolicyChange(
                    "ecl.individual_events",
                    "bankruptcy, bankruptcy_petition, liquidation, forced_dissolution, debt_restructuring",
                    "bankruptcy",
                ),
                PolicyChange("ecl.individual_in_collection", YES, NO),
            ],
            id="window-and-individual-rules",
        ),
        pytest.param(Policy(), _ecl(forward_factor=Decimal("1.0")), [], id="same-factor-other-spelling"),
    ],
)
def test_diff_of_the_ecl_section(old, new, expected):
    assert diff_policies(old, new) == expected
