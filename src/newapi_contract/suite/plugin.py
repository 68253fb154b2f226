"""The pytest plugin of newapi-contract (registered by its `pytest11` entry point).

It gives contract tests (under `contracts/`) their target, users, guarded clients
and token factory; it ties every test to its clause; it attaches each test's HTTP
exchanges to the HTML report and writes `summary.json`. It stays inert for tests
that name no clause, so plain `pytest` over the harness's own tests touches no
network.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.contract.clauses import NO_PEER, load_clauses
from newapi_contract.contract.expectations import Expectations, for_generation
from newapi_contract.contract.verdict import ClauseViolation
from newapi_contract.errors import ContractError, RoadFault, TargetError
from newapi_contract.paths import CONTRACTS_DIR, EFFECTIVE_CONTRACT
from newapi_contract.report.extras import clause_html, exchanges_html, run_summary_html
from newapi_contract.report.summary import ClauseTally
from newapi_contract.report.timings import RunTimings, samples_of, timings_html
from newapi_contract.suite.run_context import Actor, RunContext, Target
from newapi_contract.suite.settings import RunSettings, add_options
from newapi_contract.suite.tokens import TokenFactory

CTX = pytest.StashKey[RunContext]()
TALLY = pytest.StashKey[ClauseTally]()
TIMINGS = pytest.StashKey[RunTimings]()  # this process's (under xdist, the controller's: all)
SAMPLES = pytest.StashKey[list[Any]]()  # a test's answered exchanges, until its teardown report


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(id): the contract clause a test checks")
    config.addinivalue_line("markers", "last: run after every other test (judges what they observed)")
    config.stash[TIMINGS] = RunTimings()
    worker = hasattr(config, "workerinput")
    config.pluginmanager.register(_Timings(config.stash[TIMINGS], worker), "newapi-contract-timings")
    if _runs_contracts(config):
        # One seed for the whole run, chosen here so that it is printed and reported and
        # `--hypothesis-seed` replays the run (xdist hands the option to every worker).
        if config.getoption("hypothesis_seed", None) is None and hasattr(config.option, "hypothesis_seed"):
            config.option.hypothesis_seed = str(random.SystemRandom().randrange(2**32))
        if getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput"):
            config.pluginmanager.register(_XdistController(config), "newapi-contract-xdist")
        # SIGTERM (a CI job cancelled) ends the run like Ctrl-C, so teardown still cleans up.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _raise_interrupt)
    if not hasattr(config, "workerinput"):
        tally = config.stash[TALLY] = ClauseTally(load_clauses())
        config.pluginmanager.register(_Tally(tally), "newapi-contract-tally")
        if config.pluginmanager.hasplugin("html"):
            config.pluginmanager.register(_HtmlColumns(tally, config.stash[TIMINGS]), "newapi-contract-html")


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _clause_id(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("clause")
    return str(marker.args[0]) if marker and marker.args else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    clauses = load_clauses()
    wanted = set(config.getoption("newapi_clauses") or ())
    if unknown := wanted - set(clauses):
        raise pytest.UsageError(f"--clause: unknown clause(s) {', '.join(sorted(unknown))}")
    if wanted:
        deselected = [item for item in items if _clause_id(item) not in wanted]
        items[:] = [item for item in items if _clause_id(item) in wanted]
        config.hook.pytest_deselected(items=deselected)
    if any(_clause_id(item) for item in items):
        try:  # now, so that the first test's requests are recorded in its own scope
            _context(config)
        except ContractError as exc:
            raise pytest.UsageError(str(exc)) from None
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)  # stable
    for item in items:
        cid = _clause_id(item)
        if cid is None:
            if CONTRACTS_DIR in item.path.parents:
                raise pytest.UsageError(f"{item.nodeid}: a contract test must name its clause")
            continue
        if cid not in clauses:
            raise pytest.UsageError(f"{item.nodeid}: unknown clause {cid!r} (contracts/clauses.yaml)")


# -- the run's objects ---------------------------------------------------------------


def _context(config: pytest.Config) -> RunContext:
    """The run's objects (no network yet); under xdist a worker adopts the controller's target."""
    if CTX not in config.stash:
        workerinput = getattr(config, "workerinput", {})
        settings = RunSettings.from_config(config)
        if settings.rate and workerinput.get("workercount"):
            # The limit is per client IP upstream (ref §7): the workers share the budget.
            settings = replace(settings, rate=settings.rate / int(workerinput["workercount"]))
        ctx = RunContext(settings, worker=workerinput.get("workerid"))
        config.stash[TIMINGS].budgets_ms = {op: sec * 1000 for op, sec in settings.latency_budgets}
        if workerinput.get("newapi_shared"):
            ctx.adopt(workerinput["newapi_shared"])
        config.stash[CTX] = ctx
    return config.stash[CTX]


def _note_target(config: pytest.Config, ctx: RunContext) -> None:
    """pytest-base-url's "Base URL" row of the report's environment table: the embedded
    server's address too, once it is known."""
    from pytest_metadata.plugin import metadata_key

    if ctx.target is not None and metadata_key in config.stash:
        config.stash[metadata_key]["Base URL"] = ctx.target.base_url


def _exit_on(exc: ContractError) -> None:
    code = 3 if isinstance(exc, TargetError) else 4
    pytest.exit(f"newapi-contract: error: {exc}", returncode=code)


class _XdistController:
    """Under xdist the controller finds the target and the test users once and hands them to
    every worker. Per-worker bootstraps would each rotate the test users' access tokens
    (GET /api/user/token rotates, ref §6), invalidating the other workers' tokens, and race
    to create the users; each worker keeps its own ledger, run prefix and cleanup."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.shared: dict[str, Any] | None = None

    def pytest_configure_node(self, node: Any) -> None:
        if self.shared is None:
            try:
                self.shared = _context(self.config).share()
            except ContractError as exc:
                _exit_on(exc)
            _note_target(self.config, _context(self.config))
        node.workerinput["newapi_shared"] = self.shared

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if CTX in config.stash:
            config.stash[CTX].close()


def _runs_contracts(config: pytest.Config) -> bool:
    """Whether the command line names the contract tests (the controller collects nothing)."""
    for arg in config.args:
        path = Path(arg.split("::")[0]).resolve()
        if path == CONTRACTS_DIR or CONTRACTS_DIR in path.parents:
            return True
    return False


@pytest.fixture(scope="session")
def run_context(pytestconfig: pytest.Config) -> Iterator[RunContext]:
    try:
        ctx = _context(pytestconfig)
        with ctx.recorder.scope("(bootstrap)"):  # not counted against the first test's clause
            ctx.start()
    except ContractError as exc:
        _exit_on(exc)
    _note_target(pytestconfig, ctx)
    try:
        yield ctx
    finally:
        left = ctx.cleanup()
        if left:
            pytestconfig.get_terminal_writer().line(
                f"newapi-contract: {len(left)} token(s) of this run could not be deleted "
                f"(ids {left}); `newapi-contract cleanup` removes them later",
                yellow=True,
            )
        ctx.close()


@pytest.fixture(scope="session")
def target(run_context: RunContext) -> Target:
    assert run_context.target is not None
    return run_context.target


@pytest.fixture(scope="session")
def profile(run_context: RunContext) -> str:
    """The generated layer's budget: "quick" (CI) or "thorough" (release)."""
    return run_context.settings.profile


@pytest.fixture(scope="session")
def revocation_bound(run_context: RunContext) -> float:
    """Seconds after a delete's answer within which the deleted key must be refused."""
    return run_context.settings.revocation_bound_s


@pytest.fixture(scope="session")
def latency_budgets(run_context: RunContext) -> dict[str, float]:
    """Operation -> seconds, from `--latency-budget` (empty: latency is only observed)."""
    return dict(run_context.settings.latency_budgets)


@pytest.fixture(scope="session")
def run_timings(pytestconfig: pytest.Config) -> RunTimings:
    """The answers this process has seen so far (the latency clauses run last)."""
    return pytestconfig.stash[TIMINGS]


@pytest.fixture(scope="session")
def expect(target: Target) -> Expectations:
    return for_generation(target.generation)


@pytest.fixture(scope="session")
def owner(run_context: RunContext) -> Actor:
    assert run_context.owner is not None
    return run_context.owner


@pytest.fixture(scope="session")
def peer(run_context: RunContext) -> Actor:
    if run_context.peer is None:
        pytest.skip(NO_PEER)
    return run_context.peer


@pytest.fixture(scope="session")
def ledger(run_context: RunContext) -> Any:
    return run_context.ledger


@pytest.fixture(scope="session")
def guard(run_context: RunContext) -> Any:
    return run_context.guard


@pytest.fixture(scope="session")
def pacer(run_context: RunContext) -> Any:
    return run_context.pacer


@pytest.fixture(scope="session")
def recorder(run_context: RunContext) -> Any:
    return run_context.recorder


@pytest.fixture(scope="session")
def redactor(run_context: RunContext) -> Any:
    return run_context.redactor


@pytest.fixture(scope="session")
def requests_session(run_context: RunContext) -> Any:
    """A guarded requests.Session, for schemathesis (which sends with requests)."""
    from newapi_contract.client.requests_adapter import guarded_session
    from newapi_contract.suite.bootstrap import no_cookie_policy

    session = guarded_session(
        guard=run_context.guard,
        pacer=run_context.pacer,
        recorder=run_context.recorder,
        redactor=run_context.redactor,
        timeout=run_context.settings.timeout,
    )
    session.cookies.set_policy(no_cookie_policy())
    yield session
    session.close()


@pytest.fixture(scope="session")
def token_factory(run_context: RunContext, owner: Actor) -> TokenFactory:
    """Makes tokens the run owns (see `suite.tokens`); the only ones it will delete."""
    return TokenFactory(run_context, owner)


@pytest.fixture
def make_token(token_factory: TokenFactory) -> TokenFactory:
    return token_factory


@pytest.fixture(autouse=True)
def _clause_gate(request: pytest.FixtureRequest) -> None:
    """Skip a clause test that does not apply to this target, with the reason."""
    cid = _clause_id(request.node)
    if cid is None:
        return
    ctx: RunContext = request.getfixturevalue("run_context")
    assert ctx.target is not None
    reason = load_clauses()[cid].skip_reason(ctx.target.generation, has_peer=ctx.peer is not None)
    if reason:
        pytest.skip(reason)


# -- reporting -----------------------------------------------------------------------


def _run_info(ctx: RunContext, config: pytest.Config) -> dict[str, Any]:
    contract = EFFECTIVE_CONTRACT
    digest = hashlib.sha256(contract.read_bytes()).hexdigest() if contract.exists() else ""
    target = ctx.target
    return {
        "target": target.base_url if target and not target.embedded else "embedded reference server",
        "generation": target.generation if target else "",
        "generation_detected": target.detected if target else None,
        "server_version": target.version if target else "",
        "contract": str(contract.relative_to(contract.parents[1])),
        "contract_sha256": digest,
        "run_prefix": ctx.run_prefix,
        "seed": config.getoption("hypothesis_seed", None),
        "profile": ctx.settings.profile,
        "users": ctx.users_origin,
        "pacing_waited_s": round(ctx.pacer.waited_s, 1),
        "throttled": ctx.pacer.throttled,
        "requests": ctx.pacer.sent,
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    ctx = item.config.stash.get(CTX, None)
    if ctx is None or _clause_id(item) is None:
        yield
        return
    with ctx.recorder.scope(item.nodeid):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    ctx = item.config.stash.get(CTX, None)
    if ctx is None:
        return
    cid = _clause_id(item)
    if cid is not None and call.excinfo is not None and isinstance(call.excinfo.value, RoadFault):
        _mark_unverified(report, item, call.excinfo.value)
    _redact_report(report, ctx.redactor)
    if cid is None:
        return
    report.user_properties.append(("clause", cid))
    violation = (
        call.excinfo.value if call.excinfo and isinstance(call.excinfo.value, ClauseViolation) else None
    )
    if violation is not None and violation.clause:
        report.user_properties.append(("failed_clause", violation.clause))
    if report.when == "teardown":
        samples = item.stash.setdefault(SAMPLES, []) + samples_of(ctx.recorder.take(item.nodeid))
        report.user_properties.append(("timings", json.dumps([s.as_row() for s in samples])))
        report.user_properties.append(("requests", ctx.recorder.count_by_scope().get(item.nodeid, 0)))
        report.user_properties.append(("run_info", json.dumps(_run_info(ctx, item.config))))
        return
    if report.when == "call" or report.outcome == "failed":
        verdict = "held" if report.passed else ("skipped" if report.skipped else "FAILED")
        extras = getattr(report, "extras", [])
        html = clause_html(load_clauses()[cid], violation, verdict)
        taken = ctx.recorder.take(item.nodeid)
        item.stash.setdefault(SAMPLES, []).extend(samples_of(taken))
        html += exchanges_html(taken)
        from pytest_html import extras as html_extras

        extras.append(html_extras.html(html))
        report.extras = extras


def _mark_unverified(report: pytest.TestReport, item: pytest.Item, fault: RoadFault) -> None:
    """A test stopped by the road (throttling, network, proxy, a lost answer) proves
    nothing about the server: it is reported as skipped, with the clause *unverified*."""
    reason = f"unverified ({fault.kind}): {fault}"
    report.outcome = "skipped"
    report.longrepr = (str(item.path), (item.location[1] or 0) + 1, reason)
    report.user_properties.append(("unverified", reason))
    report.user_properties.append(("road_fault", fault.kind))


def _redact_report(report: pytest.TestReport, redactor: Any) -> None:
    """Failure text and captured output pass the redactor before any reporter sees them:
    pytest prints fixture values (credentials, keys) in long tracebacks."""
    if report.failed and report.longrepr is not None:
        report.longrepr = redactor.text(str(report.longrepr))
    report.sections = [(title, redactor.text(content)) for title, content in report.sections]


class _Timings:
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


class _Tally:
    """Feeds every test report (workers' too, under xdist) into the clause tally."""

    def __init__(self, tally: ClauseTally) -> None:
        self.tally = tally

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.tally.add(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if TALLY not in config.stash:
        return
    tally = config.stash[TALLY]
    if not tally.results:
        return
    report_dir = _context(config).settings.report_dir if CTX in config.stash else None
    if report_dir is None:
        report_dir = RunSettings.from_config(config).report_dir
    tally.write(report_dir / "summary.json", config.stash[TIMINGS].as_dict())


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    tally = config.stash.get(TALLY, None)
    if tally is None or not tally.results:
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
        tw.line(line, red=line.lstrip().startswith("failed"), green=line.lstrip().startswith("held"))
    for line in config.stash[TIMINGS].lines():
        tw.line(line)
    counts = tally.counts()
    tw.line(
        f"clauses: {counts['held']} held, {counts['failed']} failed, "
        f"{counts['unverified']} unverified, {counts['skipped']} skipped, {counts['not run']} not run"
    )


class _HtmlColumns:
    """A Clause column in pytest-html's results table, so rows sort and group by clause,
    and the run's facts and the clause verdicts at the top of the report."""

    def __init__(self, tally: ClauseTally, timings: RunTimings) -> None:
        self.tally = tally
        self.timings = timings

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, '<th class="sortable" data-column-type="clause">Clause</th>')

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        clause = dict(report.user_properties).get("clause", "")
        cells.insert(1, f'<td class="col-clause">{clause}</td>')

    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str]) -> None:
        contract = (
            json.loads(EFFECTIVE_CONTRACT.read_text(encoding="utf-8")) if EFFECTIVE_CONTRACT.exists() else {}
        )
        prefix.extend(run_summary_html(self.tally, contract))
        prefix.append(timings_html(self.timings))
