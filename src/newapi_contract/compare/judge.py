"""Clause verdicts of one step on one server: its checks, judged with the contract's own
helpers (`contract.answers`, `contract.probes`) and the server's generation's row of the
expectations table, so that a server is held to what its generation promises.

A step's verdict per clause is `held` when every check of that clause passed, else `failed`
with the first violation's expected and observed. The release check compares these verdicts
between the servers: a clause that holds on the baseline and fails on the candidate (or the
other way round) is a *contract* difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from newapi_contract.client.api import Answer, token_path
from newapi_contract.compare.scenario import Call, Check, Step
from newapi_contract.contract.answers import (
    NOT_FOUND,
    SHAPE_CLAUSE,
    assert_outcome,
    assert_rejected,
    assert_shape,
    describe,
)
from newapi_contract.contract.doors import DOORS, comparable_refusal
from newapi_contract.contract.expectations import Expectations, Rejection
from newapi_contract.contract.probes import items, require_readable
from newapi_contract.contract.verdict import ClauseViolation, require

__all__ = ["Verdict", "judge_step"]

_DOORS = {door.name: door for door in DOORS}


@dataclass(frozen=True)
class Verdict:
    held: bool
    detail: str = ""  # expected and observed of the first failed check

    @property
    def name(self) -> str:
        return "held" if self.held else "failed"


@dataclass(frozen=True)
class Seen:
    """What the checks of one step read: each call's answer(s) and the step's tokens."""

    answers: Mapping[str, list[Answer]]  # a parallel call has several
    tokens: Mapping[str, Any]  # name -> object with id and key
    expect: Expectations
    not_sent: Mapping[str, str] = field(default_factory=dict)  # call -> why it could not be sent


def _rejection(expect: Expectations, name: str) -> Rejection | None:
    if not hasattr(expect, name):
        raise KeyError(f"no expectation {name!r} in contract.expectations")
    return getattr(expect, name)


def _unreadable(answer: Answer) -> None:
    assert_outcome(answer, success=False, message=NOT_FOUND)


def _listed(answer: Answer, arg: dict[str, Any], seen: Seen) -> None:
    require(
        answer.status == 200 and answer.success is True,
        expected="a list answering success:true",
        observed=describe(answer),
        answer=answer,
    )
    ids = {item.get("id") for item in items(answer)}
    for name in arg.get("has", ()):
        require(
            seen.tokens[name].id in ids,
            expected=f"token {seen.tokens[name].id} listed",
            observed="it is not in the answer",
            answer=answer,
        )
    for name in arg.get("lacks", ()):
        require(
            seen.tokens[name].id not in ids,
            expected=f"token {seen.tokens[name].id} not listed",
            observed="the answer still lists it",
            answer=answer,
        )


def _race(answers: list[Answer]) -> None:
    for answer in answers:
        require(
            answer.status == 200, expected="HTTP 200 for every parallel delete", observed=describe(answer)
        )
        assert_shape(answer)
    successes = [a for a in answers if a.success is True]
    require(
        len(successes) >= 1,
        expected="at least one parallel delete answers success:true",
        observed="; ".join(describe(a) for a in answers),
    )
    others = [a for a in answers if a.success is not True]
    require(
        all(a.message == NOT_FOUND for a in others),
        expected=f'every other delete answers success:false "{NOT_FOUND}"',
        observed="; ".join(describe(a) for a in others),
    )


def _apply(check: Check, call: Call, seen: Seen) -> None:
    """Raise a ClauseViolation if `check` does not hold for `call`'s answer."""
    answers = seen.answers[call.name]
    answer = answers[0]
    kind, arg = check.kind, check.arg
    if kind == "outcome":
        assert_outcome(answer, success=bool(arg["success"]), message=arg.get("message"))
    elif kind == "rejected":
        rejection = _rejection(seen.expect, arg)
        require(rejection is not None, expected=f"a row {arg!r} for the generation", observed="none")
        assert_rejected(answer, rejection)  # type: ignore[arg-type]
    elif kind == "refused_or_success":
        rejection = _rejection(seen.expect, arg)
        if rejection is None:  # the generation ignores it: the credential's user acts
            assert_outcome(answer, success=True, message="")
        else:
            assert_rejected(answer, rejection)
    elif kind == "refused_or_not_found":
        rejection = _rejection(seen.expect, arg)
        if rejection is None:
            assert_outcome(answer, success=False, message=NOT_FOUND)
        else:
            assert_rejected(answer, rejection)
    elif kind == "kept_if_refused":
        token_id = seen.tokens[arg["token"]].id
        if _rejection(seen.expect, arg["rejection"]) is None:
            _unreadable(answer)
        else:
            require_readable(answer, token_id)
    elif kind == "readable":
        require_readable(answer, seen.tokens[arg].id)
    elif kind == "unreadable":
        _unreadable(answer)
    elif kind == "listed":
        _listed(answer, arg, seen)
    elif kind == "redirect":
        wanted = token_path(seen.tokens[arg].id)
        location = urlsplit(answer.headers.get("location", "")).path
        require(
            answer.status == 307 and location == wanted,
            expected=f"HTTP 307 with Location {wanted}",
            observed=f"{describe(answer)}, Location {answer.headers.get('location')!r}",
            answer=answer,
        )
    elif kind == "data":
        require(answer.data == arg, expected=f'"data": {arg}', observed=describe(answer), answer=answer)
    elif kind == "status":
        require(answer.status == arg, expected=f"HTTP {arg}", observed=describe(answer), answer=answer)
    elif kind == "same_as":
        other = seen.answers[arg][0]
        require(
            (answer.status, answer.json) == (other.status, other.json),
            expected=f"the same answer as {arg}",
            observed=f"{describe(answer)}; {arg}: {describe(other)}",
            answer=answer,
        )
    elif kind == "relay_live":
        require(
            _DOORS[arg].accepts(answer),
            expected=f"what a live key gets on {_DOORS[arg].sends}",
            observed=describe(answer),
            answer=answer,
        )
    elif kind == "relay_like":
        other = seen.answers[arg][0]
        require(
            comparable_refusal(answer) == comparable_refusal(other),
            expected=f"a never-issued key refused like the deleted one ({arg}), up to the request id",
            observed=f"{describe(answer)}; {arg}: {describe(other)}",
            answer=answer,
        )
    elif kind == "no_key_text":
        key = seen.tokens[arg].key
        require(
            key not in answer.text and key[-8:] not in answer.text,
            expected="no key text in the answer",
            observed="the answer quotes the key",
            answer=answer,
        )
    elif kind == "race":
        _race(answers)
    else:  # pragma: no cover - scenario.CHECKS lists the kinds
        raise KeyError(kind)


def judge_step(step: Step, seen: Seen) -> dict[str, Verdict]:
    """The step's verdict per clause (see the module doc)."""
    failed: dict[str, str] = {}

    def note(clause: str, violation: ClauseViolation) -> None:
        # A check's failure is its own clause's (a shape problem a check meets included):
        # the verdicts of one step stay comparable between servers.
        if clause not in failed:
            failed[clause] = f"expected: {violation.expected}; observed: {violation.observed}"

    for call in step.calls:
        if call.name not in seen.answers:
            reason = seen.not_sent.get(call.name, "not sent")
            for check in call.expect:
                if check.clause is not None and check.clause not in failed:
                    failed[check.clause] = f"expected: {check.kind} of {call.name}; observed: {reason}"
            continue
        if call.send.method == "DELETE":
            for answer in seen.answers[call.name]:
                if not 300 <= answer.status < 400:
                    try:
                        assert_shape(answer)
                    except ClauseViolation as violation:
                        note(SHAPE_CLAUSE, violation)
        for check in call.expect:
            if check.clause is None:
                continue
            try:
                _apply(check, call, seen)
            except ClauseViolation as violation:
                note(check.clause, violation)
    return {clause: Verdict(clause not in failed, failed.get(clause, "")) for clause in step.clauses}
