"""Credit limits, terms and insurance as records: direct edits, limit requests and their approval, the change
log and the "changes for the ERP" export. Every function takes a Connection; the caller owns the transaction."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, func, insert, select, update

from data_access.audit import record
from data_access.kpis import rates_as_of
from data_access.ledger import active_policy, base_currency, bump_data_version, utcnow
from data_access.schema import Customer, CustomerChange, LimitRequest, PolicyVersion, RiskHistory
from domain.approvals import ApprovalError, approve, required_level
from domain.approvals import LimitRequest as DomainRequest
from domain.credit_terms import (
    CreditTerms,
    CreditTermsError,
    FieldChange,
    changes,
    check_direct_edit,
    check_request,
    edit_conflicts,
)
from domain.fx import MissingFxRate
from domain.kpis import group_roots
from domain.money import convert
from domain.spreadsheet import neutralise


def policy_version(conn: Connection) -> int | None:
    """The number of the policy version in force (None while only the built-in defaults apply)."""
    return conn.execute(select(func.max(PolicyVersion.version))).scalar()


def _customer(conn: Connection, customer_id: int):
    row = conn.execute(select(Customer.__table__).where(Customer.id == customer_id)).one_or_none()
    if row is None:
        raise CreditTermsError("customer", f"customer {customer_id} does not exist", customer_id=customer_id)
    return row


def credit_terms(conn: Connection, customer_id: int) -> CreditTerms:
    c = _customer(conn, customer_id)
    return CreditTerms(
        c.credit_limit,
        c.payment_terms_days,
        c.status,
        c.insured_limit,
        c.insurer,
        c.insured_share,
        c.insurance_decided_on,
        c.limit_review_on,
        c.limit_expires_on,
    )


def _log(
    conn: Connection,
    customer_id: int,
    found: list[FieldChange],
    *,
    reason: str,
    author: str,
    effective_on: date,
    source: str,
    alert_id: int | None = None,
) -> None:
    now, version = utcnow(), policy_version(conn)
    conn.execute(
        insert(CustomerChange),
        [
            {
                "customer_id": customer_id,
                "changed_at": now,
                "effective_on": effective_on,
                "field": ch.field,
                "old_value": ch.old,
                "new_value": ch.new,
                "reason": reason.strip(),
                "author": author.strip(),
                "source": source,
                "policy_version": version,
                "alert_id": alert_id,
            }
            for ch in found
        ],
    )
    ref = conn.execute(select(Customer.customer_ref).where(Customer.id == customer_id)).scalar()
    record(
        conn,
        author,
        source,
        "customer",
        ref,
        {ch.field: ch.old for ch in found},
        {**{ch.field: ch.new for ch in found}, "reason": reason.strip()},
        now,
    )


def _show(value) -> str:
    return "-" if value is None else str(value)


def update_credit_terms(
    conn: Connection,
    customer_id: int,
    new: CreditTerms,
    *,
    reason: str,
    author: str,
    effective_on: date,
    source: str = "edit",
    alert_id: int | None = None,
    base: CreditTerms | None = None,
) -> list[FieldChange]:
    """Store a direct edit (terms, status, insurance, a lower limit) with its reason and author; returns the
    changed fields. Raises CreditTermsError and writes nothing when the edit breaks a rule.

    `base` is what the editor saw when the edit started (optimistic locking): when someone changed the customer
    since, the save is refused (code "conflict") naming who changed what, and nothing is overwritten."""
    old = credit_terms(conn, customer_id)
    if base is not None and (conflicts := edit_conflicts(base, old)):
        last = conn.execute(
            select(CustomerChange.author, CustomerChange.changed_at)
            .where(CustomerChange.customer_id == customer_id)
            .order_by(CustomerChange.id.desc())
            .limit(1)
        ).first()
        shown = "; ".join(f"{f}: {_show(then)} -> {_show(now)}" for f, then, now in conflicts)
        who, when = (last.author, f"{last.changed_at:%Y-%m-%d %H:%M}") if last else ("someone", "meanwhile")
        raise CreditTermsError(
            "conflict",
            f"the customer was changed by {who} ({when}) since you opened it: {shown}; nothing was saved",
            who=who,
            when=when,
            changes=shown,
        )
    found = check_direct_edit(old, new, reason, author)
    values = {ch.field: getattr(new, ch.field) for ch in found}
    if "insurer" in values:
        values["insurer"] = (new.insurer or "").strip() or None
    conn.execute(
        update(Customer).where(Customer.id == customer_id).values(**values, row_version=Customer.row_version + 1)
    )
    _log(
        conn,
        customer_id,
        found,
        reason=reason,
        author=author,
        effective_on=effective_on,
        source=source,
        alert_id=alert_id,
    )
    bump_data_version(conn)
    return found


def set_group_limit(
    conn: Connection, root_id: int, limit: Decimal | None, *, reason: str, author: str, effective_on: date
) -> None:
    """Lower or remove a corporate group's limit directly (raising one goes through a group limit request)."""
    c = _customer(conn, root_id)
    if not author.strip():
        raise CreditTermsError("author", "an author is needed (enter your name under Acting as)")
    if not reason.strip():
        raise CreditTermsError("reason", "every change needs a reason")
    if limit is not None and limit < 0:
        raise CreditTermsError("negative", "a credit limit cannot be negative", field="group_limit")
    if (limit or Decimal(0)) > (c.group_limit or Decimal(0)):
        raise CreditTermsError("raise_needs_approval", "raising a credit limit needs an approved limit request")
    if limit == c.group_limit:
        raise CreditTermsError("unchanged", "nothing changed")
    conn.execute(update(Customer).where(Customer.id == root_id).values(group_limit=limit))
    found = [
        FieldChange(
            "group_limit",
            None if c.group_limit is None else f"{c.group_limit:.2f}",
            None if limit is None else f"{limit:.2f}",
        )
    ]
    _log(conn, root_id, found, reason=reason, author=author, effective_on=effective_on, source="edit")
    bump_data_version(conn)


# --- limit requests --------------------------------------------------------------------------------


def _to_base(conn: Connection, amount: Decimal, currency: str, on: date) -> Decimal:
    if currency == base_currency(conn):
        return amount
    rates = rates_as_of(conn, on)
    if currency not in rates:
        raise MissingFxRate(currency, on)
    return convert(amount, rates[currency])


def _is_group_root(conn: Connection, customer_id: int) -> bool:
    parents = dict(conn.execute(select(Customer.id, Customer.parent_id)).all())
    roots = group_roots(parents)
    return roots.get(customer_id) == customer_id and any(
        r == customer_id and cid != customer_id for cid, r in roots.items()
    )


def request_limit(
    conn: Connection,
    customer_id: int,
    amount: Decimal,
    *,
    reason: str,
    requested_by: str,
    requested_role: str,
    requested_on: date,
    scope: str = "customer",
) -> int:
    """Store a pending limit request (customer currency; a group limit in the base currency); returns its id.

    The approval matrix's required role is computed now from the amount in the base currency at the request
    date's closing rate, and re-checked at the decision under the policy then in force."""
    c = _customer(conn, customer_id)
    check_request(amount, reason, requested_by, requested_role)
    if scope not in ("customer", "group"):
        raise CreditTermsError("scope", f"'{scope}' is not customer or group", scope=scope)
    if scope == "group" and not _is_group_root(conn, customer_id):
        raise CreditTermsError("not_group", f"{c.customer_ref} is not the top of a corporate group", ref=c.customer_ref)
    currency = base_currency(conn) if scope == "group" else c.currency
    amount_base = _to_base(conn, amount, currency, requested_on)
    policy = active_policy(conn)
    level = required_level(policy.approval_matrix, amount_base)
    if level is None:
        raise ApprovalError("above_matrix", f"{amount_base} exceeds every approval level", amount=amount_base)
    if conn.execute(
        select(LimitRequest.id).where(
            LimitRequest.customer_id == customer_id, LimitRequest.scope == scope, LimitRequest.status == "pending"
        )
    ).first():
        raise CreditTermsError(
            "pending", f"{c.customer_ref} already has a pending {scope} limit request", ref=c.customer_ref
        )
    new_id = conn.execute(
        insert(LimitRequest)
        .values(
            customer_id=customer_id,
            scope=scope,
            amount=amount,
            currency=currency,
            amount_base=amount_base,
            required_role=level.role,
            reason=reason.strip(),
            requested_by=requested_by.strip(),
            requested_role=requested_role,
            requested_on=requested_on,
            requested_at=utcnow(),
            policy_version=policy_version(conn),
            status="pending",
        )
        .returning(LimitRequest.id)
    ).scalar_one()
    after = {"customer": c.customer_ref, "scope": scope, "amount": amount, "currency": currency, "reason": reason}
    record(conn, requested_by, "request", "limit_request", new_id, None, {**after, "status": "pending"})
    bump_data_version(conn)
    return int(new_id)


def current_class(conn: Connection, customer_id: int, as_of: date) -> str:
    """The risk class the monitor last recorded on or before `as_of`, else the policy's unrated class."""
    cls = conn.execute(
        select(RiskHistory.risk_class)
        .where(RiskHistory.customer_id == customer_id, RiskHistory.as_of <= as_of)
        .order_by(RiskHistory.as_of.desc())
        .limit(1)
    ).scalar()
    return cls or active_policy(conn).bureau.unrated_class


def _pending(conn: Connection, request_id: int):
    r = conn.execute(select(LimitRequest.__table__).where(LimitRequest.id == request_id)).one_or_none()
    if r is None:
        raise CreditTermsError("request", f"limit request {request_id} does not exist", request_id=request_id)
    if r.status != "pending":
        raise CreditTermsError("decided", f"limit request {request_id} is already {r.status}", status=r.status)
    return r


def approve_limit_request(
    conn: Connection, request_id: int, *, approver: str, approver_role: str, decided_on: date, comment: str = ""
) -> date:
    """Grant a pending request under the policy in force (matrix, self-approval refused); sets the limit, its
    review date (the class's review interval) and expiry; returns the expiry date."""
    r = _pending(conn, request_id)
    if not approver.strip():
        raise CreditTermsError("author", "an author is needed (enter your name under Acting as)")
    policy = active_policy(conn)
    review_months = policy.terms(current_class(conn, r.customer_id, decided_on)).review_months
    decision = approve(
        policy.approval_matrix,
        DomainRequest(str(r.customer_id), r.amount_base, r.requested_by, r.requested_on),
        approver.strip(),
        approver_role,
        decided_on,
        review_months,
        policy.limit_validity_months,
    )
    version = policy_version(conn)
    conn.execute(
        update(LimitRequest)
        .where(LimitRequest.id == request_id)
        .values(
            status="approved",
            decided_by=approver.strip(),
            decided_role=approver_role,
            decided_on=decided_on,
            decided_at=utcnow(),
            decision_comment=comment.strip() or None,
            decided_policy_version=version,
            review_on=decision.review_on,
            expires_on=decision.expires_on,
        )
    )
    record(conn, approver, "approved", "limit_request", request_id, {"status": "pending"},
           {"status": "approved", "role": approver_role, "expires_on": decision.expires_on})  # fmt: skip
    reason = f"limit request {request_id} approved by {approver.strip()} ({approver_role}): {r.reason}"
    if r.scope == "group":
        c = _customer(conn, r.customer_id)
        conn.execute(update(Customer).where(Customer.id == r.customer_id).values(group_limit=r.amount))
        found = [
            FieldChange("group_limit", None if c.group_limit is None else f"{c.group_limit:.2f}", f"{r.amount:.2f}")
        ]
    else:
        old = credit_terms(conn, r.customer_id)
        new_values = {
            "credit_limit": r.amount,
            "limit_review_on": decision.review_on,
            "limit_expires_on": decision.expires_on,
        }
        conn.execute(
            update(Customer)
            .where(Customer.id == r.customer_id)
            .values(**new_values, row_version=Customer.row_version + 1)
        )
        new = CreditTerms(**{**old.__dict__, **new_values})
        found = changes(old, new)
    _log(conn, r.customer_id, found, reason=reason, author=approver, effective_on=decided_on, source="limit_approval")
    bump_data_version(conn)
    return decision.expires_on


def reject_limit_request(
    conn: Connection, request_id: int, *, decided_by: str, decided_role: str, decided_on: date, comment: str
) -> None:
    """Reject (by anyone with approval authority, not the requester) or withdraw (by the requester)."""
    r = _pending(conn, request_id)
    if not decided_by.strip():
        raise CreditTermsError("author", "an author is needed (enter your name under Acting as)")
    own = decided_by.strip().casefold() == r.requested_by.strip().casefold()
    if not own and decided_role not in [lv.role for lv in active_policy(conn).approval_matrix]:
        raise ApprovalError(
            "no_authority", f"the role '{decided_role}' may not decide limit requests", role=decided_role
        )
    if not comment.strip():
        raise CreditTermsError("reason", "a rejection needs a reason")
    conn.execute(
        update(LimitRequest)
        .where(LimitRequest.id == request_id)
        .values(
            status="withdrawn" if own else "rejected",
            decided_by=decided_by.strip(),
            decided_role=decided_role,
            decided_on=decided_on,
            decided_at=utcnow(),
            decision_comment=comment.strip(),
            decided_policy_version=policy_version(conn),
        )
    )
    status = "withdrawn" if own else "rejected"
    record(conn, decided_by, status, "limit_request", request_id, {"status": "pending"}, {"status": status,
           "comment": comment.strip()})  # fmt: skip
    bump_data_version(conn)


@dataclass(frozen=True)
class LimitRequestRow:
    id: int
    customer_id: int
    customer_ref: str
    customer_name: str
    scope: str
    amount: Decimal
    currency: str
    amount_base: Decimal
    required_role: str | None
    reason: str
    requested_by: str
    requested_role: str
    requested_on: date
    status: str
    decided_by: str | None
    decided_on: date | None
    decision_comment: str | None
    review_on: date | None
    expires_on: date | None
    policy_version: int | None


def limit_requests(
    conn: Connection, status: str | None = None, customer_id: int | None = None
) -> list[LimitRequestRow]:
    q = select(LimitRequest.__table__, Customer.customer_ref, Customer.name).join(
        Customer, Customer.id == LimitRequest.customer_id
    )
    if status:
        q = q.where(LimitRequest.status == status)
    if customer_id is not None:
        q = q.where(LimitRequest.customer_id == customer_id)
    rows = conn.execute(q.order_by(LimitRequest.requested_at.desc(), LimitRequest.id.desc())).all()
    return [
        LimitRequestRow(
            r.id,
            r.customer_id,
            r.customer_ref,
            r.name,
            r.scope,
            r.amount,
            r.currency,
            r.amount_base,
            r.required_role,
            r.reason,
            r.requested_by,
            r.requested_role,
            r.requested_on,
            r.status,
            r.decided_by,
            r.decided_on,
            r.decision_comment,
            r.review_on,
            r.expires_on,
            r.policy_version,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class ChangeRow:
    changed_at: datetime
    effective_on: date
    field: str
    old: str | None
    new: str | None
    reason: str
    author: str
    source: str
    policy_version: int | None


def change_log(conn: Connection, customer_id: int) -> list[ChangeRow]:
    rows = conn.execute(
        select(CustomerChange.__table__)
        .where(CustomerChange.customer_id == customer_id)
        .order_by(CustomerChange.changed_at.desc(), CustomerChange.id.desc())
    ).all()
    return [
        ChangeRow(
            r.changed_at,
            r.effective_on,
            r.field,
            r.old_value,
            r.new_value,
            r.reason,
            r.author,
            r.source,
            r.policy_version,
        )
        for r in rows
    ]


# --- changes for the ERP ---------------------------------------------------------------------------

ERP_FIELDS = ("credit_limit", "payment_terms_days", "status", "group_limit")
ERP_COLUMNS = (
    "customer_ref",
    "org_number",
    "name",
    "currency",
    "credit_limit",
    "payment_terms_days",
    "credit_hold",
    "prepayment_only",
    "group_limit",
    "changed_fields",
    "last_changed_at",
    "last_changed_by",
)


def erp_changes(conn: Connection, since: date) -> list[dict]:
    """One row per customer whose limit, terms, hold status or group limit changed on or after `since`, with the
    values now in force: what to key into the ERP, where orders are stopped."""
    start = datetime(since.year, since.month, since.day)
    rows = conn.execute(
        select(CustomerChange.customer_id, CustomerChange.field, CustomerChange.changed_at, CustomerChange.author)
        .where(CustomerChange.changed_at >= start, CustomerChange.field.in_(ERP_FIELDS))
        .order_by(CustomerChange.changed_at, CustomerChange.id)
    ).all()
    changed: dict[int, dict] = {}
    for r in rows:
        e = changed.setdefault(r.customer_id, {"fields": [], "at": r.changed_at, "by": r.author})
        if r.field not in e["fields"]:
            e["fields"].append(r.field)
        e["at"], e["by"] = r.changed_at, r.author
    if not changed:
        return []
    customers = conn.execute(select(Customer.__table__).where(Customer.id.in_(sorted(changed)))).all()
    out = []
    for c in sorted(customers, key=lambda c: c.customer_ref):
        e = changed[c.id]
        out.append(
            {
                "customer_ref": c.customer_ref,
                "org_number": c.org_number or "",
                "name": c.name,
                "currency": c.currency,
                "credit_limit": "" if c.credit_limit is None else f"{c.credit_limit:.2f}",
                "payment_terms_days": c.payment_terms_days,
                "credit_hold": "yes" if c.status == "credit_hold" else "no",
                "prepayment_only": "yes" if c.status == "prepayment_only" else "no",
                "group_limit": "" if c.group_limit is None else f"{c.group_limit:.2f}",
                "changed_fields": " ".join(e["fields"]),
                "last_changed_at": e["at"].replace(microsecond=0).isoformat(sep=" "),
                "last_changed_by": e["by"],
            }
        )
    return out


def erp_changes_csv(conn: Connection, since: date) -> tuple[str, int]:
    """erp_changes as CSV text (header first, UTF-8, `\\n` line ends) and its number of customers."""
    rows = erp_changes(conn, since)
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(ERP_COLUMNS), lineterminator="\n")
    w.writeheader()
    # names, references and authors come from imports and users: no cell may start a formula in a spreadsheet
    w.writerows({k: neutralise(v) for k, v in row.items()} for row in rows)
    return out.getvalue(), len(rows)
