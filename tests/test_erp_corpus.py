"""The ERP export corpus (tests/fixtures/erp, described in its README): each vendor's files import through detection
and automatic mapping alone (no preset, no mapping file), the rows stored and the aging they give as of a date are the
hand-computed ones; each bad file is refused with the exact message and leaves every table and the data version as
they were."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_cli import ok, run

from data_access.asof import aging
from data_access.engine import make_engine
from data_access.imports import ImportFailed
from data_access.ingest import as_csv, import_export
from data_access.ledger import data_version
from data_access.schema import Base, CashApplication, Customer, Invoice, Payment

CORPUS = Path(__file__).resolve().parent / "fixtures" / "erp"
LABELS = ("current", "1-30", "31-60", "61-90", "91-120", "121+")  # the default policy's buckets
NONE = D("0.00")


def d(text: str) -> date:
    return date.fromisoformat(text)


def ledger(db_url: str, base: str | None = None) -> str:
    ok(db_url, "db", "init", "--empty")
    if base:
        ok(db_url, "company", "set", "--base-currency", base)
    return db_url


def imported(url: str, kind: str, rel: str, *options: str) -> list[str]:
    """The CLI's lines for one corpus file imported as it is: what was detected and mapped, then the result (the
    closing line naming the import's number in the log is checked and left out)."""
    lines = ok(url, "import", kind, str(CORPUS / rel), *options).splitlines()
    number = lines[-1].removeprefix("logged as import #").split()[0]
    assert lines[-1] == f"logged as import #{number} (undo: python cli.py import undo {number})"
    return lines[:-1]


def rates(url: str, tmp_path: Path, *lines: str) -> None:
    path = tmp_path / "fx.csv"
    path.write_text("date,currency,rate\n" + "\n".join(lines) + "\n")
    ok(url, "import", "fx-rates", str(path))


def read(url: str, fn):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn)
    finally:
        engine.dispose()


def customers(url: str) -> dict:
    cols = (Customer.customer_ref, Customer.name, Customer.org_number, Customer.country, Customer.currency,
            Customer.payment_terms_days, Customer.credit_limit, Customer.segment)  # fmt: skip
    return read(url, lambda c: {r[0]: tuple(r[1:]) for r in c.execute(select(*cols))})


def invoices(url: str) -> dict:
    """number -> (customer, kind, issue date, due date, amount, currency, credited invoice)."""
    q = select(
        Invoice.invoice_number,
        Customer.customer_ref,
        Invoice.kind,
        Invoice.issue_date,
        Invoice.due_date,
        Invoice.amount,
        Invoice.currency,
        Invoice.credited_invoice,
    ).join(Customer, Customer.id == Invoice.customer_id)
    return read(url, lambda c: {r[0]: tuple(r[1:]) for r in c.execute(q)})


def payments(url: str) -> dict:
    """reference -> (customer, date, amount, currency, invoice named)."""
    q = select(
        Payment.payment_ref,
        Customer.customer_ref,
        Payment.payment_date,
        Payment.amount,
        Payment.currency,
        Payment.invoice_number,
    ).join(Customer, Customer.id == Payment.customer_id)
    return read(url, lambda c: {r[0]: tuple(r[1:]) for r in c.execute(q)})


def buckets(url: str, as_of: date) -> tuple[dict, D]:
    """The aging as of a date (due-date basis, base currency): amount per bucket, and the total."""
    report = read(url, lambda c: aging(c, as_of))
    assert report.buckets.labels == LABELS
    return dict(zip(report.buckets.labels, report.amounts, strict=True)), report.total


def aged(current=NONE, d30=NONE, d60=NONE, d90=NONE, d120=NONE, older=NONE) -> dict:
    return dict(zip(LABELS, (current, d30, d60, d90, d120, older), strict=True))


# --- Tripletex (NO) ----------------------------------------------------------------------------------------------


def test_tripletex_customers_and_invoices(db_url):
    """Windows-1252, semicolons, CRLF, decimal comma with no-break-space thousands, dd.mm.yyyy; a credit note naming
    the invoice it credits; amounts before VAT, the VAT and Tripletex's outstanding amount are ignored."""
    url = ledger(db_url)
    assert imported(url, "customers", "tripletex/kunder.csv") == [
        "read with encoding cp1252, separator semicolon, decimal mark comma, thousands space, dates yyyy-mm-dd; "
        "columns Kundenummer -> customer_ref, Navn -> name, Organisasjonsnummer -> org_number, Landkode -> country, "
        "Valuta -> currency, Betalingsfrist -> payment_terms_days, Kredittgrense -> credit_limit; "
        "ignored E-post, Telefon, Postadresse, Postnr., Poststed",
        "customers: 3 rows, 3 inserted, 0 updated",
    ]
    assert imported(url, "invoices", "tripletex/fakturaer.csv") == [
        "read with encoding cp1252, separator semicolon, decimal mark comma, thousands space, dates dd.mm.yyyy; "
        "columns Fakturanummer -> invoice_number, Kundenummer -> customer_ref, Fakturadato -> issue_date, "
        "Forfallsdato -> due_date, Beløp inkl. mva -> amount, Valuta -> currency, Type -> kind, "
        "Kreditert faktura -> credited_invoice; ignored Kundenavn, KID, Beløp eks. mva, Mva, Utestående",
        "invoices: 5 rows, 5 inserted, 0 updated",
    ]
    assert customers(url) == {
        "10001": ("Fjordkraft Bygg AS", "910000004", "NO", "NOK", 14, D("250000.00"), None),
        "10002": ("Nordlys Catering AS", "912003450", "NO", "NOK", 30, D("50000.00"), None),
        "10003": ("Bølgen & Blåbær AS", "921134576", "NO", "NOK", 30, None, None),
    }
    assert invoices(url) == {
        "10421": ("10001", "invoice", d("2026-09-01"), d("2026-09-15"), D("12500.00"), "NOK", None),
        "10422": ("10002", "invoice", d("2026-09-15"), d("2026-10-15"), D("5000.00"), "NOK", None),
        "10423": ("10001", "invoice", d("2026-10-01"), d("2026-10-15"), D("2000.00"), "NOK", None),
        "10424": ("10002", "credit_note", d("2026-10-12"), d("2026-10-12"), D("-1000.00"), "NOK", "10422"),
        "10425": ("10003", "invoice", d("2026-10-20"), d("2026-11-19"), D("7500.00"), "NOK", None),
    }
    # 31 Oct: 10425 not due (7 500); 10422 16 days late, 5 000 less the credit note's 1 000, and 10423 16 days late
    # (2 000) are 6 000 in 1-30; 10421 46 days late (12 500). Total 26 000 = Tripletex's outstanding column.
    assert buckets(url, d("2026-10-31")) == (aged(D("7500.00"), D("6000.00"), D("12500.00")), D("26000.00"))
    assert imported(url, "invoices", "tripletex/fakturaer.csv")[1] == "invoices: 5 rows, 0 inserted, 0 updated"


# --- PowerOffice Go (NO) ----------------------------------------------------------------------------------------


def test_poweroffice_customers_invoices_and_payments(db_url):
    """UTF-8 with a byte-order mark, commas with decimal-comma amounts in quotes, dd.mm.yyyy; the voucher number
    (Bilagsnr) beside the invoice number is ignored in the invoice journal and is the payment's reference in the
    payment journal; a credit note without a credited invoice and a payment on account stay unapplied credits."""
    url = ledger(db_url)
    assert imported(url, "customers", "poweroffice/kunder.csv") == [
        "read with encoding utf-8-sig, separator comma, decimal mark comma, thousands space, dates yyyy-mm-dd; "
        "columns Kundenr -> customer_ref, Navn -> name, Org.nr -> org_number, Land -> country, Valuta -> currency, "
        "Kredittdager -> payment_terms_days, Kredittgrense -> credit_limit, Kundegruppe -> segment; "
        "ignored Adresse, Postnr, Sted",
        "customers: 3 rows, 3 inserted, 0 updated",
    ]
    assert imported(url, "invoices", "poweroffice/fakturaer.csv") == [
        "read with encoding utf-8-sig, separator comma, decimal mark comma, thousands space, dates dd.mm.yyyy; "
        "columns Fakturanr -> invoice_number, Kundenr -> customer_ref, Fakturadato -> issue_date, "
        "Forfallsdato -> due_date, Totalbeløp -> amount, Valuta -> currency, Dokumenttype -> kind; "
        "ignored Bilagsnr, Kundenavn, Prosjekt, Avdeling, Nettobeløp, MVA",
        "invoices: 6 rows, 6 inserted, 0 updated",
    ]
    assert imported(url, "payments", "poweroffice/innbetalinger.csv") == [
        "read with encoding utf-8-sig, separator comma, decimal mark comma, thousands space, dates dd.mm.yyyy; "
        "columns Bilagsnr -> payment_ref, Kundenr -> customer_ref, Bilagsdato -> payment_date, Beløp -> amount, "
        "Valuta -> currency, Fakturanr -> invoice_number; ignored Kundenavn, KID, Bankkonto",
        "payments: 4 rows, 4 inserted, 0 updated",
    ]
    assert customers(url) == {
        "20001": ("Havbris Sjømat AS", "923100989", "NO", "NOK", 30, D("100000.00"), "Sjømat"),
        "20002": ("Kystlys Elektro AS", "933556719", "NO", "NOK", 14, D("25000.00"), "Bygg"),
        "20003": ("Sørlandet Trelast AS", "915881238", "NO", "NOK", 30, None, "Bygg"),
    }
    assert invoices(url) == {
        "30117": ("20001", "invoice", d("2026-08-03"), d("2026-09-02"), D("10000.00"), "NOK", None),
        "30118": ("20002", "invoice", d("2026-08-20"), d("2026-09-03"), D("3000.00"), "NOK", None),
        "30119": ("20003", "invoice", d("2026-09-01"), d("2026-10-01"), D("20000.00"), "NOK", None),
        "30120": ("20001", "credit_note", d("2026-09-15"), d("2026-09-15"), D("-1500.00"), "NOK", None),
        "30121": ("20002", "invoice", d("2026-10-10"), d("2026-10-24"), D("5000.00"), "NOK", None),
        "30122": ("20003", "invoice", d("2026-10-25"), d("2026-11-24"), D("8000.00"), "NOK", None),
    }
    assert payments(url) == {
        "6001": ("20001", d("2026-09-01"), D("8000.00"), "NOK", "30117"),
        "6002": ("20002", d("2026-09-03"), D("3000.00"), "NOK", "30118"),
        "6003": ("20003", d("2026-10-15"), D("20000.00"), "NOK", "30119"),
        "6004": ("20002", d("2026-10-30"), D("1000.00"), "NOK", None),
    }
    # 31 Oct: 30122 not due (8 000); 30121 7 days late (5 000) less the payment on account of 30 Oct (1 000) in
    # 1-30; 30117 59 days late, 10 000 - 8 000 paid = 2 000, and the unapplied credit note of 15 Sep (-1 500, 46
    # days) in 31-60. 30118 and 30119 are paid. Total 8 000 + 4 000 + 500 = 12 500.
    assert buckets(url, d("2026-10-31")) == (aged(D("8000.00"), D("4000.00"), D("500.00")), D("12500.00"))


# --- Fiken (NO): open items ----------------------------------------------------------------------------------


def test_fiken_open_items_into_an_empty_ledger(db_url):
    """UTF-8 with a BOM, semicolons, decimal comma without thousands, dd.mm.yyyy; "Kunde" (the name) beside
    "Kundenr" is ignored; no customer master, so the customers are created from the list."""
    url = ledger(db_url)
    options = ("--snapshot-date", "2026-10-31", "--create-customers")
    assert imported(url, "open-items", "fiken/apne_poster.csv", *options) == [
        "read with encoding utf-8-sig, separator semicolon, decimal mark comma, thousands none, dates dd.mm.yyyy; "
        "columns Fakturanr -> document_number, Kundenr -> customer_ref, Fakturadato -> issue_date, "
        "Forfallsdato -> due_date, Beløp -> original_amount, Utestående -> remaining_amount, Valuta -> currency; "
        "ignored Kunde, KID, Dager forfalt",
        "open-items 2026-10-31: 5 rows, 5 documents added, 1 partial payments, 0 documents closed, "
        "control total 9900.50",
        "3 customer(s) created from the file (named by their reference)",
    ]
    assert customers(url) == {
        ref: (ref, None, None, "NOK", 30, None, None) for ref in ("40001", "40002", "40003")
    }  # named by their reference, in the currency of their documents
    assert invoices(url) == {
        "1042": ("40001", "invoice", d("2026-08-01"), d("2026-08-31"), D("3750.00"), "NOK", None),
        "1055": ("40002", "invoice", d("2026-09-10"), d("2026-09-24"), D("8000.00"), "NOK", None),
        "1061": ("40001", "invoice", d("2026-10-05"), d("2026-10-19"), D("1250.50"), "NOK", None),
        "1063": ("40003", "credit_note", d("2026-10-20"), d("2026-10-20"), D("-500.00"), "NOK", None),
        "1070": ("40002", "invoice", d("2026-10-28"), d("2026-11-11"), D("2400.00"), "NOK", None),
    }
    # 1055 has 3 000 of 8 000 left: the 5 000 paid is a payment dated the snapshot day
    assert payments(url) == {"OI-1055-2026-10-31": ("40002", d("2026-10-31"), D("5000.00"), "NOK", "1055")}
    # 31 Oct: 1070 not due (2 400); 1061 12 days late (1 250.50) and the credit note of 20 Oct (-500, 11 days) in
    # 1-30; 1055 37 days late (3 000); 1042 61 days late (3 750). Total 9 900.50 = the list's "Utestående".
    assert buckets(url, d("2026-10-31")) == (
        aged(D("2400.00"), D("750.50"), D("3000.00"), D("3750.00")),
        D("9900.50"),
    )


# --- Visma eEkonomi (SE): customers and kundreskontra ------------------------------------------------------------


def test_visma_customers_and_kundreskontra_with_a_euro_invoice(db_url, tmp_path):
    """Swedish headers in Windows-1252, semicolons, CRLF, space thousands and decimal comma, ISO dates; the ledger's
    base currency is SEK and one customer is invoiced in euros."""
    url = ledger(db_url, "SEK")
    assert imported(url, "customers", "visma/kunder.csv") == [
        "read with encoding cp1252, separator semicolon, decimal mark comma, thousands space, dates yyyy-mm-dd; "
        "columns Kundnummer -> customer_ref, Namn -> name, Organisationsnummer -> org_number, Land -> country, "
        "Valuta -> currency, Betalningsvillkor (dagar) -> payment_terms_days, Kreditgräns -> credit_limit; "
        "ignored Adress, Postnummer, Ort, Kundkategori",
        "customers: 3 rows, 3 inserted, 0 updated",
    ]
    rates(url, tmp_path, "2026-10-30,EUR,11.2345")
    assert imported(url, "open-items", "visma/kundreskontra.csv", "--snapshot-date", "2026-10-31") == [
        "read with encoding cp1252, separator semicolon, decimal mark comma, thousands space, dates yyyy-mm-dd; "
        "columns Fakturanr -> document_number, Kundnr -> customer_ref, Fakturadatum -> issue_date, "
        "Förfallodatum -> due_date, Fakturabelopp -> original_amount, Restbelopp -> remaining_amount, "
        "Valuta -> currency; ignored Kundnamn, OCR, Dagar efter förfall",
        "open-items 2026-10-31: 5 rows, 5 documents added, 1 partial payments, 0 documents closed, "
        "control total 78734.50",
    ]
    assert customers(url) == {
        "501": ("Malmö Bygg AB", "5567123459", "SE", "SEK", 30, D("200000.00"), None),
        "502": ("Göteborgs Kaffe AB", "5590012349", "SE", "SEK", 10, D("50000.00"), None),
        "503": ("Lunds Möbel AB", "5568004328", "SE", "EUR", 30, None, None),
    }
    assert invoices(url) == {
        "7001": ("501", "invoice", d("2026-08-15"), d("2026-09-14"), D("62500.00"), "SEK", None),
        "7009": ("501", "invoice", d("2026-10-01"), d("2026-10-31"), D("12500.00"), "SEK", None),
        "7012": ("502", "invoice", d("2026-10-20"), d("2026-10-30"), D("3125.00"), "SEK", None),
        "7014": ("502", "credit_note", d("2026-10-22"), d("2026-10-22"), D("-625.00"), "SEK", None),
        "7015": ("503", "invoice", d("2026-10-25"), d("2026-11-24"), D("1000.00"), "EUR", None),
    }
    assert payments(url) == {"OI-7009-2026-10-31": ("501", d("2026-10-31"), D("10000.00"), "SEK", "7009")}
    # 31 Oct in SEK: 7009 due today (2 500 left) and 7015 (1 000 EUR x 11.2345 = 11 234.50) are current; 7012 one
    # day late (3 125) and the credit note of 22 Oct (-625, 9 days) in 1-30; 7001 47 days late (62 500).
    assert buckets(url, d("2026-10-31")) == (aged(D("13734.50"), D("2500.00"), D("62500.00")), D("78734.50"))


# --- Fortnox (SE): API field names, payments, then the unpaid list as a snapshot ----------------------------------


def test_fortnox_invoices_payments_and_the_unpaid_list(db_url):
    """The names of Fortnox's API (DocumentNumber, Total, Balance, Credit, ...) as a UTF-8 comma file with ISO dates
    and '.' decimals. Credit=true makes a credit note; CreditInvoiceReference is not mapped (Fortnox writes it on
    both invoices), so credit note 1004 stays an unapplied credit until the unpaid list of 2 Nov shows 1003 gone."""
    url = ledger(db_url, "SEK")
    assert imported(url, "customers", "fortnox/customers.csv") == [
        "read with encoding utf-8, separator comma, decimal mark point, thousands none, dates yyyy-mm-dd; "
        "columns CustomerNumber -> customer_ref, Name -> name, OrganisationNumber -> org_number, "
        "CountryCode -> country, Currency -> currency; ignored Address1, ZipCode, City, TermsOfPayment, Email, Active",
        "customers: 3 rows, 3 inserted, 0 updated",
    ]
    assert imported(url, "invoices", "fortnox/invoices.csv") == [
        "read with encoding utf-8, separator comma, decimal mark point, thousands none, dates yyyy-mm-dd; "
        "columns DocumentNumber -> invoice_number, CustomerNumber -> customer_ref, InvoiceDate -> issue_date, "
        "DueDate -> due_date, Total -> amount, Currency -> currency, Credit -> kind; ignored CustomerName, Balance, "
        "CurrencyRate, OCR, CreditInvoiceReference, Booked, Cancelled, Sent, FinalPayDate, TermsOfPayment",
        "invoices: 6 rows, 6 inserted, 0 updated",
    ]
    assert imported(url, "payments", "fortnox/invoicepayments.csv") == [
        "read with encoding utf-8, separator comma, decimal mark point, thousands none, dates yyyy-mm-dd; "
        "columns Number -> payment_ref, InvoiceCustomerNumber -> customer_ref, PaymentDate -> payment_date, "
        "Amount -> amount, Currency -> currency, InvoiceNumber -> invoice_number; "
        "ignored InvoiceCustomerName, AmountCurrency, CurrencyRate, Booked, Source",
        "payments: 3 rows, 3 inserted, 0 updated",
    ]
    assert customers(url) == {
        "1": ("Kiruna Gruvservice AB", "5561239871", "SE", "SEK", 30, None, None),
        "2": ("Umeå Elteknik AB", "5562345677", "SE", "SEK", 30, None, None),
        "3": ("Luleå Frakt AB", "5591234561", "SE", "SEK", 30, None, None),
    }
    assert invoices(url) == {
        "1001": ("1", "invoice", d("2026-08-20"), d("2026-09-19"), D("25000.00"), "SEK", None),
        "1002": ("2", "invoice", d("2026-09-01"), d("2026-10-01"), D("8750.00"), "SEK", None),
        "1003": ("1", "invoice", d("2026-09-15"), d("2026-10-15"), D("5000.00"), "SEK", None),
        "1004": ("1", "credit_note", d("2026-09-30"), d("2026-09-30"), D("-1000.00"), "SEK", None),
        "1005": ("3", "invoice", d("2026-10-10"), d("2026-11-09"), D("12345.60"), "SEK", None),
        "1006": ("2", "invoice", d("2026-10-28"), d("2026-11-27"), D("1500.00"), "SEK", None),
    }
    # 31 Oct: 1005 and 1006 not due (13 845.60); 1002 30 days late, 8 750 - 5 000 = 3 750, and 1003, 16 days late,
    # 5 000 - 4 000 = 1 000, in 1-30; the unapplied credit note of 30 Sep (-1 000, 31 days) in 31-60.
    assert buckets(url, d("2026-10-31")) == (aged(D("13845.60"), D("4750.00"), D("-1000.00")), D("17595.60"))

    assert imported(url, "open-items", "fortnox/invoices_unpaid_2026-11-02.csv", "--snapshot-date", "2026-11-02") == [
        "read with encoding utf-8, separator comma, decimal mark point, thousands none, dates yyyy-mm-dd; "
        "columns DocumentNumber -> document_number, CustomerNumber -> customer_ref, InvoiceDate -> issue_date, "
        "DueDate -> due_date, Total -> original_amount, Balance -> remaining_amount, Currency -> currency; "
        "ignored CustomerName, CurrencyRate, OCR, Credit, CreditInvoiceReference, Booked, Cancelled, Sent, "
        "FinalPayDate, TermsOfPayment",
        "open-items 2026-11-02: 3 rows, 1 documents added, 1 partial payments, 2 documents closed, "
        "control total 15345.60",
    ]
    # 1002 left the list: paid (3 750); 1006 has 1 000 of 1 500 left (500 paid); 1003 left the list with 1 000 open
    # and so did credit note 1004 (-1 000): the credit is applied to 1003, whose inferred payment shrinks to nothing
    assert {k: v for k, v in payments(url).items() if k.startswith("OI-")} == {
        "OI-1002-2026-11-02": ("2", d("2026-11-02"), D("3750.00"), "SEK", "1002"),
        "OI-1006-2026-11-02": ("2", d("2026-11-02"), D("500.00"), "SEK", "1006"),
    }
    applied = read(url, lambda c: c.execute(select(CashApplication.new_invoice_number)).scalars().all())
    assert applied == ["1003"]
    assert invoices(url)["1007"] == ("3", "invoice", d("2026-11-01"), d("2026-12-01"), D("2000.00"), "SEK", None)
    # 2 Nov: 1005 (12 345.60), 1006 (1 000) and 1007 (2 000) are all not yet due: 15 345.60, the list's total.
    assert buckets(url, d("2026-11-02")) == (aged(D("15345.60")), D("15345.60"))
    # 31 Oct keeps its total; the credit now sits on 1003 from 30 Sep, so 1003 and 1004 leave their buckets
    assert buckets(url, d("2026-10-31")) == (aged(D("13845.60"), D("3750.00")), D("17595.60"))


# --- e-conomic (DK) ---------------------------------------------------------------------------------------------


def test_economic_debitors_and_invoices_with_a_euro_invoice(db_url, tmp_path):
    """Danish headers, UTF-8 with a BOM, semicolons, 1.234,50, dd-mm-yyyy; a plain "Dato" is the invoice date; a
    German debtor's VAT number is kept as written (only Nordic numbers are checked)."""
    url = ledger(db_url, "DKK")
    assert imported(url, "customers", "economic/debitorer.csv") == [
        "read with encoding utf-8-sig, separator semicolon, decimal mark comma, thousands point, dates yyyy-mm-dd; "
        "columns Debitornr. -> customer_ref, Navn -> name, CVR-nr. -> org_number, Land -> country, "
        "Valuta -> currency, Kredit dage -> payment_terms_days, Kreditmaksimum -> credit_limit, "
        "Debitorgruppe -> segment; ignored Adresse, Postnr., By, E-mail",
        "customers: 3 rows, 3 inserted, 0 updated",
    ]
    rates(url, tmp_path, "2026-10-30,EUR,7.4601")
    assert imported(url, "invoices", "economic/fakturaer.csv") == [
        "read with encoding utf-8-sig, separator semicolon, decimal mark comma, thousands point, dates dd-mm-yyyy; "
        "columns Fakturanr. -> invoice_number, Debitornr. -> customer_ref, Dato -> issue_date, "
        "Forfaldsdato -> due_date, Beløb -> amount, Valuta -> currency, Type -> kind, "
        "Krediteret faktura -> credited_invoice; ignored Debitornavn, Beløb ekskl. moms, Moms, Restbeløb, Tekst",
        "invoices: 5 rows, 5 inserted, 0 updated",
    ]
    assert customers(url) == {
        "101": ("Aarhus Stål A/S", "31000009", "DK", "DKK", 8, D("75000.00"), "Indland"),
        "102": ("Odense Cykler ApS", "31079195", "DK", "DKK", 30, D("20000.00"), "Indland"),
        "103": ("Hamburg Handel GmbH", "DE 123 456 789", "DE", "EUR", 30, None, "Udland"),
    }
    assert invoices(url) == {
        "2001": ("101", "invoice", d("2026-09-01"), d("2026-09-09"), D("25000.00"), "DKK", None),
        "2002": ("102", "invoice", d("2026-09-15"), d("2026-10-15"), D("3750.00"), "DKK", None),
        "2003": ("101", "invoice", d("2026-10-01"), d("2026-10-09"), D("10000.00"), "DKK", None),
        "2004": ("101", "credit_note", d("2026-10-05"), d("2026-10-05"), D("-2500.00"), "DKK", "2003"),
        "2005": ("103", "invoice", d("2026-10-20"), d("2026-11-19"), D("1000.00"), "EUR", None),
    }
    # 31 Oct in DKK: 2005 not due (1 000 EUR x 7.4601 = 7 460.10); 2002 16 days late (3 750) and 2003 22 days late,
    # 10 000 less its credit note 2 500 (7 500), in 1-30; 2001 52 days late (25 000). Restbeløb gives the same.
    assert buckets(url, d("2026-10-31")) == (aged(D("7460.10"), D("11250.00"), D("25000.00")), D("43710.10"))


# --- Excel (English, Business Central captions): CSV with US dates, then an .xlsx snapshot ----------------------


def test_excel_customers_us_invoices_and_an_xlsx_ledger_snapshot(db_url, tmp_path):
    """English captions; 1,234.50 in quotes; US dates (9/15/2026); "Amount" (net of VAT) beside "Amount Including
    VAT"; "Credit Memo" with "Applies-to Doc. No."; then the open customer ledger entries of 30 Nov as an Excel
    workbook (date and number cells), with an unapplied payment among them."""
    url = ledger(db_url)
    assert imported(url, "customers", "excel/customers.csv") == [
        "read with encoding utf-8, separator comma, decimal mark point, thousands comma, dates yyyy-mm-dd; "
        "columns Customer No. -> customer_ref, Name -> name, Registration No. -> org_number, "
        "Country/Region Code -> country, Currency Code -> currency, Credit Limit (LCY) -> credit_limit; "
        "ignored Address, City, Payment Terms Code, Balance (LCY)",
        "customers: 3 rows, 3 inserted, 0 updated",
    ]
    rates(url, tmp_path, "2026-10-30,EUR,11.50", "2026-10-30,GBP,13.25")
    assert imported(url, "invoices", "excel/invoices.csv") == [
        "read with encoding utf-8-sig, separator comma, decimal mark point, thousands comma, dates mm/dd/yyyy (US); "
        "columns Document No. -> invoice_number, Customer No. -> customer_ref, Posting Date -> issue_date, "
        "Due Date -> due_date, Amount Including VAT -> amount, Currency Code -> currency, Document Type -> kind, "
        "Applies-to Doc. No. -> credited_invoice; ignored Customer Name, Description, Amount, Remaining Amount",
        "invoices: 5 rows, 5 inserted, 0 updated",
    ]
    assert customers(url) == {
        "C-100": ("Nordic Fish Export AS", "915881238", "NO", "NOK", 30, D("150000.00"), None),
        "C-200": ("Baltic Timber Oy", "20774740", "FI", "EUR", 30, D("40000.00"), None),
        "C-300": ("London Seafood Ltd", "01234567", "GB", "GBP", 30, None, None),
    }
    assert invoices(url) == {
        "SI-1001": ("C-100", "invoice", d("2026-09-01"), d("2026-10-01"), D("25000.00"), "NOK", None),
        "SI-1002": ("C-200", "invoice", d("2026-09-15"), d("2026-10-15"), D("2000.00"), "EUR", None),
        "SI-1003": ("C-300", "invoice", d("2026-10-05"), d("2026-11-04"), D("1000.00"), "GBP", None),
        "SCM-1001": ("C-100", "credit_note", d("2026-10-12"), d("2026-10-12"), D("-5000.00"), "NOK", "SI-1001"),
        "SI-1004": ("C-100", "invoice", d("2026-10-20"), d("2026-11-19"), D("10000.00"), "NOK", None),
    }
    # 31 Oct in NOK: SI-1003 (1 000 GBP x 13.25) and SI-1004 (10 000) not due; SI-1001 30 days late, 25 000 less
    # its credit memo 5 000, and SI-1002 16 days late (2 000 EUR x 11.50 = 23 000) in 1-30.
    assert buckets(url, d("2026-10-31")) == (aged(D("23250.00"), D("43000.00")), D("66250.00"))

    xlsx = "excel/customer_ledger_entries.xlsx"
    assert imported(url, "open-items", xlsx, "--snapshot-date", "2026-11-30") == [
        "read with encoding utf-8, separator comma, decimal mark point, thousands none, dates yyyy-mm-dd; "
        "columns Document No. -> document_number, Customer No. -> customer_ref, Posting Date -> issue_date, "
        "Due Date -> due_date, Original Amount -> original_amount, Remaining Amount -> remaining_amount, "
        "Currency Code -> currency; ignored Entry No., Document Type, Customer Name, Description, Amount, Open",
        "open-items 2026-11-30: 4 rows, 2 documents added, 1 partial payments, 2 documents closed, "
        "control total 21000.40",
    ]
    added = {k: v for k, v in invoices(url).items() if k in ("SI-1005", "PMT-77")}
    assert added == {
        "SI-1005": ("C-100", "invoice", d("2026-11-10"), d("2026-12-10"), D("6250.40"), "NOK", None),
        # an unapplied payment listed as an open entry becomes a credit note (the aging treats both alike)
        "PMT-77": ("C-100", "credit_note", d("2026-11-25"), d("2026-11-25"), D("-1000.00"), "NOK", None),
    }
    assert {k: v for k, v in payments(url).items() if k.startswith("OI-")} == {
        "OI-SI-1001-2026-11-30": ("C-100", d("2026-11-30"), D("20000.00"), "NOK", "SI-1001"),
        "OI-SI-1002-2026-11-30": ("C-200", d("2026-11-30"), D("1500.00"), "EUR", "SI-1002"),
        "OI-SI-1003-2026-11-30": ("C-300", d("2026-11-30"), D("1000.00"), "GBP", "SI-1003"),
    }
    # 30 Nov (rates of 30 Oct): SI-1005 not due (6 250.40); SI-1004 11 days late (10 000) and PMT-77 of 25 Nov
    # (-1 000) in 1-30; SI-1002 46 days late, 500 EUR x 11.50 = 5 750, in 31-60.
    assert buckets(url, d("2026-11-30")) == (aged(D("6250.40"), D("9000.00"), D("5750.00")), D("21000.40"))


# --- bad files ----------------------------------------------------------------------------------------------------

SETUP = {
    "tripletex": (None, ("customers", "tripletex/kunder.csv"), ("invoices", "tripletex/fakturaer.csv")),
    "poweroffice": (None, ("customers", "poweroffice/kunder.csv"), ("invoices", "poweroffice/fakturaer.csv")),
    "economic": ("DKK", ("customers", "economic/debitorer.csv")),
    "fortnox": (
        "SEK",
        ("customers", "fortnox/customers.csv"),
        ("invoices", "fortnox/invoices.csv"),
        ("payments", "fortnox/invoicepayments.csv"),
    ),
    "visma": ("SEK", ("customers", "visma/kunder.csv")),
    "excel": (None, ("customers", "excel/customers.csv")),
}
REJECTED = "import rejected, nothing was written"
BAD = [
    pytest.param(
        "tripletex",
        "invoices",
        "tripletex_fakturaer_uten_forfallsdato.csv",
        f"invoices {REJECTED}: row 1: missing required column(s) for invoices: due_date; the file's columns are "
        "Fakturanummer, Fakturadato, Kundenummer, Kundenavn, Beløp inkl. mva, Valuta, Type "
        "(map them by hand or save a preset)",
        id="missing-required-column",
    ),
    pytest.param(
        "economic",
        "invoices",
        "economic_fakturaer_ugyldig_dato.csv",
        f"invoices {REJECTED}: row 3, column Dato: not a date in the format dd-mm-yyyy (value '31-09-2026')",
        id="unparseable-date",
    ),
    pytest.param(
        "visma",
        "open-items",
        "visma_kundreskontra_ogiltigt_belopp.csv",
        f"open-items {REJECTED}: row 3, column Restbelopp: not an amount in the format 1 234,50 (value '1 250 kr')",
        id="unparseable-amount",
    ),
    pytest.param(
        "poweroffice",
        "invoices",
        "poweroffice_fakturaer_forfall_for_fakturadato.csv",
        f"invoices {REJECTED}: row 3, column Forfallsdato (due_date): due date 2026-09-30 is before the issue date "
        "2026-10-01 (value '2026-09-30')",
        id="due-before-issue",
    ),
    pytest.param(
        "fortnox",
        "invoices",
        "fortnox_invoices_negative_total.csv",
        f"invoices {REJECTED}: row 3, column Total (amount): an invoice needs a positive amount, not -1500.00 "
        "(use kind=credit_note for credits) (value '-1500.00')",
        id="negative-invoice",
    ),
    pytest.param(
        "economic",
        "invoices",
        "economic_fakturaer_ukendt_debitor.csv",
        f"invoices {REJECTED}: row 3, column Debitornr. (customer_ref): unknown customer (value '104')",
        id="unknown-customer",
    ),
    pytest.param(
        "tripletex",
        "invoices",
        "tripletex_fakturaer_dobbelt_fakturanummer.csv",
        f"invoices {REJECTED}: row 4, column Fakturanummer (invoice_number): duplicate key, first seen in row 2 "
        "(value '10426')",
        id="duplicate-key",
    ),
    pytest.param(
        "tripletex",
        "customers",
        "tripletex_kunder_feil_orgnr.csv",
        f"customers {REJECTED}: row 3, column Organisasjonsnummer (org_number): '912 003 451' is not a valid NO "
        "organisation number: The number's checksum or check digit is invalid. (value '912 003 451')",
        id="org-number-checksum",
    ),
    pytest.param(
        "excel",
        "invoices",
        "excel_invoices_unknown_currency.csv",
        f"invoices {REJECTED}: row 3, column Currency Code (currency): 'NKR' is not an ISO 4217 currency code "
        "(e.g. NOK, SEK, DKK, EUR) (value 'NKR')",
        id="unknown-currency",
    ),
    pytest.param(
        "fortnox",
        "payments",
        "fortnox_invoicepayments_other_customer.csv",
        f"payments {REJECTED}: file: payment 205 names invoice 1006 of another customer",
        id="payment-to-another-customers-invoice",
    ),
]


def state(url: str) -> tuple[dict[str, int], int]:
    """Every table's row count, and the data version (which every write bumps)."""

    def counts(conn):
        rows = {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.tables.values()
        }
        return rows, data_version(conn)

    return read(url, counts)


@pytest.mark.parametrize(("vendor", "kind", "name", "message"), BAD)
def test_a_bad_file_is_refused_with_its_reason_and_changes_nothing(db_url, vendor, kind, name, message):
    base, *files = SETUP[vendor]
    url = ledger(db_url, base)
    for k, rel in files:
        imported(url, k, rel)
    before = state(url)
    data = as_csv((CORPUS / "bad" / name).read_bytes(), name)
    engine = make_engine(url)
    try:  # the import in one transaction, as the CLI and the page run it; refused, it is rolled back
        with pytest.raises(ImportFailed) as refused, engine.begin() as conn:
            as_of = d("2026-10-31") if kind == "open-items" else None
            import_export(conn, kind, data, name, as_of=as_of)
    finally:
        engine.dispose()
    assert str(refused.value) == message
    assert len(refused.value.errors) == 1
    assert state(url) == before
    # the CLI says the same, exits 1 and writes only the rejection to the import log
    options = ("--snapshot-date", "2026-10-31") if kind == "open-items" else ()
    r = run(url, "import", kind, str(CORPUS / "bad" / name), *options)
    assert r.exit_code == 1 and f"error: {message}\n" in r.output
    rows, version = state(url)
    # only the rejection is recorded: in the import log and the audit trail
    logs = {"import_log": before[0]["import_log"] + 1, "audit_log": before[0]["audit_log"] + 1}
    assert rows == {**before[0], **logs} and version == before[1] + 1
