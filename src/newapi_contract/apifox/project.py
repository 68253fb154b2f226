"""Apifox native project export (`apifoxProject`) -> OpenAPI 3.1.

Walks `apiCollection` folders (nested `items[]`, APIs at `items[].api`; Apifox 1.1's
`httpCollection`: APIs in `items[]`, sub-folders in `children[]`), each API
inheriting auth from its folders and the project settings; turns `schemaCollection`
(1.1: `dataSchemaCollection`) entries into component schemas (`#/definitions/<id>` ->
`#/components/schemas/<name>`) and `securitySchemeCollection` entries into security schemes. Servers come from
`environments` (`baseUrl`, and `baseUrls` per module).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from newapi_contract.apifox.document import assemble, clean_servers
from newapi_contract.apifox.draft import Components, Draft
from newapi_contract.apifox.examples import MISSING, checked_example
from newapi_contract.apifox.model import FindingLog, Locator, unreadable
from newapi_contract.apifox.native_api import NativeContext, api_to_draft
from newapi_contract.apifox.native_auth import NativeAuth
from newapi_contract.apifox.native_extras import report_api_extras, report_unconverted
from newapi_contract.apifox.schemas import SchemaCleaner
from newapi_contract.apifox.shapes import repair_shape
from newapi_contract.apifox.source import PROJECT_KEYS
from newapi_contract.errors import ContractError

__all__ = ["convert_project", "pointer"]

_COMPONENT_NAME = re.compile(r"[A-Za-z0-9._-]+")
_API_COLLECTIONS = ("apiCollection", "httpCollection")  # Apifox 1.0+, Apifox 1.1
_SCHEMA_COLLECTIONS = ("schemaCollection", "dataSchemaCollection")
_DEFINITION = "#/definitions/"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# (the folder or API item, where its auth is), nearest first
Parents = tuple[tuple[Any, str], ...]


def pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def convert_project(
    data: dict[str, Any], source: str, label: str | None = None
) -> tuple[dict[str, Any], FindingLog]:
    """`label` prefixes every location (default: `source`), e.g. `page.md:12`."""
    label = label or source
    log = FindingLog()
    repair_shape(data, "project", source, log, lambda parts: f"{label}: {pointer(*parts) or '/'}")
    components = Components()
    schema_key = _first_key(data, _SCHEMA_COLLECTIONS)
    names = _definition_names(data.get(schema_key) or [])
    raw_definitions = {
        def_id: schema for def_id, _name, schema, _at in _definitions(data.get(schema_key) or [], ())
    }
    cleaner = SchemaCleaner(
        lambda ref: _resolve(ref, names, components),
        log,
        lookup=lambda ref: _lookup(ref, names, raw_definitions),
    )
    for def_id, name, schema, at in _definitions(data.get(schema_key) or [], (schema_key,)):
        where = f"{label}: {pointer(*at)}"
        cleaned = cleaner.clean(schema, where)
        if name != names[def_id] and name and isinstance(cleaned, dict) and "title" not in cleaned:
            cleaned = {"title": name, **cleaned}  # the name OpenAPI does not accept as a key
        components.schemas[names[def_id]] = cleaned
    shared = _shared_responses(data.get("responseCollection"), cleaner, components, label, log)
    report_unconverted(data, log, label)
    auth = NativeAuth(components, log)
    auth.load_collection(
        data.get("securitySchemeCollection"), f"{label}: {pointer('securitySchemeCollection')}"
    )
    ctx = NativeContext(components, cleaner, log, auth, _common(data, label), shared)
    settings = data.get("projectSetting") if isinstance(data.get("projectSetting"), dict) else {}
    project: Parents = ((settings, f"{label}: {pointer('projectSetting', 'auth')}"),)
    drafts: list[Draft] = []
    api_key = _first_key(data, _API_COLLECTIONS)
    for item, api_at, folders, parents, at in _apis(data.get(api_key) or [], (api_key,), (), (), label):
        if api_at is None:
            what = ", ".join(sorted(k for k in item if k not in ("name", "id"))) or "nothing"
            log.add(
                "field-not-converted",
                f"item {item.get('name')!r} is neither an API nor a folder (it holds {what})",
                f"{label}: {pointer(*at)}",
            )
            continue
        api = item["api"] if api_at != at else item
        loc = _locator(label, api_at)
        report_api_extras(api, loc, log)
        kind = str(api.get("type") or "http").lower()
        if kind not in ("http", "webhook"):
            log.add(
                "not-converted",
                f"{kind} item {item.get('name')!r} is not an HTTP API: OpenAPI has no place for it",
                loc(),
            )
            continue
        method = str(api.get("method")).strip().lower()
        if method not in _METHODS:
            log.add(
                "not-converted",
                f"API {item.get('name') or api.get('name')!r} has method {api.get('method')!r}, which "
                "OpenAPI has no place for: it is not an HTTP API OpenAPI can hold",
                loc("method"),
            )
            continue
        fields = _fields(api, item, folders, pointer(*api_at))
        try:
            draft = api_to_draft(api, loc, ctx, fields, (*parents, *project))
        except ContractError:  # the time bound, or a refusal: not this API's fault alone
            raise
        except Exception as exc:  # one API the converter cannot read costs only itself
            what = f"{str(api.get('method')).upper()} {api.get('path')}"
            log.add("operation-unreadable-dropped", unreadable(what, exc), loc())
            continue
        if kind == "webhook":
            draft.webhook = str(item.get("name") or api.get("name") or draft.path)
            log.add("webhook-mapped", f"webhook {draft.webhook!r} goes to the document's webhooks", loc())
        drafts.append(draft)
    info = data.get("info") or {}
    version_key = _first_key(data, PROJECT_KEYS)
    doc = assemble(
        source=source,
        info={
            "title": str(info.get("name") or source),
            "version": "1.0.0",
            **({"description": str(info["description"])} if info.get("description") else {}),
        },
        servers=clean_servers(_servers(data, label), log),
        drafts=drafts,
        components=components,
        log=log,
        x_source={"file": source, "format": "apifox-project", version_key: str(data.get(version_key))},
    )
    return doc, log


def _first_key(data: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The first of `keys` that `data` holds (the first of them when it holds none)."""
    return next((k for k in keys if data.get(k) is not None), keys[0])


def _shared_responses(
    collection: Any, cleaner: SchemaCleaner, components: Components, label: str, log: FindingLog
) -> dict[str, tuple[str, str | None]]:
    """`responseCollection`: the project's shared responses, as component responses, with their
    examples; by id, the component's name and the status code APIs that refer to it answer with.

    The code is `code`, or (Apidog) `_status_code` / `_code`."""
    shared: dict[str, tuple[str, str | None]] = {}
    for i, (item, at) in enumerate(_leaves(collection, ("responseCollection",))):
        if not isinstance(item, dict) or not (
            "jsonSchema" in item or any(k in item for k in ("code", "_status_code", "_code"))
        ):
            continue
        name = str(item.get("name") or "")
        key = name if _COMPONENT_NAME.fullmatch(name) else f"response-{item.get('id', i)}"
        key = key if _COMPONENT_NAME.fullmatch(key) else f"response-{i}"
        code = next(
            (item[k] for k in ("code", "_status_code", "_code") if item.get(k) not in (None, "")), None
        )
        code = str(int(code)) if isinstance(code, float) and code.is_integer() else code
        response: dict[str, Any] = {"description": name or "Shared response"}
        if isinstance(item.get("jsonSchema"), dict):
            where = f"{label}: {pointer(*at, 'jsonSchema')}"
            media_type = str(item.get("mediaType") or "") or "application/json"
            media: dict[str, Any] = {"schema": cleaner.clean(item["jsonSchema"], where)}
            examples = _shared_examples(item, media_type, media["schema"], components, at, label, log)
            if examples:
                media["examples"] = examples
            response["content"] = {media_type: media}
        source = {
            **({"code": str(code)} if code is not None else {}),
            **({"id": str(item["id"])} if "id" in item else {}),
        }
        response["x-source-response"] = source
        components.others.setdefault("responses", {})[key] = response
        for ref_id in {str(item[k]) for k in ("id", "_databaseId") if item.get(k) is not None}:
            shared[ref_id] = (key, None if code is None else str(code))
    return shared


def _shared_examples(
    item: dict[str, Any],
    media_type: str,
    schema: Any,
    components: Components,
    at: tuple[object, ...],
    label: str,
    log: FindingLog,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    examples = item.get("responseExamples")
    for j, example in enumerate(examples if isinstance(examples, list) else []):
        if not isinstance(example, dict):
            continue
        where = f"{label}: {pointer(*at, 'responseExamples', j)}"
        value = checked_example(example.get("data"), media_type, schema, components.schemas, where, log)
        if value is not MISSING:
            name = str(example.get("name") or f"example{j + 1}")
            out[name if name not in out else f"{name} ({j + 1})"] = {"value": value}
    return out


def _leaves(collection: Any, at: tuple[object, ...]) -> Iterator[tuple[Any, tuple[object, ...]]]:
    """The items of an Apifox collection (folders: `items` and `children`), with their places."""
    for i, node in enumerate(collection if isinstance(collection, list) else []):
        if isinstance(node, dict) and ("items" in node or "children" in node):
            for key in ("items", "children"):
                yield from _leaves(node.get(key), (*at, i, key))
        else:
            yield node, (*at, i)


def _locator(label: str, base: tuple[object, ...]) -> Locator:
    return lambda *parts: f"{label}: {pointer(*base, *parts)}"


def _apis(
    items: list[Any], at: tuple[object, ...], folders: tuple[str, ...], parents: Parents, label: str
) -> Iterator[tuple[dict[str, Any], tuple[object, ...] | None, tuple[str, ...], Parents, tuple[object, ...]]]:
    """(item, where its API is or None, folder names, auth owners, where the item is).

    Apifox 1.0+ keeps an API at `items[].api` and sub-folders in `items`; Apifox 1.1
    (`httpCollection`) keeps the API object itself in `items` and sub-folders in `children`.
    """
    for i, item in enumerate(items):
        here = (*at, i)
        if not isinstance(item, dict):
            continue
        sub = [key for key in ("items", "children") if isinstance(item.get(key), list)]
        if isinstance(item.get("api"), dict):
            yield item, (*here, "api"), folders, parents, here
        elif isinstance(item.get("method"), str) and isinstance(item.get("path"), str):
            yield item, here, folders, parents, here
        elif not sub:
            yield item, None, folders, parents, here  # neither an API nor a folder: said by the caller
        if sub:
            name = (*folders, str(item.get("name") or ""))
            inner = ((item, f"{label}: {pointer(*here, 'auth')}"), *parents)
            for key in sub:
                yield from _apis(item[key], (*here, key), name, inner, label)


def _fields(api: dict[str, Any], item: dict[str, Any], folders: tuple[str, ...], at: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if item.get("name"):
        fields["summary"] = str(item["name"])
    if api.get("description"):
        fields["description"] = str(api["description"])
    if api.get("operationId"):
        fields["operationId"] = str(api["operationId"])
    tags = [str(t) for t in api.get("tags") or [] if t]
    if tags:
        fields["tags"] = tags
    if api.get("status") == "deprecated":
        fields["deprecated"] = True
    fields["x-source"] = {
        k: v
        for k, v in (
            ("pointer", at),
            ("api-id", str(api.get("id", ""))),
            ("folder", "/".join(folders)),
            ("status", str(api.get("status") or "")),
        )
        if v
    }
    return fields


def _common(data: dict[str, Any], label: str) -> dict[str, dict[str, tuple[dict[str, Any], str]]]:
    """The project's common parameters, by place and name (`commonParameters.parameters`)."""
    common = data.get("commonParameters")
    parameters = common.get("parameters") if isinstance(common, dict) else None
    out: dict[str, dict[str, tuple[dict[str, Any], str]]] = {}
    for location, entries in (parameters or {}).items() if isinstance(parameters, dict) else ():
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and entry.get("name"):
                where = f"{label}: {pointer('commonParameters', 'parameters', location, i)}"
                out.setdefault(str(location), {}).setdefault(str(entry["name"]), (entry, where))
    return out


def _servers(data: dict[str, Any], label: str) -> list[tuple[dict[str, Any], str]]:
    servers: list[tuple[dict[str, Any], str]] = []
    seen: set[str] = set()
    for i, env in enumerate(data.get("environments") or []):
        name = str(env.get("name") or "")
        urls = [("baseUrl", env["baseUrl"])] if "baseUrl" in env else []
        if isinstance(env.get("baseUrls"), dict):
            urls += [(f"baseUrls/{module}", url) for module, url in env["baseUrls"].items()]
        for at, url in urls:
            if isinstance(url, str) and url in seen:
                continue
            seen.add(url if isinstance(url, str) else "")
            where = f"{label}: {pointer('environments', i)}/{at}"
            server: dict[str, Any] = {"url": url, "description": name}
            known = _variable_values(env, url)
            if known:  # what the environment gives a variable the URL names
                server["variables"] = {k: {"default": v} for k, v in known.items()}
            servers.append((server, where))
    return servers


def _variable_values(env: dict[str, Any], url: Any) -> dict[str, str]:
    """The values an environment gives the Apifox variables (`{{name}}`) a URL names."""
    if not isinstance(url, str) or "{{" not in url:
        return {}
    values: dict[str, str] = {}
    listed: list[Any] = env["variables"] if isinstance(env.get("variables"), list) else []
    for variable in listed:
        if not isinstance(variable, dict):
            continue
        value = variable.get("value") or variable.get("initialValue")
        name = str(variable.get("name") or "")
        if name and isinstance(value, str) and value and "{{" + name + "}}" in url.replace(" ", ""):
            values[name] = value
    return values


def _definitions(
    items: list[Any], at: tuple[object, ...]
) -> Iterator[tuple[str, str, Any, tuple[object, ...]]]:
    for i, item in enumerate(items):
        here = (*at, i)
        if not isinstance(item, dict):
            continue
        schema = item.get("schema")
        if isinstance(schema, dict) and "id" in item:
            def_id = str(item["id"]).removeprefix(_DEFINITION)
            yield (
                def_id,
                str(item.get("name") or ""),
                schema.get("jsonSchema", {}),
                (*here, "schema", "jsonSchema"),
            )
        elif isinstance(item.get("jsonSchema"), dict) and "id" in item:  # Apifox 1.1
            def_id = str(item["id"]).removeprefix(_DEFINITION)
            yield def_id, str(item.get("name") or ""), item["jsonSchema"], (*here, "jsonSchema")
        for key in ("items", "children"):
            if isinstance(item.get(key), list):
                yield from _definitions(item[key], (*here, key))


def _definition_names(collection: list[Any]) -> dict[str, str]:
    """Apifox definition id -> component name: its name when OpenAPI allows it, else the id."""
    names: dict[str, str] = {}
    for def_id, name, _schema, _at in _definitions(collection, ()):
        candidate = name if _COMPONENT_NAME.fullmatch(name) else f"definition-{def_id}"
        if candidate in names.values():
            candidate = f"{candidate}-{def_id}"
        names.setdefault(def_id, re.sub(r"[^A-Za-z0-9._-]", "_", candidate))
    return names


def _resolve(ref: str, names: dict[str, str], components: Components) -> str | None:
    if ref.startswith(_DEFINITION) and ref.removeprefix(_DEFINITION) in names:
        return f"#/components/schemas/{names[ref.removeprefix(_DEFINITION)]}"
    if ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in names.values():
        return ref
    return None


def _lookup(ref: str, names: dict[str, str], raw: dict[str, Any]) -> Any:
    """The source schema `ref` points to (for x-apifox-overrides)."""
    if ref.startswith(_DEFINITION):
        return raw.get(ref.removeprefix(_DEFINITION))
    if ref.startswith("#/components/schemas/"):
        by_name = {name: def_id for def_id, name in names.items()}
        return raw.get(by_name.get(ref.rsplit("/", 1)[1], ""))
    return None
