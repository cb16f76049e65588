"""AppTest of Settings › Import data: a Norwegian export read as it is (detected dialect and mapping shown), a
mapping corrected by hand, the preview, validation without writing, the import, an error list for a bad file,
an Excel workbook's sheet, and a saved preset."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal as D

import pytest
from apptest import run_page
from openpyxl import Workbook
from sqlalchemy import func, select

from data_access.asof import aging
from data_access.engine import make_engine
from data_access.ingest import presets
from data_access.schema import Customer, Invoice

PAGE = "pages/data_import.py"
CUSTOMERS = "Kundenr;Navn\n1001;Fjord Handel AS\n1002;Ørsta Bygg AS\n".encode("cp1252")
INVOICES = (
    "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n"
    "1001;F-1;01.10.2026;31.10.2026;1 234,50;NOK\n"
    "1002;F-2;02.10.2026;01.11.2026;765,50;NOK\n"
).encode("cp1252")


@pytest.fixture
def live_url(tmp_path, monkeypatch) -> str:
    from data_access.bootstrap import ensure_ready

    url = f"sqlite:///{tmp_path}/live.db"
    engine = make_engine(url)
    ensure_ready(engine, seed_demo_if_new=False)
    engine.dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def read(url, fn, *args):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return fn(conn, *args)
    finally:
        engine.dispose()


def count(url, model) -> int:
    return read(url, lambda c: c.execute(select(func.count()).select_from(model)).scalar_one())


def page(kind: str, name: str, data: bytes):
    return run_page(PAGE, import_kind=kind, import_file=(name, data))


def box(at, label: str):
    """A select box by its label (keys carry a signature of the file they were detected from)."""
    [found] = [s for s in at.selectbox if s.label == label]
    return found


def test_norwegian_export_is_read_previewed_validated_and_imported(live_url):
    at = page("customers", "kunder.csv", CUSTOMERS)
    assert not at.exception, [e.value for e in at.exception]
    assert box(at, "Encoding").value == "cp1252"
    assert box(at, "Separator").value == ";"
    assert box(at, "customer_ref *").value == "Kundenr"
    assert box(at, "name *").value == "Navn"
    at.button(key="import_commit").click().run()
    assert any("Imported: customers: 2 rows, 2 inserted" in s.value for s in at.success)
    assert count(live_url, Customer) == 2

    at = page("invoices", "faktura.csv", INVOICES)
    assert box(at, "Decimal mark").value == ","
    assert box(at, "Dates").value == "%d.%m.%Y"
    [preview] = [d for d in at.dataframe if "issue_date" in d.value.columns]
    assert list(preview.value["amount"]) == ["1234.50", "765.50"]
    assert list(preview.value["issue_date"]) == ["2026-10-01", "2026-10-02"]
    at.button(key="import_validate").click().run()
    assert any("Valid; nothing written yet: invoices: 2 rows, 2 inserted" in i.value for i in at.info)
    assert count(live_url, Invoice) == 0
    at.button(key="import_commit").click().run()
    assert count(live_url, Invoice) == 2
    assert read(live_url, aging, date(2026, 10, 31)).total == D("2000.00")  # 1 234.50 + 765.50


def test_a_wrong_guess_is_corrected_by_hand_and_a_bad_file_lists_its_rows(live_url):
    at = page("customers", "kunder.csv", CUSTOMERS)
    at.button(key="import_commit").click().run()
    # a date column the detection cannot name: "Bokført" is mapped to issue_date by hand
    data = "Kundenr;Nr;Bokført;Forfallsdato;Beløp;Valuta\n1001;F-9;01.10.2026;31.10.2026;10,00;NOK\n".encode()
    at = page("invoices", "f.csv", data)
    assert any("missing required column(s) for invoices: invoice_number, issue_date" in e.value for e in at.error)
    box(at, "invoice_number *").select("Nr")
    box(at, "issue_date *").select("Bokført").run()
    box(at, "Dates").select("%d.%m.%Y").run()
    at.button(key="import_commit").click().run()
    assert count(live_url, Invoice) == 1

    bad = "Kundenr;Fakturanr;Fakturadato;Forfallsdato;Beløp;Valuta\n9999;F-10;01.10.2026;31.10.2026;5,00;NOK\n".encode()
    at = page("invoices", "bad.csv", bad)
    at.button(key="import_commit").click().run()
    assert any("Nothing was written" in e.value for e in at.error)
    [errors] = [d for d in at.dataframe if "problem" in d.value.columns]
    assert list(errors.value.iloc[0]) == [2, "customer_ref", "9999", "unknown customer"]
    assert count(live_url, Invoice) == 1


def test_excel_sheet_and_a_saved_preset(live_url):
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["not the data"])
    ws = book.create_sheet("Kunder")
    ws.append(["Kundenummer", "Kundenavn", "Land"])
    ws.append([1001, "Fjord Handel AS", "NO"])
    buf = io.BytesIO()
    book.save(buf)
    at = page("customers", "kunder.xlsx", buf.getvalue())
    at.selectbox(key="import_sheet").select("Kunder").run()
    assert box(at, "customer_ref *").value == "Kundenummer"
    at.text_input(key="import_preset_name").input("Excel customers")
    at.button(key="import_save_preset").click().run()
    assert "Excel customers" in read(live_url, presets)
    at.button(key="import_commit").click().run()
    assert read(live_url, lambda c: c.execute(select(Customer.name)).scalar_one()) == "Fjord Handel AS"


def test_data_status_shows_whether_our_ar_ties_to_the_erp(live_url):
    from data_access.borrowing import add_control_total

    at = page("customers", "kunder.csv", CUSTOMERS)
    at.button(key="import_commit").click().run()
    at = page("invoices", "faktura.csv", INVOICES)
    at.button(key="import_commit").click().run()
    engine = make_engine(live_url)
    with engine.begin() as conn:
        add_control_total(conn, date(2026, 10, 31), D("2000.00"), "GL 1500", "Kari")
        add_control_total(conn, date(2026, 10, 2), D("1000.00"), "GL 1500", "Kari")
    engine.dispose()
    at = run_page("pages/data_status.py")
    [table] = [d for d in at.dataframe if "ERP total" in d.value.columns]
    rows = table.value.to_dict("records")
    # 31 Oct: 1 234.50 + 765.50 = 2 000.00 ties; 2 Oct: both invoices issued by then, 2 000.00 - 1 000.00 = 1 000.00
    assert [(r["date"], r["difference"], r["ties"]) for r in rows] == [
        ("31 Oct 2026", "NOK\xa00.00", "yes"),
        ("2 Oct 2026", "NOK\xa01,000.00", "no"),
    ]


def test_the_import_shows_its_progress_and_where_larger_files_go(live_url):
    at = page("customers", "kunder.csv", CUSTOMERS)
    assert any("python cli.py import KIND FILE" in c.value for c in at.caption)
    at.button(key="import_commit").click().run()
    [bar] = at.get("progress")
    assert (bar.proto.value, bar.proto.text) == (100, "2 rows read")
    at = page("invoices", "faktura.csv", INVOICES)
    at.button(key="import_commit").click().run()
    [bar] = at.get("progress")
    assert (bar.proto.value, bar.proto.text) == (100, "Rebuilding the allocations…")
    assert count(live_url, Invoice) == 2
