"""One Apifox native API object (`items[].api`, or an endpoint page) -> a `Draft`.

Native APIs keep parameters as `{header|query|path|cookie: [...]}`, the body as
`{type, jsonSchema, parameters, example(s)}`, responses as a list with Apifox ids,
and response examples beside them, linked by `responseId`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from newapi_contract.apifox.draft import Components, Draft, Param
from newapi_contract.apifox.examples import MISSING, checked_example
from newapi_contract.apifox.model import FindingLog, Locator
from newapi_contract.apifox.schemas import SchemaCleaner

__all__ = ["NativeContext", "api_to_draft"]

_CONTENT_TYPES = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "raw": "text/plain",
    "binary": "application/octet-stream",
}
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_PARAM_TYPES = ("string", "integer", "number", "boolean", "array", "object")
_STATUS = re.compile(r"[1-5][0-9][0-9]")


@dataclass
class NativeContext:
    """What the APIs of one source document share."""

    components: Components
    cleaner: SchemaCleaner
    log: FindingLog


def api_to_draft(api: dict[str, Any], loc: Locator, ctx: NativeContext, fields: dict[str, Any]) -> Draft:
    draft = Draft(
        method=str(api["method"]).lower(),
        path=str(api["path"]),
        where=loc(),
        path_where=loc("path"),
        fields=fields,
    )
    parameters = api.get("parameters") or {}
    for location in ("path", "query", "header", "cookie"):
        for i, raw in enumerate(parameters.get(location) or []):
            param = _parameter(raw, location, lambda *p, i=i, at=location: loc("parameters", at, i, *p), ctx)
            if param is not None:
                draft.params.append(param)
    draft.request_body = _request_body(api.get("requestBody") or {}, loc, ctx)
    draft.responses = _responses(api, loc, ctx)
    _auth(api.get("auth"), draft, loc("auth"), ctx)
    return draft


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
    return body_type if "/" in body_type else _CONTENT_TYPES.get(body_type, "application/json")


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
        schema = _form_schema(body.get("parameters") or [])
    elif media_type.startswith("text/"):
        schema = {"type": "string"}
    media: dict[str, Any] = {"schema": schema}
    examples = _examples(body, media_type, schema, loc, ctx)
    if examples:
        media["examples"] = examples
    return {"content": {media_type: media}}


def _carries_something(body: dict[str, Any]) -> bool:
    schema = body.get("jsonSchema")
    has_schema = isinstance(schema, dict) and any(k in schema for k in ("properties", "$ref", "items"))
    return bool(has_schema or body.get("parameters") or body.get("examples") or body.get("example"))


def _examples(
    body: dict[str, Any], media_type: str, schema: Any, loc: Locator, ctx: NativeContext
) -> dict[str, Any]:
    found: list[tuple[str, Any, str, str]] = []
    if "example" in body:
        found.append(("example", body["example"], "", loc("requestBody", "example")))
    for i, item in enumerate(body.get("examples") or []):
        name = str(item.get("name") or f"example{i + 1}")
        found.append(
            (name, item.get("value"), str(item.get("description") or ""), loc("requestBody", "examples", i))
        )
    out: dict[str, Any] = {}
    for name, value, summary, where in found:
        kept = checked_example(value, media_type, schema, ctx.components.schemas, where, ctx.log)
        if kept is not MISSING and name not in out:
            out[name] = {"summary": summary, "value": kept} if summary else {"value": kept}
    return out


def _form_schema(fields: list[dict[str, Any]]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for field in fields:
        name = str(field.get("name") or "")
        if not name:
            continue
        kind = field.get("type")
        prop: dict[str, Any] = (
            {"type": "string", "contentMediaType": "application/octet-stream"}
            if kind == "file"
            else {"type": kind if kind in _PARAM_TYPES else "string"}
        )
        if field.get("description"):
            prop["description"] = field["description"]
        properties[name] = prop
    required = [str(f["name"]) for f in fields if f.get("required") and f.get("name")]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = sorted(set(required), key=required.index)
    return schema


def _responses(api: dict[str, Any], loc: Locator, ctx: NativeContext) -> dict[str, Any]:
    out: dict[str, Any] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(api.get("responses") or []):
        where = loc("responses", i)
        code = str(raw.get("code", ""))
        if not _STATUS.fullmatch(code):
            ctx.log.add("response-code-invalid", f"status code {code!r} dropped", where)
            continue
        if code in out:
            ctx.log.add("duplicate-response", f"a {code} response is already defined", where)
            continue
        response: dict[str, Any] = {
            "description": str(raw.get("description") or raw.get("name") or "Response")
        }
        headers = {
            str(h["name"]): {"schema": {"type": "string"}}
            for h in raw.get("headers") or []
            if h.get("name") and str(h["name"]).lower() != "content-type"
        }
        if headers:
            response["headers"] = headers
        if "jsonSchema" in raw or raw.get("contentType"):
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


def _attach_example(
    raw: dict[str, Any], response: dict[str, Any] | None, where: str, ctx: NativeContext
) -> None:
    if response is None or not response.get("content"):
        return
    media_type, media = next(iter(response["content"].items()))
    value = checked_example(
        raw.get("data"), media_type, media.get("schema"), ctx.components.schemas, where, ctx.log
    )
    if value is not MISSING:
        name = str(raw.get("name") or "example")
        media.setdefault("examples", {}).setdefault(name, {"value": value})


def _auth(auth: Any, draft: Draft, where: str, ctx: NativeContext) -> None:
    if not isinstance(auth, dict) or not isinstance(auth.get("type"), str):
        return
    kind = auth["type"]
    settings = auth.get(kind) if isinstance(auth.get(kind), dict) else {}
    if kind == "apikey":
        key = str(settings.get("key") or "api-key")
        location = settings.get("in") if settings.get("in") in ("header", "query", "cookie") else "header"
        name = "ApiKey-" + re.sub(r"[^A-Za-z0-9._-]", "_", key)
        scheme: dict[str, Any] = {"type": "apiKey", "in": location, "name": key}
    elif kind in ("basic", "bearer"):
        name, scheme = f"{kind.capitalize()}Auth", {"type": "http", "scheme": kind}
    else:
        return
    ctx.components.security_schemes[name] = scheme
    draft.security = [*(draft.security or []), {name: []}]
    if any(settings.get(k) not in (None, "") for k in ("value", "username", "password", "token")):
        ctx.log.add(
            "auth-secret-dropped",
            f"{kind} auth becomes security scheme {name!r}; its credential is not copied",
            where,
        )
