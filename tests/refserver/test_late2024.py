"""The late2024 profile pins upstream c6ae8273 (2024-12-29, reference §10), fact by fact.

Each test names the upstream file it imitates (`git show c6ae8273:<path>` in the mirror).
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from refworld import World, close_world, open_world, unique

from newapi_contract.errors import UsageError
from newapi_contract.refserver.config import GENERATIONS
from newapi_contract.refserver.ratelimit import Limit, RateLimits
from newapi_contract.refserver.server import ServerConfig

OK = {"success": True, "message": ""}
NOT_FOUND = {"success": False, "message": "record not found"}
TOKEN_FIELDS = [
    "id",
    "user_id",
    "key",
    "status",
    "name",
    "created_time",
    "accessed_time",
    "expired_time",
    "remain_quota",
    "unlimited_quota",
    "model_limits_enabled",
    "model_limits",
    "allow_ips",
    "used_quota",
    "group",
    "DeletedAt",
]
KEY = re.compile(r"[0-9A-Za-z]{48}")


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    opened = open_world(ServerConfig(generation="late2024"))
    yield opened
    close_world(opened)


@pytest.fixture
def fresh() -> Iterator[Callable[..., World]]:
    opened: list[World] = []

    def make(bootstrap: bool = True, **settings: Any) -> World:
        opened.append(open_world(ServerConfig(generation="late2024", **settings), bootstrap))
        return opened[-1]

    yield make
    for each in opened:
        close_world(each)


def invalid_url(method: str, path: str) -> dict[str, Any]:
    message = f"Invalid URL ({method} {path})"
    return {"error": {"message": message, "type": "invalid_request_error", "param": "", "code": ""}}


# generation, bootstrap, status --------------------------------------------------------------
def test_late2024_is_a_generation() -> None:
    assert "late2024" in GENERATIONS
    with pytest.raises(UsageError, match="late2024"):
        ServerConfig(generation="late2023")


def test_first_start_creates_root_with_the_default_password(fresh: Callable[..., World]) -> None:
    # model/main.go createRootAccountIfNeed: root / 123456, role 100, quota 100000000
    world = fresh(bootstrap=False)
    answer = world.login("root", "123456")
    assert answer.json()["success"] is True
    user = answer.json()["data"]
    assert (user["id"], user["username"], user["role"], user["display_name"]) == (1, "root", 100, "Root User")
    rows = world.server.store.user(1)
    assert rows is not None and rows["quota"] == 100_000_000


def test_no_setup_route(fresh: Callable[..., World]) -> None:
    # router/api-router.go has no /setup: the NoRoute chain answers (router/web-router.go)
    world = fresh(bootstrap=False)
    for method in ("GET", "POST"):
        answer = world.http.request(method, "/api/setup", json={} if method == "POST" else None)
        assert answer.status_code == 404
        assert answer.json() == invalid_url(method, "/api/setup")
        assert "Cache-Version" not in answer.headers  # middleware/cache.go sets none
        assert answer.headers["Cache-Control"] == "max-age=604800"


def test_status_has_no_setup_field_and_no_version_header(world: World) -> None:
    # controller/misc.go GetStatus; common/constants.go Version = "v0.0.0"; no PoweredBy
    answer = world.http.get("/api/status")
    data = answer.json()["data"]
    assert "setup" not in data
    assert data["version"] == "v0.0.0"
    assert data["system_name"] == "New API"
    assert list(data) == sorted(data)  # gin.H
    assert "X-New-Api-Version" not in answer.headers
    assert answer.headers["X-Oneapi-Request-Id"]


# login, access tokens, users ----------------------------------------------------------------
def test_login_answers_a_model_user_and_a_plain_session_cookie(world: World) -> None:
    # controller/user.go Login -> setupLogin: cleanUser is a model.User (model/user.go)
    answer = world.http.post("/api/user/login", json={"username": "alice", "password": "password123"})
    world.http.cookies.clear()
    data = answer.json()["data"]
    assert list(data)[:3] == ["id", "username", "password"]
    assert data["password"] == "" and data["access_token"] is None and data["quota"] == 0
    assert "DeletedAt" in data and "linux_do_id" in data
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("session=") and "HttpOnly" not in cookie and "SameSite" not in cookie


def test_bad_login_texts_are_chinese(world: World) -> None:
    # controller/user.go Login, model/user.go ValidateAndFill
    wrong = world.http.post(
        "/api/user/login",
        json={"username": "alice", "password": "wrongpass1"},
        headers={"Accept-Language": "en"},
    )
    assert wrong.json() == {"message": "用户名或密码错误，或用户已被封禁", "success": False}
    empty = world.http.post("/api/user/login", json={"username": "", "password": "x"})
    assert empty.json() == {"message": "无效的参数", "success": False}


def test_access_token_is_28_or_32_base64_characters(world: World) -> None:
    # controller/user.go GenerateAccessToken: GenerateRandomKey(29 + rand(4)) (common/utils.go)
    lengths = set()
    for _ in range(12):
        token = world.http.get("/api/user/token", headers=world.alice.headers()).json()["data"]
        base64.b64decode(token, validate=True)
        lengths.add(len(token))
        world.alice.access_token = token
    assert lengths <= {28, 32}


def test_self_is_the_whole_user_without_password(world: World) -> None:
    # controller/user.go GetSelf: GetUserById(id, false) omits the password
    data = world.http.get("/api/user/self", headers=world.alice.headers()).json()["data"]
    assert data["id"] == world.alice.id and data["password"] == ""
    assert data["access_token"] == world.alice.access_token


def test_admin_created_user_is_always_common(world: World) -> None:
    # controller/user.go CreateUser: cleanUser has no Role; model.User username max=12
    name = unique("adm")
    body = {"username": name, "password": "password123", "role": 10}
    assert world.http.post("/api/user/", json=body, headers=world.root.headers()).json() == OK
    assert world.server.store.user_by_name(name)["role"] == 1  # type: ignore[index]
    long = {"username": "a" * 13, "password": "password123"}
    answer = world.http.post("/api/user/", json=long, headers=world.root.headers()).json()
    assert answer["success"] is False
    assert answer["message"].startswith("输入不合法 Key: 'User.Username' Error:Field validation")
    taken = world.http.post(
        "/api/user/", json={"username": name, "password": "password123"}, headers=world.root.headers()
    )
    assert taken.json() == {"success": False, "message": "UNIQUE constraint failed: users.username"}


# user auth ----------------------------------------------------------------------------------
def test_access_token_needs_no_new_api_user(world: World) -> None:
    # middleware/auth.go authHelper: New-Api-User is read only when useAccessToken is false
    bare = {"Authorization": f"Bearer {world.alice.access_token}"}
    assert world.http.get("/api/token/", headers=bare).json()["success"] is True
    foreign = {**bare, "New-Api-User": str(world.bob.id)}
    answer = world.http.get("/api/user/self", headers=foreign).json()
    assert answer["data"]["id"] == world.alice.id
    raw = {"Authorization": world.alice.access_token, "New-Api-User": "x"}
    assert world.http.get("/api/token/", headers=raw).json()["success"] is True
    assert "Auth-Version" not in world.http.get("/api/token/", headers=bare).headers


def test_auth_failures(world: World) -> None:
    # middleware/auth.go authHelper: texts are not translated
    zh = {"Accept-Language": "en"}
    missing = world.http.get("/api/token/", headers=zh)
    assert missing.status_code == 401
    assert missing.json() == {"message": "无权进行此操作，未登录且未提供 access token", "success": False}
    wrong = world.http.get("/api/token/", headers={"Authorization": "Bearer nope", **zh})
    assert wrong.status_code == 200
    assert wrong.json() == {"message": "无权进行此操作，access token 无效", "success": False}
    lower = world.http.get("/api/token/", headers={"Authorization": f"bearer {world.alice.access_token}"})
    assert lower.json()["message"] == "无权进行此操作，access token 无效"  # only "Bearer " is removed
    common = world.http.get("/api/user/self", headers={"Authorization": world.alice.access_token})
    assert common.json()["success"] is True
    admin_only = world.http.post("/api/user/manage", json={}, headers=world.alice.headers())
    assert admin_only.json() == {"message": "无权进行此操作，权限不足", "success": False}


def test_cookie_session_checks_new_api_user(world: World) -> None:
    # middleware/auth.go authHelper: a session must be matched by New-Api-User (401 each)
    login = world.login("alice")
    with world.session(login.cookies) as session:
        cases = {
            "": "无权进行此操作，请刷新页面或清空缓存后重试",
            "x": "无权进行此操作，登录信息无效，请重新登录",
            str(world.bob.id): "无权进行此操作，与登录用户不匹配，请重新登录",
        }
        for claimed, message in cases.items():
            answer = session.get("/api/token/", headers={"New-Api-User": claimed} if claimed else {})
            assert answer.status_code == 401
            assert answer.json() == {"message": message, "success": False}
        assert session.get("/api/token/", headers={"New-Api-User": str(world.alice.id)}).json()["success"]


def test_disabled_user_is_banned(fresh: Callable[..., World]) -> None:
    # middleware/auth.go authHelper (access token: the user's stored status); ManageUser's data
    world = fresh()
    answer = world.http.post(
        "/api/user/manage", json={"id": world.bob.id, "action": "disable"}, headers=world.root.headers()
    ).json()
    assert answer["success"] is True and (answer["data"]["role"], answer["data"]["status"]) == (1, 2)
    assert answer["data"]["username"] == ""
    refused = world.http.get("/api/token/", headers=world.bob.headers())
    assert (refused.status_code, refused.json()) == (200, {"message": "用户已被封禁", "success": False})


# token routes -------------------------------------------------------------------------------
def test_list_is_an_array_paged_by_p_from_zero_and_size(world: World) -> None:
    # controller/token.go GetAllTokens, model/token.go GetAllUserTokens (order id desc)
    user = world.register()
    ids = [world.create(user) for _ in range(12)]
    newest_first = sorted(ids, reverse=True)

    def page(**query: Any) -> list[int]:
        answer = world.http.get("/api/token/", params=query, headers=user.headers()).json()
        assert answer["success"] is True and isinstance(answer["data"], list)
        return [item["id"] for item in answer["data"]]

    assert page() == newest_first[:10]  # common.ItemsPerPage
    assert page(p=0, size=5) == newest_first[:5]
    assert page(p=1, size=5) == newest_first[5:10]
    assert page(p=2, size=5) == newest_first[10:]
    assert page(p=-3, size=5) == newest_first[:5]
    assert page(p=1) == newest_first[10:]
    assert page(page_size=100) == newest_first[:10]  # not read
    assert page(ps=100, p=0) == newest_first[:10]
    assert page(size=0) == newest_first[:10]
    assert page(size=1000) == newest_first  # at most 100
    assert page(p=3, size=5) == []
    assert page(p=2**62, size=4) == newest_first[:4]  # p*size wraps negative: no offset


def test_items_carry_the_full_key_and_that_versions_fields(world: World) -> None:
    # model/token.go Token (no cross_group_retry, DeletedAt without json tag); no masking
    token_id = world.create(world.alice)
    item = next(item for item in world.items(world.alice) if item["id"] == token_id)
    assert list(item) == TOKEN_FIELDS
    assert KEY.fullmatch(item["key"]) and item["DeletedAt"] is None and item["allow_ips"] == ""
    got = world.get(world.alice, token_id).json()
    assert got["data"] == item
    row = world.server.store.token(token_id, world.alice.id)
    assert row is not None and item["key"] == row["key"]


def test_get_token_texts(world: World) -> None:
    # controller/token.go GetToken, model/token.go GetTokenByIds
    assert world.get(world.alice, 0).json() == {"success": False, "message": "id 或 userId 为空！"}
    assert world.get(world.alice, "abc").json() == {
        "success": False,
        "message": 'strconv.Atoi: parsing "abc": invalid syntax',
    }
    assert world.get(world.alice, world.create(world.bob)).json() == NOT_FOUND


def test_search_is_an_unpaged_array_of_like_matches(world: World) -> None:
    # controller/token.go SearchTokens, model/token.go SearchUserTokens
    user = world.register()
    stem = unique("Srch")
    ids = [world.create(user, f"{stem}-{i}") for i in range(3)]
    other = world.create(user, unique("zz"))
    found = world.search(user, keyword=stem.lower())  # SQLite LIKE: ASCII case-insensitive
    assert [item["id"] for item in found] == ids  # no order asked: ids ascending
    assert other not in [item["id"] for item in world.search(user, keyword=stem)]
    assert len(world.search(user, keyword="")) == 4
    assert len(world.search(user, keyword="%")) == 4  # `%` is a live wildcard
    key = world.key(user, ids[1])
    assert [item["id"] for item in world.search(user, token=f"sk-{key}")] == [ids[1]]
    assert KEY.fullmatch(world.search(user, token=key)[0]["key"])
    answer = world.http.get("/api/token/search", params={"keyword": stem}, headers=user.headers()).json()
    assert isinstance(answer["data"], list) and "page" not in answer


def test_search_trims_s_k_and_dashes(world: World) -> None:
    # model/token.go SearchUserTokens: strings.Trim(token, "sk-") (fixed later, PR #2928)
    user = world.register()
    for _ in range(8):
        token_id = world.create(user)
        key = world.key(user, token_id)
        if key[0] in "sk" or key[-1] in "sk":
            break
    else:
        pytest.skip("no key starting or ending with s or k in 8 draws")
    trimmed = key.strip("sk-")
    assert trimmed != key
    # with LIKE %...% a trimmed key is still a substring: the token is found all the same
    assert token_id in [item["id"] for item in world.search(user, token=key)]
    assert token_id in [item["id"] for item in world.search(user, token=trimmed)]


def test_missing_routes_answer_invalid_url(world: World) -> None:
    # router/api-router.go: no /:id/key, no /batch, no /batch/keys, no /auto-groups
    token_id = world.create(world.alice)
    headers = world.alice.headers()
    for path in (f"/api/token/{token_id}/key", "/api/token/batch", "/api/token/batch/keys"):
        answer = world.http.post(path, json={"ids": [token_id]}, headers=headers)
        assert (answer.status_code, answer.json()) == (404, invalid_url("POST", path))
    auto = world.http.get("/api/token/auto-groups", headers=headers).json()  # GET /:id
    assert auto == {"success": False, "message": 'strconv.Atoi: parsing "auto-groups": invalid syntax'}
    assert world.get(world.alice, token_id).json()["success"] is True


def test_create_checks_only_a_30_byte_name(world: World) -> None:
    # controller/token.go AddToken: len(token.Name) > 30, no quota bounds, no count limit
    headers = world.alice.headers(**{"Accept-Language": "en"})
    too_long = world.http.post("/api/token/", json={"name": "é" * 16}, headers=headers)
    assert too_long.json() == {"success": False, "message": "令牌名称过长"}
    name = "n" * 30
    assert (
        world.http.post("/api/token/", json={"name": name, "remain_quota": -5}, headers=headers).json() == OK
    )
    item = next(item for item in world.items(world.alice) if item["name"] == name)
    assert item["remain_quota"] == -5 and item["expired_time"] == 0  # stored as sent
    bad = world.http.post("/api/token/", content=b"{", headers=headers).json()
    assert bad["success"] is False


def test_omitted_expiry_is_expired_on_the_relay(world: World) -> None:
    # AddToken keeps expired_time 0; model/token.go ValidateUserToken: 0 < now is expired
    name = unique()
    body = {"name": name, "unlimited_quota": True}
    assert world.http.post("/api/token/", json=body, headers=world.alice.headers()).json() == OK
    token_id = world.find(world.alice, name)
    answer = world.relay(world.key(world.alice, token_id))
    assert answer.status_code == 401
    assert answer.json()["error"]["message"].startswith("该令牌已过期 (request id: ")
    assert world.get(world.alice, token_id).json()["data"]["status"] == 3  # no Redis: marked


def test_update_answers_the_full_token(world: World) -> None:
    # controller/token.go UpdateToken
    token_id = world.create(world.alice)
    body = {"id": token_id, "name": "renamed", "expired_time": -1, "unlimited_quota": True}
    answer = world.http.put("/api/token/", json=body, headers=world.alice.headers()).json()
    assert answer["success"] is True and answer["data"]["name"] == "renamed"
    assert KEY.fullmatch(answer["data"]["key"])
    assert world.http.put("/api/token/", json={"id": 0}, headers=world.alice.headers()).json() == {
        "success": False,
        "message": "id 或 userId 为空！",
    }


def test_delete(world: World) -> None:
    # controller/token.go DeleteToken, model/token.go DeleteTokenById (Where(Token{Id, UserId}))
    own, foreign = world.create(world.alice), world.create(world.bob)
    assert world.delete(world.alice, own).json() == OK
    assert world.delete(world.alice, own).json() == NOT_FOUND
    assert world.get(world.alice, own).json() == NOT_FOUND
    assert own not in [item["id"] for item in world.items(world.alice)]
    assert world.delete(world.alice, foreign).json() == NOT_FOUND
    assert world.delete(world.root, foreign).json() == NOT_FOUND
    assert world.delete(world.alice, 0).json() == {"success": False, "message": "id 或 userId 为空！"}
    assert world.get(world.bob, foreign).json()["success"] is True


# relay --------------------------------------------------------------------------------------
def test_relay_doors(world: World) -> None:
    # middleware/auth.go TokenAuth: WebSocket, Authorization ("Bearer " only), mj-api-secret
    key = world.key(world.alice, world.create(world.alice))
    ok = {"data": [], "success": True}  # controller/model.go ListModels
    get = world.http.get
    assert get("/v1/models", headers={"Authorization": f"Bearer sk-{key}"}).json() == ok
    assert get("/v1/models", headers={"Authorization": key}).json() == ok
    protocol = f"realtime, openai-insecure-api-key.sk-{key}"
    assert get("/v1/models", headers={"Sec-WebSocket-Protocol": protocol}).json() == ok
    assert get("/v1/models", headers={"mj-api-secret": f"sk-{key}"}).json() == ok
    lower = get("/v1/models", headers={"Authorization": f"bearer sk-{key}"})
    assert lower.status_code == 401 and lower.json()["error"]["message"].startswith("无效的令牌")
    for headers, path in (
        ({"x-api-key": key, "anthropic-version": "2023-06-01"}, "/v1/models"),
        ({"x-goog-api-key": key}, "/v1/models/gpt-4o"),
    ):
        refused = get(path, headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"]["message"].startswith("未提供令牌 (request id: ")
    assert get(f"/v1/models/gpt-4o?key={key}").status_code == 401
    gemini = get("/v1beta/models", headers={"x-goog-api-key": key})
    assert (gemini.status_code, gemini.json()) == (404, invalid_url("GET", "/v1beta/models"))


def test_relay_errors_have_no_code_and_are_chinese(world: World) -> None:
    # middleware/utils.go abortWithOpenAiMessage; model/token.go ValidateUserToken
    answer = world.relay("x" * 48, **{"Accept-Language": "en"})
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert list(error) == ["message", "type"] and error["type"] == "new_api_error"
    assert error["message"] == f"无效的令牌 (request id: {answer.headers['X-Oneapi-Request-Id']})"
    token_id = world.create(world.alice)
    body = {"id": token_id, "status": 2, "expired_time": -1, "unlimited_quota": True}
    world.http.put("/api/token/?status_only=1", json=body, headers=world.alice.headers())
    disabled = world.relay(world.key(world.alice, token_id))
    assert disabled.json()["error"]["message"].startswith("该令牌状态不可用 ")
    pinned = world.relay(f"{world.key(world.alice, world.create(world.alice))}-3")
    assert pinned.status_code == 403
    assert pinned.json()["error"]["message"].startswith("普通用户不支持指定渠道 ")


def test_retrieve_model_has_the_permission_list(world: World) -> None:
    # controller/model.go RetrieveModel, getPermission
    key = world.key(world.alice, world.create(world.alice))
    model = world.http.get("/v1/models/gpt-4o", headers={"Authorization": f"Bearer {key}"}).json()
    assert model["permission"][0]["id"] == "modelperm-LwHkVFn8AcMItP432fKKDIKJ"
    assert list(model) == ["id", "object", "created", "owned_by", "permission", "root", "parent"]


def test_without_redis_a_deleted_key_dies_at_once(world: World) -> None:
    # model/token.go CacheGetTokenByKey without Redis: GetTokenByKey on every request
    token_id = world.create(world.alice)
    key = world.key(world.alice, token_id)
    assert world.relay(key).status_code == 200
    assert world.delete(world.alice, token_id).json() == OK
    assert world.relay(key).status_code == 401


def test_with_redis_a_used_key_outlives_its_delete(fresh: Callable[..., World]) -> None:
    # model/cache.go: DeleteTokenById never evicts; reads renew the TTL (RedisExpire);
    # SyncTokenCache drops deleted keys every SYNC_FREQUENCY (here cache_ttl_s) seconds
    world = fresh(token_cache=True, cache_ttl_s=1.5)
    used, unused = world.create(world.alice), world.create(world.alice)
    used_key, unused_key = world.key(world.alice, used), world.key(world.alice, unused)
    assert world.relay(used_key).status_code == 200
    assert world.delete(world.alice, used).json() == OK
    assert world.delete(world.alice, unused).json() == OK
    assert world.relay(used_key).status_code == 200  # the historical defect
    assert world.relay(unused_key).status_code == 401  # never cached: dead at once
    deadline = time.monotonic() + 5
    while world.relay(used_key).status_code == 200:
        assert time.monotonic() < deadline, "the sync never dropped the deleted key"
        time.sleep(0.2)
    assert world.relay(used_key).status_code == 401


# rate limits --------------------------------------------------------------------------------
def test_limits_of_that_version() -> None:
    # common/constants.go:147-162 (global 180/180, web 60/180, critical 20/1200 constant)
    limits = RateLimits.upstream("late2024")
    assert limits.global_api == Limit(180, 180) and limits.global_web == Limit(60, 180)
    assert limits.critical == Limit(20, 1200)
    assert limits.search is not None and not limits.search.enabled
    env = {"GLOBAL_API_RATE_LIMIT": "50", "CRITICAL_RATE_LIMIT": "3", "SEARCH_RATE_LIMIT_ENABLE": "true"}
    read = RateLimits.from_env(env, "late2024")
    assert read.global_api == Limit(50, 180) and read.critical == Limit(20, 1200)
    assert read.search is not None and not read.search.enabled
    assert "CRITICAL_RATE_LIMIT" not in RateLimits().env("late2024")


def test_search_has_no_limiter_and_login_is_critical(fresh: Callable[..., World]) -> None:
    # router/api-router.go: tokenRoute.GET("/search", ...) without a limiter; login critical
    world = fresh(rate_limits=True, limits=RateLimits(critical=Limit(9, 1200)))
    for _ in range(12):
        answer = world.http.get("/api/token/search", params={"keyword": "x"}, headers=world.alice.headers())
        assert answer.status_code == 200
    statuses = [world.login("alice").status_code for _ in range(8)]
    assert statuses.count(429) >= 1 and world.login("alice").status_code == 429
    assert world.http.get("/api/user/token", headers=world.alice.headers()).status_code == 200


def test_serve_accepts_late2024() -> None:
    from newapi_contract.refserver import commands

    captured: dict[str, Any] = {}

    class Parsers:
        def add_parser(self, name: str, **_: Any) -> Any:
            import argparse

            captured[name] = argparse.ArgumentParser(prog=name)
            return captured[name]

    commands.register(Parsers())
    args = captured["serve"].parse_args(["--generation", "late2024"])
    assert args.generation == "late2024"
