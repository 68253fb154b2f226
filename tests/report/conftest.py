"""Runs of the whole suite whose reports the tests here read: one red run against the
reference server with `delete-noop` (a delete that answers success and removes nothing),
made once per process, through the console entry point as a user would."""

from __future__ import annotations

import pytest
from finished_runs import FinishedRun, run_suite


@pytest.fixture(scope="session")
def red_run(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    return run_suite(tmp_path_factory.mktemp("red") / "reports", "--embedded-faults", "delete-noop")


# --known-failures for `known_run`: two clauses delete-noop fails, known; one it fails, whose
# entry expired; one it never fails (the entry to remove).
KNOWN_FAILURES = """
- {clause: DEL-OWN-2, ticket: BUG-KNOWN-2, reason: the delete is a no-op until the rewrite, until: 2099-12-31}
- {clause: DEL-AGAIN-1, ticket: BUG-KNOWN-9, reason: follows from BUG-KNOWN-2, until: 2099-12-31}
- {clause: DEL-OWN-3, ticket: BUG-EXPIRED, reason: the list cache was fixed in 1.4, until: 2020-01-01}
- {clause: DEL-AUTH-1, ticket: BUG-HOLDS, reason: requests without Authorization served, until: 2099-12-31}
"""


@pytest.fixture(scope="session")
def known_run(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    """The red run with known defects (`KNOWN_FAILURES`): some failures known, one entry expired,
    one listed clause that holds."""
    folder = tmp_path_factory.mktemp("known")
    known = folder / "known.yaml"
    known.write_text(KNOWN_FAILURES, encoding="utf-8")
    return run_suite(folder / "reports", "--embedded-faults", "delete-noop", "--known-failures", str(known))
