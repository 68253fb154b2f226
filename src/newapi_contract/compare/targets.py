"""The two servers of a comparison: a URL, or `embedded:legacy` / `embedded:current` (the
reference server of that generation, started for the comparison; `embedded:current:F1,F2`
adds fault modes, `newapi-contract serve --list-faults`).

An embedded side imitates upstream with its generation's limiters on, except the per-IP
global and web ones (upstream's 180 or 360 per 180 s would make a comparison wait minutes
for nothing): the search limiter the scenario provokes, and the critical one, are
upstream's defaults. A URL side takes its credentials from `NEWAPI_BASELINE_*` or
`NEWAPI_CANDIDATE_*` (`ACCESS_TOKEN`, `USER_ID`, `PEER_ACCESS_TOKEN`, `PEER_USER_ID`,
`ROOT_USERNAME`, `ROOT_PASSWORD`) when any of them is set, else from the plain `NEWAPI_*`
variables `run` reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

from newapi_contract.errors import UsageError
from newapi_contract.run.settings import GENERATIONS, RunSettings

__all__ = ["EMBEDDED_LIMITS", "ROLES", "TargetSpec", "parse_target", "side_settings"]

ROLES = ("baseline", "candidate")
EMBEDDED_LIMITS = "global=off,web=off"  # the others: the generation's upstream defaults
_CREDENTIALS = {
    "ACCESS_TOKEN": "newapi_access_token",
    "USER_ID": "newapi_user_id",
    "PEER_ACCESS_TOKEN": "newapi_peer_access_token",
    "PEER_USER_ID": "newapi_peer_user_id",
    "ROOT_USERNAME": "newapi_root_username",
    "ROOT_PASSWORD": "newapi_root_password",
}


@dataclass(frozen=True)
class TargetSpec:
    text: str  # as given on the command line
    base_url: str | None  # None: the embedded reference server
    generation: str | None = None  # the embedded server's
    faults: tuple[str, ...] = ()

    @property
    def embedded(self) -> bool:
        return self.base_url is None


def parse_target(text: str, role: str) -> TargetSpec:
    """`http(s)://...` or `embedded:GENERATION[:FAULT,...]`; anything else is a usage error."""
    if text.startswith("embedded:"):
        generation, _, faults = text.removeprefix("embedded:").partition(":")
        if generation not in GENERATIONS:
            raise UsageError(f"{role} {text!r}: embedded:legacy or embedded:current")
        return TargetSpec(text, None, generation, tuple(f for f in faults.split(",") if f))
    if text.startswith(("http://", "https://")):
        return TargetSpec(text, text.rstrip("/"))
    raise UsageError(
        f"{role} {text!r}: expected a URL (http://... or https://...), embedded:legacy or embedded:current"
    )


def _credentials(role: str) -> dict[str, str]:
    """The side's own variables, all of them, if any is set (never mixed with the plain ones)."""
    prefix = f"NEWAPI_{role.upper()}_"
    given = {name: os.environ.get(prefix + name, "").strip() for name in _CREDENTIALS}
    if not any(given.values()):
        return {}
    return {dest: given[name] for name, dest in _CREDENTIALS.items()}


def side_settings(spec: TargetSpec, role: str, common: dict[str, Any]) -> RunSettings:
    """The run settings of one side: `common` (report dir, pacing, network) plus the target."""
    values = dict(common)
    if spec.embedded:
        values.update(
            {
                "newapi_embedded_generation": spec.generation,
                "newapi_faults": ",".join(spec.faults),
                "newapi_embedded_rate_limits": "on",
                "newapi_embedded_limit": EMBEDDED_LIMITS,
            }
        )
    own = {} if spec.embedded else _credentials(role)
    if not spec.embedded:
        values.update(
            {"base_url": spec.base_url, "newapi_embedded_network": "direct", "newapi_faults": "", **own}
        )
    try:
        settings = RunSettings.from_values(values)
    except UsageError as exc:
        message = str(exc)
        if own:  # the side's own variables were read: name them
            message = message.replace("NEWAPI_", f"NEWAPI_{role.upper()}_")
        raise UsageError(f"{role} {spec.text}: {message}") from None
    # NEWAPI_BASE_URL (the plain `run` default) never turns an embedded side into a remote one.
    return replace(settings, base_url=None) if spec.embedded else settings
