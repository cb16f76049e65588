"""ERP exports into the canonical import: detection (encoding, separator, decimal mark, dates), header synonyms in
four languages, templates and constants, presets, dry runs, and the public IBM sample through the CLI."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_cli import ok, run

from data_access.asof import aging
from data_access.engine import make_engine
from data_access.schema import Customer, ImportLog, Invoice, Payment
from domain.ingest import (
    ColumnMap,
    Dialect,
    IngestError,
    auto_map,
    decode,
    detect_date_format,
    detect_number_format,
    normalise,
    sniff_delimiter,
    to_canonical,
)

IBM = Path(__file__).resolve().parents[2] / "shared" / "data" / "ibm_accounts_receivable.csv"


# --- pure ------------------------------------------------------------------------------------------------------


def test_headers_in_four_languages_map_to_the_canonical_columns():
    nb, _ = auto_map(["Kundenr", "Fakturanr", "Fakturadato", "Forfallsdato", "Beløp", "Valuta", "Prosjekt"], "invoices")
    assert nb.source_of == {
        "invoice_number": "Fakturanr",
        "customer_ref": "Kundenr",
        "issue_date": "Fakturadato",
        "due_date": "Forfallsdato",
        "amount": "Beløp",
        "currency": "Valuta",
    }
    sv, ignored = auto_map(
        ["Kundnummer", "Fakturanummer", "Fakturadatum", "Förfallodatum", "Belopp", "Valuta"], "invoices"
    )
    assert sv.source_of["due_date"] == "Förfallodatum" and sv.source_of["amount"] == "Belopp" and ignored == []
    da, _ = auto_map(["Debitornr", "Fakturanr.", "Dato", "Forfaldsdato", "Beløb", "Valuta"], "invoices")
    assert (da.source_of["customer_ref"], da.source_of["issue_date"], da.source_of["amount"]) == (
        "Debitornr",
        "Dato",
        "Beløb",
    )
    pay, _ = auto_map(["Betalingsref", "Kundenr", "Dato", "Beløp", "Valuta", "Fakturanr"], "payments")
    assert pay.source_of["payment_date"] == "Dato"  # a plain "Dato" is the kind's own date
    assert normalise(" Forfalls-dato ") == normalise("forfallsdato") == "forfallsdato"


def test_specific_headers_win_over_generic_ones_and_ambiguous_ones_take_what_is_left():
    # a Norwegian journal: voucher number and date beside the invoice's own; "Kunde" holds the name
    headers = ["Bilagsnr", "Bilagsdato", "Fakturanr", "Fakturadato", "Forfallsdato", "Kunde", "Kundenr", "Totalbeløp",
               "Valuta"]  # fmt: skip
    inv, ignored = auto_map(headers, "invoices")
    assert inv.source_of == {
        "invoice_number": "Fakturanr",
        "customer_ref": "Kundenr",
        "issue_date": "Fakturadato",
        "due_date": "Forfallsdato",
        "amount": "Totalbeløp",
        "currency": "Valuta",
    }
    assert ignored == ["Bilagsnr", "Bilagsdato", "Kunde"]
    # in a payments file the voucher is the payment: Bilagsnr could be either number, Fakturanr only the invoice's
    pay, _ = auto_map(["Bilagsnr", "Bilagsdato", "Kundenr", "Fakturanr", "Beløp", "Valuta"], "payments")
    assert (pay.source_of["payment_ref"], pay.source_of["payment_date"], pay.source_of["invoice_number"]) == (
        "Bilagsnr",
        "Bilagsdato",
        "Fakturanr",
    )
    alone, _ = auto_map(["Bilagsnr", "Dato", "Kundenr", "Beløp", "Valuta"], "payments")
    assert alone.source_of["payment_ref"] == "Bilagsnr" and "invoice_number" not in alone.source_of  # required first
    # Business Central: "Amount" is net of VAT, "Amount Including VAT" is what the customer owes
    bc, ignored = auto_map(["Document No.", "Customer No.", "Posting Date", "Due Date", "Amount",
                            "Amount Including VAT", "Currency Code"], "invoices")  # fmt: skip
    assert bc.source_of["amount"] == "Amount Including VAT" and ignored == ["Amount"]


def test_an_open_items_list_maps_to_the_snapshot_columns():
    headers = ["Fakturanr", "Kundenr", "Kunde", "Fakturadato", "Forfallsdato", "Beløp", "Utestående", "Valuta", "KID"]
    m, ignored = auto_map(headers, "open-items")
    assert m.source_of == {
        "document_number": "Fakturanr",
        "customer_ref": "Kundenr",
        "issue_date": "Fakturadato",
        "due_date": "Forfallsdato",
        "original_amount": "Beløp",
        "remaining_amount": "Utestående",
        "currency": "Valuta",
    }
    assert ignored == ["Kunde", "KID"]
    fortnox, _ = auto_map(["DocumentNumber", "CustomerNumber", "InvoiceDate", "DueDate", "Total", "Balance",
                           "Currency"], "open-items")  # fmt: skip
    assert (fortnox.source_of["original_amount"], fortnox.source_of["remaining_amount"]) == ("Total", "Balance")


def test_a_credit_flag_column_gives_the_document_type_and_bad_amounts_are_named_by_row():
    header = ["DocumentNumber", "CustomerNumber", "InvoiceDate", "DueDate", "Total", "Currency", "Credit"]
    rows = [["1", "C1", "2026-10-01", "2026-10-31", "100.00", "SEK", "false"],
            ["2", "C1", "2026-10-02", "2026-10-02", "-40.00", "SEK", "true"]]  # fmt: skip
    mapping, _ = auto_map(header, "invoices")
    assert mapping.source_of["kind"] == "Credit"
    text, problems = to_canonical(header, rows, mapping, Dialect())
    assert problems == []
    assert [line.rsplit(",", 1)[1] for line in text.splitlines()[1:]] == ["invoice", "credit_note"]
    # an amount the detected format cannot read is named like a bad date: row, the file's column, the text
    header = ["Fakturanr", "Kundenr", "Fakturadato", "Forfallsdato", "Beløp", "Valuta"]
    rows = [["F1", "K1", "01.10.2026", "31.10.2026", "1 250,00", "NOK"],
            ["F2", "K1", "01.10.2026", "31.10.2026", "1 250 kr", "NOK"]]  # fmt: skip
    mapping, _ = auto_map(header, "invoices")
    dialect = Dialect(delimiter=";", decimal=",", thousands=" ", date_format="%d.%m.%Y")
    _, problems = to_canonical(header, rows, mapping, dialect)
    assert [(p.row, p.column, p.value, p.problem) for p in problems] == [
        (3, "Beløp", "1 250 kr", "not an amount in the format 1 234,50")
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1 234,50", "200,00", "-15,5"], (",", " ")),
        (["1.234,50", "12,00"], (",", ".")),
        (["1,234.50", "99.99"], (".", ",")),
        (["47.07", "92.67", "1200"], (".", "")),
        (["1234,5"], (",", "")),
    ],
)
def test_number_formats(values, expected):
    assert detect_number_format(values) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2026-10-01", "2026-10-31"], "%Y-%m-%d"),
        (["01.10.2026", "31.10.2026"], "%d.%m.%Y"),
        (["11/26/2012", "1/6/2012"], "%m/%d/%Y"),  # 26 cannot be a month: US order
        (["26/11/2012", "06/01/2012"], "%d/%m/%Y"),
        (["05/06/2012"], "%d/%m/%Y"),  # ambiguous: day first, as Nordic exports write it
        (["20261031"], "%Y%m%d"),
        (["01-09-2026", "31-09-2026", "15-10-2026"], "%d-%m-%Y"),  # most read: 31-09 is then a row error
    ],
)
def test_date_formats(values, expected):
    assert detect_date_format(values) == expected


def test_unknown_dates_and_bad_settings_are_refused_clearly():
    with pytest.raises(IngestError, match="none of the known formats"):
        detect_date_format(["31st October"])
    with pytest.raises(IngestError, match="decimal mark must be"):
        Dialect.from_dict({"decimal": ";"})
    with pytest.raises(IngestError, match="is not a column of invoices"):
        ColumnMap("invoices", (("kundenr", "Kundenr"),))
    with pytest.raises(IngestError, match="mapped more than once"):
        ColumnMap("invoices", (("amount", "A"), ("amount", "B")))


def test_encoding_and_separator():
    text = "Kundenr;Beløp\n1;2,50\n"
    assert decode(text.encode("cp1252")) == (text, "cp1252")
    assert decode(b"\xef\xbb\xbf" + text.encode()) == (text, "utf-8-sig")
    assert decode(text.encode()) == (text, "utf-8")
    assert sniff_delimiter(text) == ";"
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"


def test_rows_become_canonical_with_templates_constants_and_document_types():
    header = ["Nr", "Kunde", "Dato", "Forfall", "Beløp", "Type"]
    rows = [
        ["F1", "K1", "01.10.2026", "31.10.2026", "1 234,50", "Faktura"],
        ["K9", "K1", "02.10.2026", "", "-100,00", "Kreditnota"],
    ]
    mapping = ColumnMap(
        "invoices",
        (
            ("invoice_number", "=INV-{Nr}"),
            ("customer_ref", "Kunde"),
            ("issue_date", "Dato"),
            ("due_date", "Forfall"),
            ("amount", "Beløp"),
            ("currency", "=NOK"),
            ("kind", "Type"),
        ),
    )
    dialect = Dialect(delimiter=";", decimal=",", thousands=" ", date_format="%d.%m.%Y")
    text, problems = to_canonical(header, rows, mapping, dialect)
    assert problems == []
    assert text.splitlines() == [
        "invoice_number,customer_ref,issue_date,due_date,amount,currency,kind",
        "INV-F1,K1,2026-10-01,2026-10-31,1234.50,NOK,invoice",
        "INV-K9,K1,2026-10-02,,-100.00,NOK,credit_note",
    ]
    _, problems = to_canonical(header, [["F2", "K1", "2026-10-01", "", "1", "Faktura"]], mapping, dialect)
    assert [(p.row, p.column, p.problem) for p in problems] == [(2, "Dato", "not a date in the format dd.mm.yyyy")]


# --- CLI on both engines -----------------------------------------------------------------------------------------


def count(url, model) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


def total(url, as_of):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return aging(conn, as_of).total
    finally:
        engine.dispose()


@pytest.fixture
def empty(db_url):
    ok(db_url, "db", "init", "--empty")
    return db_url


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_norwegian_swedish_and_danish_exports_import_as_they_are(empty, tmp_path):
    from datetime import date

    url = empty
    kunder = write(
        tmp_path,
        "kunder.csv",
        "Kundenr;Navn;Land\r\n1001;Fjord Handel AS;NO\r\n2001;Malmö Bygg AB;SE\r\n3001;Aarhus Stål A/S;DK\r\n",
    )
    assert "customers: 3 rows, 3 inserted" in ok(url, "import", "customers", str(kunder))
    # Tripletex-like: Windows-1252, semicolons, decimal comma, dd.mm.yyyy, a document type column
    tripletex = write(
        tmp_path,
        "tripletex.csv",
        "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta;Type\r\n"
        "1001;F-1;01.10.2026;31.10.2026;1 234,50;NOK;Faktura\r\n"
        "1001;K-1;05.10.2026;05.10.2026;-234,50;NOK;Kreditnota\r\n",
        "cp1252",
    )
    out = ok(url, "import", "invoices", str(tripletex))
    assert "encoding cp1252, separator semicolon, decimal mark comma, thousands space, dates dd.mm.yyyy" in out
    assert "invoices: 2 rows, 2 inserted" in out
    # Fortnox-like: UTF-8 with BOM, Swedish headers
    fortnox = write(
        tmp_path,
        "fortnox.csv",
        "\ufeffKundnummer;Fakturanummer;Fakturadatum;Förfallodatum;Belopp;Valuta\n2001;S-1;2026-10-02;2026-11-01;500,00;NOK\n",
    )
    assert "invoices: 1 rows, 1 inserted" in ok(url, "import", "invoices", str(fortnox))
    # e-conomic-like: Danish headers, 1.234,50
    economic = write(
        tmp_path,
        "economic.csv",
        "Debitornr;Fakturanr.;Dato;Forfaldsdato;Beløb;Valuta\n3001;D-1;03-10-2026;02-11-2026;1.000,25;NOK\n",
    )
    assert "invoices: 1 rows, 1 inserted" in ok(url, "import", "invoices", str(economic))
    # 1 234.50 - 234.50 + 500.00 + 1 000.25 = 2 500.25
    assert total(url, date(2026, 10, 31)) == D("2500.25")
    assert "invoices: 2 rows, 0 inserted, 0 updated" in ok(url, "import", "invoices", str(tripletex))  # idempotent


def test_bad_rows_are_listed_and_nothing_is_written(empty, tmp_path):
    url = empty
    ok(url, "import", "customers", str(write(tmp_path, "k.csv", "Kundenr;Navn\n1001;Fjord Handel AS\n")))
    bad_date = write(
        tmp_path,
        "bad.csv",
        "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n"
        "1001;F-1;01.10.2026;31.10.2026;100,00;NOK\n"
        "1001;F-2;32.10.2026;31.10.2026;100,00;NOK\n",
    )
    r = run(url, "import", "invoices", str(bad_date))
    assert r.exit_code == 1
    # 32.10.2026 is no date: named by its row and column, in the format the other dates have
    assert "row 3, column Fakturadato: not a date in the format dd.mm.yyyy (value '32.10.2026')" in r.output
    negative = write(
        tmp_path,
        "neg.csv",
        "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n1001;F-3;01.10.2026;31.10.2026;-50,00;NOK\n",
    )
    r = run(url, "import", "invoices", str(negative))
    assert r.exit_code == 1 and "an invoice needs a positive amount, not -50.00" in r.output
    no_due = write(tmp_path, "nodue.csv", "Kundenr;Fakturanr;Fakturadato;Beløp;Valuta\n1001;F-4;01.10.2026;5,00;NOK\n")
    r = run(url, "import", "invoices", str(no_due))
    assert r.exit_code == 1 and "missing required column(s) for invoices: due_date" in r.output
    assert "Kundenr, Fakturanr, Fakturadato, Beløp, Valuta" in r.output
    assert count(url, Invoice) == 0


def test_dry_run_writes_nothing(empty, tmp_path):
    url = empty
    ok(url, "import", "customers", str(write(tmp_path, "k.csv", "Kundenr;Navn\n1001;Fjord Handel AS\n")))
    logs = count(url, ImportLog)
    f = write(
        tmp_path,
        "i.csv",
        "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n1001;F-1;01.10.2026;31.10.2026;1,00;NOK\n",
    )
    out = ok(url, "import", "invoices", str(f), "--dry-run")
    assert "dry run, nothing written: invoices: 1 rows, 1 inserted" in out
    assert count(url, Invoice) == 0 and count(url, ImportLog) == logs


def test_ibm_sample_through_the_cli_with_saved_presets(empty, tmp_path):
    """US dates, no customer master, settled dates instead of payments: customers created from the file, every
    settled date a payment allocated to its invoice; aging equal to the canonical route's pinned figure."""
    from datetime import date

    if not IBM.is_file():
        pytest.fail(f"public sample missing at {IBM}")
    url = empty
    inv = write(
        tmp_path,
        "ibm_invoices.json",
        '{"customer_ref": "customerID", "invoice_number": "invoiceNumber", "issue_date": "InvoiceDate", '
        '"due_date": "DueDate", "amount": "InvoiceAmount", "currency": "=NOK"}',
    )
    pay = write(
        tmp_path,
        "ibm_payments.json",
        '{"payment_ref": "=P-{invoiceNumber}", "customer_ref": "customerID", "payment_date": "SettledDate", '
        '"amount": "InvoiceAmount", "currency": "=NOK", "invoice_number": "invoiceNumber"}',
    )
    out = ok(
        url,
        "import",
        "invoices",
        str(IBM),
        "--mapping",
        str(inv),
        "--create-customers",
        "--save-preset",
        "IBM invoices",
    )
    assert "dates mm/dd/yyyy (US)" in out and "2586 rows, 2586 inserted" in out and "100 customer(s) created" in out
    ok(url, "import", "payments", str(IBM), "--mapping", str(pay), "--save-preset", "IBM payments")
    assert (count(url, Customer), count(url, Invoice), count(url, Payment)) == (100, 2586, 2586)
    # the oracle's pinned figure (tests/test_ibm_sample.py::test_figures_as_of_2013_06_30_are_pinned)
    assert total(url, date(2013, 6, 30)) == D("5223.91")
    assert '"IBM invoices"' in ok(url, "import-presets")
    assert "2586 rows, 0 inserted, 0 updated" in ok(url, "import", "payments", str(IBM), "--preset", "IBM payments")
    r = run(url, "import", "payments", str(IBM), "--preset", "Nope")
    assert r.exit_code == 2 and "no import preset named 'Nope'" in r.output and "IBM invoices" in r.output
    r = run(url, "import", "invoices", str(IBM), "--preset", "IBM payments")
    assert r.exit_code == 2 and "is for payments, not invoices" in r.output


def test_an_excel_sheet_through_the_cli(empty, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Info"
    ws = book.create_sheet("Kunder")
    ws.append(["Kundenr", "Navn"])
    ws.append([1001, "Fjord Handel AS"])
    path = tmp_path / "kunder.xlsx"
    book.save(path)
    assert "customers: 1 rows, 1 inserted" in ok(empty, "import", "customers", str(path), "--sheet", "Kunder")
    r = run(empty, "import", "customers", str(path), "--sheet", "Nope")
    assert r.exit_code == 2 and "no sheet 'Nope'; its sheets: Info, Kunder" in r.output
    garbage = tmp_path / "x.csv"
    garbage.write_bytes(b"\x9d\x81")
    r = run(empty, "import", "customers", str(garbage))
    assert r.exit_code == 1 and "neither UTF-8 nor Windows-1252" in r.output
