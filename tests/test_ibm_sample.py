"""The public IBM accounts-receivable sample through the real CLI, checked against an independent computation.

tests/ibm_sample.py converts the raw file into canonical CSVs (in NOK although the source is USD: this test
is about the aging and KPI math, not FX). The files are imported with `cli.py import`, and the CLI's aging
and KPI JSON is compared with figures computed here straight from the raw IBM CSV with csv, datetime and
Decimal only; nothing from domain/ or data_access/ is used for the expected values.

Ledger facts used by the oracle: every invoice is settled by one payment of its full amount on SettledDate
(never before InvoiceDate, asserted by the converter), so an invoice is open as of D exactly when
InvoiceDate <= D < SettledDate, for its full amount, and it closes on SettledDate.
"""

from __future__ import annotations

import calendar
import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli

try:  # tests/ is a plain directory on sys.path (see conftest.py) ...
    import ibm_sample
    import infra
except ImportError:  # ... unless it has become a package
    from tests import ibm_sample, infra

RAW = Path("/work/shared/data/ibm_accounts_receivable.csv")
AS_OF = date(2013, 6, 30)
SECOND_AS_OF = date(2012, 12, 31)
BEFORE_FIRST_INVOICE = date(2011, 12, 31)  # the first invoice is dated 2012-01-03
WINDOW = 90
EDGES = (30, 60, 90, 120)
LABELS = ("current", "1-30", "31-60", "61-90", "91-120", "121+")
KINDS = ("customers", "invoices", "payments")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# Payment index: (signed days beyond terms, index), linear in between, clamped to 20..100.
INDEX_POINTS = ((-30, 100), (-20, 90), (0, 80), (15, 70), (22, 60), (30, 50), (60, 40), (90, 30), (120, 20))
KPI_KEYS = {
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
}
AMOUNT_KEYS = ("total_open", "current", "overdue")
RATIO_KEYS = (
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
)


# --- the independent computation ----------------------------------------------------------------


@dataclass(frozen=True)
class RawInvoice:
    customer: str
    issued: date
    due: date
    settled: date
    amount: Decimal


def _us(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()


def load_raw() -> list[RawInvoice]:
    with RAW.open(newline="", encoding="utf-8") as fh:
        return [
            RawInvoice(
                r["customerID"],
                _us(r["InvoiceDate"]),
                _us(r["DueDate"]),
                _us(r["SettledDate"]),
                Decimal(r["InvoiceAmount"]),
            )
            for r in csv.DictReader(fh)
        ]


def r1(x: Decimal | None) -> Decimal | None:
    return None if x is None else x.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def div(num: Decimal, den: Decimal) -> Decimal | None:
    return None if den <= 0 else num / den


def open_items(invs: list[RawInvoice], d: date) -> list[RawInvoice]:
    return [i for i in invs if i.issued <= d < i.settled]


def label(days: int) -> str:
    if days <= 0:
        return "current"
    lower = 1
    for edge in EDGES:
        if days <= edge:
            return f"{lower}-{edge}"
        lower = edge + 1
    return f"{lower}+"


def expected_aging(invs: list[RawInvoice], d: date, basis: str) -> dict:
    """{'total', 'buckets': {label: (amount, count)}, 'customers': {ref: (total, {label: amount})}}."""
    buckets = {lb: [ZERO, 0] for lb in LABELS}
    customers: dict[str, dict[str, Decimal]] = {}
    for i in open_items(invs, d):
        lb = label((d - (i.due if basis == "due" else i.issued)).days)
        buckets[lb][0] += i.amount
        buckets[lb][1] += 1
        row = customers.setdefault(i.customer, dict.fromkeys(LABELS, ZERO))
        row[lb] += i.amount
    return {
        "total": sum((a for a, _ in buckets.values()), ZERO),
        "buckets": {lb: (a, n) for lb, (a, n) in buckets.items()},
        "customers": {c: (sum(row.values(), ZERO), row) for c, row in customers.items()},
    }


def payment_index(days_beyond_terms: Decimal) -> Decimal:
    x = days_beyond_terms
    if x <= INDEX_POINTS[0][0]:
        y = Decimal(INDEX_POINTS[0][1])
    elif x >= INDEX_POINTS[-1][0]:
        y = Decimal(INDEX_POINTS[-1][1])
    else:
        k = next(k for k in range(len(INDEX_POINTS) - 1) if INDEX_POINTS[k][0] <= x <= INDEX_POINTS[k + 1][0])
        (x0, y0), (x1, y1) = INDEX_POINTS[k], INDEX_POINTS[k + 1]
        y = y0 + (y1 - y0) * (x - x0) / Decimal(x1 - x0)
    return min(max(y, Decimal(20)), Decimal(100))


def countback(ar: Decimal, invs: list[RawInvoice], d: date) -> Decimal | None:
    """The as-of month (its 1st..d, d.day days), then whole earlier calendar months, latest first."""
    monthly: dict[tuple[int, int], Decimal] = defaultdict(lambda: ZERO)
    for i in invs:
        if i.issued <= d:
            monthly[(i.issued.year, i.issued.month)] += i.amount
    earliest = min(monthly, default=(d.year, d.month))
    remaining, days = ar, Decimal(0)
    y, m, length = d.year, d.month, d.day
    while (y, m) >= earliest:
        sales = monthly[(y, m)]
        if sales > 0 and remaining <= sales:
            return days + remaining / sales * length
        remaining -= sales
        days += length
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        length = calendar.monthrange(y, m)[1]
    return None


def expected_kpis(invs: list[RawInvoice], d: date, w: int = WINDOW) -> dict:
    """Every KPI unrounded except the final 1-decimal rounding of ratios (amounts are exact)."""
    start = d - timedelta(days=w)
    now = expected_aging(invs, d, "due")
    total, current = now["total"], now["buckets"]["current"][0]
    ar_start = sum((i.amount for i in open_items(invs, start)), ZERO)
    sales = sum((i.amount for i in invs if start < i.issued <= d), ZERO)  # no credit notes in the sample
    closed = [i for i in invs if start < i.settled <= d]  # every invoice closes on its SettledDate
    paid = sum((i.amount for i in closed), ZERO)
    late = sum((i.amount * max(0, (i.settled - i.due).days) for i in closed), ZERO)
    to_pay = sum((i.amount * (i.settled - i.issued).days for i in closed), ZERO)
    beyond = sum((i.amount * (i.settled - i.due).days for i in closed), ZERO)
    balances = sorted((t for t, _ in now["customers"].values() if t > 0), reverse=True)
    positive = sum(balances, ZERO)
    dso = None if div(total, sales) is None else total / sales * w
    best = None if div(current, sales) is None else current / sales * w
    cei = div(ar_start + sales - total, ar_start + sales - current)
    dbt = div(beyond, paid)
    share = div(total - current, total)
    top10 = div(sum(balances[:10], ZERO), positive)
    return {
        "as_of": d.isoformat(),
        "window_days": w,
        "currency": "NOK",
        "total_open": total,
        "current": current,
        "overdue": total - current,
        "overdue_share": None if share is None else r1(share * HUNDRED),
        "dso_standard": r1(dso),
        "dso_countback": r1(countback(total, invs, d)),
        "bpdso": r1(best),
        "add": None if dso is None or best is None else r1(dso - best),  # from the unrounded DSO and BPDSO
        "cei": None if cei is None else r1(cei * HUNDRED),
        "weighted_days_late": r1(div(late, paid)),
        "avg_days_to_pay": r1(div(to_pay, paid)),
        "payment_index": None if dbt is None else r1(payment_index(dbt)),
        "top10_share": None if top10 is None else r1(top10 * HUNDRED),
        "hhi": None if positive <= 0 else r1(sum(((b / positive * HUNDRED) ** 2 for b in balances), Decimal(0))),
        "limit_utilisation": None,  # the sample has no credit limits
        "open_invoices": sum(n for _, n in now["buckets"].values()),
        "customers_with_balance": len(balances),
    }


# --- the real CLI ---------------------------------------------------------------------------------


def run(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli.app, ["--database-url", url, *args])
    assert result.exit_code == 0, f"cli {' '.join(args)} exited {result.exit_code}: {result.output}"
    return result.stdout


def run_json(url: str, *args: str) -> dict:
    return json.loads(run(url, *args, "--format", "json"), parse_float=Decimal)


@dataclass(frozen=True)
class Ledger:
    url: str
    files: dict[str, Path]


@pytest.fixture(scope="module")
def raw() -> list[RawInvoice]:
    if not RAW.is_file():
        infra.skip_or_fail(f"{RAW} not found (the shared IBM sample)")
    return load_raw()


@pytest.fixture(scope="module")
def ledger(raw, tmp_path_factory) -> Ledger:
    tmp_path = tmp_path_factory.mktemp("ibm")
    files = ibm_sample.convert(RAW, tmp_path / "canonical")
    url = f"sqlite:///{tmp_path}/kv.db"
    assert "initialised without demo data" in run(url, "db", "init", "--empty")
    n_customers = len({i.customer for i in raw})
    assert run(url, "import", "customers", str(files["customers"])).splitlines()[0] == (
        f"customers: {n_customers} rows, {n_customers} inserted, 0 updated"
    )
    for kind in ("invoices", "payments"):
        assert run(url, "import", kind, str(files[kind])).splitlines()[0] == (
            f"{kind}: {len(raw)} rows, {len(raw)} inserted, 0 updated"
        )
    return Ledger(url, files)


def snapshot(url: str) -> dict:
    out = {}
    for d in (AS_OF, SECOND_AS_OF):
        for basis in ("due", "invoice"):
            for by in ("portfolio", "customer"):
                out[(d, basis, by)] = run_json(url, "aging", "--as-of", d.isoformat(), "--basis", basis, "--by", by)
        out[(d, "kpis")] = run_json(url, "kpis", "--as-of", d.isoformat())
    return out


# --- tests ----------------------------------------------------------------------------------------


def test_converter_output(raw, tmp_path):
    files = ibm_sample.convert(RAW, tmp_path)
    assert set(files) == set(KINDS)
    assert ibm_sample.inspect(ibm_sample.read_source(RAW)) == ibm_sample.EXPECTED_COUNTS

    def rows(kind):
        with files[kind].open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    customers, invoices, payments = rows("customers"), rows("invoices"), rows("payments")
    assert len(customers) == len({i.customer for i in raw}) == 100
    assert len(invoices) == len(payments) == len(raw) == 2586
    assert all(r["currency"] == "NOK" for r in invoices + payments + customers)
    assert all(len(r["amount"].split(".")[1]) == 2 for r in invoices + payments)
    by_number = {r["invoice_number"]: r for r in invoices}
    assert len(by_number) == len(invoices)
    for p in payments:
        inv = by_number[p["invoice_number"]]
        assert (p["customer_ref"], p["amount"]) == (inv["customer_ref"], inv["amount"])
        assert inv["issue_date"] <= p["payment_date"]  # ISO dates compare as text
    assert sum(Decimal(r["amount"]) for r in invoices) == sum(i.amount for i in raw)


@pytest.mark.parametrize("as_of", [AS_OF, SECOND_AS_OF], ids=str)
@pytest.mark.parametrize("basis", ["due", "invoice"])
def test_aging_portfolio(ledger, raw, as_of, basis):
    got = run_json(ledger.url, "aging", "--as-of", as_of.isoformat(), "--basis", basis)
    want = expected_aging(raw, as_of, basis)
    assert (got["as_of"], got["basis"], got["currency"]) == (as_of.isoformat(), basis, "NOK")
    assert got["total"] == want["total"]
    assert got["unapplied"] == {"amount": 0, "count": 0}
    assert [b["label"] for b in got["buckets"]] == list(LABELS)
    assert {b["label"]: (b["amount"], b["count"]) for b in got["buckets"]} == want["buckets"]


@pytest.mark.parametrize("as_of", [AS_OF, SECOND_AS_OF], ids=str)
@pytest.mark.parametrize("basis", ["due", "invoice"])
def test_aging_by_customer(ledger, raw, as_of, basis):
    got = run_json(ledger.url, "aging", "--as-of", as_of.isoformat(), "--basis", basis, "--by", "customer")
    want = expected_aging(raw, as_of, basis)["customers"]
    rows = {r["customer_ref"]: r for r in got["rows"]}
    assert len(rows) == len(got["rows"])
    assert {ref: (r["total"], r["buckets"]) for ref, r in rows.items()} == want
    assert all(r["name"] == f"IBM sample customer {ref}" for ref, r in rows.items())


@pytest.mark.parametrize("as_of", [AS_OF, SECOND_AS_OF], ids=str)
def test_kpis(ledger, raw, as_of):
    got = run_json(ledger.url, "kpis", "--as-of", as_of.isoformat())
    want = expected_kpis(raw, as_of)
    assert set(got) == KPI_KEYS
    # Amounts to the cent, ratios after 1-decimal half-up rounding; Decimal == compares values (0.0 == 0.00).
    assert {k: got[k] for k in KPI_KEYS} == {k: want[k] for k in KPI_KEYS}


def test_figures_as_of_2013_06_30_are_pinned(raw):
    """The oracle's own figures for the main date, pinned so that a change in the oracle is seen too."""
    aging = expected_aging(raw, AS_OF, "due")
    assert aging["total"] == Decimal("5223.91")
    assert aging["buckets"]["current"] == (Decimal("4388.35"), 74)
    assert aging["buckets"]["1-30"] == (Decimal("835.56"), 12)
    k = expected_kpis(raw, AS_OF)
    assert {key: k[key] for key in ("dso_standard", "cei", "weighted_days_late", "payment_index")} == {
        "dso_standard": Decimal("22.8"),
        "cei": Decimal("96.3"),
        "weighted_days_late": Decimal("3.7"),
        "payment_index": Decimal("81.8"),
    }


def test_before_the_first_invoice(ledger, raw):
    d = BEFORE_FIRST_INVOICE.isoformat()
    assert min(i.issued for i in raw) > BEFORE_FIRST_INVOICE
    for basis in ("due", "invoice"):
        got = run_json(ledger.url, "aging", "--as-of", d, "--basis", basis)
        assert got["total"] == 0
        assert [(b["label"], b["amount"], b["count"]) for b in got["buckets"]] == [(lb, 0, 0) for lb in LABELS]
        assert run_json(ledger.url, "aging", "--as-of", d, "--basis", basis, "--by", "customer")["rows"] == []
    k = run_json(ledger.url, "kpis", "--as-of", d)
    for key in ("total_open", "current", "overdue", "open_invoices", "customers_with_balance"):
        assert k[key] == 0, key
    # No sales and no AR: every ratio is undefined. dso_countback is left out: the spec does not define
    # countback with no AR and no sales history (the project reports 0.0).
    for key in set(RATIO_KEYS) - {"dso_countback"}:
        assert k[key] is None, key
    want = expected_kpis(raw, BEFORE_FIRST_INVOICE)
    assert {key: k[key] for key in KPI_KEYS - {"dso_countback"}} == {
        key: want[key] for key in KPI_KEYS - {"dso_countback"}
    }


def test_reimport_changes_nothing(ledger):
    before = snapshot(ledger.url)
    for kind in KINDS:
        out = run(ledger.url, "import", kind, str(ledger.files[kind]))
        assert "0 inserted, 0 updated" in out, out
    assert snapshot(ledger.url) == before
