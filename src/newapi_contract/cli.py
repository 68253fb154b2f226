"""The `newapi-contract` command: a thin dispatcher over the rooms' commands.

Each room exposes `register(subparsers)` in its `commands` module, adding its
sub-commands with `set_defaults(handler=...)`; a handler takes the parsed
arguments and returns an exit code. This module is the one place where errors
become one-line messages and exit codes (see `newapi_contract.errors`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from newapi_contract import __version__
from newapi_contract.errors import ContractError

EXIT_OK = 0
EXIT_CLAUSE_FAILED = 1
EXIT_USAGE = 2
EXIT_TARGET = 3
EXIT_INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="newapi-contract",
        description="Contract tests for new-api's token API (DELETE /api/token/{id}).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    # Imported here so that `--help` of one room never pays for another's imports.
    from newapi_contract.apifox import commands as apifox_commands
    from newapi_contract.suite import commands as suite_commands
    from newapi_contract.target import commands as target_commands

    for room in (apifox_commands, target_commands, suite_commands):
        room.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = int(args.handler(args))
    except ContractError as exc:
        print(f"newapi-contract: error: {exc}", file=sys.stderr)
        code = exc.exit_code
    except KeyboardInterrupt:
        print("newapi-contract: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
