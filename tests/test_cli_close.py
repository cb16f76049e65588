"""The month-end close through the CLI on both engines, on the hand-computed acceptance ledger (scenario A: AR
5 610.00 at 2026-03-31): close, the lender pack written and logged, the same file again after an import that
touches the closed month, the post-close difference in the next month, reopen, the credit memo, lender profiles,
contra and control totals."""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from test_cli import load_scenario, ok, run

from data_access.borrowing import contra_amounts, control_total, lender_profiles
from data_access.close import closed_pack, closes, report_log
from data_access.engine import make_engine
from reports.pdf import money

SCENARIO_AR = Decimal("5610.00")  # ../shared/acceptance/scenario_a/expected.json, total by due date at 2026-03-31


def read(url, fn, *args):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn, *args)
    finally:
        engine.dispose()


def pdf_text(path: Path) -> str:
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as doc:
        return "\n".join(p.extract_text() or "" for p in doc.pages).replace("\xa0", " ")


def printed(amount: Decimal) -> str:
    """An amount as the English pack prints it (reports.pdf.money), with plain spaces as pdfplumber reads them."""
    return money(amount, "NOK", "en").replace("\xa0", " ")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def ledger(db_url):
    load_scenario(db_url)
    return db_url


def test_close_report_and_reproduce_after_a_late_import(ledger, tmp_path):
    url = ledger
    out = ok(url, "close", "--period", "2026-03", "--by", "Kari Nordmann")
    assert "Closed 2026-03" in out and "Kari Nordmann" in out
    pdf, xlsx = tmp_path / "a.pdf", tmp_path / "a.xlsx"
    ok(
        url,
        "report",
        "lender",
        "--as-of",
        "2026-03-31",
        "--out",
        str(pdf),
        "--xlsx",
        str(xlsx),
        "--recipient",
        "Demo Bank ASA",
        "--by",
        "Kari Nordmann",
    )
    text = pdf_text(pdf)
    assert printed(SCENARIO_AR) in text  # the aging total printed equals the acceptance ledger's
    assert "Kari Nordmann" in text
    log = read(url, report_log)
    assert {(r.report, r.recipient) for r in log} == {
        ("lender_pack", "Demo Bank ASA"),
        ("lender_workbook", "Demo Bank ASA"),
    }
    assert {r.file_sha256 for r in log} == {sha(pdf), sha(xlsx)}
    [close] = read(url, closes)
    assert all(r.close_id == close.id for r in log)
    frozen = read(url, closed_pack, "2026-03")
    assert frozen.aging_due.total == SCENARIO_AR and frozen.rollforward.closing == SCENARIO_AR

    # an invoice dated inside the closed month arrives later
    late = tmp_path / "late.csv"
    late.write_text(
        "invoice_number,customer_ref,issue_date,due_date,amount,currency,kind,credited_invoice\n"
        "A9,C1,2026-03-15,2026-04-14,250.00,NOK,invoice,\n",
        encoding="utf-8",
    )
    ok(url, "import", "invoices", str(late))
    again = tmp_path / "b.pdf"
    ok(url, "report", "lender", "--as-of", "2026-03-31", "--out", str(again), "--recipient", "Demo Bank ASA")
    assert sha(again) == sha(pdf)  # byte for byte: rendered from the snapshot with the close's time

    april = tmp_path / "april.pdf"
    out = ok(url, "report", "lender", "--as-of", "2026-04-30", "--out", str(april), "--recipient", "Board")
    assert "draft" in out
    text = pdf_text(april)
    assert re.search(
        re.escape(printed(Decimal("250.00"))) + r"(?![\d,.])", text
    )  # post-close difference: March as known now (5 860) less as closed

    r = run(url, "reopen", "--period", "2026-03", "--role", "credit_manager", "--reason", "late invoice A9")
    assert r.exit_code == 2 and "only the cfo role may reopen" in r.output
    ok(url, "reopen", "--period", "2026-03", "--role", "cfo", "--reason", "late invoice A9", "--by", "Kari")
    ok(url, "close", "--period", "2026-03", "--by", "Kari")
    rows = read(url, closes)
    assert [c.status for c in rows] == ["closed", "reopened"] and rows[1].reopen_reason == "late invoice A9"
    assert read(url, closed_pack, "2026-03").aging_due.total == SCENARIO_AR + Decimal("250.00")


def test_refusals_are_clear_and_write_nothing(ledger, tmp_path):
    url = ledger
    for args, message in (
        (("close", "--period", "2026-13"), "has no month 13"),
        (("close", "--period", "2999-01", "--by", "Kari"), "is not over yet"),
        (("report", "lender", "--as-of", "2026-03-30", "--out", str(tmp_path / "x.pdf")), "not a month's last day"),
        (("report", "lender", "--as-of", "2026-03-31", "--out", str(tmp_path / "x.pdf"), "--lang", "de"), "en or nb"),
        (
            ("report", "lender", "--as-of", "2026-03-31", "--out", str(tmp_path / "x.pdf"), "--lender", "Nope"),
            "no lender profile named 'Nope'",
        ),
        (("report", "customer", "NOPE", "--as-of", "2026-03-31", "--out", str(tmp_path / "m.pdf")), "no customer"),
        (("reopen", "--period", "2026-03", "--role", "cfo", "--reason", "x"), "is not closed"),
        (("contra", "C1", "--as-of", "2026-03-31", "--", "-5"), "must be 0 or more"),
        (("control-total", "--as-of", "2026-03-31", "--amount", "5600", "--source", " "), "say where"),
    ):
        r = run(url, *args)
        assert r.exit_code == 2, (args, r.output)
        assert message in r.output, (args, r.output)
    assert read(url, closes) == [] and read(url, report_log) == []
    assert not (tmp_path / "x.pdf").exists()


def test_lender_profile_contra_control_total_and_credit_memo(ledger, tmp_path):
    url = ledger
    profile = tmp_path / "profile.json"
    profile.write_text(
        json.dumps(
            {
                "name": "Fjord Bank facility",
                "lender": "Fjord Bank",
                "basis": "due",
                "cutoff_days": 60,
                "advance_rate_percent": "80",
                "loan_balance": "1000.00",
            }
        ),
        encoding="utf-8",
    )
    assert "version 1" in ok(url, "lender", "set", str(profile), "--comment", "new facility", "--by", "Kari")
    assert '"Fjord Bank facility"' in ok(url, "lender", "list")
    [p] = read(url, lender_profiles)
    assert (p.basis, p.cutoff_days, p.advance_rate_percent) == ("due", 60, Decimal("80"))
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "X", "basis": "weekly"}', encoding="utf-8")
    r = run(url, "lender", "set", str(bad))
    assert r.exit_code == 2 and "basis" in r.output

    ok(url, "contra", "C2", "300", "--as-of", "2026-03-01", "--by", "Kari")
    assert read(url, contra_amounts, date(2026, 3, 31)) == {2: Decimal("300.00")}
    ok(url, "control-total", "--as-of", "2026-03-31", "--amount", "5600.00", "--source", "GL 1500", "--by", "Kari")
    assert read(url, control_total, date(2026, 3, 31)) == (Decimal("5600.00"), "GL 1500")

    pdf = tmp_path / "pack.pdf"
    ok(url, "report", "lender", "--as-of", "2026-03-31", "--out", str(pdf), "--lender", "Fjord Bank facility")
    text = pdf_text(pdf)
    assert "Fjord Bank facility" in text
    assert re.search(
        re.escape(printed(Decimal("10.00"))) + r"(?![\d,.])", text
    )  # the aging 5 610.00 less the ERP's 5 600.00, not forced to zero

    memo = tmp_path / "memo.pdf"
    ok(url, "report", "customer", "C1", "--as-of", "2026-03-31", "--out", str(memo), "--lang", "nb")
    assert "Fjord Handel AS" in pdf_text(memo)
    assert read(url, report_log)[0].report == "credit_memo"  # newest first
