"""Telling differences apart without servers (`compare.classify`): noise is what the
baseline's two passes disagree on; the rest is contract, shape or text."""

from __future__ import annotations

from typing import Any

import pytest

from newapi_contract.compare.classify import (
    StepResult,
    clause_changes,
    differences,
    exit_code,
    group_changes,
    view,
)
from newapi_contract.compare.judge import Verdict
from newapi_contract.compare.normalise import ABSENT


def answer(body: Any, status: int = 200, **headers: str) -> dict[str, Any]:
    return view([{"status": status, "headers": headers, "body": body}])


def kinds(found) -> dict[str, str]:
    return {d.where: d.kind for d in found}


def test_the_same_answer_three_times_is_no_difference() -> None:
    a = answer({"success": True, "message": ""})
    assert differences("delete", a, a, a) == []


def test_status_keys_types_and_headers_are_shape_and_wording_is_text() -> None:
    legacy = answer({"success": False, "message": "Unauthorized, invalid access token"})
    current = answer(
        {"success": False, "message": "Unauthorized, invalid access token (令牌无效)", "code": "X"},
        401,
        **{"retry-after": "60"},
    )
    found = kinds(differences("delete", legacy, legacy, current))
    assert found == {
        "status": "shape",
        "header:retry-after": "shape",
        "body.message": "text",
        "body.code": "shape",
    }


def test_a_message_that_changes_type_or_vanishes_is_shape() -> None:
    a = answer({"message": "record not found"})
    assert kinds(differences("c", a, a, answer({"message": 1}))) == {"body.message": "shape"}
    assert kinds(differences("c", a, a, answer({}))) == {"body.message": "shape"}


def test_what_the_baseline_disagrees_on_with_itself_is_noise() -> None:
    first = answer({"data": {"count": 1, "id": "<t>"}})
    second = answer({"data": {"count": 2, "id": "<t>"}})
    candidate = answer({"data": {"count": 3, "id": "<u>"}})
    found = {d.where: d for d in differences("c", first, second, candidate)}
    assert found["body.data.count"].kind == "noise" and found["body.data.count"].second == 2
    assert found["body.data.id"].kind == "shape"


def test_a_vanished_subtree_is_one_place_and_shape_even_with_noise_inside() -> None:
    first = answer({"success": True, "data": {"id": "<t>", "accessed": 1, "name": "<t.name>"}})
    second = answer({"success": True, "data": {"id": "<t>", "accessed": 2, "name": "<t.name>"}})
    gone = answer({"success": False, "message": "record not found"})
    found = differences("get", first, second, gone)
    assert [(d.where, d.kind) for d in found] == [
        ("body.success", "shape"),
        ("body.data", "shape"),
        ("body.message", "shape"),
    ]
    assert found[1].candidate == ABSENT


def test_a_key_the_baseline_only_sometimes_has_is_noise() -> None:
    with_key, without = answer({"a": 1, "b": 2}), answer({"a": 1})
    assert kinds(differences("c", with_key, without, without)) == {"body.b": "noise"}


def test_parallel_answers_are_compared_as_a_set() -> None:
    ok = {"status": 200, "headers": {}, "body": {"success": True}}
    nf = {"status": 200, "headers": {}, "body": {"success": False}}
    assert view([ok, nf, nf]) == view([nf, ok, nf]) == view([nf, nf, ok])
    assert differences("deletes", view([ok, nf, nf]), view([nf, nf, ok]), view([nf, ok, nf])) == []


HELD, FAILED = Verdict(True), Verdict(False, "expected: x; observed: y")


def test_a_changed_verdict_is_a_contract_change_and_a_disputed_one_noise() -> None:
    changes, noisy = clause_changes(
        {"DEL-OWN-2": HELD, "DEL-RACE-1": HELD, "DEL-SHAPE-1": HELD},
        {"DEL-OWN-2": HELD, "DEL-RACE-1": FAILED, "DEL-SHAPE-1": HELD},
        {"DEL-OWN-2": FAILED, "DEL-RACE-1": FAILED, "DEL-SHAPE-1": HELD},
    )
    assert [(c.clause, c.baseline, c.candidate, c.detail) for c in changes] == [
        ("DEL-OWN-2", "held", "failed", "expected: x; observed: y")
    ]
    assert noisy == ["DEL-RACE-1"]
    fixed, _ = clause_changes({"X": FAILED}, {"X": FAILED}, {"X": HELD})
    assert [(c.baseline, c.candidate) for c in fixed] == [("failed", "held")]


def result(*kinds_: str, unverified: str | None = None) -> StepResult:
    from newapi_contract.compare.classify import ClauseChange, Difference

    step = StepResult("s", "t", [], unverified=unverified)
    for kind in kinds_:
        if kind == "contract":
            step.changes.append(ClauseChange("DEL-OWN-1", "held", "failed", ""))
        else:
            step.differences.append(Difference("c", f"body.{kind}", 1, 2, 1, kind))
    return step


@pytest.mark.parametrize(
    ("steps", "allowed", "code"),
    [
        ([result()], (), 0),
        ([result("noise")], (), 0),
        ([result("text")], (), 1),
        ([result("text")], ("text",), 0),
        ([result("shape", "text")], ("shape",), 1),  # the text change still counts
        ([result("shape", "text")], ("shape", "text"), 0),
        ([result("contract")], ("shape", "text"), 1),  # never allowed
        ([result(unverified="throttled: ...")], (), 3),
        ([result(unverified="network: ..."), result("shape")], (), 1),  # a real change wins
        ([result(unverified="lost: ..."), result("text")], ("text",), 3),
    ],
)
def test_exit_codes(steps, allowed, code) -> None:
    assert exit_code(steps, allowed) == code


def test_a_step_is_classed_by_its_most_serious_kind() -> None:
    assert result("text", "shape", "noise").kind == "shape"
    assert result("noise").kind == "noise"
    assert result("contract", "text").kind == "contract"
    assert result().kind == "same"
    assert result("shape", unverified="x").kind == "unverified"


def test_changes_are_grouped_across_steps_whatever_the_token_names() -> None:
    from newapi_contract.compare.classify import Difference

    one = StepResult("a", "", [])
    one.differences = [
        Difference("get", "body.data.items[0].auto_groups", ABSENT, None, ABSENT, "shape"),
        Difference("get", "body.data", {"id": "<t>"}, ABSENT, {"id": "<t>"}, "shape"),
        Difference("get", "body.data.accessed_time", 1, 2, 3, "noise"),
    ]
    two = StepResult("b", "", [])
    two.differences = [
        Difference("list", "body.data.items[1].auto_groups", ABSENT, None, ABSENT, "shape"),
        Difference("owner-get", "body.data", {"id": "<mine>"}, ABSENT, {"id": "<mine>"}, "shape"),
    ]
    changes = group_changes([one, two], {"a": ["t"], "b": ["mine"]})
    assert [(c.kind, c.where, c.baseline, c.seen_in) for c in changes] == [
        ("shape", "body.data.items[].auto_groups", ABSENT, [("a", "get"), ("b", "list")]),
        ("shape", "body.data", {"id": "<token>"}, [("a", "get"), ("b", "owner-get")]),
    ]


def test_who_wins_parallel_deletes_is_no_difference_of_the_step() -> None:
    from newapi_contract.compare.runner import CallSeen, Observed, compare_step
    from newapi_contract.compare.scenario import load_scenario

    step = next(s for s in load_scenario() if s.id == "parallel-deletes")
    ok = {"status": 200, "headers": {}, "body": {"success": True, "message": ""}}
    nf = {"status": 200, "headers": {}, "body": {"success": False, "message": "record not found"}}
    gone = {"status": 200, "headers": {}, "body": {"success": False, "message": "record not found"}}

    def seen(deletes: list) -> Observed:
        calls = {
            "deletes": CallSeen(deletes, []),
            "get-after": CallSeen([gone], []),
            "get-neighbour": CallSeen([ok], []),
        }
        return Observed(calls=calls, verdicts={"DEL-RACE-1": HELD})

    # Upstream may let every parallel delete succeed (ref §3): one or three winners, same step.
    result = compare_step(step, seen([ok, nf, nf]), seen([ok, nf, nf]), seen([ok, ok, ok]))
    assert result.kind == "same"
