"""One bad part never costs the whole document: what is repaired, and what each repair says.

Minimal documents written for these tests, after the shapes of real exports (Chinese
component names, `400 Bad Request` as a response name, `null` descriptions, a default
beside a `$ref`, a `required` list naming a property twice).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from apifox_docs import convert_api, only_operation, rules

from newapi_contract.apifox import ConversionRefused, convert_text
from newapi_contract.apifox.component_names import valid_name
from newapi_contract.apifox.document import validate


def openapi(paths: dict[str, Any], components: dict[str, Any] | None = None, **top: Any) -> str:
    doc = {"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths, **top}
    if components is not None:
        doc["components"] = components
    return json.dumps(doc, ensure_ascii=False)


def op(**fields: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "ok"}}, **fields}


def test_invalid_component_names_are_renamed_and_every_reference_follows() -> None:
    components = {
        "schemas": {"旧版本": {"type": "object", "properties": {"id": {"type": "integer"}}}},
        "responses": {
            "记录不存在": {
                "description": "none",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/旧版本"}}},
            },
            "400 Bad Request": {"description": "bad"},
        },
        "securitySchemes": {"JWT令牌校验": {"type": "http", "scheme": "bearer"}},
    }
    get = op(
        responses={
            "404": {"$ref": "#/components/responses/记录不存在"},
            "400": {"$ref": "#/components/responses/400%20Bad%20Request"},
        },
        security=[{"JWT令牌校验": []}],
    )
    conversion = convert_text(openapi({"/x": {"get": get}}, components), "t.json")
    doc = conversion.document
    validate(doc, "t.json")
    (schema_name,) = doc["components"]["schemas"]
    assert doc["components"]["schemas"][schema_name]["title"] == "旧版本"
    responses = doc["components"]["responses"]
    assert "400_Bad_Request" in responses
    (missing,) = [name for name, r in responses.items() if r.get("x-apifox-original-name") == "记录不存在"]
    operation = doc["paths"]["/x"]["get"]
    assert operation["responses"]["404"] == {"$ref": f"#/components/responses/{missing}"}
    assert operation["responses"]["400"] == {"$ref": "#/components/responses/400_Bad_Request"}
    body = responses[missing]["content"]["application/json"]["schema"]
    assert body == {"$ref": f"#/components/schemas/{schema_name}"}
    ((scheme, _scopes),) = operation["security"][0].items()
    assert doc["components"]["securitySchemes"][scheme]["x-apifox-original-name"] == "JWT令牌校验"
    renamed = [f for f in conversion.findings if f.rule == "component-renamed"]
    assert {f.where for f in renamed} == {
        "t.json: /components/schemas/旧版本",
        "t.json: /components/responses/记录不存在",
        "t.json: /components/responses/400 Bad Request",
        "t.json: /components/securitySchemes/JWT令牌校验",
    }


def test_a_renamed_component_does_not_take_an_existing_name() -> None:
    taken = {"400_Bad_Request"}
    assert valid_name("400 Bad Request", taken) == "400_Bad_Request-2"
    # Two Chinese names that share their ASCII part stay apart.
    assert valid_name("JWT令牌", set()) != valid_name("JWT密钥", set())
    assert valid_name("记录不存在", set(), "responses").startswith("Response-")


def test_null_text_is_dropped_or_made_empty_with_a_finding() -> None:
    text = openapi(
        {"/x": {"get": op(summary=None, responses={"200": {"description": None}})}},
        info={"title": None, "version": None, "description": None},
        servers=[{"url": "http://h", "description": None}],
    )
    conversion = convert_text(text, "t.json")
    doc = conversion.document
    assert doc["info"] == {"title": "t.json", "version": "1.0.0"}
    assert "summary" not in doc["paths"]["/x"]["get"]
    assert doc["paths"]["/x"]["get"]["responses"]["200"]["description"] == ""
    where = {f.where for f in conversion.findings if f.rule == "null-value-repaired"}
    assert "t.json: /info/description" in where and "t.json: /paths/~1x/get/summary" in where
    # Caught by the document validation (servers are copied as they are): dropped all the same.
    assert doc["servers"] == [{"url": "http://h"}]
    assert "t.json: /servers/0/description (as converted)" in where


def test_a_default_its_referenced_schema_rejects_is_dropped_with_its_pointer() -> None:
    components = {"schemas": {"Level": {"type": "integer", "enum": [1, 2]}}}
    param = {
        "name": "level",
        "in": "query",
        "schema": {"$ref": "#/components/schemas/Level", "default": "high"},
    }
    conversion = convert_text(openapi({"/x": {"get": op(parameters=[param])}}, components), "t.json")
    validate(conversion.document, "t.json")
    schema = conversion.document["paths"]["/x"]["get"]["parameters"][0]["schema"]
    assert schema == {"$ref": "#/components/schemas/Level"}
    (finding,) = [f for f in conversion.findings if f.rule == "schema-default-invalid"]
    assert finding.where == "t.json: /paths/~1x/get/parameters/0/schema/default"


def test_a_default_its_referenced_schema_accepts_is_kept() -> None:
    components = {"schemas": {"Level": {"type": "integer", "enum": [1, 2]}}}
    param = {"name": "level", "in": "query", "schema": {"$ref": "#/components/schemas/Level", "default": 2}}
    doc = convert_text(openapi({"/x": {"get": op(parameters=[param])}}, components), "t.json").document
    assert doc["paths"]["/x"]["get"]["parameters"][0]["schema"]["default"] == 2


def test_a_parameter_example_its_schema_rejects_is_dropped() -> None:
    param = {"name": "n", "in": "query", "schema": {"type": "integer"}, "example": "many"}
    conversion = convert_text(openapi({"/x": {"get": op(parameters=[param])}}), "t.json")
    assert "example" not in conversion.document["paths"]["/x"]["get"]["parameters"][0]
    assert "schema-example-invalid" in rules(conversion)


def test_a_required_list_naming_a_property_twice_keeps_each_name_once() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "a"]}
    conversion = convert_api(responses=[{"code": 200, "jsonSchema": schema}])
    got = conversion.document["paths"]["/x"]["get"]["responses"]["200"]["content"]["application/json"]
    assert got["schema"]["required"] == ["a"]
    assert rules(conversion).count("schema-required-deduplicated") == 1


def test_an_empty_example_is_named_when_dropped_and_kept_where_text_allows_it() -> None:
    api = {
        "responses": [{"id": 1, "code": 200, "contentType": "json", "jsonSchema": {"type": "object"}}],
        "responseExamples": [{"responseId": 1, "name": "blank", "data": ""}],
    }
    conversion = convert_api(**api)
    assert "example-empty-dropped" in rules(conversion)
    text = convert_api(requestBody={"type": "text/plain", "example": ""}).document
    media = text["paths"]["/x"]["get"]["requestBody"]["content"]["text/plain"]
    assert media["examples"] == {"example": {"value": ""}}


def test_the_document_is_refused_only_when_every_operation_is_lost() -> None:
    paths = {"/x": {"get": "soon", "post": ["not", "an", "operation"]}}
    with pytest.raises(ConversionRefused) as refused:
        convert_text(openapi(paths), "t.json")
    message = str(refused.value)
    assert "\n" not in message and "no operation can be made valid OpenAPI" in message
    assert "t.json: /paths/~1x/get" in message  # the first blocking part


def test_a_document_without_operations_converts_to_an_empty_one() -> None:
    # Nothing is lost: the source states no operation (a components-only export).
    conversion = convert_text(openapi({}, {"schemas": {"A": {"type": "object"}}}), "t.json")
    assert conversion.document["paths"] == {} and "A" in conversion.document["components"]["schemas"]


def test_callbacks_that_are_not_valid_openapi_are_kept_as_an_extension_not_lost() -> None:
    good = {"done": {"{$request.body#/url}": {"post": op()}}}
    bad = {"done": {"{$request.body#/url}": {"post": {"responses": "none"}}}}
    paths = {"/a": {"post": op(callbacks=good)}, "/b": {"post": op(callbacks=bad)}}
    conversion = convert_text(openapi(paths), "t.json")
    doc = conversion.document
    validate(doc, "t.json")
    assert doc["paths"]["/a"]["post"]["callbacks"] == good
    assert doc["paths"]["/b"]["post"]["x-apifox-callbacks"] == bad
    (finding,) = [f for f in conversion.findings if f.rule == "not-converted"]
    assert finding.where == "t.json: /paths/~1b/post/callbacks"


def test_a_name_with_braces_in_a_counted_finding_does_not_break_it() -> None:
    get = op(security=[{"{'$ref': 'x'}": []}, {"{0}": []}])
    conversion = convert_text(openapi({"/x": {"get": get}}), "t.json")
    messages = [f.message for f in conversion.findings if f.rule == "security-undefined-kept"]
    assert any("{'$ref': 'x'}" in m and "named by 1 requirement" in m for m in messages)


def test_text_that_reads_as_the_number_or_boolean_its_schema_wants_is_read_so() -> None:
    params = [
        {"name": "page", "in": "query", "schema": {"type": "integer"}, "example": "2"},
        {"name": "all", "in": "query", "schema": {"type": "boolean", "default": "true"}},
        {"name": "size", "in": "query", "schema": {"type": "integer"}, "example": "ten"},
    ]
    conversion = convert_text(openapi({"/x": {"get": op(parameters=params)}}), "t.json")
    got = conversion.document["paths"]["/x"]["get"]["parameters"]
    assert got[0]["example"] == 2 and got[1]["schema"]["default"] is True and "example" not in got[2]
    assert rules(conversion).count("example-coerced") == 2
    assert rules(conversion).count("schema-example-invalid") == 1


def test_schema_keywords_written_as_other_tools_write_them_are_read_as_json_schema_says() -> None:
    # A real Apidog export wrote 133 `maxLength: "255"` and types `double`, `date-time`,
    # `["double", "null"]`: each was dropped, the property left without a type.
    properties = {
        "name": {"type": "string", "maxLength": "255", "minLength": " 1 "},
        "price": {"type": "double", "minimum": "0", "multipleOf": "0.01"},
        "rate": {"type": ["double", "null"]},
        "at": {"type": "date-time", "format": "date-time"},
        "id": {"type": "Int64"},
        "tags": {"type": "array", "uniqueItems": "true"},
        "odd": {"type": "integer||array", "maxLength": "-1"},
        "none": {"type": []},  # found by a fuzz: once read "as itself" for ever
        "bad": {"type": {"type": None}},
        "maxLength": {"type": "String"},  # a property named like a keyword is still a property
    }
    conversion = convert_api(
        responses=[{"id": 1, "code": 200, "jsonSchema": {"type": "object", "properties": properties}}]
    )
    validate(conversion.document, "t.json")
    _path, operation = only_operation(conversion)
    got = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert got["name"] == {"type": "string", "maxLength": 255, "minLength": 1}
    assert got["price"] == {"type": "number", "minimum": 0, "multipleOf": 0.01, "format": "double"}
    assert got["rate"] == {"type": ["number", "null"], "format": "double"}
    assert got["at"] == {"type": "string", "format": "date-time"}
    assert got["id"] == {"type": "integer", "format": "int64"}
    assert got["tags"] == {"type": "array", "uniqueItems": True}
    assert got["odd"] == got["none"] == got["bad"] == {}  # nothing readable: dropped, as before
    assert got["maxLength"] == {"type": "string"}
    assert rules(conversion).count("schema-keyword-coerced") == 10
    assert rules(conversion).count("schema-keyword-invalid") == 4


def test_a_repair_inside_a_native_api_after_assembly_names_the_api_it_belongs_to() -> None:
    # Native parts have no pointer in the converted document's terms: the finding names the
    # converted place, and (so that a reader can find it in the source) the API's pointer.
    params = {
        "query": [
            {
                "name": "status",
                "type": "array",
                "example": ["a,b"],
                "schema": {"type": "array", "items": {"enum": ["a", "b"]}},
            }
        ]
    }
    conversion = convert_api(parameters=params)
    (dropped,) = [f for f in conversion.findings if f.rule == "schema-example-invalid"]
    assert dropped.where == (
        "t.json: /paths/~1x/get/parameters/0/example "
        "(as converted, of the API at /apiCollection/0/items/0/api)"
    )
