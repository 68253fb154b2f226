"""The generated layer's checks (`contract.checks`, DEL-GEN-1) over an arena on an in-memory
new-api: each check with a healthy answer (holds, or has nothing to say) and a broken one
(fails with its tag). No sockets, no schemathesis run."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from fake_newapi import Server, world_parts

from newapi_contract.contract import checks
from newapi_contract.contract.generated import Arena, TargetKind, activate, active_arena

TOKEN = "access-2"  # fake_newapi's owner's access token


def make_arena(server: Server, generation: str = "legacy") -> Arena:
    parts = world_parts(server)
    return Arena(
        owner=parts["owner"],
        peer=parts["peer"],
        ledger=parts["ledger"],
        generation=generation,
        mint=lambda who: parts["mint"](who).id,
    )


def case(segment: Any, headers: dict[str, str] | None = None, method: str = "DELETE") -> Any:
    sent = {"Authorization": f"Bearer {TOKEN}", "New-Api-User": "2"} if headers is None else headers
    return SimpleNamespace(
        id=f"case-{segment}-{method}", method=method, path_parameters={"id": segment}, headers=sent
    )


def response(body: Any, status: int = 200) -> Any:
    return SimpleNamespace(status_code=status, content=json.dumps(body).encode() if body is not None else b"")


ALL = (
    checks.invalid_delete_never_succeeds,
    checks.valid_delete_succeeds,
    checks.deleted_token_is_gone,
    checks.untouched_tokens_survive,
)


def judge(arena: Arena, sent: Any, answered: Any) -> dict[str, Any]:
    """Every check's result (True, None, or the AssertionError's text) for one exchange."""
    results: dict[str, Any] = {}
    for check in ALL:
        try:
            results[check.__name__] = check(None, answered, sent)  # type: ignore[arg-type]
        except AssertionError as failed:
            results[check.__name__] = str(failed)
    return results


def aimed(arena: Arena, segment: Any, headers: dict[str, str] | None = None) -> Any:
    sent = case(segment, headers)
    checks.before_call(None, sent, {})  # type: ignore[arg-type]
    return sent


def test_nothing_is_judged_without_an_active_arena():
    assert active_arena() is None
    sent = case("1")
    checks.before_call(None, sent, {})  # type: ignore[arg-type]
    assert sent.path_parameters["id"] == "1"  # not aimed
    assert all(check(None, response({"success": True}), sent) is None for check in ALL)  # type: ignore[arg-type]


def test_only_deletes_are_aimed():
    with activate(make_arena(Server())) as arena:
        sent = case("1", method="GET")
        checks.before_call(None, sent, {})  # type: ignore[arg-type]
        assert sent.path_parameters["id"] == "1" and arena.aimed() == []


def test_a_healthy_delete_of_an_own_token_holds_every_check():
    server = Server()
    with activate(make_arena(server)) as arena:
        sent = aimed(arena, "1")
        token_id = int(sent.path_parameters["id"])
        answered = arena.owner.api.delete_token(sent.path_parameters["id"])
        results = judge(arena, sent, response(answered.json))
    assert results == {
        "invalid_delete_never_succeeds": None,  # it was valid
        "valid_delete_succeeds": True,
        "deleted_token_is_gone": True,
        "untouched_tokens_survive": True,
    }
    assert server.tokens[token_id]["deleted"]


def test_a_valid_delete_that_fails_is_reported():
    with activate(make_arena(Server())) as arena:
        sent = aimed(arena, "1")
        results = judge(arena, sent, response({"success": False, "message": "record not found"}))
    token_id = sent.path_parameters["id"]
    assert results["valid_delete_succeeds"] == (
        f"[DEL-GEN-1 valid delete succeeds] the owner's delete of its live token {token_id} "
        "answered success=False, expected true"
    )
    assert results["invalid_delete_never_succeeds"] is None
    assert results["deleted_token_is_gone"] is None  # no deletion claimed
    assert results["untouched_tokens_survive"] is True


def test_success_without_deleting_is_caught_by_get_and_list():
    server = Server(faults={"delete-noop"})
    with activate(make_arena(server)) as arena:
        sent = aimed(arena, "1")
        results = judge(arena, sent, response({"success": True, "message": ""}))
    token_id = sent.path_parameters["id"]
    assert results["deleted_token_is_gone"] == (
        f"[DEL-GEN-1 deleted is gone] token {token_id} answered deleted but GET still finds it"
    )
    assert results["valid_delete_succeeds"] is True


def test_a_deleted_token_still_listed_is_caught():
    server = Server(faults={"list-keeps-deleted"})
    with activate(make_arena(server)) as arena:
        sent = aimed(arena, "1")
        answered = arena.owner.api.delete_token(sent.path_parameters["id"])
        results = judge(arena, sent, response(answered.json))
    token_id = sent.path_parameters["id"]
    assert results["deleted_token_is_gone"] == (
        f"[DEL-GEN-1 deleted is gone] token {token_id} answered deleted but is still listed"
    )


def test_an_invalid_delete_that_succeeds_is_reported():
    with activate(make_arena(Server())) as arena:
        sent = aimed(arena, "1", {"Authorization": "Bearer wrong", "New-Api-User": "2"})
        results = judge(arena, sent, response({"success": True, "message": ""}))
    assert results["invalid_delete_never_succeeds"] == (
        "[DEL-GEN-1 invalid never succeeds] an invalid delete answered success:true "
        "(the credential is missing or not the owner's access token)"
    )
    assert results["valid_delete_succeeds"] is None


def test_an_invalid_delete_that_is_refused_holds():
    with activate(make_arena(Server())) as arena:
        sent = aimed(arena, "0")
        answered = arena.owner.api.delete_token("0")
        results = judge(arena, sent, response(answered.json))
    assert results == {
        "invalid_delete_never_succeeds": True,
        "valid_delete_succeeds": None,
        "deleted_token_is_gone": None,  # harmless id: nothing to look at
        "untouched_tokens_survive": None,
    }


def test_a_foreign_token_that_vanishes_is_reported():
    server = Server(faults={"ignores-owner"})
    with activate(make_arena(server)) as arena:
        sent = aimed(arena, 9)  # every third id probes the peer's token
        assert arena.aimed()[-1].kind is TargetKind.PEER
        answered = arena.owner.api.delete_token(sent.path_parameters["id"])
        results = judge(arena, sent, response(answered.json))
    token_id = sent.path_parameters["id"]
    assert results["untouched_tokens_survive"] == (
        f"[DEL-GEN-1 others survive] peer token {token_id} vanished after a delete that had no right "
        f"to it (token {token_id} belongs to another user)"
    )
    assert results["invalid_delete_never_succeeds"].startswith("[DEL-GEN-1 invalid never succeeds]")


def test_a_delete_that_also_removes_a_neighbour_is_reported():
    server = Server(faults={"off-by-one"})
    with activate(make_arena(server)) as arena:
        sent = aimed(arena, "1")  # token 100 aimed, 101 is the owner's spare
        answered = arena.owner.api.delete_token(sent.path_parameters["id"])
        results = judge(arena, sent, response(answered.json))
    assert results["untouched_tokens_survive"] == (
        "[DEL-GEN-1 others survive] deleting token 100 also removed [101] (still live in the ledger)"
    )
    assert results["deleted_token_is_gone"] == (
        "[DEL-GEN-1 deleted is gone] token 100 answered deleted but GET still finds it"
    )


@pytest.mark.parametrize("answered", [response({"success": True}, status=429), None])
def test_a_throttled_or_unparseable_answer(answered):
    with activate(make_arena(Server())) as arena:
        sent = aimed(arena, "1")
        if answered is None:  # not JSON: no success claimed
            answered = SimpleNamespace(status_code=200, content=b"<html>")
            with pytest.raises(AssertionError, match="success=None"):
                checks.valid_delete_succeeds(None, answered, sent)  # type: ignore[arg-type]
        else:  # a 429 had no effect: nothing to judge
            assert all(check(None, answered, sent) is None for check in ALL)  # type: ignore[arg-type]


def test_an_empty_answer_claims_nothing():
    with activate(make_arena(Server())) as arena:
        sent = aimed(arena, "0")
        assert checks.invalid_delete_never_succeeds(None, SimpleNamespace(status_code=200, content=b""), sent)  # type: ignore[arg-type]
