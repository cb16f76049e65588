"""The deterministic demo portfolio: a Nordic B2B seller (base currency NOK) with realistic customers.

`generate(spec)` builds every row in memory from `random.Random(spec.seed)` alone (no clock, no database),
so the same spec always gives the same rows. `seed_demo(conn, spec)` bulk-inserts them into an empty
ledger with explicit ids, computes the allocations with the shared allocation rules, marks the
database as demo data and bumps the data version. The caller owns the transaction.

Payer archetypes (stored per customer in `DemoData.archetypes`):

- prompt: pays around the due date (+-3 days)
- steady_slow: always about 15-25 days late, stable
- noisy_prompt: prompt, except exactly one invoice closed in the last 90 days, 30-45 days late
- deteriorating: prompt until about 9 months before the end date, then a week late, then two, then three+
- defaulting: increasingly late, the last months unpaid, payment remarks on the credit reports
- bankrupt: like defaulting, then a bankruptcy some weeks before the end date and write-offs
"""

from __future__ import annotations

import math
import random
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, func, insert, select, text

from data_access.ledger import (
    allocation_row,
    bump_data_version,
    insert_allocations,
    log_import,
    refresh_statistics,
    set_setting,
    utcnow,
)
from data_access.schema import (
    LEDGER_TABLES,
    OPEN_UNTIL_OPEN,
    Base,
    CompanyEvent,
    CreditReport,
    Customer,
    FxRate,
    Invoice,
    Payment,
    WriteOff,
)
from domain.allocation import CreditDoc, InvoiceDoc, allocate, settled_on
from domain.identifiers import OrgNumberError, normalise_org_number
from domain.risk import review_due

DEMO_END_DATE = date(2026, 10, 31)
BASE_CURRENCY = "NOK"
DEMO_COMPANY = {"name": "Demo Kreditt AS", "org_number": "915738206", "country": "NO", "base_currency": "NOK"}
BUREAU = "Demo Bureau"
INSURERS = ("Atradius", "Coface", "Allianz Trade")
MAX_CUSTOMERS = 100_000  # scale L of the benchmark (bench/__main__.py)
MAX_YEARS = 10
INSERT_CHUNK = 10_000
FX_LEAD_DAYS = 42  # FX rates start six weeks before the first possible invoice date

ARCHETYPE_SHARES: dict[str, float] = {
    "prompt": 0.45,
    "steady_slow": 0.20,
    "noisy_prompt": 0.15,
    "deteriorating": 0.10,
    "defaulting": 0.07,
    "bankrupt": 0.03,
}
ARCHETYPES = tuple(ARCHETYPE_SHARES)
COUNTRY_SHARES = (("NO", 0.55), ("SE", 0.20), ("DK", 0.15), ("FI", 0.10))
# Invoice currency of foreign customers: mostly their own, some in NOK or EUR.
CURRENCY_CHOICES = {
    "NO": (("NOK", 1.0),),
    "SE": (("SEK", 0.80), ("EUR", 0.08), ("NOK", 0.12)),
    "DK": (("DKK", 0.80), ("EUR", 0.10), ("NOK", 0.10)),
    "FI": (("EUR", 0.90), ("NOK", 0.10)),
}
FX_START = {"SEK": 0.98, "DKK": 1.55, "EUR": 11.5}  # NOK per 1 unit at the start of the walk
TERMS = (10, 14, 20, 30, 45, 60)
TERMS_WEIGHTS = {
    "SMB": (6, 40, 6, 40, 5, 3),
    "Mid-market": (2, 30, 4, 50, 8, 6),
    "Enterprise": (0, 10, 2, 48, 20, 20),
    "Public": (0, 5, 0, 85, 5, 5),
}
SEGMENTS = ("SMB", "Mid-market", "Enterprise", "Public")
# Borrowing-base demo data: every 40th customer's invoices are factored, a lender profile, two contra positions
PLEDGED_TO = "Nordic Factoring AS"
PLEDGED_EVERY = 40
DEMO_CONTRA = ((1, "250000.00"), (4, "40000.00"))  # (customer index, what we owe them in base currency)
SEGMENT_WEIGHTS = (0.55, 0.27, 0.10, 0.08)
# Invoices per year (before a per-customer spread), median invoice size in NOK and its log-normal sigma.
SEGMENT_PROFILE = {
    "SMB": (8.0, 9_000.0, 0.9),
    "Mid-market": (17.0, 40_000.0, 0.8),
    "Enterprise": (34.0, 120_000.0, 0.8),
    "Public": (20.0, 60_000.0, 0.7),
}
# Minimum invoices per year by archetype: a trend needs a regular customer to be visible.
RATE_FLOOR = {
    "prompt": 4.0,
    "steady_slow": 12.0,
    "noisy_prompt": 12.0,
    "deteriorating": 26.0,  # (they buy on a fixed cadence instead, 26-52 invoices a year)
    "defaulting": 15.0,
    "bankrupt": 15.0,
}
# Volume per month (Nordic seasonality: busy spring and autumn, quiet July and late December).
MONTH_WEIGHT = {1: 0.9, 2: 1.0, 3: 1.15, 4: 1.1, 5: 1.15, 6: 1.0, 7: 0.45, 8: 0.95, 9: 1.2, 10: 1.2, 11: 1.1, 12: 0.85}
LATE_DECEMBER_WEIGHT = 0.25  # from 20 December

INDUSTRY_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "41.20": {
        "NO": ("Bygg", "Byggmester"),
        "SE": ("Bygg", "Byggnads"),
        "DK": ("Byg", "Byggeselskab"),
        "FI": ("Rakennus", "Rakentajat"),
    },
    "43.21": {
        "NO": ("Elektro", "Elektroinstallasjon"),
        "SE": ("El", "Elinstallation"),
        "DK": ("El-service", "El-installation"),
        "FI": ("Sähkö", "Sähköasennus"),
    },
    "46.90": {
        "NO": ("Engros", "Handel"),
        "SE": ("Grossist", "Handel"),
        "DK": ("Engros", "Handel"),
        "FI": ("Tukku", "Kauppa"),
    },
    "47.11": {
        "NO": ("Dagligvare", "Matsenter"),
        "SE": ("Livs", "Matbutik"),
        "DK": ("Købmand", "Dagligvarer"),
        "FI": ("Market", "Elintarvike"),
    },
    "62.01": {
        "NO": ("Data", "IT"),
        "SE": ("Data", "IT-konsult"),
        "DK": ("Data", "Software"),
        "FI": ("Ohjelmisto", "Data"),
    },
    "49.41": {
        "NO": ("Transport", "Frakt"),
        "SE": ("Åkeri", "Transport"),
        "DK": ("Vognmandsforretning", "Transport"),
        "FI": ("Kuljetus", "Rahti"),
    },
    "10.71": {
        "NO": ("Bakeri", "Brødbakeri"),
        "SE": ("Bageri", "Konditori"),
        "DK": ("Bageri", "Brødfabrik"),
        "FI": ("Leipomo", "Kotileipomo"),
    },
    "56.10": {
        "NO": ("Restaurant", "Kro"),
        "SE": ("Restaurang", "Krog"),
        "DK": ("Restaurant", "Kro"),
        "FI": ("Ravintola", "Bistro"),
    },
    "68.20": {
        "NO": ("Eiendom", "Eiendomsutvikling"),
        "SE": ("Fastigheter", "Fastighetsförvaltning"),
        "DK": ("Ejendomme", "Ejendomsselskab"),
        "FI": ("Kiinteistöt", "Kiinteistöhuolto"),
    },
    "71.12": {
        "NO": ("Rådgivende Ingeniører", "Consult"),
        "SE": ("Konsult", "Ingenjörsbyrå"),
        "DK": ("Rådgivende Ingeniører", "Consult"),
        "FI": ("Insinööritoimisto", "Suunnittelu"),
    },
    "25.11": {
        "NO": ("Stål", "Mekaniske Verksted"),
        "SE": ("Stål", "Mekaniska Verkstad"),
        "DK": ("Stål", "Smedie"),
        "FI": ("Teräs", "Konepaja"),
    },
    "86.21": {
        "NO": ("Legesenter", "Legekontor"),
        "SE": ("Läkarhus", "Vårdcentral"),
        "DK": ("Lægehus", "Lægeklinik"),
        "FI": ("Lääkäriasema", "Terveyspalvelut"),
    },
    "45.20": {
        "NO": ("Bilverksted", "Auto"),
        "SE": ("Bilverkstad", "Motor"),
        "DK": ("Autoværksted", "Auto"),
        "FI": ("Autokorjaamo", "Auto"),
    },
    "33.12": {
        "NO": ("Maskinservice", "Industriservice"),
        "SE": ("Maskinservice", "Industriservice"),
        "DK": ("Maskinservice", "Industriservice"),
        "FI": ("Konehuolto", "Teollisuuspalvelu"),
    },
    "55.10": {
        "NO": ("Hotell", "Fjellstue"),
        "SE": ("Hotell", "Värdshus"),
        "DK": ("Hotel", "Badehotel"),
        "FI": ("Hotelli", "Kylpylä"),
    },
}
INDUSTRY_CODES = tuple(INDUSTRY_WORDS)

# Name stems: places (Finnish in the genitive, as in "Tampereen Rakennus Oy") and family names.
PLACES = {
    "NO": (
        "Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø", "Drammen", "Fredrikstad", "Kristiansand",
        "Ålesund", "Hamar", "Lillehammer", "Molde", "Haugesund", "Sandnes", "Tønsberg", "Arendal", "Gjøvik",
        "Narvik", "Alta", "Harstad", "Kongsberg", "Larvik", "Skien", "Voss", "Fjord", "Nordlys", "Vestland",
        "Fjellheim", "Viken", "Trøndelag", "Hardanger",
    ),
    "SE": (
        "Göteborg", "Malmö", "Uppsala", "Västerås", "Örebro", "Linköping", "Helsingborg", "Jönköping", "Norrköping",
        "Lund", "Umeå", "Gävle", "Borås", "Sundsvall", "Luleå", "Kiruna", "Karlstad", "Växjö", "Halmstad", "Visby",
        "Norrland", "Mälardalen", "Skåne", "Dalarna", "Vänern", "Roslagen",
    ),
    "DK": (
        "Aarhus", "Odense", "Aalborg", "Esbjerg", "Randers", "Kolding", "Horsens", "Vejle", "Roskilde", "Herning",
        "Silkeborg", "Næstved", "Fredericia", "Viborg", "Køge", "Holstebro", "Skive", "Svendborg", "Hjørring",
        "Thisted", "Jylland", "Fyn", "Limfjord", "Nordsjælland", "Bornholm", "Vestkyst",
    ),
    "FI": (
        "Helsingin", "Espoon", "Tampereen", "Vantaan", "Oulun", "Turun", "Jyväskylän", "Lahden", "Kuopion", "Porin",
        "Joensuun", "Lappeenrannan", "Hämeenlinnan", "Vaasan", "Seinäjoen", "Rovaniemen", "Mikkelin", "Kotkan",
        "Salon", "Porvoon", "Kainuun", "Savon", "Karjalan", "Lapin", "Pohjanmaan",
    ),
}  # fmt: skip
FAMILY_STEMS = {
    "NO": (
        "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Berg", "Haugen",
        "Hagen", "Bakken", "Solberg", "Strand", "Lie", "Dahl", "Moen", "Lund", "Eide", "Nygård", "Brekke", "Aas",
        "Holm", "Sæther", "Rønning",
    ),
    "SE": (
        "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
        "Gustafsson", "Pettersson", "Jonsson", "Lindberg", "Lindqvist", "Sjöberg", "Bergström", "Holmgren", "Åberg",
        "Lundgren", "Ekström", "Sandberg", "Forsberg", "Nyström", "Wallin", "Sundqvist",
    ),
    "DK": (
        "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
        "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen", "Johansen",
        "Møller", "Mortensen", "Kjær", "Lauridsen", "Bach", "Dalgaard", "Holst",
    ),
    "FI": (
        "Korhosen", "Virtasen", "Mäkisen", "Niemisen", "Mäkelän", "Hämäläisen", "Heikkisen", "Koskisen", "Järvisen",
        "Lehtosen", "Lehtisen", "Saarisen", "Salmisen", "Heinosen", "Niemen", "Heikkilän", "Kinnusen", "Salosen",
        "Turusen", "Laitisen", "Tuomisen", "Rantasen", "Karjalaisen", "Mattilan", "Hiltusen",
    ),
}  # fmt: skip
GROUP_WORDS = {
    "NO": ("Nord", "Sør", "Øst", "Vest", "Midt", "Eiendom", "Service", "Drift", "Holding"),
    "SE": ("Norr", "Syd", "Öst", "Väst", "Mitt", "Fastigheter", "Service", "Drift", "Holding"),
    "DK": ("Nord", "Syd", "Øst", "Vest", "Midt", "Ejendomme", "Service", "Drift", "Holding"),
    "FI": ("Pohjoinen", "Etelä", "Itä", "Länsi", "Keski", "Kiinteistöt", "Palvelut", "Huolto", "Holding"),
}
SUFFIX = {"NO": "AS", "SE": "AB", "DK": "A/S", "FI": "Oy"}
LISTED_SUFFIX = {"NO": "ASA", "SE": "AB (publ)", "DK": "A/S", "FI": "Oyj"}
FIRST_NAMES = {
    "NO": ("Kari", "Ola", "Ingrid", "Lars", "Marte", "Henrik", "Silje", "Eirik", "Anne", "Knut", "Hilde", "Tor"),
    "SE": ("Anna", "Erik", "Maria", "Johan", "Karin", "Lars", "Sara", "Anders", "Elin", "Magnus", "Eva", "Per"),
    "DK": ("Mette", "Jens", "Hanne", "Søren", "Camilla", "Mads", "Pia", "Rasmus", "Lene", "Niels", "Trine", "Ole"),
    "FI": ("Aino", "Juha", "Sanna", "Mikko", "Laura", "Timo", "Heidi", "Jari", "Anu", "Pekka", "Riikka", "Kari"),
}
LAST_NAMES = {
    "NO": FAMILY_STEMS["NO"],
    "SE": FAMILY_STEMS["SE"],
    "DK": FAMILY_STEMS["DK"],
    "FI": (
        "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen",
        "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen",
    ),
}  # fmt: skip
CITIES = {
    "NO": (("Oslo", "0150"), ("Bergen", "5003"), ("Trondheim", "7010"), ("Stavanger", "4006"), ("Tromsø", "9008")),
    "SE": (("Stockholm", "111 20"), ("Göteborg", "411 01"), ("Malmö", "211 20"), ("Uppsala", "753 20")),
    "DK": (("København K", "1150"), ("Aarhus C", "8000"), ("Odense C", "5000"), ("Aalborg", "9000")),
    "FI": (("Helsinki", "00100"), ("Tampere", "33100"), ("Turku", "20100"), ("Oulu", "90100")),
}
STREETS = {
    "NO": ("Storgata", "Kirkegata", "Industriveien", "Strandveien", "Sjøgata", "Fabrikkveien"),
    "SE": ("Storgatan", "Kungsgatan", "Industrivägen", "Hamngatan", "Verkstadsgatan"),
    "DK": ("Vestergade", "Industrivej", "Havnegade", "Nørregade", "Fabriksvej"),
    "FI": ("Teollisuuskatu", "Satamakatu", "Kauppakatu", "Asemakatu", "Tehtaankatu"),
}
REGISTER = {
    "NO": "Brønnøysundregistrene",
    "SE": "Bolagsverket",
    "DK": "Erhvervsstyrelsen",
    "FI": "Patentti- ja rekisterihallitus",
}
COURTS = {
    "NO": ("Oslo tingrett", "Hordaland tingrett", "Sør-Rogaland tingrett", "Trøndelag tingrett", "Agder tingrett"),
    "SE": ("Stockholms tingsrätt", "Göteborgs tingsrätt", "Malmö tingsrätt", "Uppsala tingsrätt"),
    "DK": ("Skifteretten i København", "Skifteretten i Aarhus", "Skifteretten i Odense", "Skifteretten i Aalborg"),
    "FI": ("Helsingin käräjäoikeus", "Pirkanmaan käräjäoikeus", "Varsinais-Suomen käräjäoikeus", "Oulun käräjäoikeus"),
}
BANKRUPTCY_TEXT = {
    "NO": "Konkurs åpnet av {court}. Bostyrer: advokat {person}.",
    "SE": "Konkurs beslutad av {court}. Konkursförvaltare: advokat {person}.",
    "DK": "Dekret om konkurs afsagt af {court}. Kurator: advokat {person}.",
    "FI": "Konkurssi alkanut, {court}. Pesänhoitaja: asianajaja {person}.",
}
ROLE_TEXT = {
    "NO": ("Ny daglig leder: {new} (etterfølger {old}).", "Ny styreleder: {new} (etterfølger {old})."),
    "SE": (
        "Ny verkställande direktör: {new} (efterträder {old}).",
        "Ny styrelseordförande: {new} (efterträder {old}).",
    ),
    "DK": ("Ny direktør: {new} (afløser {old}).", "Ny bestyrelsesformand: {new} (afløser {old})."),
    "FI": ("Uusi toimitusjohtaja: {new} (edeltäjä {old}).", "Uusi hallituksen puheenjohtaja: {new} (edeltäjä {old})."),
}
ADDRESS_TEXT = {
    "NO": "Ny forretningsadresse: {street} {no}, {postcode} {city}.",
    "SE": "Ny postadress: {street} {no}, {postcode} {city}.",
    "DK": "Ny adresse: {street} {no}, {postcode} {city}.",
    "FI": "Uusi käyntiosoite: {street} {no}, {postcode} {city}.",
}


class DemoError(ValueError):
    """The demo cannot be generated or seeded as asked."""


@dataclass(frozen=True)
class DemoSpec:
    customers: int = 500
    years: int = 3
    seed: int = 42
    end_date: date = DEMO_END_DATE


@dataclass(frozen=True)
class DemoSummary:
    """Rows written per table (`invoices` counts kind 'invoice', `credit_notes` kind 'credit_note'; both
    live in the invoices table), plus the seconds taken."""

    customers: int
    invoices: int
    credit_notes: int
    payments: int
    write_offs: int
    allocations: int
    fx_rates: int
    credit_reports: int
    company_events: int
    seconds: float


@dataclass(frozen=True)
class DemoData:
    """Every row of the demo as dicts keyed by column name, with explicit integer ids.

    `invoices` holds invoices and credit notes (one table); `archetypes` maps customer_ref -> archetype.
    """

    spec: DemoSpec
    customers: list[dict]
    invoices: list[dict]
    payments: list[dict]
    write_offs: list[dict]
    allocations: list[dict]
    fx_rates: list[dict]
    credit_reports: list[dict]
    company_events: list[dict]
    archetypes: dict[str, str]
    company_profile: dict = field(default_factory=lambda: dict(DEMO_COMPANY))

    @property
    def invoice_count(self) -> int:
        return sum(1 for r in self.invoices if r["kind"] == "invoice")

    @property
    def credit_note_count(self) -> int:
        return sum(1 for r in self.invoices if r["kind"] == "credit_note")


# --- small helpers ------------------------------------------------------------------------------


def _money(minor: int) -> Decimal:
    return Decimal(int(minor)).scaleb(-2)


def _next_business_day(d: date) -> date:
    wd = d.weekday()
    return d + timedelta(days=7 - wd) if wd >= 5 else d


def _previous_business_day(d: date) -> date:
    wd = d.weekday()
    return d - timedelta(days=wd - 4) if wd >= 5 else d


def _business_days(first: date, last: date) -> list[date]:
    out = []
    d = first
    while d <= last:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:  # 29 February
        return d.replace(year=d.year - years, day=28)


def _weighted(rng: random.Random, pairs) -> str:
    x = rng.random() * sum(w for _, w in pairs)
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


def _nice_round(value: float) -> int:
    """A limit as people set it: 2 significant-ish digits (10 000, 25 000, 150 000, 1 200 000)."""
    if value <= 0:
        return 0
    step = 10 ** max(3, math.floor(math.log10(value)) - 1)
    if value / step < 20:
        step //= 2 if step >= 10_000 else 1
    return max(step, round(value / step) * step)


# --- organisation numbers -------------------------------------------------------------------------


def _org_number(rng: random.Random, country: str) -> str:
    """A random number that passes the country's check digit; verified through normalise_org_number."""
    while True:
        if country == "NO":
            digits = [rng.choice((8, 9, 9, 9))] + [rng.randrange(10) for _ in range(7)]
            r = 11 - sum(d * w for d, w in zip(digits, (3, 2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
            if r == 10:
                continue
            number = "".join(map(str, digits)) + str(0 if r == 11 else r)
        elif country == "SE":
            # 5 = aktiebolag; the third digit of a legal person is at least 2.
            digits = [5, rng.randrange(10), rng.randrange(2, 10)] + [rng.randrange(10) for _ in range(6)]
            total = 0
            for i, d in enumerate(reversed(digits)):
                d2 = d * 2 if i % 2 == 0 else d
                total += d2 - 9 if d2 > 9 else d2
            number = "".join(map(str, digits)) + str((10 - total % 10) % 10)
        elif country == "DK":
            digits = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(6)]
            check = -sum(d * w for d, w in zip(digits, (2, 7, 6, 5, 4, 3, 2), strict=True)) % 11
            if check == 10:
                continue
            number = "".join(map(str, digits)) + str(check)
        elif country == "FI":
            digits = [rng.randrange(1, 4)] + [rng.randrange(10) for _ in range(6)]
            r = sum(d * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
            if r == 1:
                continue
            number = "".join(map(str, digits)) + str(0 if r == 0 else 11 - r)
        else:
            raise DemoError(f"no organisation numbers for country {country}")
        try:
            return normalise_org_number(country, number)
        except OrgNumberError as exc:  # pragma: no cover - the arithmetic above is the validator's
            raise DemoError(f"generated an invalid organisation number: {exc}") from exc


# --- ratings ----------------------------------------------------------------------------------------


def rating_for_score(score: int, remarks_count: int = 0, newly_established: bool = False) -> str:
    """The D&B-style letter for a demo score: remarks push to B or C; AN for young companies without remarks."""
    if remarks_count > 0:
        return "C" if score < 25 else "B"
    if newly_established and score >= 25:
        return "AN"
    if score >= 80:
        return "AAA"
    if score >= 65:
        return "AA"
    if score >= 45:
        return "A"
    if score >= 25:
        return "B"
    return "C"


# --- the portfolio ---------------------------------------------------------------------------------


class _Doc:
    """An invoice or credit note under construction (amount in positive minor units)."""

    __slots__ = ("amount", "ccy", "credited", "cust", "disputed", "due", "id", "issue", "kind", "number", "seq")

    def __init__(self, cust, seq, kind, issue, due, amount, ccy, credited=None):
        self.cust = cust
        self.seq = seq
        self.kind = kind
        self.issue = issue
        self.due = due
        self.amount = amount
        self.ccy = ccy
        self.credited = credited  # the _Doc a credit note names, or None
        self.disputed = 0
        self.id = 0
        self.number = ""


class _Pay:
    __slots__ = ("amount", "ccy", "cust", "date", "id", "inv", "ref", "seq")

    def __init__(self, cust, seq, when, amount, ccy, inv):
        self.cust = cust
        self.seq = seq
        self.date = when
        self.amount = amount
        self.ccy = ccy
        self.inv = inv  # the _Doc it names, or None (on account)
        self.id = 0
        self.ref = ""


@dataclass
class _Customer:
    idx: int
    ref: str
    archetype: str
    country: str
    currency: str
    segment: str
    industry: str
    terms: int
    name: str
    stem: str
    org_number: str
    rng: random.Random
    parent_idx: int | None = None
    affiliate: bool = False
    status: str = "active"
    start: date = DEMO_END_DATE
    stop: date = DEMO_END_DATE
    rate: float = 10.0
    size_median: float = 10_000.0
    size_sigma: float = 0.8
    credit_limit: int = 0
    insured_limit: int | None = None
    young_since: date | None = None  # founding date of a newly established company (AN rating)
    slow_base: int = 20
    turn: date | None = None  # deteriorating: when lateness starts; defaulting/bankrupt: when trouble starts
    unpaid_from: date | None = None  # invoices due on or after this stay unpaid
    final_late: int = 60
    bankrupt_on: date | None = None
    hold_from: date | None = None  # no new sales from this date (credit hold / bankruptcy)
    prepay_from: date | None = None
    remark_from: date | None = None
    docs: list = field(default_factory=list)
    pays: list = field(default_factory=list)


def _archetype_quota(n: int) -> list[str]:
    """Counts per archetype by largest remainder, at least one of each when there is room for all six."""
    raw = {a: s * n for a, s in ARCHETYPE_SHARES.items()}
    counts = {a: math.floor(v) for a, v in raw.items()}
    if n >= len(ARCHETYPES):
        for a in ARCHETYPES:
            counts[a] = max(counts[a], 1)
    while sum(counts.values()) > n:
        counts[max(counts, key=lambda a: counts[a])] -= 1
    for a in sorted(ARCHETYPES, key=lambda a: (-(raw[a] - math.floor(raw[a])), ARCHETYPES.index(a))):
        if sum(counts.values()) >= n:
            break
        counts[a] += 1
    while sum(counts.values()) < n:
        counts["prompt"] += 1
    return [a for a in ARCHETYPES for _ in range(counts[a])]


class _Generator:
    def __init__(self, spec: DemoSpec):
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.end = spec.end_date
        self.start = _years_before(self.end, spec.years)  # invoices are issued after this date
        self.fx_first = self.start - timedelta(days=FX_LEAD_DAYS)
        self.bdays = _business_days(self.start + timedelta(days=1), self.end)
        self.weights = self._season_weights()

    # --- calendar

    def _season_weights(self) -> list[float]:
        raw = [LATE_DECEMBER_WEIGHT if (d.month == 12 and d.day >= 20) else MONTH_WEIGHT[d.month] for d in self.bdays]
        mean = sum(raw) / len(raw)
        per_day = 1.0 / 261.0  # business days per year
        return [w / mean * per_day for w in raw]

    def _within(self, d: date) -> date:
        """The business day on or after d, or before it when that would pass the end date."""
        nxt = _next_business_day(d)
        return nxt if nxt <= self.end else _previous_business_day(d)

    # --- FX

    def fx_rates(self) -> list[dict]:
        rng = random.Random(self.rng.getrandbits(64))
        eur = math.log(FX_START["EUR"])
        sek = math.log(FX_START["SEK"])
        peg = FX_START["EUR"] / FX_START["DKK"]  # DKK shadows EUR (ERM II)
        rows = []
        for d in _business_days(self.fx_first, self.end):
            eur += rng.gauss(0, 0.0035) - 0.01 * (eur - math.log(FX_START["EUR"]))
            sek += rng.gauss(0, 0.0040) - 0.01 * (sek - math.log(FX_START["SEK"]))
            eur_rate = math.exp(eur)
            dkk_rate = eur_rate / peg * (1 + rng.gauss(0, 0.0004))
            for ccy, value in (("DKK", dkk_rate), ("EUR", eur_rate), ("SEK", math.exp(sek))):
                rows.append({"currency": ccy, "rate_date": d, "rate": Decimal(f"{value:.4f}")})
        return rows

    # --- customers

    def customers(self) -> list[_Customer]:
        n = self.spec.customers
        rng = self.rng
        archetypes = _archetype_quota(n)
        rng.shuffle(archetypes)
        # Corporate groups: ~8 % of customers point at a parent with a lower index (groups of 2-5).
        parent_of: dict[int, int] = {}
        target_children = round(0.08 * n)
        taken: set[int] = set()
        attempts = 0
        while len(parent_of) < target_children and attempts < 10 * n:
            attempts += 1
            p = rng.randrange(0, max(1, n // 2))
            if p in taken or archetypes[p] in ("bankrupt", "defaulting"):
                continue
            size = min(rng.randint(1, 4), target_children - len(parent_of))
            pool = [i for i in range(p + 1, n) if i not in taken]
            if len(pool) < size:
                continue
            kids = rng.sample(pool, size)
            taken.add(p)
            for k in kids:
                taken.add(k)
                parent_of[k] = p
        prompt_idx = [i for i, a in enumerate(archetypes) if a == "prompt" and i not in parent_of]
        affiliates = set(rng.sample(prompt_idx, min(len(prompt_idx), max(1, round(0.01 * n))))) if n >= 20 else set()

        names: set[str] = set()
        out: list[_Customer] = []
        for i in range(n):
            crng = random.Random(rng.getrandbits(64))
            arche = archetypes[i]
            parent = out[parent_of[i]] if i in parent_of else None
            country = parent.country if parent else _weighted(crng, COUNTRY_SHARES)
            currency = parent.currency if parent else _weighted(crng, CURRENCY_CHOICES[country])
            if arche in ("defaulting", "bankrupt"):
                segment = "SMB" if crng.random() < 0.7 else "Mid-market"
            elif i in affiliates:
                segment = "Enterprise"
            else:
                segment = _weighted(crng, tuple(zip(SEGMENTS, SEGMENT_WEIGHTS, strict=True)))
            industry = parent.industry if parent and crng.random() < 0.6 else crng.choice(INDUSTRY_CODES)
            terms = _weighted(crng, tuple(zip(TERMS, TERMS_WEIGHTS[segment], strict=True)))
            name, stem = self._name(crng, country, industry, segment, parent, names)
            c = _Customer(
                idx=i,
                ref=f"K{10001 + i}",
                archetype=arche,
                country=country,
                currency=currency,
                segment=segment,
                industry=industry,
                terms=terms,
                name=name,
                stem=stem,
                org_number=_org_number(crng, country),
                rng=crng,
                parent_idx=parent.idx if parent else None,
                affiliate=i in affiliates,
            )
            self._plan(c)
            out.append(c)
        return out

    def _name(self, rng, country, industry, segment, parent, used: set[str]) -> tuple[str, str]:
        """A unique company name and its stem (the name without the legal suffix, for group members)."""
        suffix = LISTED_SUFFIX[country] if segment == "Enterprise" and rng.random() < 0.3 else SUFFIX[country]
        words = INDUSTRY_WORDS[industry][country]
        for attempt in range(200):
            if parent is not None:
                stem = f"{parent.stem} {rng.choice(GROUP_WORDS[country])}"
            else:
                first = rng.choice(PLACES[country]) if rng.random() < 0.55 else rng.choice(FAMILY_STEMS[country])
                stem = f"{first} {rng.choice(words)}"
                if attempt >= 40:
                    stem = f"{stem} {rng.choice(GROUP_WORDS[country])}"
            if attempt >= 120:
                stem = f"{stem} {attempt - 118}"
            name = f"{stem} {suffix}"
            if name not in used:
                used.add(name)
                return name, stem
        raise DemoError("could not find a unique company name")  # pragma: no cover

    def _plan(self, c: _Customer) -> None:
        """Onboarding date, volume, limits, status and the dates that drive the archetype's behaviour."""
        rng = c.rng
        end = self.end
        rate, median, sigma = SEGMENT_PROFILE[c.segment]
        c.rate = max(RATE_FLOOR[c.archetype], rate * math.exp(rng.gauss(0, 0.45)))
        c.size_median = median * math.exp(rng.gauss(0, 0.35))
        c.size_sigma = sigma
        history = (end - self.start).days
        if c.archetype == "prompt":
            latest_start = history - 60
        else:
            latest_start = history - 540
        if latest_start > 0 and rng.random() < 0.25:
            c.start = self.start + timedelta(days=rng.randint(0, latest_start))
        else:
            c.start = self.start
        c.stop = end
        if c.archetype == "prompt" and rng.random() < 0.04 and (end - c.start).days > 400:
            c.stop = c.start + timedelta(days=rng.randint(180, (end - c.start).days - 120))  # a lost customer
        if c.archetype in ("prompt", "noisy_prompt") and rng.random() < 0.10:
            c.young_since = c.start - timedelta(days=rng.randint(60, 400))
        fx = FX_START.get(c.currency, 1.0)
        yearly = c.rate * c.size_median * math.exp(sigma * sigma / 2) / fx
        c.credit_limit = _nice_round(max(10_000 / fx, yearly * (c.terms + 20) / 365 * rng.uniform(1.2, 2.0)))
        if rng.random() < 0.40:
            c.insured_limit = _nice_round(c.credit_limit * rng.choice((0.5, 0.75, 1.0)))

        a = c.archetype
        if a == "steady_slow":
            c.slow_base = rng.randint(17, 23)
            if rng.random() < 0.05:
                c.status = "prepayment_only"
                c.prepay_from = end - timedelta(days=rng.randint(60, 150))
        elif a == "deteriorating":
            c.turn = end - timedelta(days=rng.randint(255, 285))
        elif a == "defaulting":
            c.turn = end - timedelta(days=rng.randint(330, 480))
            c.unpaid_from = end - timedelta(days=rng.randint(90, 200))
            c.final_late = rng.randint(55, 85)
            c.remark_from = c.turn + timedelta(days=rng.randint(120, 200))
            roll = rng.random()
            if roll < 0.5:
                c.status = "credit_hold"
                c.hold_from = end - timedelta(days=rng.randint(30, 75))
            elif roll < 0.7:
                c.status = "prepayment_only"
                c.prepay_from = end - timedelta(days=rng.randint(45, 90))
        elif a == "bankrupt":
            c.bankrupt_on = _previous_business_day(end - timedelta(days=rng.randint(21, 56)))
            c.turn = c.bankrupt_on - timedelta(days=rng.randint(300, 420))
            c.unpaid_from = c.bankrupt_on - timedelta(days=rng.randint(60, 120))
            c.final_late = rng.randint(55, 85)
            c.remark_from = c.turn + timedelta(days=rng.randint(120, 200))
            c.hold_from = c.bankrupt_on - timedelta(days=rng.randint(30, 70))
            c.status = "credit_hold"

    # --- documents

    def _days_late(self, c: _Customer, due: date) -> int | None:
        rng = c.rng
        a = c.archetype
        if a in ("prompt", "noisy_prompt"):
            return round(rng.triangular(-3.49, 3.49, 0))
        if a == "steady_slow":
            return c.slow_base + rng.randint(-2, 2)
        if a == "deteriorating":
            assert c.turn is not None
            since = (due - c.turn).days
            if since < 0:
                return round(rng.triangular(-3.49, 3.49, 0))
            if since < 90:
                return rng.randint(5, 9)  # a week late
            if since < 180:
                return rng.randint(12, 17)  # two weeks
            return rng.randint(21, 32)  # three weeks and more
        # defaulting / bankrupt
        assert c.turn is not None and c.unpaid_from is not None
        if due >= c.unpaid_from:
            return None
        if due < c.turn:
            return rng.randint(-2, 8)
        frac = (due - c.turn).days / max(1, (c.unpaid_from - c.turn).days)
        return int(10 + frac * (c.final_late - 10)) + rng.randint(-3, 5)

    def documents(self, c: _Customer) -> None:
        rng = c.rng
        end = self.end
        last_day = min(c.stop, c.hold_from - timedelta(days=1) if c.hold_from else c.stop)
        lo = bisect_left(self.bdays, c.start + timedelta(days=1))
        hi = bisect_right(self.bdays, last_day)
        fx = FX_START.get(c.currency, 1.0)
        mu = math.log(c.size_median / fx)
        docs: list[_Doc] = []
        rate = c.rate
        if c.archetype == "deteriorating":
            # A long-standing customer on a regular delivery schedule: every `cadence` business days.
            cadence = rng.randint(5, 10)
            days = [k for k in range(lo + rng.randrange(cadence), hi, cadence) if rng.random() >= 0.1]
        else:  # seasonal volume: each business day an invoice with probability rate x weight
            days = [k for k in range(lo, hi) if rng.random() < rate * self.weights[k]]
        for k in days:
            d = self.bdays[k]
            amount = round(min(max(rng.lognormvariate(mu, c.size_sigma), 300 / fx), 5e6 / fx) * 100)
            docs.append(_Doc(c.idx, len(docs), "invoice", d, d + timedelta(days=c.terms), amount, c.currency))
        last_paid_day = c.bankrupt_on - timedelta(days=1) if c.bankrupt_on else end

        # Planned payment date per invoice (None = unpaid at the end date).
        planned: list[date | None] = []
        for inv in docs:
            if c.prepay_from and inv.issue >= c.prepay_from:
                planned.append(inv.issue)
                continue
            late = self._days_late(c, inv.due)
            if late is None:
                planned.append(None)
                continue
            when = _next_business_day(inv.due + timedelta(days=late))
            if when <= inv.issue:
                when = _next_business_day(inv.issue + timedelta(days=1))
            planned.append(when if when <= last_paid_day else None)

        special = None
        if c.archetype == "noisy_prompt":
            special = self._noisy_invoice(c, docs, planned)

        pays: list[_Pay] = []
        credit_notes: list[_Doc] = []

        def pay(when, amount, inv):
            pays.append(_Pay(c.idx, len(pays), when, amount, c.currency, inv))

        for inv, when in zip(docs, planned, strict=True):
            remaining = inv.amount
            # ~2.6 % of invoices get a credit note naming them, dated before any payment.
            if inv is not special and rng.random() < 0.026:
                latest = (when - timedelta(days=1)) if when else min(last_paid_day, inv.issue + timedelta(days=40))
                cn_day = _next_business_day(inv.issue + timedelta(days=rng.randint(1, 25)))
                if cn_day > latest:
                    cn_day = _previous_business_day(latest)
                if inv.issue < cn_day <= latest:
                    full = rng.random() < 0.35
                    cn_amount = inv.amount if full else max(100, int(inv.amount * rng.uniform(0.05, 0.5)))
                    credit_notes.append(_Doc(c.idx, 0, "credit_note", cn_day, cn_day, cn_amount, c.currency, inv))
                    remaining -= cn_amount
            if remaining <= 0:
                continue
            if when is None:
                # Defaulters sometimes pay part of an invoice they never finish paying.
                if c.archetype in ("defaulting", "bankrupt") and rng.random() < 0.25:
                    part_day = _next_business_day(inv.due + timedelta(days=rng.randint(10, 60)))
                    if part_day <= last_paid_day:
                        pay(part_day, max(100, int(remaining * rng.uniform(0.2, 0.6))), inv)
                continue
            if inv is special:
                pay(when, remaining, inv)
                continue
            roll = rng.random()
            if roll < 0.05:  # two partial payments
                first_day = _next_business_day(when - timedelta(days=rng.randint(7, 21)))
                if inv.issue < first_day < when:
                    first = int(remaining * rng.uniform(0.3, 0.7))
                    pay(first_day, first, inv)
                    pay(when, remaining - first, inv)
                    continue
            elif roll < 0.053:  # an overpayment: the excess stays unapplied on account
                pay(when, remaining + max(100, int(remaining * rng.uniform(0.005, 0.05))), inv)
                continue
            # Recent payments without a reference wait on account for manual matching (~1 % of payments).
            on_account = (end - when).days < 120 and rng.random() < 0.09
            pay(when, remaining, None if on_account else inv)

        # A few credit notes name no invoice (bonus / goodwill), and stay unapplied.
        n_free = sum(1 for _ in docs if rng.random() < 0.004)
        for _ in range(n_free):
            ref_inv = rng.choice(docs)
            day = _next_business_day(ref_inv.issue + timedelta(days=rng.randint(5, 60)))
            if day <= last_paid_day:
                amount = max(100, int(ref_inv.amount * rng.uniform(0.02, 0.1)))
                credit_notes.append(_Doc(c.idx, 0, "credit_note", day, day, amount, c.currency, None))

        # ~2 % of recent open invoices carry a disputed part.
        paid_by = defaultdict(int)
        for p in pays:
            if p.inv is not None:
                paid_by[id(p.inv)] += p.amount
        for cn in credit_notes:
            if cn.credited is not None:
                paid_by[id(cn.credited)] += cn.amount
        for inv in docs:
            if (end - inv.issue).days <= 90 and paid_by[id(inv)] < inv.amount and rng.random() < 0.02:
                inv.disputed = max(100, int(inv.amount * rng.uniform(0.1, 0.6)))

        for i, cn in enumerate(credit_notes):
            cn.seq = len(docs) + i
        c.docs = docs + credit_notes
        c.pays = pays

    def _noisy_invoice(self, c: _Customer, docs: list[_Doc], planned: list) -> _Doc:
        """Make exactly one invoice closed in the last 90 days 30-45 days late (adding one when none fits)."""
        rng = c.rng
        late = rng.randint(30, 43)  # +2 at most for a weekend
        lo = self.end - timedelta(days=85)
        hi = self.end - timedelta(days=3)
        candidates = [i for i, inv in enumerate(docs) if lo <= inv.due + timedelta(days=late) <= hi]
        if candidates:
            i = rng.choice(candidates)
        else:
            issue = _next_business_day(self.end - timedelta(days=45 + late + c.terms))
            inv = _Doc(c.idx, len(docs), "invoice", issue, issue + timedelta(days=c.terms), 0, c.currency)
            fx = FX_START.get(c.currency, 1.0)
            inv.amount = round(c.size_median / fx * 100)
            # keep the documents in date order
            pos = bisect_right([d.issue for d in docs], issue)
            docs.insert(pos, inv)
            planned.insert(pos, None)
            for k, d in enumerate(docs):
                d.seq = k
            i = pos
        planned[i] = _next_business_day(docs[i].due + timedelta(days=late))
        return docs[i]

    # --- credit reports and register events

    def _score_path(self, c: _Customer, base: float, when: date) -> float:
        a = c.archetype
        if a == "deteriorating" and c.turn and when > c.turn:
            return base - 25 * min(1.0, (when - c.turn).days / max(1, (self.end - c.turn).days))
        if a in ("defaulting", "bankrupt") and c.turn and when > c.turn:
            target_day = c.bankrupt_on or self.end
            floor = 3 if a == "bankrupt" else 12
            frac = min(1.0, (when - c.turn).days / max(1, (target_day - c.turn).days))
            return base - (base - floor) * frac
        return base

    def credit_reports(self, c: _Customer) -> list[dict]:
        rng = c.rng
        base = {
            "prompt": rng.uniform(68, 92),
            "steady_slow": rng.uniform(50, 68),
            "noisy_prompt": rng.uniform(65, 88),
            "deteriorating": rng.uniform(64, 82),
            "defaulting": rng.uniform(45, 62),
            "bankrupt": rng.uniform(40, 58),
        }[c.archetype]
        if c.young_since is not None:
            base = min(base, rng.uniform(45, 70))
        remark_amounts: list[int] = []
        rows = []
        when = c.start
        while when <= self.end:
            day = _next_business_day(when)
            if day > self.end:
                break
            remarks = 0
            if c.remark_from and day >= c.remark_from:
                remarks = 1 + (day - c.remark_from).days // 60
                if c.bankrupt_on and day >= c.bankrupt_on:
                    remarks += 1
                while len(remark_amounts) < remarks:
                    fx = FX_START.get(c.currency, 1.0)
                    remark_amounts.append(int(rng.lognormvariate(math.log(25_000 / fx), 0.8)) * 100)
            if c.bankrupt_on and day >= c.bankrupt_on:
                score = 0
            else:
                score = round(min(100, max(0, self._score_path(c, base, day) + rng.gauss(0, 3))))
            young = c.young_since is not None and (day - c.young_since).days < 730
            rows.append(
                {
                    "customer_id": c.idx + 1,
                    "report_date": day,
                    "source": BUREAU,
                    "score": score,
                    "rating": rating_for_score(score, remarks, young),
                    "remarks_count": remarks,
                    "remarks_amount": _money(sum(remark_amounts[:remarks])),
                }
            )
            when = day + timedelta(days=rng.randint(84, 98))
        return rows

    def company_events(self, c: _Customer) -> list[dict]:
        rng = c.rng
        rows = []
        country = c.country

        def person() -> str:
            return f"{rng.choice(FIRST_NAMES[country])} {rng.choice(LAST_NAMES[country])}"

        def add(day: date, kind: str, source: str, body: str) -> None:
            rows.append(
                {"customer_id": c.idx + 1, "event_date": day, "event_type": kind, "source": source, "text": body}
            )

        span = (self.end - self.start).days
        troubled = c.archetype in ("deteriorating", "defaulting", "bankrupt")
        n_roles = (1 if rng.random() < 0.6 else 0) if troubled else (1 if rng.random() < 0.15 else 0)
        for _ in range(n_roles):
            if troubled:
                day = self.end - timedelta(days=rng.randint(30, 330))
            else:
                day = self.start + timedelta(days=rng.randint(1, span))
            if c.bankrupt_on and day >= c.bankrupt_on:
                day = c.bankrupt_on - timedelta(days=rng.randint(30, 120))
            template = rng.choice(ROLE_TEXT[country])
            add(self._within(day), "role_change", REGISTER[country], template.format(new=person(), old=person()))
        if rng.random() < (0.25 if troubled else 0.10):
            day = self.start + timedelta(days=rng.randint(1, span))
            if c.bankrupt_on and day >= c.bankrupt_on:
                day = c.bankrupt_on - timedelta(days=rng.randint(30, 120))
            city, postcode = rng.choice(CITIES[country])
            body = ADDRESS_TEXT[country].format(
                street=rng.choice(STREETS[country]), no=rng.randint(1, 120), postcode=postcode, city=city
            )
            add(self._within(day), "address_change", REGISTER[country], body)
        if c.bankrupt_on:
            body = BANKRUPTCY_TEXT[country].format(court=rng.choice(COURTS[country]), person=person())
            add(c.bankrupt_on, "bankruptcy", REGISTER[country], body)
        return rows

    # --- everything

    def run(self) -> DemoData:
        fx_rows = self.fx_rates()
        customers = self.customers()
        for c in customers:
            self.documents(c)

        # Invoice-table ids in date order; numbers per series and year (F = invoice, KN = credit note).
        all_docs = sorted(
            (d for c in customers for d in c.docs), key=lambda d: (d.issue, d.kind != "invoice", d.cust, d.seq)
        )
        series: dict[tuple[str, int], int] = defaultdict(int)
        for i, d in enumerate(all_docs, start=1):
            d.id = i
            prefix = "F" if d.kind == "invoice" else "KN"
            series[(prefix, d.issue.year)] += 1
            d.number = f"{prefix}{d.issue.year}-{series[(prefix, d.issue.year)]:06d}"
        all_pays = sorted((p for c in customers for p in c.pays), key=lambda p: (p.date, p.cust, p.seq))
        pay_series: dict[int, int] = defaultdict(int)
        for i, p in enumerate(all_pays, start=1):
            p.id = i
            pay_series[p.date.year] += 1
            p.ref = f"P{p.date.year}-{pay_series[p.date.year]:06d}"

        customer_rows = [
            {
                "id": c.idx + 1,
                "customer_ref": c.ref,
                "name": c.name,
                "org_number": c.org_number,
                "country": c.country,
                "currency": c.currency,
                "payment_terms_days": c.terms,
                "credit_limit": _money(c.credit_limit * 100),
                "insured_limit": None if c.insured_limit is None else _money(c.insured_limit * 100),
                "status": c.status,
                "segment": c.segment,
                "industry_code": c.industry,
                "parent_id": None if c.parent_idx is None else c.parent_idx + 1,
                "affiliate": c.affiliate,
                "government": c.segment == "Public",
                "row_version": 1,
                **self._credit_records(c, customers),
            }
            for c in customers
        ]
        invoice_rows = [
            {
                "id": d.id,
                "invoice_number": d.number,
                "customer_id": d.cust + 1,
                "kind": d.kind,
                "issue_date": d.issue,
                "due_date": d.due if d.kind == "invoice" else d.issue,
                "amount": _money(d.amount if d.kind == "invoice" else -d.amount),
                "currency": d.ccy,
                "disputed_amount": _money(d.disputed),
                "credited_invoice": d.credited.number if d.credited is not None else None,
                "pledged_to": PLEDGED_TO if d.kind == "invoice" and d.cust % PLEDGED_EVERY == 3 else None,
            }
            for d in all_docs
        ]
        payment_rows = [
            {
                "id": p.id,
                "payment_ref": p.ref,
                "customer_id": p.cust + 1,
                "payment_date": p.date,
                "amount": _money(p.amount),
                "currency": p.ccy,
                "invoice_number": p.inv.number if p.inv is not None else None,
            }
            for p in all_pays
        ]

        del all_docs, all_pays
        for c in customers:  # the rows hold everything from here on; free the working objects (memory at scale)
            c.docs, c.pays = [], []
        write_offs, allocations = self._allocate(customers, invoice_rows, payment_rows)

        reports = []
        events = []
        for c in customers:
            reports.extend(self.credit_reports(c))
            events.extend(self.company_events(c))
        reports.sort(key=lambda r: (r["report_date"], r["customer_id"]))
        events.sort(key=lambda r: (r["event_date"], r["customer_id"], r["event_type"]))
        for i, r in enumerate(reports, start=1):
            r["id"] = i
        for i, r in enumerate(events, start=1):
            r["id"] = i
        return DemoData(
            spec=self.spec,
            customers=customer_rows,
            invoices=invoice_rows,
            payments=payment_rows,
            write_offs=write_offs,
            allocations=allocations,
            fx_rates=fx_rows,
            credit_reports=reports,
            company_events=events,
            archetypes={c.ref: c.archetype for c in customers},
        )

    def _credit_records(self, c: _Customer, customers: list[_Customer]) -> dict:
        """Insurance, the limit decision in force and group limits, derived without drawing random numbers (so
        every other demo figure stays as it was): decisions spread over the last year, one insurer in three."""
        decided = max(c.start, self.end - timedelta(days=(c.idx * 37) % 360))
        members = [m for m in customers if m.parent_idx == c.idx]
        group_limit = None
        if members and c.parent_idx is None:
            total = sum(m.credit_limit * FX_START.get(m.currency, 1.0) for m in [c, *members])
            group_limit = _money(_nice_round(total * 0.9) * 100)
        insured = c.insured_limit is not None
        return {
            "insurer": INSURERS[c.idx % len(INSURERS)] if insured else None,
            "insured_share": Decimal("90.00") if insured else None,
            "insurance_decided_on": c.start if insured else None,
            "limit_review_on": review_due(decided, 12),
            "limit_expires_on": review_due(decided, 12),
            "group_limit": group_limit,
        }

    def _allocate(self, customers, invoice_rows, payment_rows) -> tuple[list[dict], list[dict]]:
        """Allocations by the shared rules, per customer; bankrupt customers' old open invoices written off.

        One customer at a time (allocations never cross customers), so only one customer's allocation objects
        are alive at once; the rows and their order are those of allocating the whole ledger in one go."""
        inv_rows: dict[int, list[dict]] = defaultdict(list)
        pay_rows: dict[int, list[dict]] = defaultdict(list)
        for r in invoice_rows:
            inv_rows[r["customer_id"]].append(r)
        for r in payment_rows:
            pay_rows[r["customer_id"]].append(r)

        def documents_of(cid: int) -> tuple[list[InvoiceDoc], list[CreditDoc]]:
            """The customer's invoices, and its credit notes then payments, for the allocation rules."""
            invoices, credits = [], []
            for r in inv_rows[cid]:
                if r["kind"] == "invoice":
                    invoices.append(
                        InvoiceDoc(r["id"], r["invoice_number"], cid, r["currency"], r["issue_date"], r["amount"])
                    )
                else:
                    credits.append(
                        CreditDoc(
                            "credit_note",
                            r["id"],
                            r["invoice_number"],
                            cid,
                            r["currency"],
                            r["issue_date"],
                            -r["amount"],
                            r["credited_invoice"],
                        )
                    )
            for r in pay_rows[cid]:
                credits.append(
                    CreditDoc(
                        "payment",
                        r["id"],
                        r["payment_ref"],
                        cid,
                        r["currency"],
                        r["payment_date"],
                        r["amount"],
                        r["invoice_number"],
                    )
                )
            return invoices, credits

        pending: list[dict] = []
        for c in customers:
            if c.bankrupt_on is None:
                continue
            cid = c.idx + 1
            rng = c.rng
            wo_day = min(self.end, c.bankrupt_on + timedelta(days=rng.randint(7, 21)))
            invoices, credits = documents_of(cid)
            paid: dict[int, Decimal] = defaultdict(Decimal)
            for a in allocate(invoices, credits):
                if a.alloc_date <= wo_day:
                    paid[a.invoice_id] += a.amount
            for inv in invoices:
                left = inv.amount - paid[inv.id]
                if left > 0 and (wo_day - inv.issue_date).days > 60:
                    pending.append(
                        {
                            "invoice_id": inv.id,
                            "customer_id": cid,
                            "write_off_date": wo_day,
                            "amount": left,
                            "reason": "bankruptcy",
                            "_number": inv.number,
                            "_currency": inv.currency,
                        }
                    )
        pending.sort(key=lambda r: (r["write_off_date"], r["invoice_id"]))
        write_offs = []
        write_off_docs: dict[int, list[CreditDoc]] = defaultdict(list)
        wo_series: dict[int, int] = defaultdict(int)
        for i, r in enumerate(pending, start=1):
            year = r["write_off_date"].year
            wo_series[year] += 1
            ref = f"WO-{year}-{wo_series[year]:05d}"
            write_off_docs[r["customer_id"]].append(
                CreditDoc(
                    "write_off",
                    i,
                    ref,
                    r["customer_id"],
                    r["_currency"],
                    r["write_off_date"],
                    r["amount"],
                    r["_number"],
                )
            )
            write_offs.append(
                {
                    "id": i,
                    "write_off_ref": ref,
                    "invoice_id": r["invoice_id"],
                    "customer_id": r["customer_id"],
                    "write_off_date": r["write_off_date"],
                    "amount": r["amount"],
                    "reason": r["reason"],
                }
            )

        allocations = []
        for c in customers:
            cid = c.idx + 1
            invoices, credits = documents_of(cid)
            made = allocate(invoices, credits + write_off_docs[cid])
            for a in made:
                row = allocation_row(a, cid)
                row["id"] = len(allocations) + 1
                allocations.append(row)
            # open_until: the same derivation as ledger.rebuild_allocations
            kind = {r["id"]: ("invoice" if r["kind"] == "invoice" else "credit_note") for r in inv_rows[cid]}
            amounts = {(kind[r["id"]], r["id"]): abs(r["amount"]) for r in inv_rows[cid]}
            amounts.update({("payment", r["id"]): r["amount"] for r in pay_rows[cid]})
            settled = settled_on(made, amounts)
            for r in inv_rows[cid]:
                r["open_until"] = settled.get((kind[r["id"]], r["id"]), OPEN_UNTIL_OPEN)
            for r in pay_rows[cid]:
                r["open_until"] = settled.get(("payment", r["id"]), OPEN_UNTIL_OPEN)
        return write_offs, allocations


def _validate(spec: DemoSpec) -> None:
    if not isinstance(spec.customers, int) or not 1 <= spec.customers <= MAX_CUSTOMERS:
        raise DemoError(f"the demo needs between 1 and {MAX_CUSTOMERS} customers, not {spec.customers!r}")
    if not isinstance(spec.years, int) or not 1 <= spec.years <= MAX_YEARS:
        raise DemoError(f"the demo covers between 1 and {MAX_YEARS} years, not {spec.years!r}")
    if not isinstance(spec.seed, int):
        raise DemoError(f"the seed must be an integer, not {spec.seed!r}")
    if not isinstance(spec.end_date, date):
        raise DemoError(f"end_date must be a date, not {spec.end_date!r}")


def generate(spec: DemoSpec) -> DemoData:
    """Every demo row for `spec`, built in memory; the same spec always gives the same rows."""
    _validate(spec)
    return _Generator(spec).run()


# --- seeding ----------------------------------------------------------------------------------------

_ID_TABLES = ("customers", "invoices", "payments", "write_offs", "allocations", "credit_reports", "company_events")


def _bulk_insert(conn: Connection, model: type[Base], rows: list[dict]) -> None:
    table = model.__table__
    for i in range(0, len(rows), INSERT_CHUNK):
        conn.execute(insert(table), rows[i : i + INSERT_CHUNK])


def _non_empty_tables(conn: Connection) -> list[str]:
    tables = Base.metadata.tables
    return [name for name in LEDGER_TABLES if conn.execute(select(func.count()).select_from(tables[name])).scalar()]


def _seed_lending(conn: Connection, spec: DemoSpec, data: DemoData) -> None:
    """A demo loan agreement (when none is on file) and what we owe two customers (contra)."""
    from data_access.borrowing import lender_profiles, save_lender_profile, set_contra
    from data_access.imports import DEMO_AUTHOR
    from domain.borrowing_base import LenderProfile

    if not lender_profiles(conn, include_retired=True):
        profile = LenderProfile(
            name="Demo bank revolving credit facility",
            lender="Demo Bank ASA",
            basis="invoice",
            cutoff_days=90,
            cross_aging_percent=Decimal("50"),
            credits_in_prior=False,
            home_country=data.company_profile.get("country", "NO"),
            concentration_percent=Decimal("20"),
            advance_rate_percent=Decimal("80"),
            loan_balance=Decimal("30000000.00"),
            loan_balance_date=spec.end_date,
        )
        save_lender_profile(conn, profile, DEMO_AUTHOR, "demo loan agreement (invented terms)")
    customers = sorted(data.customers, key=lambda c: c["id"])
    for index, amount in DEMO_CONTRA:
        if index < len(customers):
            ref = customers[index]["customer_ref"]
            set_contra(conn, ref, Decimal(amount), spec.end_date - timedelta(days=200), DEMO_AUTHOR, "demo payable")


def seed_demo(conn: Connection, spec: DemoSpec = DemoSpec()) -> DemoSummary:
    """Fill an empty ledger with the demo portfolio for `spec`; the caller owns the transaction.

    Refuses with DemoError when any ledger table (customers, invoices, payments, ...) already holds rows.
    """
    started = time.perf_counter()
    busy = _non_empty_tables(conn)
    if busy:
        raise DemoError(
            "the demo portfolio can only be loaded into an empty ledger; these tables already hold data: "
            + ", ".join(busy)
        )
    data = generate(spec)
    started_at = utcnow()
    _bulk_insert(conn, Customer, data.customers)
    _bulk_insert(conn, FxRate, data.fx_rates)
    _bulk_insert(conn, Invoice, data.invoices)
    _bulk_insert(conn, Payment, data.payments)
    _bulk_insert(conn, WriteOff, data.write_offs)
    insert_allocations(conn, data.allocations)
    _bulk_insert(conn, CreditReport, data.credit_reports)
    _bulk_insert(conn, CompanyEvent, data.company_events)
    if conn.dialect.name == "postgresql":
        for name in _ID_TABLES:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )

    _seed_lending(conn, spec, data)
    refresh_statistics(conn)
    set_setting(conn, "demo_mode", True)
    set_setting(conn, "company_profile", dict(data.company_profile))
    note = (
        f"Demo data (seed {spec.seed}, {spec.customers} customers, {spec.years} years to "
        f"{spec.end_date.isoformat()}): invented companies, not real data."
    )
    ledger_rows = len(data.customers) + len(data.invoices) + len(data.payments) + len(data.write_offs)
    ledger_rows += len(data.fx_rates)
    for source, rows in (
        ("ledger", ledger_rows),
        ("credit_reports", len(data.credit_reports)),
        ("register", len(data.company_events)),
    ):
        log_import(
            conn,
            kind="demo",
            source=source,
            file_name=None,
            file_sha256=None,
            rows=rows,
            inserted=rows,
            updated=0,
            status="ok",
            message=note,
            started_at=started_at,
        )
    bump_data_version(conn)
    return DemoSummary(
        customers=len(data.customers),
        invoices=data.invoice_count,
        credit_notes=data.credit_note_count,
        payments=len(data.payments),
        write_offs=len(data.write_offs),
        allocations=len(data.allocations),
        fx_rates=len(data.fx_rates),
        credit_reports=len(data.credit_reports),
        company_events=len(data.company_events),
        seconds=round(time.perf_counter() - started, 3),
    )
