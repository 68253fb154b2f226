"""Latency is observed in every run (the report's and summary.json's figures per operation);
it becomes a verdict only for an operation the user gave a budget (`--latency-budget
delete=500ms,...`). Upstream promises no latency (reference §3). These tests run after every
other test of the process and judge the answers it saw (under xdist: its worker's)."""

from __future__ import annotations

import pytest

from newapi_contract.contract.verdict import require
from newapi_contract.report.timings import slower_than


def _within_budget(op: str, latency_budgets: dict[str, float], run_timings) -> None:
    budget_s = latency_budgets.get(op)
    if budget_s is None:
        pytest.skip(f"no {op} budget: latency is observed, not judged (--latency-budget {op}=500ms)")
    mine = [s for s in run_timings.samples if s.op == op]
    if not mine:
        pytest.skip(f"no {op} was answered in this run")
    slow = slower_than(mine, op, budget_s * 1000)
    shown = "; ".join(s.describe() for s in slow[:5]) + ("; ..." if len(slow) > 5 else "")
    require(
        not slow,
        expected=f"every {op} answered within {budget_s * 1000:g} ms (--latency-budget {op}=...)",
        observed=f"{len(slow)} of {len(mine)} {op} answers slower: {shown}",
    )


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-LAT-1")
def test_creates_answer_within_the_budget(latency_budgets, run_timings):
    _within_budget("create", latency_budgets, run_timings)


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-LAT-2")
def test_lists_answer_within_the_budget(latency_budgets, run_timings):
    _within_budget("list", latency_budgets, run_timings)


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-LAT-3")
def test_deletes_answer_within_the_budget(latency_budgets, run_timings):
    _within_budget("delete", latency_budgets, run_timings)


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-LAT-4")
def test_relay_answers_within_the_budget(latency_budgets, run_timings):
    _within_budget("relay", latency_budgets, run_timings)
