"""Bootstrap and user endpoints (reference doc §6): status, setup, login, access tokens,
registration, admin user creation and management, self.

Setup messages are always Chinese upstream; the rest follow the request's language.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from email.utils import formatdate
from typing import Any

from starlette.responses import Response

from newapi_contract.refserver.auth import USER_DISABLED, identity_of
from newapi_contract.refserver.credentials import (
    JWT_LIFETIME_S,
    check_password,
    hash_password,
    new_access_token,
)
from newapi_contract.refserver.gojson import BindError, bind
from newapi_contract.refserver.instance import Instance
from newapi_contract.refserver.messages import text
from newapi_contract.refserver.pipeline import Call, request_ip
from newapi_contract.refserver.responses import GinJSON, fail, ok
from newapi_contract.refserver.store import ROLE_COMMON, ROLE_ROOT

__all__ = [
    "get_self",
    "get_self_late2024",
    "get_setup",
    "get_status",
    "get_status_late2024",
    "login",
    "login_late2024",
    "manage_user",
    "manage_user_late2024",
    "new_user",
    "new_user_late2024",
    "post_setup",
    "rotate_access_token",
    "rotate_access_token_late2024",
]

USER_ENABLED = 1
_SESSION_MAX_AGE_S = 30 * 24 * 3600
# What the SQLite driver says when an admin creates a taken username (controller.CreateUser
# inserts without checking first and answers the database error as is).
_USERNAME_TAKEN = "constraint failed: UNIQUE constraint failed: users.username (2067)"


def _session_cookie(value: str) -> str:
    """The `Set-Cookie` value of gin-contrib/sessions' cookie store, as Go's
    `http.Cookie.String` writes it (`main.go`: Path /, 30 days, HttpOnly, SameSite Strict)."""
    expires = formatdate(time.time() + _SESSION_MAX_AGE_S, usegmt=True)
    return (
        f"session={value}; Path=/; Expires={expires}; Max-Age={_SESSION_MAX_AGE_S}; HttpOnly; SameSite=Strict"
    )


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "username": user["username"],
        "display_name": user["display_name"],
        "role": user["role"],
        "status": user["status"],
        "email": user["email"],
        "group": user["group"],
        "quota": user["quota"],
    }


async def get_status(inst: Instance, call: Call) -> Response:
    return ok(
        {
            "setup": inst.store.root_exists(),
            "start_time": inst.started,
            "system_name": "New API",
            "version": inst.version,
        }
    )


async def get_setup(inst: Instance, call: Call) -> Response:
    done = inst.store.root_exists()
    return GinJSON({"data": {"status": done, "root_init": done, "database_type": "sqlite"}, "success": True})


async def post_setup(inst: Instance, call: Call) -> Response:
    if inst.store.root_exists():
        return fail("系统已经初始化完成")
    fields = {
        "username": "string",
        "password": "string",
        "confirmPassword": "string",
        "SelfUseModeEnabled": "bool",
        "DemoSiteEnabled": "bool",
    }
    try:
        body = bind(await call.request.body(), fields, "controller.SetupRequest")
    except BindError:
        return fail("请求参数有误")
    if len(body["username"].encode()) > 12:
        return fail("用户名长度不能超过12个字符")
    if body["password"] != body["confirmPassword"]:
        return fail("两次输入的密码不一致")
    if len(body["password"]) < 8:
        return fail("密码长度至少为8个字符")
    inst.store.create_user(body["username"], hash_password(body["password"]), ROLE_ROOT, "Root User")
    return GinJSON({"message": "系统初始化成功", "success": True})


async def login(inst: Instance, call: Call) -> Response:
    try:
        body = bind(
            await call.request.body(), {"username": "string", "password": "string"}, "controller.LoginRequest"
        )
    except BindError:
        return fail(text("common.invalid_params", call.lang))
    if not body["username"] or not body["password"]:
        return fail(text("user.username_or_password_empty", call.lang))
    user = inst.store.user_by_name(body["username"])
    if (
        user is None
        or user["status"] != USER_ENABLED
        or not check_password(body["password"], user["password"])
    ):
        return fail(text("user.username_or_password_error", call.lang))
    summary = {k: user[k] for k in ("id", "username", "display_name", "role", "status", "group")}
    if inst.current:
        return _current_login(inst, call, user["id"], summary)
    session = secrets.token_urlsafe(32)
    inst.sessions[session] = identity_of(user)
    response = ok(summary)
    response.headers.append("Set-Cookie", _session_cookie(session))
    return response


def _current_login(inst: Instance, call: Call, user_id: int, summary: dict[str, Any]) -> Response:
    """current's `setupLoginAtAuthVersion` (e2c7aa7b controller/user.go): a 15-minute JWT,
    the login session it belongs to, a refresh cookie for `/api/user/auth` (a route the
    reference server does not have; nothing here reads the cookie) and `no-store`."""
    now = int(time.time())
    session = {
        "sid": str(uuid.uuid4()),
        "current": True,
        "login_method": "password",
        "ip": request_ip(inst, call.request),
        "user_agent": call.request.headers.get("user-agent", ""),
        "created_at": now,
        "last_active_at": now,
        "expires_at": now + _SESSION_MAX_AGE_S,
    }
    response = ok(
        {
            "access_token": inst.jwt.sign(user_id),
            "token_type": "Bearer",
            "access_expires_at": now + JWT_LIFETIME_S,
            "session": session,
            "user": summary,
        }
    )
    expires = formatdate(now + _SESSION_MAX_AGE_S, usegmt=True)
    response.headers.append(
        "Set-Cookie",
        f"new_api_refresh={secrets.token_urlsafe(32)}; Path=/api/user/auth; Expires={expires}; "
        f"Max-Age={_SESSION_MAX_AGE_S - 1}; HttpOnly; SameSite=Strict",
    )
    response.headers["Cache-Control"] = "no-store"  # setAuthNoStore, over DisableCache's
    return response


async def rotate_access_token(inst: Instance, call: Call) -> Response:
    access_token = new_access_token()
    inst.store.set_access_token(call.user_id, access_token)
    return ok(access_token)


def _validation_error(username: str, password: str) -> str | None:
    """go-playground/validator's text for model.User's tags, or None."""
    for field, tag, broken in (
        ("Username", "required", not username),
        ("Username", "max", len(username) > 20),
        ("Password", "min", len(password) < 8),
        ("Password", "max", len(password) > 20),
    ):
        if broken:
            return f"Key: 'User.{field}' Error:Field validation for '{field}' failed on the '{tag}' tag"
    return None


async def new_user(inst: Instance, call: Call) -> Response:
    """`POST /api/user/register` (no auth: a common user) and an admin's `POST /api/user/`
    (`role` optional, below the caller's)."""
    fields = {"username": "string", "password": "string", "display_name": "string", "role": "int"}
    try:
        body = bind(await call.request.body(), fields, "model.User")
    except BindError:
        return fail(text("common.invalid_params", call.lang))
    problem = _validation_error(body["username"], body["password"])
    if problem:
        return fail(text("user.input_invalid", call.lang, error=problem))
    role = ROLE_COMMON
    if call.identity is not None:
        role = body["role"] or ROLE_COMMON
        if role >= call.identity.role:
            return fail(text("user.cannot_create_higher_level", call.lang))
    created = inst.store.create_user(
        body["username"], hash_password(body["password"]), role, body["display_name"] or body["username"]
    )
    if created is None:
        return fail(_USERNAME_TAKEN if call.identity is not None else text("user.exists", call.lang))
    return GinJSON({"message": "", "success": True})


async def manage_user(inst: Instance, call: Call) -> Response:
    try:
        body = bind(await call.request.body(), {"id": "int", "action": "string"}, "controller.ManageRequest")
    except BindError:
        return fail(text("common.invalid_params", call.lang))
    user = inst.store.user(body["id"])
    assert call.identity is not None
    if user is None:
        return fail(text("user.not_exists", call.lang))
    if user["role"] >= call.identity.role and call.identity.role != ROLE_ROOT:
        return fail(text("user.no_permission_higher_level", call.lang))
    if body["action"] == "disable":
        if user["role"] == ROLE_ROOT:
            return fail(text("user.cannot_disable_root_user", call.lang))
        status = USER_DISABLED
    elif body["action"] == "enable":
        status = USER_ENABLED
    else:
        return fail(text("common.invalid_params", call.lang))
    inst.store.set_user_fields(user["id"], user["role"], status)
    return ok({"role": user["role"], "status": status})


async def get_self(inst: Instance, call: Call) -> Response:
    user = inst.store.user(call.user_id)
    assert user is not None
    return ok(_public(user))


# late2024 (upstream c6ae8273) -------------------------------------------------------------
# Its users are bootstrapped by `model/main.go createRootAccountIfNeed` (see `Instance`);
# there is no /api/setup. Every text below is Chinese whatever the request's language.

_LATE2024_INVALID = "无效的参数"
# mattn/go-sqlite3's text for a taken username (controller/user.go CreateUser answers it as is).
_LATE2024_USERNAME_TAKEN = "UNIQUE constraint failed: users.username"
# model.User, in struct order (c6ae8273 model/user.go); `DeletedAt` has no json tag.
_LATE2024_USER_FIELDS = (
    "id",
    "username",
    "password",
    "display_name",
    "role",
    "status",
    "email",
    "github_id",
    "wechat_id",
    "telegram_id",
    "verification_code",
    "access_token",
    "quota",
    "used_quota",
    "request_count",
    "group",
    "aff_code",
    "aff_count",
    "aff_quota",
    "aff_history_quota",
    "inviter_id",
    "DeletedAt",
    "linux_do_id",
)
_LATE2024_USER_ZERO: dict[str, Any] = {
    name: None if name in ("access_token", "DeletedAt") else 0 for name in _LATE2024_USER_FIELDS
}
_LATE2024_USER_ZERO.update(
    {
        name: ""
        for name in _LATE2024_USER_FIELDS
        if name
        in (
            "username",
            "password",
            "display_name",
            "email",
            "github_id",
            "wechat_id",
            "telegram_id",
            "verification_code",
            "group",
            "aff_code",
            "linux_do_id",
        )
    }
)
_CHATS = [
    {"ChatGPT Next Web 官方示例": 'https://app.nextchat.dev/#/?settings={"key":"{key}","url":"{address}"}'},
    {
        "Lobe Chat 官方示例": "https://chat-preview.lobehub.com/?settings="
        '{"keyVaults":{"openai":{"apiKey":"{key}","baseURL":"{address}/v1"}}}'
    },
    {"AMA 问天": "ama://set-api-key?server={address}&key={key}"},
    {"OpenCat": "opencat://team/join?domain={address}&token={key}"},
]


def _late2024_user(**values: Any) -> dict[str, Any]:
    """A `model.User` as encoding/json writes it: every field, zero unless given."""
    user = dict(_LATE2024_USER_ZERO)
    user.update(values)
    return user


def _aff_code(username: str) -> str:
    """`model.User.Insert` draws a 4-character aff code; the store keeps none, so one is
    derived from the username (stable per user, as upstream's stored one is)."""
    digest = uuid.uuid5(uuid.NAMESPACE_OID, username).hex
    return digest[:4]


async def get_status_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 controller/misc.go GetStatus with its defaults: no `setup` field."""
    data = {
        "version": inst.version,
        "start_time": inst.started,
        "email_verification": False,
        "github_oauth": False,
        "github_client_id": "",
        "linuxdo_oauth": False,
        "linuxdo_client_id": "",
        "telegram_oauth": False,
        "telegram_bot_name": "",
        "system_name": "New API",
        "logo": "",
        "footer_html": "",
        "wechat_qrcode": "",
        "wechat_login": False,
        "server_address": "http://localhost:3000",
        "price": 7.3,
        "min_topup": 1,
        "turnstile_check": False,
        "turnstile_site_key": "",
        "top_up_link": "",
        "chat_link": "",
        "chat_link2": "",
        "quota_per_unit": 500000,
        "display_in_currency": True,
        "enable_batch_update": False,
        "enable_drawing": True,
        "enable_task": True,
        "enable_data_export": True,
        "data_export_default_time": "hour",
        "default_collapse_sidebar": False,
        "enable_online_topup": False,
        "mj_notify_enabled": False,
        "chats": _CHATS,
    }
    return ok(dict(sorted(data.items())))  # gin.H: keys sorted


def _late2024_session_cookie(value: str) -> str:
    """gin-contrib/sessions' cookie store with its default options (c6ae8273 main.go sets
    none): Path /, 30 days, neither HttpOnly nor SameSite."""
    expires = formatdate(time.time() + _SESSION_MAX_AGE_S, usegmt=True)
    return f"session={value}; Path=/; Expires={expires}; Max-Age={_SESSION_MAX_AGE_S}"


async def login_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 controller/user.go Login, ValidateAndFill, setupLogin: `data` is a model.User
    with id, username, display_name, role, status and group, the rest zero."""
    try:
        body = bind(
            await call.request.body(), {"username": "string", "password": "string"}, "controller.LoginRequest"
        )
    except BindError:
        return GinJSON({"message": _LATE2024_INVALID, "success": False})
    if not body["username"] or not body["password"]:
        return GinJSON({"message": _LATE2024_INVALID, "success": False})
    username = body["username"].strip()
    if not username:
        return GinJSON({"message": "用户名或密码为空", "success": False})
    user = inst.store.user_by_name(username)
    if (
        user is None
        or user["status"] != USER_ENABLED
        or not check_password(body["password"], user["password"])
    ):
        return GinJSON({"message": "用户名或密码错误，或用户已被封禁", "success": False})
    session = secrets.token_urlsafe(32)
    inst.sessions[session] = identity_of(user)
    shown = {k: user[k] for k in ("id", "username", "display_name", "role", "status", "group")}
    response = GinJSON({"data": _late2024_user(**shown), "message": "", "success": True})
    response.headers.append("Set-Cookie", _late2024_session_cookie(session))
    return response


async def rotate_access_token_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 GenerateAccessToken: `GenerateRandomKey(29 + rand(4))`, the base64 of
    length*3/4 random bytes: 28 or 32 characters of standard base64."""
    access_token = base64.b64encode(secrets.token_bytes((29 + secrets.randbelow(4)) * 3 // 4)).decode()
    inst.store.set_access_token(call.user_id, access_token)
    return ok(access_token)


def _late2024_invalid_input(body: dict[str, Any]) -> str | None:
    """go-playground/validator on c6ae8273's model.User tags (username max=12, password
    min=8,max=20, display_name max=20): every failing field, one a line."""
    problems = []
    for field, _name, tag, broken in (
        ("Username", "username", "max", len(body["username"]) > 12),
        ("Password", "password", "min", len(body["password"]) < 8),
        ("Password", "password", "max", len(body["password"]) > 20),
        ("DisplayName", "display_name", "max", len(body["display_name"]) > 20),
    ):
        if broken:
            problems.append(
                f"Key: 'User.{field}' Error:Field validation for '{field}' failed on the '{tag}' tag"
            )
    return "输入不合法 " + "\n".join(problems) if problems else None


async def new_user_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 controller/user.go Register (no auth) and CreateUser (an admin's
    `POST /api/user/`): both make a common user; CreateUser reads `role` only to refuse
    one at or above the caller's."""
    fields = {"username": "string", "password": "string", "display_name": "string", "role": "int"}
    try:
        body = bind(await call.request.body(), fields, "model.User")
    except BindError:
        return fail(_LATE2024_INVALID)
    admin = call.identity is not None
    if admin:
        body["username"] = body["username"].strip()
        if not body["username"] or not body["password"]:
            return fail(_LATE2024_INVALID)
    problem = _late2024_invalid_input(body)
    if problem:
        return fail(problem)
    if admin:
        assert call.identity is not None
        if body["role"] >= call.identity.role:
            return fail("无法创建权限大于等于自己的用户")
        display = body["display_name"] or body["username"]
    else:
        if inst.store.user_by_name(body["username"]) is not None:
            return fail("用户名已存在，或已注销")
        display = body["username"]
    created = inst.store.create_user(body["username"], hash_password(body["password"]), ROLE_COMMON, display)
    if created is None:
        return fail(_LATE2024_USERNAME_TAKEN)
    return ok(with_data=False)


async def manage_user_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 controller/user.go ManageUser (disable, enable; other actions change nothing
    here); `data` is a model.User holding only role and status."""
    try:
        body = bind(await call.request.body(), {"id": "int", "action": "string"}, "controller.ManageRequest")
    except BindError:
        return fail(_LATE2024_INVALID)
    user = inst.store.user(body["id"])
    assert call.identity is not None
    if user is None:
        return fail("用户不存在")
    if call.identity.role <= user["role"] and call.identity.role != ROLE_ROOT:
        return fail("无权更新同权限等级或更高权限等级的用户信息")
    status = user["status"]
    if body["action"] == "disable":
        if user["role"] == ROLE_ROOT:
            return fail("无法禁用超级管理员用户")
        status = USER_DISABLED
    elif body["action"] == "enable":
        status = USER_ENABLED
    inst.store.set_user_fields(user["id"], user["role"], status)
    return ok(_late2024_user(role=user["role"], status=status))


async def get_self_late2024(inst: Instance, call: Call) -> Response:
    """c6ae8273 GetSelf: the whole model.User, password omitted (empty)."""
    user = inst.store.user(call.user_id)
    assert user is not None
    shown = {
        k: user[k] for k in ("id", "username", "display_name", "role", "status", "email", "quota", "group")
    }
    return ok(
        _late2024_user(**shown, access_token=user["access_token"], aff_code=_aff_code(user["username"]))
    )
