"""Root cause first: the failed clauses nothing else explains lead, the rest name their roots."""

from __future__ import annotations

from newapi_contract.contract.clauses import Clause, load_clauses
from newapi_contract.report.rootcause import explain


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
