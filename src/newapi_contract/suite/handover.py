"""What `newapi-contract run` hands the pytest session: the settings it parsed and checked, the
known failures it read, and the run context it started (target probed, users bootstrapped).

`run` does all of that before pytest starts, so a stop there (no credentials, a refused
login, an unreachable server) is one line, with no pytest header and no report touched; the
session then uses these objects instead of parsing its options again. A session without a
hand-over (`pytest contracts` in a checkout) and each xdist worker (another process: it gets
the forwarded options and adopts the controller's target) build their settings from pytest's
options, once per process (`run_settings`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from newapi_contract.report.known import KnownFailures
from newapi_contract.run.context import RunContext
from newapi_contract.run.settings import RunSettings

__all__ = ["Prepared", "prepared", "run_settings"]

SETTINGS = pytest.StashKey[RunSettings]()


@dataclass(frozen=True, eq=False)  # hashed by identity, as pluggy keeps its plugins in a set
class Prepared:
    """Passed to `pytest.main(plugins=[...])`: a plugin object without hooks, found by its type."""

    settings: RunSettings
    context: RunContext
    known: KnownFailures | None


def prepared(config: pytest.Config) -> Prepared | None:
    """The hand-over of `run`, if this session has one (never in an xdist worker)."""
    return next((p for p in config.pluginmanager.get_plugins() if isinstance(p, Prepared)), None)


def run_settings(config: pytest.Config) -> RunSettings:
    """The run's settings: handed over by `run`, else read from pytest's options once."""
    if SETTINGS not in config.stash:
        handed = prepared(config)
        config.stash[SETTINGS] = handed.settings if handed else RunSettings.from_config(config)
    return config.stash[SETTINGS]
