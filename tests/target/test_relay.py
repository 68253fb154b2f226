"""§4: the relay after deletion, key forms, and the token cache per generation."""

from __future__ import annotations

import time

import pytest
from refworld import World

from newapi_contract.target.ratelimit import Limit, RateLimits

MODELS = {"success": True, "data": [], "object": "list"}


def invalid(answer_json: dict[str, object], request_id: str, text: str = "Invalid token") -> bool:
    return answer_json == {
        "error": {"message": f"{text} (request id: {request_id})", "type": "new_api_error", "code": ""}
    }


@pytest.mark.parametrize("form", ["Bearer sk-{k}", "Bearer {k}", "bearer sk-{k}", "Bearer sk-{k}-7"])
def test_valid_key_lists_models(world: World, form: str) -> None:
    key = world.key(world.alice, world.create(world.alice))
    answer = world.http.get("/v1/models", headers={"Authorization": form.format(k=key)})
    assert (answer.status_code, answer.json()) == (200, MODELS)
    assert world.http.get("/v1/models", headers={"x-api-key": key}).status_code == 200


def test_missing_and_unknown_keys_get_the_same_401(world: World) -> None:
    for headers in ({}, {"Authorization": "Bearer sk-" + "x" * 48}):
        answer = world.http.get("/v1/models", headers=headers)
        assert answer.status_code == 401
        assert invalid(answer.json(), answer.headers["x-oneapi-request-id"])


def test_deleted_key_fails_at_once_like_a_never_issued_one(world: World) -> None:
    key = world.key(world.alice, token_id := world.create(world.alice))
    assert world.relay(key).status_code == 200
    world.delete(world.alice, token_id)
    answer = world.relay(key)
    assert answer.status_code == 401
    assert invalid(answer.json(), answer.headers["x-oneapi-request-id"])


def test_exhausted_and_expired_keys_are_invalid(world: World) -> None:
    exhausted = world.key(world.alice, world.create(world.alice, unlimited_quota=False))
    assert world.relay(exhausted).status_code == 401
    token_id = world.create(world.alice)
    key = world.key(world.alice, token_id)
    world.http.put(
        "/api/token/", json={"id": token_id, "unlimited_quota": True}, headers=world.alice.headers()
    )  # omitted expired_time becomes 0
    assert world.relay(key).status_code == 401


def test_relay_speaks_chinese_when_asked(world: World) -> None:
    answer = world.relay("nothing", **{"Accept-Language": "zh-CN"})
    assert invalid(answer.json(), answer.headers["x-oneapi-request-id"], "无效的令牌")


def test_disabled_users_key_is_403(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("current")
    key = world.key(world.bob, world.create(world.bob))
    world.http.post(
        "/api/user/manage", json={"id": world.bob.id, "action": "disable"}, headers=world.root.headers()
    )
    assert world.relay(key).status_code == 403


def test_relay_has_no_rate_limit(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world(
        "current", bootstrap=False, rate_limits=True, limits=RateLimits(global_api=Limit(5, 60))
    )
    assert all(world.relay("x").status_code == 401 for _ in range(10))
    assert [world.http.get("/api/status").status_code for _ in range(6)][-2:] == [200, 429]


def test_current_cache_is_fenced_before_the_answer(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("current", token_cache=True)
    key = world.key(world.alice, token_id := world.create(world.alice))
    assert world.relay(key).status_code == 200  # now cached
    world.delete(world.alice, token_id)
    assert world.relay(key).status_code == 401


def test_legacy_cache_evicts_asynchronously(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("legacy", token_cache=True, cache_evict_delay_s=0.5)
    key = world.key(world.alice, token_id := world.create(world.alice))
    assert world.relay(key).status_code == 200
    world.delete(world.alice, token_id)
    assert world.relay(key).status_code == 200  # still cached: eviction has not run yet
    deadline = time.monotonic() + 5
    while world.relay(key).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert world.relay(key).status_code == 401
