"""Examples in Apifox documents: JSON given as text, and examples that contradict their schema.

Apifox keeps body examples as the text typed into its editor (often with CRLF line
ends). For a JSON media type that text is parsed; an example that is not JSON, or
that its schema rejects, is dropped: schemathesis sends examples as valid requests.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, UnknownType
from referencing.exceptions import Unresolvable

from newapi_contract.apifox.model import FindingLog

__all__ = ["MISSING", "checked_example", "is_json_media_type", "scalar_text"]

MISSING: Any = object()
# Text that is a JSON number or boolean (`"2"`, `"true"`): Apifox keeps typed values as text.
_SCALAR_TEXT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false")


def scalar_text(value: Any) -> Any:
    """The number or boolean `value` spells when it is such text, else MISSING."""
    if isinstance(value, str) and _SCALAR_TEXT.fullmatch(value.strip()):
        return json.loads(value.strip())
    return MISSING


def is_json_media_type(media_type: str) -> bool:
    base = media_type.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def checked_example(
    value: Any,
    media_type: str,
    schema: Any,
    schemas: dict[str, Any],
    where: str,
    log: FindingLog,
) -> Any:
    """Return the example to keep (parsed if it was JSON text), or MISSING to drop it.

    `schemas` are the document's component schemas, so that `$ref`s resolve.
    """
    if value is None or (value == "" and is_json_media_type(media_type)):
        # Apifox writes an example left blank as null or "" (not JSON): nothing to keep.
        log.tally(
            "example-empty-dropped",
            media_type,
            f"{{count}} empty {media_type} example(s) with no value to keep: dropped (first here)",
            where,
        )
        return MISSING
    if is_json_media_type(media_type) and isinstance(value, str):
        parsed, how = _parsed_json(value)
        if parsed is MISSING:
            log.add("example-schema-mismatch", f"example for {media_type} is not JSON: dropped", where)
            return MISSING
        line_ends = "CRLF " if "\r\n" in value else ""
        said = f"{line_ends}JSON text{how} parsed into a JSON value" + (", without them" if how else "")
        log.add("example-json-text-parsed", said, where)
        value = parsed
    problem = _mismatch(value, schema, schemas) if is_json_media_type(media_type) else None
    if problem:
        log.add("example-schema-mismatch", f"example does not match its schema ({problem}): dropped", where)
        return MISSING
    return value


def _parsed_json(text: str) -> tuple[Any, str]:
    """The JSON value of `text`, and how it was read: Apifox's editor takes JSON with
    comments (`// admin || employee`) and trailing commas, which JSON itself does not."""
    try:
        return json.loads(text), ""
    except (ValueError, RecursionError):
        pass
    stripped = _without_comments(text)
    if stripped == text:
        return MISSING, ""
    try:
        return json.loads(stripped), " with comments or trailing commas (Apifox's editor takes them)"
    except (ValueError, RecursionError):
        return MISSING, ""


def _without_comments(text: str) -> str:
    """`text` less its `//` and `/* */` comments, then its trailing commas, outside strings."""
    return _scan(_scan(text, comments=True), comments=False)


def _scan(text: str, *, comments: bool) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':  # a string, escapes and all
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i : j + 1])
            i = j + 1
        elif comments and text.startswith("//", i):
            while i < n and text[i] not in "\r\n":
                i += 1
        elif comments and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif not comments and c == "," and _next_char(text, i + 1) in ("}", "]"):
            i += 1  # a trailing comma
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _next_char(text: str, i: int) -> str:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return text[i : i + 1]


def _mismatch(value: Any, schema: Any, schemas: dict[str, Any]) -> str | None:
    if not isinstance(schema, dict):
        return None
    undeclared = _undeclared_properties(value, schema)
    if undeclared:
        return "properties the schema does not declare: " + ", ".join(undeclared)
    root = {**schema, "components": {"schemas": schemas}}
    try:
        if not jsonschema_rs.meta.is_valid(root):  # the fast meta-schema check (2020-12)
            return None
        error = next(iter(Draft202012Validator(root).iter_errors(value)), None)
    except (SchemaError, UnknownType, Unresolvable, RecursionError, TypeError):
        return None  # an unusable schema is reported by the document validation
    if error is None:
        return None
    at = "/" + "/".join(str(p) for p in error.absolute_path)
    message = error.message if len(error.message) <= 120 else error.message[:117] + "..."
    return f"at {at}: {message}"


def _undeclared_properties(value: Any, schema: dict[str, Any]) -> list[str]:
    """Top-level keys the schema leaves undeclared: JSON Schema allows them, Apifox never means to."""
    properties = schema.get("properties")
    if not (isinstance(value, dict) and isinstance(properties, dict) and properties):
        return []
    if "additionalProperties" in schema or "patternProperties" in schema:
        return []
    return sorted(k for k in value if k not in properties)
