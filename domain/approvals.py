"""Who may grant how much credit: the approval matrix of the credit policy, as data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.risk import review_due


class ApprovalError(ValueError):
    """A limit decision the policy does not allow; `code` and `params` let the UI say it in any language."""

    def __init__(self, code: str, message: str, **params):
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass(frozen=True)
class ApprovalLevel:
    """A role that may grant limits up to `up_to` (base currency, inclusive); None means without a cap."""

    role: str
    up_to: Decimal | None


DEFAULT_MATRIX: tuple[ApprovalLevel, ...] = (
    ApprovalLevel("credit_manager", Decimal("500000")),
    ApprovalLevel("cfo", Decimal("5000000")),
    ApprovalLevel("board", None),
)


def validate_matrix(levels: tuple[ApprovalLevel, ...]) -> None:
    if not levels:
        raise ValueError("the approval matrix needs at least one level")
    roles = [lv.role for lv in levels]
    if len(set(roles)) != len(roles):
        raise ValueError("each role may appear once in the approval matrix")
    caps = [lv.up_to for lv in levels]
    if any(c is None for c in caps[:-1]):
        raise ValueError("only the last level of the approval matrix may be without a cap")
    finite = [c for c in caps if c is not None]
    if finite != sorted(finite) or len(set(finite)) != len(finite) or any(c <= 0 for c in finite):
        raise ValueError("approval caps must be positive and strictly increasing")


def required_level(levels: tuple[ApprovalLevel, ...], amount: Decimal) -> ApprovalLevel | None:
    """The lowest level allowed to grant `amount`; None when the amount exceeds every cap."""
    for lv in levels:
        if lv.up_to is None or amount <= lv.up_to:
            return lv
    return None


@dataclass(frozen=True)
class LimitRequest:
    customer_ref: str
    amount: Decimal  # the requested credit limit, base currency
    requested_by: str
    requested_on: date


@dataclass(frozen=True)
class LimitDecision:
    customer_ref: str
    amount: Decimal
    approved_by: str
    role: str
    decided_on: date
    review_on: date
    expires_on: date


def approve(
    levels: tuple[ApprovalLevel, ...],
    request: LimitRequest,
    approver: str,
    approver_role: str,
    decided_on: date,
    review_months: int,
    validity_months: int = 12,
) -> LimitDecision:
    """Grant a requested limit if the approver's role reaches the required level and it is not their own request."""
    if request.amount < 0:
        raise ApprovalError("negative", "a credit limit cannot be negative")
    if approver.strip().casefold() == request.requested_by.strip().casefold():
        raise ApprovalError("self_approval", "the requester cannot approve their own request")
    roles = [lv.role for lv in levels]
    if approver_role not in roles:
        raise ApprovalError(
            "no_authority", f"the role '{approver_role}' may not grant credit limits", role=approver_role
        )
    needed = required_level(levels, request.amount)
    if needed is None:
        raise ApprovalError("above_matrix", f"{request.amount} exceeds every approval level", amount=request.amount)
    if roles.index(approver_role) < roles.index(needed.role):
        raise ApprovalError(
            "level_too_low",
            f"{request.amount} needs the approval of {needed.role}",
            amount=request.amount,
            needed=needed.role,
        )
    if decided_on < request.requested_on:
        raise ApprovalError("before_request", "a decision cannot predate its request")
    return LimitDecision(
        request.customer_ref,
        request.amount,
        approver,
        approver_role,
        decided_on,
        review_due(decided_on, review_months),
        review_due(decided_on, validity_months),
    )
