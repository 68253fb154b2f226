"""Root cause first: the failed clauses nothing else explains lead, the rest name their roots."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from newapi_contract.client.recording import Exchange
from newapi_contract.contract.clauses import Clause, load_clauses
from newapi_contract.report.failure import ABOUT_ANSWER, ABOUT_CASE, ABOUT_LAST, Failure
from newapi_contract.report.rootcause import RootCauses, explain


def _clause(cid: str, *relies: str) -> Clause:
    return Clause(cid, cid, "s", "ref §3", ("current",), relies_on=relies)


def test_a_delete_that_does_nothing_has_one_root_in_the_catalogue() -> None:
    clauses = load_clauses()
    failed = ["DEL-OWN-2", "DEL-OWN-3", "DEL-OWN-6", "DEL-OWN-5", "DEL-AGAIN-1", "DEL-MISSING-1", "DEL-GEN-1"]
    causes = explain(failed, clauses)
    assert causes.roots == ("DEL-OWN-2",)
    # DEL-MISSING-1 relies on DEL-AGAIN-1, which relies on DEL-OWN-2: the root is named
    assert causes.because["DEL-MISSING-1"] == ("DEL-OWN-2",)
    assert causes.because["DEL-OWN-6"] == ("DEL-OWN-2",)
    assert set(causes.dependents("DEL-OWN-2")) == set(failed) - {"DEL-OWN-2"}


def test_independent_failures_are_each_a_root() -> None:
    clauses = {c.id: c for c in (_clause("A"), _clause("B"), _clause("C", "A", "B"), _clause("D", "C"))}
    causes = explain(["A", "B", "D"], clauses)
    assert causes.roots == ("A", "B")
    assert causes.because == {"D": ("A", "B")}  # through C, which held


def test_a_failure_whose_reliances_held_is_a_root() -> None:
    clauses = {c.id: c for c in (_clause("A"), _clause("C", "A"))}
    assert explain(["C"], clauses).roots == ("C",)
    assert explain([], clauses).roots == ()


def test_unknown_clause_ids_are_roots_after_the_catalogue_order() -> None:
    clauses = {c.id: c for c in (_clause("A"),)}
    assert explain(["X-1", "A"], clauses).roots == ("A", "X-1")


# -- the run's evidence: tokens the audit found gone (Failure.vanished) ----------------------

RAW, MALFORMED = "contracts/test_auth.py::test_raw", "contracts/test_auth.py::test_malformed"
UNPARSABLE, NEGATIVE = (
    "contracts/test_odd_ids.py::test_unparsable",
    "contracts/test_odd_ids.py::test_negative",
)
PLUS, BATCH, RACE = "contracts/test_odd_ids.py::test_plus", "contracts/test_batch.py::test_own", "race"
GONE = {"success": False, "message": "record not found"}
DONE = {"success": True, "message": ""}
LISTED = {"success": True, "data": {"items": [{"id": 1}]}}


def _ex(method: str, path: str, body: Any, sent: Any = None) -> dict[str, Any]:
    request = json.dumps(sent) if sent is not None else ""
    return asdict(Exchange(method, f"http://127.0.0.1:9{path}", {}, request, 200, {}, json.dumps(body), 1.0))


def _failure(
    clause: str, test: str, exchanges: list[dict[str, Any]], about: int, why: str = ABOUT_ANSWER, **kw: Any
) -> Failure:
    return Failure(
        test, clause, clause, "violation", "o", exchanges=exchanges, about=about, about_why=why, **kw
    )


def _audit(*vanished: tuple[int, str]) -> Failure:
    listed = [{"token": token, "made_for": test} for token, test in vanished]
    return _failure(
        "DEL-ALL-1",
        "contracts/test_audit.py::test_only",
        [_ex("GET", "/api/token/4", GONE)],
        0,
        vanished=listed,
    )


def _explained(failures: dict[str, list[Failure]]) -> tuple[RootCauses, RootCauses]:
    """The grouping without the evidence (the catalogue alone), and with it."""
    clauses = load_clauses()
    failed = list(failures)
    return explain(failed, clauses), explain(failed, clauses, failures)


def test_a_delete_that_destroys_a_sibling_is_the_root_of_the_failures_that_judged_the_sibling() -> None:
    # Shaped on a run with --embedded-faults delete-also-removes-sibling: each test's own token
    # was destroyed by another test's delete (or by its own delete of another token).
    failures = {
        "DEL-AUTH-3": [_failure("DEL-AUTH-3", RAW, [_ex("DELETE", "/api/token/4", GONE)], 0)],
        "DEL-AUTH-5": [
            _failure(
                "DEL-AUTH-5",
                MALFORMED,
                [_ex("DELETE", "/api/token/7", DONE), _ex("DELETE", "/api/token/6", GONE)],
                1,
            )
        ],
        # The bystander the odd ids are built on: handed to the first test, named by both
        # (refused, as they should be); the report marks the last request, a list.
        "DEL-ID-1": [
            _failure(
                "DEL-ID-1",
                UNPARSABLE,
                [
                    _ex("DELETE", "/api/token/27.5", {"success": False, "message": "empty id"}),
                    _ex("GET", "/api/token/", LISTED),
                ],
                1,
                ABOUT_LAST,
            )
        ],
        "DEL-ID-2": [
            _failure(
                "DEL-ID-2",
                NEGATIVE,
                [_ex("DELETE", "/api/token/-27", GONE), _ex("GET", "/api/token/", LISTED)],
                1,
                ABOUT_LAST,
            )
        ],
        # Its own "+29" destroyed 30 (a delete meant for another token); "+0033" could be
        # read as octal 27, but the failure is about 30, the token its judged answer names.
        "DEL-ID-3": [
            _failure(
                "DEL-ID-3",
                PLUS,
                [
                    _ex("DELETE", "/api/token/+29", DONE),
                    _ex("DELETE", "/api/token/0030", GONE),
                    _ex("DELETE", "/api/token/+0033", DONE),
                ],
                1,
            )
        ],
        "DEL-RACE-1": [  # token 36 is not among the audit's findings: no evidence, a root
            _failure(
                "DEL-RACE-1",
                RACE,
                [_ex("DELETE", "/api/token/35", DONE), _ex("GET", "/api/token/36", GONE)],
                1,
            )
        ],
        # The list the verdict judged names no token: the token handed to the test is judged.
        "DEL-BATCH-1": [
            _failure(
                "DEL-BATCH-1",
                BATCH,
                [
                    _ex("POST", "/api/token/batch", {**DONE, "data": 2}, {"ids": [10, 11]}),
                    _ex("GET", "/api/token/", LISTED),
                ],
                1,
            )
        ],
        "DEL-GEN-1": [_failure("DEL-GEN-1", "gen", [_ex("DELETE", "/api/token/24", DONE)], 0, ABOUT_CASE)],
        "DEL-ALL-1": [
            _audit((4, RAW), (6, MALFORMED), (21, BATCH), (27, UNPARSABLE), (30, PLUS), (32, PLUS))
        ],
    }
    catalogue, evidence = _explained(failures)
    # Without the evidence, upside down: the victims are roots, DEL-ALL-1 their consequence.
    assert "DEL-AUTH-3" in catalogue.roots and "DEL-ALL-1" not in catalogue.roots
    assert catalogue.because["DEL-ALL-1"] == ("DEL-AUTH-5", "DEL-ID-1", "DEL-ID-2", "DEL-ID-3")
    assert evidence.roots == ("DEL-RACE-1", "DEL-ALL-1")
    victims = ["DEL-AUTH-3", "DEL-AUTH-5", "DEL-ID-1", "DEL-ID-2", "DEL-ID-3", "DEL-BATCH-1"]
    assert {cid: evidence.shown[cid][0] for cid in evidence.shown} == dict.fromkeys(victims, "DEL-ALL-1")
    # DEL-GEN-1 judged token 24 (not gone): it follows through the catalogue (DEL-AUTH-5, DEL-ID-*).
    assert evidence.dependents("DEL-ALL-1") == [*victims[:5], "DEL-BATCH-1", "DEL-GEN-1"]
    assert evidence.shown["DEL-AUTH-3"][1] == "its token 4 removed by another request (DEL-ALL-1)"
    assert evidence.shown["DEL-ID-3"][1] == "its token 30 removed by another request (DEL-ALL-1)"
    assert "DEL-ALL-1" not in evidence.because


def test_a_token_the_failing_test_removed_itself_leaves_the_catalogue_order() -> None:
    peer_delete = [_ex("DELETE", "/api/token/12", DONE)]  # delete-ignores-owner: the peer's delete acted
    cases = [
        # The peer's delete of the owner's token, the generated layer's delete of the peer's
        # (its other requests named token 17, gone by another test's hand: not what it judged).
        {
            "DEL-ISO-1": [_failure("DEL-ISO-1", "iso", peer_delete, 0)],
            "DEL-AUTH-6": [_failure("DEL-AUTH-6", "auth6", [_ex("DELETE", "/api/token/17", DONE)], 0)],
            "DEL-GEN-1": [
                _failure(
                    "DEL-GEN-1",
                    "gen",
                    [_ex("GET", "/api/token/17", GONE), _ex("DELETE", "/api/token/19", DONE)],
                    1,
                    ABOUT_CASE,
                )
            ],
            "DEL-ALL-1": [_audit((12, "iso"), (17, "auth6"), (19, "generated layer"))],
        },
        # A misread odd id ("27_" read as 27) destroyed the bystander: DEL-ID-1 is the root.
        {
            "DEL-ID-1": [_failure("DEL-ID-1", UNPARSABLE, [_ex("DELETE", "/api/token/27_", DONE)], 0)],
            "DEL-ALL-1": [_audit((27, UNPARSABLE))],
        },
        # delete-answers-failure: the token's own delete acted and answered failure.
        {
            "DEL-OWN-1": [
                _failure(
                    "DEL-OWN-1",
                    "own",
                    [_ex("DELETE", "/api/token/5", {"success": False, "message": "Deletion failed"})],
                    0,
                )
            ],
            "DEL-ALL-1": [_audit((5, "own"))],
        },
    ]
    for failures in cases:
        catalogue, evidence = _explained(failures)
        assert (evidence.roots, evidence.because, evidence.shown) == (catalogue.roots, catalogue.because, {})


def test_a_bystander_destroyed_by_another_tests_misread_id_follows_from_that_test() -> None:
    failures = {
        "DEL-ID-1": [_failure("DEL-ID-1", UNPARSABLE, [_ex("DELETE", "/api/token/27_", DONE)], 0)],
        "DEL-ID-2": [
            _failure(
                "DEL-ID-2",
                NEGATIVE,
                [_ex("DELETE", "/api/token/-27", GONE), _ex("GET", "/api/token/", LISTED)],
                1,
                ABOUT_LAST,
            )
        ],
        "DEL-ALL-1": [_audit((27, UNPARSABLE))],
    }
    catalogue, evidence = _explained(failures)
    assert catalogue.roots == ("DEL-ID-1", "DEL-ID-2")
    assert evidence.roots == ("DEL-ID-1",)
    assert evidence.because == {"DEL-ID-2": ("DEL-ID-1",), "DEL-ALL-1": ("DEL-ID-1",)}


def test_a_clause_follows_only_when_every_one_of_its_failures_judged_a_token_gone() -> None:
    judged = _failure("DEL-AUTH-3", RAW, [_ex("DELETE", "/api/token/4", GONE)], 0)
    other = _failure(
        "DEL-AUTH-3", "contracts/test_auth.py::test_bearer", [_ex("DELETE", "/api/token/3", GONE)], 0
    )
    failures = {"DEL-AUTH-3": [judged, other], "DEL-ALL-1": [_audit((4, RAW))]}
    assert _explained(failures)[1].roots == ("DEL-AUTH-3", "DEL-ALL-1")
    assert _explained({**failures, "DEL-AUTH-3": [judged]})[1].roots == ("DEL-ALL-1",)
    # A failed clause with no bug report at all (it failed outside its call) is left as it was.
    assert _explained({"DEL-AUTH-3": [], "DEL-ALL-1": [_audit((4, RAW))]})[1].roots == (
        "DEL-AUTH-3",
        "DEL-ALL-1",
    )


def test_a_cause_no_longer_relies_on_what_follows_from_it_through_other_clauses() -> None:
    clauses = {c.id: c for c in (_clause("C"), _clause("D", "C"), _clause("E", "D"), _clause("F", "E"))}
    failures = {
        "C": [_failure("C", "c", [_ex("DELETE", "/api/token/4", GONE)], 0)],
        "D": [_failure("D", "d", [_ex("DELETE", "/api/token/8", GONE)], 0)],
        "E": [_audit((4, "c"))],
        "F": [_failure("F", "f", [], 0)],
    }
    causes = explain(failures, clauses, failures)
    # C follows from E (evidence), D from C: E's reliance on D is set aside, E is the root.
    assert causes.roots == ("E",)
    assert causes.because == {"C": ("E",), "D": ("E",), "F": ("E",)}
    assert explain(failures, clauses).roots == ("C",)  # the catalogue alone


def test_the_page_says_why_a_failure_follows_from_its_root(monkeypatch) -> None:
    from newapi_contract.report.page import run_summary_html
    from newapi_contract.report.summary import ClauseTally

    tally = ClauseTally(load_clauses())
    failures = {
        "DEL-AUTH-3": [_failure("DEL-AUTH-3", RAW, [_ex("DELETE", "/api/token/4", GONE)], 0)],
        "DEL-ID-3": [_failure("DEL-ID-3", PLUS, [_ex("DELETE", "/api/token/0031", GONE)], 0)],
        "DEL-ALL-1": [_audit((4, RAW))],
        "DEL-OWN-2": [_failure("DEL-OWN-2", "own", [_ex("DELETE", "/api/token/9", DONE)], 0)],
    }
    for cid, found in failures.items():
        tally.note_verdict(cid, found[0].test, "failed", found[0])
    # The tally hands its failures to the grouping (report.summary, ClauseTally.root_causes).
    failed = [cid for cid in tally.clauses if cid in failures]
    monkeypatch.setattr(tally, "root_causes", lambda: explain(failed, tally.clauses, tally.failures))
    page = "".join(run_summary_html(tally))
    assert "(its token 4 removed by another request (DEL-ALL-1))" in page
    assert "(relies on DEL-OWN-2)" in page  # DEL-ID-3 and DEL-ALL-1, by the catalogue
