"""Pages of an Apifox-published documentation site, as Markdown.

Apifox serves each page of a published site as Markdown too (`<page>.md`, listed in
`llms.txt`): the operation's title and prose, code samples, and the operation itself
as an OpenAPI document in a fenced ```yaml block (with `x-apifox-*` and
`x-run-in-apifox`). The spec blocks are found with a CommonMark parser, so fences
inside lists or `<details>` count and code in other languages is left alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt

from newapi_contract.apifox.limits import MAX_DEPTH, check_depth
from newapi_contract.apifox.yaml_text import YamlTrouble, load_yaml
from newapi_contract.errors import InputError

__all__ = ["MarkdownPage", "SpecBlock", "read_markdown"]

_SPEC_KEYS = ("openapi", "apifoxProject", "apidogProject")
# A block that means to be a spec: its first key is one of the above.
_LOOKS_LIKE_SPEC = re.compile(r"\A\s*(?:[{\[]\s*)?[\"']?(?:openapi|apifoxProject|apidogProject)[\"']?\s*:")
_SPEC_LANGUAGES = ("", "yaml", "yml", "json", "openapi")


@dataclass
class SpecBlock:
    line: int  # 1-based line of the block's first line of content
    data: dict[str, Any]
    duplicate_keys: list[tuple[int, str]] = field(default_factory=list)  # (line in the page, key)


@dataclass
class MarkdownPage:
    title: str
    blocks: list[SpecBlock]
    skipped: list[tuple[int, str]]  # (line, why) of blocks that look like specs but are not readable


def read_markdown(text: str) -> MarkdownPage | None:
    """The page's spec blocks, or None when it has none (not even a broken one)."""
    tokens = MarkdownIt("commonmark").parse(text)
    blocks: list[SpecBlock] = []
    skipped: list[tuple[int, str]] = []
    title = ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1" and not title and i + 1 < len(tokens):
            title = tokens[i + 1].content.strip()
        if token.type != "fence" or token.map is None:
            continue
        language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
        if language not in _SPEC_LANGUAGES:
            continue
        line = token.map[0] + 2
        parsed = _parse(token.content, line)
        if isinstance(parsed, SpecBlock):
            blocks.append(parsed)
        elif parsed is not None:
            skipped.append((line, parsed))
    if not blocks and not skipped:
        return None
    return MarkdownPage(title, blocks, skipped)


def _parse(content: str, line: int) -> SpecBlock | str | None:
    """A spec block; or why a block that looks like one is not; None for any other code."""
    looks_like_spec = bool(_LOOKS_LIKE_SPEC.match(content))
    duplicates: list[tuple[int, str]] = []
    try:
        if content.lstrip().startswith(("{", "[")):
            data = json.loads(content)
        else:
            loaded = load_yaml(content)
            data, duplicates = loaded.data, loaded.duplicate_keys
    except json.JSONDecodeError as exc:
        return f"malformed JSON at line {line + exc.lineno - 1}: {exc.msg}" if looks_like_spec else None
    except YamlTrouble as exc:
        at = f" at line {line + exc.line - 1}" if exc.line else ""
        return f"malformed YAML{at}: {exc.problem}" if looks_like_spec else None
    except RecursionError:
        return "nested too deeply" if looks_like_spec else None
    try:
        check_depth(data, "block")
    except InputError:
        return f"nested more than {MAX_DEPTH} levels deep" if looks_like_spec else None
    if isinstance(data, dict) and any(isinstance(data.get(k), str) for k in _SPEC_KEYS):
        return SpecBlock(line, data, [(line + at - 1, key) for at, key in duplicates])
    return "neither an OpenAPI document nor an Apifox project" if looks_like_spec else None
