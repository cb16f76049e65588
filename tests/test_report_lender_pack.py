"""The lender pack PDF (reports/lender_pack.py), its charts (reports/charts.py) and its workbook
(reports/lender_xlsx.py), read back with pdfplumber and openpyxl against the hand-built pack in report_fixtures."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from reports import charts
from reports.lender_pack import LABELS, render_lender_pack
from reports.lender_xlsx import SHEETS, lender_workbook
from reports.pdf import money, number
from tests import report_fixtures as fx

ARTIFACTS = Path(__file__).parent / "artifacts" / "lender_pack"


def pages(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        return [p.extract_text() or "" for p in doc.pages]


def flat(text: str) -> str:
    """Whitespace (line breaks, no-break spaces) as single spaces, so a table row reads as one line."""
    return " ".join(text.replace("\u00a0", " ").split())


def m(value: str, lang: str = "en") -> str:
    """A printed amount, formatted by the shared reports.pdf.money."""
    return flat(money(Decimal(value), "NOK", lang))


def n(value: str, lang: str = "en") -> str:
    """An amount in a wide table whose headings carry the currency: two decimals, no currency code."""
    return flat(number(Decimal(value), lang, 2))


@cache
def pdf_bytes(name: str = "PACK", lang: str = "en", lender: str | None = None) -> bytes:
    return render_lender_pack(getattr(fx, name), lender=lender, lang=lang)


@cache
def page_texts(name: str = "PACK", lang: str = "en", lender: str | None = None) -> tuple[str, ...]:
    return tuple(pages(pdf_bytes(name, lang, lender)))


def text(name: str = "PACK", lang: str = "en", lender: str | None = None) -> str:
    return flat("\n".join(page_texts(name, lang, lender)))


# --- the fixture's own arithmetic (the expected values below rest on it) -------------------------------------


def test_fixture_figures_are_the_hand_computed_ones():
    p = fx.PACK
    assert sum((c.total for c in p.customers), Decimal(0)) == fx.TOTAL_AR == Decimal("1190000.75")
    assert p.aging_due.invoice_total == fx.INVOICE_TOTAL and p.aging_due.credit_total == fx.CREDIT_TOTAL
    assert p.aging_due.total == p.aging_invoice.total == fx.TOTAL_AR
    assert p.rollforward.closing == fx.TOTAL_AR and p.rollforward.difference_to_aging == 0
    assert p.rollforward.difference_to_control == Decimal("-100.00")
    assert [r.ecl for r in p.ecl.matrix.rows] == [
        Decimal(v) for v in ("4400.00", "2887.50", "4400.00", "4950.06", "0.00", "11000.00")
    ]
    assert p.ecl.matrix.total_ecl == fx.MATRIX_ECL and p.ecl.total == fx.BOOKED_ECL
    assert p.ecl.matrix.missing_rationale == ("121+",)
    assert p.allowance.charged == fx.ALLOWANCE_CHARGED and p.allowance.reversed == 0
    c = fx.CERTIFICATE
    assert dict(c.ineligible_by_category)["concentration"] == Decimal("104000.00")
    assert (c.total_ineligible, c.eligible) == (fx.TOTAL_INELIGIBLE, fx.ELIGIBLE)
    assert (c.gross_availability, c.dilution_reserve) == (Decimal("649400.00"), Decimal("7640.00"))
    assert (c.availability, c.excess_availability) == (fx.AVAILABILITY, fx.EXCESS)
    assert (c.previous.eligible, c.previous.excess_availability) == (fx.PREVIOUS_ELIGIBLE, fx.PREVIOUS_EXCESS)
    assert sum((r.amount for r in c.detail), Decimal(0)) == fx.TOTAL_INELIGIBLE


# --- the PDF ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_both_languages_give_a_valid_pdf(lang):
    data = pdf_bytes(lang=lang)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    with pdfplumber.open(io.BytesIO(data)) as doc:
        assert doc.metadata["Title"] == LABELS[lang]["title"]
        assert doc.metadata["Author"] == "Fjord Økonomi AS"
        assert doc.metadata["CreationDate"].startswith("D:20261103153000")  # pack.generated_at


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_sections_in_order_each_on_its_own_page(lang):
    t = LABELS[lang]
    texts = page_texts(lang=lang)
    headings = [flat(t[k]) for k in (*(f"s{i}" for i in range(1, 11)), "appendix")]
    first_page = []
    for h in headings:
        found = [i for i, p in enumerate(texts) if re.search(rf"^{re.escape(h)}$", flat_lines(p), re.MULTILINE)]
        assert found, h
        first_page.append(found[0])
    assert first_page == sorted(first_page) and len(set(first_page)) == len(first_page)
    assert first_page[0] >= 1  # the cover comes first
    assert len(texts) >= 11


def flat_lines(page: str) -> str:
    return "\n".join(flat(line) for line in page.splitlines())


@pytest.mark.parametrize(("lang", "word"), [("en", "Page"), ("nb", "Side")])
def test_every_page_has_title_period_company_and_page_x_of_n(lang, word):
    texts = page_texts(lang=lang)
    n = len(texts)
    period = {"en": "period end 31 Oct 2026", "nb": "periodeslutt 31.10.2026"}[lang]
    for i, page in enumerate(texts, start=1):
        lines = page.splitlines()
        assert flat(lines[0]) == f"{LABELS[lang]['title']} – {period} Fjord Økonomi AS", (i, lines[0])
        assert flat(lines[-1]) == f"{word} {i} / {n}"


def test_cover_closed_and_draft():
    cover = flat(page_texts()[0])
    for expected in (
        "Company Fjord Økonomi AS",
        "Organisation number 987 654 325",
        "Period end 31 Oct 2026",
        "Prepared by Kari Nordmann",
        "Signed off by Ola Ås, 3 Nov 2026 15:25",
        "Generated 3 Nov 2026 15:30",
        "Base currency NOK",
        "Credit policy version 7",
        "Lender profile DNB revolving facility (DNB Bank ASA)",
        "The period is closed",
    ):
        assert expected in cover, expected
    draft = flat(page_texts("DRAFT")[0])
    assert "Signed off by Draft: not closed" in draft
    assert "Ola Ås" not in draft
    assert "Draft: the period has not been closed" in draft


def test_executive_summary_rows_and_changes():
    summary = flat(page_texts()[1])
    # 1 190 000.75 − 1 050 000 = 140 000.75; − 900 000 = 290 000.75
    assert (
        f"Total AR (NOK) {n('1190000.75')} {n('1050000')} {n('900000')} +{n('140000.75')} +{n('290000.75')}" in summary
    )
    # shares to 0.1 half-up: 32.77317 → 32.8; 32.8 − 30.0 = +2.8 pp; 32.8 − 25.0 = +7.8 pp
    assert "Overdue share 32.8 % 30.0 % 25.0 % +2.8 pp +7.8 pp" in summary
    # CEI 84.375 → 84.4; 84.4 − 86.2 = −1.8 pp; a year earlier not reported
    assert "CEI 84.4 % 86.2 % – -1.8 pp –" in summary
    # 27.55 → 27.6 days; 27.6 − 28.0 = −0.4; − 27.0 = +0.6
    assert "BPDSO (days) 27.6 28.0 27.0 -0.4 +0.6" in summary
    # 69 637.56 − 40 000 = 29 637.56
    assert f"ECL allowance (NOK) {n('69637.56')} {n('40000')} – +{n('29637.56')} –" in summary
    assert fx.WARNING_TEXT in summary


def test_aging_tables_print_the_pack_totals():
    t = text()
    assert f"current 4 {m('820000')}" in t and f"1-30 2 {m('175000.25')}" in t
    assert f"0 days 0 {m('0')}" in t  # the invoice-date table's first bucket
    assert t.count(f"Open invoices 10 {m('1210000.75')}") == 2  # both bases
    assert t.count(f"Unapplied credits 1 {m('-20000')}") == 2
    assert t.count(f"Total AR {m('1190000.75')}") >= 2


def test_rollforward_ties_and_prints_a_zero_difference():
    t = text()
    for expected in (
        f"Opening AR {m('1050000')}",
        f"Invoiced {m('900000.75')}",
        f"Collected {m('-700000')}",
        f"FX revaluation {m('1234.56')}",
        f"Post-close difference (previous period) {m('-1234')}",
        f"Rounding {m('-0.56')}",
        f"Closing AR per roll-forward {m('1190000.75')}",
        f"Closing AR per aging {m('1190000.75')}",
        "Difference NOK 0.00",  # two decimals even when it ties
        f"ERP control total {m('1190100.75')}",
        "Difference aging − ERP control total NOK -100.00",  # 1 190 000.75 − 1 190 100.75
        "Source of the control total: Visma saldoliste 31.10.2026",
        "The roll-forward ties to the aging.",
        "The aging differs from the ERP's control total by NOK -100.00",
    ):
        assert expected in t, expected


def test_draft_difference_printed_as_found_and_control_not_imported():
    t = text("DRAFT")
    # closing 1 190 000.75 − aging 1 190 000.00 = 0.75; certificate gross 1 190 000.75 − aging = 0.75
    assert t.count("Difference NOK 0.75") == 2
    assert "a difference of NOK 0.75 is left to be explained" in t
    assert "The roll-forward ties to the aging." not in t
    assert t.count("ERP control total not imported") == 2  # the roll-forward and the certificate tie-out
    assert "Difference aging − ERP control total –" in t
    assert "Difference certificate − ERP control total –" in t
    assert "Source of the control total" not in t


def test_concentration_and_hhi():
    t = text()
    assert f"1 C001 {fx.ERLIG} {m('550000')} 46.2 % {m('800000')} {m('500000')} A" in t
    assert f"4 C003 {fx.NORDLYS} {m('75000.50')} 6.3 % {m('50000')} – D" in t
    assert f"2 G-FJ Fjordbåt-konsernet 2 {m('435000.50')} 36.6 % {m('450000')} {m('300000')} D" in t
    assert "HHI, customers: 3,265.0 (highly concentrated)" in t  # 3264.9523 → 3 265.0, above 2 500
    assert "HHI, corporate groups: 3,707.1 (highly concentrated)" in t


def test_risk_and_disputes():
    t = text()
    assert f"E 1 {m('60000')} {m('42000')}" in t
    assert f"Open at period end 2 · {m('18500')}" in t
    assert f"Resolved in the period 1 · {m('4000')}" in t
    assert f"credit note 1 {m('4000')}" in t
    assert f"C002 {fx.FJORD} INV-2002 {m('10000')} 12 Oct 2026" in t


def test_trend_table():
    t = text()
    assert f"30 Nov 2025 {m('910000')} 25.5 % 35.5 –" in t
    assert f"31 Oct 2026 {m('1190000.75')} 32.8 % 41.3 84.4 %" in t  # 41.25 → 41.3 half-up


def test_ecl_matrix_rates_and_totals():
    t = text()
    # rates from the unrounded fraction × 100, two decimals: 15 000 / 150 000 = 10.00 %; × 1.10 = 11.00 %
    assert f"61-90 {n('45000.50')} {n('150000')} {n('15000')} 10.00 % – 11.00 % {n('4950.06')}" in t
    # thin, overridden: 12 000 / 60 000 = 20.00 %; override 25.00 % × 1.10 = 27.50 %
    assert f"91-120 {n('0')} {n('60000')} {n('12000')} 20.00 % * 25.00 % 27.50 % {n('0')}" in t
    # thin, no override: 30 000 / 90 000 = 33.33 %; × 1.10 = 36.666… → 36.67 %
    assert f"121+ {n('30000')} {n('90000')} {n('30000')} 33.33 % * – 36.67 % {n('11000')}" in t
    assert f"current {n('800000')} {n('5000000')} {n('25000')} 0.50 % – 0.55 % {n('4400')}" in t
    assert f"Total {n('1130000.75')} {n('27637.56')}" in t
    assert "91-120: 25.00 % – Few invoices reached 91-120 in the window" in t
    assert "Forward-looking factor: 1.10. Source: Norges Bank, Pengepolitisk rapport 3/2026" in t
    assert "Thin history in 91-120: the management override" in t
    assert "Thin history without an override in 121+" in t
    assert "100.00 %" in t and "70.00 %" in t  # C005's PD and LGD
    assert f"Total {m('60000')} {m('42000')}" in t
    assert f"Provision matrix ECL {m('27637.56')}" in t
    assert f"Individually assessed ECL {m('42000')}" in t
    assert f"Booked ECL {m('69637.56')}" in t  # 27 637.56 + 42 000
    assert f"Charged to profit or loss {m('44637.56')}" in t
    assert f"Used (amounts written off) {m('15000')}" in t
    assert f"Closing allowance {m('69637.56')}" in t


def test_borrowing_base_certificate():
    t = text()
    for expected in (
        f"Gross AR {m('1190000.75')} {m('700000')} +{m('490000.75')}",
        f"less: Past the cut-off {m('135000.50')} {m('0')} +{m('135000.50')}",
        f"less: Concentration above the cap {m('104000')} {m('50000')} +{m('54000')}",
        f"Total ineligible {m('426000.75')} {m('50000')} +{m('376000.75')}",
        f"Eligible AR {m('764000')} {m('650000')} +{m('114000')}",  # 764 000 − 650 000
        "Advance rate 85.00 % 85.00 % 0.00 pp",
        f"Dilution reserve {m('7640')} {m('6500')} +{m('1140')}",
        f"Availability {m('641760')} {m('546000')} +{m('95760')}",
        f"Excess availability {m('141760')} {m('46000')} +{m('95760')}",  # 141 760 − 46 000
        f"Gross AR per certificate {m('1190000.75')}",
        f"Total AR per aging {m('1190000.75')}",
        "Difference certificate − ERP control total NOK -100.00",
        "Name Title Date Signature",
    ):
        assert expected in t, expected
    assert t.count("Difference NOK 0.00") == 2  # roll-forward and certificate tie-out
    # the certificate is read as one statement: its first and last line on one page
    page = next(p for p in page_texts() if "Excess availability" in p)
    assert f"Gross AR {m('1190000.75')}" in flat(page) and "Previous (30" in page


def test_another_lender_profile():
    t = text(lender="Nordea factoring line")
    assert "Lender profile Nordea factoring line (Nordea Bank Abp)" in t
    # no cap, 80 %: eligible 1 190 000.75 − 322 000.75 = 868 000; × 0.80 = 694 400; reserve 1 % = 8 680;
    # availability 685 720; no loan: excess 685 720; no previous certificate
    assert f"Excess availability {m('685720')} – –" in t
    assert "DNB revolving facility" not in t


def test_unknown_lender_and_no_profiles():
    with pytest.raises(ValueError, match=r"no lender profile named 'SEB'.*DNB revolving facility, Nordea factoring"):
        render_lender_pack(fx.PACK, lender="SEB")
    t = text("NO_PROFILES")
    assert "Lender profile No lender profile" in t
    assert "No lender profile: there is no borrowing base certificate" in t
    assert "Gross AR per certificate" not in t


def test_insurance_and_appendix():
    t = text()
    assert f"Insured exposure {m('800000')}" in t
    assert f"Uninsured exposure {m('390000.75')}" in t
    assert f"C001 {fx.ERLIG} {m('550000')} {m('500000')} {m('50000')}" in t
    assert f"C002 {fx.FJORD} Atradius INV-2002 {m('80000')} 45 15 Nov 2026" in t
    assert f"C004 {fx.RHEIN} Foreign, uninsured {m('145000.25')}" in t
    assert f"C001 {fx.ERLIG} Contra (owed to the customer) {m('12000')}" in t
    assert f"Total ineligible {m('426000.75')}" in t


def test_methodology_lists_definitions_and_parameters():
    t = text()
    for expected in (
        "DSO in the summary:",
        "BPDSO (best possible DSO)",
        "ADD (average days delinquent)",
        "CEI (",
        "HHI (",
    ):
        assert expected in t
    assert "Roll-forward: opening AR" in t and "Dilution: (credit notes" in t
    assert "kpi_window_days 90" in t and "lgd_percent 70" in t  # pack.parameters
    assert "forward_factor 1.10" in t  # the ECL settings
    assert "advance_rate_percent 85" in t and "concentration_level debtor" in t  # the lender profile


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_unicode_survives_extraction(lang):
    t = text(lang=lang)
    for ch in "æøå–€":
        assert ch in t, ch
    assert fx.ERLIG in t and fx.RHEIN in t


def test_norwegian_figures():
    t = text(lang="nb")
    for expected in (
        f"Sum kundefordringer {m('1190000.75', 'nb')}",
        "Differanse 0,00 NOK",
        "Differanse aldersfordeling − kontrollsum fra ERP -100,00 NOK",
        f"Bokført ECL {m('69637.56', 'nb')}",
        f"Ledig ramme {m('141760', 'nb')} {m('46000', 'nb')} +{m('95760', 'nb')}",
        "Belåningsgrad 85,00 % 85,00 % 0,00 pp",
        f"61-90 {n('45000.50', 'nb')} {n('150000', 'nb')} {n('15000', 'nb')} 10,00 % – 11,00 %",
        "Godkjent av Ola Ås, 03.11.2026 15:25",
        f"ikke forfalt 4 {m('820000', 'nb')}",
    ):
        assert expected in t, expected


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_same_pack_same_bytes(lang):
    assert render_lender_pack(fx.PACK, lang=lang) == pdf_bytes(lang=lang)


def test_the_creation_date_is_the_packs():
    later = replace(fx.PACK, generated_at=datetime(2026, 11, 4, 9, 0))
    assert render_lender_pack(later) != pdf_bytes()


@pytest.mark.parametrize("lang", ["de", "", "EN"])
def test_unknown_language_is_refused(lang):
    with pytest.raises(ValueError, match=r"unsupported report language .*use one of en, nb"):
        render_lender_pack(fx.PACK, lang=lang)


def test_label_tables_have_the_same_keys():
    assert set(LABELS["en"]) == set(LABELS["nb"])


@pytest.mark.parametrize("lang", ["en", "nb"])
def test_pages_render_to_png(pdftoppm, lang):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{lang}-*.png"):
        old.unlink()
    pdf_file = ARTIFACTS / f"lender_pack_{lang}.pdf"
    pdf_file.write_bytes(pdf_bytes(lang=lang))
    subprocess.run([pdftoppm, "-r", "50", "-png", str(pdf_file), str(ARTIFACTS / lang)], check=True, timeout=120)
    assert len(list(ARTIFACTS.glob(f"{lang}-*.png"))) == len(page_texts(lang=lang))


# --- charts ------------------------------------------------------------------------------------------------------


def test_charts_are_deterministic_pngs_without_metadata():
    a = charts.aging_bar_chart(fx.LABELS, fx.AGING_DUE.invoices, lang="en", currency="NOK", credits=Decimal("-20000"))
    b = charts.aging_bar_chart(fx.LABELS, fx.AGING_DUE.invoices, lang="en", currency="NOK", credits=Decimal("-20000"))
    assert a == b and a.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"Software" not in a and b"matplotlib" not in a
    heat = charts.class_aging_heat_map(fx.RISK.classes, fx.LABELS, fx.RISK.heat, lang="nb", currency="NOK")
    assert heat == charts.class_aging_heat_map(fx.RISK.classes, fx.LABELS, fx.RISK.heat, lang="nb", currency="NOK")
    assert heat != charts.class_aging_heat_map(fx.RISK.classes, fx.LABELS, fx.RISK.heat, lang="en", currency="NOK")


def test_chart_inputs_are_checked():
    with pytest.raises(ValueError, match=r"does not match 2 classes x 6 buckets"):
        charts.class_aging_heat_map(("A", "B"), fx.LABELS, fx.RISK.heat, lang="en", currency="NOK")
    with pytest.raises(ValueError, match="trend series dso has 1 values for 2 months"):
        charts.trend_chart(["a", "b"], [1, 2], [1, 2], [1], [1, 2], lang="en", currency="NOK", names={})
    with pytest.raises(ValueError, match="trend chart names missing for cei, dso"):
        charts.trend_chart(["a"], [1], [1], [1], [1], lang="en", currency="NOK", names={"ar": "AR", "overdue": "O"})


@pytest.mark.parametrize(
    ("value", "lang", "expected"), [(1_200_000, "en", "1.2M"), (0, "nb", "0"), (1500, "en", "1.5K")]
)
def test_compact_axis_labels(value, lang, expected):
    assert charts.compact(value, lang) == expected


def test_importing_charts_does_not_import_matplotlib():
    code = "import sys, reports.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "False", out.stderr


# --- the workbook ------------------------------------------------------------------------------------------------


@cache
def workbook_bytes() -> bytes:
    return lender_workbook(fx.PACK)


def book() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes()))


def rows_of(sheet) -> list[list]:
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def row_starting(rows: list[list], first: str) -> list:
    return next(r for r in rows if r[0] == first)


def test_workbook_has_the_four_sheets_and_is_reproducible():
    assert book().sheetnames == list(SHEETS)
    assert lender_workbook(fx.PACK) == workbook_bytes()


def test_workbook_aging_by_customer():
    ws = book()["Aging by customer"]
    rows = rows_of(ws)
    assert rows[0] == ["Ref.", "Customer", *fx.LABELS, "Total", "of which unapplied credits"]
    customers = rows[1:6]
    assert [r[0] for r in customers] == ["C001", "C002", "C003", "C004", "C005"]
    assert customers[2][1] == "'=Nordlys Handel AS"  # neutralised: never a formula
    assert round(sum(r[8] for r in customers), 2) == 1190000.75
    total = rows[6]
    assert total[0] == "Total" and total[2:10] == [
        800000.0,
        175000.25,
        80000.0,
        45000.5,
        0.0,
        90000.0,
        1190000.75,
        -20000.0,
    ]
    cell = ws.cell(row=2, column=9)
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"


def test_workbook_ineligibles_at_invoice_level():
    rows = rows_of(book()["Ineligibles"])
    detail = rows[1:-1]
    assert len(detail) == len(fx.CERTIFICATE.detail) == 9
    assert round(sum(r[5] for r in detail), 2) == 426000.75  # = the certificate's total ineligible
    assert rows[-1][0] == "Total ineligible" and rows[-1][5] == 426000.75
    assert ["C003", "'=Nordlys Handel AS", "INV-3001", "invoice", "past_due", 45000.5, 110] in detail
    assert ["C001", fx.ERLIG, "INV-1003", "invoice", "concentration", 104000.0, 40] in detail


def test_workbook_provision_matrix_and_individual():
    ws = book()["Provision matrix"]
    rows = rows_of(ws)
    r6190 = row_starting(rows, "61-90")
    assert r6190[1] == 45000.5 and r6190[4] == pytest.approx(0.1) and r6190[8] == pytest.approx(0.11)
    assert r6190[9] == 4950.06
    assert row_starting(rows, "91-120")[6] == 0.25 and "2019–2024" in row_starting(rows, "91-120")[7]
    assert row_starting(rows, "Total")[9] == 27637.56
    c005 = row_starting(rows, "C005")
    assert c005[2:8] == ["bankrupt", 60000.0, 1.0, 0.7, 60000.0, 42000.0]
    assert row_starting(rows, "Booked ECL")[1] == 69637.56
    rate = next(c for c in ws["I"] if c.value == pytest.approx(0.11))
    assert rate.number_format == "0.00%"


def test_workbook_rollforward():
    rows = rows_of(book()["Roll-forward"])
    assert row_starting(rows, "Opening AR")[1] == 1050000.0
    assert row_starting(rows, "Closing AR per roll-forward")[1] == 1190000.75
    assert row_starting(rows, "Difference")[1] == 0
    assert row_starting(rows, "Difference aging − ERP control total")[1] == -100.0
    draft = rows_of(openpyxl.load_workbook(io.BytesIO(lender_workbook(fx.DRAFT)))["Roll-forward"])
    assert row_starting(draft, "ERP control total")[1] == "not imported"
    assert row_starting(draft, "Difference")[1] == 0.75  # printed as found
