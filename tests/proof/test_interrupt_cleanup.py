"""Interrupted runs clean up: Ctrl-C (SIGINT) or a cancelled CI job (SIGTERM) still deletes
every token the run created, on a server that outlives the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from newapi_contract.suite.bootstrap import OWNER_NAME, PEER_NAME, derived_password
from newapi_contract.target.server import ServerConfig, start

ROOT_PASSWORD = "interrupt-root-pw"


def _leftovers(base_url: str) -> list[str]:
    names = []
    for user in (OWNER_NAME, PEER_NAME):
        with httpx.Client(base_url=base_url) as client:
            login = client.post(
                "/api/user/login", json={"username": user, "password": derived_password(ROOT_PASSWORD, user)}
            )
            data = login.json()["data"]
            jwt = data["access_token"]
            listed = client.get(
                "/api/token/", params={"page_size": 100}, headers={"Authorization": f"Bearer {jwt}"}
            ).json()
        names += [t["name"] for t in listed["data"]["items"] if t["name"].startswith("nac-")]
    return names


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_deletes_what_it_created(tmp_path, sig):
    with start(ServerConfig(generation="current")) as server:
        env = {**os.environ, "NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": ROOT_PASSWORD}
        command = [
            sys.executable,
            "-m",
            "newapi_contract.cli",
            "run",
            "--base-url",
            server.base_url,
            "--rate",
            "0",
            "--report-dir",
            str(tmp_path),
        ]
        run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Interrupt once the run has created tokens (a ledger file appears with the first one).
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("ledger-*.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        assert run.poll() is None, "the run ended before it could be interrupted"
        run.send_signal(sig)
        output, _ = run.communicate(timeout=120)
        assert run.returncode != 0, output[-2000:]
        assert _leftovers(server.base_url) == [], output[-3000:]
        assert not list(tmp_path.glob("ledger-*.json")), "the ledger is kept only when tokens are left"
