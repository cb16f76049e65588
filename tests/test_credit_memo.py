"""The customer credit memo: data_access.memo on a hand-built ledger on both engines, reports.credit_memo read back
with pdfplumber (en and nb, byte-identical), and a memo of a demo customer.

Ledger (NOK, as of 2026-07-31, default policy: buckets 30/60/90/120, LGD 70 %):
K0 Fjordkonsern AS, parent of K1, limit 20 000, group limit 150 000: INV10 5 000.00 due 2026-07-31 (current).
K1 Bølgen Blåbær AS, 30 days, limit 80 000, insured limit 40 000 (Atradius, 90 %):
  open  INV1 20 000.00 due 2026-04-01 (121 days past due), INV2 30 000.00 due 2026-07-01 (30 days),
        INV3 50 125.50 due 2026-08-14 (current);
  paid  INV4 10 000.00 issued 01-05 due 02-04 paid 02-14 (+10), INV5 12 000.00 issued 02-02 due 03-04 paid 03-01
        (−3), INV6 8 000.00 issued 04-01 due 05-01 paid 05-21 (+20);
  credit report 2026-06-30 score 60 (band B), 1 payment remark of 2 500.00; an address change 2026-05-10;
  a dispute on INV3 (5 000.00), a payment plan on INV2 (2 × 15 000.00, the first due 07-20 unpaid),
  a call and a promise to pay.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pdfplumber
import pytest
from apptest import DEMO_AS_OF_DEFAULT
from infra import artifacts_dir
from sqlalchemy import insert, select, update

from data_access import collections as col
from data_access.activities import add_activity
from data_access.engine import make_engine
from data_access.ledger import save_company_profile
from data_access.memo import credit_memo, customer_id_by_ref
from data_access.monitor import run_monitor
from data_access.schema import CompanyEvent, CreditReport, Customer
from domain.activity import NewActivity
from domain.company import CompanyProfile
from domain.memo import (
    CreditMemo,
    MemoAging,
    MemoAlert,
    MemoBehaviour,
    MemoContribution,
    MemoCustomer,
    MemoExposure,
    MemoRecommendation,
    MemoRisk,
    PaidPoint,
)
from reports.credit_memo import contribution_text, payment_chart, render_credit_memo
from reports.pdf import money
from tests.ledger import load, ready_engine

AS_OF = date(2026, 7, 31)
GENERATED = datetime(2026, 8, 1, 9, 30)
NAME = "Bølgen Blåbær AS"
M = Decimal


@pytest.fixture
def engine(db_url):
    e = ready_engine(db_url)
    load(
        e,
        customers=[
            ("K0", "Fjordkonsern AS", "NO", "NOK", 30, "20000"),
            ("K1", NAME, "NO", "NOK", 30, "80000", "K0"),
        ],
        invoices=[
            ("INV10", "K0", "2026-07-01", "2026-07-31", "5000.00", "NOK"),
            ("INV1", "K1", "2026-03-02", "2026-04-01", "20000.00", "NOK"),
            ("INV2", "K1", "2026-06-01", "2026-07-01", "30000.00", "NOK"),
            ("INV3", "K1", "2026-07-15", "2026-08-14", "50125.50", "NOK"),
            ("INV4", "K1", "2026-01-05", "2026-02-04", "10000.00", "NOK"),
            ("INV5", "K1", "2026-02-02", "2026-03-04", "12000.00", "NOK"),
            ("INV6", "K1", "2026-04-01", "2026-05-01", "8000.00", "NOK"),
        ],
        payments=[
            ("P4", "K1", "2026-02-14", "10000.00", "NOK", "INV4"),
            ("P5", "K1", "2026-03-01", "12000.00", "NOK", "INV5"),
            ("P6", "K1", "2026-05-21", "8000.00", "NOK", "INV6"),
        ],
    )
    with e.begin() as conn:
        save_company_profile(conn, CompanyProfile(name="Fjord Økonomi AS", country="NO", base_currency="NOK"))
        k0, k1 = customer_id_by_ref(conn, "K0"), customer_id_by_ref(conn, "K1")
        conn.execute(update(Customer).where(Customer.id == k0).values(group_limit=M("150000")))
        conn.execute(
            update(Customer)
            .where(Customer.id == k1)
            .values(insured_limit=M("40000"), insurer="Atradius", insured_share=M("90"), segment="SMB")
        )
        conn.execute(
            insert(CreditReport).values(
                customer_id=k1,
                report_date=date(2026, 6, 30),
                source="Testbyrå",
                score=60,
                rating="A",
                remarks_count=1,
                remarks_amount=M("2500.00"),
            )
        )
        conn.execute(
            insert(CompanyEvent).values(
                customer_id=k1,
                event_date=date(2026, 5, 10),
                event_type="address_change",
                source="Brønnøysundregistrene",
                text="Ny adresse: Storgata 1, 9008 Tromsø",
            )
        )
        col.create_plan(
            conn,
            k1,
            ["INV2"],
            [(date(2026, 7, 20), M("15000.00")), (date(2026, 8, 20), M("15000.00"))],
            agreed_on=date(2026, 7, 10),
            reason="Avtalt nedbetaling",
            author="Kari",
        )
        col.open_dispute(
            conn,
            "INV3",
            M("5000.00"),
            reason="Feil antall på pall",
            owner="delivery",
            opened_on=date(2026, 7, 20),
            author="Kari",
        )
        add_activity(conn, k1, NewActivity("call", date(2026, 7, 25), "Ringte økonomisjefen", "Ola"))
        add_activity(
            conn,
            k1,
            NewActivity("promise", date(2026, 7, 26), "Betaler INV2", "Ola", M("30000.00"), date(2026, 8, 10)),
        )
        run_monitor(conn, AS_OF)
    return e


def build(engine, ref: str = "K1") -> CreditMemo:
    with engine.connect() as conn:
        memo = credit_memo(conn, customer_id_by_ref(conn, ref), AS_OF, generated_at=GENERATED)
    assert memo is not None
    return memo


def pdf_text(data: bytes) -> str:
    """All pages' text, whitespace (line breaks, no-break spaces) as single spaces."""
    with pdfplumber.open(io.BytesIO(data)) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    return flat(text)


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


# --- the data -------------------------------------------------------------------------------------------------------


def test_memo_holds_the_ledger_figures_class_and_policy(engine):
    memo = build(engine)
    assert (memo.company, memo.as_of, memo.generated_at, memo.base_currency) == (
        "Fjord Økonomi AS",
        AS_OF,
        GENERATED,
        "NOK",
    )
    assert memo.policy_version is None  # no policy saved: the built-in defaults
    c = memo.customer
    assert (c.ref, c.name, c.currency, c.payment_terms_days, c.status, c.segment) == (
        "K1",
        NAME,
        "NOK",
        30,
        "active",
        "SMB",
    )
    assert (c.group_ref, c.group_name, c.group_limit) == ("K0", "Fjordkonsern AS", M("150000"))
    # group exposure 5 000.00 + 100 125.50; K0 has no report and is new (since 2026-07-01): class C + 1 = D
    assert c.group_balance == M("105125.50")
    assert [(m.ref, m.balance, m.credit_limit, m.risk_class, m.is_parent, m.is_customer) for m in c.group_members] == [
        ("K0", M("5000.00"), M("20000"), "D", True, False),
        ("K1", M("100125.50"), M("80000"), "D", False, True),
    ]

    e = memo.exposure
    # balance 20 000 + 30 000 + 50 125.50; past due 20 000 + 30 000; over 90 days INV1 (121 days)
    assert (e.balance, e.overdue, e.over_90) == (M("100125.50"), M("50000.00"), M("20000.00"))
    assert (e.credit_limit, e.credit_limit_base, e.insured_limit) == (M("80000"), M("80000"), M("40000"))
    assert e.utilisation == M("125.156875")  # 100 125.50 / 80 000 × 100
    assert (e.insurer, e.insured_share) == ("Atradius", M("90"))
    assert e.uninsured == M("64125.50")  # 100 125.50 − min(100 125.50, 40 000) × 90 %
    assert memo.aging == MemoAging(
        ("current", "1-30", "31-60", "61-90", "91-120", "121+"),
        (M("50125.50"), M("30000.00"), M("0.00"), M("0.00"), M("0.00"), M("20000.00")),
        M("100125.50"),
    )

    b = memo.behaviour
    assert [(p.paid_on, p.days_late, p.amount, p.invoice_number) for p in b.points] == [
        (date(2026, 2, 14), 10, M("10000.00"), "INV4"),
        (date(2026, 3, 1), -3, M("12000.00"), "INV5"),
        (date(2026, 5, 21), 20, M("8000.00"), "INV6"),
    ]
    assert (b.since, b.window_days, b.paid_invoices) == (date(2024, 7, 31), 365, 3)
    # days late (early = 0): (10 000 × 10 + 8 000 × 20) / 30 000 = 8.6667
    assert b.weighted_days_late.quantize(M("0.0001")) == M("8.6667")
    # days to pay: (10 000 × 40 + 12 000 × 27 + 8 000 × 50) / 30 000 = 37.4667
    assert b.avg_days_to_pay.quantize(M("0.0001")) == M("37.4667")
    # days beyond terms (10 000 × 10 − 12 000 × 3 + 8 000 × 20) / 30 000 = 7.4667 -> 80 − 7.4667 × 10/15 = 75.02
    assert b.payment_index.quantize(M("0.01")) == M("75.02")
    # recent 90 days: INV6 only (20); the 270 before: INV4, INV5 (median 3.5): too few to judge
    assert (b.trend_code, b.recent_median, b.baseline_median) == ("too_few", 20.0, 3.5)

    assert [(r.report_date, r.score, r.remarks_count, r.remarks_amount) for r in memo.reports] == [
        (date(2026, 6, 30), 60, 1, M("2500.00"))
    ]
    assert memo.reports_total == 1

    r = memo.risk
    # score 60 -> B; one payment remark +1; balance over the limit +1 -> D (past due 50 % is not above 50 %)
    assert (r.risk_class, r.base_class, r.bureau_band, r.bureau_source) == ("D", "B", "low risk", "Testbyrå")
    assert [(x.code, x.notches) for x in r.contributions] == [("payment_remarks", 1), ("over_limit", 1)]
    assert r.contributions[0].value("count") == 1
    assert (r.pd_percent, r.pd_source, r.lgd_percent) == (M("8.00"), "policy", M("70"))
    assert r.expected_loss == M("3591.03")  # 8 % × 70 % × 64 125.50 = 3 591.028

    rec = memo.recommendation
    assert (rec.risk_class, rec.payment_terms_days, rec.max_credit_limit, rec.review_months) == (
        "D",
        14,
        M("100000"),
        6,
    )
    assert (rec.prepayment_required, rec.insurance_required) == (False, True)
    # the monitor: balance over the insured limit while the credit limit is above it -> lower the limit to 40 000
    assert rec.recommended_limit == M("40000.00")

    assert [(x.event_date, x.event_type, x.source) for x in memo.events] == [
        (date(2026, 5, 10), "address_change", "Brønnøysundregistrene")
    ]
    # most severe first, then oldest: the plan's 07-20 instalment missed (since 07-21); 100 125.50 over the limit
    # of 80 000 by more than 20 % (high, active: credit hold); INV1 20 000 more than 60 and more than 50 days past
    # due; over the insured limit 40 000 while the credit limit is above it (medium, lower the limit)
    assert [(a.alert_type, a.severity, a.since, a.recommendation) for a in memo.alerts] == [
        ("missed_instalment", "high", date(2026, 7, 21), "call_customer"),
        ("over_limit", "high", AS_OF, "credit_hold"),
        ("overdue", "high", AS_OF, "hand_over_to_collection"),
        ("insurer_notification_due", "high", AS_OF, "notify_insurer"),
        ("insured_limit_exceeded", "medium", AS_OF, "lower_limit"),
    ]
    assert [(d.invoice_number, d.amount, d.owner, d.opened_on) for d in memo.disputes] == [
        ("INV3", M("5000.00"), "delivery", date(2026, 7, 20))
    ]
    (plan,) = memo.plans
    assert (plan.invoice_numbers, plan.instalments, plan.planned, plan.paid, plan.kept) == (
        ("INV2",),
        2,
        M("30000.00"),
        M("0.00"),
        False,
    )
    assert (plan.missed_since, plan.next_due_on, plan.next_amount) == (
        date(2026, 7, 21),
        date(2026, 8, 20),
        M("15000.00"),
    )
    # newest first: the promise, the call, the dispute's and the plan's notes
    assert [(a.activity_date, a.kind) for a in memo.activities] == [
        (date(2026, 7, 26), "promise"),
        (date(2026, 7, 25), "call"),
        (date(2026, 7, 20), "note"),
        (date(2026, 7, 10), "note"),
    ]
    assert memo.activities[0].promised_amount == M("30000.00")
    hash(memo)  # hashable: a cache can key on it


def test_lookup_by_reference_and_unknown_customer(engine):
    with engine.connect() as conn:
        k1 = customer_id_by_ref(conn, " K1 ")
        assert k1 is not None and build(engine).customer.id == k1
        assert customer_id_by_ref(conn, "K404") is None
        assert credit_memo(conn, 10**9, AS_OF, generated_at=GENERATED) is None
        stand_alone = credit_memo(conn, customer_id_by_ref(conn, "K0"), AS_OF, generated_at=GENERATED)
    # K0 is the group's parent: it lists both members too
    assert stand_alone is not None and [m.ref for m in stand_alone.customer.group_members] == ["K0", "K1"]


# --- the PDF --------------------------------------------------------------------------------------------------------


def test_pdf_prints_the_memo_in_both_languages(engine, pdftoppm):
    memo = build(engine)
    en, nb = render_credit_memo(memo, "en"), render_credit_memo(memo, "nb")
    assert render_credit_memo(memo, "en") == en and render_credit_memo(memo, "nb") == nb  # byte-identical
    assert render_credit_memo(replace(memo, generated_at=datetime(2026, 8, 2, 9, 30)), "en") != en

    text = pdf_text(en)
    balance, limit = flat(money(memo.exposure.balance, "NOK", "en")), flat(money(M("80000"), "NOK", "en"))
    assert (balance, limit) == ("NOK 100,125.50", "NOK 80,000")
    for expected in (
        NAME,
        "Credit memo",
        "Prepared by Fjord Økonomi AS",
        "As of 31 Jul 2026",
        "Prepared 1 Aug 2026 09:30",
        f"Balance {balance} Credit limit {limit}",
        "Past due NOK 50,000 Limit used 125.2 %",
        "Over 90 days past due NOK 20,000 Expected loss NOK 3,591.03",
        "Risk class D PD (12 months) 8 %",
        "Corporate group Fjordkonsern AS (K0)",
        "Group exposure NOK 105,125.50",
        "Credit insurer Atradius, covers 90 %",
        "Uninsured exposure NOK 64,125.50",
        # aging: labels, then the amounts and the total
        "not due 1-30 31-60 61-90 91-120 121+ Total",
        "50,125.50 30,000.00 0.00 0.00 0.00 20,000.00 100,125.50",
        "Days late, weighted by amount 8.7",
        "Days to pay, weighted by amount 37.5",
        "Payment index 75",
        "too few paid invoices to judge the trend",
        "30 Jun 2026 Testbyrå 60 A 1 2,500.00",
        "B, from the bureau's “low risk” (Testbyrå, 30 Jun 2026)",
        "8 % (the policy's PD for class D)",
        "8 % × 70 % × NOK 64,125.50 = NOK 3,591.03",
        "1 payment remark(s) on the latest credit report (NOK 2,500) (+1 class)",
        "credit limit 125 % used (+1 class)",
        "Payment terms 14 days 30 days",
        "Credit limit NOK 100,000 NOK 80,000",
        "The customer's payment terms (30 days) are longer than the class's standard (14 days).",
        "The monitor recommends lowering the credit limit to NOK 40,000.",
        "10 May 2026 Change of address Brønnøysundregistrene Ny adresse: Storgata 1, 9008 Tromsø",
        "Over the credit limit: balance 100,125.50",
        "Put on credit hold",
        "20 Jul 2026 INV3 NOK 5,000 Delivery Feil antall på pall",
        "missed since 21 Jul 2026",
        "Betaler INV2 (promised NOK 30,000 by 10 Aug 2026)",
        "Committee decision",
    ):
        assert expected in text, expected

    text = pdf_text(nb)
    balance, limit = flat(money(memo.exposure.balance, "NOK", "nb")), flat(money(M("80000"), "NOK", "nb"))
    assert (balance, limit) == ("100 125,50 NOK", "80 000 NOK")
    for expected in (
        NAME,
        "Kredittnotat",
        "Per 31.07.2026",
        f"Saldo {balance} Kredittgrense {limit}",
        "Risikoklasse D PD (12 måneder) 8 %",
        "ikke forfalt 1-30 31-60 61-90 91-120 121+ Sum",
        "50 125,50 30 000,00 0,00 0,00 0,00 20 000,00 100 125,50",
        "1 betalingsanmerkning(er) på siste kredittopplysning (2 500 NOK) (+1 klasse)",
        "kredittgrensen 125 % brukt (+1 klasse)",
        "Overvåkingen anbefaler å senke kredittgrensen til 40 000 NOK.",
        "Adresseendring",
        "Over kredittgrensen",
        "misligholdt siden 21.07.2026",
        "Side 1 /",
    ):
        assert expected in text, expected
    assert "is over the credit limit" not in text  # the monitor's English message stays out of the Norwegian memo

    out = artifacts_dir() / "credit_memo"
    out.mkdir(parents=True, exist_ok=True)
    for lang, data in (("en", en), ("nb", nb)):
        pdf_file = out / f"memo_K1_{lang}.pdf"
        pdf_file.write_bytes(data)
        for old in out.glob(f"memo_K1_{lang}-*.png"):
            old.unlink()
        subprocess.run([pdftoppm, "-png", "-r", "60", str(pdf_file), str(out / f"memo_K1_{lang}")], check=True)
        with pdfplumber.open(io.BytesIO(data)) as doc:
            assert len(list(out.glob(f"memo_K1_{lang}-*.png"))) == len(doc.pages)


# --- rendering without a database -----------------------------------------------------------------------------------


def bare_memo() -> CreditMemo:
    """A stand-alone customer in EUR with no payments, reports, events or records, unrated: the empty paths."""
    return CreditMemo(
        company="Fjord Økonomi AS",
        as_of=AS_OF,
        generated_at=GENERATED,
        base_currency="NOK",
        policy_version=3,
        customer=MemoCustomer(1, "E1", "Åsgård Ærfugl GmbH", None, "DE", None, None, "EUR", 45, "prepayment_only"),
        exposure=MemoExposure(
            balance=M("1170.00"),
            overdue=M("0.00"),
            over_90=M("0.00"),
            credit_limit=M("1000"),
            credit_limit_base=M("11700.00"),
            utilisation=M("10"),
            insured_limit=None,
            insurer=None,
            insured_share=None,
            uninsured=M("1170.00"),
            unapplied_amount=M("0.00"),
        ),
        aging=MemoAging(("current", "1-30", "31+"), (M("1170.00"), M("0.00"), M("0.00")), M("1170.00")),
        behaviour=MemoBehaviour((), date(2024, 7, 31), 365, 0, None, None, None, None),
        reports=(),
        reports_total=0,
        risk=MemoRisk("C", "C", None, None, None, (), M("3.00"), "policy", M("70"), M("24.57")),
        recommendation=MemoRecommendation("C", 20, M("500000"), 12, False, False),
        alerts=(MemoAlert("review_due", "low", AS_OF, AS_OF, "credit review due 2026-08-15", "review_credit", "open"),),
    )


def test_empty_sections_and_a_foreign_currency_limit():
    memo = bare_memo()
    text = pdf_text(render_credit_memo(memo, "en"))
    for expected in (
        "Åsgård Ærfugl GmbH",
        "Credit policy version 3",
        "Credit limit EUR 1,000 (NOK 11,700)",  # the customer's currency, then the base currency
        "Country Germany",
        "Status prepayment only",
        "No invoice was paid in the 2 years up to 31 Jul 2026",
        "Payment trend no paid invoices to judge",
        "No credit report up to 31 Jul 2026.",
        "C: no credit report (the policy's class for unrated customers)",
        "Nothing in our ledger or the registers moves the class: it is the bureau's.",
        "Credit limit NOK 500,000 EUR 1,000 (NOK 11,700)",
        "The customer's payment terms (45 days) are longer than the class's standard (20 days).",
        "No register events up to 31 Jul 2026.",
        "Credit review due: credit review due",
        "Low Review the credit",
        "No open disputes.",
        "No active payment plans.",
        "Nothing logged for this customer yet.",
    ):
        assert expected in text, expected
    assert "Corporate group" not in text and "recommends lowering" not in text
    nb = pdf_text(render_credit_memo(memo, "nb"))
    assert "Land Tyskland" in nb and "Kredittvurdering forfaller" in nb and "credit review due" not in nb


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unsupported report language 'de': use one of en, nb"):
        render_credit_memo(bare_memo(), "de")


def test_chart_png_is_deterministic_and_unstamped():
    memo = bare_memo()
    points = (
        PaidPoint(date(2025, 9, 1), 4, M("1000.00"), "A"),
        PaidPoint(date(2026, 1, 10), -2, M("3000.00"), "B"),
        PaidPoint(date(2026, 6, 1), 12, M("500.00"), "C"),
    )
    png = payment_chart(points, memo.behaviour.since, AS_OF, "nb")
    assert png.startswith(b"\x89PNG") and png == payment_chart(points, memo.behaviour.since, AS_OF, "nb")
    assert b"matplotlib" not in png.lower()  # no Software stamp carrying the version
    assert png != payment_chart(points, memo.behaviour.since, AS_OF, "en")  # legend and date labels differ


# --- the demo -------------------------------------------------------------------------------------------------------


def test_memo_of_a_demo_customer_renders(demo_url):
    as_of = date.fromisoformat(DEMO_AS_OF_DEFAULT)
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        run_monitor(conn, as_of)
    with engine.connect() as conn:
        ids = conn.execute(select(Customer.id).order_by(Customer.id)).scalars().all()
        memos = [credit_memo(conn, cid, as_of, generated_at=GENERATED) for cid in ids]
    assert len(memos) == 80 and all(m is not None for m in memos)  # every demo customer builds
    # a member of a corporate group with paid invoices and alerts, so the group table, chart and alerts are drawn
    grouped = next(m for m in memos if m and m.customer.in_group and m.behaviour.points and m.alerts)
    for lang in ("en", "nb"):
        data = render_credit_memo(grouped, lang)
        text = pdf_text(data)
        assert grouped.customer.name in text
        assert flat(money(grouped.exposure.balance, grouped.base_currency, lang)) in text
        out = artifacts_dir() / "credit_memo"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"memo_demo_{lang}.pdf").write_bytes(data)


@pytest.mark.parametrize(
    ("code", "notches", "params", "lang", "expected"),
    [
        (
            "severe_event",
            5,
            {"event": "bankruptcy_petition", "date": date(2026, 3, 2)},
            "en",
            "Bankruptcy petition registered 2 Mar 2026 (class E)",
        ),
        (
            "severe_event",
            5,
            {"event": "bankruptcy", "date": date(2026, 3, 2)},
            "nb",
            "Konkurs registrert 02.03.2026 (klasse E)",
        ),
        ("role_change", 1, {"date": date(2026, 6, 1)}, "en", "change of CEO or chair registered 1 Jun 2026 (+1 class)"),
        ("weak_payment_index", 1, {"index": M("47.5")}, "en", "payment index 48 (+1 class)"),  # 47.5 half-up
        (
            "deteriorating",
            1,
            {"before": 3.0, "now": 12.5},
            "nb",
            "betaler senere enn før: median 3 → 12,5 dager for sent (+1 klasse)",
        ),
        (
            "deteriorating",
            1,
            {"before": None, "now": None},
            "en",
            "pays later than before: median – → – days late (+1 class)",
        ),
        ("high_overdue", 2, {"share": M("66.6667")}, "en", "67 % of the balance is past due (+2 classes)"),
        ("new_unrated", 1, {"months": 4}, "nb", "kunde i 4 måneder og ingen kredittopplysning (+1 klasse)"),
        (
            "good_payer",
            -1,
            {"months": 30, "index": M("92.4")},
            "en",
            "customer for 30 months with payment index 92 (−1 class)",
        ),
        ("some_new_rule", 2, {}, "en", "some new rule (+2 classes)"),  # a code the memo does not know yet
    ],
)
def test_contribution_texts(code, notches, params, lang, expected):
    """Each rule of domain.risk worded with its numbers (no-break spaces read as spaces)."""
    text = contribution_text(MemoContribution(code, notches, tuple(params.items())), bare_memo(), lang)
    assert flat(text) == expected
