"""The reference server's ASGI app: an explicit route list, gin's order and quirks.

Static segments come before `{id}` within a method, as gin's tree prefers them; ids are
plain strings (`{id}` matches any segment) that the handlers parse themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, request_response
from starlette.types import Scope

from newapi_contract.refserver import delete_api, model_lists, token_api, user_api
from newapi_contract.refserver.instance import Instance
from newapi_contract.refserver.pipeline import Handler, Policy, endpoint, limited, request_ip
from newapi_contract.refserver.routing import GinHeaders, GinRoute, gin_fallback
from newapi_contract.refserver.store import ROLE_ADMIN, ROLE_COMMON

__all__ = ["create_app"]

OPEN = Policy()
USER = Policy(min_role=ROLE_COMMON)
ADMIN = Policy(min_role=ROLE_ADMIN)
CRITICAL = Policy(critical=True)
KEY_REVEAL = Policy(min_role=ROLE_COMMON, critical=True, no_cache=True)
USER_SEARCH = Policy(min_role=ROLE_COMMON, search=True)
# current (e2c7aa7b router/api-router.go:73, 93): login and access tokens are not cached,
# and access tokens have the critical limit per IP and per user
CURRENT_LOGIN = Policy(critical=True, no_cache=True)
ACCESS_TOKEN = Policy(min_role=ROLE_COMMON, critical=True, user_critical="access-token", no_cache=True)


def _late2024_table(inst: Instance) -> list[tuple[str, str, Handler, Policy]]:
    """c6ae8273 `router/api-router.go`, `router/relay-router.go`: no /api/setup, no key
    reveal, no batch routes, no auto-groups, no /v1beta; login and register critical per IP
    (lines 36-37), `/api/user/token` and search without a limiter of their own."""
    table: list[tuple[str, str, Handler, Policy]] = [
        ("GET", "/api/status", user_api.get_status_late2024, OPEN),
        ("POST", "/api/user/login", user_api.login_late2024, CRITICAL),
        ("POST", "/api/user/register", user_api.new_user_late2024, CRITICAL),
        ("GET", "/api/user/token", user_api.rotate_access_token_late2024, USER),
        ("GET", "/api/user/self", user_api.get_self_late2024, USER),
        ("POST", "/api/user/", user_api.new_user_late2024, ADMIN),
        ("POST", "/api/user/manage", user_api.manage_user_late2024, ADMIN),
        ("GET", "/api/token/", token_api.list_tokens_late2024, USER),
        ("POST", "/api/token/", token_api.create_token_late2024, USER),
        ("PUT", "/api/token/", token_api.update_token_late2024, USER),
        ("GET", "/api/token/search", token_api.search_tokens_late2024, USER),
        ("GET", "/api/token/{id}", token_api.get_token_late2024, USER),
        ("DELETE", "/api/token/{id}", delete_api.delete_token, USER),
        ("GET", "/v1/models", model_lists.list_models, OPEN),
        ("GET", "/v1/models/{model}", model_lists.retrieve_model, OPEN),
    ]
    if inst.has("delete-trailing-slash-noop"):
        table.append(("DELETE", "/api/token/{id}/", delete_api.delete_token_trailing_slash, USER))
    return table


def _table(inst: Instance) -> list[tuple[str, str, Handler, Policy]]:
    """(method, path, handler, policy), in gin's matching order.

    Limiters as `router/api-router.go` of both commits attaches them (legacy line, current
    line): login 70/73, register 69/72, key reveal 277/243 and batch keys 282/248 critical
    per IP; search 275/240 per user; `/api/user/token` none in legacy (88), critical per IP
    and per user in current (93). DisableCache on key reveal and batch keys (both), and in
    current on login and `/api/user/token`.
    """
    table: list[tuple[str, str, Handler, Policy]] = [
        ("GET", "/api/status", user_api.get_status, OPEN),
        ("GET", "/api/setup", user_api.get_setup, OPEN),
        ("POST", "/api/setup", user_api.post_setup, OPEN),
        ("POST", "/api/user/login", user_api.login, CURRENT_LOGIN if inst.current else CRITICAL),
        ("POST", "/api/user/register", user_api.new_user, CRITICAL),
        ("GET", "/api/user/token", user_api.rotate_access_token, ACCESS_TOKEN if inst.current else USER),
        ("GET", "/api/user/self", user_api.get_self, USER),
        ("POST", "/api/user/", user_api.new_user, ADMIN),
        ("POST", "/api/user/manage", user_api.manage_user, ADMIN),
        ("GET", "/api/token/", token_api.list_tokens, USER),
        ("POST", "/api/token/", token_api.create_token, USER),
        ("PUT", "/api/token/", token_api.update_token, USER),
        ("GET", "/api/token/search", token_api.search_tokens, USER_SEARCH),
        ("POST", "/api/token/batch", token_api.batch_delete, USER),
        ("POST", "/api/token/batch/keys", token_api.batch_keys, KEY_REVEAL),
        ("GET", "/api/token/{id}", token_api.get_token, USER),
        ("DELETE", "/api/token/{id}", delete_api.delete_token, USER),
        ("POST", "/api/token/{id}/key", token_api.reveal_key, KEY_REVEAL),
        # The relay's model routes (router/relay-router.go): TokenAuth, no rate limiter.
        ("GET", "/v1/models", model_lists.list_models, OPEN),
        ("GET", "/v1/models/{model}", model_lists.retrieve_model, OPEN),
        ("GET", "/v1beta/models", model_lists.gemini_models, OPEN),
        ("GET", "/v1beta/openai/models", model_lists.openai_compatible_models, OPEN),
    ]
    if inst.current:
        table.insert(12, ("GET", "/api/token/auto-groups", token_api.auto_groups, USER))
    if inst.has("delete-trailing-slash-noop"):
        table.append(("DELETE", "/api/token/{id}/", delete_api.delete_token_trailing_slash, USER))
    return table


def _web_gate(inst: Instance) -> Callable[[Scope], Response | None]:
    """The global web limiter, per IP, on unrouted requests (`router/web-router.go`)."""

    def gate(scope: Scope) -> Response | None:
        return limited(inst, "web", f"GW{request_ip(inst, Request(scope))}")

    return gate


def create_app(inst: Instance) -> Starlette:
    """The ASGI app serving `inst`. `/api` answers are gzipped for clients that accept it
    (gin's gzip middleware sits on the `/api` group)."""
    routes: list[BaseRoute] = []
    table = _late2024_table(inst) if inst.late2024 else _table(inst)
    for method, path, handler, policy in table:
        run = endpoint(inst, handler, policy)
        # Starlette wraps a plain function itself; a wrapped app must go in as an ASGI app.
        wrapped = GZipMiddleware(request_response(run), minimum_size=0) if path.startswith("/api/") else run
        routes.append(GinRoute(path, wrapped, methods=[method]))
    version = None if inst.late2024 else inst.version  # c6ae8273 has no middleware.PoweredBy
    app = Starlette(routes=routes, middleware=[Middleware(GinHeaders, version=version)])
    # gin's fallback (trailing-slash redirects, its 404s) as the router's own default: a
    # Mount would not match a path holding a newline (its pattern is `.*`), as gin does.
    app.router.redirect_slashes = False
    app.router.default = gin_fallback(routes, _web_gate(inst), cache_version=not inst.late2024)
    return app
