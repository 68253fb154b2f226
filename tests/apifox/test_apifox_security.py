"""Security: what the source requires stays required, in every form Apifox writes it.

An explicit `security: []` stays; a requirement naming an undefined scheme stays, as an
explicit unknown scheme (never dropped, which would silently inherit the document's);
native auth is inherited from folders and the project, in every Apifox auth type.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from apifox_docs import convert_api, native_project, only_operation, rules

from newapi_contract.apifox import convert_text


def export(operation_security: Any = None, document_security: Any = None, **schemes: Any) -> dict[str, Any]:
    """A one-operation Apifox OpenAPI export; `None` leaves a security field out."""
    operation: dict[str, Any] = {"summary": "s", "responses": {"200": {"description": "ok"}}}
    if operation_security is not None:
        operation["security"] = operation_security
    doc: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "paths": {"/api/x": {"get": operation}},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, **schemes}},
    }
    if document_security is not None:
        doc["security"] = document_security
    return doc


def converted(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    conversion = convert_text(json.dumps(doc), "e.json")
    _path, operation = only_operation(conversion)
    return conversion.document, operation, rules(conversion)


def test_explicit_no_security_on_an_operation_stays_no_security() -> None:
    doc, operation, found = converted(export([], [{"bearer": []}]))
    assert operation["security"] == []  # not the document's bearer
    assert doc["security"] == [{"bearer": []}]
    assert found == ["openapi-version-upgraded"]


def test_an_undefined_scheme_is_kept_as_an_explicit_unknown_not_dropped() -> None:
    doc, operation, found = converted(export([{"Nowhere": []}], [{"bearer": []}]))
    assert operation["security"] == [{"Nowhere": []}]  # it does not inherit bearer
    unknown = doc["components"]["securitySchemes"]["Nowhere"]
    assert unknown["type"] == "http" and unknown["scheme"] == "unknown"
    assert "not defined" in unknown["description"]
    assert "security-undefined-kept" in found


def test_new_api_shape_every_operation_names_two_undefined_combinations() -> None:
    # new-api's docs/openapi/api.json: the document and every operation name Combination343
    # OR Combination1243, neither defined; 242 other combinations are defined and unused.
    unused = {f"Combination{n}": {"type": "combination", "group": [{"id": 573667}]} for n in range(3)}
    either = [{"Combination343": []}, {"Combination1243": []}]
    doc, operation, found = converted(export(either, either, **unused))
    assert operation["security"] == either and doc["security"] == either
    schemes = doc["components"]["securitySchemes"]
    assert {schemes[n]["scheme"] for n in ("Combination343", "Combination1243")} == {"unknown"}
    assert not any(name.startswith("Combination0") for name in schemes)  # unused: not written
    assert found.count("combination-security-expanded") == 1  # one finding for all the unused ones


def test_a_combination_of_undefined_members_keeps_them_as_unknowns() -> None:
    lost = {"type": "combination", "group": [{"id": "AccessToken"}, {"id": 573667}]}
    doc, operation, found = converted(export([{"Lost": []}], Lost=lost))
    assert operation["security"] == [{"AccessToken": [], "573667": []}]
    schemes = doc["components"]["securitySchemes"]
    assert schemes["AccessToken"]["scheme"] == schemes["573667"]["scheme"] == "unknown"
    assert "combination-security-expanded" in found


def test_a_combination_is_its_members_together() -> None:
    both = {"type": "combination", "group": [{"id": "bearer"}, {"id": "key"}]}
    key = {"type": "apiKey", "in": "header", "name": "X-Key"}
    _doc, operation, _found = converted(export([{"Both": []}], Both=both, key=key))
    assert operation["security"] == [{"bearer": [], "key": []}]


def test_editor_state_inside_a_requirement_is_dropped_not_the_requirement() -> None:
    apifox = {"schemeGroups": [{"id": "g", "schemeIds": ["bearer"]}], "required": True}
    _doc, operation, found = converted(export([{"bearer": [], "x-apifox": apifox}]))
    assert operation["security"] == [{"bearer": []}]
    assert "apifox-noise-dropped" in found


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ({"type": "apikey", "in": "header", "name": "Authorization"}, {"type": "apiKey", "in": "header"}),
        ({"type": "bearer", "scheme": "bearer"}, {"type": "http", "scheme": "bearer"}),
        ({"type": "jwt", "scheme": "bearer"}, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}),
        ({"type": "apiKey", "in": "Header", "name": "k"}, {"type": "apiKey", "in": "header"}),
        ({"type": "sorcery"}, {"type": "http", "scheme": "unknown"}),
        ({"type": "apiKey", "in": "header"}, {"type": "http", "scheme": "unknown"}),  # no name
    ],
)
def test_scheme_types_openapi_does_not_have_are_repaired_visibly(scheme: dict, expected: dict) -> None:
    doc, operation, found = converted(export([{"s": []}], s=scheme))
    written = doc["components"]["securitySchemes"]["s"]
    assert {k: written[k] for k in expected} == expected
    assert operation["security"] == [{"s": []}]
    assert "security-scheme-repaired" in found


def test_an_authorization_header_adds_to_the_inherited_requirement() -> None:
    doc = export(None, [{"bearer": []}])
    doc["paths"]["/api/x"]["get"]["parameters"] = [
        {"name": "Authorization", "in": "header", "required": False}
    ]
    _doc, operation, _found = converted(doc)
    assert operation["security"] == [{"AccessToken": []}, {"bearer": []}]  # bearer still needed


def test_the_access_token_scheme_does_not_overwrite_a_source_scheme_of_that_name() -> None:
    doc = export([{"AccessToken": []}], AccessToken={"type": "http", "scheme": "bearer"})
    doc["paths"]["/api/x"]["get"]["parameters"] = [
        {"name": "Authorization", "in": "header", "required": True}
    ]
    out, operation, _found = converted(doc)
    assert out["components"]["securitySchemes"]["AccessToken"] == {"type": "http", "scheme": "bearer"}
    assert operation["security"] == [{"AccessToken2": []}, {"AccessToken": []}]


# -- native project exports ---------------------------------------------------------------

COLLECTION = [
    {
        "name": "根目录",
        "items": [{"id": 571886, "name": "BearerAuth", "authConfigs": {"type": "http", "scheme": "bearer"}}],
    }
]
SCHEME_AUTH = {"type": "securityscheme"}
USE_BEARER = {"schemeGroups": [{"id": "g1", "schemeIds": [571886]}], "required": True}


def project(folder: dict[str, Any], *apis: dict[str, Any], **extra: Any) -> str:
    items = [
        {"name": f"api {i}", "api": {"method": "get", "path": f"/p{i}", **api}} for i, api in enumerate(apis)
    ]
    return json.dumps(
        {
            "apifoxProject": "1.0.0",
            "info": {"name": "t"},
            "apiCollection": [{"name": "根目录", "items": [{"name": "令牌", **folder, "items": items}]}],
            **extra,
        }
    )


def operations(text: str) -> list[dict[str, Any]]:
    doc = convert_text(text, "p.json").document
    return [op for item in doc["paths"].values() for op in item.values()]


def test_folder_security_scheme_auth_is_inherited_by_apis_that_say_inherit() -> None:
    # The shape of new-api's own native export: the folder says `securityscheme`, naming
    # the bearer scheme of securitySchemeCollection; its APIs say `auth: {}`.
    text = project(
        {"auth": SCHEME_AUTH, "securityScheme": USE_BEARER},
        {"auth": {}},
        {"auth": {}, "securityScheme": {}},
        securitySchemeCollection=COLLECTION,
    )
    doc = convert_text(text, "p.json").document
    assert doc["components"]["securitySchemes"]["BearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert [op["security"] for op in operations(text)] == [[{"BearerAuth": []}]] * 2


def test_an_api_overrides_its_folder_and_noauth_is_no_security() -> None:
    folder = {"auth": {"type": "bearer", "bearer": {"token": "s3cr3t"}}}
    text = project(folder, {"auth": {"type": "noauth"}}, {"auth": {}})
    assert [op["security"] for op in operations(text)] == [[], [{"BearerAuth": []}]]
    assert "s3cr3t" not in json.dumps(convert_text(text, "p.json").document)


def test_project_settings_auth_is_the_last_inheritance_step() -> None:
    settings = {"auth": {"type": "apikey", "apikey": {"key": "X-Key", "in": "query"}}}
    text = project({"auth": {}}, {"auth": {}}, projectSetting=settings)
    (op,) = operations(text)
    assert op["security"] == [{"ApiKey-X-Key": []}]


def test_nothing_stated_anywhere_states_no_security() -> None:
    (op,) = operations(project({}, {"auth": {}}))
    assert "security" not in op


@pytest.mark.parametrize(
    ("auth", "scheme", "rule"),
    [
        (
            {"type": "jwt", "jwt": {"secret": "x"}},
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "auth-type-mapped",
        ),
        ({"type": "digest", "digest": {}}, {"type": "http", "scheme": "digest"}, None),
        ({"type": "hawk", "hawk": {}}, {"type": "http", "scheme": "Hawk"}, "auth-type-mapped"),
        ({"type": "ntlm"}, {"type": "http", "scheme": "NTLM"}, "auth-type-mapped"),
        (
            {
                "type": "oauth2",
                "oauth2": {
                    "grantType": "client_credentials",
                    "accessTokenUrl": "https://a/t",
                    "scope": "r w",
                },
            },
            {
                "type": "oauth2",
                "flows": {"clientCredentials": {"tokenUrl": "https://a/t", "scopes": {"r": "", "w": ""}}},
            },
            None,
        ),
        (
            {"type": "oauth2", "oauth2": {"grantType": "password"}},
            {"type": "http", "scheme": "unknown"},
            "auth-type-unknown",
        ),
        ({"type": "crystal-ball"}, {"type": "http", "scheme": "unknown"}, "auth-type-unknown"),
    ],
)
def test_every_api_auth_type_is_read_or_named(auth: dict, scheme: dict, rule: str | None) -> None:
    conversion = convert_api(auth=auth)
    _path, operation = only_operation(conversion)
    ((name, scopes),) = operation["security"][0].items()
    written = conversion.document["components"]["securitySchemes"][name]
    assert {k: written[k] for k in scheme} == scheme and scopes == []
    assert (rule in rules(conversion)) if rule else rules(conversion) in ([], ["auth-secret-dropped"])


def test_a_scheme_id_missing_from_the_collection_is_an_explicit_unknown() -> None:
    use = {"schemeGroups": [{"schemeIds": [999]}]}
    conversion = convert_text(project({}, {"auth": SCHEME_AUTH, "securityScheme": use}), "p.json")
    _path, operation = only_operation(conversion)
    assert operation["security"] == [{"SecurityScheme-999": []}]
    assert conversion.document["components"]["securitySchemes"]["SecurityScheme-999"]["scheme"] == "unknown"
    assert "security-undefined-kept" in rules(conversion)


def test_scheme_groups_are_alternatives_and_optional_adds_none() -> None:
    key = {"id": 2, "name": "Key", "authConfigs": {"type": "apiKey", "in": "header", "name": "K"}}
    collection = [{"name": "root", "items": [*COLLECTION[0]["items"], key]}]
    use = {"schemeGroups": [{"schemeIds": [571886, 2]}, {"schemeIds": [2]}], "required": False}
    text = project({}, {"auth": SCHEME_AUTH, "securityScheme": use}, securitySchemeCollection=collection)
    (op,) = operations(text)
    assert op["security"] == [{"BearerAuth": [], "Key": []}, {"Key": []}, {}]


def test_credentials_typed_into_a_security_scheme_are_not_copied() -> None:
    use = {**USE_BEARER, "use": {"configs": {"571886": {"authConfigs": {"x-apifox": {"token": "tok-123"}}}}}}
    text = project({}, {"auth": SCHEME_AUTH, "securityScheme": use}, securitySchemeCollection=COLLECTION)
    conversion = convert_text(text, "p.json")
    assert "tok-123" not in json.dumps(conversion.document)
    assert "auth-secret-dropped" in rules(conversion)


def test_a_folder_auth_of_the_2023_fixture_reaches_its_apis() -> None:
    # apifox2apipost's 2023 fixture: a folder with apikey auth, APIs without their own.
    folder = {"auth": {"type": "apikey", "apikey": {"in": "header", "key": "12312", "value": "312312"}}}
    text = native_project({"method": "get", "path": "/x"})
    data = json.loads(text)
    data["apiCollection"][0].update(folder)
    conversion = convert_text(json.dumps(data), "p.json")
    _path, operation = only_operation(conversion)
    assert operation["security"] == [{"ApiKey-12312": []}]
    assert "312312" not in json.dumps(conversion.document)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"addTokenTo": "header", "headerPrefix": ""},
            {"type": "apiKey", "in": "header", "name": "Authorization"},
        ),
        ({"addTokenTo": "header", "headerPrefix": "Bearer"}, {"type": "http", "scheme": "bearer"}),
        ({"addTokenTo": "header", "headerPrefix": "JWT"}, {"type": "http", "scheme": "JWT"}),
        ({"addTokenTo": "query", "queryParamKey": "tk"}, {"type": "apiKey", "in": "query", "name": "tk"}),
    ],
)
def test_a_jwt_scheme_is_where_apifox_sends_the_token(settings: dict, expected: dict) -> None:
    # An Apifox doc page: `type: jwt`, and the editor's `x-apifox` says header and prefix.
    jwt = {"type": "jwt", "scheme": "bearer", "bearerFormat": "JWT", "x-apifox": settings}
    doc, operation, found = converted(export([{"B": []}], B=jwt))
    written = doc["components"]["securitySchemes"]["B"]
    assert {k: written[k] for k in expected} == expected and "x-apifox" not in written
    assert operation["security"] == [{"B": []}] and "security-scheme-repaired" in found


def test_security_scheme_auth_without_groups_takes_its_folders_scheme() -> None:
    folder = {"auth": SCHEME_AUTH, "securityScheme": USE_BEARER}
    text = project(folder, {"auth": SCHEME_AUTH}, securitySchemeCollection=COLLECTION)
    (op,) = operations(text)
    assert op["security"] == [{"BearerAuth": []}]
    conversion = convert_text(project({}, {"auth": SCHEME_AUTH}), "p.json")
    _path, operation = only_operation(conversion)
    assert operation["security"] == [{"SecurityScheme": []}] and "auth-type-unknown" in rules(conversion)
