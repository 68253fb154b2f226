"""Apifox's OpenAPI export with `combination` security schemes (as new-api's own api.json)."""

from __future__ import annotations

import json

from apifox_docs import DATA
from openapi_spec_validator import validate

from newapi_contract.apifox import convert_file, convert_text

EXPORT = DATA / "combination-export.openapi.json"


def test_combination_export_converts_to_valid_openapi() -> None:
    conversion = convert_file(EXPORT)
    doc = conversion.document
    validate(doc)
    schemes = doc["components"]["securitySchemes"]
    assert all(s["type"] != "combination" for s in schemes.values())
    delete = doc["paths"]["/api/token/{id}"]["delete"]
    # Combination1 = bearer AND NewApiUser; Combination404 is not defined at all: it stays,
    # an explicit unknown scheme, so the operation does not read as needing less.
    assert delete["security"] == [{"bearer": [], "NewApiUser": []}, {"Combination404": []}]
    assert schemes["Combination404"]["scheme"] == "unknown"
    assert delete["x-source"] == {
        "pointer": "/paths/~1api~1token~1{id}/delete",
        "folder": "令牌管理",
        "status": "released",
        "api-id": "2102810",
    }
    # Combination2 groups only an undefined scheme: the list operation still needs it.
    assert doc["paths"]["/api/token/"]["get"]["security"] == [{"5130411": []}]
    assert schemes["5130411"]["type"] == "http" and "not defined" in schemes["5130411"]["description"]
    got = {(f.rule, f.where.split(": ", 1)[1]) for f in conversion.findings}
    assert ("security-undefined-kept", "/paths/~1api~1token~1{id}/delete/security/1") in got
    assert ("combination-security-expanded", "/components/securitySchemes/Combination1") in got
    assert ("dangling-ref-removed", "/components/schemas/TokenList/properties/data/$ref") in got


def test_30_keywords_become_31() -> None:
    doc = convert_file(EXPORT).document
    note = doc["components"]["schemas"]["TokenList"]["properties"]["note"]
    assert note == {"type": ["string", "null"]}
    assert doc["openapi"] == "3.1.0"


def test_parameter_refs_are_inlined() -> None:
    doc = convert_file(EXPORT).document
    assert doc["paths"]["/api/token/"]["get"]["parameters"][0]["name"] == "p"


def test_document_level_combination_security_is_expanded() -> None:
    export = json.loads(EXPORT.read_text(encoding="utf-8"))
    export["security"] = [{"Combination1": []}]
    doc = convert_text(json.dumps(export), "e.json").document
    assert doc["security"] == [{"bearer": [], "NewApiUser": []}]


def test_openapi_31_input_is_not_upgraded() -> None:
    text = json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"get": {"responses": {"204": {"description": "ok"}}}}},
        }
    )
    conversion = convert_text(text, "plain.json")
    assert conversion.findings == []
    validate(conversion.document)
