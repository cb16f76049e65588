"""`monitor`, `erp-changes` and `digest` from the command line, on the hand-computed acceptance ledger (scenario A)
on both engines, and the digest delivered to a real local SMTP server.

Scenario A as of 2026-03-31 (hand-computed in tests/test_cli.py's expected aging): C2 owes B1 2 000.00 due
2025-12-15 (106 days past due) and B2 1 500.00 due 2025-09-30 (182 days), so 3 500.00 is more than the policy's
60 days past due and more than its 90 collection days: one `overdue` alert, high, hand over to collection.
C1's oldest item (A1, 600.00 open) is 59 days past due; C3's E1 falls due that very day. No credit reports,
no events, no insurance, no review dates.
"""

from __future__ import annotations

import json

import pytest
from test_cli import SCENARIO_A, load_scenario, ok, run

KEYS = ["customer_ref", "type", "severity", "since", "message", "recommendation"]


@pytest.fixture
def scenario(db_url):
    if not SCENARIO_A.is_dir():
        pytest.fail(f"acceptance data missing at {SCENARIO_A}")
    load_scenario(db_url)
    return db_url


def test_monitor_json_lists_the_open_alerts_and_is_idempotent(scenario):
    first = json.loads(ok(scenario, "monitor", "--as-of", "2026-03-31", "--format", "json"))
    assert first == [
        {
            "customer_ref": "C2",
            "type": "overdue",
            "severity": "high",
            "since": "2026-03-31",
            "message": "3,500.00 is more than 60 days past due",
            "recommendation": "hand_over_to_collection",
        }
    ]
    assert list(first[0]) == KEYS
    again = json.loads(ok(scenario, "monitor", "--as-of", "2026-03-31", "--format", "json"))
    assert again == first
    text = ok(scenario, "monitor", "--as-of", "2026-03-31")
    assert text.startswith("Monitor as of 2026-03-31: 3 customers, 0 alerts raised, 0 cleared")
    # 2026-04-05: C3's E1 (100 EUR, all its balance) is 5 days past due. Unrated (C), a customer for under 12
    # months without a report (+1: D) and more than 50 % of the balance past due (+1): class E, a downgrade.
    later = json.loads(ok(scenario, "monitor", "--as-of", "2026-04-05", "--format", "json"))
    assert later == [
        *first,
        {
            "customer_ref": "C3",
            "type": "score_drop",
            "severity": "high",
            "since": "2026-04-05",
            "message": "risk class downgraded from D to E",
            "recommendation": "require_prepayment",
        },
    ]


def test_monitor_rejects_bad_arguments(scenario):
    r = run(scenario, "monitor", "--as-of", "31.03.2026")
    assert r.exit_code == 2 and "--as-of '31.03.2026' is not an ISO date" in r.output
    r = run(scenario, "monitor", "--as-of", "2026-03-31", "--format", "xml")
    assert r.exit_code == 2 and "--format must be table or json" in r.output


def test_erp_changes_after_a_direct_edit(scenario, tmp_path):
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from data_access import limits
    from data_access.engine import make_engine
    from data_access.schema import Customer

    engine = make_engine(scenario)
    with engine.begin() as conn:
        c2 = conn.execute(select(Customer.id).where(Customer.customer_ref == "C2")).scalar_one()
        t = limits.credit_terms(conn, c2)
        limits.update_credit_terms(
            conn,
            c2,
            t.__class__(**{**t.__dict__, "status": "credit_hold", "credit_limit": Decimal("10000.00")}),
            reason="182 days past due",
            author="Kari",
            effective_on=date(2026, 3, 31),
        )
    out = tmp_path / "erp.csv"
    assert "1 customer(s) written" in ok(scenario, "erp-changes", "--since", "2000-01-01", "--output", str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == (
        "customer_ref,org_number,name,currency,credit_limit,payment_terms_days,credit_hold,prepayment_only,"
        "group_limit,changed_fields,last_changed_at,last_changed_by"
    )
    assert lines[1].startswith("C2,923609008,Vik Bygg AS,NOK,10000.00,30,yes,no,,credit_limit status,")
    assert lines[1].endswith(",Kari") and len(lines) == 2
    assert ok(scenario, "erp-changes", "--since", "2999-01-01").splitlines() == [lines[0]]


def test_digest_is_delivered_to_a_local_smtp_server(scenario, tmp_path, monkeypatch):
    from aiosmtpd.controller import Controller

    from tests.infra import free_port

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append((envelope.rcpt_tos, envelope.content.decode()))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsender = "kredittvakt@example.no"\n\n'
            '[digest]\ndefault_recipient = "credit@example.no"\n'
        )
        import data_access.engine

        monkeypatch.setattr(data_access.engine, "SECRETS_PATH", secrets)
        ok(scenario, "monitor", "--as-of", "2026-03-31")
        out = ok(scenario, "digest", "--as-of", "2026-03-31")
    finally:
        controller.stop()
    assert out.strip() == "Digest as of 2026-03-31: 1 e-mail(s) sent"
    [(to, body)] = received
    assert to == ["credit@example.no"]
    assert "Subject: Kredittvakt: 1 new, 0 open alert" in body
    assert "C2 Vik Bygg AS: 3,500.00 is more than 60 days past due" in body


def test_digest_without_alerts_sends_nothing(scenario):
    assert (
        ok(scenario, "digest", "--as-of", "2026-03-31").strip() == "No open alerts as of 2026-03-31: nothing to send."
    )
