"""Exports: numbers stay numbers, text that looks like a formula is neutralised, Nordic letters survive."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pandas as pd

from components.export import to_csv, to_xlsx

FRAME = pd.DataFrame(
    {
        "customer": ['=HYPERLINK("http://x")', "Bølgen & Blåbær AS", "+47 22 00 00 00", "@SUM(A1)", "-1+2"],
        "balance": [Decimal("1234.50"), Decimal("-0.01"), Decimal("0.00"), Decimal("10"), Decimal("2")],
        "count": [1, 2, 3, 4, 5],
    }
)


def test_csv_neutralises_formulas_and_keeps_numbers():
    text = to_csv(FRAME).decode("utf-8-sig").splitlines()
    assert text[0] == "customer,balance,count"
    assert text[1] == '"\'=HYPERLINK(""http://x"")",1234.5,1'
    assert text[2] == "Bølgen & Blåbær AS,-0.01,2"
    assert text[3].startswith("'+47 22") and text[4].startswith("'@SUM") and text[5].startswith("'-1+2")
    assert to_csv(FRAME)[:3] == b"\xef\xbb\xbf"  # BOM so Excel reads UTF-8


def test_xlsx_has_no_formulas_and_numeric_cells():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(FRAME, "Aging")))
    ws = wb["Aging"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("customer", "balance", "count")
    assert rows[1][0] == '\'=HYPERLINK("http://x")' and rows[1][1] == 1234.5
    assert rows[2] == ("Bølgen & Blåbær AS", -0.01, 2)
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"  # no cell is a formula
