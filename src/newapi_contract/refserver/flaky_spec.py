"""What a flaky network does, and which request it does it to: `FlakySpec` and its parser.

A spec reads `flaky:seed=7,rate=0.04,kinds=reset+lost` (the `flaky:` prefix is optional;
every key too). Each request, numbered in arrival order, draws its fate from its own
random stream seeded by (seed, number), so the same seed injects the same faults into the
same request sequence, whatever happened to the requests before.

Kinds, as a client sees them:
- `reset`: the connection is reset before anything is forwarded; the server never saw it.
- `lost`: forwarded, the server acted, then the connection is reset or closed with no answer.
- `bad-gateway`: an nginx HTML 502 page; the seed decides whether the server saw it first
  (nginx answers 502 both when it cannot reach the server and when the server dropped the
  connection after acting).
- `latency`: forwarded, the answer held back `latency` seconds.
- `redeploy`: for `redeploy` seconds every request gets nginx's HTML 503 page, unforwarded.
- `timeout`: forwarded, then no answer for `hold` seconds (longer than a client waits), then
  the connection is closed.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from newapi_contract.errors import UsageError

__all__ = ["KINDS", "FlakySpec", "Plan", "parse_network", "parse_spec"]

KINDS = ("reset", "lost", "bad-gateway", "latency", "redeploy", "timeout")
DIRECT = "direct"
_PREFIX = "flaky"


@dataclass(frozen=True)
class Plan:
    """The fate of one request: its fault kind, whether the server sees the request, and for
    a dropped connection whether it is reset (RST) or closed (FIN)."""

    kind: str
    forwarded: bool
    reset: bool = False


@dataclass(frozen=True)
class FlakySpec:
    """A seeded flaky network. `rate` is the share of requests hit (0-1); `kinds` those that
    may hit (one is drawn per hit); times are in seconds."""

    seed: int
    rate: float = 0.04
    kinds: tuple[str, ...] = KINDS
    latency: float = 2.0
    redeploy: float = 4.0
    hold: float = 20.0  # above the suite's default request timeout (15 s)

    def plan(self, index: int) -> Plan | None:
        """The fault of request number `index` (0-based), or None: passed through untouched."""
        draw = random.Random(f"{self.seed}:{index}")
        if not self.kinds or draw.random() >= self.rate:
            return None
        kind = draw.choice(self.kinds)
        if kind == "lost":
            return Plan(kind, forwarded=True, reset=draw.random() < 0.5)
        if kind == "bad-gateway":
            return Plan(kind, forwarded=draw.random() < 0.5)
        return Plan(kind, forwarded=kind in ("latency", "timeout"), reset=kind == "reset")

    def describe(self) -> str:
        """The spec as `parse_spec` reads it back."""
        return (
            f"{_PREFIX}:seed={self.seed},rate={self.rate:g},kinds={'+'.join(self.kinds)},"
            f"latency={self.latency:g},redeploy={self.redeploy:g},hold={self.hold:g}"
        )


def _seconds(key: str, raw: str) -> float:
    value = _number(key, raw)
    if not 0 < value <= 3600:
        raise ValueError(f"{key} must be more than 0 and at most 3600 seconds")
    return value


def _number(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{key} {raw!r} is not a number") from None
    if value != value:  # NaN
        raise ValueError(f"{key} {raw!r} is not a number")
    return value


def _rate(key: str, raw: str) -> float:
    value = _number(key, raw)
    if not 0 <= value <= 1:
        raise ValueError(f"rate must be between 0 and 1 (a share of requests), got {raw}")
    return value


def _seed(key: str, raw: str) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise ValueError(f"seed {raw!r} is not a whole number >= 0")
    return int(raw)


def _kinds(key: str, raw: str) -> tuple[str, ...]:
    if raw == "all":
        return KINDS
    names = tuple(dict.fromkeys(name.strip() for name in raw.split("+")))
    unknown = [name for name in names if name not in KINDS]
    if unknown or not names:
        raise ValueError(f"unknown kind {unknown[0] if unknown else raw!r} (known: {'+'.join(KINDS)})")
    return names


_KEYS = {
    "seed": _seed,
    "rate": _rate,
    "kinds": _kinds,
    "latency": _seconds,
    "redeploy": _seconds,
    "hold": _seconds,
}


def parse_spec(text: str) -> FlakySpec:
    """`[flaky][:]key=value,...` -> FlakySpec; a missing seed is drawn at random (and shown
    by `describe`). UsageError (exit 2) with one line saying what is wrong."""
    body = text.strip()
    if body == _PREFIX or body.startswith(_PREFIX + ":"):
        body = body[len(_PREFIX) + 1 :]
    values: dict[str, object] = {}
    try:
        for item in filter(None, (part.strip() for part in body.split(","))):
            key, sep, raw = item.partition("=")
            key = key.strip()
            if not sep or key not in _KEYS:
                raise ValueError(f"expected key=value with a key among {', '.join(_KEYS)}, got {item!r}")
            if key in values:
                raise ValueError(f"{key} is given twice")
            values[key] = _KEYS[key](key, raw.strip())
    except ValueError as exc:
        raise UsageError(f"flaky network {text!r}: {exc}") from None
    values.setdefault("seed", secrets.randbelow(1_000_000))
    return FlakySpec(**values)  # type: ignore[arg-type]


def parse_network(text: str | None) -> FlakySpec | None:
    """`--embedded-network`: `direct` (or nothing) -> None; `flaky[:...]` -> its spec."""
    if text is None or text.strip() in ("", DIRECT):
        return None
    stripped = text.strip()
    if stripped != _PREFIX and not stripped.startswith(_PREFIX + ":"):
        raise UsageError(f"--embedded-network {text!r}: expected {DIRECT} or {_PREFIX}[:key=value,...]")
    return parse_spec(stripped)
