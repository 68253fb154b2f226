"""Comparisons the tests here read: `newapi-contract compare` run as a user runs it (the
console entry point in a subprocess, no NEWAPI_* variable of the developer's shell), once
per process for the comparisons several tests read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.paths import PROJECT_ROOT

RUN_TIMEOUT_S = 300  # a hang guard, not a speed check


@dataclass(frozen=True)
class Compared:
    exit_code: int
    stderr: str
    report_dir: Path

    @property
    def document(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "compare.json").read_text(encoding="utf-8"))

    @property
    def junit(self) -> ET.Element:
        return ET.parse(self.report_dir / "compare-junit.xml").getroot()

    @property
    def html(self) -> str:
        return (self.report_dir / "compare.html").read_text(encoding="utf-8")


def compare(report_dir: Path, *args: str, env: dict[str, str] | None = None) -> Compared:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_")}
    command = [sys.executable, "-m", "newapi_contract.cli", "compare", "--report-dir", str(report_dir), *args]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        cwd=PROJECT_ROOT,
        env={**clean, **(env or {})},
        check=False,
    )
    return Compared(done.returncode, done.stderr, report_dir)


@pytest.fixture(scope="session")
def legacy_to_current(tmp_path_factory: pytest.TempPathFactory) -> Compared:
    return compare(
        tmp_path_factory.mktemp("legacy-current") / "reports", "embedded:legacy", "embedded:current"
    )


@pytest.fixture
def run_compare(tmp_path: Path):
    """`run_compare(*args, env=...)`: one comparison with its own report directory."""
    counter = iter(range(1000))

    def run(*args: str, env: dict[str, str] | None = None) -> Compared:
        return compare(tmp_path / f"reports-{next(counter)}", *args, env=env)

    return run
