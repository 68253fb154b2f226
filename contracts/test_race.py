"""Parallel deletes of one token (reference §3, model/token.go DeleteTokenById).

Upstream reads the token, then soft-deletes it without checking rows affected, so
parallel deletes may all report success on a healthy server: the clause asks for one
consistent outcome, not for exactly one success, and the report notes extra successes.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor

import pytest

from newapi_contract.contract.answers import NOT_FOUND, assert_shape, describe
from newapi_contract.contract.probes import assert_readable, assert_unreadable
from newapi_contract.contract.verdict import require

PARALLEL = 3


@pytest.mark.clause("DEL-RACE-1")
def test_parallel_deletes_leave_one_consistent_outcome(owner, make_token, record_property):
    token, neighbour = make_token.many(2)
    with ThreadPoolExecutor(PARALLEL) as pool:
        # Each thread runs in a copy of this context, so its exchanges land in this test's record.
        futures = [
            pool.submit(contextvars.copy_context().run, owner.api.delete_token, token.id)
            for _ in range(PARALLEL)
        ]
        answers = [f.result() for f in futures]
    for answer in answers:
        require(
            answer.status == 200,
            expected="HTTP 200 for every parallel delete",
            observed=describe(answer),
            answer=answer,
        )
        assert_shape(answer)
    successes = [a for a in answers if a.success is True]
    others = [a for a in answers if a.success is not True]
    require(
        len(successes) >= 1,
        expected="at least one parallel delete answers success:true",
        observed="; ".join(describe(a) for a in answers),
    )
    require(
        all(a.message == NOT_FOUND for a in others),
        expected=f'every other delete answers success:false "{NOT_FOUND}"',
        observed="; ".join(describe(a) for a in others),
        answer=next((a for a in others if a.message != NOT_FOUND), None),
    )
    if len(successes) > 1:
        record_property(
            "note",
            f"{len(successes)} of {PARALLEL} parallel deletes answered success:true "
            "(upstream does not check rows affected)",
        )
    assert_unreadable(owner.api, token.id)
    assert_readable(owner.api, neighbour.id)
