"""Nothing the source says is lost or changed in silence: one small document per case.

Where the source is fine, the output means the same (distinct `/a` and `/a/`, overrides,
tags); where it is broken, the output says the least that is true and a finding names
the place (repeated operationIds, examples of no response, invalid schema keywords).
"""

from __future__ import annotations

import json
from typing import Any

from apifox_docs import convert_api, native_project, only_operation, rules
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from newapi_contract.apifox import convert_text


def export(paths: dict[str, Any], **components: Any) -> str:
    return json.dumps(
        {
            "openapi": "3.0.1",
            "info": {"title": "t", "version": "1"},
            "tags": [{"name": "模型", "description": "models"}, {"name": "模型"}],
            "paths": paths,
            "components": components,
        }
    )


OK = {"responses": {"200": {"description": "ok"}}}


def test_a_path_and_its_trailing_slash_are_two_operations() -> None:
    # new-api: GET /api/models/ (admin) and GET /api/models (user); gin routes both.
    text = export(
        {
            "/api/models": {"get": {**OK, "summary": "user"}},
            "/api/models/": {"get": {**OK, "summary": "admin"}},
        }
    )
    conversion = convert_text(text, "e.json")
    paths = conversion.document["paths"]
    assert {p: paths[p]["get"]["summary"] for p in paths} == {"/api/models": "user", "/api/models/": "admin"}
    assert rules(conversion) == ["openapi-version-upgraded"]


def test_a_path_normalised_onto_another_operation_keeps_its_written_form() -> None:
    first = {"method": "get", "path": "/api/token/{id}", "description": "template"}
    second = {"method": "get", "path": "/api/token/5", "description": "pasted URL"}
    conversion = convert_text(native_project(first, second), "t.json")
    paths = conversion.document["paths"]
    assert paths["/api/token/{id}"]["get"]["description"] == "template"
    assert paths["/api/token/5"]["get"]["description"] == "pasted URL"
    (skipped,) = [f for f in conversion.findings if f.rule == "path-normalisation-skipped"]
    assert skipped.where == "t.json: /apiCollection/0/items/1/api/path"


def test_a_repeated_operation_id_gets_a_suffix_and_the_document_converts() -> None:
    # new-api's relay.json: POST /v1/images/generations and /v1/images/edits are both createImage.
    text = export(
        {
            "/v1/images/generations": {"post": {**OK, "operationId": "createImage"}},
            "/v1/images/edits": {"post": {**OK, "operationId": "createImage"}},
        }
    )
    conversion = convert_text(text, "relay.json")
    validate(conversion.document)
    ids = [item["post"]["operationId"] for item in conversion.document["paths"].values()]
    assert ids == ["createImage", "createImage_2"]
    (renamed,) = [f for f in conversion.findings if f.rule == "duplicate-operation-id"]
    assert renamed.where == "relay.json: /paths/~1v1~1images~1edits/post/operationId"


def test_a_part_that_cannot_be_valid_is_dropped_by_name_and_its_operation_stays() -> None:
    bad = {"responses": {"200": {"description": "ok"}, "abc": {"description": "not a status"}}}
    conversion = convert_text(export({"/bad": {"get": bad}, "/good": {"get": OK}}), "e.json")
    assert list(conversion.document["paths"]) == ["/bad", "/good"]
    assert list(conversion.document["paths"]["/bad"]["get"]["responses"]) == ["200"]
    (dropped,) = [f for f in conversion.findings if f.rule == "malformed-part-dropped"]
    assert dropped.where == "e.json: /paths/~1bad/get/responses/abc"


def test_an_operation_that_is_not_an_object_is_dropped_by_name_and_the_rest_converts() -> None:
    conversion = convert_text(export({"/bad": {"get": "soon"}, "/good": {"get": OK}}), "e.json")
    assert list(conversion.document["paths"]) == ["/good"]
    (dropped,) = [f for f in conversion.findings if f.rule == "malformed-part-dropped"]
    assert dropped.where == "e.json: /paths/~1bad/get"


RESPONSE = {"id": 7, "code": 200, "name": "成功", "jsonSchema": {"type": "object", "properties": {}}}


def test_a_response_example_of_no_response_is_named_not_lost() -> None:
    examples = [
        {"name": "成功", "responseId": 7, "data": "{}"},
        {"name": "error", "responseId": 0, "data": '{"success": false}'},
    ]
    conversion = convert_api(responses=[RESPONSE], responseExamples=examples)
    _path, operation = only_operation(conversion)
    assert list(operation["responses"]["200"]["content"]["application/json"]["examples"]) == ["成功"]
    (unattached,) = [f for f in conversion.findings if f.rule == "example-unattached"]
    assert unattached.where == "t.json: /apiCollection/0/items/0/api/responseExamples/1"
    assert "'error'" in unattached.message and "id 0" in unattached.message


def test_two_examples_of_one_name_are_both_kept() -> None:
    examples = [
        {"name": "e", "responseId": 7, "data": "{}"},
        {"name": "e", "responseId": 7, "data": '{"a": 1}'},
    ]
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    conversion = convert_api(responses=[{**RESPONSE, "jsonSchema": schema}], responseExamples=examples)
    _path, operation = only_operation(conversion)
    kept = operation["responses"]["200"]["content"]["application/json"]["examples"]
    assert kept == {"e": {"value": {}}, "e (2)": {"value": {"a": 1}}}


# The shape of a Cloudreve page (cloudrevev4.apifox.cn): a response splices `Response`
# with overrides that remove `error` and make `data` an object; Apifox writes the local
# copy of the properties too.
ENVELOPE = {
    "type": "object",
    "properties": {"data": {"type": "string"}, "code": {"type": "integer"}, "error": {"type": "string"}},
    "required": ["data", "code", "error"],
}
OVERRIDDEN = {
    "type": "object",
    "x-apifox-refs": {
        "01JSRMR6JA": {
            "$ref": "#/components/schemas/Response",
            "x-apifox-overrides": {"error": None, "data": {"type": "object", "properties": {}}},
            "required": ["data"],
        }
    },
    "properties": {"data": {"type": "object", "properties": {}}, "code": {"type": "integer"}},
    "required": ["data", "code"],
    "x-apifox-ignore-properties": ["data", "code"],
}


def response_schema(text: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    conversion = convert_text(text, "e.json")
    _path, operation = only_operation(conversion)
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return schema, conversion.document, rules(conversion)


def accepts(schema: dict[str, Any], doc: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator({**schema, "components": doc.get("components", {})}).is_valid(value)


def test_overrides_of_an_openapi_export_are_applied() -> None:
    text = export(
        {
            "/x": {
                "get": {
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": OVERRIDDEN}}}
                    }
                }
            }
        },
        schemas={"Response": ENVELOPE},
    )
    schema, doc, found = response_schema(text)
    valid_in_apifox = {"data": {"id": 1}, "code": 0}  # no error; data an object
    assert accepts(schema, doc, valid_in_apifox)
    assert not accepts(schema, doc, {"data": "text", "code": 0})
    assert "apifox-overrides-applied" in found


def test_overrides_of_a_native_export_are_applied() -> None:
    schema = {
        "type": "object",
        "properties": {},
        "x-apifox-refs": {
            "01": {
                "$ref": "#/definitions/1",
                "x-apifox-overrides": {"error": None, "data": {"type": "object"}},
            }
        },
    }
    collection = [
        {
            "name": "root",
            "items": [{"name": "Response", "id": "#/definitions/1", "schema": {"jsonSchema": ENVELOPE}}],
        }
    ]
    api = {"method": "get", "path": "/x", "responses": [{"id": 1, "code": 200, "jsonSchema": schema}]}
    got, doc, _found = response_schema(native_project(api, schemaCollection=collection))
    assert accepts(got, doc, {"data": {}, "code": 0})
    assert not accepts(got, doc, {"data": {}, "code": "zero"})  # what was not overridden still holds


def test_a_reference_with_overrides_used_directly_is_applied_and_recursion_is_safe() -> None:
    envelope = json.loads(json.dumps(ENVELOPE))
    envelope["properties"]["aggregated"] = {
        "type": "object",
        "additionalProperties": {
            "$ref": "#/components/schemas/Response",
            "x-apifox-overrides": {"aggregated": None},
        },
    }
    text = export(
        {
            "/x": {
                "get": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Response"}}
                            },
                        }
                    }
                }
            }
        },
        schemas={"Response": envelope},
    )
    conversion = convert_text(text, "e.json")
    validate(conversion.document)
    inner = conversion.document["components"]["schemas"]["Response"]["properties"]["aggregated"][
        "additionalProperties"
    ]
    assert "aggregated" not in inner["properties"] and inner["properties"]["code"] == {"type": "integer"}


def test_top_level_tags_are_kept_once_each() -> None:
    doc = convert_text(export({"/x": {"get": OK}}), "e.json").document
    assert doc["tags"] == [{"name": "模型", "description": "models"}]


def test_a_none_body_with_an_empty_object_schema_says_nothing() -> None:
    body = {"type": "none", "parameters": [], "jsonSchema": {"type": "object", "properties": {}}}
    assert rules(convert_api(method="post", requestBody=body)) == []


def test_a_parameter_named_twice_keeps_the_first_and_says_so() -> None:
    header = [{"name": "X-A", "type": "string"}, {"name": "x-a", "type": "integer"}]
    conversion = convert_api(parameters={"header": header})
    _path, operation = only_operation(conversion)
    assert [(p["name"], p["schema"]["type"]) for p in operation["parameters"]] == [("X-A", "string")]
    assert rules(conversion) == ["duplicate-parameter"]


def test_common_parameters_an_api_uses_are_its_parameters() -> None:
    common = {"parameters": {"header": [{"name": "X-Platform-Id", "type": "string", "defaultValue": "web"}]}}
    api = {
        "method": "get",
        "path": "/x",
        "commonParameters": {"header": [{"name": "X-Platform-Id"}, {"name": "X-Gone"}]},
    }
    conversion = convert_text(native_project(api, commonParameters=common), "t.json")
    _path, operation = only_operation(conversion)
    assert [(p["name"], p.get("example")) for p in operation["parameters"]] == [
        ("X-Platform-Id", "web"),
        ("X-Gone", None),
    ]
    assert rules(conversion) == ["common-parameter-undefined"]


def test_a_content_type_response_header_is_named_when_dropped() -> None:
    response = {**RESPONSE, "headers": [{"name": "Content-Type"}, {"name": "X-Request-Id", "required": True}]}
    conversion = convert_api(responses=[response])
    _path, operation = only_operation(conversion)
    assert operation["responses"]["200"]["headers"] == {
        "X-Request-Id": {"schema": {"type": "string"}, "required": True}
    }
    assert rules(conversion) == ["content-type-header"]


def test_a_schema_keyword_json_schema_rejects_is_dropped_by_name() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer||array"},
            "m": {"type": "integer", "default": "x"},
            "p": {"pattern": "["},
        },
    }
    conversion = convert_api(responses=[{**RESPONSE, "jsonSchema": schema}])
    validate(conversion.document)
    _path, operation = only_operation(conversion)
    properties = operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    assert properties == {"n": {}, "m": {"type": "integer"}, "p": {}}
    where = {
        f.where.rsplit("/jsonSchema", 1)[1] for f in conversion.findings if f.rule == "schema-keyword-invalid"
    }
    assert where == {"/properties/n/type", "/properties/p/pattern"}
    where = {f.rule: f.where for f in conversion.findings}
    assert where["schema-default-invalid"].endswith("/jsonSchema/properties/m/default")


def test_nullable_without_a_type_still_allows_null() -> None:
    schemas = {"A": {"type": "string"}, "B": {"$ref": "#/components/schemas/A", "nullable": True}}
    doc = convert_text(export({"/x": {"get": OK}}, schemas=schemas), "e.json").document
    assert doc["components"]["schemas"]["B"] == {
        "anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]
    }


def test_every_environment_base_url_is_a_server() -> None:
    environments = [
        {
            "name": "预发",
            "baseUrl": "https://a.example",
            "baseUrls": {"default": "https://a.example", "2001": "https://b.example"},
        }
    ]
    doc = convert_text(
        native_project({"method": "get", "path": "/x"}, environments=environments), "t.json"
    ).document
    assert [s["url"] for s in doc["servers"]] == ["https://a.example", "https://b.example"]


def test_a_whole_url_as_the_path_is_a_server_and_a_path() -> None:
    conversion = convert_api(path="https://api.example.com/v1/models?limit=10")
    path, operation = only_operation(conversion)
    assert path == "/v1/models" and operation["servers"] == [{"url": "https://api.example.com"}]
    assert [(p["name"], p["in"], p["example"]) for p in operation["parameters"]] == [("limit", "query", "10")]
    assert rules(conversion) == ["path-absolute-url", "path-query-moved"]


def test_a_no_content_response_has_no_body_and_says_so_if_it_carried_a_schema() -> None:
    schema = {"type": "object", "properties": {"stale": {"type": "string"}}}
    conversion = convert_api(
        responses=[{"id": 1, "code": 204, "contentType": "noContent", "jsonSchema": schema}]
    )
    _path, operation = only_operation(conversion)
    assert "content" not in operation["responses"]["204"]
    assert rules(conversion) == ["body-none-with-schema"]


def test_an_invalid_component_is_dropped_by_name_and_so_are_the_operations_needing_it() -> None:
    uses = {"responses": {"200": {"$ref": "#/components/responses/Broken"}}}
    text = export({"/uses": {"get": uses}, "/fine": {"get": OK}}, responses={"Broken": 5})
    conversion = convert_text(text, "e.json")
    validate(conversion.document)
    assert list(conversion.document["paths"]) == ["/fine"]
    assert {"component-invalid-dropped", "operation-invalid-dropped"} <= set(rules(conversion))


def test_a_bad_part_of_a_component_costs_that_part_only() -> None:
    uses = {"responses": {"200": {"$ref": "#/components/responses/Broken"}}}
    text = export({"/uses": {"get": uses}}, responses={"Broken": {"description": "d", "content": 5}})
    conversion = convert_text(text, "e.json")
    validate(conversion.document)
    assert conversion.document["components"]["responses"]["Broken"] == {"description": "d"}
    (dropped,) = [f for f in conversion.findings if f.rule == "malformed-part-dropped"]
    assert dropped.where == "e.json: /components/responses/Broken/content (as converted)"


def test_what_a_project_holds_beside_http_apis_is_named() -> None:
    shared = [
        {
            "name": "root",
            "items": [{"id": 5, "name": "记录不存在", "code": 404, "jsonSchema": {"type": "object"}}],
        }
    ]
    sockets = [{"name": "root", "items": [{"name": "socket", "host": "h", "port": "1"}]}]
    text = native_project(
        {"method": "get", "path": "/x"}, responseCollection=shared, socketCollection=sockets
    )
    data = json.loads(text)
    data["apiCollection"][0]["items"].append({"name": "a websocket", "websocket": {"url": "ws://h"}})
    conversion = convert_text(json.dumps(data), "t.json")
    assert conversion.document["components"]["responses"]["response-5"]["description"] == "记录不存在"
    where = {f.where for f in conversion.findings if f.rule in ("field-not-converted", "not-converted")}
    assert where == {"t.json: /socketCollection", "t.json: /apiCollection/0/items/1"}


def test_form_fields_keep_their_examples_and_schemas_and_are_named_when_dropped() -> None:
    # Native form fields lost their examples and own schemas in silence, and a disabled or
    # unnamed field was kept, or dropped, without a word.
    fields = [
        {"name": "username", "type": "string", "required": True, "example": "alice", "description": "登录名"},
        {"name": "age", "type": "integer", "schema": {"type": "integer", "minimum": 0}, "example": 3},
        {"name": "avatar", "type": "file", "example": "a.png"},
        {"name": "old", "type": "string", "enable": False},
        {"name": "", "type": "string"},
    ]
    conversion = convert_api(method="post", requestBody={"type": "multipart/form-data", "parameters": fields})
    validate(conversion.document)
    _path, operation = only_operation(conversion)
    schema = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert schema["properties"] == {
        "username": {"type": "string", "description": "登录名", "example": "alice"},
        "age": {"type": "integer", "minimum": 0, "example": 3},
        "avatar": {"type": "string", "contentMediaType": "application/octet-stream"},
    }
    assert schema["required"] == ["username"]
    said = {f.rule: f.where for f in conversion.findings}
    assert said["parameter-disabled-dropped"].endswith("/requestBody/parameters/3")
    assert said["parameter-unnamed-dropped"].endswith("/requestBody/parameters/4")
