"""The user's own company profile: name, organisation number, country, base currency."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from domain.fx import is_currency_code


@dataclass(frozen=True)
class CompanyProfile:
    name: str = "Demo Kreditt AS"
    org_number: str = ""
    country: str = "NO"
    base_currency: str = "NOK"

    def __post_init__(self) -> None:
        if not is_currency_code(self.base_currency):
            raise ValueError(f"'{self.base_currency}' is not a three-letter currency code")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CompanyProfile:
        return cls(**{k: d[k] for k in ("name", "org_number", "country", "base_currency") if k in d})
