"""Cases per second: the suite's generated layer vs plain `st run`, same contract, same server.

Starts the embedded reference server (current generation, fresh database), sets up root, then
1. runs `pytest contracts/test_generated.py` (the generated layer: guard, pacing, recording,
   aiming hook, body-reading checks) against it, and
2. runs `st run` on the same effective contract with the same config file, as root,
and prints cases, seconds and cases/s of each, and the ratio. Cases are counted by the tools
themselves: hypothesis's statistics (`--hypothesis-show-statistics`) and the CLI's summary.

    python bench/generated_vs_cli.py [--max-examples 100] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from newapi_contract.contract.generated_schema import SCHEMATHESIS_CONFIG
from newapi_contract.paths import EFFECTIVE_CONTRACT, PROJECT_ROOT
from newapi_contract.target.server import ServerConfig, start

ROOT_USER, ROOT_PASSWORD = "benchroot", "bench-password-1"


def root_access_token(base_url: str) -> tuple[int, str]:
    with httpx.Client(base_url=base_url, timeout=10) as client:
        client.post("/api/setup", json={
            "username": ROOT_USER, "password": ROOT_PASSWORD, "confirmPassword": ROOT_PASSWORD,
        })  # fmt: skip
        login = client.post("/api/user/login", json={"username": ROOT_USER, "password": ROOT_PASSWORD})
        data = login.json()["data"]
        jwt, user_id = data["access_token"], int(data["user"]["id"])
        token = client.get("/api/user/token", headers={"Authorization": f"Bearer {jwt}"})
        return user_id, token.json()["data"]


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - began, done.stdout + done.stderr


def layer_cases(output: str) -> int:
    # hypothesis statistics: "- during generate phase (...): N passing examples, M failing ..."
    found = re.findall(r"(\d+) passing examples?, (\d+) failing", output)
    return sum(int(p) + int(f) for p, f in found)


def cli_cases(output: str) -> int:
    match = re.search(r"(\d+) generated", output)
    return int(match.group(1)) if match else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    st = str(Path(sys.executable).with_name("st"))
    with start(ServerConfig(generation="current")) as server:
        user_id, token = root_access_token(server.base_url)
        env = {**os.environ, "NEWAPI_ROOT_USERNAME": ROOT_USER, "NEWAPI_ROOT_PASSWORD": ROOT_PASSWORD}
        layer_s, layer_out = timed([
            sys.executable, "-m", "pytest", "contracts/test_generated.py", "-p", "no:cacheprovider",
            "-q", "--base-url", server.base_url, "--profile", "thorough", "--rate", "0",
            f"--hypothesis-seed={args.seed}", "--hypothesis-show-statistics",
            "--report-dir", str(PROJECT_ROOT / "reports" / "bench"),
        ], env)  # fmt: skip
        cli_s, cli_out = timed([
            st, "--config-file", str(SCHEMATHESIS_CONFIG), "run", str(EFFECTIVE_CONTRACT),
            "--url", server.base_url, "-H", f"Authorization: Bearer {token}",
            "-H", f"New-Api-User: {user_id}", "--phases", "fuzzing",
            "--max-examples", str(args.max_examples), "--seed", str(args.seed),
        ], env)  # fmt: skip
    rows = [("generated layer (pytest)", layer_cases(layer_out), layer_s),
            ("st run (CLI)", cli_cases(cli_out), cli_s)]  # fmt: skip
    for label, cases, seconds in rows:
        print(f"{label:26s} {cases:6d} cases  {seconds:7.2f} s  {cases / seconds:8.1f} cases/s")
    (_, lc, ls), (_, cc, cs) = rows
    if lc and cc:
        print(f"ratio layer/CLI: {(lc / ls) / (cc / cs):.2f} (cases/s)")
    else:
        print("a tool reported no cases; its output follows", layer_out[-3000:], cli_out[-3000:])


if __name__ == "__main__":
    main()
