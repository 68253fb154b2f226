"""doctor's count of clauses is what a run checks: the latency clauses only with a budget."""

from __future__ import annotations

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.contract.features import Features
from newapi_contract.run.settings import LATENCY_CLAUSES
from newapi_contract.suite.doctor import _say_plan, runnable_clauses, unjudged_latency


def test_latency_clauses_count_only_with_their_budget() -> None:
    plan = runnable_clauses("current", has_peer=True)
    assert {c.id for c, _ in unjudged_latency(plan, ())} == set(LATENCY_CLAUSES)
    assert {c.id for c, _ in unjudged_latency(plan, ["delete", "relay"])} == {"DEL-LAT-1", "DEL-LAT-2"}
    said: list[str] = []
    _say_plan(plan, said.append)
    total = len(plan.checks) + len(plan.skips)
    assert said[0].startswith(f"ok    a run could check up to {len(plan.checks) - 4} of {total} clauses on")
    assert "not applicable" in said[0]  # no features known: a run tells the rest at its start
    assert sum(line.startswith("n/a   DEL-LAT-") for line in said) == 4
    assert "no create budget: latency is observed" in next(line for line in said if "DEL-LAT-1" in line)


def test_a_missing_peer_is_a_skip_and_an_absent_feature_not_applicable() -> None:
    features = Features("legacy", paged_list=False, checks_new_api_user=False, new_api_user_reason="old")
    features.note_absent("batch delete")
    plan = runnable_clauses("legacy", has_peer=False, features=features)
    said: list[str] = []
    _say_plan(plan, said.append)
    peer_only = [c.id for c in load_clauses().values() if "peer" in c.needs and "batch" not in c.needs]
    batch = [c.id for c in load_clauses().values() if "batch" in c.needs]
    assert peer_only and batch
    for cid in peer_only:
        assert any(line.startswith(f"skip  {cid} ") for line in said), cid
    for cid in batch:
        assert any(line.startswith(f"n/a   {cid} ") and "no batch delete" in line for line in said), cid


def test_a_bare_array_release_loses_its_batch_clauses_and_door_clauses_before_the_run() -> None:
    """doctor counts as a run of that release and profile does (late 2024: 33 of 42 in quick)."""
    features = Features("legacy", paged_list=False, checks_new_api_user=False, new_api_user_reason="old")
    for route in ("batch delete", "key reveal", "batch key reveal"):
        features.note_absent(route)
    plan = runnable_clauses("legacy", has_peer=True, features=features, profile="quick")
    said: list[str] = []
    _say_plan(plan, said.append)
    assert said[0] == "ok    a run could check 33 of 42 clauses on this legacy server"
    doors = {line.split()[1] for line in said if line.startswith("n/a   DEL-DOOR-")}
    assert doors == {"DEL-DOOR-3", "DEL-DOOR-4"}
    thorough = runnable_clauses("legacy", has_peer=True, features=features, profile="thorough")
    # The thorough profile's other Anthropic and Gemini doors are not known absent there: their
    # clauses are checked (a door refusing a live key is told then, by its positive control).
    assert not {c.id for c, _ in thorough.skips if c.id.startswith("DEL-DOOR-")}
