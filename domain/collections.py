"""Collections rules: payment-plan and promise status from payments, and the assembly of a worklist row."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from domain.dunning import (
    COUNTRY_CURRENCY,
    STEP_KINDS,
    CountryLadder,
    SentStep,
    StepDue,
    Violation,
    check_sent_steps,
    fixed_compensation,
    next_step,
    statutory_late_interest,
)
from domain.fx import MissingFxRate
from domain.money import ZERO, q2
from domain.statutory import StatutoryTable

OWNERS = ("sales", "delivery", "finance")
OUTCOMES = ("credit_note", "rejected", "settled")
CASH_DOC_KINDS = ("payment", "credit_note")
INSTALMENT_STATUSES = ("paid", "missed", "due", "upcoming")
PROMISE_STATUSES = ("kept", "broken", "pending")
MODES = ("ladder", "erp", "no_ladder")
# Countries whose reference says the fixed B2B compensation and reminder fees are netted, not both charged
# (domain_rules.md §1.1 Norway: "should not also charge purregebyr ... practice is to net them";
# §1.2 Sweden: the 450 is payable "i stället för" the usual fees). Denmark adds it on top (§1.3); Finland too.
NETTED_COMPENSATION = ("NO", "SE")


class CollectionsError(ValueError):
    """Collections input that cannot be saved as given; `code` and `params` let the UI say it in any language."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.params = params
        super().__init__(message)


# --- validation helpers ------------------------------------------------------------------------------------------


def required_text(value: str | None, field: str, what: str) -> str:
    """The stripped text, or CollectionsError when it is blank (`what` says what is missing)."""
    text = (value or "").strip()
    if not text:
        raise CollectionsError(field, f"{what} is needed", field=field)
    return text


def positive_amount(amount: Decimal, field: str, what: str) -> Decimal:
    """A positive amount with at most 2 decimals."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise CollectionsError(f"{field}_not_positive", f"{what} must be a positive amount, not {amount}", field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise CollectionsError(f"{field}_decimals", f"{what} {amount} has more than 2 decimals", field=field)
    return q2(amount)


def check_instalments(instalments: Sequence[tuple[date, Decimal]], agreed_on: date, open_total: Decimal) -> None:
    """A plan's instalments: at least one, each positive and on/after the agreement, in ascending date order (one
    per day), summing exactly to what the plan's invoices had open on the day it was agreed."""
    if not instalments:
        raise CollectionsError("no_instalments", "a payment plan needs at least one instalment")
    previous: date | None = None
    for n, (due_on, amount) in enumerate(instalments, start=1):
        positive_amount(amount, "instalment", f"instalment {n}")
        if due_on < agreed_on:
            raise CollectionsError(
                "instalment_before_agreement",
                f"instalment {n} is due {due_on.isoformat()}, before the plan was agreed on {agreed_on.isoformat()}",
                number=n,
                due_on=due_on.isoformat(),
                agreed_on=agreed_on.isoformat(),
            )
        if previous is not None and due_on <= previous:
            raise CollectionsError(
                "instalments_not_ascending",
                f"instalment {n} ({due_on.isoformat()}) must fall after instalment {n - 1} "
                f"({previous.isoformat()}): list the instalments in date order, one per day",
                number=n,
            )
        previous = due_on
    total = sum((a for _, a in instalments), ZERO)
    if total != open_total:
        diff = total - open_total
        raise CollectionsError(
            "instalments_do_not_match",
            f"the instalments sum to {total:.2f} but the invoices had {open_total:.2f} open on "
            f"{agreed_on.isoformat()}: {abs(diff):.2f} {'too much' if diff > 0 else 'missing'}",
            instalments=f"{total:.2f}",
            open=f"{open_total:.2f}",
            difference=f"{diff:.2f}",
        )


# --- payment plans and promises ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstalmentStatus:
    number: int  # 1-based, in date order
    due_on: date
    amount: Decimal
    credited: Decimal  # the part of the payments so far (as of the status date) credited to it, in date order
    status: str  # paid | missed | due | upcoming


@dataclass(frozen=True)
class PlanStatus:
    plan_id: int
    customer_id: int
    currency: str
    agreed_on: date
    as_of: date
    status: str  # active | cancelled (the record)
    invoice_numbers: tuple[str, ...]
    instalments: tuple[InstalmentStatus, ...]
    planned: Decimal
    paid: Decimal  # payments of the customer in the plan currency dated agreed_on..as_of
    kept: bool  # nothing missed
    missed_since: date | None  # the day after the first missed instalment's due date


def instalment_statuses(
    instalments: Sequence[tuple[date, Decimal]],
    payments: Sequence[tuple[date, Decimal]],
    agreed_on: date,
    as_of: date,
) -> tuple[InstalmentStatus, ...]:
    """docs/metrics.md §24: payments dated agreed_on..as_of are credited to the instalments in date order; an
    instalment is paid when the payments dated up to its due date cover all instalments up to and including it,
    missed when its due date is before as_of and they do not, due on its due date, upcoming before."""
    counted = sorted((d, a) for d, a in payments if agreed_on <= d <= as_of)
    paid_total = sum((a for _, a in counted), ZERO)

    def paid_by(day: date) -> Decimal:
        return sum((a for d, a in counted if d <= day), ZERO)

    out: list[InstalmentStatus] = []
    cumulative = ZERO
    for n, (due_on, amount) in enumerate(sorted(instalments), start=1):
        before = cumulative
        cumulative += amount
        credited = min(amount, max(ZERO, paid_total - before))
        if paid_by(due_on) >= cumulative:
            status = "paid"
        elif due_on < as_of:
            status = "missed"
        elif due_on == as_of:
            status = "due"
        else:
            status = "upcoming"
        out.append(InstalmentStatus(n, due_on, amount, credited, status))
    return tuple(out)


def first_missed(statuses: Sequence[InstalmentStatus]) -> InstalmentStatus | None:
    return next((s for s in statuses if s.status == "missed"), None)


def promise_status(
    activity_date: date,
    promised_date: date,
    promised_amount: Decimal,
    payments: Sequence[tuple[date, Decimal]],
    as_of: date,
) -> tuple[str, Decimal]:
    """(kept | broken | pending, paid): kept when the payments dated from the day of the promise through the
    promised date (and known as of as_of) reach the promised amount; broken when as_of is past the promised date
    and they do not; pending otherwise."""
    paid = sum((a for d, a in payments if activity_date <= d <= min(promised_date, as_of)), ZERO)
    if paid >= promised_amount:
        return "kept", paid
    if as_of > promised_date:
        return "broken", paid
    return "pending", paid


# --- the worklist -------------------------------------------------------------------------------------------------


def day_count(country: str | None) -> int:
    """Days in the interest year: Denmark counts 360 (12 x 30, market practice per domain_rules.md §1.3),
    Norway, Sweden and Finland the actual 365."""
    return 360 if country == "DK" else 365


Converter = Callable[[Decimal, str], Decimal]


def converter(to_currency: str, base: str, rates: Mapping[str, Decimal], as_of: date) -> Converter:
    """amount in a currency -> amount in `to_currency` through the base currency at the closing rates of as_of
    (each step rounded 0.01 half-up). MissingFxRate when a rate is needed and missing."""

    def rate(currency: str) -> Decimal:
        if currency == base:
            return Decimal(1)
        if currency not in rates:
            raise MissingFxRate(currency, as_of)
        return rates[currency]

    def convert(amount: Decimal, currency: str) -> Decimal:
        if currency == to_currency:
            return amount
        in_base = q2(amount * rate(currency))
        return in_base if to_currency == base else q2(in_base / rate(to_currency))

    return convert


def sent_steps_from_status(
    reminder_level: int,
    last_reminder_on: date | None,
    last_deadline_on: date | None,
    fees_charged: Decimal,
    notice_sent_on: date | None,
) -> tuple[SentStep, ...]:
    """The letters an ERP status row lets us check: its latest reminder (level 1: reminder, higher: second
    reminder) and its notice of collection. The deadline belongs to the later of the two; the fees charged are
    spread evenly over all letters sent (reminder_level + the notice), since the status gives only their sum.
    Earlier reminders, whose dates the status does not carry, cannot be checked."""
    letters = reminder_level + (1 if notice_sent_on is not None else 0)
    fee = q2(fees_charged / letters) if letters else ZERO
    out: list[SentStep] = []
    reminder_last = last_reminder_on is not None and (notice_sent_on is None or last_reminder_on > notice_sent_on)
    if last_reminder_on is not None and reminder_level > 0:
        kind = "reminder" if reminder_level == 1 else "second_reminder"
        out.append(SentStep(kind, last_reminder_on, last_deadline_on if reminder_last else None, fee))
    if notice_sent_on is not None:
        out.append(SentStep("notice_of_collection", notice_sent_on, None if reminder_last else last_deadline_on, fee))
    return tuple(sorted(out, key=lambda s: s.sent_on))


@dataclass(frozen=True)
class OverdueInvoice:
    """An overdue, not paused invoice of a worklist customer, with the dunning letters sent for it."""

    invoice_number: str
    currency: str
    due_date: date
    days_past_due: int
    open_amount: Decimal  # invoice currency
    sent: tuple[SentStep, ...] = ()  # ours (marked sent) or built from the ERP status; fees in the country currency


@dataclass(frozen=True)
class WorklistItem:
    invoice_number: str
    currency: str
    due_date: date
    days_past_due: int
    open_amount: Decimal  # invoice currency
    interest: Decimal  # late-payment interest to as_of, invoice currency
    step_due: StepDue | None  # the next ladder step due for this invoice


@dataclass(frozen=True)
class InvoiceViolation:
    invoice_number: str
    violation: Violation


@dataclass(frozen=True)
class WorklistRow:
    customer_id: int
    ref: str
    name: str
    country: str | None
    currency: str  # every total below is in this currency (the customer's)
    mode: str  # ladder (we send our ladder's steps) | erp (the ERP sends them; we check) | no_ladder
    items: tuple[WorklistItem, ...]
    step: StepDue | None  # the one communication: the highest step due among the items
    fee: Decimal  # the fee of that step
    compensation: Decimal  # fixed B2B compensation for the overdue invoices, net of fees where the law nets
    interest_total: Decimal
    open_total: Decimal
    fees_charged: Decimal  # fees of earlier letters on these invoices (ours or the ERP's)
    total_to_pay: Decimal  # open + interest + earlier fees + this fee + compensation
    violations: tuple[InvoiceViolation, ...]
    paused: bool
    last_step: tuple[str, date] | None  # (kind, sent_on) of the latest letter sent to the customer
    oldest_due: date

    @property
    def sort_key(self) -> tuple:
        """Highest step first, then the oldest due date, then the customer reference."""
        return (-(self.step.index if self.step is not None else -1), self.oldest_due, self.ref)


def highest_step(steps: Sequence[StepDue | None]) -> StepDue | None:
    """The step furthest up the ladder (the earliest date among equals): one letter per customer."""
    found = [s for s in steps if s is not None]
    return min(found, key=lambda s: (-s.index, s.due_on)) if found else None


def build_row(
    *,
    customer_id: int,
    ref: str,
    name: str,
    country: str | None,
    currency: str,
    mode: str,
    invoices: Sequence[OverdueInvoice],
    ladder: CountryLadder | None,
    table: StatutoryTable,
    as_of: date,
    convert: Converter,
    fees_charged: Decimal = ZERO,
    last_step: tuple[str, date] | None = None,
    paused: bool = False,
) -> WorklistRow:
    """One worklist row: interest per invoice at the country's statutory rates, the next step per invoice and one
    communication at the highest, the fixed compensation once per overdue invoice (C-78/22) netted against the
    fees where the law nets, and the totals in the customer's currency. `fees_charged` is in that currency."""
    if mode not in MODES:
        raise ValueError(f"worklist mode must be one of {', '.join(MODES)}, not {mode!r}")
    known = country in COUNTRY_CURRENCY
    items: list[WorklistItem] = []
    violations: list[InvoiceViolation] = []
    for inv in sorted(invoices, key=lambda i: (i.due_date, i.invoice_number)):
        interest = (
            statutory_late_interest(country, inv.open_amount, inv.due_date, as_of, table, day_count(country))
            if known
            else ZERO
        )
        step_due = (
            next_step(ladder, inv.due_date, inv.sent, as_of)
            if mode == "ladder" and ladder is not None and not paused
            else None
        )
        items.append(
            WorklistItem(
                inv.invoice_number, inv.currency, inv.due_date, inv.days_past_due, inv.open_amount, interest, step_due
            )
        )
        if known and inv.sent:
            violations += [
                InvoiceViolation(inv.invoice_number, v)
                for v in check_sent_steps(country, inv.due_date, inv.sent, table)
            ]
    step = highest_step([i.step_due for i in items])
    fee = convert(step.fee, ladder.currency) if step is not None and ladder is not None else ZERO
    gross = ZERO
    if known:
        for i in items:
            comp = fixed_compensation(country, i.due_date + timedelta(days=1), table)
            gross += convert(comp.value, comp.unit)
    compensation = max(ZERO, gross - fees_charged - fee) if country in NETTED_COMPENSATION else gross
    open_total = sum((convert(i.open_amount, i.currency) for i in items), ZERO)
    interest_total = sum((convert(i.interest, i.currency) for i in items), ZERO)
    return WorklistRow(
        customer_id=customer_id,
        ref=ref,
        name=name,
        country=country,
        currency=currency,
        mode=mode,
        items=tuple(items),
        step=step,
        fee=fee,
        compensation=compensation,
        interest_total=interest_total,
        open_total=open_total,
        fees_charged=fees_charged,
        total_to_pay=open_total + interest_total + fees_charged + fee + compensation,
        violations=tuple(violations),
        paused=paused,
        last_step=last_step,
        oldest_due=min(i.due_date for i in items),
    )


def step_label(kind: str) -> str:
    if kind not in STEP_KINDS:
        raise CollectionsError("step_kind", f"'{kind}' is not one of {', '.join(STEP_KINDS)}", kind=kind)
    return kind.replace("_", " ")
