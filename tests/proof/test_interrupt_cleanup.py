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

from newapi_contract.refserver.server import ServerConfig, start
from newapi_contract.suite.bootstrap import OWNER_NAME, PEER_NAME, derived_password

ROOT_PASSWORD = "interrupt-root-pw"


def _login(client: httpx.Client, user: str, generation: str) -> dict[str, str]:
    """Headers that act as test user `user` (the client keeps legacy's session cookie)."""
    password = derived_password(ROOT_PASSWORD, user)
    data = client.post("/api/user/login", json={"username": user, "password": password}).json()["data"]
    if generation == "current":
        return {"Authorization": f"Bearer {data['access_token']}"}
    return {"New-Api-User": str(data["id"])}


def _names(base_url: str, user: str, generation: str) -> list[str]:
    with httpx.Client(base_url=base_url) as client:
        headers = _login(client, user, generation)
        listed = client.get("/api/token/", params={"page_size": 100}, headers=headers).json()
    return [t["name"] for t in listed["data"]["items"]]


def _leftovers(base_url: str, generation: str = "current") -> list[str]:
    """Names of the test users' live tokens that carry a run prefix."""
    names = _names(base_url, OWNER_NAME, generation) + _names(base_url, PEER_NAME, generation)
    return [name for name in names if name.startswith("nac-")]


def _env() -> dict[str, str]:
    return {**os.environ, "NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": ROOT_PASSWORD}


def _run_until_tokens_exist(base_url: str, report_dir, **popen: object) -> subprocess.Popen:
    """Start `newapi-contract run` and return once it has created tokens (its ledger file
    appears with the first one) and a little more, so that the signal meets a running test."""
    command = [sys.executable, "-m", "newapi_contract.cli", "run", "--base-url", base_url,
               "--rate", "0", "--report-dir", str(report_dir)]  # fmt: skip
    run = subprocess.Popen(command, env=_env(), **popen)
    deadline = time.monotonic() + 60
    while not list(report_dir.glob("ledger-*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    assert run.poll() is None, "the run ended before it could be interrupted"
    return run


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_deletes_what_it_created(tmp_path, sig):
    with start(ServerConfig(generation="current")) as server:
        run = _run_until_tokens_exist(
            server.base_url, tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        run.send_signal(sig)
        output, _ = run.communicate(timeout=120)
        assert run.returncode != 0, output[-2000:]
        assert _leftovers(server.base_url) == [], output[-3000:]
        kept = [p.read_text() for p in tmp_path.glob("ledger-*.json")]
        assert not kept, f"the ledger is kept only when tokens are left: {kept} {output[-3000:]}"


def test_cleanup_command_removes_what_a_killed_run_left(tmp_path):
    """SIGKILL leaves no chance to clean up: `newapi-contract cleanup` removes the leftovers
    by their run prefix, and nothing else."""
    with start(ServerConfig(generation="legacy")) as server:
        run = _run_until_tokens_exist(
            server.base_url, tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        run.kill()
        run.wait(timeout=30)
        assert _leftovers(server.base_url, "legacy"), "the killed run left nothing to clean up"
        with httpx.Client(base_url=server.base_url) as client:  # a token of the user's own
            headers = _login(client, OWNER_NAME, "legacy")
            client.post("/api/token/", json={"name": "keep-me", "unlimited_quota": True}, headers=headers)
        done = subprocess.run(
            [sys.executable, "-m", "newapi_contract.cli", "cleanup", "--base-url", server.base_url],
            env=_env(), capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert "deleted" in done.stdout
        assert _leftovers(server.base_url, "legacy") == []
        assert "keep-me" in _names(server.base_url, OWNER_NAME, "legacy")
