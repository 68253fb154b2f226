"""Property: whatever the input, the converter returns a Conversion or raises InputError."""

from __future__ import annotations

import json
from typing import Any

import yaml
from apifox_docs import DATA, native_project
from hypothesis import given
from hypothesis import strategies as st
from openapi_spec_validator import validate

from newapi_contract.apifox import convert_text
from newapi_contract.errors import InputError
from newapi_contract.paths import SEED_SOURCE

SEED = SEED_SOURCE.read_text(encoding="utf-8")
GFCLI = (DATA / "gfcli-2021.apifox.json").read_text(encoding="utf-8")
EXPORT = (DATA / "combination-export.openapi.json").read_text(encoding="utf-8")
EXPORT_YAML = yaml.safe_dump(json.loads(EXPORT), allow_unicode=True)
PAGE = (
    f"# 删除令牌\n\n```bash\ncurl -X DELETE x\n```\n\n## OpenAPI Specification\n\n```yaml\n{EXPORT_YAML}```\n"
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


def converts_or_refuses(text: str) -> None:
    try:
        conversion = convert_text(text, "fuzz.json")
    except InputError as exc:
        assert str(exc).startswith("fuzz.json") and "\n" not in str(exc)
    else:
        validate(conversion.document)


@given(st.sampled_from([SEED, GFCLI, EXPORT, EXPORT_YAML, PAGE]), st.data())
def test_truncated_documents(text: str, data: st.DataObject) -> None:
    cut = data.draw(st.integers(min_value=0, max_value=len(text) - 1))
    converts_or_refuses(text[:cut])


@given(st.binary(max_size=200))
def test_random_bytes(raw: bytes) -> None:
    converts_or_refuses(raw.decode("utf-8", errors="replace"))


def paths_of(node: Any, at: tuple = ()) -> list[tuple]:
    found = [at]
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths_of(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += paths_of(value, (*at, i))
    return found


def replaced(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return doc


@given(st.sampled_from(["seed-api", "gfcli", "export"]), st.data(), json_values)
def test_wrong_types_in_fields(which: str, data: st.DataObject, value: Any) -> None:
    if which == "seed-api":
        api = {
            "method": "delete",
            "path": "/api/token/194804/",
            "parameters": {"header": [{"name": "new-api-user", "required": True}]},
            "requestBody": {"type": "none", "jsonSchema": {"type": "object"}},
            "responses": [{"id": 1, "code": 200, "jsonSchema": {"type": "object"}}],
        }
        doc = json.loads(native_project(api))
    else:
        doc = json.loads(GFCLI if which == "gfcli" else EXPORT)
    path = data.draw(st.sampled_from(paths_of(doc)))
    converts_or_refuses(json.dumps(replaced(doc, path, value)))


@given(
    st.lists(
        st.sampled_from(
            [
                "参数",
                "请求体",
                "响应",
                "概览",
                "{",
                "}",
                "[",
                "]",
                "|",
                "\n",
                '"a"',
                ":",
                ",",
                "1",
                "DELETE /x",
            ]
        ),
        max_size=30,
    )
)
def test_page_like_text(tokens: list[str]) -> None:
    converts_or_refuses("title\nDELETE /x\n概览\n" + "".join(tokens))


def test_a_part_the_validator_trips_on_costs_only_itself() -> None:
    # Found by mutating real documents: openapi-spec-validator asserts a media type map's
    # keys are text, and `content: [null]` made it raise AssertionError (a traceback).
    bad = {"responses": {"200": {"description": "d", "content": [None]}}}
    ok = {"responses": {"200": {"description": "d"}}}
    text = json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": bad, "post": ok}},
        }
    )
    conversion = convert_text(text, "c.json")
    validate(conversion.document)
    assert conversion.document["paths"]["/a"]["get"]["responses"] == {"200": {"description": "d"}}
    assert [f.rule for f in conversion.findings] == ["malformed-part-dropped"]
