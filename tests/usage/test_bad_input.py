"""The bad-input matrix, each case through the real console script in a subprocess:
exactly one clear line on stderr, no traceback, and the documented exit code
(2 usage/configuration, 3 target unusable). The subprocess timeout is a hang guard."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from tester import user_env

EXIT_USAGE, EXIT_TARGET = 2, 3


class _HtmlPage(BaseHTTPRequestHandler):
    """A web server that is not a new-api: every GET answers an HTML page."""

    def do_GET(self) -> None:
        page = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture
def html_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HtmlPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _one_line(result: Any, code: int) -> str:
    lines = result.stderr.splitlines()
    assert result.returncode == code, result.stderr
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert lines[0].startswith("newapi-contract")
    return lines[0]


def test_closed_port_is_unreachable(run_script: Any, closed_port: int) -> None:
    line = _one_line(run_script("run", "--base-url", f"http://127.0.0.1:{closed_port}"), EXIT_TARGET)
    assert f"127.0.0.1:{closed_port}" in line and "cannot connect" in line


def test_html_server_is_not_new_api(run_script: Any, html_server: str) -> None:
    line = _one_line(run_script("run", "--base-url", html_server), EXIT_TARGET)
    assert html_server in line and "not new-api" in line


def test_wrong_credentials_are_rejected(run_script: Any, populated: tuple[str, list[Any]]) -> None:
    base_url, users = populated
    env = {"NEWAPI_ACCESS_TOKEN": "wrong-access-token-000000000", "NEWAPI_USER_ID": str(users[0].id)}
    line = _one_line(run_script("run", "--base-url", base_url, env=env), EXIT_TARGET)
    assert "refused the access token" in line and "wrong-access-token" not in line


def test_root_where_a_common_user_is_needed(
    run_script: Any, populated: tuple[str, list[Any]], root_user: Any
) -> None:
    base_url, _ = populated
    line = _one_line(run_script("run", "--base-url", base_url, env=user_env(root_user)), EXIT_USAGE)
    assert "is root" in line and root_user.access_token not in line


def test_malformed_apifox_file(run_script: Any, tmp_path: Path) -> None:
    bad = tmp_path / "broken.apifox.txt"
    bad.write_text('{"apifoxProject": "1.0", "apiCollection": [', encoding="utf-8")
    line = _one_line(run_script("convert", str(bad)), EXIT_USAGE)
    assert "broken.apifox.txt" in line


def test_unknown_option(run_script: Any) -> None:
    line = _one_line(run_script("run", "--no-such-option"), EXIT_USAGE)
    assert "--no-such-option" in line
