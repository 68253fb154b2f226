"""Round trip: what an Apifox document says is in the converted document, or a finding names it.

Hypothesis draws documents in the shapes Apifox writes: its OpenAPI export (3.0 or 3.1;
as JSON, YAML or a Markdown documentation page of one or two spec blocks) and its native
project export (folders that carry auth, a security-scheme collection, response examples
linked by id). Each drawing comes with the facts its source states, each at its place:
every operation, parameter, security requirement, request body, response and example. A
fact is accounted for when the output says the same, or when a finding names its place
(or a place that holds it, such as the dropped operation).

Security is compared by meaning (the schemes a requirement needs: `http bearer`, an
`apiKey` header, an explicit unknown), not by the names the converter gives schemes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from newapi_contract.apifox import Conversion, convert_text
from newapi_contract.apifox.document import render
from newapi_contract.apifox.project import pointer

BEARER = ("http", "bearer")
BASIC = ("http", "basic")
KEY = ("apiKey", "header", "X-Key")
UNKNOWN = ("http", "unknown")
EDITOR_STATE = re.compile(r"x-apifox(?!-original-name|-callbacks)")
SECRETS = ("t0ken-secret", "k3y-secret", "pa55-secret")


@dataclass(frozen=True)
class Fact:
    kind: str  # operation | parameter | security | no-auth | body | response | example
    op: str  # the operation's pointer in the source
    where: str  # the fact's own pointer in the source
    value: Any = None
    block: int = 0  # the spec block of a Markdown page


@dataclass
class Drawn:
    text: str
    source: str
    facts: list[Fact] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # per block: the prefix of its locations
    lines: list[int | None] = field(default_factory=list)  # per block: x-source.line of its operations


# -- Apifox's OpenAPI export -------------------------------------------------------------

SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer"},
    "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
    "typo": {"type": "bearer", "scheme": "bearer"},  # a type OpenAPI does not have
    "Combo": {"type": "combination", "group": [{"id": "bearer"}, {"id": "key"}]},
    "Lost": {"type": "combination", "group": [{"id": 573667}]},
}
MEANING = {
    "bearer": {BEARER},
    "key": {KEY},
    "typo": {BEARER},
    "Combo": {BEARER, KEY},
    "Lost": {UNKNOWN},
    "Nowhere": {UNKNOWN},
}
OBJECT = {"type": "object", "properties": {"name": {"type": "string"}}, "x-apifox-orders": ["name"]}
EXAMPLES = st.sampled_from([{"name": "a"}, {"name": 5}, {"other": 1}])

segments = st.sampled_from(["api", "token", "models", "{id}", "7", "user"])
paths = st.builds(
    lambda parts, lead, trail: ("/" if lead else "") + "/".join(parts) + ("/" if trail else ""),
    st.lists(segments, min_size=1, max_size=3),
    st.sampled_from([True, True, True, False]),
    st.booleans(),
)
param_names = st.sampled_from(["p", "q", "id", "Authorization", "Content-Type", "New-Api-User", ""])
requirements = st.builds(
    lambda names, noise: {**{n: [] for n in names}, **({"x-apifox": {"schemeGroups": []}} if noise else {})},
    st.lists(st.sampled_from(sorted(MEANING)), max_size=2, unique=True),
    st.booleans(),
)
securities = st.none() | st.just([]) | st.lists(requirements, min_size=1, max_size=2)


@st.composite
def export_operations(draw: st.DrawFn) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": "s", "x-apifox-folder": "f", "x-apifox-status": "released"}
    if draw(st.booleans()):
        op["operationId"] = draw(st.sampled_from(["createImage", "listModels"]))
    params = draw(st.lists(st.tuples(param_names, st.sampled_from(["query", "header", "path"])), max_size=3))
    op["parameters"] = [
        {"name": n, "in": at, "required": at == "path", "schema": {"type": "string"}} for n, at in params
    ]
    if draw(st.booleans()):
        media: dict[str, Any] = {"schema": OBJECT}
        if draw(st.booleans()):
            media["example"] = draw(EXAMPLES)
        op["requestBody"] = {"content": {"application/json": media}}
    op["responses"] = {}
    for code in draw(
        st.lists(st.sampled_from(["200", "201", "404", "default", "200", "abc"]), unique=True, max_size=3)
    ):
        response: dict[str, Any] = {"description": "d", "x-apifox-name": "n"}
        if draw(st.booleans()):
            response["content"] = {
                "application/json": {"schema": OBJECT, "examples": {"ok": {"value": draw(EXAMPLES)}}}
            }
        op["responses"][code] = response
    security = draw(securities)
    if security is not None:
        op["security"] = security
    return op


@st.composite
def export_documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "openapi": draw(st.sampled_from(["3.0.1", "3.1.0"])),
        "info": {"title": "t", "version": "1.0.0"},
        "tags": [{"name": "f"}],
        "paths": {},
        "components": {"schemas": {}, "securitySchemes": SCHEMES},
    }
    for path in draw(st.lists(paths, min_size=1, max_size=3, unique=True)):
        methods = draw(
            st.lists(st.sampled_from(["get", "post", "delete"]), min_size=1, max_size=2, unique=True)
        )
        doc["paths"][path] = {m: draw(export_operations()) for m in methods}
    security = draw(securities)
    if security is not None:
        doc["security"] = security
    return doc


def export_facts(doc: dict[str, Any], block: int) -> list[Fact]:
    facts: list[Fact] = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            at = pointer("paths", path, method)
            facts.append(Fact("operation", at, at, block=block))
            for i, param in enumerate(op["parameters"]):
                facts.append(
                    Fact("parameter", at, f"{at}/parameters/{i}", (param["name"], param["in"]), block)
                )
            stated, base = (
                (op["security"], f"{at}/security") if "security" in op else (doc.get("security"), "/security")
            )
            facts += security_facts(stated, at, base, block)
            if "requestBody" in op:
                body = f"{at}/requestBody"
                facts.append(Fact("body", at, body, block=block))
                media = op["requestBody"]["content"]["application/json"]
                if "example" in media:
                    facts.append(
                        Fact(
                            "example",
                            at,
                            f"{body}/content/application~1json/example",
                            ("request", media["example"]),
                            block,
                        )
                    )
            for code, response in op["responses"].items():
                here = f"{at}/responses/{code}"
                facts.append(Fact("response", at, here, code, block))
                for name, example in (
                    response.get("content", {}).get("application/json", {}).get("examples", {}).items()
                ):
                    where = f"{here}/content/application~1json/examples/{name}/value"
                    facts.append(Fact("example", at, where, (code, example["value"]), block))
    return facts


def security_facts(stated: list[Any] | None, op: str, base: str, block: int) -> list[Fact]:
    if stated is None:
        return []
    if stated == []:
        return [Fact("no-auth", op, base, block=block)]
    facts = []
    for i, requirement in enumerate(stated):
        names = [n for n in requirement if not n.startswith("x-")]
        if names or not requirement:  # one of editor state only states nothing
            meaning = frozenset().union(*(MEANING[n] for n in names))
            facts.append(Fact("security", op, f"{base}/{i}", meaning, block))
    return facts


@st.composite
def exports(draw: st.DrawFn) -> Drawn:
    syntax = draw(st.sampled_from(["json", "yaml", "markdown"]))
    doc = draw(export_documents())
    if syntax == "json":
        return Drawn(json.dumps(doc), "src.json", export_facts(doc, 0), ["src.json"], [None])
    if syntax == "yaml":
        return Drawn(
            yaml.safe_dump(doc, allow_unicode=True), "src.yaml", export_facts(doc, 0), ["src.yaml"], [None]
        )
    # A documentation page: one spec block, or the paths split over two (each a full document).
    split = draw(st.integers(min_value=1, max_value=len(doc["paths"])))
    names = list(doc["paths"])
    blocks = [names[:split], names[split:]] if split < len(names) and draw(st.booleans()) else [names]
    lines = [
        "# A page",
        "",
        "Some prose.",
        "",
        "```json",
        '{"openapi": "not a block of this page"}',
        "```",
        "",
    ]
    drawn = Drawn("", "page.md")
    for b, chosen in enumerate(blocks):
        part = {**doc, "paths": {p: doc["paths"][p] for p in chosen}}
        lines += ["## OpenAPI Specification", "", "```yaml"]
        drawn.labels.append(f"page.md:{len(lines) + 1}")
        drawn.lines.append(len(lines) + 1)
        lines += [*yaml.safe_dump(part, allow_unicode=True).splitlines(), "```", ""]
        drawn.facts += export_facts(part, b)
    drawn.text = "\n".join(lines)
    return drawn


# -- Apifox's native project export ------------------------------------------------------

AUTHS: dict[str, tuple[dict[str, Any], Any]] = {  # auth setting -> what it states (None: inherit)
    "inherit": ({}, None),
    "noauth": ({"type": "noauth"}, []),
    "bearer": ({"type": "bearer", "bearer": {"token": SECRETS[0]}}, [{BEARER}]),
    "apikey": ({"type": "apikey", "apikey": {"key": "X-Key", "in": "header", "value": SECRETS[1]}}, [{KEY}]),
    "basic": ({"type": "basic", "basic": {"username": "u", "password": SECRETS[2]}}, [{BASIC}]),
    "scheme": (
        {"type": "securityscheme", "securityScheme": {"schemeGroups": [{"id": "g", "schemeIds": [101]}]}},
        [{BEARER}],
    ),
    "schemes": (
        {
            "type": "securityscheme",
            "securityScheme": {"schemeGroups": [{"id": "g", "schemeIds": [101, 102]}]},
        },
        [{BEARER, KEY}],
    ),
    "either": (
        {
            "type": "securityscheme",
            "securityScheme": {"schemeGroups": [{"schemeIds": [101]}, {"schemeIds": [102]}]},
        },
        [{BEARER}, {KEY}],
    ),
    "missing": (
        {"type": "securityscheme", "securityScheme": {"schemeGroups": [{"schemeIds": [999]}]}},
        [{UNKNOWN}],
    ),
    "hawk": ({"type": "hawk", "hawk": {"authId": "a", "authKey": "k"}}, [{("http", "hawk")}]),
    "mystery": ({"type": "mystery"}, [{UNKNOWN}]),
}
COLLECTION = [
    {
        "name": "根目录",
        "items": [
            {"id": 101, "name": "Bearer Auth", "authConfigs": {"type": "http", "scheme": "bearer"}},
            {"id": 102, "name": "Key", "authConfigs": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        ],
    }
]
auth_names = st.sampled_from(sorted(AUTHS))
JSON_TEXT = st.sampled_from(['{"name": "a"}', '{\r\n "name": 5\r\n}', "not json", '{"other": 1}'])


@st.composite
def native_apis(draw: st.DrawFn) -> dict[str, Any]:
    api: dict[str, Any] = {
        "method": draw(st.sampled_from(["get", "post", "delete"])),
        "path": draw(paths),
        "auth": AUTHS[draw(auth_names)][0],
        "parameters": {},
    }
    for place in ("query", "header", "path"):
        entries = draw(st.lists(st.tuples(param_names, st.booleans()), max_size=2))
        api["parameters"][place] = [{"name": n, "type": "string", "enable": on} for n, on in entries]
    kind = draw(st.sampled_from(["none", "application/json"]))
    api["requestBody"] = {
        "type": kind,
        "jsonSchema": draw(st.sampled_from([OBJECT, {"type": "object", "properties": {}}])),
    }
    api["requestBody"]["examples"] = [{"value": v} for v in draw(st.lists(JSON_TEXT, max_size=2))]
    codes = draw(st.lists(st.sampled_from([200, 201, 404, "abc"]), max_size=3))
    api["responses"] = [
        {"id": 10 + i, "code": code, "name": "r", "contentType": "json", "jsonSchema": OBJECT}
        for i, code in enumerate(codes)
    ]
    api["responseExamples"] = [
        {
            "name": "e",
            "responseId": draw(st.sampled_from([0, *range(10, 10 + len(codes))])),
            "data": draw(JSON_TEXT),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    return api


@st.composite
def natives(draw: st.DrawFn) -> Drawn:
    folder_auth, root_auth, project_auth = draw(auth_names), draw(auth_names), draw(auth_names)
    inner = [{"name": f"api {i}", "api": draw(native_apis())} for i in range(draw(st.integers(0, 2)))]
    outer = [{"name": f"top {i}", "api": draw(native_apis())} for i in range(draw(st.integers(0, 2)))]
    folder = {"name": "folder", "auth": AUTHS[folder_auth][0], "items": inner}
    root = {"name": "root", "auth": AUTHS[root_auth][0], "items": [folder, *outer]}
    data = {
        "apifoxProject": "1.0.0",
        "info": {"name": "t"},
        "apiCollection": [root],
        "securitySchemeCollection": COLLECTION,
        "projectSetting": {"auth": AUTHS[project_auth][0]},
    }
    owners_root = [("/apiCollection/0/auth", root_auth), ("/projectSetting/auth", project_auth)]
    facts: list[Fact] = []
    for base, items, owners in (
        (
            "/apiCollection/0/items/0/items",
            inner,
            [("/apiCollection/0/items/0/auth", folder_auth), *owners_root],
        ),
        ("/apiCollection/0/items", outer, owners_root),
    ):
        for i, item in enumerate(items):
            offset = 1 if base == "/apiCollection/0/items" else 0  # the folder is item 0
            at = f"{base}/{i + offset}/api"
            facts += native_facts(item["api"], at, owners)
    syntax = draw(st.sampled_from(["json", "yaml"]))
    text = json.dumps(data) if syntax == "json" else yaml.safe_dump(data, allow_unicode=True)
    return Drawn(text, f"proj.{syntax}", facts, [f"proj.{syntax}"], [None])


def native_facts(api: dict[str, Any], at: str, owners: list[tuple[str, str]]) -> list[Fact]:
    facts = [Fact("operation", at, at)]
    for place, entries in api["parameters"].items():
        facts += [
            Fact("parameter", at, f"{at}/parameters/{place}/{i}", (p["name"], place))
            for i, p in enumerate(entries)
        ]
    own = next(name for name, (setting, _) in AUTHS.items() if setting == api["auth"])
    for where, name in [(f"{at}/auth", own), *owners]:
        stated = AUTHS[name][1]
        if stated is not None:
            if stated == []:
                facts.append(Fact("no-auth", at, where))
            facts += [Fact("security", at, f"{where}", frozenset(r)) for r in stated]
            break
    body = api["requestBody"]
    if body["type"] != "none" or body["jsonSchema"]["properties"] or body["examples"]:
        facts.append(Fact("body", at, f"{at}/requestBody"))
        facts += [
            Fact("example", at, f"{at}/requestBody/examples/{i}", ("request", parsed(e["value"])))
            for i, e in enumerate(body["examples"])
        ]
    by_id = {}
    for i, response in enumerate(api["responses"]):
        facts.append(Fact("response", at, f"{at}/responses/{i}", str(response["code"])))
        by_id.setdefault(response["id"], str(response["code"]))
    for i, example in enumerate(api["responseExamples"]):
        target = by_id.get(example["responseId"])
        facts.append(Fact("example", at, f"{at}/responseExamples/{i}", (target, parsed(example["data"]))))
    return facts


def parsed(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


# -- the check ---------------------------------------------------------------------------


def meaning(requirement: dict[str, Any], schemes: dict[str, Any]) -> frozenset[tuple[str, ...]]:
    out = set()
    for name in requirement:
        scheme = schemes[name]
        if scheme["type"] == "apiKey":
            out.add(("apiKey", scheme["in"], scheme["name"]))
        else:
            out.add((scheme["type"], str(scheme.get("scheme", "")).lower()))
    return frozenset(out)


def holds(fact: Fact, drawn: Drawn, doc: dict[str, Any]) -> bool:
    operations = {
        (op["x-source"].get("line"), op["x-source"]["pointer"]): op
        for item in doc["paths"].values()
        for method, op in item.items()
        if isinstance(op, dict) and "x-source" in op
    }
    op = operations.get((drawn.lines[fact.block], fact.op))
    if op is None:
        return False
    schemes = doc.get("components", {}).get("securitySchemes", {})
    if fact.kind == "operation":
        return True
    if fact.kind == "parameter":
        name, place = fact.value
        return any(p["name"].lower() == name.lower() and p["in"] == place for p in op.get("parameters", []))
    stated = op["security"] if "security" in op else doc.get("security")
    if fact.kind == "no-auth":
        return stated == []
    if fact.kind == "security":
        return any(meaning(r, schemes) == fact.value for r in stated or [])
    if fact.kind == "body":
        return "requestBody" in op
    if fact.kind == "response":
        return fact.value in op.get("responses", {})
    target, value = fact.value
    holder = op.get("requestBody") if target == "request" else op.get("responses", {}).get(target)
    for media in (holder or {}).get("content", {}).values():
        if media.get("example") == value or any(
            e.get("value") == value for e in media.get("examples", {}).values()
        ):
            return True
    return False


def named(fact: Fact, drawn: Drawn, conversion: Conversion) -> bool:
    """A finding is at the fact's place, or at a place holding it or its operation."""
    places = [f"{drawn.labels[fact.block]}: {where}" for where in (fact.where, fact.op)]
    # A repair made once the document is assembled names its place in the converted document.
    wheres = [f.where.removesuffix(" (as converted)") for f in conversion.findings]
    return any(w == p or p.startswith(w + "/") for w in wheres for p in places)


def check(drawn: Drawn) -> None:
    # convert_text returns only documents the OpenAPI 3.1 validator accepts (validated
    # again, independently, by the corpus and format tests; twice here would double the cost).
    conversion = convert_text(drawn.text, drawn.source)
    doc = conversion.document
    lost = [f for f in drawn.facts if not (holds(f, drawn, doc) or named(f, drawn, conversion))]
    assert not lost, (lost, [f.line() for f in conversion.findings])
    text = render(doc)
    # No Apifox editor state; the converter's own x-apifox-original-name / -callbacks may be there.
    assert not EDITOR_STATE.search(text) and not any(secret in text for secret in SECRETS)


# The harness profile (derandomized, no deadline), with a budget that keeps the pair
# at a few seconds on a two-core machine.
@settings(max_examples=60)
@given(exports())
def test_openapi_exports_lose_nothing_in_silence(drawn: Drawn) -> None:
    check(drawn)


@settings(max_examples=60)
@given(natives())
def test_native_exports_lose_nothing_in_silence(drawn: Drawn) -> None:
    check(drawn)
