"""Credit checks in the database, on SQLite and PostgreSQL: the bureau report on file, the stored check with its
policy version, the created customer and its pending limit request, and refusals that write nothing."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import pytest
from ledger import ready_engine
from sqlalchemy import func, insert, select

from data_access.credit_checks import (
    credit_check_history,
    latest_bureau_report,
    record_credit_check,
    run_credit_check,
    stored_reasons,
)
from data_access.ledger import data_version, save_policy
from data_access.schema import CreditCheck, CreditReport, Customer, CustomerChange, FxRate, LimitRequest
from domain.credit_check import CreditCheckInput, decide
from domain.fx import MissingFxRate
from domain.policy import Policy
from domain.risk import BureauView

AS_OF = date(2026, 10, 30)
ORG = "988077917"


def check(limit="800000", days=45, report=None, **kw) -> CreditCheckInput:
    base = {"as_of": AS_OF, "org_number": ORG, "country": "NO", "name": "Ny Kunde AS"}
    return CreditCheckInput(**{**base, **kw}, requested_limit=D(limit), requested_terms_days=days, report=report)


def score(n: int, remarks: int = 0) -> BureauView:
    return BureauView(date(2026, 10, 1), "Creditsafe", score=n, remarks_count=remarks)


def counts(conn) -> tuple[int, int, int, int]:
    return tuple(
        conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in (CreditCheck, Customer, LimitRequest, CustomerChange)
    )


@pytest.fixture
def engine(db_url):
    e = ready_engine(db_url)
    yield e
    e.dispose()


def add_customer(conn, ref: str, org: str, country: str) -> int:
    return conn.execute(
        insert(Customer)
        .values(customer_ref=ref, name=ref, org_number=org, country=country, currency="NOK")
        .returning(Customer.id)
    ).scalar_one()


def test_latest_bureau_report_by_org_number_country_and_date(engine):
    with engine.begin() as conn:
        no = add_customer(conn, "N1", ORG, "NO")
        dk = add_customer(conn, "D1", "13585628", "DK")
        for cid, day, source, score_, extra in (
            (no, date(2026, 6, 1), "Creditsafe", 60, {}),
            (
                no,
                date(2026, 9, 1),
                "UC",
                40,
                {
                    "rating": "AN",
                    "remarks_count": 2,
                    "remarks_amount": D("12500.50"),
                    "uc_class": 3,
                    "pd_percent": D("2.75"),
                },
            ),
            (dk, date(2026, 10, 1), "Experian", 90, {}),
        ):
            conn.execute(
                insert(CreditReport).values(customer_id=cid, report_date=day, source=source, score=score_, **extra)
            )
    with engine.connect() as conn:
        latest = latest_bureau_report(conn, ORG)
        assert latest == BureauView(date(2026, 9, 1), "UC", 40, "AN", 3, D("2.75"), 2, D("12500.50"))
        assert latest_bureau_report(conn, ORG, country="NO", as_of=date(2026, 8, 31)) == BureauView(
            date(2026, 6, 1), "Creditsafe", score=60, remarks_count=0, remarks_amount=D("0.00")
        )
        assert latest_bureau_report(conn, ORG, as_of=date(2026, 5, 31)) is None
        assert latest_bureau_report(conn, ORG, country="SE") is None
        # the same 8 digits as a Finnish business ID: only the Danish company's report, and only for DK
        assert latest_bureau_report(conn, "13585628", country="DK").score == 90
        assert latest_bureau_report(conn, "13585628", country="FI") is None
        assert latest_bureau_report(conn, "915738206") is None


def test_reduced_approval_creates_the_customer_and_a_pending_limit_request(engine):
    with engine.begin() as conn:
        version = save_policy(conn, Policy(), "policy owner")
    i = check(report=score(40))
    d = decide(i, Policy())
    with engine.begin() as conn:
        before = data_version(conn)
        rec = record_credit_check(
            conn, i, d, author=" Kari Nordmann ", customer_ref="K-NEW-1", currency="NOK", role="sales"
        )
        assert data_version(conn) > before
    assert version == 1 and rec.policy_version == 1
    with engine.connect() as conn:
        c = conn.execute(select(Customer.__table__).where(Customer.id == rec.customer_id)).one()
        assert (c.customer_ref, c.name, c.org_number, c.country, c.currency) == (
            "K-NEW-1",
            "Ny Kunde AS",
            ORG,
            "NO",
            "NOK",
        )
        assert (c.payment_terms_days, c.credit_limit, c.status) == (20, D("0.00"), "active")
        r = conn.execute(select(LimitRequest.__table__).where(LimitRequest.id == rec.limit_request_id)).one()
        assert (r.customer_id, r.amount, r.currency, r.amount_base, r.status) == (
            rec.customer_id,
            D("500000.00"),
            "NOK",
            D("500000.00"),
            "pending",
        )
        assert (r.required_role, r.requested_by, r.requested_role, r.requested_on) == (
            "credit_manager",
            "Kari Nordmann",
            "sales",
            AS_OF,
        )
        assert "class C, approve_reduced, 500 000 NOK on 20 days" in r.reason
        cc = conn.execute(select(CreditCheck.__table__).where(CreditCheck.id == rec.id)).one()
        assert (cc.checked_on, cc.author, cc.org_number, cc.country, cc.name, cc.customer_ref) == (
            AS_OF,
            "Kari Nordmann",
            ORG,
            "NO",
            "Ny Kunde AS",
            "K-NEW-1",
        )
        assert (cc.requested_limit, cc.requested_terms_days, cc.decision, cc.risk_class) == (
            D("800000.00"),
            45,
            "approve_reduced",
            "C",
        )
        assert (cc.granted_limit, cc.granted_terms_days, cc.policy_version) == (D("500000.00"), 20, 1)
        assert (cc.customer_id, cc.limit_request_id) == (rec.customer_id, rec.limit_request_id)
        assert json.loads(cc.report) == {
            "report_date": "2026-10-01",
            "source": "Creditsafe",
            "score": 40,
            "rating": None,
            "uc_class": None,
            "pd_percent": None,
            "remarks_count": 0,
            "remarks_amount": "0.00",
        }
        assert stored_reasons(conn, rec.id) == [
            {
                "code": "base_class",
                "params": {"class": "C", "band": "moderate risk", "score": 40, "source": "Creditsafe"},
                "text": "the bureau's view (moderate risk) maps to class C",
            },
            {
                "code": "limit_lowered",
                "params": {"requested": "800000", "granted": "500000", "class": "C"},
                "text": "limit lowered from 800 000 to 500 000, the maximum for class C",
            },
            {
                "code": "terms_shortened",
                "params": {"requested": 45, "granted": 20, "class": "C"},
                "text": "terms shortened from 45 to 20 days, the standard for class C",
            },
        ]
        changes = conn.execute(
            select(CustomerChange.field, CustomerChange.old_value, CustomerChange.new_value, CustomerChange.source)
            .where(CustomerChange.customer_id == rec.customer_id)
            .order_by(CustomerChange.field)
        ).all()
        assert [tuple(ch) for ch in changes] == [
            ("payment_terms_days", None, "20", "credit_check"),
            ("status", None, "active", "credit_check"),
        ]


def test_without_a_saved_policy_the_version_is_none_and_no_ref_creates_nothing(engine):
    i = check(limit="100000", days=30, report=score(80))
    with engine.begin() as conn:
        rec = record_credit_check(
            conn, i, decide(i, Policy()), author="Ola", customer_ref="  ", currency="NOK", role="cfo"
        )
    assert (rec.policy_version, rec.customer_id, rec.limit_request_id) == (None, None, None)
    with engine.connect() as conn:
        assert counts(conn) == (1, 0, 0, 0)
        (row,) = credit_check_history(conn)
        assert (row.decision, row.risk_class, row.granted_limit, row.granted_terms_days, row.customer_ref) == (
            "approve",
            "A",
            D("100000.00"),
            30,
            None,
        )


def test_prepayment_only_creates_the_customer_without_a_limit_request(engine):
    i = check(limit="50000", days=30, report=score(15))
    d = decide(i, Policy())
    assert d.decision == "prepayment_only"
    with engine.begin() as conn:
        rec = record_credit_check(conn, i, d, author="Ola", customer_ref="K-PRE", currency="NOK", role="sales")
    with engine.connect() as conn:
        c = conn.execute(select(Customer.__table__).where(Customer.id == rec.customer_id)).one()
        assert (c.status, c.payment_terms_days, c.credit_limit) == ("prepayment_only", 0, D("0.00"))
        assert rec.limit_request_id is None
        assert counts(conn) == (1, 1, 0, 2)


def test_a_decline_stores_the_check_and_creates_no_customer(engine):
    i = check(limit="50000", days=30, report=score(80, remarks=3))
    d = decide(i, Policy())
    with engine.begin() as conn:
        rec = record_credit_check(conn, i, d, author="Ola", customer_ref="K-NO", currency="NOK", role="sales")
    with engine.connect() as conn:
        assert counts(conn) == (1, 0, 0, 0)
        (row,) = credit_check_history(conn)
        assert (row.id, row.decision, row.granted_limit, row.customer_ref, row.customer_id) == (
            rec.id,
            "decline",
            D("0.00"),
            "K-NO",
            None,
        )
        assert [r["code"] for r in stored_reasons(conn, rec.id)][-1] == "many_remarks"


def test_a_duplicate_customer_ref_is_refused_and_nothing_is_written(engine):
    with engine.begin() as conn:
        add_customer(conn, "K-OLD", "915738206", "NO")
        before = data_version(conn)
    i = check(report=score(40))
    d = decide(i, Policy())
    with pytest.raises(ValueError, match="customer ref K-OLD already exists"), engine.begin() as conn:
        record_credit_check(conn, i, d, author="Ola", customer_ref="K-OLD", currency="NOK", role="sales")
    with engine.connect() as conn:
        assert counts(conn) == (0, 1, 0, 0)
        assert data_version(conn) == before


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"author": "  "}, "an author is needed"),
        ({"currency": "kroner"}, "'KRONER' is not a currency code"),
        ({"customer_ref": "R" * 65}, "a customer ref is at most 64 characters"),
    ],
)
def test_bad_record_arguments_write_nothing(engine, kwargs, message):
    i = check(report=score(40))
    args = {"author": "Ola", "customer_ref": "K-1", "currency": "NOK", "role": "sales", **kwargs}
    with pytest.raises(ValueError, match=message), engine.begin() as conn:
        record_credit_check(conn, i, decide(i, Policy()), **args)
    with engine.connect() as conn:
        assert counts(conn) == (0, 0, 0, 0)


def test_a_role_that_may_not_request_rolls_back_the_customer(engine):
    i = check(report=score(40))
    with pytest.raises(ValueError, match="may not request credit limits"), engine.begin() as conn:
        record_credit_check(conn, i, decide(i, Policy()), author="Ola", customer_ref="K-1", currency="NOK", role="x")
    with engine.connect() as conn:
        assert counts(conn) == (0, 0, 0, 0)


def test_run_in_another_currency_uses_the_closing_rate(engine):
    with engine.begin() as conn:
        conn.execute(
            insert(FxRate),
            [
                {"currency": "EUR", "rate_date": date(2026, 10, 1), "rate": D("11.5")},
                {"currency": "EUR", "rate_date": date(2026, 11, 2), "rate": D("20")},  # after the check: unused
            ],
        )
    with engine.begin() as conn:
        d, rec = run_credit_check(
            conn,
            check(limit="50000", days=20, report=score(40)),
            author="Ola",
            customer_ref="K-EUR",
            currency="eur",
            role="sales",
        )
    # class C caps at 500 000 NOK = 43 478.26 EUR at 11.5 (rounded down); 43 478.26 x 11.5 = 499 999.99 NOK
    assert (d.decision, d.granted_limit, d.approver_role) == ("approve_reduced", D("43478.26"), "credit_manager")
    with engine.connect() as conn:
        r = conn.execute(select(LimitRequest.__table__).where(LimitRequest.id == rec.limit_request_id)).one()
        assert (r.amount, r.currency, r.amount_base, r.required_role) == (
            D("43478.26"),
            "EUR",
            D("499999.99"),
            "credit_manager",
        )
        assert conn.execute(select(Customer.currency).where(Customer.id == rec.customer_id)).scalar_one() == "EUR"
        assert credit_check_history(conn)[0].currency == "EUR"
    with pytest.raises(MissingFxRate), engine.begin() as conn:
        run_credit_check(
            conn, check(report=score(40)), author="Ola", customer_ref="K-SEK", currency="SEK", role="sales"
        )
    with engine.connect() as conn:
        assert counts(conn)[0] == 1


def test_history_is_newest_first_and_limited(engine):
    for n in range(3):
        i = check(limit=str(1000 * (n + 1)), days=10, report=score(80), name=f"Kunde {n}")
        with engine.begin() as conn:
            record_credit_check(
                conn, i, decide(i, Policy()), author="Ola", customer_ref=None, currency="NOK", role="sales"
            )
    with engine.connect() as conn:
        assert [r.name for r in credit_check_history(conn)] == ["Kunde 2", "Kunde 1", "Kunde 0"]
        assert [r.requested_limit for r in credit_check_history(conn, limit=2)] == [D("3000.00"), D("2000.00")]
