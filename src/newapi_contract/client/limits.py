"""Which of upstream's rate limiters a request passes, as the client must assume.

new-api limits per client IP on every `/api/*` route (global API limiter), per IP again on
a few critical routes, and per user on token search (`router/api-router.go`,
`middleware/rate-limit.go`; defaults in `common/init.go`). The relay (`/v1/*`) has none.
An operator may set any numbers, so only the windows are assumed here (the limits are
learned from the server's 429s, see `pacing.py`); a window is a guess the pacer corrects
with `Retry-After` where the server sends one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["BUCKETS", "Bucket", "bucket_of", "buckets_for"]


@dataclass(frozen=True)
class Bucket:
    """One limiter: its name, upstream's default limit and window (seconds)."""

    name: str
    default_limit: int
    window_s: float


# Upstream's defaults (common/init.go): global 180 per 180 s at the legacy commit 4ca47ee2,
# 360 from 59a93cf5 on; critical 20 per 20 min; search 10 per 60 s per user.
BUCKETS: dict[str, Bucket] = {
    "global": Bucket("global", 180, 180.0),
    "critical": Bucket("critical", 20, 1200.0),
    "search": Bucket("search", 10, 60.0),
}

# Routes behind CriticalRateLimit that the suite uses (router/api-router.go of both
# generations; current also limits GET /api/user/token, per IP and per user).
_CRITICAL = (
    ("POST", re.compile(r"/api/user/(login|register)/?")),
    ("POST", re.compile(r"/api/token/[^/]+/key/?")),
    ("POST", re.compile(r"/api/token/batch/keys/?")),
    ("GET", re.compile(r"/api/user/token/?")),
)
_SEARCH = re.compile(r"/api/token/search/?")


def _who(headers: Mapping[str, str]) -> str:
    """A short stable tag of the credential: search is limited per user, not per IP."""
    credential = headers.get("authorization") or headers.get("Authorization") or ""
    return hashlib.sha256(credential.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def buckets_for(method: str, path: str, headers: Mapping[str, str]) -> tuple[str, ...]:
    """The limiter keys a request counts against: `("global",)`, `("global", "critical")`,
    `("global", "search:<who>")`, or `()` for routes outside `/api/`."""
    if not path.startswith("/api/"):
        return ()
    method = method.upper()
    keys = ["global"]
    if any(method == m and pattern.fullmatch(path) for m, pattern in _CRITICAL):
        keys.append("critical")
    if method == "GET" and _SEARCH.fullmatch(path):
        keys.append(f"search:{_who(headers)}")
    return tuple(keys)


def bucket_of(key: str) -> Bucket:
    """The limiter a key belongs to (`search:<who>` is the search limiter)."""
    return BUCKETS[key.split(":", 1)[0]]
