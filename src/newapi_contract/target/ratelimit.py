"""new-api's in-memory rate limiters: a queue of request times per key.

A request is allowed while the key has fewer than `limit` recorded requests, or when its
oldest one is at least `window` seconds old (it is then dropped). Three limiters matter
(reference doc §7): global per IP on `/api`, one critical bucket per IP shared by login,
register, key reveal and batch keys, and search per user.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

__all__ = ["Limit", "RateLimits", "SlidingWindow"]


@dataclass(frozen=True)
class Limit:
    limit: int
    window_s: float


@dataclass(frozen=True)
class RateLimits:
    """Upstream's defaults; tests pass smaller ones."""

    global_api: Limit = Limit(360, 180)
    critical: Limit = Limit(20, 20 * 60)
    search: Limit = Limit(10, 60)


class SlidingWindow:
    """One limiter; `hit(key)` returns None when allowed, else seconds until allowed."""

    def __init__(self, rule: Limit) -> None:
        self._rule = rule
        self._queues: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        now = time.monotonic()
        with self._lock:
            queue = self._queues.setdefault(key, deque())
            if len(queue) < self._rule.limit:
                queue.append(now)
                return None
            if now - queue[0] >= self._rule.window_s:
                queue.popleft()
                queue.append(now)
                return None
            return max(1, math.ceil(queue[0] + self._rule.window_s - now))
