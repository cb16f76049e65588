"""The dunning letters (reports/letters.py) read back with pdfplumber: titles, invoice lines, hand-computed totals
and deadlines per kind and language, the notice's statutory wording, the 14-day rule, refusals, identical bytes."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache

import pdfplumber
import pytest

from domain.company import CompanyProfile
from reports.letters import KINDS, LetterData, LetterError, LetterLine, letter_pdf

CREATED = datetime(2026, 4, 1, 9, 0)
LETTER_DATE = date(2026, 4, 1)
COMPANY = CompanyProfile(name="Fjord Økonomi AS", org_number="923609016", country="NO", base_currency="NOK")
CONTACT = "Storgata 1, 0155 Oslo\nKonto 1234.56.78903 – KID 1001003"

# 1 000.00 + 250.50 open + 12.34 interest + 35.00 fee = 1 297.84
BASE = LetterData(
    kind="reminder",
    letter_date=LETTER_DATE,
    deadline=date(2026, 4, 15),
    company=COMPANY,
    company_contact=CONTACT,
    customer_name="Bølgen Ærfugl AS",
    customer_ref="K-1001",
    customer_org_number="987654321",
    customer_address="Postboks 12\n9990 Båtsfjord",
    currency="NOK",
    lines=(
        LetterLine("F-1001", date(2026, 2, 1), date(2026, 3, 3), Decimal("1000.00"), Decimal("12.34")),
        LetterLine("F-1002", date(2026, 2, 10), date(2026, 3, 12), Decimal("250.50"), Decimal("0.00")),
    ),
    fee=Decimal("35.00"),
    compensation=Decimal("0"),
    interest_rate_text="12.00 % p.a. (forsinkelsesrenteloven § 3)",
)


def flat(text: str) -> str:
    """Whitespace (line breaks, no-break spaces) as single spaces, so a sentence can be found across a wrap."""
    return " ".join(text.replace("\u00a0", " ").split())


def text_of(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return flat("\n".join(p.extract_text() or "" for p in doc.pages))


@cache
def letter(kind: str, lang: str) -> bytes:
    return letter_pdf(replace(BASE, kind=kind), lang, CREATED)


TITLES = {
    ("reminder", "en"): "Payment reminder",
    ("second_reminder", "en"): "Second reminder",
    ("notice_of_collection", "en"): "Notice of collection",
    ("reminder", "nb"): "Betalingspåminnelse",
    ("second_reminder", "nb"): "Purring nr. 2",
    ("notice_of_collection", "nb"): "Inkassovarsel – varsel om inkasso",
}
FEE_LABELS = {
    ("reminder", "en"): "Reminder fee",
    ("second_reminder", "en"): "Reminder fee",
    ("notice_of_collection", "en"): "Fee for this notice",
    ("reminder", "nb"): "Purregebyr",
    ("second_reminder", "nb"): "Purregebyr",
    ("notice_of_collection", "nb"): "Gebyr for inkassovarsel",
}
EXPECTED = {
    "en": [
        "Fjord Økonomi AS Org. no. 923609016 Storgata 1, 0155 Oslo Konto 1234.56.78903 – KID 1001003",
        "Bølgen Ærfugl AS Org. no. 987654321 Postboks 12 9990 Båtsfjord",
        "Date 1 Apr 2026",
        "Customer no. K-1001",
        "Pay by 15 Apr 2026",
        "Amount to pay NOK 1,297.84",
        "What the claim concerns",
        "Invoice Invoice date Due date Open amount (NOK) Interest (NOK)",
        "F-1001 1 Feb 2026 3 Mar 2026 1,000.00 12.34",
        "F-1002 10 Feb 2026 12 Mar 2026 250.50 0.00",
        "Open amount NOK 1,250.50",
        "Late-payment interest to 1 Apr 2026 NOK 12.34",
        "Total to pay NOK 1,297.84",
        "charged at 12.00 % p.a. (forsinkelsesrenteloven § 3) from each invoice's due date",
        "Please pay NOK 1,297.84 no later than Wednesday 15 April 2026 (14 days from the date of this letter).",
        "Page 1 / 1",
    ],
    "nb": [
        "Fjord Økonomi AS Org.nr. 923609016 Storgata 1, 0155 Oslo Konto 1234.56.78903 – KID 1001003",
        "Bølgen Ærfugl AS Org.nr. 987654321 Postboks 12 9990 Båtsfjord",
        "Dato 01.04.2026",
        "Kundenr. K-1001",
        "Betalingsfrist 15.04.2026",
        "Å betale 1 297,84 NOK",
        "Kravet gjelder",
        "Faktura Fakturadato Forfallsdato Utestående (NOK) Renter (NOK)",
        "F-1001 01.02.2026 03.03.2026 1 000,00 12,34",
        "F-1002 10.02.2026 12.03.2026 250,50 0,00",
        "Utestående beløp 1 250,50 NOK",
        "Forsinkelsesrente per 01.04.2026 12,34 NOK",
        "Å betale 1 297,84 NOK",
        "Forsinkelsesrenten er 12.00 % p.a. (forsinkelsesrenteloven § 3)",
        "Vi ber om at 1 297,84 NOK betales senest onsdag 15. april 2026 (14 dager fra datoen på dette brevet).",
        "Side 1 / 1",
    ],
}
NOTICE = {
    "en": (
        "If the amount is not paid by 15 Apr 2026, the claim will be sent to collection, which will mean extra costs "
        "for you. The deadline is 14 days from the date of this notice; it is at least 14 days"
    ),
    "nb": (
        "Dersom beløpet ikke er betalt innen 15.04.2026, vil kravet bli sendt til inkasso. Det vil medføre ekstra "
        "kostnader for deg. Betalingsfristen er 14 dager fra datoen på dette varselet, og minst 14 dager"
    ),
}
CASES = [(k, lang) for k in KINDS for lang in ("en", "nb")]


@pytest.mark.parametrize(("kind", "lang"), CASES)
def test_every_kind_and_language_is_a_valid_pdf_with_its_title(kind, lang):
    data = letter(kind, lang)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    with pdfplumber.open(io.BytesIO(data)) as doc:
        assert len(doc.pages) == 1
        assert doc.metadata["Title"] == TITLES[kind, lang]
        assert doc.metadata["Author"] == "Fjord Økonomi AS"
        first = (doc.pages[0].extract_text() or "").splitlines()
    assert first[0] == f"{TITLES[kind, lang]} Fjord Økonomi AS"  # the page header
    assert TITLES[kind, lang] in first[1:]  # and the letter's own title, on a line of its own


@pytest.mark.parametrize(("kind", "lang"), CASES)
def test_claim_lines_total_and_deadline(kind, lang):
    text = text_of(letter(kind, lang))
    for expected in EXPECTED[lang]:
        assert expected in text, expected
    fee = "NOK 35.00" if lang == "en" else "35,00 NOK"
    assert f"{FEE_LABELS[kind, lang]} {fee}" in text
    # B2B compensation 0: no line for it
    assert "compensation" not in text.lower()


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_only_the_notice_carries_the_statutory_sentence(lang):
    assert NOTICE[lang] in text_of(letter("notice_of_collection", lang))
    for kind in ("reminder", "second_reminder"):
        text = text_of(letter(kind, lang))
        assert NOTICE[lang][:40] not in text
        assert {"en": "collection", "nb": "inkasso"}[lang] not in text.lower()


def test_norwegian_notice_is_titled_inkassovarsel_and_says_inkasso():
    text = text_of(letter("notice_of_collection", "nb"))
    assert text.count("Inkassovarsel – varsel om inkasso") == 2  # page header and title
    assert "vil kravet bli sendt til inkasso" in text
    assert "ekstra kostnader" in text


@pytest.mark.parametrize(
    ("lang", "fee", "compensation", "rows"),
    [
        # 1 000.00 + 250.50 + 12.34 + 460.00 = 1 722.84 (compensation instead of a fee)
        ("en", "0", "460.00", ["Fixed compensation for recovery costs NOK 460.00", "Total to pay NOK 1,722.84"]),
        ("nb", "0", "460.00", ["Standardkompensasjon for inndrivelseskostnader 460,00 NOK", "Å betale 1 722,84 NOK"]),
        # 1 000.00 + 250.50 + 12.34 + 35.00 + 460.00 = 1 757.84
        ("en", "35.00", "460", ["Fee for this notice NOK 35.00", "NOK 460.00", "Total to pay NOK 1,757.84"]),
        # no fee, no compensation: 1 000.00 + 250.50 + 12.34 = 1 262.84
        ("nb", "0.00", "0", ["Å betale 1 262,84 NOK"]),
    ],
)
def test_fee_and_compensation_rows(lang, fee, compensation, rows):
    data = replace(BASE, kind="notice_of_collection", fee=Decimal(fee), compensation=Decimal(compensation))
    assert data.total == Decimal("1262.84") + Decimal(fee) + Decimal(compensation)
    text = text_of(letter_pdf(data, lang, CREATED))
    for row in rows:
        assert row in text, row
    if Decimal(fee) == 0:
        assert "Gebyr" not in text and "Fee for" not in text


def test_totals_are_exact_decimal_sums():
    # amounts that binary floats would not add exactly: 0.10 + 0.20 + 0.01 + 0.02 + 0.05 + 0.07 = 0.45
    lines = (
        LetterLine("A", date(2026, 1, 1), date(2026, 1, 31), Decimal("0.10"), Decimal("0.01")),
        LetterLine("B", date(2026, 1, 1), date(2026, 1, 31), Decimal("0.20"), Decimal("0.02")),
    )
    data = replace(BASE, lines=lines, fee=Decimal("0.05"), compensation=Decimal("0.07"))
    assert (data.open_total, data.interest_total, data.total) == (Decimal("0.30"), Decimal("0.03"), Decimal("0.45"))
    assert "Total to pay NOK 0.45" in text_of(letter_pdf(data, "en", CREATED))


def test_many_lines_run_onto_a_second_page_with_the_right_total():
    # 60 invoices of 100.00 with 1.50 interest each: 6 000.00 + 90.00 + 35.00 fee = 6 125.00
    lines = tuple(
        LetterLine(f"F-{2000 + i}", date(2026, 1, 5), date(2026, 2, 4), Decimal("100.00"), Decimal("1.50"))
        for i in range(60)
    )
    data = letter_pdf(replace(BASE, lines=lines), "nb", CREATED)
    with pdfplumber.open(io.BytesIO(data)) as doc:
        texts = [flat(p.extract_text() or "") for p in doc.pages]
    assert len(texts) >= 2
    assert all(t.endswith(f"Side {i} / {len(texts)}") for i, t in enumerate(texts, start=1))
    assert "Faktura Fakturadato Forfallsdato" in texts[1]  # the table heading repeats on the next page
    text = text_of(data)
    assert all(f"F-{2000 + i} 05.01.2026 04.02.2026 100,00 1,50" in text for i in range(60))
    assert "Å betale 6 125,00 NOK" in text


@pytest.mark.parametrize(("days", "accepted"), [(13, False), (14, True), (30, True)])
def test_notice_deadline_at_least_14_days(days, accepted):
    deadline = date.fromordinal(LETTER_DATE.toordinal() + days)
    data = replace(BASE, kind="notice_of_collection", deadline=deadline)
    if accepted:
        text = text_of(letter_pdf(data, "nb", CREATED))
        assert f"Betalingsfristen er {days} dager fra datoen på dette varselet" in text
        return
    with pytest.raises(LetterError, match=r"at least 14 days .*inkassoloven § 9.*2026-04-14 is 13 days.*2026-04-15"):
        letter_pdf(data, "nb", CREATED)
    with pytest.raises(LetterError) as caught:
        letter_pdf(data, "en", CREATED)
    assert (caught.value.code, caught.value.params) == ("deadline_too_short", {"days": 13})


@pytest.mark.parametrize("kind", ["reminder", "second_reminder"])
def test_a_reminder_may_have_a_short_deadline(kind):
    data = replace(BASE, kind=kind, deadline=date(2026, 4, 9))  # 8 days: only the notice needs 14
    assert "(8 days from the date of this letter)" in text_of(letter_pdf(data, "en", CREATED))
    one_day = replace(BASE, kind=kind, deadline=date(2026, 4, 2))
    assert "(1 dag fra datoen på dette brevet)" in text_of(letter_pdf(one_day, "nb", CREATED))


def _line(**changes) -> LetterLine:
    return replace(BASE.lines[0], **changes)


@pytest.mark.parametrize(
    ("changes", "code", "message"),
    [
        ({"kind": "final_demand"}, "unknown_kind", r"unknown letter kind 'final_demand'.*reminder, second_reminder"),
        ({"lines": ()}, "no_lines", "at least one invoice"),
        ({"lines": (_line(open_amount=Decimal("-1.00")),)}, "negative_amount", "open amount of invoice F-1001"),
        ({"lines": (_line(interest=Decimal("-0.01")),)}, "negative_amount", "interest on invoice F-1001"),
        ({"fee": Decimal("-35")}, "negative_amount", "the fee is negative"),
        ({"compensation": Decimal("-460")}, "negative_amount", "the compensation is negative"),
        ({"fee": Decimal("37.505")}, "amount_precision", r"more than two decimals \(37.505\)"),
        ({"fee": 35.0}, "amount_type", "the fee must be a Decimal"),
        ({"fee": Decimal("NaN")}, "amount_type", "not a finite amount"),
        ({"currency": "kr"}, "currency", "three-letter currency code"),
        ({"lines": (_line(due_date=LETTER_DATE),)}, "not_overdue", "F-1001 is due 2026-04-01"),
        (
            {"lines": (_line(open_amount=Decimal(0), interest=Decimal(0)),), "fee": Decimal(0)},
            "nothing_to_pay",
            "claims nothing",
        ),
        ({"deadline": date(2026, 3, 31)}, "deadline_before_letter", "before the letter date 2026-04-01"),
    ],
)
def test_refused_letters(changes, code, message):
    with pytest.raises(LetterError, match=message) as caught:
        letter_pdf(replace(BASE, **changes), "en", CREATED)
    assert caught.value.code == code


@pytest.mark.parametrize("lang", ["de", "", "EN", "nb_NO"])
def test_unknown_language_is_refused(lang):
    with pytest.raises(LetterError, match=r"unsupported report language .*use one of en, nb") as caught:
        letter_pdf(BASE, lang, CREATED)
    assert caught.value.code == "unknown_language"
    assert isinstance(caught.value, ValueError)


def test_optional_parts_left_out():
    data = replace(
        BASE,
        company=replace(COMPANY, org_number=""),
        company_contact=None,
        customer_org_number=None,
        customer_address=None,
        interest_rate_text=None,
    )
    text = text_of(letter_pdf(data, "en", CREATED))
    assert "Fjord Økonomi AS Bølgen Ærfugl AS Date 1 Apr 2026" in text
    assert "Org. no." not in text
    assert "payment details" not in text
    assert "Late-payment interest is charged" not in text


@pytest.mark.parametrize(("kind", "lang"), CASES)
def test_same_inputs_same_bytes(kind, lang):
    assert letter_pdf(replace(BASE, kind=kind), lang, CREATED) == letter(kind, lang)
    assert letter_pdf(replace(BASE, kind=kind), lang, datetime(2026, 4, 2, 9, 0)) != letter(kind, lang)


def test_pages_render(pdftoppm, tmp_path):
    pdf_file = tmp_path / "notice.pdf"
    pdf_file.write_bytes(letter("notice_of_collection", "nb"))
    subprocess.run([pdftoppm, "-png", "-r", "30", str(pdf_file), str(tmp_path / "p")], check=True, timeout=60)
    assert len(list(tmp_path.glob("p-*.png"))) == 1
