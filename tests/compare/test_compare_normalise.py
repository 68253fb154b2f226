"""A release-check answer made comparable (`compare.normalise.comparable`): what two healthy
servers answer differently by nature becomes the name the scenario gives it."""

from __future__ import annotations

import json
from dataclasses import dataclass

from newapi_contract.compare.normalise import comparable

KEY = "K" * 44 + "abcd"


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    key: str | None = None


def tree(body: object, *, status: int = 200, tokens=None, users=None, **headers: str) -> dict:
    text = body if isinstance(body, str) else json.dumps(body)
    return comparable(
        status,
        {k.replace("_", "-"): v for k, v in headers.items()},
        text,
        tokens or {},
        users or {},
    )


def test_token_and_user_ids_become_their_names_whatever_the_numbers() -> None:
    # Token 2 and user 2 share a number: each field is named by what it holds.
    tokens = {"t": Token(2, "nac-1-001aaaa")}
    got = tree(
        {
            "success": True,
            "data": {"id": 2, "user_id": 2, "name": "nac-1-001aaaa", "created_time": 1796157635},
        },
        tokens=tokens,
        users={"owner": 2, "peer": 3},
    )
    assert got["body"]["data"] == {
        "id": "<t>",
        "user_id": "<owner>",
        "name": "<t.name>",
        "created_time": "<time>",
    }


def test_two_servers_with_other_ids_give_the_same_tree() -> None:
    one = tree({"data": {"id": 7, "user_id": 2}}, tokens={"t": Token(7, "a-x")}, users={"owner": 2})
    other = tree({"data": {"id": 912, "user_id": 40}}, tokens={"t": Token(912, "b-y")}, users={"owner": 40})
    assert one == other


def test_a_list_keeps_only_the_steps_tokens_and_hides_the_total() -> None:
    items = [{"id": n, "name": f"n{n}", "key": "abcd**********wxyz"} for n in (5, 6, 7, 8)]
    got = tree(
        {"success": True, "data": {"page": 1, "page_size": 100, "total": 4, "items": items}},
        tokens={"t": Token(6, "n6"), "u": Token(8, "n8")},
    )
    assert got["body"]["data"] == {
        "page": 1,
        "page_size": 100,
        "total": "<total>",
        "items": [
            {"id": "<t>", "name": "<t.name>", "key": "<masked-key>"},
            {"id": "<u>", "name": "<u.name>", "key": "<masked-key>"},
        ],
    }


def test_location_names_the_token_and_other_ids_stay() -> None:
    tokens = {"t": Token(41, "x")}
    assert (
        tree("", status=307, tokens=tokens, location="/api/token/41")["headers"]["location"]
        == "/api/token/<t>"
    )
    assert (
        tree("", status=307, tokens=tokens, location="/api/token/42")["headers"]["location"]
        == "/api/token/42"
    )


def test_a_revealed_key_and_names_become_placeholders_wherever_they_appear() -> None:
    tokens = {"t": Token(1, "nac-1-001", KEY), "tt": Token(2, "nac-1-0012")}
    body = {"error": {"message": f"Invalid token sk-{KEY} of nac-1-0012 (request id: 2026abc)"}}
    got = tree(body, status=401, tokens=tokens, x_oneapi_request_id="r1")
    assert got["body"]["error"]["message"] == "Invalid token sk-<t.key> of <tt.name> (request id: <rid>)"
    assert got["headers"] == {"x-oneapi-request-id": "<present>"}
    assert tree({"data": {"key": KEY}}, tokens=tokens)["body"]["data"]["key"] == "<t.key>"
    assert tree(f"plain {KEY}", tokens=tokens)["body"] == "plain <t.key>"


def test_an_empty_throttled_answer_keeps_status_and_retry_after() -> None:
    assert tree("", status=429, retry_after="60") == {
        "status": 429,
        "headers": {"retry-after": "60"},
        "body": "",
    }


def test_how_the_answer_travelled_is_not_compared() -> None:
    # A CDN in front of production compresses; the candidate's staging does not.
    assert tree({"success": True}, content_encoding="br")["headers"] == {}


def test_a_relays_model_list_is_the_servers_configuration() -> None:
    production = {"success": True, "object": "list", "data": [{"id": "gpt-4o"}, {"id": "o3"}]}
    candidate = {"success": True, "object": "list", "data": []}
    trees = [comparable(200, {}, json.dumps(body), {}, {}, relay=True) for body in (production, candidate)]
    assert trees[0] == trees[1]
    assert trees[0]["body"] == {"success": True, "object": "list", "data": "<model list>"}
    anthropic = comparable(
        200, {}, json.dumps({"data": [], "first_id": "a", "has_more": False}), {}, {}, relay=True
    )
    assert anthropic["body"] == {"data": "<model list>", "first_id": "<model>", "has_more": False}


def test_a_session_cookies_max_age_is_compared_to_the_minute() -> None:
    # current's service/auth_session.go computes Max-Age from the expiry when it answers.
    def cookie(max_age: int) -> object:
        value = f"new_api_refresh=abc; Path=/api/user/auth; Max-Age={max_age}; HttpOnly; SameSite=Strict"
        return tree({"success": True}, set_cookie=value)["headers"]

    assert cookie(2591999) == cookie(2591998)
    assert cookie(2591999) != cookie(86399)  # a day is not a month
    assert cookie(0) != cookie(1)  # short ones stay exact
