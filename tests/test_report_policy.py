"""The credit-policy PDF (reports/policy_document.py) and the shared PDF frame (reports/pdf.py), read back with
pdfplumber: values per language, a modified policy, Unicode, page numbering and byte-identical output."""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pdfplumber
import pytest

from domain.approvals import ApprovalLevel
from domain.ecl import DEFAULT_FORWARD_SOURCE, BucketOverride, EclSettings
from domain.policy import AlertThresholds, Policy
from domain.risk import CLASS_PD_SOURCE, RiskRules
from reports import pdf as pdfmod
from reports.pdf import check_lang, join_or, moment, money, number, percent
from reports.policy_document import policy_document

CREATED = datetime(2026, 4, 1, 9, 0)
COMMENT = "Grenser i € for Bølgen AS – æøå ÆØÅ"


def render(policy: Policy | None = None, lang: str = "en", **overrides) -> bytes:
    kwargs = {
        "version": 3,
        "author": "Kari Nordmann",
        "saved_at": datetime(2026, 3, 31, 14, 5),
        "comment": COMMENT,
        "company": "Fjord Økonomi AS",
        "base_currency": "NOK",
        "lang": lang,
        "created": CREATED,
    }
    kwargs.update(overrides)
    return policy_document(policy or Policy(), **kwargs)


def pages(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return [p.extract_text() or "" for p in doc.pages]


def flat(text: str) -> str:
    """Whitespace (line breaks, no-break spaces) as single spaces, so a sentence can be found across a wrap."""
    return " ".join(text.replace("\u00a0", " ").split())


@cache
def default_bytes(lang: str) -> bytes:
    return render(lang=lang)


@cache
def default_pages(lang: str) -> tuple[str, ...]:
    return tuple(pages(default_bytes(lang)))


def default_text(lang: str) -> str:
    return flat("\n".join(default_pages(lang)))


MODIFIED = replace(
    Policy(),
    risk_classes=tuple(replace(c, payment_terms_days=15) if c.risk_class == "C" else c for c in Policy().risk_classes),
    approval_matrix=(
        ApprovalLevel("credit_manager", Decimal("500000")),
        ApprovalLevel("cfo", Decimal("3000000")),
        ApprovalLevel("key_account", Decimal("4000000")),
    ),
    lgd_percent=Decimal(45),
    bucket_edges=(30, 60, 90),
    risk_rules=replace(RiskRules(), severe_event_days=180, role_change_notches=0),
    alerts=replace(AlertThresholds(), overdue_days=45, credit_hold_events=()),
)


@cache
def modified_text(lang: str) -> str:
    return flat("\n".join(pages(render(MODIFIED, lang=lang))))


DEFAULT_EXPECTED = {
    "en": [
        "Credit policy",
        "Company Fjord Økonomi AS",
        "Version 3",
        "Author Kari Nordmann",
        "Saved at 31 Mar 2026 14:05",
        "Amounts in NOK",
        # risk classes: class, terms days, max limit, review months, prepayment, insurance, PD
        "A 30 no cap 24 no no 0.25 %",
        "B 30 NOK 2,000,000 12 no no 0.75 %",
        "C 20 NOK 500,000 12 no no 3 %",
        "D 14 NOK 100,000 6 no yes 8 %",
        "E 0 NOK 0 3 yes no 25 %",
        f"Source of the PD figures: {CLASS_PD_SOURCE}",
        # bureau mapping
        "71–100 very low risk A",
        "21–29 high risk D",
        "0–20 very high risk E",
        "D&B rating AAA AA A AN B C Class A A B C D E",
        "UC risk class 5 4 3 2 1 Class A B C D E",
        "a rating the tables above do not know: class C.",
        # class rules with their numbers
        "A bankruptcy, bankruptcy petition, liquidation, forced dissolution, debt restructuring or striking-off in "
        "the last 365 days: class E",
        "Payment remarks on the latest credit report: 1 step towards E; 3 or more remarks: 2 steps towards E",
        "A change of CEO or chair registered in the last 90 days: 1 step towards E.",
        "A payment index below 60 (the index runs from 20 to 100; 80 means paying on the due date)",
        "More than 50 % of the balance past due: 1 step towards E.",
        "less than 12 months without a credit report: 1 step towards E.",
        "at least 24 months with a payment index of at least 90",
        "1 step towards A.",
        # approvals
        "Credit manager NOK 500,000",
        "CFO NOK 5,000,000",
        "Board no cap",
        "valid for 12 months",
        # alerts
        "falls 10 points or more",
        "more than 60 days past due",
        "due within 30 days",
        "amounts 60 days past due, and the alert comes 10 days before",
        "credit hold (no new sales on credit) is raised when a bankruptcy, bankruptcy petition, liquidation, "
        "forced dissolution or striking-off is registered",
        # receivables: the labels of domain.aging.Buckets
        "current not yet due",
        "1-30 1 to 30",
        "31-60 31 to 60",
        "61-90 61 to 90",
        "91-120 91 to 120",
        "121+ 121 or more",
        "credit sales of the last 90 days",
        "must not be older than 2 days",
        "paid in the last 90 days is at least 7 days above the median of the 270 days before that, the recent "
        "median is at least 7 days late, and at least 3 recently paid and 3 earlier paid invoices",
        # expected loss: 3 % x 70 % x 1,000,000 = 21,000
        "Expected loss = PD × LGD × uninsured exposure",
        "if the customer defaults: 70 %.",
        "3 % × 70 % × NOK 1,000,000 = NOK 21,000.",
    ],
    "nb": [
        "Kredittpolicy",
        "Selskap Fjord Økonomi AS",
        "Versjon 3",
        "Forfatter Kari Nordmann",
        "Lagret 31.03.2026 14:05",
        "Beløp i NOK",
        "A 30 ingen grense 24 nei nei 0,25 %",
        "B 30 2 000 000 NOK 12 nei nei 0,75 %",
        "C 20 500 000 NOK 12 nei nei 3 %",
        "D 14 100 000 NOK 6 nei ja 8 %",
        "E 0 0 NOK 3 ja nei 25 %",
        f"Kilde for PD-tallene: {CLASS_PD_SOURCE}",
        "71–100 very low risk A",
        "D&B-rating AAA AA A AN B C Klasse A A B C D E",
        "UC-risikoklasse 5 4 3 2 1 Klasse A B C D E",
        "rating tabellene over ikke kjenner: klasse C.",
        "En konkurs, konkursbegjæring, avvikling, tvangsoppløsning, gjeldsforhandling eller sletting de siste 365 "
        "dagene: klasse E",
        "En endring av daglig leder eller styreleder registrert de siste 90 dagene: 1 trinn mot E.",
        "3 eller flere anmerkninger: 2 trinn mot E",
        "Mer enn 50 % av saldoen er forfalt: 1 trinn mot E.",
        "1 trinn mot A.",
        "Kredittsjef 500 000 NOK",
        "Økonomidirektør 5 000 000 NOK",
        "Styret ingen grense",
        "gjelder i 12 måneder",
        "faller 10 poeng eller mer",
        "mer enn 60 dager forfalt",
        "Et varsel om kredittstopp (ingen nye salg på kreditt) gis når en konkurs, konkursbegjæring, avvikling, "
        "tvangsoppløsning eller sletting registreres",
        "ikke forfalt forfallsdatoen er ikke nådd",
        "1-30 1 til 30",
        "91-120 91 til 120",
        "121+ 121 eller flere",
        "kredittsalget de siste 90 dagene",
        "ikke være eldre enn 2 dager",
        "Forventet tap = PD × LGD × uforsikret eksponering",
        "hvis kunden misligholder: 70 %.",
        "3 % × 70 % × 1 000 000 NOK = 21 000 NOK.",
    ],
}


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_both_languages_give_a_valid_pdf(lang):
    data = default_bytes(lang)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    with pdfplumber.open(io.BytesIO(data)) as doc:
        assert len(doc.pages) >= 2
        assert doc.metadata["Title"] == {"en": "Credit policy", "nb": "Kredittpolicy"}[lang]
        assert doc.metadata["Author"] == "Fjord Økonomi AS"


@pytest.mark.parametrize(("lang", "expected"), [(lang, e) for lang, es in DEFAULT_EXPECTED.items() for e in es])
def test_default_policy_values(lang, expected):
    assert expected in default_text(lang)


@pytest.mark.parametrize(
    ("lang", "section_headings"),
    [
        (
            "en",
            [
                "1 Risk classes",
                "2 How the class is set",
                "3 Credit limits and approvals",
                "4 Monitoring and alerts",
                "5 Receivables",
                "6 Expected loss",
                "7 IFRS 9 provision (expected credit loss)",
            ],
        ),
        (
            "nb",
            [
                "1 Risikoklasser",
                "2 Slik fastsettes klassen",
                "3 Kredittgrenser og godkjenning",
                "4 Overvåking og varsler",
                "5 Kundefordringer",
                "6 Forventet tap",
                "7 IFRS 9-avsetning (forventet kredittap)",
            ],
        ),
    ],
)
def test_sections_in_order(lang, section_headings):
    text = default_text(lang)
    positions = [text.index(h) for h in section_headings]
    assert positions == sorted(positions)
    assert text.index({"en": "Saved at", "nb": "Lagret"}[lang]) < positions[0]  # particulars come first


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        (
            "en",
            [
                "C 15 NOK 500,000 12 no no 3 %",
                "CFO NOK 3,000,000",
                "Key account NOK 4,000,000",  # a role the label table does not know, shown from its code
                "A limit above NOK 4,000,000 cannot be granted under this policy.",
                "if the customer defaults: 45 %.",
                "3 % × 45 % × NOK 1,000,000 = NOK 13,500.",  # 0.03 x 0.45 x 1,000,000
                "91+ 91 or more",
                "debt restructuring or striking-off in the last 180 days: class E",
                "registered in the last 90 days: no effect (rule switched off).",
                "more than 45 days past due",
                "No register event raises a credit-hold alert.",
            ],
            [
                "C 20 NOK",
                "5,000,000",
                "Board",
                "70 %",
                "91-120",
                "121+",
                "365 days",
                "more than 60 days past due",
            ],
        ),
        (
            "nb",
            [
                "C 15 500 000 NOK 12 nei nei 3 %",
                "Økonomidirektør 3 000 000 NOK",
                "Key account 4 000 000 NOK",
                "En grense over 4 000 000 NOK kan ikke innvilges",
                "hvis kunden misligholder: 45 %.",
                "3 % × 45 % × 1 000 000 NOK = 13 500 NOK.",
                "91+ 91 eller flere",
                "gjeldsforhandling eller sletting de siste 180 dagene: klasse E",
                "ingen virkning (regelen er slått av)",
                "Ingen registerhendelse gir varsel om kredittstopp.",
            ],
            ["C 20 500", "5 000 000", "Styret", "70 %", "91-120", "365 dagene"],
        ),
    ],
)
def test_modified_policy_shows_new_values_not_old(lang, present, absent):
    text = modified_text(lang)
    for p in present:
        assert p in text, p
    for a in absent:
        assert a not in text, a


# --- section 7: the IFRS 9 provision settings (policy.ecl) ------------------------------------------------------

ECL_SOURCE = "Norges Bank Monetary Policy Report 1/2026: bankruptcies expected 10 % above the cohort years"
ECL_POLICY = replace(
    Policy(),
    ecl=EclSettings(
        lookback_months=36,
        emergence_months=1,
        min_reached=Decimal("250000"),
        overrides=(BucketOverride("61-90", Decimal("40"), "Thin history: 3 cohorts only"),),
        forward_factor=Decimal("1.10"),
        forward_source=ECL_SOURCE,
        individual_threshold=Decimal("2500000"),
        individual_events=("bankruptcy", "debt_restructuring"),
        individual_in_collection=False,
    ),
)


@cache
def ecl_text(lang: str) -> str:
    return flat("\n".join(pages(render(ECL_POLICY, lang=lang))))


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        (
            "en",
            [
                "7 IFRS 9 provision (expected credit loss)",
                "historical loss rate of a group comes from the ledger's own write-offs",
                "needs a manual override with a written rationale",
                "at the risk model's expected loss (section 6)",
                "Setting Value",
                "Cohorts: invoices issued in the last 36 months",
                "Latest months left out (losses not yet emerged) 1 month",  # singular
                "Sufficient history: amount that reached a group at least NOK 250,000",
                "Forward-looking factor 1.10",  # two decimals, as written in the policy
                "Individual assessment: register events bankruptcy or debt restructuring",
                "Individual assessment: handed over to collection no",
                "Individual assessment: balance above NOK 2,500,000",
                f"Source of the forward-looking factor: {ECL_SOURCE}",
                "Manual overrides",
                "Group Rate Rationale",
                "61-90 40 % Thin history: 3 cohorts only",
            ],
            [
                "no size rule",
                "No group has a manual override",
                "issued in the last 24 months",
                "at least NOK 100,000",
                DEFAULT_FORWARD_SOURCE,
            ],
        ),
        (
            "nb",
            [
                "7 IFRS 9-avsetning (forventet kredittap)",
                "Den historiske tapsraten for en gruppe hentes fra reskontroens egne avskrivninger",
                "raten må da overstyres manuelt med en skriftlig begrunnelse",
                "med risikomodellens forventede tap (del 6)",
                "Innstilling Verdi",
                "Kohorter: fakturaer utstedt de siste 36 måneder",
                "Siste måneder utelatt (tapene har ikke vist seg ennå) 1 måned",
                "Tilstrekkelig historikk: beløp som nådde en gruppe minst 250 000 NOK",
                "Fremoverskuende faktor 1,10",
                "Individuell vurdering: registerhendelser konkurs eller gjeldsforhandling",
                "Individuell vurdering: overlevert til inkasso nei",
                "Individuell vurdering: saldo over 2 500 000 NOK",
                f"Kilde for den fremoverskuende faktoren: {ECL_SOURCE}",
                "Manuelle overstyringer",
                "Gruppe Rate Begrunnelse",
                "61-90 40 % Thin history: 3 cohorts only",
            ],
            ["ingen beløpsgrense", "Ingen gruppe er overstyrt manuelt", "de siste 24 måneder", "minst 100 000 NOK"],
        ),
    ],
)
def test_ecl_section_prints_the_policy_settings(lang, present, absent):
    text = ecl_text(lang)
    for p in present:
        assert p in text, p
    for a in absent:
        assert a not in text, a


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            [
                "Cohorts: invoices issued in the last 24 months",
                "Latest months left out (losses not yet emerged) 6 months",
                "amount that reached a group at least NOK 100,000",
                "Forward-looking factor 1.00",
                # the default events, through the same event names as the class rules and credit hold; the
                # value wraps in its cell, so the label lands between its two lines in the extracted text
                "bankruptcy, bankruptcy petition, liquidation, Individual assessment: register events forced "
                "dissolution or debt restructuring",
                "Individual assessment: handed over to collection yes",
                "Individual assessment: balance above no size rule",
                f"Source of the forward-looking factor: {DEFAULT_FORWARD_SOURCE}",
                "Manual overrides No group has a manual override: every group uses its historical loss rate.",
            ],
        ),
        (
            "nb",
            [
                "Kohorter: fakturaer utstedt de siste 24 måneder",
                "Fremoverskuende faktor 1,00",
                "konkurs, konkursbegjæring, avvikling, Individuell vurdering: registerhendelser tvangsoppløsning "
                "eller gjeldsforhandling",
                "Individuell vurdering: overlevert til inkasso ja",
                "Individuell vurdering: saldo over ingen beløpsgrense",
                "Manuelle overstyringer Ingen gruppe er overstyrt manuelt: hver gruppe bruker sin historiske tapsrate.",
            ],
        ),
    ],
)
def test_ecl_section_of_the_default_policy(lang, expected):
    text = default_text(lang)
    for e in expected:
        assert e in text, e


def test_ecl_factor_is_never_rounded_and_no_events_says_none():
    policy = replace(Policy(), ecl=EclSettings(forward_factor=Decimal("1.125"), individual_events=()))
    text = flat("\n".join(pages(render(policy))))
    assert "Forward-looking factor 1.125" in text  # three decimals kept, not 1.13
    assert "Individual assessment: register events none" in text


def test_no_severe_events_and_no_role_events():
    policy = replace(Policy(), risk_rules=replace(RiskRules(), severe_events=(), role_events=()))
    text = flat("\n".join(pages(render(policy))))
    assert "No register event puts a customer in class E by itself." in text
    assert "change of CEO or chair" not in text
    assert "debt restructuring in the last" not in text  # (the IFRS 9 section still lists it as an event)


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_unicode_survives_extraction(lang):
    text = default_text(lang)
    assert COMMENT in text  # æøå ÆØÅ, "–" and "€", which the core PDF fonts cannot print
    assert "Fjord Økonomi AS" in text
    assert "71–100" in text


@pytest.mark.parametrize(("lang", "word"), [("en", "Page"), ("nb", "Side")])
def test_every_page_numbered_x_of_n(lang, word):
    texts = default_pages(lang)
    n = len(texts)
    for i, text in enumerate(texts, start=1):
        assert re.search(rf"^{word} {i} / {n}$", text, re.MULTILINE), (i, text[-60:])
        assert text.splitlines()[0] == f"{ {'en': 'Credit policy', 'nb': 'Kredittpolicy'}[lang] } Fjord Økonomi AS"


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_same_inputs_same_bytes(lang):
    assert render(lang=lang) == default_bytes(lang)
    assert render(lang=lang, created=datetime(2026, 4, 2, 9, 0)) != default_bytes(lang)  # the date is in the file


def test_missing_particulars():
    en = flat("\n".join(pages(render(version=None, author=None, saved_at=None, comment=None))))
    assert "Version not saved Author – Saved at – Comment –" in en
    nb = flat("\n".join(pages(render(lang="nb", version=None, author=None, saved_at=None, comment=None))))
    assert "Versjon ikke lagret Forfatter – Lagret – Kommentar –" in nb


@pytest.mark.parametrize("lang", ["de", "", "EN", "nb_NO"])
def test_unknown_language_is_refused(lang):
    with pytest.raises(ValueError, match=r"unsupported report language .*use one of en, nb"):
        render(lang=lang)


def test_a_heading_stays_with_its_table():
    # the bureau-score heading and its first and last band are on one page, whatever the page breaks
    for text in default_pages("en"):
        if "Bureau score (0–100, higher is better)" in text:
            assert "71–100 very low risk A" in text
            assert "0–20 very high risk E" in text
            break
    else:
        pytest.fail("no page with the bureau-score heading")


def test_pages_render(pdftoppm, tmp_path):
    pdf_file = tmp_path / "policy.pdf"
    pdf_file.write_bytes(default_bytes("nb"))
    subprocess.run([pdftoppm, "-png", "-r", "30", str(pdf_file), str(tmp_path / "p")], check=True, timeout=60)
    assert len(list(tmp_path.glob("p-*.png"))) == len(default_pages("nb"))


# --- reports/pdf.py: formatting and fonts -------------------------------------------------------------------

NB = "\u00a0"


@pytest.mark.parametrize(
    ("func", "args", "expected"),
    [
        (money, (Decimal("2000000"), "NOK", "nb"), f"2{NB}000{NB}000{NB}NOK"),
        (money, (Decimal("2000000"), "NOK", "en"), f"NOK{NB}2,000,000"),
        (money, (Decimal("1234.5"), "EUR", "en"), f"EUR{NB}1,234.50"),
        (money, (Decimal("1234.5"), "EUR", "nb"), f"1{NB}234,50{NB}EUR"),
        (money, (Decimal("0.125"), "NOK", "en"), f"NOK{NB}0.125"),  # never rounded in print
        (money, (None, "NOK", "en"), "–"),
        (percent, (Decimal("0.25"), "nb"), f"0,25{NB}%"),
        (percent, (Decimal("0.25"), "en"), f"0.25{NB}%"),
        (percent, (Decimal("70"), "en"), f"70{NB}%"),
        (percent, (Decimal("3.00"), "nb"), f"3{NB}%"),
        (number, (Decimal("1234567.891"), "en"), "1,234,567.891"),
        (number, (Decimal("1234567.891"), "nb", 1), f"1{NB}234{NB}567,9"),
        (number, (14, "nb"), "14"),
        (moment, (datetime(2026, 3, 31, 14, 5), "nb"), "31.03.2026 14:05"),
        (moment, (datetime(2026, 3, 31, 14, 5), "en"), "31 Mar 2026 14:05"),
        (moment, (None, "en"), "–"),
        (join_or, (["a", "b", "c"], "en"), "a, b or c"),
        (join_or, (["a", "b"], "nb"), "a eller b"),
        (join_or, (["a"], "nb"), "a"),
    ],
)
def test_formatting(func, args, expected):
    assert func(*args) == expected


def test_check_lang():
    assert check_lang("nb") == "nb_NO"
    assert check_lang("en") == "en_GB"
    with pytest.raises(ValueError, match=r"'sv'.*en, nb"):
        check_lang("sv")


def test_font_falls_back_to_matplotlibs_copy(monkeypatch, tmp_path):
    monkeypatch.setattr(pdfmod, "SYSTEM_FONT_DIR", tmp_path / "none")
    path = pdfmod.font_file("DejaVuSans.ttf")
    assert path.parts[-4:] == ("mpl-data", "fonts", "ttf", "DejaVuSans.ttf")
    assert COMMENT in flat("\n".join(pages(render())))


def test_missing_font_names_the_fix(monkeypatch, tmp_path):
    monkeypatch.setattr(pdfmod, "font_dirs", lambda: [tmp_path])
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        pdfmod.font_file("DejaVuSans.ttf")


def test_system_font_preferred_when_present():
    if not (pdfmod.SYSTEM_FONT_DIR / "DejaVuSans.ttf").is_file():
        pytest.skip("no system DejaVu on this machine")
    assert pdfmod.font_file("DejaVuSans.ttf") == Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
