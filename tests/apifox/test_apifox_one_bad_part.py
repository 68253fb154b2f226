"""Property: one bad part anywhere in one operation costs that part, never the other operations.

A small export of three operations (parameters, a body, responses, a component each
refers to) gets one bad value somewhere inside its second operation: null, a wrong type,
a key OpenAPI does not allow, a reference to nothing, a name with spaces or Chinese.
Whatever it is, the conversion succeeds, the other two operations are there unchanged
in number, and the output is valid OpenAPI 3.1.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from newapi_contract.apifox import convert_text
from newapi_contract.apifox.document import validate


def _operation(name: str) -> dict[str, Any]:
    return {
        "summary": name,
        "operationId": name,
        "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "default": 1}},
            {"name": "q", "in": "query", "schema": {"type": "string"}, "example": "a"},
        ],
        "requestBody": {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Item"}, "example": {"n": 1}}
            }
        },
        "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}},
            "404": {"$ref": "#/components/responses/记录不存在"},
        },
        "security": [{"JWT令牌": []}],
    }


BASE: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "t", "version": "1"},
    "paths": {f"/{n}/{{id}}": {"post": _operation(n)} for n in ("a", "b", "c")},
    "components": {
        "schemas": {"Item": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
        "responses": {"记录不存在": {"description": "none"}},
        "securitySchemes": {"JWT令牌": {"type": "http", "scheme": "bearer"}},
    },
}
TARGET = ("paths", "/b/{id}", "post")
BAD = st.sampled_from(
    [None, "", "记录 不存在", 0, 1.5, True, [], {}, [None], {"$ref": "#/components/schemas/无"}, {"新 名": 1}]
)


def _places(node: Any, at: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*at, key)
            yield from _places(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*at, i)
            yield from _places(value, (*at, i))


PLACES = list(_places(BASE["paths"]["/b/{id}"]["post"], TARGET))


@given(st.sampled_from(PLACES), BAD, st.booleans())
def test_one_bad_value_inside_one_operation_costs_no_other_operation(
    place: tuple[Any, ...], bad: Any, as_new_key: bool
) -> None:
    doc = copy.deepcopy(BASE)
    parent = doc
    for part in place[:-1]:
        parent = parent[part]
    if as_new_key and isinstance(parent, dict):
        parent["新 名"] = bad  # a key OpenAPI does not allow, beside the others
    else:
        parent[place[-1]] = bad
    conversion = convert_text(json.dumps(doc, ensure_ascii=False), "e.json")
    validate(conversion.document, "e.json")
    paths = conversion.document["paths"]
    assert "post" in paths["/a/{id}"] and "post" in paths["/c/{id}"]
    for path in ("/a/{id}", "/c/{id}"):
        assert len(paths[path]["post"]["parameters"]) == 2
        assert set(paths[path]["post"]["responses"]) == {"200", "404"}
