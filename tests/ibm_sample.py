"""Convert the public IBM accounts-receivable sample into Kredittvakt's canonical CSV files.

Source: /work/shared/data/ibm_accounts_receivable.csv (IBM Watson Analytics "WA_Fn-UseC_-Accounts-Receivable"):
one row per invoice, all settled, US dates M/D/YYYY, amounts in USD. Output: customers.csv, invoices.csv and
payments.csv (one payment per invoice, dated SettledDate, for the full InvoiceAmount, naming the invoice).

Every amount is written in currency NOK although the source is USD: the tests built on this file are about
the aging and KPI math, not FX, and importing in the base currency keeps every figure equal to the source's.

The source was checked for the pitfalls a real file brings; `inspect` counts each one and `convert` asserts
the counts in EXPECTED_COUNTS, so a changed source file is noticed instead of silently converted:

- duplicate invoice numbers: none. Refused if any appear (the importer would reject the second row, and
  which of two rows is right cannot be decided here).
- amounts with more than 2 decimals: none. Refused if any appear (rounding would silently change sums).
  Amounts with 1 decimal ("47.1"): 270 rows, written with 2 decimals ("47.10"); same value.
- zero or negative amounts: none. Refused (an invoice must be positive; the sample has no credit notes).
- settled before issued: none. Refused if any appear: the payment would sit as an unapplied credit
  until the invoice is issued. Settled on the issue day itself: 4 rows, kept (allocated the same day).
- due before issued: none (the importer rejects it). Refused. Every row has exactly 30-day terms.
- missing SettledDate: none (the README says all are settled). Refused: the converter has no open-item path.
- DaysToSettle / DaysLate disagreeing with the dates: none. A cross-check that the M/D/YYYY dates are
  read the right way round (a D/M reading would break it for most rows).
- countryCode is a numeric code (391, 406, 770, 818, 897), not an ISO alpha-2 code, and 61 of the 100
  customers appear under more than one code (1,617 rows): it is not a customer attribute. Dropped.
- Disputed = "Yes" on 623 rows: the flag says the invoice was disputed at some time, while the canonical
  disputed_amount is the amount in dispute now (no date); every invoice here is settled, so carrying the
  flag over would mark paid invoices as disputed forever. Dropped (it does not enter aging or KPIs).
- no customer names: the name is "IBM sample customer <customerID>".
- PaperlessDate empty on 120 rows; PaperlessDate / PaperlessBill are not ledger data. Dropped.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

SOURCE = Path("/work/shared/data/ibm_accounts_receivable.csv")
CURRENCY = "NOK"  # the source is USD; see the module docstring: the tests are about the math, not FX
TERMS_DAYS = 30
COLUMNS = (
    "countryCode",
    "customerID",
    "PaperlessDate",
    "invoiceNumber",
    "InvoiceDate",
    "DueDate",
    "InvoiceAmount",
    "Disputed",
    "SettledDate",
    "PaperlessBill",
    "DaysToSettle",
    "DaysLate",
)

# What the checked source file holds; convert() refuses a file that differs.
EXPECTED_COUNTS = {
    "rows": 2586,
    "customers": 100,
    "duplicate_invoice_numbers": 0,
    "amounts_over_2_decimals": 0,
    "amounts_with_1_decimal": 270,
    "amounts_not_positive": 0,
    "settled_before_issued": 0,
    "settled_on_issue_day": 4,
    "due_before_issued": 0,
    "terms_not_30_days": 0,
    "missing_settled_date": 0,
    "days_to_settle_mismatch": 0,
    "days_late_mismatch": 0,
    "customers_with_several_country_codes": 61,
    "rows_of_customers_with_several_country_codes": 1617,
    "disputed_rows": 623,
    "missing_paperless_date": 120,
}


def us_date(text: str) -> date:
    """M/D/YYYY (no leading zeros needed) -> date."""
    return datetime.strptime(text.strip(), "%m/%d/%Y").date()


def read_source(src_csv: Path) -> list[dict[str, str]]:
    with Path(src_csv).open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"unexpected columns in {src_csv}: {reader.fieldnames}")
        return [{k: (v or "").strip() for k, v in row.items()} for row in reader]


def _decimals(amount: str) -> int:
    return len(amount.split(".", 1)[1]) if "." in amount else 0


def inspect(rows: list[dict[str, str]]) -> dict[str, int]:
    """Count every pitfall listed in the module docstring."""
    c: Counter[str] = Counter()
    c["rows"] = len(rows)
    c["customers"] = len({r["customerID"] for r in rows})
    numbers = Counter(r["invoiceNumber"] for r in rows)
    c["duplicate_invoice_numbers"] = sum(n - 1 for n in numbers.values() if n > 1)
    countries: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        countries[r["customerID"]].add(r["countryCode"])
        try:
            amount = Decimal(r["InvoiceAmount"])
        except InvalidOperation as exc:
            raise ValueError(f"invoice {r['invoiceNumber']}: amount '{r['InvoiceAmount']}' is not a number") from exc
        c["amounts_over_2_decimals"] += _decimals(r["InvoiceAmount"]) > 2
        c["amounts_with_1_decimal"] += _decimals(r["InvoiceAmount"]) == 1
        c["amounts_not_positive"] += amount <= 0
        c["disputed_rows"] += r["Disputed"] == "Yes"
        c["missing_paperless_date"] += not r["PaperlessDate"]
        issued, due = us_date(r["InvoiceDate"]), us_date(r["DueDate"])
        c["due_before_issued"] += due < issued
        c["terms_not_30_days"] += (due - issued).days != TERMS_DAYS
        if not r["SettledDate"]:
            c["missing_settled_date"] += 1
            continue
        settled = us_date(r["SettledDate"])
        c["settled_before_issued"] += settled < issued
        c["settled_on_issue_day"] += settled == issued
        c["days_to_settle_mismatch"] += int(r["DaysToSettle"]) != (settled - issued).days
        c["days_late_mismatch"] += int(r["DaysLate"]) != max(0, (settled - due).days)
    several = {cust for cust, codes in countries.items() if len(codes) > 1}
    c["customers_with_several_country_codes"] = len(several)
    c["rows_of_customers_with_several_country_codes"] = sum(r["customerID"] in several for r in rows)
    return {k: int(c[k]) for k in EXPECTED_COUNTS}


def _write(path: Path, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def convert(src_csv: Path, out_dir: Path) -> dict[str, Path]:
    """Write canonical customers.csv, invoices.csv and payments.csv into out_dir; returns {kind: path}."""
    rows = read_source(src_csv)
    counts = inspect(rows)
    differing = {k: (counts[k], v) for k, v in EXPECTED_COUNTS.items() if counts[k] != v}
    assert not differing, f"{src_csv} differs from the checked file (found, expected): {differing}"
    # The refusals below are implied by the assertion above; they stay explicit so that
    # editing EXPECTED_COUNTS cannot let such a row through.
    for key in (
        "duplicate_invoice_numbers",
        "amounts_over_2_decimals",
        "amounts_not_positive",
        "settled_before_issued",
        "due_before_issued",
        "missing_settled_date",
    ):
        assert counts[key] == 0, f"{counts[key]} rows with {key.replace('_', ' ')}: not handled by this converter"

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    customers = sorted({r["customerID"] for r in rows})
    invoices, payments = [], []
    for r in rows:
        amount = f"{Decimal(r['InvoiceAmount']):.2f}"  # "47.1" -> "47.10"; never more than 2 decimals (asserted)
        number, customer = r["invoiceNumber"], r["customerID"]  # kept as text: never parsed as a number
        issued, due, settled = (us_date(r[k]).isoformat() for k in ("InvoiceDate", "DueDate", "SettledDate"))
        invoices.append((number, customer, issued, due, amount, CURRENCY))
        payments.append((f"PAY-{number}", customer, settled, amount, CURRENCY, number))
    return {
        "customers": _write(
            out / "customers.csv",
            ("customer_ref", "name", "currency", "payment_terms_days"),
            [(c, f"IBM sample customer {c}", CURRENCY, str(TERMS_DAYS)) for c in customers],
        ),
        "invoices": _write(
            out / "invoices.csv",
            ("invoice_number", "customer_ref", "issue_date", "due_date", "amount", "currency"),
            invoices,
        ),
        "payments": _write(
            out / "payments.csv",
            ("payment_ref", "customer_ref", "payment_date", "amount", "currency", "invoice_number"),
            payments,
        ),
    }
