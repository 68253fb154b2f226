"""§3: DELETE /api/token/:id and batch delete, both generations."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from refworld import World

OK = {"success": True, "message": ""}
ID_EMPTY = {"success": False, "message": "id 或 userId 为空！"}
NOT_FOUND = {"success": False, "message": "record not found"}


def test_own_token_is_deleted_with_the_exact_answer(world: World) -> None:
    token_id = world.create(world.alice)
    answer = world.delete(world.alice, token_id)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.text == '{"message":"","success":true}'
    assert world.get(world.alice, token_id).json() == NOT_FOUND
    assert token_id not in [item["id"] for item in world.items(world.alice)]


def test_second_delete_is_record_not_found(world: World) -> None:
    token_id = world.create(world.alice)
    assert world.delete(world.alice, token_id).json() == OK
    assert world.delete(world.alice, token_id).json() == NOT_FOUND


def test_concurrent_deletes_of_one_token_succeed_once(world: World) -> None:
    token_id = world.create(world.alice)
    url = f"{world.server.base_url}/api/token/{token_id}"
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: httpx.delete(url, headers=world.alice.headers()), range(4)))
    assert sorted(a.json()["success"] for a in answers) == [False, False, False, True]


@pytest.mark.parametrize("segment", ["0", "abc", "1.5", "1e3", "%201", "-0", "%D9%A1"])
def test_zero_and_non_numeric_ids_are_id_empty(world: World, segment: str) -> None:
    answer = world.delete(world.alice, segment)
    assert (answer.status_code, answer.json()) == (200, ID_EMPTY)


@pytest.mark.parametrize(
    "segment", ["-1", "99999999999999999999", "-99999999999999999999", "9223372036854775807", "987654"]
)
def test_negative_huge_and_unknown_ids_are_record_not_found(world: World, segment: str) -> None:
    assert world.delete(world.alice, segment).json() == NOT_FOUND


def test_foreign_tokens_are_indistinguishable_from_missing(world: World) -> None:
    token_id = world.create(world.bob)
    assert world.delete(world.alice, token_id).json() == NOT_FOUND
    assert world.delete(world.root, token_id).json() == NOT_FOUND
    assert world.get(world.bob, token_id).json()["success"] is True


@pytest.mark.parametrize("form", ["+{id}", "00{id}", "%2B{id}"])
def test_signed_and_zero_padded_ids_target_the_token(world: World, form: str) -> None:
    token_id = world.create(world.alice)
    assert world.delete(world.alice, form.format(id=token_id)).json() == OK
    assert world.get(world.alice, token_id).json() == NOT_FOUND


def test_soft_delete_leaves_the_count(world: World) -> None:
    world.create(world.bob)
    before = world.http.get("/api/token/", headers=world.bob.headers()).json()["data"]["total"]
    world.delete(world.bob, world.create(world.bob))
    after = world.http.get("/api/token/", headers=world.bob.headers()).json()["data"]["total"]
    assert after == before


def test_batch_deletes_own_ids_and_skips_the_rest(world: World) -> None:
    own = [world.create(world.alice) for _ in range(2)]
    foreign = world.create(world.bob)
    gone = world.create(world.alice)
    world.delete(world.alice, gone)
    answer = world.http.post(
        "/api/token/batch", headers=world.alice.headers(), json={"ids": [*own, foreign, gone, 999999]}
    )
    assert answer.json() == {"success": True, "message": "", "data": 2}
    assert all(world.get(world.alice, i).json() == NOT_FOUND for i in own)
    assert world.get(world.bob, foreign).json()["success"] is True


@pytest.mark.parametrize(
    "body", [b"{}", b'{"ids":[]}', b'{"ids":null}', b"nope", b"", b'{"ids":["1"]}', b'{"ids":[1.5]}']
)
def test_batch_refuses_bad_bodies(world: World, body: bytes) -> None:
    answer = world.http.post("/api/token/batch", headers=world.alice.headers(), content=body)
    assert answer.json() == {"success": False, "message": "Invalid parameters"}
