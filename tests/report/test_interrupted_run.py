"""A run stopped before its end says so everywhere: exit 130, `interrupted` in summary.json,
the clauses it never reached counted as "not run", and an INTERRUPTED verdict on the page
instead of a green one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from finished_runs import RUN_TIMEOUT_S, FinishedRun, run_suite

from newapi_contract.paths import PROJECT_ROOT


def test_sigterm_mid_run_marks_every_output_interrupted(tmp_path: Path) -> None:
    report_dir = tmp_path / "reports"
    command = [
        sys.executable,
        "-m",
        "newapi_contract.cli",
        "run",
        "--report-dir",
        str(report_dir),
        "--rate",
        "8",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_")}
    run = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not list(report_dir.glob("ledger-*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)  # the ledger appears with the run's first token
    time.sleep(1.0)
    assert run.poll() is None, "the run ended before it could be interrupted"
    run.send_signal(signal.SIGTERM)
    stdout, stderr = run.communicate(timeout=RUN_TIMEOUT_S)
    done = FinishedRun(run.returncode, stdout, stderr, report_dir)
    assert done.exit_code == 130, stderr
    summary = done.summary
    assert summary["interrupted"] is True and summary["verdict"] == "interrupted"
    assert summary["totals"]["not run"] > 0
    assert "newapi-contract: interrupted" in stderr.splitlines()[-1]
    assert "INTERRUPTED: the run stopped before its end" in done.html
    assert "(interrupted)" in stdout


def test_a_run_stopped_at_the_first_failure_is_incomplete(tmp_path: Path) -> None:
    done = run_suite(tmp_path / "reports", "--embedded-faults", "delete-noop", "--", "-x")
    assert done.exit_code == 1
    assert done.summary["interrupted"] is True and done.summary["verdict"] == "failed"
    assert "The run was interrupted: it is incomplete." in done.html
