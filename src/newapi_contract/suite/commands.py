"""`newapi-contract run` and `newapi-contract cleanup`.

`run` is a thin layer over `pytest.main` on `contracts/`: it checks the target first
(one clear line and exit 3 within seconds if it cannot be used), then runs the clauses
with the HTML, JUnit and JSON reports switched on, and maps pytest's exit status to
the suite's codes: 0 all clauses held, 1 a clause failed, 2 bad usage, 3 bad target.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.errors import UsageError
from newapi_contract.paths import CONTRACTS_DIR
from newapi_contract.suite.settings import GENERATIONS, PROFILES, RunSettings

__all__ = ["register"]

# pytest's exit status -> the suite's exit code.
_EXIT = {0: 0, 1: 1, 2: 130, 3: 3, 4: 2, 5: 2}
PREFLIGHT_TIMEOUT_S = 5.0


def register(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="run the contract against a new-api (the embedded reference server by default)",
        description="Run the token-deletion contract and write reports/report.html, junit.xml and "
        "summary.json. Credentials come from the environment: NEWAPI_ACCESS_TOKEN + NEWAPI_USER_ID "
        "and NEWAPI_PEER_ACCESS_TOKEN + NEWAPI_PEER_USER_ID, or NEWAPI_ROOT_USERNAME + "
        "NEWAPI_ROOT_PASSWORD. Arguments after `--` go to pytest.",
    )
    _target_options(run)
    run.add_argument("--profile", choices=PROFILES, help="generated-case budget (default quick)")
    run.add_argument("--rate", type=float, help="client-side requests per second (0 = none)")
    run.add_argument("--embedded-generation", choices=GENERATIONS, help="embedded server generation")
    run.add_argument("--embedded-faults", metavar="F1,F2", help="fault modes of the embedded server")
    run.add_argument("--embedded-rate-limits", choices=("on", "off"), help="embedded server rate limits")
    run.add_argument(
        "--token-cache", choices=("on", "off"), help="embedded server imitates the Redis token cache"
    )
    run.add_argument(
        "--revocation-bound", metavar="DURATION", help="how long a deleted key may still work (default 2s)"
    )
    run.add_argument(
        "--latency-budget", metavar="OP=DURATION,...", help="e.g. delete=500ms: slower answers fail DEL-LAT-*"
    )
    run.add_argument("--clause", action="append", metavar="ID", help="only this clause (repeatable)")
    run.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="passed to pytest")
    run.set_defaults(handler=run_command)

    cleanup = sub.add_parser(
        "cleanup",
        help="delete tokens left behind by earlier runs (names starting with the run prefix)",
    )
    _target_options(cleanup)
    cleanup.add_argument("--prefix", default="nac-", help="token name prefix of the suite's runs")
    cleanup.set_defaults(handler=cleanup_command)

    from newapi_contract.suite import doctor, selftest

    selftest.register(sub)
    doctor.register(sub)


def _target_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="the new-api to check (env NEWAPI_BASE_URL); none: embedded")
    parser.add_argument("--server-generation", choices=GENERATIONS, help="skip generation detection")
    parser.add_argument("--report-dir", type=Path, help="where the reports go (default reports/)")


def _settings(args: argparse.Namespace) -> RunSettings:
    return RunSettings.from_values(
        {
            "base_url": args.base_url,
            "newapi_generation": args.server_generation,
            "newapi_report_dir": str(args.report_dir) if args.report_dir else None,
            "newapi_profile": getattr(args, "profile", None),
            "newapi_rate": getattr(args, "rate", None),
            "newapi_embedded_generation": getattr(args, "embedded_generation", None),
            "newapi_faults": getattr(args, "embedded_faults", None),
            "newapi_embedded_rate_limits": getattr(args, "embedded_rate_limits", None),
            "newapi_token_cache": getattr(args, "token_cache", None),
            "newapi_revocation_bound": getattr(args, "revocation_bound", None),
            "newapi_latency_budget": getattr(args, "latency_budget", None),
        }
    )


def _preflight(settings: RunSettings) -> None:
    """Reach the target and check the given credentials, before pytest starts."""
    from dataclasses import replace

    from newapi_contract.suite.run_context import RunContext

    quick = replace(settings, timeout=PREFLIGHT_TIMEOUT_S, rate=None)
    ctx = RunContext(quick, ledger_file=False)
    try:
        ctx.check_target()
    finally:
        ctx.close()


def _pytest_args(args: argparse.Namespace, settings: RunSettings) -> list[str]:
    report_dir = settings.report_dir
    forwarded = {
        "--base-url": settings.base_url,
        "--server-generation": args.server_generation,
        "--report-dir": str(report_dir),
        "--profile": args.profile,
        "--rate": None if args.rate is None else str(args.rate),
        "--embedded-generation": args.embedded_generation,
        "--embedded-faults": args.embedded_faults,
        "--embedded-rate-limits": args.embedded_rate_limits,
        "--token-cache": args.token_cache,
        "--revocation-bound": args.revocation_bound,
        "--latency-budget": args.latency_budget,
    }
    return [
        str(CONTRACTS_DIR),
        "-v",
        "-p",
        "no:cacheprovider",
        # Clause tests judge with `require` (expected vs observed), not assert introspection;
        # rewriting every plugin module (schemathesis's 300) cost 2-3 s a run.
        "--assert=plain",
        f"--html={report_dir / 'report.html'}",
        "--self-contained-html",
        f"--junitxml={report_dir / 'junit.xml'}",
        "-o",
        "junit_family=xunit1",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        *(f"{flag}={value}" for flag, value in forwarded.items() if value is not None),
        *(f"--clause={clause}" for clause in args.clause or ()),
        *args.pytest_args,
    ]


class _Verdict:
    """Keeps the run's clause tally once pytest is done, for the exit code."""

    def __init__(self) -> None:
        self.tally: Any = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from newapi_contract.suite.plugin import TALLY

        self.tally = session.config.stash.get(TALLY, None)


def _road_line(tally: Any) -> str:
    """One line on what kept clauses unverified: the road, not the server."""
    kinds: dict[str, int] = {}
    for _, kind, _ in tally.road_faults:
        kinds[kind] = kinds.get(kind, 0) + 1
    waited = (tally.run_info or {}).get("pacing_waited_s", 0)
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    return (
        f"newapi-contract: {tally.counts()['unverified']} clause(s) unverified: the road to the server "
        f"failed ({parts}; waited {waited} s for rate limits), not the server; see the report"
    )


def run_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.base_url is not None:
        _preflight(settings)
    settings.report_dir.mkdir(parents=True, exist_ok=True)
    verdict = _Verdict()
    status = int(pytest.main(_pytest_args(args, settings), plugins=[verdict]))
    code = _EXIT.get(status, 1)
    tally = verdict.tally
    if code in (0, 1) and tally is not None and tally.results:
        counts = tally.counts()
        # A clause that failed is a defect whatever else happened; otherwise a clause the
        # road kept from a verdict makes the run inconclusive (3), never red (1).
        code = 1 if counts["failed"] else (3 if counts["unverified"] else 0)
        if code == 3:
            print(_road_line(tally), file=sys.stderr)
    report_dir = settings.report_dir
    print(
        f"newapi-contract: reports in {report_dir}: report.html, junit.xml, summary.json (exit {code})",
        file=sys.stderr,
    )
    return code


def cleanup_command(args: argparse.Namespace) -> int:
    from newapi_contract.suite.run_context import RunContext

    settings = _settings(args)
    if settings.base_url is None:
        raise UsageError("cleanup needs --base-url (or NEWAPI_BASE_URL): the embedded server keeps nothing")
    ctx = RunContext(settings, ledger_file=False)
    try:
        ctx.start()
        adopted = ctx.adopt_leftovers(args.prefix)
        left = ctx.cleanup()
    finally:
        ctx.close()
    print(f"newapi-contract: deleted {len(adopted) - len(left)} leftover token(s) named {args.prefix}*")
    if left:
        print(f"newapi-contract: could not delete {left}", file=sys.stderr)
        return 1
    return 0
