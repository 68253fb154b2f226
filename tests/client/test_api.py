"""NewApi over the guarded stack: the requests it builds and the answers it returns."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest
from scripted_server import Server

from newapi_contract.client.api import Answer, Credentials, NewApi, token_path
from newapi_contract.client.recording import SESSION_SCOPE
from newapi_contract.client.transport import build_client
from newapi_contract.errors import FeatureAbsent, GuardRefusal, TargetError

if TYPE_CHECKING:
    from tests.client.conftest import Stack

KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijkl"
WS_PROTOCOL = f"realtime, openai-insecure-api-key.sk-{KEY}, openai-beta.realtime-v1"


def api(
    stack: Stack,
    server: Server,
    creds: Credentials | None = None,
    on_route: Callable[[str, bool], None] | None = None,
) -> NewApi:
    client = build_client(
        stack.base,
        guard=stack.guard,
        pacer=stack.pacer,
        recorder=stack.recorder,
        redactor=stack.redactor,
        road=stack.road,
        network=httpx.MockTransport(server),
    )
    creds = creds or Credentials(2, stack.owner_token)
    return NewApi(client, creds, redactor=stack.redactor, on_route=on_route)


def test_credentials_headers() -> None:
    creds = Credentials(7, "tok-tok-tok")
    assert creds.headers() == {"Authorization": "Bearer tok-tok-tok", "New-Api-User": "7"}
    assert creds.headers("raw") == {"Authorization": "tok-tok-tok", "New-Api-User": "7"}
    with pytest.raises(ValueError):
        creds.headers("basic")


def test_answer_fields() -> None:
    answer = Answer(200, httpx.Headers({"Content-Type": "application/json"}), "", {"success": False})
    assert (answer.success, answer.message, answer.data) == (False, None, None)
    assert answer.content_type == "application/json"
    assert Answer(429, httpx.Headers(), "", None).success is None


@pytest.mark.parametrize(
    ("segment", "wire"),
    [
        (5, "/api/token/5"),
        ("+5", "/api/token/+5"),
        ("%2B5", "/api/token/%2B5"),
        ("%30", "/api/token/%30"),
        ("007", "/api/token/007"),
        ("1e3", "/api/token/1e3"),
        ("1.5", "/api/token/1.5"),
        ("٣", "/api/token/%D9%A3"),  # UTF-8, decoded back by the server
        (" 1", "/api/token/%201"),
        ("a?b#c", "/api/token/a%3Fb%23c"),  # would otherwise end the path
        ("..", "/api/token/%2E%2E"),  # httpx would remove a literal dot segment
        ("-99999999999999999999", "/api/token/-99999999999999999999"),
        ("5/", "/api/token/5/"),
    ],
)
def test_raw_segments_reach_the_server_as_given(stack: Stack, segment: int | str, wire: str) -> None:
    server = Server()
    api(stack, server).get_token(segment)
    assert server.seen[0].url.raw_path.decode() == wire


def test_call_sends_credentials_and_decodes_json(stack: Stack) -> None:
    server = Server(httpx.Response(200, json={"success": True, "message": "", "data": {"id": 2}}))
    answer = api(stack, server).self_info()
    sent = server.seen[0]
    assert (sent.method, sent.url.path) == ("GET", "/api/user/self")
    assert sent.headers["Authorization"] == f"Bearer {stack.owner_token}"
    assert sent.headers["New-Api-User"] == "2"
    assert (answer.status, answer.success, answer.data) == (200, True, {"id": 2})


def test_call_header_overrides_and_no_auth(stack: Stack) -> None:
    server = Server()
    client = api(stack, server)
    client.delete_token(5, headers={"new-api-user": "abc", "Authorization": None})
    client.delete_token(5, auth=False)
    first, second = server.seen
    assert first.headers["New-Api-User"] == "abc" and "Authorization" not in first.headers
    assert "Authorization" not in second.headers and "New-Api-User" not in second.headers


def test_non_json_answer(stack: Stack) -> None:
    server = Server(httpx.Response(404, text="404 page not found"))
    answer = api(stack, server).get_token(5)
    assert (answer.status, answer.json, answer.text) == (404, None, "404 page not found")


def test_create_list_search(stack: Stack) -> None:
    items = [
        {"id": 9, "name": "nac-test-b"},
        {"id": 8, "name": "nac-test-a"},
        {"id": 5, "name": "nac-test-a"},
    ]
    server = Server(
        httpx.Response(200, json={"success": True, "message": ""}),
        httpx.Response(200, json={"success": True, "data": {"items": items}}),
    )
    client = api(stack, server)
    client.create_token("nac-test-a", remain_quota=10, unlimited_quota=False)
    assert client.list_tokens().data == {"items": items}  # as the server answered, newest first
    client.search_tokens("nac+test")
    create, list1, search = server.seen
    assert json.loads(create.content) == {
        "name": "nac-test-a",
        "unlimited_quota": False,
        "expired_time": -1,
        "remain_quota": 10,
    }
    assert (create.method, create.url.path) == ("POST", "/api/token/")
    # no p: 0- or 1-based builds alike; `size` for releases before 2025-06 (ref §10)
    assert list1.url.params == httpx.QueryParams({"page_size": "100", "size": "100"})
    assert search.url.raw_path == b"/api/token/search?keyword=nac%2Btest"


def test_batch_delete(stack: Stack) -> None:
    server = Server(httpx.Response(200, json={"success": True, "message": "", "data": 1}))
    assert api(stack, server).batch_delete([5]).data == 1
    assert json.loads(server.seen[0].content) == {"ids": [5]}


def test_reveal_key_registers_it_as_a_secret(stack: Stack) -> None:
    server = Server(httpx.Response(200, json={"success": True, "message": "", "data": {"key": KEY}}))
    assert api(stack, server).reveal_key(5) == KEY
    assert stack.redactor.placeholder(KEY) is not None
    assert f"sk-{KEY}" not in stack.redactor.text(f"sk-{KEY}")


def test_reveal_key_failure(stack: Stack) -> None:
    server = Server(httpx.Response(200, json={"success": False, "message": "record not found"}))
    with pytest.raises(TargetError, match="record not found"):
        api(stack, server).reveal_key(5)


KEY_B = KEY[::-1]


def test_reveal_keys_asks_once_and_registers_each_key(stack: Stack) -> None:
    stack.ledger.record(6, "nac-test-b", owner_id=2)
    answer = {"keys": {"5": KEY, "6": KEY_B, "7": "a-key-not-asked-for-0123456789"}}
    server = Server(httpx.Response(200, json={"success": True, "message": "", "data": answer}))
    assert api(stack, server).reveal_keys([5, 6]) == {5: KEY, 6: KEY_B}  # 7 was not asked for
    assert [(r.method, r.url.path) for r in server.seen] == [("POST", "/api/token/batch/keys")]
    assert json.loads(server.seen[0].content) == {"ids": [5, 6]}
    assert stack.redactor.placeholder(KEY) is not None and stack.redactor.placeholder(KEY_B) is not None


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"success": False, "message": "invalid params"}),
        httpx.Response(404, json={"error": {"message": "Invalid URL (POST /api/token/batch/keys)"}}),
        httpx.Response(200, json={"success": True, "message": "", "data": {"keys": ["no", "map"]}}),
        httpx.Response(200, json={"success": True, "message": "", "data": {"keys": {"5": ""}}}),
    ],
)
def test_reveal_keys_gives_nothing_for_a_refusal_or_odd_answer(stack: Stack, answer: httpx.Response) -> None:
    assert api(stack, Server(answer)).reveal_keys([5]) == {}


def test_reveal_key_of_a_foreign_token_is_refused(stack: Stack) -> None:
    server = Server()
    with pytest.raises(GuardRefusal):
        api(stack, server).reveal_key(6)
    assert server.seen == []


@pytest.mark.parametrize(
    ("form", "header"),
    [
        ("bearer-sk", f"Bearer sk-{KEY}"),
        ("bearer", f"Bearer {KEY}"),
        ("lower-bearer-sk", f"bearer sk-{KEY}"),
        ("lower-bearer", f"bearer {KEY}"),
        ("raw", KEY),
        ("raw-sk", f"sk-{KEY}"),
    ],
)
def test_relay_models_key_forms(stack: Stack, form: str, header: str) -> None:
    server = Server()
    api(stack, server).relay_models(KEY, form)
    sent = server.seen[0]
    assert sent.url.path == "/v1/models"
    assert sent.headers["Authorization"] == header and "New-Api-User" not in sent.headers


def test_relay_models_without_a_key(stack: Stack) -> None:
    server = Server()
    api(stack, server).relay_models(None)
    assert "Authorization" not in server.seen[0].headers
    with pytest.raises(ValueError):
        api(stack, server).relay_models(KEY, "x-api-key")


@pytest.mark.parametrize(
    ("call", "path", "query", "headers"),
    [
        (lambda a: a.relay_channel_pin(KEY, "7"), "/v1/models", {}, {"authorization": f"Bearer sk-{KEY}-7"}),
        (lambda a: a.relay_anthropic(KEY), "/v1/models", {}, {"x-api-key": f"sk-{KEY}"}),
        (
            lambda a: a.relay_anthropic(KEY, version=True, model="gpt-4o"),
            "/v1/models/gpt-4o",
            {},
            {"x-api-key": f"sk-{KEY}", "anthropic-version": "2023-06-01"},
        ),
        (lambda a: a.relay_gemini(KEY), "/v1beta/models", {"key": KEY}, {}),
        (
            lambda a: a.relay_gemini(KEY, via="header", path="/v1beta/openai/models"),
            "/v1beta/openai/models",
            {},
            {"x-goog-api-key": KEY},
        ),
        (
            lambda a: a.relay_websocket(KEY),
            "/v1/models",
            {},
            {"sec-websocket-protocol": WS_PROTOCOL},
        ),
        (lambda a: a.relay_midjourney(KEY), "/v1/models", {}, {"mj-api-secret": KEY}),
        (
            lambda a: a.relay_midjourney(KEY, proxy_marker=True),
            "/v1/models",
            {},
            {"authorization": "midjourney-proxy", "mj-api-secret": f"sk-{KEY}"},
        ),
    ],
)
def test_relay_doors_send_the_key_where_the_door_reads_it(stack: Stack, call, path, query, headers) -> None:
    server = Server()
    call(api(stack, server))
    sent = server.seen[0]
    assert sent.method == "GET" and sent.url.path == path and dict(sent.url.params) == query
    assert {name: sent.headers[name] for name in headers} == headers
    assert "New-Api-User" not in sent.headers
    if "authorization" not in headers:
        assert "Authorization" not in sent.headers
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert KEY not in recorded.url + str(recorded.request_headers)


def test_gemini_door_refuses_other_paths(stack: Stack) -> None:
    with pytest.raises(ValueError):
        api(stack, Server()).relay_gemini(KEY, path="/v1/chat/completions")
    with pytest.raises(ValueError):
        api(stack, Server()).relay_gemini(KEY, via="cookie")


def test_the_access_token_is_registered_and_never_recorded(stack: Stack) -> None:
    creds = Credentials(3, "peer+token/abcdefghijklmnopq=")
    api(stack, Server(), creds).list_tokens()
    [recorded] = stack.recorder.take(SESSION_SCOPE)
    assert creds.access_token not in repr(recorded)
    assert recorded.request_headers["authorization"] == "Bearer [REDACTED]"


def test_token_path_suffix() -> None:
    assert token_path(5, "/key") == "/api/token/5/key"


def test_a_wrong_credential_form_is_named() -> None:
    with pytest.raises(ValueError, match="credential form must be 'bearer' or 'raw', not 'basic'"):
        Credentials(7, "tok-tok-tok").headers("basic")


def test_answer_fields_of_an_object_and_of_other_json() -> None:
    full = Answer(200, httpx.Headers(), "", {"success": True, "message": "m", "data": {"id": 1}})
    assert (full.success, full.message, full.data) == (True, "m", {"id": 1})
    listed = Answer(200, httpx.Headers(), "", [{"success": True}])
    assert (listed.success, listed.message, listed.data) == (None, None, None)


def test_dot_segments_are_sent_escaped() -> None:
    assert token_path(".") == "/api/token/%2E"
    assert token_path("..") == "/api/token/%2E%2E"
    assert token_path("a.b") == "/api/token/a.b"


def test_the_users_access_token_is_registered_as_a_secret_and_no_user_is_fine(stack: Stack) -> None:
    creds = Credentials(3, "another-access-token-value")
    api(stack, Server(), creds)
    assert stack.redactor.placeholder(creds.access_token) is not None
    nobody = NewApi(httpx.Client(transport=httpx.MockTransport(Server())), None, redactor=stack.redactor)
    assert nobody.creds is None


def test_an_answer_keeps_the_servers_headers(stack: Stack) -> None:
    server = Server(httpx.Response(200, json={"success": True}, headers={"X-Seen": "1"}))
    answer = api(stack, server).get_token(5)
    assert answer.headers["x-seen"] == "1" and answer.content_type == "application/json"


def test_a_new_token_is_unlimited_and_never_expires_by_default(stack: Stack) -> None:
    server = Server()
    api(stack, server).create_token("nac-test-x")
    assert json.loads(server.seen[0].content) == {
        "name": "nac-test-x",
        "unlimited_quota": True,
        "expired_time": -1,
    }


def test_a_later_page_is_asked_for_with_p(stack: Stack) -> None:
    server = Server()
    api(stack, server).list_tokens(page=2, page_size=50)
    assert server.seen[0].url.params == httpx.QueryParams({"p": "2", "page_size": "50", "size": "50"})


def test_the_ledger_is_told_of_each_delete_answered_success(stack: Stack) -> None:
    told: list[tuple[list[int], int]] = []
    server = Server(
        httpx.Response(200, json={"success": True, "message": ""}),
        httpx.Response(200, json={"success": False, "message": "record not found"}),
        httpx.Response(200, json={"success": True, "message": "", "data": 3}),
        httpx.Response(200, json={"success": False, "message": "x", "data": 1}),
        httpx.Response(200, json={"success": True, "message": "", "data": "1"}),
    )
    client = NewApi(api(stack, server).client, Credentials(2, stack.owner_token), redactor=stack.redactor)
    client._on_deleted = lambda ids, n: told.append((ids, n))
    client.delete_token("+5")
    client.delete_token(5)
    client.batch_delete([5])
    client.batch_delete([5])
    client.batch_delete([5])
    assert told == [([5], 1), ([5], 3)]  # the number the server said it deleted
    first = server.seen[0]
    assert (
        first.url.raw_path == b"/api/token/+5"
        and first.headers["authorization"] == f"Bearer {stack.owner_token}"
    )


def test_on_deleted_given_to_the_constructor_is_called(stack: Stack) -> None:
    told: list[tuple[list[int], int]] = []
    client = NewApi(
        api(stack, Server()).client,
        Credentials(2, stack.owner_token),
        redactor=stack.redactor,
        on_deleted=lambda ids, n: told.append((ids, n)),
    )
    client.delete_token(5)
    assert told == [([5], 1)]


@pytest.mark.parametrize(
    "body",
    [
        {"success": True, "message": "", "data": {}},  # success but no key
        {"success": True, "message": "", "data": {"key": 5}},
        {"success": False, "message": "no", "data": {"key": KEY}},  # a key but no success
    ],
)
def test_reveal_key_needs_success_and_a_key(stack: Stack, body: dict) -> None:
    with pytest.raises(TargetError):
        api(stack, Server(httpx.Response(200, json=body))).reveal_key(5)


def test_reveal_key_failure_shows_200_characters_of_the_answer(stack: Stack) -> None:
    text = "x" * 500
    with pytest.raises(TargetError) as caught:
        api(stack, Server(httpx.Response(500, text=text))).reveal_key(5)
    assert str(caught.value) == f"revealing the key of token 5 failed: HTTP 500, {'x' * 200}"


def test_relay_argument_errors_are_named(stack: Stack) -> None:
    with pytest.raises(ValueError, match=r"relay key form must be one of .*'bearer-sk'.*, not 'x-api-key'"):
        api(stack, Server()).relay_models(KEY, "x-api-key")
    with pytest.raises(ValueError, match="Gemini door: via must be query or header"):
        api(stack, Server()).relay_gemini(KEY, via="cookie")


def test_relay_defaults_pin_channel_1_and_send_no_anthropic_version(stack: Stack) -> None:
    server = Server()
    client = api(stack, server)
    client.relay_channel_pin(KEY)
    client.relay_anthropic(KEY)
    pin, anthropic = server.seen
    assert pin.headers["authorization"] == f"Bearer sk-{KEY}-1"
    assert "anthropic-version" not in anthropic.headers


def _routed(stack: Stack, server: Server, told: list[tuple[str, bool]]) -> NewApi:
    return api(stack, server, on_route=lambda feature, present: told.append((feature, present)))


ROUTER_404 = {"error": {"message": "Invalid URL (POST /api/token/batch)", "type": "invalid_request_error"}}


def test_search_all_reads_every_page_of_a_search(stack: Stack) -> None:
    server = Server(
        httpx.Response(
            200, json={"success": True, "data": {"page_size": 1, "total": 2, "items": [{"id": 9}]}}
        ),
        httpx.Response(
            200, json={"success": True, "data": {"page_size": 1, "total": 2, "items": [{"id": 8}]}}
        ),
    )
    listing = api(stack, server).search_all("nac-%")
    assert listing.complete and [item["id"] for item in listing.tokens] == [9, 8]
    first, second = server.seen
    assert (first.method, first.url.path) == ("GET", "/api/token/search")
    assert first.url.params == httpx.QueryParams({"keyword": "nac-%", "page_size": "100", "size": "100"})
    assert (second.method, second.url.path) == ("GET", "/api/token/search")
    assert second.url.params == httpx.QueryParams(
        {"keyword": "nac-%", "page_size": "100", "size": "100", "p": "2"}
    )


def test_search_all_of_a_refused_search_is_incomplete(stack: Stack) -> None:
    server = Server(httpx.Response(200, json={"success": False, "message": "no"}))
    listing = api(stack, server).search_all("x")
    assert not listing.complete and listing.tokens == () and len(server.seen) == 1


def test_call_sends_json_params_and_extra_headers(stack: Stack) -> None:
    server = Server(httpx.Response(201, json=[1, 2]))
    answer = api(stack, server).call(
        "PUT", "/api/token/", json={"id": 5}, params={"a": "b"}, headers={"X-Extra": "1", "X-Gone": None}
    )
    sent = server.seen[0]
    assert (sent.method, sent.url.path, sent.url.params) == (
        "PUT",
        "/api/token/",
        httpx.QueryParams({"a": "b"}),
    )
    assert json.loads(sent.content) == {"id": 5}
    assert sent.headers["X-Extra"] == "1" and "X-Gone" not in sent.headers
    assert sent.headers["Authorization"] == f"Bearer {stack.owner_token}"
    assert (answer.status, answer.json, answer.text) == (201, [1, 2], "[1,2]")


def test_call_without_credentials_sends_none(stack: Stack) -> None:
    server = Server()
    client = build_client(
        stack.base,
        guard=stack.guard,
        pacer=stack.pacer,
        recorder=stack.recorder,
        redactor=stack.redactor,
        road=stack.road,
        network=httpx.MockTransport(server),
    )
    NewApi(client, None, redactor=stack.redactor).call("GET", "/api/status")
    assert "Authorization" not in server.seen[0].headers and "New-Api-User" not in server.seen[0].headers


@pytest.mark.parametrize(
    ("method", "path", "body", "feature"),
    [
        ("POST", "/api/token/batch", {"ids": [5]}, "batch delete"),
        ("POST", "/api/token/batch/keys", {"ids": [5]}, "batch key reveal"),
        ("POST", "/api/token/5/key", None, "key reveal"),
        ("GET", "/api/token/search", None, "token search"),
    ],
)
def test_an_optional_route_is_reported_present_or_absent(
    stack: Stack, method: str, path: str, body: object, feature: str
) -> None:
    told: list[tuple[str, bool]] = []
    server = Server(httpx.Response(200, json={"success": True}), httpx.Response(404, json=ROUTER_404))
    client = _routed(stack, server, told)
    assert client.call(method, path, json=body).success is True
    with pytest.raises(FeatureAbsent) as raised:
        client.call(method, path, json=body)
    assert raised.value.feature == feature
    assert str(raised.value) == f"this release has no {feature} ({method} {path} answered the router's 404)"
    assert told == [(feature, True), (feature, False)]


def test_other_routes_and_other_404s_are_no_feature_news(stack: Stack) -> None:
    told: list[tuple[str, bool]] = []
    server = Server(
        httpx.Response(404, json=ROUTER_404),  # GET /api/token/batch: not the batch delete route
        httpx.Response(404, json={"success": False, "message": "not found"}),  # a handler's 404
        httpx.Response(404, json=ROUTER_404),  # a route that is not optional
    )
    client = _routed(stack, server, told)
    assert client.call("GET", "/api/token/batch").status == 404
    assert client.call("POST", "/api/token/batch", json={"ids": [5]}).status == 404
    assert client.call("GET", "/api/token/5").status == 404
    assert told == [("batch delete", True)]


def test_an_absent_route_raises_even_with_no_one_to_tell(stack: Stack) -> None:
    server = Server(httpx.Response(404, json=ROUTER_404))
    with pytest.raises(FeatureAbsent):
        api(stack, server).call("POST", "/api/token/batch", json={"ids": [5]})


def test_list_all_reads_the_pages_with_p_from_the_second(stack: Stack) -> None:
    server = Server(
        httpx.Response(
            200, json={"success": True, "data": {"page_size": 1, "total": 2, "items": [{"id": 9}]}}
        ),
        httpx.Response(
            200, json={"success": True, "data": {"page_size": 1, "total": 2, "items": [{"id": 8}]}}
        ),
    )
    listing = api(stack, server).list_all()
    assert listing.complete and listing.ids() == {8, 9}
    first, second = server.seen
    assert (first.method, first.url.path) == ("GET", "/api/token/")
    assert first.url.params == httpx.QueryParams({"page_size": "100", "size": "100"})
    assert second.url.params == httpx.QueryParams({"p": "2", "page_size": "100", "size": "100"})
