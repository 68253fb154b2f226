"""The step summary: Markdown appended to $GITHUB_STEP_SUMMARY, nothing when it is unset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.report.failure import Failure
from newapi_contract.report.step_summary import append_step_summary, error_markdown, run_markdown
from newapi_contract.report.summary import ClauseTally


def _report(clause: str, outcome: str, **props: str) -> pytest.TestReport:
    return pytest.TestReport(
        clause,
        ("t.py", 1, clause),
        {},
        outcome,
        None,
        "call",
        user_properties=[("clause", clause), *props.items()],
    )


def test_a_red_run_names_each_failed_clause_in_one_line(tmp_path: Path) -> None:
    tally = ClauseTally(load_clauses())
    tally.add(_report("DEL-OWN-1", "passed"))
    failure = Failure(
        test="t.py::x", clause="DEL-OWN-2", test_clause="DEL-OWN-2", kind="violation",
        expected="gone | deleted", observed="still\\nthere",
    )  # fmt: skip
    tally.add(_report("DEL-OWN-2", "failed", failure=json.dumps(failure.as_dict())))
    text = run_markdown(tally, 1, tmp_path, ["report.html", "summary.json"])
    assert text.startswith("## newapi-contract: FAILED (exit 1)\n")
    row = next(line for line in text.splitlines() if line.startswith("| DEL-OWN-2 |"))
    assert "expected gone \\| deleted" in row
    assert f"`{tmp_path / 'report.html'}`, `{tmp_path / 'summary.json'}`" in text


def test_appended_only_when_the_variable_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    assert append_step_summary("x") is None
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert append_step_summary(error_markdown("no credentials", 2)) == target
    assert (
        target.read_text(encoding="utf-8")
        == "earlier step\n## newapi-contract: NO VERDICT (exit 2)\n\nno credentials\n"
    )
