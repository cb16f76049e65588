"""Equal payment-plan instalments: a total split into whole cents, the remainder on the last instalment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal


def equal_instalments(total: Decimal, count: int, first: date, every_days: int) -> list[tuple[date, Decimal]]:
    """`count` instalments every `every_days` days from `first`; they sum to `total` exactly."""
    if count < 1 or every_days < 1:
        raise ValueError("a plan needs at least one instalment and at least one day between instalments")
    if total <= 0:
        raise ValueError("there is nothing open to plan")
    part = (total / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    amounts = [part] * (count - 1) + [total - part * (count - 1)]
    return [(first + timedelta(days=every_days * i), a) for i, a in enumerate(amounts)]
