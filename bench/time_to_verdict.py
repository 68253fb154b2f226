"""Time to verdict of the default run (`newapi-contract run`, embedded server, quick profile).

Runs the suite once in a subprocess with `--durations=0` and splits its wall time into
- start-up: process start, imports, collection, starting and bootstrapping the embedded
  server (the first test's setup, where the session fixtures run), and report writing;
- hand-written: the clause tests' setup, call and teardown times;
- generated: the schemathesis layer (`contracts/test_generated.py`, `test_stateful.py`).
Each is printed in seconds and as a share of the wall time, measured in this one run.

    python bench/time_to_verdict.py [newapi-contract run options, e.g. --embedded-generation legacy]

`SuiteRun` and `run_suite` are also used by the other suite benchmarks in this folder.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GENERATED_FILES = ("contracts/test_generated.py", "contracts/test_stateful.py")
# A line of pytest's `--durations` table: "1.79s setup    contracts/test_x.py::test_y".
DURATION = re.compile(r"^(\d+\.\d+)s (setup|call|teardown)\s+(\S+)$")


@dataclass(frozen=True)
class SuiteRun:
    """One `newapi-contract run`: exit code, wall time, its reports, and pytest's durations."""

    code: int
    wall_s: float
    stdout: str
    stderr: str
    summary: dict[str, Any]
    junit: ET.Element | None

    @property
    def durations(self) -> list[tuple[float, str, str]]:
        """(seconds, phase, test id) of every phase, in pytest's order (slowest first)."""
        found = (DURATION.match(line.strip()) for line in self.stdout.splitlines())
        return [(float(m[1]), m[2], m[3]) for m in found if m]

    @property
    def tests(self) -> list[ET.Element]:
        return [] if self.junit is None else list(self.junit.iter("testcase"))

    def properties(self, case: ET.Element) -> dict[str, str]:
        return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}


def run_suite(*args: str, report_dir: Path | None = None) -> SuiteRun:
    """`newapi-contract run ARGS` in a subprocess, reports in a temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        reports = report_dir or Path(tmp)
        command = [sys.executable, "-m", "newapi_contract.cli", "run", "--report-dir", str(reports), *args]
        started = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, timeout=7200)
        wall = time.monotonic() - started
        summary_file, junit_file = reports / "summary.json", reports / "junit.xml"
        summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.exists() else {}
        junit = ET.parse(junit_file).getroot() if junit_file.exists() else None
    return SuiteRun(done.returncode, wall, done.stdout, done.stderr, summary, junit)


def first_failure_line(run: SuiteRun) -> str:
    return (run.stderr.strip().splitlines() or ["(no output)"])[-1]


def split(run: SuiteRun) -> dict[str, float]:
    """Wall time in start-up, hand-written and generated parts (seconds)."""
    phases = run.durations
    if not phases:
        raise SystemExit("no --durations table in the run's output: " + first_failure_line(run))
    first_test = run.tests[0].get("file", "") + "::" + run.tests[0].get("name", "") if run.tests else ""
    bootstrap = sum(s for s, phase, test in phases if phase == "setup" and test == first_test)
    generated = sum(s for s, _, test in phases if test.startswith(GENERATED_FILES))
    hand_written = sum(s for s, _, _ in phases) - generated - bootstrap
    return {
        "start-up": run.wall_s - generated - hand_written,
        "hand-written": hand_written,
        "generated": generated,
    }


def main() -> int:
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    extra = sys.argv[1:]
    run = run_suite(*extra, "--", "--durations=0", "--durations-min=0")
    if run.code != 0:
        print(f"the default run did not pass (exit {run.code}): {first_failure_line(run)}")
        return 1
    parts = split(run)
    tests = run.tests
    generated_tests = sum(1 for t in tests if t.get("file", "").startswith(GENERATED_FILES))
    print(f"default run: exit {run.code}, {len(tests)} tests ({generated_tests} generated), "
          f"{run.summary.get('run', {}).get('requests')} requests, wall {run.wall_s:.1f} s")  # fmt: skip
    for name, seconds in parts.items():
        print(f"  {name:<13} {seconds:6.1f} s  {seconds / run.wall_s:6.1%}")
    if parts["generated"]:
        print(f"  hand-written / generated: {parts['hand-written'] / parts['generated']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
