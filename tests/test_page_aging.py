"""The Aging page through AppTest on the seeded demo: figures equal the as-of aging computed directly on the
same database, the controls (basis, bucket edges, search, sidebar filter) change them the right way, the
exports hold exactly the table shown, and the no-data cases give a message instead of a traceback."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from apptest import run_page
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from components.format import money, number
from data_access.asof import aging
from data_access.engine import make_engine
from data_access.migrate import upgrade
from domain.aging import AgingReport, Basis, Buckets
from domain.filters import CustomerFilter

PAGE = "pages/aging.py"
AS_OF = date(2026, 10, 30)  # the demo's latest transaction date, the sidebar's default
POLICY_LABELS = ["current", "1-30", "31-60", "61-90", "91-120", "121+"]


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """The bytes every st.download_button registered, by file name (AppTest drops its media store after a run)."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        if isinstance(path_or_data, bytes) and filename:
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)
    return seen


def direct(url: str, basis: str = "due", buckets: Buckets | None = None, flt: CustomerFilter | None = None):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return aging(conn, AS_OF, Basis(basis), buckets, flt)
    finally:
        engine.dispose()


def table(at, first_column: str) -> pd.DataFrame:
    """The table whose first column has this header (only selectable tables carry their key in AppTest)."""
    found = [d.value for d in at.dataframe if list(d.value.columns[:1]) == [first_column]]
    assert len(found) == 1, (
        f"no single table {first_column!r}; tables: {[list(d.value.columns[:1]) for d in at.dataframe]}"
    )
    return found[0]


def assert_page_shows(at, report: AgingReport) -> None:
    """Total, every bucket (label, amount, count) and every customer row equal the direct aging."""
    assert not at.exception, at.exception
    metrics = {m.label: m for m in at.metric}
    total = metrics[f"Total open receivables ({report.currency})"]
    assert total.value == number(report.total, locale="en_GB")  # whole units; the exact amount in the help
    assert money(report.total, report.currency, locale="en_GB") in total.proto.help
    unapplied = metrics[f"Unapplied credits ({report.currency})"]
    assert unapplied.value == number(report.unapplied_amount, locale="en_GB")
    assert money(report.unapplied_amount, report.currency, locale="en_GB") in unapplied.proto.help
    buckets = table(at, "Bucket")
    assert list(buckets["Bucket"]) == list(report.buckets.labels)
    assert list(buckets["Amount"]) == pytest.approx([float(a) for a in report.amounts], abs=0.001)
    assert list(buckets["Items"]) == list(report.counts)
    customers = table(at, "Reference")
    assert list(customers.columns) == [
        "Reference",
        "Name",
        "Country",
        "Segment",
        "Total",
        *report.buckets.labels,
        "Unapplied",
    ]
    assert list(customers["Reference"]) == [c.customer_ref for c in report.customers]
    assert list(customers["Total"]) == pytest.approx([float(c.total) for c in report.customers], abs=0.001)
    for i, label in enumerate(report.buckets.labels):
        assert list(customers[label]) == pytest.approx([float(c.amounts[i]) for c in report.customers], abs=0.001)
    trend = table(at, "Date")
    assert list(trend.columns) == ["Date", *report.buckets.labels]
    assert len(trend) == 12
    assert pd.Timestamp(trend["Date"].iloc[-1]).date() == AS_OF  # 11 month-ends, then the as-of date
    assert list(trend.iloc[-1, 1:]) == pytest.approx([float(a) for a in report.amounts], abs=0.001)


def test_renders_the_due_date_aging_of_the_demo(demo_url):
    at = run_page(PAGE)
    assert [t.value for t in at.title] == ["Aging"]
    report = direct(demo_url, "due")
    assert report.customers and report.unapplied_count > 0
    assert list(report.buckets.labels) == POLICY_LABELS
    assert_page_shows(at, report)
    assert any("unapplied credits" in c.value for c in at.caption)  # said to be inside the buckets
    for first in ("Country", "Segment", "Currency"):
        groups = table(at, first)
        assert list(groups.columns[1:]) == POLICY_LABELS
        assert [sum(groups[label]) for label in POLICY_LABELS] == pytest.approx(
            [float(a) for a in report.amounts], abs=0.01
        )


def test_invoice_date_basis_changes_the_figures(demo_url):
    at = run_page(PAGE)
    due = direct(demo_url, "due")
    at.segmented_control(key="aging_basis").set_value("invoice").run()
    invoice = direct(demo_url, "invoice")
    assert invoice.amounts != due.amounts
    assert_page_shows(at, invoice)
    assert any("invoice date" in c.value for c in at.caption)


def test_bucket_edges_override(demo_url):
    at = run_page(PAGE)
    at.text_input(key="aging_edges").input("15,45").run()
    report = direct(demo_url, "due", Buckets((15, 45)))
    assert list(report.buckets.labels) == ["current", "1-15", "16-45", "46+"]
    assert not at.error
    assert_page_shows(at, report)


def test_invalid_bucket_edges_show_an_error_and_fall_back_to_the_policy(demo_url):
    at = run_page(PAGE)
    at.text_input(key="aging_edges").input("30,20").run()
    assert not at.exception, at.exception
    assert len(at.error) == 1
    assert "strictly increasing" in at.error[0].value and "30,60,90,120" in at.error[0].value
    assert_page_shows(at, direct(demo_url, "due"))
    at.button(key="aging_edges_reset").click().run()  # back to the policy's edges
    assert not at.error
    assert at.text_input(key="aging_edges").value == "30,60,90,120"


def test_search_narrows_the_customer_table(demo_url):
    at = run_page(PAGE)
    report = direct(demo_url, "due")
    for text in ("a/s", "K1001"):  # a name part (case-insensitive) and a reference prefix
        at.text_input(key="aging_search").input(text).run()
        assert not at.exception, at.exception
        expected = [
            c.customer_ref
            for c in report.customers
            if text.lower() in c.name.lower() or text.lower() in c.customer_ref.lower()
        ]
        assert 0 < len(expected) < len(report.customers)
        assert list(table(at, "Reference")["Reference"]) == expected
    at.text_input(key="aging_search").input("no such customer zzz").run()
    assert not at.exception
    assert any("No customer matches" in i.value for i in at.info)


def test_controls_are_kept_when_the_user_comes_back(demo_url):
    at = run_page(PAGE)
    at.segmented_control(key="aging_basis").set_value("invoice").run()
    at.text_input(key="aging_edges").input("15,45").run()
    at.text_input(key="aging_search").input("a/s").run()
    at.switch_page("pages/data_status.py").run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="aging_basis").value == "invoice"
    assert at.text_input(key="aging_edges").value == "15,45"
    assert at.text_input(key="aging_search").value == "a/s"
    report = direct(demo_url, "invoice", Buckets((15, 45)))
    assert list(table(at, "Bucket")["Bucket"]) == list(report.buckets.labels)


def test_exports_hold_exactly_the_table_shown(demo_url, downloads):
    at = run_page(PAGE)
    at.text_input(key="aging_search").input("a/s").run()
    assert not at.exception, at.exception
    shown = table(at, "Reference")
    buttons = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert buttons == {"aging_csv", "aging_xlsx"}
    csv = downloads["aging_2026-10-30_due.csv"]
    assert csv.startswith(b"\xef\xbb\xbf")  # BOM, so Excel reads æøå
    text_cols = {c: str for c in ("Reference", "Name", "Country", "Segment")}
    for data in (
        pd.read_csv(io.BytesIO(csv), encoding="utf-8-sig", dtype=text_cols),
        pd.read_excel(io.BytesIO(downloads["aging_2026-10-30_due.xlsx"]), dtype=text_cols),
    ):
        assert list(data.columns) == list(shown.columns)
        assert len(data) == len(shown)
        for col in shown.columns:
            if col in text_cols:
                assert list(data[col]) == list(shown[col])
            else:
                assert list(data[col]) == pytest.approx(list(shown[col]), abs=0.001)


def test_sidebar_filter_changes_the_total(demo_url):
    at = run_page(PAGE, f_countries=["DK"])
    report = direct(demo_url, "due", flt=CustomerFilter(countries=("DK",)))
    assert 0 < len(report.customers) < len(direct(demo_url, "due").customers)
    assert_page_shows(at, report)
    assert set(table(at, "Reference")["Country"]) == {"DK"}


def test_as_of_before_any_data_gives_a_message(demo_url):
    at = run_page(PAGE, as_of=date(2020, 1, 1))
    assert not at.exception, at.exception
    assert any("Nothing was open" in i.value for i in at.info)
    assert not at.metric and not at.dataframe


def test_a_filter_that_selects_nobody_gives_a_message(demo_url):
    at = run_page(PAGE, f_countries=["FI"], f_currencies=["SEK"])  # no Finnish customer invoices in SEK
    assert not at.exception, at.exception
    assert any("sidebar filters" in i.value for i in at.info)
    assert not at.metric and not at.dataframe


def test_missing_fx_rate_gives_an_error(demo_url):
    import sqlite3

    with sqlite3.connect(demo_url.removeprefix("sqlite:///")) as conn:
        conn.execute("DELETE FROM fx_rates WHERE currency = 'SEK'")
    at = run_page(PAGE)
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "No exchange rate for SEK" in at.error[0].value
    assert not at.metric


def test_empty_database_gives_a_message(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/empty.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    at = run_page(PAGE)
    assert not at.exception, at.exception
    assert any("ledger is empty" in i.value for i in at.info)
    assert not at.metric


def test_norwegian_title(demo_url):
    at = run_page(PAGE, lang="nb")
    assert not at.exception, at.exception
    assert at.title and at.title[0].value != "Aging"
    assert at.segmented_control(key="aging_basis").options != ["Due date", "Invoice date"]
