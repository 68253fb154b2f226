"""Root conftest: hypothesis profiles for everything run from this checkout.

The contract plugin itself is registered by its `pytest11` entry point
(`newapi_contract.suite.plugin`); listing it here too would abort pytest with
"Plugin already registered". `tests/conftest.py` loads the "harness" profile for the
harness's own tests; contract runs keep hypothesis's defaults plus the run's seed.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

# Deterministic and deadline-free: the harness's property tests talk to real sockets
# now and then, and a slow CI machine must not turn them red.
settings.register_profile(
    "harness",
    derandomize=True,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
# Under mutmut (bench/mutation.py) a failing example only has to be found, not shrunk: a
# mutant is killed by the first failure, and shrinking it would cost seconds per mutant.
settings.register_profile(
    "mutation",
    settings.get_profile("harness"),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    database=None,
)
