"""Deleting what is not there: a second delete, and an id that never existed (reference §3).

One token serves both clauses: deleted, deleted again, then an id that never existed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.recording import Observation
from newapi_contract.contract.answers import NOT_FOUND, assert_outcome, describe, same_answer
from newapi_contract.contract.verdict import require

# No row can carry the largest int64: the one never-existing id that is safe to send to a
# server holding real data (any smaller id might be another user's token).
NEVER_EXISTED = 2**63 - 1


@dataclass(frozen=True)
class Missing:
    first: Answer
    again: Answer
    never_existed: Answer
    observation: Observation = field(repr=False)  # its exchanges, shown in each clause's report


@pytest.fixture(scope="module")
def missing(owner, token_factory, recorder) -> Missing:
    token = token_factory()
    observation = Observation(recorder, "deletes of what is not there")
    with observation.recording():
        first = owner.api.delete_token(token.id)
        again = owner.api.delete_token(token.id)
        never_existed = owner.api.delete_token(NEVER_EXISTED)
    return Missing(first, again, never_existed, observation)


@pytest.mark.clause("DEL-AGAIN-1")
def test_second_delete_fails_as_not_found(missing):
    assert_outcome(missing.first, success=True)
    assert_outcome(missing.again, success=False, message=NOT_FOUND)


@pytest.mark.clause("DEL-MISSING-1")
def test_never_existing_id_fails_like_a_second_delete(missing, owner):
    assert_outcome(missing.never_existed, success=False, message=NOT_FOUND)
    seen = missing
    require(
        same_answer(seen.never_existed, seen.again, lambda: owner.api.delete_token(NEVER_EXISTED)),
        expected="the same answer as a second delete of a deleted token (up to per-request noise)",
        observed=f"never existed: {describe(seen.never_existed)}; deleted before: {describe(seen.again)}",
        answer=seen.never_existed,
    )
