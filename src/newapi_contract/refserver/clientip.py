"""gin's `Context.ClientIP()` (gin v1.9.1 `context.go`), the key of every per-IP limiter.

When the peer is a trusted proxy, the client is taken from `X-Forwarded-For`, else
`X-Real-IP` (first value of each): read from the right, the first address that is not a
trusted proxy, or the leftmost one. Which peers are trusted:
- legacy (4ca47ee2 `main.go`: `gin.New()` and nothing more): gin's default, every address;
- late2024 (c6ae8273 `main.go`: `gin.New()`, gin v1.9.1 in `go.mod`): the same;
- current (e2c7aa7b `middleware/trusted_proxies.go`, `TRUSTED_PROXIES` unset): loopback,
  RFC 1918 and IPv6 ULA. `TRUSTED_PROXIES` itself is not modelled.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

__all__ = ["client_ip"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_EVERY_ADDRESS = (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
_TRUSTED: dict[str, tuple[_Network, ...]] = {
    "legacy": _EVERY_ADDRESS,
    "late2024": _EVERY_ADDRESS,
    "current": tuple(
        ipaddress.ip_network(cidr)
        for cidr in ("127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
    ),
}
_FORWARD_HEADERS = ("x-forwarded-for", "x-real-ip")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # Go's net.IP treats an IPv4-mapped IPv6 address as the IPv4 address.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(generation: str, text: str) -> bool:
    address = _ip(text)
    return address is not None and any(address in net for net in _TRUSTED[generation])


def _from_header(generation: str, value: str) -> str | None:
    """gin's `validateHeader`."""
    if not value:
        return None
    items = value.split(",")
    for i in range(len(items) - 1, -1, -1):
        candidate = items[i].strip()
        if _ip(candidate) is None:
            return None
        if i == 0 or not _trusted(generation, candidate):
            return candidate
    return None


def client_ip(generation: str, peer: str, headers: Mapping[str, str]) -> str:
    """The address upstream's limiters count a request under (`headers` lower-case keyed)."""
    if _ip(peer) is None:
        return ""
    if _trusted(generation, peer):
        for name in _FORWARD_HEADERS:
            found = _from_header(generation, headers.get(name, ""))
            if found is not None:
                return found
    return str(_ip(peer))
