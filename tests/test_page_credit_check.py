"""The Credit check page through AppTest on a real (empty, migrated) SQLite database: a reduced approval is shown
and stored with its customer and pending limit request; an invalid org number stores nothing; bureau look-up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from apptest import demo_mode, metrics, run_page
from ledger import ready_engine
from sqlalchemy import func, insert, select

from components import format as fmt
from data_access.schema import CreditCheck, CreditReport, Customer, LimitRequest

PAGE = "pages/credit_check.py"
AS_OF = date(2026, 10, 30)


@pytest.fixture
def url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path}/kv.db"
    ready_engine(url).dispose()
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    return url


def rows(url: str, table) -> list:
    engine = ready_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(table.__table__)).all()
    finally:
        engine.dispose()


def fill(at, *, org: str, name: str = "Ny Kunde AS", limit: int = 800_000, days: int = 45, ref: str = "") -> None:
    at.selectbox(key="cc_country").set_value("NO")
    at.text_input(key="cc_org").input(org)
    at.text_input(key="cc_name").input(name)
    at.text_input(key="cc_ref").input(ref)
    at.number_input(key="cc_limit").set_value(limit)
    at.number_input(key="cc_terms").set_value(days)


def test_score_40_and_800_000_over_45_days_is_approved_reduced_and_stored(url):
    at = run_page(PAGE, as_of=AS_OF, user_name="Kari Nordmann", user_role="sales")
    assert not at.exception, at.exception
    assert at.title[0].value == "Credit check"
    assert any("No credit checks yet" in i.value for i in at.info)
    fill(at, org="988 077 917", ref="K-NEW-1")
    at.radio(key="cc_report_mode").set_value("Enter by hand").run()
    at.text_input(key="cc_m_source").input("Creditsafe")
    at.number_input(key="cc_m_score").set_value(40)
    at.button(key="cc_submit").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]

    assert [w.value for w in at.warning] == ["**Approved with a lower limit or shorter terms**"]
    m = metrics(at)
    assert (m["Risk class"], m["Granted limit"], m["Granted terms"]) == ("C", "NOK\xa0500,000.00", "20 days")
    text = "\n".join(md.value for md in at.markdown)
    assert "Limit lowered from NOK\xa0800,000.00 to NOK\xa0500,000.00, the maximum for class C" in text
    assert "Terms shortened from 45 to 20 days, the standard for class C" in text
    assert "The bureau's view (moderate risk) maps to class C" in text
    assert "Approval needed from: Credit manager" in text
    assert any("Bureau score 40" in c.value for c in at.caption)

    (check,) = rows(url, CreditCheck)
    assert (check.org_number, check.name, check.author, check.checked_on) == (
        "988077917",
        "Ny Kunde AS",
        "Kari Nordmann",
        AS_OF,
    )
    assert (check.decision, check.risk_class, check.granted_limit, check.granted_terms_days) == (
        "approve_reduced",
        "C",
        D("500000.00"),
        20,
    )
    (request,) = rows(url, LimitRequest)
    assert (request.id, request.amount, request.status, request.required_role, request.requested_role) == (
        check.limit_request_id,
        D("500000.00"),
        "pending",
        "credit_manager",
        "sales",
    )
    assert [(c.customer_ref, c.status, c.payment_terms_days) for c in rows(url, Customer)] == [
        ("K-NEW-1", "active", 20)
    ]
    assert any(f"pending limit request (no. {request.id})" in s.value for s in at.success)
    history = at.dataframe[0].value
    assert list(history["Decision"]) == ["Approved with a lower limit or shorter terms"]
    assert list(history["Granted limit"]) == [500000.0]


def test_an_invalid_norwegian_org_number_is_refused_and_nothing_is_stored(url):
    at = run_page(PAGE, as_of=AS_OF, user_name="Kari Nordmann")
    fill(at, org="988077918", ref="K-BAD")
    at.radio(key="cc_report_mode").set_value("No report")
    at.button(key="cc_submit").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1
    assert "'988077918' is not a valid organisation number in NO" in at.error[0].value
    assert not at.warning and not at.success
    assert rows(url, CreditCheck) == [] and rows(url, Customer) == [] and rows(url, LimitRequest) == []


def test_without_a_name_in_acting_as_nothing_is_stored(url):
    demo_mode(url)  # "Acting as" applies only in demo mode; signed in, the account names who acts
    at = run_page(PAGE, as_of=AS_OF)
    fill(at, org="988077917")
    at.button(key="cc_submit").click().run()
    assert "enter your name under “Acting as”" in at.error[0].value
    assert rows(url, CreditCheck) == []


def test_the_imported_bureau_report_is_found_by_org_number_and_used(url):
    engine = ready_engine(url)
    with engine.begin() as conn:
        cid = conn.execute(
            insert(Customer)
            .values(customer_ref="OLD", name="Old AS", org_number="988077917", country="NO", currency="NOK")
            .returning(Customer.id)
        ).scalar_one()
        conn.execute(
            insert(CreditReport).values(
                customer_id=cid, report_date=date(2026, 9, 1), source="Creditsafe", score=25, remarks_count=0
            )
        )
        assert conn.execute(select(func.count()).select_from(CreditReport)).scalar_one() == 1
    engine.dispose()
    at = run_page(PAGE, as_of=AS_OF, user_name="Ola")
    fill(at, org="988077917", limit=50_000, days=14)
    at.run()
    on_file = f"On file: Creditsafe, {fmt.day(date(2026, 9, 1), locale='en_GB')} · score 25 · no payment remarks"
    assert any(on_file in md.value for md in at.markdown)
    at.button(key="cc_submit").click().run()
    assert next(s.value for s in at.success) == "**Approved**"
    text = "\n".join(md.value for md in at.markdown)
    assert "Credit insurance required for class D" in text
    assert "No customer reference given" in "\n".join(c.value for c in at.caption)
    (check,) = rows(url, CreditCheck)
    assert (check.risk_class, check.granted_limit, check.customer_id) == ("D", D("50000.00"), None)
    # another org number has nothing on file
    at.text_input(key="cc_org").input("915738206").run()
    assert any("No report on file for 915738206" in i.value for i in at.info)


def test_in_norwegian_the_decision_and_reasons_are_translated(url):
    at = run_page(PAGE, lang="nb", as_of=AS_OF, user_name="Kari Nordmann", cc_report_mode="Ingen rapport")
    fill(at, org="988077917", limit=80_000, days=30)
    at.button(key="cc_submit").click().run()
    assert not at.exception, at.exception
    # no report: unrated C + 1 = D; 80 000 is under D's 100 000, 30 days are cut to D's 14
    assert [w.value for w in at.warning] == ["**Godkjent med lavere kredittgrense eller kortere kredittid**"]
    text = "\n".join(md.value for md in at.markdown)
    assert "Ingen kredittrapport: klasse C" in text
    assert "Ny kunde uten kredittrapport (+1)" in text
    assert "Kredittiden er kortet ned fra 30 til 14 dager, standarden for klasse D" in text
    assert "Kredittforsikring kreves for klasse D" in text
