"""Pacing end to end: against a server whose limiters throttle the run (upstream's shape of
limits, scaled down so the test is short), the run waits out every 429 and still holds every
clause; the report says how much it waited."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from newapi_contract.target.ratelimit import Limit, RateLimits
from newapi_contract.target.server import ServerConfig, start


@pytest.mark.parametrize("generation", ["legacy", "current"])  # Retry-After only in current
def test_throttled_run_waits_and_holds(tmp_path, generation):
    limits = RateLimits(global_api=Limit(60, 3), critical=Limit(30, 60), search=Limit(10, 60))
    with start(ServerConfig(generation=generation, rate_limits=True, limits=limits)) as server:
        env = {**os.environ, "NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": "throttled-root-pw"}
        done = subprocess.run(
            [sys.executable, "-m", "newapi_contract.cli", "run", "--base-url", server.base_url,
             "--rate", "0", "--report-dir", str(tmp_path), "--", "-q"],
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    run = json.loads((tmp_path / "summary.json").read_text())["run"]
    assert run["throttled"] > 0, run  # the server did throttle this run...
    assert run["pacing_waited_s"] > 0, run  # ...and the run waited instead of failing
