"""Help texts (issue 21 item 9): each command has a description, shows its defaults and
ends with the exit-code table (from `errors.Exit`)."""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path
from typing import cast

import pytest

from newapi_contract.cli import ROOMS, build_parser
from newapi_contract.errors import Exit


def _sub(command: str) -> argparse.ArgumentParser:
    parser = build_parser(command)
    choices = next(a for a in parser._actions if a.dest == "command").choices
    return cast(dict[str, argparse.ArgumentParser], choices)[command]


def _help(command: str) -> str:
    return " ".join(_sub(command).format_help().split())


@pytest.mark.parametrize("command", sorted(ROOMS))
def test_every_help_ends_with_the_exit_code_table(command: str) -> None:
    text = _help(command)
    assert "exit codes:" in text
    for code in Exit:
        assert f" {int(code)} " in text.split("exit codes:")[1]


@pytest.mark.parametrize("command", ["cleanup", "selftest", "run", "doctor"])
def test_commands_have_a_description(command: str) -> None:
    sub = _sub(command)
    assert sub.description and len(sub.description) > 40


def test_defaults_are_shown() -> None:
    text = _help("run")
    assert "(default 600 quick, 7200 thorough)" in text  # --max-wait
    assert "(default 60)" in text  # --network-patience
    assert "(default quick)" in text and "(default direct)" in text


def test_cleanups_base_url_is_required_not_embedded() -> None:
    text = _help("cleanup")
    assert "none: the embedded" not in text and "required" in text


def test_a_configuration_file_reaches_the_run(console_script: str, tmp_path: Path) -> None:
    """newapi-contract.toml of the current folder, through the real console script: its
    report-dir is where all three reports go; a credential in it is refused in one line."""
    (tmp_path / "newapi-contract.toml").write_text(
        'report-dir = "out"\nprofile = "quick"\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_")}
    done = subprocess.run(
        [console_script, "run", "--clause", "DEL-OWN-1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {"report.html", "junit.xml", "summary.json"}
    assert not (tmp_path / "reports").exists()

    (tmp_path / "newapi-contract.toml").write_text('access-token = "x"\n', encoding="utf-8")
    refused = subprocess.run(
        [console_script, "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode == Exit.USAGE
    assert (
        refused.stderr.count("\n") == 1
        and "never read from a file: set NEWAPI_ACCESS_TOKEN" in refused.stderr
    )
