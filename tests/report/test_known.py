"""--known-failures: the file read and checked, and a known failure in the tally's outputs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.errors import UsageError
from newapi_contract.report.known import load_known_failures
from newapi_contract.report.page import run_summary_html, verdict_sentence
from newapi_contract.report.summary import ClauseTally

TODAY = dt.date(2026, 12, 8)
ENTRIES = """
- clause: DEL-OWN-2
  ticket: BUG-1
  reason: delete is a no-op
  until: 2026-12-08
- clause: DEL-OWN-3
  ticket: BUG-2
  reason: old
  until: 2026-12-07
- clause: DEL-OWN-1
  ticket: BUG-3
  reason: fixed since
  until: 2027-01-01
"""


def _known(tmp_path, text: str = ENTRIES):
    path = tmp_path / "known.yaml"
    path.write_text(text, encoding="utf-8")
    return load_known_failures(path, load_clauses(), today=TODAY)


def _report(nodeid: str, outcome: str, clause: str) -> pytest.TestReport:
    return pytest.TestReport(
        nodeid, ("t.py", 1, nodeid), {}, outcome, None, "call", user_properties=[("clause", clause)]
    )


def test_until_is_inclusive_and_an_expired_entry_shields_nothing(tmp_path) -> None:
    known = _known(tmp_path)
    assert known.shields("DEL-OWN-2") is not None and known.shields("DEL-OWN-3") is None
    assert known.shields("DEL-AUTH-1") is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("clause: DEL-OWN-2", "expected a list"),
        ("- DEL-OWN-2", "entry 1: expected a mapping"),
        ("- clause: DEL-OWN-2\n  ticket: B\n  reason: r", "entry 1: missing until"),
        ("- {clause: NOPE-1, ticket: B, reason: r, until: 2027-01-01}", "unknown clause NOPE-1"),
        ("- {clause: DEL-OWN-2, ticket: B, reason: r, until: soon}", "is not a date"),
        (
            "- {clause: DEL-OWN-2, ticket: B, reason: r, until: 2027-01-01, owner: me}",
            "unknown field(s) owner",
        ),
        (
            "- {clause: DEL-OWN-2, ticket: B, reason: r, until: 2027-01-01}\n" * 2,
            "entry 2: DEL-OWN-2 is listed twice",
        ),
        ("- [unclosed", "not valid YAML at line"),
    ],
)
def test_a_malformed_file_is_one_usage_error(tmp_path, text: str, says: str) -> None:
    with pytest.raises(UsageError) as caught:
        _known(tmp_path, text)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_file_is_a_usage_error(tmp_path) -> None:
    with pytest.raises(UsageError, match="cannot read it"):
        load_known_failures(tmp_path / "nope.yaml", load_clauses())


def test_a_known_failure_does_not_fail_the_run_and_is_shown_as_known(tmp_path) -> None:
    tally = ClauseTally(load_clauses())
    tally.known = _known(tmp_path)
    for cid, outcome in (("DEL-OWN-1", "passed"), ("DEL-OWN-2", "failed")):
        tally.add(_report(cid, outcome, cid))
    assert tally.verdict_of("DEL-OWN-2") == "known" and tally.verdict() == "held"
    assert tally.counts()["known"] == 1 and tally.counts()["failed"] == 0
    assert "HELD, WITH KNOWN DEFECTS" in verdict_sentence(tally)
    assert any(line.startswith("  known  DEL-OWN-2") and "BUG-1" in line for line in tally.lines())
    assert tally.known_warnings() == [
        "known-failures: DEL-OWN-3 (BUG-2) expired on 2026-12-07: no longer shields its clause",
        "known-failures: DEL-OWN-1 (BUG-3) the clause now holds: remove the entry",
    ]
    tally.write(tmp_path / "summary.json")
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["verdict"] == "held" and data["totals"]["known"] == 1
    assert data["clauses"]["DEL-OWN-2"]["verdict"] == "known"
    assert data["clauses"]["DEL-OWN-2"]["known"]["ticket"] == "BUG-1"
    statuses = {e["clause"]: e["status"] for e in data["known_failures"]["entries"]}
    assert statuses == {"DEL-OWN-2": "known", "DEL-OWN-3": "expired", "DEL-OWN-1": "held"}
    html = "".join(run_summary_html(tally, {}, {}))
    assert "nac-v-known" in html and "known defect BUG-1" in html


def test_an_expired_entry_fails_the_run(tmp_path) -> None:
    tally = ClauseTally(load_clauses())
    tally.known = _known(tmp_path)
    tally.add(_report("DEL-OWN-3", "failed", "DEL-OWN-3"))
    assert tally.verdict_of("DEL-OWN-3") == "failed" and tally.verdict() == "failed"


def test_the_page_shows_the_entries_to_update_and_each_known_failure_with_its_ticket(tmp_path) -> None:
    from newapi_contract.report.failure import Failure
    from newapi_contract.report.page import page_title

    tally = ClauseTally(load_clauses())
    tally.known = _known(tmp_path)
    tally.add(_report("DEL-OWN-1", "passed", "DEL-OWN-1"))
    for cid in ("DEL-OWN-2", "DEL-OWN-3"):  # known, and failed past its entry's until
        failure = Failure(f"t.py::{cid}", cid, cid, "violation", "there", expected="gone")
        tally.note_verdict(cid, failure.test, "failed", failure)
    assert verdict_sentence(tally).startswith(
        "FAILED: the server breaks 1 of 42 clauses (and 1 known defect)"
    )
    assert page_title(tally).startswith("newapi-contract: failed, 1 failed, 1 known")
    html = "".join(run_summary_html(tally, {}, {}))
    banner = html[: html.index("</div>")]
    for line in tally.known_warnings():  # in the verdict box, as the terminal says them
        assert f"<li>{line}</li>" in banner
    known = html[html.index("<h2>Known defects</h2>") : html.index("<h2>Clauses</h2>")]
    assert known.count("<tr class='nac-stale'>") == 2 and "remove the entry" in known
    assert "<details class='nac-known-item' id='clause-DEL-OWN-2'>" in known
    assert (
        "<section class='nac-card nac-known'>" in known
        and "BUG-1, until 2026-12-08: delete is a no-op" in known
    )
    assert "id='clause-DEL-OWN-3'" not in known  # failed, not known: its card is a root cause's
    assert "--known-failures (BUG-2): expired on 2026-12-07" in html[html.index("<h2>Clauses</h2>") :]
