"""Runs of the whole suite whose reports the tests here read: one red run against the
reference server with `delete-noop` (a delete that answers success and removes nothing),
made once per process, through the console entry point as a user would."""

from __future__ import annotations

import pytest
from finished_runs import FinishedRun, run_suite


@pytest.fixture(scope="session")
def red_run(tmp_path_factory: pytest.TempPathFactory) -> FinishedRun:
    return run_suite(tmp_path_factory.mktemp("red") / "reports", "--embedded-faults", "delete-noop")
