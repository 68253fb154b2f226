"""A comparison touches only what it created: two reference servers given as URLs (as staging
and production would be), each with its testers' own earlier tokens and other users' tokens,
each side with its own credentials (NEWAPI_BASELINE_*, NEWAPI_CANDIDATE_*). Afterwards every
token the comparison did not create is as it was, every column, straight from the stores,
and every token it created is deleted."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from newapi_contract.paths import PROJECT_ROOT
from newapi_contract.refserver.server import RunningServer, ServerConfig, start


def _population() -> ModuleType:
    path = PROJECT_ROOT / "bench" / "data_safety.py"
    spec = importlib.util.spec_from_file_location("data_safety_for_compare", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


population = _population()


def _populate(server: RunningServer) -> tuple[Any, Any]:
    """Root, the testers and two other users; 40 tokens between them, the testers' among them."""
    base_url = server.base_url
    population.setup_root(base_url)
    owner, peer, *others = (
        population.register_user(base_url, name, f"{name}-password")
        for name in ("qa-owner", "qa-peer", "other-1", "other-2")
    )
    users = [owner, peer, *others]
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for n in range(40):
            user = users[n % len(users)]
            body = {"name": f"foreign-{user.username}-{n:03d}", "remain_quota": 700 + n, "expired_time": -1}
            assert client.post("/api/token/", json=body, headers=user.headers).json()["success"] is True
    return owner, peer


@pytest.fixture
def servers() -> Iterator[tuple[RunningServer, RunningServer]]:
    with (
        start(ServerConfig(generation="legacy")) as legacy,
        start(ServerConfig(generation="current")) as current,
    ):
        yield legacy, current


def _env(role: str, owner: Any, peer: Any) -> dict[str, str]:
    prefix = f"NEWAPI_{role}_"
    return {
        f"{prefix}ACCESS_TOKEN": owner.access_token,
        f"{prefix}USER_ID": str(owner.id),
        f"{prefix}PEER_ACCESS_TOKEN": peer.access_token,
        f"{prefix}PEER_USER_ID": str(peer.id),
    }


def test_only_what_the_comparison_created_is_touched(servers, run_compare) -> None:
    legacy, current = servers
    env: dict[str, str] = {}
    for role, server in (("BASELINE", legacy), ("CANDIDATE", current)):
        env.update(_env(role, *_populate(server)))
    before = {s.base_url: {r["id"]: r for r in s.store.all_tokens()} for s in servers}

    done = run_compare(legacy.base_url, current.base_url, env=env)

    assert done.exit_code == 1, done.stderr  # legacy -> current: the known changes
    assert done.document["counts"]["unverified"] == 0
    for server in servers:
        rows = server.store.all_tokens()
        made = [r for r in rows if r["name"].startswith("nac-")]
        assert made and all(r["deleted_at"] is not None for r in made), server.base_url
        now = {r["id"]: r for r in rows}
        assert {i: now.get(i) for i in before[server.base_url]} == before[server.base_url], server.base_url
    # The testers' access tokens are in no output (curl lines use the placeholders).
    outputs = (
        done.html
        + (done.report_dir / "compare.json").read_text()
        + (done.report_dir / "compare-junit.xml").read_text()
    )
    for name, value in env.items():
        if "ACCESS_TOKEN" in name:
            assert value not in outputs, name
    assert "$NEWAPI_ACCESS_TOKEN" in outputs


def test_a_comparison_stopped_by_sigterm_cleans_up_what_it_made(servers, tmp_path) -> None:
    import os
    import signal
    import subprocess
    import time

    legacy, current = servers
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_")}
    for role, server in (("BASELINE", legacy), ("CANDIDATE", current)):
        env.update(_env(role, *_populate(server)))
    before = {s.base_url: {r["id"]: r for r in s.store.all_tokens()} for s in servers}
    command = [
        sys.executable, "-m", "newapi_contract.cli", "compare", "--report-dir", str(tmp_path),
        "--rate", "40", legacy.base_url, current.base_url,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(r["name"].startswith("nac-") for r in current.store.all_tokens()):
        assert time.monotonic() < deadline and process.poll() is None, "the comparison never made a token"
        time.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    for server in servers:
        rows = server.store.all_tokens()
        made = [r for r in rows if r["name"].startswith("nac-")]
        assert all(r["deleted_at"] is not None for r in made), server.base_url
        now = {r["id"]: r for r in rows}
        assert {i: now.get(i) for i in before[server.base_url]} == before[server.base_url]
    assert not (tmp_path / "compare.html").exists()  # a stopped comparison claims nothing
