"""The approval matrix: who may grant how much, self-approval refused, review and expiry dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from domain.approvals import (
    DEFAULT_MATRIX,
    ApprovalError,
    ApprovalLevel,
    LimitRequest,
    approve,
    required_level,
    validate_matrix,
)

REQ = LimitRequest("K10001", D("500000"), "Sales Sara", date(2026, 10, 1))


@pytest.mark.parametrize(
    ("amount", "role"),
    [
        (D("0"), "credit_manager"),
        (D("500000"), "credit_manager"),
        (D("500000.01"), "cfo"),
        (D("5000000"), "cfo"),
        (D("5000000.01"), "board"),
        (D("1e9"), "board"),
    ],
)
def test_required_level(amount, role):
    assert required_level(DEFAULT_MATRIX, amount).role == role


@pytest.mark.parametrize(
    ("amount", "approver", "role", "error"),
    [
        (D("500000"), "Kari", "credit_manager", None),  # exactly the credit manager's cap
        (D("500000.01"), "Kari", "credit_manager", "level_too_low"),
        (D("500000.01"), "Cecilie", "cfo", None),
        (D("100"), "Bjørn", "board", None),  # a higher level may always grant less
        (D("100"), "Sales Sara", "cfo", "self_approval"),  # even a CFO cannot approve their own request
        (D("100"), "sales sara ", "cfo", "self_approval"),  # case and spaces do not make another person
        (D("100"), "Ola", "sales", "no_authority"),
        (D("-1"), "Kari", "credit_manager", "negative"),
    ],
)
def test_approve(amount, approver, role, error):
    req = LimitRequest(REQ.customer_ref, amount, REQ.requested_by, REQ.requested_on)
    if error is None:
        d = approve(DEFAULT_MATRIX, req, approver, role, date(2026, 10, 2), review_months=6)
        assert (d.amount, d.approved_by, d.role) == (amount, approver, role)
        assert (d.review_on, d.expires_on) == (date(2027, 4, 2), date(2027, 10, 2))
    else:
        with pytest.raises(ApprovalError) as exc:
            approve(DEFAULT_MATRIX, req, approver, role, date(2026, 10, 2), review_months=6)
        assert exc.value.code == error


def test_amount_above_a_capped_matrix_and_decision_before_request():
    capped = (ApprovalLevel("credit_manager", D(1000)), ApprovalLevel("cfo", D(10000)))
    with pytest.raises(ApprovalError) as exc:
        approve(capped, LimitRequest("K1", D(20000), "A", date(2026, 1, 1)), "B", "cfo", date(2026, 1, 2), 12)
    assert exc.value.code == "above_matrix"
    with pytest.raises(ApprovalError) as exc:
        approve(capped, LimitRequest("K1", D(10), "A", date(2026, 1, 5)), "B", "cfo", date(2026, 1, 2), 12)
    assert exc.value.code == "before_request"


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ((), "at least one level"),
        ((ApprovalLevel("cfo", None), ApprovalLevel("board", None)), "only the last level"),
        ((ApprovalLevel("a", D(10)), ApprovalLevel("b", D(5))), "strictly increasing"),
        ((ApprovalLevel("a", D(10)), ApprovalLevel("a", D(50))), "once"),
        ((ApprovalLevel("a", D(0)),), "positive"),
    ],
)
def test_matrix_validation(levels, message):
    with pytest.raises(ValueError, match=message):
        validate_matrix(levels)
