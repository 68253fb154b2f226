"""Generated layer: the budgets (profiles) and the schemathesis schema they load.

The effective contract is loaded with `contracts/schemathesis.toml` plus what only the run
knows: its base URL, its seed and the profile's number of examples. Credentials go in through
a schemathesis auth provider on the schema, never per-call `headers=` (which re-adds headers a
negative case removed: tooling facts).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from newapi_contract.errors import UsageError
from newapi_contract.paths import EFFECTIVE_CONTRACT, SCHEMATHESIS_CONFIG

__all__ = [
    "PROFILES",
    "SCHEMATHESIS_CONFIG",
    "Budget",
    "budget_for",
    "load_generated_schema",
]


@dataclass(frozen=True)
class Budget:
    """How much a profile generates. Requests, not cases, are what a rate-limited server counts:
    a generated case costs 1-5 requests (the delete, the read-back, minting a replacement), a
    state-machine step 1-4."""

    name: str
    max_examples: int  # schemathesis fuzzing examples per generation mode (positive, negative)
    coverage: bool  # schemathesis coverage phase (boundary and malformed ids and headers)
    machine_examples: int  # state-machine runs
    machine_steps: int  # rule steps per state-machine run (after the fixed opening)

    def machine_settings(self) -> settings:
        return settings(
            max_examples=self.machine_examples,
            stateful_step_count=self.machine_steps,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )


PROFILES: dict[str, Budget] = {
    # CI: about 45 requests for both generated tests together (embedded server, with a peer);
    # the whole quick run must fit one window of upstream's legacy limit (180 per 180 s)
    "quick": Budget("quick", max_examples=3, coverage=False, machine_examples=1, machine_steps=1),
    # release: about 1,500 requests; the pacer keeps it under a staging server's limits
    "thorough": Budget("thorough", max_examples=100, coverage=True, machine_examples=25, machine_steps=20),
}


def budget_for(profile: str) -> Budget:
    try:
        return PROFILES[profile]
    except KeyError:
        raise UsageError(f"unknown profile {profile!r}; use one of {sorted(PROFILES)}") from None


def load_generated_schema(
    base_url: str,
    *,
    access_token: str,
    budget: Budget,
    seed: int,
    contract: Path = EFFECTIVE_CONTRACT,
    config_file: Path = SCHEMATHESIS_CONFIG,
) -> Any:
    """The DELETE operation of the effective contract, ready to generate against `base_url`."""
    data = tomllib.loads(config_file.read_text(encoding="utf-8"))
    data["seed"] = seed
    data["base-url"] = base_url
    data.setdefault("generation", {})["max-examples"] = budget.max_examples
    data.setdefault("phases", {}).setdefault("coverage", {})["enabled"] = budget.coverage
    config = schemathesis.Config.from_dict(data, base_dir=str(config_file.parent))
    schema = schemathesis.openapi.from_path(contract, config=config).include(method="DELETE")

    class OwnerAccessToken:
        """The owner's access token, portable form (reference §2: `Bearer <token>`)."""

        def get(self, case: Any, ctx: Any) -> str:
            return access_token

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=None)(OwnerAccessToken)
    return schema
