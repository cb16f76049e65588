"""A hand-built lender pack for the report tests: five customers (Norwegian letters, a euro sign, a name that
starts with "="), October 2026, every figure written out so the tests can check the printed values by hand.

The certificate and the provision matrix are computed with the domain functions from the inputs below; the test
module checks their results against the arithmetic written here."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal as D

from domain.borrowing_base import BBItem, DilutionInputs, LenderProfile, borrowing_base
from domain.ecl import (
    BucketOverride,
    EclResult,
    EclSettings,
    IndividualRow,
    LossHistory,
    provision_matrix,
    reconcile_allowance,
)
from domain.pack import (
    AgingTable,
    ConcentrationLine,
    CustomerAgingLine,
    DisputeSummary,
    Headline,
    InsuranceSection,
    InsuredLine,
    LenderPack,
    NotificationDue,
    RiskSection,
    RollForward,
    TrendRow,
)

LABELS = ("current", "1-30", "31-60", "61-90", "91-120", "121+")
PERIOD_END = date(2026, 10, 31)
GENERATED = datetime(2026, 11, 3, 15, 30)

ERLIG = "Ærlig Økonomi AS – Tromsø"
FJORD = "Fjordbåt & Blåbær ASA"
NORDLYS = "=Nordlys Handel AS"  # a spreadsheet would run this as a formula
RHEIN = "Rhein € Logistik GmbH"
TRAAL = "Tromsø Trål AS"

# --- aging by due date, per customer (credits in their own bucket) ------------------------------------------
CUSTOMERS = (
    # 400 000 + 150 000 = 550 000.00
    CustomerAgingLine(
        "C001", ERLIG, (D("400000.00"), D("150000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")), D("0.00")
    ),
    # 300 000 − 20 000 unapplied payment = 280 000 current; + 80 000 in 31-60 = 360 000.00
    CustomerAgingLine(
        "C002", FJORD, (D("280000.00"), D("0.00"), D("80000.00"), D("0.00"), D("0.00"), D("0.00")), D("-20000.00")
    ),
    # 45 000.50 + 30 000 = 75 000.50
    CustomerAgingLine(
        "C003", NORDLYS, (D("0.00"), D("0.00"), D("0.00"), D("45000.50"), D("0.00"), D("30000.00")), D("0.00")
    ),
    # 120 000 + 25 000.25 = 145 000.25
    CustomerAgingLine(
        "C004", RHEIN, (D("120000.00"), D("25000.25"), D("0.00"), D("0.00"), D("0.00"), D("0.00")), D("0.00")
    ),
    CustomerAgingLine("C005", TRAAL, (D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("60000.00")), D("0.00")),
)
# invoices per bucket: current 400 000 + 300 000 + 120 000 = 820 000; 1-30 150 000 + 25 000.25 = 175 000.25;
# 31-60 80 000; 61-90 45 000.50; 91-120 0; 121+ 30 000 + 60 000 = 90 000
# invoice total 820 000 + 175 000.25 + 80 000 + 45 000.50 + 90 000 = 1 210 000.75; credits −20 000.00
# total AR 1 210 000.75 − 20 000 = 1 190 000.75 (= the sum of the customer lines above)
AGING_DUE = AgingTable(
    basis="due",
    labels=LABELS,
    invoices=(D("820000.00"), D("175000.25"), D("80000.00"), D("45000.50"), D("0.00"), D("90000.00")),
    credits=(D("-20000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
    invoice_counts=(4, 2, 1, 1, 0, 2),
    credit_counts=(1, 0, 0, 0, 0, 0),
)
AGING_INVOICE = AgingTable(
    basis="invoice",
    labels=LABELS,
    invoices=(D("0.00"), D("820000.00"), D("175000.25"), D("80000.00"), D("45000.50"), D("90000.00")),
    credits=(D("0.00"), D("-20000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00")),
    invoice_counts=(0, 4, 2, 1, 1, 2),
    credit_counts=(0, 1, 0, 0, 0, 0),
)
INVOICE_TOTAL = D("1210000.75")
CREDIT_TOTAL = D("-20000.00")
TOTAL_AR = D("1190000.75")

# --- roll-forward -----------------------------------------------------------------------------------------------
# 1 050 000 + 900 000.75 − 700 000 − 40 000 − 15 000 − 5 000 + 1 234.56 − 1 234.00 − 0.56 = 1 190 000.75
ROLLFORWARD = RollForward(
    first_day=date(2026, 10, 1),
    last_day=PERIOD_END,
    opening=D("1050000.00"),
    invoiced=D("900000.75"),
    collected=D("-700000.00"),
    credit_notes=D("-40000.00"),
    write_offs=D("-15000.00"),
    recoveries=D("-5000.00"),
    fx_revaluation=D("1234.56"),
    post_close=D("-1234.00"),
    rounding=D("-0.56"),
    aging_total=TOTAL_AR,
    control_total=D("1190100.75"),  # the ERP says 100.00 more: aging − control = −100.00
    control_source="Visma saldoliste 31.10.2026",
)

# --- IFRS 9 -----------------------------------------------------------------------------------------------------
OVERRIDE_91 = BucketOverride(
    "91-120", D("25"), "Few invoices reached 91-120 in the window; the 2019–2024 average for €-invoiced exports."
)
ECL_SETTINGS = EclSettings(
    min_reached=D("100000"),
    overrides=(OVERRIDE_91,),
    forward_factor=D("1.10"),
    forward_source="Norges Bank, Pengepolitisk rapport 3/2026: unemployment forecast up, +10 % on every rate",
)
# historical rates: 25 000 / 5 000 000 = 0.5 %; 18 000 / 1 200 000 = 1.5 %; 20 000 / 400 000 = 5 %;
# 15 000 / 150 000 = 10 %; 12 000 / 60 000 = 20 % (thin, overridden by 25 %); 30 000 / 90 000 = 33.33 % (thin, no
# override)
HISTORY = LossHistory(
    labels=LABELS,
    reached=(D("5000000.00"), D("1200000.00"), D("400000.00"), D("150000.00"), D("60000.00"), D("90000.00")),
    lost=(D("25000.00"), D("18000.00"), D("20000.00"), D("15000.00"), D("12000.00"), D("30000.00")),
    first_issue=date(2024, 11, 1),
    last_issue=date(2026, 4, 30),
)
# collectively assessed balances: the due-date aging without C005 (assessed individually, 60 000 in 121+)
MATRIX_BALANCES = (D("800000.00"), D("175000.25"), D("80000.00"), D("45000.50"), D("0.00"), D("30000.00"))
# applied rates × 1.10: 0.55 %, 1.65 %, 5.50 %, 11.00 %, 27.50 %, 36.67 %
# ECL: 800 000 × 0.0055 = 4 400.00; 175 000.25 × 0.0165 = 2 887.504125 → 2 887.50; 80 000 × 0.055 = 4 400.00;
# 45 000.50 × 0.11 = 4 950.055 → 4 950.06; 0; 30 000 × 0.36666… = 11 000.00
# matrix total 4 400 + 2 887.50 + 4 400 + 4 950.06 + 0 + 11 000 = 27 637.56
MATRIX_ECL = D("27637.56")
INDIVIDUAL = (
    # PD 100 % × LGD 70 % × 60 000 uninsured = 42 000.00
    IndividualRow(5, "C005", TRAAL, "bankrupt", D("60000.00"), D("100"), D("70"), D("60000.00"), D("42000.00")),
)
INDIVIDUAL_ECL = D("42000.00")
BOOKED_ECL = D("69637.56")  # 27 637.56 + 42 000.00
# opening 40 000, used 15 000 (the month's write-offs), closing 69 637.56: charged 69 637.56 − 40 000 + 15 000
ALLOWANCE = reconcile_allowance(D("40000.00"), BOOKED_ECL, D("15000.00"))
ALLOWANCE_CHARGED = D("44637.56")

# --- borrowing base ---------------------------------------------------------------------------------------------
PROFILE = LenderProfile(
    name="DNB revolving facility",
    lender="DNB Bank ASA",
    basis="invoice",
    cutoff_days=90,
    concentration_percent=D("50"),
    advance_rate_percent=D("85"),
    dilution_threshold_percent=D("5"),
    loan_balance=D("500000.00"),
    loan_balance_date=PERIOD_END,
)
OTHER_PROFILE = LenderProfile(
    name="Nordea factoring line", lender="Nordea Bank Abp", advance_rate_percent=D("80"), concentration_percent=None
)
# (credit notes 400 000 + write-offs 150 000 + discounts 50 000) / gross sales 10 000 000 = 6.00 %
DILUTION = DilutionInputs(
    gross_sales=D("10000000.00"),
    credit_notes=D("400000.00"),
    write_offs=D("150000.00"),
    discounts=D("50000.00"),
    first_day=date(2025, 11, 1),
    last_day=PERIOD_END,
)


def _item(cid: int, ref: str, name: str, doc: str, amount: str, days: int, **flags) -> BBItem:
    base = {
        "country": "NO",
        "insured": True,
        "affiliate": False,
        "government": False,
        "bankrupt": False,
        "pledged": False,
    }
    base.update(flags)
    kind = base.pop("kind", "invoice")
    return BBItem(cid, ref, name, cid, doc, kind, D(amount), days, **base)


ITEMS = (
    _item(1, "C001", ERLIG, "INV-1001", "250000.00", 20),
    _item(1, "C001", ERLIG, "INV-1002", "150000.00", 25),
    _item(1, "C001", ERLIG, "INV-1003", "150000.00", 40),
    _item(2, "C002", FJORD, "INV-2001", "300000.00", 15),
    _item(2, "C002", FJORD, "INV-2002", "80000.00", 75, disputed=D("10000.00")),
    _item(2, "C002", FJORD, "PAY-2001", "-20000.00", 100, kind="payment"),
    _item(3, "C003", NORDLYS, "INV-3001", "45000.50", 110, insured=False),
    _item(3, "C003", NORDLYS, "INV-3002", "30000.00", 160, insured=False),
    _item(4, "C004", RHEIN, "INV-4001", "120000.00", 10, country="DE", insured=False),
    _item(4, "C004", RHEIN, "INV-4002", "25000.25", 50, country="DE", insured=False),
    _item(5, "C005", TRAAL, "INV-5001", "60000.00", 200, bankrupt=True),
)
CONTRA = {1: D("12000.00")}  # we owe Ærlig 12 000 (a supplier invoice): taken from its oldest invoice

# The waterfall by hand (cut-off 90 days, default order):
#   gross 550 000 + 360 000 + 75 000.50 + 145 000.25 + 60 000 = 1 190 000.75
#   past_due: INV-3001 45 000.50 + INV-3002 30 000 + INV-5001 60 000 = 135 000.50
#   cross_aged: C003 and C005 are wholly past the cut-off already: 0
#   credits_in_prior: PAY-2001 (100 days) 20 000.00
#   foreign_uninsured: C004 (DE, uninsured) 120 000 + 25 000.25 = 145 000.25
#   contra: 12 000.00 (from INV-1003); disputed: 10 000.00 (INV-2002); bankrupt: C005 already taken: 0
#   before the cap 135 000.50 + 20 000 + 145 000.25 + 12 000 + 10 000 = 322 000.75
#   eligible before the cap 1 190 000.75 − 322 000.75 = 868 000.00; cap 50 % = 434 000.00
#   C001 538 000 (550 000 − 12 000) → 104 000.00 above the cap; C002 370 000 below it
#   total ineligible 322 000.75 + 104 000 = 426 000.75; eligible 764 000.00
#   gross availability 764 000 × 85 % = 649 400.00; dilution 6.00 % − 5 % threshold = 1 %: reserve 7 640.00
#   availability 641 760.00; loan 500 000.00; excess availability 141 760.00
ELIGIBLE = D("764000.00")
TOTAL_INELIGIBLE = D("426000.75")
AVAILABILITY = D("641760.00")
EXCESS = D("141760.00")

# September: C001 400 000 and C002 300 000, no ineligibles but concentration: cap 50 % × 700 000 = 350 000,
# C001 50 000 above it; eligible 650 000; × 85 % = 552 500.00; reserve 1 % = 6 500.00; availability 546 000.00;
# excess 546 000 − 500 000 = 46 000.00
PREVIOUS = borrowing_base(
    (
        _item(1, "C001", ERLIG, "INV-0901", "400000.00", 20),
        _item(2, "C002", FJORD, "INV-0902", "300000.00", 30),
    ),
    PROFILE,
    {},
    DILUTION,
    as_of=date(2026, 9, 30),
)
PREVIOUS_ELIGIBLE = D("650000.00")
PREVIOUS_EXCESS = D("46000.00")
CERTIFICATE = borrowing_base(ITEMS, PROFILE, CONTRA, DILUTION, PREVIOUS, as_of=PERIOD_END)
OTHER_CERTIFICATE = borrowing_base(ITEMS, OTHER_PROFILE, CONTRA, DILUTION, as_of=PERIOD_END)

# --- the rest of the pack -----------------------------------------------------------------------------------------
SUMMARY = (
    Headline(
        PERIOD_END,
        TOTAL_AR,
        overdue_share=D("32.77317"),  # (1 190 000.75 − 800 000) / 1 190 000.75 → 32.8 %
        share_over_60=D("11.34462"),
        share_over_90=D("7.56302"),
        dso=D("41.25"),
        bpdso=D("27.55"),
        add=D("13.70"),
        cei=D("84.375"),  # → 84.4 %
        ecl=BOOKED_ECL,
    ),
    Headline(
        date(2026, 9, 30),
        D("1050000.00"),
        D("30"),
        D("10.05"),
        D("6.94"),
        D("39"),
        D("28"),
        D("11"),
        D("86.2"),
        D("40000.00"),
    ),
    Headline(date(2025, 10, 31), D("900000.00"), D("25"), D("8"), D("5"), D("35"), D("27"), D("8"), None, None),
)

TREND = tuple(
    TrendRow(end, D(total), D(overdue), D(dso), None if cei is None else D(cei))
    for end, total, overdue, dso, cei in (
        (date(2025, 11, 30), "910000.00", "25.5", "35.5", None),
        (date(2025, 12, 31), "935000.00", "26.0", "36.0", "88.0"),
        (date(2026, 1, 31), "950000.00", "26.5", "36.5", "87.5"),
        (date(2026, 2, 28), "962000.00", "27.0", "37.0", "87.0"),
        (date(2026, 3, 31), "975000.00", "27.5", "37.5", "86.5"),
        (date(2026, 4, 30), "988000.00", "28.0", "38.0", "86.0"),
        (date(2026, 5, 31), "999000.00", "28.5", "38.0", "86.0"),
        (date(2026, 6, 30), "1005000.00", "29.0", "38.5", "85.5"),
        (date(2026, 7, 31), "1020000.00", "29.5", "38.5", "85.0"),
        (date(2026, 8, 31), "1035000.00", "30.0", "39.0", "85.0"),
        (date(2026, 9, 30), "1050000.00", "30.0", "39.0", "86.2"),
        (date(2026, 10, 31), "1190000.75", "32.77317", "41.25", "84.375"),
    )
)

TOP_CUSTOMERS = (
    ConcentrationLine("C001", ERLIG, D("550000.00"), D("46.21846"), D("800000.00"), D("500000.00"), "A"),
    ConcentrationLine("C002", FJORD, D("360000.00"), D("30.25208"), D("400000.00"), D("300000.00"), "B"),
    ConcentrationLine("C004", RHEIN, D("145000.25"), D("12.18488"), D("200000.00"), None, "C"),
    ConcentrationLine("C003", NORDLYS, D("75000.50"), D("6.30256"), D("50000.00"), None, "D"),
    ConcentrationLine("C005", TRAAL, D("60000.00"), D("5.04201"), D("100000.00"), None, "E"),
)
TOP_GROUPS = (
    ConcentrationLine("C001", ERLIG, D("550000.00"), D("46.21846"), D("800000.00"), D("500000.00"), "A"),
    # Fjordbåt with Nordlys: 360 000 + 75 000.50 = 435 000.50
    ConcentrationLine(
        "G-FJ", "Fjordbåt-konsernet", D("435000.50"), D("36.55464"), D("450000.00"), D("300000.00"), "D", 2
    ),
    ConcentrationLine("C004", RHEIN, D("145000.25"), D("12.18488"), D("200000.00"), None, "C"),
    ConcentrationLine("C005", TRAAL, D("60000.00"), D("5.04201"), D("100000.00"), None, "E"),
)

RISK = RiskSection(
    classes=("A", "B", "C", "D", "E"),
    exposure_by_class=(D("550000.00"), D("360000.00"), D("145000.25"), D("75000.50"), D("60000.00")),
    customers_by_class=(1, 1, 1, 1, 1),
    expected_loss_by_class=(D("962.50"), D("1890.00"), D("3045.01"), D("9450.11"), D("42000.00")),
    bucket_labels=LABELS,
    heat=(
        (D("400000.00"), D("150000.00"), D("0"), D("0"), D("0"), D("0")),
        (D("280000.00"), D("0"), D("80000.00"), D("0"), D("0"), D("0")),
        (D("120000.00"), D("25000.25"), D("0"), D("0"), D("0"), D("0")),
        (D("0"), D("0"), D("0"), D("45000.50"), D("0"), D("30000.00")),
        (D("0"), D("0"), D("0"), D("0"), D("0"), D("60000.00")),
    ),
    disputes=DisputeSummary(
        open_count=2,
        open_amount=D("18500.00"),
        opened_count=1,
        opened_amount=D("10000.00"),
        resolved_count=1,
        resolved_amount=D("4000.00"),
        by_outcome=(("credit_note", 1, D("4000.00")),),
        largest_open=(
            ("C002", FJORD, "INV-2002", D("10000.00"), date(2026, 10, 12)),
            ("C001", ERLIG, "INV-1002", D("8500.00"), date(2026, 8, 3)),
        ),
    ),
)

INSURANCE = InsuranceSection(
    insured_exposure=D("800000.00"),  # 500 000 (C001 capped at its insured limit) + 300 000 (C002)
    uninsured_exposure=D("390000.75"),  # 1 190 000.75 − 800 000
    notification_days=60,
    above_limit=(
        InsuredLine("C001", ERLIG, D("550000.00"), D("500000.00"), D("50000.00")),
        InsuredLine("C002", FJORD, D("360000.00"), D("300000.00"), D("60000.00")),
    ),
    notifications=(NotificationDue("C002", FJORD, "Atradius", "INV-2002", D("80000.00"), 45, date(2026, 11, 15)),),
)

PARAMETERS = (
    ("bucket_edges", "30, 60, 90, 120"),
    ("kpi_window_days", "90"),
    ("lgd_percent", "70"),
    ("insurer_notification_days", "60"),
)

WARNING = "thin_history:121+"  # a code of the pack; the PDF prints it in words (WARNING_TEXT)
WARNING_TEXT = "Bucket 121+: the loss history is thin and there is no override with a written rationale."

PACK = LenderPack(
    company="Fjord Økonomi AS",
    org_number="987 654 325",
    country="NO",
    currency="NOK",
    period="2026-10",
    period_end=PERIOD_END,
    previous_end=date(2026, 9, 30),
    year_earlier_end=date(2025, 10, 31),
    prepared_by="Kari Nordmann",
    signed_off_by="Ola Ås",
    signed_off_at=datetime(2026, 11, 3, 15, 25),
    generated_at=GENERATED,
    policy_version=7,
    closed=True,
    summary=SUMMARY,
    aging_due=AGING_DUE,
    aging_invoice=AGING_INVOICE,
    customers=CUSTOMERS,
    rollforward=ROLLFORWARD,
    top_customers=TOP_CUSTOMERS,
    top_groups=TOP_GROUPS,
    hhi=D("3264.9523"),
    group_hhi=D("3707.1234"),
    risk=RISK,
    trend=TREND,
    ecl_settings=ECL_SETTINGS,
    ecl=EclResult(provision_matrix(MATRIX_BALANCES, HISTORY, ECL_SETTINGS), INDIVIDUAL),
    allowance=ALLOWANCE,
    certificates=(CERTIFICATE, OTHER_CERTIFICATE),
    insurance=INSURANCE,
    parameters=PARAMETERS,
    warnings=(WARNING,),
)

# A draft whose roll-forward does not tie and has no ERP control total: closing 1 190 000.75 against an aging of
# 1 190 000.00 leaves 0.75 (and the certificate's gross 1 190 000.75 differs from that aging by 0.75 too).
DRAFT = replace(
    PACK,
    closed=False,
    signed_off_by=None,
    signed_off_at=None,
    rollforward=replace(ROLLFORWARD, aging_total=D("1190000.00"), control_total=None, control_source=None),
)
NO_PROFILES = replace(PACK, certificates=())
