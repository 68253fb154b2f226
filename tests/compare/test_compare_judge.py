"""Clause verdicts of a step on hand-made answers (`compare.judge`): each server is held to
its own generation's row of the expectations table."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.compare.judge import REGISTRY, Checked, Seen, check, judge_step
from newapi_contract.compare.scenario import CHECKS, load_scenario
from newapi_contract.contract.expectations import for_generation

STEPS = {step.id: step for step in load_scenario()}


@dataclass(frozen=True)
class Token:
    id: int
    name: str = "nac-x-001abcd"
    key: str | None = None


def reply(body: Any, status: int = 200, **headers: str) -> list[Answer]:
    text = json.dumps(body) if body is not None else ""
    all_headers = (
        {"content-type": "application/json; charset=utf-8", **headers} if body is not None else headers
    )
    return [Answer(status, httpx.Headers(all_headers), text, body)]


TOKEN = {"success": True, "message": "", "data": {"id": 5, "name": "nac-x-001abcd"}}
GONE = {"success": False, "message": "record not found"}
DELETED = {"success": True, "message": ""}


def verdicts(
    step_id: str, generation: str, answers: dict[str, list[Answer]], **not_sent: str
) -> dict[str, str]:
    seen = Seen(answers, {"t": Token(5), "u": Token(6)}, for_generation(generation), not_sent)
    return {clause: v.name for clause, v in judge_step(STEPS[step_id], seen).items()}


def test_new_api_user_missing_legacy_refuses_current_ignores() -> None:
    refused = reply({"success": False, "message": "Unauthorized, New-Api-User header not provided"}, 401)
    legacy = {"delete": refused, "get-after": reply(TOKEN)}
    current = {"delete": reply(DELETED), "get-after": reply(GONE)}
    assert verdicts("auth-new-api-user-missing", "legacy", legacy) == {
        "DEL-AUTH-4": "held",
        "DEL-SHAPE-1": "held",
    }
    assert verdicts("auth-new-api-user-missing", "current", current)["DEL-AUTH-4"] == "held"
    # A legacy server that ignores the header, or a current one that refuses, breaks it.
    assert verdicts("auth-new-api-user-missing", "legacy", current)["DEL-AUTH-4"] == "failed"
    assert verdicts("auth-new-api-user-missing", "current", legacy)["DEL-AUTH-4"] == "failed"


def test_a_delete_answer_that_is_not_json_fails_the_shape_clause_too() -> None:
    broken = [Answer(500, httpx.Headers({"content-type": "text/html"}), "<h1>oops</h1>", None)]
    found = verdicts("second-delete", "current", {"delete": broken, "delete-again": reply(GONE)})
    assert found == {"DEL-AGAIN-1": "failed", "DEL-SHAPE-1": "failed"}


def test_a_redirect_is_not_judged_for_its_shape_and_a_call_not_sent_fails_its_checks() -> None:
    redirect = reply(None, 307, location="/api/token/5")
    ok = verdicts(
        "trailing-slash",
        "legacy",
        {"delete-slash": redirect, "follow": reply(DELETED), "get-after": reply(GONE)},
    )
    assert ok == {"DEL-SLASH-1": "held", "DEL-SHAPE-1": "held"}
    answered = reply(DELETED)
    found = verdicts(
        "trailing-slash",
        "legacy",
        {"delete-slash": answered, "get-after": reply(GONE)},
        follow="delete-slash answered no Location to follow",
    )
    assert found["DEL-SLASH-1"] == "failed"


def test_each_check_fails_its_own_clause() -> None:
    seen = {
        "get-before": reply(TOKEN),
        "list-before": reply({"success": True, "message": "", "data": {"items": []}}),
        "search-before": reply({"success": True, "message": "", "data": {"items": [{"id": 5}]}}),
        "delete": reply(DELETED),
        "get-after": reply(GONE),
        "list-after": reply({"success": True, "message": "", "data": {"items": [{"id": 6}]}}),
        "search-after": reply({"success": True, "message": "", "data": {"items": []}}),
    }
    found = verdicts("own-delete", "current", seen)
    # The list lacked t (and u) before the delete: DEL-OWN-3 alone fails.
    assert found == {
        "DEL-OWN-2": "held",
        "DEL-OWN-3": "failed",
        "DEL-OWN-4": "held",
        "DEL-OWN-1": "held",
        "DEL-SHAPE-1": "held",
    }


def test_every_check_a_scenario_can_name_has_exactly_one_implementation() -> None:
    # One home for the list: the scenario's kinds are the registry's, each with its function.
    assert {name: kind.arg for name, kind in REGISTRY.items()} == CHECKS
    assert all(kind.name == name and callable(kind.run) for name, kind in REGISTRY.items())
    functions = [kind.run for kind in REGISTRY.values()]
    assert len(set(functions)) == len(functions), "one function is registered under two names"
    used = {check.kind for step in load_scenario() for call in step.calls for check in call.expect}
    assert used <= set(REGISTRY), used - set(REGISTRY)
    assert set(REGISTRY) - used == set(), "a registered check no step uses"


def test_a_second_implementation_of_a_check_is_refused() -> None:
    with pytest.raises(ValueError, match="'status' is registered twice"):

        @check("status", int)
        def _another_status(c: Checked) -> None: ...

    assert REGISTRY["status"].run.__name__ == "_status"  # the first one stays
