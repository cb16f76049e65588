"""A frozen dataclass tree to JSON and back, exactly: the month-end snapshot a closed period is reproduced from.

Decimals travel as strings (no float ever touches an amount), dates and datetimes as ISO text, tuples as lists.
Decoding follows the dataclasses' type annotations, so `decode(T, encode(x)) == x` for every supported tree:
dataclasses, Decimal, date, datetime, int, str, bool, None, `X | None`, `tuple[X, ...]`, fixed tuples,
`dict[str, X]` and `list[X]`.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any


class SnapshotError(ValueError):
    """Stored snapshot text that does not decode into the expected shape."""


def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    """Canonical JSON text (sorted keys, no spaces): equal trees give equal text, and equal hashes."""
    return json.dumps(encode(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None and type(None) in args:
            return None
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise SnapshotError(f"cannot decode a value of the union {tp}")
        return decode(rest[0], data)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise SnapshotError(f"{tp.__name__}: expected an object, got {type(data).__name__}")
        hints = _hints(tp)
        kwargs = {f.name: decode(hints[f.name], data[f.name]) for f in dataclasses.fields(tp) if f.name in data}
        return tp(**kwargs)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], v) for v in data)
        return tuple(decode(a, v) for a, v in zip(args, data, strict=True))
    if origin is list:
        (arg,) = typing.get_args(tp)
        return [decode(arg, v) for v in data]
    if origin is dict:
        k, v = typing.get_args(tp)
        return {decode(k, key): decode(v, val) for key, val in data.items()}
    if tp is Decimal:
        return Decimal(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if tp is date:
        return date.fromisoformat(data)
    if tp is int and not isinstance(data, bool):
        return int(data)
    if tp in (str, bool, float) or tp is type(None):
        return data
    raise SnapshotError(f"cannot decode type {tp}")


def loads(tp: Any, text: str) -> Any:
    try:
        return decode(tp, json.loads(text))
    except (KeyError, TypeError, ValueError) as exc:
        raise SnapshotError(f"the stored snapshot does not match {getattr(tp, '__name__', tp)}: {exc}") from exc
