"""Bad input to `newapi-contract compare`: one line on stderr, exit 2 (usage) or 3 (target),
within seconds, no traceback, and an earlier comparison's reports left alone."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from newapi_contract.cli import main


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def stale(tmp_path: Path) -> Path:
    (tmp_path / "compare.html").write_text("an earlier comparison", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("args", "says", "code"),
    [
        (["embedded:legacy", "prod.example.com"], "candidate 'prod.example.com': expected a URL", 2),
        (["embedded:future", "embedded:current"], "baseline 'embedded:future'", 2),
        (["embedded:current", "embedded:current:nope"], "unknown fault mode(s) nope", 2),
        (
            ["embedded:current", "embedded:current", "--step", "no-such-*"],
            "no step of the scenario matches",
            2,
        ),
        (["embedded:current", "embedded:current", "--allow", "contract"], "invalid choice: 'contract'", 2),
        (
            ["embedded:current", "embedded:current", "--revocation-bound", "soon"],
            "--revocation-bound 'soon'",
            2,
        ),
        (["embedded:current"], "the following arguments are required: CANDIDATE", 2),
    ],
)
def test_usage_errors(args, says, code, stale: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["compare", "--report-dir", str(stale), *args]) == code
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (stale / "compare.html").read_text(encoding="utf-8") == "an earlier comparison"


def _exit_code(argv: list[str]) -> int:
    """What the console script would exit with (argparse's errors exit on their own)."""
    try:
        return main(argv)
    except SystemExit as exited:
        return int(exited.code or 0)


def test_an_unreachable_server_is_exit_3_in_seconds(stale: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    code = main(["compare", "--report-dir", str(stale), url, "embedded:current"])
    err = capsys.readouterr().err
    assert code == 3
    assert "cannot connect" in err and len(err.strip().splitlines()) == 1
    assert (stale / "compare.html").read_text(encoding="utf-8") == "an earlier comparison"


def test_a_report_dir_that_cannot_be_written_is_a_usage_error(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code = main(["compare", "--report-dir", str(blocker / "reports"), "embedded:current", "embedded:current"])
    assert code == 2 and "cannot write reports there" in capsys.readouterr().err
