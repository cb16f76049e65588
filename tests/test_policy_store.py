"""The versioned policy store (data_access/policy_store.py) on SQLite and PostgreSQL, and the policy diff
(domain/policy_diff.py): history, any version back, restore as a new version, refusals that write nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from ledger import ready_engine
from sqlalchemy import func, select

from data_access.ledger import active_policy, data_version, save_policy, utcnow
from data_access.policy_store import (
    PolicyUnchanged,
    PolicyVersionRow,
    active_policy_version,
    policy_at_version,
    policy_history,
    policy_version_row,
    restore_policy,
    save_policy_version,
)
from data_access.schema import PolicyVersion
from domain.approvals import ApprovalLevel
from domain.behaviour import TrendRule
from domain.policy import AlertThresholds, Policy
from domain.policy_diff import NONE, PolicyChange, diff_policies


def with_terms(policy: Policy, risk_class: str, days: int) -> Policy:
    return replace(
        policy,
        risk_classes=tuple(
            replace(t, payment_terms_days=days) if t.risk_class == risk_class else t for t in policy.risk_classes
        ),
    )


C15 = with_terms(Policy(), "C", 15)
EDGES_45 = replace(Policy(), bucket_edges=(30, 45, 60, 90))


@pytest.fixture
def engine(db_url):
    e = ready_engine(db_url)
    yield e
    e.dispose()


def count(conn) -> int:
    return conn.execute(select(func.count()).select_from(PolicyVersion)).scalar_one()


def test_defaults_have_no_history(engine):
    with engine.connect() as conn:
        assert policy_history(conn) == []
        assert active_policy_version(conn) is None
        assert active_policy(conn) == Policy()


def test_history_is_newest_first_with_author_time_and_comment(engine):
    start = utcnow()
    with engine.begin() as conn:
        assert save_policy_version(conn, C15, "Kari", "shorter terms for C") == 1
    with engine.begin() as conn:
        assert save_policy_version(conn, EDGES_45, "  Ola  ", "   ") == 2  # name trimmed, blank comment -> none
    with engine.connect() as conn:
        history = policy_history(conn)
        assert [(h.version, h.author, h.comment) for h in history] == [
            (2, "Ola", None),
            (1, "Kari", "shorter terms for C"),
        ]
        assert all(isinstance(h, PolicyVersionRow) for h in history)
        assert start - timedelta(seconds=1) <= history[1].created_at <= history[0].created_at
        assert history[0].created_at <= utcnow() + timedelta(seconds=1)
        assert isinstance(history[0].created_at, datetime)
        assert active_policy_version(conn) == 2
        assert active_policy(conn) == EDGES_45


def test_policy_at_version_round_trips_every_version(engine):
    matrix = (ApprovalLevel("credit_manager", Decimal("250000.50")), ApprovalLevel("board", None))
    third = replace(C15, approval_matrix=matrix, lgd_percent=Decimal("45.5"), trend=TrendRule(recent_days=60))
    with engine.begin() as conn:
        for p in (C15, EDGES_45, third):
            save_policy_version(conn, p, "Kari", None)
    with engine.connect() as conn:
        assert policy_at_version(conn, 1) == C15
        assert policy_at_version(conn, 1).terms("C").payment_terms_days == 15
        assert policy_at_version(conn, 2) == EDGES_45
        got = policy_at_version(conn, 3)
        assert got == third
        assert got.approval_matrix[0].up_to == Decimal("250000.50") and got.approval_matrix[1].up_to is None


def test_restore_stores_a_copy_as_the_next_version_and_leaves_the_old_one(engine):
    with engine.begin() as conn:
        save_policy_version(conn, C15, "Kari", "v1")
        save_policy_version(conn, EDGES_45, "Ola", "v2")
    with engine.begin() as conn:
        before = data_version(conn)
        assert restore_policy(conn, 1, "Per") == 3
        assert data_version(conn) == before + 1  # caches refresh
    with engine.connect() as conn:
        assert policy_at_version(conn, 3) == C15
        assert active_policy(conn) == C15
        assert policy_at_version(conn, 1) == C15 and policy_at_version(conn, 2) == EDGES_45
        history = policy_history(conn)
        assert [(h.version, h.author, h.comment) for h in history] == [
            (3, "Per", "Restored version 1"),
            (2, "Ola", "v2"),
            (1, "Kari", "v1"),
        ]
    with engine.begin() as conn:
        assert restore_policy(conn, 2, "Per", "back to 45 days") == 4
        assert policy_history(conn)[0].comment == "back to 45 days"
        assert active_policy(conn) == EDGES_45


def test_one_version_row(engine):
    with engine.begin() as conn:
        save_policy_version(conn, C15, "Kari", "v1")
        save_policy_version(conn, EDGES_45, "Ola", None)
    with engine.connect() as conn:
        assert policy_version_row(conn, 1) == policy_history(conn)[1]
        row = policy_version_row(conn, 2)
        assert (row.version, row.author, row.comment) == (2, "Ola", None)
        with pytest.raises(LookupError, match=r"policy version 3 does not exist \(versions run from 1 to 2\)"):
            policy_version_row(conn, 3)


def test_missing_version_is_a_clear_error(engine):
    with engine.connect() as conn:
        with pytest.raises(LookupError, match=r"policy version 1 does not exist \(no version has been saved yet\)"):
            policy_at_version(conn, 1)
    with engine.begin() as conn:
        save_policy_version(conn, C15, "Kari")
    with engine.begin() as conn:
        with pytest.raises(LookupError, match=r"policy version 7 does not exist \(versions run from 1 to 1\)"):
            restore_policy(conn, 7, "Kari")
        assert count(conn) == 1


@pytest.mark.parametrize("author", ["", "   ", None, "x" * 101])
def test_an_author_is_required_and_nothing_is_written(engine, author):
    with engine.begin() as conn:
        save_policy(conn, C15, "Kari")  # version 1, so that a restore has something to copy
        save_policy(conn, EDGES_45, "Kari")
    with engine.begin() as conn:
        before = data_version(conn)
        with pytest.raises(ValueError, match="author"):
            save_policy_version(conn, Policy(), author)
        with pytest.raises(ValueError, match="author"):
            restore_policy(conn, 1, author)
        assert count(conn) == 2 and data_version(conn) == before


def test_an_unchanged_policy_is_not_stored(engine):
    with engine.begin() as conn:
        with pytest.raises(PolicyUnchanged, match="nothing changed"):
            save_policy_version(conn, Policy(), "Kari")  # equal to the built-in defaults
        save_policy_version(conn, C15, "Kari")
        # the same numbers written differently (3.0 vs 3.00) are the same policy
        same = replace(
            C15,
            risk_classes=tuple(replace(t, pd_percent=t.pd_percent.normalize()) for t in C15.risk_classes),
        )
        with pytest.raises(PolicyUnchanged):
            save_policy_version(conn, same, "Kari")
        with pytest.raises(PolicyUnchanged, match="version 1 is the same as the active policy"):
            restore_policy(conn, 1, "Kari")
        assert count(conn) == 1


# --- diff ------------------------------------------------------------------------------------------------------------

CFO_3M = replace(
    Policy(),
    approval_matrix=(
        ApprovalLevel("credit_manager", Decimal("500000")),
        ApprovalLevel("cfo", Decimal("3000000")),
        ApprovalLevel("board", None),
    ),
)
NO_CAP_B = replace(
    Policy(),
    risk_classes=tuple(
        replace(t, max_credit_limit=None, insurance_required=True) if t.risk_class == "B" else t
        for t in Policy().risk_classes
    ),
)
ALERTS = replace(Policy(), alerts=AlertThresholds(overdue_days=45, credit_hold_events=("bankruptcy",)))
CFO_RENAMED = replace(
    Policy(),
    approval_matrix=(ApprovalLevel("credit_manager", Decimal("500000")), ApprovalLevel("board", None)),
)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(Policy(), Policy(), [], id="unchanged"),
        pytest.param(C15, C15, [], id="unchanged-saved"),
        pytest.param(
            Policy(), C15, [PolicyChange("risk_classes.C.payment_terms_days", "20", "15")], id="class-C-terms"
        ),
        pytest.param(Policy(), CFO_3M, [PolicyChange("approval_matrix.cfo.up_to", "5000000", "3000000")], id="cfo"),
        pytest.param(
            replace(Policy(), bucket_edges=(30, 60, 90)),
            EDGES_45,
            [PolicyChange("bucket_edges", "30, 60, 90", "30, 45, 60, 90")],
            id="bucket-edges",
        ),
        pytest.param(
            Policy(),
            ALERTS,
            [
                PolicyChange("alerts.overdue_days", "60", "45"),
                PolicyChange(
                    "alerts.credit_hold_events",
                    "bankruptcy, bankruptcy_petition, liquidation, forced_dissolution, deleted",
                    "bankruptcy",
                ),
            ],
            id="alerts",
        ),
        pytest.param(
            Policy(),
            NO_CAP_B,
            [
                PolicyChange("risk_classes.B.max_credit_limit", "2000000", NONE),
                PolicyChange("risk_classes.B.insurance_required", "no", "yes"),
            ],
            id="no-cap-and-flag",
        ),
        pytest.param(
            Policy(),
            replace(C15, ledger_freshness_days=5, trend=TrendRule(recent_days=60)),
            [
                PolicyChange("ledger_freshness_days", "2", "5"),
                PolicyChange("trend.recent_days", "90", "60"),
                PolicyChange("risk_classes.C.payment_terms_days", "20", "15"),
            ],
            id="several-in-policy-order",
        ),
        pytest.param(
            Policy(), CFO_RENAMED, [PolicyChange("approval_matrix.cfo.up_to", "5000000", None)], id="role-removed"
        ),
        pytest.param(
            CFO_RENAMED, Policy(), [PolicyChange("approval_matrix.cfo.up_to", None, "5000000")], id="role-added"
        ),
        pytest.param(Policy(), replace(Policy(), lgd_percent=Decimal("70.00")), [], id="same-number-other-spelling"),
    ],
)
def test_diff_policies(old, new, expected):
    assert diff_policies(old, new) == expected
