"""Nordic dunning: per-country ladders, their legal validation (each violation cites its rule), the next step due,
and statutory late-payment interest and fixed compensation.

The rules are those of shared/reference/domain_rules.md §1; every figure they use comes from a dated
domain.statutory table, looked up on the sending date of the letter (for a ladder: on the date it is checked for).
A rule that needs a fact the caller does not know (a letter's deadline) is not checked rather than guessed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from domain.money import ZERO, q2
from domain.statutory import MissingStatutoryParameter, StatutoryTable, StatutoryValue

STEP_KINDS = ("reminder", "second_reminder", "notice_of_collection", "payment_demand", "collection_agency")
AFTER = ("due", "previous")
COUNTRY_CURRENCY = {"NO": "NOK", "SE": "SEK", "DK": "DKK", "FI": "EUR"}
REMINDER_KINDS = ("reminder", "second_reminder", "notice_of_collection")  # letters asking to pay, before collection
COLLECTION_KINDS = ("payment_demand", "collection_agency")  # collection steps proper

NO_1_2 = "inkassoforskriften § 1-2"
NO_1_3 = "inkassoforskriften § 1-3"
NO_9 = "inkassoloven § 9"
NO_10 = "inkassoloven § 10"
SE_4 = "lag (1981:739) § 4"
SE_5 = "inkassolagen § 5 (IMY guidance)"
DK_9B = "renteloven § 9 b"
FI_LAW = "laki saatavien perinnästä (513/1999)"


@dataclass(frozen=True)
class LadderStep:
    kind: str  # one of STEP_KINDS
    days_after: int  # days after the due date (after="due") or after the previous step was sent (after="previous")
    after: str  # "due" | "previous"
    deadline_days: int  # the payment deadline the letter gives, days from sending
    fee: Decimal  # charged with this step, in the ladder's currency (0 = no fee)

    def __post_init__(self) -> None:
        if self.kind not in STEP_KINDS:
            raise ValueError(f"dunning step kind {self.kind!r} must be one of {', '.join(STEP_KINDS)}")
        if self.after not in AFTER:
            raise ValueError(f"dunning step {self.kind}: 'after' must be 'due' or 'previous', not {self.after!r}")
        for name in ("days_after", "deadline_days"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"dunning step {self.kind}: {name} must be a whole number of days, 0 or more")
        if not isinstance(self.fee, Decimal) or not self.fee.is_finite() or self.fee < 0:
            raise ValueError(f"dunning step {self.kind}: the fee must be an amount of 0 or more")
        if self.fee != self.fee.quantize(Decimal("0.01")):
            raise ValueError(f"dunning step {self.kind}: the fee {self.fee} has more than 2 decimals")


@dataclass(frozen=True)
class CountryLadder:
    country: str  # NO | SE | DK | FI
    currency: str  # the currency its fees are in (NOK, SEK, DKK, EUR)
    steps: tuple[LadderStep, ...]

    def __post_init__(self) -> None:
        if self.country not in COUNTRY_CURRENCY:
            raise ValueError(f"dunning ladder country must be one of {', '.join(COUNTRY_CURRENCY)}")
        # The statutory caps are in the country's currency; a ladder in another one could not be checked.
        if self.currency != COUNTRY_CURRENCY[self.country]:
            raise ValueError(
                f"the {self.country} dunning ladder charges its fees in {COUNTRY_CURRENCY[self.country]}, "
                f"not {self.currency}"
            )
        if self.steps and self.steps[0].after != "due":
            raise ValueError(f"the first step of the {self.country} dunning ladder must be timed from the due date")


def _s(kind: str, days_after: int, after: str, deadline_days: int, fee: str) -> LadderStep:
    return LadderStep(kind, days_after, after, deadline_days, Decimal(fee))


# Lawful under DEFAULT_STATUTORY on every date 2024-2026 (tests/test_domain_dunning.py). NO: the fee 35 is 1/20 of
# the 2020-2025 inkassosats (700) and below 1/20 of the 2026 one (37.50); the notice comes 14 days after the
# reminder's 14-day deadline was missed (§ 1-3), the agency the day after the notice's deadline (§ 9).
DEFAULT_LADDERS: tuple[CountryLadder, ...] = (
    CountryLadder(
        "NO",
        "NOK",
        (
            _s("reminder", 14, "due", 14, "35.00"),
            _s("notice_of_collection", 28, "previous", 14, "35.00"),
            _s("collection_agency", 15, "previous", 14, "0.00"),
        ),
    ),
    CountryLadder(
        "SE",
        "SEK",
        (
            _s("reminder", 10, "due", 10, "60.00"),
            _s("payment_demand", 11, "previous", 10, "180.00"),  # the inkassokrav
            _s("collection_agency", 11, "previous", 10, "0.00"),
        ),
    ),
    CountryLadder(
        "DK",
        "DKK",
        (
            _s("reminder", 10, "due", 10, "100.00"),
            _s("second_reminder", 10, "previous", 10, "100.00"),
            _s("second_reminder", 10, "previous", 10, "100.00"),
            _s("collection_agency", 11, "previous", 10, "0.00"),
        ),
    ),
    CountryLadder(
        "FI",
        "EUR",
        (
            _s("reminder", 14, "due", 14, "5.00"),
            _s("collection_agency", 15, "previous", 14, "0.00"),
        ),
    ),
)


@dataclass(frozen=True)
class Violation:
    code: str  # fee_too_early, fee_too_high, deadline_too_short, too_many_fees, too_close, no_notice, ...
    step: int | None  # 0-based index into the ladder / the sent steps as given
    rule: str  # the citation, e.g. "inkassoforskriften § 1-2"
    message: str  # English, with the numbers and the rule
    # JSON-ready: money as text, counts and days as int; dates as ISO text for sent steps, as days after the due
    # date for a ladder
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SentStep:
    kind: str
    sent_on: date
    deadline_on: date | None
    fee: Decimal


@dataclass(frozen=True)
class StepDue:
    index: int
    kind: str
    due_on: date
    deadline_on: date  # as_of + deadline_days
    fee: Decimal


# --- legal validation -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Letter:
    index: int
    kind: str
    sent_on: date
    deadline_on: date | None
    fee: Decimal
    label: str  # how a message names it


Lookup = Callable[[str, date], StatutoryValue]


def _money(v: Decimal) -> str:
    return str(q2(v))


class _Checker:
    """The rules of one country applied to letters in sending order."""

    def __init__(self, country: str, due_date: date, lookup: Lookup, relative: bool) -> None:
        self.country, self.due, self.lookup = country, due_date, lookup
        self.relative = relative  # a ladder has no real dates: say "day 14" (after the due date) instead
        self.currency = COUNTRY_CURRENCY[country]
        self.out: list[Violation] = []

    def when(self, d: date) -> str:
        return f"day {(d - self.due).days}" if self.relative else d.isoformat()

    def at(self, d: date) -> str | int:
        """A date in params: ISO text for sent steps, days after the due date for a ladder."""
        return (d - self.due).days if self.relative else d.isoformat()

    def value(self, parameter: str, on: date) -> StatutoryValue:
        return self.lookup(parameter, on)

    def add(self, code: str, letter: _Letter, rule: str, text: str, used: Sequence[StatutoryValue], **params) -> None:
        params = {"kind": letter.kind, **params}
        # the weakest tag of the figures the finding rests on, so a UI can say "check this figure"
        params["confidence"] = max((v.confidence for v in used), key="VDU".index, default="V")
        self.out.append(Violation(code, letter.index, rule, f"{letter.label}: {text} [{rule}]", params))

    def fee_cap(self, letter: _Letter, cap: Decimal, rule: str, used: Sequence[StatutoryValue], basis: str) -> None:
        if letter.fee > cap:
            self.add(
                "fee_too_high",
                letter,
                rule,
                f"a fee of {_money(letter.fee)} {self.currency} is above the cap of {_money(cap)} {self.currency}"
                f"{basis}",
                used,
                fee=_money(letter.fee),
                cap=_money(cap),
                currency=self.currency,
            )

    def min_deadline(self, letter: _Letter, parameter: str, rule: str) -> None:
        if letter.deadline_on is None:
            return  # unknown deadline: not checked
        minimum = self.value(parameter, letter.sent_on)
        days = (letter.deadline_on - letter.sent_on).days
        if days < minimum.value:
            self.add(
                "deadline_too_short",
                letter,
                rule,
                f"a deadline of {days} days is shorter than the {int(minimum.value)} days required",
                [minimum],
                deadline_days=days,
                min_days=int(minimum.value),
            )

    def fee_not_before(self, letter: _Letter, rule: str) -> None:
        minimum = self.value("fee_min_days_after_due", letter.sent_on)
        days = (letter.sent_on - self.due).days
        if days < minimum.value:
            self.add(
                "fee_too_early",
                letter,
                rule,
                f"a fee may only be charged from {int(minimum.value)} days after the due date, this is sent "
                f"{days} days after it",
                [minimum],
                days_after_due=days,
                min_days=int(minimum.value),
            )

    def run(self, letters: Sequence[_Letter]) -> list[Violation]:
        getattr(self, f"_{self.country.lower()}")(letters)
        return self.out

    # --- Norway
    def _no(self, letters: Sequence[_Letter]) -> None:
        fee_letters: list[_Letter] = []  # fee-bearing reminders and notices, in order
        demand_fees = 0
        notice: _Letter | None = None
        last_reminder: _Letter | None = None  # the last reminder or notice sent (with or without a fee)
        for L in letters:
            if L.kind in REMINDER_KINDS:
                if L.kind == "notice_of_collection":
                    if L.sent_on <= self.due:
                        self.add(
                            "notice_before_due",
                            L,
                            NO_9,
                            "a notice of collection may only be sent after the due date",
                            [],
                            sent_on=self.at(L.sent_on),
                        )
                    self.min_deadline(L, "notice_min_deadline_days", NO_9)
                if L.fee > 0:
                    self.fee_not_before(L, NO_1_2)
                    sats = self.value("inkassosats", L.sent_on)
                    fraction = self.value("reminder_fee_fraction", L.sent_on)
                    self.fee_cap(
                        L,
                        q2(sats.value * fraction.value),
                        NO_1_2,
                        [sats, fraction],
                        f" ({Fraction(fraction.value)} of the inkassosats {sats.value} in force on the sending date)",
                    )
                    fee_letters.append(L)
                    most = self.value("max_fee_reminders", L.sent_on)
                    if len(fee_letters) > most.value:
                        self.add(
                            "too_many_fees",
                            L,
                            NO_1_3,
                            f"this is fee-bearing letter number {len(fee_letters)}; at most {int(most.value)} "
                            "(two reminders, or a reminder and a notice of collection) may carry a fee before the "
                            "payment demand",
                            [most],
                            count=len(fee_letters),
                            max=int(most.value),
                        )
                    elif len(fee_letters) >= 2:
                        self._missed_deadline(L, fee_letters[-2], NO_1_3, "a second fee")
                if L.kind == "notice_of_collection":
                    notice = L
                last_reminder = L
                continue
            # collection steps: inkassoloven § 9 first
            if notice is None:
                self.add(
                    "no_notice",
                    L,
                    NO_9,
                    "no notice of collection (inkassovarsel) was sent before this collection step",
                    [],
                )
            elif notice.deadline_on is not None and L.sent_on <= notice.deadline_on:
                self.add(
                    "notice_deadline_not_passed",
                    L,
                    NO_9,
                    f"collection may only start after the notice's deadline, {self.when(notice.deadline_on)}, has "
                    f"passed; this is sent on {self.when(L.sent_on)}",
                    [],
                    notice_deadline=self.at(notice.deadline_on),
                    sent_on=self.at(L.sent_on),
                )
            if L.kind != "payment_demand":
                continue  # the agency's own fees follow its salary rules (inkassoforskriften ch. 2), not ours
            self.min_deadline(L, "demand_min_deadline_days", NO_10)
            if L.fee > 0:
                sats = self.value("inkassosats", L.sent_on)
                fraction = self.value("demand_fee_fraction", L.sent_on)
                self.fee_cap(
                    L,
                    q2(sats.value * fraction.value),
                    NO_1_2,
                    [sats, fraction],
                    f" ({Fraction(fraction.value)} of the inkassosats {sats.value} in force on the sending date)",
                )
                demand_fees += 1
                if demand_fees > 1:
                    self.add(
                        "too_many_fees",
                        L,
                        NO_1_3,
                        "only one payment demand may carry a fee",
                        [],
                        count=demand_fees,
                        max=1,
                    )
                self._missed_deadline(L, last_reminder, NO_1_2, "a payment demand fee")

    def _missed_deadline(self, letter: _Letter, before: _Letter | None, rule: str, what: str) -> None:
        """NO: a second fee / a payment demand fee only after a missed deadline of >= 14 days (§ 1-3, § 1-2)."""
        minimum = self.value("fee_prior_deadline_days", letter.sent_on)
        need = int(minimum.value)
        if before is None:
            self.add(
                "deadline_not_missed",
                letter,
                rule,
                f"{what} needs a missed deadline of at least {need} days in a reminder or notice, and none was sent",
                [minimum],
                min_days=need,
            )
            return
        if before.deadline_on is None:
            return  # unknown deadline: not checked
        days = (before.deadline_on - before.sent_on).days
        if days < need or letter.sent_on <= before.deadline_on:
            self.add(
                "deadline_not_missed",
                letter,
                rule,
                f"{what} needs a missed deadline of at least {need} days; the {before.kind} sent on "
                f"{self.when(before.sent_on)} gave {days} days, to {self.when(before.deadline_on)}",
                [minimum],
                min_days=need,
                prior_deadline_days=days,
                prior_deadline=self.at(before.deadline_on),
            )

    # --- Sweden
    def _se(self, letters: Sequence[_Letter]) -> None:
        for L in letters:
            if L.kind in REMINDER_KINDS and L.fee > 0:
                cap = self.value("reminder_fee_cap", L.sent_on)
                self.fee_cap(L, cap.value, SE_4, [cap], " for a written payment reminder")
            elif L.kind == "payment_demand":
                if L.fee > 0:
                    cap = self.value("collection_demand_fee_cap", L.sent_on)
                    self.fee_cap(L, cap.value, SE_4, [cap], " for an inkassokrav")
                self.min_deadline(L, "demand_min_deadline_days", SE_5)

    # --- Denmark
    def _dk(self, letters: Sequence[_Letter]) -> None:
        fee_letters: list[_Letter] = []
        for L in letters:
            if L.kind in COLLECTION_KINDS:
                if L.fee > 0:
                    cap = self.value("collection_fee_cap", L.sent_on)
                    self.fee_cap(L, cap.value, DK_9B, [cap], " for handing the claim to collection (inkassogebyr)")
                continue
            if L.fee <= 0:
                continue
            cap = self.value("reminder_fee_cap", L.sent_on)
            self.fee_cap(L, cap.value, DK_9B, [cap], " per reminder")
            if fee_letters:
                gap = self.value("reminder_min_interval_days", L.sent_on)
                prev = fee_letters[-1]
                days = (L.sent_on - prev.sent_on).days
                if days < gap.value:
                    self.add(
                        "too_close",
                        L,
                        DK_9B,
                        f"fee-bearing reminders must be at least {int(gap.value)} days apart, this is {days} days "
                        f"after the one sent on {self.when(prev.sent_on)}",
                        [gap],
                        days_apart=days,
                        min_days=int(gap.value),
                    )
            fee_letters.append(L)
            most = self.value("max_fee_reminders", L.sent_on)
            if len(fee_letters) > most.value:
                self.add(
                    "too_many_fees",
                    L,
                    DK_9B,
                    f"this is fee-bearing reminder number {len(fee_letters)}, at most {int(most.value)} are allowed",
                    [most],
                    count=len(fee_letters),
                    max=int(most.value),
                )

    # --- Finland
    def _fi(self, letters: Sequence[_Letter]) -> None:
        for L in letters:
            if L.kind in REMINDER_KINDS and L.fee > 0:
                self.fee_not_before(L, FI_LAW)
                cap = self.value("reminder_fee_cap", L.sent_on)
                self.fee_cap(L, cap.value, FI_LAW, [cap], " for a payment reminder (maksumuistutus)")


def _check_country(country: str) -> None:
    if country not in COUNTRY_CURRENCY:
        raise ValueError(f"dunning rules are known for {', '.join(COUNTRY_CURRENCY)}, not {country!r}")


def ladder_dates(ladder: CountryLadder, due_date: date) -> list[date]:
    """The sending date of every step if each is sent on its day: due + days_after, or previous + days_after."""
    out: list[date] = []
    for step in ladder.steps:
        base = due_date if step.after == "due" or not out else out[-1]
        out.append(base + timedelta(days=step.days_after))
    return out


def validate_ladder(ladder: CountryLadder, table: StatutoryTable, on: date) -> list[Violation]:
    """Every rule the ladder breaks when each step is sent on its day, with the statutory figures in force on `on`."""
    dates = ladder_dates(ladder, on)  # any due date will do: only the distances matter
    letters = [
        _Letter(
            i,
            s.kind,
            d,
            d + timedelta(days=s.deadline_days),
            s.fee,
            f"step {i + 1} ({s.kind}, day {(d - on).days} after the due date)",
        )
        for i, (s, d) in enumerate(zip(ladder.steps, dates, strict=True))
    ]
    return _Checker(ladder.country, on, lambda p, _d: table.get(ladder.country, p, on), relative=True).run(letters)


def check_sent_steps(country: str, due_date: date, sent: Sequence[SentStep], table: StatutoryTable) -> list[Violation]:
    """Every rule the steps actually sent break, each checked with the figures in force on its sending date.
    `step` in a violation is the index in `sent`; the steps are taken in sending order."""
    _check_country(country)
    for s in sent:
        if s.kind not in STEP_KINDS:
            raise ValueError(f"sent step kind {s.kind!r} must be one of {', '.join(STEP_KINDS)}")
    order = sorted(range(len(sent)), key=lambda i: sent[i].sent_on)
    letters = [
        _Letter(
            i,
            sent[i].kind,
            sent[i].sent_on,
            sent[i].deadline_on,
            Decimal(sent[i].fee),
            f"step {i + 1} ({sent[i].kind} sent {sent[i].sent_on.isoformat()}, "
            f"{(sent[i].sent_on - due_date).days} days after the due date)",
        )
        for i in order
    ]
    return _Checker(country, due_date, lambda p, d: table.get(country, p, d), relative=False).run(letters)


# --- the next step ------------------------------------------------------------------------------------------------


def next_step(ladder: CountryLadder, due_date: date, sent: Sequence[SentStep], as_of: date) -> StepDue | None:
    """The first ladder step not yet sent, when its date (due_date + days_after, or previous sent_on + days_after)
    is on or before as_of; None when nothing is due yet or the ladder is finished.

    Sent steps are matched to the ladder in sending order: each takes the first step of its kind not before the
    last matched one (steps in between count as skipped, e.g. a reminder the ERP never sent before its notice);
    a sent step of a kind the rest of the ladder lacks is ignored. "previous" is the last matched step's date."""
    position, last_sent = 0, None
    for s in sorted(sent, key=lambda s: s.sent_on):
        if s.sent_on > as_of:
            continue  # not yet sent as of that day
        for j in range(position, len(ladder.steps)):
            if ladder.steps[j].kind == s.kind:
                position, last_sent = j + 1, s.sent_on
                break
    if position >= len(ladder.steps):
        return None
    step = ladder.steps[position]
    base = due_date if step.after == "due" or last_sent is None else last_sent
    on = base + timedelta(days=step.days_after)
    if on > as_of:
        return None
    return StepDue(position, step.kind, on, as_of + timedelta(days=step.deadline_days), step.fee)


# --- late-payment interest and fixed compensation ----------------------------------------------------------------


def late_interest(
    amount: Decimal,
    due_date: date,
    as_of: date,
    rates: Sequence[tuple[date, date, Decimal]],
    day_count: int = 365,
) -> Decimal:
    """Simple interest from the day after the due date up to and including as_of, each day at the rate of its period
    (percent per year): the sum over periods of amount x rate/100 x days/day_count, rounded 0.01 half-up once at the
    end. MissingStatutoryParameter when a day in between has no rate."""
    if isinstance(day_count, bool) or not isinstance(day_count, int) or day_count <= 0:
        raise ValueError(f"day_count must be a positive whole number of days (365 or 360), not {day_count!r}")
    if as_of <= due_date:
        return ZERO
    start = due_date + timedelta(days=1)
    total = Decimal(0)
    day = start
    for lo, hi, rate in sorted(rates):
        if hi < day:
            continue
        if lo > day:
            break  # a gap before this period
        last = min(hi, as_of)
        total += Decimal(amount) * Decimal(rate) * ((last - day).days + 1) / (100 * day_count)
        day = last + timedelta(days=1)
        if day > as_of:
            return q2(total)
    raise MissingStatutoryParameter("(the rates given)", "late_interest_rate", day)


def interest_periods(
    country: str, due_date: date, as_of: date, table: StatutoryTable
) -> list[tuple[date, date, Decimal]]:
    """The rate periods late_interest needs for an invoice of `country`: from the day after the due date to as_of."""
    _check_country(country)
    if as_of <= due_date:
        return []
    return table.periods(country, "late_interest_rate", due_date + timedelta(days=1), as_of)


def statutory_late_interest(
    country: str, amount: Decimal, due_date: date, as_of: date, table: StatutoryTable, day_count: int = 365
) -> Decimal:
    """late_interest at the country's statutory rates (B2B rate for Finland)."""
    return late_interest(amount, due_date, as_of, interest_periods(country, due_date, as_of, table), day_count)


def fixed_compensation(country: str, on: date, table: StatutoryTable) -> StatutoryValue:
    """The fixed B2B compensation per late invoice (EUR 40 equivalent) in force on `on`."""
    _check_country(country)
    return table.get(country, "fixed_compensation", on)
