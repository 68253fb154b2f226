"""Latency is observed, and judged only under a budget; revocation time is measured per door,
and legacy's asynchronous cache eviction shows in it (the embedded server, whole runs)."""

from __future__ import annotations

import pytest

DOOR_CLAUSES = [arg for n in range(1, 7) for arg in ("--clause", f"DEL-DOOR-{n}")]


def test_a_3s_delete_is_plain_in_the_figures_and_fails_only_under_a_budget(run_suite):
    args = ("--embedded-faults", "slow-delete", "--clause", "DEL-OWN-1", "--clause", "DEL-LAT-3")
    observed = run_suite(*args)
    assert observed.exit_code == 0, observed.output[-3000:]
    assert observed.summary["latency"]["delete"]["max_ms"] >= 3000
    assert observed.summary["clauses"]["DEL-LAT-3"]["verdict"] == "not applicable"
    assert "test_deletes_answer_within_the_budget" not in (observed.report_dir / "junit.xml").read_text(
        encoding="utf-8"
    )
    assert "Latency per operation" in (observed.report_dir / "report.html").read_text(encoding="utf-8")
    judged = run_suite(*args, "--latency-budget", "delete=500ms")
    assert judged.exit_code == 1, judged.output[-3000:]
    assert judged.clauses("failed") == {"DEL-LAT-3"}
    assert judged.summary["latency"]["delete"]["over_budget"] >= 1
    assert "slower" in judged.output and "DELETE /api/token/" in judged.output


@pytest.mark.parametrize("generation", ["legacy", "current"])
def test_revocation_per_door_shows_legacys_asynchronous_eviction(run_suite, generation):
    run = run_suite("--embedded-generation", generation, "--token-cache", "on", *DOOR_CLAUSES)
    assert run.exit_code == 0, run.output[-3000:]
    rows = {row["door"]: row for row in run.summary["revocation"]}
    assert len(rows) == 7 and all(row["verdict"] == "revoked" for row in rows.values())
    late = [door for door, row in rows.items() if row["accepted_after_delete"]]
    if generation == "legacy":  # the entry is evicted 50 ms after the delete: the first probe hits it
        assert late and rows[late[0]]["refused_at_ms"] >= 50, rows
    else:  # fenced before the delete was answered
        assert late == [] and all(row["first_probe_refused"] for row in rows.values()), rows


def test_a_strict_bound_makes_legacys_eviction_window_a_failure(run_suite):
    run = run_suite(
        "--embedded-generation",
        "legacy",
        "--token-cache",
        "on",
        "--revocation-bound",
        "0",
        "--clause",
        "DEL-DOOR-1",
    )
    assert run.exit_code == 1 and run.clauses("failed") == {"DEL-DOOR-1"}, run.output[-3000:]
    assert "on the very next request" in run.output
