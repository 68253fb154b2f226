"""The owner deletes an own token: the answer, then every place the token must be gone from
(reference §3, §4, §5).

One token is observed through the whole deletion, and each clause judges its part of what was
seen: requests are what a rate-limited staging server counts (one window of upstream's
legacy limit is 180), and a key reveal draws on the critical limit (20 per 20 minutes).
Every "gone" is checked next to a positive control taken just before the delete.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass, field

import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.ledger import Sighting
from newapi_contract.client.listing import Listing
from newapi_contract.client.recording import Observation
from newapi_contract.contract.answers import NOT_FOUND, assert_outcome, describe
from newapi_contract.contract.doors import is_refusal
from newapi_contract.contract.probes import (
    comparable_relay_error,
    items,
    require_alive_before,
    require_listing,
)
from newapi_contract.contract.revocation import LATER_S, refused_within
from newapi_contract.contract.verdict import require


@dataclass(frozen=True)
class Deletion:
    """One token of the owner, seen before, at once after, and a moment after its delete."""

    token_id: int
    name: str
    key: str = field(repr=False)
    relay_before: Answer
    get_before: Answer
    # The list's positive control, from the run's model (`client.ledger`): the last list
    # answer that showed the token alive before its delete (one request fewer: the factory's
    # own list found it when it was made).
    listed_before: Sighting | None
    search_before: Answer
    delete: Answer
    relay_at_once: Answer
    get_after: Answer
    list_after: Listing
    search_after: Answer
    relay_later: Answer
    relay_never_issued: Answer
    observation: Observation = field(repr=False)  # its exchanges, shown in each clause's report


def _never_issued_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(48))  # upstream's key shape (ref §5)


@pytest.fixture(scope="module")
def deletion(token_factory, owner, revocation_bound, recorder, ledger) -> Deletion:
    token = token_factory.keyed()
    observation = Observation(recorder, "the owner's deletion")
    with observation.recording():
        return _observe(token, owner.api, revocation_bound, observation, ledger)


def _listed_before(ledger, token_id: int) -> Sighting | None:
    """The model's last sighting of the token in a list answer."""
    return next((t.last_listed for t in ledger.model() if t.token_id == token_id), None)


def _observe(token, api, revocation_bound: float, observation: Observation, ledger) -> Deletion:
    key = token.key()
    relay_before = api.relay_models(key)  # also warms any token cache (ref §9)
    get_before, list_before = api.get_token(token.id), _listed_before(ledger, token.id)
    search_before = api.search_tokens(token.name)
    delete = api.delete_token(token.id)
    # The very next request, then more within --revocation-bound (0: that one alone must be
    # refused): a Redis-backed legacy server evicts just after the delete (ref §4).
    relay_at_once = refused_within(lambda: api.relay_models(key), revocation_bound, is_refusal)
    get_after, list_after = api.get_token(token.id), api.list_all()
    search_after = api.search_tokens(token.name)
    time.sleep(LATER_S)
    relay_later = api.relay_models(key)
    return Deletion(
        token.id,
        token.name,
        key,
        relay_before,
        get_before,
        list_before,
        search_before,
        delete,
        relay_at_once,
        get_after,
        list_after,
        search_after,
        relay_later,
        api.relay_models(_never_issued_key()),
        observation,
    )


def _has(answer: Answer, token_id: int) -> bool:
    return any(item.get("id") == token_id for item in items(answer))


def _require_success(answer: Answer, what: str) -> None:
    require(
        answer.status == 200 and answer.success is True,
        expected=f"{what} answers success:true",
        observed=describe(answer),
        answer=answer,
    )


@pytest.mark.clause("DEL-OWN-1")
def test_owner_delete_answers_success(deletion):
    require_alive_before(deletion.token_id, before="the owner's delete", get=deletion.get_before)
    assert_outcome(deletion.delete, success=True, message="")


@pytest.mark.clause("DEL-OWN-2")
def test_deleted_token_is_gone_from_get(deletion):
    seen = deletion
    require_alive_before(seen.token_id, before="the owner's delete", get=seen.get_before)
    assert_outcome(seen.delete, success=True)
    assert_outcome(seen.get_after, success=False, message=NOT_FOUND)


@pytest.mark.clause("DEL-OWN-3")
def test_deleted_token_is_gone_from_list(deletion):
    seen = deletion
    require_alive_before(seen.token_id, before="the owner's delete", get=seen.get_before)
    require(
        seen.listed_before is not None,
        expected=f"token {seen.token_id} listed before the delete",
        observed="no list answer of the run showed it (positive control failed)",
    )
    assert_outcome(seen.delete, success=True)
    require(
        not require_listing(seen.list_after).has(seen.token_id),
        expected=f"token {seen.token_id} no longer listed",
        observed="GET /api/token/ still lists it after a successful delete",
        answer=seen.list_after.last,
    )


@pytest.mark.clause("DEL-OWN-4")
def test_deleted_token_is_gone_from_search(deletion):
    seen = deletion
    require_alive_before(seen.token_id, before="the owner's delete", get=seen.get_before)
    _require_success(seen.search_before, "GET /api/token/search")
    require(
        _has(seen.search_before, seen.token_id),
        expected=f"search finds {seen.name!r} before the delete",
        observed="GET /api/token/search does not find it (positive control failed)",
        answer=seen.search_before,
    )
    assert_outcome(seen.delete, success=True)
    _require_success(seen.search_after, "GET /api/token/search")
    require(
        not _has(seen.search_after, seen.token_id),
        expected=f"search no longer finds {seen.name!r}",
        observed="GET /api/token/search still finds it after a successful delete",
        answer=seen.search_after,
    )


@pytest.mark.clause("DEL-OWN-5")
def test_deleted_key_is_rejected_by_the_relay(deletion):
    seen = deletion
    require_alive_before(
        seen.token_id, before="the owner's delete", get=seen.get_before, relay=seen.relay_before
    )
    assert_outcome(seen.delete, success=True)
    require(
        seen.relay_at_once.status == 401,
        expected="HTTP 401 on the relay within --revocation-bound of the delete's answer",
        observed=describe(seen.relay_at_once),
        answer=seen.relay_at_once,
    )
    require(
        seen.relay_later.status == 401,
        expected=f"HTTP 401 still, {LATER_S} s after the delete",
        observed=describe(seen.relay_later),
        answer=seen.relay_later,
    )


@pytest.mark.clause("DEL-OWN-6")
def test_deleted_key_looks_like_a_never_issued_key(deletion):
    seen = deletion
    require(
        comparable_relay_error(seen.relay_at_once) == comparable_relay_error(seen.relay_never_issued),
        expected="the same relay answer as for a never-issued key (up to the request id)",
        observed=(
            f"deleted key: {describe(seen.relay_at_once)}; "
            f"never-issued key: {describe(seen.relay_never_issued)}"
        ),
        answer=seen.relay_at_once,
    )
    require(
        seen.key not in seen.relay_at_once.text and seen.key[-8:] not in seen.relay_at_once.text,
        expected="no key text in the relay's answer",
        observed="the answer quotes the deleted key",
        answer=seen.relay_at_once,
    )
