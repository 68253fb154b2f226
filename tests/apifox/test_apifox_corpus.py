"""Real Apifox documents written by others (tests/data/apifox, see NOTICE.md) all convert."""

from __future__ import annotations

import json

import pytest
from apifox_docs import DATA
from openapi_spec_validator import validate

from newapi_contract.apifox import convert_file
from newapi_contract.apifox.document import render

# Per document: findings that must be there, as (rule, the start of `where` after the file name).
EXPECTED = {
    "gfcli-2021.apifox.json": [
        ("path-leading-slash", "/apiCollection/0/items/0/api/path"),
        ("parameter-unnamed-dropped", "/apiCollection/0/items/0/api/parameters/query/0"),
    ],
    "apipost-fixture-2022.apifox.json": [
        ("duplicate-operation", "/apiCollection/0/items/4/items/0/api"),
        ("path-leading-slash", "/apiCollection/0/items/2/api/path"),
        ("auth-secret-dropped", "/apiCollection/0/items/0/api/auth"),
        ("example-schema-mismatch", "/apiCollection/0/items/0/api/responseExamples/0"),
    ],
    "apipost-fixture-2023.apifox.json": [
        ("apifox-refs-expanded", "/apiCollection/0/items/1/items/0/api/responses/0/jsonSchema"),
        ("placeholder-property-removed", "/apiCollection/0/items/1/items/0/api/requestBody"),
        ("path-leading-slash", "/apiCollection/0/items/0/api/path"),
        ("example-json-text-parsed", "/apiCollection/0/items/1/items/1/api/responseExamples/0"),
        ("auth-secret-dropped", "/apiCollection/0/items/1/auth"),  # the folder's apikey
    ],
    "blog-server-2024.apifox.json": [
        ("apifox-noise-dropped", "/schemaCollection/"),
    ],
    "midway-chat.openapi-3.0.json": [
        ("malformed-server-dropped", "/servers/3"),
        ("openapi-version-upgraded", "/openapi"),
        ("apifox-noise-dropped", "/paths/"),
    ],
}
DOCUMENTS = sorted(p for p in DATA.glob("*.json") if p.name in EXPECTED)


def test_every_corpus_document_has_expectations() -> None:
    assert [p.name for p in DOCUMENTS] == sorted(EXPECTED)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_converts_to_valid_openapi_with_expected_findings(path) -> None:
    conversion = convert_file(path)
    validate(conversion.document)
    got = {(f.rule, f.where) for f in conversion.findings}
    for rule, where in EXPECTED[path.name]:
        assert any(r == rule and w.startswith(f"{path.name}: {where}") for r, w in got), (rule, where)
    text = json.dumps(conversion.document, ensure_ascii=False)
    assert "x-apifox" not in text and "x-run-in-apifox" not in text


def test_blog_server_definition_refs_all_resolve() -> None:
    conversion = convert_file(DATA / "blog-server-2024.apifox.json")
    text = json.dumps(conversion.document)
    assert "#/definitions/" not in text
    assert "collect.CollectActionRequest" in conversion.document["components"]["schemas"]
    assert not [f for f in conversion.findings if f.rule == "dangling-ref-removed"]


def test_midway_keeps_well_formed_servers_only() -> None:
    doc = convert_file(DATA / "midway-chat.openapi-3.0.json").document
    assert [s["url"] for s in doc["servers"]] == [
        "http://127.0.0.1:29998",
        "http://192.168.88.130:29999",
        "http://192.168.88.128:29999",
    ]
    assert len([op for item in doc["paths"].values() for op in item]) == 38


def test_secrets_of_the_2022_fixture_are_not_copied() -> None:
    text = json.dumps(convert_file(DATA / "apipost-fixture-2022.apifox.json").document)
    for secret in ("QBXbwu1wfXEcVbXMLv77jSVnofnD4hWS", "21321", "12344", "qweqewq"):
        assert f'"{secret}"' not in text  # as a value (a form field's example is "213213")


def test_2022_duplicate_keeps_the_first_get() -> None:
    doc = convert_file(DATA / "apipost-fixture-2022.apifox.json").document
    assert set(doc["paths"]["/echo.apipost.cn/get.php"]) == {"post", "get"}
    get = doc["paths"]["/echo.apipost.cn/get.php"]["get"]
    assert get["x-source"]["api-id"] != "" and "multipart/form-data" in get["requestBody"]["content"]


def test_2023_folder_auth_reaches_the_apis_that_inherit_it() -> None:
    doc = convert_file(DATA / "apipost-fixture-2023.apifox.json").document
    inherited = [
        op["security"]
        for item in doc["paths"].values()
        for op in item.values()
        if op["x-source"]["pointer"].startswith("/apiCollection/0/items/1/items/")
    ]
    assert inherited and all(s == [{"ApiKey-12312": []}] for s in inherited)


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.name)
def test_the_same_source_gives_the_same_bytes(path) -> None:
    assert render(convert_file(path).document) == render(convert_file(path).document)
