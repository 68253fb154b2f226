"""The requests session (schemathesis's sender) under the same policy, redirect hops included."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

from newapi_contract.client import requests_adapter
from newapi_contract.client.recording import SESSION_SCOPE
from newapi_contract.client.redaction import RedactingFilter
from newapi_contract.client.requests_adapter import GuardedAdapter, _body_bytes, guarded_session, unclear
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


class Spy(FakeInner):
    """A FakeInner that keeps the keyword arguments of each send, and whether it was closed."""

    def __init__(self, *answers: tuple[int, dict[str, str], bytes]) -> None:
        super().__init__(*answers)
        self.kwargs: list[dict[str, Any]] = []
        self.closed = False

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.kwargs.append(kwargs)
        return super().send(request, **kwargs)

    def close(self) -> None:
        self.closed = True


class _Ticks:
    """perf_counter for the adapter module: each reading 0.25 s after the last."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        self.now += 0.25
        return self.now


def test_body_bytes_of_each_kind_of_body() -> None:
    assert _body_bytes("été") == "été".encode()
    assert _body_bytes(b"\xff") == b"\xff"
    assert _body_bytes(None) is None and _body_bytes(io.BytesIO(b"x")) is None


def _max_retry(reason: Exception) -> urllib3.exceptions.MaxRetryError:
    return urllib3.exceptions.MaxRetryError(None, "http://h/", reason)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "maybe_sent"),
    [
        (requests.exceptions.ConnectTimeout("x"), False),
        (requests.ConnectionError(_max_retry(urllib3.exceptions.NewConnectionError(None, "refused"))), False),  # type: ignore[arg-type]
        (requests.ConnectionError(_max_retry(urllib3.exceptions.ConnectTimeoutError("slow"))), False),
        (requests.ConnectionError(urllib3.exceptions.NewConnectionError(None, "refused")), False),  # type: ignore[arg-type]
        (requests.ConnectionError(_max_retry(urllib3.exceptions.ProtocolError("aborted"))), True),
        (requests.ConnectionError(urllib3.exceptions.ProtocolError("aborted")), True),
        (requests.ConnectionError(), True),
        (requests.exceptions.ReadTimeout("x"), True),
        (requests.exceptions.ChunkedEncodingError("x"), True),
        (ValueError("x"), None),
    ],
)
def test_how_the_road_sees_requests_exceptions(exc: BaseException, maybe_sent: bool | None) -> None:
    assert unclear(exc) is maybe_sent


def test_a_given_timeout_and_the_other_arguments_reach_the_sender(stack: Stack) -> None:
    inner = Spy()
    session(stack, inner).get(stack.base + "/api/status", timeout=3, verify=False)
    assert inner.kwargs[0]["timeout"] == 3 and inner.kwargs[0]["verify"] is False


def test_the_sessions_adapter_waits_15_s(stack: Stack) -> None:
    s = guarded_session(
        guard=stack.guard, pacer=stack.pacer, recorder=stack.recorder, redactor=stack.redactor
    )
    assert s.get_adapter("http://x/")._timeout == 15.0  # type: ignore[attr-defined]


def test_closing_the_adapter_closes_the_sender(stack: Stack) -> None:
    inner = Spy()
    adapter = session(stack, inner).get_adapter("http://x/")
    adapter.close()
    assert inner.closed


def test_the_settler_is_asked_about_the_very_request(stack: Stack) -> None:
    class Reset(Spy):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            if not self.kwargs:
                self.kwargs.append(kwargs)
                raise requests.exceptions.ChunkedEncodingError("cut")
            return super().send(request, **kwargs)

    asked: list[Any] = []
    stack.road.settler = lambda attempt: asked.append(attempt) or False
    session(stack, Reset()).delete(stack.base + "/api/token/5", data="x", headers={"X-Mark": "1"})
    [attempt] = asked
    assert (attempt.method, attempt.url, attempt.body) == ("DELETE", stack.base + "/api/token/5", b"x")
    assert attempt.headers["X-Mark"] == "1"


def test_the_pacer_counts_each_request_against_its_limiters(stack: Stack) -> None:
    s = session(stack, Spy())
    s.get(stack.base + "/api/token/search", params={"keyword": "nac"}, headers={"Authorization": "a"})
    assert stack.pacer.sent_by_limiter == {"global": 1, "search": 1}


def test_an_exchange_records_every_part_and_its_time(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(requests_adapter, "time", _Ticks())
    inner = Spy((200, {"Content-Type": "application/json", "X-Seen": "1"}, b'{"success":true,"message":""}'))
    session(stack, inner).post(stack.base + "/api/token/batch", data=b'{"ids":[5]}')
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert (recorded.method, recorded.url) == ("POST", stack.base + "/api/token/batch")
    assert recorded.request_body == '{"ids":[5]}'
    assert recorded.response_headers["X-Seen"] == "1"
    assert recorded.response_body == '{"success":true,"message":""}'
    assert recorded.elapsed_ms == 250.0


def test_a_failed_exchange_records_its_time_and_a_refusal_none(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(requests_adapter, "time", _Ticks())
    stack.road.patience_s = 0

    class Down(FakeInner):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            raise requests.ConnectionError(urllib3.exceptions.NewConnectionError(None, "refused"))  # type: ignore[arg-type]

    with pytest.raises(RoadFault):
        session(stack, Down()).get(stack.base + "/api/status")
    [failed] = stack.recorder.take(SESSION_SCOPE)
    assert failed.elapsed_ms == 250.0 and failed.status is None
    with pytest.raises(GuardRefusal):
        session(stack, Down()).delete(stack.base + "/api/token/6")
    [refused] = stack.recorder.take(SESSION_SCOPE)
    assert (
        refused.elapsed_ms == 0.0
        and refused.method == "DELETE"
        and refused.url == stack.base + "/api/token/6"
    )


def test_a_prepared_request_without_method_or_url_is_judged_as_a_get_of_nothing(stack: Stack) -> None:
    bare = requests.PreparedRequest()
    bare.prepare_headers({})
    adapter = session(stack, Spy()).get_adapter("http://x/")
    with pytest.raises(GuardRefusal):
        adapter.send(bare)
    [refused] = stack.recorder.take(SESSION_SCOPE)
    assert (refused.method, refused.url) == ("GET", "")


def test_a_prepared_request_without_method_is_sent_as_a_get(stack: Stack) -> None:
    bare = requests.PreparedRequest()
    bare.prepare_headers({})
    bare.url = stack.base + "/api/status"
    inner = Spy()
    session(stack, inner).get_adapter("http://x/").send(bare)
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert recorded.method == "GET" and len(inner.seen) == 1
    assert stack.pacer.sent_by_limiter == {"global": 1}


def test_without_an_inner_adapter_httpadapter_sends(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeInner()
    monkeypatch.setattr(HTTPAdapter, "send", lambda self, request, **kwargs: fake.send(request, **kwargs))
    s = guarded_session(
        guard=stack.guard,
        pacer=stack.pacer,
        recorder=stack.recorder,
        redactor=stack.redactor,
        road=stack.road,
    )
    assert s.get(stack.base + "/api/status").status_code == 200 and len(fake.seen) == 1


def test_a_prepared_request_without_method_is_resent_as_a_safe_get(stack: Stack) -> None:
    class Cut(Spy):
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            if not self.kwargs:
                self.kwargs.append(kwargs)
                raise requests.exceptions.ChunkedEncodingError("cut")
            return super().send(request, **kwargs)

    bare = requests.PreparedRequest()
    bare.prepare_headers({})
    bare.url = stack.base + "/api/token/search?keyword=nac"
    stack.road.settler = None  # nothing unsafe could be resent
    assert session(stack, Cut()).get_adapter("http://x/").send(bare).status_code == 200


def test_the_session_redacts_urllib3s_log_and_uses_the_given_road(stack: Stack) -> None:
    s = guarded_session(
        guard=stack.guard,
        pacer=stack.pacer,
        recorder=stack.recorder,
        redactor=stack.redactor,
        road=stack.road,
        timeout=4.0,
    )
    adapter = s.get_adapter("http://x/")
    assert adapter._road is stack.road and adapter._timeout == 4.0  # type: ignore[attr-defined]
    filters = logging.getLogger("urllib3.connectionpool").filters
    assert any(isinstance(f, RedactingFilter) and f.redactor is stack.redactor for f in filters)
