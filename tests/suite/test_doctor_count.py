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
    assert (
        said[0] == f"ok    a run could check {len(plan.checks) - 4} of {total} clauses on this current server"
    )
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
