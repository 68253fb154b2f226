"""Clause verdicts of one step on one server: its checks, judged with the contract's own
helpers (`contract.answers`, `contract.probes`) and the server's generation's row of the
expectations table, so that a server is held to what its generation promises.

Each kind of check is one small function registered by name with `@check` (`REGISTRY`);
the kinds a scenario may name (`scenario.CHECKS`) are read from it.

A step's verdict per clause is `held` when every check of that clause passed, else `failed`
with the first violation's expected and observed. The release check compares these verdicts
between the servers: a clause that holds on the baseline and fails on the candidate (or the
other way round) is a *contract* difference.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from newapi_contract.client.api import Answer, token_path
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

if TYPE_CHECKING:  # scenario reads its CHECKS from the registry here
    from newapi_contract.compare.scenario import Call, Check, Step

__all__ = ["REGISTRY", "CheckKind", "Checked", "Verdict", "check", "judge_step"]

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


# The registry of check kinds: one small function a kind, registered by name with `@check`
# (like the generated layer's `@schemathesis.check`). `scenario.CHECKS`, the kinds a scenario
# may name and the type of their argument, is read from it: the list has this one home.


@dataclass(frozen=True)
class Checked:
    """What a check reads: its argument, the answers of its call (a parallel call has
    several) and everything the step saw."""

    arg: Any
    answers: list[Answer]
    seen: Seen

    @property
    def answer(self) -> Answer:
        return self.answers[0]

    def token(self, name: str) -> Any:
        return self.seen.tokens[name]

    def rejection(self, name: str) -> Rejection | None:
        return _rejection(self.seen.expect, name)


CheckFunction = Callable[[Checked], None]


@dataclass(frozen=True)
class CheckKind:
    name: str
    arg: type  # what the check's argument is in scenario.yaml
    run: CheckFunction


REGISTRY: dict[str, CheckKind] = {}


def check(name: str, arg: type) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the one implementation of check kind `name`."""

    def register(function: CheckFunction) -> CheckFunction:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice ({REGISTRY[name].run.__name__})")
        REGISTRY[name] = CheckKind(name, arg, function)
        return function

    return register


@check("outcome", dict)
def _outcome(c: Checked) -> None:
    """{success: bool, message: str (optional)}"""
    assert_outcome(c.answer, success=bool(c.arg["success"]), message=c.arg.get("message"))


@check("rejected", str)
def _rejected(c: Checked) -> None:
    """A Rejection of contract.expectations (the server's generation's row)."""
    rejection = c.rejection(c.arg)
    require(rejection is not None, expected=f"a row {c.arg!r} for the generation", observed="none")
    assert_rejected(c.answer, rejection)  # type: ignore[arg-type]


@check("refused_or_success", str)
def _refused_or_success(c: Checked) -> None:
    """That Rejection, or (a generation that has none) success."""
    rejection = c.rejection(c.arg)
    if rejection is None:  # the generation ignores it: the credential's user acts
        assert_outcome(c.answer, success=True, message="")
    else:
        assert_rejected(c.answer, rejection)


@check("refused_or_not_found", str)
def _refused_or_not_found(c: Checked) -> None:
    """That Rejection, or "record not found"."""
    rejection = c.rejection(c.arg)
    if rejection is None:
        assert_outcome(c.answer, success=False, message=NOT_FOUND)
    else:
        assert_rejected(c.answer, rejection)


@check("kept_if_refused", dict)
def _kept_if_refused(c: Checked) -> None:
    """{rejection, token}: readable if refused, else gone."""
    if c.rejection(c.arg["rejection"]) is None:
        _unreadable(c.answer)
    else:
        require_readable(c.answer, c.token(c.arg["token"]).id)


@check("readable", str)
def _readable(c: Checked) -> None:
    """A token of the step, read back."""
    require_readable(c.answer, c.token(c.arg).id)


@check("unreadable", str)
def _unreadable_check(c: Checked) -> None:
    """A token of the step, not found."""
    _unreadable(c.answer)


@check("listed", dict)
def _listed(c: Checked) -> None:
    """{has: [tokens], lacks: [tokens]}"""
    answer, arg, seen = c.answer, c.arg, c.seen
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


@check("redirect", str)
def _redirect(c: Checked) -> None:
    """307 to the token's path."""
    answer = c.answer
    wanted = token_path(c.token(c.arg).id)
    location = urlsplit(answer.headers.get("location", "")).path
    require(
        answer.status == 307 and location == wanted,
        expected=f"HTTP 307 with Location {wanted}",
        observed=f"{describe(answer)}, Location {answer.headers.get('location')!r}",
        answer=answer,
    )


@check("data", int)
def _data(c: Checked) -> None:
    require(c.answer.data == c.arg, expected=f'"data": {c.arg}', observed=describe(c.answer), answer=c.answer)


@check("status", int)
def _status(c: Checked) -> None:
    require(c.answer.status == c.arg, expected=f"HTTP {c.arg}", observed=describe(c.answer), answer=c.answer)


@check("same_as", str)
def _same_as(c: Checked) -> None:
    """An earlier call: the same status and JSON body."""
    answer, other = c.answer, c.seen.answers[c.arg][0]
    require(
        (answer.status, answer.json) == (other.status, other.json),
        expected=f"the same answer as {c.arg}",
        observed=f"{describe(answer)}; {c.arg}: {describe(other)}",
        answer=answer,
    )


@check("relay_live", str)
def _relay_live(c: Checked) -> None:
    """A door: what a live key gets there."""
    door = _DOORS[c.arg]
    require(
        door.accepts(c.answer),
        expected=f"what a live key gets on {door.sends}",
        observed=describe(c.answer),
        answer=c.answer,
    )


@check("relay_like", str)
def _relay_like(c: Checked) -> None:
    """An earlier relay call: the same refusal up to the request id."""
    answer, other = c.answer, c.seen.answers[c.arg][0]
    require(
        comparable_refusal(answer) == comparable_refusal(other),
        expected=f"a never-issued key refused like the deleted one ({c.arg}), up to the request id",
        observed=f"{describe(answer)}; {c.arg}: {describe(other)}",
        answer=answer,
    )


@check("no_key_text", str)
def _no_key_text(c: Checked) -> None:
    """The token's key is not quoted."""
    key = c.token(c.arg).key
    require(
        key not in c.answer.text and key[-8:] not in c.answer.text,
        expected="no key text in the answer",
        observed="the answer quotes the key",
        answer=c.answer,
    )


@check("race", bool)
def _race(c: Checked) -> None:
    """Parallel deletes: one wins, the others find nothing."""
    answers = c.answers
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
    REGISTRY[check.kind].run(Checked(check.arg, seen.answers[call.name], seen))


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
