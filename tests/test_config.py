"""Configuration and lifecycle: database URL resolution, policy versions, demo mode start and end."""

from __future__ import annotations

import json

from ledger import CUSTOMER_HEADER, csv_bytes, ready_engine
from sqlalchemy import func, select
from test_cli import ok, run

from data_access import engine as engine_mod
from data_access.demo import DemoSpec, seed_demo
from data_access.imports import import_file
from data_access.ledger import active_policy, is_demo, save_policy
from data_access.schema import Customer, Invoice, PolicyVersion
from domain.policy import Policy


def test_database_url_resolution_order(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setattr(engine_mod, "SECRETS_PATH", secrets)
    monkeypatch.delenv("KREDITTVAKT_DATABASE_URL", raising=False)
    assert engine_mod.resolve_database_url() == engine_mod.default_url()
    assert engine_mod.default_url().endswith("/data/kredittvakt.db")
    secrets.write_text('[connections.kredittvakt]\nurl = "postgresql+psycopg://u:pw@db/kv"\n')
    assert engine_mod.resolve_database_url() == "postgresql+psycopg://u:pw@db/kv"
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", "sqlite:///env.db")
    assert engine_mod.resolve_database_url() == "sqlite:///env.db"
    assert engine_mod.resolve_database_url("sqlite:///explicit.db") == "sqlite:///explicit.db"


def test_masked_url_hides_the_password():
    assert engine_mod.mask_url("postgresql+psycopg://kv:s3cret@db.example:5432/kv") == (
        "postgresql+psycopg://kv:***@db.example:5432/kv"
    )
    assert engine_mod.mask_url("sqlite:///data/kredittvakt.db") == "sqlite:///data/kredittvakt.db"


def test_policy_versions_are_kept_and_the_latest_drives_the_default_buckets(tmp_path):
    url = f"sqlite:///{tmp_path}/kv.db"
    ok(url, "db", "init", "--empty")
    e = ready_engine(url)
    with e.begin() as conn:
        assert active_policy(conn) == Policy()  # built-in defaults before any version is saved
        assert save_policy(conn, Policy(bucket_edges=(15, 45)), "cfo", "shorter ladder") == 1
        assert save_policy(conn, Policy(bucket_edges=(10, 20, 30)), "cfo", "even shorter") == 2
    with e.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PolicyVersion)).scalar_one() == 2
        assert active_policy(conn).bucket_edges == (10, 20, 30)
    data = json.loads(ok(url, "aging", "--as-of", "2026-03-31", "--format", "json"))
    assert [b["label"] for b in data["buckets"]] == ["current", "1-10", "11-20", "21-30", "31+"]


def test_the_first_real_import_removes_the_demo_portfolio(tmp_path):
    e = ready_engine(f"sqlite:///{tmp_path}/kv.db")
    with e.begin() as conn:
        seed_demo(conn, DemoSpec(customers=20, seed=2))
    with e.begin() as conn:
        assert is_demo(conn)
        res = import_file(conn, "customers", csv_bytes(CUSTOMER_HEADER, [("R1", "Real AS", "NO", "NOK", "30", "", "")]))
    assert res.demo_removed and "demo data removed first" in res.summary()
    with e.connect() as conn:
        assert not is_demo(conn)
        assert conn.execute(select(Customer.customer_ref)).scalars().all() == ["R1"]
        assert conn.execute(select(func.count()).select_from(Invoice)).scalar_one() == 0


def test_demo_and_db_commands(tmp_path):
    url = f"sqlite:///{tmp_path}/kv.db"
    assert "already up to date" not in ok(url, "db", "upgrade")
    assert "already up to date" in ok(url, "db", "upgrade")
    out = ok(url, "demo", "--customers", "15", "--years", "1", "--seed", "4", "--end-date", "2026-06-30")
    assert "15 customers" in out
    r = run(url, "demo", "--customers", "15")
    assert r.exit_code == 2 and "only be loaded into an empty ledger" in r.output
    ok(url, "demo", "--customers", "12", "--years", "1", "--replace")
    data = json.loads(ok(url, "aging", "--as-of", "2026-10-31", "--by", "customer", "--format", "json"))
    assert 0 < len(data["rows"]) <= 12
    assert "Demo bank" in ok(url, "lender", "list")
    assert "demo data removed" in ok(url, "db", "remove-demo")
    assert "nothing removed" in ok(url, "db", "remove-demo")
    assert "No lender profiles" in ok(url, "lender", "list")  # the demo's invented loan agreement went with it
    r = run(url, "demo", "--customers", "5", "--replace")
    assert r.exit_code == 0  # an empty, non-demo ledger may take a demo again
    r = run(url, "demo", "--end-date", "yesterday")
    assert r.exit_code == 2 and "is not an ISO date" in r.output
