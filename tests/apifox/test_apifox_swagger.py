"""Apifox's (and Apidog's) Swagger 2.0 export is read as the OpenAPI 3.0 document it states.

Both offer 2.0 beside 3.0 and 3.1; a real one (Apifox's sample project, 85 operations) was
refused whole. The fixture, written for this test, has the shape of that export (`swagger`
after `paths`, `x-example`, `headers: {}`, `x-components`) and every 2.0 construct that moves.
"""

from __future__ import annotations

import json

import pytest
from apifox_docs import DATA, rules

from newapi_contract.apifox import convert_file, convert_text
from newapi_contract.apifox.document import validate
from newapi_contract.errors import InputError

SOURCE = DATA / "swagger-2.0-shapes.json"


@pytest.fixture(scope="module")
def doc() -> dict:
    conversion = convert_file(SOURCE)
    validate(conversion.document, SOURCE.name)
    assert "swagger-upgraded" in rules(conversion)
    return conversion.document


def test_every_operation_is_there(doc: dict) -> None:
    assert {(p, m) for p, item in doc["paths"].items() for m in item if m in ("get", "put", "post")} == {
        ("/pet/{petId}", "get"),
        ("/pet/{petId}", "put"),
        ("/pet/{petId}/photo", "post"),
        ("/login", "post"),
    }
    assert doc["servers"] == [{"url": "https://api.example.com/v1"}]
    assert doc["x-source"] == {"file": SOURCE.name, "format": "apifox-swagger", "swagger": "2.0"}


def test_parameters_get_schemas_styles_and_examples(doc: dict) -> None:
    item = doc["paths"]["/pet/{petId}"]
    pet_id, fields, trace = item["get"]["parameters"]  # the path item's first
    assert pet_id["schema"] == {"type": "integer", "format": "int64"} and pet_id["example"] == 1
    assert fields["schema"] == {"type": "array", "items": {"type": "string"}}
    assert (fields["style"], fields["explode"]) == ("form", True)
    assert trace["example"] == "abc" and trace["schema"] == {"type": "string"}


def test_responses_carry_content_headers_and_examples(doc: dict) -> None:
    ok = doc["paths"]["/pet/{petId}"]["get"]["responses"]["200"]
    media = ok["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/Pet"}
    assert media["example"] == {"id": 1, "name": "猫"}
    assert ok["headers"]["X-Rate-Limit"]["schema"] == {"type": "integer"}
    assert doc["paths"]["/pet/{petId}"]["get"]["responses"]["404"] == {
        "$ref": "#/components/responses/NotFound"
    }
    assert "application/json" in doc["components"]["responses"]["NotFound"]["content"]


def test_body_and_form_parameters_become_request_bodies(doc: dict) -> None:
    put = doc["paths"]["/pet/{petId}"]["put"]["requestBody"]
    assert put["required"] is True
    assert put["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}
    photo = doc["paths"]["/pet/{petId}/photo"]["post"]["requestBody"]["content"]["multipart/form-data"][
        "schema"
    ]
    assert photo["properties"]["file"] == {"type": "string", "format": "binary", "description": "图片"}
    assert photo["required"] == ["file"]
    login = doc["paths"]["/login"]["post"]["requestBody"]["content"]
    assert list(login) == ["application/x-www-form-urlencoded"]  # no consumes, no file
    assert login["application/x-www-form-urlencoded"]["schema"]["properties"]["grant"] == {
        "type": "string",
        "enum": ["password"],
    }


def test_definitions_and_security_definitions_become_components(doc: dict) -> None:
    pet = doc["components"]["schemas"]["Pet"]
    assert pet["discriminator"] == {"propertyName": "kind"}
    assert pet["properties"]["owner"]["type"] == ["string", "null"]  # x-nullable, as 3.1 says it
    assert pet["properties"]["tags"]["items"] == {"$ref": "#/components/schemas/Tag"}
    schemes = doc["components"]["securitySchemes"]
    assert schemes["basic"] == {"type": "http", "scheme": "basic"}
    assert schemes["oauth"]["flows"] == {
        "authorizationCode": {
            "authorizationUrl": "https://example.com/auth",
            "tokenUrl": "https://example.com/token",
            "scopes": {"read": "读"},
        }
    }
    assert "PetBody" not in doc["components"].get("parameters", {})  # inlined where it is used


def test_a_shared_body_parameter_is_said_to_be_inlined() -> None:
    (finding,) = [f for f in convert_file(SOURCE).findings if "PetBody" in f.message]
    assert finding.where == f"{SOURCE.name}: /parameters/PetBody"


def test_a_malformed_swagger_part_costs_only_itself() -> None:
    data = json.loads(SOURCE.read_text(encoding="utf-8"))
    data["paths"]["/login"]["post"]["parameters"][0] = "username"
    data["paths"]["/pet/{petId}"]["get"]["responses"]["200"]["headers"] = 5
    data["definitions"]["Tag"] = None
    conversion = convert_text(json.dumps(data), "broken.json")
    validate(conversion.document, "broken.json")
    assert len([m for item in conversion.document["paths"].values() for m in item if m != "parameters"]) == 4


@pytest.mark.parametrize("version", ["1.2", "3.0"])
def test_other_swagger_versions_are_refused_in_one_line(version: str) -> None:
    with pytest.raises(InputError, match=f"Swagger {version} is not supported"):
        convert_text(json.dumps({"swagger": version, "paths": {}}), "s.json")
