"""Equal instalments: whole cents, the remainder on the last, dates every n days."""

from datetime import date
from decimal import Decimal

import pytest

from domain.instalments import equal_instalments


def test_split_in_cents_with_the_remainder_last():
    plan = equal_instalments(Decimal("1000.00"), 3, date(2026, 11, 1), 30)
    assert plan == [
        (date(2026, 11, 1), Decimal("333.33")),
        (date(2026, 12, 1), Decimal("333.33")),
        (date(2026, 12, 31), Decimal("333.34")),
    ]
    assert sum(a for _, a in plan) == Decimal("1000.00")


def test_one_instalment_is_the_whole_amount():
    assert equal_instalments(Decimal("12.34"), 1, date(2026, 1, 1), 7) == [(date(2026, 1, 1), Decimal("12.34"))]


@pytest.mark.parametrize(
    ("total", "count", "every"), [(Decimal("0"), 2, 30), (Decimal("10"), 0, 30), (Decimal("10"), 2, 0)]
)
def test_bad_plans_are_refused(total, count, every):
    with pytest.raises(ValueError):
        equal_instalments(total, count, date(2026, 1, 1), every)
