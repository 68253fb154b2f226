"""`newapi-contract compare BASELINE CANDIDATE`: the release check.

Both servers get the same scenario, step for step (`compare/scenario.yaml`), with the same
safety as `run`: only tokens the comparison created are touched (ledger and guard), pacing
and the road's handling of 429s and network faults, cleanup at the end (also on Ctrl-C or
SIGTERM). Exit codes as `run`: 0 nothing but noise differs (or only what `--allow` accepts),
1 a contract, shape or text difference, 2 usage, 3 a target unusable or a step unverified.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from newapi_contract.errors import UsageError
from newapi_contract.suite.settings import add_arguments, check_report_dir, cli_values

__all__ = ["register"]


def register(sub: Any) -> None:
    from newapi_contract.compare.classify import ALLOWABLE

    parser = sub.add_parser(
        "compare",
        help="release check: what a candidate new-api does differently from a baseline (production)",
        description="Send the same scenario (every kind of request the clauses send) to BASELINE "
        "and CANDIDATE, each on tokens made for it, the baseline twice to tell noise apart, and "
        "write reports/compare.html, compare.json and compare-junit.xml. BASELINE and CANDIDATE "
        "are URLs or embedded:legacy / embedded:current (embedded:current:FAULT,... adds fault "
        "modes). Credentials of a URL: NEWAPI_BASELINE_* / NEWAPI_CANDIDATE_* (ACCESS_TOKEN, "
        "USER_ID, PEER_ACCESS_TOKEN, PEER_USER_ID, or ROOT_USERNAME and ROOT_PASSWORD), else the "
        "NEWAPI_* variables of `run`.",
    )
    parser.add_argument("baseline", metavar="BASELINE", help="what runs today (URL or embedded:GEN)")
    parser.add_argument("candidate", metavar="CANDIDATE", help="the release candidate (URL or embedded:GEN)")
    parser.add_argument(
        "--allow",
        action="append",
        choices=ALLOWABLE,
        default=[],
        help="accept this kind of difference (exit 0): text (message wording), shape; repeatable",
    )
    parser.add_argument("--step", action="append", metavar="PATTERN", help="only steps matching (repeatable)")
    # The run options compare shares with `run` (the one table, suite.settings.OPTIONS): report
    # directory, pacing and patience (for each server), the embedded network, the revocation bound.
    add_arguments(parser, "compare")
    parser.set_defaults(handler=compare_command)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) stops the comparison like Ctrl-C: the cleanup still runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def compare_command(args: argparse.Namespace) -> int:
    from newapi_contract.compare.outputs import OUTPUT_FILES, remove_outputs, verdict_sentence, write_outputs
    from newapi_contract.compare.session import run_comparison, select_steps
    from newapi_contract.compare.targets import parse_target, side_settings
    from newapi_contract.suite.commands import preflight

    baseline = parse_target(args.baseline, "baseline")
    candidate = parse_target(args.candidate, "candidate")
    if args.embedded_network and not (baseline.embedded or candidate.embedded):
        raise UsageError(
            "--embedded-network puts a flaky network in front of an embedded side; for URLs use "
            "`newapi-contract proxy --upstream URL` and compare through the proxy"
        )
    common = cli_values(args)
    # Everything that can be checked before a request is, before any report is touched.
    settings = [
        side_settings(spec, role, common) for spec, role in ((baseline, "baseline"), (candidate, "candidate"))
    ]
    report_dir = settings[0].report_dir
    check_report_dir(report_dir)
    bound = settings[0].revocation_bound_s
    steps = select_steps(args.step)
    allowed = tuple(dict.fromkeys(args.allow))
    for side in settings:
        if side.base_url is not None:
            preflight(side)
    with _sigterm_interrupts():
        comparison = run_comparison(
            baseline,
            candidate,
            common,
            steps=steps,
            allowed=allowed,
            revocation_bound_s=bound,
            started=lambda: remove_outputs(report_dir),
        )
    write_outputs(comparison, report_dir)
    code = comparison.exit_code
    print(f"newapi-contract: {verdict_sentence(comparison)}", file=sys.stderr)
    names = ", ".join(OUTPUT_FILES)
    print(f"newapi-contract: reports in {report_dir}: {names} (exit {code})", file=sys.stderr)
    return code
