"""The door table: every door has a clause, a way to send, and a reason when it is not checked."""

from __future__ import annotations

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.contract.clauses import load_clauses
from newapi_contract.contract.doors import (
    DOORS,
    applicable,
    comparable_refusal,
    doors_of,
    is_refusal,
    never_issued_key,
    road_check,
)
from newapi_contract.errors import RoadFault


def answer(status: int, body: object) -> Answer:
    return Answer(status, httpx.Headers(), str(body), body)


def test_every_door_belongs_to_a_door_clause_and_each_clause_has_a_quick_door():
    clauses = load_clauses()
    assert {door.clause for door in DOORS} == {cid for cid in clauses if cid.startswith("DEL-DOOR-")}
    for cid in {door.clause for door in DOORS}:
        assert any(d.quick for d in DOORS if d.clause == cid), f"{cid} is never checked in the quick profile"
        assert doors_of(cid)
    assert len({door.name for door in DOORS}) == len(DOORS)


def test_the_quick_profile_checks_one_door_per_place_a_key_is_read_from():
    """Authorization twice: lower-case `bearer` is refused by releases before PR #2513, so the
    raw key keeps the clause checkable there (reference §10)."""
    quick = [door.name for door in DOORS if door.quick]
    assert quick == [
        "bearer-lower",
        "raw",
        "channel-suffix",
        "x-api-key",
        "gemini-query",
        "websocket",
        "mj-api-secret",
    ]


@pytest.mark.parametrize(
    ("name", "generation", "profile", "checked"),
    [
        ("x-api-key", "legacy", "quick", True),
        ("raw-sk", "current", "quick", False),
        ("raw-sk", "current", "thorough", True),
        ("gemini-models-list", "legacy", "thorough", False),
        ("gemini-models-list", "current", "thorough", True),
    ],
)
def test_applicable_says_why_a_door_is_left_out(name, generation, profile, checked):
    door, reason = applicable(name, generation, profile)
    assert door.name == name and (reason is None) == checked
    if not checked:
        assert reason and ("thorough" in reason or "current" in reason)


def test_the_channel_pin_door_takes_the_pin_refusal_as_acceptance():
    pin = next(door for door in DOORS if door.name == "channel-suffix")
    refused = {
        "error": {"message": "普通用户不支持指定渠道 (request id: 1)", "type": "new_api_error", "code": ""}
    }
    assert pin.accepts(answer(403, refused)) and pin.accepts(answer(200, {}))
    assert not pin.accepts(answer(401, {"error": {"message": "Invalid token (request id: 1)"}}))
    assert not pin.accepts(answer(403, {"error": {"message": "User has been banned"}}))


def test_refusals_compare_up_to_the_request_id():
    a = answer(401, {"error": {"message": "Invalid token (request id: 2026AAA)", "type": "new_api_error"}})
    b = answer(401, {"error": {"message": "Invalid token (request id: 2026BBB)", "type": "new_api_error"}})
    c = answer(401, {"error": {"message": "This token has been deleted (request id: 1)", "type": "x"}})
    assert comparable_refusal(a) == comparable_refusal(b) != comparable_refusal(c)


@pytest.mark.parametrize(
    ("status", "kind"), [(429, "throttled"), (502, "proxy"), (503, "proxy"), (504, "proxy")]
)
def test_the_road_is_never_a_verdict_on_a_key(status, kind):
    with pytest.raises(RoadFault) as caught:
        road_check(answer(status, None), DOORS[0])
    assert caught.value.kind == kind
    assert road_check(answer(401, {}), DOORS[0]).status == 401


def test_never_issued_keys_have_the_real_shape():
    key = never_issued_key()
    assert len(key) == 48 and key.isalnum() and key != never_issued_key()


def test_a_plain_door_accepts_a_live_key_only_with_200():
    plain = DOORS[0]
    assert plain.accepts(answer(200, {}))
    assert not plain.accepts(answer(201, {})) and not plain.accepts(answer(401, {}))


def test_the_pin_door_refuses_bodies_of_other_shapes_without_breaking():
    pin = next(door for door in DOORS if door.name == "channel-suffix")
    for body in (
        ["普通用户不支持指定渠道"],
        "普通用户不支持指定渠道",
        {"error": "普通用户不支持指定渠道"},
        None,
    ):
        assert not pin.accepts(answer(403, body)), body


def test_doors_of_a_clause_are_its_doors_in_table_order():
    assert doors_of("DEL-DOOR-2") == ["channel-suffix"]
    assert doors_of("DEL-DOOR-6") == ["mj-api-secret", "mj-proxy-marker"]
    assert doors_of("DEL-NONE-1") == []


def test_applicable_gives_the_reasons_word_for_word():
    assert applicable("gemini-models-list", "legacy", "thorough")[1] == (
        "legacy servers have no such door: TokenAuth reads the Gemini key on /v1/models "
        "itself only in current (middleware/auth.go)"
    )
    assert (
        applicable("raw-sk", "legacy", "quick")[1]
        == "checked in the thorough profile only (--profile thorough)"
    )


def test_the_road_fault_names_the_door_and_the_status():
    with pytest.raises(RoadFault) as caught:
        road_check(answer(502, None), DOORS[0])
    assert "door bearer-lower: HTTP 502 from the road, not a verdict on the key" in str(caught.value)


def test_a_refusal_is_http_401_only():
    assert is_refusal(answer(401, {}))
    assert (
        not is_refusal(answer(200, {}))
        and not is_refusal(answer(402, {}))
        and not is_refusal(answer(403, {}))
    )


def test_a_comparable_refusal_drops_only_the_request_id_in_json_lists_and_text():
    body = {"error": {"message": "Invalid token (request id: 2026AAA)", "type": "new_api_error"}}
    assert comparable_refusal(answer(401, body)) == (
        401,
        {"error": {"message": "Invalid token", "type": "new_api_error"}},
    )
    assert comparable_refusal(answer(401, ["gone (request id: 1)", 3])) == (401, ["gone", 3])
    text = Answer(401, httpx.Headers(), "plain refusal (request id: 9)", None)
    assert comparable_refusal(text) == (401, "plain refusal")
    empty = Answer(401, httpx.Headers(), "not this text", {})
    assert comparable_refusal(empty) == (401, {})
