"""Receivables KPI formulas (domain/kpis.py) against hand-computed values and the §2 worked examples.

Reference: /work/shared/reference/domain_rules.md §2 (countback 73.7 days, CEI 79.6 %, D&B payment-score key).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

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
    ratio,
    top_n_share,
    weighted_average,
)
from domain.serialize import kpis_dict

D = Decimal
SCALE = PaymentIndexScale()


# --- rounding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("73.714285"), D("73.7")),
        (D("73.75"), D("73.8")),  # half-up
        (D("73.65"), D("73.7")),  # half-up, not half-even (which would give 73.6)
        (D("-0.05"), D("-0.1")),  # half away from zero
        (D("-0.04999"), D("0.0")),
        (D("84.375"), D("84.4")),
        (D("2890.625"), D("2890.6")),
        (None, None),
    ],
)
def test_r1_half_up(value, expected):
    assert r1(value) == expected


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(D(1), D(4), D("0.25")), (D(1), D(0), None), (D(1), D(-4), None), (D(-1), D(4), D("-0.25"))],
)
def test_ratio_denominator_not_positive_is_none(num, den, expected):
    assert ratio(num, den) == expected


# --- DSO, BPDSO, ADD ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("open_ar", "current", "sales", "window", "dso", "best", "add"),
    [
        # 150 000 / 300 000 x 90 = 45; 100 000 / 300 000 x 90 = 30; 45 - 30 = 15
        (D(150_000), D(100_000), D(300_000), 90, D("45.0"), D("30.0"), D("15.0")),
        # 50 000 / 200 000 x 30 = 7.5; 20 000 / 200 000 x 30 = 3
        (D(50_000), D(20_000), D(200_000), 30, D("7.5"), D("3.0"), D("4.5")),
        # 10 000 / 36 500 x 365 = 100; 3 650 / 36 500 x 365 = 36.5
        (D(10_000), D(3_650), D(36_500), 365, D("100.0"), D("36.5"), D("63.5")),
        # a credit balance portfolio: negative DSO is reported as computed
        (D(-1_000), D(-1_000), D(9_000), 90, D("-10.0"), D("-10.0"), D("0.0")),
        # no credit sales, or credit notes exceeding invoices: no DSO
        (D(150_000), D(100_000), D(0), 90, None, None, None),
        (D(150_000), D(100_000), D(-500), 90, None, None, None),
    ],
)
def test_dso_bpdso_add(open_ar, current, sales, window, dso, best, add):
    got_dso = dso_standard(open_ar, sales, window)
    got_best = bpdso(current, sales, window)
    assert r1(got_dso) == dso
    assert r1(got_best) == best
    assert r1(average_days_delinquent(got_dso, got_best)) == add


@pytest.mark.parametrize(("dso", "best"), [(None, D(3)), (D(3), None), (None, None)])
def test_add_is_none_when_either_part_is_none(dso, best):
    assert average_days_delinquent(dso, best) is None


# --- CEI ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ar_start", "sales", "open_ar", "current", "expected"),
    [
        # §2 creditguru Jan-Mar: (6 200 + 10 890 - 6 340) / (6 200 + 10 890 - 3 590) = 10 750 / 13 500 = 79.63 %
        (D(6_200), D(10_890), D(6_340), D(3_590), D("79.6")),
        # (1 000 + 3 000 - 1 500) / (1 000 + 3 000 - 1 000) = 2 500 / 3 000 = 83.33 %
        (D(1_000), D(3_000), D(1_500), D(1_000), D("83.3")),
        # everything collected that could be: open AR = current -> 100 %
        (D(1_000), D(3_000), D(1_000), D(1_000), D("100.0")),
        # (120 000 + 300 000 - 150 000) / (120 000 + 300 000 - 100 000) = 270 000 / 320 000 = 84.375 %
        (D(120_000), D(300_000), D(150_000), D(100_000), D("84.4")),
        # denominator 0 or negative: no CEI
        (D(0), D(0), D(0), D(0), None),
        (D(500), D(500), D(800), D(1_000), None),  # 500 + 500 - 1 000 = 0
        (D(0), D(100), D(300), D(200), None),  # 0 + 100 - 200 = -100
    ],
)
def test_cei(ar_start, sales, open_ar, current, expected):
    assert r1(cei(ar_start, sales, open_ar, current)) == expected


def test_cei_is_the_crf_annual_form_not_the_monthly_form():
    """§2 gives two values for the same figures: 79.6 % (no /N) and 55.9 % (sales / N, N = 3 months).

    The product uses the CRF form without /N: `cei` is given the window's full credit sales.
    """
    product = r1(cei(D(6_200), D(10_890), D(6_340), D(3_590)))
    assert product == D("79.6")
    assert product != D("55.9")
    # 55.9 % only arises when the caller divides sales by N = 3: (6 200 + 3 630 - 6 340) / (6 200 + 3 630 - 3 590)
    assert r1(cei(D(6_200), D(10_890) / 3, D(6_340), D(3_590))) == D("55.9")


# --- countback ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ar", "periods", "expected"),
    [
        # §2: AR 212 000; 100k, 80k, 70k in 30-day months -> 30 + 30 + 32/70 x 30 = 73.71
        (D(212_000), [(30, 100_000), (30, 80_000), (30, 70_000)], D("73.7")),
        # used up inside the first period: 50 000 / 100 000 x 30 = 15
        (D(50_000), [(30, 100_000), (30, 80_000)], D("15.0")),
        # remaining equal to the period's sales stops there: 100 000 / 100 000 x 30
        (D(100_000), [(30, 100_000), (30, 80_000)], D("30.0")),
        # zero-sales periods add their days: 31 + 28 + 100/200 x 31 = 74.5
        (D(100), [(31, 0), (28, 0), (31, 200)], D("74.5")),
        # a net-credit month (credit notes > invoices) adds to what is left: 31 + (100 + 50)/300 x 30 = 46
        (D(100), [(31, -50), (30, 300)], D("46.0")),
        # AR <= 0 -> 0
        (D(0), [(30, 100)], D("0")),
        (D(-500), [(30, 100)], D("0")),
        (D(-500), [], D("0")),
        # history not used up -> None
        (D(1_000), [(30, 100), (31, 200)], None),
        (D(1), [], None),
        (D(100), [(31, 0), (28, 0)], None),
    ],
)
def test_countback(ar, periods, expected):
    got = countback(ar, [SalesPeriod(d, D(s)) for d, s in periods])
    assert r1(got) == (None if expected is None else r1(expected))


def test_countback_example_exact():
    got = countback(D(212_000), [SalesPeriod(30, D(100_000)), SalesPeriod(30, D(80_000)), SalesPeriod(30, D(70_000))])
    assert got == D(60) + D(32_000) / D(70_000) * 30  # 73.714285...


@pytest.mark.parametrize(
    ("as_of", "monthly", "periods"),
    [
        # as-of month counts 15 days (1st..15th), then whole calendar months: Feb 2026 has 28 days, Jan 31
        (
            date(2026, 3, 15),
            {(2026, 3): 50, (2026, 2): 100, (2026, 1): 200},
            [(15, 50), (28, 100), (31, 200)],
        ),
        # leap year: Feb 2024 has 29 days
        (date(2024, 3, 10), {(2024, 3): 10, (2024, 2): 20}, [(10, 10), (29, 20)]),
        # over a year end; a month without sales is still a period (with 0 sales)
        (date(2026, 1, 20), {(2026, 1): 5, (2025, 11): 7}, [(20, 5), (31, 0), (30, 7)]),
        # no sales in the as-of month itself
        (date(2026, 3, 31), {(2026, 1): 200}, [(31, 0), (28, 0), (31, 200)]),
        # no sales at all: one empty period
        (date(2026, 3, 15), {}, [(15, 0)]),
    ],
)
def test_countback_periods(as_of, monthly, periods):
    got = countback_periods(as_of, {k: D(v) for k, v in monthly.items()})
    assert got == [SalesPeriod(d, D(s)) for d, s in periods]


@pytest.mark.parametrize(
    ("as_of", "ar", "monthly", "expected"),
    [
        # 200 > 50 (Mar 1-15) -> 150, 15 days; 150 > 100 (Feb, 28 days) -> 50, 43 days; 50/200 x 31 = 7.75
        # -> 50.75, reported 50.8 (half-up)
        (date(2026, 3, 15), 200, {(2026, 3): 50, (2026, 2): 100, (2026, 1): 200}, D("50.8")),
        # same sales, as_of in 2024 (leap): 15 + 29 + 50/200 x 31 = 51.75 -> 51.8
        (date(2024, 3, 15), 200, {(2024, 3): 50, (2024, 2): 100, (2024, 1): 200}, D("51.8")),
        # zero-sales months: 15 + 28 + 100/200 x 31 = 58.5
        (date(2026, 3, 15), 100, {(2026, 1): 200}, D("58.5")),
        # history too short: 400 > 50 + 100 + 200
        (date(2026, 3, 15), 400, {(2026, 3): 50, (2026, 2): 100, (2026, 1): 200}, None),
        # nothing open
        (date(2026, 3, 15), 0, {(2026, 3): 50}, D("0.0")),
    ],
)
def test_countback_over_calendar_months(as_of, ar, monthly, expected):
    got = countback(D(ar), countback_periods(as_of, {k: D(v) for k, v in monthly.items()}))
    assert r1(got) == expected


# --- weighted days and payment index -----------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "late", "to_pay", "beyond"),
    [
        # (amount, days late signed = close - due, days to pay = close - issue)
        # A 1 000 paid 10 days late (terms 30 -> 40 to pay), B 3 000 paid 5 days early (25 to pay):
        # late (1 000 x 10 + 3 000 x 0)/4 000 = 2.5; to pay (40 000 + 75 000)/4 000 = 28.75;
        # beyond terms (10 000 - 15 000)/4 000 = -1.25
        ([(1_000, 10, 40), (3_000, -5, 25)], D("2.5"), D("28.8"), D("-1.3")),
        # one invoice 30 days late
        ([(500, 30, 44)], D("30.0"), D("44.0"), D("30.0")),
        # all early: nobody is late
        ([(100, -3, 11), (300, -1, 13)], D("0.0"), D("12.5"), D("-1.5")),
    ],
)
def test_weighted_days(rows, late, to_pay, beyond):
    w = sum(D(a) for a, _, _ in rows)
    wl = sum(D(a) * max(0, d) for a, d, _ in rows)
    wp = sum(D(a) * p for a, _, p in rows)
    wb = sum(D(a) * d for a, d, _ in rows)
    assert r1(weighted_average(wl, w)) == late
    assert r1(weighted_average(wp, w)) == to_pay
    assert r1(weighted_average(wb, w)) == beyond


def test_weighted_average_without_weight_is_none():
    assert weighted_average(D(0), D(0)) is None


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (D(-40), D(100)),  # clamp: earlier than 30 days early
        (D(-30), D(100)),
        (D(-25), D(95)),  # halfway between -30 (100) and -20 (90)
        (D(-20), D(90)),
        (D(-10), D(85)),  # halfway between -20 (90) and 0 (80)
        (D("-1.25"), D("80.625")),  # 90 - 10 x 18.75/20
        (D(0), D(80)),  # on terms
        (D(15), D(70)),
        (D("18.5"), D(65)),  # halfway between 15 (70) and 22 (60)
        (D(22), D(60)),
        (D(26), D(55)),  # between 22 (60) and 30 (50): 60 - 10 x 4/8
        (D(30), D(50)),
        (D(45), D(45)),  # between 30 (50) and 60 (40)
        (D(60), D(40)),
        (D(75), D(35)),
        (D(90), D(30)),
        (D(105), D(25)),
        (D(120), D(20)),
        (D(200), D(20)),  # clamp: later than 120 days
    ],
)
def test_payment_index_table_points_and_interpolation(days, expected):
    assert SCALE.index(days) == expected


@pytest.mark.parametrize(
    ("days", "exact", "reported"),
    [
        (D(10), D(80) - D(10) * D(10) / D(15), D("73.3")),  # 80 - 10/15 x 10 = 73.33...
        (D(7), D(80) - D(10) * D(7) / D(15), D("75.3")),  # 80 - 7/15 x 10 = 75.33...
        (D(40), D(50) - D(10) * D(10) / D(30), D("46.7")),  # 50 - 10/30 x 10 = 46.67
    ],
)
def test_payment_index_fractional(days, exact, reported):
    got = SCALE.index(days)
    assert abs(got - exact) < D("1e-20")
    assert r1(got) == reported


@pytest.mark.parametrize(
    ("kwargs", "days", "expected"),
    [
        ({"floor": 30}, D(120), D(30)),  # table says 20; the floor lifts it
        ({"ceiling": 90}, D(-30), D(90)),  # table says 100; the ceiling caps it
        ({"points": ((0, 80), (10, 60))}, D(5), D(70)),
        ({"points": ((0, 80), (10, 60))}, D(-5), D(80)),  # flat beyond the first point
        ({"points": ((0, 80), (10, 60))}, D(50), D(60)),  # flat beyond the last point
    ],
)
def test_payment_index_custom_scale(kwargs, days, expected):
    assert PaymentIndexScale(**kwargs).index(days) == expected


@pytest.mark.parametrize("points", [((0, 80),), ((0, 80), (0, 70)), ((10, 80), (0, 70)), ()])
def test_payment_index_invalid_points(points):
    with pytest.raises(ValueError, match="strictly increasing"):
        PaymentIndexScale(points=points)


def test_payment_index_default_table_is_the_dnb_key():
    assert SCALE.points == ((-30, 100), (-20, 90), (0, 80), (15, 70), (22, 60), (30, 50), (60, 40), (90, 30), (120, 20))
    assert (SCALE.floor, SCALE.ceiling) == (20, 100)
    assert "domain_rules.md" in SCALE.source


# --- concentration and limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("balances", "expected"),
    [
        ([50, 30, 20], D("100.0")),  # 3 customers: the top 10 hold everything
        ([900] + [100] * 11, D("90.0")),  # total 2 000; top 10 = 900 + 9 x 100 = 1 800
        ([900] + [100] * 11 + [-500, 0], D("90.0")),  # negative and zero balances are ignored
        ([100] * 12, D("83.3")),  # 1 000 / 1 200
        ([-100, 0], None),  # no positive balance
        ([], None),
    ],
)
def test_top10_share(balances, expected):
    assert r1(top_n_share([D(b) for b in balances], 10)) == expected


@pytest.mark.parametrize(
    ("balances", "expected"),
    [
        ([50, 30, 20], D("3800")),  # 50^2 + 30^2 + 20^2
        ([500, 300, 200], D("3800")),  # shares, not amounts
        ([50, 30, 20, -40, 0], D("3800")),  # negative and zero balances ignored
        ([1], D("10000")),  # one customer: the maximum
        ([25, 25, 25, 25], D("2500")),
        ([60, 40], D("5200")),  # 3 600 + 1 600
        ([-5], None),
        ([], None),
    ],
)
def test_hhi(balances, expected):
    assert hhi([D(b) for b in balances]) == expected


def test_hhi_rounded():
    # shares 31.25, 18.75, 12.5, 37.5 -> 976.5625 + 351.5625 + 156.25 + 1 406.25 = 2 890.625
    assert hhi([D(50_000), D(30_000), D(20_000), D(60_000)]) == D("2890.625")
    assert r1(hhi([D(50_000), D(30_000), D(20_000), D(60_000)])) == D("2890.6")


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        # (balance, limit): 800 + 300 used of 1 000 + 500 granted = 73.3 %
        ([(800, 1_000), (300, 500)], D("73.3")),
        # customers without a limit (None) or with limit 0 are left out; a credit balance uses 0
        ([(800, 1_000), (300, 500), (-100, 1_000), (5_000, None), (200, 0)], D("44.0")),  # 1 100 / 2 500
        ([(1_500, 1_000)], D("150.0")),  # over the limit
        ([(5_000, None)], None),  # no limits granted
        ([], None),
    ],
)
def test_limit_utilisation(pairs, expected):
    got = limit_utilisation([(D(b), None if lim is None else D(lim)) for b, lim in pairs])
    assert r1(got) == expected


# --- corporate groups --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parents", "roots"),
    [
        ({1: None, 2: None}, {1: 1, 2: 2}),  # stand-alone customers are their own group
        ({1: None, 2: 1, 3: 1}, {1: 1, 2: 1, 3: 1}),  # one level
        ({1: None, 2: 1, 3: 2, 4: 3, 5: None, 6: 5}, {1: 1, 2: 1, 3: 1, 4: 1, 5: 5, 6: 5}),  # multi-level
        ({3: 2, 2: 1, 1: None}, {1: 1, 2: 1, 3: 1}),  # order of the mapping does not matter
    ],
)
def test_group_roots(parents, roots):
    assert group_roots(parents) == roots


@pytest.mark.parametrize(
    "parents",
    [
        {1: 1},  # its own parent
        {1: 2, 2: 1},  # two-cycle
        {1: 2, 2: 3, 3: 1, 4: 1},  # three-cycle with a child hanging off it
    ],
)
def test_group_roots_terminates_on_cycles_and_flags_them(parents):
    """A cycle has no top-most ancestor: the walk stops, and the root it stops on still has a parent.

    That is the signal data_access/imports.py uses to reject parent links that form a cycle.
    """
    roots = group_roots(parents)
    assert set(roots) == set(parents)
    assert all(parents.get(root) is not None for root in roots.values())


def test_group_balances_and_group_hhi():
    balances = {1: D(50), 2: D(30), 3: D(20)}
    roots = group_roots({1: None, 2: 1, 3: None})
    groups = group_balances(balances, roots)
    assert groups == {1: D(80), 3: D(20)}
    assert hhi(list(groups.values())) == D(6800)  # 80^2 + 20^2
    # a customer missing from the roots is its own group; a member's credit balance nets into its group
    assert group_balances({1: D(50), 2: D(-10), 9: D(5)}, {1: 1, 2: 1}) == {1: D(40), 9: D(5)}


# --- all KPIs from one set of aggregates -------------------------------------------------------

PORTFOLIO = KpiInputs(
    as_of=date(2026, 3, 31),
    window_days=90,
    total_open=D(150_000),
    current=D(100_000),
    ar_window_start=D(120_000),
    credit_sales=D(300_000),
    monthly_sales={(2026, 3): D(100_000), (2026, 2): D(120_000), (2026, 1): D(80_000)},
    paid_weight=D(4_000),
    paid_weighted_days_late=D(10_000),
    paid_weighted_days_to_pay=D(115_000),
    paid_weighted_days_beyond_terms=D(-5_000),
    customer_balances=[D(50_000), D(30_000), D(20_000), D(60_000), D(-10_000)],
    group_balances=[D(80_000), D(20_000), D(50_000)],
    limits=[
        (D(50_000), D(100_000)),
        (D(30_000), D(20_000)),
        (D(20_000), None),
        (D(60_000), D(80_000)),
        (D(-10_000), D(10_000)),
    ],
    open_invoices=12,
    customers_with_balance=4,
)


def test_compute_kpis_portfolio_by_hand():
    k = compute_kpis(PORTFOLIO)
    out = kpis_dict(k, "NOK")
    assert out == {
        "as_of": "2026-03-31",
        "window_days": 90,
        "currency": "NOK",
        "total_open": 150000.0,
        "current": 100000.0,
        "overdue": 50000.0,
        "overdue_share": 33.3,  # 50 000 / 150 000
        "dso_standard": 45.0,  # 150 000 / 300 000 x 90
        "dso_countback": 42.7,  # 31 (March: 150 000 > 100 000) + 50 000 / 120 000 x 28 (February)
        "bpdso": 30.0,  # 100 000 / 300 000 x 90
        "add": 15.0,
        "cei": 84.4,  # 270 000 / 320 000
        "weighted_days_late": 2.5,  # 10 000 / 4 000
        "avg_days_to_pay": 28.8,  # 115 000 / 4 000 = 28.75
        "payment_index": 80.6,  # DBT -5 000 / 4 000 = -1.25 -> 90 - 10 x 18.75/20 = 80.625
        "top10_share": 100.0,
        "hhi": 2890.6,  # shares 31.25 / 18.75 / 12.5 / 37.5 of 160 000
        "limit_utilisation": 66.7,  # (50 000 + 30 000 + 60 000 + 0) / (100 000 + 20 000 + 80 000 + 10 000)
        "open_invoices": 12,
        "customers_with_balance": 4,
    }
    # group HHI is not in the JSON shape: shares 53.3 / 13.3 / 33.3 -> (25 600 + 1 600 + 10 000)/9 = 4 133.3
    assert r1(k.group_hhi) == D("4133.3")
    assert k.credit_sales == D(300_000)
    assert k.ar_window_start == D(120_000)


def test_compute_kpis_without_sales_or_payments():
    k = compute_kpis(
        KpiInputs(
            as_of=date(2026, 3, 31),
            window_days=90,
            total_open=D(0),
            current=D(0),
            ar_window_start=D(0),
            credit_sales=D(0),
            monthly_sales={},
            paid_weight=D(0),
            paid_weighted_days_late=D(0),
            paid_weighted_days_to_pay=D(0),
            paid_weighted_days_beyond_terms=D(0),
            customer_balances=[],
            group_balances=[],
            limits=[],
            open_invoices=0,
            customers_with_balance=0,
        )
    )
    assert k.dso_standard is k.bpdso is k.add is k.cei is None
    assert k.overdue_share is None
    assert k.dso_countback == 0  # AR <= 0
    assert k.weighted_days_late is k.avg_days_to_pay is k.payment_index is None
    assert k.top10_share is k.hhi is k.group_hhi is k.limit_utilisation is None


def test_compute_kpis_uses_the_given_scale():
    k = compute_kpis(PORTFOLIO, PaymentIndexScale(points=((-10, 100), (10, 0)), floor=0, ceiling=100))
    assert k.payment_index == D("56.25")  # 100 - 100 x (8.75 / 20)
