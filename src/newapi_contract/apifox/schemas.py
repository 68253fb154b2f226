"""Cleaning of JSON Schemas found in Apifox documents.

Apifox stores editor state inside schemas (`x-apifox-orders`, `mock`, placeholders),
references its own schema store as `#/definitions/<id>`, and splices referenced
schemas into objects with `x-apifox-refs`, where each reference may carry
`x-apifox-overrides` (a property removed, `null`, or given another schema).
`SchemaCleaner.clean` returns a plain JSON Schema (2020-12, as OpenAPI 3.1 uses)
that means what the Apifox schema means, records each change, and makes sure the
result is a schema OpenAPI accepts: a keyword whose value JSON Schema rejects, or a
default its own schema rejects, is dropped with a finding.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema_rs
from jsonschema.exceptions import SchemaError, UnknownType, ValidationError
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from referencing.exceptions import Unresolvable

from newapi_contract.apifox.component_names import ORIGINAL_NAME
from newapi_contract.apifox.examples import MISSING, scalar_text
from newapi_contract.apifox.model import FindingLog

__all__ = ["SchemaCleaner", "child", "is_noise_key", "schema_nodes"]

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
_OVERRIDES = "x-apifox-overrides"
# Keywords the OpenAPI 3.1 dialect checks beyond JSON Schema 2020-12's meta-schema.
_DIALECT_EXTRAS = frozenset(
    ("discriminator", "xml", "externalDocs", "pattern", "patternProperties", "format")
)

RefResolver = Callable[[str], str | None]
RefLookup = Callable[[str], Any]


def child(where: str, key: object) -> str:
    """`where` extended by one JSON-pointer step (RFC 6901 escaping)."""
    return f"{where}/{str(key).replace('~', '~0').replace('/', '~1')}"


def is_noise_key(key: str) -> bool:
    """Apifox (and Apidog) editor state: never part of an API's contract.

    `x-apifox-original-name` is the converter's own: the name a renamed component had.
    """
    if key == ORIGINAL_NAME:
        return False
    return key.startswith(("x-apifox", "x-apidog")) or key in (*_NOISE_KEYS, "x-run-in-apidog")


class SchemaCleaner:
    """Turns Apifox schemas into plain JSON Schema.

    `resolve` maps a `$ref` found in the source to the reference to write, or to
    None when it points at nothing; `lookup` gives the source schema a `$ref` points
    to (to apply `x-apifox-overrides` to it). `upgrade_30` rewrites OpenAPI 3.0
    keywords (`nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`).
    """

    def __init__(
        self,
        resolve: RefResolver,
        log: FindingLog,
        *,
        lookup: RefLookup | None = None,
        upgrade_30: bool = False,
    ):
        self._resolve = resolve
        self._lookup = lookup or (lambda _ref: None)
        self._log = log
        self._upgrade_30 = upgrade_30
        self._inlining: set[str] = set()

    def clean(self, schema: Any, where: str) -> Any:
        """`schema` cleaned, and valid as an OpenAPI 3.1 schema."""
        out = self._clean(schema, where)
        if not isinstance(out, dict | bool):
            self._log.add(
                "schema-keyword-invalid", f"a schema must be an object, not {type(out).__name__}: {{}}", where
            )
            return {}
        if isinstance(out, dict):
            out = self._valid(out, where)
            self._check_defaults(out, where)
        return out

    # -- cleaning ---------------------------------------------------------------

    def _clean(self, schema: Any, where: str) -> Any:
        if isinstance(schema, list):
            return [self._clean(item, child(where, i)) for i, item in enumerate(schema)]
        if not isinstance(schema, dict):
            return schema
        if isinstance(schema.get(_OVERRIDES), dict) and isinstance(schema.get("$ref"), str):
            return self._overridden(schema, where)
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
                out[key] = self._clean(value, here)
            elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                out[key] = {
                    name: self._clean(sub, child(here, name))
                    for name, sub in value.items()
                    if not (key == "properties" and self._placeholder(name, sub, here))
                }
            else:
                out[key] = value
        if isinstance(out.get("required"), list) and isinstance(schema.get("properties"), dict):
            dropped = {n for n, s in schema["properties"].items() if _is_placeholder(s)}
            out["required"] = [r for r in out["required"] if not (isinstance(r, str) and r in dropped)]
        if isinstance(out.get("required"), list):
            out["required"] = self._unique_required(out["required"], child(where, "required"))
        if self._upgrade_30:
            out = _upgrade_30_keywords(out)
        refs = schema.get("x-apifox-refs")
        if isinstance(refs, dict) and refs:
            return self._splice_refs(out, refs, f"{where}/x-apifox-refs")
        return out

    def _unique_required(self, required: list[Any], where: str) -> list[Any]:
        """`required` once per name: JSON Schema rejects repeats, and dropping the whole list
        would make every property optional."""
        unique: list[Any] = []
        for name in required:
            if name not in unique:
                unique.append(name)
        if len(unique) < len(required):
            repeated = sorted({str(n) for n in required if required.count(n) > 1})
            self._log.add(
                "schema-required-deduplicated",
                f"required names {', '.join(repeated)} more than once: each kept once",
                where,
            )
        return unique

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
        for key, holder in refs.items():
            here = child(where, key)
            ref = holder.get("$ref") if isinstance(holder, dict) else None
            target = self._resolve(ref) if isinstance(ref, str) else None
            if target is None:
                self._log.add("dangling-ref-removed", f"x-apifox-refs {key!r} points to nothing", here)
                continue
            if isinstance(holder.get(_OVERRIDES), dict):
                members.append(self._overridden(holder, here))
            else:
                extra = self._clean({k: v for k, v in holder.items() if k != "$ref"}, here)
                members.append({"$ref": target, **extra})
            self._log.add("apifox-refs-expanded", f"x-apifox-refs {key!r} -> allOf {target}", here)
        return {"allOf": [*members, out]} if members else out

    def _overridden(self, holder: dict[str, Any], where: str) -> Any:
        """A `$ref` with `x-apifox-overrides`: the referenced schema, inlined, overrides applied."""
        ref = holder["$ref"]
        overrides: dict[str, Any] = holder[_OVERRIDES]
        target = self._lookup(ref)
        rest = {k: v for k, v in holder.items() if k != _OVERRIDES}
        if not isinstance(target, dict) or ref in self._inlining:
            why = "refers to itself" if ref in self._inlining else "points to no schema that can be read"
            self._log.add(
                "apifox-overrides-applied",
                f"$ref {ref!r} {why}: its overrides ({', '.join(overrides)}) cannot be applied, "
                "the reference is kept as it is",
                child(where, _OVERRIDES),
            )
            return self._clean(rest, where)
        removed = [name for name, value in overrides.items() if value is None]
        replaced = [name for name, value in overrides.items() if value is not None]
        merged = {k: v for k, v in target.items() if k not in ("properties", "required")}
        properties = {k: v for k, v in (target.get("properties") or {}).items() if k not in removed}
        properties.update({name: overrides[name] for name in replaced})
        merged["properties"] = properties
        required = [r for r in target.get("required") or [] if r not in removed]
        required += [r for r in holder.get("required") or [] if r not in required]
        if required:
            merged["required"] = required
        merged.update({k: v for k, v in rest.items() if k not in ("$ref", "required")})
        said = "; ".join(
            part
            for part in (
                f"removed {', '.join(removed)}" if removed else "",
                f"replaced {', '.join(replaced)}" if replaced else "",
            )
            if part
        )
        self._log.add("apifox-overrides-applied", f"$ref {ref!r} inlined with its overrides ({said})", where)
        self._inlining.add(ref)
        try:
            return self._clean(merged, where)
        finally:
            self._inlining.discard(ref)

    # -- validity ---------------------------------------------------------------

    def _valid(self, schema: dict[str, Any], where: str) -> dict[str, Any]:
        """Drop each keyword whose value the JSON Schema meta-schema rejects."""
        copied = False
        for _ in range(100):
            error = _meta_error(schema)
            if error is None:
                break
            if not copied:  # keyword values may be shared with the source
                schema, copied = copy.deepcopy(schema), True
            path = list(error.absolute_path)
            parent, key = _deepest_dict(schema, path)
            if parent is None:
                self._log.add(
                    "schema-keyword-invalid", f"{_short(error.message)}: schema replaced by {{}}", where
                )
                return {}
            at = "".join(f"/{p}" for p in path[: _key_index(path, parent, schema) + 1])
            read = _read_as_json_schema(key, parent[key]) if _is_keyword(path, parent, schema) else MISSING
            if read is not MISSING:
                said = f"{parent[key]!r} read as {read!r}"
                fmt = _alias_format(parent[key]) if key == "type" and "format" not in parent else None
                parent[key] = read
                if fmt:
                    parent["format"] = fmt
                    said += f", format {fmt!r}"
                self._log.add("schema-keyword-coerced", f"`{key}`: {said}", f"{where}{at}")
                continue
            del parent[key]
            self._log.add(
                "schema-keyword-invalid", f"{_short(error.message)}: `{key}` dropped", f"{where}{at}"
            )
        return schema

    def _check_defaults(self, schema: dict[str, Any], where: str) -> None:
        for node, at in schema_nodes(schema, where):
            if "default" not in node or _has_ref(node):
                continue
            error = _default_error(node, node["default"])
            scalar = scalar_text(node["default"])
            if error is not None and scalar is not MISSING and _default_error(node, scalar) is None:
                self._log.add(
                    "example-coerced",
                    f"default {node['default']!r} read as {scalar!r}, as its schema wants",
                    child(at, "default"),
                )
                node["default"] = scalar
            elif error is not None:
                self._log.add(
                    "schema-default-invalid",
                    f"default {node['default']!r} does not match its schema "
                    f"({_short(error.message)}): dropped",
                    child(at, "default"),
                )
                del node["default"]


def _default_error(schema: dict[str, Any], value: Any) -> ValidationError | None:
    try:
        return next(
            iter(OAS31Validator(schema, format_checker=oas31_format_checker).iter_errors(value)), None
        )
    except (SchemaError, UnknownType, Unresolvable, ValidationError, RecursionError, TypeError):
        return None


def _meta_error(schema: dict[str, Any]) -> SchemaError | None:
    """The first complaint of the OpenAPI 3.1 schema dialect about `schema` (as the validator checks).

    The dialect is JSON Schema 2020-12 plus OpenAPI's own keywords, and checks `pattern`s
    as regular expressions: a schema without those that the (fast) 2020-12 meta-schema
    accepts needs no slower look.
    """
    if jsonschema_rs.meta.is_valid(schema) and not _uses(schema, _DIALECT_EXTRAS):
        return None
    try:
        OAS31Validator.check_schema(schema, format_checker=oas31_format_checker)
    except SchemaError as error:
        return error
    return None


def _short(message: str, limit: int = 120) -> str:
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


# Keywords JSON Schema wants as numbers (integers first) or booleans, that other tools write as text.
_INTEGER_KEYWORDS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_NUMBER_KEYWORDS = ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf")
_BOOLEAN_KEYWORDS = ("uniqueItems", "readOnly", "writeOnly", "deprecated")
# A type named after a format (Java, Swagger, Apidog's editor): the JSON Schema type, and its format.
_TYPE_ALIASES = {
    "double": "number", "float": "number", "decimal": "number", "int": "integer", "int32": "integer",
    "int64": "integer", "long": "integer", "bool": "boolean", "date": "string", "date-time": "string",
    "datetime": "string", "time": "string",
}  # fmt: skip
_TYPE_FORMATS = {
    "double": "double", "float": "float", "int32": "int32", "int64": "int64", "long": "int64",
    "date": "date", "date-time": "date-time", "datetime": "date-time", "time": "time",
}  # fmt: skip
_JSON_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")


def _read_as_json_schema(key: Any, value: Any) -> Any:
    """`value` of keyword `key` as JSON Schema says it, when another tool wrote it otherwise
    (`'255'` for maxLength, `double` for a type); MISSING when it cannot be read so."""
    if key == "type":
        names = value if isinstance(value, list) else [value]
        read = [_type_name(n) for n in names]
        if not read or any(r is None for r in read) or len(set(read)) < len(read):
            return MISSING
        said = read if isinstance(value, list) else read[0]
        return MISSING if said == value else said  # nothing to read otherwise: not a repair
    if not isinstance(value, str):
        return MISSING
    text = value.strip()
    if key in _BOOLEAN_KEYWORDS and text in ("true", "false"):
        return text == "true"
    try:
        number = float(text)
    except ValueError:
        return MISSING
    if key in _INTEGER_KEYWORDS and number.is_integer() and number >= 0:
        return int(number)
    if key in _NUMBER_KEYWORDS and number == number and abs(number) != float("inf"):
        return int(number) if number.is_integer() and "." not in text else number
    return MISSING


def _type_name(name: Any) -> str | None:
    if not isinstance(name, str):
        return None
    lowered = name.strip().lower()
    return lowered if lowered in _JSON_TYPES else _TYPE_ALIASES.get(lowered)


def _alias_format(value: Any) -> str | None:
    """The format a type named after one says (`int64`, `date-time`), for the first such name."""
    names = value if isinstance(value, list) else [value]
    return next(
        (
            _TYPE_FORMATS[n.strip().lower()]
            for n in names
            if isinstance(n, str) and n.strip().lower() in _TYPE_FORMATS
        ),
        None,
    )


def _is_keyword(path: list[Any], parent: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether the key at fault is a keyword of a schema, not the name of a property."""
    i = _key_index(path, parent, schema)
    return i == 0 or path[i - 1] not in _SUBSCHEMA_MAPS


def _key_index(path: list[Any], parent: dict[str, Any], schema: dict[str, Any]) -> int:
    """Where on `path` the key of `parent` (found by `_deepest_dict`) is."""
    node: Any = schema
    index = 0
    for i, part in enumerate(path):
        if node is parent:
            index = i
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
    return index


def _has(node: Any, part: Any) -> bool:
    return part in node if isinstance(node, dict) else isinstance(part, int) and 0 <= part < len(node)


def _deepest_dict(schema: dict[str, Any], path: list[Any]) -> tuple[dict[str, Any] | None, Any]:
    """The innermost object on `path` and the key of it that leads to the error."""
    node: Any = schema
    found: tuple[dict[str, Any] | None, Any] = (None, None)
    for part in path:
        if isinstance(node, dict) and part in node:
            found = (node, part)
        node = node[part] if isinstance(node, dict | list) else None
    return found


def schema_nodes(schema: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
    """`schema` and each schema inside it, with its location."""
    if not isinstance(schema, dict):
        return
    yield schema, where
    for key, value in schema.items():
        here = child(where, key)
        if key in _SUBSCHEMA:
            yield from schema_nodes(value, here)
        elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
            for i, item in enumerate(value):
                yield from schema_nodes(item, child(here, i))
        elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
            for name, sub in value.items():
                yield from schema_nodes(sub, child(here, name))


def _uses(schema: Any, keywords: frozenset[str]) -> bool:
    if isinstance(schema, dict):
        return any(k in keywords or _uses(v, keywords) for k, v in schema.items())
    if isinstance(schema, list):
        return any(_uses(v, keywords) for v in schema)
    return False


def _has_ref(schema: Any) -> bool:
    if isinstance(schema, dict):
        return "$ref" in schema or "$dynamicRef" in schema or any(_has_ref(v) for v in schema.values())
    if isinstance(schema, list):
        return any(_has_ref(v) for v in schema)
    return False


def _is_placeholder(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("x-tmp-pending-properties") is True


def _upgrade_30_keywords(schema: dict[str, Any]) -> dict[str, Any]:
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        # 3.0: a boolean flag on minimum/maximum; 3.1: the exclusive bound itself
        if isinstance(schema.get(bound), bool) and schema.pop(bound) and limit in schema:
            schema[bound] = schema.pop(limit)
    if schema.pop("nullable", False) is True:
        if "type" in schema:
            kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            schema["type"] = [*kinds, "null"] if "null" not in kinds else kinds
        elif any(k in schema for k in ("$ref", "allOf", "anyOf", "oneOf")):
            schema = {"anyOf": [schema, {"type": "null"}]}  # null, or what the rest allows
    return schema
