"""Fixtures for tests of the suite in its users' hands: the console script, a clean
environment, and reference servers populated through the public API.

Users are created the data-safety benchmark's way (see `tester.py`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tester import population

from newapi_contract.paths import PROJECT_ROOT

SCRIPT_TIMEOUT_S = 30  # a hang guard, not a speed check (speed lives in bench/)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credential or target of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("NEWAPI_") or name in ("PYTEST_BASE_URL", "CI"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def console_script() -> str:
    """The installed `newapi-contract` script (README: `pip install -e .`): beside this
    interpreter (a venv that is not activated, as in .ci/run), else on PATH."""
    beside = Path(sys.executable).with_name("newapi-contract")
    script = str(beside) if beside.exists() else shutil.which("newapi-contract")
    if script is None:
        pytest.fail("the newapi-contract console script is not installed: pip install -e .")
    return script


@pytest.fixture
def run_script(console_script: str) -> Iterator[Any]:
    """Run the console script in a subprocess with extra environment variables."""

    def run(
        *args: str, env: dict[str, str] | None = None, timeout: float = SCRIPT_TIMEOUT_S
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_")}
        full_env.update(env or {})
        return subprocess.run(
            [console_script, *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=PROJECT_ROOT,
        )

    yield run


@pytest.fixture(scope="module")
def populated() -> Iterator[tuple[str, list[Any]]]:
    """A current-generation server with root set up and three registered common users
    (no tokens), shared by a module: (base_url, users)."""
    with population.populated_server("current", 0) as world:
        yield world


@pytest.fixture(scope="module")
def root_user(populated: tuple[str, list[Any]]) -> Any:
    base_url, _ = populated
    return population.login(base_url, population.ROOT_USER, population.ROOT_PASSWORD)
