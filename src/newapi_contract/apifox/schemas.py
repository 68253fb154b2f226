"""Cleaning of JSON Schemas found in Apifox documents.

Apifox stores editor state inside schemas (`x-apifox-orders`, `mock`, placeholders),
references its own schema store as `#/definitions/<id>`, and splices referenced
schemas into objects with `x-apifox-refs`. `SchemaCleaner.clean` returns a plain
JSON Schema (2020-12, as OpenAPI 3.1 uses) and records each change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from newapi_contract.apifox.model import FindingLog

__all__ = ["SchemaCleaner", "child", "is_noise_key"]

# Keywords whose value is a schema, a list of schemas, or a map of name -> schema.
_SUBSCHEMA = (
    "additionalProperties",
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_NOISE_KEYS = ("mock", "x-run-in-apifox", "x-tmp-pending-properties")

RefResolver = Callable[[str], str | None]


def child(where: str, key: object) -> str:
    """`where` extended by one JSON-pointer step (RFC 6901 escaping)."""
    return f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"


def is_noise_key(key: str) -> bool:
    """Apifox editor state: never part of an API's contract."""
    return key.startswith("x-apifox") or key in _NOISE_KEYS


class SchemaCleaner:
    """Turns Apifox schemas into plain JSON Schema.

    `resolve` maps a `$ref` found in the source to the reference to write, or to
    None when it points at nothing. `upgrade_30` rewrites OpenAPI 3.0 keywords
    (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`).
    """

    def __init__(self, resolve: RefResolver, log: FindingLog, *, upgrade_30: bool = False):
        self._resolve = resolve
        self._log = log
        self._upgrade_30 = upgrade_30

    def clean(self, schema: Any, where: str) -> Any:
        if isinstance(schema, list):
            return [self.clean(item, child(where, i)) for i, item in enumerate(schema)]
        if not isinstance(schema, dict):
            return schema
        out: dict[str, Any] = {}
        for key, value in schema.items():
            here = child(where, key)
            if key == "x-apifox-refs":
                continue  # spliced in below
            if is_noise_key(key):
                self._log.noise(key, here)
            elif key == "$ref":
                self._keep_ref(out, value, here)
            elif key in _SUBSCHEMA or key in _SUBSCHEMA_LISTS:
                out[key] = self.clean(value, here)
            elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                out[key] = {
                    name: self.clean(sub, child(here, name))
                    for name, sub in value.items()
                    if not (key == "properties" and self._placeholder(name, sub, here))
                }
            else:
                out[key] = value
        if isinstance(out.get("required"), list) and isinstance(schema.get("properties"), dict):
            dropped = {n for n, s in schema["properties"].items() if _is_placeholder(s)}
            out["required"] = [r for r in out["required"] if not (isinstance(r, str) and r in dropped)]
        if self._upgrade_30:
            _upgrade_30_keywords(out)
        refs = schema.get("x-apifox-refs")
        if isinstance(refs, dict) and refs:
            return self._splice_refs(out, refs, f"{where}/x-apifox-refs")
        return out

    def _keep_ref(self, out: dict[str, Any], ref: Any, where: str) -> None:
        target = self._resolve(ref) if isinstance(ref, str) else None
        if target is None:
            self._log.add("dangling-ref-removed", f"$ref {ref!r} points to nothing", where)
        else:
            out["$ref"] = target

    def _placeholder(self, name: str, schema: Any, where: str) -> bool:
        if not _is_placeholder(schema):
            return False
        self._log.add(
            "placeholder-property-removed", f"placeholder property {name!r} removed", child(where, name)
        )
        return True

    def _splice_refs(self, out: dict[str, Any], refs: dict[str, Any], where: str) -> Any:
        members: list[Any] = []
        for key, ref_holder in refs.items():
            ref = ref_holder.get("$ref") if isinstance(ref_holder, dict) else None
            target = self._resolve(ref) if isinstance(ref, str) else None
            if target is None:
                self._log.add(
                    "dangling-ref-removed", f"x-apifox-refs {key!r} points to nothing", child(where, key)
                )
            else:
                members.append({"$ref": target})
                self._log.add(
                    "apifox-refs-expanded", f"x-apifox-refs {key!r} -> allOf {target}", child(where, key)
                )
        return {"allOf": [*members, out]} if members else out


def _is_placeholder(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("x-tmp-pending-properties") is True


def _upgrade_30_keywords(schema: dict[str, Any]) -> None:
    if schema.pop("nullable", False) is True and "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*kinds, "null"] if "null" not in kinds else kinds
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # 3.0: a boolean flag on minimum/maximum; 3.1: the exclusive bound itself
        if isinstance(schema.get(bound), bool) and schema.pop(bound) and limit in schema:
            schema[bound] = schema.pop(limit)
