"""The owner deletes an own token: the answer, then every place the token must be gone from
(reference §3, §4, §5)."""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field

import pytest

from newapi_contract.client.api import Answer
from newapi_contract.contract.answers import assert_outcome, describe
from newapi_contract.contract.doors import is_refusal
from newapi_contract.contract.probes import (
    assert_readable,
    assert_unreadable,
    comparable_relay_error,
    found_by_search,
    listed,
)
from newapi_contract.contract.revocation import refused_within
from newapi_contract.contract.verdict import require

# A deleted key must stay dead; "a moment later" catches a racing cache refill (ref §4).
LATER_S = 1.5


@pytest.mark.clause("DEL-OWN-1")
def test_owner_delete_answers_success(owner, make_token):
    token = make_token()
    assert_outcome(owner.api.delete_token(token.id), success=True, message="")


@pytest.mark.clause("DEL-OWN-2")
def test_deleted_token_is_gone_from_get(owner, make_token):
    token = make_token()
    assert_readable(owner.api, token.id)
    assert_outcome(owner.api.delete_token(token.id), success=True)
    assert_unreadable(owner.api, token.id)


@pytest.mark.clause("DEL-OWN-3")
def test_deleted_token_is_gone_from_list(owner, make_token):
    token = make_token()
    require(
        listed(owner.api, token.id),
        expected=f"token {token.id} listed before the delete",
        observed="it is not in GET /api/token/ (positive control failed)",
    )
    assert_outcome(owner.api.delete_token(token.id), success=True)
    require(
        not listed(owner.api, token.id),
        expected=f"token {token.id} no longer listed",
        observed="GET /api/token/ still lists it after a successful delete",
    )


@pytest.mark.clause("DEL-OWN-4")
def test_deleted_token_is_gone_from_search(owner, make_token):
    token = make_token()
    require(
        found_by_search(owner.api, token.name, token.id),
        expected=f"search finds {token.name!r} before the delete",
        observed="GET /api/token/search does not find it (positive control failed)",
    )
    assert_outcome(owner.api.delete_token(token.id), success=True)
    require(
        not found_by_search(owner.api, token.name, token.id),
        expected=f"search no longer finds {token.name!r}",
        observed="GET /api/token/search still finds it after a successful delete",
    )


@dataclass(frozen=True)
class KeyThroughDeletion:
    """One key observed on the relay before, at once after, and a moment after its delete."""

    key: str = field(repr=False)
    before: Answer
    delete: Answer
    at_once: Answer
    later: Answer


@pytest.fixture(scope="module")
def key_through_deletion(token_factory, owner, revocation_bound) -> KeyThroughDeletion:
    # Module scope: one key reveal (rate-limited upstream, ref §5) serves both relay clauses.
    token = token_factory()
    key = token.key()
    before = owner.api.relay_models(key)  # also warms any token cache (ref §9)
    delete = owner.api.delete_token(token.id)
    at_once = refused_within(lambda: owner.api.relay_models(key), revocation_bound, is_refusal)
    time.sleep(LATER_S)
    later = owner.api.relay_models(key)
    return KeyThroughDeletion(key, before, delete, at_once, later)


@pytest.mark.clause("DEL-OWN-5")
def test_deleted_key_is_rejected_by_the_relay(key_through_deletion):
    seen = key_through_deletion
    require(
        seen.before.status == 200,
        expected="GET /v1/models with the live key answers 200",
        observed=f"{describe(seen.before)} (positive control failed)",
    )
    assert_outcome(seen.delete, success=True)
    require(
        seen.at_once.status == 401,
        expected="HTTP 401 on the relay within --revocation-bound of the delete's answer",
        observed=describe(seen.at_once),
    )
    require(
        seen.later.status == 401,
        expected=f"HTTP 401 still, {LATER_S} s after the delete",
        observed=describe(seen.later),
    )


@pytest.mark.clause("DEL-OWN-6")
def test_deleted_key_looks_like_a_never_issued_key(owner, key_through_deletion):
    seen = key_through_deletion
    alphabet = string.ascii_letters + string.digits
    never_issued = "".join(secrets.choice(alphabet) for _ in range(48))
    stranger = owner.api.relay_models(never_issued)
    require(
        comparable_relay_error(seen.at_once) == comparable_relay_error(stranger),
        expected="the same relay answer as for a never-issued key (up to the request id)",
        observed=f"deleted key: {describe(seen.at_once)}; never-issued key: {describe(stranger)}",
    )
    require(
        seen.key not in seen.at_once.text and seen.key[-8:] not in seen.at_once.text,
        expected="no key text in the relay's answer",
        observed="the answer quotes the deleted key",
    )
