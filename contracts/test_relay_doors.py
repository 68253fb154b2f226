"""A deleted key is dead on every door of the relay (DEL-DOOR-1..6; reference §4 "Every door of
the relay", upstream middleware/auth.go TokenAuth, router/relay-router.go).

One key and one reveal serve every door (the reveal is on the critical limiter, 20 per 20 min
per IP; the relay `/v1/*` has no limiter at all: router/relay-router.go gives the model routes
only RouteTag and TokenAuth, and router/main.go registers them before the web limiter). The
key is used on each door just before the delete (a positive control, and a warm cache: the
realistic case, ref §9), then every door is probed in turn from the delete's answer until it
refuses the key or the revocation bound has passed, once more a moment later, and once with a
never-issued key to compare the refusal with. The quick profile checks one door per place
TokenAuth reads a key from (6 doors, 28 requests, 4 of them on /api); the thorough profile
every spelling and path (`contract/doors.py`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.recording import Observation
from newapi_contract.contract.answers import describe, same_answer
from newapi_contract.contract.doors import (
    applicable,
    doors_of,
    is_refusal,
    never_issued_key,
    road_check,
    scrubbed,
)
from newapi_contract.contract.revocation import LATER_S, DoorWatch, watch
from newapi_contract.contract.verdict import require


def _door_not_applicable(params, target, settings) -> str | None:
    """A door of another generation, or of the thorough profile only: deselected."""
    paged = target.features.paged_list if target.features is not None else None
    reason = applicable(params["door"], target.generation, settings.profile, paged)[1]
    return f"not applicable: {reason}" if reason else None


pytestmark = pytest.mark.not_applicable_if.with_args(_door_not_applicable)


@dataclass
class DoorRun:
    """What every selected door answered before, after and a moment after the one delete."""

    key: str = field(repr=False)
    delete: Answer | None = None
    warm: dict[str, Answer] = field(default_factory=dict)
    watches: dict[str, DoorWatch] = field(default_factory=dict)
    never: dict[str, Answer] = field(default_factory=dict)
    # Each door asked again with a never-issued key, only when a refusal differs from `never`:
    # what differs between two such answers is per-request noise (a gateway's request id).
    never_again: dict[str, Callable[[], Answer]] = field(default_factory=dict, repr=False)
    observation: Observation | None = field(default=None, repr=False)  # shown in each door's report


def _selected(request: pytest.FixtureRequest, generation: str, profile: str) -> list[str]:
    """The doors this run's tests will judge (after --clause, -k, profile and generation)."""
    names = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if item.module is request.module and callspec is not None and "door" in callspec.params:
            name = callspec.params["door"]
            if applicable(name, generation, profile)[1] is None and name not in names:
                names.append(name)
    return names


@pytest.fixture(scope="module")
def door_run(request, token_factory, owner, target, profile, revocation_bound, recorder) -> DoorRun:
    names = _selected(request, target.generation, profile)
    if not names:
        return DoorRun(key="")
    token = token_factory.keyed()
    observation = Observation(recorder, "every door of the relay")
    with observation.recording():
        run = DoorRun(key=token.key(), observation=observation)
        _watch_doors(run, names, token, owner.api, target, profile, revocation_bound)
    return run


def _watch_doors(run: DoorRun, names: list[str], token, api, target, profile, revocation_bound) -> None:
    doors = {name: applicable(name, target.generation, profile)[0] for name in names}

    def sender(name: str):
        return lambda: road_check(doors[name].send(api, run.key), doors[name])

    sends = {name: sender(name) for name in names}
    run.warm = {name: send() for name, send in sends.items()}  # positive control, warm caches
    live = {name: send for name, send in sends.items() if doors[name].accepts(run.warm[name])}
    run.delete = api.delete_token(token.id)
    started = time.monotonic()
    if run.delete.success is not True:
        return
    run.watches = watch(live, started=started, bound_s=revocation_bound, refused=is_refusal)
    stranger = never_issued_key()
    run.never = {name: road_check(doors[name].send(api, stranger), doors[name]) for name in live}
    run.never_again = {
        name: (lambda name=name: road_check(doors[name].send(api, never_issued_key()), doors[name]))
        for name in live
    }


def _bound(seconds: float) -> str:
    return "on the very next request (--revocation-bound 0)" if seconds == 0 else f"within {seconds:g} s"


def _judge(request: pytest.FixtureRequest, run: DoorRun, name: str, target, profile, bound: float) -> None:
    door, reason = applicable(name, target.generation, profile)
    if reason:
        pytest.skip(reason)
    where = f"door {name} ({door.sends})"
    row: dict = {"door": name, "clause": door.clause, "sends": door.sends}
    warm = run.warm[name]
    if not door.accepts(warm):
        request.node.user_properties.append(("revocation", json.dumps({**row, "verdict": "not applicable"})))
        pytest.skip(f"not applicable: {where} answered {describe(warm)} to the live key (positive control)")
    assert run.delete is not None
    require(
        run.delete.success is True,
        expected="the owner's delete of an own token answers success:true",
        observed=describe(run.delete),
        answer=run.delete,
        clause="DEL-OWN-1",
    )
    seen = run.watches[name]
    figures = seen.figures(bound)
    alive, first, later = seen.alive_past(bound), seen.first_refusal, seen.later
    verdict = "revoked" if alive is None and first is not None else "alive past the bound"
    if verdict == "revoked" and later is not None and not later.refused:
        verdict = "accepted again later"
    request.node.user_properties.append(("revocation", json.dumps({**row, **figures, "verdict": verdict})))
    last = seen.probes[-1]
    require(
        alive is None and first is not None,
        expected=f"{where}: the deleted key refused (HTTP 401) {_bound(bound)} of the delete's answer",
        observed=(
            f"accepted {len(seen.accepted)} time(s) after the delete, the last sent "
            f"{last.sent_s * 1000:.0f} ms after its answer: {describe(last.answer)}"
        ),
        answer=last.answer,
    )
    assert later is not None and first is not None
    require(
        later.refused,
        expected=f"{where}: the deleted key still refused {LATER_S} s after the delete",
        observed=f"{later.sent_s:.1f} s after the delete: {describe(later.answer)}",
        answer=later.answer,
    )
    stranger = run.never[name]
    for label, probe in (("first refusal", first), ("a moment later", later)):
        require(
            same_answer(probe.answer, stranger, run.never_again.get(name), normalise=scrubbed),
            expected=f"{where}: the same answer as a never-issued key gets there (up to the request id)",
            observed=f"deleted key ({label}): {describe(probe.answer)}; never-issued: {describe(stranger)}",
            answer=probe.answer,
        )
        require(
            run.key not in probe.answer.text and run.key[-8:] not in probe.answer.text,
            expected=f"{where}: no key text in the refusal",
            observed=f"the answer ({label}) quotes the deleted key",
            answer=probe.answer,
        )


@pytest.mark.clause("DEL-DOOR-1")
@pytest.mark.parametrize("door", doors_of("DEL-DOOR-1"))
def test_deleted_key_is_dead_in_every_authorization_spelling(
    request, door_run, door, target, profile, revocation_bound
):
    _judge(request, door_run, door, target, profile, revocation_bound)


@pytest.mark.clause("DEL-DOOR-2")
@pytest.mark.parametrize("door", doors_of("DEL-DOOR-2"))
def test_deleted_key_is_dead_with_a_channel_suffix(
    request, door_run, door, target, profile, revocation_bound
):
    _judge(request, door_run, door, target, profile, revocation_bound)


@pytest.mark.clause("DEL-DOOR-3")
@pytest.mark.parametrize("door", doors_of("DEL-DOOR-3"))
def test_deleted_key_is_dead_on_the_anthropic_door(
    request, door_run, door, target, profile, revocation_bound
):
    _judge(request, door_run, door, target, profile, revocation_bound)


@pytest.mark.clause("DEL-DOOR-4")
@pytest.mark.parametrize("door", doors_of("DEL-DOOR-4"))
def test_deleted_key_is_dead_on_the_gemini_doors(request, door_run, door, target, profile, revocation_bound):
    _judge(request, door_run, door, target, profile, revocation_bound)


@pytest.mark.clause("DEL-DOOR-5")
@pytest.mark.parametrize("door", doors_of("DEL-DOOR-5"))
def test_deleted_key_is_dead_on_the_websocket_door(
    request, door_run, door, target, profile, revocation_bound
):
    _judge(request, door_run, door, target, profile, revocation_bound)


@pytest.mark.clause("DEL-DOOR-6")
@pytest.mark.parametrize("door", doors_of("DEL-DOOR-6"))
def test_deleted_key_is_dead_on_the_midjourney_door(
    request, door_run, door, target, profile, revocation_bound
):
    _judge(request, door_run, door, target, profile, revocation_bound)
