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
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from newapi_contract.contract.generated_schema import SCHEMATHESIS_CONFIG
from newapi_contract.paths import EFFECTIVE_CONTRACT, PROJECT_ROOT
from newapi_contract.refserver.server import ServerConfig, start

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


def layer_counts(output: str) -> tuple[int, float]:
    """Cases and in-phase seconds from hypothesis's statistics (one block per phase)."""
    found = re.findall(r"(\d+) passing, (\d+) failing", output)
    seconds = re.findall(r"during \w+ phase \(([\d.]+) seconds\)", output)
    return sum(int(p) + int(f) for p, f in found), sum(float(s) for s in seconds)


def cli_counts(output: str) -> tuple[int, float]:
    """Cases and fuzzing-phase seconds from the CLI's own summary."""
    cases = re.search(r"(\d+) generated", output)
    seconds = re.search(r"Fuzzing \(in ([\d.]+)s\)", output)
    return (int(cases.group(1)) if cases else 0), (float(seconds.group(1)) if seconds else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(
        f"{Path(__file__).name}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{platform.node()} ({os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
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
    rows = [("generated layer (pytest)", *layer_counts(layer_out), layer_s),
            ("st run (CLI)", *cli_counts(cli_out), cli_s)]  # fmt: skip
    if not all(cases and phase_s for _, cases, phase_s, _ in rows):
        raise SystemExit(f"a tool reported no cases:\n{layer_out[-3000:]}\n{cli_out[-3000:]}")
    for label, cases, phase_s, wall_s in rows:
        print(
            f"{label:26s} {cases:5d} cases  in-phase {phase_s:6.2f} s = {cases / phase_s:6.1f} "
            f"cases/s   wall (start-up included) {wall_s:6.2f} s = {cases / wall_s:6.1f} cases/s"
        )
    (_, lc, lp, lw), (_, cc, cp, cw) = rows
    print(f"ratio layer/CLI in-phase: {(lc / lp) / (cc / cp):.2f}   wall: {(lc / lw) / (cc / cw):.2f}")


if __name__ == "__main__":
    main()
