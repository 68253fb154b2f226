"""The three outputs of a comparison, from a hand-made one (no server): JSON and JUnit say the
same verdict, the page escapes what the servers answered, and no registered secret leaves."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from newapi_contract.client.redaction import REDACTOR
from newapi_contract.compare.classify import ClauseChange, Difference, StepResult
from newapi_contract.compare.outputs import as_dict, verdict_sentence, write_outputs
from newapi_contract.compare.page import page_title
from newapi_contract.compare.runner import CallSeen, Observed
from newapi_contract.compare.scenario import load_scenario
from newapi_contract.compare.session import Comparison

SECRET = "a-registered-access-token-0123456789"
STEPS = {step.id: step for step in load_scenario()}


def _side(target: str, generation: str) -> dict:
    return {"target": target, "generation": generation, "version": "v1", "faults": [], "requests": 3}


def _observed(message: str) -> Observed:
    tree = {"status": 200, "headers": {}, "body": {"success": False, "message": message}}
    return Observed(calls={"delete": CallSeen([tree], [])})


def comparison(*results: StepResult, allowed: tuple[str, ...] = ()) -> Comparison:
    REDACTOR.add_secret(SECRET)
    observed = {r.step_id: (_observed("a"), _observed("a"), _observed("b")) for r in results}
    steps = [STEPS[r.step_id] for r in results]
    return Comparison(
        _side("embedded:legacy", "legacy"),
        _side("embedded:current", "current"),
        list(results),
        observed,
        steps,
        allowed,
    )


def text_change() -> StepResult:
    result = StepResult("missing-id", "t", ["DEL-MISSING-1"])
    result.differences = [
        Difference(
            "delete", "body.message", "record not found", f"<b>not</b> {SECRET}", "record not found", "text"
        )
    ]
    return result


def contract_change() -> StepResult:
    result = StepResult("second-delete", "t", ["DEL-AGAIN-1"])
    result.changes = [ClauseChange("DEL-AGAIN-1", "held", "failed", "expected: record not found")]
    return result


def test_json_junit_and_page_say_the_same(tmp_path: Path) -> None:
    made = comparison(
        text_change(), contract_change(), StepResult("auth-none", "t", [], unverified="lost: x")
    )
    write_outputs(made, tmp_path)
    document = json.loads((tmp_path / "compare.json").read_text(encoding="utf-8"))
    assert document["exit_code"] == 1 and document["change_counts"] == {"contract": 1, "shape": 0, "text": 1}
    assert document["verdict"] == verdict_sentence(made) and document["verdict"].startswith(
        "DIFFERENT: 1 contract, 1 text"
    )
    suite = ET.parse(tmp_path / "compare-junit.xml").getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "2", "1")
    html = (tmp_path / "compare.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;not&lt;/b&gt;" in html and "<b>not</b>" not in html
    assert page_title(document) in html.replace("&gt;", ">")
    # the title counts what the headline counts: changes, not steps
    assert page_title(document).startswith("newapi-contract compare: 1 contract, 0 shape, 1 text change(s)")
    for name in ("compare.json", "compare-junit.xml", "compare.html"):
        assert SECRET not in (tmp_path / name).read_text(encoding="utf-8"), name


def test_allowed_text_is_no_failure_and_a_contract_change_never_is_allowed() -> None:
    assert comparison(text_change(), allowed=("text",)).exit_code == 0
    assert verdict_sentence(comparison(text_change(), allowed=("text",))).startswith("NO BLOCKING DIFFERENCE")
    assert comparison(contract_change(), allowed=("text", "shape")).exit_code == 1


def test_noise_only_is_no_difference() -> None:
    noisy = StepResult("missing-id", "t", [])
    noisy.differences = [Difference("delete", "body.data", 1, 2, 3, "noise")]
    made = comparison(noisy)
    assert made.exit_code == 0 and as_dict(made)["changes"] == []
    assert (
        verdict_sentence(made)
        == "NO DIFFERENCE: every step answered as on the baseline; 1 step(s) with noise only."
    )
