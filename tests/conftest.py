"""The harness's own tests: deterministic hypothesis settings (profile in the root conftest),
the whole-run proofs scheduled first, and the real browser the report tests look through."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# mutmut names the mutant (or its phase) in this variable in every process it runs tests in.
UNDER_MUTMUT = "MUTANT_UNDER_TEST" in os.environ
settings.load_profile("mutation" if UNDER_MUTMUT else "harness")

# Tests that run the whole suite (or a comparison, or an install) in a subprocess: 5-50 s
# each, the longest families first. xdist hands tests out in collection order; left at the
# end they would run one after another on otherwise idle workers, first they share the
# workers with the fast ones.
WHOLE_RUNS = (
    "tests/proof/",
    "tests/compare/test_compare_runs.py",
    "tests/compare/test_compare_safety.py",
    "tests/compare/test_compare_browser.py",
    "tests/report/",
    "tests/usage/",
    "tests/generated/test_proof.py",
    "tests/test_packaging.py",
)


def _turn(item: pytest.Item) -> int:
    return next((n for n, prefix in enumerate(WHOLE_RUNS) if item.nodeid.startswith(prefix)), len(WHOLE_RUNS))


def _mutmut_durations() -> dict[str, float]:
    """Each test's time in mutmut's stats run (mutants/ is the working directory), or {}."""
    try:
        stats = json.loads(Path("mutmut-stats.json").read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in stats.get("duration_by_test", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if UNDER_MUTMUT:
        # mutmut stops at the first failure (-x): the fastest tests first, so a mutant the
        # unit tests kill never starts a state machine. The order decides no verdict.
        took = _mutmut_durations()
        items.sort(key=lambda item: took.get(item.nodeid, 0.0))
        return
    items.sort(key=_turn)  # stable: each module's tests stay together, in their order


CHROMIUM = Path("/usr/bin/chromium")  # Debian's; playwright drives it, it downloads no browser
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium, or a skip that says what to install."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
    )
    executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if executable is None:
        pytest.skip("no browser: install Debian's chromium (apt-get install chromium; .ci/run does)")
    with sync_api.sync_playwright() as play:
        launched = play.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()
