"""Apifox's OpenAPI export (OpenAPI 3.0/3.1 with `x-apifox-*` fields) -> OpenAPI 3.1.

Besides editor noise, Apifox writes security schemes of a type OpenAPI does not
have, `combination` (a group of other schemes that apply together), and lets
operations name schemes that are not defined. Combinations are expanded into plain
requirements; undefined names are dropped (see `document.assemble`).
"""

from __future__ import annotations

import re
from typing import Any

from newapi_contract.apifox.document import assemble, clean_servers
from newapi_contract.apifox.draft import Components, Draft, Param
from newapi_contract.apifox.examples import MISSING, checked_example
from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.project import pointer
from newapi_contract.apifox.schemas import SchemaCleaner, child, is_noise_key
from newapi_contract.apifox.shapes import check_shape

__all__ = ["convert_openapi"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_RUN_URL_ID = re.compile(r"api-([0-9]+)")
Requirements = list[dict[str, list[str]]]


class _Converter:
    def __init__(self, data: dict[str, Any], source: str):
        self.data, self.source = data, source
        self.log = FindingLog()
        self.components = Components()
        self.cleaner = SchemaCleaner(self._resolve, self.log, upgrade_30=data["openapi"].startswith("3.0"))
        self.combinations: dict[str, list[str]] = {}

    def where(self, *parts: object) -> str:
        return f"{self.source}: {pointer(*parts)}"

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
        examples = media.get("examples")
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
                    del media["examples"][name]
                else:
                    example["value"] = kept

    def security_schemes(self) -> None:
        schemes = (self.data.get("components") or {}).get("securitySchemes") or {}
        for name, scheme in schemes.items():
            if scheme.get("type") != "combination":
                where = self.where("components", "securitySchemes", name)
                self.components.security_schemes[name] = self.clean_object(scheme, where)
        for name, scheme in schemes.items():
            if scheme.get("type") == "combination":
                members = [str(m.get("id") if isinstance(m, dict) else m) for m in scheme.get("group") or []]
                self.combinations[name] = [m for m in members if m in self.components.security_schemes]
                self.log.add(
                    "combination-security-expanded",
                    f"combination {name!r} = {self.combinations[name] or 'nothing defined'}",
                    self.where("components", "securitySchemes", name),
                )

    def expand(self, security: Requirements | None) -> Requirements | None:
        if security is None:
            return None
        out: Requirements = []
        for requirement in security:
            expanded: dict[str, list[str]] = {}
            for name, scopes in requirement.items():
                for member in self.combinations.get(name, [name]):
                    expanded[member] = list(scopes)
            if expanded or not requirement:
                out.append(expanded)
        return out

    def drafts(self) -> list[Draft]:
        drafts = []
        for path, item in self.data["paths"].items():
            shared = item.get("parameters") if isinstance(item.get("parameters"), list) else []
            for method in _METHODS:
                if isinstance(item.get(method), dict):
                    drafts.append(self._draft(path, method, item[method], shared))
        return drafts

    def _draft(self, path: str, method: str, op: dict[str, Any], shared: list[Any]) -> Draft:
        where = self.where("paths", path, method)
        draft = Draft(method=method, path=path, where=where, path_where=self.where("paths", path))
        by_key: dict[tuple[str, str], Param] = {}
        for origin, params in (
            (self.where("paths", path, "parameters"), shared),
            (child(where, "parameters"), op.get("parameters") or []),
        ):
            for i, raw in enumerate(params):
                spec = self._inline(raw, child(origin, i))
                if spec is not None:
                    by_key[(str(spec.get("name", "")), str(spec.get("in", "")))] = Param(
                        spec, child(origin, i)
                    )
        draft.params = list(by_key.values())
        if "requestBody" in op:
            draft.request_body = self.clean_object(op["requestBody"], child(where, "requestBody"))
        draft.responses = self.clean_object(op.get("responses") or {}, child(where, "responses"))
        draft.security = self.expand(op.get("security"))
        draft.fields = {
            k: op[k] for k in ("summary", "description", "operationId", "tags", "deprecated") if k in op
        }
        run_id = _RUN_URL_ID.search(str(op.get("x-run-in-apifox", "")))
        x_source = {
            "pointer": pointer("paths", path, method),
            "folder": op.get("x-apifox-folder"),
            "status": op.get("x-apifox-status"),
            "api-id": run_id[1] if run_id else None,
        }
        draft.fields["x-source"] = {k: str(v) for k, v in x_source.items() if v not in (None, "")}
        return draft

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


def convert_openapi(data: dict[str, Any], source: str) -> tuple[dict[str, Any], FindingLog]:
    check_shape(data, "openapi", source)
    conv = _Converter(data, source)
    if data["openapi"].startswith("3.0"):
        conv.log.add(
            "openapi-version-upgraded", f"OpenAPI {data['openapi']} rewritten as 3.1.0", conv.where("openapi")
        )
    components = data.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        conv.components.schemas[name] = conv.cleaner.clean(schema, conv.where("components", "schemas", name))
    for kind, entries in components.items():
        if kind not in ("schemas", "securitySchemes") and isinstance(entries, dict):
            conv.components.others[kind] = conv.clean_object(entries, conv.where("components", kind))
    conv.security_schemes()
    servers = [(s, conv.where("servers", i)) for i, s in enumerate(data.get("servers") or [])]
    info = conv.clean_object(data.get("info") or {}, conv.where("info"))
    info.setdefault("title", source)
    info.setdefault("version", "1.0.0")
    doc = assemble(
        source=source,
        info=info,
        servers=clean_servers(servers, conv.log),
        drafts=conv.drafts(),
        components=conv.components,
        log=conv.log,
        x_source={"file": source, "format": "apifox-openapi", "openapi": data["openapi"]},
        security=conv.expand(data.get("security")),
    )
    return doc, conv.log
