"""Every code that domain/ returns has a user-facing sentence, and the sentences carry the numbers."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

from components.messages import ACTIVITY_ERRORS, TREND_TEXT, activity_error, trend_text, watch_reason
from domain.activity import ActivityError, NewActivity, validate
from domain.behaviour import ClosedInvoice, assess_trend

ROOT = Path(__file__).resolve().parents[1]


def test_every_activity_error_code_has_a_sentence():
    raised = set()
    for f in ("domain/activity.py", "data_access/activities.py"):
        raised |= set(re.findall(r'ActivityError\(\s*"([a-z_]+)"', (ROOT / f).read_text()))
    assert raised and raised <= set(ACTIVITY_ERRORS), raised - set(ACTIVITY_ERRORS)


def test_activity_error_sentence_fills_its_placeholders():
    try:
        validate(NewActivity("visit", date(2026, 1, 1), "x", "Kari"))
    except ActivityError as exc:
        assert activity_error(exc) == "'visit' is not a note, a call or a promise to pay"
    try:
        validate(NewActivity("promise", date(2026, 1, 2), "", "Kari", Decimal("5"), date(2026, 1, 1)))
    except ActivityError as exc:
        assert exc.code == "promise_before"
        assert activity_error(exc) == "the promised date is before the day the promise was made"


def test_trend_codes_and_sentences():
    as_of = date(2026, 6, 30)
    week_then_two = [ClosedInvoice(date(2026, 1, d), 1) for d in (5, 12, 19, 26)] + [
        ClosedInvoice(date(2026, 6, d), late) for d, late in ((2, 7), (9, 14), (16, 14), (23, 15))
    ]
    t = assess_trend(week_then_two, as_of)
    assert t.code == "deteriorating" and t.deteriorating
    assert trend_text(t) == "median days late rose from 1.0 to 14.0 days"
    assert assess_trend(week_then_two[:2], as_of).code == "too_few"
    assert set(TREND_TEXT) == {"too_few", "deteriorating", "small_rise", "steady"}
    assert watch_reason(True, True, True, t) == (
        "paying later: median days late rose from 1.0 to 14.0 days; over credit limit; over 90 days past due"
    )
    assert watch_reason(False, False, True, None) == "over 90 days past due"
