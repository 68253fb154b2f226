"""§7: the limiters: upstream's numbers per generation, the sliding log, operators' settings,
which routes pass which limiter, and the 429's shape per generation (a fake clock, no sleeps)."""

from __future__ import annotations

import pytest
from refworld import World

from newapi_contract.errors import UsageError
from newapi_contract.refserver.clientip import client_ip
from newapi_contract.refserver.ratelimit import Limit, RateLimits, SlidingLog, parse_limit_spec
from newapi_contract.refserver.server import ServerConfig

SMALL = RateLimits(global_api=Limit(8, 60))


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- the numbers ----------------------------------------------------------------------


def test_upstream_defaults_per_generation() -> None:
    legacy, current = RateLimits.upstream("legacy"), RateLimits.upstream("current")
    assert legacy.describe() == "global=180/180,web=60/180,critical=20/1200,search=10/60"
    assert current.describe() == "global=360/180,web=120/180,critical=20/1200,search=10/60"


def test_server_config_takes_the_generations_defaults_and_overrides() -> None:
    assert ServerConfig(generation="legacy").effective_limits() is None  # off by default
    on = ServerConfig(generation="legacy", rate_limits=True).effective_limits()
    assert on == RateLimits.upstream("legacy")
    mixed = ServerConfig(generation="current", rate_limits=True, limits=RateLimits(search=Limit(2, 5)))
    assert mixed.effective_limits() == RateLimits(
        global_api=Limit(360, 180), global_web=Limit(120, 180), critical=Limit(20, 1200), search=Limit(2, 5)
    )


def test_from_env_reads_upstreams_variables_like_getenvordefault() -> None:
    env = {
        "GLOBAL_API_RATE_LIMIT": "30",
        "GLOBAL_API_RATE_LIMIT_DURATION": "60",
        "GLOBAL_WEB_RATE_LIMIT_ENABLE": "F",  # Go's ParseBool
        "CRITICAL_RATE_LIMIT": "lots",  # not an int: the default stays
        "SEARCH_RATE_LIMIT_ENABLE": "maybe",  # not a bool: the default stays
        "SEARCH_RATE_LIMIT": "+3",  # Atoi accepts a sign
    }
    limits = RateLimits.from_env(env, "legacy")
    assert limits.global_api == Limit(30, 60)
    assert limits.global_web == Limit(60, 180, enabled=False)
    assert limits.critical == Limit(20, 1200)
    assert limits.search == Limit(3, 60)
    assert RateLimits.from_env({}, "current") == RateLimits.upstream("current")


def test_from_env_round_trips_through_env() -> None:
    limits = RateLimits(global_api=Limit(5, 7), critical=Limit(1, 2, enabled=False))
    assert RateLimits.from_env(limits.env("legacy"), "legacy") == limits.resolved("legacy")


def test_from_env_refuses_a_negative_limit() -> None:
    with pytest.raises(UsageError, match="GLOBAL_API_RATE_LIMIT=-1"):
        RateLimits.from_env({"GLOBAL_API_RATE_LIMIT": "-1"}, "legacy")


def test_limit_spec() -> None:
    spec = parse_limit_spec("global=180/180, critical=20/1200,search=off")
    assert spec == RateLimits(
        global_api=Limit(180, 180), critical=Limit(20, 1200), search=Limit(0, 0, enabled=False)
    )
    assert spec.resolved("current").global_web == Limit(120, 180)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "names no limiter"),
        ("global", "expected NAME=N/SECONDS"),
        ("api=1/2", "NAME one of global, web, critical, search"),
        ("global=180", "expected N/SECONDS"),
        ("global=-1/180", "expected N/SECONDS"),
        ("global=1.5/180", "expected N/SECONDS"),
        ("global=1/2,global=3/4", "given twice"),
        ("web=on", "expected N/SECONDS"),
    ],
)
def test_limit_spec_errors_say_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_limit_spec(spec)


# -- the sliding log ------------------------------------------------------------------


def test_sliding_log_passes_n_then_waits_for_the_oldest_to_age() -> None:
    clock = FakeClock()
    log = SlidingLog(clock)
    assert [log.request("k", 3, 10) for _ in range(4)] == [True, True, True, False]
    clock.now += 9
    assert log.request("k", 3, 10) is False
    clock.now += 1  # the three are 10 s old: all three slots open again
    assert [log.request("k", 3, 10) for _ in range(4)] == [True, True, True, False]
    assert log.request("other", 3, 10) is True  # one log per key


def test_refused_requests_are_not_counted() -> None:
    clock = FakeClock(0)
    log = SlidingLog(clock)
    assert log.request("k", 2, 10) is True  # t = 0
    clock.now = 1
    assert log.request("k", 2, 10) is True  # t = 1
    for second in range(2, 10):  # refused every second: none of them is recorded
        clock.now = second
        assert log.request("k", 2, 10) is False
    clock.now = 10
    assert log.request("k", 2, 10) is True  # the slot of t = 0
    assert log.request("k", 2, 10) is False
    clock.now = 11
    assert log.request("k", 2, 10) is True  # the slot of t = 1


def test_times_are_whole_seconds_like_unix() -> None:
    clock = FakeClock(100.9)
    log = SlidingLog(clock)
    assert log.request("k", 1, 10) is True
    clock.now = 110.0  # 9.1 s later, but 110 - 100 >= 10 in whole seconds
    assert log.request("k", 1, 10) is True


def test_a_zero_limit_lets_one_request_per_window_through_as_upstream_does() -> None:
    clock = FakeClock()
    log = SlidingLog(clock)
    assert [log.request("k", 0, 5) for _ in range(2)] == [True, False]
    clock.now += 5
    assert log.request("k", 0, 5) is True


# -- who is counted -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("generation", "peer", "headers", "expected"),
    [
        ("legacy", "127.0.0.1", {}, "127.0.0.1"),
        ("legacy", "127.0.0.1", {"x-forwarded-for": "203.0.113.7"}, "203.0.113.7"),
        ("legacy", "198.51.100.1", {"x-forwarded-for": "203.0.113.7"}, "203.0.113.7"),  # trusts all
        ("current", "198.51.100.1", {"x-forwarded-for": "203.0.113.7"}, "198.51.100.1"),
        ("current", "127.0.0.1", {"x-forwarded-for": "203.0.113.7, 10.0.0.2"}, "203.0.113.7"),
        ("current", "127.0.0.1", {"x-forwarded-for": "1.1.1.1, 203.0.113.7"}, "203.0.113.7"),
        ("current", "127.0.0.1", {"x-forwarded-for": "junk", "x-real-ip": "203.0.113.9"}, "203.0.113.9"),
        ("current", "127.0.0.1", {"x-forwarded-for": "junk"}, "127.0.0.1"),
        ("legacy", "::ffff:127.0.0.1", {}, "127.0.0.1"),
    ],
)
def test_client_ip_follows_gins_trusted_proxies(
    generation: str, peer: str, headers: dict[str, str], expected: str
) -> None:
    assert client_ip(generation, peer, headers) == expected


# -- through the server -----------------------------------------------------------------


def test_limiters_are_off_by_default(world: World) -> None:
    for _ in range(30):
        assert world.login("alice").status_code == 200


@pytest.mark.parametrize("generation", ["legacy", "current"])
def test_global_limit_answers_an_empty_429(make_world, generation: str) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world(generation, bootstrap=False, rate_limits=True, limits=SMALL)
    answers = [world.http.get("/api/status") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 8
    refused = world.http.get("/api/status", headers={"Accept-Encoding": "identity"})
    assert refused.status_code == 429
    assert refused.content == b"" and "content-type" not in refused.headers
    # current: the whole window (the in-memory limiter cannot tell the time left); legacy: none
    assert refused.headers.get("retry-after") == ("60" if generation == "current" else None)
    zipped = world.http.get("/api/status", headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 429 and zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == b""  # httpx inflated an empty gzip stream


def test_the_window_reopens_on_the_servers_clock(make_world) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    world: World = make_world("legacy", bootstrap=False, rate_limits=True, limits=SMALL, clock=clock)
    assert {world.http.get("/api/status").status_code for _ in range(8)} == {200}
    clock.now += 59
    assert world.http.get("/api/status").status_code == 429
    clock.now += 1
    assert world.http.get("/api/status").status_code == 200


def test_legacy_default_is_180_per_180_s(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("legacy", bootstrap=False, rate_limits=True, clock=FakeClock())
    codes = [world.http.get("/api/setup").status_code for _ in range(181)]
    assert codes == [200] * 180 + [429]


def test_unrouted_paths_pass_the_web_limiter_not_the_api_one(make_world) -> None:  # type: ignore[no-untyped-def]
    limits = RateLimits(global_api=Limit(2, 60), global_web=Limit(3, 60))
    world: World = make_world("current", bootstrap=False, rate_limits=True, limits=limits, clock=FakeClock())
    unrouted = [world.http.delete("/api/token/").status_code for _ in range(4)]
    assert unrouted == [404, 404, 404, 429]
    assert world.http.get("/").status_code == 429  # the web page shares the web bucket
    assert [world.http.get("/api/status").status_code for _ in range(3)] == [200, 200, 429]
    # redirects run before any middleware: no limiter at all
    assert world.http.delete("/api/token/5/").status_code == 307
    refused = world.http.delete("/api/token/")
    assert refused.headers["retry-after"] == "60" and refused.content == b""


def test_a_forwarded_client_has_its_own_bucket(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world(
        "legacy", bootstrap=False, rate_limits=True, limits=RateLimits(global_api=Limit(1, 60))
    )
    assert world.http.get("/api/status").status_code == 200
    assert world.http.get("/api/status").status_code == 429
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert world.http.get("/api/status", headers=forwarded).status_code == 200


def test_critical_bucket_is_shared_by_login_and_key_reveal(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("legacy", rate_limits=True, limits=RateLimits(critical=Limit(8, 60)))
    # bootstrapping spent 5 of the 8: three logins, two registrations
    token_id = world.create(world.alice)
    assert world.http.post(f"/api/token/{token_id}/key", headers=world.alice.headers()).status_code == 200
    assert [world.login("alice").status_code for _ in range(3)] == [200, 200, 429]
    blocked = world.http.post(f"/api/token/{token_id}/key", headers=world.alice.headers())
    assert blocked.status_code == 429 and "retry-after" not in blocked.headers
    assert "cache-control" not in blocked.headers  # DisableCache comes after the limiter
    assert world.http.get("/api/token/", headers=world.alice.headers()).status_code == 200


def test_critical_limiter_runs_after_user_auth(make_world) -> None:  # type: ignore[no-untyped-def]
    # current's bootstrap spends 8: three logins, two registrations, three token rotations
    world: World = make_world("current", rate_limits=True, limits=RateLimits(critical=Limit(8, 60)))
    refused = world.http.post("/api/token/1/key", headers=world.alice.headers())
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    unauthenticated = world.http.post("/api/token/1/key")
    assert unauthenticated.status_code == 401  # auth refuses first; the limiter never ran


def test_current_limits_access_token_rotation_per_user(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("current", rate_limits=True, limits=RateLimits(critical=Limit(8, 60)))
    # a new forwarded address each time: the per-IP bucket never fills; alice's own bucket
    # holds her rotation from bootstrap, so 7 more pass
    access_token, codes = world.alice.access_token, []
    for n in range(8):
        headers = {"Authorization": f"Bearer {access_token}", "X-Forwarded-For": f"203.0.113.{n + 1}"}
        answer = world.http.get("/api/user/token", headers=headers)
        codes.append(answer.status_code)
        access_token = answer.json()["data"] if answer.status_code == 200 else access_token
    assert codes == [200] * 7 + [429]


def test_legacy_does_not_limit_access_token_rotation(make_world) -> None:  # type: ignore[no-untyped-def]
    # legacy's bootstrap spends 5 critical requests: three logins, two registrations
    world: World = make_world("legacy", rate_limits=True, limits=RateLimits(critical=Limit(5, 60)))
    assert world.login("alice").status_code == 429
    assert world.http.get("/api/user/token", headers=world.alice.headers()).status_code == 200


def test_search_limit_is_per_user(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("legacy", rate_limits=True, limits=RateLimits(search=Limit(2, 60)))
    search = "/api/token/search"
    assert [world.http.get(search, headers=world.alice.headers()).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert world.http.get(search, headers=world.bob.headers()).status_code == 200
