"""Portfolio page: AppTest on the seeded demo (KPI cards equal the read models, filters, watchlist, navigation to
the customer page, Norwegian, empty states), and the pure helpers in domain/portfolio.py."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from apptest import DEMO_AS_OF_DEFAULT, metrics, run_page
from sqlalchemy import text

from components import format as fmt
from data_access import views
from data_access.asof import customer_ids_in_view
from data_access.engine import make_engine
from data_access.kpis import portfolio_kpis
from domain.filters import CustomerFilter
from domain.kpis import Kpis, r1
from domain.money import q2
from domain.portfolio import (
    HHI_SCALE,
    Concentration,
    Direction,
    HhiScale,
    Unit,
    change,
    headline,
    reported,
    whole,
)

ROOT = Path(__file__).resolve().parents[1]
PAGE = "pages/portfolio.py"
AS_OF = date.fromisoformat(DEMO_AS_OF_DEFAULT)
EN = "en_GB"


def read(url: str, flt: CustomerFilter | None = None, as_of: date = AS_OF):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return views.overview(conn, as_of, flt), portfolio_kpis(conn, as_of, flt=flt)
    finally:
        engine.dispose()


def days_en(value) -> str:
    return f"{fmt.days(r1(value), EN)} days"


def colour(card) -> str:
    from streamlit.proto.Metric_pb2 import Metric as MetricProto

    return MetricProto.MetricColor.Name(card.proto.color)


def table(at, key: str):
    found = [d for d in at.dataframe if d.key == key]
    assert len(found) == 1, [d.key for d in at.dataframe]
    return found[0].value


# --- AppTest -----------------------------------------------------------------------------------------


def test_renders_on_the_demo_with_charts_tables_and_no_exception(demo_url):
    at = run_page(PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Portfolio"
    assert "30 Oct 2026" in at.caption[0].value and "NOK" in at.caption[0].value
    charts = at.get("plotly_chart")
    assert len(charts) == 7  # aging, segment, country, class bars, class x aging, AR trend, DSO trend
    assert not at.error
    ov, _ = read(demo_url)
    top = table(at, "pf_top_customers")
    assert list(top["name"]) == [r.name for r in ov.top_customers] and len(top) == 10
    assert list(top["balance"]) == [float(whole(r.balance)) for r in ov.top_customers]
    groups = table(at, "pf_top_groups")
    assert list(groups["members"]) == [r.members for r in ov.top_groups]
    aging = next(d.value for d in at.dataframe if "bucket" in d.value.columns)  # a plain table has no key
    assert list(aging["amount"]) == [float(whole(a)) for a in ov.aging.amounts]
    assert list(aging["count"]) == list(ov.aging.counts)


def test_kpi_cards_show_the_read_model_figures_formatted(demo_url):
    ov, k = read(demo_url)
    assert ov.kpis == k  # the overview carries exactly the portfolio KPIs
    at = run_page(PAGE)
    assert not at.exception
    shown = metrics(at)
    cur = ov.currency
    assert shown["Total AR"] == fmt.money(q2(k.total_open), cur, EN)
    assert shown["Overdue AR"] == fmt.money(q2(k.overdue), cur, EN)
    assert shown["Overdue share"] == fmt.percent(r1(k.overdue_share), 1, EN)
    assert shown["DSO (countback)"] == days_en(k.dso_countback)
    assert shown["Average days delinquent"] == days_en(k.add)
    assert shown["Collection effectiveness"] == fmt.percent(r1(k.cei), 1, EN)
    assert shown["Paying later"] == str(ov.deteriorating)
    assert shown["Over credit limit"] == str(ov.over_limit)
    assert shown["HHI, customers"] == fmt.number(r1(k.hhi), 1, EN)
    assert shown["HHI, corporate groups"] == fmt.number(r1(k.group_hhi), 1, EN)

    cards = {m.label: m for m in at.metric}
    prev = ov.kpis_previous
    money_change = q2(k.total_open) - q2(prev.total_open)
    assert cards["Total AR"].delta == ("+" if money_change > 0 else "") + fmt.money(money_change, cur, EN)
    share_change = r1(k.overdue_share) - r1(prev.overdue_share)
    assert cards["Overdue share"].delta == ("+" if share_change > 0 else "") + fmt.number(share_change, 1, EN) + " pp"
    det = ov.deteriorating - ov.deteriorating_previous
    assert cards["Paying later"].delta == (f"+{det}" if det > 0 else str(det))
    # up is bad for overdue AR and DSO (red when up), good for CEI; a bigger book is neither (grey)
    assert colour(cards["Total AR"]) == "GRAY"
    for label, bad_up in (("Overdue AR", True), ("DSO (countback)", True), ("Collection effectiveness", False)):
        up = not cards[label].delta.startswith("-")
        assert colour(cards[label]) == ("RED" if up == bad_up else "GREEN"), label
    assert all(cards[label].help for label in cards)


def test_risk_section_shows_the_risk_read_model(demo_url):
    from data_access.risk import risk_overview

    with make_engine(demo_url).connect() as conn:
        risk = risk_overview(conn, AS_OF)
    at = run_page(PAGE)
    assert not at.exception
    shown = metrics(at)
    assert shown["Expected loss (risk model)"] == fmt.money(risk.expected_loss, "NOK", EN)
    assert shown["Uninsured exposure"] == fmt.money(risk.uninsured, "NOK", EN)
    assert shown["Exposure in classes D and E"] == fmt.money(risk.exposure_in(("D", "E")), "NOK", EN)
    classes = next(d.value for d in at.dataframe if "el" in d.value.columns)
    assert list(classes["class"]) == ["A", "B", "C", "D", "E"]
    assert list(classes["customers"]) == [c.customers for c in risk.classes]
    assert sum(classes["customers"]) == 80  # every demo customer has a class
    assert list(classes["el"]) == [float(whole(c.expected_loss)) for c in risk.classes]
    # the class rows add up to the portfolio's exposure: the open balances above zero
    assert risk.exposure == sum((c.total for c in risk_aging(demo_url).customers if c.total > 0), Decimal("0.00"))


def risk_aging(url):
    from data_access.asof import aging
    from domain.aging import Basis

    with make_engine(url).connect() as conn:
        return aging(conn, AS_OF, Basis.DUE)


def test_country_filter_changes_total_ar_to_the_filtered_figure(demo_url):
    se = CustomerFilter(countries=("SE",))
    _, k_all = read(demo_url)
    _, k_se = read(demo_url, se)
    assert k_se.total_open != k_all.total_open
    at = run_page(PAGE, f_countries=["SE"])
    assert not at.exception
    assert metrics(at)["Total AR"] == fmt.money(q2(k_se.total_open), "NOK", EN)
    # and through the sidebar widget, back to everything
    at.multiselect(key="f_countries").set_value([]).run()
    assert not at.exception
    assert metrics(at)["Total AR"] == fmt.money(q2(k_all.total_open), "NOK", EN)


def test_watchlist_has_one_row_per_watch_row(demo_url):
    ov, _ = read(demo_url)
    assert ov.watchlist, "the demo has customers to watch"
    at = run_page(PAGE)
    rows = table(at, "pf_watchlist")
    assert len(rows) == len(ov.watchlist)
    assert list(rows["name"]) == [w.name for w in ov.watchlist]
    assert any(f"{len(ov.watchlist)} customers" in c.value for c in at.caption)


def test_overdue_only_hides_the_current_bucket_in_segment_and_country_bars(demo_url):
    at = run_page(PAGE)
    chart = next(c for c in at.get("plotly_chart") if "segments" in c.proto.spec)
    assert "carry the exposure" in chart.proto.spec
    at.get("button_group")[0].set_value("overdue").run()
    assert not at.exception, at.exception
    spec = json.loads(next(c for c in at.get("plotly_chart") if "segments" in c.proto.spec).proto.spec)
    assert "overdue money" in spec["layout"]["title"]["text"]
    current, *older = spec["data"]
    assert all(x is None for x in current["x"]) and any(x for x in older[0]["x"])


@pytest.mark.skipif(not (ROOT / "pages" / "customers.py").exists(), reason="pages/customers.py not written yet")
@pytest.mark.parametrize(("key", "row"), [("pf_watchlist", 1), ("pf_top_customers", 0), ("pf_top_groups", 2)])
def test_selecting_a_row_opens_the_customer_page(demo_url, key, row):
    ov, _ = read(demo_url)
    expected = {
        "pf_watchlist": [(w.customer_id, w.name) for w in ov.watchlist],
        "pf_top_customers": [(r.key, r.name) for r in ov.top_customers],
        "pf_top_groups": [(r.key, r.name) for r in ov.top_groups],  # a group opens its parent company
    }[key][row]
    at = run_page(PAGE)
    assert not at.exception
    at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["customer_id"] == expected[0]
    assert not any(t.value == "Portfolio" for t in at.title)  # we are on the customer page now
    headings = [e.value for e in (*at.title, *at.header, *at.subheader)]
    assert any(expected[1] in h for h in headings), headings


def test_norwegian_labels_and_money(demo_url):
    at = run_page(PAGE, lang="nb")
    assert not at.exception
    assert at.title[0].value != "Portfolio"
    labels = [m.label for m in at.metric]
    assert "Total AR" not in labels and "Overdue share" not in labels
    money = at.metric[0].value
    assert money.endswith("kr") and "," in money and "." not in money


def test_as_of_before_the_first_invoice_says_so(demo_url):
    at = run_page(PAGE, as_of=date(2020, 1, 1))
    assert not at.exception, at.exception
    assert any("Nothing is open on 1 Jan 2020" in i.value for i in at.info)
    assert not at.metric and not at.error


def test_filter_that_selects_nobody_says_so(demo_url):
    engine = make_engine(demo_url)
    with engine.connect() as conn:
        pairs = set(conn.execute(text("SELECT country, currency FROM customers")).all())
        countries = sorted({p[0] for p in pairs})
        currencies = sorted({p[1] for p in pairs})
        country, currency = next((c, k) for c in countries for k in currencies if (c, k) not in pairs)
        assert customer_ids_in_view(conn, CustomerFilter(countries=(country,), currencies=(currency,))) == set()
    engine.dispose()
    at = run_page(PAGE, f_countries=[country], f_currencies=[currency])
    assert not at.exception, at.exception
    assert any("for the customers in the filter" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_missing_fx_rate_is_an_error_message_not_a_traceback(demo_url):
    engine = make_engine(demo_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM fx_rates WHERE currency = 'DKK'"))
    engine.dispose()
    at = run_page(PAGE)
    assert not at.exception, at.exception
    assert any("No exchange rate for DKK" in e.value for e in at.error)


def test_empty_database_says_the_ledger_is_empty(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/empty.db"
    subprocess.run(
        [sys.executable, "cli.py", "--database-url", url, "db", "init", "--empty"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    monkeypatch.setenv("KREDITTVAKT_DATABASE_URL", url)
    at = run_page(PAGE)
    assert not at.exception, at.exception
    assert at.title[0].value == "Portfolio"
    assert any("The ledger is empty" in i.value for i in at.info)
    assert not at.metric


# --- domain/portfolio.py -----------------------------------------------------------------------------


def kpis(**values) -> Kpis:
    base = dict.fromkeys(Kpis.__dataclass_fields__)
    base.update(
        as_of=AS_OF,
        window_days=90,
        total_open=Decimal(0),
        current=Decimal(0),
        overdue=Decimal(0),
        open_invoices=0,
        customers_with_balance=0,
        credit_sales=Decimal(0),
        ar_window_start=Decimal(0),
    )
    base.update(values)
    return Kpis(**base)


@pytest.mark.parametrize(
    ("now", "before", "unit", "expected"),
    [
        (Decimal("45.04"), Decimal("44.96"), Unit.DAYS, Decimal("0.0")),  # both shown as 45.0
        (Decimal("73.65"), Decimal("70"), Unit.DAYS, Decimal("3.7")),  # half-up, not banker's
        (Decimal("10.004"), Decimal("5.005"), Unit.MONEY, Decimal("4.99")),  # 10.00 - 5.01
        (Decimal("17.75"), Decimal("20.46"), Unit.PERCENT, Decimal("-2.7")),  # 17.8 - 20.5 percentage points
        (55, 63, Unit.COUNT, -8),
        (None, Decimal(1), Unit.DAYS, None),
        (Decimal(1), None, Unit.INDEX, None),
    ],
)
def test_change_is_the_difference_of_the_reported_figures(now, before, unit, expected):
    assert change(now, before, unit) == expected


def test_reported_rounds_like_the_metrics_doc():
    assert reported(Decimal("2.675"), Unit.MONEY) == Decimal("2.68")
    assert reported(Decimal("84.375"), Unit.INDEX) == Decimal("84.4")
    assert reported(None, Unit.PERCENT) is None


def test_headline_lists_the_eight_cards_with_directions():
    now = kpis(
        total_open=Decimal("1000.005"),
        overdue=Decimal("250"),
        overdue_share=Decimal("25"),
        dso_countback=Decimal("40.04"),
        add=None,
        cei=Decimal("80"),
    )
    before = kpis(
        total_open=Decimal("900"),
        overdue=Decimal("300"),
        overdue_share=Decimal("33.333"),
        dso_countback=None,
        add=Decimal("5"),
        cei=Decimal("79.96"),
    )
    figures = {f.key: f for f in headline(now, before, (3, 5), (2, 2))}
    assert list(figures) == [
        "total_ar",
        "overdue_ar",
        "overdue_share",
        "dso_countback",
        "add",
        "cei",
        "deteriorating",
        "over_limit",
    ]
    assert figures["total_ar"].value == Decimal("1000.01") and figures["total_ar"].change == Decimal("100.01")
    assert figures["total_ar"].direction is Direction.NEUTRAL
    assert figures["overdue_ar"].change == Decimal("-50.00") and figures["overdue_ar"].direction is Direction.UP_IS_BAD
    assert figures["overdue_share"].change == Decimal("-8.3")
    assert figures["dso_countback"].value == Decimal("40.0") and figures["dso_countback"].change is None
    assert figures["add"].value is None and figures["add"].previous == Decimal("5.0")
    assert figures["cei"].change == Decimal("0.0") and figures["cei"].direction is Direction.UP_IS_GOOD
    assert (figures["deteriorating"].value, figures["deteriorating"].change) == (3, -2)
    assert figures["over_limit"].change == 0


@pytest.mark.parametrize(
    ("hhi", "reading"),
    [
        (Decimal("209.4"), Concentration.UNCONCENTRATED),
        (Decimal("1499.94"), Concentration.UNCONCENTRATED),
        (Decimal("1499.96"), Concentration.MODERATE),  # shown as 1,500.0: read as shown
        (Decimal("1500"), Concentration.MODERATE),
        (Decimal("2500"), Concentration.MODERATE),  # "between 1500 and 2500" includes both ends
        (Decimal("2500.04"), Concentration.MODERATE),
        (Decimal("2500.05"), Concentration.HIGH),
        (Decimal("10000"), Concentration.HIGH),
        (None, None),
    ],
)
def test_hhi_reading_bands(hhi, reading):
    assert HHI_SCALE.reading(hhi) == reading


def test_hhi_scale_is_data_with_its_source():
    assert (HHI_SCALE.moderate_from, HHI_SCALE.high_above) == (Decimal(1500), Decimal(2500))
    assert "Horizontal Merger Guidelines" in HHI_SCALE.source and "2010" in HHI_SCALE.source
    assert HhiScale(Decimal(1000), Decimal(1800)).reading(Decimal(1900)) is Concentration.HIGH
    with pytest.raises(ValueError):
        HhiScale(Decimal(3000), Decimal(2500))


def test_whole_units_round_half_up():
    assert whole(Decimal("5230610.50")) == Decimal(5230611)
    assert whole(Decimal("-0.50")) == Decimal(-1)
    assert whole(Decimal("2.49")) == Decimal(2)
    assert whole(None) is None


def test_top_customers_show_the_uninsured_part(demo_url):
    from data_access.schema import Customer

    ov, _ = read(demo_url)
    with make_engine(demo_url).connect() as conn:
        cust = {r.id: r for r in conn.execute(Customer.__table__.select())}
    insured_nok = [
        r for r in ov.top_customers if cust[r.key].insured_limit is not None and cust[r.key].currency == "NOK"
    ]
    assert insured_nok, "some of the demo's top customers are insured in NOK"
    for r in insured_nok:  # the insurer pays its share (90 %) of the balance up to the insured limit
        c = cust[r.key]
        assert r.uninsured == q2(r.balance - min(r.balance, c.insured_limit) * c.insured_share / 100)
    at = run_page(PAGE)
    top = table(at, "pf_top_customers")
    assert list(top["uninsured"]) == [float(whole(r.uninsured)) for r in ov.top_customers]
