"""Money (domain/money.py, domain/fx.py): 0.01 half-up, conversion on Decimals and on integers, parsing."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from domain.fx import MissingFxRate, is_currency_code, per_unit
from domain.money import (
    MAX_PRODUCT,
    RATE_SCALE,
    MoneyError,
    convert,
    convert_minor,
    from_minor,
    parse_amount,
    q2,
    rate_to_scaled,
    scaled_to_rate,
    to_minor,
)

D = Decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0.005"), D("0.01")),  # half goes up ...
        (D("-0.005"), D("-0.01")),  # ... and away from zero for negatives
        (D("0.0049999"), D("0.00")),
        (D("-0.0049999"), D("0.00")),
        (D("0.015"), D("0.02")),  # not banker's rounding (half-even would give 0.02 too)
        (D("0.025"), D("0.03")),  # half-even would give 0.02
        (D("-0.025"), D("-0.03")),
        (D("2.675"), D("2.68")),  # exact in Decimal (as a float it would be 2.67499...)
        (D("1180"), D("1180.00")),
        (D("123.444"), D("123.44")),
    ],
)
def test_q2_half_up(value, expected):
    assert q2(value) == expected
    assert q2(value).as_tuple().exponent == -2  # always two decimals


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (D("100.00"), D("11.8"), D("1180.00")),
        (D("0.01"), D("11.5"), D("0.12")),  # 0.115 -> 0.12
        (D("-0.01"), D("11.5"), D("-0.12")),  # -0.115 -> -0.12
        (D("1.00"), D("0.985"), D("0.99")),  # 0.985 -> 0.99
        (D("1.00"), D("0.005"), D("0.01")),
        (D("-1.00"), D("0.005"), D("-0.01")),
        (D("1234.56"), D("11.805512"), D("14574.61")),  # 13 580.16 + 994.45289... = 14 574.61289 -> 14 574.61
        (D("1.00"), D("0.004999"), D("0.00")),
    ],
)
def test_convert(amount, rate, expected):
    assert convert(amount, rate) == expected


def test_totals_are_sums_of_rounded_lines():
    lines = [D("0.01")] * 3  # three EUR 0.01 lines at 11.5 NOK/EUR
    rate = D("11.5")
    assert [convert(x, rate) for x in lines] == [D("0.12")] * 3  # 0.115 each
    assert sum(convert(x, rate) for x in lines) == D("0.36")  # the reported total
    assert convert(sum(lines), rate) == D("0.35")  # converting the total instead would give 0.345 -> 0.35


@pytest.mark.parametrize(
    ("minor", "scaled", "expected"),
    [
        (1, 11_500_000, 12),  # 0.01 x 11.5 = 0.115 -> 0.12
        (-1, 11_500_000, -12),
        (100, 5_000, 1),  # 1.00 x 0.005 = 0.005 -> 0.01
        (-100, 5_000, -1),
        (100, 4_999, 0),
        (-100, 4_999, 0),
        (0, 11_500_000, 0),
        (10_000, 11_800_000, 118_000),  # 100.00 x 11.8 = 1 180.00
    ],
)
def test_convert_minor(minor, scaled, expected):
    assert convert_minor(minor, scaled) == expected


AMOUNTS_MINOR = [
    0,
    1,
    -1,
    5,
    -5,
    49,
    50,
    -50,
    99,
    12_345,
    -12_345,
    100_001,
    -100_001,
    123_456_789,
    -987_654_321,
    50_000_000_000,  # 500 000 000.00, the largest amount per document
    -50_000_000_000,
]
RATES_SCALED = [
    1,  # 0.000001
    5_000,  # 0.005
    499_999,
    500_000,  # 0.5
    985_000,  # 0.985 (SEK in NOK)
    1_000_000,  # 1
    1_085_000,  # DKK 108.50 per 100
    11_500_000,  # 11.5
    11_805_512,
    123_456_789,
    180_000_000,  # the largest supported rate
]


@pytest.mark.parametrize(("minor", "scaled"), list(itertools.product(AMOUNTS_MINOR, RATES_SCALED)))
def test_convert_minor_agrees_with_convert(minor, scaled):
    assert abs(minor * scaled) <= MAX_PRODUCT
    on_decimals = convert(from_minor(minor), scaled_to_rate(scaled))
    on_integers = from_minor(convert_minor(minor, scaled))
    assert on_decimals == on_integers


def test_convert_minor_agrees_with_convert_on_a_dense_grid():
    # every amount from -3.00 to 3.00 against rates that put many products exactly on a half cent
    for minor in range(-300, 301):
        for scaled in (5_000, 15_000, 250_000, 1_005_000, 11_505_000, 9_999_999):
            assert convert(from_minor(minor), scaled_to_rate(scaled)) == from_minor(convert_minor(minor, scaled))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1500", D("1500.00")),
        ("1500.5", D("1500.50")),
        ("-20.00", D("-20.00")),
        (" 12.30 ", D("12.30")),
        ("0", D("0.00")),
        ("1.230", D("1.23")),  # a trailing zero is not a third decimal
        ("+5", D("5.00")),
    ],
)
def test_parse_amount_valid(text, expected):
    got = parse_amount(text)
    assert got == expected
    assert got.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,5", "'1,5' is not a canonical amount (use '.' as decimal mark, no separators)"),
        ("1 000", "'1 000' is not a canonical amount (use '.' as decimal mark, no separators)"),
        ("1_000", "'1_000' is not a canonical amount (use '.' as decimal mark, no separators)"),
        ("1,000.00", "'1,000.00' is not a canonical amount"),
        ("1.234", "'1.234' has more than 2 decimals"),
        ("-0.005", "'-0.005' has more than 2 decimals"),
        ("", "empty amount"),
        ("   ", "empty amount"),
        ("abc", "'abc' is not a number"),
        ("12 kr", "'12 kr' is not a canonical amount"),
        ("NaN", "'NaN' is not a number"),
        ("Infinity", "'Infinity' is not a number"),
        ("1e3", "'1e3' is not a number"),  # canonical files carry plain decimals, no exponents
        ("１２", "'１２' is not a number"),  # full-width digits are not ASCII
    ],
)
def test_parse_amount_invalid(text, message):
    with pytest.raises(MoneyError) as exc:
        parse_amount(text)
    assert message in str(exc.value)


@pytest.mark.parametrize("text", ["1e30", "9" * 29])
def test_parse_amount_out_of_range_is_a_money_error(text):
    with pytest.raises(MoneyError):
        parse_amount(text)


@pytest.mark.parametrize(
    ("amount", "minor"),
    [(D("12.34"), 1234), (D("-0.05"), -5), (D("0"), 0), (D("500000000.00"), 50_000_000_000), (D("1.5"), 150)],
)
def test_minor_units_round_trip(amount, minor):
    assert to_minor(amount) == minor
    assert from_minor(minor) == amount
    assert from_minor(minor).as_tuple().exponent == -2


def test_to_minor_refuses_fractions_of_a_cent():
    with pytest.raises(MoneyError, match="more than 2 decimals"):
        to_minor(D("1.234"))


@pytest.mark.parametrize(
    ("rate", "scaled"),
    [(D("11.805512"), 11_805_512), (D("1"), RATE_SCALE), (D("0.000001"), 1), (D("180"), 180_000_000)],
)
def test_rate_scaling(rate, scaled):
    assert rate_to_scaled(rate) == scaled
    assert scaled_to_rate(scaled) == rate


@pytest.mark.parametrize(
    ("rate", "message"),
    [(D("1.0000001"), "more than 6 decimals"), (D("0"), "must be positive"), (D("-11.5"), "must be positive")],
)
def test_rate_scaling_invalid(rate, message):
    with pytest.raises(MoneyError, match=message):
        rate_to_scaled(rate)


@pytest.mark.parametrize(
    ("rate", "per", "expected"),
    [(D("108.50"), 100, D("1.085")), (D("98.5"), 100, D("0.985")), (D("11.8"), 1, D("11.8"))],
)
def test_fx_quotes_per_100_become_per_unit(rate, per, expected):
    assert per_unit(rate, per) == expected


def test_fx_helpers():
    with pytest.raises(ValueError, match="quoted_per must be positive"):
        per_unit(D("1"), 0)
    assert is_currency_code("NOK") and not is_currency_code("nok") and not is_currency_code("NO")
    assert str(MissingFxRate("EUR", __import__("datetime").date(2026, 3, 31))) == (
        "no FX rate for EUR dated on or before 2026-03-31"
    )
