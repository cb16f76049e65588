"""The monthly lender and investor pack as a PDF (English or Norwegian bokmål): a prepared `domain.pack.LenderPack`
in, bytes out. Nothing is queried and no figure is recomputed: totals, checks and differences come from the pack;
the report only adds the change between two printed columns. The same pack gives the same bytes (the creation
date is the pack's `generated_at`), so a closed period's pack is reproduced exactly."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date
from fpdf.fonts import FontFace

from domain.borrowing_base import CONCENTRATION, Certificate, changes
from domain.pack import AgingTable, Headline, LenderPack
from domain.portfolio import HHI_SCALE
from reports import charts
from reports.pdf import FONT, HEADING_FILL, MUTED, NBSP, ReportPDF, check_lang, moment, money, number

HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")

# Every word of the pack, per language; the figures come from the pack, never from here.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Lender and investor pack",
        "header_period": "period end {date}",
        "cover_intro": (
            "This pack reports the company's trade receivables (accounts receivable, AR) at the end of the period "
            "for its lenders and investors: how much customers owe and how old it is, how the balance moved during "
            "the month, where it is concentrated, the credit risk and the expected credit loss under IFRS 9, the "
            "borrowing base the receivables support, and the credit insurance. Every figure is taken from the "
            "ledger at the period end; the methodology appendix defines each one."
        ),
        "subtitle": "Period ending {date}",
        "company": "Company",
        "org_number": "Organisation number",
        "period_end": "Period end",
        "prepared_by": "Prepared by",
        "signed_off": "Signed off by",
        "signed_off_at": "{name}, {at}",
        "draft": "Draft: not closed",
        "draft_note": (
            "Draft: the period has not been closed, so these figures are computed from the ledger as it stands "
            "and may still change."
        ),
        "closed_note": "The period is closed: the figures are frozen as they were signed off.",
        "generated": "Generated",
        "currency": "Base currency",
        "policy_version": "Credit policy version",
        "policy_builtin": "the built-in defaults (no version saved)",
        "lender_profile": "Lender profile",
        "no_profile": "No lender profile",
        "contents": "Contents",
        "s1": "1  Executive summary",
        "s1_text": (
            "The key figures at the period end next to the previous month-end and the same month a year earlier. "
            "A change in a share or in the CEI is in percentage points (pp); DSO, BPDSO and ADD are in days. "
            "Lower DSO, ADD and overdue shares and a higher CEI are better."
        ),
        "metric": "Figure",
        "change_vs": "Change vs {date}",
        "m_total": "Total AR",
        "m_overdue": "Overdue share",
        "m_over_60": "Share more than 60 days past due",
        "m_over_90": "Share more than 90 days past due",
        "m_dso": "DSO (days)",
        "m_bpdso": "BPDSO (days)",
        "m_add": "ADD (days)",
        "m_cei": "CEI",
        "m_ecl": "ECL allowance",
        "no_summary": "No figures: the ledger holds nothing at these dates.",
        "warnings": "Warnings",
        "no_warnings": "No warnings.",
        "w_thin_history": (
            "Bucket {bucket}: the loss history is thin and there is no override with a written rationale."
        ),
        "w_post_close_difference": (
            "The previous month's closing AR as known now differs from its close: see the post-close difference."
        ),
        "w_rollforward_difference": "The roll-forward does not reconcile to the aging: see the difference.",
        "w_control_total_difference": "Our AR differs from the ERP's control total: see the roll-forward.",
        "w_no_lender_profile": "No lender profile: there is no borrowing base certificate.",
        "s2": "2  Aging",
        "s2_text": (
            "The open invoices grouped by age: first by days past the due date (the basis of every key figure), "
            "then by days since the invoice date. Payments and credit notes not yet applied to an invoice "
            "(unapplied credits) reduce the balance; they are shown on a line of their own. Total AR is the open "
            "invoices less the unapplied credits."
        ),
        "by_due": "By due date (days past due)",
        "by_invoice": "By invoice date (days since issue)",
        "bucket": "Bucket",
        "documents": "Documents",
        "amount": "Amount",
        "open_invoices": "Open invoices",
        "unapplied": "Unapplied credits",
        "total_ar": "Total AR",
        "current_due": "current",
        "current_invoice": "0 days",
        "s3": "3  AR roll-forward",
        "s3_text": (
            "How the receivables moved from the opening balance to the closing balance in the period: what was "
            "invoiced, collected, credited, written off and recovered, the effect of new exchange rates on "
            "foreign-currency balances, changes to the previous closed period found after it was closed, and "
            "rounding. The closing balance is then checked against the aging, computed separately, and against the "
            "ERP's own receivables total. A difference is shown as found; it is never forced to zero."
        ),
        "period_from_to": "Period {first} to {last}",
        "rf_opening": "Opening AR",
        "rf_invoiced": "Invoiced",
        "rf_collected": "Collected",
        "rf_credit_notes": "Credit notes",
        "rf_write_offs": "Write-offs",
        "rf_recoveries": "Recoveries on written-off invoices",
        "rf_fx": "FX revaluation",
        "rf_post_close": "Post-close difference (previous period)",
        "rf_rounding": "Rounding",
        "rf_closing": "Closing AR per roll-forward",
        "checks": "Checks",
        "rf_aging": "Closing AR per aging",
        "difference": "Difference",
        "rf_control": "ERP control total",
        "rf_control_diff": "Difference aging − ERP control total",
        "not_imported": "not imported",
        "control_source": "Source of the control total: {source}",
        "ties": "The roll-forward ties to the aging.",
        "no_tie": (
            "The roll-forward does not tie to the aging: a difference of {diff} is left to be explained. It is "
            "shown as found."
        ),
        "control_no_tie": "The aging differs from the ERP's control total by {diff}; it is shown as found.",
        "s4": "4  Concentration",
        "s4_text": (
            "The ten largest customers and the ten largest corporate groups by balance, with their share of all "
            "positive balances, their credit limit, the limit the credit insurer covers and their risk class (for "
            "a group: the weakest class among its members). The Herfindahl-Hirschman index (HHI) sums the squared "
            "percentage shares of every customer: 10,000 means a single customer, and a lower figure a spread book."
        ),
        "top_customers": "Top 10 customers",
        "top_groups": "Top 10 corporate groups",
        "rank": "#",
        "ref": "Ref.",
        "customer": "Customer",
        "group": "Group",
        "members": "Members",
        "balance": "Balance",
        "share": "Share",
        "limit": "Credit limit",
        "insured_limit": "Insured limit",
        "class": "Class",
        "none_rows": "None.",
        "hhi": "HHI, customers: {value} ({reading})",
        "group_hhi": "HHI, corporate groups: {value} ({reading})",
        "hhi_none": "not available",
        "unconcentrated": "unconcentrated",
        "moderate": "moderately concentrated",
        "high": "highly concentrated",
        "hhi_source": (
            "Reading bands from competition policy (below {low} unconcentrated, above {high} highly "
            "concentrated), used as a familiar yardstick, not as a credit rule."
        ),
        "s5": "5  Credit risk",
        "s5_text": (
            "Each customer has a risk class from A (lowest risk) to E (highest), set by the credit policy from "
            "credit reports, register events and payment behaviour. The table shows the balance, the number of "
            "customers and the risk model's expected loss per class; the heat map shows how old the balance in "
            "each class is. Disputes are invoices the customer contests."
        ),
        "customers": "Customers",
        "exposure": "Exposure",
        "expected_loss": "Expected loss",
        "heat_title": "Balance by risk class and days past due",
        "disputes": "Disputes",
        "open_disputes": "Open at period end",
        "opened": "Opened in the period",
        "resolved": "Resolved in the period",
        "count_amount": "{count} · {amount}",
        "outcome": "Outcome",
        "count": "Number",
        "largest_open": "Largest open disputes",
        "invoice": "Invoice",
        "opened_on": "Opened",
        "s6": "6  Twelve month-end trend",
        "s6_text": (
            "Total AR, the overdue share, countback DSO and the month's collection effectiveness (CEI, collected "
            "in the month out of what could have been collected) at each of the last twelve month-ends."
        ),
        "month_end": "Month-end",
        "ar": "AR",
        "dso": "DSO (days)",
        "cei": "CEI",
        "no_trend": "No month-end history.",
        "s7": "7  Expected credit loss (IFRS 9)",
        "s7_text": (
            "The loss allowance follows the simplified approach of IFRS 9 for trade receivables: lifetime expected "
            "credit loss from a provision matrix. For each aging bucket, the historical loss rate is what was "
            "later written off of the invoices that reached the bucket, divided by what reached it. Management may "
            "replace a rate with an override and a written rationale (required where the history is thin). The "
            "rate applied is then multiplied by a forward-looking factor. Customers that are bankrupt, in "
            "collection or very large are assessed one by one instead and are left out of the matrix."
        ),
        "matrix": "Provision matrix",
        "reached": "Reached",
        "lost": "Lost",
        "hist_rate": "Historical rate",
        "override": "Override",
        "applied_rate": "Applied rate",
        "ecl": "ECL",
        "total": "Total",
        "thin_mark": "* thin history: less than {min} reached the bucket.",
        "history_window": (
            "Loss history: invoices issued {first} to {last} ({lookback} months back, leaving out the last "
            "{emergence} months, whose losses have not emerged yet)."
        ),
        "overrides": "Overrides and their rationale",
        "override_line": "{bucket}: {rate} – {rationale}",
        "forward": "Forward-looking factor: {factor}. Source: {source}",
        "thin_ok": "Every bucket has a sufficient history (at least {min} reached it).",
        "thin_covered": "Thin history in {buckets}: the management override with its rationale is applied.",
        "thin_missing": (
            "Thin history without an override in {buckets}: the historical rate (or 0 %) is applied; an override "
            "with a written rationale is needed."
        ),
        "individual": "Individually assessed customers",
        "individual_text": "Expected loss = PD × LGD × uninsured exposure, per customer.",
        "no_individual": "No customer is assessed individually.",
        "name": "Name",
        "reason": "Reason",
        "pd": "PD",
        "lgd": "LGD",
        "uninsured": "Uninsured",
        "bankrupt": "bankrupt or insolvent",
        "in_collection": "in collection",
        "size": "large exposure",
        "ecl_totals": "Booked allowance",
        "matrix_ecl": "Provision matrix ECL",
        "individual_ecl": "Individually assessed ECL",
        "booked_ecl": "Booked ECL",
        "allowance": "Allowance reconciliation",
        "al_opening": "Opening allowance",
        "al_charged": "Charged to profit or loss",
        "al_used": "Used (amounts written off)",
        "al_reversed": "Reversed (released)",
        "al_closing": "Closing allowance",
        "s8": "8  Borrowing base certificate",
        "s8_text": (
            "The borrowing base is the part of the receivables the lender lends against. Starting from gross AR, "
            "the loan agreement's ineligible categories are taken out in its order (each amount at most once), "
            "then any balance above the concentration cap. The eligible AR times the advance rate gives the gross "
            "availability; a reserve for dilution above the agreed threshold is deducted; the loan balance drawn "
            "leaves the excess availability."
        ),
        "no_profile_text": "No lender profile: there is no borrowing base certificate for this period.",
        "terms": "Terms of the loan agreement",
        "lender": "Lender",
        "basis": "Aging basis",
        "basis_invoice": "days since invoice date",
        "basis_due": "days past due",
        "cutoff": "Ineligible after (days)",
        "cross_aging": "Cross-aging: a customer is ineligible when more than",
        "credits_in_prior": "Aged credits deducted",
        "home_country": "Home country",
        "concentration_cap": "Concentration cap",
        "level_debtor": "per customer",
        "level_group": "per corporate group",
        "no_cap": "none",
        "advance_rate": "Advance rate",
        "dilution_window": "Dilution window (months)",
        "dilution_threshold": "Dilution threshold",
        "loan_balance_date": "Loan balance as of",
        "yes": "yes",
        "no": "no",
        "certificate": "Certificate",
        "line": "Line",
        "previous": "Previous",
        "previous_at": "Previous ({date})",
        "change": "Change",
        "less": "less: {label}",
        "dilution_detail": (
            "Dilution {first} to {last}: credit notes {credit_notes} + write-offs {write_offs} + discounts "
            "{discounts} over gross sales {sales} = {percent}."
        ),
        "tie_out": "Gross AR tie-out",
        "cert_gross": "Gross AR per certificate",
        "aging_total": "Total AR per aging",
        "cert_control_diff": "Difference certificate − ERP control total",
        "signature": "Certification",
        "signature_text": (
            "We certify that the figures above are complete and correct and have been prepared in accordance with "
            "the loan agreement."
        ),
        "sig_name": "Name",
        "sig_title": "Title",
        "sig_date": "Date",
        "sig_signature": "Signature",
        "s9": "9  Credit insurance",
        "s9_text": (
            "The part of the receivables a credit insurer covers (its share of each insured customer's balance, "
            "up to the insured limit), the customers whose balance is above their insured limit (the excess is "
            "uninsured), and the overdue invoices the insurer must be told of within {days} days of the due date."
        ),
        "insured": "Insured exposure",
        "uninsured_exposure": "Uninsured exposure",
        "above_limit": "Customers above their insured limit",
        "excess": "Above limit",
        "notifications": "Notifications to the insurer",
        "insurer": "Insurer",
        "days_past_due": "Days past due",
        "deadline": "Deadline",
        "s10": "10  Methodology",
        "s10_text": "How each figure in this pack is defined, and the parameters behind them.",
        "definitions": "Definitions",
        "def_ar": (
            "Total AR: the open amount of every invoice less the payments and credit notes not yet applied, in the "
            "base currency at the closing exchange rate, each document rounded to 0.01."
        ),
        "def_overdue": (
            "Overdue share: AR past its due date (all buckets after current) divided by total AR × 100; the "
            "shares more than 60 and 90 days past due likewise."
        ),
        "def_dso": (
            "DSO in the summary: closing AR / credit sales in the KPI window × the window's days. DSO in the "
            "12-month trend, countback: the open AR is matched against the credit sales of the latest month so "
            "far, then of each earlier whole month, adding the days of each month used up and the used fraction of "
            "the last: how many days of recent sales are still unpaid."
        ),
        "def_bpdso": (
            "BPDSO (best possible DSO): current (not yet due) AR / credit sales in the KPI window × the window's days."
        ),
        "def_add": "ADD (average days delinquent): DSO − BPDSO on the same sales and window.",
        "def_cei": (
            "CEI (collection effectiveness index): (AR at the window start + credit sales − closing AR) / "
            "(AR at the window start + credit sales − current AR) × 100; 100 % means everything that fell due was "
            "collected."
        ),
        "def_hhi": (
            "HHI (Herfindahl-Hirschman index): the sum of the squared percentage shares of the positive balances, "
            "per customer and per corporate group (0 to 10,000)."
        ),
        "def_rollforward": (
            "Roll-forward: opening AR + invoiced − collected − credit notes − write-offs − recoveries ± FX "
            "revaluation ± post-close difference ± rounding = closing AR, checked against the aging."
        ),
        "def_loss_rate": (
            "Loss rate: per aging bucket, the amount written off of the invoices that reached the bucket divided "
            "by the amount that reached it, over the lookback window; thin buckets need a management override."
        ),
        "def_ecl": (
            "ECL (expected credit loss): balance per bucket × (historical rate or override) × forward-looking factor, "
            "capped at 100 %, plus PD × LGD × uninsured exposure for individually assessed customers."
        ),
        "def_waterfall": (
            "Borrowing base waterfall: gross AR − ineligibles (in the agreement's order, each amount once, "
            "concentration last) = eligible AR; × advance rate = gross availability; − dilution reserve = "
            "availability; − loan balance = excess availability."
        ),
        "def_dilution": (
            "Dilution: (credit notes + write-offs + discounts) / gross sales over the dilution window × 100; the "
            "reserve is eligible AR × the dilution above the threshold."
        ),
        "parameters": "Policy parameters",
        "parameter": "Parameter",
        "value": "Value",
        "ecl_settings": "ECL settings",
        "profile_parameters": "Lender profile parameters",
        "appendix": "Appendix  Ineligible amounts by customer",
        "appendix_text": (
            "Each customer's ineligible amounts per category of the borrowing base certificate; the invoice-level "
            "detail is in the Excel workbook."
        ),
        "category": "Category",
        "no_ineligibles": "No ineligible amounts.",
        "total_ineligible_row": "Total ineligible",
    },
    "nb": {
        "title": "Rapport til långivere og investorer",
        "header_period": "periodeslutt {date}",
        "cover_intro": (
            "Denne rapporten viser selskapets kundefordringer ved periodens slutt for långivere og investorer: hvor "
            "mye kundene skylder og hvor gammelt det er, hvordan saldoen har endret seg i måneden, hvor den er "
            "konsentrert, kredittrisikoen og forventet kredittap etter IFRS 9, lånegrunnlaget fordringene gir, og "
            "kredittforsikringen. Alle tall er hentet fra reskontroen ved periodeslutt; metodevedlegget definerer "
            "hvert av dem."
        ),
        "subtitle": "Periode som slutter {date}",
        "company": "Selskap",
        "org_number": "Organisasjonsnummer",
        "period_end": "Periodeslutt",
        "prepared_by": "Utarbeidet av",
        "signed_off": "Godkjent av",
        "signed_off_at": "{name}, {at}",
        "draft": "Utkast: ikke avsluttet",
        "draft_note": (
            "Utkast: perioden er ikke avsluttet, så tallene er beregnet fra reskontroen slik den er nå og kan "
            "fortsatt endre seg."
        ),
        "closed_note": "Perioden er avsluttet: tallene er låst slik de ble godkjent.",
        "generated": "Generert",
        "currency": "Basisvaluta",
        "policy_version": "Versjon av kredittpolicy",
        "policy_builtin": "standardverdiene (ingen versjon lagret)",
        "lender_profile": "Långiverprofil",
        "no_profile": "Ingen långiverprofil",
        "contents": "Innhold",
        "s1": "1  Sammendrag",
        "s1_text": (
            "Nøkkeltallene ved periodeslutt sammen med forrige månedsslutt og samme måned året før. En endring i en "
            "andel eller i CEI er i prosentpoeng (pp); DSO, BPDSO og ADD er i dager. Lavere DSO, ADD og "
            "forfalte andeler og høyere CEI er bedre."
        ),
        "metric": "Nøkkeltall",
        "change_vs": "Endring mot {date}",
        "m_total": "Sum kundefordringer",
        "m_overdue": "Andel forfalt",
        "m_over_60": "Andel mer enn 60 dager forfalt",
        "m_over_90": "Andel mer enn 90 dager forfalt",
        "m_dso": "DSO (dager)",
        "m_bpdso": "BPDSO (dager)",
        "m_add": "ADD (dager)",
        "m_cei": "CEI",
        "m_ecl": "Avsetning for tap (ECL)",
        "no_summary": "Ingen tall: reskontroen har ingenting på disse datoene.",
        "warnings": "Advarsler",
        "no_warnings": "Ingen advarsler.",
        "w_thin_history": (
            "Gruppe {bucket}: taphistorikken er tynn, og det finnes ingen overstyring med skriftlig begrunnelse."
        ),
        "w_post_close_difference": (
            "Forrige måneds utgående kundefordringer slik de er kjent nå, avviker fra avslutningen: se differansen "
            "etter avslutning."
        ),
        "w_rollforward_difference": "Bevegelsen i kundefordringer stemmer ikke med aldersfordelingen: se differansen.",
        "w_control_total_difference": "Våre kundefordringer avviker fra ERP-systemets kontrollsum: se bevegelsen.",
        "w_no_lender_profile": "Ingen långiverprofil: det er ikke noe lånegrunnlag.",
        "s2": "2  Aldersfordeling",
        "s2_text": (
            "De åpne fakturaene gruppert etter alder: først etter dager etter forfall (grunnlaget for alle "
            "nøkkeltall), deretter etter dager siden fakturadato. Innbetalinger og kreditnotaer som ennå ikke er "
            "avregnet mot en faktura (ufordelte kreditter) reduserer saldoen; de vises på en egen linje. Sum "
            "kundefordringer er åpne fakturaer minus ufordelte kreditter."
        ),
        "by_due": "Etter forfallsdato (dager etter forfall)",
        "by_invoice": "Etter fakturadato (dager siden utstedelse)",
        "bucket": "Gruppe",
        "documents": "Dokumenter",
        "amount": "Beløp",
        "open_invoices": "Åpne fakturaer",
        "unapplied": "Ufordelte kreditter",
        "total_ar": "Sum kundefordringer",
        "current_due": "ikke forfalt",
        "current_invoice": "0 dager",
        "s3": "3  Bevegelse i kundefordringer",
        "s3_text": (
            "Hvordan kundefordringene har beveget seg fra inngående til utgående saldo i perioden: hva som er "
            "fakturert, innbetalt, kreditert, avskrevet og inngått på tidligere avskrevne fordringer, virkningen av "
            "nye valutakurser på saldoer i utenlandsk valuta, endringer i forrige avsluttede periode oppdaget etter "
            "avslutningen, og avrunding. Utgående saldo kontrolleres deretter mot aldersfordelingen, som beregnes "
            "separat, og mot ERP-systemets egen saldo. En differanse vises slik den er; den tvinges aldri til null."
        ),
        "period_from_to": "Periode {first} til {last}",
        "rf_opening": "Inngående kundefordringer",
        "rf_invoiced": "Fakturert",
        "rf_collected": "Innbetalt",
        "rf_credit_notes": "Kreditnotaer",
        "rf_write_offs": "Avskrivninger",
        "rf_recoveries": "Inngått på avskrevne fordringer",
        "rf_fx": "Valutaomregning",
        "rf_post_close": "Endring etter avslutning (forrige periode)",
        "rf_rounding": "Avrunding",
        "rf_closing": "Utgående kundefordringer etter bevegelsene",
        "checks": "Kontroller",
        "rf_aging": "Utgående kundefordringer etter aldersfordeling",
        "difference": "Differanse",
        "rf_control": "Kontrollsum fra ERP",
        "rf_control_diff": "Differanse aldersfordeling − kontrollsum fra ERP",
        "not_imported": "ikke importert",
        "control_source": "Kilde for kontrollsummen: {source}",
        "ties": "Bevegelsene stemmer med aldersfordelingen.",
        "no_tie": (
            "Bevegelsene stemmer ikke med aldersfordelingen: en differanse på {diff} gjenstår å forklare. Den vises "
            "slik den er."
        ),
        "control_no_tie": "Aldersfordelingen avviker fra ERP-systemets kontrollsum med {diff}; den vises slik den er.",
        "s4": "4  Konsentrasjon",
        "s4_text": (
            "De ti største kundene og de ti største konsernene etter saldo, med andel av alle positive saldoer, "
            "kredittgrense, grensen kredittforsikringen dekker og risikoklasse (for et konsern: den svakeste "
            "klassen blant medlemmene). Herfindahl-Hirschman-indeksen (HHI) summerer de kvadrerte prosentandelene "
            "til hver kunde: 10 000 betyr én eneste kunde, og et lavere tall en spredt portefølje."
        ),
        "top_customers": "De 10 største kundene",
        "top_groups": "De 10 største konsernene",
        "rank": "#",
        "ref": "Ref.",
        "customer": "Kunde",
        "group": "Konsern",
        "members": "Selskaper",
        "balance": "Saldo",
        "share": "Andel",
        "limit": "Kredittgrense",
        "insured_limit": "Forsikret grense",
        "class": "Klasse",
        "none_rows": "Ingen.",
        "hhi": "HHI, kunder: {value} ({reading})",
        "group_hhi": "HHI, konsern: {value} ({reading})",
        "hhi_none": "ikke tilgjengelig",
        "unconcentrated": "ikke konsentrert",
        "moderate": "moderat konsentrert",
        "high": "sterkt konsentrert",
        "hhi_source": (
            "Grensene er hentet fra konkurransepolitikken (under {low} ikke konsentrert, over {high} sterkt "
            "konsentrert) og brukes som en kjent målestokk, ikke som en kredittregel."
        ),
        "s5": "5  Kredittrisiko",
        "s5_text": (
            "Hver kunde har en risikoklasse fra A (lavest risiko) til E (høyest), satt etter kredittpolicyen ut fra "
            "kredittopplysninger, registerhendelser og betalingsatferd. Tabellen viser saldo, antall kunder og "
            "risikomodellens forventede tap per klasse; varmekartet viser hvor gammel saldoen i hver klasse er. "
            "Tvister er fakturaer kunden bestrider."
        ),
        "customers": "Kunder",
        "exposure": "Eksponering",
        "expected_loss": "Forventet tap",
        "heat_title": "Saldo etter risikoklasse og dager etter forfall",
        "disputes": "Tvister",
        "open_disputes": "Åpne ved periodeslutt",
        "opened": "Åpnet i perioden",
        "resolved": "Løst i perioden",
        "count_amount": "{count} · {amount}",
        "outcome": "Utfall",
        "count": "Antall",
        "largest_open": "De største åpne tvistene",
        "invoice": "Faktura",
        "opened_on": "Åpnet",
        "s6": "6  Utvikling over tolv månedsslutt",
        "s6_text": (
            "Sum kundefordringer, andel forfalt, countback-DSO og månedens innfordringseffektivitet (CEI, innbetalt "
            "i måneden av det som kunne vært innbetalt) ved hver av de siste tolv månedsslutt."
        ),
        "month_end": "Månedsslutt",
        "ar": "Kundefordringer",
        "dso": "DSO (dager)",
        "cei": "CEI",
        "no_trend": "Ingen historikk for månedsslutt.",
        "s7": "7  Forventet kredittap (IFRS 9)",
        "s7_text": (
            "Tapsavsetningen følger den forenklede metoden i IFRS 9 for kundefordringer: forventet kredittap over "
            "hele levetiden fra en avsetningsmatrise. For hver aldersgruppe er den historiske tapsraten det som "
            "senere ble avskrevet av fakturaene som nådde gruppen, delt på det som nådde den. Ledelsen kan erstatte "
            "en rate med en overstyring og en skriftlig begrunnelse (påkrevd der historikken er tynn). Raten som "
            "brukes, ganges deretter med en fremoverskuende faktor. Kunder som er konkurs, til inkasso eller svært "
            "store, vurderes i stedet enkeltvis og holdes utenfor matrisen."
        ),
        "matrix": "Avsetningsmatrise",
        "reached": "Nådd",
        "lost": "Tapt",
        "hist_rate": "Historisk rate",
        "override": "Overstyring",
        "applied_rate": "Brukt rate",
        "ecl": "ECL",
        "total": "Sum",
        "thin_mark": "* tynn historikk: mindre enn {min} nådde gruppen.",
        "history_window": (
            "Tapshistorikk: fakturaer utstedt {first} til {last} ({lookback} måneder tilbake, uten de siste "
            "{emergence} månedene, der tapene ennå ikke har vist seg)."
        ),
        "overrides": "Overstyringer og begrunnelse",
        "override_line": "{bucket}: {rate} – {rationale}",
        "forward": "Fremoverskuende faktor: {factor}. Kilde: {source}",
        "thin_ok": "Alle grupper har tilstrekkelig historikk (minst {min} nådde dem).",
        "thin_covered": "Tynn historikk i {buckets}: ledelsens overstyring med begrunnelse brukes.",
        "thin_missing": (
            "Tynn historikk uten overstyring i {buckets}: den historiske raten (eller 0 %) brukes; en overstyring "
            "med skriftlig begrunnelse trengs."
        ),
        "individual": "Kunder vurdert enkeltvis",
        "individual_text": "Forventet tap = PD × LGD × uforsikret eksponering, per kunde.",
        "no_individual": "Ingen kunder vurderes enkeltvis.",
        "name": "Navn",
        "reason": "Grunn",
        "pd": "PD",
        "lgd": "LGD",
        "uninsured": "Uforsikret",
        "bankrupt": "konkurs eller insolvent",
        "in_collection": "til inkasso",
        "size": "stor eksponering",
        "ecl_totals": "Bokført avsetning",
        "matrix_ecl": "ECL etter avsetningsmatrisen",
        "individual_ecl": "ECL for kunder vurdert enkeltvis",
        "booked_ecl": "Bokført ECL",
        "allowance": "Avstemming av avsetningen",
        "al_opening": "Inngående avsetning",
        "al_charged": "Kostnadsført",
        "al_used": "Brukt (avskrevne beløp)",
        "al_reversed": "Tilbakeført",
        "al_closing": "Utgående avsetning",
        "s8": "8  Lånegrunnlag (borrowing base)",
        "s8_text": (
            "Lånegrunnlaget er den delen av kundefordringene långiveren låner ut mot. Fra brutto kundefordringer "
            "trekkes låneavtalens ikke-kvalifiserte kategorier fra i avtalens rekkefølge (hvert beløp høyst én "
            "gang), deretter saldo over konsentrasjonsgrensen. Kvalifiserte fordringer ganger belåningsgraden gir "
            "brutto tilgjengelig; en reserve for utvanning over avtalt terskel trekkes fra; trukket lånesaldo gir "
            "ledig ramme."
        ),
        "no_profile_text": "Ingen långiverprofil: det finnes ikke noe lånegrunnlag for denne perioden.",
        "terms": "Låneavtalens vilkår",
        "lender": "Långiver",
        "basis": "Aldersgrunnlag",
        "basis_invoice": "dager siden fakturadato",
        "basis_due": "dager etter forfall",
        "cutoff": "Ikke kvalifisert etter (dager)",
        "cross_aging": "Kryssaldring: en kunde er ikke kvalifisert når mer enn",
        "credits_in_prior": "Gamle kreditter trekkes fra",
        "home_country": "Hjemland",
        "concentration_cap": "Konsentrasjonsgrense",
        "level_debtor": "per kunde",
        "level_group": "per konsern",
        "no_cap": "ingen",
        "advance_rate": "Belåningsgrad",
        "dilution_window": "Periode for utvanning (måneder)",
        "dilution_threshold": "Terskel for utvanning",
        "loan_balance_date": "Lånesaldo per",
        "yes": "ja",
        "no": "nei",
        "certificate": "Beregning",
        "line": "Linje",
        "previous": "Forrige",
        "previous_at": "Forrige ({date})",
        "change": "Endring",
        "less": "minus: {label}",
        "dilution_detail": (
            "Utvanning {first} til {last}: kreditnotaer {credit_notes} + avskrivninger {write_offs} + rabatter "
            "{discounts} delt på brutto salg {sales} = {percent}."
        ),
        "tie_out": "Avstemming av brutto kundefordringer",
        "cert_gross": "Brutto kundefordringer i beregningen",
        "aging_total": "Sum kundefordringer etter aldersfordeling",
        "cert_control_diff": "Differanse beregning − kontrollsum fra ERP",
        "signature": "Bekreftelse",
        "signature_text": (
            "Vi bekrefter at tallene over er fullstendige og riktige og er utarbeidet i samsvar med låneavtalen."
        ),
        "sig_name": "Navn",
        "sig_title": "Stilling",
        "sig_date": "Dato",
        "sig_signature": "Signatur",
        "s9": "9  Kredittforsikring",
        "s9_text": (
            "Den delen av kundefordringene kredittforsikringen dekker (forsikringsselskapets andel av saldoen til "
            "hver forsikrede kunde, opp til forsikret grense), kundene med saldo over forsikret grense (det "
            "overskytende er uforsikret), og de forfalte fakturaene som må meldes til forsikringsselskapet innen "
            "{days} dager etter forfall."
        ),
        "insured": "Forsikret eksponering",
        "uninsured_exposure": "Uforsikret eksponering",
        "above_limit": "Kunder over forsikret grense",
        "excess": "Over grensen",
        "notifications": "Meldinger til forsikringsselskapet",
        "insurer": "Forsikringsselskap",
        "days_past_due": "Dager forfalt",
        "deadline": "Frist",
        "s10": "10  Metode",
        "s10_text": "Hvordan hvert tall i rapporten er definert, og parameterne bak dem.",
        "definitions": "Definisjoner",
        "def_ar": (
            "Sum kundefordringer: åpent beløp på alle fakturaer minus innbetalinger og kreditnotaer som ennå ikke er "
            "avregnet, i basisvaluta til sluttkurs, hvert dokument avrundet til 0,01."
        ),
        "def_overdue": (
            "Andel forfalt: kundefordringer etter forfall (alle grupper etter «ikke forfalt») delt på sum "
            "kundefordringer × 100; andelene mer enn 60 og 90 dager forfalt tilsvarende."
        ),
        "def_dso": (
            "DSO i sammendraget: kundefordringer ved periodeslutt / kredittsalg i KPI-vinduet × vinduets dager. "
            "DSO i tolvmånedersutviklingen, countback: de åpne fordringene holdes opp mot kredittsalget i "
            "inneværende måned så langt, deretter hver tidligere hele måned; dagene i hver måned som brukes opp "
            "legges til, pluss den brukte andelen av den siste: hvor mange dager av det siste salget som ennå ikke "
            "er betalt."
        ),
        "def_bpdso": (
            "BPDSO (best mulige DSO): kundefordringer som ikke er forfalt / kredittsalg i KPI-vinduet × vinduets dager."
        ),
        "def_add": "ADD (gjennomsnittlig antall dager forfalt): DSO − BPDSO med samme salg og vindu.",
        "def_cei": (
            "CEI (innfordringseffektivitet): (kundefordringer ved vinduets start + kredittsalg − utgående "
            "kundefordringer) / (kundefordringer ved vinduets start + kredittsalg − ikke forfalte fordringer) × 100; "
            "100 % betyr at alt som forfalt, ble innbetalt."
        ),
        "def_hhi": (
            "HHI (Herfindahl-Hirschman-indeksen): summen av de kvadrerte prosentandelene av de positive saldoene, "
            "per kunde og per konsern (0 til 10 000)."
        ),
        "def_rollforward": (
            "Bevegelse: inngående kundefordringer + fakturert − innbetalt − kreditnotaer − avskrivninger − inngått "
            "på avskrevne ± valutaomregning ± endring etter avslutning ± avrunding = utgående kundefordringer, "
            "kontrollert mot aldersfordelingen."
        ),
        "def_loss_rate": (
            "Tapsrate: per aldersgruppe, beløpet som ble avskrevet av fakturaene som nådde gruppen, delt på beløpet "
            "som nådde den, over historikkvinduet; grupper med tynn historikk trenger en overstyring fra ledelsen."
        ),
        "def_ecl": (
            "ECL (forventet kredittap): saldo per gruppe × (historisk rate eller overstyring) × fremoverskuende "
            "faktor, høyst 100 %, pluss PD × LGD × uforsikret eksponering for kunder vurdert enkeltvis."
        ),
        "def_waterfall": (
            "Lånegrunnlaget: brutto kundefordringer − ikke-kvalifiserte (i avtalens rekkefølge, hvert beløp én gang, "
            "konsentrasjon sist) = kvalifiserte fordringer; × belåningsgrad = brutto tilgjengelig; − reserve for "
            "utvanning = tilgjengelig; − lånesaldo = ledig ramme."
        ),
        "def_dilution": (
            "Utvanning: (kreditnotaer + avskrivninger + rabatter) / brutto salg i perioden for utvanning × 100; "
            "reserven er kvalifiserte fordringer × utvanningen over terskelen."
        ),
        "parameters": "Policyparametere",
        "parameter": "Parameter",
        "value": "Verdi",
        "ecl_settings": "Innstillinger for ECL",
        "profile_parameters": "Parametere i långiverprofilen",
        "appendix": "Vedlegg  Ikke-kvalifiserte beløp per kunde",
        "appendix_text": (
            "Hver kundes ikke-kvalifiserte beløp per kategori i lånegrunnlaget; detaljene per faktura er i "
            "Excel-arbeidsboken."
        ),
        "category": "Kategori",
        "no_ineligibles": "Ingen ikke-kvalifiserte beløp.",
        "total_ineligible_row": "Sum ikke-kvalifiserte",
    },
}

# The certificate's lines (domain.borrowing_base.Certificate.lines keys) and ineligible categories.
CERT_LINES: dict[str, dict[str, str]] = {
    "en": {
        "gross": "Gross AR",
        "past_due": "Past the cut-off",
        "cross_aged": "Cross-aged customers",
        "credits_in_prior": "Aged credits",
        "affiliate": "Affiliates",
        "foreign_uninsured": "Foreign, uninsured",
        "government": "Government",
        "contra": "Contra (owed to the customer)",
        "disputed": "Disputed",
        "bankrupt": "Bankrupt or insolvent",
        "pledged": "Pledged or factored elsewhere",
        CONCENTRATION: "Concentration above the cap",
        "total_ineligible": "Total ineligible",
        "eligible": "Eligible AR",
        "advance_rate_percent": "Advance rate",
        "gross_availability": "Gross availability",
        "dilution_percent": "Dilution",
        "dilution_reserve": "Dilution reserve",
        "availability": "Availability",
        "loan_balance": "Loan balance",
        "excess_availability": "Excess availability",
    },
    "nb": {
        "gross": "Brutto kundefordringer",
        "past_due": "Eldre enn grensen",
        "cross_aged": "Kryssaldrede kunder",
        "credits_in_prior": "Gamle kreditter",
        "affiliate": "Nærstående selskaper",
        "foreign_uninsured": "Utenlandske, uforsikrede",
        "government": "Offentlige kunder",
        "contra": "Motkrav (vi skylder kunden)",
        "disputed": "Omtvistet",
        "bankrupt": "Konkurs eller insolvent",
        "pledged": "Pantsatt eller factoret til andre",
        CONCENTRATION: "Konsentrasjon over grensen",
        "total_ineligible": "Sum ikke-kvalifiserte",
        "eligible": "Kvalifiserte fordringer",
        "advance_rate_percent": "Belåningsgrad",
        "gross_availability": "Brutto tilgjengelig",
        "dilution_percent": "Utvanning",
        "dilution_reserve": "Reserve for utvanning",
        "availability": "Tilgjengelig",
        "loan_balance": "Lånesaldo",
        "excess_availability": "Ledig ramme",
    },
}
PERCENT_LINES = ("advance_rate_percent", "dilution_percent")
BOLD_LINES = ("gross", "eligible", "availability", "excess_availability")
NOT_CATEGORIES = ("gross", "total_ineligible", "eligible", *PERCENT_LINES, "gross_availability", "dilution_reserve")
NOT_CATEGORIES += ("availability", "loan_balance", "excess_availability")

CELL_PAD = 1.2  # mm left and right of a table cell's text
CHART_WIDTH = 170.0  # mm, the charts' printed width (reports.charts draws them 6.7 in wide)


# --- formatting ----------------------------------------------------------------------------------------------


def day(value: date | None, lang: str) -> str:
    """nb 31.10.2026, en 31 Oct 2026."""
    if value is None:
        return "–"
    return format_date(value, format="dd.MM.yyyy" if lang == "nb" else "d MMM yyyy", locale=check_lang(lang))


def month(value: date, lang: str) -> str:
    """A month-end as a short axis label: en Oct 26, nb okt. 26."""
    return format_date(value, format="MMM yy", locale=check_lang(lang))


def half_up(value: Decimal, step: Decimal) -> Decimal:
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def money2(value: Decimal | None, currency: str, lang: str) -> str:
    """An amount with exactly two decimals (a check line prints 0.00, not 0)."""
    if value is None:
        return "–"
    text = number(half_up(value, TWO_DECIMALS), lang, 2)
    return f"{text}{NBSP}{currency}" if lang == "nb" else f"{currency}{NBSP}{text}"


def pct1(value: Decimal | None, lang: str) -> str:
    """A share or index in percent to 0.1, half-up (docs/metrics.md §16)."""
    return "–" if value is None else f"{number(half_up(value, ONE_DECIMAL), lang, 1)}{NBSP}%"


def pct2(value: Decimal | None, lang: str) -> str:
    """A rate already in percent to 0.01, half-up."""
    return "–" if value is None else f"{number(half_up(value, TWO_DECIMALS), lang, 2)}{NBSP}%"


def rate2(fraction: Decimal | None, lang: str) -> str:
    """A fraction printed as a percent with 2 decimals, rounded once from the unrounded fraction × 100."""
    return "–" if fraction is None else pct2(Decimal(fraction) * HUNDRED, lang)


def days1(value: Decimal | None, lang: str) -> str:
    return "–" if value is None else number(half_up(value, ONE_DECIMAL), lang, 1)


def signed(text: str, value: Decimal) -> str:
    """'+' before a positive change (a negative one carries its own minus sign)."""
    return f"+{text}" if value > 0 else text


def warning_text(code: str, t: dict[str, str]) -> str:
    """A warning code of the pack (domain.pack.LenderPack.warnings) in words; an unknown code prints as it is."""
    key, _, arg = code.partition(":")
    text = t.get(f"w_{key}")
    return code if text is None else text.format(bucket=arg)


def change_money(now: Decimal | None, before: Decimal | None, ccy: str, lang: str) -> str:
    if now is None or before is None:
        return "–"
    diff = now - before
    return signed(money(diff, ccy, lang), diff)


def change_points(now: Decimal | None, before: Decimal | None, lang: str) -> str:
    """A change of a percent figure in percentage points, to 0.1."""
    if now is None or before is None:
        return "–"
    diff = half_up(now, ONE_DECIMAL) - half_up(before, ONE_DECIMAL)
    return signed(f"{number(diff, lang, 1)}{NBSP}pp", diff)


def change_points2(now: Decimal | None, before: Decimal | None, lang: str) -> str:
    if now is None or before is None:
        return "–"
    diff = half_up(now, TWO_DECIMALS) - half_up(before, TWO_DECIMALS)
    return signed(f"{number(diff, lang, 2)}{NBSP}pp", diff)


def change_days(now: Decimal | None, before: Decimal | None, lang: str) -> str:
    if now is None or before is None:
        return "–"
    diff = half_up(now, ONE_DECIMAL) - half_up(before, ONE_DECIMAL)
    return signed(number(diff, lang, 1), diff)


def bucket_label(label: str, basis: str, t: dict[str, str]) -> str:
    """The aging's "current" in the reader's words; the other labels are the policy's numbers."""
    if label == "current":
        return t["current_invoice"] if basis == "invoice" else t["current_due"]
    return label


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk."""
    width, height = struct.unpack(">II", data[16:24])
    return width, height


# --- the PDF frame -------------------------------------------------------------------------------------------


class PackPDF(ReportPDF):
    """ReportPDF with the period end beside the title in the header, dense tables and charts."""

    def __init__(self, title: str, company: str, *, period: str, lang: str, creation_date: datetime | None) -> None:
        super().__init__(title, company, lang=lang, creation_date=creation_date)
        self.period = period

    def header(self) -> None:
        title = self.report_title
        self.report_title = f"{title} – {self.period}"
        try:
            super().header()
        finally:
            self.report_title = title

    def _measure(self, draw: Callable[[ReportPDF], None]) -> float:
        if self._scratch is None:  # measure on the same frame, so that grid() and chart() exist there too
            self._scratch = PackPDF(
                self.report_title, self.company, period=self.period, lang=self.lang, creation_date=None
            )
        return super()._measure(draw)

    def section(self, text: str, explanation: str) -> None:
        """A numbered part on a new page, in the document outline, with its plain-language explanation."""
        self.add_page()
        self.start_section(text.replace("  ", " "), level=0)
        self.heading(text)
        self.paragraph(explanation)

    def grid(
        self,
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        align: Sequence[str],
        bold: Sequence[int] = (),
        size: float = 8,
        headings: bool = True,
    ) -> None:
        """A table in a smaller type; the first row is the heading (repeated on a new page), `bold` rows are
        totals. Long tables break across pages."""
        if not rows:
            return
        self.set_font(FONT, "", size)
        with self.table(
            col_widths=tuple(widths),
            text_align=tuple(align),
            width=min(sum(widths), self.epw),  # column widths are proportions; float sums may pass epw by 1e-12
            align="LEFT",
            first_row_as_headings=headings,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            line_height=size * 0.5,
            padding=(0.8, CELL_PAD),
        ) as table:
            for i, r in enumerate(rows):
                table.row([str(c) for c in r], style=FontFace(emphasis="BOLD") if i in bold else None)
        self.set_font(FONT, "", 10)
        self.ln(2.5)

    def fit_widths(self, rows: Sequence[Sequence[str]], *, flex: int | None = 0, size: float = 8) -> tuple[float, ...]:
        """Column widths that keep every figure on one line: each column as wide as its widest body cell (bold,
        so a total row fits too) and the longest word of its heading; the `flex` column (a label or a name) takes
        what is left of the page, or with flex None the rest is spread over all columns."""
        self.set_font(FONT, "B", size)
        pad = 2 * CELL_PAD + 1
        widths = []
        for col in range(len(rows[0])):
            body = max((self.get_string_width(str(r[col])) for r in rows[1:]), default=0.0)
            head = max((self.get_string_width(w) for w in str(rows[0][col]).split()), default=0.0)
            widths.append(max(body, head) + pad)
        self.set_font(FONT, "", 10)
        if flex is None:
            total = sum(widths)
            if total > self.epw:  # too wide: narrow every column in proportion, so no narrow column is squeezed
                return tuple(w * self.epw / total for w in widths)
            extra = (self.epw - total) / len(widths)
            return tuple(w + extra for w in widths)
        widths[flex] = 0.0
        widths[flex] = max(self.epw - sum(widths), 15.0)
        total = sum(widths)
        # too wide for the page: narrow every column alike (the longest texts wrap)
        return tuple(w * self.epw / total for w in widths) if total > self.epw else tuple(widths)

    def chart(self, png: bytes, width: float = CHART_WIDTH) -> None:
        px_w, px_h = png_size(png)
        height = width * px_h / px_w
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()
        self.image(io.BytesIO(png), x=self.l_margin, y=self.get_y(), w=width, h=height)
        self.set_y(self.get_y() + height + 3)

    def signature_lines(self, labels: Sequence[str], prefilled: dict[str, str]) -> None:
        self.set_font(FONT, "", 10)
        for label in labels:
            self.ln(4)
            self.cell(30, 7, label)
            value = prefilled.get(label, "")
            if value:
                self.cell(90, 7, value)
            x, y = self.l_margin + 30, self.get_y() + 7
            self.set_draw_color(*MUTED)
            self.line(x, y, x + 90, y)
            self.set_xy(self.l_margin, y)
        self.ln(4)


# --- the report ----------------------------------------------------------------------------------------------


def render_lender_pack(pack: LenderPack, *, lender: str | None = None, lang: str = "en") -> bytes:
    """The pack as a PDF in `lang` ("en" or "nb") for the named lender profile (the first when None)."""
    check_lang(lang)
    t = LABELS[lang]
    cert = pack.certificate(lender)
    if lender is not None and cert is None:
        known = ", ".join(c.profile.name for c in pack.certificates) or "none"
        raise ValueError(f"no lender profile named {lender!r} in the pack for {pack.period}: the profiles are {known}")
    pdf = PackPDF(
        t["title"],
        pack.company,
        period=t["header_period"].format(date=day(pack.period_end, lang)),
        lang=lang,
        creation_date=pack.generated_at,
    )
    _cover(pdf, pack, cert, t, lang)
    _summary(pdf, pack, t, lang)
    _aging(pdf, pack, t, lang)
    _rollforward(pdf, pack, t, lang)
    _concentration(pdf, pack, t, lang)
    _risk(pdf, pack, t, lang)
    _trend(pdf, pack, t, lang)
    _ecl(pdf, pack, t, lang)
    _borrowing_base(pdf, pack, cert, t, lang)
    _insurance(pdf, pack, t, lang)
    _methodology(pdf, pack, cert, t)
    _appendix(pdf, pack, cert, t, lang)
    return pdf.to_bytes()


def _profile_name(cert: Certificate | None, t: dict[str, str]) -> str:
    if cert is None:
        return t["no_profile"]
    p = cert.profile
    return f"{p.name} ({p.lender})" if p.lender else p.name


def _cover(pdf: PackPDF, pack: LenderPack, cert: Certificate | None, t: dict[str, str], lang: str) -> None:
    pdf.add_page()
    pdf.ln(20)
    pdf.title_block(t["title"])
    pdf.set_font(FONT, "", 13)
    pdf.multi_cell(0, 7, f"{pack.company}\n{t['subtitle'].format(date=day(pack.period_end, lang))}")
    pdf.ln(6)
    if pack.closed:
        signed_off = (
            t["signed_off_at"].format(name=pack.signed_off_by, at=moment(pack.signed_off_at, lang))
            if pack.signed_off_by
            else "–"
        )
    else:
        signed_off = t["draft"]
    pdf.facts(
        [
            (t["company"], pack.company),
            (t["org_number"], pack.org_number),
            (t["period_end"], day(pack.period_end, lang)),
            (t["prepared_by"], pack.prepared_by),
            (t["signed_off"], signed_off),
            (t["generated"], moment(pack.generated_at, lang)),
            (t["currency"], pack.currency),
            (t["policy_version"], str(pack.policy_version) if pack.policy_version else t["policy_builtin"]),
            (t["lender_profile"], _profile_name(cert, t)),
        ],
        label_width=55,
    )
    pdf.paragraph(t["closed_note"] if pack.closed else t["draft_note"], muted=not pack.closed)
    pdf.paragraph(t["cover_intro"])
    pdf.heading(t["contents"], level=2)
    pdf.bullets([t[k].replace("  ", " ") for k in (*(f"s{i}" for i in range(1, 11)), "appendix")])


def _summary(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s1"], t["s1_text"])
    ccy = pack.currency
    heads = pack.summary
    if not heads:
        pdf.paragraph(t["no_summary"])
    else:
        first, others = heads[0], heads[1:]
        header = [t["metric"], *(day(h.as_of, lang) for h in heads)]
        header += [t["change_vs"].format(date=day(h.as_of, lang)) for h in others]

        def line(label: str, get: Callable[[Headline], Decimal | None], fmt: Callable, chg: Callable) -> list[str]:
            return [label, *(fmt(get(h)) for h in heads), *(chg(get(first), get(h)) for h in others)]

        def m(v: Decimal | None) -> str:  # the currency is in the row's label: five amounts must fit across A4
            return "–" if v is None else number(v, lang, 2)

        def p(v: Decimal | None) -> str:
            return pct1(v, lang)

        def d(v: Decimal | None) -> str:
            return days1(v, lang)

        def cm(a: Decimal | None, b: Decimal | None) -> str:
            return "–" if a is None or b is None else signed(number(a - b, lang, 2), a - b)

        def cp(a: Decimal | None, b: Decimal | None) -> str:
            return change_points(a, b, lang)

        def cd(a: Decimal | None, b: Decimal | None) -> str:
            return change_days(a, b, lang)

        rows = [
            header,
            line(f"{t['m_total']} ({ccy})", lambda h: h.total, m, cm),
            line(t["m_overdue"], lambda h: h.overdue_share, p, cp),
            line(t["m_over_60"], lambda h: h.share_over_60, p, cp),
            line(t["m_over_90"], lambda h: h.share_over_90, p, cp),
            line(t["m_dso"], lambda h: h.dso, d, cd),
            line(t["m_bpdso"], lambda h: h.bpdso, d, cd),
            line(t["m_add"], lambda h: h.add, d, cd),
            line(t["m_cei"], lambda h: h.cei, p, cp),
            line(f"{t['m_ecl']} ({ccy})", lambda h: h.ecl, m, cm),
        ]
        n = len(heads) + len(others)
        pdf.grid(rows, widths=pdf.fit_widths(rows), align=("LEFT", *(["RIGHT"] * n)))
    pdf.heading(t["warnings"], level=2)
    if pack.warnings:
        pdf.bullets([warning_text(code, t) for code in pack.warnings])
    else:
        pdf.paragraph(t["no_warnings"])


def _aging_table(pdf: PackPDF, table: AgingTable, heading: str, t: dict[str, str], lang: str, ccy: str) -> None:
    rows = [[t["bucket"], t["documents"], t["amount"]]]
    for label, amount, count in zip(table.labels, table.invoices, table.invoice_counts, strict=True):
        rows.append([bucket_label(label, table.basis, t), number(count, lang), money(amount, ccy, lang)])
    rows.append([t["open_invoices"], number(sum(table.invoice_counts), lang), money(table.invoice_total, ccy, lang)])
    rows.append([t["unapplied"], number(sum(table.credit_counts), lang), money(table.credit_total, ccy, lang)])
    rows.append([t["total_ar"], "", money(table.total, ccy, lang)])
    png = charts.aging_bar_chart(
        [bucket_label(label, table.basis, t) for label in table.labels],
        table.invoices,
        lang=lang,
        currency=ccy,
        credits=table.credit_total,
        credits_label=t["unapplied"],
    )

    def draw(p: ReportPDF) -> None:
        assert isinstance(p, PackPDF)
        p.heading(heading, level=2)
        p.grid(rows, widths=(60, 30, 45), align=("LEFT", "RIGHT", "RIGHT"), bold=(len(rows) - 1,))
        p.chart(png)

    pdf.keep_together(draw)


def _aging(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s2"], t["s2_text"])
    _aging_table(pdf, pack.aging_due, t["by_due"], t, lang, pack.currency)
    _aging_table(pdf, pack.aging_invoice, t["by_invoice"], t, lang, pack.currency)


def _rollforward(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s3"], t["s3_text"])
    rf, ccy = pack.rollforward, pack.currency

    def m(v: Decimal) -> str:
        return money(v, ccy, lang)

    pdf.paragraph(t["period_from_to"].format(first=day(rf.first_day, lang), last=day(rf.last_day, lang)))
    rows = [
        [t["rf_opening"], m(rf.opening)],
        [t["rf_invoiced"], m(rf.invoiced)],
        [t["rf_collected"], m(rf.collected)],
        [t["rf_credit_notes"], m(rf.credit_notes)],
        [t["rf_write_offs"], m(rf.write_offs)],
        [t["rf_recoveries"], m(rf.recoveries)],
        [t["rf_fx"], m(rf.fx_revaluation)],
        [t["rf_post_close"], m(rf.post_close)],
        [t["rf_rounding"], m(rf.rounding)],
        [t["rf_closing"], m(rf.closing)],
    ]
    pdf.grid(rows, widths=(100, 50), align=("LEFT", "RIGHT"), bold=(0, len(rows) - 1), size=9, headings=False)
    pdf.heading(t["checks"], level=2)
    control = rf.control_total
    diff_control = rf.difference_to_control
    checks = [
        [t["rf_closing"], m(rf.closing)],
        [t["rf_aging"], m(rf.aging_total)],
        [t["difference"], money2(rf.difference_to_aging, ccy, lang)],
        [t["rf_control"], t["not_imported"] if control is None else m(control)],
        [t["rf_control_diff"], "–" if diff_control is None else money2(diff_control, ccy, lang)],
    ]
    pdf.grid(checks, widths=(100, 50), align=("LEFT", "RIGHT"), bold=(2, 4), size=9, headings=False)
    if rf.control_source:
        pdf.paragraph(t["control_source"].format(source=rf.control_source), size=8.5, muted=True)
    if rf.difference_to_aging == 0:
        pdf.paragraph(t["ties"])
    else:
        pdf.paragraph(t["no_tie"].format(diff=money2(rf.difference_to_aging, ccy, lang)))
    if diff_control is not None and diff_control != 0:
        pdf.paragraph(t["control_no_tie"].format(diff=money2(diff_control, ccy, lang)))


def _hhi_line(key: str, value: Decimal | None, t: dict[str, str], lang: str) -> str:
    reading = HHI_SCALE.reading(value)
    text = t["hhi_none"] if value is None else number(half_up(value, ONE_DECIMAL), lang, 1)
    return t[key].format(value=text, reading=t[reading.value] if reading is not None else t["hhi_none"])


def _concentration(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s4"], t["s4_text"])
    ccy = pack.currency

    def m(v: Decimal | None) -> str:
        return money(v, ccy, lang)

    pdf.heading(t["top_customers"], level=2)
    if pack.top_customers:
        rows = [
            [t["rank"], t["ref"], t["customer"], t["balance"], t["share"], t["limit"], t["insured_limit"], t["class"]]
        ]
        for i, c in enumerate(pack.top_customers, start=1):
            rows.append(
                [
                    str(i),
                    c.ref,
                    c.name,
                    m(c.balance),
                    pct1(c.share, lang),
                    m(c.credit_limit),
                    m(c.insured_limit),
                    c.risk_class or "–",
                ]
            )
        pdf.grid(
            rows,
            widths=pdf.fit_widths(rows, flex=2),
            align=("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "CENTER"),
        )
    else:
        pdf.paragraph(t["none_rows"])
    pdf.heading(t["top_groups"], level=2)
    if pack.top_groups:
        rows = [
            [t["rank"], t["group"], t["members"], t["balance"], t["share"], t["limit"], t["insured_limit"], t["class"]]
        ]
        for i, g in enumerate(pack.top_groups, start=1):
            rows.append(
                [
                    str(i),
                    f"{g.ref} {g.name}",
                    number(g.members, lang),
                    m(g.balance),
                    pct1(g.share, lang),
                    m(g.credit_limit),
                    m(g.insured_limit),
                    g.risk_class or "–",
                ]
            )
        pdf.grid(
            rows,
            widths=pdf.fit_widths(rows, flex=1),
            align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "CENTER"),
        )
    else:
        pdf.paragraph(t["none_rows"])
    pdf.paragraph(_hhi_line("hhi", pack.hhi, t, lang))
    pdf.paragraph(_hhi_line("group_hhi", pack.group_hhi, t, lang))
    pdf.paragraph(
        t["hhi_source"].format(low=number(HHI_SCALE.moderate_from, lang), high=number(HHI_SCALE.high_above, lang)),
        size=8.5,
        muted=True,
    )


def _risk(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s5"], t["s5_text"])
    r, ccy = pack.risk, pack.currency

    def m(v: Decimal | None) -> str:
        return money(v, ccy, lang)

    rows = [[t["class"], t["customers"], t["exposure"], t["expected_loss"]]]
    for cls, n, exposure, loss in zip(
        r.classes, r.customers_by_class, r.exposure_by_class, r.expected_loss_by_class, strict=True
    ):
        rows.append([cls, number(n, lang), m(exposure), m(loss)])
    pdf.grid(rows, widths=(20, 25, 40, 40), align=("CENTER", "RIGHT", "RIGHT", "RIGHT"))
    if r.classes and r.bucket_labels:
        pdf.heading(t["heat_title"], level=2)
        pdf.chart(
            charts.class_aging_heat_map(
                r.classes,
                [bucket_label(label, "due", t) for label in r.bucket_labels],
                r.heat,
                lang=lang,
                currency=ccy,
            )
        )
    d = r.disputes

    def disputes(p: ReportPDF) -> None:
        assert isinstance(p, PackPDF)
        p.heading(t["disputes"], level=2)
        p.facts(
            [
                (
                    t["open_disputes"],
                    t["count_amount"].format(count=number(d.open_count, lang), amount=m(d.open_amount)),
                ),
                (t["opened"], t["count_amount"].format(count=number(d.opened_count, lang), amount=m(d.opened_amount))),
                (
                    t["resolved"],
                    t["count_amount"].format(count=number(d.resolved_count, lang), amount=m(d.resolved_amount)),
                ),
            ],
            label_width=55,
        )
        if d.by_outcome:
            outcome_rows = [[t["outcome"], t["count"], t["amount"]]]
            outcome_rows += [[o.replace("_", " "), number(n, lang), m(a)] for o, n, a in d.by_outcome]
            p.grid(outcome_rows, widths=(60, 25, 40), align=("LEFT", "RIGHT", "RIGHT"))

    pdf.keep_together(disputes)
    if d.largest_open:
        pdf.heading(t["largest_open"], level=2)
        rows = [[t["ref"], t["customer"], t["invoice"], t["amount"], t["opened_on"]]]
        rows += [[ref, name, inv, m(a), day(opened, lang)] for ref, name, inv, a, opened in d.largest_open]
        pdf.grid(rows, widths=pdf.fit_widths(rows, flex=1), align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT"))


def _trend(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s6"], t["s6_text"])
    if not pack.trend:
        pdf.paragraph(t["no_trend"])
        return
    ccy = pack.currency
    rows = [[t["month_end"], t["ar"], t["m_overdue"], t["dso"], t["cei"]]]
    for row in pack.trend:
        rows.append(
            [
                day(row.as_of, lang),
                money(row.total, ccy, lang),
                pct1(row.overdue_share, lang),
                days1(row.dso, lang),
                pct1(row.cei, lang),
            ]
        )
    pdf.grid(rows, widths=pdf.fit_widths(rows, flex=None), align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))
    pdf.chart(
        charts.trend_chart(
            [month(r.as_of, lang) for r in pack.trend],
            [r.total for r in pack.trend],
            [r.overdue_share for r in pack.trend],
            [r.dso for r in pack.trend],
            [r.cei for r in pack.trend],
            lang=lang,
            currency=ccy,
            names={"ar": t["ar"], "overdue": t["m_overdue"], "cei": t["cei"], "dso": t["dso"]},
        )
    )


def _ecl(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s7"], t["s7_text"])
    s, e, ccy = pack.ecl_settings, pack.ecl, pack.currency

    def m(v: Decimal | None) -> str:
        return money(v, ccy, lang)

    first, last = s.cohort_window(pack.period_end)
    pdf.paragraph(
        t["history_window"].format(
            first=day(first, lang), last=day(last, lang), lookback=s.lookback_months, emergence=s.emergence_months
        )
    )
    pdf.heading(t["matrix"], level=2)

    def a(v: Decimal) -> str:  # amounts without the currency code, which is in the headings: eight columns on A4
        return number(v, lang, 2)

    rows = [
        [
            t["bucket"],
            f"{t['balance']} ({ccy})",
            f"{t['reached']} ({ccy})",
            f"{t['lost']} ({ccy})",
            t["hist_rate"],
            t["override"],
            t["applied_rate"],
            f"{t['ecl']} ({ccy})",
        ]
    ]
    for r in e.matrix.rows:
        hist = rate2(r.historical_rate, lang) + (" *" if r.thin else "")
        rows.append(
            [
                bucket_label(r.label, "due", t),
                a(r.balance),
                a(r.reached),
                a(r.lost),
                hist,
                "–" if r.override is None else pct2(r.override.rate_percent, lang),
                rate2(r.rate, lang),
                a(r.ecl),
            ]
        )
    rows.append([t["total"], a(e.matrix.total_balance), "", "", "", "", "", a(e.matrix.total_ecl)])
    pdf.grid(
        rows,
        widths=pdf.fit_widths(rows, flex=None),
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        bold=(len(rows) - 1,),
    )
    if any(r.thin for r in e.matrix.rows):
        pdf.paragraph(t["thin_mark"].format(min=m(s.min_reached)), size=8.5, muted=True)
    overridden = [r for r in e.matrix.rows if r.override is not None]
    if overridden:
        pdf.heading(t["overrides"], level=2)
        pdf.bullets(
            t["override_line"].format(
                bucket=bucket_label(r.label, "due", t),
                rate=pct2(r.override.rate_percent, lang),
                rationale=r.override.rationale,
            )
            for r in overridden
            if r.override is not None
        )
    pdf.paragraph(t["forward"].format(factor=number(s.forward_factor, lang, 2), source=s.forward_source))
    thin = [bucket_label(r.label, "due", t) for r in e.matrix.rows if r.thin and r.override is not None]
    missing = [bucket_label(label, "due", t) for label in e.matrix.missing_rationale]
    if not thin and not missing:
        pdf.paragraph(t["thin_ok"].format(min=m(s.min_reached)))
    if thin:
        pdf.paragraph(t["thin_covered"].format(buckets=", ".join(thin)))
    if missing:
        pdf.paragraph(t["thin_missing"].format(buckets=", ".join(missing)))

    pdf.heading(t["individual"], level=2)
    if e.individual:
        pdf.paragraph(t["individual_text"])
        rows = [[t["ref"], t["name"], t["reason"], t["exposure"], t["pd"], t["lgd"], t["uninsured"], t["ecl"]]]
        for i in e.individual:
            rows.append(
                [
                    i.ref,
                    i.name,
                    t.get(i.reason, i.reason),
                    m(i.exposure),
                    pct2(i.pd_percent, lang),
                    pct2(i.lgd_percent, lang),
                    m(i.uninsured),
                    m(i.ecl),
                ]
            )
        rows.append([t["total"], "", "", m(e.individual_exposure), "", "", "", m(e.individual_ecl)])
        pdf.grid(
            rows,
            widths=pdf.fit_widths(rows, flex=1),
            align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
            bold=(len(rows) - 1,),
        )
    else:
        pdf.paragraph(t["no_individual"])

    a = pack.allowance

    def totals(p: ReportPDF) -> None:
        assert isinstance(p, PackPDF)
        p.heading(t["ecl_totals"], level=2)
        p.grid(
            [
                [t["matrix_ecl"], m(e.matrix.total_ecl)],
                [t["individual_ecl"], m(e.individual_ecl)],
                [t["booked_ecl"], m(e.total)],
            ],
            widths=(100, 50),
            align=("LEFT", "RIGHT"),
            bold=(2,),
            size=9,
            headings=False,
        )
        p.heading(t["allowance"], level=2)
        p.grid(
            [
                [t["al_opening"], m(a.opening)],
                [t["al_charged"], m(a.charged)],
                [t["al_used"], m(a.used)],
                [t["al_reversed"], m(a.reversed)],
                [t["al_closing"], m(a.closing)],
            ],
            widths=(100, 50),
            align=("LEFT", "RIGHT"),
            bold=(4,),
            size=9,
            headings=False,
        )

    pdf.keep_together(totals)


def _cert_value(key: str, value: Decimal | None, ccy: str, lang: str) -> str:
    return pct2(value, lang) if key in PERCENT_LINES else money(value, ccy, lang)


def _cert_change(key: str, now: Decimal | None, before: Decimal | None, ccy: str, lang: str) -> str:
    if key in PERCENT_LINES:
        return change_points2(now, before, lang)
    return change_money(now, before, ccy, lang)


def _cert_label(key: str, t: dict[str, str], lines: dict[str, str]) -> str:
    label = lines.get(key, key.replace("_", " "))
    return label if key in NOT_CATEGORIES else t["less"].format(label=label)


def _borrowing_base(pdf: PackPDF, pack: LenderPack, cert: Certificate | None, t: dict[str, str], lang: str) -> None:
    pdf.section(t["s8"], t["s8_text"])
    if cert is None:
        pdf.paragraph(t["no_profile_text"])
        return
    p, ccy, lines = cert.profile, pack.currency, CERT_LINES[lang]

    def m(v: Decimal | None) -> str:
        return money(v, ccy, lang)

    cap = (
        t["no_cap"]
        if p.concentration_percent is None
        else f"{pct2(p.concentration_percent, lang)} {t['level_' + p.concentration_level]}"
    )
    pdf.heading(t["terms"], level=2)
    pdf.facts(
        [
            (t["lender_profile"], p.name),
            (t["lender"], p.lender or "–"),
            (t["basis"], t["basis_" + p.basis]),
            (t["cutoff"], number(p.cutoff_days, lang)),
            (t["cross_aging"], pct2(p.cross_aging_percent, lang)),
            (t["credits_in_prior"], t["yes"] if p.credits_in_prior else t["no"]),
            (t["home_country"], p.home_country),
            (t["concentration_cap"], cap),
            (t["advance_rate"], pct2(p.advance_rate_percent, lang)),
            (t["dilution_window"], number(p.dilution_months, lang)),
            (t["dilution_threshold"], pct2(p.dilution_threshold_percent, lang)),
            (t["loan_balance_date"], day(p.loan_balance_date, lang)),
        ],
        label_width=80,
    )
    prev = cert.previous
    prev_head = (
        t["previous"] if prev is None or prev.as_of is None else t["previous_at"].format(date=day(prev.as_of, lang))
    )
    rows = [[t["line"], day(cert.as_of or pack.period_end, lang), prev_head, t["change"]]]
    bold = []
    for key, now, before in changes(cert, prev):
        rows.append(
            [
                _cert_label(key, t, lines),
                _cert_value(key, now, ccy, lang),
                _cert_value(key, before, ccy, lang) if prev is not None else "–",
                _cert_change(key, now, before, ccy, lang),
            ]
        )
        if key in BOLD_LINES:
            bold.append(len(rows) - 1)
    widths = pdf.fit_widths(rows, flex=0)
    dil = cert.dilution
    note = t["dilution_detail"].format(
        first=day(dil.first_day, lang),
        last=day(dil.last_day, lang),
        credit_notes=m(dil.credit_notes),
        write_offs=m(dil.write_offs),
        discounts=m(dil.discounts),
        sales=m(dil.gross_sales),
        percent=pct2(cert.dilution_percent, lang),
    )

    def certificate(p_: ReportPDF) -> None:
        # the certificate on one page where it fits: a lender reads it as one statement
        assert isinstance(p_, PackPDF)
        p_.heading(t["certificate"], level=2)
        p_.grid(rows, widths=widths, align=("LEFT", "RIGHT", "RIGHT", "RIGHT"), bold=bold)
        p_.paragraph(note, size=8.5, muted=True)

    pdf.keep_together(certificate)

    rf = pack.rollforward
    control = rf.control_total

    def tie(p_: ReportPDF) -> None:
        assert isinstance(p_, PackPDF)
        p_.heading(t["tie_out"], level=2)
        p_.grid(
            [
                [t["cert_gross"], m(cert.gross)],
                [t["aging_total"], m(rf.aging_total)],
                [t["difference"], money2(cert.gross - rf.aging_total, ccy, lang)],
                [t["rf_control"], t["not_imported"] if control is None else m(control)],
                [t["cert_control_diff"], "–" if control is None else money2(cert.gross - control, ccy, lang)],
            ],
            widths=(100, 50),
            align=("LEFT", "RIGHT"),
            bold=(2, 4),
            size=9,
            headings=False,
        )

    pdf.keep_together(tie)

    def signature(p_: ReportPDF) -> None:
        assert isinstance(p_, PackPDF)
        p_.heading(t["signature"], level=2)
        p_.paragraph(t["signature_text"])
        p_.signature_lines([t["sig_name"], t["sig_title"], t["sig_date"], t["sig_signature"]], {})

    pdf.keep_together(signature)


def _insurance(pdf: PackPDF, pack: LenderPack, t: dict[str, str], lang: str) -> None:
    ins, ccy = pack.insurance, pack.currency
    pdf.section(t["s9"], t["s9_text"].format(days=ins.notification_days))

    def m(v: Decimal | None) -> str:
        return money(v, ccy, lang)

    pdf.grid(
        [[t["insured"], m(ins.insured_exposure)], [t["uninsured_exposure"], m(ins.uninsured_exposure)]],
        widths=(100, 50),
        align=("LEFT", "RIGHT"),
        size=9,
        headings=False,
    )
    pdf.heading(t["above_limit"], level=2)
    if ins.above_limit:
        rows = [[t["ref"], t["customer"], t["balance"], t["insured_limit"], t["excess"]]]
        rows += [[x.ref, x.name, m(x.balance), m(x.insured_limit), m(x.excess)] for x in ins.above_limit]
        pdf.grid(rows, widths=pdf.fit_widths(rows, flex=1), align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"))
    else:
        pdf.paragraph(t["none_rows"])
    pdf.heading(t["notifications"], level=2)
    if ins.notifications:
        rows = [[t["ref"], t["customer"], t["insurer"], t["invoice"], t["amount"], t["days_past_due"], t["deadline"]]]
        rows += [
            [n.ref, n.name, n.insurer, n.invoice, m(n.amount), number(n.days_past_due, lang), day(n.deadline, lang)]
            for n in ins.notifications
        ]
        pdf.grid(
            rows,
            widths=pdf.fit_widths(rows, flex=1),
            align=("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        )
    else:
        pdf.paragraph(t["none_rows"])


def _pairs_table(pdf: PackPDF, pairs: Sequence[tuple[str, str]], t: dict[str, str]) -> None:
    rows = [[t["parameter"], t["value"]], *([k, v] for k, v in pairs)]
    pdf.grid(rows, widths=pdf.fit_widths(rows, flex=1), align=("LEFT", "LEFT"))


def _flat(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_flat(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    return "–" if value is None else str(value)


def _methodology(pdf: PackPDF, pack: LenderPack, cert: Certificate | None, t: dict[str, str]) -> None:
    pdf.section(t["s10"], t["s10_text"])
    pdf.heading(t["definitions"], level=2)
    keys = ("ar", "overdue", "dso", "bpdso", "add", "cei", "hhi", "rollforward", "loss_rate", "ecl", "waterfall")
    pdf.bullets([t[f"def_{k}"] for k in (*keys, "dilution")])
    pdf.heading(t["parameters"], level=2)
    _pairs_table(pdf, pack.parameters, t)
    pdf.heading(t["ecl_settings"], level=2)
    _pairs_table(pdf, [(k, _flat(v)) for k, v in pack.ecl_settings.to_dict().items()], t)
    pdf.heading(t["profile_parameters"], level=2)
    if cert is None:
        pdf.paragraph(t["no_profile"])
    else:
        _pairs_table(pdf, [(k, _flat(v)) for k, v in cert.profile.to_dict().items()], t)


def _appendix(pdf: PackPDF, pack: LenderPack, cert: Certificate | None, t: dict[str, str], lang: str) -> None:
    pdf.section(t["appendix"], t["appendix_text"])
    if cert is None:
        pdf.paragraph(t["no_profile_text"])
        return
    per_customer = cert.by_customer()
    if not per_customer:
        pdf.paragraph(t["no_ineligibles"])
        return
    lines, ccy = CERT_LINES[lang], pack.currency
    rows = [[t["ref"], t["customer"], t["category"], t["amount"]]]
    for ref, name, amounts in per_customer:
        for category, amount in amounts.items():
            rows.append([ref, name, lines.get(category, category), money(amount, ccy, lang)])
    rows.append(["", t["total_ineligible_row"], "", money(cert.total_ineligible, ccy, lang)])
    pdf.grid(rows, widths=pdf.fit_widths(rows, flex=1), align=("LEFT", "LEFT", "LEFT", "RIGHT"), bold=(len(rows) - 1,))
