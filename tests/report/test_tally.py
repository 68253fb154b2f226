"""summary.json and the top of the page from the clause tally: each failure's bug report, the
run's verdict (interrupted or not), root causes first."""

from __future__ import annotations

import datetime
import json

import pytest

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.report.failure import Failure
from newapi_contract.report.page import page_title, run_summary_html, verdict_sentence
from newapi_contract.report.summary import ClauseTally


def _failure(clause: str) -> str:
    failure = Failure(
        test=f"t.py::{clause}",
        clause=clause,
        test_clause=clause,
        kind="violation",
        expected="gone",
        observed="there",
    )
    return json.dumps(failure.as_dict())


def _report(nodeid: str, outcome: str, **props) -> pytest.TestReport:
    return pytest.TestReport(
        nodeid, ("t.py", 1, nodeid), {}, outcome, None, "call", user_properties=list(props.items())
    )


def _tally(*failed: str, held: tuple[str, ...] = ("DEL-OWN-1",)) -> ClauseTally:
    tally = ClauseTally(load_clauses())
    for cid in held:
        tally.add(_report(cid, "passed", clause=cid))
    for cid in failed:
        tally.add(_report(cid, "failed", clause=cid, failure=_failure(cid)))
    return tally


def test_summary_holds_each_failure_and_what_explains_it(tmp_path) -> None:
    tally = _tally("DEL-OWN-2", "DEL-OWN-3")
    tally.write(tmp_path / "summary.json")
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["verdict"] == "failed" and data["interrupted"] is False
    assert data["root_causes"] == ["DEL-OWN-2"]
    own3 = data["clauses"]["DEL-OWN-3"]
    assert own3["probably_because_of"] == ["DEL-OWN-2"] and own3["relies_on"] == ["DEL-OWN-1", "DEL-OWN-2"]
    assert own3["failures"][0]["expected"] == "gone" and own3["failures"][0]["observed"] == "there"
    assert own3["failures"][0]["headline"] == "DEL-OWN-3 failed: expected gone; observed there"
    assert data["totals"]["not run"] == len(load_clauses()) - 3


def test_run_verdicts() -> None:
    assert _tally().verdict() == "held"
    interrupted = _tally()
    interrupted.interrupted = True
    assert interrupted.verdict() == "interrupted"
    assert verdict_sentence(interrupted).startswith("INTERRUPTED")
    failed = _tally("DEL-OWN-2")
    failed.interrupted = True
    assert failed.verdict() == "failed" and "interrupted" in verdict_sentence(failed)
    assert ClauseTally(load_clauses()).verdict() == "no verdict"


def test_page_top_leads_with_the_root_cause() -> None:
    tally = _tally("DEL-OWN-2", "DEL-OWN-3", "DEL-AGAIN-1")
    html = "".join(run_summary_html(tally, {}))
    assert html.index("nac-verdict") < html.index("id='clause-DEL-OWN-2'")
    assert html.index("id='clause-DEL-OWN-2'") < html.index("Also failing, probably because of DEL-OWN-2 (2)")
    assert html.index("Also failing") < html.index("<h2>Clauses</h2>")
    assert "3 failed" in html and "1 held" in html
    total = len(load_clauses())
    assert (
        verdict_sentence(tally) == f"FAILED: the server breaks 3 of {total} clauses; root cause: DEL-OWN-2."
    )
    assert page_title(tally).startswith("newapi-contract: failed, 3 failed")


def test_verdicts_reached_outside_a_test_count_like_a_tests():
    # An xdist worker's audit at its session's end (suite.plugin): held, failed with its bug
    # report, unverified or skipped with the reason; a test's verdict of the clause still counts.
    tally = _tally(held=("DEL-ALL-1",))
    failure = Failure.from_dict(json.loads(_failure("DEL-ALL-3")))
    tally.note_verdict("DEL-ALL-1", "(audit of gw0)", "held")
    tally.note_verdict("DEL-ALL-3", "(audit of gw0)", "failed", failure)
    tally.note_verdict("DEL-ALL-5", "(audit of gw0)", "unverified", reason="lost answer")
    tally.note_verdict("DEL-ALL-2", "(audit of gw0)", "skipped", reason="no token")
    verdicts = {cid: tally.verdict_of(cid) for cid in ("DEL-ALL-1", "DEL-ALL-2", "DEL-ALL-3", "DEL-ALL-5")}
    assert verdicts == {
        "DEL-ALL-1": "held",
        "DEL-ALL-2": "skipped",
        "DEL-ALL-3": "failed",
        "DEL-ALL-5": "unverified",
    }
    assert tally.failures["DEL-ALL-3"] == [failure] and tally.verdict() == "failed"
    assert tally.as_dict()["clauses"]["DEL-ALL-1"]["passed"] == ["DEL-ALL-1", "(audit of gw0)"]


def _skipped(nodeid: str, reason: str, **props) -> pytest.TestReport:
    return pytest.TestReport(
        nodeid,
        ("t.py", 1, nodeid),
        {},
        "skipped",
        ("t.py", 1, reason),
        "call",
        user_properties=list(props.items()),
    )


def test_not_applicable_is_its_own_verdict_apart_from_skipped() -> None:
    tally = _tally()
    # Deselected at collection (told twice under xdist: once is kept) and found at run time.
    for _ in range(2):
        tally.note_verdict(
            "DEL-LAT-1", "t.py::lat", "not applicable", reason="not applicable: no create budget"
        )
    tally.add(_skipped("t.py::batch", "Skipped: not applicable: no batch delete", clause="DEL-BATCH-1"))
    tally.add(_skipped("t.py::peer", "Skipped: no second user", clause="DEL-ISO-1"))
    # A clause with one test held and one not applicable held.
    tally.add(_report("t.py::door[a]", "passed", clause="DEL-DOOR-1"))
    tally.note_verdict(
        "DEL-DOOR-1", "t.py::door[b]", "not applicable", reason="not applicable: thorough only"
    )
    verdicts = tally.verdicts()
    assert verdicts["DEL-LAT-1"] == verdicts["DEL-BATCH-1"] == "not applicable"
    assert verdicts["DEL-ISO-1"] == "skipped" and verdicts["DEL-DOOR-1"] == "held"
    assert tally.counts()["not applicable"] == 2 and tally.counts()["skipped"] == 1
    assert tally.not_applicable_reasons() == {
        "DEL-BATCH-1": "no batch delete",
        "DEL-LAT-1": "no create budget",
    }
    data = tally.as_dict()["clauses"]
    assert data["DEL-LAT-1"]["not_applicable"] == [
        {"test": "t.py::lat", "reason": "not applicable: no create budget"}
    ]
    assert data["DEL-ISO-1"]["skipped"] == [{"test": "t.py::peer", "reason": "no second user"}]
    assert "    n/a  DEL-LAT-1  Creates answer within the create budget  (no create budget)" in tally.lines()
    assert tally.verdict() == "held" and tally.judged()


def test_nothing_judged_when_every_clause_is_not_applicable() -> None:
    tally = ClauseTally(load_clauses())
    tally.note_verdict("DEL-LAT-1", "t.py::lat", "not applicable", reason="not applicable: no create budget")
    assert not tally.judged() and tally.verdict() == "no verdict"


def test_the_page_lists_not_applicable_clauses_apart_without_a_why_column() -> None:
    tally = _tally()
    tally.note_verdict("DEL-LAT-1", "t.py::lat", "not applicable", reason="not applicable: no create budget")
    page = "".join(run_summary_html(tally))
    table = page[page.index("<h2>Clauses</h2>") : page.index("</table>", page.index("<h2>Clauses</h2>"))]
    assert "DEL-LAT-1" not in table and "<th>Why</th>" not in table
    assert "Not applicable to this run (1)" in page and "no create budget" in page
    assert (
        verdict_sentence(tally) == "HELD: every clause checked held (1 of 41; 1 not applicable to this run)."
    )


def test_a_clause_partly_not_applicable_is_not_run_until_its_selected_tests_report() -> None:
    tally = ClauseTally(load_clauses())
    tally.note_verdict(
        "DEL-DOOR-3", "t.py::door[thorough]", "not applicable", reason="not applicable: thorough"
    )
    tally.note_selected("DEL-DOOR-3", ["t.py::door[x-api-key]"])
    assert tally.verdict_of("DEL-DOOR-3") == "not run"  # interrupted before its quick door ran
    # The quick door refused the live key (its positive control): the clause does not apply.
    tally.add(
        _skipped(
            "t.py::door[x-api-key]",
            "Skipped: not applicable: door x-api-key answered 401",
            clause="DEL-DOOR-3",
        )
    )
    assert tally.verdict_of("DEL-DOOR-3") == "not applicable"


def test_a_known_failure_reported_as_xfailed_still_counts_as_failed_then_known() -> None:
    from newapi_contract.report.known import KnownFailure, KnownFailures

    tally = _tally()
    report = _report(
        "t.py::own2", "skipped", clause="DEL-OWN-2", failure=_failure("DEL-OWN-2"), known="BUG-1"
    )
    report.wasxfail = "known defect BUG-1"  # type: ignore[attr-defined]
    tally.add(report)
    assert tally.verdict_of("DEL-OWN-2") == "failed"  # no list: a failure like any other
    entry = KnownFailure("DEL-OWN-2", "BUG-1", "stale GET", datetime.date(2099, 1, 1))
    tally.known = KnownFailures("known.yaml", {"DEL-OWN-2": entry}, today=datetime.date(2026, 12, 8))
    assert tally.verdict_of("DEL-OWN-2") == "known" and tally.verdict() == "held"


def test_another_clauses_violation_in_a_fixture_fails_that_clause_not_the_tests() -> None:
    tally = ClauseTally(load_clauses())
    report = pytest.TestReport(
        "t.py::iso",
        ("t.py", 1, "iso"),
        {},
        "failed",
        None,
        "setup",
        user_properties=[("clause", "DEL-ISO-1"), ("failed_clause", "DEL-ALL-5")],
    )
    tally.add(report)
    assert tally.verdict_of("DEL-ALL-5") == "failed" and tally.verdict_of("DEL-ISO-1") == "unverified"
    assert tally.results["DEL-ISO-1"].unverified_reasons == ["stopped by a failure of DEL-ALL-5"]
