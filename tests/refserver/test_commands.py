"""`newapi-contract serve`: listing faults, refusing bad input, serving in the foreground."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import newapi_contract
from newapi_contract.errors import UsageError
from newapi_contract.refserver.commands import register
from newapi_contract.refserver.faults import FAULTS

# Runs the room's own `serve` command without the rest of the CLI.
_RUNNER = (
    "import argparse, sys\n"
    "from newapi_contract.refserver.commands import register\n"
    "parser = argparse.ArgumentParser()\n"
    "register(parser.add_subparsers())\n"
    "args = parser.parse_args(sys.argv[1:])\n"
    "sys.exit(args.handler(args))\n"
)


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["serve", *argv])
    return int(args.handler(args))


def test_list_faults_prints_one_line_per_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--list-faults") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(FAULTS)
    for line, fault in zip(lines, FAULTS.values(), strict=True):
        assert line.split()[0] == fault.name and line.endswith(fault.summary)


def test_unknown_fault_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown fault 'nope'"):
        run("--port", "0", "--fault", "nope")


def test_port_in_use_is_a_usage_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError, match=f"port {port} on 127.0.0.1 is already in use"):
            run("--port", str(port))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_in_the_foreground_and_stops_cleanly(sig: signal.Signals, tmp_path: Path) -> None:
    source_root = Path(newapi_contract.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    command = [
        sys.executable,
        "-c",
        _RUNNER,
        "serve",
        "--port",
        "0",
        "--generation",
        "legacy",
        "--db",
        str(tmp_path / "one-api.db"),
        "--fault",
        "delete-noop",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env) as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("newapi-contract reference server (legacy) listening on http://")
        base_url = line.split(" listening on ")[1].split()[0]
        assert httpx.get(base_url + "/api/status").json()["success"] is True
        process.send_signal(sig)
        assert process.wait(timeout=10) == 0
    assert (tmp_path / "one-api.db").exists()


def _foreground(*argv: str) -> subprocess.Popen[str]:
    source_root = Path(newapi_contract.__file__).parents[1]
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.Popen(
        [sys.executable, "-c", _RUNNER, *argv], stdout=subprocess.PIPE, text=True, env=env
    )


def test_serve_behind_a_flaky_network() -> None:
    with _foreground("serve", "--port", "0", "--flaky", "seed=5,rate=1,kinds=bad-gateway") as process:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert " behind a flaky network (flaky:seed=5,rate=1,kinds=bad-gateway," in line
        public = line.split(" listening on ")[1].split()[0]
        itself = line.rsplit(" on ", 1)[1].strip()
        assert httpx.get(public + "/api/status").status_code == 502
        assert httpx.get(itself + "/api/status").json()["success"] is True
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "1 requests, injected reset 0, lost 0, bad-gateway 1," in process.stdout.read()


def test_proxy_in_front_of_any_server() -> None:
    from newapi_contract.refserver.server import ServerConfig, start

    with (
        start(ServerConfig()) as server,
        _foreground("proxy", "--upstream", server.base_url, "rate=0") as process,
    ):
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("newapi-contract flaky proxy listening on http://127.0.0.1:")
        assert f" -> {server.base_url} (flaky:seed=" in line  # the drawn seed is shown
        public = line.split(" listening on ")[1].split()[0]
        assert httpx.get(public + "/api/status").json()["success"] is True
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def proxy(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["proxy", *argv])
    return int(args.handler(args))


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--upstream", "http://127.0.0.1:1", "rate=5"], "rate must be between 0 and 1"),
        (["--upstream", "https://127.0.0.1:1"], "expected an http:// URL"),
        (["--upstream", "http://127.0.0.1:1", "--listen", "3300"], "expected HOST:PORT"),
    ],
)
def test_proxy_bad_input_is_a_usage_error(argv: list[str], says: str) -> None:
    with pytest.raises(UsageError, match=says):
        proxy(*argv)


def test_serve_bad_flaky_spec_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown kind 'floods'"):
        run("--port", "0", "--flaky", "kinds=floods")


def _limits_of(*argv: str) -> object:
    from newapi_contract.refserver.commands import _limits

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return _limits(parser.parse_args(["serve", *argv]))


def test_serve_limits_come_from_upstreams_env_then_the_limit_option(monkeypatch: pytest.MonkeyPatch) -> None:
    from newapi_contract.refserver.ratelimit import Limit, RateLimits

    monkeypatch.setenv("GLOBAL_API_RATE_LIMIT", "30")
    monkeypatch.setenv("SEARCH_RATE_LIMIT_ENABLE", "false")
    limits = _limits_of("--generation", "legacy", "--rate-limits", "on", "--limit", "critical=1/2")
    assert limits == RateLimits(
        global_api=Limit(30, 180),
        global_web=Limit(60, 180),
        critical=Limit(1, 2),
        search=Limit(10, 60, enabled=False),
    )


def test_serve_limit_needs_the_limiters_on() -> None:
    with pytest.raises(UsageError, match="--limit needs --rate-limits on"):
        _limits_of("--limit", "global=1/1")
    with pytest.raises(UsageError, match="NAME one of global, web, critical, search"):
        _limits_of("--rate-limits", "on", "--limit", "api=1/1")
