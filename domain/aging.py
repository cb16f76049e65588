"""Aging buckets: edges and labels as one definition shared by SQL, CLI, UI and reports."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
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
        if not p.isdigit():
            raise BucketError(f"bucket edge '{p}' is not a positive whole number of days (e.g. 30,60,90,120)")
        edges.append(int(p))
    return Buckets(tuple(edges))
