"""Payment trend (domain/behaviour.py): rolling median, Theil-Sen slope and the deterioration rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.behaviour import ClosedInvoice, TrendRule, assess_trend, rolling_median, theil_sen_slope

AS_OF = date(2026, 6, 30)
# Default rule: recent window (as_of - 90, as_of], baseline (as_of - 360, as_of - 90]; at least 3 closed
# invoices in each; deteriorating when recent median - baseline median >= 7 and recent median >= 7.
BASELINE_DAYS_AGO = (200, 180, 150)
RECENT_DAYS_AGO = (60, 30, 10)


def _points(baseline: tuple[int, ...], recent: tuple[int, ...]) -> list[ClosedInvoice]:
    """Closed invoices: `baseline` days late closed 200/180/150 days ago, `recent` 60/30/10 days ago (and on)."""
    out = [
        ClosedInvoice(AS_OF - timedelta(days=ago), late)
        for ago, late in zip(BASELINE_DAYS_AGO[: len(baseline)], baseline, strict=True)
    ]
    out += [
        ClosedInvoice(AS_OF - timedelta(days=ago), late)
        for ago, late in zip(RECENT_DAYS_AGO[: len(recent)], recent, strict=True)
    ]
    return out


@pytest.mark.parametrize(
    ("values", "window", "expected"),
    [
        ([1, 5, 3, 10, 2], 3, [1.0, 3.0, 3.0, 5.0, 3.0]),  # medians of [1], [1,5], [1,5,3], [5,3,10], [3,10,2]
        ([1, 5, 3, 10, 2], 1, [1.0, 5.0, 3.0, 10.0, 2.0]),  # window 1: the values themselves
        ([0, 0, 40, 0, 0], 3, [0.0, 0.0, 0.0, 0.0, 0.0]),  # one outlier never shows
        ([4, 8], 5, [4.0, 6.0]),  # shorter than the window: median of what there is
        ([], 5, []),
    ],
)
def test_rolling_median(values, window, expected):
    assert rolling_median(values, window) == expected


@pytest.mark.parametrize(
    ("xs", "ys", "expected"),
    [
        ([0, 1, 2], [0, 2, 4], 2.0),  # a straight line
        ([0, 1, 2], [0, 1, 10], 5.0),  # pairwise slopes 1, 5, 9 -> median 5
        # slopes 1 (x6), 25, 33, 49, 97 -> median of 10 = (1 + 1)/2 = 1: the outlier at x=4 does not pull it
        ([0, 1, 2, 3, 4], [0, 1, 2, 3, 100], 1.0),
        ([0, 10, 20], [5, 5, 5], 0.0),
        ([0, 0, 1], [0, 4, 4], 2.0),  # equal x pairs are skipped: slopes 4 and 0 -> median 2
        ([3, 3], [1, 9], None),  # all x equal: no slope
        ([1], [1], None),
        ([], [], None),
    ],
)
def test_theil_sen_slope(xs, ys, expected):
    assert theil_sen_slope(xs, ys) == expected


@pytest.mark.parametrize(
    ("name", "baseline", "recent", "deteriorating", "rm", "bm", "reason"),
    [
        # a week late, then two weeks late: +7 and 14 >= 7
        ("week then two", (7, 7, 7), (14, 14, 14), True, 14, 7, "median days late rose from 7 to 14 (+7 days)"),
        # always 20 days late: slow, but not getting worse
        ("steady slow", (20, 20, 20), (20, 20, 20), False, 20, 20, "median days late 20 against 20 before"),
        # one invoice 40 days late among prompt ones: the median stays 0
        ("noisy prompt", (0, 0, 0), (0, 40, 0), False, 0, 0, "median days late 0 against 0 before"),
        ("noisy early", (-2, 0, 1), (1, 40, -1), False, 1, 0, "median days late 1 against 0 before"),
        # rose by 10 but is only 0 days late: paying on the due date is not a problem
        (
            "early to on time",
            (-10, -10, -10),
            (0, 0, 0),
            False,
            0,
            -10,
            "median days late rose by 10 but is only 0 days",
        ),
        # rose, but by less than 7 days
        ("slightly later", (5, 5, 5), (11, 11, 11), False, 11, 5, "median days late 11 against 5 before"),
        # getting better
        ("improving", (30, 30, 30), (5, 5, 5), False, 5, 30, "median days late 5 against 30 before"),
        # two late out of three in the recent window is the new typical
        ("mostly late now", (0, 0, 0), (0, 30, 30), True, 30, 0, "median days late rose from 0 to 30 (+30 days)"),
    ],
)
def test_assess_trend(name, baseline, recent, deteriorating, rm, bm, reason):
    t = assess_trend(_points(baseline, recent), AS_OF)
    assert t.deteriorating is deteriorating, name
    assert (t.recent_median, t.baseline_median) == (rm, bm)
    assert (t.recent_count, t.baseline_count) == (3, 3)
    assert t.reason == reason


def test_trend_slope_per_30_days():
    t = assess_trend(_points((7, 7, 7), (14, 14, 14)), AS_OF)
    # x = days relative to as_of: -200, -180, -150, -60, -30, -10; 15 pairwise slopes: 6 within a window are 0,
    # the 9 across are 7/d for d in 190, 170, 170, 150, 140, 140, 120, 120, 90. The median (8th of 15) is the
    # 2nd smallest positive one, 7/170 per day -> x 30 = 21/17 = 1.235 days per 30 days.
    assert t.slope_days_per_30 == pytest.approx(21 / 17)


@pytest.mark.parametrize(
    ("baseline", "recent", "counts"),
    [
        ((7, 7, 7), (14, 14), (2, 3)),  # recent window has 2 < 3
        ((7, 7), (14, 14, 14), (3, 2)),  # baseline has 2 < 3
        ((), (), (0, 0)),
    ],
)
def test_too_few_points_is_not_deteriorating(baseline, recent, counts):
    t = assess_trend(_points(baseline, recent), AS_OF)
    assert t.deteriorating is False
    assert t.reason == "too few closed invoices to judge"
    assert (t.recent_count, t.baseline_count) == counts


def test_too_few_points_still_reports_medians():
    t = assess_trend(_points((7, 7, 7), (30, 40)), AS_OF)
    assert (t.recent_median, t.baseline_median) == (35.0, 7.0)
    assert t.deteriorating is False


@pytest.mark.parametrize(
    ("days_ago", "window"),
    [
        (0, "recent"),  # closed on the as-of date
        (89, "recent"),
        (90, "baseline"),  # as_of - 90 belongs to the baseline: (as_of - 360, as_of - 90]
        (359, "baseline"),
        (360, None),  # before the baseline window
        (-1, None),  # after as_of: does not exist yet
    ],
)
def test_window_boundaries(days_ago, window):
    t = assess_trend([ClosedInvoice(AS_OF - timedelta(days=days_ago), 5)], AS_OF)
    assert (t.recent_count, t.baseline_count) == {"recent": (1, 0), "baseline": (0, 1), None: (0, 0)}[window]


def test_custom_rule_thresholds():
    points = _points((7, 7, 7), (12, 12, 12))  # +5
    assert assess_trend(points, AS_OF).deteriorating is False
    assert assess_trend(points, AS_OF, TrendRule(min_increase_days=5)).deteriorating is True
    # with min_recent_count 4 the 3 recent invoices are too few
    assert assess_trend(points, AS_OF, TrendRule(min_increase_days=5, min_recent_count=4)).reason == (
        "too few closed invoices to judge"
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"recent_days": 0},
        {"baseline_days": -1},
        {"min_recent_count": 0},
        {"min_baseline_count": 0},
        {"rolling_window": 0},
        {"min_increase_days": -1},
        {"min_recent_days_late": -1},
    ],
)
def test_invalid_trend_rule(kwargs):
    with pytest.raises(ValueError, match="trend rule"):
        TrendRule(**kwargs)


def test_the_display_slope_can_be_skipped_without_changing_the_verdict():
    from domain.behaviour import ClosedInvoice, assess_trend

    as_of = date(2026, 6, 30)
    points = [ClosedInvoice(date(2026, 1, d), 1) for d in (5, 12, 19, 26)] + [
        ClosedInvoice(date(2026, 6, d), late) for d, late in ((2, 7), (9, 14), (16, 14), (23, 15))
    ]
    full = assess_trend(points, as_of)
    fast = assess_trend(points, as_of, with_slope=False)
    assert full.slope_days_per_30 is not None and fast.slope_days_per_30 is None
    assert (fast.deteriorating, fast.code, fast.recent_median, fast.baseline_median) == (
        full.deteriorating,
        full.code,
        full.recent_median,
        full.baseline_median,
    )
