"""The `newapi-contract` command: a thin dispatcher over the rooms' commands.

Each room exposes `register(subparsers)` in its `commands` module, adding its
sub-commands with `set_defaults(handler=...)`; a handler takes the parsed
arguments and returns an exit code. This module is the one place where errors
become one-line messages and exit codes (the table is `newapi_contract.errors.Exit`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from newapi_contract import __version__
from newapi_contract.errors import ContractError, Exit, RoadFault

# What each exit code means, for the help's epilog; the codes are `Exit`'s (the one table).
_MEANING = {
    Exit.HELD: "every clause checked held (other commands: done)",
    Exit.FAILED: "a clause failed: the server breaks the contract",
    Exit.USAGE: "bad usage, configuration or input (nothing touched)",
    Exit.TARGET: "the target cannot be used, or a clause is unverified (the road failed)",
    Exit.INTERNAL: "an internal error of the suite: no verdict on the server",
    Exit.INTERRUPTED: "interrupted (Ctrl-C, SIGTERM)",
}


def exit_codes_epilog() -> str:
    """The exit-code table, as every help ends."""
    return "exit codes:\n" + "\n".join(f"  {int(code):>3}  {_MEANING[code]}" for code in Exit)


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter; a text of several lines (the exit-code table) keeps its lines."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2; every help ends with the
    exit-code table."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("epilog", exit_codes_epilog())
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(Exit.USAGE)


# Which room holds each command: only that room is imported to run it (the converter's
# validator alone costs half a second, which `serve` should not pay).
ROOMS = {
    "convert": "apifox",
    "lint": "apifox",
    "serve": "refserver",
    "proxy": "refserver",
    "run": "suite",
    "cleanup": "suite",
    "selftest": "suite",
    "doctor": "suite",
    "compare": "compare",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newapi-contract",
        description="Contract tests for new-api's token API (DELETE /api/token/{id}).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    rooms = [ROOMS[command]] if command in ROOMS else sorted(set(ROOMS.values()))
    for room in rooms:
        importlib.import_module(f"newapi_contract.{room}.commands").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:  # Ctrl-C while the command's modules are still being imported
        print("newapi-contract: interrupted", file=sys.stderr)
        return Exit.INTERRUPTED
    except BrokenPipeError:  # `newapi-contract doctor | head -2`: the reader went away
        # Python would complain again flushing stdout at exit: point it at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return Exit.INTERRUPTED


def _main(argv: list[str]) -> int:
    command = next((arg for arg in argv if not arg.startswith("-")), None)
    parser = build_parser(command)
    unknown = [arg for arg in argv if arg not in ("-h", "--help", "--version")]
    if command is None and unknown:
        # argparse would first complain that COMMAND is missing, hiding the real mistake.
        parser.error(f"unrecognized arguments: {' '.join(unknown)} (give a COMMAND: {', '.join(ROOMS)})")
    args = parser.parse_args(argv)
    try:
        code = int(args.handler(args))
    except (ContractError, RoadFault) as exc:
        print(f"newapi-contract: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        print("newapi-contract: interrupted", file=sys.stderr)
        code = Exit.INTERRUPTED
    except BrokenPipeError:
        raise  # not a bug of the suite: `main` ends it quietly
    except Exception as exc:  # a bug of the suite: never read as a verdict (1) or a bad target (3)
        traceback.print_exc()
        print(
            f"newapi-contract: internal error (a bug of newapi-contract, not of the server): "
            f"{type(exc).__name__}: {exc} (exit {Exit.INTERNAL:d})",
            file=sys.stderr,
        )
        code = Exit.INTERNAL
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
