"""POST /api/token/batch: own ids deleted, others skipped, the count right (reference §3)."""

from __future__ import annotations

import pytest

from newapi_contract.contract.answers import assert_outcome, describe
from newapi_contract.contract.probes import assert_readable, assert_unreadable
from newapi_contract.contract.verdict import require


@pytest.mark.clause("DEL-BATCH-1")
def test_batch_deletes_own_ids_and_counts_them(owner, make_token):
    gone_before, first, second, kept = make_token.many(4)
    assert_outcome(owner.api.delete_token(gone_before.id), success=True)
    answer = owner.api.batch_delete([first.id, second.id, gone_before.id])
    assert_outcome(answer, success=True, message="")
    require(
        answer.data == 2,
        expected='"data": 2 (two live own ids; the deleted one skipped)',
        observed=describe(answer),
    )
    assert_unreadable(owner.api, first.id)
    assert_unreadable(owner.api, second.id)
    assert_readable(owner.api, kept.id)


@pytest.mark.clause("DEL-BATCH-2")
def test_batch_never_deletes_another_users_token(owner, peer, make_token):
    mine_a, mine_b = make_token.many(2)
    theirs = make_token(peer)
    answer = peer.api.batch_delete([mine_a.id, mine_b.id, theirs.id])
    assert_outcome(answer, success=True)
    require(answer.data == 1, expected='"data": 1 (only the peer\'s own token)', observed=describe(answer))
    assert_readable(owner.api, mine_a.id)
    assert_readable(owner.api, mine_b.id)
    assert_unreadable(peer.api, theirs.id)
