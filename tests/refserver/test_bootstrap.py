"""§6: a fresh instance, setup, login, access tokens, users."""

from __future__ import annotations

import re

import pytest
from refworld import PASSWORD, World, unique

from newapi_contract.refserver.server import ServerConfig, start


@pytest.mark.parametrize("generation", ["legacy", "current"])
def test_fresh_instance_is_set_up_through_the_api(make_world, generation: str) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world(generation, bootstrap=False)
    status = world.http.get("/api/status").json()["data"]
    assert status["setup"] is False and status["version"].startswith("v")
    assert world.http.get("/api/setup").json()["data"]["status"] is False

    def setup(username: str, password: str, confirm: str) -> str:
        body = {"username": username, "password": password, "confirmPassword": confirm}
        return world.http.post("/api/setup", json=body).json()["message"]

    assert setup("a" * 13, PASSWORD, PASSWORD) == "用户名长度不能超过12个字符"
    assert setup("root", PASSWORD, PASSWORD + "x") == "两次输入的密码不一致"
    assert setup("root", "short", "short") == "密码长度至少为8个字符"
    assert setup("root", PASSWORD, PASSWORD) == "系统初始化成功"
    assert setup("root", PASSWORD, PASSWORD) == "系统已经初始化完成"
    assert world.http.get("/api/status").json()["data"]["setup"] is True
    login = world.login("root").json()["data"]
    assert (login["user"]["id"] if generation == "current" else login["id"]) == 1


def test_login_failures(world: World) -> None:
    wrong = world.login("alice", "wrong-password").json()
    assert wrong == {
        "success": False,
        "message": "Username or password is incorrect, or user has been banned",
    }
    empty = world.http.post("/api/user/login", json={"username": "alice"}).json()
    assert empty["message"] == "Username or password is empty"


def test_access_token_is_base64_and_rotates(world: World) -> None:
    user = world.register()
    first = user.access_token
    assert re.fullmatch(r"[A-Za-z0-9+/]{32}|[A-Za-z0-9+/]{27}=", first)
    second = world.user(user.name)
    assert second.access_token != first
    assert world.http.get("/api/user/self", headers=second.headers()).json()["success"] is True
    stale = world.http.get("/api/user/self", headers=user.headers())
    assert stale.json()["success"] is False


def test_register_validation_and_duplicates(world: World) -> None:
    def register(username: str, password: str = PASSWORD) -> str:
        body = {"username": username, "password": password}
        return world.http.post("/api/user/register", json=body).json()["message"]

    assert register("u" * 21).endswith("failed on the 'max' tag")
    assert register(unique("u"), "short").endswith("failed on the 'min' tag")
    assert register("alice") == "Username already exists or has been deleted"


def test_admin_creates_users_below_its_role(world: World) -> None:
    name = unique("made")
    made = world.http.post(
        "/api/user/", json={"username": name, "password": PASSWORD}, headers=world.root.headers()
    ).json()
    assert made == {"success": True, "message": ""}
    assert world.login(name).json()["success"] is True
    too_high = world.http.post(
        "/api/user/",
        headers=world.root.headers(),
        json={"username": unique("r"), "password": PASSWORD, "role": 100},
    )
    assert too_high.json()["message"] == (
        "Cannot create users with permission level equal to or higher than yourself"
    )
    # an admin's create inserts without checking first: the database's own error
    again = world.http.post(
        "/api/user/", json={"username": name, "password": PASSWORD}, headers=world.root.headers()
    )
    assert again.json() == {
        "success": False,
        "message": "constraint failed: UNIQUE constraint failed: users.username (2067)",
    }


def test_legacy_session_cookie_is_written_as_go_writes_it(legacy: World) -> None:
    cookie = legacy.login("alice").headers["set-cookie"]
    assert re.fullmatch(
        r"session=[^;]+; Path=/; Expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT; "
        r"Max-Age=2592000; HttpOnly; SameSite=Strict",
        cookie,
    )
    assert "cache-control" not in legacy.login("alice").headers  # no DisableCache in legacy


def test_current_login_answers_a_session_and_is_not_cached(current: World) -> None:
    answer = current.login("alice")
    data = answer.json()["data"]
    assert set(data) == {"access_token", "token_type", "access_expires_at", "session", "user"}
    assert data["token_type"] == "Bearer" and data["user"]["id"] == current.alice.id
    session = data["session"]
    assert session["current"] is True and session["login_method"] == "password"
    assert session["expires_at"] - session["created_at"] == 30 * 24 * 3600
    assert data["access_expires_at"] - session["created_at"] == 15 * 60
    assert answer.headers["cache-control"] == "no-store"  # setAuthNoStore over DisableCache
    assert answer.headers["pragma"] == "no-cache"
    assert re.fullmatch(
        r"new_api_refresh=[^;]+; Path=/api/user/auth; .*HttpOnly; SameSite=Strict",
        answer.headers["set-cookie"],
    )
    failed = current.login("alice", "wrong-password")
    assert failed.headers["cache-control"] == "no-store, no-cache, must-revalidate, private, max-age=0"


def test_manage_refuses_root_and_unknown_users(world: World) -> None:
    headers = world.root.headers()
    root = world.http.post("/api/user/manage", json={"id": 1, "action": "disable"}, headers=headers).json()
    assert root["message"] == "Cannot disable super administrator user"
    ghost = world.http.post(
        "/api/user/manage", json={"id": 9999, "action": "disable"}, headers=headers
    ).json()
    assert ghost["message"] == "User does not exist"


def test_self_tells_the_callers_id(world: World) -> None:
    data = world.http.get("/api/user/self", headers=world.bob.headers()).json()["data"]
    assert (data["id"], data["username"], data["role"]) == (world.bob.id, "bob", 1)


def test_file_database_survives_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = ServerConfig(db_path=str(tmp_path / "one-api.db"))
    with start(config) as server:
        import httpx

        body = {"username": "root", "password": PASSWORD, "confirmPassword": PASSWORD}
        assert httpx.post(server.base_url + "/api/setup", json=body).json()["success"]
    with start(config) as server:
        assert httpx.get(server.base_url + "/api/status").json()["data"]["setup"] is True
