"""An imitation of new-api's Redis token cache, per generation (reference doc §4).

The relay reads a key through the cache and fills it on a miss. What differs is what a
delete does to the cached entry:
- `legacy`: the row is deleted, then the entry is evicted asynchronously; until then (and
  if a racing reader re-caches the row it read before the delete) the key still works.
- `current`: the entry is evicted and fenced before the delete is answered; nobody can
  re-cache it.
- `never`: delete leaves the entry alone (fault `stale-relay-key`, one-api #465).
- `late2024` (c6ae8273 `model/cache.go`, `model/token.go DeleteTokenById`): delete leaves
  the entry alone; every read renews its TTL (`RedisExpire`); `SyncTokenCache`, every
  `SYNC_FREQUENCY` seconds (the TTL too, `constant/cache_key.go`), drops the entries whose
  key is no longer in the database. A key used just before its delete keeps working until
  the next sync: up to the whole period.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Literal

__all__ = ["EvictionMode", "TokenCache"]

EvictionMode = Literal["legacy", "current", "never", "late2024"]


class TokenCache:
    def __init__(
        self,
        mode: EvictionMode,
        ttl_s: float,
        evict_delay_s: float = 0.05,
        live: Callable[[str], bool] | None = None,
    ) -> None:
        """`live(key)`: whether the key's token is still in the database (late2024's sync)."""
        self._mode = mode
        self._live = live
        self._last_sync = time.monotonic()
        self._ttl_s = ttl_s
        self._evict_delay_s = evict_delay_s
        self._entries: dict[str, tuple[float, dict[str, Any]]] = {}
        self._fenced: dict[str, float] = {}
        self._lock = threading.Lock()

    def _sync(self, now: float) -> None:
        """late2024's SyncTokenCache, run lazily at its period's ticks (lock held)."""
        if self._live is None or now - self._last_sync < self._ttl_s:
            return
        self._last_sync += (now - self._last_sync) // self._ttl_s * self._ttl_s
        for key in [key for key in self._entries if not self._live(key)]:
            del self._entries[key]

    def get(self, key: str) -> dict[str, Any] | None:
        now = time.monotonic()
        with self._lock:
            self._sync(now)
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                self._entries.pop(key, None)
                return None
            if self._mode == "late2024":
                self._entries[key] = (now + self._ttl_s, entry[1])
            return entry[1]

    def put(self, key: str, token: dict[str, Any]) -> None:
        now = time.monotonic()
        with self._lock:
            if self._fenced.get(key, 0.0) > now:
                return
            self._entries[key] = (now + self._ttl_s, token)

    def _evict(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def forget(self, key: str) -> None:
        """Called once the token's row is deleted, before the delete is answered."""
        if self._mode == "current":
            with self._lock:
                self._entries.pop(key, None)
                self._fenced[key] = time.monotonic() + self._ttl_s
        elif self._mode == "legacy":
            timer = threading.Timer(self._evict_delay_s, self._evict, args=(key,))
            timer.daemon = True
            timer.start()
