"""The guard: one policy, judged the way the server reads the request."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newapi_contract.client.guard import Guard
from newapi_contract.client.ids import MAX_INT64, is_harmless, plausible_targets, token_id_acted_on
from newapi_contract.client.ledger import Ledger
from newapi_contract.errors import GuardRefusal

BASE = "http://127.0.0.1:3000"
OWNED = (5, 7, 12)
# Tokens of sibling processes of the run (xdist workers): never deleted by this process, but
# a broken server that lands on one of them harms nobody else. They fence the owned ids.
KIN = (4, 6, 8, 11, 13)


def _owned_ledger() -> Ledger:
    ledger = Ledger("nac-test-")
    for token_id in OWNED:
        ledger.record(token_id, f"nac-test-{token_id}", owner_id=2)
    ledger.note_kin(set(KIN))
    return ledger


@pytest.fixture
def guard() -> Guard:
    return Guard(_owned_ledger(), BASE)


def admitted(guard: Guard, method: str, path: str, body: object = None) -> bool:
    data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
    try:
        guard.admit(method, BASE + path, data)
    except GuardRefusal:
        return False
    return True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/status", None),
        ("GET", "/api/setup", None),
        ("GET", "/api/user/self", None),
        ("GET", "/api/user/token", None),
        ("GET", "/api/token/?p=1&page_size=100", None),
        ("GET", "/api/token", None),
        ("GET", "/api/token/search?keyword=nac", None),
        ("GET", "/api/token/999", None),  # reading a foreign id is harmless
        ("GET", "/api/token/abc/", None),
        ("GET", "/v1/models", None),
        ("GET", "/v1/models/gpt-4o", None),
        ("GET", "/v1beta/models?key=x", None),
        ("GET", "/v1beta/openai/models", None),
        ("get", "/api/status", None),
        ("POST", "/api/setup", {"username": "root", "password": "12345678"}),
        ("POST", "/api/user/login", {"username": "a", "password": "b"}),
        ("POST", "/api/user/register", {"username": "a", "password": "b"}),
        ("POST", "/api/user/", {"username": "a", "password": "b"}),
        ("POST", "/api/token/", {"name": "nac-test-x", "id": 999}),  # create ignores id
        ("POST", "/api/token/5/key", None),
        ("POST", "/api/token/batch", {"ids": [5, 7]}),
        ("POST", "/api/token/batch", {"ids": []}),
        ("POST", "/api/token/batch", {}),  # nothing to delete: "Invalid parameters"
        ("POST", "/api/token/batch/keys", {"ids": [12]}),
        ("PUT", "/api/token/", {"id": 5, "name": "x"}),
        ("PUT", "/api/token/?status_only=1", {"id": 7, "status": 2}),
    ],
)
def test_admits_the_routes_the_suite_uses(guard: Guard, method: str, path: str, body: object) -> None:
    assert admitted(guard, method, path, body)
    assert guard.refusals == []


@pytest.mark.parametrize(
    ("segment", "ok"),
    [
        ("5", True),
        ("7", True),
        ("6", False),
        ("+5", True),  # acts on 5, owned
        ("+6", False),  # acts on 6
        ("007", True),
        ("006", False),
        ("%2B5", True),
        ("%2B6", False),
        ("%2b6", False),
        ("%36", False),  # "6"
        ("%30", True),  # "0": no row
        ("0", True),
        ("-6", True),  # negative: no row; sign dropped: 6, a sibling's
        ("-9", False),  # a server that drops the sign acts on 9
        ("abc", True),  # parse error: 0
        ("1e3", False),  # parse error: 0, but truncated or read as a float: 1 or 1000
        ("5e0", True),
        ("1.5", False),
        ("5.5", True),
        ("%D9%A3", False),  # Arabic-Indic 3: parse error for Go, 3 for Python's int()
        ("%D9%A5", True),  # Arabic-Indic 5
        ("0x5", True),
        ("0x10", False),  # 16 in hex
        ("0012", False),  # 12 for Go's Atoi, 10 read as octal
        ("99999999999999999999", False),  # clamps to MaxInt64, wraps to a real-looking id
        (str(MAX_INT64), True),
        (str(5 + 5421010862 * 2**64), True),  # overflows, and wraps onto token 5
        ("-99999999999999999999", False),
        ("search", True),  # DELETE /api/token/search reaches DeleteToken with "search"
        ("batch", True),
    ],
)
def test_delete_judges_the_id_the_server_acts_on(guard: Guard, segment: str, ok: bool) -> None:
    assert admitted(guard, "DELETE", f"/api/token/{segment}") is ok
    assert admitted(guard, "DELETE", f"/api/token/{segment}/") is ok  # gin's 307 hop


@pytest.mark.parametrize(
    ("method", "url", "why"),
    [
        ("DELETE", "http://127.0.0.1:3001/api/token/5", "foreign origin"),
        ("DELETE", "https://127.0.0.1:3000/api/token/5", "foreign origin"),
        ("GET", "http://localhost:3000/api/status", "foreign origin"),
        ("GET", "http://example.com/api/status", "foreign origin"),
        ("POST", BASE + "/api/user/manage", "route not allowed"),
        ("DELETE", BASE + "/api/token/", "route not allowed"),
        ("DELETE", BASE + "/api/token", "route not allowed"),
        ("DELETE", BASE + "/api/token/5/key", "route not allowed"),
        ("DELETE", BASE + "/api/token/5//", "empty path segment"),
        ("DELETE", BASE + "/api//token/5", "empty path segment"),
        ("DELETE", BASE + "/api/token/./5", "dot segment"),
        ("DELETE", BASE + "/api/token/../token/6", "dot segment"),
        ("DELETE", BASE + "/api/token/%2E%2E", "dot segment"),
        ("DELETE", BASE + "/api/token/5%2F6", "encoded slash"),
        ("DELETE", BASE + "/api/token/%2f6", "encoded slash"),
        ("DELETE", BASE + "/api/token/%zz", "bad percent-escape"),
        ("PATCH", BASE + "/api/token/5", "route not allowed"),
        ("PUT", BASE + "/api/token/5", "route not allowed"),
        ("POST", BASE + "/api/token", "route not allowed"),
        ("GET", BASE + "/api/user/", "route not allowed"),
        ("GET", BASE + "/api/token/5/key", "route not allowed"),
        ("HEAD", BASE + "/api/status", "route not allowed"),
        ("POST", BASE + "/api/token/6/key", "token 6 is not in the ledger"),
        ("POST", BASE + "/api/token/%2B6/key", "token 6 is not in the ledger"),
        ("POST", BASE + "/api/token/0/key", "token 0 is not in the ledger"),
        ("DELETE", BASE + "/api/%74oken/6", "token 6 is not in the ledger"),  # routed decoded
    ],
)
def test_refusals(guard: Guard, method: str, url: str, why: str) -> None:
    with pytest.raises(GuardRefusal, match=why) as refused:
        guard.admit(method, url, None)
    assert str(refused.value).endswith(f": {method} {urlsplit(url).path}")
    assert guard.refusals == [str(refused.value)]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/token/", {"id": 6}),
        ("PUT", "/api/token/", {"name": "x"}),  # no id: cannot tell what it updates
        ("PUT", "/api/token/", {"id": "5"}),
        ("PUT", "/api/token/", {"id": True}),
        ("PUT", "/api/token/", {"id": 5.0}),
        ("PUT", "/api/token/", [5]),
        ("PUT", "/api/token/", b"{not json"),
        ("PUT", "/api/token/", None),
        ("PUT", "/api/token/", b'{"id": 5, "ID": 6}'),  # Go matches field names case-insensitively
        ("PUT", "/api/token/", b'{"Id": 6}'),
        ("POST", "/api/token/batch", {"ids": [5, 6]}),
        ("POST", "/api/token/batch", {"ids": ["5"]}),
        ("POST", "/api/token/batch", {"ids": 5}),
        ("POST", "/api/token/batch", {"ids": [5], "IDS": [6]}),
        ("POST", "/api/token/batch", {"ids": [5], "idſ": [6]}),  # long s folds to s
        ("POST", "/api/token/batch", b""),
        ("POST", "/api/token/batch/keys", {"ids": [6]}),
        ("POST", "/api/token/batch/keys", b"[]"),
    ],
)
def test_bodies_must_name_only_ledger_ids(guard: Guard, method: str, path: str, body: object) -> None:
    assert not admitted(guard, method, path, body)
    assert len(guard.refusals) == 1


def test_duplicate_keys_are_all_judged(guard: Guard) -> None:
    # Go's decoder keeps the last duplicate, as Python's does: both must be owned anyway.
    assert not admitted(guard, "PUT", "/api/token/", b'{"id": 6, "id": 5}')
    assert admitted(guard, "PUT", "/api/token/", b'{"id": 7, "id": 5}')


def test_origin_default_ports_are_the_same_origin() -> None:
    guard = Guard(Ledger("p-"), "http://staging.example:80/")
    guard.admit("GET", "http://STAGING.example/api/status", None)
    with pytest.raises(GuardRefusal):
        guard.admit("GET", "http://staging.example:8080/api/status", None)


def test_the_ledger_is_read_live(guard: Guard) -> None:
    assert not admitted(guard, "DELETE", "/api/token/40")
    for token_id in (39, 40, 41):
        guard._ledger.record(token_id, f"nac-test-{token_id}", 2)
    assert admitted(guard, "DELETE", "/api/token/40")


def test_a_token_without_known_neighbours_is_not_deleted() -> None:
    ledger = Ledger("nac-test-")
    ledger.record(20, "nac-test-20", 2)
    guard = Guard(ledger, BASE)
    assert not admitted(guard, "DELETE", "/api/token/20")  # 19 and 21 may be anyone's
    assert "off-by-one" in guard.refusals[0]
    ledger.record(21, "nac-test-21", 2)
    ledger.note_kin({19})
    assert admitted(guard, "DELETE", "/api/token/20")


# Segments as a client could put them on the wire: printable ASCII and percent-escapes.
_segment_chars = st.one_of(
    st.sampled_from("0123456789+-%eE.xab_~!$&'()*,;=:@"),
    st.integers(0, 255).map(lambda b: f"%{b:02X}"),
    st.sampled_from(["%2B", "%2b", "%2D", "%30", "%35", "%36", "%37"]),
)


@given(segment=st.lists(_segment_chars, min_size=1, max_size=25).map("".join))
def test_property_delete_admitted_only_for_harmless_or_owned_ids(segment: str) -> None:
    guard = Guard(_owned_ledger(), BASE)
    try:
        guard.admit("DELETE", f"{BASE}/api/token/{segment}", None)
    except GuardRefusal:
        return
    acted_on = token_id_acted_on(segment)
    assert is_harmless(acted_on) or acted_on in OWNED
    known = set(OWNED) | set(KIN)
    assert all(is_harmless(t) or t in known for t in plausible_targets(segment))


@given(n=st.integers(min_value=-(10**25), max_value=10**25), zeros=st.integers(0, 3))
def test_property_numbers_in_any_spelling(n: int, zeros: int) -> None:
    guard = Guard(_owned_ledger(), BASE)
    digits = "0" * zeros + str(abs(n))
    known = set(OWNED) | set(KIN)
    for segment in (str(n), ("-" if n < 0 else "+") + digits, "".join(f"%{ord(c):02X}" for c in str(n))):
        acted_on = token_id_acted_on(segment)
        safe = (is_harmless(acted_on) or acted_on in OWNED) and all(
            is_harmless(t) or t in known for t in plausible_targets(segment)
        )
        assert admitted(guard, "DELETE", f"/api/token/{segment}") is safe


def test_only_the_overflow_clamp_itself_is_harmless_at_the_top_of_int64(guard: Guard) -> None:
    # No row has id <= 0 or MaxInt64 (the clamp); MaxInt64 - 1 could be a real row.
    assert is_harmless(0) and is_harmless(-1) and is_harmless(MAX_INT64)
    assert not is_harmless(1) and not is_harmless(MAX_INT64 - 1)
    assert admitted(guard, "DELETE", "/api/token/9223372036854775808")  # clamps to MaxInt64
    assert admitted(guard, "DELETE", "/api/token/9223372036854775807")
    assert not admitted(guard, "DELETE", "/api/token/9223372036854775806")
    assert not admitted(guard, "DELETE", "/api/token/1")
    assert admitted(guard, "DELETE", "/api/token/0")


@pytest.mark.parametrize(
    ("method", "url", "body", "message"),
    [
        ("DELETE", "http://127.0.0.1:3001/api/token/5", None, "foreign origin: DELETE /api/token/5"),
        ("GET", "http://127.0.0.1:99999/api/status", None, "unparseable URL: GET /api/status"),
        ("DELETE", BASE + "/api/token/5//", None, "empty path segment: DELETE /api/token/5//"),
        ("DELETE", BASE + "/api/token/%zz", None, "bad percent-escape in path: DELETE /api/token/%zz"),
        (
            "DELETE",
            BASE + "/api/token/./5",
            None,
            "dot segment or encoded slash in path: DELETE /api/token/./5",
        ),
        ("POST", BASE + "/api/user/manage", None, "route not allowed: POST /api/user/manage"),
        ("GET", BASE, None, "route not allowed: GET /"),
        ("PUT", BASE + "/api/token/", b"{not json", "unparseable JSON body: PUT /api/token/"),
        ("PUT", BASE + "/api/token/", b"[5]", "JSON body is not an object: PUT /api/token/"),
    ],
)
def test_refusals_word_for_word(
    guard: Guard, method: str, url: str, body: bytes | None, message: str
) -> None:
    with pytest.raises(GuardRefusal) as refused:
        guard.admit(method, url, body)
    assert str(refused.value) == message


def test_an_unknown_schemes_default_port_is_no_port() -> None:
    guard = Guard(Ledger("p-"), "ftp://staging.example/")
    guard.admit("GET", "ftp://staging.example/api/status", None)
    with pytest.raises(GuardRefusal, match="foreign origin"):
        guard.admit("GET", "ftp://staging.example:1/api/status", None)


@pytest.mark.parametrize(("known", "outside"), [(19, 21), (21, 19)])
def test_each_neighbour_of_a_deleted_id_must_be_known(known: int, outside: int) -> None:
    ledger = Ledger("nac-test-")
    ledger.record(20, "nac-test-20", 2)
    ledger.note_kin({known})
    guard = Guard(ledger, BASE)
    with pytest.raises(GuardRefusal) as refused:
        guard.admit("DELETE", BASE + "/api/token/20", None)
    assert f"an off-by-one server would act on [{outside}], outside the ledger" in str(refused.value)
