"""`newapi-contract run` and `newapi-contract cleanup`.

`run` is a thin layer over `pytest.main` on `contracts/`: it checks the target first
(one clear line and exit 3 within seconds if it cannot be used), then runs the clauses
with the HTML, JUnit and JSON reports switched on, and ends with one of the suite's
exit codes (`errors.Exit`): from the clause tally when the run judged clauses, from the
error the plugin stopped the run with, else from pytest's status. Usage and
configuration errors are found before any report is touched and come as one line on
stderr; reports of an earlier run are set aside when the run starts and come back exactly
as they were when it stops before a verdict (exit 2 or 3), whenever that is found.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.errors import ContractError, Exit, RoadFault, UsageError
from newapi_contract.paths import CONTRACTS_DIR, JUNIT_XML, PROJECT_ROOT, REPORT_FILES, REPORT_HTML
from newapi_contract.report.known import load_known_failures
from newapi_contract.report.step_summary import append_step_summary, error_markdown, run_markdown
from newapi_contract.run.context import NETWORK_FILE, RunContext, preflight
from newapi_contract.run.settings import (
    RunSettings,
    add_arguments,
    check_credentials,
    check_report_dir,
    cli_values,
    owned_flags,
)
from newapi_contract.run.settings import (
    pytest_flags as _flags_for_pytest,
)
from newapi_contract.suite.handover import Prepared

__all__ = ["register"]

# pytest's exit status -> the suite's exit code, when neither the tally nor the plugin's
# stop (FATAL_EXIT) decides: pytest.exit(returncode=3) and pytest's own INTERNAL_ERROR are
# the same number, so a status alone never says "target unusable".
_FROM_PYTEST: dict[int, Exit] = {
    pytest.ExitCode.OK: Exit.HELD,
    pytest.ExitCode.TESTS_FAILED: Exit.FAILED,
    pytest.ExitCode.INTERRUPTED: Exit.INTERRUPTED,
    pytest.ExitCode.INTERNAL_ERROR: Exit.INTERNAL,
    pytest.ExitCode.USAGE_ERROR: Exit.USAGE,
    pytest.ExitCode.NO_TESTS_COLLECTED: Exit.USAGE,
}
RUN_INI = Path(__file__).resolve().with_name("run.ini")  # the run's pytest configuration


def register(sub: Any) -> None:
    run = sub.add_parser(
        "run",
        help="run the contract against a new-api (the embedded reference server by default)",
        description="Run the token-deletion contract and write reports/report.html, junit.xml and "
        "summary.json. Credentials come from the environment: NEWAPI_ACCESS_TOKEN + NEWAPI_USER_ID "
        "and NEWAPI_PEER_ACCESS_TOKEN + NEWAPI_PEER_USER_ID, or NEWAPI_ROOT_USERNAME + "
        "NEWAPI_ROOT_PASSWORD. Arguments after `--` go to pytest.",
    )
    add_arguments(run, "run")
    run.add_argument("--clause", action="append", metavar="ID", help="only this clause (repeatable)")
    run.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARGS", help="passed to pytest")
    run.set_defaults(handler=run_command)

    cleanup = sub.add_parser(
        "cleanup",
        help="delete tokens left behind by earlier runs (names starting with the run prefix)",
        description="Delete the tokens earlier runs left behind on a new-api (a run killed before "
        "its own clean-up): every token of the test users whose name starts with --prefix. Needs "
        "--base-url and the same credentials as `run` (from the environment); touches nothing else.",
    )
    add_arguments(cleanup, "cleanup")
    cleanup.add_argument(
        "--prefix", default="nac-", help="token name prefix of the suite's runs (default nac-)"
    )
    cleanup.set_defaults(handler=cleanup_command)

    from newapi_contract.suite import doctor, selftest

    selftest.register(sub)
    doctor.register(sub)


def _settings(args: argparse.Namespace) -> RunSettings:
    return RunSettings.from_values(cli_values(args))


def _test_paths(pytest_args: list[str]) -> list[str]:
    """The arguments after `--` that name tests under contracts/ (a path or a node id),
    made absolute when they are relative to the checkout rather than the current directory."""
    named = []
    for index, arg in enumerate(pytest_args):
        if arg.startswith("-") or (index and pytest_args[index - 1] in _VALUE_OPTIONS):
            continue
        path, sep, rest = arg.partition("::")
        for base in (Path.cwd(), PROJECT_ROOT):
            candidate = (base / path).resolve()
            if candidate.exists() and (candidate == CONTRACTS_DIR or CONTRACTS_DIR in candidate.parents):
                named.append(arg)
                pytest_args[index] = f"{candidate}{sep}{rest}"
                break
    return named


# pytest options whose value is the next argument (so that value is no test path).
_VALUE_OPTIONS = frozenset({"-k", "-m", "-p", "-o", "-W", "-c", "--deselect", "--ignore", "-n", "--maxfail"})


def _pytest_args(args: argparse.Namespace, settings: RunSettings) -> list[str]:
    report_dir = settings.report_dir
    forwarded = cli_values(args)
    forwarded["base_url"] = settings.base_url
    forwarded["newapi_report_dir"] = str(report_dir)
    if settings.known_failures:
        forwarded["newapi_known_failures"] = str(Path(settings.known_failures).resolve())
    # The spec in full: a seed drawn here is the one the run uses and reports.
    network = settings.embedded_network
    forwarded["newapi_embedded_network"] = network.describe() if network else None
    extra = list(args.pytest_args)
    if _parallel(extra) and not any(arg.split("=")[0] in ("--dist", "-d") for arg in extra):
        # A module's tests share module-scoped fixtures (one key for every relay door, the
        # odd-id tokens): kept on one worker, they are made once, not once per worker.
        extra.append("--dist=loadscope")
    # A replay line names one test: run only that one, not the whole of contracts/ as well.
    tests = [] if _test_paths(extra) else [str(CONTRACTS_DIR)]
    return [
        *tests,
        # The run's own configuration and rootdir, wherever it starts (see run.ini); node ids
        # read contracts/test_*.py::... from a checkout and an installed wheel alike.
        "-c",
        str(RUN_INI),
        f"--rootdir={PROJECT_ROOT}",
        f"--confcutdir={PROJECT_ROOT}",
        "-v",
        "-p",
        "no:cacheprovider",
        "-p",
        __name__,  # pytest_configure below, in xdist's workers too
        # Clause tests judge with `require` (expected vs observed), not assert introspection;
        # rewriting every plugin module (schemathesis's 300) cost 2-3 s a run.
        "--assert=plain",
        f"--html={report_dir / REPORT_HTML}",
        "--self-contained-html",
        f"--junitxml={report_dir / JUNIT_XML}",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        *_flags_for_pytest(forwarded),
        *(f"--clause={clause}" for clause in args.clause or ()),
        *extra,
    ]


def _parallel(pytest_args: list[str]) -> bool:
    """Whether the arguments after `--` ask pytest-xdist for workers (`-n 2`, `-nauto`, ...)."""
    return any(
        arg == "-n"
        or (arg.startswith("-n") and not arg.startswith("--"))
        or arg.split("=")[0] == "--numprocesses"
        for arg in pytest_args
    )


class _Verdict:
    """What `run` needs from the pytest session: the clause tally and any fatal error, and
    the moment the run really starts (then an earlier run's reports are set aside, to come
    back exactly as they were if the run stops before a verdict)."""

    def __init__(self, earlier: _EarlierReports) -> None:
        self.earlier = earlier
        self.tally: Any = None
        self.fatal: str | None = None
        self.fatal_exit: Exit | None = None
        self.uncollected: list[str] = []  # contract modules that could not be imported

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.uncollected.append(report.nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.earlier.set_aside()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from newapi_contract.suite.plugin import FATAL, FATAL_EXIT, TALLY

        self.tally = session.config.stash.get(TALLY, None)
        self.fatal = session.config.stash.get(FATAL, None)
        self.fatal_exit = session.config.stash.get(FATAL_EXIT, None)


ASIDE_DIR = ".earlier-reports"  # in the report directory, while a run may still stop early


class _EarlierReports:
    """An earlier run's reports, set aside (renamed, bytes and times kept) when pytest starts
    and either dropped once this run has a verdict, or put back exactly as they were when it
    stops before one (exit 2 or 3, found in the preflight or in the run's own bootstrap):
    an earlier verdict is never mixed with this run's files, nor lost to a run that judged
    nothing."""

    def __init__(self, report_dir: Path) -> None:
        self.report_dir = report_dir
        self.aside = report_dir / ASIDE_DIR

    def set_aside(self) -> None:
        if self.aside.exists():  # a run killed before it could tidy up: its earlier reports
            self.restore()
        self.aside.mkdir(parents=True, exist_ok=True)
        for name in REPORT_FILES:
            if (self.report_dir / name).exists():
                os.replace(self.report_dir / name, self.aside / name)

    def restore(self) -> None:
        """Remove what this run wrote and put the earlier reports back."""
        if not self.aside.exists():
            return
        for name in REPORT_FILES:
            (self.report_dir / name).unlink(missing_ok=True)
            if (self.aside / name).exists():
                os.replace(self.aside / name, self.report_dir / name)
        shutil.rmtree(self.aside, ignore_errors=True)

    def drop(self) -> None:
        shutil.rmtree(self.aside, ignore_errors=True)


def _road_line(tally: Any) -> str:
    """One line on what kept clauses unverified: the road (or the suite itself: "harness",
    "internal"), not the server. Each fault counts once: the tests sharing one fixture (the
    relay doors' one delete) share its reason."""
    kinds: dict[str, int] = {}
    for kind, _ in {(kind, reason) for _, kind, reason in tally.road_faults}:
        kinds[kind] = kinds.get(kind, 0) + 1
    waited = (tally.run_info or {}).get("pacing_waited_s", 0)
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    return (
        f"newapi-contract: {tally.counts()['unverified']} clause(s) unverified: the road to the server "
        f"failed ({parts}; waited {waited} s for rate limits), not the server; see the report"
    )


def _usage_message(stderr: str) -> str:
    """pytest's usage error (several lines: usage, error, inifile, rootdir) as one line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if " error: " in line:
            return line.split(" error: ", 1)[1]
    for line in lines:
        if line.startswith("ERROR: "):
            return line[len("ERROR: ") :]
    return lines[0] if lines else "pytest refused the arguments"


def _network_line(path: Path) -> str:
    """One line on the flaky network the run went through (`--embedded-network`)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        counts = ", ".join(f"{kind} {n}" for kind, n in record["injected"].items())
        requests = record["requests"]
        return f"newapi-contract: flaky network {record['spec']}: {requests} requests, injected {counts}"
    except (OSError, ValueError, KeyError, AttributeError) as exc:
        return f"newapi-contract: flaky network: {path} is unreadable ({exc})"


def _check_forwarded(pytest_args: list[str]) -> None:
    """An option of `run` itself after `--` would reach pytest's copy alone (the summary in
    one place, the HTML and JUnit in another): refused, naming it."""
    owned = owned_flags("run") | {"--clause"}
    for arg in pytest_args:
        flag = arg.split("=", 1)[0]
        if flag in owned:
            raise UsageError(f"{flag} after `--` is an option of run itself: put it before `--`")


def _hypothesis_home(report_dir: Path) -> None:
    """Hypothesis's files (its constants cache; the run keeps no example database) go where
    the run's files go, not into the folder the run starts in."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(report_dir / ".hypothesis")


def pytest_configure(config: pytest.Config) -> None:
    """This module is a pytest plugin of `run`'s sessions too (`-p`, which xdist hands every
    worker): each process keeps hypothesis's files in the report directory, and test ids
    print as the report has them (`contracts/test_x.py::test_y`, relative to the folder
    holding contracts/), not relative to the current folder (`../venv/lib/...`)."""
    report_dir = config.getoption("newapi_report_dir", None)
    if report_dir:
        _hypothesis_home(Path(report_dir))
    setattr(config, "cwd_relative_nodeid", _short_nodeid)  # noqa: B010 (a method of this config only)


def _short_nodeid(nodeid: str) -> str:
    return nodeid


def run_command(args: argparse.Namespace) -> Exit:
    # Everything that can be checked before the run is, before any report is touched: a stop
    # here is one line (and the CI step summary's), with no pytest header.
    try:
        _check_forwarded(list(args.pytest_args))
        settings = _settings(args)
        check_report_dir(settings.report_dir)
        if unknown := sorted(set(args.clause or ()) - set(load_clauses())):
            raise UsageError(f"--clause: unknown clause(s) {', '.join(unknown)} (contracts/clauses.yaml)")
        known = None
        if settings.known_failures:  # a file that cannot be read: exit 2, no report touched
            known = load_known_failures(settings.known_failures, load_clauses())
        if settings.base_url is not None:
            preflight(settings)  # the target first: an unreachable one is the thing to fix
        check_credentials(settings)
        # The target found and the users bootstrapped before pytest starts (the session uses
        # these), so that a refusal there stops the run here too.
        context = _started(settings)
    except (ContractError, RoadFault) as exc:
        return _stopped(str(exc), exc.exit_code)
    network_file = settings.report_dir / NETWORK_FILE
    network_file.unlink(missing_ok=True)  # an earlier run's
    _hypothesis_home(settings.report_dir)
    try:
        return _session(args, settings, Prepared(settings, context, known), network_file)
    finally:
        _end(context)


def _stopped(message: str, code: Exit) -> Exit:
    """A run that stopped before any verdict: one line, and the CI step summary says so."""
    print(
        f"newapi-contract: error: {message} (no reports written, earlier ones left as they were; "
        f"exit {code:d})",
        file=sys.stderr,
    )
    append_step_summary(error_markdown(message, code))
    return code


def _started(settings: RunSettings) -> RunContext:
    context = RunContext(settings)
    try:
        with context.recorder.scope("(bootstrap)"):  # not counted against the first test's clause
            context.start()
    except BaseException:
        context.close()
        raise
    return context


def _end(context: RunContext) -> None:
    """Clean up and close, unless the session did (its `run_context` fixture): a session that
    stopped before its first test still leaves nothing behind."""
    if context.closed:
        return
    if context.ledger.live() or context.pending_names:
        left = context.cleanup(report=lambda line: print(f"newapi-contract: {line}", file=sys.stderr))
        if left:
            print(f"newapi-contract: {context.cleanup_hint(left)}", file=sys.stderr)
    context.close()


def _session(args: argparse.Namespace, settings: RunSettings, handed: Prepared, network_file: Path) -> Exit:
    """Run pytest on the contract with what `run` prepared; the suite's exit code."""
    earlier = _EarlierReports(settings.report_dir)
    verdict = _Verdict(earlier)
    held = io.StringIO()
    real_stderr, sys.stderr = sys.stderr, held  # pytest's usage errors come as several lines
    try:
        status = int(pytest.main(_pytest_args(args, settings), plugins=[verdict, handed]))
    except BaseException:
        earlier.restore()
        raise
    finally:
        sys.stderr = real_stderr
    if network_file.exists():
        print(_network_line(network_file), file=sys.stderr)
    if verdict.fatal:
        code = verdict.fatal_exit if verdict.fatal_exit is not None else Exit.INTERNAL
    elif verdict.uncollected:  # pytest calls it "interrupted"; it is a bug of the suite
        verdict.fatal = f"the contract's tests could not be collected ({', '.join(verdict.uncollected)})"
        code = Exit.INTERNAL
    else:
        code = _FROM_PYTEST.get(status, Exit.INTERNAL)
    report_dir = settings.report_dir
    tally = verdict.tally
    if verdict.fatal or code == Exit.USAGE:  # stopped before a verdict
        message = verdict.fatal or (
            _nothing_selected(tally)
            if status == pytest.ExitCode.NO_TESTS_COLLECTED
            else _usage_message(held.getvalue())
        )
        earlier.restore()  # what the run wrote claims nothing; the earlier reports stay
        return _stopped(message, code)
    if code == Exit.INTERRUPTED and (tally is None or not tally.judged()):
        earlier.restore()  # stopped before any verdict: what it wrote claims nothing
        print(
            f"newapi-contract: interrupted before any clause was judged (no reports written, earlier "
            f"ones left as they were; exit {code:d})",
            file=sys.stderr,
        )
        return code
    earlier.drop()
    sys.stderr.write(held.getvalue())
    if code == Exit.INTERNAL:
        print(
            "newapi-contract: internal error of the suite (pytest's INTERNALERROR above), "
            f"no verdict on the server; please report it (exit {code:d})",
            file=sys.stderr,
        )
        return code
    if code in (Exit.HELD, Exit.FAILED) and tally is not None and tally.judged():
        counts = tally.counts()
        # A clause that failed is a defect whatever else happened; otherwise a clause the
        # road kept from a verdict makes the run inconclusive (3), never red (1).
        code = Exit.FAILED if counts["failed"] else (Exit.TARGET if counts["unverified"] else Exit.HELD)
        if code == Exit.TARGET:
            print(_road_line(tally), file=sys.stderr)
            if any(kind == "internal" for _, kind, _ in tally.road_faults):
                code = Exit.INTERNAL  # the guard refused one of the suite's own requests: a bug
    if tally is not None:
        for line in tally.known_warnings():  # so the file stays honest
            print(f"newapi-contract: {line}", file=sys.stderr)
    written = [name for name in REPORT_FILES if (report_dir / name).exists()]
    what = ", ".join(written) if written else "none written"
    stopped = "interrupted; " if code == Exit.INTERRUPTED else ""
    if tally is not None and tally.judged():
        append_step_summary(run_markdown(tally, code, report_dir, written))
    print(f"newapi-contract: {stopped}reports in {report_dir}: {what} (exit {code:d})", file=sys.stderr)
    return code


def _nothing_selected(tally: Any) -> str:
    """Why a run selected no test: every selected one does not apply, or none matched."""
    reasons = tally.not_applicable_reasons() if tally is not None else {}
    if reasons:
        shown = "; ".join(f"{cid}: {why}" for cid, why in reasons.items())
        return f"no selected test applies to this run ({shown})"
    return "no test matched the selection"


def cleanup_command(args: argparse.Namespace) -> int:
    settings = _settings(args)
    if settings.base_url is None:
        raise UsageError("cleanup needs --base-url (or NEWAPI_BASE_URL): the embedded server keeps nothing")
    ctx = RunContext(settings, ledger_file=False)
    try:
        ctx.start()
        adopted = ctx.adopt_leftovers(args.prefix)
        left = ctx.cleanup(report=lambda line: print(f"newapi-contract: {line}", file=sys.stderr))
    finally:
        ctx.close()
    print(f"newapi-contract: deleted {len(adopted) - len(left)} leftover token(s) named {args.prefix}*")
    if left:
        print(f"newapi-contract: could not delete {left}", file=sys.stderr)
        return Exit.TARGET
    return Exit.HELD
