"""Defaults and examples checked against their schemas in the assembled document.

The schema cleaner checks a `default` where the schema says everything itself; a
schema that holds a `$ref` can only be checked once the document's component
schemas are known, which is here. Every `default`, schema `example`/`examples`, and
parameter or header `example` that its schema rejects is dropped, with a finding
naming its place in the converted document (validators and test generators read
these values as valid data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import SchemaError, UnknownType, ValidationError
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from referencing.exceptions import Unresolvable

from newapi_contract.apifox.examples import MISSING, scalar_text
from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.places import place
from newapi_contract.apifox.schemas import child, schema_nodes

__all__ = ["drop_invalid_values"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def drop_invalid_values(doc: dict[str, Any], source: str, log: FindingLog) -> None:
    """Drop, in place, each default or example of `doc` its own schema rejects."""
    schemas = doc.get("components", {}).get("schemas") or {}
    checker = _Checker(doc, schemas, source, log)
    for schema, at in _schemas_of(doc):
        for node, where in schema_nodes(schema, at):
            checker.schema_values(node, where)
    for holder, at in _parameters_of(doc):
        schema = holder.get("schema")
        if isinstance(schema, dict):
            checker.value(schema, holder, "example", at, "schema-example-invalid")


class _Checker:
    def __init__(self, doc: dict[str, Any], schemas: dict[str, Any], source: str, log: FindingLog) -> None:
        self.doc = doc
        self.schemas = schemas
        self.source = source
        self.log = log

    def schema_values(self, node: dict[str, Any], where: str) -> None:
        self.value(node, node, "default", where, "schema-default-invalid")
        self.value(node, node, "example", where, "schema-example-invalid")
        examples = node.get("examples")
        if isinstance(examples, list):
            kept = [e for e in examples if not self.problem(node, e)]
            if len(kept) < len(examples):
                self.log.add(
                    "schema-example-invalid",
                    f"{len(examples) - len(kept)} of {len(examples)} `examples` do not match their "
                    "schema: dropped",
                    place(self.doc, child(where, "examples"), self.source),
                )
                node["examples"] = kept

    def value(self, schema: dict[str, Any], holder: dict[str, Any], key: str, where: str, rule: str) -> None:
        """Keep `holder[key]` if `schema` accepts it (read as a number or boolean if need be)."""
        if (
            key in holder
            and self.problem(schema, holder[key])
            and not self.coerced(schema, holder, key, where)
        ):
            self.drop(holder, key, where, rule)

    def problem(self, schema: dict[str, Any], value: Any) -> str | None:
        """Why `schema` rejects `value` (None when it accepts it, or cannot be applied)."""
        probe = {k: v for k, v in schema.items() if k not in ("default", "example", "examples")}
        root = {**probe, "components": {"schemas": self.schemas}}
        try:
            error = next(
                iter(OAS31Validator(root, format_checker=oas31_format_checker).iter_errors(value)), None
            )
        except (SchemaError, UnknownType, Unresolvable, ValidationError, RecursionError, TypeError):
            return None  # an unusable schema is the document validation's business
        return None if error is None else " ".join(error.message.split())[:120]

    def coerced(self, schema: dict[str, Any], holder: dict[str, Any], key: str, where: str) -> bool:
        """Text that reads as the number or boolean the schema wants (`'2'`, `'true'`) becomes it.

        Apifox keeps what was typed into a field as text; a query value is text on the wire too.
        """
        text = holder[key]
        value = scalar_text(text)
        if value is MISSING or self.problem(schema, value):
            return False
        holder[key] = value
        self.log.add(
            "example-coerced",
            f"{key} {text!r} read as {value!r}, as its schema wants",
            place(self.doc, child(where, key), self.source),
        )
        return True

    def drop(self, holder: dict[str, Any], key: str, where: str, rule: str) -> None:
        value = holder.pop(key)
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        self.log.add(
            rule,
            f"{key} {shown} does not match its schema: dropped",
            place(self.doc, child(where, key), self.source),
        )


def _schemas_of(doc: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    """Each top schema of the document (components, parameters, headers, media types)."""
    components = doc.get("components") or {}
    for name, schema in (components.get("schemas") or {}).items():
        yield schema, f"/components/schemas/{_escaped(name)}"
    for node, at in _walk(doc, ""):
        if isinstance(node.get("schema"), dict) and at != "":
            yield node["schema"], child(at, "schema")


def _parameters_of(doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """Parameter and header objects (they hold `schema` and `example` side by side)."""
    for node, at in _walk(doc, ""):
        if "schema" in node and "example" in node and "content" not in node:
            parts = at.rsplit("/", 2)
            if len(parts) == 3 and (parts[1] in ("parameters", "headers") or "/parameters/" in at):
                yield node, at


def _walk(node: Any, at: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every object of the document outside schemas, with its JSON pointer."""
    if isinstance(node, dict):
        yield node, at
        for key, value in node.items():
            if key in ("schema", "schemas", "example", "examples") or key.startswith("x-"):
                continue
            yield from _walk(value, child(at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, child(at, i))


def _escaped(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
