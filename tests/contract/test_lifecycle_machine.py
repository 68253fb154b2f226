"""The lifecycle state machine (DEL-STATE-1) against an in-memory new-api: a healthy server
passes every example; each broken one fails with its clause tag. No sockets."""

from __future__ import annotations

import pytest
from fake_newapi import Server, answer, world_parts
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from newapi_contract.contract.lifecycle_machine import (
    INVALID_IDS,
    ISOLATION,
    LifecycleWorld,
    TokenLifecycle,
    _relay_error_type,
)

SETTINGS = settings(
    max_examples=8,
    stateful_step_count=10,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def run(server: Server, *, with_peer: bool = True, reveals: int = 2) -> LifecycleWorld:
    world = LifecycleWorld(**world_parts(server, with_peer=with_peer), relay_reveals=reveals)
    run_state_machine_as_test(TokenLifecycle.for_world(world), settings=SETTINGS)
    return world


def test_a_healthy_server_passes_and_the_machine_cleans_its_ledger():
    server = Server()
    world = run(server)
    assert len(world.spent_reveals) == 2  # the reveal budget, never more
    assert server.requests > 20
    deleted = [e for e in world.ledger.entries() if e.deleted]
    assert deleted and all(server.tokens[e.token_id]["deleted"] for e in deleted)


def test_a_healthy_server_passes_without_a_peer_or_reveals():
    run(Server(), with_peer=False, reveals=0)


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("delete-noop", "[DEL-STATE-1] token"),
        ("ignores-owner", f"[{ISOLATION}] the peer's delete of the owner's token"),
        ("second-delete-succeeds", "[DEL-STATE-1] a second delete of token"),
        ("stale-relay-key", "[DEL-STATE-1] the relay answered HTTP 200 to a deleted key"),
        ("relay-quotes-key", "[DEL-STATE-1] the relay's answer to a deleted key quotes the key"),
        ("relay-tells-deleted", "[DEL-STATE-1] the relay tells a deleted key"),
        ("nonnumeric-500", "[DEL-STATE-1] DELETE /api/token/abc answered HTTP 500"),
        ("html-answers", "[DEL-STATE-1] delete answered Content-Type 'text/html'"),
        ("trailing-slash-deletes-nothing", "[DEL-STATE-1] DELETE /api/token/1"),  # .../<id>/ answered ...
        ("off-by-one", "[DEL-STATE-1] token 1"),
        ("list-keeps-deleted", "[DEL-STATE-1] token 1"),  # ... answered deleted but is still listed
        ("refuses-deletes", "[DEL-STATE-1] the owner's delete of live token 1"),
        ("success-as-string", '[DEL-STATE-1] delete answered \'{"success": "true", "message": ""}\': need'),
        ("deletes-neighbour", "[DEL-STATE-1] deleting token 1"),  # ... also removed live tokens [...]
        ("list-bare", "[DEL-STATE-1] deleting token 1"),  # a list it cannot read: every token looks gone
        ("batch-ignores-owner", f"[{ISOLATION}] batch delete of 1 own + 1 foreign id answered"),
    ],
)
def test_each_broken_server_fails_the_machine(fault, says):
    with pytest.raises(AssertionError) as failed:
        run(Server(faults={fault}), reveals=1000)  # every example, replays too, warms a key
    assert says in str(failed.value)


def test_the_invalid_ids_name_no_token_and_are_built_on_an_own_id():
    assert INVALID_IDS == ("0", "-{n}", "abc", "{n}.5", "{n}e0", "%20", "%D9%A3", "9223372036854775808")


def test_relay_errors_compare_without_their_request_id():
    first = answer(401, {"error": {"message": "Invalid token (request id: 1)", "type": "new_api_error"}})
    second = answer(401, {"error": {"message": "Invalid token (request id: 2)", "type": "new_api_error"}})
    assert _relay_error_type(first) == _relay_error_type(second) == (401, ("new_api_error", "Invalid token"))
    assert _relay_error_type(answer(401, {"error": "x"})) == (401, (None, ""))
    assert _relay_error_type(answer(401, ["x"])) == (401, (None, ""))
    other = answer(401, {"error": {"message": "Token deleted", "type": "new_api_error"}})
    assert _relay_error_type(other) != _relay_error_type(first)
