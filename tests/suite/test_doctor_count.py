"""doctor's count of clauses is what a run checks: the latency clauses only with a budget."""

from __future__ import annotations

from newapi_contract.suite.doctor import LATENCY_CLAUSES, runnable_clauses


def test_latency_clauses_count_only_with_their_budget() -> None:
    none = runnable_clauses("current", has_peer=True)
    assert not {c.id for c in none.checks} & set(LATENCY_CLAUSES)
    assert {c.id for c, _ in none.skips} >= set(LATENCY_CLAUSES)
    some = runnable_clauses("current", has_peer=True, budgets=["delete", "relay"])
    checked = {c.id for c in some.checks} & set(LATENCY_CLAUSES)
    assert checked == {"DEL-LAT-3", "DEL-LAT-4"}
    assert len(some.checks) == len(none.checks) + 2
