"""tools/upstream as a command: usage errors, rows from a summary, and (with a binary the
developer built, named by NEWAPI_UPSTREAM_LEGACY / NEWAPI_UPSTREAM_CURRENT) the real check."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tools.upstream.__main__ import main
from tools.upstream.compare import load_known_differences
from tools.upstream.instance import PortRange, UpstreamInstance
from tools.upstream.sequence import HERE
from tools.upstream.suite_runs import row_from_summary


@pytest.fixture(autouse=True)
def _no_binaries_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NEWAPI_UPSTREAM_LEGACY", "NEWAPI_UPSTREAM_CURRENT"):
        monkeypatch.delenv(name, raising=False)


def test_no_binary_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff"]) == 2
    assert "give --legacy PATH and/or --current PATH" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["diff", "--legacy", "x", "--env", "NOEQUALS"], "--env 'NOEQUALS': expected NAME=VALUE"),
        (["diff", "--legacy", "x", "--ports", "99-1"], "expected LOW-HIGH"),
        (["suite", "--legacy", "x", "--runs", "fast"], "choose from quick, n2, thorough"),
    ],
)
def test_bad_options_are_one_line_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_file_that_is_not_a_binary_is_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "new-api"
    text.write_text("not a program")
    assert main(["diff", "--legacy", str(text)]) == 3
    assert (
        "not an executable file (build new-api first; this tool never builds it)" in capsys.readouterr().err
    )


def test_port_range() -> None:
    assert PortRange("3200-3299").bounds == (3200, 3299)
    assert PortRange("any").bounds is None
    with pytest.raises(ValueError):
        PortRange("3299-3200")


def test_a_row_from_a_summary_and_from_a_run_that_left_none() -> None:
    summary = {
        "run": {"requests": 248, "throttled": 12},
        "totals": {"held": 26, "failed": 1, "unverified": 0},
        "clauses": {"DEL-RACE-1": {"verdict": "failed"}, "DEL-OWN-1": {"verdict": "held"}},
    }
    row = row_from_summary("legacy", "quick", 1, 215.4, summary)
    assert (row.held, row.failed, row.requests, row.throttled, row.failed_clauses) == (
        26,
        1,
        248,
        12,
        ("DEL-RACE-1",),
    )
    assert "exit 1" in row.line() and "(DEL-RACE-1)" in row.line()
    empty = row_from_summary("current", "thorough", 3, 2.0, {})
    assert (empty.held, empty.requests) == (None, None)


# -- with a real upstream binary ------------------------------------------------------------

BINARIES = {g: os.environ.get(f"NEWAPI_UPSTREAM_{g.upper()}") for g in ("legacy", "current")}
PORTS = PortRange(os.environ.get("NEWAPI_UPSTREAM_PORTS", "any"))


def _binary(generation: str) -> Path:
    given = BINARIES[generation]
    if not given:
        pytest.skip(
            f"needs a new-api binary you built: set NEWAPI_UPSTREAM_{generation.upper()} "
            "(and NEWAPI_UPSTREAM_PORTS, e.g. 3200-3299)"
        )
    return Path(given)


@pytest.mark.parametrize("generation", ["legacy", "current"])
def test_upstream_starts_fresh_and_is_set_up(generation: str) -> None:
    with UpstreamInstance(_binary(generation), PORTS) as upstream:
        status = httpx.get(upstream.base_url + "/api/status").json()["data"]
        assert status["setup"] is False  # a fresh database has no user
        upstream.setup("root", "nac-test-Root-1")
        assert httpx.get(upstream.base_url + "/api/status").json()["data"]["setup"] is True


@pytest.mark.parametrize("generation", ["legacy", "current"])
def test_differential_check_finds_no_unexplained_difference(generation: str) -> None:
    from tools.upstream.differential import run_generation

    known = load_known_differences(HERE / "known_differences.yaml")
    result = run_generation(generation, _binary(generation), PORTS, {}, known)
    unexplained = [str(d) for p in result.passes for d in p.verdict.unexplained] + [
        line for p in result.passes for line in p.not_sent
    ]
    assert unexplained == []


@pytest.mark.skipif(
    not (os.environ.get("NEWAPI_UPSTREAM_LEGACY") and os.environ.get("NEWAPI_UPSTREAM_CURRENT")),
    reason="set NEWAPI_UPSTREAM_LEGACY and NEWAPI_UPSTREAM_CURRENT to binaries you built",
)
@pytest.mark.parametrize("pair", ["legacy-current", "current-current"])
def test_release_check_between_upstream_builds_matches_the_embedded_one(pair: str, tmp_path: Path) -> None:
    from tools.upstream.release_check import run_release_check

    binaries = {g: Path(os.environ[f"NEWAPI_UPSTREAM_{g.upper()}"]) for g in ("legacy", "current")}
    ports = PortRange(os.environ.get("NEWAPI_UPSTREAM_PORTS", "any"))
    check = run_release_check(pair, binaries, ports, {}, tmp_path)
    assert check.same, {"only upstream": check.only_upstream, "only embedded": check.only_embedded}
