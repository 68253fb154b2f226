"""The comparisons of the issue, against the embedded reference server: a generation
compared with itself differs in nothing, legacy -> current shows the known changes and
nothing else, a candidate that breaks a clause is a contract difference, and a flaky road
is never a difference."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path

import yaml

from newapi_contract.compare.scenario import load_scenario

KNOWN = Path(__file__).with_name("legacy_to_current.yaml")
STEP_IDS = [step.id for step in load_scenario()]


def _key(kind: str, where: str, baseline, candidate) -> tuple[str, str, str, str]:
    return kind, where, json.dumps(baseline, sort_keys=True), json.dumps(candidate, sort_keys=True)


def test_a_generation_compared_with_itself_differs_in_nothing(run_compare) -> None:
    done = run_compare("embedded:current", "embedded:current")
    document = done.document
    assert done.exit_code == 0, done.stderr
    assert document["changes"] == []
    assert document["counts"]["same"] == len(STEP_IDS) and document["counts"]["unverified"] == 0
    assert "NO DIFFERENCE" in done.stderr
    assert done.junit.find("testsuite").get("failures") == "0"


def test_legacy_to_current_shows_the_known_changes_and_nothing_else(legacy_to_current) -> None:
    done = legacy_to_current
    assert done.exit_code == 1, done.stderr
    document = done.document
    found = {
        _key(c["kind"], c["where"], c["baseline"], c["candidate"]): {s["step"] for s in c["seen_in"]}
        for c in document["changes"]
    }
    known = yaml.safe_load(KNOWN.read_text(encoding="utf-8"))
    expected = {
        _key(k["kind"], k["where"], k["baseline"], k["candidate"]): {
            step for step in STEP_IDS if any(fnmatch.fnmatchcase(step, p) for p in k["steps"])
        }
        for k in known
    }
    assert set(found) == set(expected), {
        "unexplained": sorted(set(found) - set(expected)),
        "not seen": sorted(set(expected) - set(found)),
    }
    for key, steps in expected.items():
        assert found[key] == steps, key
    assert document["change_counts"]["contract"] == 0  # each generation keeps its own promises
    assert document["counts"]["unverified"] == 0


def test_allowing_shape_and_text_accepts_the_generation_change(run_compare) -> None:
    done = run_compare(
        "embedded:legacy", "embedded:current", "--step", "auth-*", "--allow", "text", "--allow", "shape"
    )
    assert done.exit_code == 0, done.stderr
    assert "NO BLOCKING DIFFERENCE" in done.stderr
    assert done.document["change_counts"]["shape"] > 0 and done.document["allowed"] == ["text", "shape"]
    only_text = run_compare("embedded:legacy", "embedded:current", "--step", "auth-none", "--allow", "text")
    assert only_text.exit_code == 1  # auth-none's `code` field is a shape change


def test_a_candidate_that_breaks_a_clause_is_a_contract_difference(run_compare) -> None:
    # Bound 0: a key that stays alive is refused at once or never (no 2 s polling per door).
    done = run_compare("embedded:current", "embedded:current:delete-noop", "--revocation-bound", "0")
    assert done.exit_code == 1, done.stderr
    document = done.document
    contract = {
        c["where"]: (c["baseline"], c["candidate"]) for c in document["changes"] if c["kind"] == "contract"
    }
    for clause in ("DEL-OWN-2", "DEL-OWN-3", "DEL-OWN-5", "DEL-AGAIN-1", "DEL-BATCH-1", "DEL-ID-3"):
        assert contract.get(clause) == ("held", "failed"), clause
    # The delete itself still answers success: DEL-OWN-1 holds on both, it is no change.
    assert "DEL-OWN-1" not in contract
    step = next(s for s in document["steps"] if s["id"] == "second-delete")
    assert step["class"] == "contract" and step["verdicts"]["baseline"]["DEL-AGAIN-1"] == "held"
    case = next(c for c in done.junit.iter("testcase") if c.get("name") == "second-delete")
    assert case.find("failure").get("message").startswith("contract: DEL-AGAIN-1 held -> failed")


def test_a_flaky_road_is_never_a_difference(run_compare) -> None:
    done = run_compare(
        "embedded:current",
        "embedded:current",
        "--embedded-network",
        "flaky:seed=7,rate=0.06,kinds=reset+lost+bad-gateway",
    )
    document = done.document
    assert done.exit_code in (0, 3), done.stderr
    assert document["changes"] == []
    unverified = [s for s in document["steps"] if s["class"] == "unverified"]
    assert (done.exit_code == 3) == bool(unverified)
    for step in unverified:
        assert any(kind in step["unverified"] for kind in ("lost:", "network:", "proxy:")), step["unverified"]
    if unverified:
        assert "INCONCLUSIVE" in done.stderr and "unverified" in done.stderr
