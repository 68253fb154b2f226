"""One upstream new-api process on a fresh SQLite: started from a binary the developer
built (this tool never builds one), watched until `/api/status` answers, set up, stopped.

new-api listens on every interface (`server.Run(":" + port)` in `main.go`; it has no bind
option); the tool only ever talks to 127.0.0.1. The process gets a small environment:
PATH, HOME, `PORT`, `SQLITE_PATH` in its own temporary directory, and what the caller
passes (Redis, limit settings...), nothing else of the developer's shell (an inherited
`SQL_DSN` or `REDIS_CONN_STRING` would point it at a real database).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import httpx

__all__ = ["PortRange", "StartError", "UpstreamInstance", "free_port"]

_READY_TIMEOUT_S = 60.0
# The readiness probes claim to come from a documentation address (TEST-NET-1) through the
# loopback proxy, which both generations trust by default: upstream then counts them under
# that address, and the per-IP allowance of the checks that follow starts untouched.
_PROBE_HEADERS = {"X-Forwarded-For": "192.0.2.1"}


class StartError(RuntimeError):
    """The binary did not start, or never answered `/api/status`."""


class PortRange:
    """`3200-3299`: where to look for a free port (`any`: let the OS choose)."""

    def __init__(self, text: str = "any") -> None:
        self.text = text
        if text == "any":
            self.bounds: tuple[int, int] | None = None
            return
        low, sep, high = text.partition("-")
        if not (sep and low.isdigit() and high.isdigit() and 0 < int(low) <= int(high) <= 65535):
            raise ValueError(f"port range {text!r}: expected LOW-HIGH (e.g. 3200-3299) or any")
        self.bounds = (int(low), int(high))

    def __str__(self) -> str:
        return self.text


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))  # upstream binds every interface
        except OSError:
            return False
        return True


def free_port(ports: PortRange) -> int:
    if ports.bounds is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])
    for port in range(ports.bounds[0], ports.bounds[1] + 1):
        if _bindable(port):
            return port
    raise StartError(f"no free port in {ports}")


class UpstreamInstance:
    """`with UpstreamInstance(binary, ports, env) as up:` ... `up.base_url` ..."""

    def __init__(self, binary: Path, ports: PortRange, env: Mapping[str, str] | None = None) -> None:
        self.binary = binary.resolve()
        if not (self.binary.is_file() and os.access(self.binary, os.X_OK)):
            raise StartError(
                f"{binary}: not an executable file (build new-api first; this tool never builds it)"
            )
        self.extra_env = dict(env or {})
        self.port = free_port(ports)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.workdir = Path(tempfile.mkdtemp(prefix="newapi-upstream-"))
        self._log = (self.workdir / "out.log").open("wb")
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.workdir),
            "PORT": str(self.port),
            "SQLITE_PATH": str(self.workdir / "one-api.db"),
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [str(self.binary), "--log-dir", str(self.workdir / "logs")],
            cwd=self.workdir,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise StartError(f"{self.binary} exited with {self.process.returncode}: {self.log_tail()}")
            try:
                answer = httpx.get(self.base_url + "/api/status", headers=_PROBE_HEADERS, timeout=2)
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise StartError(f"{self.binary} did not answer /api/status within {_READY_TIMEOUT_S:.0f} s")

    def setup(self, username: str, password: str) -> None:
        """First-time setup (`POST /api/setup`): a fresh instance has no user at all."""
        body = {"username": username, "password": password, "confirmPassword": password}
        answer = httpx.post(
            self.base_url + "/api/setup", json=body, headers=_PROBE_HEADERS, timeout=30
        ).json()
        if not answer.get("success"):
            raise StartError(f"POST /api/setup failed: {answer.get('message')!r}")

    def log_tail(self, lines: int = 5) -> str:
        self._log.flush()
        text = (self.workdir / "out.log").read_text(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> UpstreamInstance:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
