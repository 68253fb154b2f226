"""The `/api/token` endpoints (reference doc §3, §5), with the token-side fault modes.

Handlers parse path ids themselves with the `strconv.Atoi` clone: GetToken and the key
reveal report a parse error, DeleteToken ignores it (id 0, or clamped on overflow).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from newapi_contract.target.credentials import mask_key, new_key
from newapi_contract.target.gojson import BindError, bind
from newapi_contract.target.goparse import MAX_INT64, atoi
from newapi_contract.target.instance import Instance
from newapi_contract.target.messages import text
from newapi_contract.target.pipeline import Call
from newapi_contract.target.responses import empty, fail, ok
from newapi_contract.target.store import TOKEN_FIELDS, Term

__all__ = [
    "auto_groups",
    "batch_delete",
    "batch_keys",
    "create_token",
    "get_token",
    "list_tokens",
    "reveal_key",
    "search_tokens",
    "update_token",
]

ID_EMPTY = "id 或 userId 为空！"
NOT_FOUND = "record not found"
MAX_TOKENS = 1000
TOKEN_ENABLED, TOKEN_EXPIRED, TOKEN_EXHAUSTED = 1, 3, 4
# Quota ceilings: legacy releases, and main since 2026-08-10.
_MAX_QUOTA = {"legacy": 500_000_000_000_000, "current": 2_147_483_647}
_BATCH_KEYS_MAX = 100
_SEARCH_MAX = 100
_TOKEN_BODY = {
    "id": "int",
    "user_id": "int",
    "key": "string",
    "status": "int",
    "name": "string",
    "expired_time": "int",
    "remain_quota": "int",
    "unlimited_quota": "bool",
    "model_limits_enabled": "bool",
    "model_limits": "string",
    "allow_ips": "string",
    "group": "string",
    "cross_group_retry": "bool",
}


def item(inst: Instance, token: dict[str, Any]) -> dict[str, Any]:
    """One token as lists and GET show it: struct order, masked key."""
    shown = {field: token[field] for field in TOKEN_FIELDS}
    shown["key"] = mask_key(token["key"])
    shown["DeletedAt"] = token["deleted_at"]
    if inst.current:
        shown["auto_groups"] = token["auto_groups"]
    return shown


def _page(call: Call) -> tuple[int, int]:
    """`p` (1-based) and the page size: `page_size` beats `ps` beats `size`; default 10,
    at most 100, negative: no limit."""
    query = call.request.query_params
    page = max(atoi(query.get("p", "")).value, 1)
    size = 0
    for name in ("page_size", "ps", "size"):
        size = atoi(query.get(name, "")).value
        if size:
            break
    return page, min(size or 10, 100)


def _offset(page: int, size: int) -> int:
    """Rows to skip; a huge `p` skips everything instead of overflowing SQLite's int64."""
    return min((page - 1) * size, MAX_INT64) if size > 0 else 0


def _page_answer(inst: Instance, page: int, size: int, found: tuple[list[dict[str, Any]], int]) -> Response:
    tokens, total = found
    return ok(
        {"page": page, "page_size": size, "total": total, "items": [item(inst, token) for token in tokens]}
    )


async def list_tokens(inst: Instance, call: Call) -> Response:
    page, size = _page(call)
    found = inst.store.tokens(
        call.user_id, _offset(page, size), size, include_deleted=inst.has("list-shows-deleted")
    )
    return _page_answer(inst, page, size, found)


def _search_term(value: str) -> Term | str | None:
    """Upstream's search input (since CVE-2026-25591): exact unless it holds `%`, at most
    two non-adjacent `%` and two other characters; an error text when refused."""
    if not value:
        return None
    if "%%" in value:
        return "搜索模式中不允许包含连续的 % 通配符"
    wildcards = value.count("%")
    if wildcards > 2:
        return "搜索模式中最多允许包含 2 个 % 通配符"
    if wildcards and len(value.replace("%", "")) < 2:
        return "使用模糊搜索时，关键词长度至少为 2 个字符"
    return value, wildcards > 0


async def search_tokens(inst: Instance, call: Call) -> Response:
    page, size = _page(call)
    size = size if 0 < size <= _SEARCH_MAX else _SEARCH_MAX
    query = call.request.query_params
    key = query.get("token", "")
    key = key.strip("sk-") if inst.has("search-trims-sk") else key.removeprefix("sk-")
    terms: list[Term | None] = []
    for raw in (query.get("keyword", ""), key):
        term = _search_term(raw)
        if isinstance(term, str):
            return fail(term)
        terms.append(term)
    found = inst.store.tokens(
        call.user_id,
        _offset(page, size),
        size,
        name=terms[0],
        key=terms[1],
        include_deleted=inst.has("list-shows-deleted"),
    )
    return _page_answer(inst, page, size, found)


async def auto_groups(inst: Instance, call: Call) -> Response:
    return ok({"groups": [], "max_count": 0})


def _reported_id(inst: Instance, call: Call) -> int | Response:
    """The path id for handlers that report a parse error (GetToken, GetTokenKey)."""
    parsed = atoi(call.request.path_params["id"])
    if not parsed.ok:
        return empty(500) if inst.has("nonnumeric-id-500") else fail(parsed.error or "")
    return parsed.value if parsed.value != 0 else fail(ID_EMPTY)


async def get_token(inst: Instance, call: Call) -> Response:
    token_id = _reported_id(inst, call)
    if isinstance(token_id, Response):
        return token_id
    token = inst.store.token(token_id, call.user_id, include_deleted=inst.has("get-shows-deleted"))
    return ok(item(inst, token)) if token else fail(NOT_FOUND)


async def reveal_key(inst: Instance, call: Call) -> Response:
    token_id = _reported_id(inst, call)
    if isinstance(token_id, Response):
        return token_id
    owner = None if inst.has("key-reveals-foreign") else call.user_id
    token = inst.store.token(token_id, owner)
    return ok({"key": token["key"]}) if token else fail(NOT_FOUND)


def _validate(inst: Instance, body: dict[str, Any], lang: str) -> Response | None:
    if len(body["name"].encode()) > 50:
        return fail(text("token.name_too_long", lang))
    if not body["unlimited_quota"]:
        if body["remain_quota"] < 0:
            return fail(text("token.quota_negative", lang))
        ceiling = _MAX_QUOTA[inst.generation]
        if body["remain_quota"] > ceiling:
            return fail(text("token.quota_exceed_max", lang, max=ceiling))
    return None


def _bind_token(inst: Instance, raw: bytes) -> dict[str, Any]:
    fields = dict(_TOKEN_BODY)
    struct = "model.Token"
    if inst.current:
        fields["auto_groups"] = "[]string"
        struct = "controller.tokenRequest"
    return bind(raw, fields, struct)


def _settings(inst: Instance, body: dict[str, Any]) -> dict[str, Any]:
    """The fields a create or a full update writes."""
    fields = {
        name: body[name]
        for name in (
            "name",
            "expired_time",
            "remain_quota",
            "unlimited_quota",
            "model_limits_enabled",
            "model_limits",
            "allow_ips",
            "group",
            "cross_group_retry",
        )
    }
    auto = inst.current and body["group"] == "auto"
    fields["auto_groups"] = body.get("auto_groups") if auto else None
    if not auto:
        fields["cross_group_retry"] = False
    return fields


async def _bound_token(inst: Instance, call: Call) -> dict[str, Any] | Response:
    """The request's token body bound as gin binds it and validated, or the answer refusing it."""
    try:
        body = _bind_token(inst, await call.request.body())
    except BindError as exc:
        return fail(str(exc))
    return _validate(inst, body, call.lang) or body


async def create_token(inst: Instance, call: Call) -> Response:
    body = await _bound_token(inst, call)
    if isinstance(body, Response):
        return body
    if inst.store.count_live_tokens(call.user_id) >= MAX_TOKENS:
        return fail(f"已达到最大令牌数量限制 ({MAX_TOKENS})")
    fields = _settings(inst, body)
    if fields["expired_time"] == 0:
        fields["expired_time"] = -1
    now = inst.store.now()
    fields.update(
        user_id=call.user_id,
        key=new_key(),
        status=TOKEN_ENABLED,
        created_time=now,
        accessed_time=now,
        used_quota=0,
    )
    inst.store.insert_token(fields)
    return ok(with_data=False)


async def update_token(inst: Instance, call: Call) -> Response:
    body = await _bound_token(inst, call)
    if isinstance(body, Response):
        return body
    if body["id"] == 0:
        return fail(ID_EMPTY)
    token = inst.store.token(body["id"], call.user_id)
    if token is None:
        return fail(NOT_FOUND)
    if body["status"] == TOKEN_ENABLED:
        now = inst.store.now()
        if token["status"] == TOKEN_EXPIRED and -1 != token["expired_time"] <= now:
            return fail(text("token.expired_cannot_enable", call.lang))
        if token["status"] == TOKEN_EXHAUSTED and token["remain_quota"] <= 0 and not token["unlimited_quota"]:
            return fail(text("token.exhausted_cannot_enable", call.lang))
    if call.request.query_params.get("status_only", ""):
        changes: dict[str, Any] = {"status": body["status"]}
    else:
        changes = _settings(inst, body)
    inst.store.update_token(token["id"], changes)
    updated = inst.store.token(token["id"], call.user_id)
    assert updated is not None
    return ok(item(inst, updated))


async def _bound_ids(call: Call) -> list[int] | Response:
    try:
        ids = bind(await call.request.body(), {"ids": "[]int"}, "controller.TokenBatch")["ids"]
    except BindError:
        ids = None
    return ids if ids else fail(text("common.invalid_params", call.lang))


async def batch_delete(inst: Instance, call: Call) -> Response:
    ids = await _bound_ids(call)
    if isinstance(ids, Response):
        return ids
    owner = None if inst.has("batch-ignores-owner") else call.user_id
    deleted = inst.store.delete_many(ids, owner)
    if inst.cache is not None:
        for token in deleted:
            inst.cache.forget(token["key"])
    return ok(len(ids) if inst.has("batch-count-wrong") else len(deleted))


async def batch_keys(inst: Instance, call: Call) -> Response:
    ids = await _bound_ids(call)
    if isinstance(ids, Response):
        return ids
    if len(ids) > _BATCH_KEYS_MAX:
        return fail(text("common.batch_too_many", call.lang, max=_BATCH_KEYS_MAX))
    keys = inst.store.keys_of(ids, call.user_id)
    return ok({"keys": {str(token_id): key for token_id, key in keys.items()}})
