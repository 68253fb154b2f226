"""Throttling is never a verdict: runs against the reference server with upstream's limiters on.

- upstream's own defaults (legacy 180, current 360 per 180 s): the quick profile fits one
  window, so it is answered no 429 at all and holds every clause;
- `-n 2` and a limit scaled down so that a window is seconds, not minutes: the run runs into
  the limiter, learns it, waits every 429 out and still holds every clause;
- a waiting budget too small for the limit: the throttled clauses are unverified, the run
  exits 3 with one line saying it was throttled, never 1.

Before the learned pacing (the pacer gave up after six retries, 63 s), the same servers turned
runs red with 429s reported as failed clauses (DEL-RACE-1, DEL-SHAPE-1, DEL-STATE-1).
"""

from __future__ import annotations

import pytest
from tiers import cases

ROOT = {"NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": "throttled-root-pw"}


def _every_clause_checked_held(summary) -> bool:
    """Held, but for the latency clauses, which only a --latency-budget turns on."""
    totals = summary["totals"]
    aside = {cid for cid, row in summary["clauses"].items() if row["verdict"] == "not applicable"}
    return totals["failed"] == totals["unverified"] == totals["not run"] == totals["skipped"] == 0 and all(
        cid.startswith("DEL-LAT-") for cid in aside
    )


@pytest.mark.parametrize("generation", ["legacy", "current"])
def test_quick_fits_one_window_of_upstreams_default_limit(run_suite, generation):
    run = run_suite("--embedded-generation", generation, "--embedded-rate-limits", "on", "--", "-q")
    assert run.exit_code == 0, run.output[-3000:]
    info = run.summary["run"]
    assert info["throttled"] == 0 and info["requests_by_limiter"]["global"] <= 170, info
    assert _every_clause_checked_held(run.summary)


# Retry-After only in current; the default run keeps legacy (no Retry-After: the window is
# learned from the 429s alone), `pytest -m slow` runs current too.
@pytest.mark.parametrize("generation", cases(((g, (g,)) for g in ("legacy", "current")), {"legacy"}))
def test_two_workers_wait_out_a_small_limit_and_hold(run_suite, generation):
    run = run_suite(
        "--embedded-generation", generation, "--embedded-rate-limits", "on",
        "--embedded-limit", "global=40/4,critical=30/60", "--", "-q", "-n", "2",
    )  # fmt: skip
    assert run.exit_code == 0, run.output[-4000:]
    info = run.summary["run"]
    assert info["throttled"] > 0 and info["pacing_waited_s"] > 0, info  # throttled, and waited
    assert _every_clause_checked_held(run.summary)
    assert info["learned_limits"]["global"]["limit"] <= 40, info


def test_out_of_waiting_budget_is_unverified_never_red(run_suite):
    run = run_suite(
        "--embedded-generation", "legacy", "--embedded-rate-limits", "on",
        "--embedded-limit", "global=30/10", "--max-wait", "2",
        "--clause", "DEL-OWN-1", "--clause", "DEL-AGAIN-1",
        "--clause", "DEL-BATCH-1", "--clause", "DEL-GEN-1",
        "--", "-q",
    )  # fmt: skip
    assert run.exit_code == 3, run.output[-3000:]
    assert run.summary["totals"]["failed"] == 0 and run.summary["totals"]["unverified"] > 0
    assert "unverified" in run.output and "throttled" in run.output
