"""§5: create, read, list, search, update, key reveal."""

from __future__ import annotations

import re

import pytest
from refworld import World, unique

NOT_FOUND = {"success": False, "message": "record not found"}
ITEM_FIELDS = [
    "id",
    "user_id",
    "key",
    "status",
    "name",
    "created_time",
    "accessed_time",
    "expired_time",
    "remain_quota",
    "unlimited_quota",
    "model_limits_enabled",
    "model_limits",
    "allow_ips",
    "used_quota",
    "group",
    "cross_group_retry",
    "DeletedAt",
]


def post(world: World, body: object) -> dict[str, object]:
    return world.http.post("/api/token/", json=body, headers=world.alice.headers()).json()


def test_create_answers_no_id_and_ignores_server_fields(world: World) -> None:
    name = unique()
    answer = post(world, {"name": name, "id": 424242, "key": "x" * 48, "user_id": world.bob.id, "status": 2})
    assert answer == {"success": True, "message": ""}
    item = next(i for i in world.items(world.alice) if i["name"] == name)
    assert item["id"] != 424242 and item["user_id"] == world.alice.id and item["status"] == 1
    assert item["expired_time"] == -1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "n" * 51}, "Token name is too long"),
        ({"name": "令" * 17}, "Token name is too long"),
        ({"name": "q", "remain_quota": -1}, "Quota value cannot be negative"),
    ],
)
def test_create_validation(world: World, body: dict[str, object], message: str) -> None:
    assert post(world, body) == {"success": False, "message": message}


def test_quota_ceiling_depends_on_generation(world: World) -> None:
    ceiling = 2_147_483_647 if world.current else 500_000_000_000_000
    over = post(world, {"name": unique(), "remain_quota": ceiling + 1})
    assert over == {"success": False, "message": f"Quota value exceeds valid range, maximum is {ceiling}"}
    assert post(world, {"name": unique(), "remain_quota": ceiling})["success"] is True
    unlimited = {"name": unique(), "remain_quota": ceiling + 1, "unlimited_quota": True}
    assert post(world, unlimited)["success"] is True


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "EOF"),
        (b"{", "unexpected EOF"),
        (b"x", "invalid character 'x' looking for beginning of value"),
    ],
)
def test_bad_json_answers_the_decoder_text(world: World, body: bytes, message: str) -> None:
    answer = world.http.post("/api/token/", content=body, headers=world.alice.headers())
    assert answer.json() == {"success": False, "message": message}


def test_wrong_field_type_answers_the_unmarshal_error(world: World) -> None:
    message = post(world, {"name": 5})["message"]
    assert isinstance(message, str)
    assert message.startswith("json: cannot unmarshal number 5 into Go struct field ")
    assert message.endswith(".name of type string")


def test_list_items_masks_keys_and_orders_newest_first(world: World) -> None:
    first, second = world.create(world.alice), world.create(world.alice)
    items = world.items(world.alice)
    assert [i["id"] for i in items].index(second) < [i["id"] for i in items].index(first)
    expected = ITEM_FIELDS + (["auto_groups"] if world.current else [])
    assert list(items[0]) == expected
    assert items[0]["DeletedAt"] is None
    full = world.key(world.alice, second)
    shown = next(i["key"] for i in items if i["id"] == second)
    assert shown == full[:4] + "**********" + full[-4:]


def test_pagination_parameters(world: World) -> None:
    user = world.register()
    for _ in range(3):
        world.create(user)
    headers = user.headers()

    def page(**query: object) -> dict[str, object]:
        return world.http.get("/api/token/", params=query, headers=headers).json()["data"]

    assert page()["page_size"] == 10 and page()["page"] == 1
    assert page(page_size=2, ps=1, size=3)["page_size"] == 2
    assert page(ps=1, size=3)["page_size"] == 1
    assert page(size=3)["page_size"] == 3
    assert page(page_size=500)["page_size"] == 100
    two = page(p=2, page_size=1)
    assert len(two["items"]) == 1 and two["total"] >= 3  # type: ignore[arg-type,operator]
    assert len(page(page_size=-1)["items"]) == page()["total"]  # type: ignore[arg-type]
    assert page(p="99999999999999999999")["items"] == []


def test_search_by_name_and_full_key(world: World) -> None:
    name = unique("needle")
    token_id = world.create(world.alice, name)
    key = world.key(world.alice, token_id)
    for query in ({"keyword": name}, {"token": f"sk-{key}"}, {"token": key}):
        found = world.http.get("/api/token/search", params=query, headers=world.alice.headers()).json()[
            "data"
        ]["items"]
        assert [i["id"] for i in found] == [token_id]
    foreign = world.http.get(
        "/api/token/search", params={"keyword": name}, headers=world.bob.headers()
    ).json()["data"]["items"]
    assert foreign == []


def test_search_is_exact_unless_it_holds_wildcards(world: World) -> None:
    name = unique("wild_card")
    token_id = world.create(world.alice, name)

    def search(keyword: str) -> dict[str, object]:
        return world.http.get(
            "/api/token/search", params={"keyword": keyword}, headers=world.alice.headers()
        ).json()

    assert search(name[:-1])["data"]["items"] == []  # type: ignore[index]
    assert [i["id"] for i in search(name[:-1] + "%")["data"]["items"]] == [token_id]  # type: ignore[index]
    assert search(name.replace("_", "X") + "%")["data"]["items"] == []  # type: ignore[index]
    assert search("a%%")["message"] == "搜索模式中不允许包含连续的 % 通配符"
    assert search("%a%b%")["message"] == "搜索模式中最多允许包含 2 个 % 通配符"
    assert search("a%")["message"] == "使用模糊搜索时，关键词长度至少为 2 个字符"


def test_get_token(world: World) -> None:
    token_id = world.create(world.alice)
    assert world.get(world.alice, token_id).json()["data"]["id"] == token_id
    assert world.get(world.bob, token_id).json() == NOT_FOUND
    assert world.get(world.alice, 0).json() == {"success": False, "message": "id 或 userId 为空！"}
    assert world.get(world.alice, "abc").json() == {
        "success": False,
        "message": 'strconv.Atoi: parsing "abc": invalid syntax',
    }
    assert world.get(world.alice, "99999999999999999999").json() == {
        "success": False,
        "message": 'strconv.Atoi: parsing "99999999999999999999": value out of range',
    }


def test_key_reveal_and_batch_keys(world: World) -> None:
    own, foreign = world.create(world.alice), world.create(world.bob)
    key = world.key(world.alice, own)
    assert re.fullmatch(r"[0-9A-Za-z]{48}", key)
    reveal = world.http.post(f"/api/token/{foreign}/key", headers=world.alice.headers())
    assert reveal.json() == NOT_FOUND
    # DisableCache on both routes, whatever the answer
    assert reveal.headers["cache-control"] == "no-store, no-cache, must-revalidate, private, max-age=0"
    assert (reveal.headers["pragma"], reveal.headers["expires"]) == ("no-cache", "0")
    batch = world.http.post(
        "/api/token/batch/keys", json={"ids": [own, foreign]}, headers=world.alice.headers()
    ).json()
    assert batch == {"success": True, "message": "", "data": {"keys": {str(own): key}}}
    too_many = world.http.post(
        "/api/token/batch/keys", json={"ids": list(range(1, 102))}, headers=world.alice.headers()
    ).json()
    assert too_many["message"] == "Too many items in batch request, maximum is 100"


def test_update_overwrites_every_field(world: World) -> None:
    token_id = world.create(world.alice, expired_time=4_000_000_000)
    name = unique("renamed")
    answer = world.http.put(
        "/api/token/", json={"id": token_id, "name": name}, headers=world.alice.headers()
    ).json()
    assert answer["success"] is True and answer["data"]["name"] == name
    assert answer["data"]["expired_time"] == 0 and answer["data"]["unlimited_quota"] is False
    status_only = world.http.put(
        "/api/token/?status_only=1", json={"id": token_id, "status": 2}, headers=world.alice.headers()
    ).json()
    assert status_only["data"]["status"] == 2 and status_only["data"]["name"] == name
    foreign = world.http.put(
        "/api/token/", json={"id": world.create(world.bob)}, headers=world.alice.headers()
    ).json()
    assert foreign == NOT_FOUND


def test_a_thousand_live_tokens_is_the_limit(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("current")
    for index in range(1000):
        body = {"name": f"bulk{index}"}
        assert (
            world.http.post("/api/token/", json=body, headers=world.alice.headers()).json()["success"] is True
        )
    refused = post(world, {"name": "one-too-many"})
    assert refused == {"success": False, "message": "已达到最大令牌数量限制 (1000)"}
    world.delete(world.alice, world.find(world.alice, "bulk999"))
    assert post(world, {"name": "after-delete"})["success"] is True
