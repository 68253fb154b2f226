"""The scenario as data (`compare/scenario.yaml`, `compare.scenario`): it loads, covers every
kind of request the clause tests send, and a broken document is refused with its place."""

from __future__ import annotations

import dataclasses
import importlib.util
from types import ModuleType

import pytest
import yaml

from newapi_contract.compare.scenario import NEVER_EXISTED, load_scenario, parse_scenario, render
from newapi_contract.contract.clauses import load_clauses
from newapi_contract.contract.doors import DOORS
from newapi_contract.contract.expectations import TABLE
from newapi_contract.errors import InputError
from newapi_contract.paths import CONTRACTS_DIR

# Clauses about the whole run rather than a kind of request: generated cases, the lifecycle
# state machine, latency budgets. The scenario sends what their tests send, step by step.
NOT_A_STEP = {"DEL-GEN-1", "DEL-GEN-2", "DEL-STATE-1", "DEL-LAT-1", "DEL-LAT-2", "DEL-LAT-3", "DEL-LAT-4"}
# The audit judges the whole run's world against its model at its end (contract.audit): no step.
# DEL-ALL-4 (a batch's full effect: list, search, keys) has none yet: the scenario's batch step
# judges DEL-BATCH-1's answer and GETs only.
NOT_A_STEP |= {"DEL-ALL-1", "DEL-ALL-2", "DEL-ALL-3", "DEL-ALL-4", "DEL-ALL-5"}


def _odd_id_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("odd_ids_of_contracts", CONTRACTS_DIR / "test_odd_ids.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclasses.dataclass(frozen=True)
class Token:
    id: int
    name: str = "nac-x-001"
    key: str | None = None


def test_every_clause_about_a_request_has_a_step() -> None:
    checked = {clause for step in load_scenario() for clause in step.clauses}
    assert checked == set(load_clauses()) - NOT_A_STEP


def test_the_odd_ids_are_those_of_the_clause_tests() -> None:
    module = _odd_id_module()
    n = 37
    theirs = {
        label: module.odd_id(form, n)
        for table in (module.UNPARSABLE, module.NOT_FOUND_IDS, module.SAME_TOKEN_FORMS)
        for label, form in table.items()
    }
    ours = {}
    for step in load_scenario():
        if step.id.startswith("odd-id-"):
            (delete,) = [c for c in step.calls if c.send.method == "DELETE"]
            ours[step.id.removeprefix("odd-id-")] = str(
                render(delete.send.id, {"n": Token(n), "t": Token(n)}, {})
            )
    assert ours == theirs


def test_doors_rejections_and_references_exist() -> None:
    doors = {door.name for door in DOORS}
    rows = {f.name for f in dataclasses.fields(TABLE["legacy"])}
    for step in load_scenario():
        for call in step.calls:
            assert call.send.relay is None or call.send.relay in doors, (step.id, call.name)
            for check in call.expect:
                if check.kind in ("rejected", "refused_or_success", "refused_or_not_found"):
                    assert check.arg in rows, (step.id, call.name)
                if check.kind in ("same_as", "relay_like"):
                    earlier = [c.name for c in step.calls[: step.calls.index(call)]]
                    assert check.arg in earlier, (step.id, call.name)


def test_the_search_limit_is_provoked_first() -> None:
    # While the IP's /api allowance is untouched, so the 429 is the search limiter's.
    first = load_scenario()[0]
    assert first.id == "throttled-search" and first.calls[0].send.until_throttled > 10


def test_render_keeps_types_and_builds_the_odd_forms() -> None:
    tokens = {"t": Token(26, "nac-a-001", "K" * 48)}
    users = {"owner": 2, "peer": 3}
    assert render({"ids": ["{t}", "{never}"]}, tokens, users) == {"ids": [26, NEVER_EXISTED]}
    assert render("0x{t.hex}/{t.name}/{owner}", tokens, users) == "0x1a/nac-a-001/2"
    assert render("{t.arabic}", tokens, users) == "%D9%A2%D9%A6"
    assert render("{t.overflow}", tokens, users) - 26 == 5421010862 * 2**64


def _step(**fields) -> dict:
    return {"id": "s", "calls": [{"name": "c", "send": {"method": "GET", "path": "/api/token/"}}], **fields}


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ({"nope": []}, "expected `steps:`"),
        ({"steps": [_step(colour="red")]}, "unknown keys ['colour']"),
        ({"steps": [_step(tokens={"t": "admin"})]}, "token 't'"),
        ({"steps": [_step(calls=[{"name": "c", "send": {"path": "/x", "wat": 1}}])]}, "unknown keys ['wat']"),
        ({"steps": [_step(calls=[{"name": "c", "send": {"id": "{t}"}}])]}, "{t} is no token of the step"),
        (
            {
                "steps": [
                    _step(tokens={"t": "owner"}, calls=[{"name": "c", "send": {"relay": "raw", "key": "t"}}])
                ]
            },
            "declare the token as `name!`",
        ),
        (
            {"steps": [_step(calls=[{"name": "c", "send": {"path": "/x"}, "expect": [{"vibes": 1}]}])]},
            "a check names one of",
        ),
        (
            {"steps": [_step(calls=[{"name": "c", "send": {"path": "/x"}, "expect": [{"status": "ok"}]}])]},
            "status: expected int",
        ),
        ({"steps": [_step(), _step()]}, "step ids must be unique"),
        ({"steps": [_step(calls=[{"name": "c", "send": {"path": "/x", "id": "1"}}])]}, "send one of"),
    ],
)
def test_a_broken_scenario_is_refused_with_its_place(document, says) -> None:
    with pytest.raises(InputError) as refused:
        parse_scenario(yaml.safe_load(yaml.safe_dump(document)), "test.yaml")
    assert says in str(refused.value) and "test.yaml" in str(refused.value)


def test_each_repeats_steps_and_each_call_repeats_calls() -> None:
    document = {
        "steps": [
            {
                "id": "s-{label}",
                "each": {"a": "1", "b": {"form": "2", "clause": "DEL-ID-1"}},
                "each_call": {"x": "X", "y": "Y"},
                "calls": [
                    {"name": "c-{label}", "send": {"method": "DELETE", "id": "{form}"}},
                    {"name": "last", "send": {"path": "/api/token/"}},
                ],
            }
        ]
    }
    steps = parse_scenario(document)
    assert [s.id for s in steps] == ["s-a", "s-b"]
    # The step's `each` fills first (its label), so the calls of both steps are named alike.
    assert [c.name for c in steps[0].calls] == ["c-a", "last"]
    assert steps[1].calls[0].send.id == "2"


def test_a_call_whose_answers_vary_by_nature_is_judged_not_compared() -> None:
    (race,) = [c for s in load_scenario() for c in s.calls if c.send.parallel > 1]
    assert race.compared is False and [c.kind for c in race.expect] == ["race"]
    with pytest.raises(InputError, match="compare answers or verdict"):
        parse_scenario({"steps": [_step(calls=[{"name": "c", "send": {"path": "/x"}, "compare": "vibes"}])]})
