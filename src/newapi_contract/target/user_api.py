"""Bootstrap and user endpoints (reference doc §6): status, setup, login, access tokens,
registration, admin user creation and management, self.

Setup messages are always Chinese upstream; the rest follow the request's language.
"""

from __future__ import annotations

import secrets
import time
import uuid
from email.utils import formatdate
from typing import Any

from starlette.responses import Response

from newapi_contract.target.auth import USER_DISABLED, identity_of
from newapi_contract.target.credentials import (
    JWT_LIFETIME_S,
    check_password,
    hash_password,
    new_access_token,
)
from newapi_contract.target.gojson import BindError, bind
from newapi_contract.target.instance import Instance
from newapi_contract.target.messages import text
from newapi_contract.target.pipeline import Call, request_ip
from newapi_contract.target.responses import GinJSON, fail, ok
from newapi_contract.target.store import ROLE_COMMON, ROLE_ROOT

__all__ = [
    "get_self",
    "get_setup",
    "get_status",
    "login",
    "manage_user",
    "new_user",
    "post_setup",
    "rotate_access_token",
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
