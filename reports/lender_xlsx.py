"""The lender pack's detail as an Excel workbook: aging by customer, the borrowing base ineligibles per invoice, the
provision matrix with the individually assessed customers, and the AR roll-forward. Amounts are numbers (floats of
the pack's 0.01-rounded Decimals, formatted #,##0.00), rates are numbers formatted as percent; text that a
spreadsheet would run as a formula is prefixed with an apostrophe (domain.spreadsheet.neutralise)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import xlsxwriter

from domain.pack import LenderPack
from domain.spreadsheet import neutralise

MONEY_FORMAT = "#,##0.00"
RATE_FORMAT = "0.00%"
SHEETS = ("Aging by customer", "Ineligibles", "Provision matrix", "Roll-forward")

HEADINGS = {
    "aging": ("Ref.", "Customer"),
    "ineligibles": ("Customer ref.", "Customer", "Document", "Kind", "Category", "Amount", "Days"),
    "matrix": (
        "Bucket",
        "Balance",
        "Reached",
        "Lost",
        "Historical rate",
        "Thin history",
        "Override rate",
        "Override rationale",
        "Applied rate",
        "ECL",
    ),
    "individual": ("Ref.", "Customer", "Reason", "Exposure", "PD", "LGD", "Uninsured", "ECL"),
}


def _cell(value: Any) -> Any:
    """A value as the writer takes it: Decimal as float (display boundary), text neutralised, None empty."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return neutralise(value)
    return value


class _Sheet:
    """Rows written top to bottom with a format per column; remembers the widest text per column."""

    def __init__(self, book: xlsxwriter.Workbook, name: str, formats: dict[str, Any]) -> None:
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.row = 0
        self.widths: dict[int, int] = {}

    def write(self, values: Sequence[Any], kinds: Sequence[str] = (), *, bold: bool = False) -> None:
        for col, value in enumerate(values):
            kind = kinds[col] if col < len(kinds) else "text"
            fmt = self.formats[f"{kind}_bold" if bold else kind]
            v = _cell(value)
            if v is None or v == "":
                self.ws.write_blank(self.row, col, None, fmt)
            elif isinstance(v, bool):
                self.ws.write_boolean(self.row, col, v, fmt)
            elif isinstance(v, int | float):
                self.ws.write_number(self.row, col, v, fmt)
            else:
                self.ws.write_string(self.row, col, str(v), fmt)
            width = len(f"{value:,.2f}") if isinstance(value, Decimal) else len(str(v if v is not None else ""))
            self.widths[col] = max(self.widths.get(col, 0), width)
        self.row += 1

    def heading(self, values: Sequence[str]) -> None:
        self.write(values, ["heading"] * len(values))

    def skip(self) -> None:
        self.row += 1

    def finish(self, freeze: bool = True) -> None:
        for col, width in self.widths.items():
            self.ws.set_column(col, col, min(max(width + 2, 8), 60))
        if freeze:
            self.ws.freeze_panes(1, 0)


def lender_workbook(pack: LenderPack, *, lender: str | None = None) -> bytes:
    """The four detail sheets for the pack and the named lender profile (the first when None)."""
    cert = pack.certificate(lender)
    if lender is not None and cert is None:
        known = ", ".join(c.profile.name for c in pack.certificates) or "none"
        raise ValueError(f"no lender profile named {lender!r} in the pack for {pack.period}: the profiles are {known}")
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    # the file's dates from the pack, so the same pack gives the same workbook
    book.set_properties(
        {"title": f"Lender pack {pack.period}", "company": neutralise(pack.company), "created": pack.generated_at}
    )
    formats: dict[str, Any] = {}
    for bold in (False, True):
        suffix = "_bold" if bold else ""
        formats["text" + suffix] = book.add_format({"bold": bold})
        formats["money" + suffix] = book.add_format({"num_format": MONEY_FORMAT, "bold": bold})
        formats["rate" + suffix] = book.add_format({"num_format": RATE_FORMAT, "bold": bold})
        formats["int" + suffix] = book.add_format({"num_format": "0", "bold": bold})
    formats["heading"] = book.add_format({"bold": True, "bg_color": "#DCE6F1", "bottom": 1})
    formats["heading_bold"] = formats["heading"]

    _aging(_Sheet(book, SHEETS[0], formats), pack)
    _ineligibles(_Sheet(book, SHEETS[1], formats), pack, cert)
    _matrix(_Sheet(book, SHEETS[2], formats), pack)
    _rollforward(_Sheet(book, SHEETS[3], formats), pack)
    book.close()
    return buf.getvalue()


def _aging(sheet: _Sheet, pack: LenderPack) -> None:
    labels = pack.aging_due.labels
    sheet.heading([*HEADINGS["aging"], *labels, "Total", "of which unapplied credits"])
    kinds = ["text", "text", *(["money"] * (len(labels) + 2))]
    for c in pack.customers:
        sheet.write([c.ref, c.name, *c.amounts, c.total, c.unapplied], kinds)
    # the portfolio aging's own totals (the sum of the customer rows by construction)
    a = pack.aging_due
    sheet.write(["Total", f"{len(pack.customers)} customers", *a.amounts, a.total, a.credit_total], kinds, bold=True)
    sheet.finish()


def _ineligibles(sheet: _Sheet, pack: LenderPack, cert: Any) -> None:
    sheet.heading(list(HEADINGS["ineligibles"]))
    if cert is None:
        sheet.write(["No lender profile"])
        sheet.finish()
        return
    kinds = ["text", "text", "text", "text", "text", "money", "int"]
    for r in cert.detail:
        sheet.write([r.customer_ref, r.name, r.ref, r.kind, r.category, r.amount, r.days], kinds)
    sheet.write(["Total ineligible", cert.profile.name, "", "", "", cert.total_ineligible, None], kinds, bold=True)
    sheet.finish()


def _matrix(sheet: _Sheet, pack: LenderPack) -> None:
    e = pack.ecl
    sheet.heading(list(HEADINGS["matrix"]))
    kinds = ["text", "money", "money", "money", "rate", "text", "rate", "text", "rate", "money"]
    for r in e.matrix.rows:
        o = r.override
        sheet.write(
            [
                r.label,
                r.balance,
                r.reached,
                r.lost,
                r.historical_rate,
                "yes" if r.thin else "no",
                None if o is None else o.rate,
                None if o is None else o.rationale,
                r.rate,
                r.ecl,
            ],
            kinds,
        )
    sheet.write(
        ["Total", e.matrix.total_balance, None, None, None, None, None, None, None, e.matrix.total_ecl],
        kinds,
        bold=True,
    )
    sheet.write(
        ["Forward-looking factor", pack.ecl_settings.forward_factor, pack.ecl_settings.forward_source],
        ["text", "text", "text"],
    )
    sheet.skip()
    sheet.heading(list(HEADINGS["individual"]))
    kinds = ["text", "text", "text", "money", "rate", "rate", "money", "money"]
    for i in e.individual:
        sheet.write(
            [i.ref, i.name, i.reason, i.exposure, i.pd_percent / 100, i.lgd_percent / 100, i.uninsured, i.ecl], kinds
        )
    sheet.write(["Total", "", "", e.individual_exposure, None, None, None, e.individual_ecl], kinds, bold=True)
    sheet.skip()
    sheet.write(["Provision matrix ECL", e.matrix.total_ecl], ["text", "money"])
    sheet.write(["Individually assessed ECL", e.individual_ecl], ["text", "money"])
    sheet.write(["Booked ECL", e.total], ["text", "money"], bold=True)
    sheet.finish()


def _rollforward(sheet: _Sheet, pack: LenderPack) -> None:
    rf = pack.rollforward
    sheet.heading(["Line", "Amount"])
    kinds = ["text", "money"]
    for label, value in (
        ("Opening AR", rf.opening),
        ("Invoiced", rf.invoiced),
        ("Collected", rf.collected),
        ("Credit notes", rf.credit_notes),
        ("Write-offs", rf.write_offs),
        ("Recoveries", rf.recoveries),
        ("FX revaluation", rf.fx_revaluation),
        ("Post-close difference", rf.post_close),
        ("Rounding", rf.rounding),
    ):
        sheet.write([label, value], kinds)
    sheet.write(["Closing AR per roll-forward", rf.closing], kinds, bold=True)
    sheet.skip()
    sheet.write(["Closing AR per aging", rf.aging_total], kinds)
    sheet.write(["Difference", rf.difference_to_aging], kinds, bold=True)
    if rf.control_total is None:
        sheet.write(["ERP control total", "not imported"], ["text", "text"])
    else:
        sheet.write(["ERP control total", rf.control_total], kinds)
        sheet.write(["Difference aging − ERP control total", rf.difference_to_control], kinds, bold=True)
        if rf.control_source:
            sheet.write(["Source", rf.control_source], ["text", "text"])
    sheet.write(["Period", f"{rf.first_day.isoformat()} to {rf.last_day.isoformat()}"], ["text", "text"])
    sheet.finish()
