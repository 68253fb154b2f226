"""Answers shaped like gin's: compact JSON, Go's HTML-safe escaping, its content type.

gin's `c.JSON` marshals `gin.H` maps with keys in alphabetical order and escapes `<`, `>`
and `&` as Go's encoding/json does; the content type is `application/json; charset=utf-8`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

__all__ = ["JSON_TYPE", "GinJSON", "empty", "fail", "no_route", "ok"]

JSON_TYPE = "application/json; charset=utf-8"
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_json(content: Any) -> bytes:
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in _GO_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text.encode("utf-8")


class GinJSON(Response):
    """`c.JSON(status, body)`: a dict's own key order is kept (build `gin.H` sorted)."""

    media_type = JSON_TYPE

    def render(self, content: Any) -> bytes:
        return go_json(content)


def ok(data: Any = None, *, with_data: bool = True) -> GinJSON:
    """`{"data":...,"message":"","success":true}` (or without `data`)."""
    body: dict[str, Any] = {"data": data} if with_data else {}
    body.update({"message": "", "success": True})
    return GinJSON(body)


def fail(message: str, status: int = 200, code: str | None = None) -> GinJSON:
    """`{"message":...,"success":false}`, with the current generation's `code` when given."""
    body: dict[str, Any] = {"code": code} if code is not None else {}
    body.update({"message": message, "success": False})
    return GinJSON(body, status_code=status)


def empty(status: int, headers: dict[str, str] | None = None) -> Response:
    """A body-less answer with no Content-Type (gin's `c.Status` / `AbortWithStatus`)."""
    return Response(status_code=status, headers=headers)


def no_route(method: str, path: str) -> GinJSON:
    """new-api's answer for an unrouted `/api` or `/v1` path."""
    error = {
        "message": f"Invalid URL ({method} {path})",
        "type": "invalid_request_error",
        "param": "",
        "code": "",
    }
    return GinJSON({"error": error}, status_code=404)
