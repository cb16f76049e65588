"""Migrations on a database that already holds data: a ledger written with plain SQL at the first revision survives
every upgrade step (exact amounts, dates, links), the app's as-of SQL gives the hand-computed aging afterwards, and
the latest step (and every other step) downgrades and upgrades again without losing a row; SQLite and PostgreSQL.

The ledger, as of 2026-03-31, bucket edges 30/60/90 (saved as policy version 1), base currency NOK:
  C2 Nordlys Handel AS (parent P1)  INV-1 1,250,000.50 due 2026-02-09, PAY-1 500,000.00 on 2026-02-20 -> 750,000.50,
                                    50 days late: 31-60
                                    INV-2 10,000.00 due 2026-03-31, CN-1 -2,500.00 on 2026-03-15 allocated to it
                                    -> 7,500.00 current; CN-1 fully used, not open
  C3 Svea Trä AB (parent P1, SEK)   INV-3 SEK 100,000.05 due 2025-12-01; 1.0234 on 2026-03-31 -> 102,340.05
                                    (102,340.051 half-up), 120 days: 91+
  C4 Bølgen & Blåbær – Øst AS       INV-4 8,000.00 due 2025-10-31, WO-1 3,000.00 written off 2026-03-01 -> 5,000.00,
                                    151 days: 91+; PAY-3 1,234.56 on account on 2026-03-20 -> -1,234.56, 11 days: 1-30
  P1 Nordlys Holding ASA            INV-5 4,000.00 paid in full by PAY-2 on its due date 2026-02-04: not open
Total 863,605.99. As of 2026-02-28 (before CN-1, WO-1, PAY-3 and INV-2; SEK at 0.98): INV-1 750,000.50 in 1-30 (19
days), INV-3 98,000.05 in 61-90 (89 days; 98,000.049 half-up), INV-4 8,000.00 in 91+ (120 days): 856,000.55.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from data_access.asof import aging
from data_access.bootstrap import ensure_ready
from data_access.engine import make_engine
from data_access.migrate import alembic_config, current_revision, head_revision
from data_access.schema import Customer, Invoice, Payment

FIRST = "0001"
AS_OF = date(2026, 3, 31)
OPEN = date(9999, 12, 31)


def revisions() -> list[str]:
    """Every revision from the first to the head, in order."""
    script = ScriptDirectory.from_config(alembic_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def migrate(engine: sa.Engine, target: str, *, down: bool = False) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


# --------------------------------------------------------------------------- the ledger at revision 0001

TS = datetime(2026, 3, 31, 18, 5, 7)

ROWS: dict[str, list[dict]] = {
    "customers": [
        dict(id=1, customer_ref="P1", name="Nordlys Holding ASA", org_number="923609016", country="NO",
             currency="NOK", payment_terms_days=30, credit_limit=100_000_000, insured_limit=None, status="active",
             segment="Enterprise", industry_code="64.200", parent_id=None, affiliate=False, row_version=1),
        dict(id=2, customer_ref="C2", name="Nordlys Handel AS", org_number="987654325", country="NO", currency="NOK",
             payment_terms_days=30, credit_limit=150_000_000, insured_limit=90_000_000, status="active",
             segment="Enterprise", industry_code="46.900", parent_id=1, affiliate=True, row_version=4),
        dict(id=3, customer_ref="C3", name="Svea Trä AB", org_number="5560360793", country="SE", currency="SEK",
             payment_terms_days=30, credit_limit=20_000_000, insured_limit=None, status="active", segment="SME",
             industry_code="16.100", parent_id=1, affiliate=True, row_version=1),
        dict(id=4, customer_ref="C4", name="Bølgen & Blåbær – Øst AS", org_number=None, country="NO",
             currency="NOK", payment_terms_days=14, credit_limit=None, insured_limit=None, status="credit_hold",
             segment=None, industry_code=None, parent_id=None, affiliate=False, row_version=2),
    ],
    "fx_rates": [
        dict(currency="SEK", rate_date=date(2026, 2, 27), rate=980_000),
        dict(currency="SEK", rate_date=date(2026, 3, 31), rate=1_023_400),
        dict(currency="EUR", rate_date=date(2026, 3, 31), rate=11_512_300),
    ],
    "invoices": [
        dict(id=1, invoice_number="INV-1", customer_id=2, kind="invoice", issue_date=date(2026, 1, 10),
             due_date=date(2026, 2, 9), amount=125_000_050, currency="NOK", disputed_amount=0, credited_invoice=None),
        dict(id=2, invoice_number="INV-2", customer_id=2, kind="invoice", issue_date=date(2026, 3, 1),
             due_date=date(2026, 3, 31), amount=1_000_000, currency="NOK", disputed_amount=0, credited_invoice=None),
        dict(id=3, invoice_number="CN-1", customer_id=2, kind="credit_note", issue_date=date(2026, 3, 15),
             due_date=date(2026, 3, 15), amount=-250_000, currency="NOK", disputed_amount=0, credited_invoice="INV-2"),
        dict(id=4, invoice_number="INV-3", customer_id=3, kind="invoice", issue_date=date(2025, 11, 1),
             due_date=date(2025, 12, 1), amount=10_000_005, currency="SEK", disputed_amount=0, credited_invoice=None),
        dict(id=5, invoice_number="INV-4", customer_id=4, kind="invoice", issue_date=date(2025, 10, 1),
             due_date=date(2025, 10, 31), amount=800_000, currency="NOK", disputed_amount=200_000,
             credited_invoice=None),
        dict(id=6, invoice_number="INV-5", customer_id=1, kind="invoice", issue_date=date(2026, 1, 5),
             due_date=date(2026, 2, 4), amount=400_000, currency="NOK", disputed_amount=0, credited_invoice=None),
    ],
    "payments": [
        dict(id=1, payment_ref="PAY-1", customer_id=2, payment_date=date(2026, 2, 20), amount=50_000_000,
             currency="NOK", invoice_number="INV-1"),
        dict(id=2, payment_ref="PAY-2", customer_id=1, payment_date=date(2026, 2, 4), amount=400_000,
             currency="NOK", invoice_number="INV-5"),
        dict(id=3, payment_ref="PAY-3", customer_id=4, payment_date=date(2026, 3, 20), amount=123_456,
             currency="NOK", invoice_number=None),
    ],
    "write_offs": [
        dict(id=1, write_off_ref="WO-1", invoice_id=5, customer_id=4, write_off_date=date(2026, 3, 1),
             amount=300_000, reason="Forlik – settlement"),
    ],
    "allocations": [
        dict(id=1, invoice_id=1, customer_id=2, alloc_date=date(2026, 2, 20), amount=50_000_000, payment_id=1,
             credit_note_id=None, write_off_id=None),
        dict(id=2, invoice_id=2, customer_id=2, alloc_date=date(2026, 3, 15), amount=250_000, payment_id=None,
             credit_note_id=3, write_off_id=None),
        dict(id=3, invoice_id=6, customer_id=1, alloc_date=date(2026, 2, 4), amount=400_000, payment_id=2,
             credit_note_id=None, write_off_id=None),
        dict(id=4, invoice_id=5, customer_id=4, alloc_date=date(2026, 3, 1), amount=300_000, payment_id=None,
             credit_note_id=None, write_off_id=1),
    ],
    "credit_reports": [
        dict(id=1, customer_id=2, report_date=date(2026, 1, 15), source="Bisnode", score=72, rating="A",
             remarks_count=0, remarks_amount=0),
        dict(id=2, customer_id=4, report_date=date(2026, 2, 1), source="Experian", score=15, rating="C",
             remarks_count=2, remarks_amount=4_500_000),
    ],
    "company_events": [
        dict(id=1, customer_id=4, event_date=date(2026, 2, 10), event_type="payment_remark", source="register",
             text="Betalingsanmerkning: 45 000 kr"),
        dict(id=2, customer_id=3, event_date=date(2026, 3, 1), event_type="ceo_change", source="register",
             text=None),
    ],
    "activities": [
        dict(id=1, customer_id=4, activity_date=date(2026, 3, 5), kind="note", text="Ringte; lovet betaling fredag",
             promised_amount=None, promised_date=None, author="Kari", created_at=datetime(2026, 3, 5, 10, 15)),
        dict(id=2, customer_id=4, activity_date=date(2026, 3, 10), kind="promise", text="Betaler 5 000",
             promised_amount=500_000, promised_date=date(2026, 3, 25), author="Kari",
             created_at=datetime(2026, 3, 10, 9, 0, 1)),
    ],
    "import_log": [
        dict(id=1, kind="invoices", source="ledger", file_name="ledger_2026-03-31.csv", file_sha256="ab" * 32,
             rows=6, inserted=6, updated=0, status="ok", message=None, started_at=TS,
             finished_at=datetime(2026, 3, 31, 18, 5, 9)),
        dict(id=2, kind="payments", source="ledger", file_name="bank.csv", file_sha256=None, rows=2, inserted=0,
             updated=0, status="failed", message="row 2: unknown customer K9", started_at=TS, finished_at=None),
    ],
    "policy_versions": [
        dict(id=1, version=1, created_at=datetime(2026, 1, 2, 8, 0), author="CFO", comment="Three buckets",
             body=json.dumps({"bucket_edges": [30, 60, 90], "kpi_window_days": 90})),
    ],
    "settings": [
        dict(key="company_profile",
             value=json.dumps({"name": "Fjord Test AS", "org_number": "999999999", "country": "NO",
                               "base_currency": "NOK"})),
        dict(key="demo_mode", value="false"),
        dict(key="initialized", value="true"),
    ],
}  # fmt: skip
PRIMARY_KEYS = {"fx_rates": ("currency", "rate_date"), "settings": ("key",)}


def seed_first_revision(engine: sa.Engine) -> None:
    """The ledger above in plain SQL against the schema of revision 0001 (no ORM: today's models are newer)."""
    with engine.begin() as conn:
        for table, rows in ROWS.items():
            cols = list(rows[0])
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
            conn.execute(sa.text(sql), rows)
        conn.execute(sa.text("UPDATE data_version SET version = 41 WHERE id = 1"))
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequences past them, as a live database has
            for table, rows in ROWS.items():
                if "id" in rows[0]:
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {len(rows)})"))


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every seeded table's rows, the columns of revision 0001 only, in key order, as the driver returns them."""
    out = {}
    with engine.connect() as conn:
        for table, rows in ROWS.items():
            cols = list(rows[0])
            keys = PRIMARY_KEYS.get(table, ("id",))
            out[table] = [
                tuple(r)
                for r in conn.execute(sa.text(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {', '.join(keys)}"))
            ]
        out["data_version"] = [tuple(r) for r in conn.execute(sa.text("SELECT id, version FROM data_version"))]
    return out


def expected_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    """What snapshot() must read right after seeding, driver representation included."""
    got = snapshot(engine)
    for table, rows in ROWS.items():
        keys = PRIMARY_KEYS.get(table, ("id",))
        ordered = sorted(rows, key=lambda r: tuple(r[k] for k in keys))
        as_given = [tuple(r.values()) for r in ordered]
        assert [_plain(r) for r in got[table]] == [_plain(r) for r in as_given], table
    assert got["data_version"] == [(1, 41)]
    return got


def _plain(row: tuple) -> tuple:
    """SQLite returns dates and timestamps as ISO text and booleans as 0/1; compare on that common ground."""
    out = []
    for v in row:
        if isinstance(v, datetime):
            v = v.isoformat(sep=" ")
        elif isinstance(v, date):
            v = v.isoformat()
        elif isinstance(v, bool):
            v = int(v)
        out.append(v)
    return tuple(out)


@pytest.fixture
def first_revision(db_url) -> sa.Engine:
    """An engine on a database at revision 0001 holding the ledger; disposed afterwards."""
    engine = make_engine(db_url)
    migrate(engine, FIRST)
    assert current_revision(engine) == FIRST
    seed_first_revision(engine)
    yield engine
    engine.dispose()


# --------------------------------------------------------------------------- checks after the upgrade


def check_ledger_reads_right(engine: sa.Engine) -> None:
    """Typed reads through today's models, the columns later revisions added, and the aging by hand."""
    with engine.connect() as conn:
        customers = {c.customer_ref: c for c in conn.execute(sa.select(Customer)).all()}
        assert {ref: c.parent_id for ref, c in customers.items()} == {"P1": None, "C2": 1, "C3": 1, "C4": None}
        assert customers["C2"].credit_limit == D("1500000.00") and customers["C2"].insured_limit == D("900000.00")
        assert customers["C4"].name == "Bølgen & Blåbær – Øst AS" and customers["C4"].status == "credit_hold"
        # added by 0003 and 0005, with their defaults on the old rows
        assert {c.government for c in customers.values()} == {False}
        assert {(c.insurer, c.group_limit, c.limit_review_on) for c in customers.values()} == {(None, None, None)}

        invoices = {i.invoice_number: i for i in conn.execute(sa.select(Invoice)).all()}
        assert invoices["INV-1"].amount == D("1250000.50") and invoices["CN-1"].amount == D("-2500.00")
        assert invoices["INV-3"].amount == D("100000.05") and invoices["INV-3"].currency == "SEK"
        assert invoices["INV-4"].disputed_amount == D("2000.00") and invoices["INV-4"].pledged_to is None
        assert invoices["INV-1"].due_date == date(2026, 2, 9)
        # 0002 back-filled open_until from the allocations: the date a document was fully allocated
        assert {n: i.open_until for n, i in invoices.items()} == {
            "INV-1": OPEN,
            "INV-2": OPEN,
            "CN-1": date(2026, 3, 15),
            "INV-3": OPEN,
            "INV-4": OPEN,
            "INV-5": date(2026, 2, 4),
        }
        payments = {p.payment_ref: p for p in conn.execute(sa.select(Payment)).all()}
        assert {n: p.open_until for n, p in payments.items()} == {
            "PAY-1": date(2026, 2, 20),
            "PAY-2": date(2026, 2, 4),
            "PAY-3": OPEN,
        }
        assert payments["PAY-3"].amount == D("1234.56")

        report = aging(conn, AS_OF)
        assert report.currency == "NOK" and report.buckets.labels == ("current", "1-30", "31-60", "61-90", "91+")
        assert report.amounts == (D("7500.00"), D("-1234.56"), D("750000.50"), D("0.00"), D("107340.05"))
        assert report.total == D("863605.99")
        assert {c.customer_ref: c.amounts for c in report.customers} == {
            "C2": (D("7500.00"), D("0.00"), D("750000.50"), D("0.00"), D("0.00")),
            "C3": (D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("102340.05")),
            "C4": (D("0.00"), D("-1234.56"), D("0.00"), D("0.00"), D("5000.00")),
        }
        assert {c.customer_ref: (c.unapplied_count, c.unapplied_amount) for c in report.customers} == {
            "C2": (0, D("0.00")),
            "C3": (0, D("0.00")),
            "C4": (1, D("-1234.56")),
        }

        earlier = aging(conn, date(2026, 2, 28))
        assert earlier.amounts == (D("0.00"), D("750000.50"), D("0.00"), D("98000.05"), D("8000.00"))
        assert earlier.total == D("856000.55")


# --------------------------------------------------------------------------- the tests


def test_the_revisions_form_one_line_from_the_first_to_the_head():
    found = revisions()
    assert found[0] == FIRST and found[-1] == head_revision()
    assert found[:6] == ["0001", "0002", "0003", "0004", "0005", "0006"]
    assert len(set(found)) == len(found)


def test_upgrading_a_database_with_data_to_the_head_keeps_every_row_and_value(first_revision):
    before = expected_rows(first_revision)
    result = ensure_ready(first_revision, seed_demo_if_new=True)  # what the app does at its first start after a deploy
    assert (result.migrated, result.seeded) == (True, False)  # an initialised database never gets the demo
    assert current_revision(first_revision) == head_revision()
    after = snapshot(first_revision)
    assert {t: rows for t, rows in after.items() if t != "data_version"} == {
        t: rows for t, rows in before.items() if t != "data_version"
    }
    assert after["data_version"][0][1] >= 41  # only ever moves forward
    check_ledger_reads_right(first_revision)


def test_each_revision_step_keeps_the_data(first_revision):
    before = expected_rows(first_revision)
    for revision in revisions()[1:]:
        migrate(first_revision, revision)
        assert current_revision(first_revision) == revision
        assert snapshot(first_revision) == before, f"data changed by the step to {revision}"
    check_ledger_reads_right(first_revision)


def test_the_latest_step_downgrades_and_upgrades_again_with_the_data(first_revision):
    before = expected_rows(first_revision)
    migrate(first_revision, "head")
    head = head_revision()
    previous = revisions()[-2]
    migrate(first_revision, previous, down=True)
    assert current_revision(first_revision) == previous
    assert snapshot(first_revision) == before
    migrate(first_revision, "head")
    assert current_revision(first_revision) == head
    assert snapshot(first_revision) == before
    check_ledger_reads_right(first_revision)


def test_every_step_downgrades_to_the_first_revision_and_back_with_the_data(first_revision):
    before = expected_rows(first_revision)
    migrate(first_revision, "head")
    steps = revisions()
    for previous in reversed(steps[:-1]):
        migrate(first_revision, previous, down=True)
        assert current_revision(first_revision) == previous
        assert snapshot(first_revision) == before, f"data changed by the downgrade to {previous}"
    migrate(first_revision, "head")
    assert snapshot(first_revision) == before
    check_ledger_reads_right(first_revision)  # open_until is back-filled again from the allocations
