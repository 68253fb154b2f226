"""The lifecycle state machine (DEL-STATE-1) against an in-memory new-api: a healthy server
passes every example; each broken one fails with its clause tag. No sockets."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fake_newapi import FakeApi, Server, answer, business, world_parts
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from newapi_contract.client.api import Answer
from newapi_contract.client.ledger import Ledger
from newapi_contract.client.listing import Listing
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


def machine(server: Server, *, reveals: int = 1) -> TokenLifecycle:
    """One machine on `server`, to call its steps directly: no hypothesis run (~0.5 s)."""
    world = LifecycleWorld(**world_parts(server), relay_reveals=reveals)
    return TokenLifecycle.for_world(world)()


def own_token(m: TokenLifecycle) -> int:
    token_id = m._new(m.world.owner)
    m.live.append(token_id)
    return token_id


def test_a_healthy_server_passes_and_the_machine_cleans_its_ledger():
    server = Server()
    world = run(server)
    assert len(world.spent_reveals) == 2  # the reveal budget, never more
    assert server.requests > 20
    deleted = [e for e in world.ledger.entries() if e.deleted]
    assert deleted and all(server.tokens[e.token_id]["deleted"] for e in deleted)


def test_a_healthy_server_passes_without_a_peer_or_reveals():
    run(Server(), with_peer=False, reveals=0)


def test_a_release_with_bare_array_lists_passes():
    """Releases before 2025-06 answer the list as a bare array (reference §10): read whole, no
    token looks gone (it once read as 'deleting token 1 also removed live tokens')."""
    run(Server(faults={"list-bare"}))


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


@dataclass
class CappedApi(FakeApi):
    """Refuses a page larger than the documented maximum of 100 (server-notes §1)."""

    def list_tokens(self, page: int | None = None, page_size: int = 10) -> Any:
        if page_size > 100:
            return business(False, "page_size is at most 100")
        return super().list_tokens(page, page_size)


def test_the_list_check_reads_one_full_page_of_the_documented_maximum() -> None:
    server = Server()
    m = machine(server)
    made = {own_token(m) for _ in range(100)}
    assert m._listed_ids(CappedApi(server, m.world.owner.user_id)) == made


@pytest.mark.parametrize("form", ["-{n}", "{n}.5", "{n}e0"])
def test_invalid_ids_are_built_on_the_first_deleted_else_live_own_token(form: str) -> None:
    m = machine(Server())
    live = own_token(m)
    assert m._own_form(form) == form.format(n=live)
    m.deleted.append(deleted := m._new(m.world.owner))
    assert m._own_form(form) == form.format(n=deleted)


def test_a_delete_that_leaves_the_token_readable_fails_on_the_get() -> None:
    m = machine(Server(faults={"delete-noop"}))
    token_id = own_token(m)
    with pytest.raises(AssertionError, match=f"token {token_id} answered deleted but GET still finds it"):
        m._owner_deletes(token_id)


@dataclass
class RedirectingApi(FakeApi):
    """Redirects `DELETE /api/token/N/` with `status`, its body claiming success anyway."""

    status: int = 307

    def delete_token(self, segment: int | str) -> Any:
        if str(segment).endswith("/"):
            return answer(self.status, {"success": True, "message": ""})
        return super().delete_token(segment)


@pytest.mark.parametrize("status", [301, 307, 308])
def test_a_redirected_trailing_slash_delete_leaves_the_token_live(status: int) -> None:
    server = Server()
    m = machine(server)
    m.world.owner.api = RedirectingApi(server, m.world.owner.user_id, status)
    m._trailing_slash()
    (token_id,) = m.live  # still live: cleanup must still delete it
    assert not server.tokens[token_id]["deleted"]
    assert not any(e.deleted for e in m.world.ledger.entries())


def test_a_batch_delete_books_its_own_token_as_deleted() -> None:
    server = Server()
    m = machine(server)
    m.peer_live.append(foreign := m._new(m.world.peer))
    m._batch_spares_foreign()
    (own,) = m.deleted
    assert server.tokens[own]["user_id"] == m.world.owner.user_id and server.tokens[own]["deleted"]
    assert [e.token_id for e in m.world.ledger.entries() if e.deleted] == [own]
    assert not server.tokens[foreign]["deleted"]


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (
            "batch-deletes-nothing",
            "[DEL-STATE-1] batch delete answered success but token {own} is still there",
        ),
        (
            "batch-spills-quietly",
            f"[{ISOLATION}] the owner's batch delete removed the peer's token {{foreign}}",
        ),
    ],
    ids=["deletes-nothing", "spills-quietly"],
)
def test_a_batch_delete_that_answers_one_but_misbehaves_fails(fault: str, says: str) -> None:
    m = machine(Server(faults={fault}))
    m.peer_live.append(foreign := m._new(m.world.peer))
    with pytest.raises(AssertionError) as failed:
        m._batch_spares_foreign()
    assert str(failed.value) == says.format(own=foreign + 1, foreign=foreign)  # ids count up


def test_warming_a_key_spends_one_reveal_on_that_token() -> None:
    server = Server()
    m = machine(server, reveals=1)
    first, second = own_token(m), own_token(m)
    assert m._warm_key(first) == server.tokens[first]["key"]
    assert m.world.spent_reveals == [first]
    assert m._warm_key(second) is None  # the budget is spent
    assert m.world.spent_reveals == [first]


def test_a_relay_that_refuses_a_live_key_fails_the_warm_up() -> None:
    m = machine(Server(faults={"relay-refuses-live"}))
    with pytest.raises(AssertionError) as failed:
        m._warm_key(own_token(m))
    assert str(failed.value) == "[DEL-STATE-1] a live key was refused by the relay: HTTP 401"


@dataclass
class ShapeCheckingServer(Server):
    """Healthy, but its relay answers a missing or malformed key (not 48 letters and digits,
    server-notes §5) with a message of its own: it checks a key's shape before looking it up."""

    def relay(self, key: Any) -> Any:
        if not (isinstance(key, str) and len(key) == 48 and key.isalnum()):
            return answer(401, {"error": {"message": "malformed key", "type": "new_api_error", "code": ""}})
        return super().relay(key)


def test_a_deleted_key_is_compared_with_a_never_issued_key_of_the_same_shape() -> None:
    m = machine(ShapeCheckingServer())
    token_id = own_token(m)
    key = m._warm_key(token_id)
    assert key is not None
    m._owner_deletes(token_id)
    m._relay_rejects(key)  # the same answer as to a well-formed key that was never issued


def _world_with(ledger: Any, gets: list[int], gone: set[int]) -> Any:
    def get_token(token_id: int) -> Answer:
        gets.append(token_id)
        body = {"success": False, "message": "record not found"} if token_id in gone else {"success": True}
        return Answer(200, httpx.Headers(), "", body)

    owner = SimpleNamespace(user_id=2, api=SimpleNamespace(get_token=get_token))
    return SimpleNamespace(world=SimpleNamespace(ledger=ledger, owner=owner))


def test_nothing_else_vanished_names_the_owners_tokens_a_delete_took_with_it() -> None:
    ledger = Ledger("nac-")
    for token_id, owner in ((10, 2), (11, 2), (12, 2), (13, 2), (20, 3)):
        ledger.record(token_id, f"nac-{token_id}", owner)
    gets: list[int] = []
    machine_ = _world_with(ledger, gets, gone={11})
    shown = Listing(({"id": 12},), (), True)
    with pytest.raises(AssertionError) as raised:
        TokenLifecycle._nothing_else_vanished(machine_, shown, 10)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "[DEL-STATE-1] deleting token 10 also removed tokens [11] that the run never asked to delete "
        "(absent from the whole list, GET answers record not found)"
    )
    assert gets == [11, 13]  # not the target, not the listed one, not another user's
    gets.clear()
    TokenLifecycle._nothing_else_vanished(machine_, Listing(({"id": 11}, {"id": 12}), (), True), 10)  # type: ignore[arg-type]
    assert gets == [13]  # alive: no failure
    gets.clear()
    TokenLifecycle._nothing_else_vanished(machine_, Listing((), (), False), 10)  # type: ignore[arg-type]
    assert gets == []  # an incomplete list proves nothing
    TokenLifecycle._nothing_else_vanished(_world_with(SimpleNamespace(), gets, {11}), shown, 10)  # type: ignore[arg-type]
    assert gets == []  # a ledger without a model: nothing to check


def test_listing_fails_on_a_list_that_cannot_be_read_to_its_end() -> None:
    complete = Listing(({"id": 1},), (Answer(200, httpx.Headers(), "{}", {}),), True)
    api = SimpleNamespace(list_all=lambda: complete)
    assert TokenLifecycle._listing(None, api) is complete  # type: ignore[arg-type]
    text = '{"success":false,"message":"' + "x" * 300 + '"}'
    cut = Listing(
        (), (Answer(200, httpx.Headers(), "{}", {}), Answer(429, httpx.Headers(), text, None)), False
    )
    with pytest.raises(AssertionError) as raised:
        TokenLifecycle._listing(None, SimpleNamespace(list_all=lambda: cut))  # type: ignore[arg-type]
    assert str(raised.value) == f"[DEL-STATE-1] the token list could not be read to its end: {text[:200]!r}"
