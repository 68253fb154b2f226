"""The replay line of a failure: exactly the failing test, with every option the run used.

`newapi-contract run [options] -- '<node id>' --hypothesis-seed=N` runs that one test (`run`
adds `contracts/` only when no test is named) against the same target, with the same
embedded server faults, profile, pacing and seed. Credentials are not part of it: they come
from the same NEWAPI_* variables.
"""

from __future__ import annotations

import shlex
from typing import Any

from newapi_contract.run.settings import NETWORK_PATIENCE_S, WAIT_BUDGET_S, RunSettings

__all__ = ["base_nodeid", "replay_command", "replay_line", "run_options"]


def base_nodeid(node: Any) -> str:
    """The node id pytest can select. Inside a schemathesis subtest the item's id carries the
    operation (`test_generated[DELETE /api/token/{id}]`), which names no collectable test."""
    parent = getattr(node, "parent", None)
    name = getattr(node, "name", None)
    if parent is None or not name or not getattr(parent, "nodeid", ""):
        return str(node.nodeid)
    return f"{parent.nodeid}::{name}"


def run_options(settings: RunSettings) -> list[str]:
    """The `newapi-contract run` options that reproduce these settings."""
    words: list[str] = []
    if settings.base_url:
        words += ["--base-url", settings.base_url]
    else:
        words += ["--embedded-generation", settings.embedded_generation]
        if settings.embedded_faults:
            words += ["--embedded-faults", ",".join(settings.embedded_faults)]
        if settings.embedded_rate_limits:
            words += ["--embedded-rate-limits", "on"]
    if settings.generation:
        words += ["--server-generation", settings.generation]
    words += ["--profile", settings.profile]
    if settings.rate:
        words += ["--rate", f"{settings.rate:g}"]
    if settings.max_wait != WAIT_BUDGET_S[settings.profile]:
        words += ["--max-wait", f"{settings.max_wait:g}"]
    if settings.network_patience != NETWORK_PATIENCE_S:
        words += ["--network-patience", f"{settings.network_patience:g}"]
    return words


def replay_line(options: list[str], nodeid: str, seed: Any) -> str:
    words = ["newapi-contract", "run", *options, "--", nodeid]
    if seed is not None:
        words.append(f"--hypothesis-seed={seed}")
    return shlex.join(words)


def replay_command(settings: RunSettings, node: Any, seed: Any) -> str:
    """The replay line of the test `node` in a run with these settings and hypothesis seed."""
    return replay_line(run_options(settings), base_nodeid(node), seed)
