"""Number, money and date formatting for display (Norwegian conventions by default, via babel)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

LOCALE = "nb_NO"


def money(value: Decimal | float | None, currency: str, locale: str = LOCALE) -> str:
    if value is None:
        return "–"
    return format_currency(Decimal(str(value)), currency, locale=locale)


def number(value: Decimal | float | int | None, decimals: int = 0, locale: str = LOCALE) -> str:
    if value is None:
        return "–"
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(str(value)), format=fmt, locale=locale)


def day(value: date | None, locale: str = LOCALE) -> str:
    return (
        "–"
        if value is None
        else format_date(value, format="short" if locale != LOCALE else "dd.MM.yyyy", locale=locale)
    )
