"""The httpx stack: guard -> pacing -> recording -> network (a MockTransport here)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx
import pytest
from scripted_server import Server

from newapi_contract.client import transport
from newapi_contract.client.recording import SESSION_SCOPE
from newapi_contract.client.redaction import RedactingFilter
from newapi_contract.client.road import Attempt
from newapi_contract.client.transport import build_client, unclear
from newapi_contract.errors import GuardRefusal, RoadFault

if TYPE_CHECKING:
    from tests.client.conftest import Stack


def client(stack: Stack, server: Server) -> httpx.Client:
    return build_client(
        stack.base,
        guard=stack.guard,
        pacer=stack.pacer,
        recorder=stack.recorder,
        redactor=stack.redactor,
        road=stack.road,
        network=httpx.MockTransport(server),
    )


def test_admitted_request_is_sent_and_recorded(stack: Stack) -> None:
    server = Server(httpx.Response(200, json={"success": True, "message": ""}))
    with stack.recorder.scope("t"):
        response = client(stack, server).delete("/api/token/5", headers={"Authorization": stack.owner_token})
    assert response.json() == {"success": True, "message": ""}
    assert [r.url.raw_path for r in server.seen] == [b"/api/token/5"]
    [recorded] = stack.recorder.take("t")
    assert (recorded.method, recorded.status, recorded.error) == ("DELETE", 200, None)
    assert recorded.request_headers["authorization"] == "$NEWAPI_ACCESS_TOKEN"
    assert recorded.response_body == '{"success":true,"message":""}'


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("DELETE", "/api/token/6"),
        ("DELETE", "/api/token/+6"),
        ("DELETE", "/api/token/006"),
        ("DELETE", "/api/token/%2B6"),
        ("DELETE", "/api/token/%36"),
        ("DELETE", "/api/token/6/"),
        ("DELETE", "/api/token/"),
        ("POST", "/api/user/manage"),
        ("GET", "http://127.0.0.1:9/api/status"),
    ],
)
def test_refused_request_is_never_sent(stack: Stack, method: str, url: str) -> None:
    server = Server()
    with pytest.raises(GuardRefusal):
        client(stack, server).request(method, url)
    assert server.seen == []
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert recorded.status is None and recorded.error and "refused by the guard" in recorded.error
    assert stack.pacer.sent == 0 and len(stack.guard.refusals) == 1


def test_admitted_odd_ids_are_sent_as_written(stack: Stack) -> None:
    server = Server()
    c = client(stack, server)
    for path in ["/api/token/+5", "/api/token/%2B5", "/api/token/005", "/api/token/%30", "/api/token/5/"]:
        c.delete(path)
    assert [r.url.raw_path.decode() for r in server.seen] == [
        "/api/token/+5",
        "/api/token/%2B5",
        "/api/token/005",
        "/api/token/%30",
        "/api/token/5/",
    ]
    assert stack.guard.refusals == []


def test_429_is_retried_after_retry_after_and_each_try_recorded(stack: Stack) -> None:
    server = Server(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(429),
        httpx.Response(200, json={"success": True}),
    )
    response = client(stack, server).post("/api/token/batch", json={"ids": [5]})
    assert response.status_code == 200
    assert len(server.seen) == 3
    assert all(r.content == b'{"ids":[5]}' for r in server.seen)  # the body is resent whole
    assert stack.sleeps == [3.0, 2.0]
    assert (stack.pacer.throttled, stack.pacer.sent) == (2, 3)
    assert [e.status for e in stack.recorder.take(SESSION_SCOPE)] == [429, 429, 200]


def test_redirect_hops_are_each_guarded(stack: Stack) -> None:
    server = Server(
        httpx.Response(307, headers={"Location": "/api/token/5"}),
        httpx.Response(307, headers={"Location": "http://other.example/api/token/5"}),
    )
    c = client(stack, server)
    with pytest.raises(GuardRefusal, match="foreign origin"):
        c.delete("/api/token/5/", follow_redirects=True)
    assert [r.url.raw_path for r in server.seen] == [b"/api/token/5/", b"/api/token/5"]


def test_redirects_are_not_followed_by_default(stack: Stack) -> None:
    server = Server(httpx.Response(307, headers={"Location": "/api/token/5"}))
    assert client(stack, server).delete("/api/token/5/").status_code == 307
    assert len(server.seen) == 1


def test_network_errors_are_recorded_and_raised(stack: Stack) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    c = build_client(
        stack.base,
        guard=stack.guard,
        pacer=stack.pacer,
        recorder=stack.recorder,
        redactor=stack.redactor,
        road=stack.road,
        network=httpx.MockTransport(refuse),
    )
    with pytest.raises(RoadFault) as caught:
        c.get("/api/status")
    assert caught.value.kind == "network" and "ConnectError" in str(caught.value)
    recorded = stack.recorder.take(SESSION_SCOPE)
    assert len(recorded) > 3 and stack.road.faults["not sent"] == len(recorded)  # resent, each recorded
    assert all(r.status is None and r.error == "ConnectError: connection refused" for r in recorded)


def test_a_refusal_is_recorded_with_its_url_and_body(stack: Stack) -> None:
    with pytest.raises(GuardRefusal):
        client(stack, Server()).post("/api/user/manage", content=b'{"id":1,"action":"delete"}')
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert recorded.url == f"{stack.base}/api/user/manage"
    assert recorded.request_body == '{"id":1,"action":"delete"}'


@pytest.mark.parametrize(
    ("exc", "maybe_sent"),
    [
        (httpx.ConnectError("x"), False),
        (httpx.ConnectTimeout("x"), False),
        (httpx.PoolTimeout("x"), False),
        (httpx.ReadTimeout("x"), True),
        (httpx.ReadError("x"), True),
        (httpx.RemoteProtocolError("x"), True),
        (ValueError("x"), None),
    ],
)
def test_how_the_road_sees_httpxs_exceptions(exc: BaseException, maybe_sent: bool | None) -> None:
    assert unclear(exc) is maybe_sent


def test_the_settler_is_asked_about_the_very_request(stack: Stack) -> None:
    asked: list[Attempt] = []
    stack.road.settler = lambda attempt: asked.append(attempt) or False
    answers = iter([None, httpx.Response(200, json={"success": True, "message": ""})])

    def flaky(request: httpx.Request) -> httpx.Response:
        answer = next(answers)
        if answer is None:
            raise httpx.ReadError("reset", request=request)
        return answer

    c = client(stack, flaky)  # type: ignore[arg-type]
    c.request("DELETE", "/api/token/5", content=b"x", headers={"Authorization": stack.owner_token})
    [attempt] = asked
    assert (attempt.method, attempt.url, attempt.body) == ("DELETE", f"{stack.base}/api/token/5", b"x")
    assert attempt.headers["authorization"] == stack.owner_token


def test_the_pacer_counts_each_request_against_its_limiters(stack: Stack) -> None:
    client(stack, Server()).post("/api/user/login", json={})
    assert stack.pacer.sent_by_limiter == {"global": 1, "critical": 1}


class _Ticks:
    """perf_counter for the transport module: each reading 0.25 s after the last."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        self.now += 0.25
        return self.now


def test_an_exchange_records_its_url_headers_and_time(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "time", _Ticks())
    server = Server(httpx.Response(200, json={"success": True, "message": ""}, headers={"X-Seen": "1"}))
    client(stack, server).get("/api/token/5")
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert recorded.url == f"{stack.base}/api/token/5"
    assert recorded.response_headers["x-seen"] == "1"
    assert recorded.elapsed_ms == 250.0


def test_a_failed_exchange_records_its_time(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "time", _Ticks())
    stack.road.patience_s = 0

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(RoadFault):
        client(stack, refuse).get("/api/status")  # type: ignore[arg-type]
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert recorded.elapsed_ms == 250.0


def test_the_client_waits_15_s_follows_no_redirect_and_redacts_httpxs_log(stack: Stack) -> None:
    c = client(stack, Server())
    assert c.timeout == httpx.Timeout(15.0)
    assert c.follow_redirects is False
    filters = logging.getLogger("httpx").filters
    assert any(isinstance(f, RedactingFilter) and f.redactor is stack.redactor for f in filters)
