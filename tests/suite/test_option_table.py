"""One table of run options (`suite.settings.OPTIONS`, issue 20): the CLI's arguments of each
command, pytest's options and the forwarding from one to the other all come from it."""

from __future__ import annotations

from typing import Any

import pytest

from newapi_contract.cli import build_parser
from newapi_contract.suite.settings import OPTIONS, add_options, cli_values, pytest_flags


def _value(option: Any) -> str:
    if option.choices:
        return option.choices[-1]
    return "2.5" if option.type is float else "delete=1s" if "budget" in option.flag else "7s"


@pytest.mark.parametrize("command", ["run", "cleanup", "doctor", "compare"])
def test_each_command_takes_exactly_the_options_the_table_gives_it(command: str) -> None:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    flags = {flag for action in sub._actions for flag in action.option_strings}
    for option in OPTIONS:
        assert (option.flag in flags) == (command in option.commands), (command, option.flag)


@pytest.mark.parametrize("option", [o for o in OPTIONS if "run" in o.commands], ids=lambda o: o.flag)
def test_a_run_option_reaches_pytest_as_given(option: Any) -> None:
    value = _value(option)
    args = build_parser("run").parse_args(["run", option.flag, value])
    values = cli_values(args)
    assert values == {option.dest: option.type(value) if option.type else value}
    assert pytest_flags(values) == [f"{option.flag}={values[option.dest]}"]


def test_pytest_declares_every_option_but_those_of_other_plugins() -> None:
    declared: list[str] = []

    class Group:
        def addoption(self, flag: str, **kwargs: Any) -> None:
            declared.append(flag)

    class Parser:
        def getgroup(self, *args: Any) -> Group:
            return Group()

    add_options(Parser())  # type: ignore[arg-type]
    assert declared == ["--clause", *(o.flag for o in OPTIONS if o.pytest)]
    assert [o.flag for o in OPTIONS if not o.pytest] == ["--base-url"]  # pytest-base-url's


def test_every_flag_and_dest_is_declared_once() -> None:
    assert len({o.flag for o in OPTIONS}) == len(OPTIONS) == len({o.dest for o in OPTIONS})
