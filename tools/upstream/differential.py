"""The differential check: the same scripted requests to upstream and to the reference
server of the same generation and limits, answers compared after normalising.

Two passes per generation, each on a fresh upstream and a fresh reference server:
- `main` (`sequence.yaml`): upstream's default limits (plus the caller's environment);
- `limits` (`limits_sequence.yaml`): small limits set through upstream's environment
  variables (`LIMITS_ENV`), and the same numbers given to the reference server by
  `RateLimits.from_env`, to compare the 429s, `Retry-After` and which routes are limited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newapi_contract.refserver.ratelimit import RateLimits
from newapi_contract.refserver.server import ServerConfig, start
from tools.upstream.compare import Difference, KnownDifference, Verdict, compare, judge, normalise
from tools.upstream.instance import PortRange, UpstreamInstance
from tools.upstream.sequence import HERE, Outcome, load_sequence, run_sequence

__all__ = ["LIMITS_ENV", "PASSES", "START_VARIABLES", "GenerationResult", "PassResult", "run_generation"]

START_VARIABLES: dict[str, Any] = {
    "root_password": "nac-diff-Root-1",
    "user_password": "password123",
    "never_key": "NeverIssuedKey0000000000000000000000000000000000"[:48],
}
# The limits pass: global 10 and search 1 per 10 minutes (no refill during the pass), 2
# critical per 10 minutes, web 1 per 2 s (the pass sleeps 3 s to see the slot reopen).
LIMITS_ENV = {
    "GLOBAL_API_RATE_LIMIT": "10",
    "GLOBAL_API_RATE_LIMIT_DURATION": "600",
    "GLOBAL_WEB_RATE_LIMIT": "1",
    "GLOBAL_WEB_RATE_LIMIT_DURATION": "2",
    "CRITICAL_RATE_LIMIT": "2",
    "CRITICAL_RATE_LIMIT_DURATION": "600",
    "SEARCH_RATE_LIMIT": "1",
    "SEARCH_RATE_LIMIT_DURATION": "600",
}
PASSES = {"main": ("sequence.yaml", {}), "limits": ("limits_sequence.yaml", LIMITS_ENV)}


@dataclass
class PassResult:
    name: str
    steps: int
    verdict: Verdict
    not_sent: list[str] = field(default_factory=list)


@dataclass
class GenerationResult:
    generation: str
    passes: list[PassResult]

    @property
    def unexplained(self) -> int:
        return sum(len(p.verdict.unexplained) + len(p.not_sent) for p in self.passes)


def _differences(
    ours: list[Outcome], ours_vars: Mapping[str, Any], theirs: list[Outcome], theirs_vars: Mapping[str, Any]
) -> tuple[list[Difference], list[str]]:
    differences: list[Difference] = []
    not_sent: list[str] = []
    for mine, their in zip(ours, theirs, strict=True):
        for side, outcome in (("reference", mine), ("upstream", their)):
            if outcome.not_sent:
                not_sent.append(f"{outcome.step.name}: not sent to {side}: {outcome.not_sent}")
        if mine.not_sent or their.not_sent:
            continue
        differences += compare(
            mine.step.name, normalise(mine.answer, ours_vars), normalise(their.answer, theirs_vars)
        )
    return differences, not_sent


def run_pass(
    name: str,
    generation: str,
    binary: Path,
    ports: PortRange,
    env: Mapping[str, str],
    known: list[KnownDifference],
) -> PassResult:
    sequence_file, pass_env = PASSES[name]
    steps = load_sequence(HERE / sequence_file)
    environment = {**env, **pass_env}
    limits = RateLimits.from_env(environment, generation)
    with UpstreamInstance(binary, ports, environment) as upstream:
        theirs, theirs_vars = run_sequence(upstream.base_url, steps, generation, START_VARIABLES)
    with start(ServerConfig(generation=generation, rate_limits=True, limits=limits)) as reference:
        ours, ours_vars = run_sequence(reference.base_url, steps, generation, START_VARIABLES)
    differences, not_sent = _differences(ours, ours_vars, theirs, theirs_vars)
    return PassResult(name, len(ours), judge(differences, known, generation), not_sent)


def run_generation(
    generation: str, binary: Path, ports: PortRange, env: Mapping[str, str], known: list[KnownDifference]
) -> GenerationResult:
    return GenerationResult(
        generation, [run_pass(name, generation, binary, ports, env, known) for name in PASSES]
    )
