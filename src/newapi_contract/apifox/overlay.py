"""OpenAPI Overlay 1.0 documents: loading, checking and applying them.

Why not oas-patch (installed, 0.6): its `apply_overlay` finds an array element's
position as `match.path.index`, but jsonpath-ng >= 1.7 names it `indices`, so any
target inside an array (`parameters[?(@.name == 'id')]`) fails with a TypeError; it
also mutates the input, shares the overlay's objects with the result, and ignores
targets that match nothing. What is used of it is the Overlay 1.0.0 JSON Schema it
ships. The semantics (Overlay 1.0.0, "Action Object") are applied here on jsonpath-ng:
- `remove: true` removes every node the target selects;
- `update` merges into every selected node: objects recursively (update wins for
  scalars), arrays get the update's items appended (an array target gets the update
  itself appended when it is not an array).
Stricter than the specification: a target that selects nothing is an error, since it
means the overlay no longer fits the converted document.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from jsonpath_ng import DatumInContext, Fields, Index
from jsonpath_ng.ext import parse as parse_jsonpath
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from oas_patch.validator import load_schema

from newapi_contract.apifox.document import one_line, validate
from newapi_contract.apifox.yaml_text import YamlTrouble, load_yaml
from newapi_contract.errors import InputError

__all__ = ["apply_overlay", "load_overlay", "merge"]

_SCHEMA = Draft202012Validator(load_schema("overlay_schema_1.0.0.yml"))


def load_overlay(path: Path) -> dict[str, Any]:
    """Read and check an Overlay 1.0 YAML (or JSON) file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})") from exc
    try:  # the converter's YAML reader: YAML 1.2, aliases bounded (see limits)
        overlay = load_yaml(text).data
    except YamlTrouble as exc:
        raise InputError(f"{path}: malformed YAML ({exc.problem})") from exc
    error = best_match(_SCHEMA.iter_errors(overlay))
    if error is not None:
        at = "/" + "/".join(str(p) for p in error.absolute_path)
        raise InputError(f"{path}: not an Overlay 1.0 document at {at}: {one_line(error.message)}")
    return overlay


def apply_overlay(document: dict[str, Any], overlay: dict[str, Any], source: str) -> dict[str, Any]:
    """A new document: `document` with the overlay's actions applied, validated as OpenAPI 3.1."""
    result = copy.deepcopy(document)
    for i, action in enumerate(overlay["actions"]):
        label = f"{source}: action {i + 1}"
        try:
            matches = parse_jsonpath(action["target"]).find(result)
        except Exception as exc:  # jsonpath-ng raises bare Exception subclasses for syntax
            raise InputError(
                f"{label}: bad JSONPath target {action['target']!r}: {one_line(str(exc))}"
            ) from exc
        if not matches:
            raise InputError(f"{label}: target {action['target']!r} matches nothing")
        if action.get("remove") is True:
            # Later array positions first, so earlier positions stay valid.
            for match in sorted(matches, key=_position, reverse=True):
                _remove(match, label)
        elif "update" in action:
            for match in matches:
                merge(match.value, copy.deepcopy(action["update"]), label)
        else:
            raise InputError(f"{label}: has neither `update` nor `remove: true`")
    validate(result, source)
    return result


def merge(target: Any, update: Any, label: str) -> None:
    """Merge `update` into `target` in place (Overlay 1.0 `update`)."""
    if isinstance(target, list):
        target.extend(update if isinstance(update, list) else [update])
    elif isinstance(target, dict) and isinstance(update, dict):
        for key, value in update.items():
            if isinstance(target.get(key), dict | list) and isinstance(value, type(target[key])):
                merge(target[key], value, label)
            else:
                target[key] = value
    else:
        raise InputError(f"{label}: cannot merge {type(update).__name__} into {type(target).__name__}")


def _position(match: DatumInContext) -> int:
    return match.path.indices[0] if isinstance(match.path, Index) else -1


def _remove(match: DatumInContext, label: str) -> None:
    if match.context is None:
        raise InputError(f"{label}: cannot remove the whole document")
    parent = match.context.value
    if isinstance(match.path, Fields) and isinstance(parent, dict):
        for field in match.path.fields:
            parent.pop(field, None)
    elif isinstance(match.path, Index) and isinstance(parent, list):
        del parent[match.path.indices[0]]
    else:
        raise InputError(f"{label}: cannot remove {match.path}")
