"""Alert wording: every type, severity, status and recommendation has an English and a Norwegian label, each
alert type is worded from its params in both languages, and inbox/approval errors become sentences."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from components import alert_text, i18n
from components.alert_text import alert_message, error_text, recommendation_change
from data_access.monitor import AlertError
from domain.alerts import RECOMMENDATIONS, SEVERITIES, TYPES
from domain.approvals import ApprovalError
from domain.credit_terms import CreditTermsError

NB_SPACE = "\xa0"


@pytest.fixture
def nb(monkeypatch):
    """The Norwegian catalogue and babel locale, as in a session whose language is nb."""
    monkeypatch.setattr(i18n, "current_language", lambda: "nb")


def norwegian(message: str) -> str:
    return i18n.translations("nb").gettext(message)


@pytest.mark.parametrize(
    ("codes", "labels"),
    [
        (TYPES, alert_text.TYPE_LABELS),
        (SEVERITIES, alert_text.SEVERITY_LABELS),
        (("open", "acknowledged", "closed"), alert_text.STATUS_LABELS),
        (RECOMMENDATIONS, alert_text.RECOMMENDATION_LABELS),
    ],
    ids=["types", "severities", "statuses", "recommendations"],
)
def test_every_code_has_an_english_and_a_norwegian_label(codes, labels):
    assert set(labels) == set(codes)
    for code in codes:
        english = labels[code]
        assert english and "_" not in english
        assert norwegian(english) not in ("", english), code
    assert len({norwegian(labels[c]) for c in codes}) == len(codes)  # no two codes read the same


def test_labels_follow_the_language(nb):
    assert alert_text.type_label("over_limit") == "Over kredittgrensen"
    assert alert_text.severity_label("high") == "Høy"
    assert alert_text.status_label("acknowledged") == "Kvittert"
    assert alert_text.recommendation_label("hand_over_to_collection") == "Send til inkasso"
    assert alert_text.type_label("something_new") == "something new"  # a code the UI does not know yet


def test_labels_in_english():
    assert alert_text.type_label("insurer_notification_due") == "Insurer to be notified"
    assert alert_text.recommendation_label("shorten_terms") == "Shorten the payment terms"
    assert alert_text.action_label("applied") == "Recommendation applied"


# (type, params as stored (JSON: money as strings), currency, English, Norwegian)
S = NB_SPACE
MESSAGES = [
    (
        "negative_event",
        {"event": "bankruptcy_petition", "date": "2026-10-05"},
        "NOK",
        "Bankruptcy petition registered 5 Oct 2026",
        "Konkursbegjæring registrert 05.10.2026",
    ),
    (
        "negative_event",
        {"event": "payment_remark", "before": 1, "now": 3},
        "NOK",
        "Payment remarks on the credit report rose from 1 to 3",
        "Betalingsanmerkningene på kredittrapporten økte fra 1 til 3",
    ),
    (
        "score_drop",
        {"kind": "score", "before": 26, "now": 14, "points": 12},
        "NOK",
        "Bureau score fell 12 points, from 26 to 14",
        "Kredittscoren falt 12 poeng, fra 26 til 14",
    ),
    (
        "score_drop",
        {"kind": "class", "before": "B", "now": "D"},
        "NOK",
        "Risk class downgraded from B to D",
        "Risikoklassen nedgradert fra B til D",
    ),
    (
        "payment_deterioration",
        {"before": 8.0, "now": 30.5},
        "NOK",
        "Pays later than before: median 8.0 → 30.5 days late",
        "Betaler senere enn før: median 8,0 → 30,5 dager for sent",
    ),
    (
        "over_limit",
        {"balance": "412606.71", "limit": "260000.00"},
        "NOK",
        f"Balance NOK{S}412,606.71 is over the credit limit NOK{S}260,000.00",
        f"Saldoen 412{S}606,71{S}kr er over kredittgrensen 260{S}000,00{S}kr",
    ),
    (
        "group_over_limit",
        {"balance": "1250000.00", "limit": "1000000.00"},
        "NOK",
        f"Group balance NOK{S}1,250,000.00 is over the group limit NOK{S}1,000,000.00",
        f"Konsernets saldo 1{S}250{S}000,00{S}kr er over konsernrammen 1{S}000{S}000,00{S}kr",
    ),
    (
        "overdue",
        {"amount": "56118.44", "days": 60, "collection_amount": "0.00"},
        "NOK",
        f"NOK{S}56,118.44 is more than 60 days past due",
        f"56{S}118,44{S}kr er mer enn 60 dager over forfall",
    ),
    (
        "overdue",
        {"amount": "39084.46", "days": 60, "collection_amount": "34478.67"},
        "NOK",
        f"NOK{S}39,084.46 is more than 60 days past due; NOK{S}34,478.67 of it is due for collection",
        f"39{S}084,46{S}kr er mer enn 60 dager over forfall; 34{S}478,67{S}kr av dette er modent for inkasso",
    ),
    (
        "review_due",
        {"date": "2026-11-22", "expired": False},
        "NOK",
        "Credit review due 22 Nov 2026",
        "Kredittvurdering forfaller 22.11.2026",
    ),
    (
        "review_due",
        {"date": "2026-10-01", "expired": True},
        "NOK",
        "Credit limit expired 1 Oct 2026",
        "Kredittgrensen utløp 01.10.2026",
    ),
    (
        "insured_limit_exceeded",
        {"balance": "95628.94", "insured_limit": "56000.00"},
        "NOK",
        f"Balance NOK{S}95,628.94 is over the insured limit NOK{S}56,000.00",
        f"Saldoen 95{S}628,94{S}kr er over den forsikrede grensen 56{S}000,00{S}kr",
    ),
    (
        "insurer_notification_due",
        {"amount": "316099.26", "from_days": 50, "deadline_days": 60},
        "NOK",
        f"NOK{S}316,099.26 is more than 50 days past due: the insurer must be told by day 60",
        f"316{S}099,26{S}kr er mer enn 50 dager over forfall: forsikringsselskapet må varsles innen dag 60",
    ),
    (
        "over_limit",
        {"balance": "1500.5", "limit": "1000"},
        None,  # without a currency: plain numbers
        "Balance 1,500.50 is over the credit limit 1,000.00",
        f"Saldoen 1{S}500,50 er over kredittgrensen 1{S}000,00",
    ),
    (
        "broken_promise",
        {"amount": "5000.00", "date": "2026-10-15", "paid": "1200.00", "currency": "NOK"},
        "SEK",  # the promise's own currency wins
        f"Promised NOK{S}5,000.00 by 15 Oct 2026; NOK{S}1,200.00 was paid",
        f"Lovet 5{S}000,00{S}kr innen 15.10.2026; 1{S}200,00{S}kr ble betalt",
    ),
    (
        "missed_instalment",
        {"amount": "2500.00", "date": "2026-10-01", "currency": "NOK"},
        "NOK",
        f"Plan instalment of NOK{S}2,500.00 due 1 Oct 2026 was not paid",
        f"Avdrag på 2{S}500,00{S}kr med forfall 01.10.2026 ble ikke betalt",
    ),
]


def test_the_table_covers_every_type():
    assert {m[0] for m in MESSAGES} == set(TYPES)


@pytest.mark.parametrize(("alert_type", "params", "currency", "english", "_norwegian"), MESSAGES)
def test_alert_message_in_english(alert_type, params, currency, english, _norwegian):
    assert alert_message(alert_type, params, currency) == english


@pytest.mark.parametrize(("alert_type", "params", "currency", "_english", "norwegian_text"), MESSAGES)
def test_alert_message_in_norwegian(nb, alert_type, params, currency, _english, norwegian_text):
    assert alert_message(alert_type, params, currency) == norwegian_text


def test_unknown_type_or_missing_params_fall_back_to_the_stored_text():
    assert alert_message("solar_flare", {}, "NOK", fallback="stored text") == "stored text"
    assert alert_message("over_limit", {"balance": "1.00"}, "NOK", fallback="stored text") == "stored text"
    assert alert_message("over_limit", {"balance": "x", "limit": "1"}, "NOK") == "Over the credit limit"


@pytest.mark.parametrize(
    ("recommendation", "params", "current", "english", "norwegian_text"),
    [
        ("shorten_terms", {"from": 45, "to": 15}, {}, "Payment terms 45 → 15 days", "Betalingsfrist 45 → 15 dager"),
        # the customer's terms today win over those the alert recorded when it was raised
        ("shorten_terms", {"from": 45, "to": 15}, {"terms_days": 30}, "Payment terms 30 → 15 days", None),
        (
            "lower_limit",
            {"from": "260000.00", "to": "195000.00"},
            {},
            f"Credit limit SEK{S}260,000.00 → SEK{S}195,000.00",
            f"Kredittgrense 260{S}000,00{S}SEK → 195{S}000,00{S}SEK",
        ),
        (
            "require_prepayment",
            {},
            {"status": "active"},
            "Status Active → Prepayment only",
            "Status Aktiv → Kun forskudd",
        ),
        ("credit_hold", {}, {"status": "active"}, "Status Active → Credit hold", "Status Aktiv → Kredittstopp"),
        (
            "hand_over_to_collection",
            {},
            {"status": "credit_hold"},
            "Status Credit hold → Credit hold, and a note that the customer was handed over to collection",
            None,
        ),
        (
            "call_customer",
            {},
            {},
            "A call to the customer in the activity log, as a task",
            "En samtale med kunden i aktivitetsloggen, som oppgave",
        ),
        ("notify_insurer", {}, {}, "", ""),
    ],
)
def test_what_applying_a_recommendation_changes(monkeypatch, recommendation, params, current, english, norwegian_text):
    assert recommendation_change(recommendation, params, "SEK", **current) == english
    if norwegian_text is not None:
        monkeypatch.setattr(i18n, "current_language", lambda: "nb")
        assert recommendation_change(recommendation, params, "SEK", **current) == norwegian_text


@pytest.mark.parametrize(
    ("exc", "english", "norwegian_text"),
    [
        (
            ApprovalError("self_approval", "the requester cannot approve their own request"),
            "you requested this limit yourself; someone else must approve it",
            "du ba selv om denne grensen; noen andre må godkjenne den",
        ),
        (
            ApprovalError("level_too_low", "x", amount=Decimal("600000"), needed="cfo"),
            f"NOK{S}600,000.00 needs the approval of CFO or higher",
            None,  # the role labels are the sidebar's; their Norwegian is checked by test_i18n
        ),
        (
            AlertError("not_open", "alert 3 is acknowledged, not open", status="acknowledged"),
            "the alert is already acknowledged",
            "varselet er allerede kvittert",
        ),
        (
            AlertError("resolution", "closing an alert needs a resolution"),
            "closing an alert needs a resolution",
            "et varsel kan bare lukkes med en løsning",
        ),
        (
            CreditTermsError("decided", "limit request 4 is already approved", status="approved"),
            "the limit request is already approved",
            "forespørselen om kredittgrense er allerede godkjent",
        ),
        # a code without a text keeps the English message it carries
        (CreditTermsError("scope", "'x' is not customer or group", scope="x"), "'x' is not customer or group", None),
        (ValueError("plain"), "plain", None),
    ],
)
def test_error_text(monkeypatch, exc, english, norwegian_text):
    assert error_text(exc, "NOK") == english
    if norwegian_text is not None:
        monkeypatch.setattr(i18n, "current_language", lambda: "nb")
        assert error_text(exc, "NOK") == norwegian_text


@pytest.mark.parametrize(
    ("error", "files", "texts"),
    [
        ("AlertError", ("data_access/monitor.py",), alert_text.ALERT_ERRORS),
        ("ApprovalError", ("domain/approvals.py", "data_access/limits.py"), alert_text.APPROVAL_ERRORS),
    ],
)
def test_every_error_code_of_the_inbox_and_the_approvals_has_a_text(error, files, texts):
    root = Path(__file__).resolve().parents[1]
    raised = set()
    for f in files:
        raised |= set(re.findall(error + r'\(\s*"([a-z_]+)"', (root / f).read_text()))
    assert raised and raised <= set(texts), raised - set(texts)
