"""Exact column types: money as integer minor units and FX rates as integer millionths, read back as Decimal."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from domain.money import from_minor, rate_to_scaled, scaled_to_rate, to_minor


class Money(TypeDecorator):
    """Decimal in Python, BIGINT minor units (øre, cents) in the database, on every engine.

    Integer storage makes SUM exact on SQLite as well as PostgreSQL, with one SQL text for both.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return to_minor(Decimal(value))
        return to_minor(Decimal(value))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return from_minor(int(value))

    def coerce_compared_value(self, op, value):
        return self


class MinorUnits(TypeDecorator):
    """The same storage as Money for computed expressions already in minor units."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else int(value)

    def process_result_value(self, value, dialect):
        return None if value is None else from_minor(int(value))


class Rate(TypeDecorator):
    """FX rate in base units per 1 currency unit, stored as integer millionths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else rate_to_scaled(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else scaled_to_rate(int(value))


class Percent(Money):
    """A percentage with two decimals (90.00), stored like money as an integer of hundredths."""

    cache_ok = True
