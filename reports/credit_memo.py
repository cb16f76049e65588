"""The customer credit memo as a PDF for the credit committee (English or Norwegian bokmål), from one prepared
domain.memo.CreditMemo: the customer and its group, exposure and limits, aging, payment behaviour with a chart,
credit reports, risk class and why, what the policy says for the class, events, alerts, collections, activities
and a decision block. The same memo gives the same bytes (the PDF's creation date is memo.generated_at)."""

from __future__ import annotations

import io
import math
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.dates import format_date

from domain.behaviour import trend_line
from domain.memo import ACTIVITIES, BEHAVIOUR_YEARS, CreditMemo, MemoContribution, PaidPoint
from reports.pdf import DASH, LOCALES, ReportPDF, check_lang, moment, money, number, percent

# Every word of the memo, per language; numbers come from the memo, never from here.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Credit memo",
        "subtitle": "{name} ({ref})",
        "intro": (
            "This memo sets out one customer for the credit committee: who the customer is, what it owes us, how it "
            "pays, what the credit bureau and the registers say, our risk class and why, and what the credit policy "
            "sets for that class. Ledger figures are as of {date}; alerts, disputes and the activity log are as they "
            "stood when the memo was made. Amounts are in {base} unless a currency is shown."
        ),
        "customer": "Customer",
        "reference": "Reference",
        "as_of": "As of",
        "prepared": "Prepared",
        "company": "Prepared by",
        "policy_version": "Credit policy",
        "policy_n": "version {n}",
        "policy_default": "built-in defaults (no version saved)",
        "summary": "Summary",
        "risk_class": "Risk class",
        "pd": "Probability of default (PD)",
        "pd_short": "PD (12 months)",
        "balance": "Balance",
        "credit_limit": "Credit limit",
        "overdue": "Past due",
        "utilisation": "Limit used",
        "over_90": "Over 90 days past due",
        "expected_loss": "Expected loss",
        "s1": "1  Customer",
        "s1_text": "Who the customer is and the terms it has with us today.",
        "name": "Name",
        "org_number": "Organisation number",
        "country": "Country",
        "segment": "Segment",
        "industry": "Industry (NACE)",
        "currency": "Invoice currency",
        "terms": "Payment terms",
        "days": "{n} days",
        "status": "Status",
        "group": "Corporate group",
        "group_value": "{name} ({ref})",
        "group_balance": "Group exposure",
        "group_limit": "Group limit",
        "group_text": "The companies of the group, their balances and classes as of {date}:",
        "col_ref": "Ref.",
        "col_name": "Name",
        "col_class": "Class",
        "col_balance": "Balance ({ccy})",
        "col_limit": "Limit ({ccy})",
        "parent": "parent",
        "this": "this customer",
        "s2": "2  Exposure and limits",
        "s2_text": (
            "What the customer owes as of {date} against the credit limit and the credit insurance. Limit used is "
            "the balance as a share of the limit; the uninsured exposure is the part of the balance no credit "
            "insurer covers (the insurer pays its share up to the insured limit)."
        ),
        "in_base": "{amount} ({base})",
        "no_limit": "no limit set",
        "insured_limit": "Insured limit",
        "insurer": "Credit insurer",
        "insurer_value": "{insurer}, covers {share}",
        "none": "none",
        "uninsured": "Uninsured exposure",
        "unapplied": "Unapplied credits (in the balance)",
        "review_on": "Limit review",
        "expires_on": "Limit expires",
        "s3": "3  Aging by due date",
        "s3_text": "Open items grouped by how many days they are past the due date, in {base}.",
        "current": "not due",
        "total": "Total",
        "s4": "4  Payment behaviour",
        "s4_text": (
            "Each point is an invoice paid in the {years} years up to {date}: above the green line it was paid after "
            "the due date, below it early; larger points are larger invoices. The red line is a robust trend "
            "(Theil–Sen). The figures below weigh the invoices paid in the last {days} days by amount."
        ),
        "no_payments": "No invoice was paid in the {years} years up to {date}: no payment behaviour to show.",
        "paid_invoices": "Invoices paid (last {days} days)",
        "weighted_days_late": "Days late, weighted by amount",
        "avg_days_to_pay": "Days to pay, weighted by amount",
        "payment_index": "Payment index",
        "trend": "Payment trend",
        "no_trend": "no paid invoices to judge",
        "chart_days_late": "Days late",
        "chart_on_time": "due date",
        "chart_early": "paid on time or early",
        "chart_late": "paid late",
        "chart_trend": "trend",
        "s5": "5  Credit reports",
        "s5_text": "The credit bureau's reports as the bureau gave them, newest first.",
        "reports_shown": "The {shown} newest of {total} reports.",
        "no_reports": "No credit report up to {date}.",
        "col_date": "Date",
        "col_source": "Source",
        "col_score": "Score",
        "col_rating": "Rating",
        "col_remarks": "Payment remarks",
        "col_remarks_amount": "Remarks ({ccy})",
        "s6": "6  Risk class",
        "s6_text": (
            "Our class A–E starts from the credit bureau's view (the base class) and moves for what only our ledger "
            "and the registers show. PD is the probability that the customer defaults within 12 months; the "
            "expected loss is PD × LGD × uninsured exposure, the risk model's figure and not the IFRS 9 provision."
        ),
        "base_class": "Base class",
        "base_from": "{cls}, from the bureau's “{band}” ({source}, {date})",
        "base_unrated": "{cls}: no credit report (the policy's class for unrated customers)",
        "why": "Why {cls}:",
        "why_none": "Nothing in our ledger or the registers moves the class: it is the bureau's.",
        "pd_value": "{pd} ({source})",
        "pd_bureau": "the bureau's own PD",
        "pd_policy": "the policy's PD for class {cls}",
        "lgd": "Loss given default (LGD)",
        "el_value": "{pd} × {lgd} × {exposure} = {loss}",
        "move_one": "+1 class",
        "move_many": "+{n} classes",
        "move_back_one": "−1 class",
        "move_back_many": "−{n} classes",
        "move_severe": "class E",
        "s7": "7  What the policy sets for class {cls}",
        "s7_text": "The standard terms of the class in the credit policy, against what the customer has now.",
        "col_item": "",
        "col_policy": "Policy, class {cls}",
        "col_now": "Customer now",
        "review": "Credit review",
        "every_months": "every {n} months",
        "next_review": "next {date}",
        "prepayment": "Prepayment",
        "insurance": "Credit insurance",
        "required": "required",
        "not_required": "not required",
        "insured_yes": "{insurer}, {limit}",
        "no_cap": "no cap",
        "terms_longer": "The customer's payment terms ({now} days) are longer than the class's standard ({std} days).",
        "limit_above": "The credit limit ({limit}) is above the class's maximum ({max}).",
        "needs_prepayment": "The class requires prepayment; the customer's status is {status}.",
        "needs_insurance": "The class requires credit insurance; the customer has none.",
        "recommended_limit": "The monitor recommends lowering the credit limit to {limit}.",
        "within_policy": "The customer's terms are within what the policy sets for the class.",
        "s8": "8  Company events",
        "s8_text": "Events from the public registers up to {date}, newest first.",
        "no_events": "No register events up to {date}.",
        "col_event": "Event",
        "col_text": "Text",
        "s9": "9  Open alerts",
        "s9_text": "Alerts of the monitor that were open or acknowledged when the memo was made.",
        "no_alerts": "No open alerts.",
        "col_since": "Since",
        "col_alert": "Alert",
        "col_severity": "Severity",
        "col_recommendation": "Recommendation",
        "s10": "10  Disputes and payment plans",
        "s10_text": "Open disputes and active payment plans.",
        "no_disputes": "No open disputes.",
        "no_plans": "No active payment plans.",
        "col_invoice": "Invoice",
        "col_amount": "Amount",
        "col_reason": "Reason",
        "col_owner": "Owner",
        "col_opened": "Opened",
        "col_plan": "Plan",
        "col_agreed": "Agreed",
        "col_invoices": "Invoices",
        "col_planned": "Planned",
        "col_paid": "Paid",
        "col_plan_status": "Status",
        "col_next": "Next instalment",
        "plan_kept": "kept",
        "plan_missed": "missed since {date}",
        "plan_next": "{amount} on {date}",
        "s11": "11  Activity log",
        "s11_text": "The {n} newest entries of the activity log.",
        "no_activities": "Nothing logged for this customer yet.",
        "col_kind": "Kind",
        "col_author": "By",
        "promise_text": "{text} (promised {amount} by {date})",
        "s12": "12  Committee decision",
        "s12_text": "To be completed by the credit committee.",
        "decision": "Decision",
        "decision_limit": "Credit limit",
        "decision_terms": "Payment terms",
        "decision_conditions": "Conditions",
        "decision_signed": "Date and signatures",
        "yes": "yes",
        "no": "no",
    },
    "nb": {
        "title": "Kredittnotat",
        "subtitle": "{name} ({ref})",
        "intro": (
            "Dette notatet legger fram én kunde for kredittkomiteen: hvem kunden er, hva den skylder oss, hvordan den "
            "betaler, hva kredittopplysningsbyrået og registrene sier, vår risikoklasse og hvorfor, og hva "
            "kredittpolicyen fastsetter for klassen. Tallene fra reskontroen er per {date}; varsler, tvister og "
            "aktivitetsloggen er slik de var da notatet ble laget. Beløp er i {base} der ingen annen valuta er vist."
        ),
        "customer": "Kunde",
        "reference": "Kundenummer",
        "as_of": "Per",
        "prepared": "Laget",
        "company": "Laget av",
        "policy_version": "Kredittpolicy",
        "policy_n": "versjon {n}",
        "policy_default": "innebygde standardverdier (ingen versjon lagret)",
        "summary": "Sammendrag",
        "risk_class": "Risikoklasse",
        "pd": "Sannsynlighet for mislighold (PD)",
        "pd_short": "PD (12 måneder)",
        "balance": "Saldo",
        "credit_limit": "Kredittgrense",
        "overdue": "Forfalt",
        "utilisation": "Utnyttelse av grensen",
        "over_90": "Mer enn 90 dager forfalt",
        "expected_loss": "Forventet tap",
        "s1": "1  Kunde",
        "s1_text": "Hvem kunden er og vilkårene den har hos oss i dag.",
        "name": "Navn",
        "org_number": "Organisasjonsnummer",
        "country": "Land",
        "segment": "Segment",
        "industry": "Bransje (NACE)",
        "currency": "Fakturavaluta",
        "terms": "Betalingsfrist",
        "days": "{n} dager",
        "status": "Status",
        "group": "Konsern",
        "group_value": "{name} ({ref})",
        "group_balance": "Konserneksponering",
        "group_limit": "Konsernramme",
        "group_text": "Selskapene i konsernet, saldo og klasse per {date}:",
        "col_ref": "Nr.",
        "col_name": "Navn",
        "col_class": "Klasse",
        "col_balance": "Saldo ({ccy})",
        "col_limit": "Grense ({ccy})",
        "parent": "morselskap",
        "this": "denne kunden",
        "s2": "2  Eksponering og grenser",
        "s2_text": (
            "Hva kunden skylder per {date} mot kredittgrensen og kredittforsikringen. Utnyttelse er saldoen som andel "
            "av grensen; uforsikret eksponering er den delen av saldoen ingen kredittforsikring dekker "
            "(forsikringsselskapet betaler sin andel opp til forsikret grense)."
        ),
        "in_base": "{amount} ({base})",
        "no_limit": "ingen grense satt",
        "insured_limit": "Forsikret grense",
        "insurer": "Kredittforsikrer",
        "insurer_value": "{insurer}, dekker {share}",
        "none": "ingen",
        "uninsured": "Uforsikret eksponering",
        "unapplied": "Uavregnede kreditposter (i saldoen)",
        "review_on": "Ny vurdering av grensen",
        "expires_on": "Grensen utløper",
        "s3": "3  Aldersfordeling etter forfallsdato",
        "s3_text": "Åpne poster gruppert etter hvor mange dager de er forfalt, i {base}.",
        "current": "ikke forfalt",
        "total": "Sum",
        "s4": "4  Betalingsatferd",
        "s4_text": (
            "Hvert punkt er en faktura betalt de {years} siste årene fram til {date}: over den grønne linjen er den "
            "betalt etter forfall, under den før forfall; større punkter er større fakturaer. Den røde linjen er en "
            "robust trend (Theil–Sen). Tallene under vekter fakturaene betalt de siste {days} dagene etter beløp."
        ),
        "no_payments": "Ingen faktura ble betalt de {years} siste årene fram til {date}: ingen betalingsatferd å vise.",
        "paid_invoices": "Betalte fakturaer (siste {days} dager)",
        "weighted_days_late": "Dager for sent, vektet etter beløp",
        "avg_days_to_pay": "Dager til betaling, vektet etter beløp",
        "payment_index": "Betalingsindeks",
        "trend": "Betalingsutvikling",
        "no_trend": "ingen betalte fakturaer å vurdere",
        "chart_days_late": "Dager for sent",
        "chart_on_time": "forfallsdato",
        "chart_early": "betalt i tide eller før",
        "chart_late": "betalt for sent",
        "chart_trend": "trend",
        "s5": "5  Kredittopplysninger",
        "s5_text": "Kredittopplysningsbyråets rapporter slik byrået ga dem, nyeste først.",
        "reports_shown": "De {shown} nyeste av {total} rapporter.",
        "no_reports": "Ingen kredittopplysning fram til {date}.",
        "col_date": "Dato",
        "col_source": "Kilde",
        "col_score": "Score",
        "col_rating": "Rating",
        "col_remarks": "Betalingsanmerkninger",
        "col_remarks_amount": "Anmerkninger ({ccy})",
        "s6": "6  Risikoklasse",
        "s6_text": (
            "Vår klasse A–E tar utgangspunkt i kredittopplysningsbyråets vurdering (grunnklassen) og flyttes for det "
            "bare vår reskontro og registrene viser. PD er sannsynligheten for at kunden misligholder innen 12 "
            "måneder; forventet tap er PD × LGD × uforsikret eksponering, risikomodellens tall og ikke "
            "regnskapsavsetningen (IFRS 9)."
        ),
        "base_class": "Grunnklasse",
        "base_from": "{cls}, fra byråets «{band}» ({source}, {date})",
        "base_unrated": "{cls}: ingen kredittopplysning (policyens klasse for kunder uten rating)",
        "why": "Hvorfor {cls}:",
        "why_none": "Ingenting i reskontroen eller registrene flytter klassen: den er byråets.",
        "pd_value": "{pd} ({source})",
        "pd_bureau": "byråets egen PD",
        "pd_policy": "policyens PD for klasse {cls}",
        "lgd": "Tap ved mislighold (LGD)",
        "el_value": "{pd} × {lgd} × {exposure} = {loss}",
        "move_one": "+1 klasse",
        "move_many": "+{n} klasser",
        "move_back_one": "−1 klasse",
        "move_back_many": "−{n} klasser",
        "move_severe": "klasse E",
        "s7": "7  Hva policyen fastsetter for klasse {cls}",
        "s7_text": "Klassens standardvilkår i kredittpolicyen, mot det kunden har nå.",
        "col_item": "",
        "col_policy": "Policy, klasse {cls}",
        "col_now": "Kunden nå",
        "review": "Kredittvurdering",
        "every_months": "hver {n}. måned",
        "next_review": "neste {date}",
        "prepayment": "Forskuddsbetaling",
        "insurance": "Kredittforsikring",
        "required": "påkrevd",
        "not_required": "ikke påkrevd",
        "insured_yes": "{insurer}, {limit}",
        "no_cap": "ingen øvre grense",
        "terms_longer": "Kundens betalingsfrist ({now} dager) er lengre enn klassens standard ({std} dager).",
        "limit_above": "Kredittgrensen ({limit}) er over klassens maksimum ({max}).",
        "needs_prepayment": "Klassen krever forskuddsbetaling; kundens status er {status}.",
        "needs_insurance": "Klassen krever kredittforsikring; kunden har ingen.",
        "recommended_limit": "Overvåkingen anbefaler å senke kredittgrensen til {limit}.",
        "within_policy": "Kundens vilkår er innenfor det policyen fastsetter for klassen.",
        "s8": "8  Selskapshendelser",
        "s8_text": "Hendelser fra de offentlige registrene fram til {date}, nyeste først.",
        "no_events": "Ingen registerhendelser fram til {date}.",
        "col_event": "Hendelse",
        "col_text": "Tekst",
        "s9": "9  Åpne varsler",
        "s9_text": "Overvåkingens varsler som var åpne eller kvittert da notatet ble laget.",
        "no_alerts": "Ingen åpne varsler.",
        "col_since": "Siden",
        "col_alert": "Varsel",
        "col_severity": "Alvorlighet",
        "col_recommendation": "Anbefaling",
        "s10": "10  Tvister og betalingsplaner",
        "s10_text": "Åpne tvister og aktive betalingsplaner.",
        "no_disputes": "Ingen åpne tvister.",
        "no_plans": "Ingen aktive betalingsplaner.",
        "col_invoice": "Faktura",
        "col_amount": "Beløp",
        "col_reason": "Årsak",
        "col_owner": "Ansvarlig",
        "col_opened": "Åpnet",
        "col_plan": "Plan",
        "col_agreed": "Avtalt",
        "col_invoices": "Fakturaer",
        "col_planned": "Avtalt beløp",
        "col_paid": "Betalt",
        "col_plan_status": "Status",
        "col_next": "Neste avdrag",
        "plan_kept": "overholdt",
        "plan_missed": "misligholdt siden {date}",
        "plan_next": "{amount} den {date}",
        "s11": "11  Aktivitetslogg",
        "s11_text": "De {n} nyeste oppføringene i aktivitetsloggen.",
        "no_activities": "Ingenting er logget for denne kunden ennå.",
        "col_kind": "Type",
        "col_author": "Av",
        "promise_text": "{text} (lovet {amount} innen {date})",
        "s12": "12  Kredittkomiteens beslutning",
        "s12_text": "Fylles ut av kredittkomiteen.",
        "decision": "Beslutning",
        "decision_limit": "Kredittgrense",
        "decision_terms": "Betalingsfrist",
        "decision_conditions": "Vilkår",
        "decision_signed": "Dato og underskrifter",
        "yes": "ja",
        "no": "nei",
    },
}

STATUSES: dict[str, dict[str, str]] = {
    "en": {"active": "active", "credit_hold": "credit hold", "prepayment_only": "prepayment only"},
    "nb": {"active": "aktiv", "credit_hold": "kredittstopp", "prepayment_only": "kun forskudd"},
}
TRENDS: dict[str, dict[str, str]] = {
    "en": {
        "too_few": "too few paid invoices to judge the trend",
        "deteriorating": "paying later: median days late rose from {before} to {now} days",
        "small_rise": "median days late rose to {now} days, still within the tolerance",
        "steady": "median days late {now} against {before} before",
    },
    "nb": {
        "too_few": "for få betalte fakturaer til å vurdere utviklingen",
        "deteriorating": "betaler senere: median forsinkelse økte fra {before} til {now} dager",
        "small_rise": "median forsinkelse økte til {now} dager, fortsatt innenfor toleransen",
        "steady": "median forsinkelse {now} dager mot {before} før",
    },
}
CONTRIBUTIONS: dict[str, dict[str, str]] = {
    "en": {
        "severe_event": "{event} registered {date}",
        "payment_remarks": "{count} payment remark(s) on the latest credit report ({amount})",
        "role_change": "change of CEO or chair registered {date}",
        "weak_payment_index": "payment index {index}",
        "deteriorating": "pays later than before: median {before} → {now} days late",
        "high_overdue": "{share} of the balance is past due",
        "over_limit": "credit limit {share} used",
        "new_unrated": "customer for {months} months and no credit report",
        "good_payer": "customer for {months} months with payment index {index}",
    },
    "nb": {
        "severe_event": "{event} registrert {date}",
        "payment_remarks": "{count} betalingsanmerkning(er) på siste kredittopplysning ({amount})",
        "role_change": "endring av daglig leder eller styreleder registrert {date}",
        "weak_payment_index": "betalingsindeks {index}",
        "deteriorating": "betaler senere enn før: median {before} → {now} dager for sent",
        "high_overdue": "{share} av saldoen er forfalt",
        "over_limit": "kredittgrensen {share} brukt",
        "new_unrated": "kunde i {months} måneder og ingen kredittopplysning",
        "good_payer": "kunde i {months} måneder med betalingsindeks {index}",
    },
}
EVENTS: dict[str, dict[str, str]] = {
    "en": {
        "bankruptcy": "Bankruptcy",
        "bankruptcy_petition": "Bankruptcy petition",
        "liquidation": "Liquidation",
        "forced_dissolution": "Forced dissolution",
        "debt_restructuring": "Debt restructuring",
        "deleted": "Deleted from the register",
        "role_change": "Change of roles",
        "address_change": "Change of address",
    },
    "nb": {
        "bankruptcy": "Konkurs",
        "bankruptcy_petition": "Konkursbegjæring",
        "liquidation": "Avvikling",
        "forced_dissolution": "Tvangsoppløsning",
        "debt_restructuring": "Rekonstruksjon",
        "deleted": "Slettet fra registeret",
        "role_change": "Rolleendring",
        "address_change": "Adresseendring",
    },
}
ALERT_TYPES: dict[str, dict[str, str]] = {
    "en": {
        "negative_event": "Negative event",
        "score_drop": "Score or class drop",
        "payment_deterioration": "Paying later",
        "over_limit": "Over the credit limit",
        "group_over_limit": "Group over its limit",
        "overdue": "Overdue",
        "review_due": "Credit review due",
        "insured_limit_exceeded": "Over the insured limit",
        "insurer_notification_due": "Insurer to be notified",
        "broken_promise": "Promise to pay broken",
        "missed_instalment": "Plan instalment missed",
    },
    "nb": {
        "negative_event": "Negativ hendelse",
        "score_drop": "Fall i score eller klasse",
        "payment_deterioration": "Betaler senere",
        "over_limit": "Over kredittgrensen",
        "group_over_limit": "Konsern over rammen",
        "overdue": "Forfalt",
        "review_due": "Kredittvurdering forfaller",
        "insured_limit_exceeded": "Over forsikret grense",
        "insurer_notification_due": "Forsikringsselskapet må varsles",
        "broken_promise": "Betalingsløfte brutt",
        "missed_instalment": "Avdrag i betalingsplan ikke betalt",
    },
}
SEVERITIES: dict[str, dict[str, str]] = {
    "en": {"high": "High", "medium": "Medium", "low": "Low"},
    "nb": {"high": "Høy", "medium": "Middels", "low": "Lav"},
}
RECOMMENDATIONS: dict[str, dict[str, str]] = {
    "en": {
        "shorten_terms": "Shorten the payment terms",
        "require_prepayment": "Require prepayment",
        "lower_limit": "Lower the credit limit",
        "credit_hold": "Put on credit hold",
        "call_customer": "Call the customer",
        "hand_over_to_collection": "Hand over to collection",
        "review_credit": "Review the credit",
        "notify_insurer": "Notify the credit insurer",
    },
    "nb": {
        "shorten_terms": "Kort ned betalingsfristen",
        "require_prepayment": "Krev forskuddsbetaling",
        "lower_limit": "Senk kredittgrensen",
        "credit_hold": "Sett på kredittstopp",
        "call_customer": "Ring kunden",
        "hand_over_to_collection": "Send til inkasso",
        "review_credit": "Vurder kreditten på nytt",
        "notify_insurer": "Varsle kredittforsikringsselskapet",
    },
}
ACTIVITY_KINDS: dict[str, dict[str, str]] = {
    "en": {"note": "Note", "call": "Call", "promise": "Promise to pay"},
    "nb": {"note": "Notat", "call": "Samtale", "promise": "Betalingsløfte"},
}
OWNERS: dict[str, dict[str, str]] = {
    "en": {"sales": "Sales", "delivery": "Delivery", "finance": "Finance"},
    "nb": {"sales": "Salg", "delivery": "Levering", "finance": "Økonomi"},
}

# The payment-behaviour chart: a fixed size and resolution, so the same points give the same PNG.
CHART_WIDTH_MM = 174
CHART_HEIGHT_MM = 68
CHART_DPI = 200
TICK_MONTHS = 3  # a date label every quarter
FACT_LABEL = 76  # mm for the labels of the figures blocks, so the longest stays on one line


def _label(table: dict[str, dict[str, str]], code: str, lang: str) -> str:
    """A code in the reader's words; a code the table does not know is shown from the code itself."""
    return table[lang].get(code, code.replace("_", " "))


def _day(value: date | None, lang: str) -> str:
    if value is None:
        return DASH
    return format_date(value, format="dd.MM.yyyy" if lang == "nb" else "d MMM yyyy", locale=LOCALES[lang])


def _rounded(value: Decimal | float | int, places: int) -> Decimal:
    """Rounded half-up for print; whole numbers without a decimal part ("12", not "12.0")."""
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return q.quantize(Decimal(1)) if q == q.to_integral_value() else q


def _days(value: Decimal | float | None, lang: str) -> str:
    return DASH if value is None else number(_rounded(value, 1), lang)


def _pct(value: Decimal | None, lang: str, places: int = 1) -> str:
    return DASH if value is None else percent(_rounded(value, places), lang)


def _country(code: str | None, lang: str) -> str:
    if not code:
        return DASH
    return Locale.parse(LOCALES[lang]).territories.get(code.upper(), code)


def render_credit_memo(memo: CreditMemo, lang: str = "en") -> bytes:
    """The memo as a PDF in `lang` ("en" or "nb"); the same memo gives the same bytes."""
    check_lang(lang)
    t = LABELS[lang]
    c = memo.customer
    title = f"{t['title']}: {c.name}"
    pdf = ReportPDF(title, memo.company or DASH, lang=lang, creation_date=memo.generated_at)
    pdf.add_page()
    pdf.title_block(t["title"])
    pdf.heading(t["subtitle"].format(name=c.name, ref=c.ref), level=2)
    version = t["policy_default"] if memo.policy_version is None else t["policy_n"].format(n=memo.policy_version)
    pdf.facts(
        [
            (t["customer"], c.name),
            (t["reference"], c.ref),
            (t["as_of"], _day(memo.as_of, lang)),
            (t["prepared"], moment(memo.generated_at, lang)),
            (t["company"], memo.company or DASH),
            (t["policy_version"], version),
        ],
        label_width=45,
    )
    pdf.paragraph(t["intro"].format(date=_day(memo.as_of, lang), base=memo.base_currency))
    _summary(pdf, memo, t, lang)
    _customer(pdf, memo, t, lang)
    _exposure(pdf, memo, t, lang)
    _aging(pdf, memo, t, lang)
    _behaviour(pdf, memo, t, lang)
    _reports(pdf, memo, t, lang)
    _risk(pdf, memo, t, lang)
    _policy(pdf, memo, t, lang)
    _events(pdf, memo, t, lang)
    _alerts(pdf, memo, t, lang)
    _collections(pdf, memo, t, lang)
    _activities(pdf, memo, t, lang)
    _decision(pdf, t)
    return pdf.to_bytes()


def _limit_text(memo: CreditMemo, t: dict[str, str], lang: str) -> str:
    e, c = memo.exposure, memo.customer
    if e.credit_limit is None:
        return t["no_limit"]
    text = money(e.credit_limit, c.currency, lang)
    if c.currency != memo.base_currency and e.credit_limit_base is not None:
        text = t["in_base"].format(amount=text, base=money(e.credit_limit_base, memo.base_currency, lang))
    return text


def _summary(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    e, r, base = memo.exposure, memo.risk, memo.base_currency
    rows = [
        [t["risk_class"], r.risk_class, t["pd_short"], _pct(r.pd_percent, lang, 2)],
        [t["balance"], money(e.balance, base, lang), t["credit_limit"], _limit_text(memo, t, lang)],
        [t["overdue"], money(e.overdue, base, lang), t["utilisation"], _pct(e.utilisation, lang)],
        [t["over_90"], money(e.over_90, base, lang), t["expected_loss"], money(r.expected_loss, base, lang)],
    ]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["summary"])
        pdf.table_from_rows(rows, col_widths=(46, 41, 46, 41), align=("LEFT", "RIGHT", "LEFT", "RIGHT"), headings=False)

    pdf.keep_together(draw)


def _customer(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    c, base = memo.customer, memo.base_currency
    pairs = [
        (t["org_number"], c.org_number or DASH),
        (t["country"], _country(c.country, lang)),
        (t["segment"], c.segment or DASH),
        (t["industry"], c.industry_code or DASH),
        (t["currency"], c.currency),
        (t["terms"], t["days"].format(n=c.payment_terms_days)),
        (t["status"], _label(STATUSES, c.status, lang)),
    ]
    if c.in_group:
        pairs += [
            (t["group"], t["group_value"].format(name=c.group_name, ref=c.group_ref)),
            (t["group_balance"], money(c.group_balance, base, lang)),
            (t["group_limit"], money(c.group_limit, base, lang) if c.group_limit is not None else t["no_limit"]),
        ]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s1"])
        pdf.paragraph(t["s1_text"])
        pdf.facts(pairs, label_width=50)

    pdf.keep_together(draw)
    if not c.group_members:
        return
    rows = [
        [
            t["col_ref"],
            t["col_name"],
            t["col_class"],
            t["col_balance"].format(ccy=base),
            t["col_limit"].format(ccy=base),
        ]
    ]
    for m in c.group_members:
        notes = [t["parent"]] if m.is_parent else []
        if m.is_customer:
            notes.append(t["this"])
        name = f"{m.name} ({', '.join(notes)})" if notes else m.name
        rows.append([m.ref, name, m.risk_class, number(m.balance, lang, 2), number(m.credit_limit, lang, 2)])

    def members(pdf: ReportPDF) -> None:
        pdf.paragraph(t["group_text"].format(date=_day(memo.as_of, lang)))
        pdf.table_from_rows(rows, col_widths=(22, 74, 16, 31, 31), align=("LEFT", "LEFT", "CENTER", "RIGHT", "RIGHT"))

    pdf.keep_together(members)


def _exposure(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    e, c, base = memo.exposure, memo.customer, memo.base_currency
    insurer = t["none"]
    if e.insurer:
        insurer = t["insurer_value"].format(insurer=e.insurer, share=_pct(e.insured_share, lang, 2))
    pairs = [
        (t["balance"], money(e.balance, base, lang)),
        (t["overdue"], money(e.overdue, base, lang)),
        (t["over_90"], money(e.over_90, base, lang)),
        (t["credit_limit"], _limit_text(memo, t, lang)),
        (t["utilisation"], _pct(e.utilisation, lang)),
        (t["insured_limit"], money(e.insured_limit, c.currency, lang) if e.insured_limit is not None else t["none"]),
        (t["insurer"], insurer),
        (t["uninsured"], money(e.uninsured, base, lang)),
        (t["unapplied"], money(e.unapplied_amount, base, lang)),
        (t["review_on"], _day(e.limit_review_on, lang)),
        (t["expires_on"], _day(e.limit_expires_on, lang)),
    ]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s2"])
        pdf.paragraph(t["s2_text"].format(date=_day(memo.as_of, lang)))
        pdf.facts(pairs, label_width=FACT_LABEL)

    pdf.keep_together(draw)


def _aging(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    a = memo.aging
    labels = [t["current"] if label == "current" else label for label in a.labels] + [t["total"]]
    amounts = [number(x, lang, 2) for x in a.amounts] + [number(a.total, lang, 2)]
    width = min(pdf.epw, 26.0 * len(labels))

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s3"])
        pdf.paragraph(t["s3_text"].format(base=memo.base_currency))
        pdf.table_from_rows([labels, amounts], align=["RIGHT"] * len(labels), width=width)

    pdf.keep_together(draw)


def payment_chart(points: tuple[PaidPoint, ...], since: date, as_of: date, lang: str) -> bytes:
    """Days late per paid invoice over time as a PNG: points (green on time or early, grey late, area by amount),
    the due date as a dashed line, a robust trend line (domain.behaviour.trend_line). Fixed size, dpi and no
    software stamp, so the same points give the same bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from components.theme import LATE_POINT, ON_TIME, TREND_LINE

    t = LABELS[lang]
    fig = Figure(figsize=(CHART_WIDTH_MM / 25.4, CHART_HEIGHT_MM / 25.4), dpi=CHART_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    biggest = max((float(p.amount) for p in points), default=0.0)

    def size(p: PaidPoint) -> float:  # marker area grows with the square root of the amount (display only)
        share = float(p.amount) / biggest if biggest > 0 else 0.0
        return 8.0 + 70.0 * math.sqrt(max(share, 0.0))

    ax.axhline(0, color=ON_TIME, linestyle="--", linewidth=1.0, label=t["chart_on_time"], zorder=1)
    for late, colour, key in ((False, ON_TIME, "chart_early"), (True, LATE_POINT, "chart_late")):
        part = [p for p in points if (p.days_late > 0) == late]
        if part:
            ax.scatter(
                [p.paid_on.toordinal() for p in part],
                [p.days_late for p in part],
                s=[size(p) for p in part],
                color=colour,
                alpha=0.75,
                linewidths=0,
                label=t[key],
                zorder=2,
            )
    xs = [float(p.paid_on.toordinal()) for p in points]
    line = trend_line(xs, [float(p.days_late) for p in points]) if len(set(xs)) > 1 else None
    if line is not None:
        slope, intercept = line
        ends = [min(xs), max(xs)]
        ax.plot(ends, [slope * x + intercept for x in ends], color=TREND_LINE, linestyle=":", linewidth=1.6,
                label=t["chart_trend"], zorder=3)  # fmt: skip
    ticks, d = [], date(since.year, since.month, 1)
    while d <= as_of:
        if d > since and (d.month - 1) % TICK_MONTHS == 0:
            ticks.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    ax.set_xticks([x.toordinal() for x in ticks])
    ax.set_xticklabels([format_date(x, format="MMM yy", locale=LOCALES[lang]) for x in ticks])
    ax.set_xlim(since.toordinal(), as_of.toordinal())
    ax.set_ylabel(t["chart_days_late"], fontsize=7)
    ax.tick_params(labelsize=7)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    # above the plot, so it never hides a point
    ax.legend(fontsize=6.5, loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=4, borderaxespad=0.2)
    fig.tight_layout(pad=0.4)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=CHART_DPI, metadata={"Software": None})
    return out.getvalue()


def _behaviour(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    b = memo.behaviour
    if b.trend_code is None:
        trend = t["no_trend"]
    else:
        trend = _label(TRENDS, b.trend_code, lang).format(
            before=_days(b.baseline_median, lang), now=_days(b.recent_median, lang)
        )
    pairs = [
        (t["paid_invoices"].format(days=b.window_days), number(b.paid_invoices, lang)),
        (t["weighted_days_late"], _days(b.weighted_days_late, lang)),
        (t["avg_days_to_pay"], _days(b.avg_days_to_pay, lang)),
        (t["payment_index"], DASH if b.payment_index is None else number(_rounded(b.payment_index, 0), lang)),
        (t["trend"], trend),
    ]
    when = _day(memo.as_of, lang)
    png = payment_chart(b.points, b.since, memo.as_of, lang) if b.points else None

    def chart(pdf: ReportPDF) -> None:
        pdf.heading(t["s4"])
        if png is None:
            pdf.paragraph(t["no_payments"].format(years=BEHAVIOUR_YEARS, date=when))
        else:
            pdf.paragraph(t["s4_text"].format(years=BEHAVIOUR_YEARS, date=when, days=b.window_days))
            pdf.image(io.BytesIO(png), x=pdf.l_margin, w=CHART_WIDTH_MM)
            pdf.ln(2)

    pdf.keep_together(chart)
    pdf.keep_together(lambda p: p.facts(pairs, label_width=FACT_LABEL))


def _reports(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    ccy = memo.customer.currency
    rows = [
        [
            t["col_date"],
            t["col_source"],
            t["col_score"],
            t["col_rating"],
            t["col_remarks"],
            t["col_remarks_amount"].format(ccy=ccy),
        ]
    ]
    for r in memo.reports:
        rows.append(
            [
                _day(r.report_date, lang),
                r.source,
                DASH if r.score is None else str(r.score),
                r.rating or DASH,
                number(r.remarks_count, lang),
                number(r.remarks_amount, lang, 2),
            ]
        )

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s5"])
        if not memo.reports:
            pdf.paragraph(t["no_reports"].format(date=_day(memo.as_of, lang)))
            return
        pdf.paragraph(t["s5_text"])
        pdf.table_from_rows(
            rows,
            col_widths=(26, 44, 18, 18, 34, 34),
            align=("LEFT", "LEFT", "RIGHT", "CENTER", "RIGHT", "RIGHT"),
        )
        if memo.reports_total > len(memo.reports):
            pdf.paragraph(
                t["reports_shown"].format(shown=len(memo.reports), total=memo.reports_total), size=8.5, muted=True
            )

    pdf.keep_together(draw)


def contribution_text(c: MemoContribution, memo: CreditMemo, lang: str) -> str:
    """A class contribution in the reader's words, with how far it moved the class."""
    p = dict(c.params)

    def dec(key: str) -> Decimal | None:
        v = p.get(key)
        return None if v is None else Decimal(str(v))

    # a number the contribution does not carry prints as a dash instead of failing the whole memo
    values: dict[str, str] = defaultdict(lambda: DASH)
    when = p.get("date")
    if isinstance(when, date):
        values["date"] = _day(when, lang)
    if p.get("event") is not None:
        values["event"] = _label(EVENTS, str(p["event"]), lang)
    index, amount = dec("index"), dec("amount")
    share = dec("share") if "share" in p else dec("utilisation")
    if index is not None:
        values["index"] = number(_rounded(index, 0), lang)
    if share is not None:
        values["share"] = _pct(share, lang, 0)
    if amount is not None:
        values["amount"] = money(amount, memo.customer.currency, lang)
    for key in ("before", "now"):
        values[key] = _days(dec(key), lang)
    for key in ("count", "months"):
        n = dec(key)
        if n is not None:
            values[key] = number(n, lang)
    template = CONTRIBUTIONS[lang].get(c.code)
    text = template.format_map(values) if template is not None else c.code.replace("_", " ")
    t = LABELS[lang]
    if c.code == "severe_event":
        move = t["move_severe"]
    elif c.notches > 0:
        move = t["move_one"] if c.notches == 1 else t["move_many"].format(n=c.notches)
    else:
        move = t["move_back_one"] if c.notches == -1 else t["move_back_many"].format(n=-c.notches)
    return f"{text} ({move})"


def _risk(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    r, e, base = memo.risk, memo.exposure, memo.base_currency
    if r.bureau_source is None:
        base_text = t["base_unrated"].format(cls=r.base_class)
    else:
        base_text = t["base_from"].format(
            cls=r.base_class, band=r.bureau_band or DASH, source=r.bureau_source, date=_day(r.bureau_date, lang)
        )
    pd_source = t["pd_bureau"] if r.pd_source == "bureau" else t["pd_policy"].format(cls=r.risk_class)
    pairs = [
        (t["risk_class"], r.risk_class),
        (t["base_class"], base_text),
        (t["pd_short"], t["pd_value"].format(pd=_pct(r.pd_percent, lang, 2), source=pd_source)),
        (t["lgd"], _pct(r.lgd_percent, lang, 2)),
        (
            t["expected_loss"],
            t["el_value"].format(
                pd=_pct(r.pd_percent, lang, 2),
                lgd=_pct(r.lgd_percent, lang, 2),
                exposure=money(e.uninsured, base, lang),
                loss=money(r.expected_loss, base, lang),
            ),
        ),
    ]
    reasons = [contribution_text(c, memo, lang) for c in r.contributions]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s6"])
        pdf.paragraph(t["s6_text"])
        pdf.facts(pairs, label_width=55)
        if reasons:
            pdf.paragraph(t["why"].format(cls=r.risk_class))
            pdf.bullets(reasons)
        else:
            pdf.paragraph(t["why_none"])

    pdf.keep_together(draw)


def _policy(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    rec, c, e, base = memo.recommendation, memo.customer, memo.exposure, memo.base_currency
    max_limit = t["no_cap"] if rec.max_credit_limit is None else money(rec.max_credit_limit, base, lang)
    insured_now = t["none"]
    if e.insurer and e.insured_limit is not None:
        insured_now = t["insured_yes"].format(insurer=e.insurer, limit=money(e.insured_limit, c.currency, lang))
    review_now = DASH if e.limit_review_on is None else t["next_review"].format(date=_day(e.limit_review_on, lang))
    status = _label(STATUSES, c.status, lang)
    rows = [
        [t["col_item"], t["col_policy"].format(cls=rec.risk_class), t["col_now"]],
        [t["terms"], t["days"].format(n=rec.payment_terms_days), t["days"].format(n=c.payment_terms_days)],
        [t["credit_limit"], max_limit, _limit_text(memo, t, lang)],
        [t["review"], t["every_months"].format(n=rec.review_months), review_now],
        [t["prepayment"], t["required"] if rec.prepayment_required else t["not_required"], status],
        [t["insurance"], t["required"] if rec.insurance_required else t["not_required"], insured_now],
    ]
    notes = []
    if c.payment_terms_days > rec.payment_terms_days:
        notes.append(t["terms_longer"].format(now=c.payment_terms_days, std=rec.payment_terms_days))
    if (
        rec.max_credit_limit is not None
        and e.credit_limit_base is not None
        and e.credit_limit_base > rec.max_credit_limit
    ):
        notes.append(t["limit_above"].format(limit=_limit_text(memo, t, lang), max=max_limit))
    if rec.prepayment_required and c.status != "prepayment_only":
        notes.append(t["needs_prepayment"].format(status=status))
    if rec.insurance_required and not e.insurer:
        notes.append(t["needs_insurance"])
    if rec.recommended_limit is not None:
        notes.append(t["recommended_limit"].format(limit=money(rec.recommended_limit, c.currency, lang)))

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s7"].format(cls=rec.risk_class))
        pdf.paragraph(t["s7_text"])
        pdf.table_from_rows(rows, col_widths=(44, 60, 70), align=("LEFT", "LEFT", "LEFT"))
        if notes:
            pdf.bullets(notes)
        else:
            pdf.paragraph(t["within_policy"])

    pdf.keep_together(draw)


def _events(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    when = _day(memo.as_of, lang)
    rows = [[t["col_date"], t["col_event"], t["col_source"], t["col_text"]]]
    rows += [
        [_day(ev.event_date, lang), _label(EVENTS, ev.event_type, lang), ev.source, ev.text or DASH]
        for ev in memo.events
    ]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s8"])
        if not memo.events:
            pdf.paragraph(t["no_events"].format(date=when))
            return
        pdf.paragraph(t["s8_text"].format(date=when))
        pdf.table_from_rows(rows, col_widths=(24, 36, 44, 70))

    pdf.keep_together(draw)


def _alerts(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    rows = [[t["col_since"], t["col_alert"], t["col_severity"], t["col_recommendation"]]]
    for a in memo.alerts:
        kind = _label(ALERT_TYPES, a.alert_type, lang)
        # the monitor words its message in English: the English memo prints it, others the type alone
        rows.append(
            [
                _day(a.since, lang),
                f"{kind}: {a.text}" if lang == "en" and a.text else kind,
                _label(SEVERITIES, a.severity, lang),
                _label(RECOMMENDATIONS, a.recommendation, lang),
            ]
        )

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s9"])
        if not memo.alerts:
            pdf.paragraph(t["no_alerts"])
            return
        pdf.paragraph(t["s9_text"])
        pdf.table_from_rows(rows, col_widths=(24, 70, 28, 52))

    pdf.keep_together(draw)


def _collections(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    disputes = [[t["col_opened"], t["col_invoice"], t["col_amount"], t["col_owner"], t["col_reason"]]]
    disputes += [
        [
            _day(d.opened_on, lang),
            d.invoice_number,
            money(d.amount, d.currency, lang),
            _label(OWNERS, d.owner, lang),
            d.reason,
        ]
        for d in memo.disputes
    ]
    plans = [[t["col_plan"], t["col_agreed"], t["col_invoices"], t["col_planned"], t["col_paid"], t["col_plan_status"]]]
    for p in memo.plans:
        state = t["plan_kept"] if p.kept else t["plan_missed"].format(date=_day(p.missed_since, lang))
        if p.next_due_on is not None and p.next_amount is not None:
            state += (
                "; "
                + t["col_next"].lower()
                + " "
                + t["plan_next"].format(amount=money(p.next_amount, p.currency, lang), date=_day(p.next_due_on, lang))
            )
        plans.append(
            [
                str(p.plan_id),
                _day(p.agreed_on, lang),
                ", ".join(p.invoice_numbers),
                money(p.planned, p.currency, lang),
                money(p.paid, p.currency, lang),
                state,
            ]
        )

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s10"])
        pdf.paragraph(t["s10_text"])
        if memo.disputes:
            pdf.table_from_rows(
                disputes, col_widths=(24, 30, 34, 24, 62), align=("LEFT", "LEFT", "RIGHT", "LEFT", "LEFT")
            )
        else:
            pdf.paragraph(t["no_disputes"])
        if memo.plans:
            pdf.table_from_rows(
                plans, col_widths=(12, 24, 34, 30, 30, 44), align=("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT")
            )
        else:
            pdf.paragraph(t["no_plans"])

    pdf.keep_together(draw)


def _activities(pdf: ReportPDF, memo: CreditMemo, t: dict[str, str], lang: str) -> None:
    ccy = memo.customer.currency
    rows = [[t["col_date"], t["col_kind"], t["col_text"], t["col_author"]]]
    for a in memo.activities:
        text = a.text or DASH
        if a.kind == "promise" and a.promised_amount is not None:
            text = (
                t["promise_text"]
                .format(text=a.text or "", amount=money(a.promised_amount, ccy, lang), date=_day(a.promised_date, lang))
                .strip()
            )
        rows.append([_day(a.activity_date, lang), _label(ACTIVITY_KINDS, a.kind, lang), text, a.author or DASH])

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s11"])
        if not memo.activities:
            pdf.paragraph(t["no_activities"])
            return
        pdf.paragraph(t["s11_text"].format(n=min(len(memo.activities), ACTIVITIES)))
        pdf.table_from_rows(rows, col_widths=(24, 30, 88, 32))

    pdf.keep_together(draw)


def _decision(pdf: ReportPDF, t: dict[str, str]) -> None:
    blank = "\n\n"  # room to write by hand
    rows = [
        [t["decision"], blank],
        [t["decision_limit"], blank],
        [t["decision_terms"], blank],
        [t["decision_conditions"], blank],
        [t["decision_signed"], blank],
    ]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s12"])
        pdf.paragraph(t["s12_text"])
        pdf.table_from_rows(rows, col_widths=(50, 124), headings=False)

    pdf.keep_together(draw)
