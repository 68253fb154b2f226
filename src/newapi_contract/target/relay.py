"""The relay's token auth, enough of it for `GET /v1/models` (reference doc §4).

A key arrives as `Authorization: Bearer sk-<key>` (`sk-` optional; only `Bearer ` or
`bearer ` is stripped; a `-suffix` after the key is ignored) or `x-api-key`. Unknown,
deleted, disabled, expired and exhausted keys all get the same 401; a disabled user's key
gets 403. Without a token cache a deleted key fails on the very next request.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from newapi_contract.target.auth import USER_DISABLED
from newapi_contract.target.instance import Instance
from newapi_contract.target.messages import text
from newapi_contract.target.pipeline import Call
from newapi_contract.target.responses import GinJSON
from newapi_contract.target.token_api import TOKEN_ENABLED, TOKEN_EXHAUSTED, TOKEN_EXPIRED

__all__ = ["list_models"]


def _key(call: Call) -> str:
    header = call.request.headers.get("authorization", "")
    for prefix in ("Bearer ", "bearer "):
        header = header.removeprefix(prefix)
    header = header or call.request.headers.get("x-api-key", "")
    return header.removeprefix("sk-").split("-")[0]


def _error(call: Call, status: int, message: str) -> Response:
    request_id = call.request.scope.get("state", {}).get("request_id", "")
    body = {
        "error": {"code": "", "message": f"{message} (request id: {request_id})", "type": "new_api_error"}
    }
    return GinJSON(body, status_code=status)


async def _lookup(inst: Instance, key: str) -> dict[str, Any] | None:
    if inst.cache is not None:
        cached = inst.cache.get(key)
        if cached is not None:
            return cached
    include_deleted = inst.has("relay-ignores-deleted") or inst.has("relay-tells-deleted")
    token = inst.store.token_by_key(key, include_deleted=include_deleted) if key else None
    if inst.cache is not None and token is not None and token["deleted_at"] is None:
        await asyncio.sleep(0)  # read, then write: a delete may land in between (legacy race)
        inst.cache.put(key, token)
    return token


def _usable(inst: Instance, token: dict[str, Any]) -> bool:
    """Upstream's ValidateUserToken; an expired or exhausted key is marked as such."""
    if token["status"] != TOKEN_ENABLED:
        return False
    if token["expired_time"] != -1 and token["expired_time"] < inst.store.now():
        inst.store.set_token_status(token["id"], TOKEN_EXPIRED)
        return False
    if not token["unlimited_quota"] and token["remain_quota"] <= 0:
        inst.store.set_token_status(token["id"], TOKEN_EXHAUSTED)
        return False
    return True


async def list_models(inst: Instance, call: Call) -> Response:
    key = _key(call)
    token = await _lookup(inst, key)
    invalid = text("token.invalid", call.lang)
    if inst.has("relay-echoes-key"):
        invalid = f"{invalid}: sk-{key}"
    if token is None:
        return _error(call, 401, invalid)
    if token["deleted_at"] is not None and not inst.has("relay-ignores-deleted"):
        return _error(call, 401, text("token.deleted", call.lang))
    if not _usable(inst, token):
        return _error(call, 401, invalid)
    user = inst.store.user(token["user_id"])
    if user is None or user["status"] == USER_DISABLED:
        return _error(call, 403, text("auth.banned", call.lang))
    return GinJSON({"data": [], "object": "list", "success": True})
