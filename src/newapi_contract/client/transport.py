"""The suite's httpx client: guard, road, pacing and recording stacked as transports.

    GuardTransport -> RoadTransport -> PacingTransport -> RecordingTransport -> HTTPTransport

Each concern is one small transport wrapping the next, so each sees every request, redirect
hops included. The guard runs first: a refused request is recorded and never reaches the
network. The road resends after network faults (each resend paced again); recording sits
at the bottom, so every attempt, each 429 and each reset included, is in the report.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from newapi_contract.client.guard import Guard
from newapi_contract.client.limits import buckets_for
from newapi_contract.client.origin import route_path
from newapi_contract.client.pacing import Pacer
from newapi_contract.client.recording import Exchange, Recorder
from newapi_contract.client.redaction import Redactor, install_log_filter
from newapi_contract.client.road import Attempt, Road
from newapi_contract.errors import GuardRefusal

__all__ = [
    "GuardTransport",
    "PacingTransport",
    "RecordingTransport",
    "RoadTransport",
    "build_client",
    "unclear",
]


class GuardTransport(httpx.BaseTransport):
    """Refuses (records, raises GuardRefusal, never sends) what the guard does not admit."""

    def __init__(
        self, inner: httpx.BaseTransport, guard: Guard, recorder: Recorder, redactor: Redactor
    ) -> None:
        self._inner = inner
        self._guard = guard
        self._recorder = recorder
        self._redactor = redactor

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()  # also makes the body replayable for a resend after a 429
        try:
            self._guard.admit(request.method, str(request.url), body)
        except GuardRefusal as refusal:
            self._recorder.add(
                Exchange.capture(
                    self._redactor,
                    method=request.method,
                    url=str(request.url),
                    request_headers=request.headers,
                    request_body=body,
                    error=f"refused by the guard: {refusal}",
                )
            )
            raise
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def unclear(exc: BaseException) -> bool | None:
    """httpx's exceptions as the road sees them: False (surely not sent), True (may have
    reached the server), None (not a fault of the road)."""
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return False
    if isinstance(exc, httpx.TimeoutException | httpx.NetworkError | httpx.RemoteProtocolError):
        return True
    return None


class RoadTransport(httpx.BaseTransport):
    """Resends after network faults and proxies' 502/503/504 as far as the road allows."""

    def __init__(self, inner: httpx.BaseTransport, road: Road) -> None:
        self._inner = inner
        self._road = road

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = Attempt(request.method, str(request.url), request.read(), request.headers)
        return self._road.send(attempt, lambda: self._inner.handle_request(request), unclear)

    def close(self) -> None:
        self._inner.close()


class PacingTransport(httpx.BaseTransport):
    """Takes a pacer slot before each send; resends after a 429 as the pacer decides."""

    def __init__(self, inner: httpx.BaseTransport, pacer: Pacer) -> None:
        self._inner = inner
        self._pacer = pacer

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        keys = buckets_for(request.method, route_path(str(request.url)), request.headers)
        return self._pacer.send(lambda: self._inner.handle_request(request), keys)

    def close(self) -> None:
        self._inner.close()


class RecordingTransport(httpx.BaseTransport):
    """Records each exchange (redacted) in the recorder's current scope."""

    def __init__(self, inner: httpx.BaseTransport, recorder: Recorder, redactor: Redactor) -> None:
        self._inner = inner
        self._recorder = recorder
        self._redactor = redactor

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        parts: dict[str, Any] = {
            "method": request.method,
            "url": str(request.url),
            "request_headers": request.headers,
            "request_body": request.read(),
        }
        try:
            response = self._inner.handle_request(request)
            # Read the body here so it can be recorded; the client then reuses it.
            response.read()
        except httpx.HTTPError as exc:
            elapsed = (time.perf_counter() - started) * 1000
            error = f"{type(exc).__name__}: {exc}"
            self._recorder.add(Exchange.capture(self._redactor, **parts, elapsed_ms=elapsed, error=error))
            raise
        self._recorder.add(
            Exchange.capture(
                self._redactor,
                **parts,
                status=response.status_code,
                response_headers=response.headers,
                response_body=response.content,
                elapsed_ms=(time.perf_counter() - started) * 1000,
            )
        )
        return response

    def close(self) -> None:
        self._inner.close()


def build_client(
    base_url: str,
    *,
    guard: Guard,
    pacer: Pacer,
    recorder: Recorder,
    redactor: Redactor,
    road: Road | None = None,
    timeout: float = 15.0,
    network: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client whose every request passes the guard, the road, the pacer and the
    recorder (`road` None: a road with no settler and default patience).

    `network` replaces the real `httpx.HTTPTransport()` (tests pass an `httpx.MockTransport`).
    Redirects are not followed: upstream's 301/307 answers are part of what is checked.
    """
    install_log_filter(redactor)
    inner = RecordingTransport(network or httpx.HTTPTransport(), recorder, redactor)
    paced = RoadTransport(PacingTransport(inner, pacer), road or Road())
    transport = GuardTransport(paced, guard, recorder, redactor)
    return httpx.Client(base_url=base_url, transport=transport, timeout=timeout, follow_redirects=False)
