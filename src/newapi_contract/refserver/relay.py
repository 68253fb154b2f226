"""The relay's token auth: every door a key comes in by (upstream `middleware/auth.go TokenAuth`).

The key is read in this order, each step overwriting `Authorization` (reference §4):
1. `Sec-WebSocket-Protocol`: the part `openai-insecure-api-key.<key>` among comma-separated
   parts, or the whole header when there is no such part (so any subprotocol header replaces
   the `Authorization` the client sent);
2. `x-api-key` on paths containing `/v1/messages` or `/v1/models` (Anthropic style);
3. the `key` query parameter, then `x-goog-api-key`, on `/v1beta/models...`,
   `/v1beta/openai/models...` and `/v1/models/...`; current also on `/v1/models` itself;
4. `Authorization` with one `Bearer ` or `bearer ` stripped, else raw; when that is empty
   or `midjourney-proxy`, `mj-api-secret`.
A leading `sk-` is dropped and the key is cut at its first `-`: the rest pins a channel,
which only admins may do (a common user's valid key gets 403). Every door ends in the same
lookup (`ValidateUserToken`): unknown, deleted, disabled, expired and exhausted keys get
the same 401; a disabled user's key gets 403. Without a token cache a deleted key fails
on the very next request.

late2024 (c6ae8273 `middleware/auth.go TokenAuth`, `model/token.go ValidateUserToken`) has
three doors only: `Sec-WebSocket-Protocol`, `Authorization` (only `Bearer ` removed, no
trimming), and `mj-api-secret` when that is empty or `midjourney-proxy`; no `x-api-key`,
no Gemini. Its errors carry no `code`, are Chinese whatever the request's language and tell
the cases apart: `未提供令牌` (no key), `无效的令牌` (unknown or deleted), `该令牌已过期`,
`该令牌状态不可用` (disabled), and the exhausted texts quoting the key's first and last 3
characters. With Redis (`token_cache`) a deleted key stays cached: see `tokencache`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newapi_contract.refserver.auth import USER_DISABLED
from newapi_contract.refserver.instance import Instance
from newapi_contract.refserver.messages import ZH_CN, text
from newapi_contract.refserver.pipeline import Call
from newapi_contract.refserver.responses import GinJSON
from newapi_contract.refserver.store import ROLE_ADMIN
from newapi_contract.refserver.token_api import TOKEN_ENABLED, TOKEN_EXHAUSTED, TOKEN_EXPIRED

__all__ = ["RelayKey", "Relayed", "authorize", "error", "read_key", "read_key_late2024"]

_WS_PREFIX = "openai-insecure-api-key"
# SetupContextForToken's answer to a common user's channel pin (`sk-<key>-<channel>`).
_NO_CHANNEL_PIN = "普通用户不支持指定渠道"
_PIN_VERSION = "701e3ae1dc3f7975556d354e0675168d004891c8"


@dataclass(frozen=True)
class RelayKey:
    """The key as TokenAuth reads it: `key` is looked up; `parts` is the key cut at `-`;
    `door` says where it came from; `raw` is the credential text as sent."""

    key: str
    parts: tuple[str, ...]
    door: str  # authorization, websocket, x-api-key, gemini-query, gemini-header, mj
    raw: str


@dataclass(frozen=True)
class Relayed:
    """A request TokenAuth let through, and whose key it was."""

    token: dict[str, Any]
    user: dict[str, Any]


def _strip_bearer(value: str) -> str:
    if value.startswith(("Bearer ", "bearer ")):
        return value[7:].strip()
    return value


def _gemini_path(path: str, current: bool) -> bool:
    if current and path == "/v1/models":
        return True
    return path.startswith(("/v1beta/models", "/v1beta/openai/models", "/v1/models/"))


def read_key(request: Request, current: bool) -> RelayKey:
    """The key and its door, exactly in upstream's order of precedence."""
    headers = request.headers
    path = request.url.path
    auth, door, raw = _authorization_or_websocket(headers)
    if "/v1/messages" in path or "/v1/models" in path:
        anthropic = headers.get("x-api-key", "")
        if anthropic:
            auth, door, raw = "Bearer " + anthropic, "x-api-key", anthropic
    if _gemini_path(path, current):
        query = request.query_params.getlist("key")  # Go's c.Query: the first value
        if query and query[0]:
            auth, door, raw = "Bearer " + query[0], "gemini-query", query[0]
        goog = headers.get("x-goog-api-key", "")
        if goog:
            auth, door, raw = "Bearer " + goog, "gemini-header", goog
    key = _strip_bearer(auth)
    if key in ("", "midjourney-proxy"):
        raw = headers.get("mj-api-secret", "")
        key, door = _strip_bearer(raw), "mj"
    parts = tuple(key.removeprefix("sk-").split("-"))
    return RelayKey(parts[0], parts, door, raw)


# Faults that keep a deleted key alive on one door only: a cache in front of that door,
# keyed by the credential text as sent, that a delete never evicts (reference §9).
_STALE_DOORS: dict[str, Callable[[RelayKey], bool]] = {
    # Eviction knows only the canonical spelling `Bearer sk-<key>`.
    "stale-key-authorization": lambda rk: (
        rk.door == "authorization" and len(rk.parts) == 1 and rk.raw != f"Bearer sk-{rk.key}"
    ),
    "stale-key-channel-suffix": lambda rk: len(rk.parts) > 1,
    "stale-key-x-api-key": lambda rk: rk.door == "x-api-key",
    "stale-key-gemini": lambda rk: rk.door in ("gemini-query", "gemini-header"),
    "stale-key-websocket": lambda rk: rk.door == "websocket",
    "stale-key-midjourney": lambda rk: rk.door == "mj",
}

STALE_DOOR_FAULTS = tuple(_STALE_DOORS)


def _stale_door(inst: Instance, rk: RelayKey) -> str | None:
    return next((name for name, hit in _STALE_DOORS.items() if inst.has(name) and hit(rk)), None)


def error(call: Call, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """`abortWithOpenAiMessage`: the same error shape on every door (middleware/utils.go)."""
    request_id = call.request.scope.get("state", {}).get("request_id", "")
    body = {
        "error": {"code": "", "message": f"{message} (request id: {request_id})", "type": "new_api_error"}
    }
    return GinJSON(body, status_code=status, headers=headers)


async def _lookup(inst: Instance, rk: RelayKey) -> dict[str, Any] | None:
    stale = _stale_door(inst, rk)
    if stale is not None and (cached := inst.door_cache.get((stale, rk.raw))) is not None:
        return cached
    token = None
    if inst.cache is not None:
        token = inst.cache.get(rk.key)
    if token is None:
        include_deleted = inst.has("relay-ignores-deleted") or inst.has("relay-tells-deleted")
        token = inst.store.token_by_key(rk.key, include_deleted=include_deleted) if rk.key else None
        if token is None and rk.key and inst.has("batch-keeps-key"):
            row = inst.store.token_by_key(rk.key, include_deleted=True)
            if row is not None and row["id"] in inst.batch_deleted:
                token = {**row, "deleted_at": None}  # the batch path's stale copy
        if inst.cache is not None and token is not None and token["deleted_at"] is None:
            await asyncio.sleep(0)  # read, then write: a delete may land in between (legacy race)
            inst.cache.put(rk.key, token)
    if stale is not None and token is not None and token["deleted_at"] is None:
        inst.door_cache[(stale, rk.raw)] = token
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


def _authorization_or_websocket(headers: Any) -> tuple[str, str, str]:
    """(Authorization as TokenAuth goes on with it, the door, the header text as sent): the
    WebSocket subprotocol's key, read first, replaces Authorization (every generation)."""
    auth = headers.get("authorization", "")
    protocol = headers.get("sec-websocket-protocol", "")
    if not protocol:
        return auth, "authorization", auth
    key = protocol
    for part in (p.strip() for p in protocol.split(",")):
        if part.startswith(_WS_PREFIX):
            key = part.removeprefix(_WS_PREFIX + ".")
            break
    return "Bearer " + key, "websocket", protocol


def read_key_late2024(request: Request) -> RelayKey:
    """c6ae8273 TokenAuth's reading of the key: WebSocket, Authorization, mj-api-secret."""
    headers = request.headers
    auth, door, raw = _authorization_or_websocket(headers)
    key = auth.removeprefix("Bearer ")
    if key in ("", "midjourney-proxy"):
        raw = headers.get("mj-api-secret", "")
        key, door = raw.removeprefix("Bearer "), "mj"
    parts = tuple(key.removeprefix("sk-").split("-"))
    return RelayKey(parts[0], parts, door, raw)


def _late2024_error(call: Call, status: int, message: str) -> Response:
    """c6ae8273 middleware/utils.go abortWithOpenAiMessage: no `code` field."""
    request_id = call.request.scope.get("state", {}).get("request_id", "")
    body = {"error": {"message": f"{message} (request id: {request_id})", "type": "new_api_error"}}
    return GinJSON(body, status_code=status)


def _late2024_refusal(inst: Instance, token: dict[str, Any], key: str) -> str | None:
    """c6ae8273 ValidateUserToken's verdict on a found token: None when usable. Without
    Redis an expired or exhausted key is marked so in the database."""
    shown = f"sk-{key[:3]}***{key[-3:]}"
    if token["status"] == TOKEN_EXHAUSTED:
        return f"该令牌额度已用尽 TokenStatusExhausted[{shown}]"
    if token["status"] == TOKEN_EXPIRED:
        return "该令牌已过期"
    if token["status"] != TOKEN_ENABLED:
        return "该令牌状态不可用"
    if token["expired_time"] != -1 and token["expired_time"] < inst.store.now():
        if inst.cache is None:
            inst.store.set_token_status(token["id"], TOKEN_EXPIRED)
        return "该令牌已过期"
    if not token["unlimited_quota"] and token["remain_quota"] <= 0:
        if inst.cache is None:
            inst.store.set_token_status(token["id"], TOKEN_EXHAUSTED)
        return (
            f"[{shown}] 该令牌额度已用尽 !token.UnlimitedQuota && token.RemainQuota = {token['remain_quota']}"
        )
    return None


async def _authorize_late2024(inst: Instance, call: Call) -> Relayed | Response:
    rk = read_key_late2024(call.request)
    if not rk.key:
        return _late2024_error(call, 401, "未提供令牌")
    token = await _lookup(inst, rk)
    invalid = "无效的令牌" + (f": sk-{rk.key}" if inst.has("relay-echoes-key") else "")
    if token is None:
        return _late2024_error(call, 401, invalid)
    if token["deleted_at"] is not None and not inst.has("relay-ignores-deleted"):
        return _late2024_error(call, 401, text("token.deleted", ZH_CN))
    refusal = _late2024_refusal(inst, token, rk.key)
    if refusal is not None:
        return _late2024_error(call, 401, refusal)
    user = inst.store.user(token["user_id"])
    if user is None:
        return _late2024_error(call, 500, "record not found")
    if user["status"] == USER_DISABLED:
        return _late2024_error(call, 403, "用户已被封禁")
    if len(rk.parts) > 1 and user["role"] < ROLE_ADMIN:
        return _late2024_error(call, 403, _NO_CHANNEL_PIN)
    return Relayed(token, user)


async def authorize(inst: Instance, call: Call) -> Relayed | Response:
    """TokenAuth: the key's token and user, or the answer that refuses the request."""
    if inst.late2024:
        return await _authorize_late2024(inst, call)
    rk = read_key(call.request, inst.current)
    token = await _lookup(inst, rk)
    invalid = text("token.invalid", call.lang)
    if inst.has("relay-echoes-key"):
        invalid = f"{invalid}: sk-{rk.key}"
    if token is None:
        return error(call, 401, invalid)
    if token["deleted_at"] is not None and not inst.has("relay-ignores-deleted"):
        return error(call, 401, text("token.deleted", call.lang))
    if not _usable(inst, token):
        return error(call, 401, invalid)
    user = inst.store.user(token["user_id"])
    if user is None or user["status"] == USER_DISABLED:
        return error(call, 403, text("auth.banned", call.lang))
    if len(rk.parts) > 1 and user["role"] < ROLE_ADMIN:
        return error(call, 403, _NO_CHANNEL_PIN, {"Specific_channel_version": _PIN_VERSION})
    return Relayed(token, user)
