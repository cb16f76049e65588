"""Dated statutory figures of Nordic dunning law (fee caps, deadlines, interest, fixed compensation) with sources.

Every figure comes from /work/shared/reference/domain_rules.md §1 and carries its confidence tag:
V the source text was read; D derived from a verified rule, or read on a secondary page only (the reference's own
definition of D: "no primary page for the exact number was found"); U unverified (from memory, or assumed where
the reference gives no figure for a period, always said so in `source`). Half-yearly figures (interest, Norway's
standardkompensasjon) cover 2023-07-01 to 2026-12-31, the half-years of the demo ledger (invoices from 2023-11)
and the current one, and stop there on purpose: a later date raises MissingStatutoryParameter until someone
adds the new regulation instead of silently reusing an old rate. A rule's `valid_from` of 2020-01-01 (2013-03-16
for the EU directive) means "in force at least since", the start of this table, not the date it was enacted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

JURISDICTIONS = ("NO", "SE", "DK", "FI", "EU")
UNITS = ("NOK", "SEK", "DKK", "EUR", "percent", "days", "count", "fraction")
CONFIDENCE = ("V", "D", "U")
# Shared parameters, plus each country's own (see DEFAULT_STATUTORY for units and sources).
PARAMETERS = (
    "inkassosats",
    "reminder_fee_fraction",
    "demand_fee_fraction",
    "fee_min_days_after_due",
    "fee_prior_deadline_days",
    "notice_min_deadline_days",
    "demand_min_deadline_days",
    "max_fee_reminders",
    "reminder_fee_cap",
    "collection_demand_fee_cap",
    "collection_fee_cap",
    "reminder_min_interval_days",
    "late_interest_rate",
    "late_interest_margin",
    "fixed_compensation",
    "max_payment_days",
)


class MissingStatutoryParameter(LookupError):
    """No statutory figure for a jurisdiction, parameter and date (a gap in the dated table)."""

    def __init__(self, jurisdiction: str, parameter: str, on: date, detail: str = "") -> None:
        self.jurisdiction, self.parameter, self.on = jurisdiction, parameter, on
        msg = f"no statutory value for {jurisdiction} {parameter} on {on.isoformat()}"
        super().__init__(f"{msg}: {detail}" if detail else msg)


@dataclass(frozen=True)
class StatutoryValue:
    jurisdiction: str  # NO | SE | DK | FI | EU
    parameter: str
    valid_from: date
    valid_to: date | None  # inclusive; None = open-ended
    value: Decimal
    unit: str  # NOK | SEK | DKK | EUR | percent | days | count | fraction
    source: str  # citation + URL from domain_rules.md §1
    confidence: str  # V | D | U

    def __post_init__(self) -> None:
        where = f"{self.jurisdiction} {self.parameter} from {self.valid_from}"
        if self.jurisdiction not in JURISDICTIONS:
            raise ValueError(f"{where}: jurisdiction must be one of {', '.join(JURISDICTIONS)}")
        if not self.parameter:
            raise ValueError(f"{where}: the parameter needs a name")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"{where}: valid_to {self.valid_to} is before valid_from")
        if not isinstance(self.value, Decimal) or not self.value.is_finite() or self.value < 0:
            raise ValueError(f"{where}: value {self.value!r} must be a non-negative Decimal")
        if self.unit not in UNITS:
            raise ValueError(f"{where}: unit must be one of {', '.join(UNITS)}")
        if self.confidence not in CONFIDENCE:
            raise ValueError(f"{where}: confidence must be V, D or U")
        if not self.source.strip():
            raise ValueError(f"{where}: every statutory figure needs its source")

    def covers(self, on: date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


@dataclass(frozen=True)
class StatutoryTable:
    rows: tuple[StatutoryValue, ...]

    def __post_init__(self) -> None:
        # Overlapping rows would make a lookup ambiguous: refuse them when the table is built.
        by_key: dict[tuple[str, str], list[StatutoryValue]] = {}
        for r in self.rows:
            by_key.setdefault((r.jurisdiction, r.parameter), []).append(r)
        for (j, p), rs in by_key.items():
            rs.sort(key=lambda r: r.valid_from)
            for a, b in pairwise(rs):
                if a.valid_to is None or a.valid_to >= b.valid_from:
                    raise ValueError(f"{j} {p}: the rows from {a.valid_from} and {b.valid_from} overlap")

    def _rows(self, jurisdiction: str, parameter: str) -> list[StatutoryValue]:
        rows = [r for r in self.rows if r.jurisdiction == jurisdiction and r.parameter == parameter]
        return sorted(rows, key=lambda r: r.valid_from)

    def get(self, jurisdiction: str, parameter: str, on: date) -> StatutoryValue:
        for r in self._rows(jurisdiction, parameter):
            if r.covers(on):
                return r
        raise MissingStatutoryParameter(jurisdiction, parameter, on)

    def value(self, jurisdiction: str, parameter: str, on: date) -> Decimal:
        return self.get(jurisdiction, parameter, on).value

    def periods(self, jurisdiction: str, parameter: str, start: date, end: date) -> list[tuple[date, date, Decimal]]:
        """The (from, to inclusive, value) pieces covering [start, end]; MissingStatutoryParameter for a gap."""
        out: list[tuple[date, date, Decimal]] = []
        day = start
        while day <= end:
            r = self.get(jurisdiction, parameter, day)  # raises at the first uncovered day
            last = end if r.valid_to is None else min(r.valid_to, end)
            out.append((day, last, r.value))
            day = last + timedelta(days=1)
        return out

    def with_rows(self, rows: Iterable[StatutoryValue]) -> StatutoryTable:
        """This table with rows added or replaced (same jurisdiction, parameter and valid_from)."""
        new = tuple(rows)
        keys = {(r.jurisdiction, r.parameter, r.valid_from) for r in new}
        kept = tuple(r for r in self.rows if (r.jurisdiction, r.parameter, r.valid_from) not in keys)
        return StatutoryTable(kept + new)


D = Decimal
TABLE_FROM = date(2020, 1, 1)  # open-ended rules: "in force at least since" (the 1/20 fee rule dates from 2020)
EU_FROM = date(2013, 3, 16)  # transposition deadline of Directive 2011/7/EU
H2_2023, H1_2024, H2_2024 = date(2023, 7, 1), date(2024, 1, 1), date(2024, 7, 1)
H1_2025, H2_2025, H1_2026, H2_2026 = date(2025, 1, 1), date(2025, 7, 1), date(2026, 1, 1), date(2026, 7, 1)
END_2026 = date(2026, 12, 31)

_HALVES = (H2_2023, H1_2024, H2_2024, H1_2025, H2_2025, H1_2026, H2_2026)

NO_FORSKRIFT = "inkassoforskriften (FOR-1989-07-14-562)"
NO_JURIDIKA = "https://juridika.no/no/forskrift/1989-07-14-562/kapittel_1"
NO_KRED_2025 = "https://www.kred.no/artikler/nyheter/nye-satser-fra-1-januar-2025"
NO_KRED_2026 = "https://www.kred.no/uncategorized/forsinkelsesrente-og-standardkompensasjon-for-inndrivelseskostnader-fra-1-januar-2026"
NO_REGJ_2024 = (
    "https://www.regjeringen.no/no/aktuelt/forsinkelsesrente-og-standardkompensasjon-fra-1.-januar-2024/id3019071/"
)
SE_LAG = "lag (1981:739) om ersättning för inkassokostnader § 4 (SFS 2013:56)"
SE_RIKSDAGEN = (
    "http://www.riksdagen.se/sv/dokument-lagar/dokument/svensk-forfattningssamling/"
    "lag-1981739-om-ersattning-for-inkassokostnader_sfs-1981-739"
)
SE_IMY_FEES = "https://www.imy.se/vanliga-fragor-och-svar/hur-mycket-far-man-ta-ut-i-inkassokostnader/"
SE_MYSTEP = "https://www.mystep.se/referensranta"
DK_ELOV = "https://elov.dk/renteloven/paragraf/9b/ ; https://debtia.dk/ordbog/renteloven/"
FI_LAW = "laki saatavien perinnästä (513/1999)"
FI_B2B_NOTE = (
    "consumer rule [V] (https://ikassa.fi/maksumuistutus); applied to B2B claims as an assumption: the B2B caps of "
    "513/1999 §§ 10 e–g (HE 241/2021) were not verified (domain_rules.md §1.4)"
)
ASSUMED = "assumed, no figure in domain_rules.md §1 for this period: "


def _v(j: str, p: str, start: date, end: date | None, value: str, unit: str, source: str, conf: str) -> StatutoryValue:
    return StatutoryValue(j, p, start, end, D(value), unit, source, conf)


def _half(j: str, p: str, unit: str, figures: tuple[tuple[str, str, str], ...]) -> tuple[StatutoryValue, ...]:
    """One row per half-year 2023-H2 .. 2026-H2 from (value, confidence, source) in that order."""
    assert len(figures) == len(_HALVES)
    ends = [*(h - timedelta(days=1) for h in _HALVES[1:]), END_2026]
    return tuple(
        _v(j, p, start, end, value, unit, source, conf)
        for start, end, (value, conf, source) in zip(_HALVES, ends, figures, strict=True)
    )


_NO_RATE = "forsinkelsesrenteloven § 3 (Norges Bank policy rate + 8 pp, set 1 Jan and 1 Jul)"
_NO_COMP = "forsinkelsesrenteloven § 3a standardkompensasjon (B2B)"
_SE_RATE = "räntelagen § 6 (referensränta + 8 pp)"
_DK_RATE = "renteloven § 5 stk. 1 (Nationalbanken's lending rate on 1 Jan / 1 Jul + 8 pp)"
_FI_RATE = "korkolaki § 4 a (B2B: viitekorko + 8 pp)"

DEFAULT_STATUTORY: tuple[StatutoryValue, ...] = (
    # --- Norway: inkassoforskriften §§ 1-1..1-3, inkassoloven §§ 9-10, forsinkelsesrenteloven
    _v("NO", "inkassosats", TABLE_FROM, date(2025, 12, 31), "700", "NOK",
       f"{NO_FORSKRIFT} § 1-1 ('Inkassosatsen er kr 700'), {NO_JURIDIKA}; 2025: {NO_KRED_2025}", "V"),
    _v("NO", "inkassosats", H1_2026, None, "750", "NOK",
       f"{NO_FORSKRIFT} § 1-1 as reported on a secondary page (collection-agency association), {NO_KRED_2026}; "
       "confirm against lovdata", "D"),
    _v("NO", "reminder_fee_fraction", TABLE_FROM, None, "0.05", "fraction",
       f"{NO_FORSKRIFT} § 1-2 first and second paragraphs: purregebyr and the creditor's own inkassovarsel are "
       f"1/20 of the inkassosats in force on the sending date (1/10 before 2020), {NO_JURIDIKA}", "V"),
    _v("NO", "demand_fee_fraction", TABLE_FROM, None, "0.15", "fraction",
       f"{NO_FORSKRIFT} § 1-2 third paragraph: betalingsoppfordring in egeninkasso 3/20 of the inkassosats, "
       f"{NO_JURIDIKA}", "V"),
    _v("NO", "fee_min_days_after_due", TABLE_FROM, None, "14", "days",
       f"{NO_FORSKRIFT} § 1-2: a fee only if the reminder (or own inkassovarsel) is sent no earlier than 14 days "
       f"after the due date, {NO_JURIDIKA}", "V"),
    _v("NO", "fee_prior_deadline_days", TABLE_FROM, None, "14", "days",
       f"{NO_FORSKRIFT} § 1-3 (second fee) and § 1-2 third paragraph (betalingsoppfordring): only after the "
       f"debtor missed a deadline of at least 14 days, {NO_JURIDIKA}", "V"),
    _v("NO", "max_fee_reminders", TABLE_FROM, None, "2", "count",
       f"{NO_FORSKRIFT} § 1-3: two purringer, or one purring + one inkassovarsel, then one betalingsoppfordring, "
       f"{NO_JURIDIKA}", "V"),
    _v("NO", "notice_min_deadline_days", TABLE_FROM, None, "14", "days",
       "inkassoloven § 9: inkassovarsel after the due date with at least 14 days to pay, "
       "https://jusinfo.no/pengekravsrett/inndrivelsesprosessen/inkassovarsel/", "V"),
    _v("NO", "demand_min_deadline_days", TABLE_FROM, None, "14", "days",
       "inkassoloven § 10: betalingsoppfordring with at least 14 days to pay or object, "
       "https://jusinfo.no/pengekravsrett/inndrivelsesprosessen/betalingsoppfordring/", "V"),
    *_half("NO", "late_interest_rate", "percent", (
        ("11.75", "U", f"{_NO_RATE}; {ASSUMED}from memory, policy rate 3.75 % on 1 Jul 2023 + 8 pp; check lovdata"),
        ("12.5", "V", f"{_NO_RATE}; {NO_REGJ_2024}"),
        ("12.5", "U", f"{_NO_RATE}; {ASSUMED}H1 2024 carried forward (policy rate believed unchanged at 4.5 % "
                      "through 2024; H1 2025 is 12.5 % too); check lovdata"),
        ("12.5", "V", f"{_NO_RATE}; FOR-2024-12-19-3279, https://lovdata.no/forskrift/2024-12-19-3279"),
        ("12.25", "D", f"{_NO_RATE}; policy rate cut to 4.25 % in June 2025 + 8 pp; check FOR-2025-06-23-1321"),
        ("12.00", "D", f"{_NO_RATE}; secondary page {NO_KRED_2026}"),
        ("12.00", "U", f"{_NO_RATE}; {ASSUMED}H1 2026 carried forward; check the regulation from 1 Jul 2026"),
    )),
    *_half("NO", "fixed_compensation", "NOK", (
        ("470", "U", f"{_NO_COMP}; {ASSUMED}the H1 2024 figure; check lovdata"),
        ("470", "V", f"{_NO_COMP}; {NO_REGJ_2024}"),
        ("470", "U", f"{_NO_COMP}; {ASSUMED}H1 2024 carried forward; check lovdata"),
        ("470", "V", f"{_NO_COMP}; FOR-2024-12-19-3279, https://lovdata.no/forskrift/2024-12-19-3279"),
        ("470", "U", f"{_NO_COMP}; {ASSUMED}not found (domain_rules.md §1.1), H1 2025 carried forward; "
                     "check FOR-2025-06-23-1321"),
        ("460", "D", f"{_NO_COMP}; secondary page {NO_KRED_2026}"),
        ("460", "U", f"{_NO_COMP}; {ASSUMED}H1 2026 carried forward; check the regulation from 1 Jul 2026"),
    )),
    # --- Sweden: lag (1981:739) § 4 and § 4 a, inkassolagen § 5 (IMY), räntelagen § 6
    _v("SE", "reminder_fee_cap", TABLE_FROM, None, "60", "SEK",
       f"{SE_LAG}: påminnelseavgift max SEK 60, only if agreed when the debt arose (§ 2), {SE_RIKSDAGEN} ; "
       f"{SE_IMY_FEES}", "V"),
    _v("SE", "collection_demand_fee_cap", TABLE_FROM, None, "180", "SEK",
       f"{SE_LAG}: inkassokrav max SEK 180, {SE_RIKSDAGEN} ; {SE_IMY_FEES}", "V"),
    _v("SE", "demand_min_deadline_days", TABLE_FROM, None, "8", "days",
       "inkassolagen § 5 (skälig tid), IMY guidance: at least 8 days from sending, "
       "https://www.imy.se/vanliga-fragor-och-svar/hur-lang-tid-har-jag-pa-mig-for-att-betala-eller-bestrida-ett-inkassokrav/",
       "V"),
    _v("SE", "fixed_compensation", TABLE_FROM, None, "450", "SEK",
       f"lag (1981:739) § 4 a förseningsersättning (B2B), {SE_RIKSDAGEN}", "V"),
    *_half("SE", "late_interest_rate", "percent", (
        ("11.5", "U", f"{_SE_RATE}; {ASSUMED}referensränta 3.50 % from the Riksbank news cited for the rule, "
                      "https://www.riksbank.se/sv/press-och-publicerat/nyheter-och-pressmeddelanden/nyheter/2023/"
                      "referensrantan-faststalld-till-350-procent/ + 8 pp"),
        ("12.00", "D", f"{_SE_RATE}; referensränta 4.00 %, secondary pages {SE_MYSTEP} ; "
                       "https://www.capway.se/2024/01/02/referensrantan-faststalld-till-400/"),
        ("12.00", "D", f"{_SE_RATE}; referensränta 4.00 %, secondary page {SE_MYSTEP}"),
        ("11.00", "D", f"{_SE_RATE}; referensränta 3.00 %, secondary page {SE_MYSTEP}"),
        ("10.00", "D", f"{_SE_RATE}; referensränta 2.00 %, secondary page {SE_MYSTEP}"),
        ("10.00", "D", f"{_SE_RATE}; referensränta 2.00 %, secondary page {SE_MYSTEP}"),
        ("10.00", "U", f"{_SE_RATE}; {ASSUMED}H1 2026 carried forward; check the Riksbank's referensränta"),
    )),
    # --- Denmark: renteloven § 5, § 9 a stk. 3, § 9 b
    _v("DK", "reminder_fee_cap", TABLE_FROM, None, "100", "DKK",
       f"renteloven § 9 b: rykkergebyr max DKK 100, {DK_ELOV}", "V"),
    _v("DK", "max_fee_reminders", TABLE_FROM, None, "3", "count",
       f"renteloven § 9 b: at most 3 fee-bearing reminders for the same payment, {DK_ELOV}", "V"),
    _v("DK", "reminder_min_interval_days", TABLE_FROM, None, "10", "days",
       f"renteloven § 9 b: reminders at least 10 days apart to be chargeable (U 2008.1083 V), {DK_ELOV}", "V"),
    _v("DK", "collection_fee_cap", TABLE_FROM, None, "100", "DKK",
       f"renteloven § 9 b: inkassogebyr max DKK 100, {DK_ELOV}", "V"),
    _v("DK", "fixed_compensation", TABLE_FROM, None, "310", "DKK",
       "renteloven § 9 a stk. 3 kompensationsbeløb (B2B), https://danskelove.dk/renteloven/9a", "V"),
    *_half("DK", "late_interest_rate", "percent", (
        ("11.25", "V", f"{_DK_RATE}; https://forbrug.dk/regler/opslagsvaerk-forbrugerleksikon/morarenten/"),
        ("11.75", "V", f"{_DK_RATE}; https://selandiaadvokater.dk/privat/retssager/renteoplysninger/"),
        ("11.50", "U", f"{_DK_RATE}; {ASSUMED}from memory, lending rate about 3.50 % on 1 Jul 2024 after the "
                       "June 2024 cut + 8 pp; check nationalbanken.dk"),
        ("10.75", "D", f"{_DK_RATE}; lending rate about 2.75 % on 1 Jan 2025; check nationalbanken.dk"),
        ("9.75", "D", f"{_DK_RATE}; lending rate about 1.75 % on 1 Jul 2025; check nationalbanken.dk"),
        ("9.75", "D", f"{_DK_RATE}; lending rate about 1.75 % on 1 Jan 2026; check nationalbanken.dk"),
        ("9.75", "U", f"{_DK_RATE}; {ASSUMED}H1 2026 carried forward; check nationalbanken.dk"),
    )),
    # --- Finland: laki saatavien perinnästä, korkolaki § 4 a (B2B), laki 30/2013
    _v("FI", "reminder_fee_cap", TABLE_FROM, None, "5", "EUR",
       f"{FI_LAW}: maksumuistutus max EUR 5; {FI_B2B_NOTE}", "U"),
    _v("FI", "fee_min_days_after_due", TABLE_FROM, None, "14", "days",
       f"{FI_LAW}: maksumuistutus no earlier than 14 days after the due date; {FI_B2B_NOTE}", "U"),
    _v("FI", "fixed_compensation", TABLE_FROM, None, "40", "EUR",
       "laki kaupallisten sopimusten maksuehdoista (30/2013): EUR 40 (Directive 2011/7/EU Art. 6)", "V"),
    *_half("FI", "late_interest_rate", "percent", (
        ("12.0", "U", f"{_FI_RATE}; {ASSUMED}from memory, viitekorko 4.0 % (ECB MRO 4.00 %) + 8 pp; check "
                      "suomenpankki.fi"),
        ("12.5", "U", f"{_FI_RATE}; {ASSUMED}from memory, viitekorko 4.5 % (ECB MRO 4.50 %) + 8 pp; check "
                      "suomenpankki.fi"),
        ("12.5", "V", f"{_FI_RATE}; viitekorko 4.5 % (domain_rules.md §1.4)"),
        ("11.5", "V", f"{_FI_RATE}; https://www.sttinfo.fi/tiedote/70785866/"
                      "reference-rate-and-penalty-interest-rates-for-1-january-30-june-2025"),
        ("10.5", "D", f"{_FI_RATE}; viitekorko 2.5 % (ECB MRO 2.15 % rounded up)"),
        ("10.5", "V", f"{_FI_RATE}; https://www.sttinfo.fi/tiedote/71709487/"
                      "korkolain-mukainen-viitekorko-ja-viivastyskorot-11-3062026"),
        ("10.5", "U", f"{_FI_RATE}; {ASSUMED}H1 2026 carried forward; check suomenpankki.fi"),
    )),
    # --- EU Late Payment Directive 2011/7/EU (B2B; EEA, so Norway too)
    _v("EU", "fixed_compensation", EU_FROM, None, "40", "EUR",
       "Directive 2011/7/EU Art. 6: minimum EUR 40 per late invoice, no reminder needed (C-78/22)", "V"),
    _v("EU", "late_interest_margin", EU_FROM, None, "8", "percent",
       "Directive 2011/7/EU Art. 2 and 12: reference rate + at least 8 percentage points", "V"),
    _v("EU", "max_payment_days", EU_FROM, None, "60", "days",
       "Directive 2011/7/EU Art. 3(5): B2B payment period at most 60 days unless expressly agreed (C-677/22)", "V"),
)  # fmt: skip

DEFAULT_TABLE = StatutoryTable(DEFAULT_STATUTORY)
