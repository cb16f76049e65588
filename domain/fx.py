"""FX conventions: rates are base-currency units per 1 unit; quotes per 100 are converted on import."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

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


def is_currency_code(code: str) -> bool:
    return len(code) == 3 and code.isalpha() and code.isupper()
