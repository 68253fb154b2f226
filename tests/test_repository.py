"""The repository's own hygiene, run with the tests so that CI checks it too."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from newapi_contract.cli import main
from newapi_contract.paths import PROJECT_ROOT


def test_generated_openapi_is_up_to_date(capsys):
    # `newapi-contract convert --check`: the committed contracts equal a fresh conversion.
    assert main(["convert", "--check"]) == 0, capsys.readouterr().err


@pytest.mark.skipif(
    shutil.which("ruff", path=str(PROJECT_ROOT / ".venv" / "bin")) is None and shutil.which("ruff") is None,
    reason="ruff is not installed (pip install -e '.[dev]')",
)
def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(PROJECT_ROOT / ".venv" / "bin")) or shutil.which("ruff")
    done = subprocess.run([ruff, "check", str(PROJECT_ROOT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:]


def test_console_script_answers_help():
    done = subprocess.run(
        [sys.executable, "-m", "newapi_contract.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "newapi-contract" in done.stdout
