"""Root conftest: settings shared by the harness's own tests (`tests/`).

The contract plugin itself is registered by its `pytest11` entry point
(`newapi_contract.suite.plugin`); listing it here too would abort pytest with
"Plugin already registered".
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Deterministic and deadline-free: the harness's property tests talk to real
# sockets now and then, and a slow CI machine must not turn them red.
settings.register_profile(
    "harness",
    derandomize=True,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("harness")
