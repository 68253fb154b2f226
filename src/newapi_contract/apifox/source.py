"""Reading an Apifox source and telling its format from its content (not its name).

Formats: an endpoint page (the text Apifox shows for one API), a native project
export (`apifoxProject`, or Apidog's `apidogProject`: the same structure; JSON or YAML),
an OpenAPI 3.0/3.1 or Swagger 2.0 export (JSON or YAML; one whose `openapi` and `info` were cut off,
its `paths` holding operations, too; the one an HTML export holds inline), and
a Markdown page of an Apifox-published documentation site (spec in fenced blocks), and
Apifox's "export as Markdown" of a whole project (tables and code blocks, no spec).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from newapi_contract.apifox.limits import MAX_INPUT_BYTES, check_depth
from newapi_contract.apifox.markdown_export import looks_like_markdown_export
from newapi_contract.apifox.markdown_page import read_markdown
from newapi_contract.apifox.page import looks_like_page
from newapi_contract.apifox.yaml_text import YamlTrouble, load_yaml
from newapi_contract.errors import InputError

__all__ = ["Format", "Parsed", "detect", "inline_spec", "read_text"]

Format = Literal[
    "apifox-page", "apifox-project", "apifox-openapi", "apifox-markdown", "apifox-markdown-export"
]

# A YAML document that starts like a spec: its parse errors are worth reporting as such.
_YAML_SPEC_START = re.compile(
    r"\A(?:\s*#[^\n]*\n|\s*---[^\n]*\n|\s*\n)*\s*(?:openapi|apifoxProject|apidogProject|swagger)\s*:"
)
# The key a native project export starts with: Apifox's, or Apidog's (its international edition).
PROJECT_KEYS = ("apifoxProject", "apidogProject")
_OPENAPI_VERSION = re.compile(r"3\.[01](?:\.|$)")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_HTML = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
# Swagger UI's options as an HTML export writes them: `SwaggerUIBundle({ spec: {...}, ...})`.
_INLINE_SPEC = re.compile(r"\bspec\s*:\s*\{")


@dataclass
class Parsed:
    """A source, read: its format, its content, and how it was written."""

    kind: Format
    content: Any  # the page text, the JSON/YAML data, or a MarkdownPage
    syntax: Literal["json", "yaml", "markdown", "page", "html"]
    duplicate_keys: list[tuple[int, str]] = field(default_factory=list)  # YAML: (line, key)
    html_line: int | None = None  # an HTML export: the line its inline spec starts on


def read_text(path: Path) -> str:
    """The file's text; InputError when it is missing, unreadable, not UTF-8 or empty."""
    try:
        if path.is_file() and path.stat().st_size > MAX_INPUT_BYTES:
            raise InputError(f"{path}: larger than {MAX_INPUT_BYTES // 2**20} MiB: not converted")
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path}: is a directory, not a file") from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def detect(text: str, source: str) -> Parsed:
    """The format of `text` and its parsed content."""
    if not text.strip():
        raise InputError(f"{source}: empty file")
    if text.lstrip()[0] in "{[":
        data = _parse_json(text, source)
        check_depth(data, source)
        return Parsed(_kind(data, source, "JSON"), data, "json")
    if _HTML.match(text):
        return _html_export(text, source)
    if looks_like_page(text):
        return Parsed("apifox-page", text, "page")
    if _YAML_SPEC_START.match(text):
        loaded = _parse_yaml(text, source)
        check_depth(loaded.data, source)
        return Parsed(_kind(loaded.data, source, "YAML"), loaded.data, "yaml", loaded.duplicate_keys)
    page = read_markdown(text)
    if page is None and looks_like_markdown_export(text):
        return Parsed("apifox-markdown-export", text, "markdown")
    if page is not None:
        if not page.blocks:
            line, why = page.skipped[0]
            raise InputError(f"{source}: Markdown page without a readable spec block (line {line}: {why})")
        return Parsed("apifox-markdown", page, "markdown")
    try:  # YAML whose spec key is not the first one
        loaded = load_yaml(text)
    except YamlTrouble:
        loaded = None
    if loaded is not None and isinstance(loaded.data, dict) and _spec_key(loaded.data):
        check_depth(loaded.data, source)
        return Parsed(_kind(loaded.data, source, "YAML"), loaded.data, "yaml", loaded.duplicate_keys)
    raise InputError(
        f"{source}: unknown format: not JSON or YAML of an OpenAPI document or Apifox project, "
        "not an Apifox endpoint page (title, `METHOD /path`, 概览), "
        "and not a Markdown page with a fenced spec block"
    )


def inline_spec(text: str) -> tuple[Any, int] | None:
    """The spec an HTML export holds inline (Swagger UI's `spec: {...}`), and its line."""
    for match in _INLINE_SPEC.finditer(text):
        try:
            data, _end = json.JSONDecoder().raw_decode(text, match.end() - 1)
        except (ValueError, RecursionError):
            continue
        if isinstance(data, dict) and ("openapi" in data or "swagger" in data or "paths" in data):
            return data, text.count("\n", 0, match.start()) + 1
    return None


def _html_export(text: str, source: str) -> Parsed:
    """Apidog's (and Apifox's) HTML export: a Swagger UI page holding the spec inline."""
    found = inline_spec(text)
    if found is None:
        raise InputError(
            f"{source}: an HTML page without an inline OpenAPI spec "
            "(export the project as OpenAPI or in Apifox's own format instead)"
        )
    data, line = found
    check_depth(data, source)
    return Parsed(_kind(data, source, "JSON"), data, "html", html_line=line)


def _spec_key(data: dict[str, Any]) -> bool:
    return any(key in data for key in (*PROJECT_KEYS, "openapi", "swagger")) or _bare_paths(data)


def _bare_paths(data: dict[str, Any]) -> bool:
    """OpenAPI `paths` holding operations, without the `openapi` version (a trimmed export)."""
    paths = data.get("paths")
    return (
        "openapi" not in data
        and "swagger" not in data
        and isinstance(paths, dict)
        and any(
            isinstance(item, dict) and any(isinstance(item.get(m), dict) for m in _METHODS)
            for item in paths.values()
        )
    )


def _kind(data: Any, source: str, syntax: str) -> Format:
    if isinstance(data, dict) and any(key in data for key in PROJECT_KEYS):
        return "apifox-project"
    if isinstance(data, dict) and isinstance(data.get("openapi"), str | int | float):
        version = str(data["openapi"])
        if not _OPENAPI_VERSION.match(version):
            raise InputError(f"{source}: OpenAPI {version} is not supported (3.0 and 3.1 are)")
        data["openapi"] = version
        return "apifox-openapi"
    if isinstance(data, dict) and _is_postman(data):
        raise InputError(
            f"{source}: a Postman collection, not an Apifox or Apidog export "
            "(export the project as OpenAPI or in Apifox's own format instead)"
        )
    if isinstance(data, dict) and "swagger" in data and "openapi" not in data:
        version = str(data["swagger"])
        if version not in ("2.0", "2"):
            raise InputError(f"{source}: Swagger {version} is not supported (2.0, OpenAPI 3.0 and 3.1 are)")
        return "apifox-openapi"  # read as the OpenAPI 3.0 document it states
    if isinstance(data, dict) and _bare_paths(data):
        return "apifox-openapi"  # its version is told, with a finding, when it is read
    raise InputError(
        f"{source}: unknown format: {syntax}, but neither an Apifox project "
        "(apifoxProject, apidogProject) nor an OpenAPI 3 document (openapi)"
    )


def _is_postman(data: dict[str, Any]) -> bool:
    info = data.get("info")
    schema = str(info.get("schema") or "") if isinstance(info, dict) else ""
    return "getpostman.com" in schema or (isinstance(info, dict) and isinstance(data.get("item"), list))


def _parse_json(text: str, source: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = " (truncated?)" if exc.pos >= len(text.rstrip()) else ""
        raise InputError(
            f"{source}: malformed JSON{truncated}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise InputError(f"{source}: JSON nested too deeply") from exc


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return load_yaml(text)
    except YamlTrouble as exc:
        if exc.problem.startswith("too big"):
            raise InputError(f"{source}: YAML {exc.problem}") from exc
        at = f" at line {exc.line}" if exc.line else ""
        raise InputError(f"{source}: malformed YAML{at}: {exc.problem}") from exc
