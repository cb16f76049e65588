"""Exact money: Decimal amounts, minor units, and the one rounding rule (0.01 half-up)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MINOR_PER_UNIT = 100
RATE_SCALE = 1_000_000  # FX rates are stored as integers of 1e-6 base units per currency unit
# Largest |minor amount x scaled rate| that stays exact in a signed 64-bit SQL integer.
MAX_PRODUCT = 9_000_000_000_000_000_000


class MoneyError(ValueError):
    """An amount that cannot be represented exactly."""


def q2(value: Decimal) -> Decimal:
    """Round to 0.01 half-up (half away from zero), the rule for every converted line."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


_AMOUNT = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
MAX_DIGITS = 18  # integer digits accepted before any range check of the caller


def parse_amount(text: str) -> Decimal:
    """Parse a canonical amount: ASCII digits, optional '-', '.' decimal mark, at most 2 decimals."""
    s = text.strip()
    if not s:
        raise MoneyError("empty amount")
    if "," in s or " " in s or "_" in s:
        raise MoneyError(f"'{text}' is not a canonical amount (use '.' as decimal mark, no separators)")
    if not _AMOUNT.fullmatch(s):
        raise MoneyError(f"'{text}' is not a number")
    if len(s.lstrip("+-").split(".")[0]) > MAX_DIGITS:
        raise MoneyError(f"'{text}' is too large")
    d = Decimal(s)
    if d != d.quantize(CENT):
        raise MoneyError(f"'{text}' has more than 2 decimals")
    return d.quantize(CENT)


def to_minor(amount: Decimal) -> int:
    """Decimal currency units -> integer minor units; refuses anything finer than 0.01."""
    d = Decimal(amount)
    minor = d * MINOR_PER_UNIT
    if minor != minor.to_integral_value():
        raise MoneyError(f"{amount} has more than 2 decimals")
    return int(minor)


def from_minor(minor: int | Decimal) -> Decimal:
    """Integer minor units -> Decimal units; a fractional value is a bug upstream, never truncated."""
    d = Decimal(minor)
    if d != d.to_integral_value():
        raise MoneyError(f"{minor} is not a whole number of minor units")
    return (d / MINOR_PER_UNIT).quantize(CENT)


def rate_to_scaled(rate: Decimal) -> int:
    scaled = Decimal(rate) * RATE_SCALE
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"FX rate {rate} has more than 6 decimals")
    if scaled <= 0:
        raise MoneyError(f"FX rate {rate} must be positive")
    return int(scaled)


def scaled_to_rate(scaled: int) -> Decimal:
    return Decimal(int(scaled)) / RATE_SCALE


def convert(amount: Decimal, rate: Decimal) -> Decimal:
    """One document converted to base currency: amount x rate rounded to 0.01 half-up."""
    return q2(Decimal(amount) * Decimal(rate))


def convert_minor(minor: int, scaled_rate: int) -> int:
    """The same rule on integers, exactly as the SQL computes it (half away from zero)."""
    p = int(minor) * int(scaled_rate)
    half = RATE_SCALE // 2
    return (p + half) // RATE_SCALE if p >= 0 else -((-p + half) // RATE_SCALE)
