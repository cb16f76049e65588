"""The new-customer credit check decision: every path with hand-computed limits and terms, invalid input, and the
worked example of docs/metrics.md."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from domain.approvals import ApprovalLevel
from domain.credit_check import CreditCheckError, CreditCheckInput, amount_text, decide, validate
from domain.policy import Policy
from domain.risk import BureauView, RiskRules

AS_OF = date(2026, 10, 30)
POLICY = Policy()  # default terms: A 30/no cap, B 30/2 000 000, C 20/500 000, D 14/100 000 + insurance, E prepayment
ORG = "988077917"


def report(**kw) -> BureauView:
    return BureauView(report_date=date(2026, 10, 1), source="Creditsafe", **kw)


def check(limit, days, rep, **kw) -> CreditCheckInput:
    base = {"as_of": AS_OF, "org_number": ORG, "country": "NO", "name": "Ny Kunde AS"}
    return CreditCheckInput(**{**base, **kw}, requested_limit=D(limit), requested_terms_days=days, report=rep)


# (name, input, decision, class, base class, granted limit, granted terms, insurance, approver, reason codes)
CASES = [
    (
        "A without cap: the request as asked, over 500 000 so the CFO",
        check("3000000", 30, report(score=80)),
        ("approve", "A", "A", "3000000", 30, False, "cfo", ["base_class"]),
    ),
    (
        "A: terms above 30 shortened, the limit stays",
        check("100000", 45, report(score=71)),
        ("approve_reduced", "A", "A", "100000", 30, False, "credit_manager", ["base_class", "terms_shortened"]),
    ),
    (
        "B under its cap",
        check("1000000", 30, report(score=60)),
        ("approve", "B", "B", "1000000", 30, False, "cfo", ["base_class"]),
    ),
    (
        "C: 800 000 / 45 days cut to the class's 500 000 / 20 days",
        check("800000", 45, report(score=40)),
        (
            "approve_reduced",
            "C",
            "C",
            "500000",
            20,
            False,
            "credit_manager",
            ["base_class", "limit_lowered", "terms_shortened"],
        ),
    ),
    (
        "C exactly at its cap and terms (boundary): approved as asked",
        check("500000", 20, report(uc_class=3)),
        ("approve", "C", "C", "500000", 20, False, "credit_manager", ["base_class"]),
    ),
    (
        "D within its terms: approved, insurance required",
        check("50000", 14, report(score=25)),
        ("approve", "D", "D", "50000", 14, True, "credit_manager", ["base_class", "insurance_required"]),
    ),
    (
        "D above its terms: 150 000 / 30 cut to 100 000 / 14, insurance required",
        check("150000", 30, report(score=21)),
        (
            "approve_reduced",
            "D",
            "D",
            "100000",
            14,
            True,
            "credit_manager",
            ["base_class", "limit_lowered", "terms_shortened", "insurance_required"],
        ),
    ),
    (
        "E without remarks: prepayment only",
        check("10000", 30, report(score=20)),
        ("prepayment_only", "E", "E", "0", 0, False, None, ["base_class", "prepayment"]),
    ),
    (
        "B with one remark moves to C: cut to 500 000 / 20",
        check("800000", 45, report(score=55, remarks_count=1, remarks_amount=D("12000"))),
        (
            "approve_reduced",
            "C",
            "B",
            "500000",
            20,
            False,
            "credit_manager",
            ["base_class", "payment_remarks", "limit_lowered", "terms_shortened"],
        ),
    ),
    (
        "three remarks: declined whatever the class (A + 2 = C)",
        check("100000", 30, report(score=90, remarks_count=3, remarks_amount=D("5000"))),
        ("decline", "C", "A", "0", 0, False, None, ["base_class", "payment_remarks", "many_remarks"]),
    ),
    (
        "D with one remark is E with a remark: declined",
        check("100000", 14, report(score=25, remarks_count=1)),
        ("decline", "E", "D", "0", 0, False, None, ["base_class", "payment_remarks", "class_e_remarks"]),
    ),
    (
        "no report: unrated C, new and unrated +1 = D",
        check("80000", 10, None),
        ("approve", "D", "C", "80000", 10, True, "credit_manager", ["unrated", "new_unrated", "insurance_required"]),
    ),
    (
        "a report without score or known rating: unrated C, no new_unrated notch (a report exists)",
        check("500000", 20, report(rating="ZZ")),
        ("approve", "C", "C", "500000", 20, False, "credit_manager", ["unrated_report"]),
    ),
    (
        "D&B rating AN maps to C",
        check("500000.01", 20, report(rating="AN")),
        ("approve_reduced", "C", "C", "500000", 20, False, "credit_manager", ["base_class", "limit_lowered"]),
    ),
    (
        "500 000.01 in class A needs the CFO",
        check("500000.01", 30, report(score=75)),
        ("approve", "A", "A", "500000.01", 30, False, "cfo", ["base_class"]),
    ),
    (
        "nothing requested: approved, nothing to approve",
        check("0", 0, report(score=80)),
        ("approve", "A", "A", "0", 0, False, None, ["base_class"]),
    ),
    (
        # 500 000 NOK / 11.5 = 43 478.2608… -> 43 478.26 EUR (down); x 11.5 = 499 999.99 NOK <= 500 000
        "EUR at 11.5: C's cap of 500 000 NOK is 43 478.26 EUR",
        check("50000", 20, report(score=40), fx_rate=D("11.5")),
        ("approve_reduced", "C", "C", "43478.26", 20, False, "credit_manager", ["base_class", "limit_lowered"]),
    ),
    (
        # 50 000 EUR x 11.5 = 575 000 NOK: above the credit manager's 500 000
        "EUR at 11.5: 50 000 EUR in class A needs the CFO",
        check("50000", 30, report(score=80), fx_rate=D("11.5")),
        ("approve", "A", "A", "50000", 30, False, "cfo", ["base_class"]),
    ),
]


@pytest.mark.parametrize(("name", "i", "expected"), CASES, ids=[c[0] for c in CASES])
def test_decision_paths(name, i, expected):
    d = decide(i, POLICY)
    decision, cls, base, limit, days, insurance, approver, codes = expected
    assert (d.decision, d.risk_class, d.base_class) == (decision, cls, base)
    assert d.granted_limit == D(limit)
    assert d.granted_terms_days == days
    assert d.insurance_required is insurance
    assert d.approver_role == approver
    assert [r.code for r in d.reasons] == codes


def test_reason_texts_and_params_of_a_reduced_approval():
    d = decide(check("800000", 45, report(score=40)), POLICY)
    texts = {r.code: r.text for r in d.reasons}
    assert texts["base_class"] == "the bureau's view (moderate risk) maps to class C"
    assert texts["limit_lowered"] == "limit lowered from 800 000 to 500 000, the maximum for class C"
    assert texts["terms_shortened"] == "terms shortened from 45 to 20 days, the standard for class C"
    params = {r.code: r.params for r in d.reasons}
    assert params["limit_lowered"] == {"requested": D("800000"), "granted": D("500000"), "class": "C"}
    assert params["terms_shortened"] == {"requested": 45, "granted": 20, "class": "C"}


def test_contributions_become_reasons_with_their_notches():
    d = decide(check("1000", 14, None), POLICY)
    new = next(r for r in d.reasons if r.code == "new_unrated")
    assert new.params == {"months": 0, "notches": 1}
    assert new.text == "customer for 0 months and no credit report"
    insurance = next(r for r in d.reasons if r.code == "insurance_required")
    assert insurance.text == "credit insurance required for class D"
    declined = decide(check("1000", 14, report(score=90, remarks_count=4)), POLICY)
    assert declined.reasons[-1].text == "4 payment remarks: the policy declines at 3 or more"
    assert declined.reasons[-1].params == {"count": 4, "threshold": 3}


def test_the_policy_drives_the_rules():
    # the decline threshold is the policy's many_remarks: at 5, three remarks weigh one notch (A -> B) and pass
    lenient = Policy(risk_rules=RiskRules(many_remarks=5))
    d = decide(check("100000", 30, report(score=90, remarks_count=3)), lenient)
    assert (d.decision, d.risk_class, d.granted_limit) == ("approve", "B", D("100000"))
    # at 0 (as in domain.risk: any remark is "many") one remark declines, and a clean report still passes
    strict = Policy(risk_rules=RiskRules(many_remarks=0))
    assert decide(check("100000", 30, report(score=90, remarks_count=1)), strict).decision == "decline"
    assert decide(check("100000", 30, report(score=90)), strict).decision == "approve"
    # a matrix whose top level has a cap: a larger limit names no approver and says why
    capped = Policy(approval_matrix=(ApprovalLevel("credit_manager", D("100000")),))
    d = decide(check("300000", 30, report(score=80)), capped)
    assert d.approver_role is None
    assert d.reasons[-1].code == "above_matrix"
    assert d.reasons[-1].params == {"amount": D("300000")}


def test_org_number_and_name_are_cleaned():
    i = validate(check("1", 1, None, org_number=" 988 077 917 ", name="  Ny   Kunde AS "))
    assert (i.org_number, i.name) == ("988077917", "Ny Kunde AS")
    assert validate(check("1", 1, None, country="SE", org_number="556036-0793")).org_number == "5560360793"
    assert validate(check("1", 1, None, country="FI", org_number="2077474-0")).org_number == "20774740"
    assert validate(check("1", 1, None, country="DK", org_number="13585628")).org_number == "13585628"


@pytest.mark.parametrize(
    ("i", "code"),
    [
        (check("1000", 30, None, org_number="988077918"), "org_number"),  # wrong check digit
        (check("1000", 30, None, country="SE", org_number=ORG), "org_number"),  # a Norwegian number is not Swedish
        (check("1000", 30, None, country="US"), "org_number"),
        (check("1000", 30, None, name="   "), "name"),
        (check("1000", 30, None, name="x" * 201), "name_too_long"),
        (check("-1", 30, None), "negative_limit"),
        (check("100.001", 30, None), "limit_decimals"),
        (check("500000000.01", 30, None), "limit_too_large"),
        (check("1000", -1, None), "negative_terms"),
        (check("1000", 366, None), "terms_too_long"),
        (check("1000", 30, BureauView(date(2026, 10, 31), "Creditsafe", score=50)), "report_after"),
        (check("1000", 30, report(score=101)), "score"),
        (check("1000", 30, report(score=-1)), "score"),
        (check("1000", 30, report(uc_class=6)), "uc_class"),
        (check("1000", 30, report(score=50, remarks_count=-1)), "remarks"),
        (check("1000", 30, BureauView(date(2026, 10, 1), " ", score=50)), "source"),
        (check("1000", 30, None, fx_rate=D(0)), "fx_rate"),
    ],
)
def test_invalid_input_is_refused_with_its_code(i, code):
    with pytest.raises(CreditCheckError) as exc:
        decide(i, POLICY)
    assert exc.value.code == code


def test_error_messages_say_what_is_wrong():
    with pytest.raises(CreditCheckError, match="'988077918' is not a valid NO organisation number"):
        decide(check("1000", 30, None, org_number="988077918"), POLICY)
    with pytest.raises(CreditCheckError, match="dated 2026-10-31, after the check's date 2026-10-30"):
        decide(check("1000", 30, BureauView(date(2026, 10, 31), "Creditsafe", score=50)), POLICY)
    with pytest.raises(CreditCheckError, match="between 0 and 100, not 101"):
        decide(check("1000", 30, report(score=101)), POLICY)


def test_a_report_dated_on_the_check_day_is_accepted():
    d = decide(check("1000", 30, BureauView(AS_OF, "Creditsafe", score=80)), POLICY)
    assert d.decision == "approve"


@pytest.mark.parametrize(("value", "text"), [(D("800000"), "800 000"), (D("1234.5"), "1 234.50"), (D("0"), "0")])
def test_amount_text(value, text):
    assert amount_text(value) == text


# --- the worked example of docs/metrics.md ----------------------------------------------------------

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def doc_example() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"^## .*Credit check decision\s*$", text, re.MULTILINE)
    assert m, "docs/metrics.md has no section 'Credit check decision'"
    block = re.search(r"^```text\n(.*?)^```", text[m.end() :], re.MULTILINE | re.DOTALL)
    assert block, "the section has no worked example"
    out = {}
    for line in block.group(1).splitlines():
        if line.strip():
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def test_worked_example_in_docs_metrics():
    ex = doc_example()
    rep = report(score=int(ex["score"]), remarks_count=int(ex["remarks"]), remarks_amount=D(ex["remarks amount"]))
    i = CreditCheckInput(
        as_of=date.fromisoformat(ex["as of"]),
        org_number=ex["org number"],
        country=ex["country"],
        name=ex["name"],
        requested_limit=D(ex["requested limit"]),
        requested_terms_days=int(ex["requested terms"]),
        report=rep,
    )
    d = decide(i, Policy())
    assert d.base_class == ex["expect base class"]
    assert d.risk_class == ex["expect class"]
    assert d.decision == ex["expect decision"]
    assert d.granted_limit == D(ex["expect granted limit"])
    assert d.granted_terms_days == int(ex["expect granted terms"])
    assert d.approver_role == ex["expect approver"]
    assert [r.text for r in d.reasons] == [t.strip() for t in ex["expect reasons"].split("|")]
