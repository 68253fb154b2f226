"""ServerConfig: everything that shapes one reference server, checked once."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from newapi_contract.errors import UsageError
from newapi_contract.refserver.faults import FAULTS, unknown_faults
from newapi_contract.refserver.ratelimit import RateLimits

__all__ = ["GENERATIONS", "ServerConfig"]

# `late2024`: upstream at c6ae8273 (2024-12-29), the last commit before the token-cache fix
# aefd53b6 (reference §10): no /api/setup, full keys in lists, no key reveal and no batch.
GENERATIONS = ("legacy", "current", "late2024")


@dataclass(frozen=True)
class ServerConfig:
    """How to run the reference server.

    `faults` names fault modes (`newapi_contract.refserver.faults.FAULTS`); `rate_limits`
    switches upstream's limiters on, with the numbers of `limits` (a field left None:
    upstream's default for the generation; `ratelimit.parse_limit_spec` and
    `RateLimits.from_env` build one); `clock` is the limiters' clock (tests fake it);
    `token_cache` imitates the Redis token cache (entries live `cache_ttl_s`; legacy evicts
    `cache_evict_delay_s` after a delete); `db_path` None keeps SQLite in memory;
    `slow_delete_s` is the delay of fault `slow-delete`; `resurrect_after_s` the delay after
    which fault `delete-resurrects` undoes a delete.
    """

    generation: str = "current"
    faults: tuple[str, ...] = ()
    rate_limits: bool = False
    db_path: str | None = None
    token_cache: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    limits: RateLimits = field(default_factory=RateLimits)
    clock: Callable[[], float] = field(default=time.time, compare=False, repr=False)
    slow_delete_s: float = 3.0
    cache_ttl_s: float = 60.0
    cache_evict_delay_s: float = 0.05
    resurrect_after_s: float = 1.5

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", tuple(self.faults))
        if self.generation not in GENERATIONS:
            raise UsageError(f"unknown generation {self.generation!r} (expected {', '.join(GENERATIONS)})")
        unknown = unknown_faults(self.faults)
        if unknown:
            raise UsageError(f"unknown fault {unknown[0]!r} (known: {', '.join(sorted(FAULTS))})")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"port {self.port} is out of range 0-65535")

    def effective_limits(self) -> RateLimits | None:
        """The limiters' numbers, every field filled; None when the limiters are off."""
        return self.limits.resolved(self.generation) if self.rate_limits else None
