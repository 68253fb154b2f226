"""Apifox's OpenAPI export (OpenAPI 3.0/3.1 with `x-apifox-*` fields) -> OpenAPI 3.1.

Its Swagger 2.0 export (Apifox and Apidog offer 2.0 beside 3.0 and 3.1) is first read as
the OpenAPI 3.0 document it states (`upgrade_swagger`, at the end).

The same reader serves the export as a file (JSON or YAML) and each spec block of a
Markdown documentation page (see `doc_site`).
Besides editor noise, Apifox writes security OpenAPI cannot read as is (see
`security`), and schemas that splice references with overrides (see `schemas`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from newapi_contract.apifox.component_names import rename_invalid_components
from newapi_contract.apifox.document import assemble, callbacks_are_valid, clean_servers
from newapi_contract.apifox.draft import Components, Draft, Param
from newapi_contract.apifox.examples import MISSING, checked_example
from newapi_contract.apifox.markdown_export import read_markdown_export
from newapi_contract.apifox.model import FindingLog, unreadable
from newapi_contract.apifox.operation_rules import read_status
from newapi_contract.apifox.project import pointer
from newapi_contract.apifox.schemas import SchemaCleaner, child, is_noise_key
from newapi_contract.apifox.security import Requirements, SecurityResolver, repair_scheme
from newapi_contract.apifox.shapes import repair_shape
from newapi_contract.errors import ContractError

__all__ = [
    "ExportRead",
    "convert_markdown_export",
    "convert_openapi",
    "read_export",
    "unique_tags",
    "upgrade_swagger",
]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_RESPONSE = re.compile(r"/responses/[^/]+$")
_RUN_URL_ID = re.compile(r"api-([0-9]+)")
_OPERATION_FIELDS = ("summary", "description", "operationId", "tags", "deprecated", "externalDocs")
_PATH_ITEM_FIELDS = ("summary", "description")
_READ_OPERATION_FIELDS = (
    *_OPERATION_FIELDS,
    "parameters",
    "requestBody",
    "responses",
    "security",
    "servers",
    "callbacks",
)
_TOP_FIELDS = (
    "openapi",
    "info",
    "servers",
    "paths",
    "components",
    "security",
    "webhooks",
    "tags",
    "externalDocs",
    "jsonSchemaDialect",
)
# Fields OpenAPI wants as text; Apifox writes `null` for an empty one.
_TEXT_FIELDS = ("description", "summary", "title", "version", "termsOfService", "name", "url")


@dataclass
class ExportRead:
    """One OpenAPI document, read: what goes into the output document."""

    drafts: list[Draft]
    components: Components
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    security: Requirements | None
    top: dict[str, Any] = field(default_factory=dict)  # tags, externalDocs, webhooks, x-...


class _Converter:
    def __init__(self, data: dict[str, Any], label: str, log: FindingLog, line: int | None = None):
        self.data, self.label, self.log, self.line = data, label, log, line
        self.components = Components()
        self.cleaner = SchemaCleaner(
            self._resolve, log, lookup=self._lookup_schema, upgrade_30=data["openapi"].startswith("3.0")
        )
        self.security = SecurityResolver(self.components, log)

    def where(self, *parts: object) -> str:
        return f"{self.label}: {pointer(*parts)}"

    def _lookup(self, ref: str) -> Any:
        """The node a local `#/...` reference points to in the source, or MISSING."""
        if not ref.startswith("#/"):
            return MISSING
        node: Any = self.data
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                return MISSING
            node = node[part]
        return node

    def _lookup_schema(self, ref: str) -> Any:
        node = self._lookup(ref)
        return None if node is MISSING else node

    def _resolve(self, ref: str) -> str | None:
        return None if self._lookup(ref) is MISSING else ref

    def clean_object(self, obj: Any, where: str) -> Any:
        """A non-schema OpenAPI object: noise dropped, schemas and refs cleaned."""
        if isinstance(obj, list):
            return [self.clean_object(v, child(where, i)) for i, v in enumerate(obj)]
        if not isinstance(obj, dict):
            return obj
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if is_noise_key(key):
                self.log.noise(key, child(where, key))
            elif value is None and key in _TEXT_FIELDS:
                if key == "description" and _RESPONSE.search(where):  # required there
                    out[key] = ""
                    what = "made empty (a response needs one)"
                else:
                    what = "dropped"
                self.log.add("null-value-repaired", f"`{key}` is null, not text: {what}", child(where, key))
            elif key == "schema":
                out[key] = self.cleaner.clean(value, child(where, key))
            elif key == "$ref":
                if isinstance(value, str) and self._resolve(value):
                    out[key] = value
                else:
                    self.log.add(
                        "dangling-ref-removed", f"$ref {value!r} points to nothing", child(where, key)
                    )
            elif key in ("example", "examples"):
                out[key] = value  # checked below, against the media type's schema
            else:
                out[key] = self.clean_object(value, child(where, key))
        if isinstance(out.get("content"), dict):
            for media_type, media in out["content"].items():
                if isinstance(media, dict):
                    self._check_examples(media_type, media, child(child(where, "content"), media_type))
        return out

    def _check_examples(self, media_type: str, media: dict[str, Any], where: str) -> None:
        schema = media.get("schema")
        schemas = self.components.schemas
        if "example" in media:
            kept = checked_example(
                media["example"], media_type, schema, schemas, child(where, "example"), self.log
            )
            media.pop("example") if kept is MISSING else media.__setitem__("example", kept)
        examples: Any = media.get("examples")
        if isinstance(examples, dict):
            media["examples"] = examples = dict(examples)  # the source's map may be shared (YAML aliases)
        for name, example in list(examples.items() if isinstance(examples, dict) else []):
            if isinstance(example, dict) and "value" in example:
                kept = checked_example(
                    example["value"],
                    media_type,
                    schema,
                    schemas,
                    child(child(child(where, "examples"), name), "value"),
                    self.log,
                )
                if kept is MISSING:
                    del examples[name]
                else:
                    examples[name] = {**example, "value": kept}

    def read_components(self) -> None:
        components = self.data.get("components") or {}
        for name, schema in (components.get("schemas") or {}).items():
            self.components.schemas[name] = self.cleaner.clean(
                schema, self.where("components", "schemas", name)
            )
        for kind, entries in components.items():
            if kind not in ("schemas", "securitySchemes") and isinstance(entries, dict):
                self.components.others[kind] = self.clean_object(entries, self.where("components", kind))
        schemes = components.get("securitySchemes") or {}
        for name, scheme in schemes.items():
            if not (isinstance(scheme, dict) and scheme.get("type") == "combination"):
                where = self.where("components", "securitySchemes", name)
                cleaned = self.clean_object(scheme, where)
                # Apifox's editor state says where a `jwt` goes: repair_scheme reads it.
                cleaned.update({k: scheme[k] for k in ("x-apifox", "x-apidog") if k in scheme})
                self.components.security_schemes[name] = repair_scheme(name, cleaned, where, self.log)
        for name, scheme in schemes.items():
            if isinstance(scheme, dict) and scheme.get("type") == "combination":
                self.security.add_combination(name, scheme, self.where("components", "securitySchemes", name))

    def drafts(self) -> list[Draft]:
        drafts = []
        for path, item in self.data["paths"].items():
            shared = item.get("parameters") if isinstance(item.get("parameters"), list) else []
            written = self._methods(path, item)
            path_fields = self._path_fields(path, {k: v for k, v in item.items() if not _method_key(k, v)})
            for method in _METHODS:
                key = written.get(method, method)
                if isinstance(item.get(key), dict):
                    try:
                        draft = self._draft(path, method, item[key], shared, key)
                    except ContractError:  # the time bound, or a refusal: not this operation's alone
                        raise
                    except Exception as exc:  # one operation the converter cannot read costs only itself
                        what = unreadable(f"{method.upper()} {path}", exc)
                        self.log.add("operation-unreadable-dropped", what, self.where("paths", path, key))
                        continue
                    draft.path_fields = path_fields
                    drafts.append(draft)
        return drafts

    def _methods(self, path: str, item: dict[str, Any]) -> dict[str, str]:
        """The methods a path item writes otherwise (`GET`, `post `): method -> the key written."""
        written: dict[str, str] = {}
        for key in item:
            method = key.strip().lower() if isinstance(key, str) else ""
            if method in _METHODS and key != method and isinstance(item[key], dict):
                where = self.where("paths", path, key)
                if method in item or method in written:
                    what = f"{method.upper()} {path} is already defined: {key!r} is dropped"
                    self.log.add("duplicate-operation", what, where)
                else:
                    written[method] = key
                    self.log.add("method-normalised", f"method {key!r} read as {method!r}", where)
        return written

    def _path_fields(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {k: item[k] for k in _PATH_ITEM_FIELDS if k in item}
        if isinstance(item.get("servers"), list):
            listed = [(s, self.where("paths", path, "servers", i)) for i, s in enumerate(item["servers"])]
            fields["servers"] = clean_servers(listed, self.log)
        for key, value in item.items():
            if is_noise_key(key):
                self.log.noise(key, self.where("paths", path, key))
            elif key.startswith("x-"):
                fields[key] = value
            elif key not in (*_METHODS, *_PATH_ITEM_FIELDS, "parameters", "servers"):
                where = self.where("paths", path, key)
                self.log.add("field-not-converted", f"path item field {key!r} is not converted", where)
        return fields

    def _draft(self, path: str, method: str, op: dict[str, Any], shared: list[Any], written: str) -> Draft:
        """`written`: the method's key as the source writes it (`GET`), for locations."""
        where = self.where("paths", path, written)
        draft = Draft(method=method, path=path, where=where, path_where=self.where("paths", path))
        by_key: dict[tuple[str, str], Param] = {}
        for origin, params in (
            (self.where("paths", path, "parameters"), shared),
            (child(where, "parameters"), op.get("parameters") or []),
        ):
            listed: set[tuple[str, str]] = set()
            for i, raw in enumerate(params):
                spec = self._inline(raw, child(origin, i))
                if spec is None:
                    continue
                key = (str(spec.get("name", "")), str(spec.get("in", "")))
                if key in listed:  # one list naming a parameter twice (the operation's may
                    # override the path item's: that is OpenAPI)
                    self.log.add(
                        "duplicate-parameter",
                        f"{key[1]} parameter {key[0]!r} is already declared: this one is dropped",
                        child(origin, i),
                    )
                    continue
                listed.add(key)
                by_key[key] = Param(spec, child(origin, i))
        draft.params = list(by_key.values())
        if "requestBody" in op:
            draft.request_body = self.clean_object(op["requestBody"], child(where, "requestBody"))
        draft.responses = self.clean_object(
            self._responses(op.get("responses"), where), child(where, "responses")
        )
        draft.security_where = child(where, "security")
        if "security" in op:
            draft.security = self.security.resolve(op["security"], draft.security_where)
        if isinstance(op.get("servers"), list):
            servers = [(s, child(child(where, "servers"), i)) for i, s in enumerate(op["servers"])]
            draft.servers = clean_servers(servers, self.log)
        draft.fields = {k: op[k] for k in _OPERATION_FIELDS if op.get(k) is not None}
        for null in (k for k in _OPERATION_FIELDS if k in op and op[k] is None):
            self.log.add("null-value-repaired", f"`{null}` is null: dropped", child(where, null))
        if "callbacks" in op:
            self._callbacks(op["callbacks"], draft, child(where, "callbacks"))
        draft.fields.update({k: v for k, v in op.items() if k.startswith("x-") and not is_noise_key(k)})
        for field_name in op:
            if field_name not in _READ_OPERATION_FIELDS and not field_name.startswith("x-"):
                what = f"operation field {field_name!r} is not converted"
                self.log.add("field-not-converted", what, child(where, field_name))
        run_id = _RUN_URL_ID.search(str(op.get("x-run-in-apifox") or op.get("x-run-in-apidog") or ""))
        x_source = {
            "pointer": pointer("paths", path, written),
            "line": self.line,
            "folder": op.get("x-apifox-folder", op.get("x-apidog-folder")),
            "status": op.get("x-apifox-status", op.get("x-apidog-status")),
            "api-id": run_id[1] if run_id else None,
        }
        draft.fields["x-source"] = {
            k: v if k == "line" else str(v) for k, v in x_source.items() if v not in (None, "")
        }
        return draft

    def _responses(self, responses: Any, where: str) -> Any:
        """The responses by the status codes OpenAPI wants (`'200 OK'`, `'2xx'`: `'200'`, `'2XX'`)."""
        if not isinstance(responses, dict):
            return responses or {}
        out: dict[str, Any] = {}
        for written, response in responses.items():
            here = child(child(where, "responses"), written)
            code = read_status(written) or str(written)
            if code != str(written):
                if code in responses or code in out:
                    self.log.add("duplicate-response", f"a {code} response is already defined: dropped", here)
                    continue
                self.log.add("response-code-repaired", f"status code {written!r} read as {code!r}", here)
            out[code] = response
        return out

    def _callbacks(self, callbacks: Any, draft: Draft, where: str) -> None:
        """The operation's callbacks; ones that are not valid OpenAPI kept as x-apifox-callbacks."""
        cleaned = self.clean_object(callbacks, where) if isinstance(callbacks, dict) else callbacks
        if isinstance(cleaned, dict) and callbacks_are_valid(cleaned, self.components.schemas):
            draft.fields["callbacks"] = cleaned
            return
        draft.fields["x-apifox-callbacks"] = callbacks
        self.log.add(
            "not-converted", "callbacks that are not valid OpenAPI: kept as x-apifox-callbacks", where
        )

    def _inline(self, raw: Any, where: str) -> dict[str, Any] | None:
        """A parameter, with a `$ref` to a shared one replaced by what it points to."""
        if isinstance(raw, dict) and "$ref" in raw:
            target = self._lookup(str(raw["$ref"]))
            if not isinstance(target, dict):
                self.log.add(
                    "dangling-ref-removed", f"parameter $ref {raw['$ref']!r} points to nothing", where
                )
                return None
            raw = target
        return self.clean_object(raw, where) if isinstance(raw, dict) else None

    def read(self) -> ExportRead:
        if self.data["openapi"].startswith("3.0"):
            self.log.tally(
                "openapi-version-upgraded",
                self.data["openapi"],
                f"OpenAPI {self.data['openapi']} rewritten as 3.1.0 (documents: {{count}})",
                self.where("openapi"),
            )
        rename_invalid_components(self.data, self.where, self.log)
        self.read_components()
        servers = [(s, self.where("servers", i)) for i, s in enumerate(self.data.get("servers") or [])]
        info = self.clean_object(self.data.get("info") or {}, self.where("info"))
        security = self.security.resolve(self.data.get("security"), self.where("security"))
        top: dict[str, Any] = {}
        for key in ("webhooks", "tags", "externalDocs"):
            if key in self.data:
                top[key] = self.clean_object(self.data[key], self.where(key))
        if isinstance(top.get("tags"), list):
            top["tags"] = unique_tags(top["tags"])
        top.update({k: v for k, v in self.data.items() if k.startswith("x-") and not is_noise_key(k)})
        for key in self.data:
            if key not in _TOP_FIELDS and not key.startswith("x-"):
                self.log.add(
                    "field-not-converted", f"top-level field {key!r} is not OpenAPI", self.where(key)
                )
        drafts = self.drafts()
        for draft in drafts:
            # An Authorization header adds to the requirements the operation inherits: say them.
            if draft.security is None and security is not None and _has_authorization_header(draft):
                draft.security = [dict(r) for r in security]
                draft.security_where = self.where("security")
        self.security.finish(self.where("components", "securitySchemes"))
        return ExportRead(drafts, self.components, info, clean_servers(servers, self.log), security, top)


def _complete_header(data: dict[str, Any], source: str, label: str, log: FindingLog) -> None:
    """What a document whose header was cut off lacks: its `openapi` version (3.1 when it
    uses what only 3.1 has, else 3.0, Apifox's default export) and `info`'s title and version."""
    if "openapi" not in data:
        data["openapi"] = "3.1.0" if _uses_31(data) else "3.0.1"
        log.add(
            "openapi-header-completed",
            f"no `openapi` version: read as OpenAPI {data['openapi']}",
            f"{label}: /",
        )
    info = data.get("info")
    if info is None or (isinstance(info, dict) and not (info.get("title") and info.get("version"))):
        given = {"title": f"the file name ({source!r})", "version": "1.0.0"}
        missing = [k for k in given if not (info or {}).get(k)]
        log.add(
            "openapi-header-completed",
            f"`info` without {' and '.join(missing)}: "
            + ", ".join(f"the {k} is {given[k]}" for k in missing),
            f"{label}: /info" if info is not None else f"{label}: /",
        )


def _uses_31(data: dict[str, Any]) -> bool:
    if "webhooks" in data or "jsonSchemaDialect" in data:
        return True
    stack: list[Any] = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node.get("type"), list):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _method_key(key: Any, value: Any) -> bool:
    """Whether a path item's key is an operation, however its method is written."""
    return isinstance(key, str) and key.strip().lower() in _METHODS and isinstance(value, dict)


def _has_authorization_header(draft: Draft) -> bool:
    return any(p.location == "header" and p.name.lower() == "authorization" for p in draft.params)


def unique_tags(tags: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for tag in tags:
        name = tag.get("name") if isinstance(tag, dict) else None
        if isinstance(name, str) and name not in seen:
            seen.add(name)
            out.append(tag)
    return out


def read_export(data: dict[str, Any], label: str, log: FindingLog, line: int | None = None) -> ExportRead:
    """One OpenAPI document, read; every location starts with `label`."""
    return _Converter(data, label, log, line).read()


def convert_markdown_export(text: str, source: str) -> tuple[dict[str, Any], FindingLog]:
    """Apifox's Markdown export of a project: what its tables and code blocks state."""
    log = FindingLog()
    data, lines = read_markdown_export(text, source, log)
    for key, line in lines.items():
        method, path = key.split(" ", 1)
        log.add("markdown-export-read", f"{method.upper()} {path} read from its tables", f"{source}:{line}")
    return convert_openapi(data, source, log=log, label=f"{source} (as read)", lines=lines)


def convert_openapi(
    data: dict[str, Any],
    source: str,
    *,
    log: FindingLog | None = None,
    label: str | None = None,
    lines: dict[str, int] | None = None,
) -> tuple[dict[str, Any], FindingLog]:
    """`label` prefixes locations (default: `source`); `lines`: the source line of each
    operation (`method path`), when the document was read from text."""
    log = log or FindingLog()
    label = label or source
    swagger = data.get("swagger")
    if swagger is not None:
        data = upgrade_swagger(data, label, log)
        label = f"{label} (as OpenAPI 3.0)"
    _complete_header(data, source, label, log)
    repair_shape(data, "openapi", source, log, lambda parts: f"{label}: {pointer(*parts) or '/'}")
    read = _Converter(data, label, log).read()
    for draft in read.drafts:
        line = (lines or {}).get(f"{draft.method} {draft.path}")
        if line is not None:
            draft.fields["x-source"] = {**draft.fields.get("x-source", {}), "line": line}
    info = {**read.info, "title": str(read.info.get("title") or source)}
    info["version"] = str(info.get("version") or "1.0.0")
    doc = assemble(
        source=source,
        info=info,
        servers=read.servers,
        drafts=read.drafts,
        components=read.components,
        log=log,
        x_source={"file": source, "format": "apifox-openapi", "openapi": data["openapi"]}
        if swagger is None
        else {"file": source, "format": "apifox-swagger", "swagger": str(swagger)},
        security=read.security,
        top=read.top,
    )
    return doc, log


# Swagger 2.0, which Apifox and Apidog export too, read as the OpenAPI 3.0 document it states.
# Everything moves as swagger2openapi moves it; what has no place stays where it was, so
# that the reader (or the validator's repairs) names it.

_SWAGGER_REFS = (
    ("#/definitions/", "#/components/schemas/"),
    ("#/parameters/", "#/components/parameters/"),
    ("#/responses/", "#/components/responses/"),
)
# A parameter's fields that are its schema's in OpenAPI 3.
_PARAMETER_SCHEMA = (
    "type", "format", "items", "default", "enum", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
    "multipleOf",
)  # fmt: skip
_COLLECTION_FORMATS = {
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "multi": ("form", True),
}
_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def upgrade_swagger(data: dict[str, Any], label: str, log: FindingLog) -> dict[str, Any]:
    """The OpenAPI 3.0 document a Swagger 2.0 one states (`data` is not changed)."""
    swagger = _SwaggerUpgrade(_swagger_refs(data), label, log)
    out: dict[str, Any] = {"openapi": "3.0.1"}
    for key, value in swagger.data.items():
        if key in ("swagger", "host", "basePath", "schemes", "consumes", "produces"):
            continue
        if key == "definitions":
            out.setdefault("components", {})["schemas"] = swagger.schemas(value)
        elif key == "parameters" and isinstance(value, dict):
            shared = {}
            for name, param in value.items():
                if swagger._in(param) in ("body", "formData"):  # inlined where it is used
                    log.add(
                        "field-not-converted",
                        f"shared {swagger._in(param)} parameter {name!r}: each operation naming it "
                        "gets it in its request body",
                        f"{label}: {pointer('parameters', name)}",
                    )
                else:
                    shared[name] = swagger.parameter(param, ("parameters", name))
            out.setdefault("components", {})["parameters"] = shared
        elif key == "responses" and isinstance(value, dict):
            out.setdefault("components", {})["responses"] = {
                name: swagger.response(r, swagger.produces) for name, r in value.items()
            }
        elif key == "securityDefinitions" and isinstance(value, dict):
            out.setdefault("components", {})["securitySchemes"] = {
                name: _security_scheme(s) for name, s in value.items()
            }
        elif key == "paths" and isinstance(value, dict):
            out["paths"] = {path: swagger.path_item(path, item) for path, item in value.items()}
        else:
            out[key] = value
    servers = swagger.servers(swagger.data.get("schemes"))
    if servers:
        out["servers"] = servers
    log.tally(
        "swagger-upgraded",
        "2.0",
        "Swagger 2.0 read as OpenAPI 3.0: bodies, form fields and responses as content by media "
        "type, definitions as components; locations below are in that form (documents: {count})",
        f"{label}: /swagger",
    )
    return out


def _swagger_refs(node: Any) -> Any:
    """`node` with Swagger's reference targets renamed to OpenAPI 3's."""
    if isinstance(node, list):
        return [_swagger_refs(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _swagger_refs(v) for k, v in node.items()}
    ref = out.get("$ref")
    if isinstance(ref, str):
        for old, new in _SWAGGER_REFS:
            if ref.startswith(old):
                out["$ref"] = new + ref[len(old) :]
    return out


def _security_scheme(scheme: Any) -> Any:
    if not isinstance(scheme, dict):
        return scheme
    kind = scheme.get("type")
    rest = {
        k: v for k, v in scheme.items() if k not in ("type", "flow", "authorizationUrl", "tokenUrl", "scopes")
    }
    if kind == "basic":
        return {**rest, "type": "http", "scheme": "basic"}
    if kind == "oauth2" and isinstance(scheme.get("flow"), str) and scheme["flow"] in _FLOWS:
        flow = {k: scheme[k] for k in ("authorizationUrl", "tokenUrl") if k in scheme}
        flow["scopes"] = scheme.get("scopes") if isinstance(scheme.get("scopes"), dict) else {}
        return {**rest, "type": "oauth2", "flows": {_FLOWS[scheme["flow"]]: flow}}
    return scheme  # apiKey is the same; anything else is repaired as any scheme is


class _SwaggerUpgrade:
    def __init__(self, data: dict[str, Any], label: str, log: FindingLog):
        self.data, self.label, self.log = data, label, log
        self.consumes = _media_types(data.get("consumes"))
        self.produces = _media_types(data.get("produces"))

    def servers(self, schemes: Any) -> list[dict[str, Any]]:
        host, base = self.data.get("host"), self.data.get("basePath")
        host = host if isinstance(host, str) and host else None
        base = base if isinstance(base, str) and base.startswith("/") else ""
        if host is None:
            return [{"url": base}] if base else []
        listed = [s for s in schemes if isinstance(s, str)] if isinstance(schemes, list) else []
        return [{"url": f"{scheme}://{host}{base}"} for scheme in listed or ["https"]]

    def schemas(self, schemas: Any) -> Any:
        return {k: self.schema(v) for k, v in schemas.items()} if isinstance(schemas, dict) else schemas

    def schema(self, node: Any) -> Any:
        """A schema: `type: file`, `x-nullable` and a discriminator's name as OpenAPI 3 says them."""
        if isinstance(node, list):
            return [self.schema(v) for v in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "x-nullable":
                out["nullable"] = value
            elif key == "discriminator" and isinstance(value, str):
                out[key] = {"propertyName": value}
            elif key == "type" and value == "file":
                out.update(type="string", format="binary")
            elif key in ("properties", "patternProperties", "definitions") and isinstance(value, dict):
                out[key] = {k: self.schema(v) for k, v in value.items()}
            elif key in ("example", "examples", "default", "enum", "const"):
                out[key] = value  # values, not schemas
            else:
                out[key] = self.schema(value)
        return out

    def path_item(self, path: str, item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        listed: list[Any] = item["parameters"] if isinstance(item.get("parameters"), list) else []
        shared = [p for p in listed if isinstance(p, dict)]
        out: dict[str, Any] = {}
        for key, value in item.items():
            if key in _METHODS and isinstance(value, dict):
                out[key] = self.operation(path, key, value, shared)
            elif key != "parameters" or not isinstance(value, list):
                out[key] = value  # what is not Swagger's is left to the reader to name
        kept = [
            self.parameter(p, ("paths", path, "parameters", i))
            for i, p in enumerate(listed)
            if not (isinstance(p, dict) and self._in(p) in ("body", "formData"))
        ]
        if kept:
            out["parameters"] = kept
        return out

    def operation(
        self, path: str, method: str, op: dict[str, Any], shared: list[dict[str, Any]]
    ) -> dict[str, Any]:
        consumes = _media_types(op.get("consumes")) or self.consumes
        produces = _media_types(op.get("produces")) or self.produces
        params: list[Any] = op["parameters"] if isinstance(op.get("parameters"), list) else []
        own = {(str(p.get("name")), self._in(p)) for p in params if isinstance(p, dict)}
        inherited = [
            p
            for p in shared
            if (str(p.get("name")), self._in(p)) not in own and self._in(p) in ("body", "formData")
        ]
        body = [
            p for p in [*inherited, *params] if isinstance(p, dict) and self._in(p) in ("body", "formData")
        ]
        out: dict[str, Any] = {}
        for key, value in op.items():
            if key in ("consumes", "produces"):
                continue
            if key == "parameters" and isinstance(value, list):
                out[key] = [
                    self.parameter(p, ("paths", path, method, "parameters", i))
                    for i, p in enumerate(value)
                    if not (isinstance(p, dict) and self._in(p) in ("body", "formData"))
                ]
            elif key == "responses" and isinstance(value, dict):
                out[key] = {code: self.response(r, produces) for code, r in value.items()}
            elif key == "schemes":
                servers = self.servers(value)
                if servers:
                    out["servers"] = servers
            else:
                out[key] = value
        if body:
            out["requestBody"] = self.request_body(body, consumes)
        return out

    def _in(self, param: Any) -> str:
        """Where a parameter is, following a reference to a shared one."""
        if isinstance(param, dict):
            param = self._resolved(param)
        return str(param.get("in") or "") if isinstance(param, dict) else ""

    def _resolved(self, param: dict[str, Any]) -> dict[str, Any]:
        """A parameter, or the shared one its `$ref` names (itself when that is nothing)."""
        shared = self.data.get("parameters")
        if isinstance(param.get("$ref"), str) and isinstance(shared, dict):
            target = shared.get(param["$ref"].rsplit("/", 1)[-1])
            return target if isinstance(target, dict) else param
        return param

    def parameter(self, param: Any, at: tuple[object, ...]) -> Any:
        """A query, header, path or cookie parameter: its type, format, ... as its schema."""
        if not isinstance(param, dict) or "$ref" in param or self._in(param) in ("body", "formData"):
            return param
        out: dict[str, Any] = {}
        schema = self.schema({k: param[k] for k in _PARAMETER_SCHEMA if k in param})
        for key, value in param.items():
            if key in _PARAMETER_SCHEMA:
                continue
            if key == "x-example":
                out["example"] = value
            elif key == "collectionFormat":
                style = _COLLECTION_FORMATS.get(str(value))
                if style is None:
                    self.log.add(
                        "field-not-converted",
                        f"collectionFormat {value!r} has no OpenAPI 3 style: not converted",
                        f"{self.label}: {pointer(*at, key)}",
                    )
                elif param.get("in") == "query":
                    out["style"], out["explode"] = style
            else:
                out[key] = value
        if schema:
            out["schema"] = _items_without_formats(schema)
        return out

    def request_body(self, params: list[dict[str, Any]], consumes: list[str]) -> dict[str, Any]:
        params = [self._resolved(p) for p in params]
        body = next((p for p in params if p.get("in") == "body"), None)
        if body is not None:
            schema = self.schema(body.get("schema", {}))
            out: dict[str, Any] = {
                "content": {mt: {"schema": schema} for mt in consumes or ["application/json"]}
            }
            for key in ("description", "required"):
                if key in body:
                    out[key] = body[key]
            out.update({k: v for k, v in body.items() if k.startswith("x-")})
            return out
        properties: dict[str, Any] = {}
        required = []
        for form_field in params:
            name = str(form_field.get("name") or "")
            prop = self.schema({k: form_field[k] for k in _PARAMETER_SCHEMA if k in form_field})
            if "description" in form_field:
                prop["description"] = form_field["description"]
            if "x-example" in form_field:
                prop["example"] = form_field["x-example"]
            properties[name] = _items_without_formats(prop)
            if form_field.get("required") is True:
                required.append(name)
        binary = any(p.get("format") == "binary" for p in properties.values())
        form = [mt for mt in consumes if mt in ("multipart/form-data", "application/x-www-form-urlencoded")]
        media = form or (["multipart/form-data"] if binary else ["application/x-www-form-urlencoded"])
        schema = {"type": "object", "properties": properties, **({"required": required} if required else {})}
        return {"content": {mt: {"schema": schema} for mt in media}}

    def response(self, response: Any, produces: list[str]) -> Any:
        if not isinstance(response, dict) or "$ref" in response:
            return response
        out: dict[str, Any] = {}
        examples: dict[str, Any] = response["examples"] if isinstance(response.get("examples"), dict) else {}
        for key, value in response.items():
            if key == "schema":
                types = produces or ["application/json"]
                out["content"] = {mt: {"schema": self.schema(value)} for mt in types}
            elif key == "headers" and isinstance(value, dict):
                out[key] = {name: self._header(h) for name, h in value.items()}
            elif key != "examples" or not isinstance(value, dict):
                out[key] = value
        for media_type, example in examples.items():
            out.setdefault("content", {}).setdefault(media_type, {})["example"] = example
        return out

    def _header(self, header: Any) -> Any:
        if not isinstance(header, dict):
            return header
        out = {k: v for k, v in header.items() if k not in _PARAMETER_SCHEMA and k != "collectionFormat"}
        schema = self.schema({k: header[k] for k in _PARAMETER_SCHEMA if k in header})
        if schema:
            out["schema"] = _items_without_formats(schema)
        return out


def _items_without_formats(schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's `items` (Swagger's items object) as a schema: no collectionFormat inside."""
    items = schema.get("items")
    if isinstance(items, dict) and "collectionFormat" in items:
        schema = {
            **schema,
            "items": _items_without_formats({k: v for k, v in items.items() if k != "collectionFormat"}),
        }
    return schema


def _media_types(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v] if isinstance(value, list) else []
