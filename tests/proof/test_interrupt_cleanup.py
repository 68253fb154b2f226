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


def _leftovers(base_url: str, generation: str = "current") -> list[str]:
    """Names of the test users' live tokens that carry a run prefix."""
    names = []
    for user in (OWNER_NAME, PEER_NAME):
        with httpx.Client(base_url=base_url) as client:
            password = derived_password(ROOT_PASSWORD, user)
            data = client.post("/api/user/login", json={"username": user, "password": password}).json()[
                "data"
            ]
            if generation == "current":
                headers = {"Authorization": f"Bearer {data['access_token']}"}
            else:  # legacy: the session cookie (kept by the client) and New-Api-User
                headers = {"New-Api-User": str(data["id"])}
            listed = client.get("/api/token/", params={"page_size": 100}, headers=headers).json()
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


def test_cleanup_command_removes_what_a_killed_run_left(tmp_path):
    """SIGKILL leaves no chance to clean up: `newapi-contract cleanup` removes the leftovers
    by their run prefix, and nothing else."""
    with start(ServerConfig(generation="legacy")) as server:
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
        run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not list(tmp_path.glob("ledger-*.json")) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        run.kill()
        run.wait(timeout=30)
        assert _leftovers(server.base_url, "legacy"), "the killed run left nothing to clean up"
        done = subprocess.run(
            [sys.executable, "-m", "newapi_contract.cli", "cleanup", "--base-url", server.base_url],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "deleted" in done.stdout
        assert _leftovers(server.base_url, "legacy") == []
