"""ServerConfig: everything that shapes one reference server, checked once."""

from __future__ import annotations

from dataclasses import dataclass, field

from newapi_contract.errors import UsageError
from newapi_contract.target.faults import FAULTS, unknown_faults
from newapi_contract.target.ratelimit import RateLimits

__all__ = ["GENERATIONS", "ServerConfig"]

GENERATIONS = ("legacy", "current")


@dataclass(frozen=True)
class ServerConfig:
    """How to run the reference server.

    `faults` names fault modes (`newapi_contract.target.faults.FAULTS`); `rate_limits`
    switches upstream's limiters on (with `limits`, upstream's numbers by default);
    `token_cache` imitates the Redis token cache (entries live `cache_ttl_s`; legacy evicts
    `cache_evict_delay_s` after a delete); `db_path` None keeps SQLite in memory;
    `slow_delete_s` is the delay of fault `slow-delete`.
    """

    generation: str = "current"
    faults: tuple[str, ...] = ()
    rate_limits: bool = False
    db_path: str | None = None
    token_cache: bool = False
    host: str = "127.0.0.1"
    port: int = 0
    limits: RateLimits = field(default_factory=RateLimits)
    slow_delete_s: float = 3.0
    cache_ttl_s: float = 60.0
    cache_evict_delay_s: float = 0.05

    def __post_init__(self) -> None:
        object.__setattr__(self, "faults", tuple(self.faults))
        if self.generation not in GENERATIONS:
            raise UsageError(f"unknown generation {self.generation!r} (expected legacy or current)")
        unknown = unknown_faults(self.faults)
        if unknown:
            raise UsageError(f"unknown fault {unknown[0]!r} (known: {', '.join(sorted(FAULTS))})")
        if not 0 <= self.port <= 65535:
            raise UsageError(f"port {self.port} is out of range 0-65535")
