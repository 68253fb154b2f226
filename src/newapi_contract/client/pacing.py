"""Client-side pacing: a token bucket before each send, and patience with 429s.

Upstream's limiters run before authentication (reference doc §7), so a request answered 429
had no effect and is safe to send again. A 429 also holds back every other request of the
process until the wait is over, since they would hit the same limiter.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

__all__ = ["Pacer"]


class _Response(Protocol):
    """What httpx.Response and requests.Response have in common, as far as pacing cares."""

    status_code: int

    @property
    def headers(self) -> Mapping[str, str]: ...

    def close(self) -> None: ...


R = TypeVar("R", bound=_Response)


class Pacer:
    """A token bucket of `burst` requests refilled at `rate_per_s` (None: unlimited).

    Counters: `sent` (requests let through, retries included), `throttled` (429s seen) and
    `waited_s` (seconds slept, pacing and 429s together).
    """

    def __init__(
        self,
        rate_per_s: float | None,
        burst: int = 10,
        max_retries: int = 6,
        max_wait_s: float = 300.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if rate_per_s is not None and rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be positive or None, not {rate_per_s}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, not {burst}")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._refilled_at = clock()
        self._resume_at = 0.0  # no request leaves before this time (after a 429)
        self.sent = 0
        self.throttled = 0
        self.waited_s = 0.0

    def acquire(self) -> None:
        """Take one slot, sleeping until it is free; call once before each send."""
        with self._lock:
            now = self._clock()
            wait = max(0.0, self._resume_at - now)
            if self.rate_per_s is not None:
                rate = self.rate_per_s
                self._tokens = min(self.burst, self._tokens + (now - self._refilled_at) * rate)
                self._refilled_at = now
                # Reserve the slot now (the bucket may go negative) so that concurrent
                # callers queue up behind each other instead of all waking at once.
                self._tokens -= 1
                wait = max(wait, -self._tokens / rate)
            self.sent += 1
            self.waited_s += wait
        if wait > 0:
            self._sleep(wait)

    def retry_after(self, response_status: int, headers: Mapping[str, str], attempt: int = 0) -> float | None:
        """Seconds to wait before resending a request that got `response_status`, or None.

        Only 429 is retried, at most `max_retries` times (`attempt` counts earlier retries).
        `Retry-After` in seconds or as an HTTP date wins; otherwise 1, 2, 4... seconds. A
        wait never exceeds `max_wait_s`.
        """
        if response_status != 429 or attempt >= self.max_retries:
            return None
        wait = self._parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
        if wait is None:
            wait = float(2**attempt)
        return min(max(wait, 0.0), self.max_wait_s)

    def send(self, send_once: Callable[[], R]) -> R:
        """Pace `send_once`, resending after each 429 while `retry_after` allows it."""
        attempt = 0
        while True:
            self.acquire()
            response = send_once()
            if response.status_code != 429:
                return response
            with self._lock:
                self.throttled += 1
            wait = self.retry_after(response.status_code, response.headers, attempt)
            if wait is None:
                return response
            response.close()
            with self._lock:
                self._resume_at = max(self._resume_at, self._clock() + wait)
            attempt += 1

    def _parse_retry_after(self, value: str | None) -> float | None:
        if not value:
            return None
        value = value.strip()
        if value.isascii() and value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return when.timestamp() - self._wall_clock()
