"""`--base-url http://host/newapi/`: new-api behind a reverse proxy that serves it under a
path prefix. A small prefix-stripping proxy (as nginx's `location /newapi/ { proxy_pass
http://upstream/; proxy_redirect / /newapi/; }`) stands in front of the reference server; the
whole suite runs through it, green against a correct server and red against a broken one, and
no request of the run reaches anything outside the prefix."""

from __future__ import annotations

import http.client
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from newapi_contract.refserver.server import ServerConfig, start

PREFIX = "/newapi"
ROOT_PASSWORD = "prefix-root-pw"
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_") and k != "PYTEST_BASE_URL"}
    return {**env, "NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": ROOT_PASSWORD}


@contextmanager
def prefix_proxy(upstream: str) -> Iterator[tuple[str, list[str]]]:
    """A reverse proxy on 127.0.0.1 serving `upstream` under PREFIX: the prefix is stripped
    from each request, added to each answer's Location; anything outside it answers 404 (and
    is remembered, so a test can say that nothing went there)."""
    host, port = urlsplit(upstream).hostname or "127.0.0.1", urlsplit(upstream).port or 80
    outside: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _proxy(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            if self.path != PREFIX and not self.path.startswith(PREFIX + "/"):
                outside.append(f"{self.command} {self.path}")
                self._answer(404, [("content-type", "text/plain")], b"404 outside the prefix\n")
                return
            connection = http.client.HTTPConnection(host, port, timeout=30)
            try:
                connection.putrequest(
                    self.command, self.path[len(PREFIX) :] or "/", skip_host=True, skip_accept_encoding=True
                )
                for name, value in self.headers.items():
                    if name.lower() not in _HOP:
                        connection.putheader(name, value)
                if body is not None:
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body)
                answer = connection.getresponse()
                data = answer.read()
                headers = []
                for name, value in answer.getheaders():
                    if name.lower() == "location" and value.startswith("/"):
                        value = PREFIX + value
                    if name.lower() not in _HOP:
                        headers.append((name, value))
                self._answer(answer.status, headers, data)
            finally:
                connection.close()

        def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response_only(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _proxy

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{PREFIX}/", outside
    finally:
        server.shutdown()
        server.server_close()


def test_the_whole_suite_runs_green_under_a_path_prefix(run_suite):
    with start(ServerConfig(generation="current")) as server, prefix_proxy(server.base_url) as (url, outside):
        run = run_suite("--base-url", url, env=_env())
        assert run.exit_code == 0, run.output[-5000:]
        assert run.summary["totals"]["failed"] == 0 and run.summary["totals"]["unverified"] == 0
        assert "DEL-SLASH-1" in run.clauses("held")  # the redirect, followed under the prefix
        assert run.summary["run"]["requests"] > 50
        assert outside == [], outside
        rows = server.store.all_tokens()
        assert not [r for r in rows if r["name"].startswith("nac-") and not r["deleted_at"]]


def test_a_broken_server_is_red_under_a_path_prefix(run_suite):
    config = ServerConfig(generation="current", faults=("delete-noop",))
    with start(config) as server, prefix_proxy(server.base_url) as (url, outside):
        run = run_suite("--base-url", url, env=_env())
        assert run.exit_code == 1, run.output[-5000:]
        assert {"DEL-OWN-2", "DEL-OWN-3", "DEL-SLASH-1"} <= run.clauses("failed")
        assert outside == [], outside
        failure = run.summary["clauses"]["DEL-OWN-2"]["failures"][0]
        assert f"{PREFIX}/api/token/" in (failure["curl"] or ""), failure["curl"]
        # No key of the run reaches a report, under the prefix as at the root.
        keys = [row["key"] for row in server.store.all_tokens() if row["name"].startswith("nac-")]
        assert keys
        for name in ("report.html", "summary.json", "junit.xml"):
            text = (run.report_dir / name).read_text(encoding="utf-8")
            assert not [key for key in keys if key in text], name
