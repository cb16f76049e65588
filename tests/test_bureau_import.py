"""Import kinds credit-reports and company-events: customers by reference or organisation number, strict rows,
all or nothing, idempotent, logged under their own source, JSON input, and what the risk class makes of them."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from ledger import csv_bytes, load, ready_engine
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from components.messages import EVENT_LABELS
from data_access.borrowing import BANKRUPT_EVENTS
from data_access.imports import ImportFailed, import_file, is_json
from data_access.ledger import data_version
from data_access.risk import customer_risk, register_events
from data_access.schema import CompanyEvent, CreditReport, Customer, ImportLog
from domain.canonical import EVENT_TYPES, FORMATS, FieldError, parse_row
from domain.policy import AlertThresholds
from domain.risk import RiskRules

CUSTOMER_HEADER = ("customer_ref", "name", "org_number", "country", "currency")
CUSTOMERS = [
    ("C1", "Fjord Handel AS", "988077917", "NO", "NOK"),
    ("C2", "Göta Verkstad AB", "5560360793", "SE", "NOK"),
    ("C3", "Aalborg Træ ApS", "13585628", "DK", "NOK"),
    ("C4", "Lahti Metalli Oy", "2077474-0", "FI", "NOK"),  # stored compact: 20774740
    ("C5", "Uten Orgnr AS", "", "NO", "NOK"),
]
# C1 owes 1000.00, due 9 Feb: nothing is overdue on the as-of date, so only the bureau sets its class
INVOICES = [("A1", "C1", "2026-01-10", "2026-02-09", "1000.00", "NOK")]
AS_OF = date(2026, 2, 1)

# customer first: column order is free
CR = ("customer_ref", "org_number", "report_date", "source", "score", "rating", "remarks_count", "remarks_amount")
CR = (*CR, "uc_class", "pd_percent")
REPORTS = [
    ("C1", "", "2026-01-15", "UC", "", "", "0", "0", "3", "1.2"),
    ("", "556036-0793", "2026-01-20", "UC", "", "", "2", "15000.50", "2", "4.75"),  # SE form with the hyphen
    ("", "13 58 56 28", "2026-01-05", "Creditsafe", "64", "", "", "", "", ""),  # DK, spaces; defaults 0
    ("C4", "2077474-0", "2026-01-07", "Dun & Bradstreet", "", "AA", "", "", "", ""),  # both, and they agree
    ("C1", "", "2025-10-01", "UC", "", "", "0", "0", "4", "0.50"),  # an older report of C1
]
# (ref, report date, source) -> (score, rating, remarks count, remarks amount, uc class, pd percent)
STORED_REPORTS = {
    ("C1", date(2026, 1, 15), "UC"): (None, None, 0, D("0.00"), 3, D("1.20")),
    ("C2", date(2026, 1, 20), "UC"): (None, None, 2, D("15000.50"), 2, D("4.75")),
    ("C3", date(2026, 1, 5), "Creditsafe"): (64, None, 0, D("0.00"), None, None),
    ("C4", date(2026, 1, 7), "Dun & Bradstreet"): (None, "AA", 0, D("0.00"), None, None),
    ("C1", date(2025, 10, 1), "UC"): (None, None, 0, D("0.00"), 4, D("0.50")),
}

EV = ("customer_ref", "org_number", "event_date", "event_type", "source", "text")
EVENTS = [
    ("C1", "", "2026-01-20", "bankruptcy", "Brønnøysundregistrene", "Konkurs åpnet ved Oslo tingrett"),
    ("", "5560360793", "2026-01-12", "role_change", "Bolagsverket", "Ny VD: Anna Svensson"),
    ("C1", "", "2025-12-01", "address_change", "Brønnøysundregistrene", ""),
    ("C1", "", "2024-11-30", "role_change", "Brønnøysundregistrene", "Ny daglig leder"),  # older than a year
]
STORED_EVENTS = {
    ("C1", date(2026, 1, 20), "bankruptcy", "Brønnøysundregistrene"): "Konkurs åpnet ved Oslo tingrett",
    ("C2", date(2026, 1, 12), "role_change", "Bolagsverket"): "Ny VD: Anna Svensson",
    ("C1", date(2025, 12, 1), "address_change", "Brønnøysundregistrene"): None,
    ("C1", date(2024, 11, 30), "role_change", "Brønnøysundregistrene"): "Ny daglig leder",
}


def ledger(url: str):
    engine = ready_engine(url)
    with engine.begin() as conn:
        import_file(conn, "customers", csv_bytes(CUSTOMER_HEADER, CUSTOMERS), "customers.csv")
    load(engine, invoices=INVOICES)
    return engine


def run(engine, kind, data: bytes, name: str | None = "bureau.csv"):
    with engine.begin() as conn:
        return import_file(conn, kind, data, name)


def reports(engine) -> dict[tuple, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Customer.customer_ref,
                CreditReport.report_date,
                CreditReport.source,
                CreditReport.score,
                CreditReport.rating,
                CreditReport.remarks_count,
                CreditReport.remarks_amount,
                CreditReport.uc_class,
                CreditReport.pd_percent,
            ).join(Customer, Customer.id == CreditReport.customer_id)
        ).all()
    out = {tuple(r[:3]): tuple(r[3:]) for r in rows}
    assert len(out) == len(rows)  # never two reports with the same key
    return out


def events(engine) -> dict[tuple, str | None]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                Customer.customer_ref,
                CompanyEvent.event_date,
                CompanyEvent.event_type,
                CompanyEvent.source,
                CompanyEvent.text,
            ).join(Customer, Customer.id == CompanyEvent.customer_id)
        ).all()
    out = {tuple(r[:4]): r[4] for r in rows}
    assert len(out) == len(rows)
    return out


def ids(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Customer.customer_ref, Customer.id)).all())


def last_log(engine):
    with engine.connect() as conn:
        return conn.execute(select(ImportLog.__table__).order_by(ImportLog.id.desc()).limit(1)).one()


def log_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ImportLog)).scalar_one()


# --- credit-reports ---------------------------------------------------------------------------------------------


def test_uc_reports_are_stored_matched_by_reference_or_organisation_number_and_logged(db_url):
    engine = ledger(db_url)
    with engine.connect() as conn:
        v0 = data_version(conn)
    res = run(engine, "credit-reports", csv_bytes(CR, REPORTS))
    assert (res.rows, res.inserted, res.updated, res.unchanged) == (5, 5, 0, 0)
    assert res.summary() == "credit-reports: 5 rows, 5 inserted, 0 updated"
    assert reports(engine) == STORED_REPORTS
    log = last_log(engine)
    assert (log.kind, log.source, log.file_name, log.rows, log.inserted, log.updated, log.status) == (
        "credit-reports",
        "credit_reports",  # the sidebar's "Credit reports" date, not the ledger's
        "bureau.csv",
        5,
        5,
        0,
        "ok",
    )
    with engine.connect() as conn:
        assert data_version(conn) > v0


def test_the_uc_report_drives_the_class_and_its_pd_is_the_one_used(db_url):
    engine = ledger(db_url)
    run(engine, "credit-reports", csv_bytes(CR, REPORTS))
    cid = ids(engine)
    with engine.connect() as conn:
        c1 = customer_risk(conn, cid["C1"], AS_OF)
        c2 = customer_risk(conn, cid["C2"], AS_OF)
        c3 = customer_risk(conn, cid["C3"], AS_OF)
        c4 = customer_risk(conn, cid["C4"], AS_OF)
    # C1: the latest report (15 Jan, UC 3) maps to C; nothing else moves it; the PD is UC's 1.20, not the
    # policy's 3.00 for class C. Expected loss = 1.20 % x LGD 70 % x exposure 1000.00 = 8.40
    a = c1.assessment
    assert (a.base_class, a.risk_class, a.bureau_band, a.contributions) == ("C", "C", "UC 3", ())
    assert (a.pd_percent, a.pd_source) == (D("1.20"), "bureau")
    assert c1.expected_loss == D("8.40")
    assert (c1.latest_report.view.uc_class, c1.previous_report.view.uc_class) == (3, 4)
    # C2: UC 2 -> D, and 2 payment remarks (fewer than 3) move it one notch -> E; PD 4.75 from UC
    a = c2.assessment
    assert (a.base_class, a.risk_class, [c.code for c in a.contributions]) == ("D", "E", ["payment_remarks"])
    assert a.contributions[0].params == {"count": 2, "amount": D("15000.50")}
    assert (a.pd_percent, a.pd_source) == (D("4.75"), "bureau")
    # C3: Creditsafe 64 is in the 51-70 band -> B; no PD in the report, so the policy's 0.75 for B
    a = c3.assessment
    assert (a.base_class, a.bureau_band, a.pd_percent, a.pd_source) == ("B", "low risk", D("0.75"), "policy")
    # C4: D&B AA -> A
    assert (c4.assessment.base_class, c4.assessment.bureau_band) == ("A", "AA")

    # UC's new riskprognos for the same report is an update, and the PD follows: 1.35 % x 70 % x 1000.00 = 9.45
    res = run(engine, "credit-reports", csv_bytes(CR, [("C1", "", "2026-01-15", "UC", "", "", "0", "0", "3", "1.35")]))
    assert (res.inserted, res.updated, res.unchanged) == (0, 1, 0)
    with engine.connect() as conn:
        c1 = customer_risk(conn, cid["C1"], AS_OF)
    assert (c1.assessment.pd_percent, c1.expected_loss) == (D("1.35"), D("9.45"))


def test_reimport_changes_nothing_and_changed_values_are_updates(db_url):
    engine = ledger(db_url)
    run(engine, "credit-reports", csv_bytes(CR, REPORTS))
    res = run(engine, "credit-reports", csv_bytes(CR, REPORTS))
    assert (res.inserted, res.updated, res.unchanged) == (0, 0, 5)
    assert res.summary() == "credit-reports: 5 rows, 0 inserted, 0 updated"
    assert reports(engine) == STORED_REPORTS

    changed = [
        # C1's report gets 1 remark of 2500.00; its blank pd_percent clears the stored 1.20 (a row replaces)
        ("C1", "", "2026-01-15", "UC", "", "", "1", "2500.00", "3", ""),
        REPORTS[1],
        # the same customer and date from another bureau is another report, not an update
        ("C1", "988 077 917", "2026-01-15", "Creditsafe", "40", "", "", "", "", ""),
    ]
    res = run(engine, "credit-reports", csv_bytes(CR, changed))
    assert (res.inserted, res.updated, res.unchanged) == (1, 1, 1)
    assert reports(engine) == {
        **STORED_REPORTS,
        ("C1", date(2026, 1, 15), "UC"): (None, None, 1, D("2500.00"), 3, None),
        ("C1", date(2026, 1, 15), "Creditsafe"): (40, None, 0, D("0.00"), None, None),
    }


CHANGE_C1 = ("C1", "", "2026-01-15", "UC", "", "", "0", "0", "2", "9.99")  # valid, would change C1's report


def bad_report(**values) -> tuple:
    """C5's report on 1 Feb (valid), with the given columns replaced."""
    row = dict(zip(CR, ("C5", "", "2026-02-01", "UC", "", "", "", "", "", ""), strict=True)) | values
    return tuple(row[c] for c in CR)


REPORT_ERRORS = [
    (bad_report(customer_ref="ZZ9"), "row 3, column customer_ref: unknown customer (value 'ZZ9')"),
    (
        bad_report(customer_ref="", org_number="923609016"),  # a valid NO number that is none of ours
        "row 3, column org_number: unknown customer: no customer has this organisation number (value '923609016')",
    ),
    (
        bad_report(customer_ref="C1", org_number="5560360793"),
        "row 3, column org_number: is not the organisation number of C1 (988077917) (value '5560360793')",
    ),
    (
        bad_report(customer_ref=""),
        "row 3, column customer_ref,org_number: give the customer: customer_ref or org_number (at least one)",
    ),
    (
        bad_report(customer_ref="", org_number="988 077 917", report_date="2026-01-15"),  # C1 again, by number
        "row 3, column org_number,report_date,source: duplicate key, first seen in row 2 "
        "(value '988 077 917 2026-01-15 UC')",
    ),
    (
        bad_report(report_date="15.01.2026"),
        "row 3, column report_date: '15.01.2026' is not an ISO date (YYYY-MM-DD) (value '15.01.2026')",
    ),
    (bad_report(source=""), "row 3, column source: is required"),
    (bad_report(source="X" * 51), f"row 3, column source: at most 50 characters, got 51 (value '{'X' * 51}')"),
    (bad_report(score="101"), "row 3, column score: 101 is not on the 0-100 scale (value '101')"),
    (bad_report(score="-1"), "row 3, column score: -1 is not on the 0-100 scale (value '-1')"),
    (bad_report(score="7.5"), "row 3, column score: '7.5' is not a whole number (value '7.5')"),
    (bad_report(rating="A" * 21), f"row 3, column rating: at most 20 characters, got 21 (value '{'A' * 21}')"),
    (bad_report(remarks_count="-1"), "row 3, column remarks_count: -1 is below the minimum 0 (value '-1')"),
    (bad_report(remarks_amount="-5.00"), "row 3, column remarks_amount: -5.00 must not be negative (value '-5.00')"),
    (
        bad_report(uc_class="6"),
        "row 3, column uc_class: 6 is not a UC risk class (1 = very high risk ... 5 = very low risk) (value '6')",
    ),
    (
        bad_report(uc_class="0"),
        "row 3, column uc_class: 0 is not a UC risk class (1 = very high risk ... 5 = very low risk) (value '0')",
    ),
    (
        bad_report(pd_percent="100.01"),
        "row 3, column pd_percent: 100.01 is not a percentage between 0 and 100 (value '100.01')",
    ),
    (
        bad_report(pd_percent="-0.5"),
        "row 3, column pd_percent: -0.5 is not a percentage between 0 and 100 (value '-0.5')",
    ),
    (bad_report(pd_percent="1.255"), "row 3, column pd_percent: 1.255 has more than 2 decimals (value '1.255')"),
    (
        bad_report(pd_percent="1,25"),
        "row 3, column pd_percent: '1,25' is not a number (a percent with . as the decimal mark, e.g. 1.25) "
        "(value '1,25')",
    ),
]


@pytest.mark.parametrize(("bad", "message"), REPORT_ERRORS)
def test_each_bad_report_row_rejects_the_whole_file_with_its_message(db_url, bad, message):
    engine = ledger(db_url)
    run(engine, "credit-reports", csv_bytes(CR, REPORTS))
    logs = log_count(engine)
    with pytest.raises(ImportFailed) as exc:
        run(engine, "credit-reports", csv_bytes(CR, [CHANGE_C1, bad]), "bad.csv")
    assert [str(e) for e in exc.value.errors] == [message]
    assert str(exc.value) == f"credit-reports import rejected, nothing was written: {message}"
    assert reports(engine) == STORED_REPORTS  # C1's report kept its UC 3 and 1.20
    assert log_count(engine) == logs


def test_an_organisation_number_two_customers_share_is_refused(db_url):
    engine = ledger(db_url)
    with engine.begin() as conn:
        import_file(
            conn, "customers", csv_bytes(CUSTOMER_HEADER, [("C9", "Fjord Handel (dup)", "988077917", "NO", "")])
        )
    with pytest.raises(ImportFailed) as exc:
        run(
            engine,
            "credit-reports",
            csv_bytes(("org_number", "report_date", "source"), [("988077917", "2026-01-15", "UC")]),
        )
    assert [str(e) for e in exc.value.errors] == [
        "row 2, column org_number: belongs to more than one customer (C1, C9); give customer_ref (value '988077917')"
    ]
    # naming the customer settles it; the number agrees with C9's
    res = run(
        engine,
        "credit-reports",
        csv_bytes(("customer_ref", "org_number", "report_date", "source"), [("C9", "988077917", "2026-01-15", "UC")]),
    )
    assert res.inserted == 1


def test_an_organisation_number_matches_only_in_the_customers_own_country(db_url):
    """13585628 is a valid DK CVR number but fails the FI check digit: it can only be C3 (DK)."""
    engine = ledger(db_url)
    res = run(
        engine,
        "credit-reports",
        csv_bytes(("org_number", "report_date", "source", "score"), [("DK13585628", "2026-01-05", "Creditsafe", "64")]),
    )
    assert res.inserted == 1
    assert reports(engine) == {("C3", date(2026, 1, 5), "Creditsafe"): (64, None, 0, D("0.00"), None, None)}


def test_every_problem_of_a_file_is_listed_and_header_problems_are_named(db_url):
    engine = ledger(db_url)
    with pytest.raises(ImportFailed) as exc:
        run(engine, "credit-reports", csv_bytes(CR, [bad_report(score="x"), bad_report(uc_class="9"), REPORTS[0]]))
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "score"), (3, "uc_class")]
    with pytest.raises(ImportFailed) as exc:
        run(engine, "credit-reports", csv_bytes(("report_date", "source", "scroe"), [("2026-01-15", "UC", "50")]))
    assert [str(e) for e in exc.value.errors] == [
        "row 1, column scroe: unknown column(s) scroe; allowed: " + ", ".join(FORMATS["credit-reports"].columns),
        "row 1, column customer_ref,org_number: needs a customer_ref or an org_number column (or both)",
    ]
    assert reports(engine) == {}


# --- JSON -------------------------------------------------------------------------------------------------------


def as_json(header, rows, *, numbers=()) -> bytes:
    """The rows as a JSON list of objects: blank values left out, the `numbers` columns as JSON numbers."""
    objs = [
        {k: (json.loads(v) if k in numbers else v) for k, v in zip(header, r, strict=True) if v != ""} for r in rows
    ]
    return json.dumps(objs, ensure_ascii=False, indent=1).encode()


def test_a_json_file_imports_like_the_csv(db_url):
    engine = ledger(db_url)
    data = as_json(CR, REPORTS, numbers=("score", "remarks_count", "uc_class", "pd_percent"))
    assert b'"pd_percent": 1.2' in data and b'"uc_class": 3' in data  # real JSON numbers
    res = run(engine, "credit-reports", data, "reports.json")
    assert (res.rows, res.inserted) == (5, 5)
    assert reports(engine) == STORED_REPORTS
    # detected by its content too (no name, or any name); the same data again changes nothing
    res = run(engine, "credit-reports", b"\xef\xbb\xbf \n" + data, None)
    assert (res.inserted, res.updated, res.unchanged) == (0, 0, 5)
    res = run(engine, "company-events", as_json(EV, EVENTS), "feed.txt")
    assert (res.rows, res.inserted) == (4, 4)
    assert events(engine) == STORED_EVENTS


@pytest.mark.parametrize(
    ("data", "messages"),
    [
        (
            b'[{"customer_ref": "C1", "report_date": "2026-01-15", "source": "UC"},\n'
            b' {"customer_ref": "C1", "report_date": "2026-01-16", "source": "UC", "score": 101}]',
            ["row 2, column score: 101 is not on the 0-100 scale (value '101')"],  # row = the object's number
        ),
        (
            b'[{"customer_ref": "C1", "report_date": "2026-01-15", "source": "UC", "score": true, "scroe": 5}]',
            [
                "row 1, column scroe: unknown key(s) scroe; allowed: " + ", ".join(FORMATS["credit-reports"].columns),
                "row 1, column score: must be text or a number (value 'true')",
            ],
        ),
        (
            b'[{"customer_ref": "C1", "customer_ref": "C2", "report_date": "2026-01-15", "source": "UC"}]',
            ["row 1, column customer_ref: key(s) appear more than once"],
        ),
        (
            b'[{"customer_ref": "C1", "report_date": "2026-01-15", "source": "UC", "rating": ["AA"]}, "C2"]',
            [
                "row 1, column rating: must be text or a number",
                "row 2: is not an object with the columns as keys",
            ],
        ),
        (
            b'[{"customer_ref": "C1", "report_date": "2026-01-15", "source": "UC", "pd_percent": NaN}]',
            ["file: the file is not valid JSON: NaN is not a number"],
        ),
        (
            b'[{"customer_ref": "C1",',
            ["file: the file is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 24)"],
        ),
        (b"", ["file: the file is empty"]),
    ],
)
def test_json_problems_are_named(db_url, data, messages):
    engine = ledger(db_url)
    with pytest.raises(ImportFailed) as exc:
        run(engine, "credit-reports", data, "reports.json")
    assert [str(e) for e in exc.value.errors] == messages
    assert reports(engine) == {}


def test_a_json_object_instead_of_a_list_is_refused_and_other_kinds_stay_csv(db_url):
    engine = ledger(db_url)
    with pytest.raises(ImportFailed) as exc:
        run(engine, "credit-reports", b'{"customer_ref": "C1"}', "reports.json")
    assert [str(e) for e in exc.value.errors] == ["file: a JSON file must be a list of objects: [{...}, {...}]"]
    assert is_json("credit-reports", b"[]", None) and is_json("company-events", b"x", "EVENTS.JSON")
    assert not is_json("credit-reports", b"customer_ref,report_date,source\n", "reports.csv")
    assert not is_json("invoices", b"[]", "invoices.json")  # the ledger kinds read only the canonical CSV


# --- company-events ---------------------------------------------------------------------------------------------


def test_register_events_are_stored_logged_and_feed_the_risk_class(db_url):
    engine = ledger(db_url)
    run(engine, "credit-reports", csv_bytes(CR, REPORTS))
    res = run(engine, "company-events", csv_bytes(EV, EVENTS), "events.csv")
    assert (res.rows, res.inserted, res.updated, res.unchanged) == (4, 4, 0, 0)
    assert events(engine) == STORED_EVENTS
    log = last_log(engine)
    assert (log.kind, log.source, log.file_name, log.rows, log.inserted, log.status) == (
        "company-events",
        "register",
        "events.csv",
        4,
        4,
        "ok",
    )
    cid = ids(engine)
    with engine.connect() as conn:
        found = register_events(conn, AS_OF, 365)
        c1 = customer_risk(conn, cid["C1"], AS_OF)
        c2 = customer_risk(conn, cid["C2"], AS_OF)
    # the year before 1 Feb 2026 is (1 Feb 2025, 1 Feb 2026]: C1's role change of 30 Nov 2024 is left out
    assert {c: sorted((e.day, e.kind, e.text) for e in evs) for c, evs in found.items()} == {
        cid["C1"]: [
            (date(2025, 12, 1), "address_change", None),
            (date(2026, 1, 20), "bankruptcy", "Konkurs åpnet ved Oslo tingrett"),
        ],
        cid["C2"]: [(date(2026, 1, 12), "role_change", "Ny VD: Anna Svensson")],
    }
    # C1's bankruptcy 12 days ago puts it in E whatever UC says (base C); the PD stays UC's 1.20
    a = c1.assessment
    assert (a.base_class, a.risk_class, [c.code for c in a.contributions]) == ("C", "E", ["severe_event"])
    assert a.contributions[0].params == {"event": "bankruptcy", "date": date(2026, 1, 20)}
    assert (a.pd_percent, c1.expected_loss) == (D("1.20"), D("8.40"))  # 1.20 % x 70 % x 1000.00
    # C2: the role change 20 days ago (within 90) is one more notch; D + remarks + role change is clamped at E
    assert [c.code for c in c2.assessment.contributions] == ["payment_remarks", "role_change"]
    assert c2.assessment.risk_class == "E"


def test_events_reimport_is_idempotent_and_a_new_text_is_an_update(db_url):
    engine = ledger(db_url)
    run(engine, "company-events", csv_bytes(EV, EVENTS))
    res = run(engine, "company-events", csv_bytes(EV, EVENTS))
    assert (res.inserted, res.updated, res.unchanged) == (0, 0, 4)
    changed = [
        ("C1", "", "2026-01-20", "bankruptcy", "Brønnøysundregistrene", "Konkurs åpnet; bostyrer: adv. Hansen"),
        # the same event from another source is another event
        ("C1", "", "2026-01-20", "bankruptcy", "Creditsafe", "Konkurs"),
    ]
    res = run(engine, "company-events", csv_bytes(EV, changed))
    assert (res.inserted, res.updated, res.unchanged) == (1, 1, 0)
    assert events(engine) == {
        **STORED_EVENTS,
        ("C1", date(2026, 1, 20), "bankruptcy", "Brønnøysundregistrene"): "Konkurs åpnet; bostyrer: adv. Hansen",
        ("C1", date(2026, 1, 20), "bankruptcy", "Creditsafe"): "Konkurs",
    }


CHANGE_EVENT = ("C1", "", "2026-01-20", "bankruptcy", "Brønnøysundregistrene", "changed text")


def bad_event(**values) -> tuple:
    row = dict(zip(EV, ("C5", "", "2026-01-25", "liquidation", "Brønnøysundregistrene", ""), strict=True)) | values
    return tuple(row[c] for c in EV)


EVENT_ERRORS = [
    (
        bad_event(event_type="konkurs"),
        "row 3, column event_type: 'konkurs' is not a known register event; use one of bankruptcy, "
        "bankruptcy_petition, liquidation, forced_dissolution, debt_restructuring, role_change, address_change, "
        "deleted (value 'konkurs')",
    ),
    (bad_event(event_type=""), "row 3, column event_type: is required"),
    (bad_event(source=""), "row 3, column source: is required"),
    (bad_event(customer_ref="ZZ9"), "row 3, column customer_ref: unknown customer (value 'ZZ9')"),
    (
        bad_event(customer_ref="", org_number="20774741"),  # C4's FI number with a wrong check digit
        "row 3, column org_number: unknown customer: no customer has this organisation number (value '20774741')",
    ),
    (
        bad_event(customer_ref="", org_number="988077917", event_date="2026-01-20", event_type="bankruptcy"),
        "row 3, column org_number,event_date,event_type,source: duplicate key, first seen in row 2 "
        "(value '988077917 2026-01-20 bankruptcy Brønnøysundregistrene')",
    ),
    (
        bad_event(event_date="2026-02-30"),
        "row 3, column event_date: '2026-02-30' is not a valid date (value '2026-02-30')",
    ),
]


@pytest.mark.parametrize(("bad", "message"), EVENT_ERRORS)
def test_each_bad_event_row_rejects_the_whole_file_with_its_message(db_url, bad, message):
    engine = ledger(db_url)
    run(engine, "company-events", csv_bytes(EV, EVENTS))
    with pytest.raises(ImportFailed) as exc:
        run(engine, "company-events", csv_bytes(EV, [CHANGE_EVENT, bad]), "bad.csv")
    assert [str(e) for e in exc.value.errors] == [message]
    assert events(engine) == STORED_EVENTS


def test_the_event_types_are_the_ones_the_app_acts_on():
    """Every code the risk rules, the alerts and the borrowing base name by default, and every labelled one."""
    rules, alerts = RiskRules(), AlertThresholds()
    named = {*rules.severe_events, *rules.role_events, *alerts.credit_hold_events, *BANKRUPT_EVENTS}
    assert named <= set(EVENT_TYPES)
    assert set(EVENT_TYPES) == set(EVENT_LABELS)


# --- parse_row, the documentation and the CLI -------------------------------------------------------------------


def test_parse_row_gives_typed_values_and_defaults():
    row = dict(zip(CR, ("", "556036-0793", "2026-01-20", "UC", "", "", "", "", "2", "4.5"), strict=True))
    assert parse_row("credit-reports", row, "NOK") == {
        "customer_ref": None,
        "org_number": "556036-0793",  # matched against the customers, not rewritten here
        "report_date": date(2026, 1, 20),
        "source": "UC",
        "score": None,
        "rating": None,
        "remarks_count": 0,
        "remarks_amount": D("0.00"),
        "uc_class": 2,
        "pd_percent": D("4.50"),
    }
    with pytest.raises(FieldError) as exc:
        parse_row("company-events", dict(zip(EV, bad_event(event_type="Bankruptcy"), strict=True)), "NOK")
    assert exc.value.column == "event_type"  # type: ignore[attr-defined]  # codes are lower case


def documented_example(kind: str) -> list[str]:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "data-formats.md").read_text()
    section = doc.split(f"## {kind} ")[1].split("\n## ")[0]
    return section.split("```")[1].strip().splitlines()


def test_the_documented_examples_parse():
    lines = documented_example("credit-reports")
    header = lines[0].split(",")
    assert set(header) == set(FORMATS["credit-reports"].columns)
    parsed = [parse_row("credit-reports", dict(zip(header, x.split(","), strict=True)), "NOK") for x in lines[1:]]
    assert [(p["source"], p["uc_class"], p["pd_percent"], p["score"], p["rating"]) for p in parsed] == [
        ("UC", 3, D("1.25"), None, None),
        ("Creditsafe", None, None, 64, None),
        ("Dun & Bradstreet", None, None, None, "AA"),
    ]
    lines = documented_example("company-events")
    header = lines[0].split(",")
    assert set(header) == set(FORMATS["company-events"].columns)
    parsed = [parse_row("company-events", dict(zip(header, x.split(","), strict=True)), "NOK") for x in lines[1:]]
    assert [(p["event_type"], p["source"]) for p in parsed] == [
        ("bankruptcy_petition", "Brønnøysundregistrene"),
        ("role_change", "Bolagsverket"),
    ]
    doc = (Path(__file__).resolve().parents[1] / "docs" / "data-formats.md").read_text()
    example = doc.split("### JSON input")[1].split("```json")[1].split("```")[0]
    objs = json.loads(example)
    assert [o["source"] for o in objs] == ["UC", "Creditsafe"]


def test_cli_imports_both_kinds_and_logs_a_refusal_under_the_kinds_source(db_url, tmp_path):
    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, ["--database-url", db_url, *args])

    assert cli("db", "init", "--empty").exit_code == 0
    (tmp_path / "customers.csv").write_bytes(csv_bytes(CUSTOMER_HEADER, CUSTOMERS))
    assert cli("import", "customers", str(tmp_path / "customers.csv")).exit_code == 0
    good = tmp_path / "uc.csv"
    good.write_bytes(csv_bytes(CR, REPORTS))
    r = cli("import", "credit-reports", str(good))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "credit-reports: 5 rows, 5 inserted, 0 updated"
    assert (
        cli("import", "credit-reports", str(good)).output.splitlines()[0]
        == "credit-reports: 5 rows, 0 inserted, 0 updated"
    )
    ev = tmp_path / "events.csv"
    ev.write_bytes(csv_bytes(EV, EVENTS))
    r = cli("import", "company-events", str(ev))
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "company-events: 4 rows, 4 inserted, 0 updated"

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(CR, [CHANGE_C1, bad_report(uc_class="6")]))
    r = cli("import", "credit-reports", str(bad))
    assert r.exit_code == 1
    assert "row 3, column uc_class: 6 is not a UC risk class" in r.output
    engine = ready_engine(db_url)
    assert reports(engine) == STORED_REPORTS
    with engine.connect() as conn:
        failed = conn.execute(select(ImportLog.__table__).where(ImportLog.status == "failed")).one()
    engine.dispose()
    assert (failed.kind, failed.source, failed.file_name) == ("credit-reports", "credit_reports", "bad.csv")


def test_json_bureau_file_through_the_cli(tmp_path):
    """The CLI's export reader hands a JSON list of reports to the strict bureau import as it is."""
    from test_cli import ok

    url = f"sqlite:///{tmp_path}/kv.db"
    ok(url, "db", "init", "--empty")
    customers = tmp_path / "c.csv"
    customers.write_text("customer_ref,name\nC1,Fjord Handel AS\n", encoding="utf-8")
    ok(url, "import", "customers", str(customers))
    reports = tmp_path / "uc.json"
    reports.write_text(
        '[{"customer_ref": "C1", "report_date": "2026-10-01", "source": "UC", "uc_class": 3, "pd_percent": 1.2}]',
        encoding="utf-8",
    )
    assert "credit-reports: 1 rows, 1 inserted" in ok(url, "import", "credit-reports", str(reports))
