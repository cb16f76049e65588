"""Explainable risk classes A–E: the bureau's view first, what only our ledger shows on top.

Every threshold, weight and mapping here is policy data (defaults below, editable per policy version). The
bureau's own score or rating is kept as the bureau gave it; our class starts from the class the policy maps it
to and moves by contributions that each carry a code and numbers, so any language can say why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

CLASSES = ("A", "B", "C", "D", "E")


@dataclass(frozen=True)
class ScoreBand:
    """Bureau score band (0–100 scale, higher is better): lower bound inclusive, our base class, bureau's label."""

    lower: int
    risk_class: str
    label: str


@dataclass(frozen=True)
class BureauMapping:
    """How each bureau's output maps to our base class. Sources: shared/reference/domain_rules.md §6."""

    score_bands: tuple[ScoreBand, ...] = (
        ScoreBand(71, "A", "very low risk"),
        ScoreBand(51, "B", "low risk"),
        ScoreBand(30, "C", "moderate risk"),
        ScoreBand(21, "D", "high risk"),
        ScoreBand(0, "E", "very high risk"),
    )
    score_source: str = "Creditsafe 0–100 bands (help.creditsafe.com, domain_rules.md §6.3)"
    ratings: tuple[tuple[str, str], ...] = (("AAA", "A"), ("AA", "A"), ("A", "B"), ("AN", "C"), ("B", "D"), ("C", "E"))
    ratings_source: str = "D&B Nordic AAA–C rating model (domain_rules.md §6.1); the mapping to A–E is ours"
    uc_classes: tuple[tuple[int, str], ...] = ((5, "A"), (4, "B"), (3, "C"), (2, "D"), (1, "E"))
    uc_source: str = "UC riskklass 1–5 (uc.se, domain_rules.md §6.2)"
    unrated_class: str = "C"  # no report, or a rating the table does not know

    def __post_init__(self) -> None:
        lowers = [b.lower for b in self.score_bands]
        if not self.score_bands or lowers != sorted(lowers, reverse=True) or lowers[-1] != 0:
            raise ValueError("score bands must run from the highest lower bound down to 0")
        for cls in (
            [b.risk_class for b in self.score_bands]
            + [c for _, c in self.ratings]
            + [c for _, c in self.uc_classes]
            + [self.unrated_class]
        ):
            if cls not in CLASSES:
                raise ValueError(f"'{cls}' is not a risk class ({', '.join(CLASSES)})")

    def band(self, score: int) -> ScoreBand:
        for b in self.score_bands:
            if score >= b.lower:
                return b
        return self.score_bands[-1]


@dataclass(frozen=True)
class BureauView:
    """The latest bureau report as the bureau gave it."""

    report_date: date
    source: str
    score: int | None = None  # 0–100
    rating: str | None = None  # AAA … C
    uc_class: int | None = None  # 1–5
    pd_percent: Decimal | None = None  # the bureau's own 12-month PD (UC riskprognos), when given
    remarks_count: int = 0
    remarks_amount: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class RiskRules:
    """Weights (notches towards E) and thresholds of the class contributions; 0 switches a rule off."""

    severe_events: tuple[str, ...] = (
        "bankruptcy",
        "bankruptcy_petition",
        "liquidation",
        "forced_dissolution",
        "debt_restructuring",
        "deleted",
    )
    severe_event_days: int = 365  # a severe register event this recent puts the customer in class E
    remark_notches: int = 1  # any payment remark on the latest report
    many_remarks: int = 3  # this many remarks or more ...
    many_remark_notches: int = 2  # ... weigh this much instead
    role_events: tuple[str, ...] = ("role_change",)
    role_change_days: int = 90
    role_change_notches: int = 1
    weak_payment_index: int = 60  # payment index below this
    weak_payment_notches: int = 1
    deteriorating_notches: int = 1
    high_overdue_share: Decimal = Decimal(50)  # percent of the balance past due
    high_overdue_notches: int = 1
    over_limit_notches: int = 1
    new_customer_months: int = 12
    new_customer_notches: int = 1  # only when no bureau report backs a new relationship
    good_payment_index: int = 90  # long, clean relationships earn one notch back ...
    good_relationship_months: int = 24
    good_payer_notches: int = 1  # ... at most this many, never better than the bureau's class minus this

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            if isinstance(value, int) and value < 0:
                raise ValueError(f"risk rule {name} must not be negative")


@dataclass(frozen=True)
class RiskInputs:
    as_of: date
    bureau: BureauView | None
    events: tuple[tuple[date, str, str | None], ...] = ()  # (date, type, text) from the registers
    payment_index: Decimal | None = None
    deteriorating: bool = False
    days_late_before: float | None = None  # the payment trend's medians, for the explanation
    days_late_now: float | None = None
    overdue_share: Decimal | None = None  # percent
    limit_utilisation: Decimal | None = None  # percent
    customer_since: date | None = None


@dataclass(frozen=True)
class Contribution:
    """One reason the class moved: `notches` towards E (negative: towards A), a code and its numbers."""

    code: str
    notches: int
    params: dict = field(default_factory=dict)
    text: str = ""  # English, for the CLI and logs; the UI words it from code and params


@dataclass(frozen=True)
class RiskAssessment:
    as_of: date
    risk_class: str
    base_class: str  # what the bureau's view maps to
    bureau: BureauView | None
    bureau_band: str | None
    contributions: tuple[Contribution, ...]
    pd_percent: Decimal
    pd_source: str  # "bureau" or "policy"


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def base_class(bureau: BureauView | None, mapping: BureauMapping) -> tuple[str, str | None]:
    """The class the bureau's own view maps to, and the bureau's band or rating in its words."""
    if bureau is None:
        return mapping.unrated_class, None
    if bureau.uc_class is not None:
        cls = dict(mapping.uc_classes).get(bureau.uc_class)
        if cls:
            return cls, f"UC {bureau.uc_class}"
    if bureau.score is not None:
        band = mapping.band(bureau.score)
        return band.risk_class, band.label
    if bureau.rating:
        cls = dict(mapping.ratings).get(bureau.rating.upper())
        if cls:
            return cls, bureau.rating.upper()
    return mapping.unrated_class, bureau.rating


def shift(cls: str, notches: int) -> str:
    return CLASSES[min(len(CLASSES) - 1, max(0, CLASSES.index(cls) + notches))]


def contributions(i: RiskInputs, rules: RiskRules) -> list[Contribution]:
    """Every rule that fires for these inputs, in a fixed order."""
    out: list[Contribution] = []
    for day, kind, _text in sorted(i.events, key=lambda e: e[0], reverse=True):
        if day > i.as_of:
            continue
        age = (i.as_of - day).days
        if kind in rules.severe_events and age <= rules.severe_event_days:
            out.append(
                Contribution(
                    "severe_event",
                    len(CLASSES),
                    {"event": kind, "date": day},
                    f"{kind.replace('_', ' ')} registered {day.isoformat()}",
                )
            )
            break
    if i.bureau is not None and i.bureau.remarks_count > 0:
        many = i.bureau.remarks_count >= rules.many_remarks
        n = rules.many_remark_notches if many else rules.remark_notches
        if n:
            out.append(
                Contribution(
                    "payment_remarks",
                    n,
                    {"count": i.bureau.remarks_count, "amount": i.bureau.remarks_amount},
                    f"{i.bureau.remarks_count} payment remark(s) on the latest report",
                )
            )
    if rules.role_change_notches:
        recent = [
            (d, k)
            for d, k, _ in i.events
            if k in rules.role_events and 0 <= (i.as_of - d).days <= rules.role_change_days
        ]
        if recent:
            d = max(recent)[0]
            out.append(
                Contribution(
                    "role_change",
                    rules.role_change_notches,
                    {"date": d},
                    f"change of CEO or chair registered {d.isoformat()}",
                )
            )
    if rules.weak_payment_notches and i.payment_index is not None and i.payment_index < rules.weak_payment_index:
        out.append(
            Contribution(
                "weak_payment_index",
                rules.weak_payment_notches,
                {"index": i.payment_index},
                f"payment index {i.payment_index:.0f}",
            )
        )
    if rules.deteriorating_notches and i.deteriorating:
        out.append(
            Contribution(
                "deteriorating",
                rules.deteriorating_notches,
                {"before": i.days_late_before, "now": i.days_late_now},
                f"pays later than before: median {i.days_late_before:g} -> {i.days_late_now:g} days late"
                if i.days_late_before is not None and i.days_late_now is not None
                else "pays later than before",
            )
        )
    if rules.high_overdue_notches and i.overdue_share is not None and i.overdue_share > rules.high_overdue_share:
        out.append(
            Contribution(
                "high_overdue",
                rules.high_overdue_notches,
                {"share": i.overdue_share},
                f"{i.overdue_share:.0f} % of the balance is past due",
            )
        )
    if rules.over_limit_notches and i.limit_utilisation is not None and i.limit_utilisation > 100:
        out.append(
            Contribution(
                "over_limit",
                rules.over_limit_notches,
                {"utilisation": i.limit_utilisation},
                f"credit limit {i.limit_utilisation:.0f} % used",
            )
        )
    months = None if i.customer_since is None else _months_between(i.customer_since, i.as_of)
    if rules.new_customer_notches and i.bureau is None and months is not None and months < rules.new_customer_months:
        out.append(
            Contribution(
                "new_unrated",
                rules.new_customer_notches,
                {"months": months},
                f"customer for {months} months and no credit report",
            )
        )
    negatives = any(c.notches > 0 for c in out)
    if (
        rules.good_payer_notches
        and not negatives
        and months is not None
        and months >= rules.good_relationship_months
        and i.payment_index is not None
        and i.payment_index >= rules.good_payment_index
    ):
        out.append(
            Contribution(
                "good_payer",
                -rules.good_payer_notches,
                {"months": months, "index": i.payment_index},
                f"customer for {months} months, payment index {i.payment_index:.0f}",
            )
        )
    return out


@dataclass(frozen=True)
class ClassTerms:
    """What a risk class means in the policy: standard terms and limits, and its assumed default probability."""

    risk_class: str
    payment_terms_days: int
    max_credit_limit: Decimal | None  # base currency; None = no cap
    review_months: int
    prepayment_required: bool
    insurance_required: bool
    pd_percent: Decimal  # 12-month probability of default assumed for the class when the bureau gives none

    def __post_init__(self) -> None:
        if self.risk_class not in CLASSES:
            raise ValueError(f"'{self.risk_class}' is not a risk class")
        if self.payment_terms_days < 0 or self.review_months <= 0:
            raise ValueError(f"class {self.risk_class}: terms must be >= 0 days and reviews at least monthly")
        if not Decimal(0) <= self.pd_percent <= Decimal(100):
            raise ValueError(f"class {self.risk_class}: PD must be a percentage between 0 and 100")


DEFAULT_CLASS_TERMS: tuple[ClassTerms, ...] = (
    # PD per class: an assumption in the spirit of UC's bands (domain_rules.md §6.2), editable per policy
    ClassTerms("A", 30, None, 24, False, False, Decimal("0.25")),
    ClassTerms("B", 30, Decimal("2000000"), 12, False, False, Decimal("0.75")),
    ClassTerms("C", 20, Decimal("500000"), 12, False, False, Decimal("3.00")),
    ClassTerms("D", 14, Decimal("100000"), 6, False, True, Decimal("8.00")),
    ClassTerms("E", 0, Decimal("0"), 3, True, False, Decimal("25.00")),
)
CLASS_PD_SOURCE = (
    "assumed per class in the spirit of UC riskprognos bands (domain_rules.md §6.2) [U]; calibrate on own history"
)


def assess(i: RiskInputs, mapping: BureauMapping, rules: RiskRules, terms: tuple[ClassTerms, ...]) -> RiskAssessment:
    """Our class as of a date with every contribution, and the PD used for expected loss."""
    base, band = base_class(i.bureau, mapping)
    parts = contributions(i, rules)
    if any(c.code == "severe_event" for c in parts):
        cls = CLASSES[-1]
    else:
        cls = shift(base, sum(c.notches for c in parts))
    if i.bureau is not None and i.bureau.pd_percent is not None:
        pd, pd_source = i.bureau.pd_percent, "bureau"
    else:
        pd, pd_source = {t.risk_class: t.pd_percent for t in terms}[cls], "policy"
    return RiskAssessment(i.as_of, cls, base, i.bureau, band, tuple(parts), pd, pd_source)


def expected_loss(
    pd_percent: Decimal,
    lgd_percent: Decimal,
    exposure: Decimal,
    insured_limit: Decimal | None,
    insured_share_percent: Decimal,
) -> Decimal:
    """Risk-model expected loss = PD x LGD x uninsured exposure; the insurer covers its share of the exposure up
    to the insured limit. Not the IFRS 9 ECL (that is the provision matrix of the reports)."""
    return pd_percent / 100 * lgd_percent / 100 * uninsured(exposure, insured_limit, insured_share_percent)


def uninsured(exposure: Decimal, insured_limit: Decimal | None, insured_share_percent: Decimal | None) -> Decimal:
    """The part of a (non-negative) exposure the credit insurer does not cover: it pays its share of the
    exposure up to the insured limit."""
    exposure = max(exposure, Decimal(0))
    insured = min(exposure, insured_limit or Decimal(0)) * (insured_share_percent or Decimal(0)) / 100
    return exposure - insured


def review_due(decided: date, months: int) -> date:
    """The date `months` after a decision; the month's last day when that day does not exist (31 Jan + 1 -> 28 Feb)."""
    y, m = decided.year + (decided.month - 1 + months) // 12, (decided.month - 1 + months) % 12 + 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(decided.day, last))


@dataclass(frozen=True)
class ClassSummary:
    """One risk class of the portfolio: how many customers, their exposure by aging bucket and in total, the
    part no insurer covers and the risk-model expected loss (each the sum of its customers' rounded figures)."""

    risk_class: str
    customers: int
    amounts: tuple[Decimal, ...]
    exposure: Decimal
    uninsured: Decimal
    expected_loss: Decimal


def summarise_by_class(
    rows: list[tuple[str, tuple[Decimal, ...], Decimal, Decimal, Decimal]], n_buckets: int
) -> tuple[ClassSummary, ...]:
    """(class, amounts by bucket, exposure, uninsured, expected loss) per customer -> one row per class A–E."""
    zero = Decimal("0.00")
    acc = {c: [0, [zero] * n_buckets, zero, zero, zero] for c in CLASSES}
    for cls, amounts, exposure, unins, el in rows:
        a = acc[cls]
        a[0] += 1
        a[1] = [x + y for x, y in zip(a[1], amounts, strict=True)]
        a[2] += exposure
        a[3] += unins
        a[4] += el
    return tuple(ClassSummary(c, a[0], tuple(a[1]), a[2], a[3], a[4]) for c, a in acc.items())
