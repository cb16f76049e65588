"""Borrowing-base inputs from the ledger: lender profiles (versioned data), what we owe customers (contra), the
ERP's control totals, every open item with the flags a loan agreement's ineligibles need, and the dilution of
the trailing months. The waterfall itself is domain.borrowing_base."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, bindparam, func, select, text
from sqlalchemy.types import Date

from data_access.asof import _rate_on, _to_base, aging, open_items
from data_access.ledger import base_currency, utcnow
from data_access.risk import register_events
from data_access.schema import ContraBalance, ControlTotal, Customer, Invoice, LenderProfileVersion
from domain.aging import Basis
from domain.borrowing_base import BBItem, BorrowingBaseError, Certificate, DilutionInputs, LenderProfile, borrowing_base
from domain.ecl import add_months
from domain.fx import MissingFxRate
from domain.kpis import group_roots
from domain.money import from_minor, q2

EVER = 365 * 200
BANKRUPT_EVENTS = ("bankruptcy", "bankruptcy_petition", "liquidation", "forced_dissolution")


def _author(author: str) -> str:
    a = (author or "").strip()
    if not a:
        raise ValueError("say who makes the change: the author is empty")
    return a


# --- lender profiles ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LenderProfileRow:
    name: str
    version: int
    profile: LenderProfile
    retired: bool
    author: str
    comment: str | None
    created_at: datetime


def _rows(conn: Connection) -> list[LenderProfileRow]:
    t = LenderProfileVersion.__table__
    q = select(t).order_by(t.c.name, t.c.version)
    return [
        LenderProfileRow(
            r.name, r.version, LenderProfile.from_dict(json.loads(r.body)), r.retired, r.author, r.comment, r.created_at
        )
        for r in conn.execute(q)
    ]


def lender_profiles(conn: Connection, include_retired: bool = False) -> list[LenderProfile]:
    """The latest version of every lender profile (retired ones left out unless asked for), by name."""
    latest: dict[str, LenderProfileRow] = {}
    for r in _rows(conn):
        latest[r.name] = r
    return [r.profile for r in latest.values() if include_retired or not r.retired]


def lender_profile_history(conn: Connection, name: str | None = None) -> list[LenderProfileRow]:
    return [r for r in _rows(conn) if name is None or r.name == name]


def save_lender_profile(
    conn: Connection, profile: LenderProfile, author: str, comment: str | None = None, *, retired: bool = False
) -> int:
    """A new version of the profile with this name (version 1 for a new name); returns the version."""
    author = _author(author)
    last = conn.execute(
        select(func.max(LenderProfileVersion.version)).where(LenderProfileVersion.name == profile.name)
    ).scalar()
    version = (last or 0) + 1
    conn.execute(
        LenderProfileVersion.__table__.insert().values(
            name=profile.name,
            version=version,
            body=json.dumps(profile.to_dict(), sort_keys=True),
            retired=retired,
            author=author,
            comment=(comment or "").strip() or None,
            created_at=utcnow(),
        )
    )
    return version


def retire_lender_profile(conn: Connection, name: str, author: str, comment: str | None = None) -> int:
    current = {p.name: p for p in lender_profiles(conn)}
    if name not in current:
        raise BorrowingBaseError(f"there is no lender profile named {name!r} in force")
    return save_lender_profile(conn, current[name], author, comment or "retired", retired=True)


# --- contra and control totals ------------------------------------------------------------------


def _customer_id(conn: Connection, ref: str) -> int:
    cid = conn.execute(select(Customer.id).where(Customer.customer_ref == ref)).scalar()
    if cid is None:
        raise ValueError(f"there is no customer with reference {ref!r}")
    return cid


def set_contra(
    conn: Connection, customer_ref: str, amount: Decimal, as_of: date, author: str, note: str | None = None
) -> None:
    """Record what we owe a customer as of a date (base currency; 0 ends a contra position)."""
    if amount < 0:
        raise ValueError(f"the amount we owe {customer_ref} must be 0 or more, not {amount}")
    conn.execute(
        ContraBalance.__table__.insert().values(
            customer_id=_customer_id(conn, customer_ref),
            as_of=as_of,
            amount=q2(amount),
            note=(note or "").strip() or None,
            author=_author(author),
            created_at=utcnow(),
        )
    )


def contra_amounts(conn: Connection, as_of: date) -> dict[int, Decimal]:
    """Per customer, the latest amount we owe on or before as_of (zeros left out)."""
    rows = conn.execute(
        select(ContraBalance.customer_id, ContraBalance.as_of, ContraBalance.id, ContraBalance.amount)
        .where(ContraBalance.as_of <= as_of)
        .order_by(ContraBalance.customer_id, ContraBalance.as_of, ContraBalance.id)
    ).all()
    latest: dict[int, Decimal] = {}
    for r in rows:
        latest[r.customer_id] = r.amount
    return {k: v for k, v in latest.items() if v > 0}


def add_control_total(conn: Connection, as_of: date, amount: Decimal, source: str, author: str) -> None:
    source = (source or "").strip()
    if not source:
        raise ValueError("say where the control total comes from, e.g. 'Tripletex aged receivables' or 'GL 1500'")
    conn.execute(
        ControlTotal.__table__.insert().values(
            as_of=as_of, amount=q2(amount), source=source, author=_author(author), created_at=utcnow()
        )
    )


def control_total(conn: Connection, as_of: date) -> tuple[Decimal, str] | None:
    """The ERP control total imported for exactly this date (the latest entry), or None."""
    r = conn.execute(
        select(ControlTotal.amount, ControlTotal.source)
        .where(ControlTotal.as_of == as_of)
        .order_by(ControlTotal.id.desc())
        .limit(1)
    ).first()
    return None if r is None else (r.amount, r.source)


# --- items and dilution --------------------------------------------------------------------------


def bb_items(conn: Connection, as_of: date, basis: str, disputed: dict[str, Decimal]) -> list[BBItem]:
    """Every open item as of a date with its age by the agreement's basis and its debtor's flags.

    `disputed` maps invoice number -> the amount under dispute at as_of in the invoice's currency; it converts
    at the invoice's own conversion (base amount / open amount), capped at the open amount."""
    items = open_items(conn, as_of, Basis(basis))
    cust = conn.execute(
        select(
            Customer.id,
            Customer.customer_ref,
            Customer.name,
            Customer.parent_id,
            Customer.country,
            Customer.insured_limit,
            Customer.affiliate,
            Customer.government,
        )
    ).all()
    info = {c.id: c for c in cust}
    roots = group_roots({c.id: c.parent_id for c in cust})
    events = register_events(conn, as_of, EVER)
    bankrupt = {cid for cid, evs in events.items() if any(e.kind in BANKRUPT_EVENTS for e in evs)}
    pledged = {
        r[0]
        for r in conn.execute(
            select(Invoice.invoice_number).where(Invoice.pledged_to.is_not(None), Invoice.issue_date <= as_of)
        )
    }
    out = []
    for it in items:
        c = info[it.customer_id]
        out.append(
            BBItem(
                customer_id=it.customer_id,
                customer_ref=c.customer_ref,
                name=c.name,
                group_id=roots[it.customer_id],
                ref=it.ref,
                kind=it.kind,
                amount=it.base_amount,
                days=it.days,
                country=c.country,
                insured=bool(c.insured_limit and c.insured_limit > 0),
                affiliate=bool(c.affiliate),
                government=bool(c.government),
                bankrupt=it.customer_id in bankrupt,
                pledged=it.kind == "invoice" and it.ref in pledged,
                disputed=_disputed_base(it, disputed.get(it.ref)),
            )
        )
    return out


def _disputed_base(item, disputed: Decimal | None) -> Decimal:
    if item.kind != "invoice" or not disputed or item.open_amount <= 0:
        return Decimal(0)
    if disputed >= item.open_amount:
        return item.base_amount
    return q2(disputed * item.base_amount / item.open_amount)


def disputed_at(conn: Connection, as_of: date) -> dict[str, Decimal]:
    """Invoice number -> the amount under dispute at as_of: our dispute records (opened on or before it, not
    resolved by then) or the ERP's disputed amount on the invoice, whichever is larger (both may describe the
    same dispute, so they are not added)."""
    sql = """
SELECT i.invoice_number, SUM(d.amount) AS amount FROM disputes d JOIN invoices i ON i.id = d.invoice_id
WHERE d.opened_on <= :as_of AND (d.resolved_on IS NULL OR d.resolved_on > :as_of)
GROUP BY i.invoice_number
UNION ALL
SELECT i.invoice_number, i.disputed_amount FROM invoices i
WHERE i.disputed_amount > 0 AND i.issue_date <= :as_of AND i.open_until > :as_of"""
    stmt = text(sql).bindparams(bindparam("as_of", type_=Date))
    out: dict[str, Decimal] = {}
    for r in conn.execute(stmt, {"as_of": as_of}):
        out[r.invoice_number] = max(out.get(r.invoice_number, Decimal(0)), from_minor(r.amount))
    return out


def dilution(conn: Connection, as_of: date, months: int) -> DilutionInputs:
    """Invoiced, credit notes and write-offs over the trailing `months` up to as_of, each at the rate of its own
    date (credit notes and write-offs as positive amounts). The ledger holds no discount records."""
    first = add_months(as_of, -months)
    first = date.fromordinal(first.toordinal() + 1)
    sql = f"""
WITH docs AS MATERIALIZED (
  SELECT CASE WHEN i.kind = 'invoice' THEN 'sales' ELSE 'credit_notes' END AS flow, i.currency, i.amount,
         CASE WHEN i.currency = :base THEN NULL ELSE {_rate_on("i.currency", "i.issue_date")} END AS rate
  FROM invoices i WHERE i.issue_date >= :first AND i.issue_date <= :as_of
  UNION ALL
  SELECT 'write_offs', i.currency, w.amount,
         CASE WHEN i.currency = :base THEN NULL ELSE {_rate_on("i.currency", "w.write_off_date")} END
  FROM write_offs w JOIN invoices i ON i.id = w.invoice_id
  WHERE w.write_off_date >= :first AND w.write_off_date <= :as_of
)
SELECT flow, SUM({_to_base("amount", "currency", "rate")}) AS total,
       SUM(CASE WHEN rate IS NULL AND currency <> :base THEN 1 ELSE 0 END) AS missing,
       MIN(CASE WHEN rate IS NULL AND currency <> :base THEN currency END) AS missing_currency
FROM docs GROUP BY flow"""
    stmt = text(sql).bindparams(*(bindparam(n, type_=Date) for n in ("as_of", "first")))
    rows = conn.execute(stmt, {"as_of": as_of, "first": first, "base": base_currency(conn)}).all()
    missing = sorted(r.missing_currency for r in rows if r.missing)
    if missing:  # a document before its currency's first rate: refuse rather than leave it out of the ratio
        raise MissingFxRate(missing[0], first)
    sums = {r.flow: from_minor(r.total or 0) for r in rows}
    return DilutionInputs(
        gross_sales=sums.get("sales", Decimal("0.00")),
        credit_notes=-sums.get("credit_notes", Decimal("0.00")),
        write_offs=sums.get("write_offs", Decimal("0.00")),
        first_day=first,
        last_day=as_of,
    )


def _without_history(cert: Certificate | None) -> Certificate | None:
    """The previous certificate without its own previous one, so snapshots do not nest month after month."""
    return None if cert is None else replace(cert, previous=None)


def certificates(
    conn: Connection,
    as_of: date,
    disputed: dict[str, Decimal],
    previous: dict[str, Certificate] | None = None,
    profiles: list[LenderProfile] | None = None,
) -> list[Certificate]:
    """One certificate per lender profile in force, each compared with its previous certificate when given."""
    out = []
    items_by_basis: dict[str, list[BBItem]] = {}
    for profile in profiles if profiles is not None else lender_profiles(conn):
        if profile.basis not in items_by_basis:
            items_by_basis[profile.basis] = bb_items(conn, as_of, profile.basis, disputed)
        out.append(
            borrowing_base(
                items_by_basis[profile.basis],
                profile,
                contra_amounts(conn, as_of),
                dilution(conn, as_of, profile.dilution_months),
                _without_history((previous or {}).get(profile.name)),
            )
        )
    return out


@dataclass(frozen=True)
class ControlCheck:
    """The ERP's receivables total for a date against our open AR that day (the aging's total)."""

    as_of: date
    source: str
    erp_total: Decimal
    our_total: Decimal
    by_customer: bool = False  # the file gave each customer's balance (data_access.control_totals)

    @property
    def difference(self) -> Decimal:
        return self.our_total - self.erp_total


def control_checks(conn: Connection, limit: int = 12) -> list[ControlCheck]:
    """The latest control total of each of the newest `limit` dates, each against our aging total that day."""
    rows = conn.execute(
        select(
            ControlTotal.as_of, ControlTotal.id, ControlTotal.amount, ControlTotal.source, ControlTotal.by_customer
        ).order_by(ControlTotal.as_of.desc(), ControlTotal.id.desc())
    ).all()
    latest: dict[date, tuple[Decimal, str, bool]] = {}
    for r in rows:
        latest.setdefault(r.as_of, (r.amount, r.source, bool(r.by_customer)))
    out = []
    for day in sorted(latest, reverse=True)[:limit]:
        amount, source, by_customer = latest[day]
        out.append(ControlCheck(day, source, amount, aging(conn, day).total, by_customer))
    return out
