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


@dataclass(frozen=True)
class Audit:
    findings: dict[str, list[audit.Finding]]
    tokens: int
    observation: Observation


@pytest.fixture(scope="module")
def audited(run_context, recorder) -> Audit:
    findings, count, observation = audit.run(run_context, recorder)
    if count == 0:
        pytest.skip("this process made no token: nothing to audit (no other clause ran here)")
    return Audit(findings, count, observation)


@pytest.fixture(autouse=True)
def _judged_here(request, run_context) -> None:
    """This process reports this clause from a test (not at its session's end, see `suite.plugin`)."""
    run_context.reported_here.add(request.node.get_closest_marker("clause").args[0])


@pytest.fixture(autouse=True)
def _cost(audited, record_property) -> None:
    """What the audit cost on /api (rate-limited upstream; the relay is not): bench/audit_requests.py."""
    record_property("audit_api_requests", sum("/api/" in e.url for e in audited.observation.exchanges))


def _judge(audited: Audit, clause: str) -> None:
    found = audited.findings[clause]
    if found:  # the report marks the answer it is about and carries the vanished tokens
        raise audit.violation(clause, found, audited.tokens)


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-1")
def test_a_delete_removes_only_its_target(audited):
    _judge(audited, "DEL-ALL-1")


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-2")
def test_a_delete_leaves_the_other_tokens_as_they_were(audited):
    _judge(audited, "DEL-ALL-2")


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-3")
def test_a_deletion_lasts(audited):
    _judge(audited, "DEL-ALL-3")


@pytest.mark.judges_the_run
@pytest.mark.clause("DEL-ALL-5")
def test_the_list_shows_the_live_tokens_all_and_only(audited):
    _judge(audited, "DEL-ALL-5")
