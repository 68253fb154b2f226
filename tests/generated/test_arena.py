"""The generated layer's aiming and judging, without a server (fake parties over a real ledger)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newapi_contract.client.ids import token_id_acted_on
from newapi_contract.client.ledger import Ledger
from newapi_contract.contract.generated import (
    OVERFLOW_CLAMP,
    Arena,
    TargetKind,
    credential_is_valid,
)

TOKEN = "AbCd1234AbCd1234AbCd1234AbCd"


@dataclass
class FakeApi:
    """Answers GET and list from a set of live ids, like new-api's token reads."""

    live: set[int] = field(default_factory=set)

    def get_token(self, token_id: int) -> Any:
        return SimpleNamespace(success=token_id in self.live)

    def list_tokens(self, page: int = 1, page_size: int = 100) -> Any:
        return SimpleNamespace(data={"items": [{"id": i} for i in sorted(self.live)]})


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
