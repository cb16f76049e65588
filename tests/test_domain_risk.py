"""Risk classes: bureau mappings, every contribution, overrides, PD source and the risk-model expected loss."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from domain.risk import (
    DEFAULT_CLASS_TERMS,
    BureauMapping,
    BureauView,
    RiskInputs,
    RiskRules,
    assess,
    base_class,
    expected_loss,
    review_due,
    shift,
)

AS_OF = date(2026, 10, 30)
MAP = BureauMapping()
RULES = RiskRules()


def bureau(**kw) -> BureauView:
    return BureauView(report_date=date(2026, 10, 1), source="Demo Bureau", **kw)


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (bureau(score=100), ("A", "very low risk")),
        (bureau(score=71), ("A", "very low risk")),  # band edges from the Creditsafe table (§6.3)
        (bureau(score=70), ("B", "low risk")),
        (bureau(score=51), ("B", "low risk")),
        (bureau(score=50), ("C", "moderate risk")),
        (bureau(score=30), ("C", "moderate risk")),
        (bureau(score=29), ("D", "high risk")),
        (bureau(score=21), ("D", "high risk")),
        (bureau(score=20), ("E", "very high risk")),
        (bureau(score=0), ("E", "very high risk")),
        (bureau(rating="AAA"), ("A", "AAA")),
        (bureau(rating="aa"), ("A", "AA")),
        (bureau(rating="AN"), ("C", "AN")),
        (bureau(rating="C"), ("E", "C")),
        (bureau(rating="ZZ"), ("C", "ZZ")),  # unknown rating: the policy's unrated class
        (bureau(uc_class=5, score=10), ("A", "UC 5")),  # UC's class wins where given
        (bureau(uc_class=1), ("E", "UC 1")),
        (None, ("C", None)),
    ],
)
def test_base_class_from_the_bureau(view, expected):
    assert base_class(view, MAP) == expected


def codes(i: RiskInputs) -> list[tuple[str, int]]:
    return [(c.code, c.notches) for c in assess(i, MAP, RULES, DEFAULT_CLASS_TERMS).contributions]


@pytest.mark.parametrize(
    ("inputs", "contributions", "risk_class"),
    [
        # a clean B customer stays B
        (RiskInputs(AS_OF, bureau(score=60)), [], "B"),
        # one payment remark: one notch; three or more: two notches
        (RiskInputs(AS_OF, bureau(score=60, remarks_count=1)), [("payment_remarks", 1)], "C"),
        (RiskInputs(AS_OF, bureau(score=60, remarks_count=3)), [("payment_remarks", 2)], "D"),
        # a bankruptcy petition within a year: class E whatever the bureau says
        (
            RiskInputs(AS_OF, bureau(score=95), events=((date(2026, 10, 2), "bankruptcy_petition", None),)),
            [("severe_event", 5)],
            "E",
        ),
        # a unit deleted from the register within a year: class E too
        (
            RiskInputs(AS_OF, bureau(score=95), events=((date(2026, 10, 2), "deleted", "slettet 2026-10-02"),)),
            [("severe_event", 5)],
            "E",
        ),
        # ... but not one older than the policy's 365 days
        (RiskInputs(AS_OF, bureau(score=95), events=((date(2025, 10, 29), "bankruptcy", None),)), [], "A"),
        # a change of CEO or chair within 90 days: one notch; 91 days ago: none
        (
            RiskInputs(AS_OF, bureau(score=95), events=((date(2026, 8, 1), "role_change", "new CEO"),)),
            [("role_change", 1)],
            "B",
        ),
        (RiskInputs(AS_OF, bureau(score=95), events=((date(2026, 7, 31), "role_change", "new CEO"),)), [], "A"),
        # our ledger: weak payment index, deteriorating trend, high overdue share, over limit
        (RiskInputs(AS_OF, bureau(score=60), payment_index=D(59)), [("weak_payment_index", 1)], "C"),
        (RiskInputs(AS_OF, bureau(score=60), payment_index=D(60)), [], "B"),
        (
            RiskInputs(AS_OF, bureau(score=60), deteriorating=True, days_late_before=7, days_late_now=14),
            [("deteriorating", 1)],
            "C",
        ),
        (RiskInputs(AS_OF, bureau(score=60), overdue_share=D("50.1")), [("high_overdue", 1)], "C"),
        (RiskInputs(AS_OF, bureau(score=60), overdue_share=D(50)), [], "B"),
        (RiskInputs(AS_OF, bureau(score=60), limit_utilisation=D("100.5")), [("over_limit", 1)], "C"),
        # everything at once cannot go beyond E
        (
            RiskInputs(
                AS_OF,
                bureau(score=25, remarks_count=4),
                payment_index=D(30),
                deteriorating=True,
                overdue_share=D(80),
                limit_utilisation=D(150),
            ),
            [
                ("payment_remarks", 2),
                ("weak_payment_index", 1),
                ("deteriorating", 1),
                ("high_overdue", 1),
                ("over_limit", 1),
            ],
            "E",
        ),
        # new customer without a report: unrated class C plus one notch
        (RiskInputs(AS_OF, None, customer_since=date(2026, 3, 1)), [("new_unrated", 1)], "D"),
        (RiskInputs(AS_OF, None, customer_since=date(2025, 10, 30)), [], "C"),  # 12 months: no longer new
        # a long, clean relationship earns one notch back, but not when anything negative fired
        (
            RiskInputs(AS_OF, bureau(score=60), payment_index=D(92), customer_since=date(2024, 1, 1)),
            [("good_payer", -1)],
            "A",
        ),
        (
            RiskInputs(AS_OF, bureau(score=60, remarks_count=1), payment_index=D(92), customer_since=date(2024, 1, 1)),
            [("payment_remarks", 1)],
            "C",
        ),
        (
            RiskInputs(AS_OF, bureau(score=95), payment_index=D(92), customer_since=date(2020, 1, 1)),
            [("good_payer", -1)],
            "A",
        ),  # already A: stays A
    ],
)
def test_contributions_and_class(inputs, contributions, risk_class):
    assert codes(inputs) == contributions
    assert assess(inputs, MAP, RULES, DEFAULT_CLASS_TERMS).risk_class == risk_class


def test_contributions_explain_themselves():
    a = assess(
        RiskInputs(
            AS_OF,
            bureau(score=60, remarks_count=2),
            deteriorating=True,
            days_late_before=7,
            days_late_now=14,
            events=((date(2026, 10, 2), "bankruptcy_petition", None),),
        ),
        MAP,
        RULES,
        DEFAULT_CLASS_TERMS,
    )
    assert [c.text for c in a.contributions] == [
        "bankruptcy petition registered 2026-10-02",
        "2 payment remark(s) on the latest report",
        "pays later than before: median 7 -> 14 days late",
    ]
    assert a.contributions[0].params == {"event": "bankruptcy_petition", "date": date(2026, 10, 2)}
    assert (a.base_class, a.bureau_band, a.risk_class) == ("B", "low risk", "E")


def test_rules_can_be_switched_off():
    quiet = RiskRules(remark_notches=0, deteriorating_notches=0)
    a = assess(
        RiskInputs(AS_OF, bureau(score=60, remarks_count=1), deteriorating=True), MAP, quiet, DEFAULT_CLASS_TERMS
    )
    assert a.contributions == () and a.risk_class == "B"
    with pytest.raises(ValueError, match="must not be negative"):
        RiskRules(remark_notches=-1)


def test_pd_comes_from_the_bureau_when_it_gives_one_else_from_the_class():
    uc = assess(RiskInputs(AS_OF, bureau(uc_class=3, pd_percent=D("1.2"))), MAP, RULES, DEFAULT_CLASS_TERMS)
    assert (uc.risk_class, uc.pd_percent, uc.pd_source) == ("C", D("1.2"), "bureau")
    dnb = assess(RiskInputs(AS_OF, bureau(rating="B")), MAP, RULES, DEFAULT_CLASS_TERMS)
    assert (dnb.risk_class, dnb.pd_percent, dnb.pd_source) == ("D", D("8.00"), "policy")


@pytest.mark.parametrize(
    ("pd", "lgd", "exposure", "insured", "share", "expected"),
    [
        # domain_rules.md §3 worked example: PD 5 %, LGD 70 %, exposure 1 000 000 -> 35 000
        (D(5), D(70), D(1_000_000), None, D(90), D(35_000)),
        # insured 600 000 at 90 %: 540 000 covered, 460 000 uninsured -> 5 % x 70 % x 460 000 = 16 100
        (D(5), D(70), D(1_000_000), D(600_000), D(90), D(16_100)),
        # insured limit above the exposure: 90 % of 100 000 covered -> 5 % x 70 % x 10 000 = 350
        (D(5), D(70), D(100_000), D(600_000), D(90), D(350)),
        (D(5), D(70), D(-500), None, D(90), D(0)),  # a credit balance carries no loss
    ],
)
def test_expected_loss(pd, lgd, exposure, insured, share, expected):
    assert expected_loss(pd, lgd, exposure, insured, share) == expected


@pytest.mark.parametrize(
    ("decided", "months", "due"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 10, 30), 12, date(2027, 10, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 11, 15), 3, date(2027, 2, 15)),
    ],
)
def test_review_due(decided, months, due):
    assert review_due(decided, months) == due


def test_shift_stays_within_a_to_e():
    assert (shift("A", -1), shift("E", 3), shift("B", 2)) == ("A", "E", "D")


def test_mapping_must_be_sound():
    with pytest.raises(ValueError, match="down to 0"):
        BureauMapping(score_bands=(BureauMapping().score_bands[0],))
    with pytest.raises(ValueError, match="not a risk class"):
        BureauMapping(unrated_class="F")
