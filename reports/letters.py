"""Dunning letters as PDF (payment reminder, second reminder, notice of collection) to one customer, in English or
Norwegian bokmål, from prepared open invoices: what the claim concerns, fee, compensation, total and deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from domain.company import CompanyProfile
from domain.fx import is_currency_code
from reports.pdf import FONT, LOCALES, NBSP, ReportPDF, number

KINDS = ("reminder", "second_reminder", "notice_of_collection")
# inkassoloven § 9: the notice's payment deadline is at least 14 days from the day it is sent
NOTICE_MIN_DAYS = 14


class LetterError(ValueError):
    """A letter that must not be sent as given; `code` and `params` let a caller say it in any language."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass(frozen=True)
class LetterLine:
    """One open invoice the letter claims; `interest` is the late-payment interest accrued to the letter date."""

    invoice_number: str
    issue_date: date
    due_date: date
    open_amount: Decimal
    interest: Decimal


@dataclass(frozen=True)
class LetterData:
    """Everything one letter prints; amounts in `currency`, at most two decimals."""

    kind: str
    letter_date: date
    deadline: date
    company: CompanyProfile
    company_contact: str | None
    customer_name: str
    customer_ref: str
    customer_org_number: str | None
    customer_address: str | None
    currency: str
    lines: tuple[LetterLine, ...]
    fee: Decimal
    compensation: Decimal
    interest_rate_text: str | None

    @property
    def open_total(self) -> Decimal:
        return sum((line.open_amount for line in self.lines), Decimal(0))

    @property
    def interest_total(self) -> Decimal:
        return sum((line.interest for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        """The amount to pay: the exact sum of the lines, the fee and the compensation."""
        return self.open_total + self.interest_total + self.fee + self.compensation

    @property
    def deadline_days(self) -> int:
        return (self.deadline - self.letter_date).days


# Every word of the letters, per language; amounts and dates are filled in, never written here.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title_reminder": "Payment reminder",
        "title_second_reminder": "Second reminder",
        "title_notice_of_collection": "Notice of collection",
        "org_no": "Org. no. {org}",
        "date": "Date",
        "customer_no": "Customer no.",
        "pay_by": "Pay by",
        "amount_due": "Amount to pay",
        "intro_reminder": (
            "According to our records, the invoices below are past due and have not been paid. If you have paid "
            "in the last few days, please disregard this reminder."
        ),
        "intro_second_reminder": (
            "We have already reminded you of the invoices below, but we have not received payment. If you have paid "
            "in the last few days, please disregard this reminder."
        ),
        "intro_notice_of_collection": "The invoices below are past due and have not been paid.",
        "claim": "What the claim concerns",
        "col_invoice": "Invoice",
        "col_issued": "Invoice date",
        "col_due": "Due date",
        "col_open": "Open amount ({ccy})",
        "col_interest": "Interest ({ccy})",
        "sum_open": "Open amount",
        "sum_interest": "Late-payment interest to {date}",
        "fee_reminder": "Reminder fee",
        "fee_second_reminder": "Reminder fee",
        "fee_notice_of_collection": "Fee for this notice",
        "compensation": "Fixed compensation for recovery costs",
        "total": "Total to pay",
        "rate": "Late-payment interest is charged at {rate} from each invoice's due date until payment.",
        "deadline": "Please pay {total} no later than {long} ({days} from the date of this letter).",
        "contact_pay": "Our payment details are given at the top of this letter.",
        "notice": (
            "If the amount is not paid by {date}, the claim will be sent to collection, which will mean extra "
            "costs for you. The deadline is {days} from the date of this notice; it is at least {min} days, as "
            "the law requires. Payment is on time if your bank has received the payment order by the deadline."
        ),
        "dispute": "If you believe the claim is wrong, please contact us before the deadline.",
        "day": "1 day",
        "days": "{n} days",
    },
    "nb": {
        "title_reminder": "Betalingspåminnelse",
        "title_second_reminder": "Purring nr. 2",
        "title_notice_of_collection": "Inkassovarsel – varsel om inkasso",
        "org_no": "Org.nr. {org}",
        "date": "Dato",
        "customer_no": "Kundenr.",
        "pay_by": "Betalingsfrist",
        "amount_due": "Å betale",
        "intro_reminder": (
            "Vi kan ikke se å ha mottatt betaling for fakturaene nedenfor, som har forfalt. Dersom du har betalt de "
            "siste dagene, kan du se bort fra denne påminnelsen."
        ),
        "intro_second_reminder": (
            "Vi har tidligere minnet deg om fakturaene nedenfor, men kan ikke se å ha mottatt betaling. Dersom du har "
            "betalt de siste dagene, kan du se bort fra denne purringen."
        ),
        "intro_notice_of_collection": "Fakturaene nedenfor har forfalt og er ikke betalt.",
        "claim": "Kravet gjelder",
        "col_invoice": "Faktura",
        "col_issued": "Fakturadato",
        "col_due": "Forfallsdato",
        "col_open": "Utestående ({ccy})",
        "col_interest": "Renter ({ccy})",
        "sum_open": "Utestående beløp",
        "sum_interest": "Forsinkelsesrente per {date}",
        "fee_reminder": "Purregebyr",
        "fee_second_reminder": "Purregebyr",
        "fee_notice_of_collection": "Gebyr for inkassovarsel",
        "compensation": "Standardkompensasjon for inndrivelseskostnader",
        "total": "Å betale",
        "rate": "Forsinkelsesrenten er {rate}, regnet fra hver fakturas forfallsdato til betaling skjer.",
        "deadline": "Vi ber om at {total} betales senest {long} ({days} fra datoen på dette brevet).",
        "contact_pay": "Betalingsinformasjonen står øverst i brevet.",
        "notice": (
            "Dersom beløpet ikke er betalt innen {date}, vil kravet bli sendt til inkasso. Det vil medføre ekstra "
            "kostnader for deg. Betalingsfristen er {days} fra datoen på dette varselet, og minst {min} dager slik "
            "loven krever. Betalingen er i tide dersom banken har mottatt betalingsoppdraget innen fristen."
        ),
        "dispute": "Dersom du mener at kravet er feil, ber vi deg ta kontakt med oss før fristen.",
        "day": "1 dag",
        "days": "{n} dager",
    },
}


def letter_title(kind: str, lang: str) -> str:
    return LABELS[lang][f"title_{kind}"]


def short_date(value: date, lang: str) -> str:
    """nb 15.04.2026, en 15 Apr 2026 (as reports.pdf.moment without the time)."""
    return format_date(value, format="dd.MM.yyyy" if lang == "nb" else "d MMM yyyy", locale=LOCALES[lang])


def long_date(value: date, lang: str) -> str:
    """The date in words: nb "onsdag 15. april 2026", en "Wednesday 15 April 2026"."""
    return format_date(value, format="EEEE d. MMMM y" if lang == "nb" else "EEEE d MMMM y", locale=LOCALES[lang])


def amount(value: Decimal, lang: str) -> str:
    """Always two decimals in a letter, so the columns line up: nb 1 000,00, en 1,000.00."""
    return number(value, lang, 2)


def money2(value: Decimal, currency: str, lang: str) -> str:
    text = amount(value, lang)
    return f"{text}{NBSP}{currency}" if lang == "nb" else f"{currency}{NBSP}{text}"


def _check_amount(value: object, what: str) -> None:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise LetterError("amount_type", f"{what} must be a Decimal amount, not {value!r}", what=what)
    d = Decimal(value)
    if not d.is_finite():
        raise LetterError("amount_type", f"{what} is not a finite amount: {value}", what=what)
    if d < 0:
        raise LetterError("negative_amount", f"{what} is negative ({d}): a letter claims amounts owed", what=what)
    if d != d.quantize(Decimal("0.01")):
        raise LetterError(
            "amount_precision", f"{what} has more than two decimals ({d}): round it to 0.01 first", what=what
        )


def check_letter(data: LetterData, lang: str) -> None:
    """Raise LetterError when the letter must not be printed: unknown kind or language, no invoices, a negative
    or inexact amount, nothing to pay, or a deadline the law does not allow."""
    if data.kind not in KINDS:
        raise LetterError("unknown_kind", f"unknown letter kind {data.kind!r}: use one of {', '.join(KINDS)}")
    if lang not in LOCALES:
        raise LetterError(
            "unknown_language", f"unsupported report language {lang!r}: use one of {', '.join(sorted(LOCALES))}"
        )
    if not is_currency_code(data.currency):
        raise LetterError("currency", f"'{data.currency}' is not a three-letter currency code")
    if not data.lines:
        raise LetterError("no_lines", "a letter needs at least one invoice: it must state what the claim concerns")
    for line in data.lines:
        _check_amount(line.open_amount, f"the open amount of invoice {line.invoice_number}")
        _check_amount(line.interest, f"the interest on invoice {line.invoice_number}")
        if line.due_date >= data.letter_date:
            raise LetterError(
                "not_overdue",
                f"invoice {line.invoice_number} is due {line.due_date.isoformat()}: a dunning letter can only claim "
                f"invoices past due on the letter date {data.letter_date.isoformat()}",
                invoice=line.invoice_number,
            )
    _check_amount(data.fee, "the fee")
    _check_amount(data.compensation, "the compensation")
    if data.total == 0:
        raise LetterError("nothing_to_pay", "the letter claims nothing: every amount is zero")
    if data.deadline < data.letter_date:
        raise LetterError(
            "deadline_before_letter",
            f"the deadline {data.deadline.isoformat()} is before the letter date {data.letter_date.isoformat()}",
        )
    if data.kind == "notice_of_collection" and data.deadline_days < NOTICE_MIN_DAYS:
        raise LetterError(
            "deadline_too_short",
            f"a notice of collection needs a payment deadline at least {NOTICE_MIN_DAYS} days after the letter date "
            f"(inkassoloven § 9): {data.deadline.isoformat()} is {data.deadline_days} days after "
            f"{data.letter_date.isoformat()}; the earliest allowed is "
            f"{date.fromordinal(data.letter_date.toordinal() + NOTICE_MIN_DAYS).isoformat()}",
            days=data.deadline_days,
        )


def letter_pdf(data: LetterData, lang: str = "en", created: datetime | None = None) -> bytes:
    """The letter as an A4 PDF in `lang` ("en" or "nb"); a fixed `created` makes the bytes reproducible."""
    check_letter(data, lang)
    t = LABELS[lang]
    title = letter_title(data.kind, lang)
    company = data.company.name
    pdf = ReportPDF(title, company, lang=lang, creation_date=created)
    pdf.add_page()
    _party(pdf, company, data.company.org_number, data.company_contact, t)
    pdf.ln(4)
    _party(pdf, data.customer_name, data.customer_org_number, data.customer_address, t)
    pdf.ln(4)
    total = money2(data.total, data.currency, lang)
    pdf.facts(
        [
            (t["date"], short_date(data.letter_date, lang)),
            (t["customer_no"], data.customer_ref),
            (t["pay_by"], short_date(data.deadline, lang)),
            (t["amount_due"], total),
        ],
        label_width=38,
    )
    pdf.ln(2)
    pdf.title_block(title)
    pdf.paragraph(t[f"intro_{data.kind}"])
    pdf.heading(t["claim"], level=2)
    _invoices(pdf, data, t, lang)
    _totals(pdf, data, t, lang)
    if data.interest_rate_text:
        pdf.paragraph(t["rate"].format(rate=data.interest_rate_text))
    days = t["day"] if data.deadline_days == 1 else t["days"].format(n=data.deadline_days)
    pay = t["deadline"].format(total=total, long=long_date(data.deadline, lang), days=days)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5, pay, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    pdf.ln(1.5)
    if data.company_contact:
        pdf.paragraph(t["contact_pay"])
    if data.kind == "notice_of_collection":
        pdf.paragraph(t["notice"].format(date=short_date(data.deadline, lang), days=days, min=NOTICE_MIN_DAYS))
    pdf.paragraph(t["dispute"])
    return pdf.to_bytes()


def _party(pdf: ReportPDF, name: str, org_number: str | None, details: str | None, t: dict[str, str]) -> None:
    """A sender or recipient block: the name in bold, then the organisation number and the free-text lines."""
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5, name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9.5)
    lines = ([t["org_no"].format(org=org_number)] if org_number else []) + (details or "").strip().splitlines()
    for line in lines:
        pdf.multi_cell(0, 4.6, line, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)


def _invoices(pdf: ReportPDF, data: LetterData, t: dict[str, str], lang: str) -> None:
    ccy = data.currency
    rows = [
        [
            t["col_invoice"],
            t["col_issued"],
            t["col_due"],
            t["col_open"].format(ccy=ccy),
            t["col_interest"].format(ccy=ccy),
        ]
    ]
    for line in data.lines:
        rows.append(
            [
                line.invoice_number,
                short_date(line.issue_date, lang),
                short_date(line.due_date, lang),
                amount(line.open_amount, lang),
                amount(line.interest, lang),
            ]
        )
    pdf.table_from_rows(
        rows, col_widths=(36, 26, 26, 43, 43), align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"), width=174
    )


def _totals(pdf: ReportPDF, data: LetterData, t: dict[str, str], lang: str) -> None:
    ccy = data.currency
    rows = [
        (t["sum_open"], data.open_total),
        (t["sum_interest"].format(date=short_date(data.letter_date, lang)), data.interest_total),
    ]
    if data.fee:
        rows.append((t[f"fee_{data.kind}"], data.fee))
    if data.compensation:
        rows.append((t["compensation"], data.compensation))
    pdf.set_font(FONT, "", 10)
    with pdf.table(
        col_widths=(131, 43),  # the amounts line up under the invoice table's last column
        width=174,
        align="LEFT",
        text_align=("LEFT", "RIGHT"),
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=5,
        padding=(1, 1.5),
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label)
            row.cell(money2(value, ccy, lang))
        row = table.row(style=FontFace(emphasis="BOLD"))
        row.cell(t["total"])
        row.cell(money2(data.total, ccy, lang))
    pdf.ln(3)
