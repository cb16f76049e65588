"""Month-end close on SQLite and PostgreSQL: the roll-forward, the loss history and provision, the borrowing-base
inputs and certificate, close / reopen with the frozen snapshot, and the report log, each against a small ledger
computed by hand (the arithmetic is in the comments and in tests/close_ledger.py)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from close_ledger import (
    COMPANY,
    EUR_MONTH,
    LATE_INVOICE,
    NOK_CLOSING,
    NOK_OPENING,
    NOW,
    OCT_LAST,
    add_collection_step,
    add_dispute,
    add_event,
    add_with_agency,
    customer_id,
    load_nok_month,
    set_customer,
    set_invoice,
)
from ledger import load, ready_engine
from sqlalchemy import select

from data_access.borrowing import (
    add_control_total,
    bb_items,
    certificates,
    contra_amounts,
    control_total,
    dilution,
    disputed_at,
    lender_profile_history,
    lender_profiles,
    retire_lender_profile,
    save_lender_profile,
    set_contra,
)
from data_access.close import (
    build_pack,
    close_period,
    closed_pack,
    closes,
    log_report,
    pack_for,
    reopen_period,
    report_log,
)
from data_access.ledger import save_company_profile, save_policy
from data_access.provision import collective_aging, in_collection, loss_history, provision
from data_access.risk import portfolio_risk
from data_access.schema import PeriodClose
from domain.aging import Buckets
from domain.borrowing_base import BorrowingBaseError, LenderProfile
from domain.closing import CloseError
from domain.ecl import BucketOverride, EclSettings
from domain.fx import MissingFxRate
from domain.money import q2
from domain.policy import Policy
from domain.snapshot import dumps

SIGNER = "Kari Nordmann"


@pytest.fixture
def engine(db_url):
    e = ready_engine(db_url)
    yield e
    e.dispose()


def _pack(conn, period: str = "2026-10", **kw):
    return build_pack(conn, period, prepared_by="Ola Preparer", generated_at=NOW, **kw)


# --- 1. roll-forward, NOK only ------------------------------------------------------------------------------


def test_rollforward_of_a_nok_month_ties_line_by_line_to_the_aging(engine):
    load_nok_month(engine)  # the ledger and its hand computation: tests/close_ledger.py NOK_MONTH
    with engine.begin() as conn:
        add_control_total(conn, OCT_LAST, D("975.00"), "GL 1500 (old)", "Kari")
        add_control_total(conn, OCT_LAST, D("985.00"), "Tripletex aged receivables", "Kari")  # latest wins
        add_control_total(conn, date(2026, 9, 30), D("1650.00"), "GL 1500", "Kari")  # another date
        with pytest.raises(ValueError, match="say where the control total comes from"):
            add_control_total(conn, OCT_LAST, D("1.00"), "  ", "Kari")
    with engine.connect() as conn:
        assert control_total(conn, OCT_LAST) == (D("985.00"), "Tripletex aged receivables")
        assert control_total(conn, date(2026, 10, 30)) is None
        pack = _pack(conn)
    rf, aging_due = pack.rollforward, pack.aging_due
    assert (rf.first_day, rf.last_day) == (date(2026, 10, 1), OCT_LAST)
    assert rf.opening == NOK_OPENING == D("1650.00")  # I1 1000 + I2 500 + I3 200 - PA 50
    assert rf.invoiced == D("1100.00")  # I4 800 + I5 300; I6 (2 Nov) is outside
    assert rf.collected == D("-1000.00")  # P1 on I1; P0 (July) and PA (September) are outside
    assert rf.credit_notes == D("-150.00")  # CN1
    assert rf.write_offs == D("-500.00")  # W1 on I2, 15 Oct
    assert rf.recoveries == D("-120.00")  # P2 names I2 after its write-off: an unapplied credit
    assert (rf.fx_revaluation, rf.post_close, rf.rounding) == (D("0.00"), D("0.00"), D("0.00"))
    # 1650 + 1100 - 1000 - 150 - 500 - 120 = 980
    assert rf.closing == rf.aging_total == NOK_CLOSING == D("980.00")
    assert rf.difference_to_aging == 0
    # open invoices I3 50 + I4 800 + I5 300 = 1150; credits PA -50 + P2 -120 = -170
    assert (aging_due.invoice_total, aging_due.credit_total, aging_due.total) == (
        D("1150.00"),
        D("-170.00"),
        rf.closing,
    )
    assert (rf.control_total, rf.control_source) == (D("985.00"), "Tripletex aged receivables")
    assert rf.difference_to_control == D("-5.00")  # 980 - 985
    assert "control_total_difference" in pack.warnings and "rollforward_difference" not in pack.warnings


def test_a_payment_of_the_part_left_after_a_partial_write_off_is_a_collection(engine):
    """R1's invoice of 1000 is written off by 400 on 5 Oct; on 10 Oct the customer pays the 600 still open, naming
    the invoice. The payment is allocated (the invoice closes), so it is cash collected, not a recovery (which
    RollForward defines as cash on written-off invoices held as an unapplied credit)."""
    load(
        engine,
        customers=[("R1", "Tromsø Fisk AS")],
        invoices=[("RI", "R1", "2026-09-01", "2026-10-01", "1000.00", "NOK")],
        payments=[("RP", "R1", "2026-10-10", "600.00", "NOK", "RI")],
        write_offs=[("RW", "RI", "2026-10-05", "400.00")],
    )
    with engine.connect() as conn:
        rf = _pack(conn).rollforward
    # opening 1000 - write-off 400 - payment 600 = 0 either way: only the split of the lines is in question
    assert (rf.opening, rf.write_offs, rf.closing, rf.aging_total) == (D("1000.00"), D("-400.00"), 0, 0)
    assert (rf.collected, rf.recoveries) == (D("-600.00"), D("0.00"))


# --- 2. roll-forward with a EUR customer ----------------------------------------------------------------------


def test_rollforward_revalues_the_opening_eur_items_and_keeps_rounding_to_the_last_cent(engine):
    with engine.begin() as conn:
        save_company_profile(conn, COMPANY)
    load(engine, **EUR_MONTH)  # rates EUR 11.50 on 30 Sep, 11.30 on 15 Oct, 11.234567 on 31 Oct
    with engine.connect() as conn:
        pack = _pack(conn)
    rf = pack.rollforward
    # opening at 30 Sep (11.50): EI1 1000.01 x 11.5 = 11500.115 -> 11500.12; EI2 333.33 x 11.5 = 3833.295 -> 3833.30
    # foreign 15333.42, plus NI1 500.00 NOK
    assert rf.opening == D("15833.42")
    # revalued at 31 Oct (11.234567): 1000.01 -> 11234.67934567 -> 11234.68; 333.33 -> 3744.81821811 -> 3744.82
    # = 14979.50; revaluation 14979.50 - 15333.42 = -353.92
    assert rf.fx_revaluation == D("-353.92")
    # October at the closing rate (never the 15 Oct rate): EI3 200.02 -> 2247.13809134 -> 2247.14, NI2 250.00
    assert rf.invoiced == D("2497.14")
    # EP1 333.33 -> -3744.82, EP2 301.00 -> 3381.604667 -> -3381.60
    assert rf.collected == D("-7126.42")
    # closing EUR items: EI1 699.01 -> 7853.07467867 -> 7853.07, EI3 2247.14: 10100.21
    # rounding = 10100.21 - 14979.50 - (2247.14 - 3744.82 - 3381.60) = 10100.21 - 14979.50 + 4879.28 = -0.01
    assert rf.rounding == D("-0.01")
    assert abs(rf.rounding) <= D("0.01") * 5  # five EUR documents: EI1, EI2, EI3, EP1, EP2
    # 15833.42 + 2497.14 - 7126.42 - 353.92 - 0.01 = 10850.21 = 10100.21 EUR items + 750.00 NOK (NI1 + NI2)
    assert rf.closing == rf.aging_total == pack.aging_due.total == D("10850.21")
    assert rf.difference_to_aging == 0
    assert "rollforward_difference" not in pack.warnings


# --- 3. loss history ------------------------------------------------------------------------------------------

LOSS_LEDGER = dict(
    customers=[("L1", "Stavanger Olje AS"), ("LE", "Berlin Bau GmbH", "DE", "EUR")],
    fx=[("2026-04-20", "EUR", "11.00"), ("2026-10-31", "EUR", "11.50")],
    invoices=[
        ("A", "L1", "2026-01-10", "2026-02-09", "1000.00", "NOK"),  # paid 4 days before due
        ("B", "L1", "2026-02-01", "2026-03-03", "2000.00", "NOK"),  # paid 40 days late (12 Apr)
        ("C", "L1", "2026-03-01", "2026-03-31", "1500.00", "NOK"),  # 500 at 10 days late, 1000 at 40 days late
        ("D", "L1", "2025-12-01", "2025-12-31", "3000.00", "NOK"),  # 1000 at 20 days late, 2000 written off at 100
        ("E", "LE", "2026-04-20", "2026-05-20", "100.00", "EUR"),  # paid 5 days before due
        ("G", "L1", "2026-04-30", "2026-09-28", "400.00", "NOK"),  # last day of the window, 33 days past due
        ("F", "L1", "2026-06-01", "2026-07-01", "700.00", "NOK"),  # emergence months: not a cohort
        ("H", "L1", "2024-10-31", "2024-11-30", "600.00", "NOK"),  # the day before the window: not a cohort
        ("CN", "L1", "2026-03-05", "2026-03-05", "-100.00", "NOK", "credit_note"),  # not an invoice
    ],
    payments=[
        ("PA", "L1", "2026-02-05", "1000.00", "NOK", "A"),
        ("PB", "L1", "2026-04-12", "2000.00", "NOK", "B"),
        ("PC1", "L1", "2026-04-10", "500.00", "NOK", "C"),
        ("PC2", "L1", "2026-05-10", "1000.00", "NOK", "C"),
        ("PD", "L1", "2026-01-20", "1000.00", "NOK", "D"),
        ("PE", "LE", "2026-05-15", "100.00", "EUR", "E"),
    ],
    write_offs=[("WD", "D", "2026-04-10", "2000.00")],  # 31 Dec + 100 days = 10 Apr
)


def test_loss_history_follows_each_cohort_invoice_through_the_buckets(engine):
    load(engine, **LOSS_LEDGER)
    settings = EclSettings(lookback_months=24, emergence_months=6)
    with engine.connect() as conn:
        h = loss_history(conn, OCT_LAST, Buckets((30, 60, 90)), settings)
    # window: after 2024-10-31 up to 2026-04-30 (H and F fall outside)
    assert (h.first_issue, h.last_issue) == (date(2024, 11, 1), date(2026, 4, 30))
    assert h.labels == ("current", "1-30", "31-60", "61-90", "91+")
    # a bucket is entered at due + 1, 31, 61, 91 days; what was allocated on or before that day is not open then
    # current: everything invoiced: A 1000 + B 2000 + C 1500 + D 3000 + E 100 EUR x 11.50 (as-of rate) 1150 + G 400
    #   = 9050
    # 1-30:  B 2000 + C 1500 + D 3000 (paid 1000 at day 20 > 1) + G 400 (33 days >= 1)           = 6900
    #        (A and E were paid before due)
    # 31-60: B 2000 (paid at day 40) + C 1000 (500 paid at day 10) + D 2000 + G 400 (33 >= 31)  = 5400
    # 61-90: D 2000 (written off at day 100); B and C were paid by day 40; G is only 33 days past due
    # 91+:   D 2000
    assert h.reached == (D("9050.00"), D("6900.00"), D("5400.00"), D("2000.00"), D("2000.00"))
    # D's write-off of 2000 is the only loss, and D reached every bucket
    assert h.lost == (D("2000.00"),) * 5


def test_loss_history_counts_only_write_offs_after_an_invoice_entered_the_bucket(engine):
    """J (1000, due 17 Mar) is written off by 900 at 10 days past due; the customer pays the last 100 at 50 days.
    The 31-60 bucket was entered with 100 open and nothing was lost after that (domain/ecl.py: lost[b] is what was
    *later* written off of the invoices that reached b), so its rate is 0, not 900 / 100 = 900 %."""
    load(
        engine,
        customers=[("L1", "Stavanger Olje AS")],
        invoices=[("J", "L1", "2026-02-15", "2026-03-17", "1000.00", "NOK")],
        payments=[("PJ", "L1", "2026-05-06", "100.00", "NOK", "J")],  # 17 Mar + 50 days
        write_offs=[("WJ", "J", "2026-03-27", "900.00")],  # 17 Mar + 10 days
    )
    with engine.connect() as conn:
        h = loss_history(conn, OCT_LAST, Buckets((30, 60, 90)), EclSettings())
    # reached: current 1000; 1-30 1000 (nothing allocated by day 1); 31-60 100; 61-90 0 (settled by day 50)
    assert h.reached == (D("1000.00"), D("1000.00"), D("100.00"), D("0.00"), D("0.00"))
    # lost: the 900 was written off at day 10, after J entered current and 1-30, before it entered 31-60
    assert h.lost == (D("900.00"), D("900.00"), D("0.00"), D("0.00"), D("0.00"))


# --- 4. provision ---------------------------------------------------------------------------------------------

PROVISION_LEDGER = dict(
    customers=[(f"K{n}", f"Kunde {n} AS") for n in range(1, 6)],
    invoices=[
        ("K1-1", "K1", "2026-10-15", "2026-11-14", "1000.00", "NOK"),  # current
        ("K1-2", "K1", "2026-08-17", "2026-09-16", "500.00", "NOK"),  # 45 days: 31-60
        ("K2-1", "K2", "2026-08-31", "2026-09-30", "2000.00", "NOK"),  # 31 days: 31-60 (bankrupt)
        ("K3-1", "K3", "2026-10-01", "2026-10-31", "400.00", "NOK"),  # due today: current
        ("K4-1", "K4", "2026-08-01", "2026-08-31", "800.00", "NOK"),  # 61 days: 61-90 (in collection)
        ("K5-1", "K5", "2026-09-01", "2026-10-01", "300.00", "NOK"),  # paid 20 Oct
    ],
    payments=[
        ("K1-P", "K1", "2026-10-20", "100.00", "NOK"),  # on account: an unapplied credit
        ("K5-P", "K5", "2026-10-20", "300.00", "NOK", "K5-1"),
    ],
)


def test_provision_takes_bankrupt_and_collection_customers_out_of_the_matrix(engine):
    load(engine, **PROVISION_LEDGER)
    with engine.begin() as conn:
        add_event(conn, "K2", date(2026, 10, 20), "bankruptcy")
        add_event(conn, "K3", date(2026, 11, 2), "bankruptcy")  # after the as-of date
        add_collection_step(conn, "K4", date(2026, 10, 25), "K4-1")
        add_collection_step(conn, "K1", date(2026, 11, 2), "K1-2")  # after the as-of date
        add_with_agency(conn, "K5-1")  # with the agency, but paid on 20 Oct
        ids = {ref: customer_id(conn, ref) for ref in ("K1", "K2", "K3", "K4", "K5")}
    policy = Policy(ecl=EclSettings(overrides=(BucketOverride("31-60", D("10"), "management estimate for the test"),)))
    with engine.connect() as conn:
        assert in_collection(conn, OCT_LAST) == {ids["K4"]}
        assert in_collection(conn, date(2026, 10, 15)) == {ids["K5"]}  # K5-1 still open, with the agency
        assert in_collection(conn, date(2026, 11, 5)) == {ids["K1"], ids["K4"]}
        prov = provision(conn, OCT_LAST, policy)
        risk = {r.ref: r for r in portfolio_risk(conn, OCT_LAST, policy=policy).rows}
        aging_total = sum((r.balance for r in risk.values()), D("0.00"))
        collective = collective_aging(conn, OCT_LAST, policy.buckets, prov.individual_ids)
    rows = {r.ref: r for r in prov.result.individual}
    assert {ref: (r.reason, r.exposure) for ref, r in rows.items()} == {
        "K2": ("bankrupt", D("2000.00")),
        "K4": ("in_collection", D("800.00")),
    }
    assert prov.individual_ids == {ids["K2"], ids["K4"]}
    # K2: class E by the bankruptcy (no bureau report: the policy's PD 25 %), LGD 70 %: 0.25 x 0.70 x 2000 = 350.00
    assert (rows["K2"].pd_percent, rows["K2"].lgd_percent, rows["K2"].ecl) == (D("25.00"), D("70"), D("350.00"))
    assert rows["K4"].ecl == q2(rows["K4"].pd_percent / 100 * D("0.70") * D("800.00")) == risk["K4"].expected_loss
    # matrix (K1, K3, K5): current K1-1 1000 + K3-1 400 = 1400; 31-60 K1-2 500; K2-1 and K4-1 are not in it
    m = prov.result.matrix
    assert [r.label for r in m.rows] == ["current", "1-30", "31-60", "61-90", "91-120", "121+"]
    assert [r.balance for r in m.rows] == [D("1400.00"), 0, D("500.00"), 0, 0, 0]
    assert m.total_ecl == D("50.00")  # 500 x 10 % (override); no history, so every other bucket's rate is 0
    assert prov.collective_credits == D("-100.00")  # K1-P
    # aging: 1000 + 500 - 100 + 2000 + 400 + 800 = 4600 = matrix 1900 + individual 2800 + credits -100
    assert aging_total == D("4600.00")
    assert m.total_balance + prov.result.individual_exposure + prov.collective_credits == aging_total
    assert collective.total == m.total_balance + prov.collective_credits == D("1800.00")
    assert prov.result.total == D("50.00") + D("350.00") + rows["K4"].ecl

    # a size threshold of 1000 also takes K1 (balance 1000 + 500 - 100 = 1400) out, with its unapplied credit
    sized = Policy(ecl=EclSettings(individual_threshold=D("1000")))
    with engine.connect() as conn:
        prov = provision(conn, OCT_LAST, sized)
    assert [(r.ref, r.reason, r.exposure) for r in prov.result.individual] == [
        ("K1", "size", D("1400.00")),
        ("K2", "bankrupt", D("2000.00")),
        ("K4", "in_collection", D("800.00")),
    ]
    # left in the matrix: K3-1 400 (current); K5 is settled; no collective credit is left
    assert [r.balance for r in prov.result.matrix.rows] == [D("400.00"), 0, 0, 0, 0, 0]
    assert prov.collective_credits == 0
    assert prov.result.matrix.total_balance + prov.result.individual_exposure == aging_total  # 400 + 4200


# --- 5. borrowing base ----------------------------------------------------------------------------------------

BB_LEDGER = dict(
    customers=[
        ("B1", "Nord Datter AS", "NO"),  # affiliate
        ("B2", "Vest Bygg AS", "NO"),  # contra; Y1 pledged and disputed
        ("B3", "Statens vegvesen", "NO"),  # government
        ("B4", "Svensk Handel AB", "SE"),  # foreign, not insured
        ("B5", "Dansk Import A/S", "DK"),  # foreign, insured
        ("B6", "Stor Kunde AS", "NO"),  # concentration
        ("B7", "Liten Kunde AS", "NO"),  # an old credit
        ("B8", "Konkurs AS", "NO"),  # bankrupt
    ],
    invoices=[
        ("X1", "B1", "2026-07-01", "2026-07-31", "1000.00", "NOK"),  # 122 days from invoice date
        ("X2", "B1", "2026-10-01", "2026-10-31", "3000.00", "NOK"),
        ("Y1", "B2", "2026-10-10", "2026-11-09", "2000.00", "NOK"),  # 21 days
        ("Y2", "B2", "2026-10-20", "2026-11-19", "1500.00", "NOK"),  # 11 days
        ("Z1", "B3", "2026-10-15", "2026-11-14", "700.00", "NOK"),
        ("S1", "B4", "2026-10-05", "2026-11-04", "1200.00", "NOK"),
        ("D1", "B5", "2026-10-05", "2026-11-04", "800.00", "NOK"),
        ("CN5", "B5", "2026-10-25", "2026-10-25", "-100.00", "NOK", "credit_note", "D1"),
        ("L1", "B6", "2026-10-01", "2026-10-31", "10000.00", "NOK"),  # 30 days
        ("L2", "B6", "2026-08-15", "2026-09-14", "5000.00", "NOK"),  # 77 days
        ("M1", "B7", "2026-10-20", "2026-11-19", "400.00", "NOK"),
        ("B7-W", "B7", "2026-03-01", "2026-03-31", "1000.00", "NOK"),  # written off in September
        ("Q1", "B8", "2026-10-01", "2026-10-31", "900.00", "NOK"),
    ],
    payments=[("B7-P", "B7", "2026-07-15", "300.00", "NOK")],  # on account, 108 days old
    write_offs=[("WO-B7", "B7-W", "2026-09-01", "1000.00")],
)
DNB = LenderProfile(
    name="DNB RCF",
    lender="DNB Bank ASA",
    basis="invoice",
    cutoff_days=90,
    cross_aging_percent=D("50"),
    home_country="NO",
    concentration_percent=D("40"),
    advance_rate_percent=D("85"),
    dilution_months=12,
    dilution_threshold_percent=D("2"),
    loan_balance=D("4000.00"),
)


def test_borrowing_base_through_sql_deducts_each_invoice_once(engine):
    with engine.begin() as conn:
        save_company_profile(conn, COMPANY)  # country NO; the lender profile's home country is NO too
    load(engine, **BB_LEDGER)
    with engine.begin() as conn:
        set_customer(conn, "B1", affiliate=True)
        set_customer(conn, "B3", government=True)
        set_customer(conn, "B5", insured_limit=D("5000.00"))
        set_invoice(conn, "Y1", pledged_to="Nordic Factoring AS", disputed_amount=D("300.00"))
        add_dispute(conn, "Y1", D("500.00"), date(2026, 10, 12))  # ours (500) and the ERP's (300): the larger
        add_dispute(conn, "Y2", D("200.00"), date(2026, 10, 21), resolved=date(2026, 10, 28))  # resolved
        add_dispute(conn, "Y2", D("150.00"), date(2026, 11, 2))  # opened after the as-of date
        add_event(conn, "B8", date(2026, 10, 20), "bankruptcy")
        set_contra(conn, "B2", D("900.00"), date(2026, 9, 30), "Kari")
        set_contra(conn, "B2", D("600.00"), OCT_LAST, "Kari", "AP ledger 31 Oct")  # the latest on or before
        set_contra(conn, "B2", D("5000.00"), date(2026, 11, 5), "Kari")  # after the as-of date
        set_contra(conn, "B6", D("400.00"), date(2026, 9, 15), "Kari")
        set_contra(conn, "B6", D("0"), date(2026, 10, 1), "Kari")  # the contra position ended
        with pytest.raises(ValueError, match="must be 0 or more"):
            set_contra(conn, "B2", D("-1"), OCT_LAST, "Kari")
        with pytest.raises(ValueError, match="no customer with reference 'NOPE'"):
            set_contra(conn, "NOPE", D("1"), OCT_LAST, "Kari")
        assert save_lender_profile(conn, DNB, "Kari", "signed 1 Oct") == 1
        assert save_lender_profile(conn, replace(DNB, loan_balance=D("5000.00")), "Kari") == 2
        save_lender_profile(conn, LenderProfile(name="Old facility"), "Kari")
        assert retire_lender_profile(conn, "Old facility", "Kari") == 2
        with pytest.raises(BorrowingBaseError, match="no lender profile named 'Old facility' in force"):
            retire_lender_profile(conn, "Old facility", "Kari")
        with pytest.raises(ValueError, match="the author is empty"):
            save_lender_profile(conn, DNB, " ")
        ids = {f"B{n}": customer_id(conn, f"B{n}") for n in range(1, 9)}

    with engine.connect() as conn:
        assert [p.loan_balance for p in lender_profiles(conn)] == [D("5000.00")]  # version 2 of DNB only
        assert sorted(p.name for p in lender_profiles(conn, include_retired=True)) == ["DNB RCF", "Old facility"]
        assert [(r.version, r.retired) for r in lender_profile_history(conn, "Old facility")] == [(1, False), (2, True)]
        assert contra_amounts(conn, OCT_LAST) == {ids["B2"]: D("600.00")}
        assert contra_amounts(conn, date(2026, 9, 20)) == {ids["B6"]: D("400.00")}
        disputed = disputed_at(conn, OCT_LAST)
        assert disputed == {"Y1": D("500.00")}
        items = {i.ref: i for i in bb_items(conn, OCT_LAST, "invoice", disputed)}
        dil = dilution(conn, OCT_LAST, 12)
        (cert,) = certificates(conn, OCT_LAST, disputed)

    # the flags each item carries from SQL
    assert (items["X1"].days, items["X1"].affiliate) == (122, True)  # 1 Jul -> 31 Oct
    assert (items["Y1"].pledged, items["Y1"].disputed) == (True, D("500.00"))
    assert (items["Y2"].pledged, items["Y2"].disputed) == (False, D("0"))
    assert items["Z1"].government and not items["S1"].government
    assert (items["S1"].country, items["S1"].insured, items["D1"].country, items["D1"].insured) == (
        "SE",
        False,
        "DK",
        True,
    )
    assert items["D1"].amount == D("700.00")  # 800 - CN5 100
    assert items["Q1"].bankrupt and not items["M1"].bankrupt
    assert (items["B7-P"].kind, items["B7-P"].amount, items["B7-P"].days) == ("payment", D("-300.00"), 108)
    assert "B7-W" not in items and "CN5" not in items  # written off; fully allocated
    # dilution: 1 Nov 2025 .. 31 Oct 2026: invoiced X1 1000 + X2 3000 + Y1 2000 + Y2 1500 + Z1 700 + S1 1200
    # + D1 800 + L1 10000 + L2 5000 + M1 400 + B7-W 1000 + Q1 900 = 27500; credit notes 100; write-offs 1000
    assert (dil.gross_sales, dil.credit_notes, dil.write_offs) == (D("27500.00"), D("100.00"), D("1000.00"))
    assert (dil.first_day, dil.last_day) == (date(2025, 11, 1), OCT_LAST)

    # gross: invoices 1000 + 3000 + 2000 + 1500 + 700 + 1200 + 700 + 10000 + 5000 + 400 + 900 = 26400, credit -300
    assert cert.gross == D("26100.00")
    by = dict(cert.ineligible_by_category)
    assert by == {
        "past_due": D("1000.00"),  # X1 (122 > 90); it is also an affiliate's, and counted once
        "cross_aged": D("0.00"),  # B1: 1000 of 4000 past the cut-off = 25 %, not above 50 %
        "credits_in_prior": D("300.00"),  # B7-P, 108 days
        "affiliate": D("3000.00"),  # X2 (X1 is already past due)
        "foreign_uninsured": D("1200.00"),  # S1 (SE, no insured limit); D1 (DK) is insured
        "government": D("700.00"),  # Z1
        "contra": D("600.00"),  # B2's contra, from its oldest invoice Y1
        "disputed": D("500.00"),  # Y1: 500 of what contra left (1400)
        "bankrupt": D("900.00"),  # Q1
        "pledged": D("900.00"),  # Y1: what contra and the dispute left, 2000 - 600 - 500
        # before the cap: 1000 + 300 + 3000 + 1200 + 700 + 600 + 500 + 900 + 900 = 9100; eligible 26100 - 9100
        # = 17000; cap 40 % = 6800; B6 15000 - 6800 = 8200 (once, not recomputed on the reduced base)
        "concentration": D("8200.00"),
    }
    y1 = [(r.category, r.amount) for r in cert.detail if r.ref == "Y1"]
    assert y1 == [("contra", D("600.00")), ("disputed", D("500.00")), ("pledged", D("900.00"))]  # = 2000, once
    assert [(r.category, r.amount) for r in cert.detail if r.ref == "X1"] == [("past_due", D("1000.00"))]
    # spread oldest first: all of L2 (77 days), then 3200 of L1 (30 days)
    assert {r.ref: r.amount for r in cert.detail if r.category == "concentration"} == {
        "L2": D("5000.00"),
        "L1": D("3200.00"),
    }
    assert cert.eligible_before_cap == D("17000.00")
    assert cert.total_ineligible == D("17300.00")  # 9100 + 8200
    assert cert.eligible == D("8800.00")  # 26100 - 17300 = Y2 1500 + D1 700 + M1 400 + B6 6800 - 300 - 300
    assert cert.gross_availability == D("7480.00")  # 8800 x 85 %
    assert cert.dilution_percent == D("4.00")  # (100 + 1000) / 27500 x 100
    assert cert.dilution_reserve == D("176.00")  # 8800 x (4.00 - 2) %
    assert cert.availability == D("7304.00")  # 7480 - 176
    assert (cert.loan_balance, cert.excess_availability) == (D("5000.00"), D("2304.00"))


def test_dilution_refuses_a_foreign_document_without_a_rate(engine):
    """EI1 (100 EUR, 10 Sep) is older than the first EUR rate (30 Sep). Every other conversion in the close
    (aging, open items, loss history, the roll-forward's flows) raises MissingFxRate rather than leave it out."""
    load(
        engine,
        customers=[("E1", "Hamburg Handel GmbH", "DE", "EUR"), ("N1", "Oslo Verksted AS")],
        fx=[("2026-09-30", "EUR", "11.50")],
        invoices=[
            ("EI1", "E1", "2026-09-10", "2026-10-10", "100.00", "EUR"),
            ("NI1", "N1", "2026-10-01", "2026-10-31", "500.00", "NOK"),
        ],
    )
    with engine.connect() as conn, pytest.raises(MissingFxRate):
        dilution(conn, OCT_LAST, 12)


# --- 6. close, snapshot, and a later import -------------------------------------------------------------------


def test_close_freezes_the_pack_and_a_later_import_shows_in_the_next_months_opening(engine):
    load_nok_month(engine)
    with engine.begin() as conn:
        # every kind of section in the snapshot: a certificate, a matrix override, an individually assessed
        # customer (C1's bankruptcy), an open dispute and one resolved in the month
        save_lender_profile(conn, LenderProfile(name="DNB RCF", lender="DNB Bank ASA"), "Kari")
        override = BucketOverride("1-30", D("2.5"), "industry average")
        save_policy(conn, Policy(ecl=EclSettings(overrides=(override,))), "Kari")
        add_event(conn, "C1", date(2026, 10, 30), "bankruptcy")
        add_dispute(conn, "I5", D("100.00"), date(2026, 10, 20))
        add_dispute(conn, "I4", D("40.00"), date(2026, 10, 6), resolved=date(2026, 10, 9))
        with pytest.raises(
            CloseError, match=r"period 2026-10 ends 2026-10-31, which is not over yet \(today is 2026-10-31\)"
        ):
            close_period(conn, "2026-10", closed_by=SIGNER, now=datetime(2026, 10, 31, 18, 0))
        with pytest.raises(CloseError, match="a close needs a sign-off"):
            close_period(conn, "2026-10", closed_by="  ", now=NOW)
        close_id = close_period(conn, "2026-10", closed_by=SIGNER, now=NOW.replace(microsecond=123))
    with (
        engine.begin() as conn,
        pytest.raises(
            CloseError, match="period 2026-10 was closed on 2026-11-05 09:00 by Kari Nordmann; reopen it first"
        ),
    ):
        close_period(conn, "2026-10", closed_by="Ola", now=datetime(2026, 11, 6, 9, 0))

    with engine.connect() as conn:
        (row,) = closes(conn)
        stored, stored_sha = conn.execute(select(PeriodClose.snapshot, PeriodClose.snapshot_sha256)).one()
        frozen = closed_pack(conn, "2026-10")
        rebuilt = build_pack(conn, "2026-10", prepared_by=SIGNER, generated_at=NOW, signed_off_by=SIGNER, closed=True)
        assert pack_for(conn, "2026-10", prepared_by="someone else", now=datetime(2027, 1, 1)) == frozen
    assert (row.id, row.period, row.period_end, row.status) == (close_id, "2026-10", OCT_LAST, "closed")
    assert (row.closed_at, row.closed_by, row.snapshot_sha256) == (NOW, SIGNER, stored_sha)
    assert stored_sha == hashlib.sha256(stored.encode("utf-8")).hexdigest()
    assert dumps(frozen) == stored
    assert frozen == rebuilt  # close_period prepares and signs as the closer, at the close's time
    assert (frozen.closed, frozen.signed_off_by, frozen.signed_off_at, frozen.generated_at) == (True, SIGNER, NOW, NOW)
    assert frozen.aging_due.total == frozen.rollforward.closing == NOK_CLOSING
    assert [c.profile.name for c in frozen.certificates] == ["DNB RCF"]
    assert frozen.ecl_settings.overrides == (override,)
    assert [(r.ref, r.reason, r.exposure) for r in frozen.ecl.individual] == [("C1", "bankrupt", D("850.00"))]
    assert frozen.risk.disputes.largest_open == (("C2", "Bergen Bygg AS", "I5", D("100.00"), date(2026, 10, 20)),)
    assert frozen.risk.disputes.by_outcome == (("rejected", 1, D("40.00")),)

    load(engine, invoices=[LATE_INVOICE])  # I7, 250.00, dated 20 Oct: inside the closed month
    with engine.connect() as conn:
        again = closed_pack(conn, "2026-10")
        sha_after = conn.execute(select(PeriodClose.snapshot_sha256)).scalar_one()
        draft_oct = _pack(conn)
        nov = _pack(conn, "2026-11")
    assert dumps(again) == stored and again == frozen
    assert sha_after == stored_sha
    assert draft_oct.aging_due.total == D("1230.00")  # the ledger as known now: 980 + I7 250
    rf = nov.rollforward
    assert rf.opening == frozen.aging_due.total == D("980.00")
    assert rf.post_close == D("250.00")  # I7: 1230 as known now - 980 as closed
    assert rf.invoiced == D("300.00")  # I6, 2 Nov
    assert rf.closing == rf.aging_total == D("1530.00")  # 980 + 250 + 300
    assert rf.difference_to_aging == 0
    assert "post_close_difference" in nov.warnings and "rollforward_difference" not in nov.warnings
    assert nov.summary[1] == frozen.summary[0]  # the previous month-end is the frozen headline
    assert nov.allowance.opening == frozen.ecl.total
    assert nov.certificates[0].previous == frozen.certificates[0]


# --- 7. reopen ------------------------------------------------------------------------------------------------


def test_reopen_needs_the_cfo_and_a_reason_and_the_period_can_be_closed_again(engine):
    load_nok_month(engine)
    with engine.begin() as conn:
        first_id = close_period(conn, "2026-10", closed_by=SIGNER, now=NOW)
    with engine.begin() as conn:
        with pytest.raises(CloseError, match="only the cfo role may reopen a closed period; you act as credit_manager"):
            reopen_period(conn, "2026-10", user="Kari", role="credit_manager", reason="late invoice", now=NOW)
        with pytest.raises(CloseError, match="reopening 2026-10 needs a reason: it is recorded with the close"):
            reopen_period(conn, "2026-10", user="Per", role="cfo", reason="  ", now=NOW)
        with pytest.raises(CloseError, match="period 2026-09 is not closed"):
            reopen_period(conn, "2026-09", user="Per", role="cfo", reason="typo", now=NOW)
        assert closed_pack(conn, "2026-10") is not None  # the refusals changed nothing
        reopen_period(
            conn,
            "2026-10",
            user=" Per Finans ",
            role="cfo",
            reason=" I7 was booked late ",
            now=datetime(2026, 11, 6, 8, 0),
        )
    load(engine, invoices=[LATE_INVOICE])
    with engine.begin() as conn:
        assert closed_pack(conn, "2026-10") is None
        draft = pack_for(conn, "2026-10", prepared_by="Ola", now=datetime(2026, 11, 6, 9, 0))
        assert (draft.closed, draft.aging_due.total) == (False, D("1230.00"))
        with pytest.raises(CloseError, match="period 2026-10 is not closed"):
            reopen_period(conn, "2026-10", user="Per", role="cfo", reason="again", now=NOW)
        second_id = close_period(conn, "2026-10", closed_by="Ola Hansen", now=datetime(2026, 11, 6, 10, 0))
    with engine.connect() as conn:
        rows = closes(conn)
        frozen = closed_pack(conn, "2026-10")
    assert [(r.id, r.status) for r in rows] == [(second_id, "closed"), (first_id, "reopened")]
    new, old = rows
    assert (old.closed_by, old.closed_at) == (SIGNER, NOW)
    assert (old.reopened_by, old.reopened_at, old.reopen_reason) == (
        "Per Finans",
        datetime(2026, 11, 6, 8, 0),
        "I7 was booked late",
    )
    assert (new.closed_by, new.reopened_at, new.reopen_reason) == ("Ola Hansen", None, None)
    assert new.snapshot_sha256 != old.snapshot_sha256
    assert frozen.aging_due.total == D("1230.00")  # the second close includes I7


# --- 8. report log --------------------------------------------------------------------------------------------


def test_log_report_records_the_files_sha256_and_the_close_it_came_from(engine):
    load_nok_month(engine)
    data = b"%PDF-1.7\n lender pack 2026-10 \x00\xff"
    with engine.begin() as conn:
        draft_id = log_report(
            conn,
            report="lender_pack",
            data=data,
            as_of=OCT_LAST,
            recipient="DNB Bank ASA",
            author="Kari",
            now=datetime(2026, 11, 2, 12, 0),
            period="2026-10",
            lender="DNB RCF",
        )
        close_id = close_period(conn, "2026-10", closed_by=SIGNER, now=NOW)
        closed_log = log_report(
            conn,
            report="lender_workbook",
            data=data + b"x",
            as_of=OCT_LAST,
            recipient=" Nordea ",
            author="Kari",
            now=NOW,
            lang="nb",
            period="2026-10",
        )
        memo_log = log_report(
            conn,
            report="credit_memo",
            data=b"memo",
            as_of=OCT_LAST,
            recipient="Board",
            author="Kari",
            now=NOW,
            customer_ref="C1",
        )
        with pytest.raises(CloseError, match="say who receives the report"):
            log_report(conn, report="lender_pack", data=data, as_of=OCT_LAST, recipient="  ", author="Kari", now=NOW)
        with pytest.raises(CloseError, match="unknown report 'balance_sheet'"):
            log_report(conn, report="balance_sheet", data=data, as_of=OCT_LAST, recipient="DNB", author="K", now=NOW)
        with pytest.raises(CloseError, match="say who sends the report"):
            log_report(conn, report="lender_pack", data=data, as_of=OCT_LAST, recipient="DNB", author=" ", now=NOW)
    with engine.connect() as conn:
        log = {r.id: r for r in report_log(conn)}
        assert [r.id for r in report_log(conn)] == [memo_log, closed_log, draft_id]  # newest first
    first = log[draft_id]
    assert first.file_sha256 == hashlib.sha256(data).hexdigest()
    assert (first.size, first.close_id, first.period, first.lender) == (len(data), None, "2026-10", "DNB RCF")
    assert (first.report, first.recipient, first.lang, first.created_at) == (
        "lender_pack",
        "DNB Bank ASA",
        "en",
        datetime(2026, 11, 2, 12, 0),
    )
    second = log[closed_log]
    assert second.file_sha256 == hashlib.sha256(data + b"x").hexdigest()
    assert (second.close_id, second.recipient, second.lang) == (close_id, "Nordea", "nb")
    assert (log[memo_log].close_id, log[memo_log].customer_ref, log[memo_log].period) == (None, "C1", None)
