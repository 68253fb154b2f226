"""The flaky proxy on the wire, in front of a reference server: transparent when it injects
nothing, each fault kind as a client sees it (and whether the server saw the request),
faults per request on kept-alive connections, the same faults for the same seed."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
import requests

from newapi_contract.errors import UsageError
from newapi_contract.refserver.flaky import RunningProxy, start_proxy
from newapi_contract.refserver.flaky_spec import FlakySpec
from newapi_contract.refserver.server import RunningServer, ServerConfig, start

SETUP = {"username": "root", "password": "password123", "confirmPassword": "password123"}
HEALTHY = FlakySpec(seed=0, rate=0)


@pytest.fixture
def server() -> Iterator[RunningServer]:
    with start(ServerConfig(generation="current")) as running:
        yield running


def proxy(server: RunningServer, spec: FlakySpec) -> RunningProxy:
    return start_proxy(server.base_url, spec)


def set_up(server: RunningServer) -> bool:
    """Whether the server has been set up: what a request that reached it changed."""
    return httpx.get(server.base_url + "/api/status").json()["data"]["setup"]


# -- transparent ---------------------------------------------------------------------------
def test_healthy_answers_are_the_servers(server):
    with proxy(server, HEALTHY) as flaky, httpx.Client(base_url=flaky.base_url) as client:
        assert client.post("/api/setup", json=SETUP).json()["success"] is True
        login = client.post("/api/user/login", json={"username": "root", "password": "password123"})
        jwt = login.json()["data"]["access_token"]
        me = client.get("/api/user/self", headers={"Authorization": f"Bearer {jwt}"})
        redirect = client.delete("/api/token/5/")
        odd = client.delete("/api/token/%D9%A3", headers={"Authorization": f"Bearer {jwt}"})
        direct = httpx.get(server.base_url + "/api/status")
        status = client.get("/api/status")
    assert me.json()["data"]["username"] == "root"
    assert (redirect.status_code, redirect.headers["location"]) == (307, "/api/token/5")
    assert odd.json()["message"] == "id 或 userId 为空！"  # the odd id arrived as sent
    assert status.headers["content-type"] == direct.headers["content-type"]
    assert status.json()["data"]["setup"] is True
    assert flaky.injected() == dict.fromkeys(flaky.injected(), 0) and flaky.events() == []
    assert flaky.requests == 6


def test_keep_alive_one_connection_for_many_requests(server):
    with proxy(server, HEALTHY) as flaky:
        with httpx.Client(base_url=flaky.base_url) as client:
            for _ in range(20):
                assert client.get("/api/status").status_code == 200
        with requests.Session() as session:
            for _ in range(20):
                assert session.get(flaky.base_url + "/api/status").status_code == 200
        assert (flaky.requests, flaky.connections) == (40, 2)


def test_unreachable_server_is_a_real_502_not_an_injection():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with start_proxy(f"http://127.0.0.1:{port}", HEALTHY) as flaky:
        answer = httpx.get(flaky.base_url + "/api/status")
        assert answer.status_code == 502 and "<title>502 Bad Gateway</title>" in answer.text
        assert flaky.events() == []


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:1", "ftp://x", "http://127.0.0.1:1/newapi", "http://h:99999"]
)
def test_bad_upstream_is_a_usage_error(url):
    with pytest.raises(UsageError, match="upstream"):
        start_proxy(url, HEALTHY)


# -- each kind, as the client sees it --------------------------------------------------------
def only(kind: str, **times: float) -> FlakySpec:
    return FlakySpec(seed=1, rate=1, kinds=(kind,), **times)


def test_reset_before_the_server_sees_the_request(server):
    with proxy(server, only("reset")) as flaky, pytest.raises(httpx.ReadError, match="reset"):
        httpx.post(flaky.base_url + "/api/setup", json=SETUP)
    assert set_up(server) is False
    assert flaky.injected()["reset"] == 1 and flaky.events()[0].forwarded is False


def test_lost_after_the_server_acted(server):
    with proxy(server, only("lost")) as flaky, pytest.raises(httpx.TransportError):
        httpx.post(flaky.base_url + "/api/setup", json=SETUP)
    assert set_up(server) is True
    event = flaky.events()[0]
    assert (event.kind, event.method, event.target, event.forwarded) == ("lost", "POST", "/api/setup", True)


def test_lost_answers_are_reset_or_closed(server):
    """The seed picks either drop: a reset (ReadError) or a close (no response)."""
    errors = set()
    with proxy(server, FlakySpec(seed=4, rate=1, kinds=("lost",))) as flaky:
        for _ in range(12):
            with pytest.raises(httpx.TransportError) as raised:
                httpx.get(flaky.base_url + "/api/status")
            errors.add(type(raised.value))
    assert errors == {httpx.ReadError, httpx.RemoteProtocolError}


def test_bad_gateway_is_nginx_html_on_a_kept_connection(server):
    with proxy(server, only("bad-gateway")) as flaky, httpx.Client(base_url=flaky.base_url) as client:
        answers = [client.get("/api/status") for _ in range(12)]
        forwarded = {event.forwarded for event in flaky.events()}
        connections = flaky.connections
    assert {a.status_code for a in answers} == {502}
    first = answers[0]
    assert first.headers["content-type"] == "text/html" and first.headers["server"] == "nginx"
    assert "<title>502 Bad Gateway</title>" in first.text and "<hr><center>nginx</center>" in first.text
    assert forwarded == {True, False}  # with and without the server having seen it
    assert connections == 1


def test_latency_delays_the_servers_answer(server):
    with proxy(server, only("latency", latency=0.4)) as flaky:
        began = time.monotonic()
        answer = httpx.get(flaky.base_url + "/api/status")
        waited = time.monotonic() - began
    assert answer.json()["success"] is True
    assert waited >= 0.4  # a lower bound: the fault itself, not a speed check
    assert flaky.injected()["latency"] == 1


def _redeploy_then_quiet_seed() -> int:
    """A seed whose request 0 starts a redeploy and whose request 4 is let through."""
    for seed in range(1000):
        spec = FlakySpec(seed=seed, rate=0.5, kinds=("redeploy",))
        first, later = spec.plan(0), spec.plan(4)
        if first is not None and first.kind == "redeploy" and later is None:
            return seed
    raise AssertionError("no such seed")


def test_redeploy_answers_503_for_a_while_then_heals(server):
    spec = FlakySpec(seed=_redeploy_then_quiet_seed(), rate=0.5, kinds=("redeploy",), redeploy=0.5)
    with proxy(server, spec) as flaky, httpx.Client(base_url=flaky.base_url) as client:
        during = [client.post("/api/setup", json=SETUP) for _ in range(4)]
        time.sleep(0.6)
        after = client.get("/api/status")
    assert [a.status_code for a in during] == [503] * 4
    assert "<title>503 Service Temporarily Unavailable</title>" in during[0].text
    assert set_up(server) is False  # no request of the window reached the server
    assert after.status_code == 200 and flaky.injected()["redeploy"] == 4


def test_timeout_holds_the_answer_past_the_clients_patience(server):
    with proxy(server, only("timeout", hold=0.8)) as flaky, pytest.raises(httpx.ReadTimeout):
        httpx.post(flaky.base_url + "/api/setup", json=SETUP, timeout=0.3)
    assert set_up(server) is True
    assert flaky.injected()["timeout"] == 1


def test_a_held_answer_never_comes_then_the_connection_closes(server):
    with proxy(server, only("timeout", hold=0.3)) as flaky, pytest.raises(httpx.RemoteProtocolError):
        httpx.get(flaky.base_url + "/api/status", timeout=5)
    assert flaky.events()[0].kind == "timeout"


# -- per request, seeded ---------------------------------------------------------------------
MIXED = FlakySpec(seed=77, rate=0.3, kinds=("reset", "lost", "bad-gateway"))


def _drive(flaky: RunningProxy, count: int = 40) -> None:
    with httpx.Client(base_url=flaky.base_url) as client:
        for _ in range(count):
            # After a dropped connection the client opens a new one for the next request.
            with contextlib.suppress(httpx.TransportError):
                client.get("/api/status")


def test_faults_fall_on_requests_and_connections_survive_the_rest(server):
    with proxy(server, MIXED) as flaky:
        _drive(flaky)
        events, connections, counts = flaky.events(), flaky.connections, flaky.injected()
    assert flaky.requests == 40
    assert sum(counts.values()) == len(events) and 0 < len(events) < 40
    dropped = sum(event.kind in ("reset", "lost") for event in events)
    assert dropped > 0 and counts["bad-gateway"] > 0
    assert connections == 1 + dropped  # only a dropped connection is reopened
    assert [e.index for e in events] == [i for i in range(40) if MIXED.plan(i) is not None]


def test_same_seed_same_faults_for_the_same_requests(server):
    runs = []
    for spec in (MIXED, MIXED, FlakySpec(seed=78, rate=0.3, kinds=MIXED.kinds)):
        with proxy(server, spec) as flaky:
            _drive(flaky)
            runs.append([(e.index, e.kind, e.forwarded) for e in flaky.events()])
    assert runs[0] == runs[1] != runs[2]
