"""New-customer credit checks: the bureau report on file, storing a check with its decision, creating the customer
and its pending limit request, and the history. Every function takes a Connection; the caller owns the
transaction."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select

from data_access.kpis import rates_as_of
from data_access.ledger import active_policy, base_currency, bump_data_version, utcnow
from data_access.limits import policy_version, request_limit
from data_access.schema import CreditCheck, CreditReport, Customer, CustomerChange
from domain.credit_check import CreditCheckInput, CreditDecision, amount_text, decide, validate
from domain.fx import MissingFxRate, is_currency_code
from domain.risk import BureauView

MAX_REF = 64  # customers.customer_ref


@dataclass(frozen=True)
class CreditCheckRecord:
    id: int
    policy_version: int | None
    customer_id: int | None  # the customer created by the check, if any
    limit_request_id: int | None  # the pending limit request created by the check, if any


@dataclass(frozen=True)
class CreditCheckRow:
    id: int
    checked_on: date
    org_number: str
    country: str
    name: str
    customer_ref: str | None
    currency: str
    requested_limit: Decimal
    requested_terms_days: int
    decision: str
    risk_class: str
    granted_limit: Decimal
    granted_terms_days: int
    author: str
    policy_version: int | None
    customer_id: int | None
    limit_request_id: int | None


def latest_bureau_report(
    conn: Connection, org_number: str, *, country: str | None = None, as_of: date | None = None
) -> BureauView | None:
    """The newest imported credit report of a customer with this (compact) organisation number, dated on or
    before `as_of` when given; None when there is none. `country` keeps an 8-digit Danish CVR apart from a
    Finnish business ID with the same digits."""
    q = (
        select(CreditReport.__table__)
        .join(Customer, Customer.id == CreditReport.customer_id)
        .where(Customer.org_number == org_number.strip())
    )
    if country:
        q = q.where(Customer.country == country)
    if as_of is not None:
        q = q.where(CreditReport.report_date <= as_of)
    r = conn.execute(q.order_by(CreditReport.report_date.desc(), CreditReport.id.desc()).limit(1)).first()
    if r is None:
        return None
    return BureauView(
        report_date=r.report_date,
        source=r.source,
        score=r.score,
        rating=r.rating,
        uc_class=r.uc_class,
        pd_percent=r.pd_percent,
        remarks_count=r.remarks_count or 0,
        remarks_amount=r.remarks_amount if r.remarks_amount is not None else Decimal("0.00"),
    )


def fx_rate(conn: Connection, currency: str, as_of: date) -> Decimal:
    """Base-currency units per unit of `currency` at the closing rate of `as_of` (1 for the base currency);
    MissingFxRate when there is none, never a silent 1."""
    if currency == base_currency(conn):
        return Decimal(1)
    rates = rates_as_of(conn, as_of)
    if currency not in rates:
        raise MissingFxRate(currency, as_of)
    return rates[currency]


def _json_value(v: Any) -> Any:
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, date):
        return v.isoformat()
    raise TypeError(f"{type(v).__name__} is not JSON serialisable")


def _dump(value: Any) -> str:
    return json.dumps(value, default=_json_value, sort_keys=True, ensure_ascii=False)


def record_credit_check(
    conn: Connection,
    i: CreditCheckInput,
    decision: CreditDecision,
    *,
    author: str,
    customer_ref: str | None,
    currency: str,
    role: str,
) -> CreditCheckRecord:
    """Store a check and its decision under the policy version in force.

    When the decision grants a limit or prepayment only and `customer_ref` is given, the customer is created
    (limit 0, the granted terms, status active or prepayment_only; the terms and status go to the change log for
    the ERP), and a granted limit becomes a pending limit request by `author` in `role` that the approval
    matrix's role must approve. Raises ValueError (CreditCheckError, CreditTermsError, ApprovalError) or
    MissingFxRate and writes nothing when anything is wrong."""
    author = author.strip()
    if not author:
        raise ValueError("an author is needed (enter your name under Acting as)")
    i = validate(i)
    currency = currency.strip().upper()
    if not is_currency_code(currency):
        raise ValueError(f"'{currency}' is not a currency code")
    ref = (customer_ref or "").strip() or None
    if ref is not None and len(ref) > MAX_REF:
        raise ValueError(f"a customer ref is at most {MAX_REF} characters")
    creates = ref is not None and (decision.grants_credit or decision.decision == "prepayment_only")
    if creates and conn.execute(select(Customer.id).where(Customer.customer_ref == ref)).first():
        raise ValueError(f"customer ref {ref} already exists")

    version = policy_version(conn)
    customer_id = request_id = None
    if creates:
        status = "prepayment_only" if decision.decision == "prepayment_only" else "active"
        customer_id = conn.execute(
            insert(Customer)
            .values(
                customer_ref=ref,
                name=i.name,
                org_number=i.org_number,
                country=i.country,
                currency=currency,
                payment_terms_days=decision.granted_terms_days,
                credit_limit=Decimal(0),
                status=status,
            )
            .returning(Customer.id)
        ).scalar_one()
        why = f"new customer, credit check: class {decision.risk_class}, {decision.decision}"
        now = utcnow()
        conn.execute(
            insert(CustomerChange),
            [
                {
                    "customer_id": customer_id,
                    "changed_at": now,
                    "effective_on": i.as_of,
                    "field": f,
                    "old_value": None,
                    "new_value": new,
                    "reason": why,
                    "author": author,
                    "source": "credit_check",
                    "policy_version": version,
                }
                for f, new in (("payment_terms_days", str(decision.granted_terms_days)), ("status", status))
            ],
        )
        if decision.grants_credit:
            request_id = request_limit(
                conn,
                customer_id,
                decision.granted_limit,
                reason=f"new-customer credit check: class {decision.risk_class}, {decision.decision}, "
                f"{amount_text(decision.granted_limit)} {currency} on {decision.granted_terms_days} days",
                requested_by=author,
                requested_role=role,
                requested_on=i.as_of,
            )
    check_id = conn.execute(
        insert(CreditCheck)
        .values(
            checked_on=i.as_of,
            created_at=utcnow(),
            author=author,
            org_number=i.org_number,
            country=i.country,
            name=i.name,
            customer_ref=ref,
            currency=currency,
            requested_limit=i.requested_limit,
            requested_terms_days=i.requested_terms_days,
            report=None if i.report is None else _dump(asdict(i.report)),
            decision=decision.decision,
            risk_class=decision.risk_class,
            granted_limit=decision.granted_limit,
            granted_terms_days=decision.granted_terms_days,
            reasons=_dump([{"code": r.code, "params": r.params, "text": r.text} for r in decision.reasons]),
            policy_version=version,
            customer_id=customer_id,
            limit_request_id=request_id,
        )
        .returning(CreditCheck.id)
    ).scalar_one()
    bump_data_version(conn)
    return CreditCheckRecord(int(check_id), version, customer_id, request_id)


def run_credit_check(
    conn: Connection,
    i: CreditCheckInput,
    *,
    author: str,
    customer_ref: str | None,
    currency: str,
    role: str,
) -> tuple[CreditDecision, CreditCheckRecord]:
    """Decide under the active policy (the request's currency at the closing rate of the check's date) and
    store the check, in the caller's transaction."""
    currency = currency.strip().upper()
    if not is_currency_code(currency):
        raise ValueError(f"'{currency}' is not a currency code")
    i = replace(i, fx_rate=fx_rate(conn, currency, i.as_of))
    decision = decide(i, active_policy(conn))
    record = record_credit_check(
        conn, i, decision, author=author, customer_ref=customer_ref, currency=currency, role=role
    )
    return decision, record


def credit_check_history(conn: Connection, limit: int = 50) -> list[CreditCheckRow]:
    """The most recent checks, newest first."""
    rows = conn.execute(
        select(CreditCheck.__table__).order_by(CreditCheck.created_at.desc(), CreditCheck.id.desc()).limit(limit)
    ).all()
    return [
        CreditCheckRow(
            r.id,
            r.checked_on,
            r.org_number,
            r.country,
            r.name,
            r.customer_ref,
            r.currency,
            r.requested_limit,
            r.requested_terms_days,
            r.decision,
            r.risk_class,
            r.granted_limit,
            r.granted_terms_days,
            r.author,
            r.policy_version,
            r.customer_id,
            r.limit_request_id,
        )
        for r in rows
    ]


def stored_reasons(conn: Connection, check_id: int) -> list[dict]:
    """The reasons of a stored check as {code, params, text} (params as stored: amounts as strings)."""
    raw = conn.execute(select(CreditCheck.reasons).where(CreditCheck.id == check_id)).scalar_one()
    return json.loads(raw)
