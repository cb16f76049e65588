"""A customer's credit terms as a record: what may change directly, and what needs an approved limit request.

Lowering a credit limit reduces risk and may be done at once (with a reason); raising one goes through the
approval matrix (domain/approvals.py). Every change names its field, old and new value, reason and author.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal

from domain.canonical import STATUSES

ROLES = ("sales", "credit_manager", "cfo", "board")
REQUESTER_ROLES = ROLES  # anyone in sales or credit (and above) may request a limit


class CreditTermsError(ValueError):
    """A change that cannot be stored; `code` and `params` let the UI say it in any language."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass(frozen=True)
class CreditTerms:
    """The credit fields of a customer (amounts in the customer's currency, percentages 0–100)."""

    credit_limit: Decimal | None
    payment_terms_days: int
    status: str
    insured_limit: Decimal | None
    insurer: str | None
    insured_share: Decimal | None
    insurance_decided_on: date | None
    limit_review_on: date | None = None
    limit_expires_on: date | None = None


def edit_conflicts(base: CreditTerms, current: CreditTerms) -> list[tuple[str, object, object]]:
    """The fields someone else changed since an edit started from `base`: (field, then, now). Empty: no conflict."""
    return [
        (f, getattr(base, f), getattr(current, f))
        for f in CreditTerms.__dataclass_fields__
        if getattr(base, f) != getattr(current, f)
    ]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def validate_terms(t: CreditTerms) -> CreditTerms:
    """The cleaned terms, or CreditTermsError naming the first field that is wrong."""
    for name in ("credit_limit", "insured_limit"):
        v = getattr(t, name)
        if v is not None and v < 0:
            raise CreditTermsError("negative", f"{name.replace('_', ' ')} cannot be negative", field=name)
        if v is not None and v != v.quantize(Decimal("0.01")):
            raise CreditTermsError("decimals", f"{name.replace('_', ' ')} has more than 2 decimals", field=name)
    if t.payment_terms_days < 0 or t.payment_terms_days > 365:
        raise CreditTermsError("terms", "payment terms must be between 0 and 365 days", days=t.payment_terms_days)
    if t.status not in STATUSES:
        raise CreditTermsError("status", f"'{t.status}' is not one of {', '.join(STATUSES)}", status=t.status)
    if t.insured_share is not None and not Decimal(0) <= t.insured_share <= Decimal(100):
        raise CreditTermsError("share", "the insured share must be between 0 and 100 %", share=t.insured_share)
    insurer = (t.insurer or "").strip() or None
    if t.insured_limit and t.insured_limit > 0 and (insurer is None or t.insured_share is None):
        raise CreditTermsError("insurance", "an insured limit needs the insurer and the insured share")
    return replace(t, insurer=insurer)


def changes(old: CreditTerms, new: CreditTerms) -> list[FieldChange]:
    """The fields that differ, in the dataclass's order."""
    out = []
    for f in fields(CreditTerms):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a != b:
            out.append(FieldChange(f.name, _text(a), _text(b)))
    return out


def check_direct_edit(old: CreditTerms, new: CreditTerms, reason: str, author: str) -> list[FieldChange]:
    """The changes a direct edit makes, after the rules: a reason and an author, and no raised limit."""
    if not author.strip():
        raise CreditTermsError("author", "an author is needed (enter your name under Acting as)")
    if not reason.strip():
        raise CreditTermsError("reason", "every change needs a reason")
    new = validate_terms(new)
    if (new.credit_limit or Decimal(0)) > (old.credit_limit or Decimal(0)):
        raise CreditTermsError(
            "raise_needs_approval",
            "raising a credit limit needs an approved limit request",
            old=old.credit_limit,
            new=new.credit_limit,
        )
    found = changes(old, new)
    if not found:
        raise CreditTermsError("unchanged", "nothing changed")
    return found


def check_request(amount: Decimal, reason: str, requested_by: str, role: str) -> None:
    if not requested_by.strip():
        raise CreditTermsError("author", "an author is needed (enter your name under Acting as)")
    if role not in REQUESTER_ROLES:
        raise CreditTermsError("role", f"the role '{role}' may not request credit limits", role=role)
    if not reason.strip():
        raise CreditTermsError("reason", "a limit request needs a reason")
    if amount < 0:
        raise CreditTermsError("negative", "a credit limit cannot be negative", field="credit_limit")
    if amount != amount.quantize(Decimal("0.01")):
        raise CreditTermsError("decimals", "the amount has more than 2 decimals", field="credit_limit")
