"""Every native format Apifox and Apidog write, and what a project holds beside HTTP APIs.

Minimal documents written for these tests after the shapes of real exports: Apifox
1.1 (`httpCollection`: APIs in a folder's `items`, sub-folders in `children`,
`dataSchemaCollection`), Apidog's `apidogProject`, parameters as a list of
`{name, in}`, webhook APIs, test cases, mocks and native callbacks (JSON text).
"""

from __future__ import annotations

import json
from typing import Any

from apifox_docs import native_project, rules

from newapi_contract.apifox import convert_text
from newapi_contract.apifox.document import validate


def operations(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((m, p) for p, item in doc["paths"].items() for m in item if not m.startswith("x-"))


def test_apifox_1_1_http_collection_with_children_and_data_schemas() -> None:
    user = {"type": "object", "properties": {"name": {"type": "string"}}}
    api = {
        "name": "one",
        "method": "get",
        "path": "/users/{id}",
        "parameters": {"path": [{"name": "id", "required": True, "type": "string"}]},
        "responses": [
            {"id": "1", "code": 200.0, "contentType": "json", "jsonSchema": {"$ref": "#/definitions/-87"}}
        ],
    }
    data = {
        "apifoxProject": "1.1.0",
        "httpCollection": [
            {
                "name": "A",
                "children": [{"name": "B", "children": [], "items": [{**api, "path": "/b"}]}],
                "items": [api],
            }
        ],
        "dataSchemaCollection": [
            {
                "name": "根目录",
                "children": [],
                "items": [{"id": "#/definitions/-87", "name": "User", "jsonSchema": user}],
            }
        ],
    }
    conversion = convert_text(json.dumps(data), "p.json")
    doc = conversion.document
    validate(doc, "p.json")
    assert operations(doc) == [("get", "/b"), ("get", "/users/{id}")]
    schema = doc["paths"]["/users/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/User"}
    assert doc["paths"]["/b"]["get"]["x-source"]["pointer"] == "/httpCollection/0/children/0/items/0"


def test_apidog_project_is_read_as_the_same_structure() -> None:
    text = native_project({"method": "post", "path": "/x"}).replace('"apifoxProject"', '"apidogProject"')
    conversion = convert_text(text, "p.json")
    assert operations(conversion.document) == [("post", "/x")]
    assert conversion.document["x-source"]["apidogProject"] == "1.0.0"


def test_parameters_as_a_list_of_name_and_place() -> None:
    parameters = [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
        {"name": "q", "in": "query", "description": "search"},
        {"name": "b", "in": "body"},
    ]
    conversion = convert_text(
        native_project({"method": "get", "path": "/x/{id}", "parameters": parameters}), "p.json"
    )
    got = conversion.document["paths"]["/x/{id}"]["get"]["parameters"]
    assert [(p["name"], p["in"]) for p in got] == [("id", "path"), ("q", "query")]
    assert got[0]["schema"] == {"type": "string", "format": "uuid"}
    (finding,) = [f for f in conversion.findings if f.rule == "field-not-converted"]
    assert finding.where.endswith("/api/parameters/2")


def test_a_webhook_goes_to_webhooks_not_to_paths() -> None:
    hook = {"method": "post", "path": "/order-paid", "type": "webhook"}
    conversion = convert_text(native_project({"method": "get", "path": "/x"}, hook), "p.json")
    doc = conversion.document
    validate(doc, "p.json")
    assert operations(doc) == [("get", "/x")]
    assert list(doc["webhooks"]) == ["api 1"] and "post" in doc["webhooks"]["api 1"]
    assert "webhook-mapped" in rules(conversion)


def test_test_cases_mocks_and_other_protocols_are_named_with_their_pointer() -> None:
    api = {"method": "get", "path": "/x", "cases": [{"name": "c"}], "mocks": [{"name": "m"}]}
    socket = {"method": "get", "path": "/ws", "type": "websocket"}
    text = native_project(api, socket, apiTestCaseCollection=[{"name": "root", "items": [{"name": "t"}]}])
    conversion = convert_text(text, "p.json")
    assert operations(conversion.document) == [("get", "/x")]
    named = {f.where: f.message for f in conversion.findings if f.rule == "not-converted"}
    assert "1 test case(s)" in named["p.json: /apiCollection/0/items/0/api/cases"]
    assert "1 mock expectation(s)" in named["p.json: /apiCollection/0/items/0/api/mocks"]
    assert "websocket item" in named["p.json: /apiCollection/0/items/1/api"]
    assert "1 test case(s)" in named["p.json: /apiTestCaseCollection"]


def test_native_callbacks_are_mapped_when_they_read_as_openapi_else_kept() -> None:
    callback = {"done": {"{$request.body#/url}": {"post": {"responses": {"200": {"description": "ok"}}}}}}
    good = {"method": "post", "path": "/a", "callbacks": json.dumps(callback)}
    bad = {"method": "post", "path": "/b", "callbacks": "not json"}
    conversion = convert_text(native_project(good, bad), "p.json")
    doc = conversion.document
    validate(doc, "p.json")
    assert doc["paths"]["/a"]["post"]["callbacks"] == callback
    assert doc["paths"]["/b"]["post"]["x-apifox-callbacks"] == "not json"
    (finding,) = [f for f in conversion.findings if "x-apifox-callbacks" in f.message]
    assert finding.where == "p.json: /apiCollection/0/items/1/api/callbacks"


def test_a_postman_collection_is_refused_in_one_line_saying_what_it_is() -> None:
    from newapi_contract.errors import InputError

    text = json.dumps(
        {"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v2.1.0/"}, "item": []}
    )
    try:
        convert_text(text, "c.json")
    except InputError as exc:
        assert "Postman collection" in str(exc) and "\n" not in str(exc)
    else:
        raise AssertionError("a Postman collection was converted")


def test_a_response_referring_to_a_shared_one_is_a_reference_to_it() -> None:
    # Apidog exports write a shared response in an API as {id, name, referencedResponseId}
    # (no code); the shared one in `responseCollection` carries `_status_code` (Apidog) or
    # `code`. 38 such responses of a real export were dropped as "status code 'None'".
    shared = [
        {
            "_databaseId": 7,
            "id": "7",
            "name": "Unauthorized",
            "_code": 401,
            "_status_code": "401",
            "contentType": "json",
            "jsonSchema": {"type": "object", "properties": {"message": {"type": "string"}}},
            "responseExamples": [
                {"name": "Example 1", "responseId": 7, "data": '{\r\n "message": "no"\r\n}'}
            ],
        },
        {"id": 8, "name": "Bad Request", "code": "400", "jsonSchema": {"type": "object"}},
    ]
    responses = [
        # Apifox also names a response's own id as the one it refers to: it stays itself
        {"id": "1", "code": 200, "name": "OK", "jsonSchema": {"type": "object"}, "referencedResponseId": 1},
        {"id": "7", "name": "Unauthorized", "referencedResponseId": 7},
        {"id": "8", "name": "Bad Request", "referencedResponseId": 8},
        {"id": "9", "name": "Gone", "referencedResponseId": 9},
        # a shared response the export left out, but whose code the API states: kept, said
        {"id": "10", "code": 404, "referencedResponseId": 10},
    ]
    examples = [{"name": "mine", "responseId": "7", "data": "{}"}]
    text = native_project(
        {"method": "get", "path": "/x", "responses": responses, "responseExamples": examples},
        responseCollection=[{"name": "Root", "items": shared}],
    )
    conversion = convert_text(text, "p.json")
    validate(conversion.document, "p.json")
    got = conversion.document["paths"]["/x"]["get"]["responses"]
    assert got["200"]["content"] == {"application/json": {"schema": {"type": "object"}}}
    assert got["404"] == {"description": "Response", "x-source-response": {"id": "10"}}
    assert got["401"] == {"$ref": "#/components/responses/Unauthorized"}
    assert got["400"] == {"$ref": "#/components/responses/response-8"}
    shared_out = conversion.document["components"]["responses"]["Unauthorized"]
    assert shared_out["content"]["application/json"]["examples"] == {
        "Example 1": {"value": {"message": "no"}}
    }
    said = {f.message for f in conversion.findings if f.rule == "dangling-ref-removed"}
    assert said == {
        "response refers to shared response '9', which the project does not define, "
        "and has no status code of its own: dropped",
        "response refers to shared response '10', which the project does not define: "
        "kept as a 404 response without a body",
    }
    said = {f.rule: f.message for f in conversion.findings}
    assert "belongs to a shared response" in said["example-unattached"]
