"""How soon a deleted key dies: probes after the delete, timed from the delete's answer.

What the contract demands (`--revocation-bound`, default 2 s): no probe sent at or after
the bound may be accepted; with bound 0, the very first probe after the delete must be
refused. A probe's answer time is an upper bound on when the key died, the last accepted
probe's send time a lower bound. Why a bound and not "at once": legacy evicts its Redis
entry asynchronously after the delete (model/token.go `Delete`, a goroutine), current fences
it before (model/token_cache.go `invalidateTokenCacheForMutation`). Measured on upstream of
both commits with Redis on loopback (docs/contract.md, "Revocation"): the first probe was refused in
every sequential trial; legacy under a concurrent reader accepted 2 of 150 once, for at most
11 ms. Every stale-key defect of reference §9 keeps a key for 60 s or more, so a bound of
seconds separates them from a healthy asynchronous eviction with a wide margin.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from newapi_contract.client.api import Answer

__all__ = [
    "DEFAULT_BOUND_S",
    "LATER_S",
    "POLL_S",
    "DoorWatch",
    "Probe",
    "refused_within",
    "watch",
]

DEFAULT_BOUND_S = 2.0
# "A moment later": a racing reader may re-cache a key after its eviction (ref §4, legacy).
LATER_S = 1.5
# Pause between rounds of probes while a key is still accepted (the relay has no limiter).
POLL_S = 0.05

Clock = Callable[[], float]
Sleep = Callable[[float], None]
Refused = Callable[[Answer], bool]


@dataclass(frozen=True)
class Probe:
    """One probe after the delete: when it was sent and answered (seconds after the delete's
    answer) and what came back."""

    sent_s: float
    answered_s: float
    answer: Answer
    refused: bool


@dataclass
class DoorWatch:
    """One door's probes after the delete, until its first refusal or past the bound."""

    probes: list[Probe] = field(default_factory=list)
    later: Probe | None = None

    @property
    def first_refusal(self) -> Probe | None:
        return next((p for p in self.probes if p.refused), None)

    @property
    def accepted(self) -> list[Probe]:
        """Probes that got the deleted key accepted (before its first refusal)."""
        return [p for p in self.probes if not p.refused]

    def alive_past(self, bound_s: float) -> Probe | None:
        """The first accepted probe that proves the key alive at or after the bound."""
        return next((p for p in self.accepted if p.sent_s >= bound_s), None)

    def figures(self, bound_s: float) -> dict[str, Any]:
        """The numbers the report shows (milliseconds after the delete's answer)."""
        first = self.first_refusal
        accepted = self.accepted
        return {
            "bound_ms": round(bound_s * 1000),
            "probes": len(self.probes),
            "accepted_after_delete": len(accepted),
            "last_accepted_ms": round(accepted[-1].sent_s * 1000, 1) if accepted else None,
            "refused_at_ms": round(first.answered_s * 1000, 1) if first else None,
            "first_probe_refused": bool(self.probes) and self.probes[0].refused,
            "later_ms": round(self.later.sent_s * 1000, 1) if self.later else None,
            "later_refused": self.later.refused if self.later else None,
            "within_bound": first is not None and self.alive_past(bound_s) is None,
        }


def watch(
    sends: Mapping[str, Callable[[], Answer]],
    *,
    started: float,
    bound_s: float,
    refused: Refused,
    later_s: float | None = LATER_S,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    poll_s: float = POLL_S,
) -> dict[str, DoorWatch]:
    """Probe every door in turn, from `started` (the delete's answer, on `clock`), until each
    refuses the key or is seen accepting it at or after the bound; then, `later_s` after the
    delete (None: not at all), probe each door once more."""
    watches = {name: DoorWatch() for name in sends}
    pending = list(sends)
    while pending:
        for name in list(pending):
            sent = clock() - started
            answer = sends[name]()
            probe = Probe(sent, clock() - started, answer, refused(answer))
            watches[name].probes.append(probe)
            if probe.refused or sent >= bound_s:
                pending.remove(name)
        if pending:
            sleep(poll_s)
    if later_s is None:
        return watches
    wait = started + later_s - clock()
    if wait > 0:
        sleep(wait)
    for name, send in sends.items():
        sent = clock() - started
        answer = send()
        watches[name].later = Probe(sent, clock() - started, answer, refused(answer))
    return watches


def refused_within(
    send: Callable[[], Answer],
    bound_s: float,
    refused: Refused,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> Answer:
    """One door, right after a delete: the first refusing answer, or the accepting answer
    that proves the key alive at or after the bound (no later probe)."""
    started = clock()
    found = watch(
        {"door": send},
        started=started,
        bound_s=bound_s,
        refused=refused,
        later_s=None,
        clock=clock,
        sleep=sleep,
    )
    probes = found["door"].probes
    return next((p.answer for p in probes if p.refused), probes[-1].answer)
