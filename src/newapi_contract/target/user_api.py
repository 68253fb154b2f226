"""Bootstrap and user endpoints (reference doc §6): status, setup, login, access tokens,
registration, admin user creation and management, self.

Setup messages are always Chinese upstream; the rest follow the request's language.
"""

from __future__ import annotations

import secrets
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
from newapi_contract.target.pipeline import Call
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
        return ok(
            {
                "access_token": inst.jwt.sign(user["id"]),
                "expires_in": JWT_LIFETIME_S,
                "token_type": "Bearer",
                "user": summary,
            }
        )
    session = secrets.token_urlsafe(32)
    inst.sessions[session] = identity_of(user)
    response = ok(summary)
    response.set_cookie("session", session, max_age=_SESSION_MAX_AGE_S, httponly=True, samesite="strict")
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
        return fail(text("user.exists", call.lang))
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
