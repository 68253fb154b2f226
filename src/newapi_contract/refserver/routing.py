"""gin's routing behaviour on top of Starlette's router (reference doc §1).

- Routes match per method: a path served by another method is no route (no 405), so
  `DELETE /api/token/search` reaches DeleteToken with id `search`.
- No route, but the path with/without a trailing slash has one for this method: redirect,
  301 for GET and 307 otherwise, before any middleware runs.
- Otherwise the engine's NoRoute chain (`router/web-router.go`, both commits): gzip, the
  global web limiter (per IP), `middleware.Cache()` (`Cache-Control: max-age=604800`,
  `Cache-Version`), then new-api's JSON 404 when the request URI starts with `/v1`, `/api`
  or `/assets`, else the web UI's `index.html` (200, `Cache-Control: no-cache`).
- Every answer but the redirects carries `X-Oneapi-Request-Id` and `X-New-Api-Version`
  (`middleware.RequestId`, `middleware.PoweredBy` on the engine, both generations).
- late2024 (c6ae8273): no `middleware.PoweredBy` (no `X-New-Api-Version`), and its
  `middleware/cache.go` sets no `Cache-Version`; the rest is the same (`router/web-router.go`,
  `controller/relay.go RelayNotFound`).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newapi_contract.refserver.credentials import new_request_id
from newapi_contract.refserver.responses import no_route

__all__ = ["GinHeaders", "GinRoute", "gin_fallback"]

_REDIRECTS = (301, 307)
# middleware/cache.go (both commits)
_CACHE_VERSION = "b688f2fb5be447c25e5aa3bd063087a83db32a288bf6a4f35f2d8db310e40b14"
_GO_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}  # net/http
_INDEX_PAGE = "<!doctype html><title>New API</title>"


class GinRoute(Route):
    """A route that does not exist for other methods (Starlette would answer 405)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        return (Match.NONE, {}) if match is Match.PARTIAL else (match, child)


def _redirect(method: str, location: str) -> Response:
    """gin's trailing-slash redirect is Go's `http.Redirect`: 301 for GET, else 307; a GET
    (or HEAD) gets a small HTML body naming the target, others none."""
    status = 301 if method == "GET" else 307
    if method not in ("GET", "HEAD"):
        return RedirectResponse(location, status_code=status)
    escaped = "".join(_GO_HTML_ESCAPES.get(c, c) for c in location)
    body = f'<a href="{escaped}">Moved Permanently</a>.\n\n'
    return HTMLResponse(body, status_code=status, headers={"Location": location})


def _no_route(web_gate: Callable[[Scope], Response | None], cache_version: bool) -> ASGIApp:
    """The NoRoute chain after gzip: web limiter, cache headers, the 404 or the web page."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        response: Response | None = web_gate(scope)
        if response is None:
            request_uri = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
            if request_uri.startswith(("/v1", "/api", "/assets")):
                response = no_route(scope["method"], scope["path"])
                response.headers["Cache-Control"] = "max-age=604800"
            else:
                response = HTMLResponse(_INDEX_PAGE, headers={"Cache-Control": "no-cache"})
            if cache_version:
                response.headers["Cache-Version"] = _CACHE_VERSION
        await response(scope, receive, send)

    return app


def gin_fallback(
    routes: list[BaseRoute], web_gate: Callable[[Scope], Response | None], cache_version: bool = True
) -> ASGIApp:
    """The router's default app: trailing-slash redirect, else the NoRoute chain;
    `web_gate(scope)` is the web limiter (None: the request passes); `cache_version`: the
    NoRoute answers carry `Cache-Version` (not in late2024)."""
    not_found = GZipMiddleware(_no_route(web_gate, cache_version), minimum_size=0)

    async def fallback(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        other = path[:-1] if path.endswith("/") and path != "/" else path + "/"
        if any(route.matches({**scope, "path": other})[0] is Match.FULL for route in routes):
            query = scope.get("query_string", b"").decode("latin-1")
            location = quote(other, safe="/+:@!$&'()*,;=~") + (f"?{query}" if query else "")
            await _redirect(scope["method"], location)(scope, receive, send)
        else:
            await not_found(scope, receive, send)

    return fallback


class GinHeaders:
    """Request id (also in `scope["state"]` for relay errors) and version headers
    (`version` None: no `X-New-Api-Version`, as late2024)."""

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
                if self.version is not None:
                    headers["X-New-Api-Version"] = self.version
            await send(message)

        await self.app(scope, receive, stamped)
