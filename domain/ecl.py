"""IFRS 9 simplified approach for trade receivables: historical loss rates, the provision matrix, individually
assessed customers and the allowance reconciliation.

Method (IFRS 9 §5.5.15 lifetime ECL, B5.5.35 provision matrix; docs domain_rules.md §3):
1. Invoice cohorts issued in the window of `EclSettings.cohort_window` are followed through the aging by due date.
   For every bucket b, `reached[b]` is what was still open when the invoices entered b (for "current": the amount
   invoiced) and `lost[b]` is what was later written off of the invoices that reached b.
2. The historical loss rate of b is lost[b] / reached[b], kept unrounded (None when nothing reached b). A bucket
   where less than `min_reached` reached is thin: its rate needs an override with a written rationale.
3. The rate applied is the override (if any) or the historical rate, times the documented forward-looking factor,
   capped at 100 %. ECL per bucket = collectively assessed balance x rate, rounded 0.01 half-up; the total is the
   sum of the rounded rows. Customers that are bankrupt, in collection or too large are assessed individually
   (PD x LGD x uninsured exposure, computed by the caller) and left out of the matrix balances.
Rates in this module are fractions (Decimal("0.02") = 2 %); `rate_percent` fields are percents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.money import q2

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
MAX_FORWARD_FACTOR = Decimal(5)
REASONS = ("bankrupt", "in_collection", "size")
DEFAULT_FORWARD_SOURCE = "No adjustment: the historical loss rates are applied as observed (factor 1.00)."
DEFAULT_INDIVIDUAL_EVENTS = (
    "bankruptcy",
    "bankruptcy_petition",
    "liquidation",
    "forced_dissolution",
    "debt_restructuring",
)


class EclError(ValueError):
    """ECL settings or inputs that do not define an allowance."""


@dataclass(frozen=True)
class BucketOverride:
    """A management rate for one aging bucket that replaces its historical rate, with the reason written down."""

    bucket: str
    rate_percent: Decimal
    rationale: str

    def __post_init__(self) -> None:
        if not isinstance(self.bucket, str) or not self.bucket.strip():
            raise EclError("an override needs the aging bucket it applies to (e.g. 61-90)")
        if not isinstance(self.rate_percent, Decimal | int) or isinstance(self.rate_percent, bool):
            raise EclError(f"the override rate for bucket {self.bucket} must be a number, got {self.rate_percent!r}")
        if not Decimal(self.rate_percent).is_finite() or not ZERO <= self.rate_percent <= HUNDRED:
            raise EclError(
                f"the override rate for bucket {self.bucket} must be between 0 and 100 %, got {self.rate_percent}"
            )
        if not isinstance(self.rationale, str) or not self.rationale.strip():
            raise EclError(f"the override for bucket {self.bucket} needs a written rationale")

    @property
    def rate(self) -> Decimal:
        """The override as a fraction."""
        return Decimal(self.rate_percent) / HUNDRED


@dataclass(frozen=True)
class EclSettings:
    """How the allowance is measured; stored as JSON (to_dict / from_dict) next to the credit policy."""

    lookback_months: int = 24  # invoice cohorts issued in the lookback window count for the historical loss rates
    emergence_months: int = 6  # cohorts of the last N months are left out: their losses have not emerged yet
    min_reached: Decimal = Decimal("100000")  # base amount that must have reached a bucket for a sufficient rate
    overrides: tuple[BucketOverride, ...] = ()
    forward_factor: Decimal = Decimal("1.00")  # forward-looking multiplier on every bucket's rate (after override)
    forward_source: str = DEFAULT_FORWARD_SOURCE  # where the factor comes from (required)
    individual_threshold: Decimal | None = None  # base exposure above which a customer is assessed individually
    individual_events: tuple[str, ...] = DEFAULT_INDIVIDUAL_EVENTS
    individual_in_collection: bool = True

    def __post_init__(self) -> None:
        if not _is_int(self.lookback_months) or self.lookback_months < 1:
            raise EclError(f"lookback_months must be a whole number of months, 1 or more, got {self.lookback_months!r}")
        if not _is_int(self.emergence_months) or not 0 <= self.emergence_months < self.lookback_months:
            raise EclError(
                f"emergence_months must be a whole number from 0 to {self.lookback_months - 1} "
                f"(shorter than lookback_months {self.lookback_months}), got {self.emergence_months!r}"
            )
        _check_number("min_reached", self.min_reached)
        if self.min_reached < 0:
            raise EclError(f"min_reached must not be negative, got {self.min_reached}")
        _check_number("forward_factor", self.forward_factor)
        if not ZERO < self.forward_factor <= MAX_FORWARD_FACTOR:
            raise EclError(
                f"forward_factor must be above 0 and at most {MAX_FORWARD_FACTOR} (1.00 = no adjustment), "
                f"got {self.forward_factor}"
            )
        if not isinstance(self.forward_source, str) or not self.forward_source.strip():
            raise EclError("forward_source must say where the forward-looking factor comes from")
        seen: set[str] = set()
        for o in self.overrides:
            if not isinstance(o, BucketOverride):
                raise EclError(f"overrides must be BucketOverride values, got {o!r}")
            if o.bucket in seen:
                raise EclError(f"bucket {o.bucket} is overridden twice: keep one override per bucket")
            seen.add(o.bucket)
        if self.individual_threshold is not None:
            _check_number("individual_threshold", self.individual_threshold)
            if self.individual_threshold <= 0:
                raise EclError(
                    f"individual_threshold must be above 0 (or empty for no size rule), got {self.individual_threshold}"
                )
        if isinstance(self.individual_events, str) or not all(
            isinstance(e, str) and e.strip() for e in self.individual_events
        ):
            raise EclError(f"individual_events must be a list of event names, got {self.individual_events!r}")
        if not isinstance(self.individual_in_collection, bool):
            raise EclError(f"individual_in_collection must be true or false, got {self.individual_in_collection!r}")

    def override(self, bucket: str) -> BucketOverride | None:
        return next((o for o in self.overrides if o.bucket == bucket), None)

    def cohort_window(self, as_of: date) -> tuple[date, date]:
        """(first issue date, last issue date), both inclusive, of the invoice cohorts behind the loss rates.

        Cohorts issued after as_of minus `lookback_months` and on or before as_of minus `emergence_months` count.
        Months are calendar months: the same day of the month, clamped to the month's last day when it does not
        exist. as_of 2026-10-31, lookback 24, emergence 6: after 2024-10-31 and up to 2026-04-30, i.e.
        (2024-11-01, 2026-04-30); as_of 2026-08-31 with emergence 6 ends on 2026-02-28.
        """
        first = add_months(as_of, -self.lookback_months) + timedelta(days=1)
        last = add_months(as_of, -self.emergence_months)
        return first, last

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: Decimals as strings (exact), tuples as lists, overrides as objects."""
        return _jsonable(asdict(self))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EclSettings:
        """Settings from their JSON; missing keys take the defaults, a bad value is an EclError naming the field."""
        if not isinstance(d, dict):
            raise EclError(f"ECL settings must be an object, got {type(d).__name__}")
        base = cls()
        raw_overrides = d.get("overrides", [])
        if not isinstance(raw_overrides, list | tuple):
            raise EclError("overrides must be a list of {bucket, rate_percent, rationale}")
        overrides = []
        for i, o in enumerate(raw_overrides, start=1):
            if not isinstance(o, dict):
                raise EclError(f"override {i} must be an object with bucket, rate_percent and rationale")
            bucket = o.get("bucket")
            overrides.append(
                BucketOverride(
                    bucket=str(bucket) if bucket is not None else "",
                    rate_percent=_decimal(f"rate_percent of override {i}", o.get("rate_percent")),
                    rationale=str(o.get("rationale") or ""),
                )
            )
        threshold = d.get("individual_threshold", base.individual_threshold)
        events = d.get("individual_events", base.individual_events)
        if isinstance(events, str) or not isinstance(events, list | tuple):
            raise EclError(f"individual_events must be a list of event names, got {events!r}")
        return cls(
            lookback_months=_whole("lookback_months", d.get("lookback_months", base.lookback_months)),
            emergence_months=_whole("emergence_months", d.get("emergence_months", base.emergence_months)),
            min_reached=_decimal("min_reached", d.get("min_reached", base.min_reached)),
            overrides=tuple(overrides),
            forward_factor=_decimal("forward_factor", d.get("forward_factor", base.forward_factor)),
            forward_source=str(d.get("forward_source", base.forward_source) or ""),
            individual_threshold=None if threshold in (None, "") else _decimal("individual_threshold", threshold),
            individual_events=tuple(str(e) for e in events),
            individual_in_collection=_flag(
                "individual_in_collection", d.get("individual_in_collection", base.individual_in_collection)
            ),
        )


@dataclass(frozen=True)
class LossHistory:
    """Per aging bucket (by due date): base amount of the cohort invoices that reached it, and what was later
    written off of those invoices."""

    labels: tuple[str, ...]
    reached: tuple[Decimal, ...]
    lost: tuple[Decimal, ...]
    first_issue: date | None = None
    last_issue: date | None = None

    def __post_init__(self) -> None:
        if not (len(self.labels) == len(self.reached) == len(self.lost)):
            raise EclError(
                f"loss history has {len(self.labels)} buckets, {len(self.reached)} reached amounts and "
                f"{len(self.lost)} lost amounts: they must match"
            )
        for label, r, lo in zip(self.labels, self.reached, self.lost, strict=True):
            if r < 0 or lo < 0:
                raise EclError(f"loss history of bucket {label}: reached {r} and lost {lo} must not be negative")
        if self.first_issue and self.last_issue and self.first_issue > self.last_issue:
            raise EclError(f"loss history window starts {self.first_issue} after it ends {self.last_issue}")


def historical_rates(history: LossHistory) -> tuple[Decimal | None, ...]:
    """lost / reached per bucket as unrounded fractions; None where nothing reached the bucket."""
    pairs = zip(history.reached, history.lost, strict=True)
    return tuple(None if r == 0 else Decimal(lo) / Decimal(r) for r, lo in pairs)


@dataclass(frozen=True)
class MatrixRow:
    label: str
    balance: Decimal  # collectively assessed gross balance in the bucket (base currency)
    reached: Decimal
    lost: Decimal
    historical_rate: Decimal | None  # fraction, unrounded
    thin: bool  # less than min_reached reached the bucket (or nothing did): the history is not sufficient
    override: BucketOverride | None
    rate: Decimal  # applied: (override or historical or 0) x forward factor, capped at 1; unrounded fraction
    ecl: Decimal  # balance x rate, 0.01 half-up


@dataclass(frozen=True)
class ProvisionMatrix:
    rows: tuple[MatrixRow, ...]

    @property
    def total_balance(self) -> Decimal:
        return sum((r.balance for r in self.rows), ZERO)

    @property
    def total_ecl(self) -> Decimal:
        """The sum of the rounded rows (the disclosed table adds up)."""
        return sum((r.ecl for r in self.rows), ZERO)

    @property
    def missing_rationale(self) -> tuple[str, ...]:
        """Labels of thin buckets without an override: the report says an override is needed."""
        return tuple(r.label for r in self.rows if r.thin and r.override is None)


def provision_matrix(balances: Sequence[Decimal], history: LossHistory, settings: EclSettings) -> ProvisionMatrix:
    """Apply the (overridden, forward-adjusted) loss rates to the collectively assessed balances per bucket."""
    labels = history.labels
    if len(balances) != len(labels):
        raise EclError(
            f"{len(balances)} bucket balances for {len(labels)} buckets ({', '.join(labels)}): they must match"
        )
    for o in settings.overrides:
        if o.bucket not in labels:
            raise EclError(f"override for unknown bucket '{o.bucket}': the buckets are {', '.join(labels)}")
    rows = []
    for label, balance, reached, lost, hist in zip(
        labels, balances, history.reached, history.lost, historical_rates(history), strict=True
    ):
        override = settings.override(label)
        base = override.rate if override is not None else (hist if hist is not None else ZERO)
        rate = min(base * settings.forward_factor, ONE)
        rows.append(
            MatrixRow(
                label=label,
                balance=balance,
                reached=reached,
                lost=lost,
                historical_rate=hist,
                thin=reached == 0 or reached < settings.min_reached,
                override=override,
                rate=rate,
                ecl=q2(Decimal(balance) * rate),
            )
        )
    return ProvisionMatrix(tuple(rows))


@dataclass(frozen=True)
class IndividualRow:
    customer_id: int
    ref: str
    name: str
    reason: str  # "bankrupt" | "in_collection" | "size"
    exposure: Decimal  # gross open balance
    pd_percent: Decimal
    lgd_percent: Decimal
    uninsured: Decimal  # exposure net of credit insurance
    ecl: Decimal  # PD x LGD x uninsured from the risk model, as given by the caller


def individual_reason(
    *, events: Iterable[str], in_collection: bool, exposure: Decimal, settings: EclSettings
) -> str | None:
    """Why a customer is assessed individually, the first of bankrupt, in_collection, size; None: collectively."""
    if any(e in settings.individual_events for e in events):
        return "bankrupt"
    if in_collection and settings.individual_in_collection:
        return "in_collection"
    if settings.individual_threshold is not None and exposure > settings.individual_threshold:
        return "size"
    return None


@dataclass(frozen=True)
class AllowanceReconciliation:
    """IFRS 7.35H: opening + charged - used (write-offs) - reversed = closing."""

    opening: Decimal
    charged: Decimal
    used: Decimal
    reversed: Decimal
    closing: Decimal


def reconcile_allowance(opening: Decimal, closing: Decimal, used: Decimal) -> AllowanceReconciliation:
    """Split the movement of the allowance: write-offs `used` against it, then a net charge or a net reversal."""
    for name, value in (("opening", opening), ("closing", closing), ("used", used)):
        if value < 0:
            raise EclError(f"the {name} allowance amount must not be negative, got {value}")
    net = closing - opening + used
    return AllowanceReconciliation(
        opening=opening, charged=max(net, ZERO), used=used, reversed=max(-net, ZERO), closing=closing
    )


@dataclass(frozen=True)
class EclResult:
    matrix: ProvisionMatrix
    individual: tuple[IndividualRow, ...]

    @property
    def individual_ecl(self) -> Decimal:
        return sum((r.ecl for r in self.individual), ZERO)

    @property
    def individual_exposure(self) -> Decimal:
        return sum((r.exposure for r in self.individual), ZERO)

    @property
    def total(self) -> Decimal:
        """The allowance: the provision matrix plus the individually assessed customers."""
        return self.matrix.total_ecl + self.individual_ecl


def add_months(d: date, months: int) -> date:
    """d shifted by whole calendar months (negative: back); the month's last day when the day does not exist."""
    y, m = d.year + (d.month - 1 + months) // 12, (d.month - 1 + months) % 12 + 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_number(field: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal | int) or not Decimal(value).is_finite():
        raise EclError(f"{field} must be a number, got {value!r}")


def _decimal(field: str, value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise EclError(f"{field} must be a number, got {value!r}")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise EclError(f"{field} must be a number, got {value!r}") from exc
    if not d.is_finite():
        raise EclError(f"{field} must be a finite number, got {value!r}")
    return d


def _whole(field: str, value: Any) -> int:
    if _is_int(value):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise EclError(f"{field} must be a whole number, got {value!r}")


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    raise EclError(f"{field} must be true or false, got {value!r}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    return value
