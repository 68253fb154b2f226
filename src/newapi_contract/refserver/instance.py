"""The state one running reference server shares between its handlers."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from newapi_contract.refserver.config import ServerConfig
from newapi_contract.refserver.credentials import JwtSigner, hash_password
from newapi_contract.refserver.ratelimit import RateLimits, SlidingLog
from newapi_contract.refserver.store import ROLE_ROOT, Store
from newapi_contract.refserver.tokencache import TokenCache

__all__ = ["AUTH_VERSION", "LATE2024_ROOT", "VERSIONS", "Identity", "Instance"]

# The value upstream's auth middleware stamps on every answer that passed user auth.
AUTH_VERSION = "864b7076dbcd0a3c01b5520316720ebf"
# late2024: c6ae8273 `common/constants.go:13` hard-codes v0.0.0 (a release build replaces
# it); a plain source build of that commit reports it, and sends no version header.
VERSIONS = {"legacy": "v1.0.0-rc.21", "current": "v1.0.0-rc.22", "late2024": "v0.0.0"}
# c6ae8273 `model/main.go createRootAccountIfNeed`: the first start's root user.
LATE2024_ROOT = ("root", "123456")
_LATE2024_ROOT_QUOTA = 100_000_000
# How long a stale legacy cache entry outlives the delete; the fault's like one-api's 600 s.
_STALE_TTL_S = 600.0


@dataclass(frozen=True)
class Identity:
    """Who a request is, as user auth established it."""

    user_id: int
    role: int
    status: int
    username: str


class Instance:
    """Config-derived collaborators: store, limiters, cache, signer, legacy sessions."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.generation = config.generation
        self.current = config.generation == "current"
        self.late2024 = config.generation == "late2024"
        self.version = VERSIONS[config.generation]
        self.started = int(time.time())
        self.faults = frozenset(config.faults)
        self.store = Store(config.db_path)
        if self.late2024 and not self.store.any_user():
            name, password = LATE2024_ROOT
            self.store.create_user(
                name, hash_password(password), ROLE_ROOT, "Root User", _LATE2024_ROOT_QUOTA
            )
        self.jwt = JwtSigner()
        self.sessions: dict[str, Identity] = {}
        # None: limiters off; else every limiter's numbers for this generation.
        self.limits: RateLimits | None = config.effective_limits()
        self.rate_log = SlidingLog(config.clock)
        self.cache: TokenCache | None = None
        # Faults `stale-key-<door>`: one door's cache, by (fault, credential text), never evicted.
        self.door_cache: dict[tuple[str, str], dict[str, Any]] = {}
        # Faults `batch-keeps-listed`, `batch-keeps-key`: the ids batch deletes removed.
        self.batch_deleted: set[int] = set()
        if "stale-relay-key" in self.faults:
            self.cache = TokenCache("never", _STALE_TTL_S)
        elif config.token_cache and self.late2024:
            # c6ae8273 model/cache.go: no eviction on delete, reads renew the TTL
            # (TokenCacheSeconds = SYNC_FREQUENCY), SyncTokenCache drops deleted keys.
            self.cache = TokenCache(
                "late2024",
                config.cache_ttl_s,
                live=lambda key: self.store.token_by_key(key) is not None,
            )
        elif config.token_cache:
            self.cache = TokenCache(
                "current" if self.current else "legacy", config.cache_ttl_s, config.cache_evict_delay_s
            )

    def has(self, fault: str) -> bool:
        return fault in self.faults

    def close(self) -> None:
        self.store.close()
