"""What changed between two policy versions: the policy flattened into readable paths, compared leaf by leaf."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.policy import Policy

NONE = "–"  # a value that is deliberately empty (no cap); a missing path is None instead
YES, NO = "yes", "no"
# Lists of objects are keyed by the field that names each item, so a diff says "risk_classes.C.…", not "…[2]…"
# (an ECL override by its aging bucket: "ecl.overrides.61-90.rate_percent")
ITEM_KEYS = ("risk_class", "role", "country", "bucket")
_MISSING = object()


@dataclass(frozen=True)
class PolicyChange:
    """One setting that differs; `old` is None when the setting is new, `new` is None when it was removed."""

    path: str
    old: str | None
    new: str | None


def diff_policies(old: Policy, new: Policy) -> list[PolicyChange]:
    """Every setting whose value differs, in the policy's own order (removed settings last).

    Numbers compare by value, so 3.00 and 3.0 are the same PD; lists of numbers (bucket edges, the payment
    index table) are one setting each and shown whole ("30, 60, 90")."""
    before = flatten(old.to_dict())
    after = flatten(new.to_dict())
    paths = list(after) + [p for p in before if p not in after]
    changes = []
    for path in paths:
        a, b = before.get(path, _MISSING), after.get(path, _MISSING)
        if a is not _MISSING and b is not _MISSING and _same(a, b):
            continue
        if _emptied_list(path, a, after) or _emptied_list(path, b, before):
            continue
        changes.append(PolicyChange(path, None if a is _MISSING else _text(a), None if b is _MISSING else _text(b)))
    return changes


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"risk_classes.C.payment_terms_days": 20, "bucket_edges": [30, 60, 90, 120], ...} from a policy dict."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        key, names = _item_names(value)
        out = {}
        for name, item in zip(names, value, strict=True):
            out.update(flatten({k: v for k, v in item.items() if k != key}, f"{prefix}.{name}"))
        return out
    return {prefix: value}


def _emptied_list(path: str, value: Any, other: dict[str, Any]) -> bool:
    """An empty list on one side where the other side has items under the same path ("ecl.overrides": [] against
    "ecl.overrides.61-90.…"): the items' own lines already say what was added or removed."""
    return value == [] and any(p.startswith(f"{path}.") for p in other)


def _item_names(items: list[dict]) -> tuple[str | None, list[str]]:
    """The naming field and each item's class letter or role when every item has a distinct one; else 1, 2, 3 …"""
    for key in ITEM_KEYS:
        names = [str(item.get(key)) for item in items]
        if all(key in item for item in items) and len(set(names)) == len(names):
            return key, names
    return None, [str(i) for i in range(1, len(items) + 1)]


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    return a == b


def _text(value: Any) -> str:
    if value is None:
        return NONE
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        return ", ".join(" → ".join(_text(v) for v in x) if isinstance(x, list) else _text(x) for x in value)
    return str(value)
