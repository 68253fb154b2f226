"""The clause catalogue as data (`contract.clauses`) and the generated layer's budgets
(`contract.generated_schema`): healthy inputs load, broken ones are refused with the place."""

from __future__ import annotations

import locale
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings

from newapi_contract.contract.clauses import NO_PEER, Clause, load_clauses
from newapi_contract.contract.generated_schema import PROFILES, budget_for, load_generated_schema
from newapi_contract.errors import InputError, UsageError

ENTRY = """
  - id: {id}
    title: T {id}
    statement: |
      spread
        over lines
    source: ref §3
    generations: [legacy, current]
"""


def catalogue(tmp_path: Path, body: str) -> Path:
    path = tmp_path / f"clauses-{abs(hash(body))}.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_catalogue_loads_in_order_with_its_fields(tmp_path):
    body = (
        "clauses:"
        + ENTRY.format(id="A-1")
        + ENTRY.format(id="A-2")
        + "    needs: [peer]\n    relies_on: [A-1]\n"
    )
    clauses = load_clauses(catalogue(tmp_path, body))
    assert list(clauses) == ["A-1", "A-2"]
    first, second = clauses["A-1"], clauses["A-2"]
    assert first == Clause("A-1", "T A-1", "spread over lines", "ref §3", ("legacy", "current"))
    assert (second.needs, second.relies_on) == (("peer",), ("A-1",))


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("clauses: [", "cannot read the clause catalogue"),
        ("- a list", "expected a mapping with a 'clauses' list"),
        ("clauses: 3", "expected a mapping with a 'clauses' list"),
        ("clauses:\n  - id: X\n", "clauses[0]: clause entry lacks 'title'"),
        ("clauses:" + ENTRY.format(id="X") * 2, "duplicate clause id X"),
        (
            "clauses:" + ENTRY.format(id="X").replace("legacy, current", "legacy, future"),
            "unknown ['future']",
        ),
        ("clauses:" + ENTRY.format(id="X") + "    needs: [root]\n", "clause X names unknown ['root']"),
        ("clauses:" + ENTRY.format(id="X") + "    relies_on: [Y]\n", "X relies_on ['Y']: unknown, or itself"),
        ("clauses:" + ENTRY.format(id="X") + "    relies_on: [X]\n", "X relies_on ['X']: unknown, or itself"),
        (
            "clauses:"
            + ENTRY.format(id="X")
            + "    relies_on: [Y]\n"
            + ENTRY.format(id="Y")
            + "    relies_on: [Z]\n"
            + ENTRY.format(id="Z")
            + "    relies_on: [X]\n",
            "relies_on cycle X -> Y -> Z -> X",
        ),
    ],
)
def test_a_broken_catalogue_is_refused_with_the_place(tmp_path, body, says):
    with pytest.raises(InputError) as refused:
        load_clauses(catalogue(tmp_path, body))
    assert says in str(refused.value)


def test_a_missing_catalogue_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read the clause catalogue"):
        load_clauses(tmp_path / "none.yaml")


def test_a_shared_reliance_is_no_cycle(tmp_path):
    body = (
        "clauses:"
        + ENTRY.format(id="R")
        + ENTRY.format(id="A")
        + "    relies_on: [R]\n"
        + ENTRY.format(id="B")
        + "    relies_on: [R, A]\n"
    )
    assert list(load_clauses(catalogue(tmp_path, body))) == ["R", "A", "B"]


def test_skip_reasons():
    clause = Clause("DEL-X-1", "t", "s", "ref §2", ("legacy",), needs=("peer",))
    assert clause.applies_to("legacy") and not clause.applies_to("current")
    reason = "not applicable: DEL-X-1 applies to legacy servers only"
    assert clause.skip_reason("current", has_peer=True) == reason
    assert clause.not_applicable("current") == reason
    assert clause.not_applicable("legacy", absent="not applicable: no batch") == "not applicable: no batch"
    assert clause.not_applicable("legacy") is None
    assert clause.skip_reason("legacy", has_peer=False) == NO_PEER
    assert clause.not_applicable("legacy") is None  # a missing peer is a skip, not "does not apply"
    assert clause.skip_reason("legacy", has_peer=True) is None
    both = Clause("DEL-X-2", "t", "s", "ref §2", ("legacy", "current"))
    assert both.skip_reason("current", has_peer=False) is None
    assert (
        both.skip_reason("future", has_peer=True)
        == "not applicable: DEL-X-2 applies to legacy, current servers only"
    )
    assert "NEWAPI_PEER_ACCESS_TOKEN" in NO_PEER and "NEWAPI_ROOT_USERNAME" in NO_PEER


def test_the_budgets_of_the_profiles():
    quick, thorough = budget_for("quick"), budget_for("thorough")
    assert (quick.max_examples, quick.coverage, quick.machine_examples, quick.machine_steps) == (
        3,
        False,
        1,
        1,
    )
    assert (thorough.max_examples, thorough.coverage, thorough.machine_examples, thorough.machine_steps) == (
        100,
        True,
        25,
        20,
    )
    assert set(PROFILES) == {"quick", "thorough"}
    with pytest.raises(UsageError, match=r"unknown profile 'huge'; use one of \['quick', 'thorough'\]"):
        budget_for("huge")
    machine = thorough.machine_settings()
    assert (machine.max_examples, machine.stateful_step_count, machine.deadline, machine.database) == (
        25,
        20,
        None,
        None,
    )
    assert not machine.derandomize
    assert set(machine.suppress_health_check) == {HealthCheck.too_slow, HealthCheck.filter_too_much}


def test_the_generated_schema_is_the_delete_operation_with_the_run_settings():
    schema = load_generated_schema(
        "http://127.0.0.1:9", access_token="tok", budget=budget_for("thorough"), seed=7
    )
    operations = [op.ok() for op in schema.get_all_operations()]
    assert [(op.method.upper(), op.path) for op in operations] == [("DELETE", "/api/token/{id}")]
    assert schema.config.seed == 7
    generation = schema.config.generation_for(operation=operations[0])
    assert generation.max_examples == 100
    case = SimpleNamespace(headers={"X": "1"})
    (provider,) = schema.auth.providers  # the owner's token, in the portable form
    provider.set(case, provider.get(case, None), None)
    assert case.headers == {"X": "1", "Authorization": "Bearer tok"}


def test_the_machine_settings_do_not_depend_on_the_loaded_hypothesis_profile():
    current = settings.get_current_profile_name()
    settings.load_profile("default")  # deadline 200 ms and an example database
    try:
        machine = budget_for("quick").machine_settings()
    finally:
        settings.load_profile(current)
    assert machine.deadline is None and machine.database is None


def test_a_bare_config_gets_the_budget_and_its_files_are_found_beside_it(tmp_path, monkeypatch):
    (tmp_path / "ids.dict").write_text('"+5"\n', encoding="utf-8")
    config = tmp_path / "schemathesis.toml"
    config.write_text('[dictionaries.ids]\nfrom-file = "ids.dict"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path.parent)  # a relative file is the config's, not the working folder's
    schema = load_generated_schema(
        "http://127.0.0.1:9", access_token="tok", budget=budget_for("thorough"), seed=3, config_file=config
    )
    (operation,) = [op.ok() for op in schema.get_all_operations()]
    assert operation.method.upper() == "DELETE"
    assert schema.config.generation_for(operation=operation).max_examples == 100


def test_the_config_is_read_as_utf8_whatever_the_locale(tmp_path: Path) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text("# réf. §3: ids — a UTF-8 comment\n[generation]\n", encoding="utf-8")
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")  # an ASCII locale, as on a bare CI image
    try:
        schema = load_generated_schema(
            "http://127.0.0.1:9", access_token="tok", budget=budget_for("quick"), seed=1, config_file=config
        )
    finally:
        locale.setlocale(locale.LC_CTYPE, before)
    (operation,) = [op.ok() for op in schema.get_all_operations()]
    assert schema.config.generation_for(operation=operation).max_examples == 3
