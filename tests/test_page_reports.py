"""AppTest of Reports › Reports and close on the demo: the draft pack's headline figures, closing a month with the
sign-off, reopening (refused for a credit manager, allowed for the CFO with a reason), preparing the pack for a
recipient (logged with the file's SHA-256) and editing a lender profile."""

from __future__ import annotations

import hashlib
import io
from datetime import date, datetime

import pdfplumber
from apptest import run_page
from sqlalchemy import select

from data_access.borrowing import lender_profiles
from data_access.close import build_pack, closes, report_log
from data_access.engine import make_engine
from data_access.schema import PeriodClose
from reports.pdf import money

PAGE = "pages/reports.py"
PERIOD = "2026-09"  # the demo's as-of is 2026-10-30, so the latest month-end shown first is 2026-09-30


def read(url, fn, *args, **kwargs):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn, *args, **kwargs)
    finally:
        engine.dispose()


def texts(at) -> list[str]:
    return [m.value for m in (*at.success, *at.error, *at.info, *at.warning)]


def test_draft_pack_headline_equals_the_data_access_figures(demo_url):
    at = run_page(PAGE, user_name="Kari", user_role="cfo")
    assert not at.exception
    expected = read(demo_url, build_pack, PERIOD, prepared_by="", generated_at=datetime(2026, 11, 1))
    values = {m.label: m.value for m in at.metric}
    assert values["Total AR"] == f"NOK\xa0{expected.summary[0].total:,.2f}"
    assert values["ECL (booked allowance)"] == f"NOK\xa0{expected.ecl.total:,.2f}"
    assert any("2026-09 is open" in t for t in texts(at))


def test_close_then_reopen_needs_the_cfo_and_a_reason(demo_url):
    at = run_page(PAGE, user_name="Kari", user_role="credit_manager")
    at.button(key="close_btn").click().run()
    assert not at.exception
    [row] = read(demo_url, closes)
    assert (row.period, row.status, row.closed_by) == (PERIOD, "closed", "Kari")
    assert any("closed and signed off by Kari" in t for t in texts(at))
    assert any("2026-09 is closed: signed off by Kari" in t for t in texts(at))

    form = at.text_input[[t.label for t in at.text_input].index("Reason for reopening")]
    form.input("ERP import corrected")  # a form's widgets take effect when the form is submitted
    at.button(key="FormSubmitter:reopen_form-Reopen 2026-09").click().run()
    assert any("only the cfo role may reopen" in t for t in texts(at))
    assert read(demo_url, closes)[0].status == "closed"

    at.session_state["user_role"] = "cfo"
    at.run()
    at.text_input[[t.label for t in at.text_input].index("Reason for reopening")].input("Late credit notes")
    at.button(key="FormSubmitter:reopen_form-Reopen 2026-09").click().run()
    [row] = read(demo_url, closes)
    assert (row.status, row.reopened_by, row.reopen_reason) == ("reopened", "Kari", "Late credit notes")


def test_prepare_pack_logs_pdf_and_workbook_for_the_recipient(demo_url):
    at = run_page(PAGE, user_name="Kari", user_role="cfo")
    at.text_input(key="report_recipient").input("Demo Bank ASA, credit dept.").run()
    at.button(key="prepare_pack").click().run()
    assert not at.exception, [e.value for e in at.exception]
    log = read(demo_url, report_log)
    assert {r.report for r in log} == {"lender_pack", "lender_workbook"}
    assert {r.recipient for r in log} == {"Demo Bank ASA, credit dept."}
    assert {r.period for r in log} == {PERIOD}
    pdf = at.session_state["reports_files"][3]
    [pdf_row] = [r for r in log if r.report == "lender_pack"]
    assert pdf_row.file_sha256 == hashlib.sha256(pdf).hexdigest()
    expected = read(demo_url, build_pack, PERIOD, prepared_by="", generated_at=datetime(2026, 11, 1))
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages).replace("\xa0", " ")
    assert money(expected.aging_due.total, "NOK", "en").replace("\xa0", " ") in text
    assert "Prepared by" in text and "Kari" in text


def test_prepare_pack_without_a_recipient_is_refused_and_logs_nothing(demo_url):
    at = run_page(PAGE, user_name="Kari", user_role="cfo")
    at.button(key="prepare_pack").click().run()
    assert any("recipient" in t for t in texts(at))
    assert read(demo_url, report_log) == []


def test_lender_profile_edit_saves_a_new_version(demo_url):
    at = run_page(PAGE, user_name="Kari", user_role="cfo")
    [before] = read(demo_url, lender_profiles)
    advance = at.text_input[[t.label for t in at.text_input].index("Advance rate (%)")]
    advance.input("75")
    at.button(key="FormSubmitter:lender_profile-Save lender profile").click().run()
    assert any("saved as version 2" in t for t in texts(at))
    [after] = read(demo_url, lender_profiles)
    assert after.name == before.name and str(after.advance_rate_percent) == "75"
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        assert conn.execute(select(PeriodClose.id)).first() is None
    engine.dispose()
    _ = date


def test_credit_memo_download_from_the_customer_page_is_logged(demo_url):
    """The customer page's "Credit memo (PDF)" button calls this on the click (deferred download data)."""
    from data_access import cache

    pdf = cache.credit_memo_download(1, "K10001", date(2026, 10, 30), "nb", "Kari")
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    [row] = read(demo_url, report_log)
    assert (row.report, row.customer_ref, row.lang, row.author) == ("credit_memo", "K10001", "nb", "Kari")
    assert row.file_sha256 == hashlib.sha256(pdf).hexdigest()
    assert "K10001" in text
