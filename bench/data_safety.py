"""Data safety: a full run leaves every token of other users exactly as it was.

Starts the embedded reference server, sets up root and registers three other users
through the public API (as anyone would on a real new-api), gives them 1,000 tokens
between them, and snapshots every token (id, full key via `POST /api/token/batch/keys`
as its owner, every listed field). Then it runs the thorough profile against the server
(`newapi-contract run --base-url ...` in a subprocess, with root credentials, so the suite
bootstraps its own two test users), snapshots again and prints what changed: nothing, or
the run is unsafe. Exit status 0 when all tokens are unchanged.

    python bench/data_safety.py [--tokens 1000] [--profile thorough] [--generation current]

`tests/usage/test_data_safety.py` runs the same code with 200 tokens and the quick profile.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from newapi_contract.refserver.server import ServerConfig, start

ROOT_USER, ROOT_PASSWORD = "safetyroot", "safety-root-password-1"
FOREIGN_USERS = ("bystander1", "bystander2", "bystander3")
PAGE = 100  # list page size and batch-keys maximum (reference §1)


@dataclass(frozen=True)
class User:
    """A user of the target with a working access token (the portable header set, ref §2)."""

    id: int
    username: str
    access_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}", "New-Api-User": str(self.id)}


def _ok(response: httpx.Response, what: str) -> Any:
    body = response.json()
    if response.status_code != 200 or body.get("success") is not True:
        raise RuntimeError(f"{what}: HTTP {response.status_code} {body.get('message')!r}")
    return body.get("data")


def setup_root(base_url: str, username: str = ROOT_USER, password: str = ROOT_PASSWORD) -> None:
    """First-time setup of a fresh instance (`POST /api/setup`, ref §6)."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        body = {"username": username, "password": password, "confirmPassword": password}
        _ok(client.post("/api/setup", json=body), "setup")


def login(base_url: str, username: str, password: str) -> User:
    """Log in (JWT in current, cookie session in legacy) and take a fresh access token."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        data = _ok(client.post("/api/user/login", json={"username": username, "password": password}), "login")
        user = data.get("user") if isinstance(data.get("user"), dict) else data
        headers = {"New-Api-User": str(user["id"])}
        if data.get("access_token"):
            headers["Authorization"] = f"Bearer {data['access_token']}"
        token = _ok(client.get("/api/user/token", headers=headers), f"access token of {username}")
    return User(int(user["id"]), username, token)


def register_user(base_url: str, username: str, password: str) -> User:
    """A common user, registered the public way (`POST /api/user/register`), logged in."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        body = {"username": username, "password": password}
        _ok(client.post("/api/user/register", json=body), f"register {username}")
    return login(base_url, username, password)


def seed_tokens(base_url: str, user: User, count: int) -> None:
    with httpx.Client(base_url=base_url, headers=user.headers, timeout=10) as client:
        for n in range(count):
            body = {"name": f"{user.username}-{n:04d}", "remain_quota": 1000 + n, "expired_time": -1}
            _ok(client.post("/api/token/", json=body), f"create token {n} of {user.username}")


def snapshot(base_url: str, users: list[User]) -> dict[int, dict[str, Any]]:
    """Every live token of `users`, by id: the listed fields, with the masked key replaced
    by the full key (revealed 100 at a time as its owner)."""
    tokens: dict[int, dict[str, Any]] = {}
    for user in users:
        with httpx.Client(base_url=base_url, headers=user.headers, timeout=30) as client:
            page = 1
            while True:
                params = {"p": page, "page_size": PAGE}
                items = _ok(client.get("/api/token/", params=params), "list")["items"]
                ids = [item["id"] for item in items]
                if ids:
                    keys = _ok(client.post("/api/token/batch/keys", json={"ids": ids}), "batch keys")["keys"]
                    for item in items:
                        tokens[item["id"]] = {**item, "key": keys[str(item["id"])]}
                if len(items) < PAGE:
                    break
                page += 1
    return tokens


def differences(before: dict[int, dict[str, Any]], after: dict[int, dict[str, Any]]) -> list[str]:
    """One line per token that vanished, appeared or changed a field."""
    lines = [f"token {tid}: gone" for tid in sorted(before.keys() - after.keys())]
    lines += [f"token {tid}: appeared" for tid in sorted(after.keys() - before.keys())]
    for tid in sorted(before.keys() & after.keys()):
        changed = sorted(
            k for k in before[tid].keys() | after[tid].keys() if before[tid].get(k) != after[tid].get(k)
        )
        if changed:
            lines.append(f"token {tid}: changed {', '.join(changed)}")
    return lines


@contextmanager
def populated_server(generation: str, tokens: int) -> Iterator[tuple[str, list[User]]]:
    """A fresh reference server with root set up and `tokens` tokens of three other users."""
    with start(ServerConfig(generation=generation)) as server:
        setup_root(server.base_url)
        users = [register_user(server.base_url, name, f"{name}-password") for name in FOREIGN_USERS]
        for index, user in enumerate(users):
            share = tokens // len(users) + (1 if index < tokens % len(users) else 0)
            seed_tokens(server.base_url, user, share)
        yield server.base_url, users


def run_suite(base_url: str, profile: str, report_dir: Path) -> subprocess.CompletedProcess[str]:
    """`newapi-contract run` against `base_url` with root credentials, unpaced (a local server)."""
    env = {**os.environ, "NEWAPI_ROOT_USERNAME": ROOT_USER, "NEWAPI_ROOT_PASSWORD": ROOT_PASSWORD}
    for name in ("NEWAPI_ACCESS_TOKEN", "NEWAPI_USER_ID", "NEWAPI_PEER_ACCESS_TOKEN", "NEWAPI_PEER_USER_ID"):
        env.pop(name, None)
    command = [
        sys.executable, "-m", "newapi_contract.cli", "run", "--base-url", base_url, "--profile", profile,
        "--rate", "0", "--report-dir", str(report_dir),
    ]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--profile", choices=("quick", "thorough"), default="thorough")
    parser.add_argument("--generation", choices=("legacy", "current"), default="current")
    args = parser.parse_args()
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    started = time.monotonic()
    with (
        populated_server(args.generation, args.tokens) as (base_url, users),
        tempfile.TemporaryDirectory() as tmp,
    ):
        before = snapshot(base_url, users)
        print(
            f"seeded {len(before)} tokens of {len(users)} other users in {time.monotonic() - started:.1f} s"
        )
        began = time.monotonic()
        run = run_suite(base_url, args.profile, Path(tmp))
        print(f"{args.profile} run: exit {run.returncode} in {time.monotonic() - began:.1f} s")
        print(
            "\n".join(line for line in run.stdout.splitlines() if line.startswith(("clauses:", "requests:")))
        )
        after = snapshot(base_url, users)
    changed = differences(before, after)
    unchanged = sum(1 for tid, token in before.items() if after.get(tid) == token)
    print(f"tokens of other users unchanged: {unchanged} of {len(before)} (ids, keys, every field)")
    for line in changed:
        print(f"  {line}")
    if run.returncode not in (0, 1):  # the run did not happen: nothing was shown
        print(f"the run did not complete: {run.stderr.strip().splitlines()[-1:]}")
        return 1
    return 0 if not changed and len(before) == args.tokens else 1


if __name__ == "__main__":
    sys.exit(main())
