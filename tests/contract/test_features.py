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
