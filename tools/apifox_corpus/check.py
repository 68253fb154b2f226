"""Run `newapi-contract convert` on every document of folders, as a user would, and check it.

`python -m tools.apifox_corpus.check DIR...`

Per document, through the command line (a subprocess each): the exit code (0, or 2 with one
line on stderr for a refusal), no traceback, the findings as JSON, and, for a converted one,
the output checked apart from the converter: openapi-spec-validator accepts it, schemathesis
loads every operation of it, and its operations against the ones the source states (counted as
the survey counts them). Prints a Markdown table (source, format, operations in and out, exit,
findings) and the problems; exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis.core.result import Err
from schemathesis.openapi import from_dict

from tools.apifox_corpus.survey import METHODS, corpus_documents, source_operations

_FORMATS = (
    ("apidogProject", "apidog-native"),
    ("apifoxProject", "apifox-native"),
    ('"swagger"', "swagger-2.0"),
    ("swagger:", "swagger-2.0"),
)


@dataclass
class Row:
    name: str
    kind: str
    source_operations: int | None
    exit: int = 0
    operations: int | None = None
    findings: int | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def kind_of(path: Path) -> str:
    """The document's format, roughly, for the table (the converter tells it properly)."""
    head = path.read_text(encoding="utf-8-sig", errors="replace")[:4000]
    if path.suffix == ".md":
        return "markdown"
    if path.suffix == ".html":
        return "html-export"
    for marker, kind in _FORMATS:
        if marker in head:
            return kind
    return "openapi-yaml" if path.suffix in (".yaml", ".yml") else "openapi-json"


def check_one(path: Path, command: list[str], work: Path) -> Row:
    row = Row(path.name, kind_of(path), source_operations(path))
    out = work / f"{len(list(work.iterdir()))}.json"
    started = time.monotonic()
    done = subprocess.run(
        [*command, "convert", str(path), "--out", str(out), "--lint", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    row.seconds = time.monotonic() - started
    row.exit = done.returncode
    if "Traceback" in done.stdout + done.stderr:
        row.problems.append("a traceback")
    try:
        row.findings = len(json.loads(done.stdout)) if done.stdout.strip() else 0
    except ValueError:
        row.problems.append(f"findings are not JSON: {done.stdout[:80]!r}")
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        if done.returncode != 2 or len(lines) != 1:
            row.problems.append(f"exit {done.returncode}, stderr of {len(lines)} line(s): {lines[-1:]!r}")
        return row
    doc = json.loads(out.read_text(encoding="utf-8"))
    row.operations = sum(
        1
        for part in ("paths", "webhooks")
        for item in (doc.get(part) or {}).values()
        for m in item
        if m in METHODS
    )
    error = next(iter(OpenAPIV31SpecValidator(doc).iter_errors()), None)
    if error is not None:
        row.problems.append(f"invalid OpenAPI 3.1: {error.message[:120]}")
    unloadable = [r.err() for r in from_dict(doc).get_all_operations() if isinstance(r, Err)]
    if unloadable:
        row.problems.append(f"schemathesis cannot load {len(unloadable)} operation(s): {unloadable[0]}")
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument(
        "--command", default=str(Path(sys.executable).with_name("newapi-contract")), help="the CLI to run"
    )
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for path in corpus_documents(args.folders):
            rows.append(check_one(path, [args.command], Path(work)))
    print("| source | format | operations in | out | exit | findings |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.name} | {r.kind} | {r.source_operations} | {r.operations} | {r.exit} | {r.findings} |")
    bad = [r for r in rows if r.problems]
    for r in bad:
        print(f"PROBLEM {r.name}: {'; '.join(r.problems)}")
    total_in = sum(r.source_operations or 0 for r in rows)
    total_out = sum(r.operations or 0 for r in rows)
    slowest = max((r.seconds for r in rows), default=0.0)
    refused = sum(r.exit == 2 for r in rows)
    print(
        f"{len(rows)} documents: {sum(r.exit == 0 for r in rows)} exit 0, {refused} refused; operations "
        f"{total_out} out of {total_in}; slowest {slowest:.1f} s; {len(bad)} with problems"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
