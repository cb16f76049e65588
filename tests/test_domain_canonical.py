"""Canonical CSV rows (domain/canonical.py) and organisation numbers (domain/identifiers.py).

Org-number vectors: /work/shared/reference/domain_rules.md §5.2.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.canonical import (
    FORMATS,
    MAX_AMOUNT,
    FieldError,
    parse_bool,
    parse_currency,
    parse_date,
    parse_int,
    parse_money,
    parse_rate,
    parse_row,
)
from domain.identifiers import COUNTRIES, OrgNumberError, normalise_org_number

D = Decimal

# --- organisation numbers (§5.2 test vectors) --------------------------------------------------


@pytest.mark.parametrize(
    ("country", "number", "compact"),
    [
        ("NO", "988077917", "988077917"),  # MOD11, weights 3,2,7,6,5,4,3,2
        ("NO", "988 077 917", "988077917"),  # spaces are dropped
        ("SE", "1234567897", "1234567897"),  # Luhn over 10 digits
        ("SE", "123456-7897", "1234567897"),
        ("DK", "13585628", "13585628"),  # MOD11, weights 2,7,6,5,4,3,2,1
        ("FI", "2077474-0", "20774740"),  # weights 7,9,10,5,8,4,2; r = 0 -> check 0
    ],
)
def test_org_number_valid(country, number, compact):
    assert normalise_org_number(country, number) == compact


@pytest.mark.parametrize(
    ("country", "number"),
    [
        ("NO", "988077918"),
        ("SE", "1234567891"),
        ("DK", "13585627"),
        ("FI", "2077474-1"),
    ],
)
def test_org_number_invalid_check_digit(country, number):
    with pytest.raises(OrgNumberError) as exc:
        normalise_org_number(country, number)
    assert str(exc.value) == (
        f"'{number}' is not a valid {country} organisation number: The number's checksum or check digit is invalid."
    )


@pytest.mark.parametrize(
    ("country", "number"),
    [("NO", "98807791"), ("NO", "98807791A"), ("SE", "12345678"), ("DK", "1358562"), ("FI", "2077474")],
)
def test_org_number_invalid_format(country, number):
    with pytest.raises(OrgNumberError, match=f"is not a valid {country} organisation number"):
        normalise_org_number(country, number)


def test_org_number_unsupported_country():
    assert COUNTRIES == ("NO", "SE", "DK", "FI")
    with pytest.raises(OrgNumberError, match="organisation numbers are checked for NO, SE, DK, FI, not 'IS'"):
        normalise_org_number("IS", "123")


@pytest.mark.parametrize(
    ("country", "number", "stored"),
    [
        ("NO", "988 077 917", "988077917"),
        ("FI", "2077474-0", "20774740"),
        ("IS", " 5501692829 ", "5501692829"),  # a country without a check: kept as given (trimmed)
        ("no", "988077917", "988077917"),  # country upper-cased first
    ],
)
def test_customer_row_org_number(country, number, stored):
    out = parse_row("customers", {"customer_ref": "C1", "name": "X", "country": country, "org_number": number}, "NOK")
    assert out["org_number"] == stored


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"country": "NO", "org_number": "988077918"}, "org_number", "is not a valid NO organisation number"),
        ({"country": "DK", "org_number": "13585627"}, "org_number", "is not a valid DK organisation number"),
        ({"org_number": "988077917"}, "org_number", "an organisation number needs a country to be checked"),
        ({"country": "Norway"}, "country", "'Norway' is not a two-letter country code"),
    ],
)
def test_customer_row_org_number_errors(row, column, message):
    with pytest.raises(FieldError) as exc:
        parse_row("customers", {"customer_ref": "C1", "name": "X", **row}, "NOK")
    assert exc.value.column == column
    assert message in str(exc.value)


# --- single values -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [("2026-03-31", date(2026, 3, 31)), (" 2024-02-29 ", date(2024, 2, 29))])
def test_parse_date_valid(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31.03.2026", "'31.03.2026' is not an ISO date (YYYY-MM-DD)"),
        ("2026-3-31", "'2026-3-31' is not an ISO date (YYYY-MM-DD)"),
        ("20260331", "'20260331' is not an ISO date (YYYY-MM-DD)"),
        ("2026-03-31T00:00", "'2026-03-31T00:00' is not an ISO date (YYYY-MM-DD)"),
        ("2026-02-29", "'2026-02-29' is not a valid date"),  # 2026 is not a leap year
        ("2026-13-01", "'2026-13-01' is not a valid date"),
    ],
)
def test_parse_date_invalid(text, message):
    with pytest.raises(FieldError) as exc:
        parse_date(text)
    assert str(exc.value) == message


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("1,5", {}, "'1,5' is not a canonical amount (use '.' as decimal mark, no separators)"),
        ("1 000", {}, "'1 000' is not a canonical amount (use '.' as decimal mark, no separators)"),
        ("1.234", {}, "'1.234' has more than 2 decimals"),
        ("500000000.01", {}, "500000000.01 exceeds the largest supported amount per document (500000000.00)"),
        ("-500000000.01", {}, "-500000000.01 exceeds the largest supported amount per document (500000000.00)"),
        ("-1.00", {"allow_negative": False}, "-1.00 must not be negative"),
    ],
)
def test_parse_money_invalid(text, kwargs, message):
    with pytest.raises(FieldError) as exc:
        parse_money(text, **kwargs)
    assert str(exc.value) == message


def test_parse_money_limits():
    assert parse_money("500000000.00") == MAX_AMOUNT
    assert parse_money("-500000000.00") == -MAX_AMOUNT
    assert parse_money("0", allow_negative=False) == D("0.00")


@pytest.mark.parametrize(
    ("text", "kwargs", "result"),
    [
        ("30", {}, 30),
        (" 0 ", {}, 0),
        ("-1", {}, "-1 is below the minimum 0"),
        ("0", {"minimum": 1}, "0 is below the minimum 1"),
        ("1.5", {}, "'1.5' is not a whole number"),
        ("30 days", {}, "'30 days' is not a whole number"),
        ("", {}, "'' is not a whole number"),
    ],
)
def test_parse_int(text, kwargs, result):
    if isinstance(result, int):
        assert parse_int(text, **kwargs) == result
    else:
        with pytest.raises(FieldError) as exc:
            parse_int(text, **kwargs)
        assert str(exc.value) == result


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("NOK", "NOK"),
        (" EUR ", "EUR"),
        ("nok", "'nok' is not a three-letter upper-case currency code (e.g. NOK, EUR)"),
        ("NO", "'NO' is not a three-letter upper-case currency code (e.g. NOK, EUR)"),
        ("KR.", "'KR.' is not a three-letter upper-case currency code (e.g. NOK, EUR)"),
        ("NKR", "'NKR' is not an ISO 4217 currency code (e.g. NOK, SEK, DKK, EUR)"),  # kroner as ledgers write it
        ("XYZ", "'XYZ' is not an ISO 4217 currency code (e.g. NOK, SEK, DKK, EUR)"),
        ("ISK", "ISK"),
    ],
)
def test_parse_currency(text, result):
    if len(result) == 3:
        assert parse_currency(text) == result
    else:
        with pytest.raises(FieldError) as exc:
            parse_currency(text)
        assert str(exc.value) == result


@pytest.mark.parametrize(
    ("text", "result"),
    [("true", True), ("1", True), ("Yes", True), ("false", False), ("0", False), ("no", False), ("", False)],
)
def test_parse_bool(text, result):
    assert parse_bool(text) is result


def test_parse_bool_invalid():
    with pytest.raises(FieldError, match="'maybe' is not true/false"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("11.805512", D("11.805512")),
        ("abc", "'abc' is not a positive decimal number (e.g. 11.4523)"),
        ("0", "'0' must be a positive number"),
        ("-1", "'-1' is not a positive decimal number (e.g. 11.4523)"),
        ("NaN", "'NaN' is not a positive decimal number (e.g. 11.4523)"),
        ("Infinity", "'Infinity' is not a positive decimal number (e.g. 11.4523)"),
        ("1e3", "'1e3' is not a positive decimal number (e.g. 11.4523)"),
    ],
)
def test_parse_rate(text, result):
    if isinstance(result, Decimal):
        assert parse_rate(text) == result
    else:
        with pytest.raises(FieldError) as exc:
            parse_rate(text)
        assert str(exc.value) == result


# --- whole rows --------------------------------------------------------------------------------


def test_formats_columns():
    assert FORMATS["invoices"].required == (
        "invoice_number",
        "customer_ref",
        "issue_date",
        "due_date",
        "amount",
        "currency",
    )
    assert FORMATS["payments"].columns == (
        "payment_ref",
        "customer_ref",
        "payment_date",
        "amount",
        "currency",
        "invoice_number",
    )
    assert FORMATS["write-offs"].key == "write_off_ref"
    assert set(FORMATS) == {
        "customers",
        "invoices",
        "payments",
        "write-offs",
        "fx-rates",
        "dunning-status",
        "credit-reports",
        "company-events",
        "open-items",
        "control-totals",
    }
    assert FORMATS["dunning-status"].required == ("invoice_number", "reminder_level")
    assert FORMATS["control-totals"].columns == ("balance", "date", "customer_ref", "org_number", "currency")


def test_customer_row_defaults():
    out = parse_row("customers", {"customer_ref": " C1 ", "name": "Alfa AS"}, "NOK")
    assert out == {
        "customer_ref": "C1",
        "name": "Alfa AS",
        "country": None,
        "org_number": None,
        "currency": "NOK",  # the base currency
        "payment_terms_days": 30,
        "credit_limit": None,
        "insured_limit": None,
        "status": "active",
        "segment": None,
        "industry_code": None,
        "parent_ref": None,
        "affiliate": False,
        "government": False,
        "sales_owner": None,
    }


def test_customer_row_full():
    row = {
        "customer_ref": "C2",
        "name": "Beta AB",
        "country": "se",
        "org_number": "123456-7897",
        "currency": "SEK",
        "payment_terms_days": "14",
        "credit_limit": "250000.00",
        "insured_limit": "100000",
        "status": "credit_hold",
        "segment": "Retail",
        "industry_code": "46.90",
        "parent_ref": "C1",
        "affiliate": "yes",
    }
    out = parse_row("customers", row, "NOK")
    assert out["country"] == "SE"
    assert out["org_number"] == "1234567897"
    assert (out["payment_terms_days"], out["credit_limit"], out["insured_limit"]) == (
        14,
        D("250000.00"),
        D("100000.00"),
    )
    assert (out["status"], out["industry_code"], out["parent_ref"], out["affiliate"]) == (
        "credit_hold",
        "46.90",
        "C1",
        True,
    )


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"customer_ref": ""}, "customer_ref", "is required"),
        ({"customer_ref": "  "}, "customer_ref", "is required"),
        ({"name": ""}, "name", "is required"),
        ({"status": "blocked"}, "status", "'blocked' is not one of active, credit_hold, prepayment_only"),
        ({"industry_code": "4690"}, "industry_code", "'4690' is not a NACE code (e.g. 46.90)"),
        ({"credit_limit": "-1"}, "credit_limit", "-1 must not be negative"),
        ({"credit_limit": "10 000"}, "credit_limit", "'10 000' is not a canonical amount"),
        ({"payment_terms_days": "-5"}, "payment_terms_days", "-5 is below the minimum 0"),
        ({"currency": "eur"}, "currency", "'eur' is not a three-letter upper-case currency code"),
        ({"affiliate": "perhaps"}, "affiliate", "'perhaps' is not true/false"),
        ({"parent_ref": "C1"}, "parent_ref", "a customer cannot be its own parent"),
    ],
)
def test_customer_row_errors(row, column, message):
    with pytest.raises(FieldError) as exc:
        parse_row("customers", {"customer_ref": "C1", "name": "X", **row}, "NOK")
    assert exc.value.column == column
    assert message in str(exc.value)


INVOICE = {
    "invoice_number": "INV-1",
    "customer_ref": "C1",
    "issue_date": "2026-03-01",
    "due_date": "2026-03-31",
    "amount": "1000.00",
    "currency": "NOK",
}


def test_invoice_row():
    out = parse_row("invoices", INVOICE, "NOK")
    assert out == {
        "invoice_number": "INV-1",
        "customer_ref": "C1",
        "kind": "invoice",
        "issue_date": date(2026, 3, 1),
        "due_date": date(2026, 3, 31),
        "amount": D("1000.00"),
        "currency": "NOK",
        "credited_invoice": None,
        "disputed_amount": D("0.00"),
        "pledged_to": None,
    }


def test_credit_note_row_due_date_defaults_to_issue_date():
    row = {**INVOICE, "kind": "credit_note", "amount": "-250.00", "due_date": "", "credited_invoice": "INV-0"}
    out = parse_row("invoices", row, "NOK")
    assert (out["kind"], out["amount"], out["due_date"], out["credited_invoice"]) == (
        "credit_note",
        D("-250.00"),
        date(2026, 3, 1),
        "INV-0",
    )


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            {"amount": "-10.00"},
            "amount",
            "an invoice needs a positive amount, not -10.00 (use kind=credit_note for credits)",
        ),
        ({"amount": "0"}, "amount", "an invoice needs a positive amount, not 0"),
        ({"kind": "credit_note", "amount": "10.00"}, "amount", "a credit note needs a negative amount, not 10.00"),
        ({"kind": "debit"}, "kind", "'debit' is not 'invoice' or 'credit_note'"),
        ({"due_date": "2026-02-28"}, "due_date", "due date 2026-02-28 is before the issue date 2026-03-01"),
        ({"due_date": ""}, "due_date", "'' is not an ISO date (YYYY-MM-DD)"),  # an invoice needs a due date
        ({"issue_date": "01.03.2026"}, "issue_date", "'01.03.2026' is not an ISO date (YYYY-MM-DD)"),
        ({"credited_invoice": "INV-0"}, "credited_invoice", "only a credit note can name a credited invoice"),
        (
            {"disputed_amount": "1000.01"},
            "disputed_amount",
            "disputed amount 1000.01 exceeds the document amount 1000.00",
        ),
        ({"disputed_amount": "-1"}, "disputed_amount", "-1 must not be negative"),
        ({"amount": "1000,00"}, "amount", "'1000,00' is not a canonical amount"),
        ({"currency": ""}, "currency", "is required"),
    ],
)
def test_invoice_row_errors(row, column, message):
    with pytest.raises(FieldError) as exc:
        parse_row("invoices", {**INVOICE, **row}, "NOK")
    assert exc.value.column == column
    assert message in str(exc.value)


def test_payment_row():
    row = {"payment_ref": "P1", "customer_ref": "C1", "payment_date": "2026-04-01", "amount": "400", "currency": "EUR"}
    assert parse_row("payments", row, "NOK") == {
        "payment_ref": "P1",
        "customer_ref": "C1",
        "payment_date": date(2026, 4, 1),
        "amount": D("400.00"),
        "currency": "EUR",
        "invoice_number": None,  # on account
    }


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"amount": "0"}, "amount", "0 must be a positive amount"),
        ({"amount": "-400"}, "amount", "-400 must be a positive amount"),
        ({"payment_date": "2026/04/01"}, "payment_date", "'2026/04/01' is not an ISO date (YYYY-MM-DD)"),
    ],
)
def test_payment_row_errors(row, column, message):
    base = {"payment_ref": "P1", "customer_ref": "C1", "payment_date": "2026-04-01", "amount": "400", "currency": "NOK"}
    with pytest.raises(FieldError) as exc:
        parse_row("payments", {**base, **row}, "NOK")
    assert exc.value.column == column
    assert str(exc.value) == message


def test_write_off_row():
    row = {
        "write_off_ref": "WO1",
        "invoice_number": "INV-1",
        "date": "2026-05-01",
        "amount": "400.00",
        "reason": "konkurs",
    }
    out = parse_row("write-offs", row, "NOK")
    assert out == {
        "write_off_ref": "WO1",
        "invoice_number": "INV-1",
        "date": date(2026, 5, 1),
        "amount": D("400.00"),
        "reason": "konkurs",
    }
    with pytest.raises(FieldError) as exc:
        parse_row("write-offs", {**row, "invoice_number": ""}, "NOK")
    assert (exc.value.column, str(exc.value)) == ("invoice_number", "is required")


@pytest.mark.parametrize(
    ("row", "rate", "unit"),
    [
        ({"rate": "11.8"}, D("11.800000"), 1),
        ({"rate": "108.50", "unit": "100"}, D("1.085000"), 100),  # a quote per 100 (SEK, DKK) -> per unit
        ({"rate": "98.5", "unit": "100"}, D("0.985000"), 100),
        ({"rate": "180"}, D("180.000000"), 1),
    ],
)
def test_fx_rate_row(row, rate, unit):
    out = parse_row("fx-rates", {"date": "2026-03-31", "currency": "EUR", **row}, "NOK")
    assert (out["rate"], out["unit"], out["date"]) == (rate, unit, date(2026, 3, 31))


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"currency": "NOK"}, "currency", "NOK is the base currency; it needs no rate"),
        ({"rate": "180.000001"}, "rate", "rate 180.000001 per unit exceeds the supported maximum 180"),
        ({"rate": "1.0000001"}, "rate", "rate 1.0000001 per 1 has more than 6 decimals per unit"),
        ({"rate": "1.234567", "unit": "100"}, "rate", "rate 1.234567 per 100 has more than 6 decimals per unit"),
        ({"rate": "0"}, "rate", "'0' must be a positive number"),
        ({"unit": "0"}, "unit", "0 is below the minimum 1"),
    ],
)
def test_fx_rate_row_errors(row, column, message):
    with pytest.raises(FieldError) as exc:
        parse_row("fx-rates", {"date": "2026-03-31", "currency": "EUR", "rate": "11.8", **row}, "NOK")
    assert exc.value.column == column
    assert str(exc.value) == message


def test_field_error_carries_the_raw_value():
    with pytest.raises(FieldError) as exc:
        parse_row("invoices", {**INVOICE, "amount": "1 000"}, "NOK")
    assert (exc.value.column, exc.value.value) == ("amount", "1 000")


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown import kind 'orders'"):
        parse_row("orders", {}, "NOK")


@pytest.mark.parametrize(
    ("kind", "row"),
    [
        ("invoices", {**INVOICE, "amount": "1e30"}),
        ("fx-rates", {"date": "2026-03-31", "currency": "EUR", "rate": "1e30"}),
    ],
)
def test_huge_numbers_are_field_errors(kind, row):
    with pytest.raises(FieldError):
        parse_row(kind, row, "NOK")
