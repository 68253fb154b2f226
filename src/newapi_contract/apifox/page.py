"""The Apifox endpoint page (the text Apifox shows for one API) -> OpenAPI 3.1.

Layout: a title line, `METHOD path`, then sections, each a header line followed by
its body: `概览` (a Markdown table: Method, Path, Type, Status, Module, Folder),
`参数` (parameters JSON), `请求体` (request body JSON), `响应` (responses JSON).
The JSON blocks are native Apifox objects, so the page becomes one native API.
"""

from __future__ import annotations

import json
import re
from typing import Any

from newapi_contract.apifox.document import assemble
from newapi_contract.apifox.draft import Components
from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.native_api import NativeContext, api_to_draft
from newapi_contract.apifox.native_auth import NativeAuth
from newapi_contract.apifox.schemas import SchemaCleaner
from newapi_contract.apifox.shapes import repair_shape
from newapi_contract.errors import InputError

__all__ = ["convert_page", "looks_like_page"]

OVERVIEW = "概览"
SECTIONS = {"参数": "parameters", "请求体": "requestBody", "响应": "responses"}
_REQUEST_LINE = re.compile(r"(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|TRACE)\s+(\S+)")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def looks_like_page(text: str) -> bool:
    lines = [line for line in _lines(text) if line]
    return len(lines) >= 2 and bool(_REQUEST_LINE.fullmatch(lines[1])) and OVERVIEW in lines


def convert_page(text: str, source: str) -> tuple[dict[str, Any], FindingLog]:
    title, method, path, overview, blocks = _split(text, source)
    api: dict[str, Any] = {"method": method, "path": path}
    for section, key in SECTIONS.items():
        if section in blocks:
            api[key] = _json_block(blocks[section], section, source)
    log = FindingLog()
    repair_shape(api, "api", source, log, lambda at: _where(source, at))
    components = Components()
    cleaner = SchemaCleaner(lambda _ref: None, log)  # a page has no schema store to point into
    ctx = NativeContext(components, cleaner, log, NativeAuth(components, log))
    x_source = {
        "file": source,
        "format": "apifox-page",
        **{k.lower(): v for k, v in overview.items() if k not in ("Method", "Path")},
    }
    fields = {"summary": title, "x-source": x_source}
    draft = api_to_draft(api, lambda *parts: _where(source, parts), ctx, fields)
    doc = assemble(
        source=source,
        info={"title": title, "version": "1.0.0"},
        servers=[],
        drafts=[draft],
        components=components,
        log=log,
        x_source={"file": source, "format": "apifox-page"},
    )
    return doc, log


def _where(source: str, parts: tuple[object, ...] | list[object]) -> str:
    """`参数.header[0]`-style location: section name, then keys and [indexes]."""
    if not parts:
        return f"{source}: {OVERVIEW}"
    first, *rest = parts
    if first in ("path", "method"):
        return f"{source}: {OVERVIEW}.{str(first).capitalize()}"
    label = next((s for s, k in SECTIONS.items() if k == first), str(first))
    tail = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)
    return f"{source}: {label}{tail}"


def _split(text: str, source: str) -> tuple[str, str, str, dict[str, str], dict[str, str]]:
    lines = [line for line in _lines(text) if line]
    request = _REQUEST_LINE.fullmatch(lines[1])
    if request is None:  # looks_like_page() was checked by the caller
        raise InputError(f"{source}: line 2 is not `METHOD /path`")
    overview: dict[str, str] = {}
    blocks: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines[2:]:
        if line == OVERVIEW or line in SECTIONS:
            if line in blocks or (line == OVERVIEW and overview):
                raise InputError(f"{source}: section {line} appears twice")
            current = line
            blocks[line] = []
        elif current == OVERVIEW:
            cells = [c.strip() for c in line.strip("|").split("|")]
            if len(cells) == 2 and not set(cells[0]) <= {"-", ":"}:
                overview[cells[0]] = cells[1]
        elif current is not None:
            blocks[current].append(line)
        else:
            raise InputError(f"{source}: unexpected text before the {OVERVIEW} section: {line[:40]!r}")
    blocks.pop(OVERVIEW, None)
    return lines[0], request[1], request[2], overview, {k: "\n".join(v) for k, v in blocks.items()}


def _json_block(text: str, section: str, source: str) -> Any:
    if not text.strip():
        raise InputError(f"{source}: section {section} is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source}: section {section}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise InputError(f"{source}: section {section}: JSON nested too deeply") from exc
