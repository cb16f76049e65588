"""Aging buckets: edges and labels as one definition shared by SQL, CLI, UI and reports."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

DEFAULT_EDGES: tuple[int, ...] = (30, 60, 90, 120)
CURRENT = "current"


class Basis(StrEnum):
    """Which date the days are counted from: the due date or the issue (invoice) date."""

    DUE = "due"
    INVOICE = "invoice"


class BucketError(ValueError):
    """Bucket edges that do not define buckets."""


@dataclass(frozen=True)
class Buckets:
    """Bucket edges e1 < e2 < ... < en give current (days <= 0), 1-e1, (e1+1)-e2, ..., (en+1)+."""

    edges: tuple[int, ...] = DEFAULT_EDGES

    def __post_init__(self) -> None:
        validate_edges(self.edges)

    @property
    def labels(self) -> tuple[str, ...]:
        out = [CURRENT]
        lower = 1
        for e in self.edges:
            out.append(f"{lower}-{e}")
            lower = e + 1
        out.append(f"{lower}+")
        return tuple(out)

    def index(self, days: int) -> int:
        """Bucket position of an item that is `days` old (0 = current)."""
        if days <= 0:
            return 0
        for i, e in enumerate(self.edges, start=1):
            if days <= e:
                return i
        return len(self.edges) + 1

    def label(self, days: int) -> str:
        return self.labels[self.index(days)]

    def as_text(self) -> str:
        return ",".join(str(e) for e in self.edges)


def validate_edges(edges: tuple[int, ...]) -> None:
    if not edges:
        raise BucketError("at least one bucket edge is needed")
    for e in edges:
        if isinstance(e, bool) or not isinstance(e, int) or e <= 0:
            raise BucketError(f"bucket edge {e!r} is not a positive whole number of days")
    for a, b in itertools.pairwise(edges):
        if b <= a:
            raise BucketError(f"bucket edges must be strictly increasing: {a} then {b}")


def parse_edges(text: str) -> Buckets:
    """'30,60,90,120' -> Buckets; a clear error for anything else."""
    parts = [p.strip() for p in text.split(",")]
    edges: list[int] = []
    for p in parts:
        if not (p.isascii() and p.isdigit()):
            raise BucketError(f"bucket edge '{p}' is not a positive whole number of days (e.g. 30,60,90,120)")
        edges.append(int(p))
    return Buckets(tuple(edges))


@dataclass(frozen=True)
class AgingCell:
    """One SQL result row: what one customer holds in one bucket (amounts in base currency)."""

    customer_id: int
    bucket: int
    amount: Decimal
    count: int
    unapplied_amount: Decimal
    unapplied_count: int
    open_invoices: int


@dataclass(frozen=True)
class CustomerAging:
    customer_id: int
    customer_ref: str
    name: str
    amounts: tuple[Decimal, ...]
    counts: tuple[int, ...]
    unapplied_amount: Decimal
    unapplied_count: int
    open_invoices: int

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal("0.00"))


@dataclass(frozen=True)
class AgingReport:
    """Aging as of a date; every portfolio figure is the sum of the customer rows."""

    as_of: date
    basis: Basis
    currency: str
    buckets: Buckets
    customers: tuple[CustomerAging, ...]

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        n = len(self.buckets.labels)
        return tuple(sum((c.amounts[i] for c in self.customers), Decimal("0.00")) for i in range(n))

    @property
    def counts(self) -> tuple[int, ...]:
        n = len(self.buckets.labels)
        return tuple(sum(c.counts[i] for c in self.customers) for i in range(n))

    @property
    def total(self) -> Decimal:
        return sum((c.total for c in self.customers), Decimal("0.00"))

    @property
    def current(self) -> Decimal:
        return self.amounts[0]

    @property
    def unapplied_amount(self) -> Decimal:
        return sum((c.unapplied_amount for c in self.customers), Decimal("0.00"))

    @property
    def unapplied_count(self) -> int:
        return sum(c.unapplied_count for c in self.customers)

    @property
    def open_invoices(self) -> int:
        return sum(c.open_invoices for c in self.customers)

    @property
    def customers_with_balance(self) -> int:
        return sum(1 for c in self.customers if c.total > 0)


def build_aging(
    as_of: date,
    basis: Basis,
    currency: str,
    buckets: Buckets,
    cells: Iterable[AgingCell],
    names: Mapping[int, tuple[str, str]],
) -> AgingReport:
    """Assemble SQL cells into customer rows (ordered by customer reference); `names` maps id -> (ref, name)."""
    n = len(buckets.labels)
    acc: dict[int, dict] = {}
    for c in cells:
        row = acc.setdefault(
            c.customer_id,
            {"amounts": [Decimal("0.00")] * n, "counts": [0] * n, "ua": Decimal("0.00"), "uc": 0, "oi": 0},
        )
        row["amounts"][c.bucket] += c.amount
        row["counts"][c.bucket] += c.count
        row["ua"] += c.unapplied_amount
        row["uc"] += c.unapplied_count
        row["oi"] += c.open_invoices
    customers = [
        CustomerAging(
            cid, names[cid][0], names[cid][1], tuple(r["amounts"]), tuple(r["counts"]), r["ua"], r["uc"], r["oi"]
        )
        for cid, r in acc.items()
    ]
    customers.sort(key=lambda c: c.customer_ref)
    return AgingReport(as_of, Basis(basis), currency, buckets, tuple(customers))


def merged(buckets: Buckets, extra: Iterable[int]) -> Buckets:
    """Buckets with extra edges added (e.g. 60 and 90 for the 'over 60/90 days' shares)."""
    return Buckets(tuple(sorted(set(buckets.edges) | set(extra))))


def bucket_totals(cells: Iterable[AgingCell], buckets: Buckets) -> tuple[Decimal, ...]:
    """The portfolio amount per bucket straight from the SQL cells: AgingReport.amounts without building the
    customer rows (the same sums in another order, exact on Decimals)."""
    out = [Decimal("0.00")] * len(buckets.labels)
    for c in cells:
        out[c.bucket] += c.amount
    return tuple(out)


def _bucket_map(fine: Buckets, target: Buckets) -> list[int]:
    """The target bucket of each fine bucket; exact because every target edge must be a fine edge."""
    if not set(target.edges) <= set(fine.edges):
        raise BucketError(f"edges {target.as_text()} are not a subset of {fine.as_text()}")
    # fine bucket i (1..n) covers days (e_i-1, e_i] and lies inside target bucket index(e_i); the last is open
    return [0] + [target.index(e) for e in fine.edges] + [len(target.edges) + 1]


def _squash(values: Sequence, mapping: list[int], n: int, zero) -> tuple:
    out = [zero] * n
    for i, v in enumerate(values):
        out[mapping[i]] += v
    return tuple(out)


def coarsen_values(values: Sequence, fine: Buckets, target: Buckets, zero=Decimal("0.00")) -> tuple:
    """Values by the fine buckets (amounts, or counts with zero=0) re-bucketed to `target`, exactly."""
    return _squash(values, _bucket_map(fine, target), len(target.labels), zero)


def coarsen(report: AgingReport, target: Buckets) -> AgingReport:
    """Re-bucket a report computed with finer edges; exact because every target edge is a fine edge."""
    mapping, n = _bucket_map(report.buckets, target), len(target.labels)
    customers = tuple(
        CustomerAging(
            c.customer_id,
            c.customer_ref,
            c.name,
            _squash(c.amounts, mapping, n, Decimal("0.00")),
            _squash(c.counts, mapping, n, 0),
            c.unapplied_amount,
            c.unapplied_count,
            c.open_invoices,
        )
        for c in report.customers
    )
    return AgingReport(report.as_of, report.basis, report.currency, target, customers)


def amounts_beyond(amounts: Sequence[Decimal], buckets: Buckets, days: int) -> Decimal:
    """Of amounts by `buckets`, the part more than `days` days old; `days` must be one of the edges."""
    if days not in buckets.edges:
        raise BucketError(f"{days} is not a bucket edge of {buckets.as_text()}")
    first = buckets.edges.index(days) + 2  # bucket index of (days+1)-...
    return sum(amounts[first:], Decimal("0.00"))


def amount_beyond(report: AgingReport, days: int) -> Decimal:
    """Open amount more than `days` days old; `days` must be one of the report's edges."""
    return amounts_beyond(report.amounts, report.buckets, days)


def customer_amount_beyond(row: CustomerAging, buckets: Buckets, days: int) -> Decimal:
    return amounts_beyond(row.amounts, buckets, days)


def group_rows(report: AgingReport, key_of: Mapping[int, str]) -> dict[str, tuple[Decimal, ...]]:
    """Bucket amounts summed per key (segment, country, ...) over the customer rows."""
    n = len(report.buckets.labels)
    out: dict[str, list[Decimal]] = {}
    for c in report.customers:
        acc = out.setdefault(key_of.get(c.customer_id) or "–", [Decimal("0.00")] * n)
        for i, a in enumerate(c.amounts):
            acc[i] += a
    return {k: tuple(v) for k, v in sorted(out.items())}
