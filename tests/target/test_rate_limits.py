"""§7: the three limiters, off by default, 429 shape per generation."""

from __future__ import annotations

from refworld import World

from newapi_contract.target.ratelimit import Limit, RateLimits

SMALL = RateLimits(global_api=Limit(8, 60))


def test_limiters_are_off_by_default(world: World) -> None:
    for _ in range(30):
        assert world.login("alice").status_code == 200


def test_global_limit_answers_an_empty_429(make_world) -> None:  # type: ignore[no-untyped-def]
    for generation in ("legacy", "current"):
        world: World = make_world(generation, bootstrap=False, rate_limits=True, limits=SMALL)
        answers = [world.http.get("/api/status") for _ in range(9)]
        assert [a.status_code for a in answers[:8]] == [200] * 8
        refused = world.http.get("/api/status", headers={"Accept-Encoding": "identity"})
        assert refused.status_code == 429
        assert refused.content == b"" and "content-type" not in refused.headers
        assert ("retry-after" in refused.headers) is (generation == "current")
        zipped = world.http.get("/api/status", headers={"Accept-Encoding": "gzip"})
        assert zipped.status_code == 429 and zipped.headers["content-encoding"] == "gzip"
        assert zipped.content == b""  # httpx inflated an empty gzip stream


def test_critical_bucket_is_shared_by_login_and_key_reveal(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("legacy", rate_limits=True, limits=RateLimits(critical=Limit(8, 60)))
    # bootstrapping spent 5 of the 8: three logins, two registrations
    token_id = world.create(world.alice)
    assert world.http.post(f"/api/token/{token_id}/key", headers=world.alice.headers()).status_code == 200
    assert [world.login("alice").status_code for _ in range(3)] == [200, 200, 429]
    blocked = world.http.post(f"/api/token/{token_id}/key", headers=world.alice.headers())
    assert blocked.status_code == 429
    assert world.http.get("/api/token/", headers=world.alice.headers()).status_code == 200


def test_search_limit_is_per_user(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("legacy", rate_limits=True, limits=RateLimits(search=Limit(2, 60)))
    search = "/api/token/search"
    assert [world.http.get(search, headers=world.alice.headers()).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert world.http.get(search, headers=world.bob.headers()).status_code == 200
