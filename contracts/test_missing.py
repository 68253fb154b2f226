"""Deleting what is not there: a second delete, and an id that never existed (reference §3)."""

from __future__ import annotations

import pytest

from newapi_contract.contract.answers import NOT_FOUND, assert_outcome, describe
from newapi_contract.contract.verdict import require

# No row can carry the largest int64: the one never-existing id that is safe to send to a
# server holding real data (any smaller id might be another user's token).
NEVER_EXISTED = 2**63 - 1


@pytest.mark.clause("DEL-AGAIN-1")
def test_second_delete_fails_as_not_found(owner, make_token):
    token = make_token()
    assert_outcome(owner.api.delete_token(token.id), success=True)
    assert_outcome(owner.api.delete_token(token.id), success=False, message=NOT_FOUND)


@pytest.mark.clause("DEL-MISSING-1")
def test_never_existing_id_fails_like_a_second_delete(owner, make_token):
    token = make_token()
    owner.api.delete_token(token.id)
    again = owner.api.delete_token(token.id)
    missing = owner.api.delete_token(NEVER_EXISTED)
    assert_outcome(missing, success=False, message=NOT_FOUND)
    require(
        (missing.status, missing.json) == (again.status, again.json),
        expected="the same answer as a second delete of a deleted token",
        observed=f"never existed: {describe(missing)}; deleted before: {describe(again)}",
    )
