"""Enhetsregisteret (Brønnøysund) data in, our view out: the customer's register profile and the company events.

Pure: the JSON of a unit and its roles, the state stored after the previous sync and the sync date in; the new
state, the profile and the events out. Events have stable keys so that a rerun adds nothing:
- a register flag (konkurs, underAvvikling, underTvangsavviklingEllerTvangsopplosning, a restructuring date,
  slettedato or HTTP 410) gives one event, dated by the register's own date field or else by the sync on which it
  was first seen; the state keeps each raised flag with that date and text ("open") until the register clears it;
- a change of CEO (role DAGL) or board chair (LEDE), or of the business address, is found by comparing with the
  stored state, so it needs a previous sync; it is dated by the role group's `sistEndret` or else the sync date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SOURCE = "brreg"

# Our event_type codes (domain.risk.RiskRules, domain.policy.AlertThresholds, components.messages.EVENT_LABELS).
BANKRUPTCY = "bankruptcy"
LIQUIDATION = "liquidation"
FORCED_DISSOLUTION = "forced_dissolution"
RESTRUCTURING = "debt_restructuring"
DELETED = "deleted"  # a class-E and credit-hold event of the default policy, like the three above
ROLE_CHANGE = "role_change"
ADDRESS_CHANGE = "address_change"
FLAG_KINDS = (BANKRUPTCY, LIQUIDATION, FORCED_DISSOLUTION, RESTRUCTURING, DELETED)

ROLE_NAMES = {"DAGL": "daglig leder", "LEDE": "styreleder"}  # the role codes we watch

# The dates that give the reason of a forced dissolution, with the reason in the register's words.
FORCED_REASONS = (
    ("tvangsopplostPgaManglendeDagligLederDato", "manglende daglig leder"),
    ("tvangsopplostPgaManglendeRevisorDato", "manglende revisor"),
    ("tvangsopplostPgaManglendeRegnskapDato", "manglende regnskap"),
    ("tvangsopplostPgaMangelfulltStyreDato", "mangelfullt styre"),
    ("tvangsavvikletPgaManglendeSlettingDato", "manglende sletting"),
)

_SN2007 = re.compile(r"^(\d{2})\.(\d{2})\d?$")  # "46.900" (SN2007 sub-class) or "46.90"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RegisterDataError(ValueError):
    """The register's JSON for one unit cannot be read as documented (the message names the field and value)."""


@dataclass(frozen=True)
class RegisterProfile:
    """What the register says about the company, for the customer page. `employees` is None when the register has
    no count (harRegistrertAntallAnsatte false): unknown, not 0."""

    orgnr: str
    name: str | None
    legal_form: str | None  # organisasjonsform.kode: AS, ASA, ENK, NUF, ...
    legal_form_text: str | None
    nace_code: str | None  # naeringskode1.kode as the register writes it (SN2007), e.g. "46.900"
    nace_text: str | None
    industry_code: str | None  # the NACE class as customers.industry_code holds it, e.g. "46.90"
    employees: int | None
    address: str | None  # forretningsadresse as one line

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RegisterProfile:
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class RegisterEvent:
    """A company event to store with source "brreg". A flag event is the same event whatever its text (one per
    type and date); a change event also needs the same text (two role changes can share a day)."""

    kind: str
    day: date
    text: str
    flag: bool

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.kind, self.day.isoformat(), None if self.flag else self.text)


@dataclass(frozen=True)
class RegisterState:
    """What we keep per organisation number (settings key `brreg:<orgnr>`) between syncs."""

    orgnr: str
    fetched_on: date
    gone: bool = False  # the last answer was HTTP 410
    stale: bool = False  # the last fetch failed: fetch again on the next sync even if the feed is quiet
    unit: dict[str, Any] | None = None  # the last unit JSON seen
    profile: RegisterProfile | None = None
    roles: dict[str, list[dict[str, str]]] | None = None  # DAGL/LEDE holders; None: roles never read
    open: dict[str, dict[str, str]] = field(default_factory=dict)  # raised flag -> {"date", "text"} of its event

    def to_dict(self) -> dict[str, Any]:
        return {
            "orgnr": self.orgnr,
            "fetched_on": self.fetched_on.isoformat(),
            "gone": self.gone,
            "stale": self.stale,
            "unit": self.unit,
            "profile": None if self.profile is None else self.profile.to_dict(),
            "roles": self.roles,
            "open": self.open,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RegisterState:
        return cls(
            orgnr=d["orgnr"],
            fetched_on=date.fromisoformat(d["fetched_on"]),
            gone=bool(d.get("gone")),
            stale=bool(d.get("stale")),
            unit=d.get("unit"),
            profile=None if d.get("profile") is None else RegisterProfile.from_dict(d["profile"]),
            roles=d.get("roles"),
            open=dict(d.get("open") or {}),
        )


@dataclass(frozen=True)
class SyncOutcome:
    """`events` are every event the customers of this orgnr should have: the raised flags' events (the store adds
    the ones missing) and the changes found on this sync."""

    state: RegisterState
    events: tuple[RegisterEvent, ...]


# --- reading the unit


def nace_class(code: str | None) -> str | None:
    """The NACE class (two digits, dot, two digits) of an SN2007 code: "46.900" -> "46.90", "47.711" -> "47.71";
    None for anything else."""
    if not code:
        return None
    m = _SN2007.match(code.strip())
    return f"{m.group(1)}.{m.group(2)}" if m else None


def address_line(address: Any) -> str | None:
    """forretningsadresse as one line: "Arbeidsveien 1, 7010 TRONDHEIM" (the country added outside Norway)."""
    if not isinstance(address, dict):
        return None
    parts = [str(a).strip() for a in address.get("adresse") or [] if a and str(a).strip()]
    place = " ".join(str(p) for p in (address.get("postnummer"), address.get("poststed")) if p)
    if place:
        parts.append(place)
    if address.get("landkode") not in (None, "NO") and address.get("land"):
        parts.append(str(address["land"]))
    return ", ".join(parts) or None


def profile(orgnr: str, unit: dict[str, Any]) -> RegisterProfile:
    form = _obj(unit, "organisasjonsform")
    nace = _obj(unit, "naeringskode1")
    employees = unit.get("antallAnsatte")
    if unit.get("harRegistrertAntallAnsatte") is False or employees is None:
        employees = None
    elif isinstance(employees, bool) or not isinstance(employees, int) or employees < 0:
        raise RegisterDataError(f"{orgnr}: antallAnsatte {employees!r} is not a number of employees")
    return RegisterProfile(
        orgnr=orgnr,
        name=unit.get("navn"),
        legal_form=form.get("kode"),
        legal_form_text=form.get("beskrivelse"),
        nace_code=nace.get("kode"),
        nace_text=nace.get("beskrivelse"),
        industry_code=nace_class(nace.get("kode")),
        employees=employees,
        address=address_line(unit.get("forretningsadresse")),
    )


def flags(orgnr: str, unit: dict[str, Any]) -> dict[str, tuple[date | None, str]]:
    """The register flags raised on this unit: kind -> (the register's date or None, the event text)."""
    out: dict[str, tuple[date | None, str]] = {}
    if unit.get("konkurs") is True:
        day = _date(orgnr, unit, "konkursdato")
        out[BANKRUPTCY] = (day, "Konkurs registrert i Enhetsregisteret" + _since(day, "konkursdato"))
    if unit.get("underAvvikling") is True:
        day = _date(orgnr, unit, "underAvviklingDato")
        out[LIQUIDATION] = (day, "Under avvikling i Enhetsregisteret" + _since(day, "fra"))
    if unit.get("underTvangsavviklingEllerTvangsopplosning") is True:
        reasons = [(d, why) for key, why in FORCED_REASONS if (d := _date(orgnr, unit, key)) is not None]
        day = min((d for d, _ in reasons), default=None)
        text = "Under tvangsavvikling eller tvangsoppløsning i Enhetsregisteret"
        if reasons:
            text += " (" + "; ".join(f"{why} {d.isoformat()}" for d, why in sorted(reasons)) + ")"
        out[FORCED_DISSOLUTION] = (day, text + ".")
    restructuring = _date(orgnr, unit, "underRekonstruksjonsforhandlingDato")
    if restructuring is not None or unit.get("underRekonstruksjonsforhandling") is True:
        out[RESTRUCTURING] = (
            restructuring,
            "Under rekonstruksjonsforhandling i Enhetsregisteret" + _since(restructuring, "fra"),
        )
    deleted = _date(orgnr, unit, "slettedato")
    if deleted is not None:
        out[DELETED] = (deleted, f"Slettet i Enhetsregisteret {deleted.isoformat()}.")
    return out


def key_roles(orgnr: str, roles: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """The current holders of DAGL and LEDE (not fratraadt, not avregistrert), each {"name", "id"} where id is
    the birth date of a person or the organisation number of a unit, sorted; an absent role is an empty list."""
    groups = roles.get("rollegrupper") or []
    if not isinstance(groups, list):
        raise RegisterDataError(f"{orgnr}: rollegrupper is not a list")
    out: dict[str, list[dict[str, str]]] = {code: [] for code in ROLE_NAMES}
    for group in groups:
        for role in (group or {}).get("roller") or []:
            code = _obj(role, "type").get("kode")
            if code not in out or role.get("fratraadt") is True or role.get("avregistrert") is True:
                continue
            out[code].append(_holder(orgnr, role))
    return {code: sorted(holders, key=lambda h: (h["name"], h["id"])) for code, holders in out.items()}


def role_dates(orgnr: str, roles: dict[str, Any]) -> dict[str, date]:
    """sistEndret of the group that holds each watched role."""
    out: dict[str, date] = {}
    for group in roles.get("rollegrupper") or []:
        changed = _date(orgnr, group or {}, "sistEndret")
        if changed is None:
            continue
        for role in (group or {}).get("roller") or []:
            code = _obj(role, "type").get("kode")
            if code in ROLE_NAMES:
                out[code] = changed
    return out


# --- one sync


def sync_outcome(
    orgnr: str,
    unit: dict[str, Any] | None,
    roles: dict[str, Any] | None,
    previous: RegisterState | None,
    today: date,
) -> SyncOutcome:
    """The new state and the events after fetching `orgnr` on `today`.

    unit None means HTTP 410 (removed); roles None means the roles could not be read this time (the stored holders
    are kept and no role change is looked for)."""
    if unit is not None:
        got = unit.get("organisasjonsnummer")
        if got is not None and str(got) != orgnr:
            raise RegisterDataError(f"{orgnr}: the register answered with unit {got}")
        now_flags = flags(orgnr, unit)
        new_profile: RegisterProfile | None = profile(orgnr, unit)
        kept_unit: dict[str, Any] | None = unit
    else:
        kept = previous.open.get(DELETED) if previous else None
        removed = None if kept is None else date.fromisoformat(kept["date"])
        now_flags = {DELETED: (removed, "Fjernet fra Enhetsregisteret (HTTP 410 Gone).")}
        new_profile = previous.profile if previous else None
        kept_unit = previous.unit if previous else None

    before = previous.open if previous else {}
    opened: dict[str, dict[str, str]] = {}
    events: list[RegisterEvent] = []
    for kind in FLAG_KINDS:
        if kind not in now_flags:
            continue
        if kind in before:  # already raised: keep the date and text its event was stored with
            opened[kind] = before[kind]
        else:
            day, text = now_flags[kind]
            opened[kind] = {"date": (day or today).isoformat(), "text": text}
        events.append(RegisterEvent(kind, date.fromisoformat(opened[kind]["date"]), opened[kind]["text"], True))

    holders = previous.roles if previous else None
    if roles is not None and unit is not None:
        holders = key_roles(orgnr, roles)
        if previous is not None and previous.roles is not None:
            dates = role_dates(orgnr, roles)
            for code, name in ROLE_NAMES.items():
                old, new = previous.roles.get(code, []), holders[code]
                if _ids(old) != _ids(new):
                    events.append(RegisterEvent(ROLE_CHANGE, dates.get(code, today), _role_text(name, old, new), False))

    if previous and previous.profile and new_profile and unit is not None:
        old_address, new_address = previous.profile.address, new_profile.address
        if old_address and new_address and old_address != new_address:
            text = f"Ny forretningsadresse: {new_address} (tidligere {old_address})."
            events.append(RegisterEvent(ADDRESS_CHANGE, today, text, False))

    state = RegisterState(
        orgnr=orgnr,
        fetched_on=today,
        gone=unit is None,
        stale=False,
        unit=kept_unit,
        profile=new_profile,
        roles=holders,
        open=opened,
    )
    return SyncOutcome(state, tuple(events))


# --- helpers


def _obj(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    return v if isinstance(v, dict) else {}


def _date(orgnr: str, d: dict[str, Any], key: str) -> date | None:
    v = d.get(key)
    if v is None or v == "":
        return None
    if not isinstance(v, str) or not _ISO_DATE.match(v):
        raise RegisterDataError(f"{orgnr}: {key} {v!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(v)
    except ValueError as exc:
        raise RegisterDataError(f"{orgnr}: {key} {v!r} is not a date ({exc})") from exc


def _since(day: date | None, word: str) -> str:
    return f", {word} {day.isoformat()}." if day else "."


def _holder(orgnr: str, role: dict[str, Any]) -> dict[str, str]:
    person = role.get("person")
    if isinstance(person, dict):
        n = _obj(person, "navn")
        name = " ".join(str(n[k]).strip() for k in ("fornavn", "mellomnavn", "etternavn") if n.get(k))
        return {"name": name, "id": str(person.get("fodselsdato") or "")}
    unit = role.get("enhet")
    if isinstance(unit, dict):
        lines = unit.get("navn") or []
        name = " ".join(str(x) for x in lines) if isinstance(lines, list) else str(lines)
        return {"name": name, "id": str(unit.get("organisasjonsnummer") or "")}
    raise RegisterDataError(f"{orgnr}: a role has neither person nor enhet")


def _ids(holders: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((h.get("name", ""), h.get("id", "")) for h in holders)


def _names(holders: list[dict[str, str]]) -> str:
    return " og ".join(h["name"] for h in holders)


def _role_text(role: str, old: list[dict[str, str]], new: list[dict[str, str]]) -> str:
    """Names only: birth dates are personal data and stay out of event texts."""
    if new and old:
        return f"Ny {role}: {_names(new)} (etterfølger {_names(old)})."
    if new:
        return f"Ny {role}: {_names(new)}."
    return f"{role.capitalize()} {_names(old)} er fratrådt; ingen ny registrert."
