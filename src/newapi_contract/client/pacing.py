"""Pacing: as fast as the server's limiters allow, and patience with every 429.

new-api's limiters run before authentication (reference notes §7), so a request answered
429 had no effect: it is waited out and sent again, never handed to a clause. The limits
themselves cannot be read from the server (an operator may set any), so the pacer learns
them: it keeps, per limiter (`limits.buckets_for`), the times of its own requests that
passed, and when a 429 comes it takes the number of its requests in the limiter's window
as the limit. Until then nothing holds a request back (upstream lets a whole window's
allowance through at once). The window is upstream's default (180 s) as a first guess:
after the first 429 the pacer probes 1, 2, 4 ... s apart, never past the moment its own
oldest pass ages out of that window, which is when upstream's sliding log
(`common/rate-limit.go`) opens a slot; the pass that ends the 429s measures the window.
Once a pass came exactly at that moment, the window is confirmed: later requests wait for
their slot without probing. A learned limit expires one window later: traffic of others
(an earlier run, the user's own) that made it look smaller has aged out by then.

Every wait draws on one budget (`budget_s`); a request that would need more raises
`RoadFault("throttled")`, and its clause is unverified, never failed. `--rate` stays as a
plain cap (a token bucket) for users who want one.
"""

from __future__ import annotations

import bisect
import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from newapi_contract.client.limits import bucket_of
from newapi_contract.errors import RoadFault

__all__ = ["DEFAULT_BUDGET_S", "Pacer"]

DEFAULT_BUDGET_S = 600.0
# Probes while the server throttles us for traffic the pacer never saw (nothing of its own
# in the window to wait for): 1, 2, 4 ... seconds, at most this much apart.
_PROBE_MAX_S = 60.0
# Sent this much after the moment a slot should open: the server stamped the pass a little
# after the client did.
_SLACK_S = 0.05


class _Response(Protocol):
    """What httpx.Response and requests.Response have in common, as far as pacing cares."""

    status_code: int

    @property
    def headers(self) -> Mapping[str, str]: ...

    def close(self) -> None: ...


R = TypeVar("R", bound=_Response)


# A 429 on a route none of upstream's limiters covers (found behind the unseen proxy's
# throttled relay): the first wait, doubled on each 429 in a row, up to the last.
_FOREIGN_BACKOFF_S, _FOREIGN_BACKOFF_MAX_S = 1.0, 60.0


@dataclass
class _Log:
    """What the pacer knows of one upstream limiter (one key: global, critical, search:<who>).

    The window is bracketed: longer than `window_lo` (a probe sent that long after the
    oldest own pass was refused), no longer than `window_hi` (a request sent then passed).
    Until a pass sets `window_hi`, upstream's default is the guess.
    """

    default_window_s: float
    passed: list[float] = field(default_factory=list)  # sorted times of own requests let through
    limit: int | None = None  # learned from a 429, valid until `limit_until`
    limit_until: float = 0.0
    blocked_until: float = 0.0  # after a 429: no request of this key before then
    window_lo: float = 0.0
    window_hi: float | None = None

    @property
    def window_s(self) -> float:
        return self.window_hi if self.window_hi is not None else self.default_window_s

    @property
    def window_confirmed(self) -> bool:
        hi = self.window_hi
        return hi is not None and hi - self.window_lo <= max(0.5, 0.02 * hi)

    def count(self, now: float) -> int:
        del self.passed[: bisect.bisect_right(self.passed, now - self.window_s)]
        return len(self.passed)

    def ready_at(self, now: float) -> float:
        """When a request may go out under the learned limit (now, if nothing holds it)."""
        at = max(now, self.blocked_until)
        # Held back by the learned limit only once the window is known: until then a probe
        # after each 429 finds out when slots open (an operator may set any window).
        if self.limit is not None and now < self.limit_until and self.window_confirmed:
            count = self.count(now)
            if count >= self.limit:
                at = max(at, self.passed[count - self.limit] + self.window_s + _SLACK_S)
        return at

    def oldest(self, now: float) -> float | None:
        """The oldest own pass still in the window (None: none)."""
        return self.passed[0] if self.count(now) else None

    def next_probe(self, now: float, oldest: float | None, streak: int) -> float:
        """When to try again after a 429 (absolute time): where the window's bracket says a
        slot opens, or, while nothing brackets it, 1, 2, 4 ... s apart, at most until the
        default window would open one."""
        backoff = now + min(2.0**streak, _PROBE_MAX_S)
        if oldest is None:
            return backoff  # throttled by traffic that is not ours: only probing tells
        if self.window_confirmed:
            return max(now, oldest + self.window_s + _SLACK_S)
        if self.window_hi is not None:
            middle = oldest + (self.window_lo + self.window_hi) / 2
            return middle if middle > now else oldest + self.window_hi + _SLACK_S
        guess = oldest + self.default_window_s + _SLACK_S
        return min(backoff, guess) if guess > now else backoff

    def refused_at(self, now: float, oldest: float) -> None:
        self.window_lo = max(self.window_lo, now - oldest)
        if self.window_hi is not None and self.window_hi < self.window_lo:
            self.window_hi = None  # longer than a pass said (others' traffic): measure again

    def passed_at(self, now: float, oldest: float) -> None:
        seen = now - oldest
        if seen < self.window_lo:
            self.window_lo = 0.0  # a slot opened earlier than before: others' traffic moved
        self.window_hi = seen if self.window_hi is None else min(self.window_hi, seen)


@dataclass
class _Episode:
    """One request's run of 429s: the oldest own pass in each limiter's window then."""

    oldest: dict[str, float] = field(default_factory=dict)


class Pacer:
    """Paces requests per upstream limiter; counters `sent` (requests let out, resends
    included), `throttled` (429s seen) and `waited_s` (seconds slept, all causes)."""

    def __init__(
        self,
        rate_per_s: float | None = None,
        burst: int = 10,
        budget_s: float = DEFAULT_BUDGET_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if rate_per_s is not None and rate_per_s <= 0:
            raise ValueError(f"rate_per_s must be positive or None, not {rate_per_s}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, not {burst}")
        if budget_s < 0:
            raise ValueError(f"budget_s must be 0 or more, not {budget_s}")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.budget_s = budget_s
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._refilled_at = clock()
        self._logs: dict[str, _Log] = {}
        self.sent = 0
        self.throttled = 0
        self.waited_s = 0.0
        self.sent_by_limiter: dict[str, int] = {}  # requests let out per limiter kind

    def allow(self, extra_s: float) -> None:
        """Let `extra_s` more seconds of waiting happen from now, whatever was spent (the
        clean-up must get its turn even after the run's own budget ran out)."""
        with self._lock:
            self.budget_s = max(self.budget_s, self.waited_s + extra_s)

    # -- what the report shows ----------------------------------------------------------
    def learned(self) -> dict[str, dict[str, float]]:
        """Limits learned from 429s: {key: {"limit": n, "window_s": s}}."""
        with self._lock:
            return {
                key: {"limit": log.limit, "window_s": log.window_s}
                for key, log in self._logs.items()
                if log.limit is not None
            }

    # -- sending --------------------------------------------------------------------------
    def send(self, send_once: Callable[[], R], keys: tuple[str, ...] = ("global",)) -> R:
        """Send through `send_once`, waiting before it as the limiters need and resending
        after every 429 until the budget is spent (then RoadFault "throttled")."""
        streak = 0  # consecutive 429s of this request
        episode = _Episode()
        while True:
            slot = self._acquire(keys)
            try:
                response = send_once()
            except BaseException:
                # It may have reached the server (a lost answer): count it, to be safe.
                self._release(keys, slot, passed=True)
                raise
            if response.status_code != 429:
                self._release(keys, slot, passed=True)
                if streak:
                    self._measure_window(episode)
                return response
            self._release(keys, slot, passed=False)  # a refused request is not counted
            wait = self._throttled(keys, response.headers, streak, episode)
            response.close()
            streak += 1
            self._spend(wait, why="answered 429")

    def acquire(self, keys: tuple[str, ...] = ("global",)) -> None:
        """Wait for a slot and count it as passed, without sending anything."""
        self._release(keys, self._acquire(keys), passed=True)

    def _acquire(self, keys: tuple[str, ...]) -> float:
        """Wait until every limiter of `keys` (and --rate) lets a request out, then reserve
        a place in each limiter's log (concurrent callers see it); returns the reservation."""
        while True:
            with self._lock:
                now = self._clock()
                at = max((self._log(key).ready_at(now) for key in keys), default=now)
                if at <= now:
                    for key in keys:
                        bisect.insort(self._log(key).passed, now)
                        kind = key.split(":", 1)[0]
                        self.sent_by_limiter[kind] = self.sent_by_limiter.get(kind, 0) + 1
                    self.sent += 1
                    rate_wait = self._take_rate_slot(now)
                    break
            self._spend(at - now, why="the server's rate limit")
        self._spend(rate_wait, why="--rate")
        return now

    def _take_rate_slot(self, now: float) -> float:
        """Take a --rate token; how long to wait for it (the bucket may go negative, so that
        concurrent callers queue up behind each other)."""
        if self.rate_per_s is None:
            return 0.0
        self._tokens = min(self.burst, self._tokens + (now - self._refilled_at) * self.rate_per_s)
        self._refilled_at = now
        self._tokens -= 1
        return max(0.0, -self._tokens / self.rate_per_s)

    def _release(self, keys: tuple[str, ...], slot: float, *, passed: bool) -> None:
        """Replace the reservation by the time the answer came (upstream counted it), or drop it
        (refused, or never sent)."""
        with self._lock:
            now = self._clock()
            for key in keys:
                log = self._log(key)
                index = bisect.bisect_left(log.passed, slot)
                if index < len(log.passed) and log.passed[index] == slot:
                    del log.passed[index]
                if passed:
                    bisect.insort(log.passed, now)

    def _throttled(
        self, keys: tuple[str, ...], headers: Mapping[str, str], streak: int, episode: _Episode
    ) -> float:
        """Learn from a 429 and return how long to wait before sending again."""
        retry_after = self._parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
        with self._lock:
            self.throttled += 1
            now = self._clock()
            if not keys:
                # A 429 where upstream has no limiter (the relay, ref §7): a gateway's or a
                # proxy's, of a window nothing tells. Retry-After, else back off, doubling.
                backoff = min(_FOREIGN_BACKOFF_MAX_S, _FOREIGN_BACKOFF_S * 2**streak)
                return max(retry_after if retry_after is not None else backoff, 0.05)
            culprit = self._culprit(keys, now)
            candidates = [culprit] if culprit else list(keys)
            if streak == 0:
                episode.oldest = {
                    key: oldest for key in candidates if (oldest := self._log(key).oldest(now)) is not None
                }
            else:  # the probe before this one was refused: the window is longer than that
                for key, oldest in episode.oldest.items():
                    self._log(key).refused_at(now, oldest)
            at = min(self._log(k).next_probe(now, episode.oldest.get(k), streak) for k in candidates)
            wait = at - now
            if retry_after is not None:
                # Upstream's in-memory limiter says the whole window although a slot opens as
                # soon as the oldest pass ages out; a Redis window says its true end: enough
                # either way, so it caps our own estimate, and stands in for one we lack.
                wait = min(wait, retry_after) if episode.oldest else retry_after
            wait = max(wait, 0.05)
            for key in candidates:
                log = self._log(key)
                count = log.count(now)
                if count and (log.limit is None or now >= log.limit_until or count < log.limit):
                    log.limit, log.limit_until = count, now + log.window_s
                log.blocked_until = max(log.blocked_until, now + wait)
            return wait

    def _measure_window(self, episode: _Episode) -> None:
        """A request passed after 429s: a slot had opened, which happens when the oldest pass
        in the window ages out. So the window is at most the time since that pass."""
        with self._lock:
            now = self._clock()
            for key, oldest in episode.oldest.items():
                self._log(key).passed_at(now, oldest)

    def _culprit(self, keys: tuple[str, ...], now: float) -> str | None:
        """Which limiter refused: a critical or search one whose upstream default is used
        up, else the global one; None when there is nothing of ours to tell by."""
        specific = [k for k in keys if k != "global"]
        for key in specific:
            if self._log(key).count(now) >= bucket_of(key).default_limit:
                return key
        if "global" in keys and self._log("global").count(now):
            return "global"
        return next((k for k in specific if self._log(k).count(now)), None)

    def _spend(self, wait: float, *, why: str) -> None:
        if wait <= 0:
            return
        with self._lock:
            if self.waited_s + wait > self.budget_s:
                raise RoadFault(
                    "throttled",
                    f"throttled by the server's rate limits: {why}, {wait:.0f} s more needed after "
                    f"{self.waited_s:.0f} s of waiting, over the budget of {self.budget_s:.0f} s "
                    "(--max-wait)",
                )
            self.waited_s += wait
        self._sleep(wait)

    def _log(self, key: str) -> _Log:
        log = self._logs.get(key)
        if log is None:
            log = self._logs[key] = _Log(bucket_of(key).window_s)
        return log

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
        return max(0.0, when.timestamp() - self._wall_clock())
