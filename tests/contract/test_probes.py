"""Observing a token's state (`contract.probes`) through an in-memory new-api: each probe with
a healthy answer and a broken one. No sockets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fake_newapi import FakeApi, Server, answer, business

from newapi_contract.client.api import Answer
from newapi_contract.client.listing import Listing, read_all
from newapi_contract.contract.answers import describe
from newapi_contract.contract.probes import (
    assert_readable,
    assert_unreadable,
    comparable_relay_error,
    found_by_search,
    items,
    listed,
    require_alive_before,
    require_listing,
)
from newapi_contract.contract.verdict import ClauseViolation


class Scripted:
    """An API whose every read answers `reply`."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply

    def list_tokens(self, page: int | None = None) -> Any:
        return self.reply

    def list_all(self) -> Any:
        return read_all(self.list_tokens)

    def search_tokens(self, name: str) -> Any:
        return self.reply

    def get_token(self, token_id: int) -> Any:
        return self.reply


@pytest.fixture
def api() -> FakeApi:
    server = Server()
    own = FakeApi(server, 2)
    server.create(2)  # 100
    server.create(3)  # 101, another user's
    return own


def test_items_reads_data_items_or_a_bare_list():
    assert items(business(True, data={"items": [{"id": 1}, "junk", {"id": 2}]})) == [{"id": 1}, {"id": 2}]
    assert items(business(True, data=[{"id": 3}, 4])) == [{"id": 3}]
    assert items(business(True, data={"items": None})) == []
    assert items(business(True, data={"items": {"id": 1}})) == []
    assert items(business(True, data="text")) == []
    assert items(business(True)) == []


def test_listed_and_found_by_search(api):
    assert listed(api, 100) is True
    assert listed(api, 101) is False
    assert found_by_search(api, "nac-", 100) is True
    assert found_by_search(api, "nac-", 999) is False


@pytest.mark.parametrize(
    "broken",
    [
        business(False, "Unauthorized"),
        answer(500, {"success": True, "message": ""}),
        business("true", data=[]),
    ],
)
def test_a_list_or_search_that_is_no_success_is_a_violation(broken):
    with pytest.raises(ClauseViolation) as raised:
        listed(Scripted(broken), 1)  # type: ignore[arg-type]
    assert (
        raised.value.expected
        == "GET /api/token/ answers success:true with the caller's tokens, on every page"
    )
    assert raised.value.answer is broken
    with pytest.raises(ClauseViolation) as raised:
        found_by_search(Scripted(broken), "x", 1)  # type: ignore[arg-type]
    assert raised.value.expected == "GET /api/token/search answers success:true"


def test_readable_needs_200_success_and_the_same_id(api):
    assert_readable(api, 100)
    for token_id in (101, 999):
        with pytest.raises(ClauseViolation) as raised:
            assert_readable(api, token_id)
        assert (
            raised.value.expected == f"GET /api/token/{token_id} answers success:true with token {token_id}"
        )
    other = Scripted(business(True, data={"id": 7}))
    with pytest.raises(ClauseViolation):
        assert_readable(other, 8)  # type: ignore[arg-type]
    with pytest.raises(ClauseViolation):
        assert_readable(Scripted(answer(201, {"success": True, "message": "", "data": {"id": 8}})), 8)  # type: ignore[arg-type]
    with pytest.raises(ClauseViolation):
        assert_readable(Scripted(business(True, data=[8])), 8)  # type: ignore[arg-type]


def test_unreadable_needs_record_not_found(api):
    assert_unreadable(api, 101)
    assert_unreadable(api, 999)
    with pytest.raises(ClauseViolation) as raised:
        assert_unreadable(api, 100)
    assert "record not found" in raised.value.expected
    with pytest.raises(ClauseViolation):
        assert_unreadable(Scripted(business(False, "id 或 userId 为空！")), 5)  # type: ignore[arg-type]


def test_relay_errors_compare_without_the_request_id():
    one = answer(
        401, {"error": {"message": "Invalid token (request id: 20261201abc)", "type": "new_api_error"}}
    )
    two = answer(401, {"error": {"message": "Invalid token (request id: x)", "type": "new_api_error"}})
    assert (
        comparable_relay_error(one) == comparable_relay_error(two) == (401, "new_api_error", "Invalid token")
    )
    assert comparable_relay_error(answer(401, {"error": {"message": 5}})) == (401, None, 5)
    assert comparable_relay_error(answer(403, {"error": "text"})) == (403, None, None)
    assert comparable_relay_error(answer(401, ["x"])) == (401, None, None)
    told = answer(401, {"error": {"message": "Token deleted (request id: 1)", "type": "new_api_error"}})
    assert comparable_relay_error(told) != comparable_relay_error(one)


class Asked(Scripted):
    """A scripted API that remembers the name searched for."""

    def search_tokens(self, name: str) -> Any:
        self.asked = name
        return self.reply


def test_search_asks_for_the_name_given():
    api = Asked(business(True, data={"items": [{"id": 4}]}))
    assert found_by_search(api, "nac-probe", 4) is True  # type: ignore[arg-type]
    assert api.asked == "nac-probe"


def test_items_of_a_data_that_is_no_list_are_none():
    assert items(business(True, data={"items": 5})) == []
    assert items(business(True, data=5)) == []


def test_every_failed_probe_carries_the_answer_and_its_description():
    broken = answer(500, {"success": False, "message": "boom"})
    for probe, args in ((listed, (1,)), (found_by_search, ("x", 1)), (assert_readable, (1,))):
        with pytest.raises(ClauseViolation) as raised:
            probe(Scripted(broken), *args)  # type: ignore[operator]
        assert raised.value.answer is broken, probe
        assert raised.value.observed == describe(broken), probe


def _page(status: int = 200, success: object = True, text: str = "{}") -> Answer:
    return Answer(status, httpx.Headers({"content-type": "application/json"}), text, {"success": success})


def test_require_listing_passes_a_complete_listing_through() -> None:
    listing = Listing(({"id": 1},), (_page(),), True)
    assert require_listing(listing) is listing


def test_require_listing_names_the_refused_page() -> None:
    refused = _page(429, False, '{"success":false}')
    listing = Listing(({"id": 1},), (_page(), refused), False)
    with pytest.raises(ClauseViolation) as raised:
        require_listing(listing)
    assert (
        raised.value.expected
        == "GET /api/token/ answers success:true with the caller's tokens, on every page"
    )
    assert raised.value.observed == describe(refused)
    assert raised.value.observed.startswith("HTTP 429, application/json")
    assert raised.value.answer is refused
    assert raised.value.clause is None


def test_require_listing_refuses_a_listing_cut_short() -> None:
    last = _page()
    listing = Listing(({"id": 3}, {"id": 2}, {"id": 1}), (_page(), last), False)
    with pytest.raises(ClauseViolation) as raised:
        require_listing(listing)
    assert raised.value.expected == "the caller's whole token list in at most 50 pages"
    assert raised.value.observed == "3 tokens in 2 pages, and more pages still"
    assert raised.value.answer is last


# -- require_alive_before: a positive control that fails names the audit's clause (found
# behind the unseen proxy: a batch deleting a range, a delete evicting other keys, made a
# later test blame its own request) --------------------------------------------------------

ALIVE_7 = business(True, data={"id": 7})
GONE = business(False, "record not found")
KEY_OK = answer(200, {"success": True, "data": [], "object": "list"})
KEY_REFUSED = answer(401, {"error": {"message": "Invalid token", "type": "new_api_error"}})


def test_a_live_token_passes_the_control_without_a_get_when_its_key_works():
    asked = []
    require_alive_before(7, before="the peer's delete", relay=KEY_OK, get=lambda: asked.append(1) or ALIVE_7)
    require_alive_before(7, before="the owner's delete", get=ALIVE_7)
    require_alive_before(7, before="the owner's delete", get=ALIVE_7, relay=KEY_OK)
    assert asked == []  # no request more on a healthy server


def test_a_token_gone_before_the_test_is_the_audits_vanished_clause():
    with pytest.raises(ClauseViolation) as caught:
        require_alive_before(7, before="the peer's delete", relay=KEY_REFUSED, get=lambda: GONE)
    assert caught.value.clause == "DEL-ALL-1"
    assert "just before the peer's delete" in caught.value.observed
    with pytest.raises(ClauseViolation) as caught:
        require_alive_before(7, before="the owner's delete", get=GONE)
    assert caught.value.clause == "DEL-ALL-1"


def test_a_live_token_whose_key_is_refused_is_the_audits_changed_clause():
    with pytest.raises(ClauseViolation) as caught:
        require_alive_before(7, before="the peer's delete", relay=KEY_REFUSED, get=lambda: ALIVE_7)
    assert caught.value.clause == "DEL-ALL-2" and caught.value.answer is KEY_REFUSED


def test_any_other_failure_of_the_control_stays_the_tests_own():
    with pytest.raises(ClauseViolation) as caught:
        require_alive_before(7, before="the owner's delete", get=business(True, data={"id": 8}))
    assert caught.value.clause is None


def test_the_relay_alone_can_be_the_control():
    require_alive_before(7, before="the batch", relay=KEY_OK, get=None)
    with pytest.raises(ClauseViolation) as caught:
        require_alive_before(7, before="the batch", relay=KEY_REFUSED, get=None)
    assert caught.value.clause == "DEL-ALL-2" and "while GET" not in caught.value.observed
