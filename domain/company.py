"""The user's own company profile: name, organisation number, country, base currency."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from domain.fx import is_currency_code
from domain.identifiers import COUNTRIES, normalise_org_number


@dataclass(frozen=True)
class CompanyProfile:
    name: str = ""
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


def validated_profile(d: dict[str, Any]) -> CompanyProfile:
    """A profile from user input: checks the country, the organisation number and the currency code."""
    country = str(d.get("country") or "").upper()
    if len(country) != 2 or not country.isalpha():
        raise ValueError(f"'{d.get('country')}' is not a two-letter country code")
    org = str(d.get("org_number") or "")
    if org and country in COUNTRIES:
        org = normalise_org_number(country, org)
    return CompanyProfile(
        name=str(d.get("name") or "").strip() or "Unnamed company",
        org_number=org,
        country=country,
        base_currency=str(d.get("base_currency") or "NOK").upper(),
    )
