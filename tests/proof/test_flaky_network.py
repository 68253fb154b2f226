"""No false alarm from the road: behind a flaky network, a healthy reference server never
makes `newapi-contract run` exit 1, and no token of the run is left alive afterwards.

Each fault kind alone at a high rate, then the mix at about 4 %, in both generations. The
proxy and the server live in this process, so the test reads what was injected and lists
the run's tokens straight from the server's store, bypassing the proxy. A run that the
road kept from a verdict may exit 3, but it must still have judged most clauses: a run
that checked nothing would pass any "never exit 1" test. The wiring of
`--embedded-network` (proxy started by the run itself) has one run of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from tiers import cases

from newapi_contract.refserver.flaky import RunningProxy, start_proxy
from newapi_contract.refserver.flaky_spec import parse_spec
from newapi_contract.refserver.server import RunningServer, ServerConfig, start

ROOT_PASSWORD = "flaky-network-root-pw"
# Each kind alone, "high" for its cost: every latency hit adds 2 s, every timeout hit the
# client's whole timeout, every redeploy a window of 503s.
ALONE = {
    "reset": "rate=0.2",
    "lost": "rate=0.15",
    "bad-gateway": "rate=0.2",
    "latency": "rate=0.08",
    "redeploy": "rate=0.05,redeploy=2",
    "timeout": "rate=0.08,hold=2.5",
}
MIX = "kinds=all,rate=0.04,hold=4"
# The client's patience (--request-timeout): above the 2 s latency, below the held answers
# (2.5 s alone, 4 s in the mix), so that a held answer is a timeout and a late one is not.
TIMEOUTS = {kind: "1.5" if kind == "timeout" else "5" for kind in ALONE}
TIMEOUT_MIX = "3"
CLAUSES = 27
SEEDS = {"legacy": 9101, "current": 9102}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_") and k != "PYTEST_BASE_URL"}
    return {**env, "NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": ROOT_PASSWORD}


@contextmanager
def behind(generation: str, spec_text: str) -> Iterator[tuple[RunningServer, RunningProxy]]:
    with (
        start(ServerConfig(generation=generation)) as server,
        start_proxy(server.base_url, parse_spec(spec_text)) as proxy,
    ):
        yield server, proxy


def live_run_tokens(server: RunningServer) -> list[tuple[int, str]]:
    """The run's tokens (named with its `nac-` prefix) still alive, straight from the store."""
    rows = server.store.all_tokens()
    return [
        (row["id"], row["name"]) for row in rows if row["name"].startswith("nac-") and not row["deleted_at"]
    ]


def assert_no_false_alarm(run, *, minimum_held: int = CLAUSES // 2) -> None:
    assert run.exit_code != 1, f"a healthy server was reported broken:\n{run.output[-5000:]}"
    assert run.exit_code in (0, 3), run.output[-3000:]
    assert (run.report_dir / "summary.json").exists(), f"the run judged nothing:\n{run.output[-3000:]}"
    assert run.summary["totals"]["failed"] == 0, run.clauses("failed")
    if run.exit_code == 3:  # inconclusive only because clauses went unverified, with the reason
        assert run.summary["totals"]["unverified"] > 0, run.output[-3000:]
    held = run.clauses("held")
    unverified = sorted(run.clauses("unverified"))
    assert len(held) >= minimum_held, f"only {len(held)} held; unverified {unverified}\n{run.output[-3000:]}"


def _run_through(run_suite, proxy: RunningProxy, timeout: str):
    return run_suite(
        "--base-url", proxy.base_url, "--rate", "0", "--", "-q", "--request-timeout", timeout,
        env=_env(), timeout=900,
    )  # fmt: skip


# Each kind alone in one generation (they alternate; the mix below runs in both). The
# default run keeps the lost answer alone (the server acted, the client never heard) and the
# mix in the current generation, which has every kind; `pytest -m slow` runs the rest.
GENERATION_OF = {kind: ("legacy", "current")[n % 2] for n, kind in enumerate(ALONE)}


@pytest.mark.parametrize(
    ("kind", "generation"), cases(((k, (k, g)) for k, g in GENERATION_OF.items()), {"lost"})
)
def test_one_kind_of_flaky_network_raises_no_false_alarm(run_suite, kind, generation):
    spec = f"seed={SEEDS[generation]},kinds={kind},{ALONE[kind]}"
    with behind(generation, spec) as (server, proxy):
        run = _run_through(run_suite, proxy, TIMEOUTS[kind])
        injected = proxy.injected()
        left = live_run_tokens(server)
    assert injected[kind] > 0, injected  # the network really was flaky
    assert_no_false_alarm(run)
    assert left == [], f"tokens of the run left alive: {left}\n{run.output[-3000:]}"


@pytest.mark.parametrize("generation", cases(((g, (g,)) for g in ("legacy", "current")), {"current"}))
def test_the_four_percent_mix_raises_no_false_alarm(run_suite, generation):
    with behind(generation, f"seed={SEEDS[generation]},{MIX}") as (server, proxy):
        run = _run_through(run_suite, proxy, TIMEOUT_MIX)
        injected = proxy.injected()
        left = live_run_tokens(server)
    assert sum(injected.values()) > 0, injected
    assert_no_false_alarm(run)
    assert left == [], f"tokens of the run left alive: {left}\n{run.output[-3000:]}"


def test_embedded_network_puts_the_proxy_between_the_run_and_its_server(run_suite):
    # The wiring only: kinds that cost no waiting (the kinds themselves are proven above).
    run = run_suite(
        "--embedded-network", "flaky:seed=9103,kinds=reset+bad-gateway,rate=0.1", "--", "-q",
        env=_env(), timeout=900,
    )  # fmt: skip
    network = json.loads((run.report_dir / "network.json").read_text(encoding="utf-8"))
    assert network["spec"].startswith("flaky:seed=9103,rate=0.1,") and sum(network["injected"].values()) > 0
    assert "newapi-contract: flaky network flaky:seed=9103," in run.output
    assert_no_false_alarm(run)
    # The embedded server ends with the run: the run's own account is all there is. A ledger
    # file stays in the report directory when cleanup could not delete everything.
    assert list(run.report_dir.glob("ledger-*.json")) == [], run.output[-3000:]
