"""Organisation numbers for NO, SE, DK and FI, validated with python-stdnum."""

from __future__ import annotations

from stdnum.dk import cvr
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus
from stdnum.no import orgnr
from stdnum.se import orgnr as se_orgnr

_VALIDATORS = {"NO": orgnr, "SE": se_orgnr, "DK": cvr, "FI": ytunnus}
COUNTRIES = tuple(_VALIDATORS)


class OrgNumberError(ValueError):
    """An organisation number that fails its country's format or check digit."""


def normalise_org_number(country: str, number: str) -> str:
    """Return the compact valid form, or raise OrgNumberError saying why."""
    module = _VALIDATORS.get(country)
    if module is None:
        raise OrgNumberError(f"organisation numbers are checked for {', '.join(COUNTRIES)}, not '{country}'")
    try:
        return module.validate(number)
    except ValidationError as exc:
        raise OrgNumberError(f"'{number}' is not a valid {country} organisation number: {exc}") from exc
