"""`newapi-contract convert` and `newapi-contract lint`.

convert [SOURCE]: with no SOURCE, the seed page is converted and both contracts under
openapi/ are written (the checkout's; installed, ./openapi of the current folder), plain,
and effective = plain + contracts/overlay.yaml; with
SOURCE, the plain contract goes to --out (or stdout) and the effective one to
--effective-out when --overlay is given. --check writes nothing and exits 1 naming
each missing or stale file. lint SOURCE: the findings, one a line or as JSON.

SOURCE may be an Apifox endpoint page, a native Apifox or Apidog project export, an
OpenAPI 3.0/3.1 or Swagger 2.0 export (JSON or YAML), an HTML export (Swagger UI with
the spec inline), a Markdown page of an Apifox documentation site, or Apifox's Markdown
export of a project. When no valid OpenAPI with the source's
operations can be made of it, or a bound is passed (size, aliases, depth, time), both
commands exit 2 with one line on stderr; lint (and convert --lint) still print the
findings made up to that point.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from newapi_contract.apifox import ConversionRefused, Finding, convert_file
from newapi_contract.apifox.outputs import build_outputs, stale_files, write_atomically
from newapi_contract.errors import Exit, UsageError
from newapi_contract.paths import (
    CONVERT_DIR,
    EFFECTIVE_CONTRACT,
    OVERLAY_FILE,
    PLAIN_CONTRACT,
    SEED_SOURCE,
)

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    convert = subparsers.add_parser(
        "convert",
        help="Apifox document -> OpenAPI 3.1 contract (and the effective contract)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    convert.add_argument(
        "source", nargs="?", type=Path, help=f"Apifox document (default: {_shown(SEED_SOURCE)})"
    )
    convert.add_argument(
        "--out",
        type=Path,
        help=f"plain contract file (default: stdout, or {_shown(_written(PLAIN_CONTRACT))} without SOURCE)",
    )
    convert.add_argument("--overlay", type=Path, help="Overlay 1.0 file to apply")
    convert.add_argument("--effective-out", type=Path, help="effective contract file")
    convert.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if an output file is missing or stale"
    )
    convert.add_argument("--lint", action="store_true", help="also print the findings")
    convert.add_argument("--format", choices=("text", "json"), default="text", help="format of the findings")
    convert.set_defaults(handler=run_convert)

    lint = subparsers.add_parser("lint", help="what the converter normalises in an Apifox document")
    lint.add_argument("source", type=Path, help="Apifox document")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.set_defaults(handler=run_lint)


def run_convert(args: argparse.Namespace) -> int:
    if args.source is None:
        source = SEED_SOURCE
        # --check reads the contract the suite uses; writing never goes into an installed package.
        out = args.out or (PLAIN_CONTRACT if args.check else _written(PLAIN_CONTRACT))
        overlay = args.overlay or OVERLAY_FILE
        effective = args.effective_out or (EFFECTIVE_CONTRACT if args.check else _written(EFFECTIVE_CONTRACT))
    else:
        source, out, overlay, effective = args.source, args.out, args.overlay, args.effective_out
    if (overlay is None) != (effective is None):
        raise UsageError("--overlay and --effective-out go together")
    if args.check and out is None:
        raise UsageError("--check compares files: give --out")
    try:
        outputs = build_outputs(source, out, overlay, effective)
    except ConversionRefused as refused:
        if args.lint:
            _print_findings(refused.findings, args.format, sys.stderr if out is None else sys.stdout)
        raise
    findings_to = sys.stdout
    if args.check:
        problems = stale_files(outputs.files)
        for path, state in problems:
            print(f"{_shown(path)}: {state} (run `newapi-contract convert` to regenerate)")
        if not problems:
            print(f"{len(outputs.files)} contract file(s) up to date")
    else:
        if out is None:
            document_text = json.dumps(outputs.conversion.document, indent=2, ensure_ascii=False)
            sys.stdout.write(document_text + "\n")
            findings_to = sys.stderr  # keep stdout a clean JSON document
        write_atomically(outputs.files)
        # Findings as JSON are one JSON document on their stream: the "wrote" lines go apart.
        wrote_to = sys.stderr if args.lint and args.format == "json" else findings_to
        for path in outputs.files:
            print(f"wrote {_shown(path)}", file=wrote_to)
    if args.lint:
        _print_findings(outputs.conversion.findings, args.format, findings_to)
    return Exit.FAILED if args.check and problems else Exit.HELD


def run_lint(args: argparse.Namespace) -> int:
    try:
        findings = convert_file(args.source).findings
    except ConversionRefused as refused:  # say what was done, then why it stopped
        _print_findings(refused.findings, args.format, sys.stdout)
        raise
    _print_findings(findings, args.format, sys.stdout)
    return 0


def _print_findings(findings: Sequence[Finding], fmt: str, stream: TextIO) -> None:
    if fmt == "json":
        print(json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False), file=stream)
    else:
        for finding in findings:
            print(finding.line(), file=stream)


def _written(path: Path) -> Path:
    """Where `convert` without SOURCE writes one of the contract files (`paths.CONVERT_DIR`)."""
    return CONVERT_DIR / path.name


def _shown(path: Path) -> str:
    """The path relative to the current directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
