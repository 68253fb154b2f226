"""`newapi-contract run -- --alluredir DIR`: allure-pytest's results, each test titled and
labelled with its clause and source, a failure carrying its bug report; without the option
nothing of Allure is written."""

from __future__ import annotations

import json
from pathlib import Path

ARGS = ("--clause", "DEL-OWN-2", "--clause", "DEL-AUTH-1", "--embedded-faults", "delete-noop")


def _results(folder: Path) -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in folder.glob("*-result.json")]


def test_allure_results_carry_the_clause_and_the_bug_report(run_suite, tmp_path):
    allure_dir = tmp_path / "allure"
    run = run_suite(*ARGS, "--", "--alluredir", str(allure_dir), "-n", "2")
    assert run.exit_code == 1, run.output[-3000:]
    results = _results(allure_dir)
    assert results
    by_clause: dict[str, list[dict]] = {}
    for result in results:
        labels = {label["name"]: label["value"] for label in result["labels"]}
        by_clause.setdefault(labels["clause"], []).append({**result, "label": labels})
    assert set(by_clause) == {"DEL-OWN-2", "DEL-AUTH-1"}
    failed = [r for r in by_clause["DEL-OWN-2"] if r["status"] == "failed"]
    assert failed, [r["status"] for r in by_clause["DEL-OWN-2"]]
    result = failed[0]
    assert result["name"].startswith("DEL-OWN-2: ")
    assert result["label"]["source"] and result["label"]["feature"] == "DEL-OWN"
    assert result["label"]["story"] == "DEL-OWN-2"
    text = next(a for a in result["attachments"] if a["name"] == "bug report DEL-OWN-2")
    body = (allure_dir / text["source"]).read_text(encoding="utf-8")
    assert body.startswith("DEL-OWN-2 failed: expected") and "curl:" in body
    held = by_clause["DEL-AUTH-1"]
    assert {r["status"] for r in held} == {"passed"} and not any(r.get("attachments") for r in held)


def test_no_allure_without_the_option(run_suite, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = run_suite("--clause", "DEL-AUTH-1")
    assert run.exit_code == 0, run.output[-3000:]
    assert not list(tmp_path.rglob("*-result.json"))
