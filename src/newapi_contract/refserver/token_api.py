"""The `/api/token` endpoints (reference doc §3, §5), with the token-side fault modes.

Handlers parse path ids themselves with the `strconv.Atoi` clone: GetToken and the key
reveal report a parse error, DeleteToken ignores it (id 0, or clamped on overflow).
"""

from __future__ import annotations

import threading
from typing import Any

from starlette.responses import Response

from newapi_contract.refserver.credentials import mask_key, new_key
from newapi_contract.refserver.gojson import BindError, bind
from newapi_contract.refserver.goparse import MAX_INT64, atoi
from newapi_contract.refserver.instance import Instance
from newapi_contract.refserver.messages import text
from newapi_contract.refserver.pipeline import Call
from newapi_contract.refserver.responses import empty, fail, ok
from newapi_contract.refserver.store import TOKEN_FIELDS, Term

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


def shown_rows(inst: Instance, user_id: int) -> dict[str, Any]:
    """How list and search bend which rows they show, per fault mode: `include_deleted`
    (`list-shows-deleted`), `also` (`batch-keeps-listed`), `exclude` (`list-hides-live`)."""
    bend: dict[str, Any] = {"include_deleted": inst.has("list-shows-deleted")}
    if inst.has("batch-keeps-listed") and inst.batch_deleted:
        bend["also"] = sorted(inst.batch_deleted)
    if inst.has("list-hides-live"):
        oldest = inst.store.oldest_live(user_id)
        if oldest is not None:
            bend["exclude"] = [oldest]
    return bend


async def list_tokens(inst: Instance, call: Call) -> Response:
    page, size = _page(call)
    found = inst.store.tokens(call.user_id, _offset(page, size), size, **shown_rows(inst, call.user_id))
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
        **shown_rows(inst, call.user_id),
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


def _updatable(
    inst: Instance, call: Call, body: dict[str, Any], expired: str, exhausted: str
) -> dict[str, Any] | Response:
    """The caller's token an update names, or the refusal UpdateToken answers (a missing id,
    no such token, enabling an expired or exhausted one: `expired`/`exhausted` messages)."""
    if body["id"] == 0:
        return fail(ID_EMPTY)
    token = inst.store.token(body["id"], call.user_id)
    if token is None:
        return fail(NOT_FOUND)
    if body["status"] == TOKEN_ENABLED:
        if token["status"] == TOKEN_EXPIRED and -1 != token["expired_time"] <= inst.store.now():
            return fail(expired)
        if token["status"] == TOKEN_EXHAUSTED and token["remain_quota"] <= 0 and not token["unlimited_quota"]:
            return fail(exhausted)
    return token


async def update_token(inst: Instance, call: Call) -> Response:
    body = await _bound_token(inst, call)
    if isinstance(body, Response):
        return body
    token = _updatable(
        inst,
        call,
        body,
        text("token.expired_cannot_enable", call.lang),
        text("token.exhausted_cannot_enable", call.lang),
    )
    if isinstance(token, Response):
        return token
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
    if inst.has("batch-deletes-one"):
        found = [token_id for token_id in dict.fromkeys(ids) if inst.store.token(token_id, owner)]
        deleted = inst.store.delete_many(found[:1], owner)
        counted = len(found)
    else:
        deleted = inst.store.delete_many(ids, owner)
        counted = len(deleted)
    inst.batch_deleted.update(token["id"] for token in deleted)
    if inst.cache is not None:
        for token in deleted:
            inst.cache.forget(token["key"])
    for token in deleted:
        after_delete(inst, token)
    return ok(len(ids) if inst.has("batch-count-wrong") else counted)


def after_delete(inst: Instance, token: dict[str, Any]) -> None:
    """What a delete (single or batch) does besides removing its target, per fault mode:
    `delete-resurrects` undoes it later; `delete-refunds-quota` credits the owner."""
    if inst.has("delete-resurrects"):
        timer = threading.Timer(inst.config.resurrect_after_s, inst.store.restore, args=(token["id"],))
        timer.daemon = True
        timer.start()
    if inst.has("delete-refunds-quota") and token["remain_quota"]:
        inst.store.add_user_quota(token["user_id"], token["remain_quota"])


async def batch_keys(inst: Instance, call: Call) -> Response:
    ids = await _bound_ids(call)
    if isinstance(ids, Response):
        return ids
    if len(ids) > _BATCH_KEYS_MAX:
        return fail(text("common.batch_too_many", call.lang, max=_BATCH_KEYS_MAX))
    keys = inst.store.keys_of(ids, call.user_id)
    return ok({"keys": {str(token_id): key for token_id, key in keys.items()}})


# late2024 (upstream c6ae8273 controller/token.go, model/token.go) ---------------------------
# No key reveal, no batch delete, no batch keys, no auto-groups: those routes do not exist.
# Lists and GET show the full key; texts are Chinese whatever the request's language.

_LATE2024_NAME_MAX = 30  # AddToken, UpdateToken: `len(token.Name) > 30` (bytes)
_LATE2024_NAME_TOO_LONG = "令牌名称过长"
_LATE2024_ITEMS_PER_PAGE = 10  # common/constants.go ItemsPerPage
# model.Token in struct order (c6ae8273): no cross_group_retry, no auto_groups.
_LATE2024_FIELDS = TOKEN_FIELDS[:-1]
_LATE2024_BODY = {
    **{name: gotype for name, gotype in _TOKEN_BODY.items() if name != "cross_group_retry"},
    "created_time": "int",
    "accessed_time": "int",
    "used_quota": "int",
}


def item_late2024(token: dict[str, Any]) -> dict[str, Any]:
    """One token as c6ae8273 serialises model.Token: the full key, `DeletedAt` last."""
    shown = {field: token[field] for field in _LATE2024_FIELDS}
    shown["DeletedAt"] = token["deleted_at"]
    return shown


def _go_int64(value: int) -> int:
    """Go's int arithmetic wraps around at 64 bits."""
    return (value + 2**63) % 2**64 - 2**63


async def list_tokens_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 GetAllTokens: `p` 0-based (negative: 0), `size` (<= 0: 10, at most 100),
    offset p*size (a wrapped, negative offset is no offset in GORM); `page_size` and `ps`
    are not read; `data` is the array itself, newest first."""
    query = call.request.query_params
    page = max(atoi(query.get("p", "")).value, 0)
    size = atoi(query.get("size", "")).value
    size = _LATE2024_ITEMS_PER_PAGE if size <= 0 else min(size, 100)
    offset = max(_go_int64(page * size), 0)
    tokens, _ = inst.store.tokens(call.user_id, offset, size, **shown_rows(inst, call.user_id))
    return ok([item_late2024(token) for token in tokens])


async def search_tokens_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 SearchTokens: `keyword` (name) and `token` (key, `strings.Trim(token, "sk-")`:
    any leading and trailing s, k and -), both `LIKE %...%`; every match, no paging, no
    search limiter; `data` is the array."""
    query = call.request.query_params
    key = query.get("token", "")
    tokens = inst.store.tokens_like(
        call.user_id,
        query.get("keyword", ""),
        key.strip("sk-"),
        **shown_rows(inst, call.user_id),
    )
    return ok([item_late2024(token) for token in tokens])


async def get_token_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 GetToken: GetTokenByIds (the same texts as later releases), the full key."""
    token_id = _reported_id(inst, call)
    if isinstance(token_id, Response):
        return token_id
    token = inst.store.token(token_id, call.user_id, include_deleted=inst.has("get-shows-deleted"))
    return ok(item_late2024(token)) if token else fail(NOT_FOUND)


async def _bound_late2024(call: Call) -> dict[str, Any] | Response:
    try:
        body = bind(await call.request.body(), _LATE2024_BODY, "model.Token")
    except BindError as exc:
        return fail(str(exc))
    if len(body["name"].encode()) > _LATE2024_NAME_MAX:
        return fail(_LATE2024_NAME_TOO_LONG)
    return body


_LATE2024_SETTINGS = (
    "name",
    "expired_time",
    "remain_quota",
    "unlimited_quota",
    "model_limits_enabled",
    "model_limits",
    "allow_ips",
    "group",
)


async def create_token_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 AddToken: only the name is checked (no quota bounds, no token count limit);
    `expired_time` is stored as sent (0 stays 0, which the relay treats as expired)."""
    body = await _bound_late2024(call)
    if isinstance(body, Response):
        return body
    now = inst.store.now()
    fields = {name: body[name] for name in _LATE2024_SETTINGS}
    fields.update(
        user_id=call.user_id,
        key=new_key(),
        status=TOKEN_ENABLED,
        created_time=now,
        accessed_time=now,
        used_quota=0,
        cross_group_retry=False,
        auto_groups=None,
    )
    inst.store.insert_token(fields)
    return ok(with_data=False)


async def update_token_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 UpdateToken: `status_only` writes the status, else the settings (not the
    status); `data` is the updated token with its full key."""
    body = await _bound_late2024(call)
    if isinstance(body, Response):
        return body
    token = _updatable(
        inst,
        call,
        body,
        "令牌已过期，无法启用，请先修改令牌过期时间，或者设置为永不过期",
        "令牌可用额度已用尽，无法启用，请先修改令牌剩余额度，或者设置为无限额度",
    )
    if isinstance(token, Response):
        return token
    if call.request.query_params.get("status_only", ""):
        changes: dict[str, Any] = {"status": body["status"]}
    else:
        changes = {name: body[name] for name in _LATE2024_SETTINGS}
    inst.store.update_token(token["id"], changes)
    updated = inst.store.token(token["id"], call.user_id)
    assert updated is not None
    return ok(item_late2024(updated))
