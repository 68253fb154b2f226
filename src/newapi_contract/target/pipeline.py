"""The middleware chain each route runs, in gin's order (reference doc §1, §7).

global limiter (per IP, `/api` only) -> user auth (group middleware) -> the route's own
limiter (critical per IP, or search per user) -> handler. A limiter refusal is HTTP 429
with an empty body and no Content-Type; the current generation adds `Retry-After`.
Answers that passed user auth carry `Auth-Version`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from newapi_contract.target.auth import authenticate
from newapi_contract.target.instance import AUTH_VERSION, Identity, Instance
from newapi_contract.target.messages import language
from newapi_contract.target.ratelimit import SlidingWindow
from newapi_contract.target.responses import empty

__all__ = ["Call", "Handler", "Policy", "endpoint"]


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it."""

    request: Request
    identity: Identity | None
    lang: str

    @property
    def user_id(self) -> int:
        assert self.identity is not None, "route without user auth"
        return self.identity.user_id


Handler = Callable[[Instance, Call], Awaitable[Response]]


@dataclass(frozen=True)
class Policy:
    """What runs before a handler: user auth from `min_role` (None: none), one limiter."""

    min_role: int | None = None
    critical: bool = False
    search: bool = False


def _limited(inst: Instance, limiter: SlidingWindow, key: str) -> Response | None:
    wait = limiter.hit(key)
    if wait is None:
        return None
    return empty(429, {"Retry-After": str(wait)} if inst.current else None)


async def _after_auth(inst: Instance, handler: Handler, policy: Policy, call: Call, ip: str) -> Response:
    if inst.config.rate_limits:
        if policy.critical:
            refused = _limited(inst, inst.critical_limiter, ip)
            if refused is not None:
                return refused
        if policy.search and call.identity is not None:
            refused = _limited(inst, inst.search_limiter, str(call.identity.user_id))
            if refused is not None:
                return refused
    return await handler(inst, call)


def endpoint(inst: Instance, handler: Handler, policy: Policy) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running `policy` then `handler`."""

    async def run(request: Request) -> Response:
        limits_on = inst.config.rate_limits
        ip = request.client.host if request.client else ""
        if limits_on and request.scope["path"].startswith("/api/"):
            refused = _limited(inst, inst.global_limiter, ip)
            if refused is not None:
                return refused
        lang = language(request.headers.get("accept-language"))
        identity = None
        if policy.min_role is not None:
            outcome = authenticate(inst, request, policy.min_role, lang)
            if isinstance(outcome, Response):
                return outcome
            identity = outcome
        response = await _after_auth(inst, handler, policy, Call(request, identity, lang), ip)
        if identity is not None:
            response.headers["Auth-Version"] = AUTH_VERSION
        return response

    return run
