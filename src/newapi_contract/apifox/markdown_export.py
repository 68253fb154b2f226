"""Apifox's "export as Markdown" of a whole project -> an OpenAPI document to convert.

Apifox writes the export with widdershins (`generator: "@tarslib/widdershins ..."`):
no spec, but prose and tables in a fixed layout. Per operation:

    # <folder>                       (a tag)
    ## POST <summary>
    POST /path
    <description paragraphs>
    > Body 请求参数                   (or "Body Parameters"), then a fenced example
    ### 请求参数                       (or "Parameters"): |名称|位置|类型|必选|说明| rows,
                                     body fields nested with `»`
    > 返回示例                        (or "Response Examples"), `> 200 Response` or
                                     `> <example name>`, then a fenced example
    ### 返回结果                       (or "Responses"): |状态码|状态码含义|说明|数据模型|
    ### 返回数据结构                    (or "Response Schema"): `状态码 **200**`, then
                                     |名称|类型|必选|约束|中文名|说明| rows nested with `»`

What the tables and code blocks state is read into an OpenAPI 3.1 document (which
is then converted like an OpenAPI export); `# 数据模型` (the schema section, which
repeats what the tables say) is not read, with a finding. Every operation says the
line it was read from.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt

from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.yaml_text import YamlTrouble, load_yaml
from newapi_contract.errors import InputError

__all__ = ["looks_like_markdown_export", "read_markdown_export"]

_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE")
_HEADING = re.compile(rf"({'|'.join(_METHODS)})\s+(.*)")
_REQUEST_LINE = re.compile(rf"({'|'.join(_METHODS)})\s+(/\S*)")
_GENERATOR = re.compile(r"^generator:\s*\"?@tarslib/widdershins", re.M)
_STATUS = re.compile(r"([1-5][0-9][0-9]|default)\b")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://[^\s<>\"']+")
_BODY_QUOTES = ("Body 请求参数", "Body Parameters", "Body 参数")
_EXAMPLE_QUOTES = ("返回示例", "Response Examples", "响应示例")
_PARAMETER_HEADINGS = ("请求参数", "Parameters")
_RESPONSE_HEADINGS = ("返回结果", "Responses")
_SCHEMA_HEADINGS = ("返回数据结构", "Response Schema")
_MODEL_SECTIONS = ("数据模型", "Schemas")
_SKIPPED_SECTIONS = ("Authentication",)
_TRUE = ("是", "true", "yes", "required")
_SCALAR_TYPES = ("string", "integer", "number", "boolean", "object", "array", "null")


def looks_like_markdown_export(text: str) -> bool:
    """A widdershins Markdown export: its generator line, or `## METHOD ...` then `METHOD /path`."""
    if _GENERATOR.search(text[:2000]):
        return True
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return any(
        line.startswith("## ") and _HEADING.fullmatch(line[3:]) and _REQUEST_LINE.fullmatch(nxt)
        for line, nxt in itertools.pairwise(lines)
    )


@dataclass
class _Block:
    kind: str  # h1, h2, h3, p, quote, fence, table, li
    text: str
    line: int
    language: str = ""
    rows: list[list[str]] = field(default_factory=list)  # table: header first


@dataclass
class _Operation:
    method: str
    summary: str
    line: int
    tag: str
    path: str = ""
    description: list[str] = field(default_factory=list)
    parameters: list[list[str]] = field(default_factory=list)  # table rows, header first
    body_example: tuple[str, str, int] | None = None  # (language, text, line)
    responses: list[list[str]] = field(default_factory=list)
    examples: list[tuple[str, str, str, int]] = field(default_factory=list)  # (label, lang, text, line)
    schemas: dict[str, list[list[str]]] = field(default_factory=dict)  # status -> table rows


def read_markdown_export(text: str, source: str, log: FindingLog) -> tuple[dict[str, Any], dict[str, int]]:
    """The OpenAPI document the export states, and the line of each operation (`METHOD path`)."""
    blocks = _blocks(text)
    title, version, servers, operations = _operations(blocks, source, log)
    if not operations:
        raise InputError(
            f"{source}: a Markdown export without an operation the converter can read "
            "(no `## METHOD title` heading followed by a `METHOD /path` line)"
        )
    paths: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    tags: list[str] = []
    for op in operations:
        if not op.path:
            log.add(
                "operation-invalid-dropped",
                f"{op.method} {op.summary!r} states no `{op.method} /path` line: dropped",
                f"{source}:{op.line}",
            )
            continue
        method = op.method.lower()
        item = paths.setdefault(op.path, {})
        if method in item:
            log.add(
                "duplicate-operation",
                f"{op.method} {op.path} is already defined: this one is dropped",
                f"{source}:{op.line}",
            )
            continue
        item[method] = _operation(op, source, log)
        lines[f"{method} {op.path}"] = op.line
        if op.tag and op.tag not in tags:
            tags.append(op.tag)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title or source, "version": version or "1.0.0"},
        "paths": paths,
    }
    if servers:
        doc["servers"] = [{"url": url} for url in servers]
    if tags:
        doc["tags"] = [{"name": tag} for tag in tags]
    return doc, lines


def _blocks(text: str) -> list[_Block]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    out: list[_Block] = []
    quote_depth = 0
    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = token.map[0] + 1 if token.map else 0
        if token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "heading_open":
            out.append(_Block(token.tag, tokens[i + 1].content.strip(), line))
            i += 2
        elif token.type == "inline" and tokens[i - 1].type == "paragraph_open":
            in_item = i >= 2 and tokens[i - 2].type == "list_item_open"
            kind = "quote" if quote_depth else "li" if in_item else "p"
            for n, part in enumerate(token.content.split("\n")):
                out.append(_Block(kind, part.strip(), line + n))
        elif token.type == "fence":
            language = token.info.strip().split(maxsplit=1)[0].lower() if token.info.strip() else ""
            out.append(_Block("fence", token.content, line + 1, language=language))
        elif token.type == "table_open":
            rows: list[list[str]] = []
            while tokens[i].type != "table_close":
                if tokens[i].type == "tr_open":
                    rows.append([])
                elif tokens[i].type == "inline" and rows:
                    rows[-1].append(tokens[i].content.strip())
                i += 1
            out.append(_Block("table", "", line, rows=rows))
        i += 1
    return out


def _operations(
    blocks: list[_Block], source: str, log: FindingLog
) -> tuple[str, str, list[str], list[_Operation]]:
    title = version = ""
    servers: list[str] = []
    operations: list[_Operation] = []
    tag = ""
    op: _Operation | None = None
    section = ""  # the h3 section of the current operation
    pending_quote = ""  # the last quote line (what a fence that follows is)
    skipping = False  # inside a section that is not read
    for block in blocks:
        if block.kind == "h1":
            op, section, pending_quote = None, "", ""
            skipping = block.text in _MODEL_SECTIONS or block.text in _SKIPPED_SECTIONS
            if block.text in _MODEL_SECTIONS:
                log.add(
                    "markdown-block-skipped",
                    f"section {block.text!r} (schemas the operation tables already state) is not read",
                    f"{source}:{block.line}",
                )
            elif not title:
                title = block.text
            elif not skipping:
                tag = block.text
            continue
        if skipping:
            continue
        if block.kind == "h2":
            heading = _HEADING.fullmatch(block.text)
            if heading:
                op = _Operation(heading[1], heading[2].strip(), block.line, tag)
                operations.append(op)
            else:
                op = None
            section, pending_quote = "", ""
            continue
        if op is None:
            if block.kind == "quote" and not version and re.fullmatch(r"v?\d[\w.\-]*", block.text):
                version = block.text
            elif block.kind in ("p", "li"):
                for url in (u.rstrip(").,") for u in _URL.findall(block.text)):
                    servers += [] if url in servers else [url]
            continue
        if block.kind == "h3":
            section, pending_quote = block.text, ""
            continue
        if block.kind == "p" and not op.path:
            request = _REQUEST_LINE.fullmatch(block.text)
            if request and request[1] == op.method:
                op.path = request[2]
                continue
        if block.kind == "p" and not section and op.path:
            op.description.append(block.text)
        elif block.kind == "quote":
            pending_quote = block.text
        elif block.kind == "fence":
            if pending_quote in _BODY_QUOTES:
                op.body_example = (block.language, block.text, block.line)
            elif pending_quote and pending_quote not in _EXAMPLE_QUOTES:
                op.examples.append((pending_quote, block.language, block.text, block.line))
            pending_quote = ""
        elif block.kind == "table":
            _table(op, section, block)
        elif block.kind == "p" and section in _SCHEMA_HEADINGS:
            status = _STATUS.search(block.text.replace("*", ""))
            if status:
                op.schemas.setdefault(status[1], [])
    return title, version, servers, operations


def _table(op: _Operation, section: str, block: _Block) -> None:
    header = block.rows[0] if block.rows else []
    if section in _PARAMETER_HEADINGS or (header[:2] == ["名称", "位置"]):
        op.parameters = block.rows
    elif section in _RESPONSE_HEADINGS:
        op.responses = block.rows
    elif section in _SCHEMA_HEADINGS and op.schemas:
        status = list(op.schemas)[-1]
        if not op.schemas[status]:
            op.schemas[status] = block.rows


def _operation(op: _Operation, source: str, log: FindingLog) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": op.summary}
    if op.description:
        out["description"] = "\n\n".join(op.description)
    if op.tag:
        out["tags"] = [op.tag]
    parameters, body_rows = _parameters(op.parameters)
    if parameters:
        out["parameters"] = parameters
    body = _request_body(op, body_rows, source, log)
    if body is not None:
        out["requestBody"] = body
    out["responses"] = _responses(op, source, log)
    return out


def _columns(rows: list[list[str]]) -> dict[str, int]:
    names = {
        "name": ("名称", "Name"),
        "in": ("位置", "In", "Location"),
        "type": ("类型", "Type"),
        "required": ("必选", "Required"),
        "description": ("说明", "Description"),
        "title": ("中文名", "Title"),
        "status": ("状态码", "HTTP Status Code", "Status"),
        "meaning": ("状态码含义", "Meaning"),
    }
    header = rows[0] if rows else []
    return {key: header.index(h) for key, options in names.items() for h in options if h in header}


def _cell(row: list[str], columns: dict[str, int], key: str) -> str:
    i = columns.get(key)
    text = row[i].strip() if i is not None and i < len(row) else ""
    return "" if text == "none" else _LINK.sub(r"\1", text)


def _parameters(rows: list[list[str]]) -> tuple[list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]:
    columns = _columns(rows)
    parameters: list[dict[str, Any]] = []
    body: list[tuple[int, dict[str, Any]]] = []
    for row in rows[1:]:
        raw_name = _cell(row, columns, "name")
        depth = raw_name.count("»")
        name = raw_name.replace("»", "").strip()
        location = _cell(row, columns, "in").lower()
        entry = {
            "name": name,
            "required": _cell(row, columns, "required").lower() in _TRUE,
            "description": _cell(row, columns, "description"),
            "schema": _type(_cell(row, columns, "type")),
        }
        if location == "body":
            body.append((depth, entry))
        elif location in ("path", "query", "header", "cookie") and name:
            spec = {"name": name, "in": location, "required": entry["required"] or location == "path"}
            if entry["description"]:
                spec["description"] = entry["description"]
            spec["schema"] = entry["schema"]
            parameters.append(spec)
    return parameters, body


def _type(text: str) -> dict[str, Any]:
    """A schema for a widdershins type cell: `string`, `integer(int64)`, `[string]`, `string¦null`."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return {"type": "array", "items": _type(text[1:-1])}
    kinds = []
    fmt = ""
    for part in re.split(r"[¦|]", text):
        match = re.fullmatch(r"([a-z]+)(?:\(([^)]*)\))?", part.strip())
        if match and match[1] in _SCALAR_TYPES:
            kinds.append(match[1])
            fmt = fmt or (match[2] or "")
    if not kinds:
        return {}
    schema: dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
    if fmt:
        schema["format"] = fmt
    return schema


def _tree(rows: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """An object schema from `»`-nested rows (depth 1 = a property of the root)."""
    root: dict[str, Any] = {"type": "object", "properties": {}}
    stack: list[tuple[int, dict[str, Any]]] = [(0, root)]
    for depth, entry in rows:
        while len(stack) > 1 and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1]
        if parent.get("type") == "array":
            parent = parent.setdefault("items", {"type": "object"})
            parent.setdefault("type", "object")
        schema = dict(entry["schema"])
        if entry.get("description"):
            schema["description"] = entry["description"]
        if entry.get("title"):
            schema["title"] = entry["title"]
        if entry["name"]:
            parent.setdefault("properties", {})[entry["name"]] = schema
            if entry["required"]:
                parent.setdefault("required", [])
                if entry["name"] not in parent["required"]:
                    parent["required"].append(entry["name"])
        stack.append((depth, schema))
    return root


def _parsed(language: str, text: str, line: int, source: str, log: FindingLog) -> Any:
    try:
        if language in ("yaml", "yml"):
            return load_yaml(text).data
        return json.loads(text)
    except (ValueError, YamlTrouble, RecursionError):
        what = f"a {language or 'text'} example that cannot be read: dropped"
        log.add("example-schema-mismatch", what, f"{source}:{line}")
        return None


def _request_body(
    op: _Operation, rows: list[tuple[int, dict[str, Any]]], source: str, log: FindingLog
) -> dict[str, Any] | None:
    if not rows and op.body_example is None:
        return None
    top = [entry for depth, entry in rows if depth == 0]
    nested = [(depth, entry) for depth, entry in rows if depth > 0]
    binary = any(entry["schema"].get("format") == "binary" for _d, entry in rows)
    language = op.body_example[0] if op.body_example else "json"
    if language in ("yaml", "yml"):
        media_type = "multipart/form-data" if binary else "application/x-www-form-urlencoded"
    elif language in ("json", ""):
        media_type = "application/json"
    else:
        media_type = "text/plain" if language == "text" else f"application/{language}"
    schema = _tree(nested) if nested else (dict(top[0]["schema"]) if top else {})
    if top and top[0].get("description"):
        schema["description"] = top[0]["description"]
    media: dict[str, Any] = {"schema": schema}
    if op.body_example is not None:
        value = _parsed(*op.body_example, source, log)
        if value is not None:
            media["example"] = value
    body: dict[str, Any] = {"content": {media_type: media}}
    if top and top[0]["required"]:
        body["required"] = True
    return body


def _responses(op: _Operation, source: str, log: FindingLog) -> dict[str, Any]:
    columns = _columns(op.responses)
    responses: dict[str, Any] = {}
    for row in op.responses[1:]:
        status = _cell(row, columns, "status")
        if not _STATUS.fullmatch(status):
            continue
        description = _cell(row, columns, "description") or _cell(row, columns, "meaning")
        responses[status] = {"description": description}
    for status, rows in op.schemas.items():
        response = responses.setdefault(status, {"description": ""})
        columns = _columns(rows)
        entries = []
        for row in rows[1:]:
            raw = _cell(row, columns, "name")
            entry = {
                "name": raw.replace("»", "").strip(),
                "required": _cell(row, columns, "required").lower() in _TRUE,
                "description": _cell(row, columns, "description"),
                "title": _cell(row, columns, "title"),
                "schema": _type(_cell(row, columns, "type")),
            }
            entries.append((raw.count("»"), entry))
        if entries:
            response["content"] = {"application/json": {"schema": _tree(entries)}}
    for label, language, text, line in op.examples:
        status_match = _STATUS.match(label)
        status = status_match[1] if status_match else next((s for s in responses if s.startswith("2")), "")
        value = _parsed(language, text, line, source, log)
        if value is None or not status:
            continue
        response = responses.setdefault(status, {"description": ""})
        media = response.setdefault("content", {}).setdefault("application/json", {})
        if isinstance(value, list) and isinstance(media.get("schema"), dict):
            media["schema"] = {"type": "array", "items": media["schema"]}
        name = label if not status_match else f"{status} Response"
        media.setdefault("examples", {})[name] = {"value": value}
    return responses
