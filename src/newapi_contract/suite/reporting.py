"""The plugin's reporting hooks: every output (HTML, JUnit, summary.json, terminal) tells
the same truth about every clause.

Per test (in the process that runs it, an xdist worker or the only one): a failure becomes
a bug report (`report.failure.Failure`), carried in the report's user properties; its
headline (clause, expected, observed) becomes the crash message JUnit and the terminal's
short summary print; the HTML row gets the bug report card or the folded exchanges.

Schemathesis runs the generated layer as pytest subtests whose node id carries the operation
(`test_generated[DELETE /api/token/{id}]`). pytest fails the parent of a failed subtest only
when the ids agree, and pytest-html shows a node only at its teardown, so without help the
subtest's failure reached the terminal and JUnit while the HTML row said "Passed". Here the
parent fails too ("N generated case(s) failed"), and the subtest gets a closing teardown
report, so that the HTML and JUnit show it as its own failed row, with its clause.

On the controller: the clause tally (fed by every process's reports), whether the run was
interrupted, summary.json, the terminal's clause section, and pytest-html's hooks.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.client.recording import Observation
from newapi_contract.contract.clauses import load_clauses
from newapi_contract.errors import ContractError, Exit, FeatureAbsent, GuardRefusal, RoadFault
from newapi_contract.paths import EFFECTIVE_CONTRACT, SERVER_NOTES, SUMMARY_JSON
from newapi_contract.report.cards import failure_card, passed_html
from newapi_contract.report.failure import Failure, failure_from
from newapi_contract.report.known import KnownFailure, KnownFailures, load_known_failures
from newapi_contract.report.longrepr import headed, redact_longrepr
from newapi_contract.report.page import page_title, run_summary_html, verdict_sentence
from newapi_contract.report.progress import Progress
from newapi_contract.report.replay import base_nodeid, replay_command
from newapi_contract.report.sources import notes_sections
from newapi_contract.report.summary import ClauseTally
from newapi_contract.report.timings import RunTimings, samples_of, timings_html
from newapi_contract.suite.handover import run_settings

__all__ = [
    "CSS_FILES",
    "FATAL",
    "FATAL_EXIT",
    "TALLY",
    "Controller",
    "ProgressHooks",
    "Reporting",
    "clause_id",
    "progress_for",
    "run_info",
]

TALLY = pytest.StashKey[ClauseTally]()
KNOWN = pytest.StashKey[KnownFailures | None]()  # this process's --known-failures
FATAL = pytest.StashKey[str]()  # why the run stopped before a verdict (pytest.exit)
FATAL_EXIT = pytest.StashKey[Exit]()  # and the exit code that stop means (errors.Exit)
TIMINGS = pytest.StashKey[RunTimings]()  # this process's (under xdist, the controller's: all)
SAMPLES = pytest.StashKey[list[Any]]()  # a test's answered exchanges, until its teardown report
_SHOWN = pytest.StashKey[set[int]]()  # the shared observations already in a test's report
# The shared observations whose answers are already among the process's latency samples (each
# is shown in the report of every test judging it, but its answers were received once).
_SAMPLED = pytest.StashKey[dict[int, Observation]]()
# The report's styles, appended to pytest-html's: the verdict box both pages share, then its own.
CSS_FILES = tuple(Path(__file__).resolve().parents[1] / "report" / f for f in ("verdict.css", "report.css"))

_IN_CALL = pytest.StashKey[bool]()  # the item's call phase is running: a "call" report is a subtest's
_SUBFAILED = pytest.StashKey[list[str]]()  # headlines of the item's failed subtests
_LONGREPR = pytest.StashKey[Any]()  # the failure text as made here (schemathesis rewrites it later)


def clause_id(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("clause")
    return str(marker.args[0]) if marker and marker.args else None


def _html_extra(report: pytest.TestReport, html: str) -> None:
    from pytest_html import extras as html_extras

    report.extras = [*getattr(report, "extras", []), html_extras.html(html)]  # type: ignore[attr-defined]


def _location(item: pytest.Item) -> tuple[str, int | None, str]:
    """The test's own file and line (schemathesis's lazy tests report its own module)."""
    path, _, domain = item.location
    if Path(path).name == item.path.name:
        return item.location
    try:
        rel = str(item.path.relative_to(item.config.rootpath))
        text = item.path.read_text(encoding="utf-8").splitlines()
    except (ValueError, OSError):
        return item.location
    name = getattr(item, "originalname", item.name)
    pattern = re.compile(rf"^\s*def {re.escape(name)}\(")
    found = next((n for n, src in enumerate(text) if pattern.match(src)), None)
    return rel, found, domain


def _redaction_note(redactor: Any) -> str:
    if getattr(redactor, "short_passwords", 0):
        return (
            "a password shorter than 8 characters was used: it is masked where it stands (password "
            "fields, credential headers) but cannot be searched for in free text"
        )
    return "every secret the run met is replaced wherever it appears"


def run_info(ctx: Any, config: pytest.Config) -> dict[str, Any]:
    """The run's facts as this process knows them (merged over workers by the tally)."""
    contract = EFFECTIVE_CONTRACT
    digest = hashlib.sha256(contract.read_bytes()).hexdigest() if contract.exists() else ""
    target = ctx.target
    return {
        "target": target.base_url if target and not target.embedded else "embedded reference server",
        "generation": target.generation if target else "",
        "generation_detected": target.detected if target else None,
        "server_version": target.version if target else "",
        "server_features": "; ".join(target.features.describe()) if target and target.features else "",
        "redaction": _redaction_note(ctx.redactor),
        "contract": str(contract.relative_to(contract.parents[1])),
        "contract_sha256": digest,
        "run_prefix": ctx.run_prefix,
        "seed": config.getoption("hypothesis_seed", None),
        "profile": ctx.settings.profile,
        "users": ctx.users_origin,
        "pacing_waited_s": round(ctx.pacer.waited_s, 1),
        "throttled": ctx.pacer.throttled,
        "requests": ctx.pacer.sent,
        "requests_by_limiter": dict(ctx.pacer.sent_by_limiter),
        "wait_budget_s": ctx.settings.max_wait,
        "learned_limits": ctx.pacer.learned(),
        "network_faults": dict(ctx.road.faults),
        "network_resends": ctx.road.resent,
    }


def _mark_unverified(report: pytest.TestReport, item: pytest.Item, fault: RoadFault) -> None:
    """A test stopped by the road (throttling, network, proxy, a lost answer) proves
    nothing about the server: it is reported as skipped, with the clause *unverified*."""
    reason = f"unverified ({fault.kind}): {fault}"
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, reason)
    report.user_properties.append(("unverified", reason))
    report.user_properties.append(("road_fault", fault.kind))


def _mark_interrupted(report: pytest.TestReport, item: pytest.Item) -> None:
    """Ctrl-C or SIGTERM in the middle of a test (pytest's subtests report it as the subtest's
    failure) says nothing about the server: the clause is unverified, the run interrupted."""
    reason = "unverified (interrupted): the run was stopped (Ctrl-C, SIGTERM) during this test"
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, reason)
    report.user_properties.append(("unverified", reason))
    report.user_properties.append(("road_fault", "interrupted"))


def _mark_known(report: pytest.TestReport, entry: KnownFailure) -> None:
    """A failure listed in --known-failures (in force) is an expected failure: xfailed in the
    terminal, `<skipped type="pytest.xfail">` in JUnit, so a dashboard shows no failed test
    for a run that exits 0; the tally still counts it as failed, then known."""
    report.outcome = "skipped"
    report.wasxfail = f"known defect {entry.ticket} (until {entry.until.isoformat()}): {entry.reason}"
    report.user_properties.append(("known", entry.ticket))


def _mark_not_applicable(
    report: pytest.TestReport, item: pytest.Item, absent: FeatureAbsent, ctx: Any
) -> None:
    """A test that needed a route this release does not have (reference §10) judges nothing:
    it is reported as skipped, not applicable, and later tests needing it skip at once."""
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, f"not applicable: {absent}")
    if ctx.target is not None and ctx.target.features is not None:
        ctx.target.features.note_absent(absent.feature)


def _mark_harness_error(report: pytest.TestReport, item: pytest.Item, error: ContractError) -> None:
    """A set-up request the server could not serve (TargetError), or a request the guard kept
    from being sent (GuardRefusal, a bug of the suite), judged nothing of the promise: the
    clause is unverified, and the run ends with the error's exit code, never as red."""
    kind = "internal" if isinstance(error, GuardRefusal) else "harness"
    reason = f"unverified ({kind}): the suite could not check it: {type(error).__name__}: {error}"
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, reason)
    report.user_properties.append(("unverified", reason))
    report.user_properties.append(("road_fault", kind))


def _take(item: pytest.Item, ctx: Any, scope: str) -> list[Any]:
    """The test's exchanges so far, out of the recorder, with those of any shared observation
    it judges (a fixture value with an `observation`, see `client.recording.Observation`);
    their timings stay with the test (the "timings" property of its teardown report)."""
    shown = item.stash.setdefault(_SHOWN, set())
    sampled = item.config.stash.setdefault(_SAMPLED, {})  # holds them: no id is reused
    again: set[int] = set()
    for value in getattr(item, "funcargs", {}).values():
        observation = getattr(value, "observation", None)
        if isinstance(observation, Observation) and id(observation) not in shown:
            shown.add(id(observation))
            if id(observation) in sampled:
                again.update(id(exchange) for exchange in observation.exchanges)
            sampled[id(observation)] = observation
            observation.attach_to(scope)
    taken = ctx.recorder.take(scope)
    # Latency counts each answer once, like the run's request count does.
    item.stash.setdefault(SAMPLES, []).extend(samples_of([ex for ex in taken if id(ex) not in again]))
    return taken


class Timings:
    """Feeds every test's latency samples and revocation rows into this process's figures.
    The samples are dropped from the report once read (a worker first hands them on), so
    that JUnit does not carry them."""

    def __init__(self, timings: RunTimings, worker: bool) -> None:
        self.timings = timings
        self.worker = worker

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.timings.add(report.user_properties, report.nodeid, report.when)
        if not self.worker:
            report.user_properties[:] = [p for p in report.user_properties if p[0] != "timings"]


class Reporting:
    """Per-test reporting, in every process that runs tests (see the module doc)."""

    def __init__(self, config: pytest.Config, context: Callable[[], Any]) -> None:
        self.config = config
        self._context = context  # the run's RunContext, or None before/without one

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        item.stash[_IN_CALL] = True
        try:
            yield
        finally:
            item.stash[_IN_CALL] = False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
        outcome: Any = yield
        report: pytest.TestReport = outcome.get_result()
        ctx = self._context()
        if ctx is None:
            return
        cid = clause_id(item)
        exc = call.excinfo.value if call.excinfo is not None else None
        if cid is not None and isinstance(exc, RoadFault):
            _mark_unverified(report, item, exc)
        if cid is not None and isinstance(exc, KeyboardInterrupt) and report.failed:
            _mark_interrupted(report, item)  # a subtest reports Ctrl-C as its failure
        if cid is not None and isinstance(exc, FeatureAbsent):
            _mark_not_applicable(report, item, exc, ctx)
        elif cid is not None and isinstance(exc, ContractError) and report.failed:
            _mark_harness_error(report, item, exc)
        report.longrepr = redact_longrepr(report.longrepr, ctx.redactor.text)
        report.sections = [(title, ctx.redactor.text(content)) for title, content in report.sections]
        if cid is None:
            return
        report.location = _location(item)
        report.user_properties.append(("clause", cid))
        scope = base_nodeid(item)  # the recorder's scope: the test's id, also inside a subtest
        subtest = call.when == "call" and item.stash.get(_IN_CALL, False)
        if report.when == "teardown":
            _take(item, ctx, scope)
            samples = item.stash.get(SAMPLES, [])
            report.user_properties.append(("timings", json.dumps([s.as_row() for s in samples])))
            report.user_properties.append(("requests", ctx.recorder.count_by_scope().get(scope, 0)))
            report.user_properties.append(("run_info", json.dumps(run_info(ctx, item.config))))
            return
        if subtest:
            report.user_properties.append(("subtest", "1"))
            if not report.failed:
                return  # a passing generated case: its exchanges stay for the test's own row
        clauses = load_clauses()
        if report.failed and exc is not None and not isinstance(exc, RoadFault):
            failure = self._failed(report, item, exc, cid, ctx, scope)
            entry = self._known(failure.clause) if report.when == "call" else None
            if entry is not None:
                _mark_known(report, entry)  # an expected failure for JUnit and the terminal
            elif subtest:
                item.stash.setdefault(_SUBFAILED, []).append(failure.headline())
            return
        subfailed = item.stash.get(_SUBFAILED, [])
        if report.when == "call" and subfailed and report.passed:
            # pytest would fail the parent of a failed subtest itself, had the ids agreed.
            n = len(subfailed)
            report.outcome = "failed"
            report.longrepr = f"{cid} failed: {n} generated case(s) failed, first: {subfailed[0]}"
            note = f"{n} generated case(s) of this test failed: see the row {report.nodeid}[...] for each."
            _html_extra(report, passed_html(clauses[cid], "failed", _take(item, ctx, scope), note=note))
            return
        if report.when == "call" or report.skipped:
            props = dict(report.user_properties)
            if report.passed:
                verdict, note = "held", ""
            elif "unverified" in props:
                verdict, note = "unverified", str(props["unverified"])
            else:
                verdict = "skipped"
                note = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            _html_extra(report, passed_html(clauses[cid], verdict, _take(item, ctx, scope), note=note))

    def _known(self, clause: str) -> KnownFailure | None:
        """The --known-failures entry in force for `clause`, read once per process (an xdist
        worker reads the file itself: the controller's tally is in another process)."""
        if KNOWN not in self.config.stash:
            tally = self.config.stash.get(TALLY, None)
            path = run_settings(self.config).known_failures
            if tally is not None:
                self.config.stash[KNOWN] = tally.known
            else:
                self.config.stash[KNOWN] = load_known_failures(path, load_clauses()) if path else None
        known = self.config.stash[KNOWN]
        return known.shields(clause) if known is not None else None

    def _failed(
        self, report: pytest.TestReport, item: pytest.Item, exc: BaseException, cid: str, ctx: Any, scope: str
    ) -> Failure:
        clauses = load_clauses()
        failure = failure_from(
            exc,
            test=report.nodeid,
            test_clause=cid,
            exchanges=_take(item, ctx, scope),
            redact=ctx.redactor.text,
            replay=replay_command(
                run_settings(self.config), item, self.config.getoption("hypothesis_seed", None)
            ),
        )
        if failure.clause not in clauses:
            failure.clause = cid
        if failure.clause != cid:
            report.user_properties.append(("failed_clause", failure.clause))
        report.user_properties.append(("failure", json.dumps(failure.as_dict(), ensure_ascii=False)))
        report.longrepr = headed(report.longrepr, failure.headline(), failure.text_block())
        item.stash[_LONGREPR] = report.longrepr
        # A known defect (--known-failures) shows as known in its row too.
        known = self._known(failure.clause) if report.when == "call" else None
        _html_extra(report, failure_card(failure, clauses.get(failure.clause), known=known))
        return failure

    @pytest.hookimpl(trylast=True)
    def pytest_exception_interact(self, node: Any, call: Any, report: pytest.TestReport) -> None:
        """schemathesis replaces a failed subtest's text with its own (unredacted) one."""
        stash = getattr(node, "stash", None)
        if stash is not None and report.failed and _LONGREPR in stash:
            report.longrepr = stash[_LONGREPR]
            del stash[_LONGREPR]

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Close a failed subtest with its own teardown report (see the module doc). Runs
        after pytest-html's and JUnit's hooks (registered after them, trylast), in the
        process that ran it (an xdist controller sees reports it did not make: `node`)."""
        props = dict(report.user_properties)
        if report.when != "call" or "subtest" not in props or not report.failed:
            return
        if getattr(report, "node", None) is not None:
            return
        closing = pytest.TestReport(
            report.nodeid,
            report.location,
            {},
            "passed",
            None,
            "teardown",
            user_properties=[("clause", props["clause"])],
        )
        self.config.hook.pytest_runtest_logreport(report=closing)


class ProgressHooks:
    """Drives `report.progress.Progress` from pytest's test events (controller only)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.total = len(session.items)
        self.progress.start_live()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        self.progress.total = len(ids)

    @pytest.hookimpl(trylast=True)  # after the terminal reporter wrote the test's name
    def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
        self.progress.test_started()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.progress.erase()  # before the terminal reporter writes the result
        if report.when == "setup" and report.passed:  # pytest writes nothing for it: draw on
            self.progress.test_started()

    def pytest_runtest_logfinish(self, nodeid: str, location: Any) -> None:
        self.progress.test_finished()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.progress.stop()


def progress_for(config: pytest.Config, tally: ClauseTally, context: Callable[[], Any]) -> Progress:
    """A live line on a terminal (serial runs), plain periodic lines otherwise (CI, xdist)."""
    from newapi_contract.report.progress import Counters

    def counters() -> Counters:
        ctx = context()
        if ctx is not None and ctx.pacer is not None and not getattr(config.option, "numprocesses", None):
            return Counters(ctx.pacer.sent, ctx.pacer.waited_s, ctx.pacer.throttled)
        info = tally.run_info  # xdist: the workers' counters, as of their last finished test
        return Counters(
            int(info.get("requests") or 0),
            float(info.get("pacing_waited_s") or 0),
            int(info.get("throttled") or 0),
        )

    reporter = config.pluginmanager.get_plugin("terminalreporter")
    live_fd = None
    if reporter is not None and sys.stdout.isatty() and not getattr(config.option, "numprocesses", None):
        live_fd = os.dup(sys.stdout.fileno())  # pytest's capture redirects fd 1 while a test runs
    tw = getattr(reporter, "_tw", None)

    def room() -> int:
        if tw is None or live_fd is None:
            return 0
        try:
            columns = os.get_terminal_size(live_fd).columns
        except OSError:
            return 0
        return columns - tw.width_of_current_line

    def write_line(text: str) -> None:
        if reporter is not None:
            reporter.write_line(text)

    return Progress(
        counters, live_fd=live_fd, write_line=None if live_fd is not None else write_line, room=room
    )


class Controller:
    """The run's verdicts, on the process that writes the reports (see the module doc)."""

    def __init__(
        self,
        config: pytest.Config,
        tally: ClauseTally,
        report_dir: Callable[[], Path],
        context: Callable[[], Any] = lambda: None,
    ) -> None:
        self.config = config
        self.tally = tally
        self._context = context
        self._report_dir = report_dir
        self._html_report: Any = None
        self.summary_path: Path | None = None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.tally.add(report)

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        self.tally.interrupted = True

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus == pytest.ExitCode.INTERRUPTED or session.shouldstop or session.shouldfail:
            self.tally.interrupted = bool(self.tally.results) or self.tally.interrupted
        ctx = self._context()
        if ctx is not None and ctx.target is not None:
            # The final counters, the clean-up's requests included (session fixtures are torn
            # down by now); xdist workers send theirs (`worker_sessionfinish`).
            self.tally.note_info(run_info(ctx, self.config))
        path = self._report_dir() / SUMMARY_JSON
        if FATAL in self.config.stash or not self.tally.results:
            path.unlink(missing_ok=True)  # an earlier run's verdict must not pass for this one's
            return
        self.tally.write(path, self.config.stash[TIMINGS].as_dict() if TIMINGS in self.config.stash else None)
        self.summary_path = path
        self._quiet_failures(session)

    def _quiet_failures(self, session: pytest.Session) -> None:
        """A verdict's terminal shows one bug report per root cause (`pytest_terminal_summary`),
        not pytest's tracebacks of the harness (`require`, schemathesis' exception groups) and
        its list of failed test ids: those stay in the HTML report and JUnit, whose texts were
        made when each test ended. Only the terminal's sections are turned off, and only when
        every failure has its bug report (an error in a fixture keeps its traceback)."""
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is None or reporter.stats.get("error") or not self.tally.failures:
            return
        self.config.option.tbstyle = "no"
        reporter.reportchars = ""

    def pytest_terminal_summary(self, terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
        tally = self.tally
        if not tally.results:
            return
        tw = terminalreporter
        tw.section("newapi-contract: clauses")
        info = tally.run_info
        if info:
            tw.line(
                f"target: {info.get('target')} | generation {info.get('generation')} | "
                f"version {info.get('server_version') or 'unknown'} | run prefix {info.get('run_prefix')} | "
                f"seed {info.get('seed')}"
            )
            tw.line(
                f"requests: {info.get('requests')} | waited for pacing: {info.get('pacing_waited_s')} s | "
                f"429 answers: {info.get('throttled')}"
            )
        for line in tally.lines():
            word = line.split()[0]
            tw.line(line, red=word == "failed", green=word == "held", yellow=word == "unverified")
        counts = tally.counts()
        if TIMINGS in config.stash:
            for line in config.stash[TIMINGS].lines():
                tw.line(line)
        tw.line(
            "clauses: "
            + ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n or verdict != "known")
            + (" (interrupted)" if tally.interrupted else ""),
            bold=True,
        )
        causes = tally.root_causes()
        for root in causes.roots:
            failures = tally.failures.get(root, [])
            tw.line("")
            if failures:
                block = failures[0].text_block().splitlines()
                tw.line(f"root cause: {block[0]}", red=True)
                for line in block[1:]:
                    tw.line(line)
            else:
                tw.line(f"root cause: {root} failed (see the HTML report)", red=True)
            dependents = causes.dependents(root)
            if dependents:
                tw.line(f"  also failing, probably because of {root}: {', '.join(dependents)}")
        if self.summary_path is not None:
            where = [str(self.summary_path)]
            html = config.getoption("htmlpath", None)
            junit = config.getoption("xmlpath", None)
            where += [p for p in (html, junit) if p]
            missing = (
                ""
                if html and junit
                else " (no HTML or JUnit report: add --html=... --junitxml=..., or use `newapi-contract run`)"
            )
            tw.line(f"newapi-contract: wrote {', '.join(where)}{missing}")

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        """The verdict, last: after pytest's own count of tests and the reports' paths."""
        tally = self.tally
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if not tally.results or reporter is None:
            return
        reporter.write_line(
            verdict_sentence(tally),
            red=tally.verdict() == "failed",
            green=tally.verdict() == "held",
            bold=True,
        )

    # -- pytest-html ---------------------------------------------------------------------

    def pytest_html_report_title(self, report: Any) -> None:
        self._html_report = report
        report.title = "newapi-contract: token deletion contract"

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, '<th class="sortable" data-column-type="clause">Clause</th>')

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        props = dict(getattr(report, "user_properties", ()))  # a collection error has none
        clause = props.get("failed_clause") or props.get("clause", "")
        tag = " · unverified" if "unverified" in props else ""
        cells.insert(1, f'<td class="col-clause">{clause}{tag}</td>')

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        if self._html_report is not None:
            self._html_report.title = page_title(self.tally)
        contract = (
            json.loads(EFFECTIVE_CONTRACT.read_text(encoding="utf-8")) if EFFECTIVE_CONTRACT.exists() else {}
        )
        fatal = self.config.stash.get(FATAL, None)
        if fatal:
            prefix.append(
                "<div class='nac-verdict nac-run-no-verdict'><p class='nac-verdict-line'>"
                f"NO VERDICT: the run stopped: {escape(fatal)}</p></div>"
            )
        notes = notes_sections(SERVER_NOTES.read_text(encoding="utf-8")) if SERVER_NOTES.exists() else {}
        prefix.extend(run_summary_html(self.tally, contract, notes))
        if TIMINGS in self.config.stash:
            prefix.append(timings_html(self.config.stash[TIMINGS]))


def worker_sessionfinish(config: pytest.Config, ctx: Any) -> None:
    """An xdist worker's final counters, for the controller (`pytest_testnodedown`)."""
    if ctx is not None and ctx.target is not None and hasattr(config, "workeroutput"):
        config.workeroutput["newapi_run_info"] = json.dumps(run_info(ctx, config))
