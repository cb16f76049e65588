"""Property tests: random rows and garbage fed to the export reader and the canonical parsers never crash and never
write part of a file. Every outcome is a Prepared file, or an ImportFailed / IngestError with a message."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger import ready_engine
from sqlalchemy import func, select

from data_access.imports import ImportFailed
from data_access.ingest import import_export, prepare
from data_access.schema import Customer, Invoice
from domain.ingest import IngestError

HEADERS = ["invoice_number", "customer_ref", "issue_date", "due_date", "amount", "currency", "kind",
           "Fakturanr", "Kundenr", "Fakturadato", "Forfallsdato", "Beløp", "Valuta", "Type", "x"]  # fmt: skip
CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2026-10-01", "01.10.2026", "10/01/2026", "1 234,50", "-5", "100.00", "NOK", "EUR", "C1",
                     "credit_note", "Kreditnota", "", "=1+1", "0", "99999999999999999"]),
)  # fmt: skip


def table(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


def outcome(fn):
    try:
        fn()
    except (ImportFailed, IngestError) as exc:
        assert str(exc).strip()  # a message, never empty
        return "refused"
    return "ok"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from(["invoices", "payments", "customers"]))
def test_garbage_bytes_are_refused_with_a_message(data, kind):
    outcome(lambda: prepare(kind, data))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8, unique=True),
    st.data(),
    st.sampled_from([",", ";", "\t"]),
)
def test_random_rows_are_read_or_refused(header, data, delimiter):
    rows = data.draw(st.lists(st.lists(CELLS, min_size=len(header), max_size=len(header)), max_size=6))
    outcome(lambda: prepare("invoices", table(header, rows, delimiter)))


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    from ledger import load

    e = ready_engine(f"sqlite:///{tmp_path_factory.mktemp('prop')}/kv.db")
    load(e, customers=[("C1", "Fjord Handel AS"), ("C2", "Vik Bygg AS")])
    yield e
    e.dispose()


def counts(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(Customer)).scalar_one(),
            conn.execute(select(func.count()).select_from(Invoice)).scalar_one(),
        )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_an_import_is_whole_or_nothing(engine, data):
    header = ["Fakturanr", "Kundenr", "Fakturadato", "Forfallsdato", "Beløp", "Valuta"]
    rows = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(["F1", "F2", "F3", ""]),
                st.sampled_from(["C1", "C2", "C9", ""]),
                st.sampled_from(["01.10.2026", "31.02.2026", "x"]),
                st.sampled_from(["31.10.2026", "01.09.2026", ""]),
                st.sampled_from(["100,00", "-5,00", "abc", "1 000,50"]),
                st.sampled_from(["NOK", "XXX", ""]),
            ).map(list),
            min_size=1,
            max_size=5,
        )
    )
    before = counts(engine)
    conn = engine.connect()
    tx = conn.begin()
    try:
        result = outcome(lambda: import_export(conn, "invoices", table(header, rows, ";"), "f.csv"))
    finally:
        tx.rollback()
        conn.close()
    assert counts(engine) == before  # rolled back either way; the point is no exception of another kind
    if result == "ok":
        assert all(r[0] and r[1] in ("C1", "C2") for r in rows)  # an accepted file had only valid keys
