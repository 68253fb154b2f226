"""The repository's own hygiene, run with the tests so that CI checks it too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newapi_contract.cli import main
from newapi_contract.paths import PROJECT_ROOT


def test_generated_openapi_is_up_to_date(capsys):
    # `newapi-contract convert --check`: the committed contracts equal a fresh conversion.
    assert main(["convert", "--check"]) == 0, capsys.readouterr().err


def _tool(name: str) -> str:
    """A pinned dev tool (pyproject `[dev]`), beside this interpreter: never skipped, and
    never some other version found on PATH."""
    path = Path(sys.executable).with_name(name)
    assert path.exists(), f"{name} is not installed beside {sys.executable}: pip install -e '.[dev]'"
    return str(path)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)


def test_ruff_is_clean():
    done = _run(_tool("ruff"), "check", ".")
    assert done.returncode == 0, done.stdout[-3000:]


def test_ruff_format_is_clean():
    done = _run(_tool("ruff"), "format", "--check", ".")
    assert done.returncode == 0, done.stdout[-3000:]


def test_mypy_is_clean_on_src():
    # The configuration is pyproject's [tool.mypy] (files = src).
    done = _run(_tool("mypy"))
    assert done.returncode == 0 and "Success" in done.stdout, done.stdout[-3000:]


def test_console_script_answers_help():
    done = subprocess.run(
        [sys.executable, "-m", "newapi_contract.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "newapi-contract" in done.stdout
