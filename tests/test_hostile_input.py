"""Hostile input: names, notes, events and imported strings written to look like HTML, Markdown, links or spreadsheet
formulas stay inert text on the pages (components.safe.md), in the PDFs, and in every CSV and Excel file the app
writes (domain.spreadsheet.neutralise); user text reaches SQL only as bound parameters; a file the import cannot
read is refused with a message; secrets are never shown.

The hostile ledger (SQLite, as of 2026-03-31; company "**Evil** <b>Co</b> [AS](javascript:x)"):
  H0 GROUP, the parent of H1
  H1 HOSTILE, segment SEGMENT: invoice "=1+2" 250.00 due 2025-12-01, payment "@SUM(9)" 75.50 on account;
     credit report from SOURCE rated "**AAA**" (score 50), an address change with the text HOSTILE from
     "register `x`", a note with the text HOSTILE by "*Kari* <i>"
  H2 FORMULA: invoice I-2 100.00 due 2026-03-31, payment P-2 350.00 on account: balance -250.00; its credit limit
     lowered from 2,000 to 1,500 by "@SUM(1+1)" for the reason "-2+3"
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pdfplumber
import pytest
import sqlalchemy as sa
import streamlit as st
from apptest import run_page
from hypothesis import given, settings
from hypothesis import strategies as hs
from markdown_it import MarkdownIt
from sqlalchemy import insert
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from components.export import to_csv, to_xlsx
from components.safe import chart_text, md
from data_access.activities import add_activity
from data_access.bootstrap import ensure_ready
from data_access.engine import ROOT, make_engine, mask_url
from data_access.imports import import_file
from data_access.ledger import save_company_profile
from data_access.limits import credit_terms, update_credit_terms
from data_access.memo import credit_memo, customer_id_by_ref
from data_access.schema import CompanyEvent, CreditReport
from data_access.views import filter_options, search_customers
from domain.activity import NewActivity
from domain.company import CompanyProfile
from domain.filters import CustomerFilter
from domain.spreadsheet import neutralise
from reports.credit_memo import render_credit_memo
from reports.letters import LetterLine, letter_pdf
from tests.ledger import csv_bytes

HOSTILE = "<script>alert(1)</script> **bold** [x](javascript:alert(1))"
GROUP = "**Group** :red[alarm] $x$ <img src=x onerror=alert(2)>"
SEGMENT = "# Segment <i>big</i>"
SOURCE = "<b>Bureau</b> [report](javascript:alert(3))"
COMPANY = "**Evil** <b>Co</b> [AS](javascript:x)"
FORMULA = '=HYPERLINK("http://evil.example","click")'
AS_OF = date(2026, 3, 31)
# what Markdown must never make of the strings above (HTML as markdown-it renders it, CommonMark + tables + ~~)
RENDERED = ("<script", "<img", "<b>", "<i>", 'href="javascript', "<a ", "<strong>bold", "<strong>Group", "<h1>",
            "<strong>Evil", "<strong>AAA", "<code>x")  # fmt: skip
# ... and Streamlit's own syntax in the source: a colour directive, LaTeX
STREAMLIT = (r"(?<!\\):red\[alarm", r"(?<!\\)\$x\$")


# --------------------------------------------------------------------------- md(): inert under CommonMark + GFM

PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def only_text(source: str) -> str:
    """The text of rendered Markdown that must be one paragraph of plain text (softbreaks as newlines)."""
    tokens = PARSER.parse(source)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], source
    children = tokens[1].children or []
    assert {c.type for c in children} <= {"text", "softbreak"}, [(c.type, c.content) for c in children]
    return "".join("\n" if c.type == "softbreak" else c.content for c in children)


LINES = hs.text(alphabet=hs.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1)


@settings(max_examples=400, deadline=None)
@given(hs.lists(LINES.map(str.strip).filter(bool), min_size=1, max_size=4))
def test_md_renders_any_text_as_exactly_that_text(lines):
    text = "\n".join(lines)
    assert only_text(md(text)) == text


@pytest.mark.parametrize(
    "text",
    [HOSTILE, GROUP, SEGMENT, SOURCE, COMPANY, "# heading", "- item", "1. one", "2) two", "> quote", "---", "===",
     "| a | b |\n|---|---|", "~~gone~~", "`code`", "www.evil.example", "http://evil.example",
     "mail me: kari@evil.example", "&lt;script&gt;", "a\\", "__init__", "snake_case_name", ":material/delete:",
     ":smile:", ":red-background[x]", "$$\nx\n$$"],
)  # fmt: skip
def test_md_escapes_every_markdown_and_streamlit_construct(text):
    source = md(text)
    rendered = PARSER.render(source)
    assert "<a " not in rendered and "<script" not in rendered and "<img" not in rendered and "<em>" not in rendered
    assert "<strong>" not in rendered and "<h1>" not in rendered and "<li>" not in rendered and "<code>" not in rendered
    # Streamlit's own syntax: directives and shortcodes need an unescaped ':' before a letter, LaTeX a '$'
    assert not re.search(r"(?<!\\):(?=[A-Za-z])", source) and not re.search(r"(?<!\\)\$", source)
    assert only_text(md(" ".join(text.split()))) == " ".join(text.split())


def test_indented_text_is_a_paragraph_not_a_code_block():
    assert PARSER.render(md("    <b>x</b> **y**\n\t\t- z")) == "<p>&lt;b&gt;x&lt;/b&gt; **y**\n- z</p>\n"


def test_md_leaves_ordinary_sentences_as_they_are():
    for text in ("Nothing was written: row 2: unknown customer 9999", "Bølgen & Co AS", "invoice_number, issue_date",
                 "terms must be >= 0 days", "K-1001 · Fjord (Øst) AS, 12.5 %", "'988077918' is not valid"):  # fmt: skip
        assert md(text) == text


def test_chart_text_escapes_the_html_plotly_reads():
    assert chart_text(SOURCE) == "&lt;b&gt;Bureau&lt;/b&gt; [report](javascript:alert(3))"
    assert chart_text(None) == ""


# --------------------------------------------------------------------------- the hostile ledger


def build_hostile_ledger(url: str) -> None:
    """The ledger of the module docstring, through the real import path where there is one."""
    engine = make_engine(url)
    ensure_ready(engine, seed_demo_if_new=False)
    with engine.begin() as conn:
        save_company_profile(conn, CompanyProfile(name=COMPANY, country="NO", base_currency="NOK"))
        header = ("customer_ref", "name", "country", "currency", "payment_terms_days", "credit_limit", "parent_ref")
        import_file(
            conn,
            "customers",
            csv_bytes(
                (*header, "segment"),
                [
                    ("H0", GROUP, "NO", "NOK", 30, "5000", None, None),
                    ("H1", HOSTILE, "NO", "NOK", 30, "1000", "H0", SEGMENT),
                    ("H2", FORMULA, "NO", "NOK", 30, "2000", None, None),
                ],
            ),
        )
        invoice_header = ("invoice_number", "customer_ref", "issue_date", "due_date", "amount", "currency")
        import_file(
            conn,
            "invoices",
            csv_bytes(
                invoice_header,
                [("=1+2", "H1", "2025-11-01", "2025-12-01", "250.00", "NOK"),
                 ("I-2", "H2", "2026-03-01", "2026-03-31", "100.00", "NOK")],
            ),
        )  # fmt: skip
        import_file(
            conn,
            "payments",
            csv_bytes(
                ("payment_ref", "customer_ref", "payment_date", "amount", "currency"),
                [("@SUM(9)", "H1", "2026-03-10", "75.50", "NOK"), ("P-2", "H2", "2026-03-15", "350.00", "NOK")],
            ),
        )
        h1, h2 = customer_id_by_ref(conn, "H1"), customer_id_by_ref(conn, "H2")
        conn.execute(
            insert(CreditReport).values(
                customer_id=h1, report_date=date(2026, 3, 1), source=SOURCE, score=50, rating="**AAA**",
                remarks_count=0, remarks_amount=0,
            )
        )  # fmt: skip
        conn.execute(
            insert(CompanyEvent).values(
                customer_id=h1, event_date=date(2026, 3, 5), event_type="address_change", source="register `x`",
                text=HOSTILE,
            )
        )  # fmt: skip
        add_activity(conn, h1, NewActivity("note", date(2026, 3, 20), HOSTILE, "*Kari* <i>"))
        lowered = replace(credit_terms(conn, h2), credit_limit=credit_terms(conn, h2).credit_limit - 500)
        update_credit_terms(conn, h2, lowered, reason="-2+3", author="@SUM(1+1)", effective_on=AS_OF)
    engine.dispose()


@pytest.fixture
def hostile_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path}/hostile.db"
    build_hostile_ledger(url)
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def ids(url: str) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = {ref: customer_id_by_ref(conn, ref) for ref in ("H0", "H1", "H2")}
    engine.dispose()
    return found


def markdown_texts(at: AppTest) -> list[str]:
    """Everything on the page that Streamlit renders as Markdown."""
    kinds = ("markdown", "caption", "header", "subheader", "title", "info", "warning", "error", "success")
    texts = [e.value for kind in kinds for e in getattr(at, kind)]
    texts += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    texts += [b.label for b in at.button] + [t.label for t in at.tabs] + [x.label for x in at.expander]
    return texts


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What the pages hand to st.download_button, by file name (callables, built on the click, are not built)."""
    found: dict[str, bytes] = {}

    def download_button(self, label, data=None, file_name=None, *args, **kwargs):
        if isinstance(data, bytes | str):
            found[file_name] = data.encode() if isinstance(data, str) else data
        return False

    monkeypatch.setattr(DeltaGenerator, "download_button", download_button)
    monkeypatch.setattr(st, "download_button", lambda *a, **k: download_button(None, *a, **k))
    return found


# --------------------------------------------------------------------------- the customer page


def test_the_customer_page_shows_hostile_names_notes_and_events_as_text(hostile_url, downloads):
    h = ids(hostile_url)
    at = run_page("pages/customers.py", customer_id=h["H1"], as_of=AS_OF)
    assert not at.exception, at.exception
    texts = markdown_texts(at) + [c.value for c in at.sidebar.caption]
    for text in texts:
        rendered = PARSER.render(text)
        assert not [bad for bad in RENDERED if bad in rendered], (text, rendered)
        assert not [p for p in STREAMLIT if re.search(p, text)], text

    assert [x.value for x in at.header] == [md(HOSTILE)]
    assert md(HOSTILE) in [m.value for m in at.markdown]  # the register event's text
    assert only_text(md(HOSTILE)) == HOSTILE  # ... which reads as exactly the text
    assert any(md(GROUP) in m.value for m in at.markdown)  # the corporate group line
    assert f"H0 — {md(GROUP)}" in [b.label for b in at.button]  # the group member's button
    assert any(md(SEGMENT) in c.value for c in at.caption)
    assert any(c.value.startswith(md(SOURCE)) for c in at.caption)  # the bureau under the score
    assert "50 · \\*\\*AAA\\*\\*" in [str(m.value) for m in at.metric]
    assert any(c.value.startswith(md(COMPANY)) for c in at.sidebar.caption)

    # the note and its author: a table cell holds text as it is
    log = next(d.value for d in at.dataframe if "Author" in d.value.columns)
    assert (log["Text"].iloc[0], log["Author"].iloc[0]) == (HOSTILE, "*Kari* <i>")

    # the statement export: the invoice number a spreadsheet would run is neutralised, amounts stay numbers
    [name] = [n for n in downloads if n.startswith("statement_H1") and n.endswith(".csv")]
    rows = list(csv.reader(io.StringIO(downloads[name].decode("utf-8-sig"))))
    by_ref = {r[1]: r for r in rows[1:]}
    assert set(by_ref) == {"'=1+2", "'@SUM(9)"}
    amounts = [float(r[rows[0].index("Amount (NOK)")]) for r in rows[1:]]
    assert sorted(amounts) == [-75.5, 250.0]
    sheet = openpyxl.load_workbook(io.BytesIO(downloads[name.replace(".csv", ".xlsx")])).active
    table = [list(r) for r in sheet.iter_rows()]
    heads = [c.value for c in table[0]]
    refs = [r[heads.index("Reference")] for r in table[1:]]
    amounts = [r[heads.index("Amount (NOK)")] for r in table[1:]]
    assert sorted(c.value for c in refs) == ["'=1+2", "'@SUM(9)"] and {c.data_type for c in refs} == {"s"}
    assert sorted(c.value for c in amounts) == [-75.5, 250] and {c.data_type for c in amounts} == {"n"}
    cells = [c for row in table for c in row]
    assert all(c.data_type != "f" for c in cells)


def test_the_alerts_page_erp_file_neutralises_formulas(hostile_url, downloads):
    at = run_page("pages/alerts.py", as_of=AS_OF)
    assert not at.exception, at.exception
    [name] = [n for n in downloads if n.startswith("erp-changes-since-")]
    [row] = list(csv.DictReader(io.StringIO(downloads[name].decode())))
    assert (row["customer_ref"], row["name"], row["credit_limit"]) == ("H2", "'" + FORMULA, "1500.00")
    assert row["last_changed_by"] == "'@SUM(1+1)"


def test_the_import_error_list_download_neutralises_the_file_values(hostile_url, downloads):
    bad = (
        b"invoice_number,customer_ref,issue_date,due_date,amount,currency\n"
        b"I-9,=cmd|' /C calc'!A0,2026-03-01,2026-03-31,5.00,NOK\n"
    )
    at = run_page("pages/data_import.py", import_kind="invoices", import_file=("bad.csv", bad))
    at.button(key="import_commit").click().run()
    assert not at.exception, at.exception
    assert any(e.value.startswith("Nothing was written") for e in at.error)
    rows = list(csv.reader(io.StringIO(downloads["import_errors.csv"].decode("utf-8-sig"))))
    assert rows[0] == ["row", "column", "value", "problem"]
    assert ["2", "customer_ref", "'=cmd|' /C calc'!A0", "unknown customer"] in rows[1:]


@pytest.mark.parametrize(
    ("content", "name", "says"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "photo.csv", "neither UTF-8 nor"),
        (b"PK\x03\x04 not really a workbook", "ledger.xlsx", "Excel"),
    ],
)
def test_a_file_the_import_cannot_read_is_refused_with_a_message(hostile_url, content, name, says):
    at = run_page("pages/data_import.py", import_kind="invoices", import_file=(name, content))
    assert not at.exception, at.exception
    [error] = at.error
    assert says in error.value, error.value
    assert not at.dataframe  # nothing previewed, nothing to import


def test_uploads_are_limited_in_size_and_type():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == 500  # MB; bigger files go through python cli.py import
    at = run_page("pages/data_import.py")
    [uploader] = at.get("file_uploader")
    assert list(uploader.proto.type) == [".csv", ".txt", ".xlsx"]


# --------------------------------------------------------------------------- the PDFs


def pdf_text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_credit_memo_prints_hostile_text_literally(hostile_url):
    engine = make_engine(hostile_url)
    with engine.connect() as conn:
        memo = credit_memo(conn, customer_id_by_ref(conn, "H1"), AS_OF, generated_at=datetime(2026, 4, 1, 9, 0))
    engine.dispose()
    text = pdf_text(render_credit_memo(memo, "en"))
    for literal in (
        f"Credit memo: {HOSTILE} {COMPANY}",  # every page's header
        f"Customer {HOSTILE} Reference H1",
        f"Prepared by {COMPANY}",
        f"Segment {SEGMENT}",
        f"Corporate group {GROUP} (H0)",
        "<b>Bureau</b> 1 Mar 2026 [report](javascript:alert(3",  # a table row: the cell wraps after "(3"
        "50 **AAA**",
        "Change of address register `x`",
        "Note *Kari* <i>",
    ):
        assert literal in text, literal
    assert pdf_text(render_credit_memo(memo, "nb")).count(HOSTILE) >= 4  # one header per page at least


def test_the_reminder_letter_prints_hostile_text_literally():
    from test_report_letters import BASE, CREATED

    data = replace(
        BASE,
        company=replace(BASE.company, name=COMPANY),
        company_contact="<b>Storgata 1</b>\n[pay](javascript:x)",
        customer_name=HOSTILE,
        customer_ref="=1+2",
        customer_address=SEGMENT,
        lines=(LetterLine("=A1*2", date(2026, 2, 1), date(2026, 3, 3), Decimal("1000.00"), Decimal("0.00")),),
        interest_rate_text="12.00 % p.a. **bold**",
    )
    for lang in ("en", "nb"):
        text = pdf_text(letter_pdf(data, lang, CREATED))
        for literal in (HOSTILE, COMPANY, "<b>Storgata 1</b> [pay](javascript:x)", SEGMENT, "=1+2", "=A1*2"):
            assert literal in text, (lang, literal)


# --------------------------------------------------------------------------- exports


def test_the_cli_csv_outputs_neutralise_formulas_and_keep_negative_numbers(hostile_url):
    from test_cli import ok

    rows = list(csv.reader(io.StringIO(ok(hostile_url, "aging", "--as-of", "2026-03-31", "--by", "customer",
                                          "--format", "csv"))))  # fmt: skip
    by_ref = {r[0]: r for r in rows[1:]}
    assert by_ref["H2"][1:3] == ["'" + FORMULA, "-250.00"]  # the balance stays a number
    assert by_ref["H1"][1:3] == [HOSTILE, "174.50"]  # no formula start: unchanged
    [erp] = list(csv.DictReader(io.StringIO(ok(hostile_url, "erp-changes", "--since", "2026-01-01"))))
    assert (erp["name"], erp["last_changed_by"], erp["credit_limit"]) == ("'" + FORMULA, "'@SUM(1+1)", "1500.00")


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+1", "'=1+1"), ("+47 22 00 00 00", "'+47 22 00 00 00"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\tx", "'\tx"), ("\r=1", "'\r=1"), ("-1234.56", "-1234.56"), ("+5", "+5"), ("Fjord AS", "Fjord AS"),
     (-12.5, -12.5), (None, None)],
)  # fmt: skip
def test_neutralise_prefixes_formula_starts_and_leaves_numbers(value, written):
    assert neutralise(value) == written


def test_page_table_exports_neutralise_every_formula_start_and_keep_negative_numbers():
    import pandas as pd

    frame = pd.DataFrame({"name": ["=a", "+b", "-c", "@d", "-5.25"], "balance": [1.5, -2.25, 0.0, -0.01, 3.0]})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8-sig"))))
    assert rows[1:] == [["'=a", "1.5"], ["'+b", "-2.25"], ["'-c", "0.0"], ["'@d", "-0.01"], ["-5.25", "3.0"]]
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx(frame))).active
    assert [c.value for c in ws["A"][1:]] == ["'=a", "'+b", "'-c", "'@d", "-5.25"]
    assert [c.value for c in ws["B"][1:]] == [1.5, -2.25, 0, -0.01, 3]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_the_lender_workbook_neutralises_every_formula_start():
    import report_fixtures as fx

    from reports.lender_xlsx import lender_workbook

    names = ["+SUM(A1)", "-2+3", "@cmd", "=1+1", "-12.50"]
    pack = replace(fx.PACK, customers=tuple(replace(c, name=n) for c, n in zip(fx.PACK.customers, names, strict=False)))
    ws = openpyxl.load_workbook(io.BytesIO(lender_workbook(pack)))["Aging by customer"]
    shown = [ws.cell(row=r, column=2).value for r in range(2, 2 + len(names))]
    assert shown == ["'+SUM(A1)", "'-2+3", "'@cmd", "'=1+1", "-12.50"]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    assert ws.cell(row=2 + len(fx.PACK.customers), column=10).value == -20000.0  # the unapplied total, a number


# --------------------------------------------------------------------------- SQL takes user text as parameters


def test_user_text_reaches_sql_only_as_bound_parameters(hostile_url):
    engine = make_engine(hostile_url)
    with engine.connect() as conn:
        for text in ("'; DROP TABLE customers; --", "' OR '1'='1", "%' OR 1=1 --", "H1'--"):
            assert search_customers(conn, text) == []
        flt = CustomerFilter(countries=("NO' OR '1'='1",), segments=("x') OR ('1'='1",))
        from data_access.asof import aging

        assert aging(conn, AS_OF, flt=flt).customers == ()
        assert [h.ref for h in search_customers(conn, "**Group**")] == ["H0"]  # found as the text it is
        assert conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one() == 3
        assert SEGMENT in filter_options(conn).segments
    engine.dispose()


# --------------------------------------------------------------------------- secrets


def test_the_data_status_page_shows_the_database_url_without_its_password(pg_url, monkeypatch):
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)  # trust authentication ignores the password
    try:
        at = run_page("pages/data_status.py")
        assert not at.exception, at.exception
        everything = " ".join(markdown_texts(at))
        assert "s3cret" not in everything
        assert mask_url(url) in everything and ":***@" in mask_url(url)
    finally:
        from data_access.engine import get_engine

        get_engine(url).dispose()


def test_the_smtp_password_is_never_printed(tmp_path, monkeypatch, hostile_url):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult
    from test_cli import ok, run

    import data_access.engine
    from delivery.settings import load_digest_settings
    from tests.infra import free_port

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    port = free_port()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "kv@example.no"\nusername = "kv"\n'
        'password = "Pw-s3cret-9"\n\n[digest]\ndefault_recipient = "credit@example.no"\n'
        'webhook_url = "http://127.0.0.1:9/hooks/T000/B000/XXsecretXX"\n'
    )
    monkeypatch.setattr(data_access.engine, "SECRETS_PATH", secrets)
    loaded = load_digest_settings()
    assert loaded.smtp.password == "Pw-s3cret-9"  # read, but never shown:
    assert "Pw-s3cret-9" not in repr(loaded) and "XXsecretXX" not in repr(loaded)

    controller = Controller(Handler(), hostname="127.0.0.1", port=port, authenticator=refuse, auth_require_tls=False)
    controller.start()
    try:
        ok(hostile_url, "monitor", "--as-of", "2026-03-31")
        result = run(hostile_url, "digest", "--as-of", "2026-03-31")
        dry = ok(hostile_url, "digest", "--as-of", "2026-03-31", "--dry-run")
    finally:
        controller.stop()
    assert result.exit_code == 1
    said = result.output + (getattr(result, "stderr", "") or "") + dry
    assert "could not connect or log in: 535" in said  # the refusal is reported ...
    assert "Pw-s3cret-9" not in said and "XXsecretXX" not in said  # ... without the secrets
