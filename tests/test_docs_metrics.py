"""docs/metrics.md cannot drift from the code: every worked example in it is recomputed here.

A worked example is a fenced block whose info string is ``example <kind> <name>``; its lines are
``key: value`` inputs and ``expect key: value`` results. Lists are separated by ``|`` (or blanks for
plain number lists). Each kind below recomputes the results with the domain functions and compares
them with what the document states. The document's references to tests (``tests/test_x.py::test_y``)
must name tests that exist.

The ``ledger`` kind restates the as-of rules that the product runs in SQL (data_access/asof.py) on top of
domain.allocation, domain.money and domain.aging, so a ledger written in the document can be checked
without a database.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from domain.aging import Buckets, parse_edges
from domain.allocation import Allocation, AllocationError, CreditDoc, InvoiceDoc, allocate
from domain.behaviour import ClosedInvoice, TrendRule, assess_trend, rolling_median, theil_sen_slope
from domain.kpis import (
    KpiInputs,
    PaymentIndexScale,
    SalesPeriod,
    average_days_delinquent,
    bpdso,
    cei,
    compute_kpis,
    countback,
    countback_periods,
    dso_standard,
    group_balances,
    group_roots,
    hhi,
    limit_utilisation,
    r1,
    top_n_share,
    weighted_average,
)
from domain.money import convert, convert_minor, q2, rate_to_scaled, to_minor
from domain.serialize import KPI_KEYS, kpis_dict

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "metrics.md"
D = Decimal


# --- parsing the document ----------------------------------------------------------------------


@dataclass
class Example:
    kind: str
    name: str
    line: int
    inputs: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    expects: dict[str, str] = field(default_factory=dict)

    def one(self, key: str, default: str | None = None) -> str:
        values = self.inputs.get(key)
        if not values:
            if default is None:
                raise KeyError(f"example {self.name}: input '{key}' is missing")
            return default
        assert len(values) == 1, f"example {self.name}: '{key}' given {len(values)} times"
        return values[0]

    def many(self, key: str) -> list[str]:
        return list(self.inputs.get(key, []))


FENCE = re.compile(r"^```example\s+(\S+)\s+(\S+)\s*$")


def parse_examples(text: str) -> list[Example]:
    out: list[Example] = []
    current: Example | None = None
    other_fence: str | None = None  # inside some other fenced block (e.g. the format illustration)
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if other_fence is not None:
            if line == other_fence:
                other_fence = None
            continue
        if current is None:
            m = FENCE.match(line)
            if m:
                current = Example(m.group(1), m.group(2), n)
            elif line.startswith("```example"):
                raise AssertionError(f"docs/metrics.md:{n}: malformed example fence {line!r}")
            elif line.startswith("```"):
                other_fence = re.match(r"`+", line).group(0)
            continue
        if line == "```":
            out.append(current)
            current = None
            continue
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        assert sep, f"docs/metrics.md:{n}: expected 'key: value', got {line!r}"
        key, value = key.strip(), value.strip()
        if key.startswith("expect "):
            k = key.removeprefix("expect ").strip()
            assert k not in current.expects, f"docs/metrics.md:{n}: '{k}' expected twice"
            current.expects[k] = value
        else:
            current.inputs[key].append(value)
    assert current is None, "docs/metrics.md: unterminated example block"
    return out


def items(value: str) -> list[str]:
    """'a | b | c' -> ['a', 'b', 'c']; '1 2 3' -> ['1', '2', '3']."""
    if "|" in value:
        return [p.strip() for p in value.split("|")]
    return value.split()


def records(value: str) -> list[str]:
    """'30 100 | 31 200' -> ['30 100', '31 200']: records of several words are always separated by '|'."""
    return [p.strip() for p in value.split("|") if p.strip()]


def norm(s: str) -> str:
    return " ".join(s.split())


def fmt1(v: Decimal | None) -> str:
    return "none" if v is None else str(r1(v))


def fmt2(v: Decimal | None) -> str:
    return "none" if v is None else str(q2(Decimal(v)))


def dt(s: str) -> date:
    return date.fromisoformat(s)


# --- one function per kind: inputs -> {result key: text} ---------------------------------------


def ex_buckets(ex: Example) -> dict[str, str]:
    b = parse_edges(ex.one("edges"))
    out = {"labels": " | ".join(b.labels)}
    if "days" in ex.inputs:
        out["buckets"] = " | ".join(b.label(int(d)) for d in items(ex.one("days")))
    return out


def ex_dso(ex: Example) -> dict[str, str]:
    open_ar, current, sales = D(ex.one("open_ar")), D(ex.one("current")), D(ex.one("credit_sales"))
    w = int(ex.one("window_days"))
    dso, best = dso_standard(open_ar, sales, w), bpdso(current, sales, w)
    return {"dso": fmt1(dso), "bpdso": fmt1(best), "add": fmt1(average_days_delinquent(dso, best))}


def ex_cei(ex: Example) -> dict[str, str]:
    return {
        "cei": fmt1(cei(D(ex.one("ar_start")), D(ex.one("credit_sales")), D(ex.one("open_ar")), D(ex.one("current"))))
    }


def ex_countback(ex: Example) -> dict[str, str]:
    periods = []
    for p in records(ex.one("periods", "")):
        days, sales = p.split()
        periods.append(SalesPeriod(int(days), D(sales)))
    return {"dso": fmt1(countback(D(ex.one("ar")), periods))}


def _monthly(value: str) -> dict[tuple[int, int], Decimal]:
    out = {}
    for p in records(value):
        ym, sales = p.split()
        y, m = ym.split("-")
        out[(int(y), int(m))] = D(sales)
    return out


def ex_countback_months(ex: Example) -> dict[str, str]:
    periods = countback_periods(dt(ex.one("as_of")), _monthly(ex.one("sales", "")))
    return {
        "periods": " | ".join(f"{p.days} days {p.sales}" for p in periods),
        "dso": fmt1(countback(D(ex.one("ar")), periods)),
    }


def ex_payment_behaviour(ex: Example) -> dict[str, str]:
    w = wl = wp = wb = D(0)
    for row in ex.many("paid"):
        amount, issue, due, close = row.split()
        a = D(amount)
        late = (dt(close) - dt(due)).days
        w += a
        wl += a * max(0, late)
        wp += a * (dt(close) - dt(issue)).days
        wb += a * late
    dbt = weighted_average(wb, w)
    return {
        "days late": fmt1(weighted_average(wl, w)),
        "days to pay": fmt1(weighted_average(wp, w)),
        "days beyond terms": fmt1(dbt),
        "payment index": fmt1(None if dbt is None else PaymentIndexScale().index(dbt)),
    }


def ex_payment_index(ex: Example) -> dict[str, str]:
    scale = PaymentIndexScale()
    return {"index": " | ".join(fmt1(scale.index(D(d))) for d in items(ex.one("days")))}


def ex_top10(ex: Example) -> dict[str, str]:
    return {"share": fmt1(top_n_share([D(b) for b in items(ex.one("balances"))], 10))}


def ex_hhi(ex: Example) -> dict[str, str]:
    return {"hhi": fmt1(hhi([D(b) for b in items(ex.one("balances"))]))}


def ex_group_hhi(ex: Example) -> dict[str, str]:
    parents: dict[int, int | None] = {}
    balances: dict[int, Decimal] = {}
    for row in ex.many("customer"):
        cid, parent, balance = row.split()
        parents[int(cid)] = None if parent == "-" else int(parent)
        balances[int(cid)] = D(balance)
    groups = group_balances(balances, group_roots(parents))
    return {
        "groups": " | ".join(f"{g} {groups[g]}" for g in sorted(groups)),
        "hhi": fmt1(hhi(list(groups.values()))),
    }


def ex_limit_utilisation(ex: Example) -> dict[str, str]:
    pairs = []
    for row in ex.many("customer"):
        balance, limit = row.split()
        pairs.append((D(balance), None if limit == "none" else D(limit)))
    return {"utilisation": fmt1(limit_utilisation(pairs))}


def ex_trend(ex: Example) -> dict[str, str]:
    points = []
    for row in ex.many("closed"):
        close, late = row.split()
        points.append(ClosedInvoice(dt(close), int(late)))
    t = assess_trend(points, dt(ex.one("as_of")), TrendRule())
    return {
        "recent median": "none" if t.recent_median is None else f"{t.recent_median:g}",
        "baseline median": "none" if t.baseline_median is None else f"{t.baseline_median:g}",
        "counts": f"{t.recent_count} recent, {t.baseline_count} baseline",
        "deteriorating": "yes" if t.deteriorating else "no",
        "reason": t.reason,
    }


def ex_rolling_median(ex: Example) -> dict[str, str]:
    values = [float(v) for v in items(ex.one("values"))]
    return {"medians": " | ".join(f"{m:g}" for m in rolling_median(values, int(ex.one("window"))))}


def ex_theil_sen(ex: Example) -> dict[str, str]:
    s = theil_sen_slope([float(x) for x in items(ex.one("xs"))], [float(y) for y in items(ex.one("ys"))])
    return {"slope": "none" if s is None else f"{s:g}"}


def ex_convert(ex: Example) -> dict[str, str]:
    amount, rate = D(ex.one("amount")), D(ex.one("rate"))
    return {
        "base": fmt2(convert(amount, rate)),
        "base in minor units": str(convert_minor(to_minor(amount), rate_to_scaled(rate))),
    }


def ex_total(ex: Example) -> dict[str, str]:
    rate = D(ex.one("rate"))
    lines = [D(x) for x in items(ex.one("lines"))]
    converted = [convert(x, rate) for x in lines]
    return {
        "lines": " | ".join(fmt2(c) for c in converted),
        "total": fmt2(sum(converted, D("0.00"))),
        "total converted once": fmt2(convert(sum(lines, D(0)), rate)),
    }


def ex_rounding(ex: Example) -> dict[str, str]:
    return {
        "amounts": " | ".join(fmt2(D(v)) for v in items(ex.one("money"))),
        "one decimal": " | ".join(fmt1(D(v)) for v in items(ex.one("values"))),
    }


def _kpi_fields(ex: Example, k) -> dict[str, str]:
    out = {}
    for key, value in kpis_dict(k, ex.one("base", "NOK")).items():
        out[f"kpi {key}"] = "none" if value is None else str(value)
    out["kpi group_hhi"] = fmt1(k.group_hhi)
    return out


def ex_kpis(ex: Example) -> dict[str, str]:
    customers = []
    for row in ex.many("customer"):
        cid, parent, balance, limit = row.split()
        customers.append(
            (int(cid), None if parent == "-" else int(parent), D(balance), None if limit == "none" else D(limit))
        )
    paid = dict(p.split() for p in records(ex.one("paid")))
    balances = {c[0]: c[2] for c in customers}
    k = compute_kpis(
        KpiInputs(
            as_of=dt(ex.one("as_of")),
            window_days=int(ex.one("window_days")),
            total_open=D(ex.one("total_open")),
            current=D(ex.one("current")),
            ar_window_start=D(ex.one("ar_window_start")),
            credit_sales=D(ex.one("credit_sales")),
            monthly_sales=_monthly(ex.one("monthly_sales")),
            paid_weight=D(paid["weight"]),
            paid_weighted_days_late=D(paid["days_late"]),
            paid_weighted_days_to_pay=D(paid["days_to_pay"]),
            paid_weighted_days_beyond_terms=D(paid["days_beyond_terms"]),
            customer_balances=list(balances.values()),
            group_balances=list(group_balances(balances, group_roots({c[0]: c[1] for c in customers})).values()),
            limits=[(c[2], c[3]) for c in customers],
            open_invoices=int(ex.one("open_invoices")),
            customers_with_balance=sum(1 for b in balances.values() if b > 0),
        )
    )
    return _kpi_fields(ex, k)


# --- the ledger kind: documents -> allocations, open items, aging and KPIs ------------------------


@dataclass(frozen=True)
class Doc:
    kind: str  # invoice | credit_note | payment | write_off
    ref: str
    customer: str
    issue: date  # the document date
    due: date  # invoices only; credits: their own date
    amount: Decimal  # as in the canonical CSV: invoices > 0, credit notes < 0, payments and write-offs > 0
    currency: str
    names: str | None  # the invoice a credit names


def _ledger_docs(ex: Example) -> list[Doc]:
    docs = []
    for row in ex.many("invoice"):
        ref, cust, issue, due, amount, cur = row.split()
        docs.append(Doc("invoice", ref, cust, dt(issue), dt(due), D(amount), cur, None))
    for kind in ("credit_note", "payment", "write_off"):
        for row in ex.many(kind):
            ref, cust, day, amount, cur, names = row.split()
            docs.append(Doc(kind, ref, cust, dt(day), dt(day), D(amount), cur, None if names == "-" else names))
    return docs


class Ledger:
    def __init__(self, ex: Example):
        self.ex = ex
        self.base = ex.one("base", "NOK")
        self.docs = _ledger_docs(ex)
        self.ids = {d.ref: i for i, d in enumerate(self.docs, start=1)}
        self.by_id = {self.ids[d.ref]: d for d in self.docs}
        self.cust_ids = {}
        for d in self.docs:
            self.cust_ids.setdefault(d.customer, len(self.cust_ids) + 1)
        self.rates: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
        for row in ex.many("rate"):
            cur, day, rate = row.split()
            self.rates[cur].append((dt(day), D(rate)))
        self.error: str | None = None
        try:
            self.allocations = allocate(
                [
                    InvoiceDoc(self.ids[d.ref], d.ref, self.cust_ids[d.customer], d.currency, d.issue, d.amount)
                    for d in self.docs
                    if d.kind == "invoice"
                ],
                [
                    CreditDoc(
                        d.kind,
                        self.ids[d.ref],
                        d.ref,
                        self.cust_ids[d.customer],
                        d.currency,
                        d.issue,
                        -d.amount if d.kind == "credit_note" else d.amount,
                        d.names,
                    )
                    for d in self.docs
                    if d.kind != "invoice"
                ],
            )
        except AllocationError as exc:
            self.error = str(exc)
            self.allocations = []

    def rate(self, currency: str, on: date) -> Decimal:
        """The latest rate dated on or before `on`; never a silent 1.0."""
        if currency == self.base:
            return D(1)
        dated = [(d, r) for d, r in self.rates[currency] if d <= on]
        assert dated, f"example {self.ex.name}: no {currency} rate on or before {on}"
        return max(dated)[1]

    def to_base(self, amount: Decimal, currency: str, on: date) -> Decimal:
        return amount if currency == self.base else convert(amount, self.rate(currency, on))

    def open_amount(self, d: Doc, as_of: date) -> Decimal | None:
        """Invoice: amount - allocations to it; credit: its (negative) amount + allocations from it; dated <= as_of."""
        if d.issue > as_of or d.kind == "write_off":
            return None
        i = self.ids[d.ref]
        if d.kind == "invoice":
            return d.amount - sum(
                (a.amount for a in self.allocations if a.invoice_id == i and a.alloc_date <= as_of), D(0)
            )
        own = -d.amount if d.kind == "payment" else d.amount
        return own + sum(
            (a.amount for a in self.allocations if a.source_id == i and a.kind == d.kind and a.alloc_date <= as_of),
            D(0),
        )

    def open_items(self, as_of: date, basis: str) -> list[tuple[Doc, Decimal, int]]:
        out = []
        for d in self.docs:
            amount = self.open_amount(d, as_of)
            if amount is None or amount == 0:
                continue
            anchor = d.due if (basis == "due" and d.kind == "invoice") else d.issue
            out.append((d, self.to_base(amount, d.currency, as_of), (as_of - anchor).days))
        return out

    def aging(self, as_of: date, basis: str, buckets: Buckets) -> tuple[list[Decimal], dict[str, Decimal]]:
        sums = [D("0.00")] * len(buckets.labels)
        by_customer: dict[str, Decimal] = defaultdict(lambda: D("0.00"))
        for d, amount, days in self.open_items(as_of, basis):
            sums[buckets.index(days)] += amount
            by_customer[d.customer] += amount
        return sums, dict(by_customer)

    def closed(self, as_of: date, start: date) -> list[tuple[Doc, Decimal, int, int]]:
        """Invoices fully allocated by as_of, last allocation in (start, as_of], with at least one payment."""
        out = []
        for d in self.docs:
            if d.kind != "invoice":
                continue
            mine = [a for a in self.allocations if a.invoice_id == self.ids[d.ref] and a.alloc_date <= as_of]
            if sum((a.amount for a in mine), D(0)) != d.amount or not any(a.kind == "payment" for a in mine):
                continue
            close = max(a.alloc_date for a in mine)
            if close <= start:
                continue
            out.append((d, self.to_base(d.amount, d.currency, close), (close - d.due).days, (close - d.issue).days))
        return out


def _fmt_allocation(led: Ledger, a: Allocation) -> str:
    return f"{led.by_id[a.source_id].ref} -> {led.by_id[a.invoice_id].ref} {a.amount} on {a.alloc_date}"


def ex_ledger(ex: Example) -> dict[str, str]:
    led = Ledger(ex)
    if led.error is not None:
        return {"error": led.error}
    as_of = dt(ex.one("as_of"))
    buckets = parse_edges(ex.one("edges", "30,60,90,120"))
    out = {"error": "none", "allocations": " | ".join(_fmt_allocation(led, a) for a in led.allocations) or "none"}
    for key in ex.expects:
        m = re.fullmatch(r"open (\S+)(?: at (\S+))?", key)
        if m:
            d = next(d for d in led.docs if d.ref == m.group(1))
            v = led.open_amount(d, dt(m.group(2)) if m.group(2) else as_of)
            out[key] = "not issued" if v is None else str(v)
    unapplied = [(d, led.open_amount(d, as_of)) for d in led.docs if d.kind in ("payment", "credit_note")]
    out["unapplied"] = " | ".join(f"{d.ref} {v}" for d, v in unapplied if v) or "none"
    for basis in ("due", "invoice"):
        sums, _ = led.aging(as_of, basis, buckets)
        out[f"aging {basis}"] = " | ".join(f"{label} {fmt2(s)}" for label, s in zip(buckets.labels, sums, strict=True))
    sums, by_customer = led.aging(as_of, "due", buckets)
    out["total"] = fmt2(sum(sums, D(0)))
    out["customer totals"] = " | ".join(f"{c} {fmt2(by_customer[c])}" for c in sorted(by_customer))
    if "window_days" not in ex.inputs:
        return out

    w = int(ex.one("window_days"))
    start = as_of - timedelta(days=w)
    monthly: dict[tuple[int, int], Decimal] = defaultdict(lambda: D("0.00"))
    window_sales = D("0.00")
    for d in led.docs:
        if d.kind in ("invoice", "credit_note") and d.issue <= as_of:
            b = led.to_base(d.amount, d.currency, d.issue)  # at the rate on the issue date
            monthly[(d.issue.year, d.issue.month)] += b
            if d.issue > start:
                window_sales += b
    start_sums, _ = led.aging(start, "due", buckets)
    closed = led.closed(as_of, start)
    out["credit sales"] = fmt2(window_sales)
    out["ar at window start"] = fmt2(sum(start_sums, D(0)))
    out["monthly sales"] = " | ".join(f"{y}-{m:02d} {fmt2(monthly[(y, m)])}" for y, m in sorted(monthly))
    out["closed"] = (
        " | ".join(f"{d.ref} {fmt2(amt)} late {late} to pay {to_pay}" for d, amt, late, to_pay in closed) or "none"
    )

    customers = {}
    for row in ex.many("customer"):
        ref, cur, limit, parent = row.split()
        customers[ref] = (cur, None if limit == "-" else D(limit), None if parent == "-" else parent)
    cid = {ref: i for i, ref in enumerate(customers, start=1)}
    limits = []
    for ref, (cur, limit, _) in customers.items():
        if limit is not None and cur != led.base:
            limit = convert(limit, led.rate(cur, as_of))  # at the closing rate
        limits.append((by_customer.get(ref, D(0)), limit))
    balances = {cid[ref]: by_customer[ref] for ref in by_customer}
    roots = group_roots({cid[ref]: (None if p is None else cid[p]) for ref, (_, _, p) in customers.items()})
    current_items = led.open_items(as_of, "due")
    k = compute_kpis(
        KpiInputs(
            as_of=as_of,
            window_days=w,
            total_open=sum(sums, D(0)),
            current=sums[0],
            ar_window_start=sum(start_sums, D(0)),
            credit_sales=window_sales,
            monthly_sales=dict(monthly),
            paid_weight=sum((amt for _, amt, _, _ in closed), D(0)),
            paid_weighted_days_late=sum((amt * max(0, late) for _, amt, late, _ in closed), D(0)),
            paid_weighted_days_to_pay=sum((amt * tp for _, amt, _, tp in closed), D(0)),
            paid_weighted_days_beyond_terms=sum((amt * late for _, amt, late, _ in closed), D(0)),
            customer_balances=list(balances.values()),
            group_balances=list(group_balances(balances, roots).values()),
            limits=limits,
            open_invoices=sum(1 for d, _, _ in current_items if d.kind == "invoice"),
            customers_with_balance=sum(1 for b in balances.values() if b > 0),
        )
    )
    out.update(_kpi_fields(ex, k))
    return out


def ex_risk(ex: Example) -> dict[str, str]:
    from domain.policy import Policy
    from domain.risk import BureauView, RiskInputs, assess, expected_loss, uninsured

    p = Policy()
    as_of = dt(ex.one("as_of"))
    score = ex.one("score", "none")
    bureau = (
        None
        if score == "none"
        else BureauView(as_of, "bureau", score=int(score), remarks_count=int(ex.one("remarks", "0")))
    )
    det = ex.one("deteriorating", "no") == "yes"
    i = RiskInputs(
        as_of=as_of,
        bureau=bureau,
        payment_index=D(ex.one("payment index")),
        deteriorating=det,
        days_late_before=float(ex.one("days late before")) if det else None,
        days_late_now=float(ex.one("days late now")) if det else None,
        overdue_share=D(ex.one("overdue share")),
        limit_utilisation=D(ex.one("utilisation")),
        customer_since=dt(ex.one("customer since")),
    )
    a = assess(i, p.bureau, p.risk_rules, p.risk_classes)
    exposure, limit, share = D(ex.one("exposure")), D(ex.one("insured limit")), D(ex.one("insured share"))
    return {
        "base class": a.base_class,
        "contributions": " | ".join(f"{c.code} {c.notches:+d}" for c in a.contributions) or "none",
        "class": a.risk_class,
        "pd": f"{a.pd_percent} % ({a.pd_source})",
        "uninsured": str(q2(uninsured(exposure, limit, share))),
        "expected loss": str(q2(expected_loss(a.pd_percent, p.lgd_percent, exposure, limit, share))),
    }


def ex_alerts(ex: Example) -> dict[str, str]:
    from domain.alerts import MonitorInputs, evaluate
    from domain.policy import Policy

    p = Policy()
    cls = ex.one("class")

    def money(key):
        v = ex.one(key, "none")
        return None if v == "none" else D(v)

    i = MonitorInputs(
        as_of=dt(ex.one("as_of")),
        risk_class=cls,
        previous_class=ex.one("previous class"),
        class_terms=p.terms(cls),
        payment_terms_days=int(ex.one("terms")),
        status=ex.one("status"),
        balance=D(ex.one("balance")),
        credit_limit=money("credit limit"),
        credit_limit_local=money("credit limit"),
        overdue_beyond=D(ex.one("past due over 60")),
        collection_beyond=D(ex.one("past due over 90")),
        insured_limit=money("insured limit"),
        insured_limit_local=money("insured limit"),
        insurer_due=D(ex.one("past due over 50")),
    )
    found = evaluate(i, p.alerts, p.risk_rules)
    return {
        "alerts": " | ".join(f"{a.type} {a.severity} -> {a.recommendation}" for a in found) or "none",
        "messages": " | ".join(a.message for a in found) or "none",
    }


def _violations(found) -> str:
    return " | ".join(f"{v.code} step {v.step + 1}: {v.rule}" for v in found) or "none"


def ex_dunning_ladder(ex: Example) -> dict[str, str]:
    """A ladder written as 'step: kind days_after due|previous deadline_days fee', checked on `on`."""
    from domain.dunning import COUNTRY_CURRENCY, CountryLadder, LadderStep, validate_ladder
    from domain.statutory import DEFAULT_TABLE

    country = ex.one("country")
    steps = []
    for row in ex.many("step"):
        kind, days, after, deadline, fee = row.split()
        steps.append(LadderStep(kind, int(days), after, int(deadline), D(fee)))
    found = validate_ladder(
        CountryLadder(country, COUNTRY_CURRENCY[country], tuple(steps)), DEFAULT_TABLE, dt(ex.one("on"))
    )
    return {"violations": _violations(found), "messages": " | ".join(v.message for v in found) or "none"}


def ex_dunning_sent(ex: Example) -> dict[str, str]:
    """Steps someone sent, as 'sent: kind sent_on deadline_on|- fee', checked with the figures of each date."""
    from domain.dunning import SentStep, check_sent_steps
    from domain.statutory import DEFAULT_TABLE

    sent = []
    for row in ex.many("sent"):
        kind, on, deadline, fee = row.split()
        sent.append(SentStep(kind, dt(on), None if deadline == "-" else dt(deadline), D(fee)))
    found = check_sent_steps(ex.one("country"), dt(ex.one("due")), sent, DEFAULT_TABLE)
    return {"violations": _violations(found), "messages": " | ".join(v.message for v in found) or "none"}


def ex_next_step(ex: Example) -> dict[str, str]:
    """The next step of the policy's default ladder for the country, given 'sent: kind sent_on' lines."""
    from domain.dunning import SentStep, next_step
    from domain.policy import Policy

    ladder = Policy().ladder(ex.one("country"))
    sent = [SentStep(r.split()[0], dt(r.split()[1]), None, D(0)) for r in ex.many("sent")]
    s = next_step(ladder, dt(ex.one("due")), sent, dt(ex.one("as_of")))
    text = (
        "none" if s is None else f"{s.index + 1} {s.kind} due {s.due_on}, deadline {s.deadline_on}, fee {fmt2(s.fee)}"
    )
    return {"next": text}


def ex_late_interest(ex: Example) -> dict[str, str]:
    from domain.dunning import interest_periods, late_interest
    from domain.statutory import DEFAULT_TABLE

    country, due, as_of = ex.one("country"), dt(ex.one("due")), dt(ex.one("as_of"))
    periods = interest_periods(country, due, as_of, DEFAULT_TABLE)
    return {
        "periods": " | ".join(f"{a} to {b} {(b - a).days + 1} days at {r} %" for a, b, r in periods) or "none",
        "interest": fmt2(late_interest(D(ex.one("amount")), due, as_of, periods, int(ex.one("day_count", "365")))),
    }


KINDS: dict[str, Callable[[Example], dict[str, str]]] = {
    "buckets": ex_buckets,
    "ledger": ex_ledger,
    "convert": ex_convert,
    "total": ex_total,
    "rounding": ex_rounding,
    "dso": ex_dso,
    "cei": ex_cei,
    "countback": ex_countback,
    "countback_months": ex_countback_months,
    "payment_behaviour": ex_payment_behaviour,
    "payment_index": ex_payment_index,
    "top10": ex_top10,
    "hhi": ex_hhi,
    "group_hhi": ex_group_hhi,
    "limit_utilisation": ex_limit_utilisation,
    "trend": ex_trend,
    "rolling_median": ex_rolling_median,
    "theil_sen": ex_theil_sen,
    "kpis": ex_kpis,
    "risk": ex_risk,
    "alerts": ex_alerts,
    "dunning_ladder": ex_dunning_ladder,
    "dunning_sent": ex_dunning_sent,
    "next_step": ex_next_step,
    "late_interest": ex_late_interest,
}

EXAMPLES = parse_examples(DOC.read_text(encoding="utf-8")) if DOC.exists() else []


def test_document_exists_and_has_examples():
    assert DOC.exists(), "docs/metrics.md is missing"
    assert len(EXAMPLES) >= 20
    names = [e.name for e in EXAMPLES]
    assert len(names) == len(set(names)), "example names must be unique"
    missing = set(KINDS) - {e.kind for e in EXAMPLES}
    assert not missing, f"no worked example of kind {sorted(missing)}"


@pytest.mark.parametrize("ex", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_documented_example(ex: Example):
    assert ex.kind in KINDS, f"docs/metrics.md:{ex.line}: unknown example kind '{ex.kind}'"
    assert ex.expects, f"docs/metrics.md:{ex.line}: example {ex.name} states no result"
    got = KINDS[ex.kind](ex)
    for key, documented in ex.expects.items():
        assert key in got, f"docs/metrics.md:{ex.line}: example {ex.name} has no result '{key}' (known: {sorted(got)})"
        assert norm(got[key]) == norm(documented), (
            f"docs/metrics.md:{ex.line}: example {ex.name}, '{key}': the document says {documented!r}, "
            f"the code gives {got[key]!r}"
        )


def test_every_reported_kpi_has_a_worked_example():
    documented = {k.removeprefix("kpi ") for ex in EXAMPLES for k in ex.expects if k.startswith("kpi ")}
    missing = set(KPI_KEYS) - {"as_of", "window_days", "currency"} - documented
    assert not missing, f"KPIs without a recomputed example in docs/metrics.md: {sorted(missing)}"


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")}


def test_referenced_tests_exist():
    text = DOC.read_text(encoding="utf-8")
    refs = re.findall(r"`(tests/test_[a-z_]+\.py)::(test_[A-Za-z0-9_]+)(?:\[[^\]`]*\])?`", text)
    assert len(refs) >= 20
    for file, name in refs:
        path = REPO / file
        assert path.exists(), f"docs/metrics.md names {file}, which does not exist"
        assert name in _test_names(path), f"docs/metrics.md names {file}::{name}, which does not exist"
    for ex in EXAMPLES:  # every example is referenced by its test id
        assert f"test_documented_example[{ex.name}]" in text, f"example {ex.name} is not referenced in the text"


def test_parser_rejects_malformed_blocks():
    with pytest.raises(AssertionError, match="malformed example fence"):
        parse_examples("```example countback\nar: 1\n```\n")
    with pytest.raises(AssertionError, match="unterminated"):
        parse_examples("```example countback x\nar: 1\n")
    with pytest.raises(AssertionError, match="expected 'key: value'"):
        parse_examples("```example countback x\nar 1\n```\n")
    [ex] = parse_examples(
        "````text\n```example a b\n```\n````\n```example countback x\nar: 1\nperiods: 30 2\nexpect dso: 15.0\n```\n"
    )
    assert (ex.name, ex_countback(ex)) == ("x", {"dso": "15.0"})  # blocks inside other fences are not examples
