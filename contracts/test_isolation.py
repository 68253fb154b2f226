"""One user cannot delete another's token (reference §3: the delete filters by id AND owner).

Both users are common users: root may act on other users' tokens in newer builds (ref §9).
"""

from __future__ import annotations

import pytest

from newapi_contract.contract.answers import NOT_FOUND, assert_outcome, describe, same_answer
from newapi_contract.contract.probes import assert_readable, listed, require_alive_before
from newapi_contract.contract.verdict import require

NEVER_EXISTED = 2**63 - 1


@pytest.mark.clause("DEL-ISO-1")
def test_peer_cannot_delete_owners_token(owner, peer, make_token):
    token = make_token.keyed()
    key = token.key()
    baseline = peer.api.delete_token(NEVER_EXISTED)
    # Positive control (the relay is free upstream): a token gone, or its key dead, before the
    # peer acts is an earlier request's doing, not the peer's (reported against the audit's clause).
    require_alive_before(
        token.id,
        before="the peer's delete",
        relay=owner.api.relay_models(key),
        get=lambda: owner.api.get_token(token.id),
    )
    answer = peer.api.delete_token(token.id)
    assert_outcome(answer, success=False, message=NOT_FOUND)
    require(
        same_answer(answer, baseline, lambda: peer.api.delete_token(NEVER_EXISTED)),
        expected="the same answer as for an id that never existed (up to per-request noise)",
        observed=f"another user's token: {describe(answer)}; missing id: {describe(baseline)}",
        answer=answer,
    )
    assert_readable(owner.api, token.id)
    require(
        listed(owner.api, token.id),
        expected=f"token {token.id} still listed for its owner",
        observed="it is gone from the owner's list",
    )
    relay = owner.api.relay_models(key)
    require(
        relay.status == 200,
        expected="the owner's key still works on the relay (HTTP 200)",
        observed=describe(relay),
        answer=relay,
    )
