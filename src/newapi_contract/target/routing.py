"""gin's routing behaviour on top of Starlette's router (reference doc §1).

- Routes match per method: a path served by another method is no route (no 405), so
  `DELETE /api/token/search` reaches DeleteToken with id `search`.
- No route, but the path with/without a trailing slash has one for this method: redirect,
  301 for GET and 307 otherwise, before any middleware runs.
- Otherwise paths starting `/api`, `/v1` (`/v1beta` too) or `/assets` get new-api's JSON
  404; others gin's plain 404.
- Every routed answer (not the redirects) carries `X-Oneapi-Request-Id`, and in the
  current generation `X-New-Api-Version`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newapi_contract.target.credentials import new_request_id
from newapi_contract.target.responses import no_route

__all__ = ["GinHeaders", "GinRoute", "gin_fallback"]

_REDIRECTS = (301, 307)


class GinRoute(Route):
    """A route that does not exist for other methods (Starlette would answer 405)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        return (Match.NONE, {}) if match is Match.PARTIAL else (match, child)


def gin_fallback(routes: list[BaseRoute]) -> ASGIApp:
    """The router's default app: trailing-slash redirect, else the 404."""

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        other = path[:-1] if path.endswith("/") and path != "/" else path + "/"
        if any(route.matches({**scope, "path": other})[0] is Match.FULL for route in routes):
            query = scope.get("query_string", b"").decode("latin-1")
            location = quote(other, safe="/+:@!$&'()*,;=~") + (f"?{query}" if query else "")
            status = 301 if scope["method"] == "GET" else 307
            response: Any = RedirectResponse(location, status_code=status)
        elif path.startswith(("/api", "/v1", "/assets")):  # web-router.go NoRoute: RelayNotFound
            response = no_route(scope["method"], path)
        else:
            response = PlainTextResponse("404 page not found", status_code=404)
        await response(scope, receive, send)

    return fallback


class GinHeaders:
    """Request id (also in `scope["state"]` for relay errors) and version headers."""

    def __init__(self, app: ASGIApp, version: str | None) -> None:
        self.app = app
        self.version = version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] not in _REDIRECTS:
                headers = MutableHeaders(scope=message)
                headers["X-Oneapi-Request-Id"] = request_id
                if self.version:
                    headers["X-New-Api-Version"] = self.version
            await send(message)

        await self.app(scope, receive, stamped)
