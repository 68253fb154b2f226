"""Running the whole suite as a user would: the console entry point in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass(frozen=True)
class SuiteRun:
    exit_code: int
    output: str
    report_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "summary.json").read_text(encoding="utf-8"))

    def clauses(self, verdict: str) -> set[str]:
        return {cid for cid, row in self.summary["clauses"].items() if row["verdict"] == verdict}


@pytest.fixture
def run_suite(tmp_path: Path):
    def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> SuiteRun:
        report_dir = tmp_path / "reports"
        command = [sys.executable, "-m", "newapi_contract.cli", "run", "--report-dir", str(report_dir), *args]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
        return SuiteRun(done.returncode, done.stdout + done.stderr, report_dir)

    return run
