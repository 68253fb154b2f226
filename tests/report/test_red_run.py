"""A red run, read in every output it leaves: the defect `delete-noop` (a delete that answers
success and removes nothing) must read the same in summary.json, JUnit, the HTML report and
the terminal, for every clause, the generated layer's subtest included; and lead with its
root cause."""

from __future__ import annotations

import re
import shlex

from finished_runs import FinishedRun, run_suite

ROOT = "DEL-OWN-2"  # the delete answers success (DEL-OWN-1 holds) but the token is still there


def _junit_cases(run: FinishedRun) -> list[tuple[str, str | None, str | None, bool]]:
    """(test name, clause property, failure message or None, skipped) of every JUnit testcase."""
    cases = []
    for case in run.junit.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        failure = case.find("failure")
        message = None if failure is None else failure.get("message")
        cases.append((case.get("name") or "", props.get("clause"), message, case.find("skipped") is not None))
    return cases


def test_exit_code_and_one_stderr_line(red_run: FinishedRun) -> None:
    assert red_run.exit_code == 1, red_run.stderr
    lines = red_run.stderr.splitlines()
    assert len(lines) == 1 and "exit 1" in lines[0] and "Traceback" not in red_run.stderr


def test_root_cause_leads_and_the_rest_are_explained(red_run: FinishedRun) -> None:
    summary = red_run.summary
    failed = red_run.clauses("failed")
    assert summary["root_causes"] == [ROOT]
    assert len(failed) > 10 and ROOT in failed and "DEL-OWN-1" not in failed
    for cid in failed - {ROOT}:
        assert summary["clauses"][cid]["probably_because_of"] == [ROOT], cid
    assert summary["verdict"] == "failed" and summary["interrupted"] is False


def test_summary_carries_each_failure_as_a_bug_report(red_run: FinishedRun) -> None:
    for cid in red_run.clauses("failed"):
        failures = red_run.summary["clauses"][cid]["failures"]
        assert failures, cid
        first = failures[0]
        assert first["headline"].startswith(f"{cid} failed"), first
        assert first["observed"] and first["replay"].startswith("newapi-contract run ")
        assert "--embedded-faults delete-noop" in first["replay"]
    own2 = red_run.summary["clauses"][ROOT]["failures"][0]
    assert own2["expected"].startswith("HTTP 200") and "record not found" in own2["expected"]
    assert own2["observed_answer"]["status"] == 200 and own2["observed_answer"]["body"]["success"] is True
    # which request: the GET after the delete, not the create or the delete itself
    assert re.match(r"#\d+ of \d+: GET http://127\.0\.0\.1:\d+/api/token/\d+ -> HTTP 200", own2["about"])


def test_junit_agrees_and_its_messages_start_with_the_clause(red_run: FinishedRun) -> None:
    failed = red_run.clauses("failed")
    cases = _junit_cases(red_run)
    failing_clauses = {clause for _, clause, message, _ in cases if message is not None}
    assert failing_clauses == failed
    for name, clause, message, skipped in cases:
        assert clause is not None, f"{name}: no clause property"
        if message is not None:
            assert message.startswith(f"{clause} failed"), (name, message[:120])
            assert "Actor(" not in message and "object at 0x" not in message
            assert len(message) <= 600
        elif not skipped:  # a door the server lacks may be skipped beside a failed one
            assert clause not in failed, f"{name} passed in JUnit although {clause} failed"
    subtests = [(n, c, m) for n, c, m, _ in cases if n.startswith("test_generated[")]
    assert subtests and all(c == "DEL-GEN-1" and m for _, c, m in subtests)
    assert all(case.get("file", "").startswith("contracts/") for case in red_run.junit.iter("testcase"))


def test_html_rows_agree_with_the_clause_verdicts(red_run: FinishedRun) -> None:
    failed = red_run.clauses("failed")
    rows = red_run.html_tests()
    by_clause: dict[str, set[str]] = {}
    for row in rows:
        cell = next(c for c in row["resultsTableRow"] if 'class="col-clause"' in c)
        clause = re.sub(r"<[^>]+>", "", cell).split(" ")[0]
        by_clause.setdefault(clause, set()).add(row["result"])
    for cid in failed:
        assert "Failed" in by_clause.get(cid, set()) and "Passed" not in by_clause[cid], (
            cid,
            by_clause.get(cid),
        )
    generated = [r for r in rows if "test_generated[" in r["resultsTableRow"][2]]
    assert generated and generated[0]["result"] == "Failed"
    # the counts of pytest's line of test counts and of the page agree; the verdict is last
    lines = red_run.stdout.strip().splitlines()
    counts = next(line for line in reversed(lines) if re.match(r"=+ \d+ failed", line))
    n_failed = int(re.search(r"(\d+) failed", counts).group(1))
    assert lines[-1].startswith("FAILED: the server breaks"), lines[-3:]
    assert sum(1 for r in rows if r["result"] == "Failed") == n_failed


def test_the_red_terminal_is_short_and_has_no_harness_traceback(red_run: FinishedRun) -> None:
    out = red_run.stdout
    assert "Traceback" not in out and "verdict.py" not in out and "=== FAILURES ===" not in out
    assert "refused at None" not in out and "short test summary" not in out
    assert out.count("root cause: ") >= 1 and len(out.splitlines()) < 200


def test_html_top_reads_as_a_bug_report(red_run: FinishedRun) -> None:
    page = red_run.html
    assert '<title id="head-title">newapi-contract: failed' in page
    top = page.index("nac-verdict")
    assert top < page.index(f"id='clause-{ROOT}'") < page.index("Also failing, probably because of DEL-OWN-2")
    start = page.index(f"id='clause-{ROOT}'")
    card = page[start : page.index("</section>", start)]
    assert "The failing exchange" in card and "<h5>Request</h5>" in card and "<h5>Response" in card
    observed = card[card.index("<h4>Observed</h4>") :]
    assert observed.index("&quot;success&quot;: true") < observed.index("</div>")  # parsed and pretty
    assert "verdict-failed" in page and "nac-v-failed" in page
    assert "$NEWAPI_ACCESS_TOKEN" in page


def test_terminal_short_summary_names_clause_and_what_failed(red_run: FinishedRun) -> None:
    out = red_run.stdout
    assert f"root cause: {ROOT} failed: expected" in out
    assert "also failing, probably because of DEL-OWN-2:" in out
    assert "Actor(role=" not in out  # no fixture reprs: short tracebacks
    assert len(out.splitlines()) < 600


def test_replay_line_runs_exactly_the_failing_test(red_run: FinishedRun, tmp_path) -> None:
    replay = red_run.summary["clauses"]["DEL-GEN-1"]["failures"][0]["replay"]
    words = shlex.split(replay)
    assert words[:2] == ["newapi-contract", "run"]
    again = run_suite(tmp_path / "reports", *words[2:])
    assert again.exit_code == 1, again.stderr
    assert again.clauses("failed") == {"DEL-GEN-1"}
    ran = {cid for cid, row in again.summary["clauses"].items() if row["verdict"] != "not run"}
    assert ran == {"DEL-GEN-1"}


def test_latency_counts_each_answer_once(red_run: FinishedRun) -> None:
    """An answer a shared observation received (the doors' probes) is shown in the report of
    every test that judges it, but is one answer: latency counts it once, so the answers per
    operation never outnumber the run's requests (only the set-up's and clean-up's requests,
    sent outside any test, are not among them)."""
    summary = red_run.summary
    answered = sum(row["n"] for row in summary["latency"].values())
    assert 0.9 * summary["run"]["requests"] <= answered <= summary["run"]["requests"], (
        answered,
        summary["run"]["requests"],
    )
