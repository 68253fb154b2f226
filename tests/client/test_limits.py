"""Which limiters a request counts against (client/limits.py): a healthy and a wrong answer each."""

from __future__ import annotations

import hashlib

import pytest

from newapi_contract.client.limits import BUCKETS, bucket_of, buckets_for


def _tag(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def _search_key(headers: dict[str, str]) -> str:
    keys = buckets_for("GET", "/api/token/search", headers)
    assert keys[0] == "global" and keys[1].startswith("search:")
    return keys[1].removeprefix("search:")


@pytest.mark.parametrize("header", ["authorization", "Authorization"])
def test_search_is_tagged_by_the_credential_in_either_spelling(header: str) -> None:
    tag = _search_key({header: "Bearer one"})
    assert tag == _tag("Bearer one") and len(tag) == 12
    assert tag != _search_key({header: "Bearer two"})  # per user, not one shared bucket


def test_search_without_a_credential_is_the_empty_credentials_tag() -> None:
    assert _search_key({}) == hashlib.sha256(b"").hexdigest()[:12]


def test_a_credential_that_is_no_valid_utf8_still_gets_a_tag() -> None:
    # a header decoded with surrogateescape carries lone surrogates; strict encoding would raise
    assert _search_key({"Authorization": "Bearer \udcff"}) == _tag("Bearer \udcff")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v1/chat/completions", ()),
        ("POST", "/api-docs/x", ()),
        ("GET", "/api/token/", ("global",)),
        ("DELETE", "/api/token/5", ("global",)),
        ("POST", "/api/user/login", ("global", "critical")),
        ("post", "/api/user/register/", ("global", "critical")),
        ("GET", "/api/user/login", ("global",)),  # the right route but the wrong method
        ("POST", "/api/token/", ("global",)),  # the right method but no critical route
        ("POST", "/api/token/7/key", ("global", "critical")),
        ("GET", "/api/user/token", ("global", "critical")),
        ("POST", "/api/token/search", ("global",)),  # search is limited on GET only
    ],
)
def test_buckets_of_a_request(method: str, path: str, expected: tuple[str, ...]) -> None:
    assert buckets_for(method, path, {}) == expected


def test_search_in_lower_case_is_still_the_search_limiter() -> None:
    assert buckets_for("get", "/api/token/search", {}) == ("global", f"search:{_tag('')}")


def test_a_key_names_its_limiter() -> None:
    assert bucket_of("global") is BUCKETS["global"]
    assert bucket_of("critical") is BUCKETS["critical"]
    assert bucket_of(f"search:{_tag('x')}") is BUCKETS["search"]
    with pytest.raises(KeyError):
        bucket_of("relay")
