"""The requests session (schemathesis's sender) under the same policy, redirect hops included."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

from newapi_contract.client.recording import SESSION_SCOPE
from newapi_contract.client.requests_adapter import GuardedAdapter, guarded_session
from newapi_contract.errors import GuardRefusal, RoadFault

if TYPE_CHECKING:
    from tests.client.conftest import Stack


class FakeInner(BaseAdapter):
    """Answers from a script, building responses the way HTTPAdapter does."""

    def __init__(self, *answers: tuple[int, dict[str, str], bytes]) -> None:
        super().__init__()
        self.answers = list(answers)
        self.seen: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.seen.append(request)
        status, headers, body = self.answers.pop(0) if self.answers else (200, {}, b'{"success":true}')
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(body), headers=headers, status=status, preload_content=False
        )
        return HTTPAdapter().build_response(request, raw)

    def close(self) -> None:
        pass


def session(stack: Stack, inner: FakeInner) -> requests.Session:
    s = requests.Session()
    adapter = GuardedAdapter(
        guard=stack.guard,
        pacer=stack.pacer,
        recorder=stack.recorder,
        redactor=stack.redactor,
        road=stack.road,
        inner=inner,
    )
    s.mount("http://", adapter)
    return s


def test_guarded_session_mounts_the_adapter_for_both_schemes(stack: Stack) -> None:
    s = guarded_session(
        guard=stack.guard, pacer=stack.pacer, recorder=stack.recorder, redactor=stack.redactor
    )
    assert isinstance(s.get_adapter("http://x/"), GuardedAdapter)
    assert isinstance(s.get_adapter("https://x/"), GuardedAdapter)


def test_admitted_request_is_sent_and_recorded(stack: Stack) -> None:
    inner = FakeInner((200, {"Content-Type": "application/json"}, b'{"success":true,"message":""}'))
    auth = {"Authorization": f"Bearer {stack.owner_token}"}
    response = session(stack, inner).delete(stack.base + "/api/token/5", headers=auth)
    assert response.json() == {"success": True, "message": ""}
    assert len(inner.seen) == 1
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert recorded.status == 200
    assert recorded.request_headers["Authorization"] == "Bearer $NEWAPI_ACCESS_TOKEN"
    # Only the record is redacted, not what is sent.
    assert inner.seen[0].headers["Authorization"] == f"Bearer {stack.owner_token}"


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("DELETE", "/api/token/6", None),
        ("DELETE", "/api/token/+6", None),
        ("DELETE", "/api/token/006", None),
        ("DELETE", "/api/token/%2B6", None),
        ("DELETE", "/api/token/%36", None),  # requests unquotes it to 6: judged as sent
        ("DELETE", "/api/token/6/", None),
        ("DELETE", "/api/token/%2e%2e", None),  # requests sends it as `..`
        ("PUT", "/api/token/", b'{"id": 6}'),
        ("POST", "/api/token/batch", b'{"ids": [5, 6]}'),
        ("GET", "http://127.0.0.2:3000/api/status", None),
    ],
)
def test_refused_request_is_never_sent(stack: Stack, method: str, url: str, body: bytes | None) -> None:
    inner = FakeInner()
    with pytest.raises(GuardRefusal):
        session(stack, inner).request(method, urljoin(stack.base, url), data=body)
    assert inner.seen == []
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert recorded.error and "refused by the guard" in recorded.error
    assert stack.pacer.sent == 0


def test_streamed_body_is_refused_where_the_body_matters(stack: Stack) -> None:
    inner = FakeInner()
    with pytest.raises(GuardRefusal, match="unparseable JSON body"):
        session(stack, inner).put(stack.base + "/api/token/", data=iter([b'{"id": 5}']))
    assert inner.seen == []


def test_every_redirect_hop_is_judged(stack: Stack) -> None:
    # gin's 307 from /api/token/5/ to /api/token/5 is followed by requests, DELETE and all;
    # a second redirect to another token is refused before it is sent.
    inner = FakeInner(
        (307, {"Location": "/api/token/5"}, b""),
        (307, {"Location": "/api/token/6"}, b""),
    )
    with pytest.raises(GuardRefusal, match="token 6 is not in the ledger"):
        session(stack, inner).delete(stack.base + "/api/token/5/")
    assert [(r.method, r.path_url) for r in inner.seen] == [
        ("DELETE", "/api/token/5/"),
        ("DELETE", "/api/token/5"),
    ]
    assert [e.status for e in stack.recorder.take(SESSION_SCOPE)] == [307, 307, None]


def test_429_is_retried_with_retry_after(stack: Stack) -> None:
    inner = FakeInner((429, {"Retry-After": "4"}, b""), (200, {}, b'{"success":true}'))
    response = session(stack, inner).post(stack.base + "/api/token/batch", json={"ids": [5]})
    assert response.status_code == 200 and len(inner.seen) == 2
    assert stack.sleeps == [4.0] and stack.pacer.throttled == 1


def test_connection_errors_are_resent_recorded_and_end_as_a_road_fault(stack: Stack) -> None:
    class Down(FakeInner):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            raise requests.ConnectionError("refused")

    with pytest.raises(RoadFault) as caught:
        session(stack, Down()).get(stack.base + "/api/status")
    assert caught.value.kind == "network"
    recorded = stack.recorder.take(SESSION_SCOPE)
    assert len(recorded) > 3 and all(r.error == "ConnectionError: refused" for r in recorded)


def test_a_reset_delete_is_settled_by_the_road(stack: Stack) -> None:
    class Reset(FakeInner):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            self.seen.append(request)
            if len(self.seen) == 1:
                raise requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted."))
            return super().send(request, **kwargs)

    asked: list[str] = []
    stack.road.settler = lambda attempt: asked.append(attempt.path) or False  # still there: resend
    inner = Reset()
    answer = session(stack, inner).delete(stack.base + "/api/token/5")
    assert answer.status_code == 200 and len(inner.seen) == 3 and asked == ["/api/token/5"]


def test_default_timeout_is_applied(stack: Stack) -> None:
    inner = FakeInner()
    seen: dict[str, Any] = {}
    original = inner.send

    def spy(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        seen.update(kwargs)
        return original(request, **kwargs)

    inner.send = spy  # type: ignore[method-assign]
    session(stack, inner).get(stack.base + "/api/status")
    assert seen["timeout"] == 15.0
