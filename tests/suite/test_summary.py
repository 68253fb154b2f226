"""The clause tally: a failing test fails its clause (or the clause its violation names)."""

from __future__ import annotations

import json

import pytest

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.report.summary import ClauseTally


def _report(nodeid, outcome, when="call", **props):
    return pytest.TestReport(
        nodeid, ("f.py", 1, nodeid), {}, outcome, None, when, user_properties=list(props.items())
    )


def test_verdicts_per_clause(tmp_path):
    tally = ClauseTally(load_clauses())
    tally.add(_report("a", "passed", clause="DEL-OWN-1"))
    tally.add(_report("b", "failed", clause="DEL-OWN-2"))
    tally.add(_report("c", "failed", clause="DEL-ISO-1", failed_clause="DEL-SHAPE-1"))
    tally.add(
        _report(
            "d",
            "passed",
            when="teardown",
            clause="DEL-OWN-1",
            run_info=json.dumps({"run_prefix": "nac-1-", "requests": 3}),
        )
    )
    tally.add(
        _report(
            "e",
            "passed",
            when="teardown",
            clause="DEL-OWN-1",
            run_info=json.dumps({"run_prefix": "nac-2-", "requests": 4}),
        )
    )
    data = tally.as_dict()
    verdicts = {cid: row["verdict"] for cid, row in data["clauses"].items()}
    assert verdicts["DEL-OWN-1"] == "held"
    assert verdicts["DEL-OWN-2"] == "failed"
    assert verdicts["DEL-SHAPE-1"] == "failed" and verdicts["DEL-ISO-1"] == "unverified"
    assert verdicts["DEL-BATCH-1"] == "not run"
    assert data["run"]["requests"] == 7 and data["run"]["run_prefix"] == "nac-1-, nac-2-"
    tally.write(tmp_path / "summary.json")
    assert json.loads((tmp_path / "summary.json").read_text())["totals"]["failed"] == 2
