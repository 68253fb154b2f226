"""Every release a staging may run (issue 22): a healthy late-2024 server (c6ae8273, reference
§10) is green with the clauses its missing routes need reported not applicable, and the same
release with its Redis token cache (delete never evicts) is red on the revocation clause."""

from __future__ import annotations

import re


def test_a_healthy_late_2024_release_is_green_with_absent_features_not_applicable(run_suite):
    run = run_suite("--embedded-generation", "late2024")
    assert run.exit_code == 0, run.output[-4000:]
    summary = run.summary
    assert summary["totals"]["failed"] == 0 and summary["totals"]["unverified"] == 0
    features = summary["run"]["server_features"]
    assert "bare array, p from 0" in features and "full keys: in list" in features
    assert "New-Api-User: not checked" in features and "batch delete: absent" in features
    batch = summary["clauses"]["DEL-BATCH-1"]
    assert batch["verdict"] == "not applicable"
    assert "this release has no batch delete" in batch["not_applicable"][0]["reason"]
    # Known before the first test (a bare-array list release has no batch delete): the batch
    # tests are no tests of the run, so a green run has no skipped test for a CI dashboard.
    assert summary["totals"]["skipped"] == 0
    assert "test_batch" not in (run.report_dir / "junit.xml").read_text(encoding="utf-8")
    assert not re.search(r"^=+ .*\d+ skipped.* =+$", run.output, re.MULTILINE)  # pytest's last line
    # Relay clauses run on the keys the list answers whole: no reveal route is needed.
    assert summary["clauses"]["DEL-OWN-5"]["verdict"] == "held"
    assert "key reveal: absent" in features  # known from the bare-array list: never asked for


def test_the_late_2024_stale_key_with_redis_is_caught(run_suite):
    """new-api 2024-01..2024-12: with Redis, a delete did not evict the key (fixed in a2873b6d,
    aefd53b6; reference §9): a key used just before its delete keeps working."""
    run = run_suite("--embedded-generation", "late2024", "--token-cache", "on")
    assert run.exit_code == 1, run.output[-4000:]
    failed = run.clauses("failed")
    assert {"DEL-OWN-5", "DEL-STATE-1"} <= failed
    # The audit sees the same keys alive at the end of the run (DEL-ALL-3), explained by DEL-OWN-5.
    relay = {"DEL-OWN-5", "DEL-OWN-6", "DEL-STATE-1", "DEL-ALL-3"} | {f"DEL-DOOR-{n}" for n in range(1, 7)}
    assert failed <= relay
    assert run.summary["root_causes"] == ["DEL-OWN-5"]
