"""One Apifox native API object (`items[].api`, or an endpoint page) -> a `Draft`.

Native APIs keep parameters as `{header|query|path|cookie: [...]}` (some exports: a list
of `{name, in, ...}`), the project's
common parameters they use as `commonParameters` (by name), the body as
`{type, jsonSchema, parameters, example(s)}`, responses as a list with Apifox ids,
response examples beside them (linked by `responseId`), and their auth (see
`native_auth`), which may be inherited from their folders and the project.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from newapi_contract.apifox.document import callbacks_are_valid
from newapi_contract.apifox.draft import Components, Draft, Param
from newapi_contract.apifox.examples import MISSING, checked_example
from newapi_contract.apifox.model import FindingLog, Locator
from newapi_contract.apifox.native_auth import NativeAuth
from newapi_contract.apifox.native_extras import callbacks_of
from newapi_contract.apifox.operation_rules import read_status
from newapi_contract.apifox.schemas import SchemaCleaner, child, is_noise_key

__all__ = ["NativeContext", "api_to_draft"]

_CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "raw": "text/plain",
    "binary": "application/octet-stream",
    "msgpack": "application/msgpack",
    "eventstream": "text/event-stream",
}
_NO_CONTENT = ("nocontent", "none")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_PARAM_TYPES = ("string", "integer", "number", "boolean", "array", "object")
_STATUS = re.compile(r"[1-5](?:[0-9][0-9]|XX)|default")
_ABSOLUTE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/?#\s]+)(.*)")
_LOCATIONS = ("path", "query", "header", "cookie")


@dataclass
class NativeContext:
    """What the APIs of one source document share."""

    components: Components
    cleaner: SchemaCleaner
    log: FindingLog
    auth: NativeAuth
    # The project's common parameters: place -> name -> (definition, where).
    common: dict[str, dict[str, tuple[dict[str, Any], str]]] = field(default_factory=dict)
    # The project's shared responses by id: (component name, status code).
    shared_responses: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def api_to_draft(
    api: dict[str, Any],
    loc: Locator,
    ctx: NativeContext,
    fields: dict[str, Any],
    parents: Sequence[tuple[Any, str]] = (),
) -> Draft:
    """`parents`: the owners the API inherits auth from, nearest first (folders, project)."""
    draft = Draft(
        method=str(api["method"]).strip().lower(),
        path=str(api["path"]).strip(),
        where=loc(),
        path_where=loc("path"),
        fields=fields,
    )
    if draft.method != str(api["method"]).lower():
        ctx.log.add("method-normalised", f"method {api['method']!r} read as {draft.method!r}", loc("method"))
    if draft.path != str(api["path"]):
        ctx.log.add("path-whitespace-trimmed", f"path {api['path']!r} read as {draft.path!r}", loc("path"))
    absolute = _ABSOLUTE.fullmatch(draft.path.strip())
    if absolute:  # Apifox takes a whole URL as the path: its origin is where the API is served
        draft.servers = [{"url": absolute[1]}]
        draft.path = absolute[2] or "/"
        ctx.log.add(
            "path-absolute-url",
            f"path {api['path']!r} is a URL: server {absolute[1]!r}, path {draft.path!r}",
            loc("path"),
        )
    for location, raw, at in _located_parameters(api.get("parameters"), loc, ctx):
        param = _parameter(raw, location, at, ctx)
        if param is not None:
            draft.params.append(param)
    draft.params += _common_parameters(api.get("commonParameters"), loc, ctx)
    _query_in_path(draft, loc, ctx)
    draft.request_body = _request_body(api.get("requestBody") or {}, loc, ctx)
    draft.responses = _responses(api, loc, ctx)
    draft.security, draft.security_where = ctx.auth.effective([(api, loc("auth")), *parents])
    _callbacks(api, draft, loc, ctx)
    return draft


def _located_parameters(
    parameters: Any, loc: Locator, ctx: NativeContext
) -> list[tuple[str, dict[str, Any], Locator]]:
    """(place, parameter, its locator): from `{place: [...]}`, or from a list of
    OpenAPI-like parameters (`[{name, in, ...}]`, as some exports write them)."""
    out: list[tuple[str, dict[str, Any], Locator]] = []
    if isinstance(parameters, dict):
        for location in _LOCATIONS:
            for i, raw in enumerate(parameters.get(location) or []):
                out.append((location, raw, lambda *p, i=i, at=location: loc("parameters", at, i, *p)))
    elif isinstance(parameters, list):
        for i, raw in enumerate(parameters):
            location = str(raw.get("in") or "").lower() if isinstance(raw, dict) else ""
            if location not in _LOCATIONS:
                ctx.log.add(
                    "field-not-converted",
                    f"parameter in {location or 'no place'!r} is not converted (path, query, header and "
                    "cookie parameters are)",
                    loc("parameters", i),
                )
                continue
            assert isinstance(raw, dict)
            out.append((location, raw, lambda *p, i=i: loc("parameters", i, *p)))
    return out


def _callbacks(api: dict[str, Any], draft: Draft, loc: Locator, ctx: NativeContext) -> None:
    """Native callbacks (OpenAPI Callbacks as JSON text) as the operation's callbacks, when valid."""
    callbacks, raw = callbacks_of(api)
    if raw is None:
        return
    if callbacks is not None:
        cleaned = _clean_schemas(callbacks, loc("callbacks"), ctx)
        if callbacks_are_valid(cleaned, ctx.components.schemas):
            draft.fields["callbacks"] = cleaned
            return
    draft.fields["x-apifox-callbacks"] = raw
    ctx.log.add(
        "not-converted",
        "callbacks that do not read as OpenAPI callbacks: kept as x-apifox-callbacks",
        loc("callbacks"),
    )


def _clean_schemas(node: Any, where: str, ctx: NativeContext) -> Any:
    if isinstance(node, list):
        return [_clean_schemas(v, f"{where}/{i}", ctx) for i, v in enumerate(node)]
    if not isinstance(node, dict):
        return node
    return {
        k: ctx.cleaner.clean(v, f"{where}/{k}") if k == "schema" else _clean_schemas(v, f"{where}/{k}", ctx)
        for k, v in node.items()
        if not is_noise_key(k)
    }


def _query_in_path(draft: Draft, loc: Locator, ctx: NativeContext) -> None:
    """`/x?a=1` (a request URL pasted as the path): `a` is a query parameter of `/x`."""
    if "?" not in draft.path:
        return
    draft.path, query = draft.path.split("?", 1)
    declared = {p.name for p in draft.params if p.location == "query"}
    added = []
    for name, value in parse_qsl(query.split("#", 1)[0], keep_blank_values=True):
        if name and name not in declared:
            declared.add(name)
            added.append(name)
            spec = {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
            draft.params.append(Param({**spec, **({"example": value} if value else {})}, loc("path")))
    also = f"; {', '.join(added)} declared as query parameter(s)" if added else ""
    ctx.log.add("path-query-moved", f"query {query!r} removed from the path{also}", loc("path"))


def _common_parameters(used: Any, loc: Locator, ctx: NativeContext) -> list[Param]:
    """The project's common parameters this API uses (it lists them by name)."""
    out: list[Param] = []
    if not isinstance(used, dict):
        return out
    for location, entries in used.items():
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            name = str(entry.get("name") or "") if isinstance(entry, dict) else ""
            where = loc("commonParameters", location, i)
            if not name:
                continue
            if location not in _LOCATIONS:
                ctx.log.add(
                    "field-not-converted",
                    f"common {location} parameter {name!r} is not converted (only path, query, header "
                    "and cookie parameters are)",
                    where,
                )
                continue
            definition, def_where = ctx.common.get(location, {}).get(name, (None, where))
            if definition is None:
                ctx.log.add(
                    "common-parameter-undefined",
                    f"common {location} parameter {name!r} is not defined by the project: a string",
                    where,
                )
                definition = {"name": name, "type": "string"}
            raw = {k: v for k, v in definition.items() if k not in ("defaultValue", "value")}
            raw["name"] = name
            raw.setdefault("example", definition.get("defaultValue"))
            param = _parameter(raw, location, lambda *p, w=def_where: "/".join((w, *map(str, p))), ctx)
            if param is not None:
                param.where = where
                out.append(param)
    return out


def _parameter(raw: dict[str, Any], location: str, loc: Locator, ctx: NativeContext) -> Param | None:
    where = loc()
    if raw.get("enable") is False:
        ctx.log.add(
            "parameter-disabled-dropped",
            f"{location} parameter {raw.get('name')!r} is disabled in Apifox",
            where,
        )
        return None
    kind = raw.get("type") if raw.get("type") in _PARAM_TYPES else "string"
    schema = ctx.cleaner.clean(raw["schema"], loc("schema")) if "schema" in raw else {"type": kind}
    spec: dict[str, Any] = {
        "name": str(raw.get("name") or ""),
        "in": location,
        "required": bool(raw.get("required")),
    }
    if raw.get("description"):
        spec["description"] = raw["description"]
    spec["schema"] = schema
    example = next(
        (raw[k] for k in ("example", "sampleValue", "value") if raw.get(k) not in (None, "")), None
    )
    if example is not None:
        spec["example"] = example
    return Param(spec, where)


def _media_type(body_type: str) -> str:
    return body_type if "/" in body_type else _CONTENT_TYPES.get(body_type.lower(), "application/json")


def _request_body(body: dict[str, Any], loc: Locator, ctx: NativeContext) -> dict[str, Any] | None:
    kind = str(body.get("type") or "none")
    schema = ctx.cleaner.clean(body.get("jsonSchema", {}), loc("requestBody", "jsonSchema"))
    if kind == "none":
        # Still checked, so that lint reports a stale example with the stale schema.
        _examples(body, "application/json", schema, loc, ctx)
        if _carries_something(body):
            ctx.log.add(
                "body-none-with-schema",
                "body type is none: no requestBody, the attached schema/examples ignored",
                loc("requestBody"),
            )
        return None
    media_type = _media_type(kind)
    if media_type in _FORM_TYPES:
        schema = _form_schema(body.get("parameters") or [], loc, ctx)
    elif media_type.startswith("text/"):
        schema = {"type": "string"}
    media: dict[str, Any] = {"schema": schema}
    examples = _examples(body, media_type, schema, loc, ctx)
    if examples:
        media["examples"] = examples
    return {"content": {media_type: media}}


def _carries_something(body: dict[str, Any]) -> bool:
    """Whether a `none` body still holds a schema with content, form fields or examples."""
    schema = body.get("jsonSchema")
    has_schema = isinstance(schema, dict) and any(
        schema.get(k) for k in ("properties", "$ref", "items", "allOf", "anyOf", "oneOf", "x-apifox-refs")
    )
    return bool(has_schema or body.get("parameters") or body.get("examples") or body.get("example"))


def _examples(
    body: dict[str, Any], media_type: str, schema: Any, loc: Locator, ctx: NativeContext
) -> dict[str, Any]:
    found: list[tuple[str, Any, str, str]] = []
    if "example" in body:
        found.append(("example", body["example"], "", loc("requestBody", "example")))
    if isinstance(body.get("data"), str) and body["data"].strip():  # older exports keep the example here
        found.append(("data", body["data"], "", loc("requestBody", "data")))
    for i, item in enumerate(body.get("examples") or []):
        name = str(item.get("name") or f"example{i + 1}")
        found.append(
            (name, item.get("value"), str(item.get("description") or ""), loc("requestBody", "examples", i))
        )
    out: dict[str, Any] = {}
    for name, value, summary, where in found:
        kept = checked_example(value, media_type, schema, ctx.components.schemas, where, ctx.log)
        if kept is not MISSING:
            out[_free_key(out, name, kept)] = (
                {"summary": summary, "value": kept} if summary else {"value": kept}
            )
    return out


def _form_schema(fields: list[dict[str, Any]], loc: Locator, ctx: NativeContext) -> dict[str, Any]:
    """Form fields as an object schema: each field's type (or its own schema), description and
    example; a field disabled in Apifox, or without a name, is named when dropped."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for i, entry in enumerate(fields):
        where = loc("requestBody", "parameters", i)
        name = str(entry.get("name") or "")
        if not name:
            ctx.log.add("parameter-unnamed-dropped", "form field without a name dropped", where)
            continue
        if entry.get("enable") is False:
            ctx.log.add("parameter-disabled-dropped", f"form field {name!r} is disabled in Apifox", where)
            continue
        kind = entry.get("type")
        prop: dict[str, Any]
        if kind == "file":
            prop = {"type": "string", "contentMediaType": "application/octet-stream"}
        elif isinstance(entry.get("schema"), dict):
            prop = dict(ctx.cleaner.clean(entry["schema"], child(where, "schema")) or {})
        else:
            prop = {"type": kind if kind in _PARAM_TYPES else "string"}
        if entry.get("description"):
            prop["description"] = entry["description"]
        example = next((entry[k] for k in ("example", "sampleValue") if entry.get(k) not in (None, "")), None)
        if example is not None and kind != "file":  # a file's example is a file name, not its content
            prop["example"] = example
        properties[name] = prop
        if entry.get("required") and name not in required:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _responses(api: dict[str, Any], loc: Locator, ctx: NativeContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(api.get("responses") or []):
        where = loc("responses", i)
        number = raw.get("code", "")
        # Apifox 1.1 writes status codes as floats (200.0): the same code, nothing to say.
        written = str(int(number) if isinstance(number, float) and number.is_integer() else number)
        code = read_status(number) or written
        if code != written:
            ctx.log.add("response-code-repaired", f"status code {number!r} read as {code!r}", where)
        if _refers_to_shared(raw, code, where, ctx):
            shared = _shared_response(raw, code, where, ctx)
            if shared is not None and shared[0] not in out:
                out[shared[0]] = shared[1]
                if "id" in raw:
                    by_id[str(raw["id"])] = shared[1]
            elif shared is not None:
                ctx.log.add("duplicate-response", f"a {shared[0]} response is already defined", where)
            continue
        if not _STATUS.fullmatch(code):
            ctx.log.add("response-code-invalid", f"status code {code!r} dropped", where)
            continue
        if code in out:
            ctx.log.add("duplicate-response", f"a {code} response is already defined", where)
            continue
        response: dict[str, Any] = {
            "description": str(raw.get("description") or raw.get("name") or "Response")
        }
        headers = _response_headers(raw.get("headers") or [], lambda *p, i=i: loc("responses", i, *p), ctx)
        if headers:
            response["headers"] = headers
        if str(raw.get("contentType") or "").lower() in _NO_CONTENT:
            if _carries_something({"jsonSchema": raw.get("jsonSchema")}):
                ctx.log.add(
                    "body-none-with-schema",
                    "response without a body (noContent): the attached schema is ignored",
                    loc("responses", i, "jsonSchema"),
                )
        elif "jsonSchema" in raw or raw.get("contentType"):
            media_type = str(raw.get("mediaType") or "") or _media_type(str(raw.get("contentType") or "json"))
            schema = ctx.cleaner.clean(raw.get("jsonSchema", {}), loc("responses", i, "jsonSchema"))
            response["content"] = {media_type: {"schema": schema}}
        response["x-source-response"] = {k: str(raw[k]) for k in ("id", "name") if k in raw}
        out[code] = response
        if "id" in raw:
            by_id[str(raw["id"])] = response
    for i, raw in enumerate(api.get("responseExamples") or []):
        _attach_example(raw, by_id.get(str(raw.get("responseId"))), loc("responseExamples", i), ctx)
    return out


def _refers_to_shared(raw: dict[str, Any], code: str, where: str, ctx: NativeContext) -> bool:
    """Whether a response is a reference to a shared one: it names one (`referencedResponseId`)
    and states no body of its own (Apifox also writes a response's own id there)."""
    ref_id = raw.get("referencedResponseId")
    if ref_id is None or "jsonSchema" in raw or raw.get("contentType"):
        return False
    if str(ref_id) in ctx.shared_responses:
        return True
    if _STATUS.fullmatch(code):  # what it shares is not in the export: its code is still known
        ctx.log.add(
            "dangling-ref-removed",
            f"response refers to shared response {str(ref_id)!r}, which the project does not define: "
            f"kept as a {code} response without a body",
            where,
        )
        return False
    return True


def _shared_response(
    raw: dict[str, Any], code: str, where: str, ctx: NativeContext
) -> tuple[str, dict[str, Any]] | None:
    """A response that is one of the project's shared responses: (its code, a `$ref` to it)."""
    ref_id = str(raw["referencedResponseId"])
    shared = ctx.shared_responses.get(ref_id)
    if shared is None:
        ctx.log.add(
            "dangling-ref-removed",
            f"response refers to shared response {ref_id!r}, which the project does not define, "
            "and has no status code of its own: dropped",
            where,
        )
        return None
    key, shared_code = shared
    code = code if _STATUS.fullmatch(code) else str(shared_code)
    if not _STATUS.fullmatch(code):
        ctx.log.add(
            "response-code-invalid",
            f"shared response {key!r} has no status code ({code!r}): the reference to it is dropped",
            where,
        )
        return None
    return code, {"$ref": f"#/components/responses/{key}"}


def _response_headers(headers: list[Any], loc: Locator, ctx: NativeContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, header in enumerate(headers):
        name = str(header.get("name") or "") if isinstance(header, dict) else ""
        if not name:
            continue
        if name.lower() == "content-type":
            ctx.log.add(
                "content-type-header",
                "Content-Type response header dropped: the response's media type says it",
                loc("headers", i),
            )
            continue
        kind = header.get("type") if header.get("type") in _PARAM_TYPES else "string"
        spec: dict[str, Any] = {"schema": {"type": kind}}
        if header.get("description"):
            spec["description"] = str(header["description"])
        if header.get("required") is True:
            spec["required"] = True
        out[name] = spec
    return out


def _attach_example(
    raw: dict[str, Any], response: dict[str, Any] | None, where: str, ctx: NativeContext
) -> None:
    name = str(raw.get("name") or "example")
    if response is None:
        ctx.log.add(
            "example-unattached",
            f"example {name!r} belongs to response id {raw.get('responseId')!r}, which this API does not "
            "have: dropped",
            where,
        )
        return
    if "$ref" in response:
        ctx.log.add(
            "example-unattached",
            f"example {name!r} belongs to a shared response ({response['$ref']}), which keeps its own "
            "examples: dropped",
            where,
        )
        return
    if not response.get("content"):
        ctx.log.add(
            "example-unattached", f"example {name!r} belongs to a response without a body: dropped", where
        )
        return
    media_type, media = next(iter(response["content"].items()))
    value = checked_example(
        raw.get("data"), media_type, media.get("schema"), ctx.components.schemas, where, ctx.log
    )
    if value is not MISSING:
        examples = media.setdefault("examples", {})
        examples[_free_key(examples, name, value)] = {"value": value}


def _free_key(examples: dict[str, Any], name: str, value: Any) -> str:
    """`name`, or `name (2)`...: two examples of one name are both kept (an equal one once)."""
    key, n = name, 2
    while key in examples and examples[key].get("value") != value:
        key, n = f"{name} ({n})", n + 1
    return key
