"""Replay lines: exactly the failing test, with every option of the run; `run` then runs that
test alone (it adds contracts/ only when no test is named)."""

from __future__ import annotations

import argparse
import shlex
from types import SimpleNamespace

from newapi_contract.paths import CONTRACTS_DIR
from newapi_contract.report.replay import base_nodeid, replay_line, run_options
from newapi_contract.run.settings import RunSettings
from newapi_contract.suite.commands import _pytest_args


def _settings(**values) -> RunSettings:
    return RunSettings.from_values(values)


def test_embedded_options_are_all_kept() -> None:
    settings = _settings(newapi_faults="delete-noop,slow-delete", newapi_embedded_generation="legacy")
    words = run_options(settings)
    assert words == [
        "--embedded-generation",
        "legacy",
        "--embedded-faults",
        "delete-noop,slow-delete",
        "--profile",
        "quick",
    ]
    with_limits = run_options(
        _settings(newapi_embedded_rate_limits="on", newapi_profile="thorough", newapi_rate=5.0)
    )
    assert with_limits[2:4] == ["--embedded-rate-limits", "on"] and "thorough" in with_limits
    assert with_limits[-2:] == ["--rate", "5"]


def test_remote_options_name_the_target_not_the_credentials(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_ACCESS_TOKEN", "tok-0123456789abcdef")
    monkeypatch.setenv("NEWAPI_USER_ID", "7")
    words = run_options(_settings(base_url="https://staging.test", newapi_generation="legacy"))
    assert words[:4] == ["--base-url", "https://staging.test", "--server-generation", "legacy"]
    assert "--rate" not in words  # the remote default
    assert "tok-0123456789abcdef" not in " ".join(words)


def test_the_line_quotes_the_node_id_and_carries_the_seed() -> None:
    line = replay_line(["--profile", "quick"], "contracts/t.py::test_x[DELETE /api/token/{id}]", 42)
    assert shlex.split(line) == [
        "newapi-contract",
        "run",
        "--profile",
        "quick",
        "--",
        "contracts/t.py::test_x[DELETE /api/token/{id}]",
        "--hypothesis-seed=42",
    ]


def test_a_subtest_replays_its_test() -> None:
    parent = SimpleNamespace(nodeid="contracts/test_generated.py")
    node = SimpleNamespace(
        parent=parent, name="test_generated", nodeid="contracts/test_generated.py::test_generated[DELETE /x]"
    )
    assert base_nodeid(node) == "contracts/test_generated.py::test_generated"


def _args(*pytest_args: str) -> argparse.Namespace:
    """`newapi-contract run -- ARGS` as the real parser reads it."""
    from newapi_contract.cli import build_parser

    return build_parser("run").parse_args(["run", "--", *pytest_args])


def test_run_adds_contracts_only_when_no_test_is_named() -> None:
    settings = _settings()
    assert _pytest_args(_args("-k", "test_owner"), settings)[0] == str(CONTRACTS_DIR)
    named = _pytest_args(_args("contracts/test_owner_delete.py::test_owner_delete_answers_success"), settings)
    assert str(CONTRACTS_DIR) not in named
    assert named[-1] == f"{CONTRACTS_DIR}/test_owner_delete.py::test_owner_delete_answers_success"
    # an option's value is not a test path, even when it looks like one
    assert _pytest_args(_args("--deselect", "contracts/test_race.py"), settings)[0] == str(CONTRACTS_DIR)


def test_workers_keep_a_module_together_unless_told_otherwise() -> None:
    settings = _settings()
    for workers in (["-n", "2"], ["-n2"], ["-nauto"], ["--numprocesses=2"], ["--numprocesses", "2"]):
        assert _pytest_args(_args(*workers), settings)[-1] == "--dist=loadscope", workers
    assert "--dist=loadscope" not in _pytest_args(_args("-n", "2", "--dist", "load"), settings)
    assert "--dist=loadscope" not in _pytest_args(_args("-n", "2", "--dist=worksteal"), settings)
    assert "--dist=loadscope" not in _pytest_args(_args("-k", "test_owner"), settings)
    assert "--dist=loadscope" not in _pytest_args(_args("--no-header"), settings)
