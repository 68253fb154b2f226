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


# -- found before any report is touched ---------------------------------------------------

OLD_REPORTS = {
    "report.html": "<html>old</html>",
    "junit.xml": "<testsuites/>",
    "summary.json": '{"totals": {"held": 27}}',
}


@pytest.fixture
def old_reports(tmp_path: Path) -> Path:
    """A report directory holding an earlier run's reports."""
    reports = tmp_path / "reports"
    reports.mkdir()
    for name, text in OLD_REPORTS.items():
        (reports / name).write_text(text, encoding="utf-8")
    return reports


def _untouched(reports: Path) -> bool:
    return all((reports / name).read_text(encoding="utf-8") == text for name, text in OLD_REPORTS.items())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--embedded-faults", "delete-noop,no-such-fault"], "unknown fault mode(s) no-such-fault"),
        (["--clause", "DEL-NOPE-9"], "unknown clause(s) DEL-NOPE-9"),
        (["--", "--no-such-pytest-option"], "unrecognized arguments: --no-such-pytest-option"),
        (["--", "--report-dir", "elsewhere"], "--report-dir after `--` is an option of run itself"),
        (["--", "--profile=thorough"], "--profile after `--` is an option of run itself: put it before"),
        (["--", "-k", "x", "--clause", "DEL-OWN-1"], "--clause after `--`"),
    ],
    ids=[
        "unknown-fault",
        "unknown-clause",
        "bad-pytest-argument",
        "report-dir-after",
        "profile-after",
        "clause-after",
    ],
)
def test_configuration_errors_leave_reports_alone(
    run_script: Any, old_reports: Path, args: list[str], says: str
) -> None:
    result = run_script("run", "--report-dir", str(old_reports), *args)
    assert says in _one_line(result, EXIT_USAGE)
    assert _untouched(old_reports)
    assert result.stdout == ""


@pytest.mark.parametrize(
    "where", ["/proc/newapi-contract-x", "{file}", "{file}/sub"], ids=["proc", "file", "under-file"]
)
def test_unusable_report_directory(run_script: Any, tmp_path: Path, where: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x", encoding="utf-8")
    report_dir = where.format(file=a_file)
    line = _one_line(run_script("run", "--report-dir", report_dir), EXIT_USAGE)
    assert f"--report-dir '{report_dir}'" in line and "cannot write reports there" in line


def test_a_run_selecting_nothing_leaves_no_old_verdict(run_script: Any, old_reports: Path) -> None:
    line = _one_line(
        run_script("run", "--report-dir", str(old_reports), "--", "-k", "no_test_is_named_so"), EXIT_USAGE
    )
    assert "no test matched" in line and "no reports written" in line
    assert _untouched(old_reports)


def test_too_short_access_token_names_its_variable(run_script: Any) -> None:
    # Caught before any request: a usage error (exit 2), not a target one.
    env = {"NEWAPI_ACCESS_TOKEN": "bad", "NEWAPI_USER_ID": "2"}
    line = _one_line(run_script("run", "--base-url", "http://127.0.0.1:9", env=env), EXIT_USAGE)
    assert (
        "NEWAPI_ACCESS_TOKEN" in line and "would refuse it" in line and "bad" not in line.split("(")[0][-5:]
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"NEWAPI_ROOT_USERNAME": "root"}, "NEWAPI_ROOT_PASSWORD is missing"),
        ({"NEWAPI_ROOT_PASSWORD": "s3cret-pass"}, "NEWAPI_ROOT_USERNAME is missing"),
    ],
    ids=["username-alone", "password-alone"],
)
def test_half_of_roots_pair_names_the_other_half(
    run_script: Any, old_reports: Path, env: dict[str, str], missing: str
) -> None:
    result = run_script("run", "--base-url", "http://127.0.0.1:9", "--report-dir", str(old_reports), env=env)
    line = _one_line(result, EXIT_USAGE)
    assert missing in line and "no credentials" not in line and "s3cret" not in line
    assert _untouched(old_reports)


def test_a_working_token_of_another_user_says_so(run_script: Any, populated: tuple[str, list[Any]]) -> None:
    base_url, users = populated
    env = {"NEWAPI_ACCESS_TOKEN": users[0].access_token, "NEWAPI_USER_ID": str(users[1].id)}
    line = _one_line(run_script("run", "--base-url", base_url, env=env), EXIT_TARGET)
    assert f"belongs to user {users[0].id}, not NEWAPI_USER_ID={users[1].id}" in line
    assert "refused" not in line and users[0].access_token not in line


def test_root_login_refused_during_the_run(
    run_script: Any, populated: tuple[str, list[Any]], tmp_path: Path
) -> None:
    base_url, _ = populated
    env = {"NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": "not-the-root-password"}
    reports = tmp_path / "reports"
    line = _one_line(
        run_script("run", "--base-url", base_url, "--report-dir", str(reports), env=env), EXIT_TARGET
    )
    assert "no reports written" in line and "not-the-root-password" not in line
    assert not any((reports / name).exists() for name in OLD_REPORTS)


def test_root_login_refused_during_the_run_leaves_earlier_reports(
    run_script: Any, populated: tuple[str, list[Any]], old_reports: Path
) -> None:
    # Found in the run's own bootstrap, after pytest started: the earlier reports come back.
    base_url, _ = populated
    env = {"NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": "not-the-root-password"}
    result = run_script("run", "--base-url", base_url, "--report-dir", str(old_reports), env=env)
    assert "earlier ones left as they were" in _last_line(result, EXIT_TARGET)
    assert _untouched(old_reports)
    # hypothesis's files may have come (the run had started); nothing of the reports did.
    assert sorted(p.name for p in old_reports.iterdir() if p.name != ".hypothesis") == sorted(OLD_REPORTS)


def _last_line(result: Any, code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    return str(result.stderr.strip().splitlines()[-1])


def test_early_stops_leave_earlier_reports_byte_identical(
    run_script: Any, old_reports: Path, closed_port: int, html_server: str, populated: tuple[str, list[Any]]
) -> None:
    """Every kind of early stop (usage, no credentials, unreachable, credentials rejected,
    not a new-api): the planted reports stay as they were, and pytest's header never shows."""
    before = {name: (old_reports / name).read_bytes() for name in OLD_REPORTS}
    user = {"NEWAPI_ACCESS_TOKEN": "x" * 30, "NEWAPI_USER_ID": "2"}
    cases = [
        (["--profile", "nope"], {}, EXIT_USAGE, "--profile"),
        (["--base-url", populated[0]], {}, EXIT_USAGE, "no credentials"),
        (["--base-url", f"http://127.0.0.1:{closed_port}"], user, EXIT_TARGET, ""),
        (["--base-url", html_server], user, EXIT_TARGET, ""),
        (["--base-url", populated[0]], user, EXIT_TARGET, "NEWAPI_ACCESS_TOKEN"),
    ]
    for args, env, code, says in cases:
        result = run_script("run", "--report-dir", str(old_reports), *args, env=env)
        line = _one_line(result, code)
        assert says in line
        assert "test session starts" not in result.stdout and "Generated html report" not in result.stdout
        assert {name: (old_reports / name).read_bytes() for name in OLD_REPORTS} == before, args
        assert sorted(p.name for p in old_reports.iterdir()) == sorted(OLD_REPORTS)


def test_an_option_without_a_command_is_named(run_script: Any) -> None:
    line = _one_line(run_script("--bogus"), EXIT_USAGE)
    assert "unrecognized arguments: --bogus" in line
