"""The lender and investor pack as prepared data: everything the PDF and the Excel workbook print, nothing they
compute. `data_access.close` fills it from the ledger (or reads it back from a closed period's snapshot) and
`reports.lender_pack` renders it; the snapshot is `domain.snapshot.dumps(pack)`, so a closed period's pack is
re-rendered byte for byte years later.

Amounts are base-currency Decimals rounded to 0.01; percents are Decimal percents (12.5 = 12.5 %), unrounded
where a formula produced them (round when printing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from domain.borrowing_base import Certificate
from domain.ecl import AllowanceReconciliation, EclResult, EclSettings

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Headline:
    """The executive summary's figures at one date (period end, previous month-end, a year earlier)."""

    as_of: date
    total: Decimal
    overdue_share: Decimal | None
    share_over_60: Decimal | None
    share_over_90: Decimal | None
    dso: Decimal | None  # standard DSO over the policy's KPI window (days), the base of BPDSO and ADD
    bpdso: Decimal | None
    add: Decimal | None
    cei: Decimal | None  # percent, over the policy's KPI window
    ecl: Decimal | None  # the booked allowance (matrix + individually assessed)


@dataclass(frozen=True)
class AgingTable:
    """A portfolio aging split into open invoices and unapplied credits (payments and credit notes) per bucket."""

    basis: str  # "due" | "invoice"
    labels: tuple[str, ...]
    invoices: tuple[Decimal, ...]
    credits: tuple[Decimal, ...]  # <= 0
    invoice_counts: tuple[int, ...]
    credit_counts: tuple[int, ...]

    @property
    def invoice_total(self) -> Decimal:
        return sum(self.invoices, ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum(self.credits, ZERO)

    @property
    def total(self) -> Decimal:
        return self.invoice_total + self.credit_total

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        return tuple(i + c for i, c in zip(self.invoices, self.credits, strict=True))


@dataclass(frozen=True)
class CustomerAgingLine:
    """One customer's aging by due date (credits in their own bucket) for the workbook."""

    ref: str
    name: str
    amounts: tuple[Decimal, ...]
    unapplied: Decimal

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, ZERO)


@dataclass(frozen=True)
class RollForward:
    """Opening AR + invoiced − collected − credit notes − write-offs − recoveries ± FX ± other = closing AR.

    Signs as stored: invoiced > 0; collected, credit_notes, write_offs, recoveries <= 0 (they reduce AR);
    fx_revaluation, post_close and rounding either sign."""

    first_day: date
    last_day: date
    opening: Decimal
    invoiced: Decimal
    collected: Decimal
    credit_notes: Decimal
    write_offs: Decimal
    recoveries: Decimal  # cash received on written-off invoices (held as an unapplied credit in the ledger)
    fx_revaluation: Decimal
    post_close: Decimal  # the previous closed period's closing AR as known now, minus as it was closed
    rounding: Decimal  # per-document rounding of foreign-currency flows at the closing rate
    aging_total: Decimal  # the aging's total at the last day (a separate query)
    control_total: Decimal | None = None  # the ERP's own receivables total for the last day, when imported
    control_source: str | None = None

    @property
    def closing(self) -> Decimal:
        return (
            self.opening
            + self.invoiced
            + self.collected
            + self.credit_notes
            + self.write_offs
            + self.recoveries
            + self.fx_revaluation
            + self.post_close
            + self.rounding
        )

    @property
    def difference_to_aging(self) -> Decimal:
        return self.closing - self.aging_total

    @property
    def difference_to_control(self) -> Decimal | None:
        return None if self.control_total is None else self.aging_total - self.control_total


@dataclass(frozen=True)
class ConcentrationLine:
    ref: str
    name: str
    balance: Decimal
    share: Decimal | None  # percent of total positive AR
    credit_limit: Decimal | None  # base currency; for a group the group limit or the sum of members' limits
    insured_limit: Decimal | None
    risk_class: str | None  # for a group: the worst class among its members with a balance
    members: int = 1


@dataclass(frozen=True)
class DisputeSummary:
    open_count: int
    open_amount: Decimal
    opened_count: int  # opened within the period
    opened_amount: Decimal
    resolved_count: int  # resolved within the period
    resolved_amount: Decimal
    by_outcome: tuple[tuple[str, int, Decimal], ...]  # resolved within the period: (outcome, count, amount)
    largest_open: tuple[tuple[str, str, str, Decimal, date], ...]  # (customer ref, name, invoice, amount, opened)


@dataclass(frozen=True)
class RiskSection:
    classes: tuple[str, ...]
    exposure_by_class: tuple[Decimal, ...]
    customers_by_class: tuple[int, ...]
    expected_loss_by_class: tuple[Decimal, ...]
    bucket_labels: tuple[str, ...]
    heat: tuple[tuple[Decimal, ...], ...]  # class x due-date bucket amounts
    disputes: DisputeSummary


@dataclass(frozen=True)
class TrendRow:
    as_of: date
    total: Decimal
    overdue_share: Decimal | None
    dso: Decimal | None  # countback
    cei: Decimal | None  # the month's CEI (one-month window)


@dataclass(frozen=True)
class InsuredLine:
    ref: str
    name: str
    balance: Decimal
    insured_limit: Decimal
    excess: Decimal  # balance above the insured limit


@dataclass(frozen=True)
class NotificationDue:
    ref: str
    name: str
    insurer: str
    invoice: str
    amount: Decimal
    days_past_due: int
    deadline: date  # due date + the policy's insurer_notification_days


@dataclass(frozen=True)
class InsuranceSection:
    insured_exposure: Decimal  # the part of positive balances an insurer covers (insured share applied)
    uninsured_exposure: Decimal
    notification_days: int
    above_limit: tuple[InsuredLine, ...]
    notifications: tuple[NotificationDue, ...]


@dataclass(frozen=True)
class LenderPack:
    company: str
    org_number: str
    country: str
    currency: str
    period: str  # "2026-10"
    period_end: date
    previous_end: date
    year_earlier_end: date
    prepared_by: str
    signed_off_by: str | None
    signed_off_at: datetime | None
    generated_at: datetime  # also the PDF's creation date: a closed period's pack keeps the close's time
    policy_version: int
    closed: bool  # figures frozen at a month-end close (else a draft computed from today's ledger)
    summary: tuple[Headline, ...]  # period end, previous month-end, a year earlier (absent when no data)
    aging_due: AgingTable
    aging_invoice: AgingTable
    customers: tuple[CustomerAgingLine, ...]
    rollforward: RollForward
    top_customers: tuple[ConcentrationLine, ...]
    top_groups: tuple[ConcentrationLine, ...]
    hhi: Decimal | None
    group_hhi: Decimal | None
    risk: RiskSection
    trend: tuple[TrendRow, ...]
    ecl_settings: EclSettings
    ecl: EclResult
    allowance: AllowanceReconciliation
    certificates: tuple[Certificate, ...]  # one per lender profile in force at the period end
    insurance: InsuranceSection
    parameters: tuple[tuple[str, str], ...]  # the policy's parameters behind the figures, for the methodology
    warnings: tuple[str, ...] = field(default_factory=tuple)  # e.g. a thin loss history without an override

    def certificate(self, lender: str | None) -> Certificate | None:
        """The certificate of the named lender profile (the first when None); None when there is none."""
        if not self.certificates:
            return None
        if lender is None:
            return self.certificates[0]
        return next((c for c in self.certificates if c.profile.name == lender), None)
