"""A fault-injecting HTTP/1.1 proxy: a flaky network in front of any HTTP server.

    spec = parse_spec("flaky:seed=7,rate=0.1,kinds=reset+lost")
    with start_proxy("http://127.0.0.1:3000", spec) as proxy:
        httpx.get(proxy.base_url + "/api/status")
        proxy.injected()  # {"reset": 0, "lost": 1, ...}

Clients keep their connections alive (httpx and requests pool them); faults fall on
requests, not connections (`flaky_spec` says which). A dropped connection is one the
client must reopen, as after a real reset. Upstream, every request goes on a fresh
connection with `Connection: close`, as nginx does by default, so a request is never sent
twice by the proxy and never lost to a stale pooled connection. Answers are relayed whole
(the bodies here are small): `lost` can then drop an answer the server has fully given.
Standard library asyncio and h11, in a background thread, like the reference server.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import h11

from newapi_contract.errors import TargetError, UsageError
from newapi_contract.refserver.flaky_spec import KINDS, FlakySpec, Plan
from newapi_contract.refserver.server import bind_socket

__all__ = ["Injection", "RunningProxy", "start_proxy"]

_READY_TIMEOUT_S = 10.0
_CONNECT_TIMEOUT_S = 5.0
_UPSTREAM_TIMEOUT_S = 60.0  # nginx's proxy_read_timeout: then 504
_CHUNK = 65536
# Hop-by-hop headers (RFC 9110 §7.6.1) and the framing the proxy sets itself.
_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"te", b"trailer", b"upgrade"}
    | {b"transfer-encoding", b"content-length"}
)
_BODILESS = (204, 304)

_NGINX_TITLES = {
    400: "400 Bad Request",
    502: "502 Bad Gateway",
    503: "503 Service Temporarily Unavailable",
    504: "504 Gateway Time-out",
}


@dataclass(frozen=True)
class Injection:
    """One fault the proxy injected: request number, kind, the request, and whether the
    server saw it."""

    index: int
    kind: str
    method: str
    target: str
    forwarded: bool


@dataclass
class _Answer:
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes


def nginx_page(status: int) -> _Answer:
    """nginx's own error page for `status`: HTML, `Server: nginx`, kept alive."""
    title = _NGINX_TITLES[status]
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()
    headers = [(b"Server", b"nginx"), (b"Content-Type", b"text/html"), (b"Connection", b"keep-alive")]
    return _Answer(status, title.split(" ", 1)[1].encode(), headers, body)


def _upstream_address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise UsageError(f"upstream {url!r}: expected an http:// URL (the proxy speaks plain HTTP/1.1)")
    if parts.path.strip("/"):
        raise UsageError(f"upstream {url!r}: give the server's root, without a path")
    try:
        port = parts.port or 80
    except ValueError:
        raise UsageError(f"upstream {url!r}: the port is not a number in 0-65535") from None
    return parts.hostname, port


def _framed(
    headers: Iterable[tuple[bytes, bytes]], body: bytes, *, length: bool
) -> list[tuple[bytes, bytes]]:
    """`headers` without hop-by-hop ones; a Content-Length for `body` when `length`."""
    kept = [(name, value) for name, value in headers if name.lower() not in _HOP]
    if length:
        kept.append((b"Content-Length", str(len(body)).encode()))
    return kept


class RunningProxy:
    """A started proxy in front of `upstream`; `stop()` is idempotent.

    `injected()` counts injected faults per kind (each request of a redeploy window counts
    once), `events()` lists them, `requests` and `connections` count what arrived."""

    def __init__(self, upstream: str, spec: FlakySpec, host: str = "127.0.0.1", port: int = 0) -> None:
        self.upstream = upstream.rstrip("/")
        self.spec = spec
        self._address = _upstream_address(upstream)
        self._socket = bind_socket(host, port)
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.base_url = f"http://{f'[{bound_host}]' if ':' in bound_host else bound_host}:{bound_port}"
        self.requests = 0
        self.connections = 0
        self._events: list[Injection] = []
        self._lock = threading.Lock()
        self._down_until = 0.0  # a redeploy answers 503 until then (monotonic seconds)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._thread = threading.Thread(target=self._run, name=f"flaky-proxy-{bound_port}", daemon=True)
        self._stopped = False

    # -- what tests read -------------------------------------------------------------
    def injected(self) -> dict[str, int]:
        with self._lock:
            counts = dict.fromkeys(KINDS, 0)
            for event in self._events:
                counts[event.kind] += 1
            return counts

    def events(self) -> list[Injection]:
        with self._lock:
            return list(self._events)

    # -- life cycle ------------------------------------------------------------------
    def _launch(self) -> None:
        self._thread.start()
        if not self._ready.wait(_READY_TIMEOUT_S):
            self.stop()
            raise TargetError(f"the flaky proxy at {self.base_url} did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        finally:
            self._loop.close()

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(self._serve, sock=self._socket)
        self._ready.set()
        await self._stopping.wait()
        server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._thread.is_alive() and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
            self._thread.join(timeout=5)
        self._socket.close()

    def __enter__(self) -> RunningProxy:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- one client connection ---------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        with self._lock:
            self.connections += 1
        conn = h11.Connection(h11.SERVER)
        try:
            while True:
                request = await self._read_request(conn, reader)
                if request is None:
                    return
                if not await self._handle(conn, writer, *request):
                    return
                if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE:
                    return
                conn.start_next_cycle()
        except h11.RemoteProtocolError:
            # A request h11 cannot parse: a server in front of new-api would refuse it too.
            if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
                await self._send(conn, writer, nginx_page(400), head=False)
        except (ConnectionError, TimeoutError):
            pass
        except asyncio.CancelledError:
            return  # the proxy is stopping; asyncio would log a cancelled handler as an error
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader
    ) -> tuple[h11.Request, bytes] | None:
        request: h11.Request | None = None
        body = bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await reader.read(_CHUNK))
            elif isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                assert request is not None
                return request, bytes(body)
            else:  # ConnectionClosed, or PAUSED after a close
                return None

    def _plan(self, request: h11.Request) -> Plan | None:
        """This request's fault (recorded), or None."""
        with self._lock:
            index = self.requests
            self.requests += 1
            now = time.monotonic()
            if now < self._down_until:
                plan: Plan | None = Plan("redeploy", forwarded=False)
            else:
                plan = self.spec.plan(index)
                if plan is not None and plan.kind == "redeploy":
                    self._down_until = now + self.spec.redeploy
            if plan is not None:
                target = request.target.decode("latin-1")
                self._events.append(
                    Injection(index, plan.kind, request.method.decode("latin-1"), target, plan.forwarded)
                )
            return plan

    async def _handle(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, request: h11.Request, body: bytes
    ) -> bool:
        """Answer one request; False when the connection was dropped."""
        head = request.method == b"HEAD"
        plan = self._plan(request)
        if plan is None:
            await self._send(conn, writer, await self._forward(request, body), head=head)
            return True
        answer = await self._forward(request, body) if plan.forwarded else None
        if plan.kind in ("reset", "lost"):
            _drop(writer, reset=plan.reset)
            return False
        if plan.kind == "timeout":
            await asyncio.sleep(self.spec.hold)
            _drop(writer, reset=False)
            return False
        if plan.kind == "latency":
            await asyncio.sleep(self.spec.latency)
        else:  # bad-gateway, redeploy
            answer = nginx_page(502 if plan.kind == "bad-gateway" else 503)
        assert answer is not None
        await self._send(conn, writer, answer, head=head)
        return True

    async def _send(
        self, conn: h11.Connection, writer: asyncio.StreamWriter, answer: _Answer, *, head: bool
    ) -> None:
        with_body = not head and answer.status not in _BODILESS and answer.status >= 200
        headers = _framed(answer.headers, answer.body, length=with_body)
        if not with_body:  # HEAD, 204, 304: the server's own framing headers, no body
            headers += [(n, v) for n, v in answer.headers if n.lower() == b"content-length"]
        writer.write(
            conn.send(h11.Response(status_code=answer.status, headers=headers, reason=answer.reason))
        )
        if with_body and answer.body:
            writer.write(conn.send(h11.Data(data=answer.body)))
        writer.write(conn.send(h11.EndOfMessage()))
        await writer.drain()

    # -- upstream ------------------------------------------------------------------------
    async def _forward(self, request: h11.Request, body: bytes) -> _Answer:
        """Send the request to the server on a fresh connection; its whole answer, or nginx's
        502 (unreachable, broken answer) or 504 (no answer in time)."""
        host, port = self._address
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), _CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError):
            return nginx_page(502)
        client = h11.Connection(h11.CLIENT)
        framed = any(name.lower() in (b"content-length", b"transfer-encoding") for name, _ in request.headers)
        headers = _framed(request.headers.raw_items(), body, length=framed or bool(body))
        headers.append((b"Connection", b"close"))
        try:
            writer.write(
                client.send(h11.Request(method=request.method, target=request.target, headers=headers))
            )
            if body:
                writer.write(client.send(h11.Data(data=body)))
            writer.write(client.send(h11.EndOfMessage()))
            await writer.drain()
            return await asyncio.wait_for(_read_answer(client, reader), _UPSTREAM_TIMEOUT_S)
        except TimeoutError:
            return nginx_page(504)
        except (OSError, h11.ProtocolError):
            return nginx_page(502)
        finally:
            writer.close()


async def _read_answer(client: h11.Connection, reader: asyncio.StreamReader) -> _Answer:
    answer: _Answer | None = None
    while True:
        event = client.next_event()
        if event is h11.NEED_DATA:
            client.receive_data(await reader.read(_CHUNK))
        elif isinstance(event, h11.Response):
            answer = _Answer(event.status_code, event.reason, list(event.headers.raw_items()), b"")
        elif isinstance(event, h11.Data):
            assert answer is not None
            answer.body += event.data
        elif isinstance(event, h11.EndOfMessage):
            assert answer is not None
            return answer
        elif isinstance(event, h11.ConnectionClosed):
            raise ConnectionError("the server closed the connection without an answer")
        # InformationalResponse (100 Continue): wait for the real answer


def _drop(writer: asyncio.StreamWriter, *, reset: bool) -> None:
    """Drop a client connection: a TCP reset (RST), or a plain close (FIN)."""
    if reset:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
    else:
        writer.close()


def start_proxy(upstream: str, spec: FlakySpec, host: str = "127.0.0.1", port: int = 0) -> RunningProxy:
    """Start a flaky proxy in front of `upstream` and return once it accepts connections."""
    proxy = RunningProxy(upstream, spec, host, port)
    proxy._launch()
    return proxy
