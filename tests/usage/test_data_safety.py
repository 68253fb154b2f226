"""The data-safety benchmark, smaller: 200 tokens of three other users survive a quick-profile
run (with the suite's own test users bootstrapped by root) unchanged in id, key and every field."""

from __future__ import annotations

import json
from pathlib import Path

from tester import population

TOKENS = 200


def test_other_users_tokens_survive_a_run(tmp_path: Path) -> None:
    with population.populated_server("current", TOKENS) as (base_url, users):
        before = population.snapshot(base_url, users)
        run = population.run_suite(base_url, "quick", tmp_path / "reports")
        after = population.snapshot(base_url, users)

    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads((tmp_path / "reports" / "summary.json").read_text(encoding="utf-8"))
    assert summary["run"]["users"] == "bootstrapped"
    assert len(before) == TOKENS and all(len(token["key"]) == 48 for token in before.values())
    assert population.differences(before, after) == []
