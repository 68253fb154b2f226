"""The doors of the relay a deleted key must be dead on (reference §4 "Every door of the relay",
upstream `middleware/auth.go TokenAuth`, `router/relay-router.go`).

Each door is one way of carrying the key, on a model route (lists and lookups: they read
nothing and cost nothing, unlike a completion). Every door ends in the same lookup, so a
deleted key must be refused on each exactly as a never-issued one is; a cache or adapter
in front of one door (a proxy, a fork) shows only on that door.

Which doors a run checks by default (`quick`), from the source: one door per place TokenAuth
reads a key from (the Authorization header in two spellings other than DEL-OWN-5's
`Bearer sk-<key>`: lower-case `bearer` and the raw key; the channel suffix cut, `x-api-key`,
the Gemini `?key=`, the WebSocket subprotocol, `mj-api-secret`). The thorough profile adds the
other spellings and paths that reach the same line of code.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from newapi_contract.client.api import Answer, NewApi
from newapi_contract.errors import RoadFault

__all__ = [
    "DOORS",
    "Door",
    "applicable",
    "comparable_refusal",
    "doors_of",
    "is_refusal",
    "never_issued_key",
    "road_check",
    "scrubbed",
]

BOTH = ("legacy", "current")
_PIN_REFUSAL = "普通用户不支持指定渠道"  # SetupContextForToken: a common user may not pin a channel
_REQUEST_ID = re.compile(r"\s*\(request id: [^)]*\)")
_ROAD = {429: "throttled", 502: "proxy", 503: "proxy", 504: "proxy"}


def _ok(answer: Answer) -> bool:
    return answer.status == 200


def _pinned(answer: Answer) -> bool:
    """A valid key with a channel suffix: 403 "may not pin a channel" for a common user, or
    200 for an admin (the channel is pinned)."""
    if answer.status == 200:
        return True
    error = answer.json.get("error") if isinstance(answer.json, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return answer.status == 403 and isinstance(message, str) and message.startswith(_PIN_REFUSAL)


@dataclass(frozen=True)
class Door:
    name: str
    clause: str
    sends: str  # how the key travels, for messages and the report
    send: Callable[[NewApi, str], Answer]
    quick: bool = False
    generations: tuple[str, ...] = BOTH
    accepts: Callable[[Answer], bool] = _ok  # what a live key gets
    # Refuses a live key on every release with bare-array token lists built here (c6ae8273,
    # 2024-12; f502e49c, 2025-03) and on the first paged ones: it came later (2025-07..2026-02).
    # On a bare-array release it does not apply from the start; on a paged one its positive
    # control tells (`accepts`).
    after_bare_lists: bool = False

    def __repr__(self) -> str:
        return f"Door({self.name})"


DOORS: tuple[Door, ...] = (
    # DEL-DOOR-1: Authorization, one `Bearer `/`bearer ` stripped, then one `sk-`.
    Door(
        "bearer-lower",
        "DEL-DOOR-1",
        "Authorization: bearer <key>",
        lambda a, k: a.relay_models(k, "lower-bearer"),
        quick=True,
        after_bare_lists=True,
    ),
    Door(
        "bearer-sk",
        "DEL-DOOR-1",
        "Authorization: Bearer sk-<key>",
        lambda a, k: a.relay_models(k, "bearer-sk"),
    ),
    # Also quick: a release before new-api PR #2513 refuses lower-case `bearer` (reference §10),
    # and the raw key reaches the same line of TokenAuth on every release.
    Door("raw", "DEL-DOOR-1", "Authorization: <key>", lambda a, k: a.relay_models(k, "raw"), quick=True),
    Door("raw-sk", "DEL-DOOR-1", "Authorization: sk-<key>", lambda a, k: a.relay_models(k, "raw-sk")),
    # DEL-DOOR-2: the key is cut at its first `-`.
    Door(
        "channel-suffix",
        "DEL-DOOR-2",
        "Authorization: Bearer sk-<key>-1",
        lambda a, k: a.relay_channel_pin(k),
        quick=True,
        accepts=_pinned,
    ),
    # DEL-DOOR-3: x-api-key on paths containing /v1/models (or /v1/messages).
    Door(
        "x-api-key",
        "DEL-DOOR-3",
        "x-api-key: sk-<key> on /v1/models",
        lambda a, k: a.relay_anthropic(k),
        quick=True,
        after_bare_lists=True,
    ),
    Door(
        "anthropic-list",
        "DEL-DOOR-3",
        "x-api-key + anthropic-version on /v1/models (Anthropic's list)",
        lambda a, k: a.relay_anthropic(k, version=True),
    ),
    Door(
        "anthropic-model",
        "DEL-DOOR-3",
        "x-api-key + anthropic-version on /v1/models/gpt-4o",
        lambda a, k: a.relay_anthropic(k, version=True, model="gpt-4o"),
    ),
    # DEL-DOOR-4: `key` query, then x-goog-api-key, on the Gemini paths.
    Door(
        "gemini-query",
        "DEL-DOOR-4",
        "?key=<key> on /v1beta/models",
        lambda a, k: a.relay_gemini(k),
        quick=True,
        after_bare_lists=True,
    ),
    Door(
        "gemini-header",
        "DEL-DOOR-4",
        "x-goog-api-key on /v1beta/models",
        lambda a, k: a.relay_gemini(k, via="header"),
    ),
    Door(
        "gemini-openai",
        "DEL-DOOR-4",
        "?key=<key> on /v1beta/openai/models",
        lambda a, k: a.relay_gemini(k, path="/v1beta/openai/models"),
    ),
    Door(
        "gemini-model",
        "DEL-DOOR-4",
        "?key=<key> on /v1/models/gpt-4o",
        lambda a, k: a.relay_gemini(k, path="/v1/models/gpt-4o"),
    ),
    Door(
        "gemini-models-list",
        "DEL-DOOR-4",
        "x-goog-api-key on /v1/models (current only)",
        lambda a, k: a.relay_gemini(k, via="header", path="/v1/models"),
        generations=("current",),
    ),
    # DEL-DOOR-5: Sec-WebSocket-Protocol, read first and overwriting Authorization.
    Door(
        "websocket",
        "DEL-DOOR-5",
        "Sec-WebSocket-Protocol: realtime, openai-insecure-api-key.sk-<key>",
        lambda a, k: a.relay_websocket(k),
        quick=True,
    ),
    # DEL-DOOR-6: mj-api-secret, when Authorization is empty or `midjourney-proxy`.
    Door(
        "mj-api-secret", "DEL-DOOR-6", "mj-api-secret: <key>", lambda a, k: a.relay_midjourney(k), quick=True
    ),
    Door(
        "mj-proxy-marker",
        "DEL-DOOR-6",
        "Authorization: midjourney-proxy + mj-api-secret: sk-<key>",
        lambda a, k: a.relay_midjourney(k, proxy_marker=True),
    ),
)

_BY_NAME = {door.name: door for door in DOORS}


def doors_of(clause: str) -> list[str]:
    """The names of `clause`'s doors, in table order (for test parametrization)."""
    return [door.name for door in DOORS if door.clause == clause]


def applicable(
    name: str, generation: str, profile: str, paged_list: bool | None = None
) -> tuple[Door, str | None]:
    """The door, and why this run does not check it (None: it does); `paged_list`: whether
    the server answers paged token lists (`Features.paged_list`), None when not known."""
    door = _BY_NAME[name]
    if door.after_bare_lists and paged_list is False:
        return door, (
            "a release answering bare-array token lists (before 2025-06) has no such door "
            "(refused a live key on every one tried: c6ae8273, f502e49c)"
        )
    if generation not in door.generations:
        return door, (
            f"{generation} servers have no such door: TokenAuth reads the Gemini key on /v1/models "
            "itself only in current (middleware/auth.go)"
        )
    if profile != "thorough" and not door.quick:
        return door, "checked in the thorough profile only (--profile thorough)"
    return door, None


def clause_not_applicable(
    clause: str, generation: str, profile: str, paged_list: bool | None = None
) -> str | None:
    """Why none of the doors of `clause` is checked in this run (each has a reason), or None:
    what a run reports, told before it (doctor)."""
    reasons = [applicable(name, generation, profile, paged_list)[1] for name in doors_of(clause)]
    if reasons and all(reasons):
        return f"not applicable: {reasons[0]}"
    return None


def never_issued_key() -> str:
    """A key of the real shape (48 letters and digits) that the server never issued."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(48))


def road_check(answer: Answer, door: Door) -> Answer:
    """A throttled or proxied answer says nothing about the key: the probe is unverified."""
    kind = _ROAD.get(answer.status)
    if kind is not None:
        raise RoadFault(
            kind, f"door {door.name}: HTTP {answer.status} from the road, not a verdict on the key"
        )
    return answer


def is_refusal(answer: Answer) -> bool:
    """TokenAuth's refusal of an unknown key: HTTP 401 (the body is compared apart)."""
    return answer.status == 401


def scrubbed(value: Any) -> Any:
    """A parsed body with the per-request id removed from every string (ref §4)."""
    if isinstance(value, str):
        return _REQUEST_ID.sub("", value)
    if isinstance(value, dict):
        return {k: scrubbed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrubbed(v) for v in value]
    return value


def comparable_refusal(answer: Answer) -> tuple[int, Any]:
    """Status and body with the per-request id removed (the message quotes it, ref §4)."""
    return answer.status, scrubbed(answer.json if answer.json is not None else answer.text)
