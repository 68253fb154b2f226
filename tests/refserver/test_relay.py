"""§4: the relay after deletion, key forms, and the token cache per generation."""

from __future__ import annotations

import time

import httpx
import pytest
from refworld import World

from newapi_contract.refserver.ratelimit import Limit, RateLimits

MODELS = {"success": True, "data": [], "object": "list"}


def invalid(answer_json: dict[str, object], request_id: str, text: str = "Invalid token") -> bool:
    return answer_json == {
        "error": {"message": f"{text} (request id: {request_id})", "type": "new_api_error", "code": ""}
    }


@pytest.mark.parametrize("form", ["Bearer sk-{k}", "Bearer {k}", "bearer sk-{k}"])
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


# Every door of the relay (reference §4), answers as upstream's binaries gave them (4ca47ee2,
# e2c7aa7b) on an instance without channels.
OPENAI_LIST = {"data": [], "object": "list", "success": True}
GEMINI_LIST = {"models": [], "nextPageToken": None}
ANTHROPIC_LIST = {"data": [], "first_id": "", "has_more": False, "last_id": ""}
NO_MODEL = {
    "error": {
        "message": "The model '' does not exist",
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }
}
ANTHROPIC_VERSION = "2023-06-01"
# door -> (path, headers, query) with {k} for the key
DOORS = {
    "bearer": ("/v1/models", {"Authorization": "bearer sk-{k}"}, {}),
    "raw": ("/v1/models", {"Authorization": "{k}"}, {}),
    "raw-sk": ("/v1/models", {"Authorization": "sk-{k}"}, {}),
    "x-api-key": ("/v1/models", {"x-api-key": "sk-{k}"}, {}),
    "gemini-query": ("/v1beta/models", {}, {"key": "{k}"}),
    "gemini-header": ("/v1beta/models", {"x-goog-api-key": "{k}"}, {}),
    "gemini-openai": ("/v1beta/openai/models", {}, {"key": "{k}"}),
    "websocket": (
        "/v1/models",
        {"Sec-WebSocket-Protocol": "realtime, openai-insecure-api-key.sk-{k}, openai-beta.realtime-v1"},
        {},
    ),
    "mj": ("/v1/models", {"mj-api-secret": "{k}"}, {}),
    "mj-proxy": ("/v1/models", {"Authorization": "midjourney-proxy", "mj-api-secret": "sk-{k}"}, {}),
    "anthropic-list": ("/v1/models", {"x-api-key": "sk-{k}", "anthropic-version": ANTHROPIC_VERSION}, {}),
    "model-gemini": ("/v1/models/gpt-4o", {"x-goog-api-key": "{k}"}, {}),
    "model-anthropic": (
        "/v1/models/gpt-4o",
        {"x-api-key": "{k}", "anthropic-version": ANTHROPIC_VERSION},
        {},
    ),
    "models-gemini-query": ("/v1/models", {}, {"key": "{k}"}),
}
EXPECTED = {  # door -> {generation: (status, body)}; None: an error body, checked apart
    "bearer": (200, OPENAI_LIST),
    "raw": (200, OPENAI_LIST),
    "raw-sk": (200, OPENAI_LIST),
    "x-api-key": (200, OPENAI_LIST),
    "gemini-query": (200, GEMINI_LIST),
    "gemini-header": (200, GEMINI_LIST),
    "gemini-openai": (200, OPENAI_LIST),
    "websocket": (200, OPENAI_LIST),
    "mj": (200, OPENAI_LIST),
    "mj-proxy": (200, OPENAI_LIST),
    "anthropic-list": {"current": (200, ANTHROPIC_LIST), "legacy": (500, None)},
    "model-gemini": {
        "current": (
            200,
            {
                "id": "gpt-4o",
                "object": "model",
                "created": 1626777600,
                "owned_by": "advanced_custom",
                "supported_endpoint_types": None,
            },
        ),
        "legacy": (
            200,
            {
                "id": "gpt-4o",
                "object": "model",
                "created": 1626777600,
                "owned_by": "openai",
                "supported_endpoint_types": None,
            },
        ),
    },
    "model-anthropic": (
        200,
        {"id": "gpt-4o", "created_at": "2021-07-20T10:40:00Z", "display_name": "gpt-4o", "type": "model"},
    ),
    # legacy reads `?key=` only below /v1/models/: the key never arrives (401)
    "models-gemini-query": {"current": (200, GEMINI_LIST), "legacy": (401, None)},
}


def _door(world: World, door: str, key: str) -> httpx.Response:
    path, headers, query = DOORS[door]
    fill = {name: value.format(k=key) for name, value in headers.items()}
    return world.http.get(path, headers=fill, params={n: v.format(k=key) for n, v in query.items()})


@pytest.mark.parametrize("door", sorted(DOORS))
def test_every_door_takes_a_live_key_in_its_own_shape(world: World, door: str) -> None:
    key = world.key(world.alice, world.create(world.alice))
    want = EXPECTED[door]
    status, body = want[world.generation] if isinstance(want, dict) else want
    answer = _door(world, door, key)
    assert answer.status_code == status, answer.text
    if body is not None:
        assert answer.json() == body
    never = _door(world, door, "n" * 48)
    assert never.status_code == 401
    assert invalid(never.json(), never.headers["x-oneapi-request-id"])


def test_legacy_anthropic_list_panics_without_models(legacy: World) -> None:
    key = legacy.key(legacy.alice, legacy.create(legacy.alice))
    answer = _door(legacy, "anthropic-list", key)
    assert answer.json()["error"]["type"] == "new_api_panic"


def test_legacy_gemini_on_the_models_list_is_an_empty_model_lookup(legacy: World) -> None:
    key = legacy.key(legacy.alice, legacy.create(legacy.alice))
    answer = legacy.http.get("/v1/models", params={"key": "x"}, headers={"Authorization": f"Bearer sk-{key}"})
    assert (answer.status_code, answer.json()) == (200, NO_MODEL)


def test_a_subprotocol_header_replaces_authorization(world: World) -> None:
    key = world.key(world.alice, world.create(world.alice))
    answer = world.relay(key, **{"Sec-WebSocket-Protocol": "realtime"})
    assert answer.status_code == 401  # the key read is "realtime"


def test_later_doors_overwrite_earlier_ones(world: World) -> None:
    key = world.key(world.alice, world.create(world.alice))
    junk = "j" * 48
    # x-api-key beats Authorization; x-goog-api-key beats ?key= on a Gemini path
    assert world.relay(junk, **{"x-api-key": key}).status_code == 200
    answer = world.http.get("/v1beta/models", params={"key": junk}, headers={"x-goog-api-key": key})
    assert answer.status_code == 200
    # mj-api-secret is read only when Authorization is empty or `midjourney-proxy`
    assert world.relay(junk, **{"mj-api-secret": key}).status_code == 401


def test_a_channel_pin_is_refused_to_a_common_user(world: World) -> None:
    key = world.key(world.alice, world.create(world.alice))
    answer = world.http.get("/v1/models", headers={"Authorization": f"Bearer sk-{key}-3"})
    assert answer.status_code == 403
    assert answer.json()["error"]["message"].startswith("普通用户不支持指定渠道 (request id: ")


def test_unrouted_v1beta_paths_get_the_relay_404(world: World) -> None:
    answer = world.http.get("/v1beta/models/gemini-pro")
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        404,
        "Invalid URL (GET /v1beta/models/gemini-pro)",
    )
