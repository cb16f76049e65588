"""The CLI end to end: the hand-computed acceptance ledger on both engines, formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app

SCENARIO_A = Path(__file__).resolve().parents[2] / "shared" / "acceptance" / "scenario_a"
runner = CliRunner()


def run(url: str, *args: str):
    return runner.invoke(app, ["--database-url", url, *args])


def ok(url: str, *args: str) -> str:
    r = run(url, *args)
    assert r.exit_code == 0, r.output
    return r.output


def load_scenario(url: str) -> None:
    ok(url, "db", "init", "--empty")
    for kind in ("customers", "fx-rates", "invoices", "payments"):
        ok(url, "import", kind, str(SCENARIO_A / f"{kind}.csv"))


@pytest.fixture
def scenario(db_url):
    if not SCENARIO_A.is_dir():
        pytest.fail(f"acceptance data missing at {SCENARIO_A}")
    load_scenario(db_url)
    return db_url


def buckets(data: dict) -> dict:
    return {b["label"]: b["amount"] for b in data["buckets"]}


def test_scenario_a_gives_exactly_the_expected_aging(scenario):
    expected = json.loads((SCENARIO_A / "expected.json").read_text())
    for basis in ("due", "invoice"):
        data = json.loads(ok(scenario, "aging", "--as-of", expected["as_of"], "--basis", basis, "--format", "json"))
        want = dict(expected[basis])
        assert data["total"] == want.pop("total")
        assert buckets(data) == want
        assert [b["label"] for b in data["buckets"]] == ["current", "1-30", "31-60", "61-90", "91-120", "121+"]
        assert data["currency"] == "NOK" and data["basis"] == basis
        assert data["unapplied"] == {"amount": -200.0, "count": 1}  # P3 on account
    data = json.loads(ok(scenario, "aging", "--as-of", "2026-03-31", "--by", "customer", "--format", "json"))
    assert {r["customer_ref"]: r["total"] for r in data["rows"]} == expected["by_customer"]
    for r in data["rows"]:
        assert sum(r["buckets"].values()) == pytest.approx(r["total"], abs=0.001)


def test_reimporting_scenario_a_changes_nothing(scenario):
    before = ok(scenario, "aging", "--as-of", "2026-03-31", "--by", "customer", "--format", "csv")
    for kind in ("customers", "fx-rates", "invoices", "payments"):
        out = ok(scenario, "import", kind, str(SCENARIO_A / f"{kind}.csv"))
        assert "0 inserted, 0 updated" in out
    assert ok(scenario, "aging", "--as-of", "2026-03-31", "--by", "customer", "--format", "csv") == before


def test_csv_and_table_formats(scenario):
    out = ok(scenario, "aging", "--as-of", "2026-03-31", "--format", "csv")
    assert out.splitlines() == [
        "label,amount,count",
        "current,1680.00,2",
        "1-30,-190.00,2",
        "31-60,620.00,2",
        "61-90,0.00,0",
        "91-120,2000.00,1",
        "121+,1500.00,1",
    ]
    out = ok(scenario, "aging", "--as-of", "2026-03-31", "--by", "customer", "--basis", "invoice", "--format", "csv")
    assert out.splitlines()[0] == "customer_ref,name,total,current,1-30,31-60,61-90,91-120,121+"
    assert "C2,Vik Bygg AS,3300.00,0.00,-200.00,0.00,0.00,0.00,3500.00" in out.splitlines()
    out = ok(scenario, "aging", "--as-of", "2026-03-31", "--buckets", "60")
    assert "1-60" in out and "61+" in out and "5,610.00" in out


def test_kpis_json_has_the_documented_keys(scenario):
    data = json.loads(ok(scenario, "kpis", "--as-of", "2026-03-31", "--format", "json"))
    assert list(data) == [
        "as_of",
        "window_days",
        "currency",
        "total_open",
        "current",
        "overdue",
        "overdue_share",
        "dso_standard",
        "dso_countback",
        "bpdso",
        "add",
        "cei",
        "weighted_days_late",
        "avg_days_to_pay",
        "payment_index",
        "top10_share",
        "hhi",
        "limit_utilisation",
        "open_invoices",
        "customers_with_balance",
    ]
    assert data["total_open"] == 5610.0 and data["current"] == 1680.0 and data["overdue"] == 3930.0
    # credit sales in (2025-12-31, 2026-03-31]: A1 1000 + A2 500 + D1 10 + D2 20 + F1 800 - CN1 300
    # + E1 100 EUR x 11.5 (rate of its issue date) = 3180; DSO = 5610 / 3180 x 90
    assert data["dso_standard"] == 158.8
    # open invoices: A1 (600 left), A2, D1, D2, B1, B2, E1; A3 is closed by CN1, F1 by P4
    assert data["open_invoices"] == 7 and data["customers_with_balance"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("aging", "--as-of", "31.03.2026"), "is not an ISO date"),
        (("aging", "--as-of", "2026-03-31", "--buckets", "30,20"), "strictly increasing"),
        (("aging", "--as-of", "2026-03-31", "--buckets", "0,30"), "not a positive whole number"),
        (("aging", "--as-of", "2026-03-31", "--format", "xml"), "--format must be"),
        (("aging", "--as-of", "2026-03-31", "--by", "group"), "--by must be"),
        (("import", "receipts", str(SCENARIO_A / "customers.csv")), "unknown kind 'receipts'"),
    ],
)
def test_bad_arguments_exit_non_zero_with_a_message(tmp_path, args, message):
    url = f"sqlite:///{tmp_path}/kv.db"
    ok(url, "db", "init", "--empty")
    r = run(url, *args)
    assert r.exit_code != 0
    assert message in r.output


def test_an_invalid_file_is_rejected_whole_and_logged(tmp_path):
    url = f"sqlite:///{tmp_path}/kv.db"
    load_scenario(url)
    bad = tmp_path / "payments.csv"
    bad.write_text(
        "payment_ref,customer_ref,payment_date,amount,currency,invoice_number\n"
        "P9,C1,2026-03-05,10.00,NOK,A2\nP10,C1,2026-03-05,ten,NOK,A2\n"
    )
    r = run(url, "import", "payments", str(bad))
    assert r.exit_code == 1
    assert "row 3, column amount: 'ten' is not a number" in r.output
    data = json.loads(ok(url, "aging", "--as-of", "2026-03-31", "--format", "json"))
    assert data["total"] == 5610.0  # P9 was not written either


def test_missing_fx_rate_exits_with_its_message(tmp_path):
    url = f"sqlite:///{tmp_path}/kv.db"
    load_scenario(url)
    r = run(url, "aging", "--as-of", "2026-02-28")  # E1 (EUR) is not issued yet: fine
    assert r.exit_code == 0
    ok(
        url,
        "import",
        "invoices",
        str(
            _write(
                tmp_path / "usd.csv",
                "invoice_number,customer_ref,issue_date,due_date,amount,currency\nU1,C1,2026-03-01,2026-03-31,5.00,USD\n",
            )
        ),
    )
    r = run(url, "aging", "--as-of", "2026-03-31")
    assert r.exit_code == 1 and "no FX rate for USD dated on or before 2026-03-31" in r.output


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_company_profile_is_validated_and_stored(tmp_path):
    url = f"sqlite:///{tmp_path}/kv.db"
    ok(url, "db", "init", "--empty")
    ok(url, "company", "set", "--name", "Bølgen & Blåbær AS", "--org-number", "988 077 917", "--country", "no")
    out = ok(url, "company", "show")
    assert "Bølgen & Blåbær AS" in out and "988077917" in out and "NOK" in out
    r = run(url, "company", "set", "--org-number", "988077918")
    assert r.exit_code == 2 and "not a valid NO organisation number" in r.output
    r = run(url, "company", "set", "--base-currency", "kroner")
    assert r.exit_code == 2 and "three-letter currency code" in r.output
    assert "988077917" in ok(url, "company", "show")  # the refused changes left the profile as it was
