"""Real upstream new-api in the loop, for developers: `python -m tools.upstream COMMAND`.

Give the new-api binaries you built yourself (this tool never builds one) with
`--legacy PATH` / `--current PATH` or NEWAPI_UPSTREAM_LEGACY / NEWAPI_UPSTREAM_CURRENT.
Each is started with a fresh SQLite in a temporary directory, on a free port (`--ports
3200-3299` to stay in a range; new-api listens on every interface, it has no bind option,
and the tool talks only to 127.0.0.1), with `--env NAME=VALUE` passed through (limit
settings among them are given to the reference server too).

  diff    the differential check: one scripted sequence to upstream and to the reference
          server of the same generation and limits; every difference is either explained
          in tools/upstream/known_differences.yaml or printed (exit 1).
  suite   the whole suite through the console script against fresh instances, for each
          run kind (quick, thorough, n2 = quick with `-- -n 2`); prints a table.
  compare the release check (`newapi-contract compare`) between fresh upstream instances
          (legacy -> current, current -> current), beside the same comparison of the embedded
          generations; the two lists of changes must be the same (exit 1 otherwise).

Exit codes: 0 all well, 1 unexplained differences or a run that did not exit 0,
2 usage, 3 a binary that would not start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newapi_contract.errors import UsageError
from tools.upstream.compare import load_known_differences
from tools.upstream.instance import PortRange, StartError
from tools.upstream.sequence import HERE

GENERATIONS = ("legacy", "current")
KNOWN_DIFFERENCES = HERE / "known_differences.yaml"


def _env_pairs(pairs: Sequence[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--env {pair!r}: expected NAME=VALUE")
        env[name] = value
    return env


def _binaries(args: argparse.Namespace) -> dict[str, Path]:
    chosen = {}
    for generation in GENERATIONS:
        given = getattr(args, generation) or os.environ.get(f"NEWAPI_UPSTREAM_{generation.upper()}")
        if given:
            chosen[generation] = Path(given)
    if not chosen:
        raise UsageError("give --legacy PATH and/or --current PATH (or NEWAPI_UPSTREAM_LEGACY / _CURRENT)")
    return chosen


def _ports(text: str) -> PortRange:
    try:
        return PortRange(text)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def diff_command(args: argparse.Namespace) -> int:
    from tools.upstream.differential import run_generation

    try:
        known = load_known_differences(Path(args.known))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--known {args.known}: {exc}") from None
    report: dict[str, Any] = {}
    unexplained = 0
    for generation, binary in _binaries(args).items():
        result = run_generation(generation, binary, _ports(args.ports), _env_pairs(args.env), known)
        used = {id(entry) for p in result.passes for _, entry in p.verdict.explained}
        unused = [k for k in known if generation in k.generations and id(k) not in used]
        unexplained += result.unexplained
        for p in result.passes:
            print(
                f"{generation} {p.name}: {p.steps} steps, {len(p.verdict.explained)} differences explained, "
                f"{len(p.verdict.unexplained) + len(p.not_sent)} unexplained"
            )
            for line in p.not_sent:
                print(f"  NOT SENT {line}")
            for difference in p.verdict.unexplained:
                print(f"  UNEXPLAINED {difference}")
            if args.show_explained:
                for difference, entry in p.verdict.explained:
                    print(f"  explained {difference}  [{entry.reason}]")
        for entry in unused:
            print(f"  note: known difference matched nothing in {generation}: {entry.step} / {entry.where}")
        report[generation] = {
            p.name: {
                "steps": p.steps,
                "explained": [
                    {"step": d.step, "where": d.where, "reason": e.reason} for d, e in p.verdict.explained
                ],
                "unexplained": [str(d) for d in p.verdict.unexplained] + p.not_sent,
            }
            for p in result.passes
        }
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"unexplained differences: {unexplained}")
    return 1 if unexplained else 0


def suite_command(args: argparse.Namespace) -> int:
    from tools.upstream.suite_runs import RUN_KINDS, print_table, run_suite

    kinds = [k.strip() for k in args.runs.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in RUN_KINDS]
    if unknown or not kinds:
        raise UsageError(f"--runs {args.runs!r}: choose from {', '.join(RUN_KINDS)}")
    rows = []
    for generation, binary in _binaries(args).items():
        for kind in kinds:
            row = run_suite(
                generation, binary, kind, _ports(args.ports), _env_pairs(args.env), args.keep_reports
            )
            print(row.line(), flush=True)
            rows.append(row)
    print()
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps([r.as_dict() for r in rows], indent=2) + "\n", encoding="utf-8")
    return 0 if all(r.exit == 0 for r in rows) else 1


def compare_command(args: argparse.Namespace) -> int:
    from tools.upstream.release_check import PAIRS, run_release_check

    pairs = [p.strip() for p in args.pairs.split(",") if p.strip()]
    if not pairs or set(pairs) - set(PAIRS):
        raise UsageError(f"--pairs {args.pairs!r}: choose from {', '.join(PAIRS)}")
    binaries = _binaries(args)
    missing = sorted({g for p in pairs for g in PAIRS[p]} - set(binaries))
    if missing:
        raise UsageError(f"--pairs {args.pairs}: give --{' --'.join(missing)} PATH")
    report_dir = Path(args.report_dir)
    failures = 0
    summary = {}
    for pair in pairs:
        check = run_release_check(pair, binaries, _ports(args.ports), _env_pairs(args.env), report_dir)
        print(f"{pair}: upstream {check.upstream['verdict']}")
        print(f"{pair}: embedded {check.embedded['verdict']}")
        for change in check.upstream["changes"]:
            steps = sorted({s["step"] for s in change["seen_in"]})
            values = [json.dumps(change[side], ensure_ascii=False) for side in ("baseline", "candidate")]
            print(f"  {change['kind']:8} {change['where']}: {values[0]} -> {values[1]}  ({len(steps)} steps)")
        for row in check.only_upstream:
            print(f"  ONLY UPSTREAM {row}")
        for row in check.only_embedded:
            print(f"  ONLY EMBEDDED {row}")
        verdict = "the same list" if check.same else "the lists differ"
        print(f"{pair}: {verdict} (unverified steps: {check.unverified})")
        failures += not check.same
        summary[pair] = {
            "same": check.same,
            "only_upstream": check.only_upstream,
            "only_embedded": check.only_embedded,
            "upstream": check.upstream["verdict"],
            "embedded": check.embedded["verdict"],
        }
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if failures else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.upstream",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, handler, summary in (
        ("diff", diff_command, "differential check against the reference server"),
        ("suite", suite_command, "run the whole suite against fresh upstream instances"),
        ("compare", compare_command, "the release check between upstream builds, beside the embedded one"),
    ):
        command = sub.add_parser(name, help=summary, description=summary)
        command.add_argument("--legacy", metavar="PATH", help="new-api binary of the legacy generation")
        command.add_argument("--current", metavar="PATH", help="new-api binary of the current generation")
        command.add_argument("--ports", default="any", help="port range to use, e.g. 3200-3299 (default any)")
        command.add_argument(
            "--env", action="append", default=[], metavar="NAME=VALUE", help="passed to new-api (repeatable)"
        )
        command.add_argument("--json", metavar="FILE", help="also write the results as JSON")
        command.set_defaults(handler=handler)
        if name == "diff":
            command.add_argument("--known", default=str(KNOWN_DIFFERENCES), help="known differences file")
            command.add_argument("--show-explained", action="store_true", help="print explained ones too")
        elif name == "compare":
            command.add_argument(
                "--pairs",
                default="legacy-current,current-current",
                help="legacy-current, current-current, legacy-legacy",
            )
            command.add_argument(
                "--report-dir",
                default="reports/upstream-compare",
                help="each comparison's reports go under it",
            )
        else:
            command.add_argument(
                "--runs", default="quick,n2,thorough", help="run kinds (quick, n2, thorough)"
            )
            command.add_argument("--keep-reports", metavar="DIR", help="keep each run's reports under DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except StartError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
