"""The pytest plugin of newapi-contract (registered by its `pytest11` entry point).

It gives contract tests (under `contracts/`) their target, users, guarded clients
and token factory; it ties every test to its clause; its reporting hooks
(`suite.reporting`) turn failures into bug reports for the HTML report, JUnit, the
terminal and `summary.json`.

It is active only in a session that runs the contract: one whose arguments name the
contract's tests (`newapi-contract run`, or `pytest contracts` in a checkout). In every
other pytest session of the environment (the harness's own tests, an unrelated project)
it only adds its options: `pytest_configure` reads no file, registers nothing and
changes no option, and no other hook of it acts (as pytest-base-url and pytest-html
stay out of the way until asked).
"""

from __future__ import annotations

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
from newapi_contract.contract.expectations import Expectations, for_server
from newapi_contract.contract.features import Features
from newapi_contract.errors import ContractError, RoadFault
from newapi_contract.paths import CONTRACTS_DIR
from newapi_contract.report.failure import Failure, failure_from
from newapi_contract.report.known import KnownFailures, load_known_failures
from newapi_contract.report.summary import NOT_APPLICABLE, ClauseTally
from newapi_contract.report.timings import RunTimings
from newapi_contract.run.context import Actor, RunContext, Target
from newapi_contract.run.settings import RunSettings, add_options, check_report_dir
from newapi_contract.run.tokens import TokenFactory
from newapi_contract.suite.allure import AllureLabels, allure_wanted
from newapi_contract.suite.handover import prepared, run_settings
from newapi_contract.suite.reporting import (
    CSS_FILES,
    FATAL,
    FATAL_EXIT,
    TALLY,
    TIMINGS,
    Controller,
    ProgressHooks,
    Reporting,
    Timings,
    clause_id,
    progress_for,
    worker_sessionfinish,
)

CTX = pytest.StashKey[RunContext]()
ACTIVE = pytest.StashKey[bool]()  # this session runs the contract (set in pytest_configure)
__all__ = ["ACTIVE", "CTX", "FATAL", "FATAL_EXIT", "TALLY"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def _active(config: pytest.Config) -> bool:
    return config.stash.get(ACTIVE, False)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.stash[ACTIVE] = _runs_contracts(config)
    if not config.stash[ACTIVE]:
        return  # inert: not a contract run (see the module doc)
    config.addinivalue_line("markers", "clause(id): the contract clause a test checks")
    config.addinivalue_line(
        "markers", "judges_the_run: judges answers the whole run received; runs after the other tests"
    )
    config.addinivalue_line(
        "markers",
        "not_applicable_if(check): check(params, target, settings) gives why the test does not apply "
        "(deselected, its clause reported not applicable) or None; mark with "
        "`pytest.mark.not_applicable_if.with_args(check)` (a bare function would be decorated)",
    )
    config.stash[TIMINGS] = RunTimings()
    worker = hasattr(config, "workerinput")
    config.pluginmanager.register(Timings(config.stash[TIMINGS], worker), "newapi-contract-timings")
    if prepared(config) is None:  # `run` checked them already, before pytest started
        _check_settings(config)  # before any report is touched: one line, exit 2
    if allure_wanted(config):  # `-- --alluredir DIR`: allure-pytest writes, this labels
        config.pluginmanager.register(AllureLabels(load_clauses()), "newapi-contract-allure")
    # One seed for the whole run, chosen here so that it is printed and reported and
    # `--hypothesis-seed` replays the run (xdist hands the option to every worker).
    if config.getoption("hypothesis_seed", None) is None and hasattr(config.option, "hypothesis_seed"):
        config.option.hypothesis_seed = str(random.SystemRandom().randrange(2**32))
    if getattr(config.option, "numprocesses", None) and not worker:
        config.pluginmanager.register(_XdistController(config), "newapi-contract-xdist")
    # SIGTERM (a CI job cancelled) ends the run like Ctrl-C, so teardown still cleans up.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)
    # The report's styles (pytest-html reads --css in its own pytest_configure, after this)
    # and short tracebacks: the bug report is what a reader needs, not fixture reprs.
    if hasattr(config.option, "css"):
        config.option.css.extend(str(f) for f in CSS_FILES if str(f) not in config.option.css)
    if getattr(config.option, "tbstyle", None) == "auto":
        config.option.tbstyle = "short"
    if not worker:
        tally = config.stash[TALLY] = ClauseTally(load_clauses())
        tally.known = _known_failures(config, tally)
        config.pluginmanager.register(
            Controller(
                config,
                tally,
                lambda: _report_dir(config),
                lambda: config.stash.get(CTX, None),
            ),
            "newapi-contract-controller",
        )


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Per-test reporting, registered this late on purpose: its trylast logreport hook must
    run after pytest-html's (pluggy calls the latest-registered trylast hook last)."""
    config = session.config
    if not _active(config):
        return
    if TALLY in config.stash and not config.pluginmanager.has_plugin("newapi-contract-progress"):
        progress = progress_for(config, config.stash[TALLY], lambda: config.stash.get(CTX, None))
        config.pluginmanager.register(ProgressHooks(progress), "newapi-contract-progress")
    if not config.pluginmanager.has_plugin("newapi-contract-reporting"):
        config.pluginmanager.register(
            Reporting(config, lambda: config.stash.get(CTX, None)), "newapi-contract-reporting"
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        ctx = session.config.stash.get(CTX, None)
        worker_sessionfinish(session.config, ctx)
        if hasattr(session.config, "workeroutput"):
            output = session.config.workeroutput
            if ctx is not None and ctx.audit_verdicts:
                output["newapi_audit"] = json.dumps(ctx.audit_verdicts)
            output["newapi_not_applicable"] = json.dumps(
                session.config.stash.get(NOT_APPLICABLE_HERE, ([], {}))
            )


def _generated_at_session_end(ctx: RunContext, session: pytest.Session) -> None:
    """DEL-GEN-2 judges what the generated test sent in its own process (contract.generated.SENT):
    under xdist a worker that ran the generated test but not DEL-GEN-2's test judges it here."""
    from newapi_contract.contract.generated import SENT, strays

    cid = "DEL-GEN-2"
    if not SENT or cid in ctx.reported_here or not any(_clause_id(i) == cid for i in session.items):
        return
    test = f"(DEL-GEN-2 over worker {ctx.worker}'s generated requests at its session's end)"
    found = strays(SENT)
    verdict: dict[str, Any] = {"test": test, "verdict": "failed" if found else "held"}
    if found:
        failure = failure_from(
            AssertionError(f"[DEL-GEN-2] generated DELETEs reached ids outside the ledger: {found}"),
            test=test,
            test_clause=cid,
            exchanges=[],
            redact=ctx.redactor.text,
        )
        verdict["failure"] = failure.as_dict()
    ctx.audit_verdicts[cid] = verdict


def _audit_at_session_end(ctx: RunContext, session: pytest.Session) -> None:
    """Under xdist, the audit clauses (contract.audit) no test of this worker reported: this
    worker's tokens are audited here, after its last test and before its cleanup, and the
    verdicts go to the controller's tally (`_XdistController.pytest_testnodedown`). Each
    worker audits only its own ledger: another worker's deletes are never judged here."""
    from newapi_contract.contract import audit

    _generated_at_session_end(ctx, session)
    wanted = {cid for item in session.items if (cid := _clause_id(item)) in audit.CLAUSES}
    left = sorted(wanted - ctx.reported_here)
    if not left or ctx.target is None:
        return
    test = f"(audit of worker {ctx.worker}'s tokens at its session's end)"
    try:
        findings, tokens, observation = audit.run(ctx, ctx.recorder)
    except (ContractError, RoadFault) as exc:  # no answer, no verdict: never a false alarm
        for cid in left:
            ctx.audit_verdicts[cid] = {"test": test, "verdict": "unverified", "reason": str(exc)}
        return
    for cid in left:
        if tokens == 0:
            ctx.audit_verdicts[cid] = {
                "test": test,
                "verdict": "skipped",
                "reason": "this worker made no token",
            }
            continue
        found = findings[cid]
        verdict: dict[str, Any] = {"test": test, "verdict": "failed" if found else "held"}
        if found:
            violation = audit.violation(cid, found, tokens)
            failure = failure_from(
                violation,
                test=test,
                test_clause=cid,
                exchanges=observation.exchanges,
                redact=ctx.redactor.text,
            )
            verdict["failure"] = failure.as_dict()
        ctx.audit_verdicts[cid] = verdict


def _report_dir(config: pytest.Config) -> Path:
    return run_settings(config).report_dir


def _check_settings(config: pytest.Config) -> None:
    try:
        settings = run_settings(config)
        check_report_dir(settings.report_dir)
    except ContractError as exc:
        raise pytest.UsageError(str(exc)) from None
    wanted = set(config.getoption("newapi_clauses") or ())
    if unknown := wanted - set(load_clauses()):
        raise pytest.UsageError(
            f"--clause: unknown clause(s) {', '.join(sorted(unknown))} (contracts/clauses.yaml)"
        )


def _known_failures(config: pytest.Config, tally: ClauseTally) -> KnownFailures | None:
    """`--known-failures FILE`, read once on the process that judges the run (by `run`)."""
    handed = prepared(config)
    if handed is not None:
        return handed.known
    path = run_settings(config).known_failures
    if not path:
        return None
    try:
        return load_known_failures(path, tally.clauses)
    except ContractError as exc:
        raise pytest.UsageError(str(exc)) from None


_SIGNALLED: list[int] = []


def _raise_interrupt(signum: int, frame: Any) -> None:
    # Like Ctrl-C. Python may swallow an exception raised where the signal lands (inside a
    # __del__ or a generator's cleanup: "Exception ignored in ..."), so the signal is also
    # remembered and ends the session after the test in progress (pytest_runtest_logfinish).
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    if _SIGNALLED:
        raise KeyboardInterrupt


_clause_id = clause_id


@pytest.hookimpl(trylast=True)  # after -k, -m and --deselect: only what they kept is judged
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not _active(config):
        return
    clauses = load_clauses()
    for item in items:
        cid = _clause_id(item)
        if cid is None:
            if CONTRACTS_DIR in item.path.parents:
                raise pytest.UsageError(f"{item.nodeid}: a contract test must name its clause")
        elif cid not in clauses:
            raise pytest.UsageError(f"{item.nodeid}: unknown clause {cid!r} (contracts/clauses.yaml)")
    wanted = set(config.getoption("newapi_clauses") or ())
    if unknown := wanted - set(clauses):
        raise pytest.UsageError(f"--clause: unknown clause(s) {', '.join(sorted(unknown))}")
    if wanted:
        _deselect(config, items, [item for item in items if _clause_id(item) not in wanted])
    items.sort(key=lambda item: item.get_closest_marker("judges_the_run") is not None)  # stable
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)  # stable
    if any(_clause_id(item) for item in items):
        try:
            _context(config)
        except ContractError as exc:
            raise pytest.UsageError(str(exc)) from None
        # The target now, so that what does not apply to it is never a test (`_not_applicable`)
        # and the first test's requests are recorded in its own scope.
        _deselect_not_applicable(config, items, _started(config))


def _deselect(config: pytest.Config, items: list[pytest.Item], gone: list[pytest.Item]) -> None:
    if gone:
        ids = {id(item) for item in gone}
        items[:] = [item for item in items if id(item) not in ids]
        config.hook.pytest_deselected(items=gone)


# This process's deselected tests, (clause, test, why), and the tests left of their clauses.
NOT_APPLICABLE_HERE = pytest.StashKey[tuple[list[tuple[str, str, str]], dict[str, list[str]]]]()


def _deselect_not_applicable(config: pytest.Config, items: list[pytest.Item], ctx: RunContext) -> None:
    """Deselect the tests that do not apply to this server or to the run's options: they are
    no tests of the run (not "skipped" in JUnit, the terminal or a CI dashboard); the tally
    reports their clauses as "not applicable", with the reason. Under xdist every worker
    decides alike (same options, the controller's target) and tells the controller at its end."""
    settings = run_settings(config)
    gone, notes = [], []
    for item in items:
        reason = _not_applicable(item, ctx, settings)
        if reason:
            gone.append(item)
            notes.append((str(_clause_id(item)), item.nodeid, reason))
    _deselect(config, items, gone)
    # The clauses with tests on both sides: judged by the tests left (`ClauseTally.note_selected`).
    touched = {cid for cid, _, _ in notes}
    selected = {cid: [i.nodeid for i in items if _clause_id(i) == cid] for cid in touched}
    config.stash[NOT_APPLICABLE_HERE] = (notes, selected)
    if TALLY in config.stash:
        _note_not_applicable(config.stash[TALLY], notes, selected)


def _note_not_applicable(
    tally: ClauseTally, notes: list[tuple[str, str, str]], selected: dict[str, list[str]]
) -> None:
    for cid, test, reason in notes:
        tally.note_verdict(cid, test, NOT_APPLICABLE, reason=reason)
    for cid, tests in selected.items():
        tally.note_selected(cid, tests)


def _not_applicable(item: pytest.Item, ctx: RunContext, settings: RunSettings) -> str | None:
    """Why the test `item` does not apply (its clause to this server's generation or features,
    or the test itself by its `not_applicable_if` marks), or None."""
    cid = _clause_id(item)
    target = ctx.target
    if cid is None or target is None:
        return None
    clause = load_clauses()[cid]
    absent = target.features.absent_reason(clause.needs) if target.features is not None else None
    if reason := clause.not_applicable(target.generation, absent):
        return reason
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    for mark in item.iter_markers("not_applicable_if"):
        if reason := mark.args[0](params, target, settings):
            return str(reason)
    return None


# -- the run's objects ---------------------------------------------------------------


def _context(config: pytest.Config) -> RunContext:
    """The run's objects: the ones `run` started (`suite.handover`), else built here with no
    network yet; under xdist a worker adopts the controller's target."""
    if CTX not in config.stash:
        handed = prepared(config)
        settings = run_settings(config)
        if handed is not None:
            ctx = handed.context
        else:
            workerinput = getattr(config, "workerinput", {})
            if settings.rate and workerinput.get("workercount"):
                # The limit is per client IP upstream (ref §7): the workers share the budget.
                settings = replace(settings, rate=settings.rate / int(workerinput["workercount"]))
            shared = workerinput.get("newapi_shared") or {}
            ctx = RunContext(settings, worker=workerinput.get("workerid"), run_id=shared.get("run_id"))
            if shared:
                ctx.adopt(shared)
        config.stash[TIMINGS].budgets_ms = {op: sec * 1000 for op, sec in settings.latency_budgets}
        config.stash[CTX] = ctx
    return config.stash[CTX]


def _started(config: pytest.Config) -> RunContext:
    """The run's objects with the target found and the users ready: `run` started them before
    pytest, an xdist worker adopted them; else (`pytest contracts`) they are started here."""
    ctx = _context(config)
    if ctx.target is None:
        try:
            with ctx.recorder.scope("(bootstrap)"):  # not counted against the first test's clause
                ctx.start()
        except (ContractError, RoadFault) as exc:  # no test can run: the target cannot be used now
            _exit_on(config, exc)
        _note_target(config, ctx)
    return ctx


def _note_target(config: pytest.Config, ctx: RunContext) -> None:
    """pytest-base-url's "Base URL" row of the report's environment table: the embedded
    server's address too, once it is known."""
    from pytest_metadata.plugin import metadata_key

    if ctx.target is not None and metadata_key in config.stash:
        config.stash[metadata_key]["Base URL"] = ctx.target.base_url


def _exit_on(config: pytest.Config, exc: ContractError | RoadFault) -> None:
    """Stop the run: no verdict (the reports say so; `run` prints the one line and cleans up).
    The exit code is the error's own (`errors.Exit`), kept beside the message: pytest's status
    alone cannot tell it from pytest's own codes (its 3 is INTERNAL_ERROR)."""
    config.stash[FATAL] = str(exc)
    config.stash[FATAL_EXIT] = exc.exit_code
    pytest.exit(f"newapi-contract: error: {exc}", returncode=int(exc.exit_code))


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
            except (ContractError, RoadFault) as exc:
                _exit_on(self.config, exc)
            _note_target(self.config, _context(self.config))
        node.workerinput["newapi_shared"] = self.shared

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        output = getattr(node, "workeroutput", {})
        final = output.get("newapi_run_info")
        if final and TALLY in self.config.stash:
            self.config.stash[TALLY].note_info(json.loads(final))
        if TALLY in self.config.stash and "newapi_not_applicable" in output:
            notes, selected = json.loads(output["newapi_not_applicable"])
            _note_not_applicable(self.config.stash[TALLY], [tuple(n) for n in notes], selected)
        audited = output.get("newapi_audit")
        if audited and TALLY in self.config.stash:
            for cid, verdict in json.loads(audited).items():
                failure = verdict.get("failure")
                self.config.stash[TALLY].note_verdict(
                    cid,
                    verdict["test"],
                    verdict["verdict"],
                    Failure.from_dict(failure) if failure else None,
                    verdict.get("reason", ""),
                )

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


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fixture the road stopped (RoadFault) is remembered as failed, as pytest remembers an
    Exception: it is a BaseException on purpose (see `errors`), which pytest would not cache,
    and the next test asking for the fixture would meet a half-built one."""
    try:
        return (yield)
    except RoadFault as fault:
        if fixturedef.cached_result is None:
            fixturedef.cached_result = (None, fixturedef.cache_key(request), (fault, fault.__traceback__))
        raise


@pytest.fixture(scope="session")
def run_context(pytestconfig: pytest.Config, request: pytest.FixtureRequest) -> Iterator[RunContext]:
    ctx = _started(pytestconfig)
    _note_target(pytestconfig, ctx)
    try:
        yield ctx
    finally:
        if ctx.worker is not None:
            _audit_at_session_end(ctx, request.session)
        left = ctx.cleanup(report=lambda line: pytestconfig.get_terminal_writer().line(line, yellow=True))
        if left:
            pytestconfig.get_terminal_writer().line(f"newapi-contract: {ctx.cleanup_hint(left)}", yellow=True)
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
def features(target: Target) -> Features:
    """What this server offers (`contract.features`): detected before the first test."""
    assert target.features is not None
    return target.features


@pytest.fixture(scope="session")
def expect(target: Target, features: Features) -> Expectations:
    return for_server(target.generation, features.checks_new_api_user)


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
    from newapi_contract.run.bootstrap import no_cookie_policy

    assert run_context.guard is not None  # the run context has started
    session = guarded_session(
        guard=run_context.guard,
        pacer=run_context.pacer,
        recorder=run_context.recorder,
        redactor=run_context.redactor,
        road=run_context.road,
        timeout=run_context.settings.timeout,
    )
    session.cookies.set_policy(no_cookie_policy())
    yield session
    session.close()


@pytest.fixture(scope="session")
def token_factory(run_context: RunContext, owner: Actor) -> TokenFactory:
    """Makes tokens the run owns (see `run.tokens`); the only ones it will delete."""
    return TokenFactory(run_context, owner)


@pytest.fixture
def make_token(token_factory: TokenFactory) -> TokenFactory:
    return token_factory


@pytest.fixture(autouse=True)
def _clause_gate(request: pytest.FixtureRequest) -> None:
    """Skip a clause test that does not apply to this target, with the reason."""
    cid = _clause_id(request.node)
    if cid is None or not _active(request.config):
        return
    ctx: RunContext = request.getfixturevalue("run_context")
    assert ctx.target is not None
    clause = load_clauses()[cid]
    features = ctx.target.features
    absent = features.absent_reason(clause.needs) if features is not None else None
    reason = clause.skip_reason(ctx.target.generation, has_peer=ctx.peer is not None, absent=absent)
    if reason:
        pytest.skip(reason)


# -- reporting (the hooks themselves live in suite.reporting) -----------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    ctx = item.config.stash.get(CTX, None)
    if ctx is None or _clause_id(item) is None:
        yield
        return
    with ctx.recorder.scope(item.nodeid):
        yield
