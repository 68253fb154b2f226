"""The whole suite against real upstream: one fresh, set-up instance per run, the run
through the console script with root credentials (as a QA engineer would against
staging), and one table row from its exit code and `summary.json`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tools.upstream.instance import PortRange, UpstreamInstance

__all__ = ["RUN_KINDS", "RunRow", "print_table", "row_from_summary", "run_suite"]

ROOT_USERNAME = "root"
ROOT_PASSWORD = "nac-upstream-Root-1"
# kind -> arguments of `newapi-contract run` after the target
RUN_KINDS: dict[str, list[str]] = {
    "quick": ["--profile", "quick"],
    "n2": ["--profile", "quick", "--", "-n", "2"],
    "thorough": ["--profile", "thorough"],
}


@dataclass
class RunRow:
    generation: str
    run: str
    exit: int
    held: int | None
    failed: int | None
    unverified: int | None
    requests: int | None
    throttled: int | None
    wall_s: float
    failed_clauses: tuple[str, ...] = ()

    def line(self) -> str:
        failed = f" ({', '.join(self.failed_clauses)})" if self.failed_clauses else ""
        return (
            f"{self.generation} {self.run}: exit {self.exit}, held {self.held}, "
            f"failed {self.failed}{failed}, unverified {self.unverified}, requests {self.requests}, "
            f"429s {self.throttled}, {self.wall_s:.0f} s"
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def row_from_summary(
    generation: str, run: str, exit_code: int, wall_s: float, summary: Mapping[str, Any]
) -> RunRow:
    """A row from `summary.json` (missing parts stay None: a run that stopped early)."""
    totals = summary.get("totals", {})
    info = summary.get("run", {})
    clauses = summary.get("clauses", {})
    failed = tuple(sorted(cid for cid, c in clauses.items() if c.get("verdict") == "failed"))
    return RunRow(
        generation,
        run,
        exit_code,
        totals.get("held"),
        totals.get("failed"),
        totals.get("unverified"),
        info.get("requests"),
        info.get("throttled"),
        wall_s,
        failed,
    )


def _console_script() -> str:
    beside = Path(sys.executable).parent / "newapi-contract"
    found = str(beside) if beside.exists() else shutil.which("newapi-contract")
    if not found:
        raise FileNotFoundError("newapi-contract is not installed beside this Python or on PATH")
    return found


def _environment(base_url: str) -> dict[str, str]:
    """The developer's environment without NEWAPI_* settings (they would retarget the run),
    plus the target and root's login."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWAPI_", "PYTEST_BASE_URL"))}
    env.update(
        NEWAPI_BASE_URL=base_url, NEWAPI_ROOT_USERNAME=ROOT_USERNAME, NEWAPI_ROOT_PASSWORD=ROOT_PASSWORD
    )
    return env


def run_suite(
    generation: str,
    binary: Path,
    kind: str,
    ports: PortRange,
    env: Mapping[str, str],
    keep_reports: str | None = None,
) -> RunRow:
    report_dir = Path(keep_reports) / f"{generation}-{kind}" if keep_reports else Path(tempfile.mkdtemp())
    report_dir.mkdir(parents=True, exist_ok=True)
    with UpstreamInstance(binary, ports, env) as upstream:
        upstream.setup(ROOT_USERNAME, ROOT_PASSWORD)
        args = RUN_KINDS[kind]
        split = args.index("--") if "--" in args else len(args)
        # no --server-generation: the run detects it, as against staging
        command = [_console_script(), "run", "--report-dir", str(report_dir), *args[:split], *args[split:]]
        started = time.monotonic()
        done = subprocess.run(command, env=_environment(upstream.base_url), capture_output=True, check=False)
        wall = time.monotonic() - started
    (report_dir / "run.log").write_bytes(done.stdout + done.stderr)
    summary_file = report_dir / "summary.json"
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.exists() else {}
    row = row_from_summary(generation, kind, done.returncode, wall, summary)
    if not keep_reports:
        shutil.rmtree(report_dir, ignore_errors=True)
    return row


def print_table(rows: list[RunRow]) -> None:
    print("| generation | run | exit | held / failed / unverified | requests | 429s | wall |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        failed = f" ({', '.join(r.failed_clauses)})" if r.failed_clauses else ""
        print(
            f"| {r.generation} | {r.run} | {r.exit} | {r.held} / {r.failed}{failed} / {r.unverified} | "
            f"{r.requests} | {r.throttled} | {r.wall_s:.0f} s |"
        )
