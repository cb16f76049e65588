"""The new-customer credit check: a requested limit and terms, the latest credit report and the policy's decision.

The decision, in this order (every number comes from the active policy):

1. **Class.** ``domain.risk.assess`` with ``RiskInputs(as_of, bureau=report, customer_since=as_of)``: the
   bureau's view maps to a base class and the contributions move it (a new company without a report gets the
   policy's unrated class plus the ``new_unrated`` contribution). Every contribution is a reason.
2. **Decline** when the report shows ``risk_rules.many_remarks`` payment remarks or more (and at least one: as in
   ``domain.risk``, a threshold of 0 makes any remark "many"), or when the class is E and the report has any
   remark. Nothing is granted.
3. **Prepayment only** when the class's terms say ``prepayment_required``: limit 0, terms 0 days.
4. Otherwise the granted limit is min(requested, the class's ``max_credit_limit`` when it has one) and the
   granted terms min(requested, the class's ``payment_terms_days``). **Approve** when both equal the request,
   else **approve_reduced** with one reason per cut. A class whose terms say ``insurance_required`` adds the
   reason ``insurance_required``.
5. The approver is the lowest level of the approval matrix that may grant the limit (compared in the base
   currency); none when nothing is granted.

Amounts are in the currency of the request; ``fx_rate`` (base-currency units per unit, 1 for the base
currency) converts the class cap into that currency, rounded down to the cent so that the cap is never
exceeded, and the granted limit into the base currency for the approval matrix (0.01 half-up, as
``domain.money.convert``). Worked example: docs/metrics.md, "Credit check decision".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_DOWN, Decimal

from domain.approvals import required_level
from domain.identifiers import OrgNumberError, normalise_org_number
from domain.money import convert
from domain.policy import Policy
from domain.risk import BureauMapping, BureauView, RiskAssessment, RiskInputs, assess

DECISIONS = ("approve", "approve_reduced", "prepayment_only", "decline")
MAX_LIMIT = Decimal("500000000.00")  # the largest amount the ledger stores per document (domain.canonical)
MAX_TERMS_DAYS = 365  # as domain.credit_terms.validate_terms
MAX_NAME = 200  # customers.name


class CreditCheckError(ValueError):
    """A credit check that cannot be decided as entered; `code` and `params` let the UI say it in any language."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass(frozen=True)
class CreditCheckInput:
    as_of: date
    org_number: str
    country: str
    name: str
    requested_limit: Decimal  # in the currency of the request
    requested_terms_days: int
    report: BureauView | None
    fx_rate: Decimal = Decimal(1)  # base-currency units per unit of the request's currency


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)
    text: str = ""  # English, for the CLI and the stored record; the page words it from code and params


@dataclass(frozen=True)
class CreditDecision:
    decision: str  # approve | approve_reduced | prepayment_only | decline
    risk_class: str
    base_class: str
    granted_limit: Decimal  # currency of the request
    granted_terms_days: int
    insurance_required: bool
    reasons: tuple[Reason, ...]
    approver_role: str | None  # the role the approval matrix requires for granted_limit; None when nothing granted

    @property
    def grants_credit(self) -> bool:
        return self.granted_limit > 0


def amount_text(value: Decimal) -> str:
    """800000 -> '800 000', 1234.5 -> '1 234.50' (the English reason texts; the page formats per language)."""
    whole = value == value.to_integral_value()
    return (f"{value:,.0f}" if whole else f"{value:,.2f}").replace(",", " ")


def validate(i: CreditCheckInput) -> CreditCheckInput:
    """The cleaned input (org number in its compact form, name trimmed), or CreditCheckError saying what is wrong."""
    try:
        org = normalise_org_number(i.country, i.org_number.strip())
    except OrgNumberError as exc:
        raise CreditCheckError("org_number", str(exc), org_number=i.org_number.strip(), country=i.country) from exc
    name = " ".join(i.name.split())
    if not name:
        raise CreditCheckError("name", "the company's name is needed")
    if len(name) > MAX_NAME:
        raise CreditCheckError("name_too_long", f"the name is longer than {MAX_NAME} characters", limit=MAX_NAME)
    limit = Decimal(i.requested_limit)
    if not limit.is_finite() or limit < 0:
        raise CreditCheckError("negative_limit", "the requested limit cannot be negative", amount=limit)
    if limit != limit.quantize(Decimal("0.01")):
        raise CreditCheckError("limit_decimals", "the requested limit has more than 2 decimals", amount=limit)
    if limit > MAX_LIMIT:
        raise CreditCheckError(
            "limit_too_large", f"the requested limit exceeds {amount_text(MAX_LIMIT)}", limit=MAX_LIMIT
        )
    if i.requested_terms_days < 0:
        raise CreditCheckError("negative_terms", "payment terms cannot be negative", days=i.requested_terms_days)
    if i.requested_terms_days > MAX_TERMS_DAYS:
        raise CreditCheckError(
            "terms_too_long", f"payment terms cannot exceed {MAX_TERMS_DAYS} days", limit=MAX_TERMS_DAYS
        )
    if not Decimal(i.fx_rate).is_finite() or i.fx_rate <= 0:
        raise CreditCheckError("fx_rate", "the exchange rate must be positive", rate=i.fx_rate)
    r = i.report
    if r is not None:
        if r.report_date > i.as_of:
            raise CreditCheckError(
                "report_after",
                f"the report is dated {r.report_date.isoformat()}, after the check's date {i.as_of.isoformat()}",
                report_date=r.report_date,
                as_of=i.as_of,
            )
        if r.score is not None and not 0 <= r.score <= 100:
            raise CreditCheckError("score", f"a score must be between 0 and 100, not {r.score}", score=r.score)
        if r.uc_class is not None and not 1 <= r.uc_class <= 5:
            raise CreditCheckError(
                "uc_class", f"a UC risk class must be between 1 and 5, not {r.uc_class}", uc_class=r.uc_class
            )
        if r.remarks_count < 0 or r.remarks_amount < 0:
            raise CreditCheckError("remarks", "payment remarks cannot be negative")
        if r.pd_percent is not None and not Decimal(0) <= r.pd_percent <= Decimal(100):
            raise CreditCheckError("pd", "a PD must be a percentage between 0 and 100", pd=r.pd_percent)
        if not r.source.strip():
            raise CreditCheckError("source", "a credit report needs its source (the bureau)")
    return replace(i, org_number=org, name=name, requested_limit=limit)


def _base_reason(assessment: RiskAssessment, mapping: BureauMapping) -> Reason:
    cls, band, b = assessment.base_class, assessment.bureau_band, assessment.bureau
    if b is None:
        return Reason("unrated", {"class": cls}, f"no credit report: class {cls}, the policy's class without a rating")
    known = (
        b.uc_class in dict(mapping.uc_classes)
        or b.score is not None
        or (b.rating or "").upper() in dict(mapping.ratings)
    )
    if not known:  # domain.risk.base_class fell back to the unrated class
        return Reason(
            "unrated_report",
            {"class": cls, "source": b.source, "rating": b.rating},
            f"the report gives no score or known rating: class {cls}, the policy's class without a rating",
        )
    params = {"class": cls, "band": band, "score": b.score, "source": b.source}
    return Reason("base_class", params, f"the bureau's view ({band}) maps to class {cls}")


def _cap_in_currency(cap: Decimal, rate: Decimal) -> Decimal:
    return cap if rate == 1 else (cap / rate).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def decide(i: CreditCheckInput, policy: Policy) -> CreditDecision:
    """The policy's decision on a credit check, with every reason (see the module docstring for the rules)."""
    i = validate(i)
    assessment = assess(
        RiskInputs(i.as_of, bureau=i.report, customer_since=i.as_of),
        policy.bureau,
        policy.risk_rules,
        policy.risk_classes,
    )
    cls = assessment.risk_class
    terms = policy.terms(cls)
    reasons = [_base_reason(assessment, policy.bureau)]
    reasons += [Reason(c.code, {**c.params, "notches": c.notches}, c.text) for c in assessment.contributions]

    def nothing(decision: str) -> CreditDecision:
        return CreditDecision(decision, cls, assessment.base_class, Decimal(0), 0, False, tuple(reasons), None)

    remarks = 0 if i.report is None else i.report.remarks_count
    many = max(policy.risk_rules.many_remarks, 1)
    if remarks >= many:
        reasons.append(
            Reason(
                "many_remarks",
                {"count": remarks, "threshold": many},
                f"{remarks} payment remarks: the policy declines at {many} or more",
            )
        )
        return nothing("decline")
    if cls == "E" and remarks > 0:
        reasons.append(
            Reason("class_e_remarks", {"count": remarks}, f"class E with {remarks} payment remark(s): declined")
        )
        return nothing("decline")
    if terms.prepayment_required:
        reasons.append(Reason("prepayment", {"class": cls}, f"class {cls} trades on prepayment only"))
        return nothing("prepayment_only")

    granted = i.requested_limit
    if terms.max_credit_limit is not None:
        cap = _cap_in_currency(terms.max_credit_limit, i.fx_rate)
        if cap < granted:
            granted = cap
            reasons.append(
                Reason(
                    "limit_lowered",
                    {"requested": i.requested_limit, "granted": granted, "class": cls},
                    f"limit lowered from {amount_text(i.requested_limit)} to {amount_text(granted)}, "
                    f"the maximum for class {cls}",
                )
            )
    days = min(i.requested_terms_days, terms.payment_terms_days)
    if days < i.requested_terms_days:
        reasons.append(
            Reason(
                "terms_shortened",
                {"requested": i.requested_terms_days, "granted": days, "class": cls},
                f"terms shortened from {i.requested_terms_days} to {days} days, the standard for class {cls}",
            )
        )
    if terms.insurance_required:
        reasons.append(Reason("insurance_required", {"class": cls}, f"credit insurance required for class {cls}"))
    approver = None
    if granted > 0:
        base_amount = granted if i.fx_rate == 1 else convert(granted, i.fx_rate)
        level = required_level(policy.approval_matrix, base_amount)
        if level is None:
            reasons.append(
                Reason(
                    "above_matrix",
                    {"amount": base_amount},
                    f"{amount_text(base_amount)} in the base currency exceeds every level of the approval matrix",
                )
            )
        else:
            approver = level.role
    decision = "approve" if granted == i.requested_limit and days == i.requested_terms_days else "approve_reduced"
    return CreditDecision(
        decision, cls, assessment.base_class, granted, days, terms.insurance_required, tuple(reasons), approver
    )
