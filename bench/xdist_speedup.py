"""Speed-up of the default run with two pytest-xdist workers (`-- -n 2`) over a serial run.

Runs `newapi-contract run` against the embedded server serially, then with `-n 2` (each
worker has its own run prefix and ledger; the summary merges the workers' facts), and
prints both wall times, the requests each sent and the ratio, measured in one invocation.

    python bench/xdist_speedup.py [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

from time_to_verdict import SuiteRun, first_failure_line, run_suite


def _line(label: str, run: SuiteRun) -> str:
    facts = run.summary.get("run", {})
    return (
        f"{label:<10} exit {run.code}, wall {run.wall_s:6.1f} s, {facts.get('requests')} requests, "
        f"run prefixes {facts.get('run_prefix')}, clauses {run.summary.get('totals')}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    workers = parser.parse_args().workers
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    serial = run_suite()
    parallel = run_suite("--", "-n", str(workers))
    print(_line("serial", serial))
    print(_line(f"-n {workers}", parallel))
    for run in (serial, parallel):
        if run.code != 0:
            print(f"  a run did not pass: {first_failure_line(run)}")
            return 1
    print(f"speed-up with -n {workers}: {serial.wall_s / parallel.wall_s:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
