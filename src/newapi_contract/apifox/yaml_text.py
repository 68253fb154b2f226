"""YAML as Apifox writes it (js-yaml, YAML 1.2), read without YAML 1.1's surprises.

PyYAML resolves plain scalars by YAML 1.1: `2024-01-01` becomes a date, `yes`/`on`
booleans, `12:30` the integer 750, `010` the integer 8. An OpenAPI document read
that way says something its author did not write (and dates are not JSON). This
loader resolves only YAML 1.2's core forms (null, true/false, decimal and hex
integers, decimal floats), keeps every other plain scalar a string, turns every
mapping key into a string (`200:` is the status code "200"), and notes keys that
appear twice in one mapping instead of keeping the last one in silence. Aliases are
counted before anything is built (see `limits`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import yaml

from newapi_contract.apifox.limits import TooBig, expanded_size

__all__ = ["YamlText", "YamlTrouble", "load_yaml"]

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_CORE = (
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", "~nN"),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:int", r"[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(?:\.[0-9]+|(?:0|[1-9][0-9]*)(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?",
        "-+.0123456789",
    ),
)


class YamlTrouble(Exception):
    """The text is not YAML; `line` (1-based) and `problem` say where and why."""

    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


@dataclass
class YamlText:
    data: Any
    duplicate_keys: list[tuple[int, str]] = field(default_factory=list)  # (line, key)


class _Loader(_BaseLoader):
    yaml_implicit_resolvers: ClassVar[dict[str, list[tuple[str, re.Pattern[str]]]]] = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[str, Any]:
        self.flatten_mapping(node)  # `<<` merge keys
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _key_text(self.construct_object(key_node, deep=True))
            if key in mapping:
                self.duplicate_keys.append((key_node.start_mark.line + 1, key))
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


for _tag, _pattern, _first in _CORE:
    # An empty plain scalar (`key:`) is null: its resolver is looked up under "".
    _first_chars = [*_first, ""] if _tag.endswith(":null") else list(_first)
    _Loader.add_implicit_resolver(_tag, re.compile(f"^(?:{_pattern})$"), _first_chars)
_Loader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^(?:<<)$"), ["<"])
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)


def _key_text(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    return key if isinstance(key, str) else str(key)


def load_yaml(text: str) -> YamlText:
    """The one YAML document in `text`; YamlTrouble when it is not YAML."""
    loader = _Loader(text)
    try:
        # Composed first (aliases stay shared nodes), measured, then constructed: a few
        # bytes of aliases of aliases never become billions of objects.
        node = loader.get_single_node()
        if node is not None:
            expanded_size(node)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        # The construct that failed, if YAML names one: its problem is often only noticed
        # where the text ends.
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark else None
        problem = ": ".join(str(p) for p in (exc.context, exc.problem) if p) or "not YAML"
        raise YamlTrouble(problem, line) from exc
    except yaml.YAMLError as exc:
        raise YamlTrouble(str(exc).splitlines()[0], None) from exc
    except TooBig as exc:
        raise YamlTrouble(f"too big to convert: {exc}", None) from exc
    except (RecursionError, TypeError) as exc:  # TypeError: an unhashable (complex) key
        raise YamlTrouble(f"cannot be read ({type(exc).__name__})", None) from exc
    finally:
        loader.dispose()
    return YamlText(data, loader.duplicate_keys)
