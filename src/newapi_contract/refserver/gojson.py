"""Request-body binding the way gin's `ShouldBindJSON` (Go's encoding/json) does it.

What matters for a faithful server: the error texts (`EOF`, `unexpected EOF`,
`invalid character ...`, `json: cannot unmarshal ...`), case-insensitive field names,
ignored unknown fields, data after the first value ignored, `null` leaving a field at its
zero value, and integers that must be whole numbers within int64.
"""

from __future__ import annotations

import json
from typing import Any

from newapi_contract.refserver.goparse import MAX_INT64, MIN_INT64

__all__ = ["BindError", "bind", "decode"]

_ZERO: dict[str, Any] = {"string": "", "int": 0, "bool": False, "[]int": None, "[]string": None}
_DECODER = json.JSONDecoder(parse_constant=lambda name: _reject(name))


class BindError(ValueError):
    """The body could not be bound; `str(error)` is Go's error text."""


def _reject(name: str) -> None:
    raise BindError(f"invalid character '{name[0]}' looking for beginning of value")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return f"number {json.dumps(value)}"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def decode(body: bytes) -> Any:
    """The first JSON value of `body`, or BindError with Go's decoder message."""
    text = body.decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if not text:
        raise BindError("EOF")
    try:
        value, _ = _DECODER.raw_decode(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise BindError("unexpected EOF") from None
        # Go names the parser state after the character; one state is close enough here.
        char = text[exc.pos]
        raise BindError(f"invalid character {char!r} looking for beginning of value") from None
    return value


def _convert(value: Any, gotype: str, where: str) -> Any:
    if value is None:
        return _ZERO[gotype]
    mismatch = BindError(f"json: cannot unmarshal {_kind(value)} into {where} of type {gotype}")
    if gotype == "string":
        if not isinstance(value, str):
            raise mismatch
        return value
    if gotype == "bool":
        if not isinstance(value, bool):
            raise mismatch
        return value
    if gotype == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise mismatch
        if not MIN_INT64 <= value <= MAX_INT64:
            raise mismatch
        return value
    if not isinstance(value, list):
        raise mismatch
    return [_convert(item, gotype[2:], where) for item in value]


def bind(body: bytes, fields: dict[str, str], struct: str) -> dict[str, Any]:
    """Bind a JSON object to `fields` (json name -> Go type: string, int, bool, []int...)."""
    value = decode(body)
    if value is None:
        return {name: _ZERO[gotype] for name, gotype in fields.items()}
    if not isinstance(value, dict):
        raise BindError(f"json: cannot unmarshal {_kind(value)} into Go value of type {struct}")
    bound = {name: _ZERO[gotype] for name, gotype in fields.items()}
    lowered = {name.lower(): name for name in fields}
    for key, item in value.items():
        name = key if key in fields else lowered.get(key.lower())
        if name is not None:
            where = f"Go struct field {struct}.{name}"
            bound[name] = _convert(item, fields[name], where)
    return bound
