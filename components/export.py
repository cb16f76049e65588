"""Exports of exactly what a page shows: CSV and Excel bytes from a display frame.

Text cells that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage return)
are prefixed with an apostrophe (domain.spreadsheet.neutralise), so an imported customer name can never execute in
the user's Excel. Numbers stay numbers.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pandas as pd

from domain.spreadsheet import FORMULA_STARTS, neutralise

__all__ = ["FORMULA_STARTS", "neutralise", "to_csv", "to_xlsx"]


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Decimals as floats for the writers (values are already rounded to 0.01)."""
    return frame.map(lambda v: float(v) if isinstance(v, Decimal) else v)


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel opens æøå correctly), comma-separated, '.' decimal mark."""
    return _plain(_safe(frame)).to_csv(index=False).encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, sheet: str = "Export") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(
        buf, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}
    ) as xl:
        _plain(_safe(frame)).to_excel(xl, sheet_name=sheet[:31], index=False)
        ws = xl.sheets[sheet[:31]]
        for i, col in enumerate(frame.columns):
            width = max([len(str(col))] + [len(str(v)) for v in frame[col].head(200)]) + 2
            ws.set_column(i, i, min(width, 60))
    return buf.getvalue()
