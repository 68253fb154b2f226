"""The shapes of the Apifox input the converter reads, as JSON Schemas.

Checked before conversion so that a document with a wrong type in a field the
converter reads is refused with one clear line (`InputError`) instead of a crash.
Only what the converter touches is constrained; everything else may be anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from newapi_contract.apifox.document import one_line
from newapi_contract.errors import InputError

__all__ = ["check_shape"]

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
