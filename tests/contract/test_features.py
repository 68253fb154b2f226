"""What the server offers (`contract.features`): detected from one list answer and, on a
release of the ambiguous era, one `GET /api/user/self` without New-Api-User. No sockets."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.contract.expectations import for_server
from newapi_contract.contract.features import Features, detect, full_key

KEY = "Ab3" * 16  # 48 letters and digits: upstream's key shape (ref §5)


def _answer(status: int, body: Any) -> Answer:
    return Answer(status, httpx.Headers(), "", body)


class Api:
    """Answers the list with `listed` and `GET /api/user/self` with `self_answer`."""

    def __init__(self, listed: Any, self_answer: Answer | None = None) -> None:
        self.listed = listed
        self.self_answer = self_answer
        self.calls: list[tuple[str, str, Any]] = []

    def list_tokens(self) -> Answer:
        self.calls.append(("GET", "/api/token/", None))
        return _answer(200, {"success": True, "message": "", "data": self.listed})

    def call(self, method: str, path: str, *, headers: Any = None) -> Answer:
        self.calls.append((method, path, headers))
        assert self.self_answer is not None, "no second request expected"
        return self.self_answer


PAGED = {"page": 1, "page_size": 100, "total": 1, "items": [{"id": 1, "key": "Ab3A**********b3Ab"}]}


def test_current_reads_identity_from_the_credential_alone() -> None:
    api = Api(PAGED)
    features = detect(api, "current")  # type: ignore[arg-type]
    assert not features.checks_new_api_user and features.paged_list
    assert features.keys_in_list is False  # masked keys: revealed
    assert len(api.calls) == 1


def test_a_paged_legacy_release_must_check_new_api_user_whatever_it_does() -> None:
    """Paged lists came in 2025-06, the check in 2025-01: a legacy server with paged lists
    that ignores the header is broken (fault new-api-user-unchecked), not an older release."""
    api = Api(PAGED, _answer(200, {"success": True}))
    features = detect(api, "legacy")  # type: ignore[arg-type]
    assert features.checks_new_api_user
    assert len(api.calls) == 1  # no probe: the era decides


@pytest.mark.parametrize(
    ("self_answer", "checks"),
    [
        (_answer(200, {"success": True, "data": {"id": 2}}), False),  # 2024-12: not checked
        (
            _answer(401, {"success": False, "message": "无权进行此操作，未提供 New-Api-User"}),
            True,
        ),  # 2025-01..06
    ],
)
def test_an_older_release_is_asked(self_answer: Answer, checks: bool) -> None:
    api = Api([{"id": 1, "key": KEY}], self_answer)
    features = detect(api, "legacy")  # type: ignore[arg-type]
    assert features.checks_new_api_user is checks
    assert not features.paged_list and features.keys_in_list is True
    method, path, headers = api.calls[1]
    assert (method, path, headers) == ("GET", "/api/user/self", {"New-Api-User": None})


def test_expectations_follow_the_check() -> None:
    assert for_server("legacy", True).new_api_user_missing is not None
    relaxed = for_server("legacy", False)
    assert relaxed.new_api_user_missing is None and relaxed.new_api_user_mismatch is None
    assert relaxed.missing_authorization.status == 401  # the rest of the legacy row stands


def test_full_key() -> None:
    assert full_key(KEY) == KEY
    assert full_key("Ab3A**********b3Ab") is None
    assert full_key("sk-" + KEY) is None and full_key(None) is None and full_key("short") is None


def test_absent_features_make_clauses_not_applicable() -> None:
    features = Features("legacy", False, False, "observed")
    assert features.absent_reason(("batch", "relay", "search")) is None  # not tried yet
    features.note_absent("batch delete")
    assert "no batch delete" in str(features.absent_reason(("peer", "batch")))
    features.note_keys_in_list(False)
    features.note_absent("key reveal")
    assert "no full key" in str(features.absent_reason(("relay",)))
    features.note_absent("token search")
    assert "no token search" in str(features.absent_reason(("search",)))


def test_keys_in_list_is_kept_once_seen_and_travels_to_workers() -> None:
    features = Features("current", True, False, "why")
    features.note_keys_in_list(True)
    features.note_keys_in_list(False)
    assert features.keys_in_list is True
    copy = Features.from_dict(features.as_dict())
    assert copy.as_dict() == features.as_dict()
    assert any(line.startswith("full keys: in list") for line in copy.describe())
    assert any(line == "batch delete: told by its first use" for line in copy.describe())


def test_describe_states_every_fact_exactly() -> None:
    features = Features("current", True, False, "from the credential")
    features.note_keys_in_list(True)
    features.note_route("batch delete", True)
    features.note_absent("key reveal")
    assert features.describe() == [
        "auth failures: with a code field (current)",
        "token list: paged object, p from 1, page_size or size",
        "New-Api-User: not checked (from the credential)",
        "full keys: in list and GET answers",
        "batch delete: yes",
        "key reveal: absent; batch key reveal: told by its first use",
        "token search: told by its first use",
    ]


def test_describe_a_legacy_server_with_masked_keys() -> None:
    features = Features("legacy", False, True, "observed")
    features.note_keys_in_list(False)
    features.note_absent("batch delete")
    features.note_route("batch key reveal", True)
    features.note_route("token search", True)
    features.note_route("key reveal", True)
    assert features.describe() == [
        "auth failures: no code field (legacy)",
        "token list: bare array, p from 0, size",
        "New-Api-User: checked (observed)",
        "full keys: masked; by key reveal",
        "batch delete: absent",
        "key reveal: yes; batch key reveal: yes",
        "token search: yes",
    ]


def test_describe_before_any_route_or_token_is_seen() -> None:
    lines = Features("legacy", True, True, "why").describe()
    assert lines[3:] == [
        "full keys: seen with the first token",
        "batch delete: told by its first use",
        "key reveal: told by its first use; batch key reveal: told by its first use",
        "token search: told by its first use",
    ]
    searchless = Features("legacy", True, False, "x")
    searchless.note_absent("token search")
    assert searchless.describe()[-1] == "token search: absent"


def test_absent_reasons_are_exact_and_need_the_feature() -> None:
    features = Features("current", True, False, "why")
    features.note_absent("batch delete")
    features.note_absent("token search")
    features.note_absent("key reveal")
    features.note_absent("batch key reveal")
    assert features.absent_reason(("batch",)) == (
        "not applicable: this release has no batch delete (POST /api/token/batch)"
    )
    assert features.absent_reason(("search",)) == "not applicable: this release has no token search"
    assert features.absent_reason(("relay",)) is None  # keys in lists not seen yet
    features.note_keys_in_list(False)
    assert features.absent_reason(("relay",)) == (
        "not applicable: this release gives no full key (masked in lists, no key reveal)"
    )
    assert features.absent_reason(("peer",)) is None
    assert features.absent_reason(()) is None


def test_relay_stands_while_either_way_to_a_full_key_remains() -> None:
    listed = Features("current", True, False, "why")
    listed.note_keys_in_list(True)
    listed.note_absent("key reveal")
    assert listed.absent_reason(("relay",)) is None
    revealing = Features("current", True, False, "why")
    revealing.note_keys_in_list(False)
    revealing.note_route("key reveal", True)
    assert revealing.absent_reason(("relay",)) is None
    untried = Features("current", True, False, "why")
    untried.note_keys_in_list(False)
    assert untried.absent_reason(("relay",)) is None
    present = Features("current", True, False, "why")
    present.note_route("batch delete", True)
    present.note_route("token search", True)
    assert present.absent_reason(("batch", "search")) is None


def test_detect_states_exact_reasons_and_key_sighting() -> None:
    current = detect(Api(PAGED), "current")  # type: ignore[arg-type]
    assert (current.generation, current.paged_list) == ("current", True)
    assert current.checks_new_api_user is False
    assert current.new_api_user_reason == "this generation reads identity from the credential alone"
    paged = detect(Api(PAGED), "legacy")  # type: ignore[arg-type]
    assert (paged.generation, paged.checks_new_api_user) == ("legacy", True)
    assert paged.new_api_user_reason == (
        "a release with paged token lists (2025-06 on) checks it (530e846a, 2025-01)"
    )
    older = detect(Api([{"id": 1, "key": KEY}], _answer(200, {"success": True})), "legacy")  # type: ignore[arg-type]
    assert older.paged_list is False and older.checks_new_api_user is False
    assert older.new_api_user_reason == (
        "observed on this release (older than 2025-06; new-api checks it from 2025-01-05, 530e846a)"
    )
    # A bare-array release predates batch delete and the key reveals: absent from the start.
    assert older.routes == {
        "batch delete": False,
        "key reveal": False,
        "batch key reveal": False,
        "token search": None,
    }
    assert (
        older.absent_reason(("batch",))
        == "not applicable: this release has no batch delete (POST /api/token/batch)"
    )
    assert (
        paged.routes["batch delete"] is None and paged.absent_reason(("batch",)) is None
    )  # told by first use


@pytest.mark.parametrize(
    ("self_answer", "checks"),
    [
        (_answer(200, {"success": False}), True),
        (_answer(200, {"success": "true"}), True),
        (_answer(201, {"success": True}), True),
        (_answer(200, {"success": True}), False),
    ],
)
def test_only_a_plain_success_means_unchecked(self_answer: Answer, checks: bool) -> None:
    features = detect(Api([], self_answer), "legacy")  # type: ignore[arg-type]
    assert features.checks_new_api_user is checks
    assert features.keys_in_list is None  # no token listed: not seen


def test_keys_in_list_needs_every_listed_key_whole() -> None:
    mixed = [{"id": 1, "key": KEY}, {"id": 2, "key": "Ab3A**********b3Ab"}, {"id": 3}]
    features = detect(Api(mixed, _answer(401, {"success": False})), "legacy")  # type: ignore[arg-type]
    assert features.keys_in_list is False
    whole = [{"id": 1, "key": KEY}, {"id": 3}]
    assert detect(Api(whole, _answer(401, {})), "legacy").keys_in_list is True  # type: ignore[arg-type]
    keyless = {"page": 1, "page_size": 100, "total": 1, "items": [{"id": 3}]}
    assert detect(Api(keyless), "current").keys_in_list is None  # type: ignore[arg-type]


def test_full_key_length_and_alphabet_bounds() -> None:
    assert full_key("a" * 32) == "a" * 32
    assert full_key("a" * 31) is None
    assert full_key("a" * 31 + "-") is None
    assert full_key(12345678901234567890123456789012345) is None


def test_a_paged_release_is_not_said_to_read_page_size() -> None:
    """2025-06-12 to 2025-07-14 (e.g. 2a1ed607) answered paged objects but read only `size`
    (controller/token.go GetAllTokens); the suite sends both and must not claim `page_size`."""
    features = Features("legacy", True, True, "paged")
    assert "token list: paged object, p from 1, page_size or size" in features.describe()
    assert "token list: paged object, p from 1, page_size" not in features.describe()
