"""Control totals by customer: the file kind `control-totals` (parsing, pure), storing it on SQLite and PostgreSQL,
the comparison with our open AR by customer (the aging's customer rows), open-items snapshots stored by customer,
and the CLI. Every figure is computed by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from ledger import csv_bytes, load, ready_engine
from sqlalchemy import func, select
from test_cli import ok, run

from data_access.asof import aging
from data_access.borrowing import add_control_total, control_checks
from data_access.control_totals import control_differences, import_control_totals
from data_access.imports import ImportFailed, import_file
from data_access.ingest import import_export
from data_access.open_items_import import import_open_items_file
from data_access.schema import ControlTotal, ControlTotalLine, ImportLog
from domain.control_totals import (
    BalanceRow,
    ControlTotalError,
    CustomerDifference,
    ErpBalance,
    OurBalance,
    parse_balances,
    reconcile,
)

MARCH = date(2026, 3, 31)


# --- parsing (pure) ------------------------------------------------------------------------------


def rows(*dicts):
    return [{**d, "__row__": str(n)} for n, d in enumerate(dicts, start=2)]


def test_a_row_takes_its_date_from_the_file_or_from_the_date_given():
    parsed = parse_balances(rows({"date": "2026-03-31", "customer_ref": "C1", "balance": "-12.50"}), None, "NOK")
    assert parsed == [BalanceRow(2, MARCH, "C1", None, D("-12.50"), "NOK")]
    parsed = parse_balances(rows({"customer_ref": "C1", "balance": "5", "currency": "EUR"}), MARCH, "NOK")
    assert parsed == [BalanceRow(2, MARCH, "C1", None, D("5.00"), "EUR")]


@pytest.mark.parametrize(
    ("given", "file_rows", "problem"),
    [
        (None, [{"customer_ref": "C1", "balance": "1"}], "row 2 date: is required (or give the date"),
        (MARCH, [{"date": "2026-03-30", "customer_ref": "C1", "balance": "1"}], "row 2 date: differs from the date"),
        (MARCH, [{"customer_ref": "C1", "balance": ""}], "row 2 balance: is required"),
        (MARCH, [{"customer_ref": "C1", "balance": "1,5"}], "row 2 balance: "),
        (MARCH, [{"customer_ref": "C1", "balance": "1", "currency": "nok"}], "row 2 currency: 'nok' is not"),
        (MARCH, [{"customer_ref": "C" * 65, "balance": "1"}], "row 2 customer_ref: at most 64 characters, got 65"),
        (
            MARCH,
            [{"customer_ref": "C1", "balance": "1"}, {"customer_ref": "C1", "balance": "2"}],
            "row 3 customer_ref: a second row for customer C1 on 2026-03-31 in NOK; the first is row 2",
        ),
        (
            MARCH,
            [{"customer_ref": "", "balance": "1"}, {"customer_ref": "Totalt", "balance": "1"}],
            "row 3 balance: a second total row on 2026-03-31 in NOK; the first is row 2",
        ),
        (
            MARCH,
            [{"customer_ref": "C1", "balance": "100"}, {"customer_ref": "C2", "balance": "50.50"}, {"balance": "150"}],
            "row 4 balance: the file's total for 2026-03-31 in NOK is 150.00, but its customer rows add up to 150.50",
        ),
        (MARCH, [], "row 0 : the file lists no balances"),
    ],
)
def test_refused_rows_name_the_row_the_column_and_the_problem(given, file_rows, problem):
    with pytest.raises(ControlTotalError) as exc:
        parse_balances(rows(*file_rows), given, "NOK")
    shown = [f"row {p.row} {p.column}: {p.problem}" for p in exc.value.problems]
    assert any(s.startswith(problem) for s in shown), shown


def test_a_total_line_is_recognised_by_an_empty_customer_or_a_total_word():
    parsed = parse_balances(
        rows(
            {"customer_ref": "C1", "balance": "100"},
            {"customer_ref": "", "org_number": "988077917", "balance": "50"},  # a customer named by its org number
            {"customer_ref": "Sum:", "balance": "150"},  # "Sum:" is the export's total line (150 = 100 + 50)
        ),
        MARCH,
        "NOK",
    )
    assert [(r.customer_ref, r.org_number, r.is_total) for r in parsed] == [
        ("C1", None, False),
        (None, "988077917", False),
        (None, None, True),
    ]


def test_reconcile_lists_only_the_differences_largest_first_and_they_add_up_to_the_total_difference():
    erp = [
        ErpBalance(1, "C1", D("1200.00")),
        ErpBalance(2, "C2", D("500.00")),
        ErpBalance(2, "C2", D("250.00")),  # C2 in a second currency: 500 + 250 = 750
        ErpBalance(4, "C4", D("200.00")),
        ErpBalance(None, "C9", D("300.00")),
    ]
    ours = [
        OurBalance(1, "C1", "Aker", D("1200.00")),
        OurBalance(2, "C2", "Bølgen", D("800.00")),
        OurBalance(5, "C5", "Nord", D("250.00")),
    ]
    rec = reconcile(MARCH, "list", erp, ours, {4: "Fjell"})
    assert rec.erp_total == D("2450.00")  # 1200 + 750 + 200 + 300
    assert rec.our_total == D("2250.00")  # 1200 + 800 + 250
    assert rec.customers == (
        CustomerDifference(None, "C9", None, D("300.00"), None, "unknown"),  # -300
        CustomerDifference(5, "C5", "Nord", None, D("250.00"), "ours_only"),  # +250
        CustomerDifference(4, "C4", "Fjell", D("200.00"), None, "erp_only"),  # -200
        CustomerDifference(2, "C2", "Bølgen", D("750.00"), D("800.00"), "both"),  # +50
    )
    assert [c.difference for c in rec.customers] == [D("-300.00"), D("250.00"), D("-200.00"), D("50.00")]
    assert rec.difference == D("-200.00") == rec.explained  # 2250 - 2450 = -300 + 250 - 200 + 50


# --- the ledger ----------------------------------------------------------------------------------

CUSTOMERS = ("customer_ref", "name", "org_number", "country", "currency")
BALANCES = ("date", "customer_ref", "org_number", "balance", "currency")


def ledger(url):
    """Our open AR on 31 March 2026 (NOK; EUR at 11.50):
    C1 Aker: F1 1 000 - P1 300 + F2 500 = 1 200.00; C2 Bølgen: F3 800.00; C3 Fjord: F4 EUR 100 × 11.50 = 1 150.00;
    C4 Fjell: nothing open; C5 Nord: F5 250.00. Total 3 400.00."""
    engine = ready_engine(url)
    with engine.begin() as conn:
        import_file(
            conn,
            "customers",
            csv_bytes(
                CUSTOMERS,
                [
                    ("C1", "Aker AS", None, "NO", "NOK"),
                    ("C2", "Bølgen AS", "988077917", "NO", "NOK"),
                    ("C3", "Fjord GmbH", None, "DE", "EUR"),
                    ("C4", "Fjell AS", None, "NO", "NOK"),
                    ("C5", "Nord AS", None, "NO", "NOK"),
                ],
            ),
        )
    load(
        engine,
        fx=[("2026-03-01", "EUR", "11.50")],
        invoices=[
            ("F1", "C1", "2026-03-01", "2026-03-31", "1000.00", "NOK"),
            ("F2", "C1", "2026-03-10", "2026-04-09", "500.00", "NOK"),
            ("F3", "C2", "2026-03-05", "2026-04-04", "800.00", "NOK"),
            ("F4", "C3", "2026-03-15", "2026-04-14", "100.00", "EUR"),
            ("F5", "C5", "2026-03-25", "2026-04-24", "250.00", "NOK"),
        ],
        payments=[("P1", "C1", "2026-03-20", "300.00", "NOK", "F1")],
    )
    return engine


# The ERP's customer balance list of 31 March: C1 as ours; C2 (by its org number) 750; C3 EUR 95.00 × 11.50 =
# 1 092.50; C4 200 (we have nothing open); C9 300 (not in Kredittvakt); its NOK total line 1 200 + 750 + 200 + 300.
ERP_LIST = [
    ("2026-03-31", "C1", None, "1200.00", "NOK"),
    ("2026-03-31", None, "988 077 917", "750.00", None),
    ("2026-03-31", "C3", None, "95.00", "EUR"),
    ("2026-03-31", "C4", None, "200.00", "NOK"),
    ("2026-03-31", "C9", None, "300.00", "NOK"),
    ("2026-03-31", "Sum", None, "2450.00", "NOK"),
]


def store(engine, data: bytes, name="saldoliste.csv", **kw):
    with engine.begin() as conn:
        return import_control_totals(conn, data, name, **kw)


def differences(engine, day=MARCH):
    with engine.connect() as conn:
        return control_differences(conn, day)


def stored_rows(engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(ControlTotal)).scalar_one(),
            conn.execute(select(func.count()).select_from(ControlTotalLine)).scalar_one(),
        )


def test_a_customer_balance_list_is_compared_customer_by_customer(db_url):
    engine = ledger(db_url)
    with engine.connect() as conn:
        assert aging(conn, MARCH).total == D("3400.00")
    result = store(engine, csv_bytes(BALANCES, ERP_LIST), source="Tripletex saldoliste")
    [day] = result.days
    # ERP: 1 200 + 750 + 1 092.50 + 200 + 300 = 3 542.50 (the total line only checks the NOK rows)
    assert (day.as_of, day.erp_total, day.customers, day.added) == (MARCH, D("3542.50"), 5, True)
    assert day.our_total == D("3400.00") and day.difference == D("-142.50")
    assert result.unknown_customers == ("C9",)
    assert stored_rows(engine) == (1, 5)

    rec = differences(engine)
    assert (rec.source, rec.erp_total, rec.our_total, rec.difference) == (
        "Tripletex saldoliste",
        D("3542.50"),
        D("3400.00"),
        D("-142.50"),
    )
    got = [(c.customer_ref, c.name, c.erp, c.ours, c.difference, c.side) for c in rec.customers]
    assert got == [
        ("C9", None, D("300.00"), None, D("-300.00"), "unknown"),
        ("C5", "Nord AS", None, D("250.00"), D("250.00"), "ours_only"),
        ("C4", "Fjell AS", D("200.00"), None, D("-200.00"), "erp_only"),
        ("C3", "Fjord GmbH", D("1092.50"), D("1150.00"), D("57.50"), "both"),
        ("C2", "Bølgen AS", D("750.00"), D("800.00"), D("50.00"), "both"),
    ]  # C1 ties (1 200.00 on both sides) and is left out
    assert rec.explained == rec.difference == D("-142.50")  # -300 + 250 - 200 + 57.50 + 50

    with engine.connect() as conn:
        [check] = control_checks(conn)
        log = conn.execute(select(ImportLog.kind, ImportLog.source, ImportLog.status)).all()
    assert (check.as_of, check.erp_total, check.our_total, check.by_customer) == (
        MARCH,
        D("3542.50"),
        D("3400.00"),
        True,
    )
    assert ("control-totals", "control_totals", "ok") in log

    again = store(engine, csv_bytes(BALANCES, ERP_LIST), source="Tripletex saldoliste")
    assert not again.days[0].added and stored_rows(engine) == (1, 5)  # the same figures: nothing new

    # C9 imported later: matched by its reference, now a known customer without open items
    with engine.begin() as conn:
        import_file(conn, "customers", csv_bytes(("customer_ref", "name"), [("C9", "Vest AS")]))
    [c9] = [c for c in differences(engine).customers if c.customer_ref == "C9"]
    assert (c9.name, c9.side, c9.difference) == ("Vest AS", "erp_only", D("-300.00"))
    engine.dispose()


@pytest.mark.parametrize(
    ("bad_rows", "message"),
    [
        (
            [*ERP_LIST[:5], ("2026-03-31", "Sum", None, "2400.00", "NOK")],
            "row 7, column balance: the file's total for 2026-03-31 in NOK is 2400.00, but its customer rows add up "
            "to 2450.00",
        ),
        (
            [("2026-02-27", "C3", None, "95.00", "EUR")],  # the first EUR rate is dated 1 March
            "row 2, column currency: no EUR exchange rate on or before 2026-02-27; import the fx-rates first",
        ),
        (
            [ERP_LIST[1], ("2026-03-31", "C2", None, "10.00", "NOK")],
            "row 3, column customer_ref: names customer C2 again on 2026-03-31 in NOK; the first is row 2",
        ),
        (
            [("2026-03-31", "C2", "923609016", "10.00", "NOK")],
            "row 2, column org_number: is not the organisation number of C2 (988077917)",
        ),
        ([("2026-03-31", "C1", None, "1.234,50", "NOK")], "row 2, column balance:"),
    ],
)
def test_a_refused_file_names_the_problem_and_writes_nothing(db_url, bad_rows, message):
    engine = ledger(db_url)
    store(engine, csv_bytes(BALANCES, ERP_LIST))
    with pytest.raises(ImportFailed) as exc:
        store(engine, csv_bytes(BALANCES, bad_rows), name="bad.csv")
    assert any(str(e).startswith(message) for e in exc.value.errors), [str(e) for e in exc.value.errors]
    assert stored_rows(engine) == (1, 5)
    assert differences(engine).difference == D("-142.50")
    engine.dispose()


def test_a_plain_total_and_a_file_dated_from_outside(db_url):
    engine = ledger(db_url)
    result = store(engine, csv_bytes(("date", "balance"), [("2026-03-31", "3400.00"), ("2026-02-28", "0.00")]))
    assert [(d.as_of, d.erp_total, d.customers, d.difference) for d in result.days] == [
        (date(2026, 2, 28), D("0.00"), 0, D("0.00")),  # nothing issued before March
        (MARCH, D("3400.00"), 0, D("0.00")),
    ]
    assert differences(engine) is None  # a plain total has no customers to compare
    with engine.connect() as conn:
        assert [c.by_customer for c in control_checks(conn)] == [False, False]

    # a list without a date column, dated when imported; it replaces the plain total of that day as the latest
    result = store(engine, csv_bytes(("customer_ref", "balance"), [("C1", "1100.00")]), as_of=MARCH)
    assert result.days[0].erp_total == D("1100.00")
    rec = differences(engine)
    assert rec.difference == D("2300.00") == rec.explained  # 3 400 - 1 100
    assert [(c.customer_ref, c.difference) for c in rec.customers] == [
        ("C3", D("1150.00")),
        ("C2", D("800.00")),
        ("C5", D("250.00")),
        ("C1", D("100.00")),  # 1 200 - 1 100
    ]
    engine.dispose()


def test_a_norwegian_customer_balance_list_is_read_as_it_is(db_url):
    engine = ledger(db_url)
    data = (
        "Kundenr;Kundenavn;Ikke forfalt;Forfalt;Saldo\n"
        "C1;Aker AS;500,00;700,00;1 200,00\n"
        "C2;Bølgen AS;800,00;0,00;800,00\n"
        "C5;Nord AS;0,00;-50,00;50,00-\n"
    ).encode("cp1252")
    with engine.begin() as conn:
        result, prepared = import_export(conn, "control-totals", data, "saldoliste.csv", as_of=MARCH)
    assert prepared.mapping.source_of == {"customer_ref": "Kundenr", "balance": "Saldo"}
    assert (prepared.dialect.delimiter, prepared.dialect.decimal, prepared.dialect.thousands) == (";", ",", " ")
    assert result.days[0].erp_total == D("1950.00")  # 1 200 + 800 - 50
    rec = differences(engine)
    assert [(c.customer_ref, c.erp, c.ours, c.difference) for c in rec.customers] == [
        ("C3", None, D("1150.00"), D("1150.00")),
        ("C5", D("-50.00"), D("250.00"), D("300.00")),
    ]
    assert rec.explained == rec.difference == D("1450.00")  # 3 400 - 1 950
    engine.dispose()


# --- open-items snapshots store their per-customer totals the same way ------------------------------

SNAP = ("snapshot_date", "document_number", "customer_ref", "issue_date", "due_date", "original_amount")
SNAP += ("remaining_amount", "currency")


def test_an_open_items_snapshot_is_a_control_total_by_customer(db_url):
    """Snapshot of 5 March: K1 F1 1 000 (300 open) and F2 500; K2 EUR E1 10.01 and E2 10.01 at 11.55 (each
    10.01 × 11.55 = 115.6155 -> 115.62, so 231.24, not 20.02 × 11.55 = 231.23); K3 F3 400, but K3 paid 100 on
    account on 4 March, which an open-items list does not carry."""
    engine = ready_engine(db_url)
    load(
        engine,
        customers=[("K1", "Kunde 1"), ("K2", "Kunde 2", "DE", "EUR"), ("K3", "Kunde 3")],
        fx=[("2026-03-01", "EUR", "11.55")],
        payments=[("PA", "K3", "2026-03-04", "100.00", "NOK")],
    )
    snapshot = csv_bytes(
        SNAP,
        [
            ("2026-03-05", "F1", "K1", "2026-03-01", "2026-03-31", "1000.00", "300.00", "NOK"),
            ("2026-03-05", "F2", "K1", "2026-03-02", "2026-04-01", "500.00", "500.00", "NOK"),
            ("2026-03-05", "E1", "K2", "2026-03-01", "2026-03-31", "10.01", "10.01", "EUR"),
            ("2026-03-05", "E2", "K2", "2026-03-02", "2026-04-01", "10.01", "10.01", "EUR"),
            ("2026-03-05", "F3", "K3", "2026-03-03", "2026-04-02", "400.00", "400.00", "NOK"),
        ],
    )
    with engine.begin() as conn:
        result = import_open_items_file(conn, snapshot, "open-items-2026-03-05.csv")
    assert result.control_total == D("1431.24")  # 300 + 500 + 231.24 + 400
    assert result.ledger_total == D("1331.24")  # the 100 on account
    with engine.connect() as conn:
        lines = conn.execute(
            select(ControlTotalLine.customer_ref, ControlTotalLine.currency, ControlTotalLine.amount)
            .add_columns(ControlTotalLine.base_amount)
            .order_by(ControlTotalLine.customer_ref)
        ).all()
    assert [tuple(r) for r in lines] == [
        ("K1", "NOK", D("800.00"), D("800.00")),
        ("K2", "EUR", D("20.02"), D("231.24")),
        ("K3", "NOK", D("400.00"), D("400.00")),
    ]
    rec = differences(engine, date(2026, 3, 5))
    assert [(c.customer_ref, c.erp, c.ours, c.difference, c.side) for c in rec.customers] == [
        ("K3", D("400.00"), D("300.00"), D("-100.00"), "both")
    ]  # K1 and K2 tie: the snapshot's lines convert per document, as the aging does
    assert rec.difference == rec.explained == D("-100.00") == result.ledger_total - result.control_total

    with engine.begin() as conn:  # the same file again stores nothing new
        again = import_open_items_file(conn, snapshot, "open-items-2026-03-05.csv")
    assert not again.control_total_added and stored_rows(engine) == (1, 3)
    engine.dispose()


# --- the CLI -----------------------------------------------------------------------------------------


def test_cli_imports_a_balance_list_and_shows_the_differences_by_customer(db_url, tmp_path):
    engine = ledger(db_url)
    engine.dispose()
    path = tmp_path / "saldoliste.csv"
    path.write_bytes(csv_bytes(BALANCES, ERP_LIST))
    out = ok(db_url, "import", "control-totals", str(path), "--source", "Tripletex saldoliste")
    assert "2026-03-31 ERP total 3542.50 from 5 customers, our open AR 3400.00, difference -142.50" in out
    assert "1 customer(s) in the file are unknown to Kredittvakt (C9)" in out

    text = ok(db_url, "control-total", "--as-of", "2026-03-31", "--by-customer")
    lines = text.splitlines()
    assert lines[0] == (
        "Control total 2026-03-31 (Tripletex saldoliste): ERP 3,542.50, our open AR 3,400.00, difference -142.50"
    )
    assert lines[1] == "5 customer(s) differ (ours - ERP), largest first:"
    assert [ln.split()[0] for ln in lines[3:8]] == ["C9", "C5", "C4", "C3", "C2"]
    assert lines[-1].split()[-1] == "-142.50"  # the sum of the differences

    csv_out = ok(db_url, "control-total", "--as-of", "2026-03-31", "--by-customer", "--format", "csv")
    assert csv_out.splitlines() == [
        "customer_ref,name,erp_balance,our_open_ar,difference,side",
        "C9,,300.00,,-300.00,unknown",
        "C5,Nord AS,,250.00,250.00,ours_only",
        "C4,Fjell AS,200.00,,-200.00,erp_only",
        "C3,Fjord GmbH,1092.50,1150.00,57.50,both",
        "C2,Bølgen AS,750.00,800.00,50.00,both",
    ]

    r = run(db_url, "control-total", "--as-of", "2026-02-28", "--by-customer")
    assert r.exit_code == 1 and "no control total by customer for 2026-02-28" in r.output
    r = run(db_url, "control-total", "--as-of", "2026-02-28")
    assert r.exit_code == 2 and "give --amount and --source" in r.output
    # recording a plain total by hand still works, and it is then the date's control total
    ok(db_url, "control-total", "--as-of", "2026-03-31", "--amount", "3400", "--source", "GL 1500")
    r = run(db_url, "control-total", "--as-of", "2026-03-31", "--by-customer")
    assert r.exit_code == 1


def test_a_manual_total_replaces_a_by_customer_total_as_the_latest(db_url):
    engine = ledger(db_url)
    store(engine, csv_bytes(BALANCES, ERP_LIST))
    with engine.begin() as conn:
        add_control_total(conn, MARCH, D("3400.00"), "GL 1500", "Kari")
        [check] = control_checks(conn)
    assert (check.source, check.by_customer, check.difference) == ("GL 1500", False, D("0.00"))
    assert differences(engine) is None
    engine.dispose()


def test_undoing_a_balance_list_removes_its_total_and_lines(db_url, tmp_path):
    engine = ledger(db_url)
    engine.dispose()
    path = tmp_path / "saldoliste.csv"
    path.write_bytes(csv_bytes(BALANCES, ERP_LIST))
    out = ok(db_url, "import", "control-totals", str(path), "--source", "Tripletex saldoliste")
    number = out.split("logged as import #")[1].split()[0]
    e = ready_engine(db_url)
    assert stored_rows(e) == (1, 5)  # one line per customer; the file's total row is the control total
    assert ok(db_url, "import", "undo", number).strip() == (
        f"undid import #{number}: removed 5 control_total_lines, 1 control_totals; restored none"
    )
    assert stored_rows(e) == (0, 0)
    assert differences(e) is None
    e.dispose()
