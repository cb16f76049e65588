"""The customer credit memo as prepared data: everything the credit committee's PDF prints about one customer,
nothing it computes. `data_access.memo.credit_memo` fills it from the existing read models and
`reports.credit_memo` renders it.

Amounts are Decimal; a field says which currency (the base currency unless it says the customer's or a
document's). Percents are Decimal percents (85 = 85 %). Results the risk model returns as codes (class
contributions, payment trend, alert types, recommendations) stay codes here and are worded by the report in
the reader's language. Every tuple is ordered as the report prints it, so a memo is hashable and renders to the
same bytes every time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

BUREAU_REPORTS = 6  # the latest credit reports a memo shows
ACTIVITIES = 10  # the newest activity-log entries a memo shows
BEHAVIOUR_YEARS = 2  # paid invoices of the last 24 months make the payment-behaviour chart


@dataclass(frozen=True)
class GroupMember:
    """One company of the customer's corporate group (the customer itself included, `is_customer`)."""

    ref: str
    name: str
    balance: Decimal  # base currency, as of the memo's date
    credit_limit: Decimal | None  # base currency at the as-of closing rate
    risk_class: str
    is_parent: bool
    is_customer: bool


@dataclass(frozen=True)
class MemoCustomer:
    """Who the customer is and the terms it has with us now."""

    id: int
    ref: str
    name: str
    org_number: str | None
    country: str | None
    segment: str | None
    industry_code: str | None
    currency: str  # the customer's invoice currency
    payment_terms_days: int
    status: str  # active | credit_hold | prepayment_only
    group_ref: str | None = None  # the corporate group's top-most parent (None when stand-alone)
    group_name: str | None = None
    group_members: tuple[GroupMember, ...] = ()  # by reference; empty when stand-alone
    group_balance: Decimal | None = None  # base currency, the sum the customer page shows
    group_limit: Decimal | None = None  # base currency, kept on the parent

    @property
    def in_group(self) -> bool:
        return self.group_ref is not None


@dataclass(frozen=True)
class MemoExposure:
    """What the customer owes us as of the memo's date against what we allow and what is insured."""

    balance: Decimal  # base currency; negative when the customer is in credit
    overdue: Decimal  # base currency, past the due date
    over_90: Decimal  # base currency, more than 90 days past the due date
    credit_limit: Decimal | None  # the customer's currency
    credit_limit_base: Decimal | None  # base currency at the as-of closing rate
    utilisation: Decimal | None  # percent of the limit (base currency); None without a limit
    insured_limit: Decimal | None  # the customer's currency
    insurer: str | None
    insured_share: Decimal | None  # percent the insurer pays, up to the insured limit
    uninsured: Decimal  # base currency, the exposure no insurer covers (domain.risk.uninsured)
    unapplied_amount: Decimal  # base currency, credits not yet matched to an invoice (included in the balance)
    limit_review_on: date | None = None
    limit_expires_on: date | None = None


@dataclass(frozen=True)
class MemoAging:
    """The customer's aging by due date in the policy's buckets (labels from domain.aging.Buckets)."""

    labels: tuple[str, ...]  # "current", "1-30", ..., "121+"
    amounts: tuple[Decimal, ...]  # base currency, one per label
    total: Decimal  # base currency, the balance


@dataclass(frozen=True)
class PaidPoint:
    """One invoice closed by payment: when, how many days after its due date (negative: early), how much."""

    paid_on: date
    days_late: int
    amount: Decimal  # base currency at the close date
    invoice_number: str


@dataclass(frozen=True)
class MemoBehaviour:
    """How the customer pays: every paid invoice of the last 24 months for the chart, the amount-weighted
    figures of the last 12 months, and the policy's trend verdict as a code."""

    points: tuple[PaidPoint, ...]  # oldest first
    since: date  # the chart's window is (since, as_of]
    window_days: int  # the weighted figures read invoices paid in the last `window_days` days
    paid_invoices: int  # how many invoices those figures read
    weighted_days_late: Decimal | None  # amount-weighted, early payments count as 0
    avg_days_to_pay: Decimal | None  # amount-weighted, issue date to payment
    payment_index: Decimal | None  # the policy's scale of the weighted days beyond terms
    trend_code: str | None  # too_few | deteriorating | small_rise | steady; None: nothing paid in the window
    recent_median: float | None = None  # median days late, recent window
    baseline_median: float | None = None  # median days late, the window before it


@dataclass(frozen=True)
class MemoReport:
    """One credit report as the bureau gave it."""

    report_date: date
    source: str
    score: int | None
    rating: str | None
    remarks_count: int
    remarks_amount: Decimal  # the customer's currency


@dataclass(frozen=True)
class MemoContribution:
    """One reason the risk class moved (domain.risk.Contribution): a code, notches towards E (negative: towards
    A) and its numbers as (name, value) pairs."""

    code: str
    notches: int
    params: tuple[tuple[str, object], ...] = ()

    def value(self, name: str, default: object = None) -> object:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class MemoRisk:
    """Our risk class and the risk-model figures (domain.risk.assess, data_access.risk)."""

    risk_class: str
    base_class: str  # what the bureau's view maps to
    bureau_band: str | None  # the bureau's band or rating in its words
    bureau_source: str | None  # the report the class starts from (None: no credit report)
    bureau_date: date | None
    contributions: tuple[MemoContribution, ...]
    pd_percent: Decimal
    pd_source: str  # bureau | policy
    lgd_percent: Decimal
    expected_loss: Decimal  # base currency, PD x LGD x uninsured exposure, rounded to 0.01


@dataclass(frozen=True)
class MemoRecommendation:
    """What the policy says for the class (Policy.terms) and, when the monitor has one open, the limit it
    recommends."""

    risk_class: str
    payment_terms_days: int
    max_credit_limit: Decimal | None  # base currency; None = no cap
    review_months: int
    prepayment_required: bool
    insurance_required: bool
    recommended_limit: Decimal | None = None  # the customer's currency (an open "lower_limit" alert)


@dataclass(frozen=True)
class MemoEvent:
    event_date: date
    event_type: str  # bankruptcy, role_change, ...
    source: str
    text: str | None


@dataclass(frozen=True)
class MemoAlert:
    """An open or acknowledged alert of the monitor (current state of the inbox, not as of the memo's date)."""

    alert_type: str  # domain.alerts.TYPES
    severity: str  # high | medium | low
    raised_on: date
    since: date
    text: str  # the monitor's English message
    recommendation: str  # domain.alerts recommendation code
    status: str  # open | acknowledged


@dataclass(frozen=True)
class MemoDispute:
    invoice_number: str
    currency: str
    amount: Decimal  # the dispute's currency
    reason: str
    owner: str  # sales | delivery | finance
    opened_on: date


@dataclass(frozen=True)
class MemoPlan:
    """An active payment plan and its status as of the memo's date (domain.collections.PlanStatus)."""

    plan_id: int
    agreed_on: date
    currency: str
    invoice_numbers: tuple[str, ...]
    instalments: int
    planned: Decimal  # the plan's currency
    paid: Decimal  # payments dated from the agreement to the memo's date, the plan's currency
    kept: bool
    missed_since: date | None
    next_due_on: date | None  # the next instalment falling due (today or later); None when none is left
    next_amount: Decimal | None


@dataclass(frozen=True)
class MemoActivity:
    activity_date: date
    kind: str  # note | call | promise
    text: str | None
    promised_amount: Decimal | None  # the customer's currency
    promised_date: date | None
    author: str | None


@dataclass(frozen=True)
class CreditMemo:
    """One customer for the credit committee, as of a date."""

    company: str  # our company (the company profile)
    as_of: date
    generated_at: datetime  # also the PDF's creation date, so the same memo gives the same bytes
    base_currency: str
    policy_version: int | None  # None while the built-in defaults apply
    customer: MemoCustomer
    exposure: MemoExposure
    aging: MemoAging
    behaviour: MemoBehaviour
    reports: tuple[MemoReport, ...]  # newest first, at most BUREAU_REPORTS
    reports_total: int  # how many reports exist up to the memo's date
    risk: MemoRisk
    recommendation: MemoRecommendation
    events: tuple[MemoEvent, ...] = ()  # newest first
    alerts: tuple[MemoAlert, ...] = ()  # most severe first
    disputes: tuple[MemoDispute, ...] = ()  # open ones, newest first
    plans: tuple[MemoPlan, ...] = ()  # active ones
    activities: tuple[MemoActivity, ...] = ()  # newest first, at most ACTIVITIES
