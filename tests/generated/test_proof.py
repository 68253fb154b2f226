"""The generated layer alone against a healthy embedded reference server: no failure, over
several seeds (the full suite's healthy runs in tests/proof add one more seed per generation).
That every deletion fault is caught by the generated layer alone is shown in
tests/proof/test_fault_matrix.py, in the same runs as the hand-written killing clause.

Each run is a separate pytest process (`contracts/test_generated.py` and
`contracts/test_stateful.py` only), because schemathesis checks and hooks are process-global.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from newapi_contract.paths import PROJECT_ROOT

LAYER = ("contracts/test_generated.py", "contracts/test_stateful.py")


def run_layer(tmp_path: Path, generation: str, seed: int) -> tuple[int, str]:
    command = [
        sys.executable, "-m", "pytest", *LAYER, "-p", "no:cacheprovider", "--assert=plain", "-q", "-rA",
        "--embedded-generation", generation, "--profile", "quick",
        f"--hypothesis-seed={seed}", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("generation", ["legacy", "current"])
@pytest.mark.parametrize("seed", [1, pytest.param(987654321, marks=pytest.mark.slow)])
def test_healthy_server_zero_failures(tmp_path: Path, generation: str, seed: int) -> None:
    code, output = run_layer(tmp_path, generation, seed)
    assert code == 0, output
    # all three ran, none skipped: schemathesis cases, the confinement proof, the machine
    assert re.search(r"\b3 passed\b", output), output
    assert "skipped" not in output.splitlines()[-1], output
