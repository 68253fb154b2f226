"""The audit (issue 18): after every other test of this process, before the cleanup, the
server's whole visible world is checked against the run's model of its tokens
(`client.ledger`, `contract.audit`). One look is shared by the clauses, each judging its part.

Under xdist each worker has its own ledger: these tests audit the ledger of the worker that
runs them (its tokens carry its own prefix, `nac-<run>-gwN-`; another worker's deletes are
never judged here), and a worker that runs none of them audits its ledger at its session's
end, before its cleanup (`suite.plugin`), its verdicts reaching the controller's tally.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from newapi_contract.client.recording import Observation
from newapi_contract.contract import audit
from newapi_contract.contract.verdict import require


@dataclass(frozen=True)
class Audit:
    findings: dict[str, list[audit.Finding]]
    tokens: int
    observation: Observation


@pytest.fixture(scope="module")
def audited(run_context, recorder) -> Audit:
    verdict = run_audit(run_context, recorder)
    if verdict is None:
        pytest.skip("this process made no token: nothing to audit (no other clause ran here)")
    return verdict


def run_audit(run_context, recorder) -> Audit | None:
    findings, count, observation = audit.run(run_context, recorder)
    if count == 0:
        return None
    return Audit(findings, count, observation)


def _judge(audited: Audit, clause: str, expected: str) -> None:
    found = audited.findings[clause]
    require(
        not found,
        expected=expected,
        observed=f"{len(found)} of the run's {audited.tokens} tokens: {audit.report(found)}",
    )


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-1")
def test_a_delete_removes_only_its_target(audited):
    _judge(audited, "DEL-ALL-1", "every token the run never asked to delete is still there")


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-2")
def test_a_delete_leaves_the_other_tokens_as_they_were(audited):
    _judge(
        audited,
        "DEL-ALL-2",
        "every token the run never asked to delete is listed as it was made, and its key works",
    )


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-3")
def test_a_deletion_lasts(audited):
    _judge(
        audited,
        "DEL-ALL-3",
        "every token the run deleted stays gone from the list, search and GET, its key refused",
    )


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-5")
def test_the_list_shows_the_live_tokens_all_and_only(audited):
    _judge(
        audited,
        "DEL-ALL-5",
        "the list and search show every live token of the run, and nothing under its prefix it did not make",
    )
