"""Import data: upload an ERP export (CSV or Excel), see how it reads (encoding, separator, decimal mark, dates)
and how its columns map, correct either, preview the rows as they will be stored, validate the whole file and
import it in one go (all rows or none); save the mapping as a preset for the next file. Open-items snapshots and
the ERP's control totals are dated by the file or by a date chosen here."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components import frame
from components.export import to_csv
from components.format import day as show_day
from components.format import money as show_money
from components.format import number as fmt_number
from components.i18n import N_, _
from components.safe import md  # file names, cell values and messages quoting them are shown as text
from components.state import acting_user
from data_access import cache
from data_access.cache import ImportFailed
from domain.canonical import FORMATS
from domain.ingest import DATE_FORMATS, DATE_LABELS, ColumnMap, Dialect, IngestError

frame.enter_page()

FILE = "import_file"  # (file name, bytes) of the upload; tests put a file here
RESULT = "import_result"
KINDS = {
    "customers": N_("Customers"),
    "invoices": N_("Invoices and credit notes"),
    "payments": N_("Payments"),
    "write-offs": N_("Write-offs"),
    "fx-rates": N_("FX rates"),
    "dunning-status": N_("Dunning status"),
    "credit-reports": N_("Credit reports (bureau)"),
    "company-events": N_("Register events"),
    "open-items": N_("Open items (daily snapshot)"),
    "control-totals": N_("Control totals (ERP balances)"),
}
# kinds dated as a whole: the file's date column, or a date chosen here (both given: they must agree)
DATED = {
    "open-items": ("snapshot_date", N_("Snapshot date")),
    "control-totals": ("date", N_("Date of the balances")),
}
NONE = "—"
SEPARATORS = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab"), "|": N_("bar")}
DECIMALS = {".": N_("point (1234.50)"), ",": N_("comma (1234,50)")}
THOUSANDS = {"": N_("none"), " ": N_("space"), ".": N_("point"), ",": N_("comma"), "'": N_("apostrophe")}
ENCODINGS = ("utf-8-sig", "utf-8", "cp1252")


def label_of(table: dict, key: str) -> str:
    return _(table[key]) if key in table else key


def figures(kind: str, result) -> list[tuple[str, str]]:
    """What an open-items snapshot did (or would do, in a dry run), as metric labels and values."""
    if kind != "open-items":
        return []
    currency = cache.status().company.base_currency
    return [
        (_("Snapshot date"), show_day(result.snapshot_date)),
        (_("Documents added"), str(len(result.inserted_documents))),
        (_("Payments inferred"), str(result.payments_inferred)),
        (_("Documents closed"), str(len(result.closed_documents))),
        (_("Control total"), show_money(result.control_total, currency)),
        (_("Our open AR"), show_money(result.ledger_total, currency)),
    ]


st.title(_("Import data"))
st.write(
    _(
        "Upload an export from your ERP or a spreadsheet. Kredittvakt detects how it is written and which column "
        "is which; check both, preview, validate and import. A file is imported whole or not at all, and "
        "importing the same file again changes nothing."
    )
)

kinds = [k for k in KINDS if k in FORMATS]
kind = st.selectbox(_("What the file holds"), kinds, format_func=lambda k: label_of(KINDS, k), key="import_kind")
upload = st.file_uploader(_("File (CSV or Excel)"), type=["csv", "txt", "xlsx"], key="import_upload")
st.caption(
    _(
        "Files up to {size} MB can be uploaded here. Import larger files on the server with "
        "`python cli.py import KIND FILE` (see docs/data-formats.md)."
    ).format(size=st.get_option("server.maxUploadSize"))
)
if upload is not None:
    st.session_state[FILE] = (upload.name, upload.getvalue())
if FILE not in st.session_state:
    st.stop()
name, raw = st.session_state[FILE]

try:
    sheets = cache.sheet_names(raw, name)
    sheet = st.selectbox(_("Sheet"), sheets, key="import_sheet") if sheets else None
    data = cache.file_table(raw, name, sheet)
except (IngestError, ImportFailed) as exc:
    st.error(md(exc))
    st.stop()

presets = {n: p for n, p in cache.import_presets().items() if p.mapping.kind == kind}
preset_name = st.selectbox(_("Preset"), [NONE, *presets], key="import_preset") if presets else NONE
chosen = presets.get(preset_name)

# --- how the file reads --------------------------------------------------------------------------------------
try:
    detected = cache.detect_import(kind, data, chosen)
except IngestError as exc:
    st.error(md(exc))
    st.stop()
base = detected.dialect
# the widgets below start from what was detected in *this* file (sheet, preset): their keys change with it
sig = f"{abs(hash((name, len(raw), sheet, preset_name, kind))) % 10**8}"
st.subheader(_("How the file is written"))
c = st.columns(5)
encoding = c[0].selectbox(_("Encoding"), ENCODINGS, index=ENCODINGS.index(base.encoding), key=f"import_encoding_{sig}")
delimiter = c[1].selectbox(
    _("Separator"), list(SEPARATORS), index=list(SEPARATORS).index(base.delimiter), key=f"import_delimiter_{sig}",
    format_func=lambda k: label_of(SEPARATORS, k),
)  # fmt: skip
decimal = c[2].selectbox(
    _("Decimal mark"), list(DECIMALS), index=list(DECIMALS).index(base.decimal), key=f"import_decimal_{sig}",
    format_func=lambda k: label_of(DECIMALS, k),
)  # fmt: skip
thousands = c[3].selectbox(
    _("Thousands separator"), list(THOUSANDS), index=list(THOUSANDS).index(base.thousands) if base.thousands in
    THOUSANDS else 0, key=f"import_thousands_{sig}", format_func=lambda k: label_of(THOUSANDS, k),
)  # fmt: skip
date_format = c[4].selectbox(
    _("Dates"), list(DATE_FORMATS), index=list(DATE_FORMATS).index(base.date_format), key=f"import_dates_{sig}",
    format_func=lambda f: DATE_LABELS[f],
)  # fmt: skip
dialect = Dialect(encoding, delimiter, decimal, thousands, date_format)

# --- which column is which -----------------------------------------------------------------------------------
try:
    headers = cache.file_headers(data, encoding, delimiter)
except IngestError as exc:
    st.error(md(exc))
    st.stop()
st.subheader(_("Which column is which"))
fmt = FORMATS[kind]
auto = detected.mapping.source_of
pairs = []
cols = st.columns(3)
for i, column in enumerate(fmt.columns):
    required = column in fmt.required
    default = auto.get(column, NONE)
    # a preset's constant ("=NOK") or template ("=P-{invoiceNumber}") is a choice of its own beside the columns
    options = [NONE, *headers, *([default] if default.startswith("=") else [])]
    index = options.index(default) if default in options else 0
    picked = cols[i % 3].selectbox(
        f"{column}{' *' if required else ''}",
        options,
        index=index,
        key=f"import_map_{column}_{sig}",
        format_func=lambda o: _("{value} (fixed)").format(value=o[1:]) if o.startswith("=") else o,
    )
    if picked != NONE:
        pairs.append((column, picked))
st.caption(_("* required"))

try:
    mapping = ColumnMap(kind, tuple(pairs))
    prepared = cache.prepare_import(kind, data, mapping, dialect)
except (IngestError, ImportFailed) as exc:
    st.error(md(exc))
    prepared = None

if prepared is not None:
    st.subheader(_("Preview: the first rows as they will be stored"))
    head, rows = prepared.preview
    st.dataframe(pd.DataFrame(list(rows), columns=list(head)), hide_index=True, key="import_preview")
    st.caption(
        _("The first {n} rows of the file; every row is checked when you validate or import.").format(n=len(rows))
    )

# --- the date of a snapshot or of the ERP's balances ----------------------------------------------------------
as_of = source = None
ready = prepared is not None
if kind in DATED:
    date_column, date_label = DATED[kind]
    c = st.columns(2)
    as_of = c[0].date_input(
        _(date_label),
        value=None,
        format="DD.MM.YYYY",
        key="import_as_of",
        help=_("Leave it empty when the file has a date column; when both are given they must agree."),
    )
    if kind == "control-totals":
        source = c[1].text_input(
            _("Where the figures come from"),
            value=name,
            key=f"import_source_{sig}",
            help=_("e.g. 'Tripletex customer balances' or 'GL 1500'; Data status shows it with the total."),
        )
    if as_of is None and prepared is not None and date_column not in prepared.mapping.source_of:
        st.info(_("The file has no date column: choose the date above."), icon=":material/event:")
        ready = False

# --- validate and import -------------------------------------------------------------------------------------
create = (
    st.checkbox(_("Create customers that the file names but Kredittvakt does not know"), key="import_create")
    if "customer_ref" in fmt.columns and kind not in ("customers", "control-totals")
    else False
)
left, right = st.columns(2)
validate = left.button(_("Validate the whole file"), key="import_validate", disabled=not ready)
commit = right.button(_("Import"), type="primary", key="import_commit", disabled=not ready)
if (validate or commit) and ready:
    bar = st.progress(0.0, text=_("Reading the file…"))

    def show(progress) -> None:
        text = (
            _("Rebuilding the allocations…")
            if progress.stage == "allocations"
            else _("{rows} rows read").format(rows=fmt_number(progress.rows))
        )
        bar.progress(progress.fraction, text=text)

    try:
        result, _p = cache.run_import(
            kind,
            data,
            name,
            mapping=mapping,
            dialect=dialect,
            create_customers=create,
            dry_run=validate,
            author=acting_user().name or None,
            as_of=as_of,
            source=source,
            progress=show,
        )
        notes = list(result.notes)
        if not validate and getattr(result, "import_id", None) is not None:
            notes.append(
                _("Logged as import #{n}; it can be undone on the Data status page.").format(n=result.import_id)
            )
        st.session_state[RESULT] = ("ok", validate, result.summary(), notes, [], figures(kind, result))
    except ImportFailed as exc:
        st.session_state[RESULT] = (
            "error",
            validate,
            str(exc),
            [],
            [(e.row, e.column, e.value, e.problem) for e in exc.errors],
            [],
        )
found = st.session_state.get(RESULT)
if found:
    state, was_dry_run, summary, notes, errors, shown = found
    if state == "ok":
        (st.info if was_dry_run else st.success)(
            (_("Valid; nothing written yet: {summary}") if was_dry_run else _("Imported: {summary}")).format(
                summary=md(summary)
            )
        )
        if shown:
            cols = st.columns(len(shown))
            for col, (label, value) in zip(cols, shown, strict=True):
                col.metric(label, value)
        for note in notes:
            (st.warning if note.startswith("warning: ") else st.caption)(md(note.removeprefix("warning: ")))
        if kind == "control-totals" and not was_dry_run:
            st.caption(_("Settings › Data status shows whether our open AR ties, customer by customer."))
    else:
        st.error(_("Nothing was written: {problem}").format(problem=md(summary)))
        table = pd.DataFrame(errors, columns=[_("row"), _("column"), _("value"), _("problem")])
        st.dataframe(table, hide_index=True, key="import_errors")
        st.download_button(
            _("Download the error list (CSV)"), to_csv(table), "import_errors.csv", "text/csv", on_click="ignore"
        )

with st.expander(_("Save this mapping as a preset")):
    preset_new = st.text_input(_("Preset name"), key="import_preset_name", placeholder=_("e.g. Tripletex invoices"))
    if st.button(_("Save preset"), key="import_save_preset", disabled=prepared is None):
        try:
            cache.save_import_preset(cache.import_preset(preset_new, mapping, dialect))
            st.success(_("Preset “{name}” saved.").format(name=md(preset_new.strip())))
        except IngestError as exc:
            st.error(md(exc))
