"""The three outputs of a comparison, from a hand-made one (no server): JSON and JUnit say the
same verdict, the page escapes what the servers answered, and no registered secret leaves."""

from __future__ import annotations

import html as html_text
import json
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path

from newapi_contract.client.recording import Exchange, token_key_line
from newapi_contract.client.redaction import REDACTOR
from newapi_contract.compare.classify import ClauseChange, Difference, StepResult
from newapi_contract.compare.outputs import as_dict, verdict_sentence, write_outputs
from newapi_contract.compare.page import page_title
from newapi_contract.compare.runner import CallSeen, Observed
from newapi_contract.compare.scenario import load_scenario
from newapi_contract.compare.session import Comparison
from newapi_contract.report.failure import Failure

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


def _exchange(method: str, url: str, headers: dict[str, str]) -> Exchange:
    return Exchange(method, url, headers, "", 200, {}, '{"success":true}', 1.0)


def test_a_curl_line_with_the_relay_key_says_how_to_get_it_as_bug_reports_do(tmp_path: Path) -> None:
    relay = _exchange("GET", "http://127.0.0.1:9/v1/models", {"Authorization": "Bearer [REDACTED]"})
    delete = _exchange("DELETE", "http://127.0.0.1:9/api/token/42", {"Authorization": "$NEWAPI_ACCESS_TOKEN"})

    def observed(token: int) -> Observed:
        tree = {"status": 200, "headers": {}, "body": {}}
        return Observed(
            calls={
                "before-bearer-sk": CallSeen([tree], [relay], key_of=token),
                "delete": CallSeen([tree], [delete]),
            }
        )

    made = Comparison(
        _side("embedded:legacy", "legacy"),
        _side("embedded:current", "current"),
        [StepResult("relay-after-delete", "t", [])],
        {"relay-after-delete": (observed(42), observed(42), observed(7))},
        [STEPS["relay-after-delete"]],
        (),
    )
    write_outputs(made, tmp_path)
    calls = {c["name"]: c for c in json.loads((tmp_path / "compare.json").read_text())["steps"][0]["calls"]}
    assert "$NEWAPI_TOKEN_KEY" in calls["before-bearer-sk"]["baseline_curl"]
    assert calls["before-bearer-sk"]["baseline_key"] == token_key_line(42)
    assert calls["before-bearer-sk"]["candidate_key"] == token_key_line(7)
    assert calls["delete"]["baseline_key"] is None  # no relay key in its curl line: nothing to say
    html = (tmp_path / "compare.html").read_text(encoding="utf-8")
    # Under each curl line that names the variable, the same sentence as a bug report's.
    reported = Failure(
        "t", "DEL-OWN-5", "DEL-OWN-5", "violation", "o", exchanges=[asdict(relay)], about=0
    ).key_line()
    assert reported == token_key_line() and "(here token 42)" in token_key_line(42)
    curls = html.count("$NEWAPI_TOKEN_KEY")
    assert curls == 2 and html.count("<b>Relay key:</b>") == curls
    for token in (42, 7):
        line = html_text.escape(token_key_line(token))  # the page escapes as html.escape does
        assert f"&quot;$NEWAPI_TOKEN_KEY&quot;</pre><p class='cmp-key'><b>Relay key:</b> {line}</p>" in html
