"""A whole `newapi-contract run` in a subprocess and what it left (exit code, output, the
three reports), for the report tests. A module of its own, not the conftest: the name
`conftest` is shared by every test folder's conftest, so importing from it picks whichever
folder's was imported last."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any

from newapi_contract.paths import PROJECT_ROOT

RUN_TIMEOUT_S = 300  # a hang guard, not a speed check


@dataclass(frozen=True)
class FinishedRun:
    exit_code: int
    stdout: str
    stderr: str
    report_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.report_dir / "summary.json").read_text(encoding="utf-8"))

    def clauses(self, verdict: str) -> set[str]:
        return {cid for cid, row in self.summary["clauses"].items() if row["verdict"] == verdict}

    @property
    def junit(self) -> ET.Element:
        return ET.parse(self.report_dir / "junit.xml").getroot()

    @property
    def html(self) -> str:
        return (self.report_dir / "report.html").read_text(encoding="utf-8")

    def html_tests(self) -> list[dict[str, Any]]:
        """pytest-html's rows, from the data the page renders them from."""
        blob = re.search(r'data-jsonblob="(.*?)"></div>', self.html, re.S)
        assert blob is not None
        data = json.loads(unescape(blob.group(1)))
        return [row for rows in data["tests"].values() for row in rows]


def run_suite(report_dir: Path, *args: str, env: dict[str, str] | None = None) -> FinishedRun:
    """`newapi-contract run` in a subprocess, with no NEWAPI_* variable of the developer's shell."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_")}
    env = {**clean, **(env or {})}
    command = [sys.executable, "-m", "newapi_contract.cli", "run", "--report-dir", str(report_dir), *args]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=PROJECT_ROOT, env=env, check=False
    )
    return FinishedRun(done.returncode, done.stdout, done.stderr, report_dir)
