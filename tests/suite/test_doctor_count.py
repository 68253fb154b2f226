"""doctor's count of clauses is what a run checks: the latency clauses only with a budget."""

from __future__ import annotations

from newapi_contract.suite.doctor import LATENCY_CLAUSES, _say_plan, runnable_clauses, unjudged_latency


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
    assert sum(line.startswith("skip  DEL-LAT-") for line in said) == 4
