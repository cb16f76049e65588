"""The credit policy as a readable PDF for the board and the bank (English or Norwegian bokmål), built from one
policy version: risk classes, how the class is set, limits and approvals, monitoring, receivables, expected loss
and the IFRS 9 provision."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from domain.approvals import ApprovalLevel
from domain.ecl import EclSettings
from domain.policy import Policy
from domain.risk import CLASS_PD_SOURCE, CLASSES, expected_loss
from reports.pdf import ReportPDF, check_lang, join_or, moment, money, number, percent

# Every word of the document, per language; numbers are filled in from the policy, never written here.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Credit policy",
        "intro": (
            "This document sets out the rules the company follows when it sells to customers on credit: how each "
            "customer is classified, which terms and limits follow from the class, who may approve a credit limit, "
            "how customers and receivables are monitored, how the expected loss is estimated, and how the IFRS 9 "
            "provision is measured. Every figure comes from the policy version named below."
        ),
        "company": "Company",
        "version": "Version",
        "not_saved": "not saved",
        "author": "Author",
        "saved_at": "Saved at",
        "comment": "Comment",
        "currency": "Amounts in",
        "s1": "1  Risk classes",
        "s1_text": (
            "Every customer is placed in one of five risk classes, from {first} (lowest risk) to {last} (highest "
            "risk). The class sets the standard payment terms, the largest credit limit that may be granted, how "
            "often the customer is reviewed, and whether prepayment or credit insurance is required. PD is the "
            "assumed probability that a customer in the class fails to pay (defaults) within 12 months; it is used "
            "when the credit bureau gives no PD of its own."
        ),
        "col_class": "Class",
        "col_terms": "Payment terms (days)",
        "col_limit": "Max credit limit",
        "col_review": "Review every (months)",
        "col_prepay": "Prepayment",
        "col_insurance": "Credit insurance",
        "col_pd": "PD (12 months)",
        "no_cap": "no cap",
        "yes": "yes",
        "no": "no",
        "zero_limit": "A maximum limit of {zero} means no credit: the customer pays in advance.",
        "pd_source": "Source of the PD figures: {source}",
        "s2": "2  How the class is set",
        "s2_text": (
            "A customer's class starts from the credit bureau's own assessment (the base class). Rules based on our "
            "own ledger and the public registers then move it. A credit report with a UC risk class is read by that "
            "class; otherwise by the bureau score; otherwise by the D&B rating."
        ),
        "score_heading": "Bureau score (0–100, higher is better)",
        "col_score": "Score",
        "col_label": "Bureau's label",
        "ratings_heading": "D&B rating",
        "col_rating": "D&B rating",
        "uc_heading": "UC risk class",
        "col_uc": "UC risk class",
        "source": "Source: {source}",
        "unrated": "No credit report, or a rating the tables above do not know: class {cls}.",
        "rules_heading": "Adjustments to the base class",
        "rules_text": "The class then moves one or more steps for each of these signs:",
        "severe": "A {events} in the last {days} days: class {last}, whatever the other rules say.",
        "severe_none": "No register event puts a customer in class {last} by itself.",
        "remarks": (
            "Payment remarks on the latest credit report: {steps}; {many} or more remarks: {many_steps} instead."
        ),
        "role_change": "A {events} registered in the last {days} days: {steps}.",
        "weak_index": (
            "A payment index below {below} (the index runs from {floor} to {ceiling}; {on_time} means paying on "
            "the due date): {steps}."
        ),
        "deteriorating": "Paying later than before (the rule in section 5): {steps}.",
        "high_overdue": "More than {share} of the balance past due: {steps}.",
        "over_limit": "A balance above the credit limit: {steps}.",
        "new_unrated": "A customer for less than {months} months without a credit report: {steps}.",
        "good_payer": (
            "A customer for at least {months} months with a payment index of at least {index} and none of the "
            "warning signs above: {steps}."
        ),
        "rules_end": "The steps are added up, and the class never goes beyond {first} or {last}.",
        "step_off": "no effect (rule switched off)",
        "step_one": "1 step towards {cls}",
        "step_many": "{n} steps towards {cls}",
        "s3": "3  Credit limits and approvals",
        "s3_text": (
            "A credit limit must be approved by the role whose cap covers the amount, or by a role higher up in the "
            "table. Nobody may approve their own request."
        ),
        "col_role": "Role",
        "col_up_to": "Approves limits up to",
        "above_matrix": "A limit above {cap} cannot be granted under this policy.",
        "validity": (
            "A granted limit is valid for {months} months and must then be decided again; in between, the customer "
            "is reviewed as often as its risk class requires (section 1)."
        ),
        "s4": "4  Monitoring and alerts",
        "s4_text": "The portal raises an alert when:",
        "alert_score": "a customer's bureau score falls {points} points or more below the previous report;",
        "alert_overdue": "an amount is more than {days} days past due;",
        "alert_review": "a credit review or the expiry of a credit limit is due within {days} days;",
        "alert_insurer": (
            "an amount nears the date by which the credit insurer must be told of it: the insurer is told of "
            "amounts {notify} days past due, and the alert comes {warn} days before that deadline."
        ),
        "hold": (
            "An alert to put the customer on credit hold (no new sales on credit) is raised when a {events} is "
            "registered for the customer."
        ),
        "hold_none": "No register event raises a credit-hold alert.",
        "s5": "5  Receivables",
        "s5_text": "Open items are grouped by how many days they are past their due date:",
        "col_bucket": "Group",
        "col_days": "Days past due",
        "current": "current",
        "not_due": "not yet due",
        "range": "{low} to {high}",
        "open_range": "{low} or more",
        "kpi_window": (
            "Key figures that relate the balance to sales, such as DSO (days sales outstanding), use the credit "
            "sales of the last {days} days."
        ),
        "freshness": (
            "The ledger must not be older than {days} days: the portal warns when the latest load is older than that."
        ),
        "trend": (
            "A customer counts as paying later than before when the median days late of invoices paid in the last "
            "{recent} days is at least {increase} days above the median of the {baseline} days before that, the "
            "recent median is at least {min_late} days late, and at least {recent_count} recently paid and "
            "{baseline_count} earlier paid invoices are there to compare. The median keeps a single odd late "
            "payment from counting."
        ),
        "s6": "6  Expected loss",
        "s6_text": "The expected loss estimates what the company may lose on a customer's balance within 12 months:",
        "formula": "Expected loss = PD × LGD × uninsured exposure",
        "el_pd": (
            "PD (probability of default): the bureau's own PD when the credit report gives one, otherwise the "
            "class PD from section 1."
        ),
        "el_lgd": "LGD (loss given default): the share of the exposure assumed lost if the customer defaults: {lgd}.",
        "el_exposure": (
            "Uninsured exposure: the balance less the part covered by credit insurance (the insurer's share of the "
            "balance, up to the insured limit)."
        ),
        "el_example": (
            "Example: a class {cls} customer (PD {pd}) with a balance of {exposure} and no credit insurance: "
            "{pd} × {lgd} × {exposure} = {loss}."
        ),
        "el_not_ifrs": (
            "This is the risk model's figure for credit decisions, not the accounting provision (IFRS 9, section 7)."
        ),
        "s7": "7  IFRS 9 provision (expected credit loss)",
        "s7_text": (
            "The allowance for expected credit losses booked in the accounts follows the simplified approach of "
            "IFRS 9: a provision matrix by the groups of days past due in section 5. The historical loss rate of a "
            "group comes from the ledger's own write-offs: of the invoices issued in the cohort window below that "
            "reached the group, the amount later written off divided by the amount that reached it. A group that "
            "too little reached has too thin a history: its rate needs a manual override with a written rationale. "
            "Every rate is then multiplied by a forward-looking factor with a documented source, up to at most "
            "100 %. Customers that meet a rule for individual assessment in the table (a listed register event "
            "such as bankruptcy, a hand-over to collection, a balance above the size threshold) are assessed "
            "individually instead, at the risk model's expected loss (section 6), and are left out of the matrix."
        ),
        "col_setting": "Setting",
        "col_value": "Value",
        "ecl_lookback": "Cohorts: invoices issued in the last",
        "ecl_emergence": "Latest months left out (losses not yet emerged)",
        "ecl_min_reached": "Sufficient history: amount that reached a group",
        "ecl_at_least": "at least {amount}",
        "ecl_factor": "Forward-looking factor",
        "ecl_events": "Individual assessment: register events",
        "ecl_no_events": "none",
        "ecl_collection": "Individual assessment: handed over to collection",
        "ecl_threshold": "Individual assessment: balance above",
        "ecl_no_threshold": "no size rule",
        "month_one": "{n} month",
        "month_many": "{n} months",
        "ecl_source": "Source of the forward-looking factor: {source}",
        "overrides_heading": "Manual overrides",
        "col_rate": "Rate",
        "col_rationale": "Rationale",
        "no_overrides": "No group has a manual override: every group uses its historical loss rate.",
    },
    "nb": {
        "title": "Kredittpolicy",
        "intro": (
            "Dette dokumentet beskriver reglene selskapet følger når det selger til kunder på kreditt: hvordan hver "
            "kunde klassifiseres, hvilke betingelser og grenser som følger av klassen, hvem som kan godkjenne en "
            "kredittgrense, hvordan kunder og kundefordringer følges opp, hvordan forventet tap anslås, og hvordan "
            "IFRS 9-avsetningen måles. Alle tall er hentet fra policyversjonen nevnt nedenfor."
        ),
        "company": "Selskap",
        "version": "Versjon",
        "not_saved": "ikke lagret",
        "author": "Forfatter",
        "saved_at": "Lagret",
        "comment": "Kommentar",
        "currency": "Beløp i",
        "s1": "1  Risikoklasser",
        "s1_text": (
            "Hver kunde plasseres i én av fem risikoklasser, fra {first} (lavest risiko) til {last} (høyest risiko). "
            "Klassen bestemmer standard betalingsfrist, høyeste kredittgrense som kan innvilges, hvor ofte kunden "
            "vurderes på nytt, og om forskuddsbetaling eller kredittforsikring kreves. PD er den antatte "
            "sannsynligheten for at en kunde i klassen ikke betaler (misligholder) innen 12 måneder; den brukes når "
            "kredittopplysningsbyrået ikke oppgir en egen PD."
        ),
        "col_class": "Klasse",
        "col_terms": "Betalingsfrist (dager)",
        "col_limit": "Maks kredittgrense",
        "col_review": "Ny vurdering (måneder)",
        "col_prepay": "Forskudd",
        "col_insurance": "Kredittforsikring",
        "col_pd": "PD (12 mnd.)",
        "no_cap": "ingen grense",
        "yes": "ja",
        "no": "nei",
        "zero_limit": "En maksgrense på {zero} betyr ingen kreditt: kunden betaler på forskudd.",
        "pd_source": "Kilde for PD-tallene: {source}",
        "s2": "2  Slik fastsettes klassen",
        "s2_text": (
            "Kundens klasse tar utgangspunkt i kredittopplysningsbyråets egen vurdering (grunnklassen). Regler "
            "basert på vår egen reskontro og offentlige registre justerer den deretter. En kredittopplysning med "
            "UC-risikoklasse leses etter den; ellers etter byråets score; ellers etter D&B-ratingen."
        ),
        "score_heading": "Score fra kredittopplysningsbyrå (0–100, høyere er bedre)",
        "col_score": "Score",
        "col_label": "Byråets betegnelse",
        "ratings_heading": "D&B-rating",
        "col_rating": "D&B-rating",
        "uc_heading": "UC-risikoklasse",
        "col_uc": "UC-risikoklasse",
        "source": "Kilde: {source}",
        "unrated": "Ingen kredittopplysning, eller en rating tabellene over ikke kjenner: klasse {cls}.",
        "rules_heading": "Justeringer av grunnklassen",
        "rules_text": "Klassen flyttes deretter ett eller flere trinn for hvert av disse tegnene:",
        "severe": "En {events} de siste {days} dagene: klasse {last}, uansett hva de andre reglene sier.",
        "severe_none": "Ingen registerhendelse setter alene en kunde i klasse {last}.",
        "remarks": (
            "Betalingsanmerkninger på siste kredittopplysning: {steps}; {many} eller flere anmerkninger: "
            "{many_steps} i stedet."
        ),
        "role_change": "En {events} registrert de siste {days} dagene: {steps}.",
        "weak_index": (
            "En betalingsindeks under {below} (indeksen går fra {floor} til {ceiling}; {on_time} betyr betaling på "
            "forfallsdato): {steps}."
        ),
        "deteriorating": "Betaler senere enn før (regelen i del 5): {steps}.",
        "high_overdue": "Mer enn {share} av saldoen er forfalt: {steps}.",
        "over_limit": "Saldo over kredittgrensen: {steps}.",
        "new_unrated": "Kunde i mindre enn {months} måneder uten kredittopplysning: {steps}.",
        "good_payer": (
            "Kunde i minst {months} måneder med betalingsindeks på minst {index} og ingen av varseltegnene over: "
            "{steps}."
        ),
        "rules_end": "Trinnene legges sammen, og klassen går aldri forbi {first} eller {last}.",
        "step_off": "ingen virkning (regelen er slått av)",
        "step_one": "1 trinn mot {cls}",
        "step_many": "{n} trinn mot {cls}",
        "s3": "3  Kredittgrenser og godkjenning",
        "s3_text": (
            "En kredittgrense må godkjennes av rollen som har fullmakt til beløpet, eller av en rolle høyere opp i "
            "tabellen. Ingen kan godkjenne sin egen søknad."
        ),
        "col_role": "Rolle",
        "col_up_to": "Godkjenner grenser opp til",
        "above_matrix": "En grense over {cap} kan ikke innvilges etter denne policyen.",
        "validity": (
            "En innvilget grense gjelder i {months} måneder og må deretter besluttes på nytt; i mellomtiden "
            "vurderes kunden så ofte som risikoklassen krever (del 1)."
        ),
        "s4": "4  Overvåking og varsler",
        "s4_text": "Portalen gir varsel når:",
        "alert_score": (
            "en kundes score hos kredittopplysningsbyrået faller {points} poeng eller mer fra forrige rapport;"
        ),
        "alert_overdue": "et beløp er mer enn {days} dager forfalt;",
        "alert_review": "en ny kredittvurdering eller utløpet av en kredittgrense kommer innen {days} dager;",
        "alert_insurer": (
            "fristen for å melde et beløp til kredittforsikringsselskapet nærmer seg: beløp som er {notify} dager "
            "forfalt skal meldes, og varselet kommer {warn} dager før fristen."
        ),
        "hold": ("Et varsel om kredittstopp (ingen nye salg på kreditt) gis når en {events} registreres på kunden."),
        "hold_none": "Ingen registerhendelse gir varsel om kredittstopp.",
        "s5": "5  Kundefordringer",
        "s5_text": "Åpne poster grupperes etter hvor mange dager de er forfalt:",
        "col_bucket": "Gruppe",
        "col_days": "Dager etter forfall",
        "current": "ikke forfalt",
        "not_due": "forfallsdatoen er ikke nådd",
        "range": "{low} til {high}",
        "open_range": "{low} eller flere",
        "kpi_window": (
            "Nøkkeltall som ser saldoen opp mot salget, som DSO (kredittid i dager), bruker kredittsalget de siste "
            "{days} dagene."
        ),
        "freshness": (
            "Reskontroen skal ikke være eldre enn {days} dager: portalen varsler når siste innlasting er eldre enn det."
        ),
        "trend": (
            "En kunde regnes som å betale senere enn før når medianen av dager for sent for fakturaer betalt de "
            "siste {recent} dagene er minst {increase} dager høyere enn medianen for de {baseline} dagene før det, "
            "den nye medianen er minst {min_late} dager for sent, og minst {recent_count} nylig betalte og "
            "{baseline_count} tidligere betalte fakturaer finnes å sammenligne med. Medianen gjør at én enkelt "
            "sen betaling ikke slår ut."
        ),
        "s6": "6  Forventet tap",
        "s6_text": "Forventet tap anslår hva selskapet kan tape på en kundes saldo innen 12 måneder:",
        "formula": "Forventet tap = PD × LGD × uforsikret eksponering",
        "el_pd": (
            "PD (sannsynlighet for mislighold): kredittopplysningsbyråets egen PD når kredittopplysningen oppgir "
            "den, ellers klassens PD fra del 1."
        ),
        "el_lgd": "LGD (tap ved mislighold): andelen av eksponeringen som antas tapt hvis kunden misligholder: {lgd}.",
        "el_exposure": (
            "Uforsikret eksponering: saldoen fratrukket det kredittforsikringen dekker (forsikringsselskapets andel "
            "av saldoen, opp til forsikret grense)."
        ),
        "el_example": (
            "Eksempel: en kunde i klasse {cls} (PD {pd}) med saldo {exposure} og ingen kredittforsikring: "
            "{pd} × {lgd} × {exposure} = {loss}."
        ),
        "el_not_ifrs": (
            "Dette er risikomodellens tall for kredittbeslutninger, ikke regnskapsavsetningen (IFRS 9, del 7)."
        ),
        "s7": "7  IFRS 9-avsetning (forventet kredittap)",
        "s7_text": (
            "Avsetningen for forventet kredittap som bokføres i regnskapet, følger den forenklede metoden i IFRS 9: "
            "en avsetningsmatrise etter gruppene for dager etter forfall i del 5. Den historiske tapsraten for en "
            "gruppe hentes fra reskontroens egne avskrivninger: av fakturaene utstedt i kohortvinduet nedenfor som "
            "nådde gruppen, beløpet som senere ble avskrevet delt på beløpet som nådde den. En gruppe som for lite "
            "nådde, har for tynn historikk: raten må da overstyres manuelt med en skriftlig begrunnelse. Hver rate "
            "multipliseres deretter med en fremoverskuende faktor med dokumentert kilde, og blir aldri over 100 %. "
            "Kunder som oppfyller en regel for individuell vurdering i tabellen (en oppført registerhendelse som "
            "konkurs, overlevering til inkasso, en saldo over beløpsgrensen) vurderes i stedet individuelt, med "
            "risikomodellens forventede tap (del 6), og holdes utenfor matrisen."
        ),
        "col_setting": "Innstilling",
        "col_value": "Verdi",
        "ecl_lookback": "Kohorter: fakturaer utstedt de siste",
        "ecl_emergence": "Siste måneder utelatt (tapene har ikke vist seg ennå)",
        "ecl_min_reached": "Tilstrekkelig historikk: beløp som nådde en gruppe",
        "ecl_at_least": "minst {amount}",
        "ecl_factor": "Fremoverskuende faktor",
        "ecl_events": "Individuell vurdering: registerhendelser",
        "ecl_no_events": "ingen",
        "ecl_collection": "Individuell vurdering: overlevert til inkasso",
        "ecl_threshold": "Individuell vurdering: saldo over",
        "ecl_no_threshold": "ingen beløpsgrense",
        "month_one": "{n} måned",
        "month_many": "{n} måneder",
        "ecl_source": "Kilde for den fremoverskuende faktoren: {source}",
        "overrides_heading": "Manuelle overstyringer",
        "col_rate": "Rate",
        "col_rationale": "Begrunnelse",
        "no_overrides": "Ingen gruppe er overstyrt manuelt: hver gruppe bruker sin historiske tapsrate.",
    },
}

ROLE_NAMES: dict[str, dict[str, str]] = {
    "en": {"credit_manager": "Credit manager", "cfo": "CFO", "board": "Board", "sales": "Sales"},
    "nb": {"credit_manager": "Kredittsjef", "cfo": "Økonomidirektør", "board": "Styret", "sales": "Salg"},
}

EVENT_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "bankruptcy": "bankruptcy",
        "bankruptcy_petition": "bankruptcy petition",
        "liquidation": "liquidation",
        "forced_dissolution": "forced dissolution",
        "debt_restructuring": "debt restructuring",
        "reconstruction": "reconstruction",
        "deleted": "striking-off",  # deleted from the register (slettet)
        "role_change": "change of CEO or chair",
    },
    "nb": {
        "bankruptcy": "konkurs",
        "bankruptcy_petition": "konkursbegjæring",
        "liquidation": "avvikling",
        "forced_dissolution": "tvangsoppløsning",
        "debt_restructuring": "gjeldsforhandling",
        "reconstruction": "rekonstruksjon",
        "deleted": "sletting",
        "role_change": "endring av daglig leder eller styreleder",
    },
}

EXAMPLE_EXPOSURE = Decimal(1_000_000)  # round figure for the worked expected-loss example, in base currency
SCORE_MAX = 100  # bureau scores run 0–100 (domain.risk.ScoreBand)


def role_name(role: str, lang: str) -> str:
    """A role in the reader's words; a role the table does not know is shown from its code ('key_account')."""
    return ROLE_NAMES[lang].get(role, role.replace("_", " ").capitalize())


def event_name(event: str, lang: str) -> str:
    return EVENT_NAMES[lang].get(event, event.replace("_", " "))


def policy_document(
    policy: Policy,
    *,
    version: int | None,
    author: str | None,
    saved_at: datetime | None,
    comment: str | None,
    company: str,
    base_currency: str,
    lang: str = "en",
    created: datetime | None = None,
) -> bytes:
    """The policy version as a PDF in `lang` ("en" or "nb"); a fixed `created` makes the bytes reproducible."""
    check_lang(lang)
    t = LABELS[lang]
    pdf = ReportPDF(t["title"], company, lang=lang, creation_date=created)
    pdf.add_page()
    pdf.title_block(t["title"])
    pdf.facts(
        [
            (t["company"], company),
            (t["version"], t["not_saved"] if version is None else str(version)),
            (t["author"], author or "–"),
            (t["saved_at"], moment(saved_at, lang)),
            (t["comment"], comment or "–"),
            (t["currency"], base_currency),
        ]
    )
    pdf.paragraph(t["intro"])
    _risk_classes(pdf, policy, t, lang, base_currency)
    _class_setting(pdf, policy, t, lang)
    _approvals(pdf, policy, t, lang, base_currency)
    _monitoring(pdf, policy, t, lang)
    _receivables(pdf, policy, t, lang)
    _expected_loss(pdf, policy, t, lang, base_currency)
    _ecl(pdf, policy.ecl, t, lang, base_currency)
    return pdf.to_bytes()


def _risk_classes(pdf: ReportPDF, policy: Policy, t: dict[str, str], lang: str, ccy: str) -> None:
    rows = [
        [t[k] for k in ("col_class", "col_terms", "col_limit", "col_review", "col_prepay", "col_insurance", "col_pd")]
    ]
    for c in policy.risk_classes:
        rows.append(
            [
                c.risk_class,
                number(c.payment_terms_days, lang),
                t["no_cap"] if c.max_credit_limit is None else money(c.max_credit_limit, ccy, lang),
                number(c.review_months, lang),
                t["yes"] if c.prepayment_required else t["no"],
                t["yes"] if c.insurance_required else t["no"],
                percent(c.pd_percent, lang),
            ]
        )

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s1"])
        pdf.paragraph(t["s1_text"].format(first=CLASSES[0], last=CLASSES[-1]))
        pdf.table_from_rows(
            rows,
            col_widths=(16, 28, 30, 22, 25, 33, 20),
            align=("CENTER", "RIGHT", "RIGHT", "RIGHT", "CENTER", "CENTER", "RIGHT"),
        )
        if any(c.max_credit_limit == 0 for c in policy.risk_classes):
            pdf.paragraph(t["zero_limit"].format(zero=money(Decimal(0), ccy, lang)))
        pdf.paragraph(t["pd_source"].format(source=CLASS_PD_SOURCE), size=8.5, muted=True)

    pdf.keep_together(draw)


def _steps(n: int, t: dict[str, str], towards: str) -> str:
    if n == 0:
        return t["step_off"]
    return t["step_one"].format(cls=towards) if n == 1 else t["step_many"].format(n=n, cls=towards)


def _class_setting(pdf: ReportPDF, policy: Policy, t: dict[str, str], lang: str) -> None:
    b, r = policy.bureau, policy.risk_rules
    first, last = CLASSES[0], CLASSES[-1]
    score_rows = [[t["col_score"], t["col_label"], t["col_class"]]]
    upper = SCORE_MAX
    for band in b.score_bands:
        score_rows.append([f"{band.lower}–{upper}", band.label, band.risk_class])
        upper = band.lower - 1

    def score(pdf: ReportPDF) -> None:
        pdf.heading(t["s2"])
        pdf.paragraph(t["s2_text"])
        pdf.heading(t["score_heading"], level=2)
        pdf.table_from_rows(score_rows, col_widths=(30, 70, 20), align=("RIGHT", "LEFT", "CENTER"), width=120)
        pdf.paragraph(t["source"].format(source=b.score_source), size=8.5, muted=True)

    def lookup(pdf: ReportPDF, heading: str, column: str, pairs: tuple[tuple[str, str], ...], source: str) -> None:
        pdf.heading(heading, level=2)
        pdf.table_from_rows(
            [[column, *(code for code, _ in pairs)], [t["col_class"], *(cls for _, cls in pairs)]],
            col_widths=(34, *(14 for _ in pairs)),
            align=("LEFT", *("CENTER" for _ in pairs)),
            width=34 + 14 * len(pairs),
        )
        pdf.paragraph(t["source"].format(source=source), size=8.5, muted=True)

    pdf.keep_together(score)
    pdf.keep_together(lambda p: lookup(p, t["ratings_heading"], t["col_rating"], b.ratings, b.ratings_source))
    uc = tuple((str(u), c) for u, c in b.uc_classes)
    pdf.keep_together(lambda p: lookup(p, t["uc_heading"], t["col_uc"], uc, b.uc_source))
    pdf.paragraph(t["unrated"].format(cls=b.unrated_class))

    on_time = policy.payment_index.index(Decimal(0))  # the index of paying exactly on the due date
    items = [
        t["severe"].format(
            events=join_or([event_name(e, lang) for e in r.severe_events], lang), days=r.severe_event_days, last=last
        )
        if r.severe_events
        else t["severe_none"].format(last=last),
        t["remarks"].format(
            steps=_steps(r.remark_notches, t, last),
            many=r.many_remarks,
            many_steps=_steps(r.many_remark_notches, t, last),
        ),
    ]
    if r.role_events:  # no event type counts as a role change: nothing to describe
        items.append(
            t["role_change"].format(
                events=join_or([event_name(e, lang) for e in r.role_events], lang),
                days=r.role_change_days,
                steps=_steps(r.role_change_notches, t, last),
            )
        )
    items += [
        t["weak_index"].format(
            below=r.weak_payment_index,
            floor=policy.payment_index.floor,
            ceiling=policy.payment_index.ceiling,
            on_time=number(on_time, lang),
            steps=_steps(r.weak_payment_notches, t, last),
        ),
        t["deteriorating"].format(steps=_steps(r.deteriorating_notches, t, last)),
        t["high_overdue"].format(
            share=percent(r.high_overdue_share, lang), steps=_steps(r.high_overdue_notches, t, last)
        ),
        t["over_limit"].format(steps=_steps(r.over_limit_notches, t, last)),
        t["new_unrated"].format(months=r.new_customer_months, steps=_steps(r.new_customer_notches, t, last)),
        t["good_payer"].format(
            months=r.good_relationship_months, index=r.good_payment_index, steps=_steps(r.good_payer_notches, t, first)
        ),
    ]

    def rules(pdf: ReportPDF) -> None:
        pdf.heading(t["rules_heading"], level=2)
        pdf.paragraph(t["rules_text"])
        pdf.bullets(items)
        pdf.paragraph(t["rules_end"].format(first=first, last=last))

    pdf.keep_together(rules)


def _cap(level: ApprovalLevel, t: dict[str, str], lang: str, ccy: str) -> str:
    return t["no_cap"] if level.up_to is None else money(level.up_to, ccy, lang)


def _approvals(pdf: ReportPDF, policy: Policy, t: dict[str, str], lang: str, ccy: str) -> None:
    rows = [[t["col_role"], t["col_up_to"]]]
    rows += [[role_name(lv.role, lang), _cap(lv, t, lang, ccy)] for lv in policy.approval_matrix]
    top = policy.approval_matrix[-1]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s3"])
        pdf.paragraph(t["s3_text"])
        pdf.table_from_rows(rows, col_widths=(60, 60), align=("LEFT", "RIGHT"), width=120)
        if top.up_to is not None:
            pdf.paragraph(t["above_matrix"].format(cap=money(top.up_to, ccy, lang)))
        pdf.paragraph(t["validity"].format(months=policy.limit_validity_months))

    pdf.keep_together(draw)


def _monitoring(pdf: ReportPDF, policy: Policy, t: dict[str, str], lang: str) -> None:
    a = policy.alerts
    hold = (
        t["hold"].format(events=join_or([event_name(e, lang) for e in a.credit_hold_events], lang))
        if a.credit_hold_events
        else t["hold_none"]
    )

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s4"])
        pdf.paragraph(t["s4_text"])
        pdf.bullets(
            [
                t["alert_score"].format(points=a.score_drop_points),
                t["alert_overdue"].format(days=a.overdue_days),
                t["alert_review"].format(days=a.review_warning_days),
                t["alert_insurer"].format(notify=a.insurer_notification_days, warn=a.insurer_warning_days),
            ]
        )
        pdf.paragraph(hold)

    pdf.keep_together(draw)


def _receivables(pdf: ReportPDF, policy: Policy, t: dict[str, str], lang: str) -> None:
    buckets, trend = policy.buckets, policy.trend
    # labels straight from domain.aging.Buckets, so the PDF names the groups exactly as the UI and CLI do
    rows = [[t["col_bucket"], t["col_days"]], [t["current"], t["not_due"]]]
    lower = 1
    for label, edge in zip(buckets.labels[1:], buckets.edges, strict=False):
        rows.append([label, t["range"].format(low=lower, high=edge)])
        lower = edge + 1
    rows.append([buckets.labels[-1], t["open_range"].format(low=lower)])

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s5"])
        pdf.paragraph(t["s5_text"])
        pdf.table_from_rows(rows, col_widths=(40, 60), align=("LEFT", "LEFT"), width=100)

    pdf.keep_together(draw)
    pdf.paragraph(t["kpi_window"].format(days=policy.kpi_window_days))
    pdf.paragraph(t["freshness"].format(days=policy.ledger_freshness_days))
    pdf.paragraph(
        t["trend"].format(
            recent=trend.recent_days,
            baseline=trend.baseline_days,
            increase=trend.min_increase_days,
            min_late=trend.min_recent_days_late,
            recent_count=trend.min_recent_count,
            baseline_count=trend.min_baseline_count,
        )
    )


def _expected_loss(pdf: ReportPDF, policy: Policy, t: dict[str, str], lang: str, ccy: str) -> None:
    example = policy.terms(CLASSES[len(CLASSES) // 2])
    # the same function the risk model uses, so the example cannot disagree with the figures in the portal
    loss = expected_loss(example.pd_percent, policy.lgd_percent, EXAMPLE_EXPOSURE, None, Decimal(0))
    items = [
        t["el_pd"],
        t["el_lgd"].format(lgd=percent(policy.lgd_percent, lang)),
        t["el_exposure"],
        t["el_example"].format(
            cls=example.risk_class,
            pd=percent(example.pd_percent, lang),
            lgd=percent(policy.lgd_percent, lang),
            exposure=money(EXAMPLE_EXPOSURE, ccy, lang),
            loss=money(loss.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), ccy, lang),
        ),
    ]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s6"])
        pdf.paragraph(t["s6_text"])
        pdf.heading(t["formula"], level=3)
        pdf.bullets(items)
        pdf.paragraph(t["el_not_ifrs"])

    pdf.keep_together(draw)


def _months(n: int, t: dict[str, str]) -> str:
    return (t["month_one"] if n == 1 else t["month_many"]).format(n=n)


def _factor(value: Decimal, lang: str) -> str:
    """The forward-looking factor with at least two decimals (1.10, not 1.1), never rounded."""
    exponent = value.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number(value, lang, max(2, places))


def _ecl(pdf: ReportPDF, ecl: EclSettings, t: dict[str, str], lang: str, ccy: str) -> None:
    rows = [
        [t["col_setting"], t["col_value"]],
        [t["ecl_lookback"], _months(ecl.lookback_months, t)],
        [t["ecl_emergence"], _months(ecl.emergence_months, t)],
        [t["ecl_min_reached"], t["ecl_at_least"].format(amount=money(ecl.min_reached, ccy, lang))],
        [t["ecl_factor"], _factor(ecl.forward_factor, lang)],
        [
            t["ecl_events"],
            join_or([event_name(e, lang) for e in ecl.individual_events], lang)
            if ecl.individual_events
            else t["ecl_no_events"],
        ],
        [t["ecl_collection"], t["yes"] if ecl.individual_in_collection else t["no"]],
        [
            t["ecl_threshold"],
            t["ecl_no_threshold"] if ecl.individual_threshold is None else money(ecl.individual_threshold, ccy, lang),
        ],
    ]
    overrides = [[t["col_bucket"], t["col_rate"], t["col_rationale"]]]
    overrides += [[o.bucket, percent(o.rate_percent, lang), o.rationale] for o in ecl.overrides]

    def draw(pdf: ReportPDF) -> None:
        pdf.heading(t["s7"])
        pdf.paragraph(t["s7_text"])
        pdf.table_from_rows(rows, col_widths=(95, 79), align=("LEFT", "LEFT"))
        pdf.paragraph(t["ecl_source"].format(source=ecl.forward_source), size=8.5, muted=True)

    def draw_overrides(pdf: ReportPDF) -> None:
        pdf.heading(t["overrides_heading"], level=2)
        if ecl.overrides:
            pdf.table_from_rows(overrides, col_widths=(25, 20, 129), align=("LEFT", "RIGHT", "LEFT"))
        else:
            pdf.paragraph(t["no_overrides"])

    pdf.keep_together(draw)
    pdf.keep_together(draw_overrides)
