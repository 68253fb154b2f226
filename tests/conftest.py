"""The harness's own tests: deterministic hypothesis settings (profile in the root conftest),
and the whole-run proofs scheduled first."""

from __future__ import annotations

import pytest
from hypothesis import settings

settings.load_profile("harness")

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_turn)  # stable: each module's tests stay together, in their order
