"""Reading an Apifox source and telling its format from its content (not its name)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from newapi_contract.apifox.page import looks_like_page
from newapi_contract.errors import InputError

__all__ = ["Format", "detect", "read_text"]

Format = Literal["apifox-page", "apifox-project", "apifox-openapi"]


def read_text(path: Path) -> str:
    """The file's text; InputError when it is missing, unreadable, not UTF-8 or empty."""
    try:
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


def detect(text: str, source: str) -> tuple[Format, Any]:
    """The format of `text` and its parsed content (JSON data, or the page text)."""
    if not text.strip():
        raise InputError(f"{source}: empty file")
    if text.lstrip()[0] in "{[":
        data = _parse_json(text, source)
        if isinstance(data, dict) and "apifoxProject" in data:
            return "apifox-project", data
        if isinstance(data, dict) and isinstance(data.get("openapi"), str):
            if not data["openapi"].startswith(("3.0.", "3.1.")):
                raise InputError(f"{source}: OpenAPI {data['openapi']} is not supported (3.0 and 3.1 are)")
            return "apifox-openapi", data
        if isinstance(data, dict) and "swagger" in data:
            raise InputError(f"{source}: Swagger 2.0 is not supported (export OpenAPI 3 instead)")
        raise InputError(
            f"{source}: unknown format: JSON, but neither an Apifox project "
            "(apifoxProject) nor an OpenAPI 3 document (openapi)"
        )
    if looks_like_page(text):
        return "apifox-page", text
    raise InputError(
        f"{source}: unknown format: not JSON, and not an Apifox endpoint page (title, `METHOD /path`, 概览)"
    )


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
