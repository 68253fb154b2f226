"""User auth of both generations (upstream `middleware/auth.go`, reference doc §2).

legacy: a cookie session wins; else `Authorization` is an access token after removing one
literal `Bearer `; then `New-Api-User` must name the same user. Unknown tokens, disabled
users and low roles answer HTTP 200 with `success:false`; no `code`.
current: only `Authorization` (`Bearer` in any case and spacing, or raw) holding a
dashboard JWT or the access token; failures are 401/403 with a `code`.
late2024 (c6ae8273 `middleware/auth.go authHelper`, `model/user.go ValidateAccessToken`):
a cookie session wins and must be matched by `New-Api-User`; an access token (one
`Bearer ` removed) names the user by itself, `New-Api-User` unread. Messages are Chinese
whatever the request's language; only a missing credential and the session's
`New-Api-User` checks answer 401, the rest HTTP 200.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from newapi_contract.refserver.credentials import JwtSigner
from newapi_contract.refserver.goparse import atoi
from newapi_contract.refserver.instance import Identity, Instance
from newapi_contract.refserver.messages import text
from newapi_contract.refserver.responses import fail

__all__ = ["authenticate", "identity_of"]

USER_DISABLED = 2
_BEARER = re.compile(r"(?is)bearer\s+(.*)")


def identity_of(user: dict[str, Any]) -> Identity:
    return Identity(user["id"], user["role"], user["status"], user["username"])


def _named_by_header(inst: Instance, request: Request) -> Identity | None:
    """Fault `missing-auth-accepted`: whoever New-Api-User names."""
    parsed = atoi(request.headers.get("new-api-user", ""))
    user = inst.store.user(parsed.value) if parsed.ok else None
    return identity_of(user) if user else None


def _legacy(inst: Instance, request: Request, min_role: int, lang: str) -> Identity | Response:
    identity = inst.sessions.get(request.cookies.get("session", ""))
    if identity is None:
        header = request.headers.get("authorization", "")
        if not header:
            identity = _named_by_header(inst, request) if inst.has("missing-auth-accepted") else None
            if identity is None:
                return fail(text("auth.not_logged_in", lang), 401)
        else:
            access_token = header.replace("Bearer ", "", 1)
            user = inst.store.user_by_access_token(access_token) if access_token else None
            if user is None:
                return fail(text("auth.invalid_access_token", lang))
            identity = identity_of(user)
    if not inst.has("new-api-user-unchecked"):
        claimed = request.headers.get("new-api-user", "")
        if not claimed:
            return fail(text("auth.new_api_user_missing", lang), 401)
        parsed = atoi(claimed)
        if not parsed.ok:
            return fail(text("auth.new_api_user_format", lang), 401)
        if parsed.value != identity.user_id:
            return fail(text("auth.new_api_user_mismatch", lang), 401)
    if identity.status == USER_DISABLED:
        return fail(text("auth.banned", lang))
    if identity.role < min_role:
        return fail(text("auth.insufficient", lang))
    return identity


# c6ae8273 middleware/auth.go authHelper: the texts, never translated.
LATE2024_AUTH = {
    "not_logged_in": "无权进行此操作，未登录且未提供 access token",
    "invalid_access_token": "无权进行此操作，access token 无效",
    "user_invalid": "无权进行此操作，用户信息无效",
    "new_api_user_missing": "无权进行此操作，请刷新页面或清空缓存后重试",
    "new_api_user_format": "无权进行此操作，登录信息无效，请重新登录",
    "new_api_user_mismatch": "无权进行此操作，与登录用户不匹配，请重新登录",
    "banned": "用户已被封禁",
    "insufficient": "无权进行此操作，权限不足",
}
_VALID_ROLES = (0, 1, 10, 100)  # common/constants.go IsValidateRole: guest, common, admin, root


def _late2024(inst: Instance, request: Request, min_role: int) -> Identity | Response:
    identity = inst.sessions.get(request.cookies.get("session", ""))
    if identity is None:
        header = request.headers.get("authorization", "")
        if not header:
            identity = _named_by_header(inst, request) if inst.has("missing-auth-accepted") else None
            if identity is None:
                return fail(LATE2024_AUTH["not_logged_in"], 401)
        else:
            user = inst.store.user_by_access_token(header.replace("Bearer ", "", 1))
            if user is None:
                return fail(LATE2024_AUTH["invalid_access_token"])
            identity = identity_of(user)
            if not identity.username.strip() or identity.role not in _VALID_ROLES:
                return fail(LATE2024_AUTH["user_invalid"])
    elif not inst.has("new-api-user-unchecked"):  # only a cookie session is checked
        claimed = request.headers.get("new-api-user", "")
        if not claimed:
            return fail(LATE2024_AUTH["new_api_user_missing"], 401)
        parsed = atoi(claimed)
        if not parsed.ok:
            return fail(LATE2024_AUTH["new_api_user_format"], 401)
        if parsed.value != identity.user_id:
            return fail(LATE2024_AUTH["new_api_user_mismatch"], 401)
    if identity.status == USER_DISABLED:
        return fail(LATE2024_AUTH["banned"])
    if identity.role < min_role:
        return fail(LATE2024_AUTH["insufficient"])
    return identity


def _current(inst: Instance, request: Request, min_role: int, lang: str) -> Identity | Response:
    header = request.headers.get("authorization", "").strip()
    if not header:
        named = _named_by_header(inst, request) if inst.has("missing-auth-accepted") else None
        if named is None:
            return fail(text("auth.invalid_access_token", lang), 401, "AUTH_UNAUTHORIZED")
        return _check_role(named, min_role, lang)
    bearer = _BEARER.fullmatch(header)
    credential = bearer.group(1).strip() if bearer else header
    if credential.count(".") == 2:
        verdict = inst.jwt.verify(credential)
        if verdict is None:
            return fail(text("auth.invalid_access_token", lang), 401, "AUTH_UNAUTHORIZED")
        if verdict == JwtSigner.EXPIRED:
            return fail(text("auth.not_logged_in", lang), 401, "AUTH_TOKEN_EXPIRED")
        user = inst.store.user(int(verdict))
        if user is None:
            return fail(text("auth.user_invalid", lang), 401, "AUTH_USER_INVALID")
        if user["status"] == USER_DISABLED:
            return fail(text("auth.not_logged_in", lang), 401, "AUTH_SESSION_REVOKED")
    else:
        user = inst.store.user_by_access_token(credential)
        if user is None:
            return fail(text("auth.invalid_access_token", lang), 401, "AUTH_UNAUTHORIZED")
        if user["status"] == USER_DISABLED:
            return fail(text("auth.banned", lang), 401, "AUTH_USER_DISABLED")
    return _check_role(identity_of(user), min_role, lang)


def _check_role(identity: Identity, min_role: int, lang: str) -> Identity | Response:
    if identity.role < min_role:
        return fail(text("auth.insufficient", lang), 403, "AUTH_INSUFFICIENT_PRIVILEGE")
    return identity


def authenticate(inst: Instance, request: Request, min_role: int, lang: str) -> Identity | Response:
    """The caller's identity, or the answer that refuses the request."""
    if inst.current:
        return _current(inst, request, min_role, lang)
    if inst.late2024:
        return _late2024(inst, request, min_role)
    return _legacy(inst, request, min_role, lang)
