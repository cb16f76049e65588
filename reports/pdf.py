"""The shared PDF frame of every report (DejaVu fonts, header, "page X / Y" footer, heading, paragraph and table
helpers, fixed creation date) and the per-language number, money, percent and date formatting."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from babel.dates import format_datetime
from babel.numbers import format_decimal
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

# Languages a report can be written in, with the babel locale that formats its numbers and dates
LOCALES: dict[str, str] = {"en": "en_GB", "nb": "nb_NO"}
PAGE_WORDS = {"en": "Page", "nb": "Side"}  # the footer's "Page 2 / 5"
DASH = "–"
NBSP = "\u00a0"  # keeps "2 000 000 NOK" and "0,25 %" on one line

FONT = "DejaVu"
# Core PDF fonts are latin-1 only and cannot print "–" or "€"; DejaVu covers both. Debian ships it in
# fonts-dejavu-core; matplotlib (a runtime dependency) carries a copy for machines without it.
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

HEADING_FILL = (220, 230, 241)
MUTED = (90, 90, 90)


def check_lang(lang: str) -> str:
    """The babel locale of a report language; a ValueError naming the supported ones for anything else."""
    if lang not in LOCALES:
        raise ValueError(f"unsupported report language {lang!r}: use one of {', '.join(sorted(LOCALES))}")
    return LOCALES[lang]


def font_dirs() -> list[Path]:
    dirs = [SYSTEM_FONT_DIR]
    spec = importlib.util.find_spec("matplotlib")  # the path only: importing matplotlib costs a third of a second
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf")
    return dirs


def font_file(name: str) -> Path:
    for d in font_dirs():
        if (d / name).is_file():
            return d / name
    raise FileNotFoundError(
        f"font {name} not found in {', '.join(str(d) for d in font_dirs())}: install fonts-dejavu-core or matplotlib"
    )


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def number(value: Decimal | int | None, lang: str, decimals: int | None = None) -> str:
    """Grouped digits (nb 2 000 000 / 0,25; en 2,000,000 / 0.25); `decimals` None shows exactly the digits the
    value has, so a policy figure is never rounded in print."""
    locale = check_lang(lang)
    if value is None:
        return DASH
    d = Decimal(value)
    places = _decimals(d) if decimals is None else decimals
    fmt = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(d, format=fmt, locale=locale)


def money(value: Decimal | int | None, currency: str, lang: str) -> str:
    """nb "2 000 000 NOK", en "NOK 2,000,000"; whole amounts without decimals, others with at least two."""
    if value is None:
        return DASH
    d = Decimal(value)
    text = number(d, lang, None if _decimals(d) > 2 else (0 if _decimals(d) == 0 else 2))
    return f"{text}{NBSP}{currency}" if lang == "nb" else f"{currency}{NBSP}{text}"


def percent(value: Decimal | int | None, lang: str) -> str:
    """A value already in percent, exact: nb "0,25 %", en "0.25 %"."""
    return DASH if value is None else f"{number(value, lang)}{NBSP}%"


def moment(value: datetime | None, lang: str) -> str:
    """nb 31.03.2026 14:05, en 31 Mar 2026 14:05 (the time as given, no zone conversion)."""
    locale = check_lang(lang)
    if value is None:
        return DASH
    pattern = "dd.MM.yyyy HH:mm" if lang == "nb" else "d MMM yyyy HH:mm"
    return format_datetime(value, format=pattern, tzinfo=value.tzinfo, locale=locale)


def join_or(items: Sequence[str], lang: str) -> str:
    """'a, b or c' / 'a, b eller c'."""
    word = {"en": "or", "nb": "eller"}[lang]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {word} {items[-1]}"


class ReportPDF(FPDF):
    """A4 portrait with the report title and company on every page and "Page X / Y" ("Side X / Y") at the foot.

    `creation_date` fixed gives byte-identical output for the same inputs (tests compare bytes)."""

    def __init__(
        self,
        title: str,
        company: str,
        *,
        lang: str = "en",
        page_word: str | None = None,
        creation_date: datetime | None = None,
    ) -> None:
        check_lang(lang)
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report_title = title
        self.company = company
        self.page_word = page_word or PAGE_WORDS[lang]
        self.lang = lang
        self.body_top = 0.0  # where the text starts below the header; set by header()
        self._scratch: ReportPDF | None = None
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        for style, name in FONT_FILES.items():
            self.add_font(FONT, style, str(font_file(name)))
        self.set_title(title)
        self.set_author(company)
        self.set_subject(title)
        self.set_lang(lang)
        if creation_date is not None:
            self.set_creation_date(creation_date)
        self.set_font(FONT, "", 10)

    def header(self) -> None:
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        half = self.epw / 2
        self.cell(half, 5, self.report_title, align="L")
        self.cell(half, 5, self.company, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*MUTED)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(6)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, "", 10)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, f"{self.page_word} {self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def title_block(self, text: str) -> None:
        self.set_font(FONT, "B", 18)
        self.multi_cell(0, 9, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)
        self.set_font(FONT, "", 10)

    def heading(self, text: str, level: int = 1) -> None:
        size = {1: 13, 2: 11}.get(level, 10)
        # start a heading on a new page rather than leave it alone at the foot of one
        if self.get_y() > self.h - self.b_margin - 30:
            self.add_page()
        self.ln(3 if level == 1 else 1.5)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)
        self.set_font(FONT, "", 10)

    def paragraph(self, text: str, *, size: float = 10, muted: bool = False) -> None:
        self.set_font(FONT, "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_font(FONT, "", 10)
        self.ln(1.5)

    def bullets(self, items: Iterable[str]) -> None:
        indent = 5
        for item in items:
            self.set_x(self.l_margin)
            self.cell(indent, 5, "•")
            self.multi_cell(self.epw - indent, 5, item, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            self.ln(1)
        self.ln(0.5)

    def table_from_rows(
        self,
        rows: Sequence[Sequence[str]],
        *,
        col_widths: Sequence[float] | None = None,
        align: Sequence[str] | None = None,
        headings: bool = True,
        width: float | None = None,
    ) -> None:
        """A table whose first row is the heading (shaded, bold, repeated on a new page) when `headings`."""
        if not rows:
            return
        self.set_font(FONT, "", 9)
        with self.table(
            col_widths=tuple(col_widths) if col_widths else None,
            text_align=tuple(align) if align else "LEFT",
            width=width,
            align="LEFT",
            first_row_as_headings=headings,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            line_height=5,
            padding=(1, 1.5),
        ) as table:
            for r in rows:
                table.row([str(c) for c in r])
        self.set_font(FONT, "", 10)
        self.ln(2.5)

    def facts(self, pairs: Sequence[tuple[str, str]], *, label_width: float = 40) -> None:
        """Label and value pairs without borders, the label bold (the document's particulars)."""
        self.set_font(FONT, "", 10)
        with self.table(
            col_widths=(label_width, self.epw - label_width),
            width=self.epw,
            align="LEFT",
            text_align="LEFT",
            first_row_as_headings=False,
            borders_layout=TableBordersLayout.NONE,
            line_height=5,
            padding=(0.6, 0),
        ) as table:
            for label, value in pairs:
                row = table.row()
                row.cell(label, style=FontFace(emphasis="BOLD"))
                row.cell(value)
        self.ln(2)

    def keep_together(self, draw: Callable[[ReportPDF], None]) -> None:
        """Draw a block (a heading with its table, a short section) on the next page when it would not fit on
        this one; a block longer than a page simply starts where it is."""
        height = self._measure(draw)
        fits_a_page = height <= self.page_break_trigger - self.body_top
        if height > self.page_break_trigger - self.get_y() and fits_a_page and self.get_y() > self.body_top + 1:
            self.add_page()
        draw(self)

    def _measure(self, draw: Callable[[ReportPDF], None]) -> float:
        # a scratch document with the same frame, drawn from the top of a fresh page: far cheaper than
        # FPDF.offset_rendering, which deep-copies the embedded fonts on every call
        if self._scratch is None:
            self._scratch = ReportPDF(self.report_title, self.company, lang=self.lang, page_word=self.page_word)
        scratch = self._scratch
        scratch.add_page()
        page, top = scratch.page, scratch.get_y()
        draw(scratch)
        return scratch.get_y() - top if scratch.page == page else float("inf")

    def to_bytes(self) -> bytes:
        return bytes(self.output())
