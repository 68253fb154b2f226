"""`newapi-contract doctor` against reference servers started here: what it says, what it
refuses (with the suite's exit codes), and that it changes nothing on the server."""

from __future__ import annotations

import argparse
import socket
from typing import Any

import httpx
import pytest
from tester import population, user_env

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.errors import CredentialsRejected, TargetUnreachable, UsageError
from newapi_contract.run.bootstrap import OWNER_NAME, PEER_NAME
from newapi_contract.run.settings import RunSettings
from newapi_contract.suite.doctor import diagnose, register, runnable_clauses


def _doctor(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], **values: Any) -> tuple[Any, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    lines: list[str] = []
    plan = diagnose(RunSettings.from_values(values), lines.append)
    return plan, "\n".join(lines)


def test_register_adds_the_doctor_command() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["doctor", "--base-url", "http://127.0.0.1:1", "--server-generation", "legacy"])
    assert (args.command, args.base_url, args.server_generation) == ("doctor", "http://127.0.0.1:1", "legacy")
    assert callable(args.handler)


def test_embedded_server_every_clause_can_be_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    plan, said = _doctor(monkeypatch, {})
    assert plan.generation == "current" and plan.has_peer
    assert not plan.skips and len(plan.checks) == len(load_clauses())
    assert "embedded reference server" in said and "generation: current (detected)" in said


def test_two_given_users_are_named_and_nothing_is_skipped(
    monkeypatch: pytest.MonkeyPatch, populated: tuple[str, list[Any]]
) -> None:
    base_url, users = populated
    plan, said = _doctor(monkeypatch, user_env(users[0], users[1]), base_url=base_url)
    assert plan.has_peer and not plan.skips
    assert f"user {users[0].id} ({users[0].username})" in said
    assert f"user {users[1].id} ({users[1].username})" in said
    assert "180 requests per 180 s" in said and "learns the limit from its first 429" in said


def test_without_a_peer_the_peer_clauses_are_skipped_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, populated: tuple[str, list[Any]]
) -> None:
    base_url, users = populated
    plan, said = _doctor(monkeypatch, user_env(users[0]), base_url=base_url)
    needs_peer = {c.id for c in load_clauses().values() if "peer" in c.needs}
    assert needs_peer, "the catalogue has isolation clauses"
    assert {clause.id for clause, _ in plan.skips} == needs_peer
    for clause_id in needs_peer:
        assert f"skip  {clause_id}" in said
    assert "second non-root user" in said


def test_legacy_server_with_generation_given(monkeypatch: pytest.MonkeyPatch) -> None:
    with population.populated_server("legacy", 0) as (base_url, users):
        plan, said = _doctor(
            monkeypatch, user_env(users[0], users[1]), base_url=base_url, newapi_generation="legacy"
        )
    assert plan.checks == runnable_clauses("legacy", has_peer=True).checks and plan.features_known
    assert "generation: legacy (given by --server-generation)" in said


def test_root_credentials_name_the_test_users_without_creating_them(monkeypatch: pytest.MonkeyPatch) -> None:
    root = {"NEWAPI_ROOT_USERNAME": population.ROOT_USER, "NEWAPI_ROOT_PASSWORD": population.ROOT_PASSWORD}
    with population.populated_server("current", 0) as (base_url, _users):
        plan, said = _doctor(monkeypatch, root, base_url=base_url)
        # Registering the test users' names still works: the doctor created neither.
        for name in (OWNER_NAME, PEER_NAME):
            population.register_user(base_url, name, f"{name}-password")
    assert plan.has_peer
    assert f"login as {population.ROOT_USER!r} works (root)" in said
    assert f"test user {OWNER_NAME!r}: not there" in said and f"test user {PEER_NAME!r}: not there" in said


def test_rejected_access_token_is_a_target_error(
    monkeypatch: pytest.MonkeyPatch, populated: tuple[str, list[Any]]
) -> None:
    base_url, users = populated
    env = {"NEWAPI_ACCESS_TOKEN": "not-a-token-of-this-server", "NEWAPI_USER_ID": str(users[0].id)}
    with pytest.raises(CredentialsRejected) as raised:
        _doctor(monkeypatch, env, base_url=base_url)
    assert raised.value.exit_code == 3


def test_root_as_the_tester_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, populated: tuple[str, list[Any]], root_user: Any
) -> None:
    base_url, _ = populated
    with pytest.raises(UsageError, match="is root") as raised:
        _doctor(monkeypatch, user_env(root_user), base_url=base_url)
    assert raised.value.exit_code == 2


def test_no_credentials_for_a_remote_target_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, populated: tuple[str, list[Any]]
) -> None:
    base_url, _ = populated
    with pytest.raises(UsageError, match="no credentials"):
        _doctor(monkeypatch, {}, base_url=base_url)


def test_closed_port_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TargetUnreachable) as raised:
        _doctor(monkeypatch, {}, base_url=f"http://127.0.0.1:{port}")
    assert raised.value.exit_code == 3


def test_doctor_changes_no_token(monkeypatch: pytest.MonkeyPatch, populated: tuple[str, list[Any]]) -> None:
    base_url, users = populated
    population.seed_tokens(base_url, users[2], 3)
    before = population.snapshot(base_url, users)
    _doctor(monkeypatch, user_env(users[2], users[0]), base_url=base_url)
    assert population.snapshot(base_url, users) == before
    assert httpx.get(f"{base_url}/api/status").json()["success"] is True
