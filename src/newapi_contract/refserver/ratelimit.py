"""new-api's rate limiters: their numbers per generation and the in-memory sliding log.

Upstream (without Redis) keeps one log of request times per key (`common/rate-limit.go`
`InMemoryRateLimiter.Request`, the same in both commits): a request passes while the key
holds fewer than N times, or when its oldest time is at least D seconds old (that time is
then dropped); a refused request is not recorded. Times are whole seconds (`Unix()`).

Four limiters matter (`middleware/rate-limit.go`; which routes use them: `pipeline`):

| name     | env prefix            | legacy 4ca47ee2           | current e2c7aa7b          | key        |
|----------|-----------------------|---------------------------|---------------------------|------------|
| global   | GLOBAL_API_RATE_LIMIT | 180 / 180 s, init.go:114  | 360 / 180 s, init.go:121  | IP         |
| web      | GLOBAL_WEB_RATE_LIMIT | 60 / 180 s, init.go:118   | 120 / 180 s, init.go:125  | IP         |
| critical | CRITICAL_RATE_LIMIT   | 20 / 1200 s, init.go:122  | 20 / 1200 s, init.go:129  | IP (+user) |
| search   | SEARCH_RATE_LIMIT     | 10 / 60 s, init.go:126    | 10 / 60 s, init.go:133    | user       |

(`common/init.go` lines, each the `..._ENABLE` line; the number and duration follow it.)

late2024 (c6ae8273 `common/constants.go:147-162`, `middleware/rate-limit.go`): global
180 / 180 s and web 60 / 180 s from the same env variables; critical 20 / 1200 s is a
constant (no env variable, cannot be switched off); there is no search limiter at all
(`router/api-router.go`: `tokenRoute.GET("/search", controller.SearchTokens)`), so
`search` is `off` and ignored.
Each is read from `<prefix>`, `<prefix>_DURATION` and `<prefix>_ENABLE` (`GetEnvOrDefault`:
Atoi, a bad or empty value keeps the default; `GetEnvOrDefaultBool`: Go's ParseBool).

Not modelled: Redis (current's fixed window, legacy's Redis list), and the sweep that
forgets keys idle for 20 minutes (`clearExpiredItems`), which changes nothing while every
window is at most 20 minutes long (`common/constants.go`: "Shouldn't larger then ...").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace

from newapi_contract.errors import UsageError
from newapi_contract.refserver.goparse import atoi

__all__ = ["LIMITER_NAMES", "Limit", "RateLimits", "SlidingLog", "parse_limit_spec"]


@dataclass(frozen=True)
class Limit:
    """One limiter: at most `limit` requests in `window_s` seconds, when `enabled`."""

    limit: int
    window_s: int
    enabled: bool = True

    def __str__(self) -> str:
        return f"{self.limit}/{self.window_s}" if self.enabled else "off"


# name -> (field of RateLimits, upstream's env prefix)
_NAMES = {
    "global": ("global_api", "GLOBAL_API_RATE_LIMIT"),
    "web": ("global_web", "GLOBAL_WEB_RATE_LIMIT"),
    "critical": ("critical", "CRITICAL_RATE_LIMIT"),
    "search": ("search", "SEARCH_RATE_LIMIT"),
}
LIMITER_NAMES = tuple(_NAMES)

# Upstream's defaults, per generation (common/init.go, lines in the module docstring).
_DEFAULTS = {
    "legacy": {
        "global": Limit(180, 180),
        "web": Limit(60, 180),
        "critical": Limit(20, 1200),
        "search": Limit(10, 60),
    },
    "current": {
        "global": Limit(360, 180),
        "web": Limit(120, 180),
        "critical": Limit(20, 1200),
        "search": Limit(10, 60),
    },
    "late2024": {
        "global": Limit(180, 180),
        "web": Limit(60, 180),
        "critical": Limit(20, 1200),
        "search": Limit(0, 0, enabled=False),
    },
}
# The limiters a generation reads from the environment (late2024: common/constants.go).
_FROM_ENV = {"late2024": ("global", "web")}

_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")


@dataclass(frozen=True)
class RateLimits:
    """The four limiters; a field left None takes upstream's default for the generation."""

    global_api: Limit | None = None
    global_web: Limit | None = None
    critical: Limit | None = None
    search: Limit | None = None

    @classmethod
    def upstream(cls, generation: str) -> RateLimits:
        """Upstream's defaults for `generation`."""
        return cls(**{_NAMES[name][0]: limit for name, limit in _DEFAULTS[generation].items()})

    def resolved(self, generation: str) -> RateLimits:
        """Every field filled: the given ones, else upstream's default for `generation`."""
        return RateLimits.upstream(generation).overridden_by(self)

    def overridden_by(self, other: RateLimits) -> RateLimits:
        """These limits with every field `other` gives (not None) replaced."""
        given = {f.name: getattr(other, f.name) for f in fields(other) if getattr(other, f.name) is not None}
        return replace(self, **given)

    def by_name(self, name: str) -> Limit | None:
        return getattr(self, _NAMES[name][0])

    def describe(self) -> str:
        """`global=180/180,web=60/180,...` (None fields as `default`)."""
        return ",".join(f"{name}={self.by_name(name) or 'default'}" for name in _NAMES)

    @classmethod
    def from_env(cls, env: Mapping[str, str], generation: str) -> RateLimits:
        """The limits an upstream of `generation` started with the environment `env` uses."""
        chosen = {}
        for name, (field_name, prefix) in _NAMES.items():
            default = _DEFAULTS[generation][name]
            if name not in _FROM_ENV.get(generation, LIMITER_NAMES):
                chosen[field_name] = default
                continue
            limit = _env_int(env, prefix, default.limit)
            window = _env_int(env, f"{prefix}_DURATION", default.window_s)
            enabled = _env_bool(env, f"{prefix}_ENABLE", default.enabled)
            if limit < 0 and enabled:
                # make([]int64, 0, N) panics on the first request: not worth imitating.
                raise UsageError(f"{prefix}={limit}: upstream panics on a negative limit")
            chosen[field_name] = Limit(limit, window, enabled)
        return cls(**chosen)

    def env(self, generation: str) -> dict[str, str]:
        """The upstream environment variables that give these limits (for `generation`;
        late2024 reads only the global and web ones)."""
        out = {}
        for name, (_, prefix) in _NAMES.items():
            if name not in _FROM_ENV.get(generation, LIMITER_NAMES):
                continue
            limit = self.resolved(generation).by_name(name)
            assert limit is not None
            out.update(
                {
                    prefix: str(limit.limit),
                    f"{prefix}_DURATION": str(limit.window_s),
                    f"{prefix}_ENABLE": "true" if limit.enabled else "false",
                }
            )
        return out


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    parsed = atoi(env.get(name, ""))
    return parsed.value if parsed.ok else default


def _env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "")
    return True if raw in _GO_TRUE else False if raw in _GO_FALSE else default


def parse_limit_spec(spec: str) -> RateLimits:
    """`global=180/180,critical=20/1200,search=off` -> RateLimits (unnamed: None).

    Each item is NAME=N/SECONDS (whole numbers, N >= 0, SECONDS >= 0) or NAME=off; NAME is
    one of global, web, critical, search. A UsageError says what is wrong.
    """
    chosen: dict[str, Limit] = {}
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or name not in _NAMES:
            raise UsageError(
                f"limit {item!r}: expected NAME=N/SECONDS or NAME=off, NAME one of {', '.join(_NAMES)}"
            )
        if name in chosen:
            raise UsageError(f"limit {name!r} given twice in {spec!r}")
        chosen[name] = _parse_value(name, value)
    if not chosen:
        raise UsageError(f"limit spec {spec!r} names no limiter")
    return RateLimits(**{_NAMES[name][0]: limit for name, limit in chosen.items()})


def _parse_value(name: str, value: str) -> Limit:
    if value == "off":
        return Limit(0, 0, enabled=False)
    count, sep, window = value.partition("/")
    if not (sep and count.isascii() and count.isdigit() and window.isascii() and window.isdigit()):
        raise UsageError(f"limit {name}={value!r}: expected N/SECONDS (e.g. 180/180) or off")
    return Limit(int(count), int(window))


class SlidingLog:
    """`InMemoryRateLimiter`: one store for every limiter, keyed by mark + IP or user.

    `clock` returns seconds (whole seconds are taken, as upstream's `time.Now().Unix()`);
    tests pass a fake one.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._store: dict[str, list[int]] = {}
        self._lock = threading.Lock()

    def request(self, key: str, limit: int, window_s: int) -> bool:
        """True when the request passes (and is recorded), False when refused."""
        now = int(self._clock())
        with self._lock:
            queue = self._store.get(key)
            if queue is None:
                self._store[key] = [now]
                return True
            if len(queue) < limit:
                queue.append(now)
                return True
            if now - queue[0] >= window_s:
                del queue[0]
                queue.append(now)
                return True
            return False
