"""One comparison from start to end: both servers reached and their users found, every step
sent (baseline, candidate, baseline again), what each run created cleaned up, also when
the comparison stops early (Ctrl-C, SIGTERM, an unusable target).
"""

from __future__ import annotations

import fnmatch
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from newapi_contract.compare.classify import CLASSES, Change, StepResult, exit_code, group_changes
from newapi_contract.compare.runner import Observed, Side, compare_step, observe
from newapi_contract.compare.scenario import Step, load_scenario
from newapi_contract.compare.targets import TargetSpec, side_settings
from newapi_contract.errors import UsageError
from newapi_contract.run.context import RunContext

__all__ = ["Comparison", "run_comparison", "select_steps"]


@dataclass
class Comparison:
    """What the writers need: both servers, each step's result and observations, the verdict."""

    baseline: dict[str, Any]
    candidate: dict[str, Any]
    results: list[StepResult]
    observed: dict[str, tuple[Observed, Observed, Observed]]  # baseline, second, candidate
    steps: list[Step]
    allowed: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    cleanup: list[str] = field(default_factory=list)  # what could not be cleaned up, per side

    @property
    def exit_code(self) -> int:
        return exit_code(self.results, self.allowed)

    def changes(self) -> list[Change]:
        """The distinct changes (`classify.group_changes`)."""
        tokens = {step.id: [t.name for t in step.tokens] for step in self.steps}
        return group_changes(self.results, tokens)

    def counts(self) -> dict[str, int]:
        """Steps per class."""
        counts = dict.fromkeys(CLASSES, 0)
        for result in self.results:
            counts[result.kind] += 1
        return counts


def select_steps(patterns: Sequence[str] | None) -> list[Step]:
    """The scenario's steps, or those whose id matches one of `patterns` (shell style)."""
    steps = list(load_scenario())
    if not patterns:
        return steps
    chosen = [s for s in steps if any(fnmatch.fnmatchcase(s.id, p) for p in patterns)]
    if not chosen:
        raise UsageError(f"--step {', '.join(patterns)}: no step of the scenario matches")
    return chosen


@contextmanager
def _side(
    role: str, spec: TargetSpec, common: dict[str, Any], report: Callable[[str], None]
) -> Iterator[Side]:
    settings = side_settings(spec, role, common)
    ctx = RunContext(settings, ledger_file=not spec.embedded)
    side = Side(role, spec, ctx)
    try:
        yield side
    finally:
        try:
            if ctx.target is not None:
                left = ctx.cleanup(report=lambda line: report(f"{role}: {line}"))
                if left:
                    report(f"{role}: {ctx.cleanup_hint(left)}")
        finally:
            ctx.close()


def run_comparison(
    baseline: TargetSpec,
    candidate: TargetSpec,
    common: dict[str, Any],
    *,
    steps: list[Step],
    allowed: tuple[str, ...] = (),
    revocation_bound_s: float = 2.0,
    progress: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
    started: Callable[[], None] = lambda: None,
) -> Comparison:
    """Both sides started (`started()` then, before the first step), every step compared."""
    began = time.monotonic()
    problems: list[str] = []

    def report(line: str) -> None:  # at once: an interrupted comparison returns nothing
        problems.append(line)
        progress(f"newapi-contract: {line}")

    with ExitStack() as stack:
        base = stack.enter_context(_side("baseline", baseline, common, report))
        cand = stack.enter_context(_side("candidate", candidate, common, report))
        base.start()
        cand.start()
        started()
        results: list[StepResult] = []
        observed: dict[str, tuple[Observed, Observed, Observed]] = {}
        for index, step in enumerate(steps, 1):
            first = observe(base, step, f"baseline: {step.id}", revocation_bound_s)
            other = observe(cand, step, f"candidate: {step.id}", revocation_bound_s)
            second = observe(base, step, f"baseline (second): {step.id}", revocation_bound_s)
            result = compare_step(step, first, second, other)
            results.append(result)
            observed[step.id] = (first, second, other)
            progress(f"newapi-contract: compare [{index}/{len(steps)}] {step.id}: {result.kind}")
        comparison = Comparison(base.describe(), cand.describe(), results, observed, steps, allowed)
    # After the sides closed: their cleanup has run (and its request counts are in).
    comparison.baseline, comparison.candidate = base.describe(), cand.describe()
    comparison.cleanup = problems
    comparison.elapsed_s = round(time.monotonic() - began, 1)
    return comparison
