"""Apifox native project export (`apifoxProject`) -> OpenAPI 3.1.

Walks `apiCollection` folders (nested `items[]`, APIs at `items[].api`) and turns
`schemaCollection` entries into component schemas, so `#/definitions/<id>`
references become `#/components/schemas/<name>`. Servers come from `environments`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from newapi_contract.apifox.document import assemble, clean_servers
from newapi_contract.apifox.draft import Components, Draft
from newapi_contract.apifox.model import FindingLog, Locator
from newapi_contract.apifox.native_api import NativeContext, api_to_draft
from newapi_contract.apifox.schemas import SchemaCleaner
from newapi_contract.apifox.shapes import check_shape

__all__ = ["convert_project", "pointer"]

_COMPONENT_NAME = re.compile(r"[A-Za-z0-9._-]+")
_DEFINITION = "#/definitions/"


def pointer(*parts: object) -> str:
    """A JSON pointer (RFC 6901) from path parts."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def convert_project(data: dict[str, Any], source: str) -> tuple[dict[str, Any], FindingLog]:
    check_shape(data, "project", source)
    log = FindingLog()
    components = Components()
    names = _definition_names(data)
    cleaner = SchemaCleaner(lambda ref: _resolve(ref, names, components), log)
    for def_id, _name, schema, at in _definitions(data.get("schemaCollection") or [], ("schemaCollection",)):
        components.schemas[names[def_id]] = cleaner.clean(schema, f"{source}: {pointer(*at)}")
    ctx = NativeContext(components, cleaner, log)
    drafts: list[Draft] = []
    for api, folder, at in _apis(data.get("apiCollection") or [], ("apiCollection",), ()):
        loc = _locator(source, (*at, "api"))
        fields = _fields(api["api"], api, folder)
        drafts.append(api_to_draft(api["api"], loc, ctx, fields))
    servers = [
        (
            {"url": env.get("baseUrl"), "description": str(env.get("name") or "")},
            f"{source}: {pointer('environments', i, 'baseUrl')}",
        )
        for i, env in enumerate(data.get("environments") or [])
        if "baseUrl" in env
    ]
    info = data.get("info") or {}
    doc = assemble(
        source=source,
        info={
            "title": str(info.get("name") or source),
            "version": "1.0.0",
            **({"description": info["description"]} if info.get("description") else {}),
        },
        servers=clean_servers(servers, log),
        drafts=drafts,
        components=components,
        log=log,
        x_source={
            "file": source,
            "format": "apifox-project",
            "apifoxProject": str(data.get("apifoxProject")),
        },
    )
    return doc, log


def _locator(source: str, base: tuple[object, ...]) -> Locator:
    return lambda *parts: f"{source}: {pointer(*base, *parts)}"


def _apis(
    items: list[Any], at: tuple[object, ...], folder: tuple[str, ...]
) -> Iterator[tuple[dict[str, Any], tuple[str, ...], tuple[object, ...]]]:
    for i, item in enumerate(items):
        here = (*at, i)
        if isinstance(item.get("api"), dict):
            yield item, folder, here
        if isinstance(item.get("items"), list):
            name = (*folder, str(item.get("name") or ""))
            yield from _apis(item["items"], (*here, "items"), name)


def _fields(api: dict[str, Any], item: dict[str, Any], folder: tuple[str, ...]) -> dict[str, Any]:
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
            ("api-id", str(api.get("id", ""))),
            ("folder", "/".join(folder)),
            ("status", str(api.get("status") or "")),
        )
        if v
    }
    return fields


def _definitions(
    items: list[Any], at: tuple[object, ...]
) -> Iterator[tuple[str, str, Any, tuple[object, ...]]]:
    for i, item in enumerate(items):
        here = (*at, i)
        schema = item.get("schema")
        if isinstance(schema, dict) and "id" in item:
            def_id = str(item["id"]).removeprefix(_DEFINITION)
            yield (
                def_id,
                str(item.get("name") or ""),
                schema.get("jsonSchema", {}),
                (*here, "schema", "jsonSchema"),
            )
        if isinstance(item.get("items"), list):
            yield from _definitions(item["items"], (*here, "items"))


def _definition_names(data: dict[str, Any]) -> dict[str, str]:
    """Apifox definition id -> component name: its name when OpenAPI allows it, else the id."""
    names: dict[str, str] = {}
    for def_id, name, _schema, _at in _definitions(data.get("schemaCollection") or [], ()):
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
