"""Benchmark the embedded reference server: start-up time and deletes per second.

    PYTHONPATH=src python bench/refserver_deletes.py [--tokens 500] [--generation current]

Starts a server on a fresh in-memory database, measures the time to the first answer of
`GET /api/status`, bootstraps root and one user through the public API, creates N tokens,
then deletes them one by one over HTTP (keep-alive, one client) and prints the rates.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import httpx

from newapi_contract.refserver.server import ServerConfig, start

PASSWORD = "password123"


def bootstrap(http: httpx.Client, current: bool) -> dict[str, str]:
    """Set up root, register `bench`, and return its portable auth headers."""
    http.post("/api/setup", json={"username": "root", "password": PASSWORD, "confirmPassword": PASSWORD})
    http.post("/api/user/register", json={"username": "bench", "password": PASSWORD})
    login = http.post("/api/user/login", json={"username": "bench", "password": PASSWORD})
    data = login.json()["data"]
    user_id = data["user"]["id"] if current else data["id"]
    session = {"Authorization": f"Bearer {data['access_token']}"} if current else {}
    access = http.get("/api/user/token", headers={**session, "New-Api-User": str(user_id)})
    http.cookies.clear()
    return {"Authorization": f"Bearer {access.json()['data']}", "New-Api-User": str(user_id)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--generation", choices=("legacy", "current"), default="current")
    args = parser.parse_args()
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )

    began = time.perf_counter()
    with (
        start(ServerConfig(generation=args.generation)) as server,
        httpx.Client(base_url=server.base_url, timeout=10) as http,
    ):
        assert http.get("/api/status").status_code == 200
        startup = time.perf_counter() - began
        headers = bootstrap(http, args.generation == "current")

        began = time.perf_counter()
        for index in range(args.tokens):
            http.post("/api/token/", json={"name": f"bench{index}"}, headers=headers)
        creates = args.tokens / (time.perf_counter() - began)
        listed = http.get("/api/token/", params={"page_size": -1}, headers=headers)
        ids = [item["id"] for item in listed.json()["data"]["items"]]

        began = time.perf_counter()
        for token_id in ids:
            answer = http.delete(f"/api/token/{token_id}", headers=headers)
            assert answer.json()["success"] is True, answer.text
        deletes = len(ids) / (time.perf_counter() - began)

    print(f"generation:         {args.generation}")
    print(f"start-up to answer: {startup * 1000:.0f} ms")
    print(f"creates per second: {creates:.0f}")
    print(f"deletes per second: {deletes:.0f} ({len(ids)} tokens)")


if __name__ == "__main__":
    main()
