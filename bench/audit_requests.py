"""What the audit (issue 18, `contract.audit`) costs a quick run on upstream's rate-limited `/api`.

Runs the quick profile against the embedded server of each generation with one seed, twice:
with the audit and without it (`-k "not test_audit"`), and prints, dated:
- the audit's own requests on `/api` (the `audit_api_requests` property of its tests: one list
  per user with tokens, one search by the run's prefix, more only to confirm a suspect);
- the whole run's `/api` requests (summary.json `run.requests_by_limiter.global`), which must
  stay within one window of upstream's legacy limit: 170 (issue 18);
- the difference between the two runs (the cleanup lists less after an audit, so the net cost
  is below the audit's own).

    python bench/audit_requests.py [--seed N] [newapi-contract run options, e.g. --profile thorough]
"""

from __future__ import annotations

import argparse
import datetime
import sys

from time_to_verdict import SuiteRun, first_failure_line, run_suite

QUICK_API_BUDGET = 170


def _global(run: SuiteRun) -> int:
    return int(run.summary.get("run", {}).get("requests_by_limiter", {}).get("global", 0))


def _audit_requests(run: SuiteRun) -> int | None:
    for case in run.tests:
        value = run.properties(case).get("audit_api_requests")
        if value is not None:
            return int(value)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default="20261208", help="the run's hypothesis seed (default 20261208)")
    args, extra = parser.parse_known_args()
    now = datetime.datetime.now(datetime.UTC)
    print(f"{now:%Y-%m-%d %H:%M} UTC, seed {args.seed}, options {extra or 'none'}")
    worst = 0
    for generation in ("legacy", "current"):
        common = ["--embedded-generation", generation, *extra, "--", f"--hypothesis-seed={args.seed}"]
        audited = run_suite(*common)
        plain = run_suite(*common, "-k", "not test_audit")
        for name, run in (("with the audit", audited), ("without it", plain)):
            if run.code != 0:
                print(f"{generation} {name}: exit {run.code}: {first_failure_line(run)}")
                return 1
        own = _audit_requests(audited)
        worst = max(worst, _global(audited))
        print(
            f"{generation:8} audit {own} /api requests; run {_global(audited)} /api with the audit, "
            f"{_global(plain)} without (net {_global(audited) - _global(plain):+d}); "
            f"wall {audited.wall_s:.1f} s vs {plain.wall_s:.1f} s"
        )
    verdict = "within" if worst <= QUICK_API_BUDGET else "OVER"
    print(f"the busiest run: {worst} /api requests, {verdict} the budget of {QUICK_API_BUDGET}")
    return 0 if worst <= QUICK_API_BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
