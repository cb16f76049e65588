"""Text a spreadsheet would run as a formula, made inert: every CSV and Excel file the app writes (page exports, the
lender workbook, `aging --format csv`, the ERP change file, the import error list) passes its text cells through
neutralise().

A cell starting with =, +, -, @, a tab or a carriage return is a formula to Excel and LibreOffice (=HYPERLINK(...),
=cmd|'/C calc'!A0, @SUM(...)): an imported customer name could run in the reader's spreadsheet. Such text gets an
apostrophe in front, which shows the text as typed. A plain number written as text ("-1234.56", "+5") is left as it
is: it is no formula, and the spreadsheet reads it as the number it is.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def neutralise(value):
    """`value` with an apostrophe in front when it is text a spreadsheet would read as a formula; else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
