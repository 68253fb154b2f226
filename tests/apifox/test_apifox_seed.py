"""The seed page: its committed contracts are exactly a fresh conversion, and say the right things."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from openapi_spec_validator import validate

from newapi_contract.apifox import convert_file
from newapi_contract.apifox.document import render
from newapi_contract.apifox.outputs import build_outputs
from newapi_contract.paths import EFFECTIVE_CONTRACT, OVERLAY_FILE, PLAIN_CONTRACT, SEED_SOURCE


@pytest.fixture(scope="module")
def fresh() -> dict[Any, str]:
    return build_outputs(SEED_SOURCE, PLAIN_CONTRACT, OVERLAY_FILE, EFFECTIVE_CONTRACT).files


@pytest.mark.parametrize("contract", [PLAIN_CONTRACT, EFFECTIVE_CONTRACT], ids=lambda p: p.name)
def test_committed_contract_equals_a_fresh_conversion(contract, fresh) -> None:
    assert contract.read_text(encoding="utf-8") == fresh[contract]


def test_conversion_is_byte_for_byte_deterministic() -> None:
    assert render(convert_file(SEED_SOURCE).document) == render(convert_file(SEED_SOURCE).document)


def test_seed_findings_point_into_the_page() -> None:
    lines = {f.line() for f in convert_file(SEED_SOURCE).findings}
    name = SEED_SOURCE.name
    for expected in (
        f"{name}: 参数.header[0]: [content-type-header]",
        f"{name}: 参数.header[1]: [new-api-user-header]",
        f"{name}: 参数.header[2]: [authorization-header]",
        f"{name}: 概览.Path: [path-hardcoded-id]",
        f"{name}: 概览.Path: [path-trailing-slash]",
        f"{name}: 请求体: [body-none-with-schema]",
        f"{name}: 请求体.examples[0]: [example-schema-mismatch]",
        f"{name}: 请求体.examples[0]: [example-json-text-parsed]",
    ):
        assert any(line.startswith(expected) for line in lines), expected


def load(path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("contract", [PLAIN_CONTRACT, EFFECTIVE_CONTRACT], ids=lambda p: p.name)
def test_contract_holds_the_delete_operation(contract) -> None:
    doc = load(contract)
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert list(doc["paths"]) == ["/api/token/{id}"]
    operation = doc["paths"]["/api/token/{id}"]["delete"]
    params = {(p["in"], p["name"]): p for p in operation["parameters"]}
    assert set(params) == {("path", "id"), ("header", "New-Api-User")}
    assert params[("path", "id")]["schema"] == {"type": "integer", "format": "int64"}
    assert params[("header", "New-Api-User")]["required"] is True
    assert "requestBody" not in operation
    assert {"AccessToken": []} in operation["security"]
    assert doc["components"]["securitySchemes"]["AccessToken"]["name"] == "Authorization"
    assert operation["x-source"]["file"] == SEED_SOURCE.name
    assert operation["x-source"]["module"] == "2102810"
    assert operation["responses"]["200"]["x-source-response"]["id"] == "778961300"


def test_effective_contract_adds_what_the_server_promises() -> None:
    operation = load(EFFECTIVE_CONTRACT)["paths"]["/api/token/{id}"]["delete"]
    assert operation["security"] == [{"AccessToken": []}]  # required, not optional
    responses = operation["responses"]
    assert set(responses) == {"200", "401", "403", "429"}
    ok = responses["200"]["content"]["application/json"]
    assert ok["schema"]["required"] == ["success", "message"]
    assert ok["x-newapi-content-type"] == "application/json; charset=utf-8"
    messages = {e["value"]["message"] for e in ok["examples"].values()}
    assert {"", "record not found", "id 或 userId 为空！"} <= messages
    current = responses["401"]["content"]["application/json"]["schema"]["anyOf"][1]
    assert "AUTH_UNAUTHORIZED" in current["properties"]["code"]["enum"]
    assert "content" not in responses["429"]
    assert len(operation["x-newapi-differences"]) >= 5


@pytest.mark.parametrize("contract", [PLAIN_CONTRACT, EFFECTIVE_CONTRACT], ids=lambda p: p.name)
def test_schemathesis_loads_the_contract(contract) -> None:
    schema = schemathesis.openapi.from_path(str(contract))
    labels = [result.ok().label for result in schema.get_all_operations()]
    assert labels == ["DELETE /api/token/{id}"]
