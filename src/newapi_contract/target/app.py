"""The reference server's ASGI app: an explicit route list, gin's order and quirks.

Static segments come before `{id}` within a method, as gin's tree prefers them; ids are
plain strings (`{id}` matches any segment) that the handlers parse themselves.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Mount, Router, request_response

from newapi_contract.target import delete_api, model_lists, token_api, user_api
from newapi_contract.target.instance import Instance
from newapi_contract.target.pipeline import Handler, Policy, endpoint
from newapi_contract.target.routing import GinHeaders, GinRoute, gin_fallback
from newapi_contract.target.store import ROLE_ADMIN, ROLE_COMMON

__all__ = ["create_app"]

OPEN = Policy()
USER = Policy(min_role=ROLE_COMMON)
ADMIN = Policy(min_role=ROLE_ADMIN)
CRITICAL = Policy(critical=True)
USER_CRITICAL = Policy(min_role=ROLE_COMMON, critical=True)
USER_SEARCH = Policy(min_role=ROLE_COMMON, search=True)


def _table(inst: Instance) -> list[tuple[str, str, Handler, Policy]]:
    """(method, path, handler, policy), in gin's matching order."""
    table = [
        ("GET", "/api/status", user_api.get_status, OPEN),
        ("GET", "/api/setup", user_api.get_setup, OPEN),
        ("POST", "/api/setup", user_api.post_setup, OPEN),
        ("POST", "/api/user/login", user_api.login, CRITICAL),
        ("POST", "/api/user/register", user_api.new_user, CRITICAL),
        # main (current) added the critical limiter to /api/user/token on 2026-08-06
        ("GET", "/api/user/token", user_api.rotate_access_token, USER_CRITICAL if inst.current else USER),
        ("GET", "/api/user/self", user_api.get_self, USER),
        ("POST", "/api/user/", user_api.new_user, ADMIN),
        ("POST", "/api/user/manage", user_api.manage_user, ADMIN),
        ("GET", "/api/token/", token_api.list_tokens, USER),
        ("POST", "/api/token/", token_api.create_token, USER),
        ("PUT", "/api/token/", token_api.update_token, USER),
        ("GET", "/api/token/search", token_api.search_tokens, USER_SEARCH),
        ("POST", "/api/token/batch", token_api.batch_delete, USER),
        ("POST", "/api/token/batch/keys", token_api.batch_keys, USER_CRITICAL),
        ("GET", "/api/token/{id}", token_api.get_token, USER),
        ("DELETE", "/api/token/{id}", delete_api.delete_token, USER),
        ("POST", "/api/token/{id}/key", token_api.reveal_key, USER_CRITICAL),
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


def create_app(inst: Instance) -> Starlette:
    """The ASGI app serving `inst`. `/api` answers are gzipped for clients that accept it
    (gin's gzip middleware sits on the `/api` group)."""
    routes: list[BaseRoute] = []
    for method, path, handler, policy in _table(inst):
        run = endpoint(inst, handler, policy)
        # Starlette wraps a plain function itself; a wrapped app must go in as an ASGI app.
        app = GZipMiddleware(request_response(run), minimum_size=0) if path.startswith("/api/") else run
        routes.append(GinRoute(path, app, methods=[method]))
    router = Router(routes, redirect_slashes=False, default=gin_fallback(routes))
    version = inst.version if inst.current else None
    return Starlette(routes=[Mount("", app=router)], middleware=[Middleware(GinHeaders, version=version)])
