"""The register connector through the CLI (`brreg sync`) and the customer page's "Check register now", against a
local server serving recorded Enhetsregisteret answers (no test touches the internet)."""

from __future__ import annotations

from datetime import date

import pytest
from apptest import run_page
from brreg_server import BrregServer, roles, unit
from sqlalchemy import select
from test_brreg import ORG_A, ORG_B
from test_cli import ok, run

from data_access.engine import make_engine
from data_access.schema import CompanyEvent, Customer


@pytest.fixture
def srv():
    with BrregServer() as s:
        yield s


def customers_file(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        f"customer_ref,name,org_number,country\nA,Eksempel Handel AS,{ORG_A},NO\nB,Bygg AS,{ORG_B},NO\n",
        encoding="utf-8",
    )
    return path


def events(url):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(Customer.customer_ref, CompanyEvent.event_type, CompanyEvent.event_date, CompanyEvent.source)
                .join(Customer, Customer.id == CompanyEvent.customer_id)
                .order_by(Customer.customer_ref)
            ).all()
    finally:
        engine.dispose()


def test_brreg_sync_records_a_bankruptcy_once(db_url, srv, tmp_path):
    ok(db_url, "db", "init", "--empty")
    ok(db_url, "import", "customers", str(customers_file(tmp_path)))
    srv.units[ORG_A] = unit(ORG_A, konkurs=True, konkursdato="2026-10-20")
    srv.roles[ORG_A] = roles(ORG_A)
    srv.units[ORG_B] = unit(ORG_B, name="BYGG AS")
    srv.roles[ORG_B] = roles(ORG_B)
    out = ok(db_url, "brreg", "sync", "--base-url", srv.base_url, "--today", "2026-10-31")
    assert "2 units fetched" in out and "1 events added, 0 errors" in out
    assert [tuple(e) for e in events(db_url)] == [("A", "bankruptcy", date(2026, 10, 20), "brreg")]
    again = ok(db_url, "brreg", "sync", "--base-url", srv.base_url, "--today", "2026-10-31")
    assert "0 events added" in again and len(events(db_url)) == 1
    r = run(db_url, "brreg", "sync", "--base-url", srv.base_url, "--customer", "NOPE")
    assert r.exit_code == 2 and "no customer with reference 'NOPE'" in r.output


def test_check_register_now_on_the_customer_page(tmp_path, srv, monkeypatch):
    url = f"sqlite:///{tmp_path}/live.db"
    ok(url, "db", "init", "--empty")
    ok(url, "import", "customers", str(customers_file(tmp_path)))
    srv.units[ORG_A] = unit(ORG_A, underAvvikling=True, underAvviklingDato="2026-10-25")
    srv.roles[ORG_A] = roles(ORG_A)
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    monkeypatch.setenv("KREDITTVAKT_BRREG_URL", srv.base_url)
    engine = make_engine(url)
    with engine.connect() as conn:
        cid = conn.execute(select(Customer.id).where(Customer.customer_ref == "A")).scalar_one()
    engine.dispose()
    at = run_page("pages/customers.py", customer_id=cid)
    at.button(key="check_register").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("The register was checked: 1 new event." in s.value for s in at.success)
    assert [(e[0], e[1]) for e in events(url)] == [("A", "liquidation")]
