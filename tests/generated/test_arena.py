"""The generated layer's aiming and judging, without a server (fake parties over a real ledger)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newapi_contract.client.api import Answer
from newapi_contract.client.ids import token_id_acted_on
from newapi_contract.client.ledger import DeleteIntent, Ledger
from newapi_contract.client.listing import Listing, read_all
from newapi_contract.contract.generated import (
    OVERFLOW_CLAMP,
    Arena,
    TargetKind,
    credential_is_valid,
    strays,
)

TOKEN = "AbCd1234AbCd1234AbCd1234AbCd"


@dataclass
class FakeApi:
    """Answers GET and list from a set of live ids, like new-api's token reads."""

    live: set[int] = field(default_factory=set)

    def get_token(self, token_id: int) -> Any:
        alive = token_id in self.live
        return SimpleNamespace(success=alive, message="" if alive else "record not found")

    def list_tokens(self, page: int | None = None, page_size: int = 100) -> Any:
        listed = [{"id": i} for i in sorted(self.live)]
        return _ok({"page": 1, "page_size": page_size, "total": len(listed), "items": listed})

    def list_all(self) -> Listing:
        return read_all(lambda page: self.list_tokens(page=page))


def _ok(data: Any) -> Answer:
    return Answer(200, httpx.Headers(), "", {"success": True, "message": "", "data": data})


def party(user_id: int) -> Any:
    return SimpleNamespace(creds=SimpleNamespace(user_id=user_id, access_token=TOKEN), api=FakeApi())


def make_arena(generation: str = "legacy", with_peer: bool = True) -> Arena:
    ids = count(100)
    ledger = Ledger("nac-test-")

    def mint(actor: Any) -> int:
        token_id = next(ids)
        ledger.record(token_id, f"nac-test-{token_id}", actor.creds.user_id)
        actor.api.live.add(token_id)
        return token_id

    return Arena(
        owner=party(2), peer=party(3) if with_peer else None, ledger=ledger,
        generation=generation, mint=mint,
    )  # fmt: skip


def case(segment: Any, headers: dict[str, str] | None = None) -> Any:
    auth = {"Authorization": f"Bearer {TOKEN}", "New-Api-User": "2"}
    return SimpleNamespace(id=f"case-{segment}", path_parameters={"id": segment}, headers=headers or auth)


@pytest.mark.parametrize("segment", ["0", "abc", "9223372036854775808", 0])
def test_ids_no_row_can_have_are_sent_as_generated(segment: Any) -> None:
    arena = make_arena()
    c = case(segment)
    aim = arena.aim(c)
    assert aim.kind is TargetKind.HARMLESS
    assert c.path_parameters["id"] == segment
    assert not aim.deserves_success


@pytest.mark.parametrize(
    ("segment", "sent"), [("-5", "-100"), (-1, "-100"), ("1.5", "100.100"), ("%D9%A3", "%D9%A1%D9%A0%D9%A0")]
)
def test_harmless_ids_a_broken_server_could_misread_are_built_on_an_own_id(segment: Any, sent: str) -> None:
    arena = make_arena()
    c = case(segment)
    aim = arena.aim(c)  # a sign dropped, a float truncated, a Unicode digit read: token 100, the run's
    assert aim.kind is TargetKind.HARMLESS and not aim.deserves_success
    assert c.path_parameters["id"] == sent


@pytest.mark.parametrize("segment", ["a/b", "5%2F", "", ".", "%2E%2E"])
def test_ids_that_leave_the_operation_are_sent_as_zero(segment: str) -> None:
    # a decoded slash or a dot segment routes elsewhere in gin (404, redirect): not DeleteToken
    arena = make_arena()
    c = case(segment)
    aim = arena.aim(c)
    assert c.path_parameters["id"] == "0"
    assert aim.kind is TargetKind.HARMLESS and not aim.deserves_success


@pytest.mark.parametrize("segment", ["1", "+7", "007", "%2B4", 13])
def test_other_ids_are_aimed_at_the_owners_minted_token(segment: Any) -> None:
    arena = make_arena()
    c = case(segment)
    aim = arena.aim(c)
    assert aim.kind is TargetKind.OWN and aim.live and aim.deserves_success
    assert c.path_parameters["id"] == "100"  # the oldest of the pool; 101 is the spare


def test_every_third_id_probes_the_peers_token() -> None:
    arena = make_arena()
    aim = arena.aim(case(9))
    assert aim.kind is TargetKind.PEER and not aim.deserves_success
    assert "another user" in aim.why_invalid()


def test_without_peer_every_id_goes_to_the_owner() -> None:
    assert make_arena(with_peer=False).aim(case(9)).kind is TargetKind.OWN


def test_even_user_header_is_aimed_at_the_owner_odd_and_malformed_stay() -> None:
    arena = make_arena()
    even = case(1, {"Authorization": TOKEN, "New-Api-User": "40"})
    odd = case(1, {"Authorization": TOKEN, "New-Api-User": "41"})
    bad = case(1, {"Authorization": TOKEN, "New-Api-User": "4x"})
    assert arena.aim(even).deserves_success and even.headers["New-Api-User"] == "2"
    assert not arena.aim(odd).deserves_success and odd.headers["New-Api-User"] == "41"
    assert not arena.aim(bad).deserves_success


def test_current_ignores_new_api_user() -> None:
    arena = make_arena("current")
    assert arena.aim(case(1, {"Authorization": TOKEN})).deserves_success
    assert not make_arena("legacy").aim(case(1, {"Authorization": TOKEN})).deserves_success


@pytest.mark.parametrize(
    ("value", "legacy", "current"),
    [
        (f"Bearer {TOKEN}", True, True),
        (TOKEN, True, True),
        (f"bearer {TOKEN}", False, True),
        (f"Bearer   {TOKEN}", False, True),
        (f" {TOKEN} ", True, True),
        ("Bearer other", False, False),
        ("", False, False),
        (None, False, False),
    ],
)
def test_credential_forms(value: str | None, legacy: bool, current: bool) -> None:
    assert credential_is_valid(value, TOKEN, "legacy") is legacy
    assert credential_is_valid(value, TOKEN, "current") is current


def test_settle_reads_the_token_back_and_marks_it_deleted() -> None:
    arena = make_arena()
    c = case(1)
    arena.aim(c)
    arena.owner.api.live.discard(100)  # the server deleted it
    settled = arena.settle(c.id, {"success": True, "message": ""})
    assert settled is not None
    assert settled.still_there is False and settled.still_listed is False
    assert settled.missing_bystanders == ()
    assert not any(e.token_id == 100 and not e.deleted for e in arena.ledger.entries())
    assert arena.settle(c.id, {"success": False}) is settled  # once per case


def test_settle_names_a_bystander_that_went_too() -> None:
    arena = make_arena()
    c = case(1)
    arena.aim(c)
    arena.owner.api.live.clear()  # the target and its spare both vanished
    settled = arena.settle(c.id, {"success": True})
    assert settled is not None and settled.missing_bystanders == (101,)


def test_a_deleted_target_is_replaced_by_a_fresh_one() -> None:
    arena = make_arena()
    first = case(1)
    arena.aim(first)
    arena.owner.api.live.discard(100)
    arena.settle(first.id, {"success": True})
    second = case(5)
    arena.aim(second)
    assert second.path_parameters["id"] == "101"


@given(st.one_of(st.integers(), st.text(max_size=12)))
def test_an_aimed_id_acts_on_no_row_or_on_a_ledger_token(segment: Any) -> None:
    arena = make_arena()
    c = case(segment)
    arena.aim(c)
    acted = token_id_acted_on(str(c.path_parameters["id"]))
    assert acted <= 0 or acted == OVERFLOW_CLAMP or arena.ledger.owns(acted)


def bare_case(path_parameters: dict[str, Any], headers: dict[str, str] | None) -> Any:
    return SimpleNamespace(id="bare", path_parameters=path_parameters, headers=headers)


def test_why_invalid_names_each_reason() -> None:
    arena = make_arena()
    assert arena.aim(case(1, {"Authorization": "Bearer other"})).why_invalid() == (
        "the credential is missing or not the owner's access token"
    )
    assert arena.aim(case(1, {"Authorization": TOKEN})).why_invalid() == (
        "this server needs New-Api-User equal to the owner's id"
    )
    assert arena.aim(case("0")).why_invalid() == "id '0' acts on 0, which no token can have"
    peer = arena.aim(case(9))
    assert peer.why_invalid() == f"token {peer.token_id} belongs to another user"
    arena.ledger.mark_deleted(100)
    gone = arena.aim(case("100"))
    assert gone.kind is TargetKind.OWN and not gone.live and not gone.deserves_success
    assert gone.why_invalid() == "token 100 was already deleted"


def test_a_credential_in_another_scheme_is_not_the_owners() -> None:
    assert not credential_is_valid(f"Basic {TOKEN}", TOKEN, "current")
    assert not credential_is_valid("Bearer", TOKEN, "current")


def test_the_peers_pool_holds_one_token_the_owners_two() -> None:
    arena = make_arena()
    peer = arena.aim(case(9))
    assert arena.peer.api.live == {peer.token_id}
    arena.aim(case(1))
    assert len(arena.owner.api.live) == 2


def test_a_case_without_an_id_or_headers_is_sent_as_zero_without_credentials() -> None:
    arena = make_arena()
    c = bare_case({}, None)
    aim = arena.aim(c)
    assert c.path_parameters == {"id": "0"} and aim.segment == "0"
    assert aim.kind is TargetKind.HARMLESS and aim.live is False and not aim.credential_ok


def test_the_arenas_own_tokens_are_aimed_at_as_generated_with_their_kind() -> None:
    arena = make_arena()
    arena.aim(case(1))  # mints 100 and its spare 101
    spare = case("101")
    aim = arena.aim(spare)
    assert spare.path_parameters["id"] == "101" and aim.kind is TargetKind.OWN and aim.live
    peer_id = arena.aim(case(9)).token_id
    again = case(str(peer_id))
    assert arena.aim(again).kind is TargetKind.PEER and again.path_parameters["id"] == str(peer_id)


def test_a_ledger_token_the_arena_did_not_mint_is_not_aimed_at() -> None:
    arena = make_arena()
    arena.ledger.record(50, "nac-test-50", 2)  # another test's token: maybe deleted already
    c = case("50")
    aim = arena.aim(c)
    assert c.path_parameters["id"] != "50" and aim.token_id != 50 and aim.kind is TargetKind.OWN


def test_a_harmless_id_is_built_on_the_newest_ledger_token() -> None:
    arena = make_arena()
    for token_id in (50, 60, 70):
        arena.ledger.record(token_id, f"nac-test-{token_id}", 2)
    c = case("-5")
    arena.aim(c)
    assert c.path_parameters["id"] == "-70"


def test_a_harmless_id_on_an_empty_ledger_mints_the_owners_pool() -> None:
    arena = make_arena()
    arena.aim(case("-5"))
    assert arena.owner.api.live == {100, 101}


def test_the_credential_is_judged_by_the_arenas_generation() -> None:
    arena = make_arena("current")
    assert arena.aim(case(1, {"Authorization": f"bearer {TOKEN}"})).credential_ok


def test_aiming_a_case_again_forgets_its_settlement() -> None:
    arena = make_arena()
    c = case(1)
    arena.aim(c)
    first = arena.settle(c.id, {"success": False})
    arena.aim(c)
    second = arena.settle(c.id, {"success": True})
    assert second is not first and second is not None and second.success is True


def test_settling_a_harmless_or_refused_case() -> None:
    arena = make_arena()
    harmless = case("0")
    arena.aim(harmless)
    settled = arena.settle(harmless.id, {"success": True})
    assert settled is not None and settled.success is True and settled.still_there is None
    refused = case(1)
    arena.aim(refused)
    settled = arena.settle(refused.id, {"success": False})
    assert settled is not None and settled.still_there is True
    assert settled.still_listed is None and settled.missing_bystanders == ()


def test_a_peer_target_is_read_back_as_the_peer() -> None:
    arena = make_arena()
    c = case(9)
    arena.aim(c)
    settled = arena.settle(c.id, {"success": False})
    assert settled is not None and settled.still_there is True


class ListingApi(FakeApi):
    """A FakeApi that remembers the list pages asked for, and may answer a bare list."""

    def __init__(self, bare: bool = False) -> None:
        super().__init__()
        self.bare = bare
        self.pages: list[tuple[int, int]] = []

    def list_tokens(self, page: int | None = None, page_size: int = 100) -> Any:
        self.pages.append((page, page_size))
        if self.bare:
            return _ok([{"id": i} for i in sorted(self.live)])
        return super().list_tokens(page, page_size)


def test_a_short_list_is_read_in_one_request_of_100() -> None:
    arena = make_arena()
    arena.owner.api = ListingApi()
    c = case(1)
    arena.aim(c)
    arena.owner.api.live.discard(100)
    arena.settle(c.id, {"success": True})
    assert arena.owner.api.pages == [(None, 100)]  # no `p`: 0- and 1-based releases alike


def test_a_bare_array_list_is_read_too() -> None:
    """Releases before 2025-06 answer the list as a bare array (reference §10); it once read
    as an empty list, so every other token looked gone."""
    arena = make_arena()
    arena.owner.api = ListingApi(bare=True)
    c = case(1)
    arena.aim(c)
    settled = arena.settle(c.id, {"success": True})
    assert settled is not None and settled.still_listed is True and settled.missing_bystanders == ()


def test_a_token_another_test_asked_to_delete_is_not_missed() -> None:
    arena = make_arena()
    arena.ledger.record(50, "nac-test-50", 2)  # not minted here, deleted by another test
    arena.ledger.note_intent(DeleteIntent((50,), "DELETE /api/token/50", "other", 0.0, "success", by=2))
    c = case(1)
    arena.aim(c)
    arena.owner.api.live.discard(100)
    settled = arena.settle(c.id, {"success": True})
    assert settled is not None and settled.missing_bystanders == ()


def test_any_token_of_the_run_never_asked_to_delete_is_missed_once_get_confirms() -> None:
    arena = make_arena()
    arena.ledger.record(50, "nac-test-50", 2)  # another test's live token, taken by this delete
    c = case(1)
    arena.aim(c)
    arena.owner.api.live.discard(100)
    settled = arena.settle(c.id, {"success": True})
    assert settled is not None and settled.missing_bystanders == (50,)


def test_strays_are_the_deletes_that_acted_on_an_id_the_ledger_did_not_hold() -> None:
    owned = frozenset({5})
    sent = [
        ("/api/token/5", owned),  # the run's own
        ("/api/token/6", owned),  # a stray
        ("/api/token/7/?x=1", owned),  # query and trailing slash dropped: acts on 7
        ("/api/token/0", owned),  # no row has id 0
        ("/api/token/-3", owned),
        ("/api/token/abc", owned),  # Atoi fails: 0
        ("/api/token/1", owned),  # the smallest id a row can have
        ("/api/token/99999999999999999999", owned),  # clamped: no row
        ("/api/token/%36", frozenset({6})),  # decoded to 6, held then
        ("/api/token/%2", owned),  # a bad escape never reaches the handler
        ("/api/token/08", owned),
    ]
    assert strays(sent) == [
        "/api/token/6 (acts on 6)",
        "/api/token/7/?x=1 (acts on 7)",
        "/api/token/1 (acts on 1)",
        "/api/token/08 (acts on 8)",
    ]
    assert strays([]) == []
    assert OVERFLOW_CLAMP == 2**63 - 1
