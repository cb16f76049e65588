"""Numbers, money, percentages and dates formatted for the session's language with babel
(nb: 1 234 567,89 kr and 31.03.2026; en: NOK 1,234,567.89 and 31 Mar 2026)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from components.i18n import babel_locale

DASH = "–"


def money(value: Decimal | float | None, currency: str, locale: str | None = None) -> str:
    if value is None:
        return DASH
    loc = locale or babel_locale()
    if loc.startswith("en"):  # "NOK 1,234.50", not "NOK1,234.50"
        return format_currency(Decimal(str(value)), currency, format="¤\u00a0#,##0.00", locale=loc)
    return format_currency(Decimal(str(value)), currency, locale=loc)


def number(value: Decimal | float | int | None, decimals: int = 0, locale: str | None = None) -> str:
    if value is None:
        return DASH
    fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(Decimal(str(value)), format=fmt, locale=locale or babel_locale())


def percent(value: Decimal | float | None, decimals: int = 1, locale: str | None = None) -> str:
    """A value already in percent (42.5 -> '42,5 %' in nb, '42.5%' in en)."""
    if value is None:
        return DASH
    loc = locale or babel_locale()
    text = number(value, decimals, loc)
    return f"{text}\u00a0%" if loc.startswith("nb") else f"{text}%"


def days(value: Decimal | float | None, locale: str | None = None) -> str:
    return DASH if value is None else number(value, 1, locale)


def day(value: date | None, locale: str | None = None) -> str:
    if value is None:
        return DASH
    loc = locale or babel_locale()
    return format_date(value, format="dd.MM.yyyy" if loc.startswith("nb") else "d MMM yyyy", locale=loc)


def moment(value: datetime | None, locale: str | None = None) -> str:
    if value is None:
        return DASH
    loc = locale or babel_locale()
    return format_datetime(value, format="dd.MM.yyyy HH:mm" if loc.startswith("nb") else "d MMM yyyy HH:mm", locale=loc)


def date_column_format(locale: str | None = None) -> str:
    """The moment.js pattern for st.column_config.DateColumn matching day() (nb 31.03.2026, en 31 Mar 2026)."""
    return "DD.MM.YYYY" if (locale or babel_locale()).startswith("nb") else "D MMM YYYY"
