"""Exit codes have one home (`errors.Exit`): the CLI, `run` and the plugin's stops all end
with its codes, and pytest's own statuses never pass for the suite's (pytest's 3 is
INTERNAL_ERROR, the suite's 3 is "target unusable"). No server, no real pytest run."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import pytest

from newapi_contract import cli
from newapi_contract.errors import (
    CredentialsRejected,
    Exit,
    GuardRefusal,
    InputError,
    NotNewApi,
    RoadFault,
    TargetUnreachable,
    UsageError,
)
from newapi_contract.paths import CHECKOUT
from newapi_contract.suite import commands
from newapi_contract.suite.handover import Prepared
from newapi_contract.suite.reporting import FATAL, FATAL_EXIT


def test_the_table():
    assert {code.name: int(code) for code in Exit} == {
        "HELD": 0,
        "FAILED": 1,
        "USAGE": 2,
        "TARGET": 3,
        "INTERNAL": 4,
        "INTERRUPTED": 130,
    }


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("bad option"), Exit.USAGE),
        (InputError("bad file"), Exit.USAGE),
        (TargetUnreachable("nothing answers"), Exit.TARGET),
        (NotNewApi("an nginx page"), Exit.TARGET),
        (CredentialsRejected("refused"), Exit.TARGET),
        (RoadFault("throttled", "429s past the budget"), Exit.TARGET),
        (GuardRefusal("token 6 is not in the ledger"), Exit.INTERNAL),
        (KeyboardInterrupt(), Exit.INTERRUPTED),
        (RuntimeError("a bug"), Exit.INTERNAL),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else None,
)
def test_the_cli_ends_each_error_with_its_code(monkeypatch, capsys, error, code):
    def handler(args: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(cli, "build_parser", lambda command=None: _parser_with(handler))
    assert cli.main(["boom"]) == code
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("newapi-contract")
    if code == Exit.INTERNAL and not isinstance(error, GuardRefusal):
        assert "internal error" in err and "not of the server" in err and "exit 4" in err


def _parser_with(handler: Any) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newapi-contract")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("boom").set_defaults(handler=handler)
    return parser


class _Session:
    def __init__(self, stash: pytest.Stash) -> None:
        self.config = argparse.Namespace(stash=stash)


def _run(monkeypatch, tmp_path: Path, status: int, stash: dict[Any, Any] | None = None) -> int:
    """`run_command` with pytest.main replaced: it returns `status`, after the plugin's
    session hooks saw a stash holding `stash` (what the plugin leaves when it stops a run)."""

    def fake_main(args: list[str], plugins: list[Any]) -> int:
        held = pytest.Stash()
        for key, value in (stash or {}).items():
            held[key] = value
        hooked = [plugin for plugin in plugins if not isinstance(plugin, Prepared)]
        for plugin in hooked:
            plugin.pytest_sessionstart(_Session(held))
            plugin.pytest_sessionfinish(_Session(held))
        return status

    monkeypatch.setattr(commands.pytest, "main", fake_main)
    # No server: the run context `run` starts before pytest is a stand-in, closed by "the session".
    monkeypatch.setattr(commands, "_started", lambda settings: argparse.Namespace(closed=True))
    args = cli.build_parser("run").parse_args(["run", "--report-dir", str(tmp_path)])
    return int(args.handler(args))


def test_pytest_internal_error_is_the_suites_internal_error_not_a_bad_target(monkeypatch, tmp_path, capsys):
    assert _run(monkeypatch, tmp_path, pytest.ExitCode.INTERNAL_ERROR) == Exit.INTERNAL
    err = capsys.readouterr().err
    assert "internal error of the suite" in err and "exit 4" in err


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (pytest.ExitCode.OK, Exit.HELD),
        (pytest.ExitCode.TESTS_FAILED, Exit.FAILED),
        (pytest.ExitCode.INTERRUPTED, Exit.INTERRUPTED),
        (pytest.ExitCode.USAGE_ERROR, Exit.USAGE),
        (pytest.ExitCode.NO_TESTS_COLLECTED, Exit.USAGE),
        (99, Exit.INTERNAL),
    ],
)
def test_pytest_statuses_map_to_the_suites_codes(monkeypatch, tmp_path, status, code):
    assert _run(monkeypatch, tmp_path, status) == code


@pytest.mark.parametrize("code", [Exit.USAGE, Exit.TARGET, Exit.INTERNAL])
def test_a_stop_of_the_plugin_ends_with_its_own_code_whatever_pytest_says(
    monkeypatch, tmp_path, capsys, code
):
    # pytest.exit(returncode=2) comes back as status 2, which alone would read "interrupted".
    stash = {FATAL: "root's login was refused", FATAL_EXIT: code}
    assert _run(monkeypatch, tmp_path, int(code), stash) == code
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line == (
        "newapi-contract: error: root's login was refused "
        f"(no reports written, earlier ones left as they were; exit {code:d})"
    )


def test_the_plugin_stops_with_the_errors_own_code(monkeypatch):
    from newapi_contract.suite import plugin

    config = argparse.Namespace(stash=pytest.Stash())
    for error in (UsageError("root given as the tester"), NotNewApi("nginx"), RoadFault("network", "reset")):
        with pytest.raises(pytest.exit.Exception) as stopped:
            plugin._exit_on(config, error)  # type: ignore[arg-type]
        assert stopped.value.returncode == error.exit_code
        assert config.stash[FATAL_EXIT] == error.exit_code
        assert config.stash[FATAL] == str(error)


def test_the_readme_table_says_the_same():
    assert CHECKOUT is not None
    readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
    section = re.split(r"^#+ Exit codes$", readme, maxsplit=1, flags=re.M)[1]
    table = re.split(r"^#", section, maxsplit=1, flags=re.M)[0]  # up to the next heading
    documented = [int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.M)]
    assert documented == [int(code) for code in Exit]


def test_an_interrupt_before_any_verdict_leaves_earlier_reports(monkeypatch, tmp_path, capsys):
    from newapi_contract.paths import REPORT_FILES

    for name in REPORT_FILES:
        (tmp_path / name).write_text(f"earlier {name}")
    assert _run(monkeypatch, tmp_path, pytest.ExitCode.INTERRUPTED) == Exit.INTERRUPTED
    assert all((tmp_path / name).read_text() == f"earlier {name}" for name in REPORT_FILES)
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("newapi-contract: interrupted before any clause was judged") and "exit 130" in line


def test_an_interrupt_after_a_verdict_keeps_this_runs_reports(monkeypatch, tmp_path, capsys):
    from newapi_contract.contract.clauses import load_clauses
    from newapi_contract.paths import REPORT_FILES
    from newapi_contract.report.summary import ClauseTally
    from newapi_contract.suite.reporting import TALLY

    for name in REPORT_FILES:
        (tmp_path / name).write_text(f"earlier {name}")
    tally = ClauseTally(load_clauses())
    tally.note_verdict("DEL-OWN-1", "t.py::own", "held")
    tally.interrupted = True
    assert _run(monkeypatch, tmp_path, pytest.ExitCode.INTERRUPTED, {TALLY: tally}) == Exit.INTERRUPTED
    assert not any((tmp_path / name).exists() for name in REPORT_FILES)  # set aside, then dropped
    assert "interrupted; reports in" in capsys.readouterr().err


def test_ctrl_c_while_importing_a_command_is_one_line(monkeypatch, capsys):
    def interrupted(command=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["run"]) == Exit.INTERRUPTED
    assert capsys.readouterr().err == "newapi-contract: interrupted\n"


def test_a_reader_that_goes_away_is_no_internal_error(monkeypatch, capsys):
    def handler(args: argparse.Namespace) -> int:
        raise BrokenPipeError

    redirected: list[int] = []
    monkeypatch.setattr(cli, "build_parser", lambda command=None: _parser_with(handler))
    monkeypatch.setattr(cli.os, "dup2", lambda fd, to: redirected.append(to))
    monkeypatch.setattr(cli.sys, "stdout", argparse.Namespace(fileno=lambda: 1))
    assert cli.main(["boom"]) == Exit.INTERRUPTED
    assert redirected == [1] and "internal error" not in capsys.readouterr().err


def test_a_usage_error_of_run_reaches_the_step_summary(monkeypatch, tmp_path, capsys):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    for argv in (["run", "--embedded-faults", "nope"], ["run", "--", "--profile", "thorough"]):
        args = cli.build_parser("run").parse_args([*argv[:1], "--report-dir", str(tmp_path / "r"), *argv[1:]])
        assert args.handler(args) == Exit.USAGE
    text = summary.read_text(encoding="utf-8")
    assert (
        text.count("NO VERDICT (exit 2)") == 2
        and "unknown fault mode(s) nope" in text
        and "--profile" in text
    )
    assert capsys.readouterr().err.count("no reports written") == 2
