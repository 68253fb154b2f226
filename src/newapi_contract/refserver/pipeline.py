"""The middleware chain each route runs, in gin's order (reference doc §1, §7).

global API limiter (per IP, every routed `/api` path: `router/api-router.go:19`) -> user
auth (group middleware) -> the route's own limiters (critical per IP; in current also
critical per user on `/api/user/token`; search per user) -> handler. Unrouted paths pass
the web limiter instead (`routing`). A refusal is HTTP 429 with an empty body and no
Content-Type (`c.Status(429)`); current adds `Retry-After` with the limiter's whole window
(`writeRateLimited(c, duration)` in `middleware/rate-limit.go`: the in-memory limiter
cannot tell the time left), legacy sends none. Answers that passed user auth carry
`Auth-Version`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from newapi_contract.refserver.auth import authenticate
from newapi_contract.refserver.clientip import client_ip
from newapi_contract.refserver.instance import AUTH_VERSION, Identity, Instance
from newapi_contract.refserver.messages import language
from newapi_contract.refserver.responses import empty

__all__ = ["Call", "Handler", "Policy", "endpoint", "limited", "request_ip"]


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
# middleware/disable-cache.go (both commits)
_NO_CACHE = {
    "Cache-Control": "no-store, no-cache, must-revalidate, private, max-age=0",
    "Pragma": "no-cache",
    "Expires": "0",
}


@dataclass(frozen=True)
class Policy:
    """What runs before a handler: user auth from `min_role` (None: none), then the
    route's limiters: `critical` (per IP), `user_critical` (the critical numbers per user,
    upstream's `UserCriticalRateLimit(scope)`), `search` (per user); then `no_cache`
    (`middleware.DisableCache`: no-store headers on what passed the limiters)."""

    min_role: int | None = None
    critical: bool = False
    user_critical: str | None = None
    search: bool = False
    no_cache: bool = False  # upstream's DisableCache, after the limiters


def limited(inst: Instance, name: str, key: str) -> Response | None:
    """None if limiter `name` lets the request under `key` pass, else the 429 answer."""
    limit = inst.limits.by_name(name) if inst.limits is not None else None
    if limit is None or not limit.enabled or inst.rate_log.request(key, limit.limit, limit.window_s):
        return None
    retry_after = inst.current and limit.window_s > 0
    return empty(429, {"Retry-After": str(limit.window_s)} if retry_after else None)


def request_ip(inst: Instance, request: Request) -> str:
    return client_ip(inst.generation, request.client.host if request.client else "", request.headers)


async def _after_auth(inst: Instance, handler: Handler, policy: Policy, call: Call, ip: str) -> Response:
    user = call.identity.user_id if call.identity is not None else 0
    checks = (
        (policy.critical, "critical", f"CT{ip}"),
        (policy.user_critical is not None, "critical", f"UC:{policy.user_critical}:user:{user}"),
        (policy.search, "search", f"SR:user:{user}"),
    )
    for wanted, name, key in checks:
        refused = limited(inst, name, key) if wanted else None
        if refused is not None:
            return refused
    response = await handler(inst, call)
    if policy.no_cache:  # set before the handler upstream: what the handler sets wins
        for name, value in _NO_CACHE.items():
            response.headers.setdefault(name, value)
    return response


def endpoint(inst: Instance, handler: Handler, policy: Policy) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint running `policy` then `handler`."""

    async def run(request: Request) -> Response:
        ip = request_ip(inst, request)
        if request.scope["path"].startswith("/api/"):
            refused = limited(inst, "global", f"GA{ip}")
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
        if identity is not None and not inst.late2024:  # c6ae8273 middleware/auth.go: none
            response.headers["Auth-Version"] = AUTH_VERSION
        return response

    return run
