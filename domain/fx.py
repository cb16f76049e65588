"""FX conventions: rates are base-currency units per 1 unit; quotes per 100 are converted on import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import list_currencies

# ISO 4217 codes, current and historic, as the CLDR data shipped with babel lists them: "NKR" or "SKR" (how
# Nordic ledgers sometimes write kroner) is refused on import instead of waiting for an exchange rate never given
ISO_CURRENCIES = frozenset(list_currencies())
CURRENCIES = ("NOK", "SEK", "DKK", "EUR", "USD", "GBP", "CHF", "JPY", "PLN", "ISK")


class MissingFxRate(LookupError):
    """No rate for a currency dated on or before the date asked for: never a silent 1.0."""

    def __init__(self, currency: str, on: date):
        self.currency = currency
        self.on = on
        super().__init__(f"no FX rate for {currency} dated on or before {on.isoformat()}")


def per_unit(rate: Decimal, quoted_per: int = 1) -> Decimal:
    """A quote per `quoted_per` units (Norges Bank gives SEK and DKK per 100) -> per 1 unit."""
    if quoted_per <= 0:
        raise ValueError("quoted_per must be positive")
    return Decimal(rate) / quoted_per


def looks_like_currency_code(code: str) -> bool:
    """Three upper-case letters, whether or not ISO 4217 knows them."""
    return len(code) == 3 and code.isalpha() and code.isupper()


def is_currency_code(code: str) -> bool:
    return looks_like_currency_code(code) and code in ISO_CURRENCIES
