"""Requests sent per profile and per clause, and the quick profile under upstream's limits.

1. Runs the suite against the embedded server with each profile (quick, thorough) and
   prints the requests of each (`summary.json` `run.requests`, every request the run sent,
   retries included), per clause (`summary.json` clauses[*].requests, the requests recorded
   while each clause's tests ran) and the share nobody's test owns (bootstrap, shared
   token batches, cleanup). The quick profile must stay within 300 requests: on a staging
   server with upstream's default limit (360 per 180 s per IP) a run's wall time is about
   its request count / 2 s.
2. Runs the quick profile with the embedded server's rate limits on
   (`--embedded-rate-limits on`, upstream's limiters) and shows it completing, with the 429
   answers seen, the seconds waited and no failed clause.

    python bench/requests_per_profile.py
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from time_to_verdict import SuiteRun, first_failure_line, run_suite

QUICK_BUDGET = 300


def per_clause(run: SuiteRun) -> dict[str, int]:
    return {cid: int(c.get("requests", 0)) for cid, c in run.summary.get("clauses", {}).items()}


def _run_facts(run: SuiteRun) -> dict[str, Any]:
    facts = run.summary.get("run", {})
    return {
        "requests": int(facts.get("requests", 0)),
        "throttled": facts.get("throttled"),
        "waited": facts.get("pacing_waited_s"),
        "totals": run.summary.get("totals", {}),
    }


def main() -> int:
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    runs = {profile: run_suite("--profile", profile) for profile in ("quick", "thorough")}
    for profile, run in runs.items():
        if run.code != 0:
            print(f"{profile}: the run did not pass (exit {run.code}): {first_failure_line(run)}")
            return 1
    quick, thorough = (_run_facts(runs[p]) for p in ("quick", "thorough"))
    clauses = {p: per_clause(r) for p, r in runs.items()}
    print(f"{'clause':<14} {'quick':>6} {'thorough':>9}")
    for cid in clauses["quick"]:
        print(f"{cid:<14} {clauses['quick'][cid]:>6} {clauses['thorough'].get(cid, 0):>9}")
    for profile, facts in (("quick", quick), ("thorough", thorough)):
        owned = sum(clauses[profile].values())
        shared = facts["requests"] - owned
        print(
            f"{profile}: {facts['requests']} requests in {runs[profile].wall_s:.1f} s; {owned} in clause "
            f"tests, {shared} in bootstrap, shared set-up and cleanup"
        )
    print(f"thorough / quick requests: {thorough['requests'] / quick['requests']:.2f}")
    within = quick["requests"] <= QUICK_BUDGET
    print(
        f"quick profile within {QUICK_BUDGET} requests: {'yes' if within else 'NO'} ({quick['requests']}); "
        f"at upstream's 2 requests/s that is about {quick['requests'] / 2:.0f} s of pacing"
    )

    limited = run_suite("--profile", "quick", "--embedded-rate-limits", "on")
    facts = _run_facts(limited)
    passed = limited.code == 0 and facts["totals"].get("failed", 0) == 0

    print(
        f"quick, embedded rate limits on: exit {limited.code} in {limited.wall_s:.1f} s, "
        f"{facts['requests']} requests, {facts['throttled']} answered 429, {facts['waited']} s waited, "
        f"clauses {facts['totals']}"
    )
    if not passed:
        print(f"  {first_failure_line(limited)}")
    return 0 if within and passed else 1


if __name__ == "__main__":
    sys.exit(main())
