"""POST /api/token/batch: own ids deleted, others skipped, the count right (reference §3), and
the full effect of single deletes (issue 18): gone from GET, the list and search, and the keys
dead on the relay within the revocation bound.

One batch is observed (module fixture) and judged by DEL-BATCH-1 (the answer and GET) and
DEL-ALL-4 (every place a deleted token must be gone from): requests are what a rate-limited
staging server counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.listing import Listing
from newapi_contract.client.recording import Observation
from newapi_contract.contract.answers import NOT_FOUND, assert_outcome, describe
from newapi_contract.contract.doors import is_refusal
from newapi_contract.contract.probes import (
    assert_readable,
    assert_unreadable,
    require_alive_before,
    require_listing,
)
from newapi_contract.contract.revocation import refused_within
from newapi_contract.contract.verdict import Violations, require
from newapi_contract.errors import FeatureAbsent


@dataclass
class Batch:
    """Two keyed tokens batch-deleted (with an id deleted before), one kept beside them."""

    first: object
    second: object
    kept: object
    gone_before: object
    keys: dict[int, str] = field(repr=False)
    relay_before: dict[int, Answer]
    # GET of each token whose key the relay refused before the batch (the positive control's
    # second look, asked only then: taken before the batch, so it tells an earlier removal).
    get_before: dict[int, Answer]
    single: Answer
    answer: Answer
    relay_after: dict[int, Answer]
    get_after: dict[int, Answer]
    list_after: Listing
    search_after: Listing | None  # None: this release has no search
    observation: Observation = field(repr=False)


@pytest.fixture(scope="module")
def batch(owner, token_factory, revocation_bound, recorder, run_context) -> Batch:
    first, second = token_factory.keyed(), token_factory.keyed()
    gone_before, kept = token_factory.many(2)
    keys = {token.id: token.key() for token in (first, second)}
    observation = Observation(recorder, "a batch delete")
    api = owner.api
    with observation.recording():
        relay_before = {tid: api.relay_models(key) for tid, key in keys.items()}  # warms any cache
        get_before = {tid: api.get_token(tid) for tid, seen in relay_before.items() if seen.status != 200}
        single = api.delete_token(gone_before.id)
        answer = api.batch_delete([first.id, second.id, gone_before.id])
        relay_after = {
            tid: refused_within(lambda key=key: api.relay_models(key), revocation_bound, is_refusal)
            for tid, key in keys.items()
        }
        get_after = {token.id: api.get_token(token.id) for token in (first, second)}
        list_after = api.list_all()
        try:
            search_after: Listing | None = api.search_all(run_context.run_prefix + "%")
        except FeatureAbsent:
            search_after = None
    return Batch(
        first,
        second,
        kept,
        gone_before,
        keys,
        relay_before,
        get_before,
        single,
        answer,
        relay_after,
        get_after,
        list_after,
        search_after,
        observation,
    )


@pytest.mark.clause("DEL-BATCH-1")
def test_batch_deletes_own_ids_and_counts_them(batch):
    assert_outcome(batch.single, success=True)
    answer = batch.answer
    assert_outcome(answer, success=True, message="")
    require(
        answer.data == 2,
        expected='"data": 2 (two live own ids; the deleted one skipped)',
        observed=describe(answer),
        answer=answer,
    )
    assert_outcome(batch.get_after[batch.first.id], success=False, message=NOT_FOUND)
    assert_outcome(batch.get_after[batch.second.id], success=False, message=NOT_FOUND)
    listing = require_listing(batch.list_after)
    require(
        listing.has(batch.kept.id),
        expected=f"token {batch.kept.id}, not in the batch, still listed",
        observed="the list leaves it out after the batch",
        answer=listing.last,
    )


@pytest.mark.clause("DEL-ALL-4")
def test_batch_delete_has_the_full_effect_of_single_deletes(batch, revocation_bound):
    assert_outcome(batch.answer, success=True)
    gone = (batch.first, batch.second)
    for token in gone:
        require_alive_before(
            token.id,
            before="the batch",
            relay=batch.relay_before[token.id],
            get=batch.get_before.get(token.id),
        )
    listing = require_listing(batch.list_after)
    require(
        listing.has(batch.kept.id),
        expected=f"token {batch.kept.id}, not in the batch, still listed",
        observed="the list leaves it out (positive control failed)",
        answer=listing.last,
    )
    found = Violations()
    for token in gone:
        with found.case(f"token {token.id} GET"):
            assert_outcome(batch.get_after[token.id], success=False, message=NOT_FOUND)
        with found.case(f"token {token.id} list"):
            require(
                not listing.has(token.id),
                expected=f"token {token.id} gone from GET /api/token/ after the batch",
                observed="the list still shows it after a batch delete answered success",
                answer=listing.last,
            )
        search = batch.search_after
        if search is not None and search.complete and search.has(batch.kept.id):  # positive control
            with found.case(f"token {token.id} search"):
                require(
                    not search.has(token.id),
                    expected=f"search no longer finds token {token.id}",
                    observed="GET /api/token/search still finds it after a batch delete answered success",
                    answer=search.last,
                )
        with found.case(f"token {token.id} key"):
            relay = batch.relay_after[token.id]
            require(
                relay.status == 401,
                expected=(
                    f"the key of token {token.id} refused by the relay (HTTP 401) within "
                    f"--revocation-bound ({revocation_bound:g} s) of the batch's answer"
                ),
                observed=describe(relay),
                answer=relay,
            )
    found.raise_if_any()


@pytest.mark.clause("DEL-BATCH-2")
def test_batch_never_deletes_another_users_token(owner, peer, make_token):
    mine_a, mine_b = make_token.many(2)
    theirs = make_token(peer)
    answer = peer.api.batch_delete([mine_a.id, mine_b.id, theirs.id])
    assert_outcome(answer, success=True)
    require(
        answer.data == 1,
        expected='"data": 1 (only the peer\'s own token)',
        observed=describe(answer),
        answer=answer,
    )
    assert_readable(owner.api, mine_a.id)
    assert_readable(owner.api, mine_b.id)
    assert_unreadable(peer.api, theirs.id)
