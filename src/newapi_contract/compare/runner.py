"""The release check's runner: the scenario sent to two servers, step for step, each server
through a `RunContext` of its own (its ledger, guard, pacer, road, recorder and cleanup, as
`run` has them), each step on tokens made for it.

Every step goes to the baseline, to the candidate, then to the baseline again (Diffy's
second primary: what differs between the baseline's two answers is noise). A step whose
request the road kept from an answer (429s past the waiting budget, network faults, a
proxy's 502, a lost answer) on any of the three is *unverified*: it is shown, never counted
as a difference. Only `throttled-search`'s call sees a 429 on purpose (`until_throttled`):
it sends without waiting, and the server's first refusal is its answer.
"""

from __future__ import annotations

import contextvars
import json
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from newapi_contract.client.api import Answer, NewApi, token_path
from newapi_contract.client.ids import is_harmless, plausible_targets
from newapi_contract.client.pacing import Pacer
from newapi_contract.client.recording import Exchange
from newapi_contract.client.transport import build_client
from newapi_contract.compare.classify import StepResult, clause_changes, differences, view
from newapi_contract.compare.judge import Seen, Verdict, judge_step
from newapi_contract.compare.normalise import comparable
from newapi_contract.compare.scenario import Call, Step, TokenSpec, render
from newapi_contract.compare.targets import TargetSpec
from newapi_contract.contract.doors import DOORS, is_refusal, never_issued_key, road_check
from newapi_contract.contract.expectations import for_generation
from newapi_contract.contract.revocation import refused_within
from newapi_contract.errors import GuardRefusal, RoadFault, TargetError, UsageError
from newapi_contract.run.bootstrap import block_cookies
from newapi_contract.run.context import Actor, RunContext
from newapi_contract.run.tokens import TokenFactory

__all__ = ["Observed", "Side", "compare_step", "observe"]

_DOORS = {door.name: door for door in DOORS}


@dataclass(frozen=True)
class Made:
    """A token made for a step: its id, its name, its key (when revealed)."""

    id: int
    name: str
    key: str | None = field(default=None, repr=False)


@dataclass
class CallSeen:
    """One call as one server answered it: the normalised answer(s) and the exchanges."""

    trees: list[dict[str, Any]]
    exchanges: list[Exchange]
    not_sent: str | None = None
    key_of: int | None = None  # the token whose relay key it sent (its curl says $NEWAPI_TOKEN_KEY)


@dataclass
class Observed:
    """One step on one server."""

    calls: dict[str, CallSeen] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    unverified: str | None = None

    def view(self, call: str) -> dict[str, Any]:
        seen = self.calls.get(call)
        if seen is None:
            return {}
        if seen.not_sent is not None:
            return {"not sent": seen.not_sent}
        return view(seen.trees)


class Side:
    """One server of the comparison and the run's objects for it."""

    def __init__(self, role: str, spec: TargetSpec, ctx: RunContext) -> None:
        self.role = role
        self.spec = spec
        self.ctx = ctx
        self._factory: TokenFactory | None = None

    def start(self) -> None:
        self.ctx.start()
        if self.ctx.peer is None:
            raise UsageError(
                f"{self.role} {self.spec.text}: the comparison needs a second non-root user: set "
                f"NEWAPI_{self.role.upper()}_PEER_ACCESS_TOKEN and _PEER_USER_ID (or root's login)"
            )
        assert self.ctx.owner is not None
        self._factory = TokenFactory(self.ctx, self.ctx.owner)

    @property
    def generation(self) -> str:
        assert self.ctx.target is not None
        return self.ctx.target.generation

    @property
    def factory(self) -> TokenFactory:
        assert self._factory is not None, "Side.start() first"
        return self._factory

    def actor(self, role: str) -> Actor:
        actor = self.ctx.owner if role == "owner" else self.ctx.peer
        assert actor is not None
        return actor

    def users(self) -> dict[str, int]:
        return {role: self.actor(role).user_id for role in ("owner", "peer")}

    def describe(self) -> dict[str, Any]:
        target = self.ctx.target
        return {
            "target": self.spec.text,
            "base_url": target.base_url if target else self.spec.base_url,
            "embedded": self.spec.embedded,
            "generation": target.generation if target else None,
            "version": target.version if target else None,
            "faults": list(self.spec.faults),
            "run_prefix": self.ctx.run_prefix,
            "requests": self.ctx.pacer.sent,
            "throttled": self.ctx.pacer.throttled,
            "pacing_waited_s": round(self.ctx.pacer.waited_s, 1),
            "road_faults": dict(self.ctx.road.faults),
        }


# -- making a step's tokens -------------------------------------------------------------------
def _safe_for(step: Step, spec: TokenSpec, side: Side) -> Callable[[int], bool] | None:
    """For a token that odd ids are built on: only ids whose every misreading (an octal
    `00N`, a truncated `N.5`...) names a token of the run (`client.ids.plausible_targets`)."""
    templates = [c.send.id for c in step.calls if c.send.method == "DELETE" and c.send.id]
    templates = [t for t in templates if "{" + spec.name in t]
    if not templates:
        return None
    knows = side.ctx.ledger.knows
    users = side.users()

    def safe(n: int) -> bool:
        for template in templates:
            try:
                segment = str(render(template, {spec.name: Made(n, "")}, users))
            except KeyError:
                return True  # names another token too: the guard still judges it
            if not all(is_harmless(t) or knows(t) for t in plausible_targets(segment)):
                return False
        return True

    return safe


def _make_tokens(step: Step, side: Side) -> dict[str, Made]:
    made: dict[str, Made] = {}
    for spec in step.tokens:
        actor = side.actor(spec.role)
        try:
            ref = side.factory(actor, where=_safe_for(step, spec, side))
        except (RuntimeError, LookupError) as exc:
            raise TargetError(f"could not make the step's token {spec.name}: {exc}") from None
        made[spec.name] = Made(ref.id, ref.name, ref.key() if spec.reveal else None)
    return made


# -- sending one call ---------------------------------------------------------------------------
def _headers(call: Call, actor: Actor, tokens: dict[str, Made], users: dict[str, int]) -> dict[str, str]:
    send = call.send
    token = actor.creds.access_token
    forms = {
        "bearer": f"Bearer {token}",
        "raw": token,
        "unknown-bearer": f"Bearer {secrets.token_urlsafe(24)}",
        "unknown-raw": secrets.token_urlsafe(24),
    }
    headers: dict[str, str] = {}
    if send.auth == "relay-key":
        headers["Authorization"] = f"Bearer sk-{tokens[send.key or ''].key}"
    elif send.auth in forms:
        headers["Authorization"] = forms[send.auth]
    if send.new_api_user is None:
        headers["New-Api-User"] = str(actor.user_id)
    elif send.new_api_user != "absent":
        headers["New-Api-User"] = str(render(send.new_api_user, tokens, users))
    return headers


def _until_throttled(
    side: Side, api: NewApi, path: str, params: Any, headers: dict[str, str], n: int
) -> Answer:
    """Send up to n times through the guarded stack with a pacer that never waits; the first
    429 (read back from the recorder) is the answer. The run's pacer still counts each one."""
    ctx = side.ctx
    assert ctx.guard is not None and ctx.target is not None
    client = build_client(
        ctx.target.base_url,
        guard=ctx.guard,
        pacer=Pacer(None, budget_s=0.0),
        recorder=ctx.recorder,
        redactor=ctx.redactor,
        road=ctx.road,
        timeout=ctx.settings.timeout,
    )
    block_cookies(client)
    eager = NewApi(client, api.creds)
    answer: Answer | None = None
    try:
        for _ in range(n):
            ctx.pacer.acquire(("global",))
            answer = eager.call("GET", path, params=params, headers=headers, auth=False)
    except RoadFault as fault:
        if fault.kind != "throttled":
            raise
        refused = next(e for e in reversed(ctx.recorder.history()) if e.status == 429)
        text = refused.response_body
        try:
            decoded = json.loads(text) if text else None
        except ValueError:
            decoded = None
        return Answer(429, httpx.Headers(refused.response_headers), text, decoded)
    finally:
        client.close()
    assert answer is not None
    return answer


def _send(
    side: Side,
    call: Call,
    tokens: dict[str, Made],
    earlier: dict[str, list[Answer]],
    revocation_bound_s: float,
) -> list[Answer]:
    send = call.send
    actor = side.actor(call.actor)
    api = actor.api
    users = side.users()
    if send.relay is not None:
        door = _DOORS[send.relay]
        key = never_issued_key() if send.key == "never" else tokens[send.key or ""].key
        assert key is not None

        def once() -> Answer:
            return road_check(door.send(api, key), door)

        if send.within_bound:
            return [refused_within(once, revocation_bound_s, is_refusal)]
        return [once()]
    if send.follow is not None:
        path = urlsplit(earlier[send.follow][0].headers.get("location", "")).path
    elif send.id is not None:
        path = token_path(render(send.id, tokens, users), send.suffix)
    else:
        path = str(send.path)
    headers = _headers(call, actor, tokens, users)
    params = render(send.query, tokens, users) or None
    body = render(send.json, tokens, users)
    if send.until_throttled:
        return [_until_throttled(side, api, path, params, headers, send.until_throttled)]

    def once_call() -> Answer:
        return api.call(send.method, path, json=body, params=params, headers=headers, auth=False)

    if send.parallel > 1:
        with ThreadPoolExecutor(send.parallel) as pool:
            futures = [pool.submit(contextvars.copy_context().run, once_call) for _ in range(send.parallel)]
            return [f.result() for f in futures]
    return [once_call()]


def _not_sendable(call: Call, earlier: dict[str, list[Answer]]) -> str | None:
    if call.send.follow is not None:
        answers = earlier.get(call.send.follow)
        if not answers or not answers[0].headers.get("location"):
            return f"{call.send.follow} answered no Location to follow"
    return None


def observe(side: Side, step: Step, scope: str, revocation_bound_s: float) -> Observed:
    """One step on one server: tokens made, every call sent, answers normalised, judged."""
    seen = Observed()
    answers: dict[str, list[Answer]] = {}
    tokens: dict[str, Made] = {}
    recorder = side.ctx.recorder
    with recorder.scope(scope):
        try:
            tokens = _make_tokens(step, side)
            recorder.take(scope)  # the set-up's exchanges are not the step's
            for call in step.calls:
                reason = _not_sendable(call, answers)
                if reason is None:
                    answers[call.name] = _send(side, call, tokens, answers, revocation_bound_s)
                relay = call.send.relay is not None
                trees = [
                    comparable(a.status, a.headers, a.text, tokens, side.users(), relay=relay)
                    for a in answers.get(call.name, [])
                ]
                made = tokens.get(call.send.key or "")
                key_of = made.id if made is not None else None
                seen.calls[call.name] = CallSeen(trees, recorder.take(scope), reason, key_of)
        except RoadFault as fault:
            seen.unverified = f"{fault.kind}: {fault}"
        except GuardRefusal as refusal:
            seen.unverified = f"refused by the guard (never sent): {refusal}"
        except TargetError as exc:
            seen.unverified = f"set-up failed: {exc}"
    if seen.unverified is None:
        expect = for_generation(side.generation)
        not_sent = {name: c.not_sent for name, c in seen.calls.items() if c.not_sent}
        seen.verdicts = judge_step(step, Seen(answers, tokens, expect, not_sent))
    return seen


def compare_step(step: Step, baseline: Observed, second: Observed, candidate: Observed) -> StepResult:
    """The three observations of a step, classified (`classify`)."""
    result = StepResult(step.id, step.title, step.clauses)
    for seen, label in ((baseline, "baseline"), (candidate, "candidate"), (second, "baseline (second)")):
        if seen.unverified is not None:
            result.unverified = f"{label}: {seen.unverified}"
            return result
    for call in step.calls:
        if not call.compared:
            continue  # only its clause verdict counts (see scenario.Call.compared)
        result.differences += differences(
            call.name, baseline.view(call.name), second.view(call.name), candidate.view(call.name)
        )
    result.changes, result.noisy_clauses = clause_changes(
        baseline.verdicts, second.verdicts, candidate.verdicts
    )
    return result
