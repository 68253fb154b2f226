"""Sanity of the clause catalogue: every clause is sourced, tested, and every test names one."""

from __future__ import annotations

import ast
import re

from newapi_contract.contract.clauses import GENERATIONS, load_clauses
from newapi_contract.paths import CONTRACTS_DIR

SOURCE = re.compile(r"(apifox|ref §[1-9])")


def _clauses_named_by_tests() -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for path in CONTRACTS_DIR.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "clause" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    named.setdefault(arg.value, []).append(path.name)
    return named


def test_every_clause_traces_to_the_apifox_page_or_the_reference():
    for clause in load_clauses().values():
        assert SOURCE.search(clause.source), f"{clause.id}: source {clause.source!r} names no fact"
        assert set(clause.generations) <= set(GENERATIONS)
        assert clause.statement and clause.title


def test_every_clause_has_a_test_and_every_named_clause_exists():
    clauses = load_clauses()
    named = _clauses_named_by_tests()
    assert set(named) - set(clauses) == set(), "tests name clauses missing from the catalogue"
    assert set(clauses) - set(named) == set(), "clauses without a test"


def test_ids_are_unique_and_well_formed():
    ids = list(load_clauses())
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"DEL-[A-Z]+-\d+", cid) for cid in ids)


def test_no_source_lost_to_a_yaml_comment():
    # An unquoted " #" starts a YAML comment: "one-api PR #2206" would silently lose its number.
    for clause in load_clauses().values():
        assert clause.source.count("(") == clause.source.count(")"), clause.source


def test_reliances_name_known_clauses_without_cycles_and_most_rely_on_a_working_delete():
    clauses = load_clauses()
    for clause in clauses.values():
        assert clause.id not in clause.relies_on
        assert set(clause.relies_on) <= set(clauses), clause.id
    relying = [c for c in clauses.values() if {"DEL-OWN-1", "DEL-OWN-2"} & set(c.relies_on)]
    assert len(relying) >= 10
    assert not clauses["DEL-OWN-1"].relies_on  # the root of roots


def test_the_loader_refuses_unknown_and_cyclic_reliances(tmp_path):
    import pytest

    from newapi_contract.errors import InputError

    entry = (
        "  - {{id: {id}, title: t, statement: s, source: ref §3, generations: [current], "
        "relies_on: [{dep}]}}\n"
    )
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("clauses:\n" + entry.format(id="DEL-A-1", dep="DEL-NOPE-1"), encoding="utf-8")
    with pytest.raises(InputError, match="relies_on"):
        load_clauses(unknown)
    cyclic = tmp_path / "cyclic.yaml"
    cyclic.write_text(
        "clauses:\n" + entry.format(id="DEL-A-1", dep="DEL-B-1") + entry.format(id="DEL-B-1", dep="DEL-A-1"),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="cycle"):
        load_clauses(cyclic)
