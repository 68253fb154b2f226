"""Start the reference server: uvicorn in a background thread, bound before `start` returns.

    from newapi_contract.refserver.server import ServerConfig, start
    with start(ServerConfig(generation="legacy", faults=("delete-noop",))) as srv:
        httpx.get(srv.base_url + "/api/status")

The socket is bound here (port 0: a free port), so the address is known and a port in use
is a `UsageError` before any thread starts; `start` returns once uvicorn serves.
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from types import TracebackType

import uvicorn

from newapi_contract.errors import TargetError, UsageError
from newapi_contract.refserver.app import create_app
from newapi_contract.refserver.config import ServerConfig
from newapi_contract.refserver.instance import Instance
from newapi_contract.refserver.store import Store

__all__ = ["RunningServer", "ServerConfig", "bind_socket", "start"]

_READY_TIMEOUT_S = 10.0


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only disables Nagle on accepted sockets that do, and
    # without TCP_NODELAY every answer (headers, then body) waits ~40 ms for delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is already in use") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    return sock


class RunningServer:
    """A started reference server; `stop()` is idempotent."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._instance = Instance(config)
        self._socket = bind_socket(config.host, config.port)
        host, port = self._socket.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        self.base_url = f"http://{shown}:{port}"
        uv_config = uvicorn.Config(
            create_app(self._instance),
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=False,
        )
        self._server = uvicorn.Server(uv_config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=f"refserver-{port}", daemon=True
        )
        self._stopped = False

    @property
    def store(self) -> Store:
        """The server's storage, for tests that look behind the API."""
        return self._instance.store

    def _launch(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise TargetError(f"the reference server at {self.base_url} did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._socket.close()
        self._instance.close()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start(config: ServerConfig | None = None) -> RunningServer:
    """Start a reference server and return once it answers requests."""
    server = RunningServer(config or ServerConfig())
    server._launch()
    return server
