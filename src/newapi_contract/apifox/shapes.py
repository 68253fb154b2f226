"""The shapes of the Apifox input the converter reads, as JSON Schemas.

Checked before conversion so that a wrong type in a field the converter reads never
crashes it. `repair_shape` drops each part that does not have its shape (a parameter
that is not an object, an API without a method), with a finding naming its pointer,
and refuses the document (one line, `InputError`) only when the part at fault is the
document itself or what it cannot be without (`paths`, `apiCollection`). Only what the
converter touches is constrained; everything else may be anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from newapi_contract.apifox.document import one_line
from newapi_contract.apifox.model import FindingLog
from newapi_contract.errors import InputError

__all__ = ["check_shape", "repair_shape"]

# What a document cannot be without: a fault there is a fault of the document.
_VITAL_TOP = frozenset(("openapi", "paths", "apiCollection", "httpCollection"))
_ROUNDS = 20

_OBJECT_LIST = {"type": ["array", "null"], "items": {"type": "object"}}
_TEXT = {"type": ["string", "number", "null"]}
_PARAM_LIST = {
    "type": ["array", "null"],
    "items": {"type": "object", "properties": {"name": _TEXT, "description": _TEXT}},
}

_API = {
    "type": "object",
    "required": ["method", "path"],
    "properties": {
        "method": {"type": "string"},
        "path": {"type": "string"},
        "parameters": {
            "type": ["object", "array", "null"],  # a list of {name, in, ...} in some exports
            "properties": {loc: _PARAM_LIST for loc in ("path", "query", "header", "cookie")},
            "items": {"type": "object"},
        },
        "requestBody": {
            "type": ["object", "null"],
            "properties": {"type": _TEXT, "parameters": _PARAM_LIST, "examples": _OBJECT_LIST},
        },
        "responses": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "properties": {"headers": _OBJECT_LIST, "contentType": _TEXT, "mediaType": _TEXT},
            },
        },
        "responseExamples": _OBJECT_LIST,
        "tags": {"type": ["array", "null"]},
    },
}

_FOLDER: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _TEXT,
        "api": _API,
        "items": {"type": "array", "items": {"$ref": "#/$defs/folder"}},
        "children": {"type": "array", "items": {"$ref": "#/$defs/folder"}},  # Apifox 1.1
    },
    # Apifox 1.1 keeps the API object itself in a folder's items.
    "if": {"required": ["method", "path"], "properties": {"method": {"type": "string"}}},
    "then": _API,
}

_SCHEMA_ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": _TEXT,
        "schema": {"type": "object"},
        "items": {"type": "array", "items": {"$ref": "#/$defs/schemaItem"}},
        "children": {"type": "array", "items": {"$ref": "#/$defs/schemaItem"}},
    },
}

_PROJECT = {
    "type": "object",
    "$defs": {"folder": _FOLDER, "schemaItem": _SCHEMA_ITEM},
    "properties": {
        "info": {"type": ["object", "null"], "properties": {"name": _TEXT, "description": _TEXT}},
        "apiCollection": {"type": "array", "items": {"$ref": "#/$defs/folder"}},
        "httpCollection": {"type": "array", "items": {"$ref": "#/$defs/folder"}},
        "schemaCollection": {"type": ["array", "null"], "items": {"$ref": "#/$defs/schemaItem"}},
        "environments": {
            "type": ["array", "null"],
            "items": {"type": "object", "properties": {"name": _TEXT}},
        },
    },
    "anyOf": [{"required": ["apiCollection"]}, {"required": ["httpCollection"]}],
}

_OPERATION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "parameters": {"type": "array", "items": {"type": "object"}},
        "requestBody": {"type": "object"},
        "responses": {"type": "object", "additionalProperties": {"type": "object"}},
        # Requirements are read leniently (see security.SecurityResolver): Apifox puts editor
        # state (`x-apifox: {...}`) inside them.
        "security": {"type": "array"},
    },
}

_OPENAPI = {
    "type": "object",
    "required": ["openapi", "paths"],
    "properties": {
        "openapi": {"type": "string", "pattern": "^3\\.[01]\\."},
        "info": {"type": "object"},
        "servers": {"type": "array", "items": {"type": "object"}},
        "paths": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": {"type": ["object", "array", "string"]},
                "properties": {
                    m: _OPERATION
                    for m in ("get", "put", "post", "delete", "options", "head", "patch", "trace")
                },
            },
        },
        "components": {
            "type": "object",
            "properties": {
                "schemas": {"type": "object"},
                "securitySchemes": {"type": "object", "additionalProperties": {"type": "object"}},
            },
        },
        "security": _OPERATION["properties"]["security"],
    },
}

_SHAPES = {
    name: Draft202012Validator(schema)
    for name, schema in (("api", _API), ("project", _PROJECT), ("openapi", _OPENAPI))
}


def check_shape(
    data: Any, shape: str, source: str, where: Callable[[tuple[object, ...]], str] | None = None
) -> None:
    """Raise InputError naming the first place where `data` does not have `shape`."""
    error = best_match(_SHAPES[shape].iter_errors(data))
    if error is None:
        return
    parts = tuple(error.absolute_path)
    at = where(parts) if where else f"{source}: /" + "/".join(str(p) for p in parts)
    raise InputError(f"{at}: {one_line(error.message)}")


def repair_shape(
    data: Any,
    shape: str,
    source: str,
    log: FindingLog,
    where: Callable[[tuple[object, ...]], str] | None = None,
) -> None:
    """Drop, in place, each part of `data` that does not have `shape`, with a finding.

    InputError (naming the pointer) when the part at fault is the document itself.
    """
    at = where or (lambda parts: f"{source}: " + ("".join(f"/{_escaped(p)}" for p in parts) or "/"))
    for _ in range(_ROUNDS):
        errors = list(_SHAPES[shape].iter_errors(data))
        if not errors:
            return
        targets: dict[tuple[object, ...], ValidationError] = {}
        for error in errors:
            parts = _part_at_fault(error)
            if not parts:
                raise InputError(f"{at(tuple(error.absolute_path))}: {one_line(error.message)}")
            targets.setdefault(parts, error)
        # Dropped last and deepest first (an index further up a list stays where it was),
        # said in the document's order.
        dropped = [parts for parts in sorted(targets, key=_order, reverse=True) if _drop(data, parts)]
        for parts in reversed(dropped):
            message = one_line(targets[parts].message, 160)
            log.add("malformed-part-dropped", f"{message}: not read, dropped", at(parts))
    raise InputError(f"{source}: not an Apifox document the converter can read")


def _part_at_fault(error: ValidationError) -> tuple[object, ...]:
    """The part to drop for `error` (empty: the document itself)."""
    parts = tuple(error.absolute_path)
    if len(parts) == 1 and parts[0] in _VITAL_TOP:
        return ()
    # An API without a usable method or path is no API: it goes whole (with its item).
    if (
        parts
        and parts[-1] in ("method", "path")
        and (len(parts) == 1 or parts[-2] == "api" or isinstance(parts[-2], int))
    ):
        parts = parts[:-1]
    if parts and parts[-1] == "api":
        parts = parts[:-1]
    return parts


def _order(parts: tuple[object, ...]) -> tuple[tuple[int, object], ...]:
    return tuple((0, p) if isinstance(p, int) else (1, str(p)) for p in parts)


def _drop(data: Any, parts: tuple[object, ...]) -> bool:
    parent = data
    for part in parts[:-1]:
        try:
            parent = parent[part]
        except (KeyError, IndexError, TypeError):
            return False  # under a part already dropped
    last = parts[-1]
    if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        del parent[last]
        return True
    if isinstance(parent, dict) and last in parent:
        del parent[last]
        return True
    return False


def _escaped(part: object) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")
