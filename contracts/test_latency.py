"""Latency is observed in every run (the report's and summary.json's figures per operation);
it becomes a verdict only for an operation the user gave a budget (`--latency-budget
delete=500ms,...`): without one the clause does not apply (its test is deselected). Upstream
promises no latency (reference §3). These tests run after every other test of the process and
judge the answers it saw (under xdist: its worker's)."""

from __future__ import annotations

import pytest

from newapi_contract.contract.verdict import require
from newapi_contract.report.timings import slower_than
from newapi_contract.run.settings import no_budget


def _no_budget(op: str):
    """A `not_applicable_if` check: the operation has no budget in this run."""
    return lambda params, target, settings: no_budget(op, dict(settings.latency_budgets))


def _within_budget(op: str, latency_budgets: dict[str, float], run_timings) -> None:
    budget_s = latency_budgets[op]
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
@pytest.mark.not_applicable_if.with_args(_no_budget("create"))
def test_creates_answer_within_the_budget(latency_budgets, run_timings):
    _within_budget("create", latency_budgets, run_timings)


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-LAT-2")
@pytest.mark.not_applicable_if.with_args(_no_budget("list"))
def test_lists_answer_within_the_budget(latency_budgets, run_timings):
    _within_budget("list", latency_budgets, run_timings)


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-LAT-3")
@pytest.mark.not_applicable_if.with_args(_no_budget("delete"))
def test_deletes_answer_within_the_budget(latency_budgets, run_timings):
    _within_budget("delete", latency_budgets, run_timings)


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-LAT-4")
@pytest.mark.not_applicable_if.with_args(_no_budget("relay"))
def test_relay_answers_within_the_budget(latency_budgets, run_timings):
    _within_budget("relay", latency_budgets, run_timings)
