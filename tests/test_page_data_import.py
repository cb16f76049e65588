"""AppTest of Settings › Import data: a Norwegian export read as it is (detected dialect and mapping shown), a
mapping corrected by hand, the preview, validation without writing, the import, an error list for a bad file,
an Excel workbook's sheet, a saved preset, an open-items snapshot dated on the page, and the ERP's customer
balances whose differences by customer Data status lists."""

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
    assert list(errors.value.iloc[0]) == [2, "Kundenr (customer_ref)", "9999", "unknown customer"]  # the file's column
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


def import_log(at):
    [found] = [d.value for d in at.dataframe if "no." in d.value.columns]
    return found


def test_the_import_page_names_the_log_entry_and_data_status_undoes_it(live_url):
    at = run_page(PAGE, import_kind="customers", import_file=("kunder.csv", CUSTOMERS), user_name="Kari")
    at.button(key="import_commit").click().run()
    at = run_page(PAGE, import_kind="invoices", import_file=("faktura.csv", INVOICES), user_name="Kari")
    at.button(key="import_commit").click().run()
    assert "Logged as import #2; it can be undone on the Data status page." in [c.value for c in at.caption]
    assert count(live_url, Invoice) == 2

    at = run_page("pages/data_status.py", user_name="Ola")
    assert not at.exception, [e.value for e in at.exception]
    log = import_log(at)
    assert list(log["no."]) == [2, 1]
    assert list(log["by"]) == ["Kari", "Kari"]
    assert list(log["file"]) == ["faktura.csv", "kunder.csv"]
    chosen = at.selectbox(key="undo_import_id")
    assert chosen.options[0].startswith("#2 · invoices · faktura.csv")
    # the customers cannot go while their invoices are there: refused, nothing changed
    chosen.set_value(1).run()
    at.button(key="undo_import").click().run()
    assert at.error[0].value.startswith("import #1 cannot be undone, nothing was changed: 2 invoices row(s)")
    assert count(live_url, Customer) == 2
    # the invoices can
    at.selectbox(key="undo_import_id").set_value(2).run()
    at.button(key="undo_import").click().run()
    assert at.success[0].value == "undid import #2: removed 2 invoices; restored none"
    assert count(live_url, Invoice) == 0
    log = import_log(at)
    assert list(log["status"][:2]) == ["undo", "undone"] and log["by"][0] == "Ola"
    assert read(live_url, lambda c: aging(c, date(2026, 12, 31)).total) == D("0")


OPEN_ITEMS = (
    "Fakturanr;Kundenr;Fakturadato;Forfallsdato;Beløp;Restbeløp;Valuta\n"
    "F-1;1001;01.10.2026;31.10.2026;1 234,50;1 000,00;NOK\n"
    "F-2;1002;02.10.2026;01.11.2026;765,50;765,50;NOK\n"
).encode("cp1252")


def test_an_open_items_snapshot_through_the_wizard(live_url):
    from data_access.schema import Payment

    at = page("customers", "kunder.csv", CUSTOMERS)
    at.button(key="import_commit").click().run()
    at = page("open-items", "apne-poster.csv", OPEN_ITEMS)
    assert not at.exception, [e.value for e in at.exception]
    assert box(at, "document_number *").value == "Fakturanr"
    assert box(at, "original_amount *").value == "Beløp"
    assert box(at, "remaining_amount *").value == "Restbeløp"
    assert box(at, "snapshot_date").value == "—"
    [preview] = [d for d in at.dataframe if "remaining_amount" in d.value.columns]
    assert list(preview.value["remaining_amount"]) == ["1000.00", "765.50"]
    # the file has no snapshot date: nothing can be validated until one is chosen
    assert any("The file has no date column" in i.value for i in at.info)
    assert at.button(key="import_commit").disabled
    at.date_input(key="import_as_of").set_value(date(2026, 10, 5)).run()
    at.button(key="import_validate").click().run()
    assert any(
        "Valid; nothing written yet: open-items 2026-10-05: 2 rows, 2 documents added, 1 partial payments, "
        "0 documents closed, control total 1765.50" in i.value
        for i in at.info
    ), [i.value for i in at.info]
    shown = {m.label: m.value for m in at.metric}
    assert shown["Documents added"] == "2" and shown["Payments inferred"] == "1"  # F-1: 1 234.50 - 1 000.00 paid
    assert shown["Control total"] == "NOK\xa01,765.50" and shown["Our open AR"] == "NOK\xa01,765.50"
    assert count(live_url, Invoice) == 0  # a dry run writes nothing
    at.button(key="import_commit").click().run()
    assert any("Imported: open-items 2026-10-05" in s.value for s in at.success)
    assert count(live_url, Invoice) == 2
    assert read(live_url, lambda c: c.execute(select(Payment.payment_ref, Payment.amount)).all()) == [
        ("OI-F-1-2026-10-05", D("234.50"))
    ]
    assert read(live_url, aging, date(2026, 10, 5)).total == D("1765.50")  # 1 000.00 + 765.50

    # the next day's list shows F-1 with more open than the ledger has: refused whole, the errors to download
    later = OPEN_ITEMS.replace(b"1 000,00", b"1 100,00")
    at = page("open-items", "apne-poster-2.csv", later)
    at.date_input(key="import_as_of").set_value(date(2026, 10, 6)).run()
    at.button(key="import_commit").click().run()
    assert any("Nothing was written" in e.value for e in at.error)
    [errors] = [d for d in at.dataframe if "problem" in d.value.columns]
    first = errors.value.iloc[0]
    assert (first["column"], first["value"]) == ("Restbeløp (remaining_amount)", "1100.00")  # the file's name too
    assert "1000.00" in first["problem"]
    assert len(at.get("download_button")) == 1
    assert count(live_url, Invoice) == 2 and read(live_url, aging, date(2026, 10, 6)).total == D("1765.50")


def test_the_erps_customer_balances_and_the_differences_by_customer_on_data_status(live_url):
    at = page("customers", "kunder.csv", CUSTOMERS)
    at.button(key="import_commit").click().run()
    at = page("invoices", "faktura.csv", INVOICES)
    at.button(key="import_commit").click().run()
    balances = (
        "Kundenr;Kundenavn;Saldo\n1001;Fjord Handel AS;1 234,50\n1002;Ørsta Bygg AS;700,00\n9999;Ukjent AS;100,00\n"
    )
    at = page("control-totals", "saldoliste.csv", balances.encode("cp1252"))
    assert box(at, "balance *").value == "Saldo"
    assert box(at, "customer_ref").value == "Kundenr"
    at.date_input(key="import_as_of").set_value(date(2026, 10, 31))
    [source] = [t for t in at.text_input if t.label == "Where the figures come from"]
    source.input("Tripletex saldoliste").run()
    at.button(key="import_commit").click().run()
    # ERP 1 234.50 + 700.00 + 100.00 = 2 034.50; ours 1 234.50 + 765.50 = 2 000.00
    assert any("2026-10-31 ERP total 2034.50 from 3 customers, our open AR 2000.00" in s.value for s in at.success)

    at = run_page("pages/data_status.py")
    assert not at.exception, [e.value for e in at.exception]
    [ties] = [d for d in at.dataframe if "ERP total" in d.value.columns]
    assert ties.value.to_dict("records")[0]["difference"] == "-NOK\xa034.50"
    [table] = [d.value for d in at.dataframe if "listed by" in d.value.columns]
    # 1001 ties (1 234.50 on both sides); 9999: -100.00; 1002: 765.50 - 700.00 = 65.50; together -34.50
    assert list(table["customer"]) == ["9999", "1002"]
    assert list(table["name"]) == ["", "Ørsta Bygg AS"]
    assert list(table["ERP balance"]) == [100.0, 700.0]
    assert table["our open AR"].isna().tolist() == [True, False] and table["our open AR"][1] == 765.5
    assert list(table["difference"]) == [-100.0, 65.5]
    assert list(table["listed by"]) == ["the ERP (customer unknown to Kredittvakt)", "both"]
    assert any("2 customers differ" in c.value and "-NOK\xa034.50" in c.value for c in at.caption)


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


def test_the_ibm_sample_through_the_wizard_with_saved_presets(live_url):
    """The public sample (US dates, no customer master, settled dates instead of payments) through the page: the
    presets picked from the list, customers created from the file, every settled date a payment; the aging equals
    the canonical route's pinned figure (tests/test_ibm_sample.py)."""
    from pathlib import Path

    from data_access.ingest import Preset, mapping_from_json, save_preset

    ibm = Path(__file__).resolve().parents[2] / "shared" / "data" / "ibm_accounts_receivable.csv"
    if not ibm.is_file():
        pytest.fail(f"public sample missing at {ibm}")
    mappings = {
        "invoices": '{"customer_ref": "customerID", "invoice_number": "invoiceNumber", "issue_date": "InvoiceDate", '
        '"due_date": "DueDate", "amount": "InvoiceAmount", "currency": "=NOK"}',
        "payments": '{"payment_ref": "=P-{invoiceNumber}", "customer_ref": "customerID", "payment_date": '
        '"SettledDate", "amount": "InvoiceAmount", "currency": "=NOK", "invoice_number": "invoiceNumber"}',
    }
    engine = make_engine(live_url)
    with engine.begin() as conn:
        for kind, text in mappings.items():
            save_preset(conn, Preset(f"IBM {kind}", mapping_from_json(text, kind), None))
    engine.dispose()
    data = ibm.read_bytes()
    for kind, expected in (("invoices", "2586 rows, 2586 inserted"), ("payments", "2586 rows, 2586 inserted")):
        at = page(kind, "ibm_accounts_receivable.csv", data)
        at.selectbox(key="import_preset").set_value(f"IBM {kind}").run()
        assert not at.error, [e.value for e in at.error]
        assert box(at, "Dates").value == "%m/%d/%Y"  # US dates, detected under the preset's mapping
        if kind == "invoices":
            at.checkbox(key="import_create").check().run()
        at.button(key="import_commit").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any(expected in s.value for s in at.success), [e.value for e in at.error]
    assert count(live_url, Customer) == 100 and count(live_url, Invoice) == 2586
    assert read(live_url, lambda c: aging(c, date(2013, 6, 30)).total) == D("5223.91")
