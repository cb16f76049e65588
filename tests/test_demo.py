"""The deterministic demo portfolio: generation rules (pure) and seeding into SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import re
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import func, insert, select

from data_access.demo import (
    ARCHETYPES,
    DEMO_END_DATE,
    DemoData,
    DemoError,
    DemoSpec,
    generate,
    rating_for_score,
    seed_demo,
)
from data_access.engine import make_engine
from data_access.ledger import data_version, get_setting, rebuild_allocations
from data_access.migrate import upgrade
from data_access.schema import (
    Allocation,
    CompanyEvent,
    CreditReport,
    Customer,
    FxRate,
    ImportLog,
    Invoice,
    Payment,
    WriteOff,
)
from domain.behaviour import ClosedInvoice, assess_trend
from domain.identifiers import normalise_org_number

RATINGS = {"AAA", "AA", "A", "AN", "B", "C"}


@pytest.fixture(scope="module")
def small() -> DemoData:
    return generate(DemoSpec(customers=60, seed=7))


@pytest.fixture(scope="module")
def portfolio() -> DemoData:
    return generate(DemoSpec(customers=400, seed=3))


def archetype_of(data: DemoData) -> dict[int, str]:
    return {c["id"]: data.archetypes[c["customer_ref"]] for c in data.customers}


def closed_points(data: DemoData) -> dict[int, list[ClosedInvoice]]:
    """Invoices closed by at least one payment: close date = the closing allocation's date."""
    allocs = defaultdict(list)
    for a in data.allocations:
        allocs[a["invoice_id"]].append(a)
    points: dict[int, list[ClosedInvoice]] = defaultdict(list)
    for inv in data.invoices:
        if inv["kind"] != "invoice":
            continue
        rows = allocs[inv["id"]]
        if sum((a["amount"] for a in rows), Decimal(0)) != inv["amount"]:
            continue
        if not any(a["payment_id"] is not None for a in rows):
            continue
        close = max(a["alloc_date"] for a in rows)
        points[inv["customer_id"]].append(ClosedInvoice(close, (close - inv["due_date"]).days))
    return points


# --- generation ----------------------------------------------------------------------------------


def test_generate_is_deterministic(small: DemoData) -> None:
    again = generate(DemoSpec(customers=60, seed=7))
    assert again == small
    other = generate(DemoSpec(customers=60, seed=8))
    assert other.customers != small.customers
    assert other.invoices != small.invoices
    assert len(small.customers) == 60
    assert small.spec.end_date == DEMO_END_DATE


def test_invalid_spec_is_refused() -> None:
    with pytest.raises(DemoError, match="customers"):
        generate(DemoSpec(customers=0))
    with pytest.raises(DemoError, match="between 1 and 100000 customers"):  # the benchmark's scale L is allowed
        generate(DemoSpec(customers=100_001))
    with pytest.raises(DemoError, match="years"):
        generate(DemoSpec(customers=10, years=0))


def test_org_numbers_are_valid_and_compact(portfolio: DemoData) -> None:
    for c in portfolio.customers:
        assert normalise_org_number(c["country"], c["org_number"]) == c["org_number"], c
    profile = portfolio.company_profile
    assert normalise_org_number("NO", profile["org_number"]) == profile["org_number"]
    assert profile["base_currency"] == "NOK"


def test_references_and_numbers_are_unique(portfolio: DemoData) -> None:
    for rows, key in (
        (portfolio.customers, "customer_ref"),
        (portfolio.customers, "name"),
        (portfolio.invoices, "invoice_number"),
        (portfolio.payments, "payment_ref"),
        (portfolio.write_offs, "write_off_ref"),
    ):
        values = [r[key] for r in rows]
        assert len(values) == len(set(values)), key
    for rows in (
        portfolio.customers,
        portfolio.invoices,
        portfolio.payments,
        portfolio.write_offs,
        portfolio.allocations,
        portfolio.credit_reports,
        portfolio.company_events,
    ):
        assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
    assert all(re.fullmatch(r"K\d{5}", c["customer_ref"]) for c in portfolio.customers)
    for i in portfolio.invoices:
        prefix = "F" if i["kind"] == "invoice" else "KN"
        assert i["invoice_number"] == f"{prefix}{i['issue_date'].year}-{i['invoice_number'][-6:]}"
        assert re.fullmatch(r"\d{6}", i["invoice_number"][-6:])


def test_customer_attributes(portfolio: DemoData) -> None:
    customers = portfolio.customers
    n = len(customers)
    countries = Counter(c["country"] for c in customers)
    assert 0.45 * n <= countries["NO"] <= 0.65 * n
    assert 0.13 * n <= countries["SE"] <= 0.27 * n
    assert 0.09 * n <= countries["DK"] <= 0.21 * n
    assert 0.05 * n <= countries["FI"] <= 0.15 * n
    allowed = {"NO": {"NOK"}, "SE": {"SEK", "NOK", "EUR"}, "DK": {"DKK", "NOK", "EUR"}, "FI": {"EUR", "NOK"}}
    for c in customers:
        assert c["currency"] in allowed[c["country"]]
        assert c["payment_terms_days"] in {10, 14, 20, 30, 45, 60}
        assert c["segment"] in {"SMB", "Mid-market", "Enterprise", "Public"}
        assert re.fullmatch(r"\d\d\.\d\d", c["industry_code"])
        assert c["credit_limit"] > 0
        assert c["insured_limit"] is None or 0 < c["insured_limit"] <= c["credit_limit"]
        assert c["name"].endswith((" AS", " ASA", " AB", " AB (publ)", " A/S", " Oy", " Oyj"))
    own = sum(
        1 for c in customers if c["currency"] == {"NO": "NOK", "SE": "SEK", "DK": "DKK", "FI": "EUR"}[c["country"]]
    )
    assert own >= 0.8 * n
    terms = Counter(c["payment_terms_days"] for c in customers)
    assert terms[14] + terms[30] >= 0.6 * n
    assert 0.3 * n <= sum(c["insured_limit"] is not None for c in customers) <= 0.5 * n
    assert len({c["industry_code"] for c in customers}) >= 12

    by_id = {c["id"]: c for c in customers}
    children = [c for c in customers if c["parent_id"] is not None]
    assert 0.05 * n <= len(children) <= 0.11 * n
    group_sizes = Counter(c["parent_id"] for c in children)
    for parent_id, kids in group_sizes.items():
        parent = by_id[parent_id]
        assert parent["parent_id"] is None and parent_id < min(c["id"] for c in children if c["parent_id"] == parent_id)
        assert 1 <= kids <= 4  # groups of 2-5 companies
    assert 1 <= sum(c["affiliate"] for c in customers) <= 0.03 * n

    kinds = archetype_of(portfolio)
    statuses = Counter(c["status"] for c in customers)
    assert statuses["active"] >= 0.85 * n
    assert statuses["prepayment_only"] >= 1
    for c in customers:
        if c["status"] == "credit_hold":
            assert kinds[c["id"]] in {"defaulting", "bankrupt"}
        if kinds[c["id"]] == "bankrupt":
            assert c["status"] == "credit_hold"


def test_archetype_shares(portfolio: DemoData) -> None:
    counts = Counter(portfolio.archetypes.values())
    assert set(counts) == set(ARCHETYPES)
    assert 160 <= counts["prompt"] <= 200
    assert 65 <= counts["steady_slow"] <= 95
    assert 45 <= counts["noisy_prompt"] <= 75
    assert 30 <= counts["deteriorating"] <= 50
    assert 20 <= counts["defaulting"] <= 36
    assert 6 <= counts["bankrupt"] <= 18


def test_all_archetypes_present_in_a_small_portfolio() -> None:
    data = generate(DemoSpec(customers=30, seed=11))
    assert set(data.archetypes.values()) == set(ARCHETYPES)
    assert len(data.archetypes) == 30


def test_volume_and_seasonality(portfolio: DemoData) -> None:
    invoices = [i for i in portfolio.invoices if i["kind"] == "invoice"]
    years = portfolio.spec.years
    assert 30 * len(portfolio.customers) * years / 3 <= len(invoices) <= 70 * len(portfolio.customers) * years / 3
    start = DEMO_END_DATE - timedelta(days=365 * years + 1)
    assert all(start < i["issue_date"] <= DEMO_END_DATE and i["issue_date"].weekday() < 5 for i in invoices)
    terms = {c["id"]: c["payment_terms_days"] for c in portfolio.customers}
    assert all((i["due_date"] - i["issue_date"]).days == terms[i["customer_id"]] for i in invoices)
    by_month = Counter(i["issue_date"].month for i in invoices)
    assert by_month[7] < 0.6 * by_month[9]
    assert by_month[7] < 0.6 * by_month[5]
    late_december = sum(1 for i in invoices if i["issue_date"].month == 12 and i["issue_date"].day >= 20)
    early_december = sum(1 for i in invoices if i["issue_date"].month == 12 and 1 <= i["issue_date"].day <= 19)
    assert late_december < 0.4 * early_december
    median = {
        seg: statistics.median(
            float(i["amount"])
            for i in invoices
            for c in [portfolio.customers[i["customer_id"] - 1]]
            if c["segment"] == seg and c["currency"] == "NOK"
        )
        for seg in ("SMB", "Enterprise")
    }
    assert median["Enterprise"] > 3 * median["SMB"]


def test_every_foreign_document_has_a_rate(portfolio: DemoData) -> None:
    dates: dict[str, list[date]] = defaultdict(list)
    for r in portfolio.fx_rates:
        assert r["rate_date"].weekday() < 5
        assert r["rate"] == r["rate"].quantize(Decimal("0.0001")) and r["rate"] > 0
        dates[r["currency"]].append(r["rate_date"])
    assert set(dates) == {"SEK", "DKK", "EUR"}
    for ds in dates.values():
        ds.sort()
    first_invoice = min(i["issue_date"] for i in portfolio.invoices)
    assert min(dates["EUR"]) <= first_invoice - timedelta(days=35)
    assert max(dates["EUR"]) >= DEMO_END_DATE - timedelta(days=3)
    currency_of = {i["id"]: i["currency"] for i in portfolio.invoices}
    docs = [(i["currency"], i["issue_date"]) for i in portfolio.invoices]
    docs += [(p["currency"], p["payment_date"]) for p in portfolio.payments]
    docs += [(currency_of[w["invoice_id"]], w["write_off_date"]) for w in portfolio.write_offs]
    foreign = [(ccy, d) for ccy, d in docs if ccy != "NOK"]
    assert len(foreign) > 1000
    for ccy, d in foreign:
        assert bisect_right(dates[ccy], d) > 0, (ccy, d)
    eur = [r["rate"] for r in portfolio.fx_rates if r["currency"] == "EUR"]
    sek = [r["rate"] for r in portfolio.fx_rates if r["currency"] == "SEK"]
    assert Decimal("10") < min(eur) and max(eur) < Decimal("13")
    assert Decimal("0.85") < min(sek) and max(sek) < Decimal("1.12")


def test_credit_notes_and_disputes(portfolio: DemoData) -> None:
    invoices = {i["invoice_number"]: i for i in portfolio.invoices if i["kind"] == "invoice"}
    notes = [i for i in portfolio.invoices if i["kind"] == "credit_note"]
    assert all(i["amount"] > 0 for i in invoices.values())
    assert 0.015 * len(invoices) <= len(notes) <= 0.05 * len(invoices)
    named = 0
    for cn in notes:
        assert cn["amount"] < 0
        assert cn["due_date"] == cn["issue_date"]
        if cn["credited_invoice"] is not None:
            named += 1
            target = invoices[cn["credited_invoice"]]
            assert target["customer_id"] == cn["customer_id"] and target["currency"] == cn["currency"]
            assert -cn["amount"] <= target["amount"]
            assert cn["issue_date"] > target["issue_date"]
    assert 0.7 * len(notes) <= named < len(notes)
    disputed = [i for i in invoices.values() if i["disputed_amount"] > 0]
    assert disputed
    for i in disputed:
        assert i["disputed_amount"] < i["amount"]
        assert (DEMO_END_DATE - i["issue_date"]).days <= 90


def test_payments(portfolio: DemoData) -> None:
    invoices = {i["invoice_number"]: i for i in portfolio.invoices if i["kind"] == "invoice"}
    payments = portfolio.payments
    assert all(p["amount"] > 0 and p["payment_date"] <= DEMO_END_DATE for p in payments)
    on_account = [p for p in payments if p["invoice_number"] is None]
    assert 0.003 * len(payments) <= len(on_account) <= 0.02 * len(payments)
    per_invoice = Counter(p["invoice_number"] for p in payments if p["invoice_number"] is not None)
    two = sum(1 for k in per_invoice.values() if k == 2)
    assert 0.03 * len(invoices) <= two <= 0.07 * len(invoices)
    paid = defaultdict(Decimal)
    for p in payments:
        if p["invoice_number"] is not None:
            inv = invoices[p["invoice_number"]]
            assert inv["customer_id"] == p["customer_id"] and inv["currency"] == p["currency"]
            paid[p["invoice_number"]] += p["amount"]
    assert any(paid[n] > inv["amount"] for n, inv in invoices.items())  # some overpayments
    # Allocations never exceed an invoice, and the excess of overpayments stays unapplied.
    allocated = defaultdict(Decimal)
    for a in portfolio.allocations:
        allocated[a["invoice_id"]] += a["amount"]
    for inv in invoices.values():
        assert allocated[inv["id"]] <= inv["amount"]
    open_old = [
        inv
        for inv in invoices.values()
        if allocated[inv["id"]] < inv["amount"] and inv["due_date"] < DEMO_END_DATE - timedelta(days=120)
    ]
    kinds = archetype_of(portfolio)
    assert open_old and Counter(kinds[i["customer_id"]] for i in open_old).most_common(1)[0][0] in {
        "defaulting",
        "bankrupt",
    }


def test_write_offs_close_bankrupt_customers_open_invoices(portfolio: DemoData) -> None:
    kinds = archetype_of(portfolio)
    invoices = {i["id"]: i for i in portfolio.invoices}
    bankruptcies = {e["customer_id"]: e for e in portfolio.company_events if e["event_type"] == "bankruptcy"}
    assert {cid for cid, k in kinds.items() if k == "bankrupt"} == set(bankruptcies)
    for e in bankruptcies.values():
        assert e["event_date"] < DEMO_END_DATE - timedelta(days=14)
        assert e["source"] in {
            "Brønnøysundregistrene",
            "Bolagsverket",
            "Erhvervsstyrelsen",
            "Patentti- ja rekisterihallitus",
        }
        country = portfolio.customers[e["customer_id"] - 1]["country"]
        assert (e["source"] == "Brønnøysundregistrene") == (country == "NO")
    assert portfolio.write_offs
    allocs = defaultdict(list)
    for a in portfolio.allocations:
        allocs[a["invoice_id"]].append(a)
    for w in portfolio.write_offs:
        assert kinds[w["customer_id"]] == "bankrupt"
        assert w["reason"] == "bankruptcy" and w["write_off_ref"].startswith("WO-")
        assert w["write_off_date"] > bankruptcies[w["customer_id"]]["event_date"]
        assert w["write_off_date"] <= DEMO_END_DATE
        inv = invoices[w["invoice_id"]]
        assert inv["customer_id"] == w["customer_id"] and inv["kind"] == "invoice"
        assert (w["write_off_date"] - inv["issue_date"]).days > 55
        before = sum(
            (
                a["amount"]
                for a in allocs[inv["id"]]
                if a["write_off_id"] is None and a["alloc_date"] <= w["write_off_date"]
            ),
            Decimal(0),
        )
        assert w["amount"] == inv["amount"] - before
        closing = [a for a in allocs[inv["id"]] if a["write_off_id"] == w["id"]]
        assert [a["amount"] for a in closing] == [w["amount"]]


def test_payment_behaviour_by_archetype(portfolio: DemoData) -> None:
    kinds = archetype_of(portfolio)
    status = {c["id"]: c["status"] for c in portfolio.customers}
    points = closed_points(portfolio)
    end = portfolio.spec.end_date
    flagged: dict[str, list[bool]] = defaultdict(list)
    for cid, kind in kinds.items():
        flagged[kind].append(assess_trend(points[cid], end).deteriorating)
    assert sum(flagged["deteriorating"]) >= 0.8 * len(flagged["deteriorating"])
    assert not any(flagged["steady_slow"])
    assert not any(flagged["noisy_prompt"])
    assert not any(flagged["prompt"])

    for cid, kind in kinds.items():
        late = [p.days_late for p in points[cid]]
        if kind == "prompt" and len(late) >= 5:
            assert -3 <= statistics.median(late) <= 3, cid
            assert max(late) <= 5 and min(late) >= -3, cid
        if kind == "steady_slow" and status[cid] == "active" and len(late) >= 5:
            assert 15 <= statistics.median(late) <= 25, cid
            assert max(late) - min(late) <= 10, cid
        if kind == "noisy_prompt":
            recent = [p.days_late for p in points[cid] if end - timedelta(days=90) < p.close_date <= end]
            assert sum(1 for d in recent if 30 <= d <= 45) == 1, (cid, recent)
            assert all(d <= 5 for d in recent if not 30 <= d <= 45), (cid, recent)
        if kind == "deteriorating":
            old = [p.days_late for p in points[cid] if p.close_date < end - timedelta(days=330)]
            assert old and statistics.median(old) <= 3, cid


def test_credit_reports_follow_the_archetypes(portfolio: DemoData) -> None:
    kinds = archetype_of(portfolio)
    by_customer = defaultdict(list)
    for r in portfolio.credit_reports:
        assert r["source"] == "Demo Bureau"
        assert 0 <= r["score"] <= 100
        assert r["rating"] in RATINGS
        if r["rating"] != "AN":
            assert r["rating"] == rating_for_score(r["score"], r["remarks_count"]), r
        else:
            assert r["remarks_count"] == 0
        assert (r["remarks_count"] > 0) == (r["remarks_amount"] > 0)
        if r["remarks_count"]:
            assert kinds[r["customer_id"]] in {"defaulting", "bankrupt"}
        by_customer[r["customer_id"]].append(r)
    assert set(by_customer) == set(kinds)
    for rows in by_customer.values():
        rows.sort(key=lambda r: r["report_date"])
        gaps = [(b["report_date"] - a["report_date"]).days for a, b in itertools.pairwise(rows)]
        assert all(70 <= g <= 105 for g in gaps)
        assert rows[-1]["report_date"] > DEMO_END_DATE - timedelta(days=105)
    last = {cid: rows[-1] for cid, rows in by_customer.items()}

    def mean_last(kind: str) -> float:
        return statistics.mean(last[cid]["score"] for cid, k in kinds.items() if k == kind)

    assert mean_last("prompt") > 65
    assert mean_last("prompt") > mean_last("deteriorating") > mean_last("defaulting") > mean_last("bankrupt")
    defaulting = [cid for cid, k in kinds.items() if k == "defaulting"]
    assert sum(1 for cid in defaulting if last[cid]["remarks_count"] > 0) >= 0.8 * len(defaulting)
    for cid in defaulting:
        first = by_customer[cid][0]
        assert first["remarks_count"] == 0  # remarks only in the later periods
    assert rating_for_score(90) == "AAA" and rating_for_score(10) == "C" and rating_for_score(90, 2) == "B"


def test_company_events(portfolio: DemoData) -> None:
    types = Counter(e["event_type"] for e in portfolio.company_events)
    assert set(types) == {"bankruptcy", "role_change", "address_change"}
    assert types["role_change"] >= 20 and types["address_change"] >= 10
    for e in portfolio.company_events:
        assert e["event_date"] <= DEMO_END_DATE and e["text"]
    texts = " ".join(e["text"] for e in portfolio.company_events)
    assert "daglig leder" in texts or "styreleder" in texts


# --- seeding -------------------------------------------------------------------------------------


def table_counts(conn: sa.Connection) -> dict[str, int]:
    def count(model, *where) -> int:
        return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    return {
        "customers": count(Customer),
        "invoices": count(Invoice, Invoice.kind == "invoice"),
        "credit_notes": count(Invoice, Invoice.kind == "credit_note"),
        "payments": count(Payment),
        "write_offs": count(WriteOff),
        "allocations": count(Allocation),
        "fx_rates": count(FxRate),
        "credit_reports": count(CreditReport),
        "company_events": count(CompanyEvent),
    }


def summary_counts(summary) -> dict[str, int]:
    return {k: v for k, v in vars(summary).items() if k != "seconds"}


def allocation_set(conn: sa.Connection) -> list[tuple]:
    rows = conn.execute(
        select(
            Allocation.invoice_id,
            Allocation.alloc_date,
            Allocation.amount,
            Allocation.payment_id,
            Allocation.credit_note_id,
            Allocation.write_off_id,
        )
    ).all()
    return sorted(tuple(r) for r in rows)


def open_until_set(conn: sa.Connection) -> list[tuple]:
    invoices = conn.execute(select(Invoice.id, Invoice.open_until)).all()
    payments = conn.execute(select(Payment.id, Payment.open_until)).all()
    return sorted(("invoice", *r) for r in invoices) + sorted(("payment", *r) for r in payments)


def check_seeded(engine: sa.Engine, spec: DemoSpec, summary) -> None:
    data = generate(spec)
    with engine.begin() as conn:
        assert table_counts(conn) == summary_counts(summary)
        assert summary.customers == spec.customers and summary.invoices > 0 and summary.allocations > 0
        assert summary.credit_notes == data.credit_note_count and summary.write_offs == len(data.write_offs)
        assert get_setting(conn, "demo_mode") is True
        profile = get_setting(conn, "company_profile")
        assert profile["name"] == "Demo Kreditt AS" and profile["base_currency"] == "NOK"
        assert normalise_org_number("NO", profile["org_number"]) == profile["org_number"]
        logs = conn.execute(select(ImportLog.source, ImportLog.kind, ImportLog.status, ImportLog.message)).all()
        assert sorted(r.source for r in logs) == ["credit_reports", "ledger", "register"]
        assert all(r.kind == "demo" and r.status == "ok" and f"seed {spec.seed}" in r.message for r in logs)
        assert data_version(conn) >= 1
        # Exact money round trip and the allocations the application itself would compute.
        total = conn.execute(select(func.sum(Invoice.amount))).scalar_one()
        assert total == sum(i["amount"] for i in data.invoices)
        first = conn.execute(select(Invoice.invoice_number, Invoice.amount).where(Invoice.id == 1)).one()
        assert first.invoice_number == data.invoices[0]["invoice_number"] and first.amount == data.invoices[0]["amount"]
        seeded = allocation_set(conn)
        open_until = open_until_set(conn)
        rebuild_allocations(conn)
        assert allocation_set(conn) == seeded
        assert open_until_set(conn) == open_until  # generated customer by customer, rebuilt for the whole ledger

    with pytest.raises(DemoError, match="empty"), engine.begin() as conn:
        seed_demo(conn, spec)

    with engine.begin() as conn:
        assert table_counts(conn) == summary_counts(summary)
        max_invoice = conn.execute(select(func.max(Invoice.id))).scalar_one()
        new_id = conn.execute(
            insert(Invoice)
            .values(
                invoice_number="F2099-000001",
                customer_id=1,
                kind="invoice",
                issue_date=date(2026, 11, 2),
                due_date=date(2026, 12, 2),
                amount=Decimal("1250.00"),
                currency="NOK",
                disputed_amount=Decimal(0),
            )
            .returning(Invoice.id)
        ).scalar_one()
        assert new_id == max_invoice + 1
        for model, values in (
            (Customer, {"customer_ref": "K99999", "name": "Ny Kunde AS", "currency": "NOK"}),
            (Payment, {"payment_ref": "P2099-1", "customer_id": 1, "payment_date": date(2026, 11, 2),
                       "amount": Decimal("1250.00"), "currency": "NOK", "invoice_number": "F2099-000001"}),
            (CreditReport, {"customer_id": 1, "report_date": date(2026, 11, 2), "source": "Demo Bureau", "score": 50}),
            (CompanyEvent, {"customer_id": 1, "event_date": date(2026, 11, 2), "event_type": "role_change",
                            "source": "Brønnøysundregistrene"}),
        ):  # fmt: skip
            new = conn.execute(insert(model).values(**values).returning(model.id)).scalar_one()
            assert new > len(getattr(data, model.__tablename__))
        rebuild_allocations(conn, [1])  # allocations inserted without ids after the seed


def test_seed_demo_into_sqlite(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/kv.db")
    try:
        upgrade(engine)
        spec = DemoSpec(customers=60, seed=7)
        with engine.begin() as conn:
            summary = seed_demo(conn, spec)
        assert summary.seconds >= 0
        check_seeded(engine, spec, summary)
    finally:
        engine.dispose()


def test_seed_demo_refuses_a_ledger_with_data(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/kv.db")
    try:
        upgrade(engine)
        with engine.begin() as conn:
            conn.execute(insert(Customer).values(customer_ref="K1", name="Eksisterende Kunde AS", currency="NOK"))
        with pytest.raises(DemoError, match="customers"), engine.begin() as conn:
            seed_demo(conn, DemoSpec(customers=10))
        with engine.begin() as conn:
            assert conn.execute(select(func.count()).select_from(Invoice)).scalar_one() == 0
            assert get_setting(conn, "demo_mode") is None
    finally:
        engine.dispose()


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_seed_demo_into_postgresql(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        upgrade(engine)
        spec = DemoSpec(customers=40, seed=5)
        with engine.begin() as conn:
            summary = seed_demo(conn, spec)
        with engine.begin() as conn:
            for table in ("customers", "invoices", "payments", "write_offs", "allocations", "credit_reports"):
                sequence = conn.execute(sa.text(f"SELECT pg_get_serial_sequence('{table}', 'id')")).scalar_one()
                last_value = conn.execute(sa.text(f"SELECT last_value FROM {sequence}")).scalar_one()
                max_id = conn.execute(sa.text(f"SELECT COALESCE(MAX(id), 1) FROM {table}")).scalar_one()
                assert last_value == max_id, table
        check_seeded(engine, spec, summary)
    finally:
        engine.dispose()
