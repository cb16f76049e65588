"""Reusable Streamlit widgets."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.export import to_csv, to_xlsx

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_buttons(
    shown: pd.DataFrame, stem: str, sheet: str, labels: tuple[str, str], key: str, help_text: str | None = None
) -> None:
    """CSV and Excel downloads of exactly the frame shown, side by side (file names `stem`.csv/.xlsx)."""
    row = st.container(horizontal=True, gap="small")
    for label, ext, data, mime in (
        (labels[0], "csv", to_csv(shown), "text/csv"),
        (labels[1], "xlsx", to_xlsx(shown, sheet=sheet), XLSX_MIME),
    ):
        row.download_button(
            label,
            data=data,
            file_name=f"{stem}.{ext}",
            mime=mime,
            icon=":material/download:",
            on_click="ignore",
            key=f"{key}_{ext}",
            help=help_text,
        )
