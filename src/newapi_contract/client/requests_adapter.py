"""A requests session under the same guard, road, pacing and recording (schemathesis sends
with requests, not httpx).

The policy lives in the Guard, Pacer and Recorder objects; this adapter only feeds them
requests' types. requests calls `send` once per redirect hop, so every hop is judged.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import BaseAdapter, HTTPAdapter

from newapi_contract.client.guard import Guard
from newapi_contract.client.limits import buckets_for
from newapi_contract.client.pacing import Pacer
from newapi_contract.client.recording import Exchange, Recorder
from newapi_contract.client.redaction import Redactor, install_log_filter
from newapi_contract.client.road import Attempt, Road
from newapi_contract.errors import GuardRefusal

__all__ = ["GuardedAdapter", "guarded_session", "unclear"]


def _body_bytes(body: object) -> bytes | None:
    """The request body as bytes; None for none, and for a streamed body (a file, a
    generator), which cannot be read without consuming it: the guard then refuses any call
    whose body it must judge."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return None


def unclear(exc: BaseException) -> bool | None:
    """requests' exceptions as the road sees them: False (surely not sent), True (may have
    reached the server), None (not a fault of the road)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False
    if isinstance(exc, requests.exceptions.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, urllib3.exceptions.MaxRetryError):
            reason = reason.reason
        not_sent = urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
        return not isinstance(reason, not_sent)
    if isinstance(exc, requests.exceptions.Timeout | requests.exceptions.ChunkedEncodingError):
        return True
    return None


class GuardedAdapter(HTTPAdapter):
    """HTTPAdapter that admits, paces and records each request it sends.

    `inner` is the adapter that really sends (tests pass a fake one); by default this
    adapter's own HTTPAdapter machinery does.
    """

    def __init__(
        self,
        *,
        guard: Guard,
        pacer: Pacer,
        recorder: Recorder,
        redactor: Redactor,
        road: Road | None = None,
        timeout: float = 15.0,
        inner: BaseAdapter | None = None,
    ) -> None:
        super().__init__()
        self._guard = guard
        self._road = road or Road()
        self._pacer = pacer
        self._recorder = recorder
        self._redactor = redactor
        self._timeout = timeout
        self._inner = inner

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, timeout: Any = None, **kwargs: Any
    ) -> requests.Response:
        try:
            self._guard.admit(request.method or "GET", request.url or "", _body_bytes(request.body))
        except GuardRefusal as refusal:
            self._record(request, error=f"refused by the guard: {refusal}")
            raise
        timeout = self._timeout if timeout is None else timeout
        method, url = request.method or "GET", request.url or ""
        attempt = Attempt(method, url, _body_bytes(request.body), request.headers)
        keys = buckets_for(method, attempt.path, request.headers)
        return self._road.send(
            attempt,
            lambda: self._pacer.send(lambda: self._send_recorded(request, timeout, kwargs), keys),
            unclear,
        )

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
        super().close()

    def _send_recorded(
        self, request: requests.PreparedRequest, timeout: Any, kwargs: dict[str, Any]
    ) -> requests.Response:
        started = time.perf_counter()
        send = self._inner.send if self._inner is not None else super().send
        try:
            response = send(request, timeout=timeout, **kwargs)
            response.content  # noqa: B018  (read it now, to record it; requests caches it)
        except requests.RequestException as exc:
            self._record(request, started=started, error=f"{type(exc).__name__}: {exc}")
            raise
        self._record(request, started=started, response=response)
        return response

    def _record(
        self,
        request: requests.PreparedRequest,
        *,
        started: float | None = None,
        response: requests.Response | None = None,
        error: str | None = None,
    ) -> None:
        headers: Mapping[str, str] = request.headers
        elapsed = 0.0 if started is None else (time.perf_counter() - started) * 1000
        self._recorder.add(
            Exchange.capture(
                self._redactor,
                method=request.method or "GET",
                url=request.url or "",
                request_headers=headers,
                request_body=_body_bytes(request.body),
                status=None if response is None else response.status_code,
                response_headers=None if response is None else response.headers,
                response_body=None if response is None else response.content,
                elapsed_ms=elapsed,
                error=error,
            )
        )


def guarded_session(
    *,
    guard: Guard,
    pacer: Pacer,
    recorder: Recorder,
    redactor: Redactor,
    road: Road | None = None,
    timeout: float = 15.0,
) -> requests.Session:
    """A requests session whose every request, redirect hops included, is guarded."""
    install_log_filter(redactor)
    session = requests.Session()
    adapter = GuardedAdapter(
        guard=guard, pacer=pacer, recorder=recorder, redactor=redactor, road=road, timeout=timeout
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
