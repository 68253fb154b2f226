"""Help texts (issue 21 item 9): each command has a description, shows its defaults and
ends with the exit-code table (from `errors.Exit`)."""

from __future__ import annotations

import pytest

from newapi_contract.cli import ROOMS, build_parser
from newapi_contract.errors import Exit


def _help(command: str) -> str:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    return " ".join(sub.format_help().split())


@pytest.mark.parametrize("command", sorted(ROOMS))
def test_every_help_ends_with_the_exit_code_table(command: str) -> None:
    text = _help(command)
    assert "exit codes:" in text
    for code in Exit:
        assert f" {int(code)} " in text.split("exit codes:")[1]


@pytest.mark.parametrize("command", ["cleanup", "selftest", "run", "doctor"])
def test_commands_have_a_description(command: str) -> None:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    assert sub.description and len(sub.description) > 40


def test_defaults_are_shown() -> None:
    text = _help("run")
    assert "(default 600 quick, 7200 thorough)" in text  # --max-wait
    assert "(default 60)" in text  # --network-patience
    assert "(default quick)" in text and "(default direct)" in text


def test_cleanups_base_url_is_required_not_embedded() -> None:
    text = _help("cleanup")
    assert "none: the embedded" not in text and "required" in text
