"""The target's origin and path prefix (`--base-url https://host/newapi/`).

new-api often runs behind a reverse proxy that serves it under a path prefix. The prefix is
part of the target: clients send under it (httpx's and schemathesis's base URL keep it), and
every reader of a request's path (the guard, the pacer's limiters, the road's settler, the
recorder's redactor, the model feed) judges the path as upstream routes it, with the prefix
removed: `route_path("https://host/newapi/api/token/5")` is `/api/token/5`.

The prefixes are registered per origin (scheme, host, port) when a target's guard is made
(`register`); a process may talk to several targets (compare), each with its own.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

__all__ = ["Origin", "origin_of", "prefix_of", "register", "route_path", "under_prefix"]

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PREFIXES: dict[Origin, set[str]] = {}
_LOCK = threading.Lock()


def origin_of(url: str) -> Origin:
    """(scheme, host, port) of a URL, lower-cased, the port made explicit (ValueError if bad)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    return scheme, (parts.hostname or "").lower(), port


def prefix_of(base_url: str) -> str:
    """The path prefix of a base URL: "" for the origin's root, else "/newapi" (no trailing /)."""
    return urlsplit(base_url).path.rstrip("/")


def register(base_url: str) -> None:
    """Remember the path prefix of a target, so `route_path` strips it for its origin."""
    prefix = prefix_of(base_url)
    if prefix:
        with _LOCK:
            _PREFIXES.setdefault(origin_of(base_url), set()).add(prefix)


def under_prefix(path: str, prefix: str) -> bool:
    """`path` (raw, as sent) lies under `prefix` ("" holds every path)."""
    return not prefix or path == prefix or path.startswith(prefix + "/")


def route_path(url: str) -> str:
    """The path of `url` (absolute, or a bare path) as upstream routes it: a registered prefix
    of its origin removed (the longest that matches); unchanged outside any prefix."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if not parts.scheme:
        candidates = [p for prefixes in _snapshot() for p in prefixes]
    else:
        try:
            origin = origin_of(url)
        except ValueError:
            return path
        with _LOCK:
            candidates = list(_PREFIXES.get(origin, ()))
    for prefix in sorted(candidates, key=len, reverse=True):
        if under_prefix(path, prefix):
            return path[len(prefix) :] or "/"
    return path


def _snapshot() -> list[set[str]]:
    with _LOCK:
        return [set(p) for p in _PREFIXES.values()]
