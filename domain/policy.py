"""The credit policy as data: bucket edges, KPI window, trend rule, payment-index table, freshness."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.aging import DEFAULT_EDGES, Buckets
from domain.behaviour import TrendRule
from domain.kpis import PaymentIndexScale


class PolicyError(ValueError):
    """A policy document that is not valid."""


@dataclass(frozen=True)
class Policy:
    bucket_edges: tuple[int, ...] = DEFAULT_EDGES
    kpi_window_days: int = 90
    ledger_freshness_days: int = 2
    trend: TrendRule = field(default_factory=TrendRule)
    payment_index: PaymentIndexScale = field(default_factory=PaymentIndexScale)

    def __post_init__(self) -> None:
        Buckets(self.bucket_edges)  # validates
        if self.kpi_window_days <= 0:
            raise PolicyError("kpi_window_days must be a positive number of days")
        if self.ledger_freshness_days < 0:
            raise PolicyError("ledger_freshness_days must not be negative")

    @property
    def buckets(self) -> Buckets:
        return Buckets(self.bucket_edges)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bucket_edges"] = list(self.bucket_edges)
        d["payment_index"]["points"] = [list(p) for p in self.payment_index.points]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Policy:
        try:
            base = cls()
            pi = d.get("payment_index", {})
            return cls(
                bucket_edges=tuple(_whole(e) for e in d.get("bucket_edges", base.bucket_edges)),
                kpi_window_days=_whole(d.get("kpi_window_days", base.kpi_window_days)),
                ledger_freshness_days=_whole(d.get("ledger_freshness_days", base.ledger_freshness_days)),
                trend=TrendRule(**{k: _whole(v) for k, v in d.get("trend", {}).items()}),
                payment_index=PaymentIndexScale(
                    points=tuple((_whole(a), _whole(b)) for a, b in pi.get("points", base.payment_index.points)),
                    floor=_whole(pi.get("floor", base.payment_index.floor)),
                    ceiling=_whole(pi.get("ceiling", base.payment_index.ceiling)),
                    source=str(pi.get("source", base.payment_index.source)),
                ),
            )
        except (TypeError, ValueError) as exc:
            raise PolicyError(f"invalid policy: {exc}") from exc


def _whole(value: Any) -> int:
    """A whole number from policy JSON; 1.5 or '30.5' is an error, never truncated."""
    if isinstance(value, bool):
        raise PolicyError(f"{value!r} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isascii() and value.strip().lstrip("-").isdigit():
        return int(value)
    raise PolicyError(f"{value!r} is not a whole number")


def ledger_is_stale(last_loaded: datetime | None, now: datetime, max_age_days: int) -> bool:
    """True when the ledger was last loaded more than `max_age_days` days before `now` (or never)."""
    return last_loaded is None or now - last_loaded > timedelta(days=max_age_days)
