"""Each normalisation rule, on the smallest Apifox input that triggers it."""

from __future__ import annotations

import json

import pytest
from apifox_docs import convert_api, native_project, only_operation, rules

from newapi_contract.apifox import RULES, convert_text


@pytest.mark.parametrize(
    ("path", "expected", "expected_rules"),
    [
        ("/api/token/194804/", "/api/token/{id}", ["path-trailing-slash", "path-hardcoded-id"]),
        ("/api/token/7", "/api/token/{id}", ["path-hardcoded-id"]),
        ("/a/1/b/22", "/a/{id}/b/{id2}", ["path-hardcoded-id", "path-hardcoded-id"]),
        ("/u/{id}/t/5", "/u/{id}/t/{id2}", ["path-hardcoded-id", "path-parameter-undeclared"]),
        ("user", "/user", ["path-leading-slash"]),
        ("user/", "/user/", ["path-leading-slash"]),
        ("/api/models/", "/api/models/", []),  # gin routes it apart from /api/models
        ("/a/1/", "/a/{id}", ["path-trailing-slash", "path-hardcoded-id"]),
        ("/", "/", []),
        ("/v1/models", "/v1/models", []),
        # Apifox variables and `:id` segments are path parameters (an Apidog export wrote 30 so)
        (
            "/brand/{{id}}/{{format}}",
            "/brand/{id}/{format}",
            ["path-variable-templated", *["path-parameter-undeclared"] * 2],
        ),
        ("/e-{{ wid }}/x", "/e-{wid}/x", ["path-variable-templated", "path-parameter-undeclared"]),
        ("/u/{{id}}/{id}", "/u/{id2}/{id}", ["path-variable-templated", *["path-parameter-undeclared"] * 2]),
        ("/blog/:blogId", "/blog/{blogId}", ["path-variable-templated", "path-parameter-undeclared"]),
        ("/v1/{name}:generate", "/v1/{name}:generate", ["path-parameter-undeclared"]),
        ("{{baseUrl}}/users", "/users", ["path-variable-templated"]),
        ("{{baseUrl}}", "/", ["path-variable-templated", "path-leading-slash"]),
    ],
)
def test_path_rules(path: str, expected: str, expected_rules: list[str]) -> None:
    conversion = convert_api(path=path)
    got, _operation = only_operation(conversion)
    assert got == expected
    assert rules(conversion) == expected_rules


def test_a_colon_segment_keeps_the_path_parameter_it_declares() -> None:
    # An OpenAPI export kept `/blog/getBlog/:blogId` beside a declared `blogId`: the
    # parameter was dropped as unused, the path kept a literal `:blogId`.
    get = {"parameters": [{"name": "blogId", "in": "path", "required": True, "schema": {"type": "integer"}}]}
    export = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/blog/:blogId": {"get": get}},
    }
    conversion = convert_text(json.dumps(export), "e.json")
    path, operation = only_operation(conversion)
    assert path == "/blog/{blogId}"
    assert operation["parameters"] == get["parameters"]
    assert sorted(rules(conversion)) == ["openapi-version-upgraded", "path-variable-templated"]


def test_hardcoded_id_is_an_integer_path_parameter_without_the_real_id_as_example() -> None:
    _, operation = only_operation(convert_api(method="delete", path="/api/token/194804/"))
    (param,) = operation["parameters"]
    assert param["name"] == "id" and param["in"] == "path" and param["required"] is True
    assert param["schema"] == {"type": "integer", "format": "int64"}
    assert "example" not in param  # examples are sent first by schemathesis


STALE_SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}}


@pytest.mark.parametrize(
    ("body", "has_body", "expected_rules"),
    [
        ({"type": "none", "parameters": [], "jsonSchema": STALE_SCHEMA}, False, ["body-none-with-schema"]),
        ({"type": "none", "parameters": []}, False, []),
        ({"type": "application/json", "jsonSchema": STALE_SCHEMA}, True, []),
        ({"type": "multipart/form-data", "parameters": [{"name": "f", "type": "file"}]}, True, []),
    ],
)
def test_body_type(body: dict, has_body: bool, expected_rules: list[str]) -> None:
    conversion = convert_api(method="post", requestBody=body)
    _, operation = only_operation(conversion)
    assert ("requestBody" in operation) is has_body
    assert rules(conversion) == expected_rules


@pytest.mark.parametrize(
    ("example", "kept", "expected_rules"),
    [
        ('{\r\n "name": "a"\r\n}', {"name": "a"}, ["example-json-text-parsed"]),
        ('{"name": 5}', None, ["example-json-text-parsed", "example-schema-mismatch"]),
        ('{"name": "a", "id": 1}', None, ["example-json-text-parsed", "example-schema-mismatch"]),
        ("{ name: a }", None, ["example-schema-mismatch"]),
        ("", None, ["example-empty-dropped"]),  # dropped, but not in silence
        # Apifox's editor takes comments and trailing commas; real exports carry them
        ('{\r\n "name": "a", // admin || employee\r\n}', {"name": "a"}, ["example-json-text-parsed"]),
        ('{"name": /* x */ "http://a//b",}', {"name": "http://a//b"}, ["example-json-text-parsed"]),
        ('{"name": "a"', None, ["example-schema-mismatch"]),  # cut short: still not JSON
    ],
)
def test_request_examples(example: str, kept: object, expected_rules: list[str]) -> None:
    body = {"type": "application/json", "jsonSchema": STALE_SCHEMA, "example": example}
    conversion = convert_api(method="post", requestBody=body)
    _, operation = only_operation(conversion)
    media = operation["requestBody"]["content"]["application/json"]
    assert media.get("examples", {}).get("example", {}).get("value") == kept
    assert rules(conversion) == expected_rules


def test_crlf_finding_says_crlf() -> None:
    body = {"type": "application/json", "example": '{\r\n "a": 1\r\n}'}
    (finding,) = convert_api(method="post", requestBody=body).findings
    assert "CRLF" in finding.message and finding.where.endswith("/requestBody/example")


def header(name: str, required: bool = True, **extra: object) -> dict:
    return {"name": name, "required": required, "type": "string", **extra}


@pytest.mark.parametrize(
    ("headers", "body", "expected_params", "expected_security", "expected_rules"),
    [
        ([header("content-type", sampleValue="application/json")], None, [], None, ["content-type-header"]),
        ([header("Content-Type")], {"type": "application/json"}, [], None, ["content-type-header"]),
        (
            [header("Authorization", required=False)],
            None,
            [],
            [{"AccessToken": []}, {}],
            ["authorization-header"],
        ),
        ([header("authorization")], None, [], [{"AccessToken": []}], ["authorization-header"]),
        (
            [header("new-api-user", required=False, sampleValue="1")],
            None,
            ["New-Api-User"],
            None,
            ["new-api-user-header"],
        ),
        ([header("X-Trace")], None, ["X-Trace"], None, []),
        ([header("")], None, [], None, ["parameter-unnamed-dropped"]),
        ([header("X-Off", enable=False)], None, [], None, ["parameter-disabled-dropped"]),
    ],
)
def test_header_rules(headers, body, expected_params, expected_security, expected_rules) -> None:
    api = {"parameters": {"header": headers}}
    if body:
        api["requestBody"] = body
    conversion = convert_api(**api)
    _, operation = only_operation(conversion)
    assert [p["name"] for p in operation.get("parameters", [])] == expected_params
    assert operation.get("security") == expected_security
    assert rules(conversion) == expected_rules


def test_new_api_user_is_required_integer_string() -> None:
    conversion = convert_api(parameters={"header": [header("NEW-API-USER", required=False)]})
    _, operation = only_operation(conversion)
    (param,) = operation["parameters"]
    assert param["required"] is True
    assert param["schema"] == {"type": "string", "pattern": "^[0-9]+$"}


def test_authorization_scheme_is_an_api_key_in_the_authorization_header() -> None:
    doc = convert_api(parameters={"header": [header("Authorization")]}).document
    scheme = doc["components"]["securitySchemes"]["AccessToken"]
    assert {k: scheme[k] for k in ("type", "in", "name")} == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
    }
    # /x is not new-api's: the scheme says nothing of new-api.
    assert "new-api" not in scheme["description"] and "Authorization header" in scheme["description"]


def test_authorization_scheme_has_new_apis_wording_in_new_apis_document() -> None:
    doc = convert_api(path="/api/token/{id}", parameters={"header": [header("Authorization")]}).document
    assert "Bearer <access token>" in doc["components"]["securitySchemes"]["AccessToken"]["description"]


def test_dangling_definition_ref_is_removed_and_known_one_rewritten() -> None:
    schemas = [{"name": "Pet", "id": "#/definitions/41", "schema": {"jsonSchema": {"type": "object"}}}]
    body = {
        "type": "application/json",
        "jsonSchema": {
            "type": "object",
            "properties": {"pet": {"$ref": "#/definitions/41"}, "ghost": {"$ref": "#/definitions/99"}},
        },
    }
    text = native_project(
        {"method": "post", "path": "/p", "requestBody": body},
        schemaCollection=[{"name": "root", "items": schemas}],
    )
    conversion = convert_text(text, "t.json")
    _, operation = only_operation(conversion)
    properties = operation["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert properties == {"pet": {"$ref": "#/components/schemas/Pet"}, "ghost": {}}
    assert rules(conversion) == ["dangling-ref-removed"]


def test_apifox_refs_become_all_of_and_placeholders_go() -> None:
    schemas = [{"name": "Pet", "id": "#/definitions/41", "schema": {"jsonSchema": {"type": "object"}}}]
    schema = {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "01GX": {"x-tmp-pending-properties": True}},
        "required": ["code", "01GX"],
        "x-apifox-orders": ["code", "01GX"],
        "x-apifox-refs": {"01GY": {"$ref": "#/definitions/41"}},
    }
    api = {"method": "get", "path": "/p", "responses": [{"code": 200, "jsonSchema": schema}]}
    conversion = convert_text(native_project(api, schemaCollection=[{"items": schemas}]), "t.json")
    _, operation = only_operation(conversion)
    got = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert got == {
        "allOf": [
            {"$ref": "#/components/schemas/Pet"},
            {"type": "object", "properties": {"code": {"type": "integer"}}, "required": ["code"]},
        ]
    }
    assert sorted(rules(conversion)) == [
        "apifox-noise-dropped",
        "apifox-refs-expanded",
        "placeholder-property-removed",
    ]


def test_noise_is_counted_once_per_key() -> None:
    schema = {
        "type": "object",
        "x-apifox-orders": [],
        "properties": {"a": {"type": "string", "mock": {"mock": "@name"}, "x-apifox-orders": []}},
    }
    conversion = convert_api(responses=[{"code": 200, "jsonSchema": schema}])
    messages = sorted(f.message for f in conversion.findings)
    assert messages == [
        "dropped 1 `mock` field(s) (first here)",
        "dropped 2 `x-apifox-orders` field(s) (first here)",
    ]
    assert "x-apifox-orders" not in json.dumps(conversion.document)


def test_duplicate_operation_keeps_the_first() -> None:
    first = {"method": "get", "path": "/dup", "description": "first"}
    second = {"method": "GET", "path": "dup", "description": "second"}
    conversion = convert_text(native_project(first, second), "t.json")
    _, operation = only_operation(conversion)
    assert operation["description"] == "first"
    (dup,) = [f for f in conversion.findings if f.rule == "duplicate-operation"]
    assert dup.where == "t.json: /apiCollection/0/items/1/api"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("http://127.0.0.1:29998", True),
        ("wss://h/ws", True),
        ("/api", True),
        ("ws//192.168.88.128:29999", False),
        ("", False),
        ("localhost:80", False),
    ],
)
def test_servers(url: str, kept: bool) -> None:
    text = native_project({"method": "get", "path": "/x"}, environments=[{"name": "env", "baseUrl": url}])
    conversion = convert_text(text, "t.json")
    assert bool(conversion.document.get("servers")) is kept
    assert ("malformed-server-dropped" in rules(conversion)) is not kept


def test_auth_settings_keep_the_scheme_not_the_secret() -> None:
    auth = {"type": "apikey", "apikey": {"in": "header", "key": "a a a", "value": "s3cr3t"}}
    conversion = convert_api(auth=auth)
    _, operation = only_operation(conversion)
    assert operation["security"] == [{"ApiKey-a_a_a": []}]
    assert "s3cr3t" not in json.dumps(conversion.document)
    assert rules(conversion) == ["auth-secret-dropped"]


def test_every_finding_uses_a_catalogued_rule() -> None:
    conversion = convert_api(path="a/1/", parameters={"header": [header("authorization")]})
    assert {f.rule for f in conversion.findings} <= set(RULES)


@pytest.mark.parametrize(
    ("extra", "example"),
    [
        ({"example": "12"}, "12"),
        ({"example": 12}, "12"),
        ({"sampleValue": "7"}, "7"),
        ({"example": "abc"}, None),
        ({}, None),
    ],
)
def test_new_api_user_keeps_only_an_integer_example_as_a_string(extra: dict, example: str | None) -> None:
    # a number example becomes its string; one that is no user id would be sent as a bad header
    header_param = {"name": "new-api-user", "required": True, "type": "string", **extra}
    _, operation = only_operation(convert_api(parameters={"header": [header_param]}))
    (param,) = operation["parameters"]
    assert param["name"] == "New-Api-User"
    assert param.get("example") == example


def test_a_path_parameter_is_required_whatever_the_source_says() -> None:
    optional = {"name": "id", "required": False, "type": "string"}
    _, operation = only_operation(convert_api(path="/u/{id}", parameters={"path": [optional]}))
    assert operation["parameters"] == [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]


def test_methods_written_in_another_case_or_with_spaces_are_read_as_the_method() -> None:
    # An export edited by hand may write `GET`; an operation under it was named "path item
    # field 'GET' is not converted" and lost, and the document converted with no operation.
    export = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"GET": {"responses": {"200": {"description": "ok"}}}, "Post": {}, "post": {}}},
    }
    conversion = convert_text(json.dumps(export), "e.json")
    assert sorted(conversion.document["paths"]["/a"]) == ["get", "post"]
    assert conversion.document["paths"]["/a"]["get"]["x-source"]["pointer"] == "/paths/~1a/GET"
    said = [(f.rule, f.where) for f in conversion.findings if f.rule != "openapi-version-upgraded"]
    assert said == [
        ("method-normalised", "e.json: /paths/~1a/GET"),
        ("duplicate-operation", "e.json: /paths/~1a/Post"),
    ]
    native = native_project({"method": " GET ", "path": " /a "}, {"method": "any", "path": "/b"})
    conversion = convert_text(native, "n.json")
    assert list(conversion.document["paths"]) == ["/a"]
    assert rules(conversion) == ["method-normalised", "path-whitespace-trimmed", "not-converted"]
    assert "is not an HTTP API" in conversion.findings[-1].message  # counted as an operation lost


@pytest.mark.parametrize(
    ("written", "read"),
    [(200, "200"), ("200 OK", "200"), ("404 记录不存在", "404"), ("2xx", "2XX"), ("default", "default")],
)
def test_a_status_code_written_otherwise_is_read_as_openapi_wants_it(written: object, read: str) -> None:
    conversion = convert_api(responses=[{"id": 1, "code": written, "jsonSchema": {"type": "object"}}])
    _path, operation = only_operation(conversion)
    assert list(operation["responses"]) == [read]
    assert rules(conversion) == ([] if str(written) == read else ["response-code-repaired"])
    responses = {str(written): {"description": "d"}}
    export = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": responses}}},
    }
    conversion = convert_text(json.dumps(export), "e.json")
    assert list(conversion.document["paths"]["/x"]["get"]["responses"]) == [read]


def test_a_status_code_repaired_onto_one_already_there_is_dropped_by_name() -> None:
    responses = {"200": {"description": "a"}, "200 OK": {"description": "b"}, "20": {"description": "c"}}
    export = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"responses": responses}}},
    }
    conversion = convert_text(json.dumps(export), "e.json")
    assert conversion.document["paths"]["/x"]["get"]["responses"] == {"200": {"description": "a"}}
    assert rules(conversion) == ["duplicate-response", "malformed-part-dropped"]


def test_apifox_variables_in_server_urls_become_server_variables() -> None:
    # A real Apidog export's servers were https://{{subdomain}}.daftra.com/...: valid to the
    # spec validator, but no URL template (schemathesis refused every operation).
    servers = [
        {"url": "https://{{subdomain}}.example.com/api2"},
        {"url": "{scheme}://h/{v}", "variables": {"scheme": {"enum": ["http", "https"]}}},
    ]
    export = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "servers": servers}
    conversion = convert_text(json.dumps(export), "e.json")
    got = conversion.document["servers"]
    assert got[0]["url"] == "https://{subdomain}.example.com/api2"
    assert got[0]["variables"]["subdomain"]["default"] == "subdomain"  # a placeholder, said so
    assert got[1]["variables"]["scheme"] == {
        "enum": ["http", "https"],
        "default": "http",
        "description": "Variable scheme of the server URL (its default is a placeholder)",
    }
    assert got[1]["variables"]["v"]["default"] == "v"
    assert rules(conversion) == ["server-variable-templated"] * 2
    # A native environment gives the value its variables have.
    env = {
        "name": "dev",
        "baseUrl": "{{host}}/api",
        "variables": [{"name": "host", "value": "http://127.0.0.1:3000"}],
    }
    conversion = convert_text(native_project({"method": "get", "path": "/a"}, environments=[env]), "p.json")
    (server,) = conversion.document["servers"]
    assert server == {
        "url": "{host}/api",
        "description": "dev",
        "variables": {"host": {"default": "http://127.0.0.1:3000"}},
    }
