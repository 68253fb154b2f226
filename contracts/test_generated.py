"""Generated layer: schemathesis on the effective contract, fitted to new-api.

Positive and negative cases for DELETE /api/token/{id} (ids, New-Api-User, Authorization),
sent through the guarded requests session. Built-in checks that hold for new-api stay on;
the status-code based ones are replaced by body-reading checks (`contract.checks`).
A failure's replay line (`report.replay`) runs this test again with the run's seed and options.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from newapi_contract.contract import checks  # noqa: F401  (registers the checks and the hook)
from newapi_contract.contract.generated import SENT, Arena, activate, strays
from newapi_contract.contract.generated_schema import budget_for, load_generated_schema
from newapi_contract.report.replay import replay_command
from newapi_contract.suite.handover import run_settings

SCOPE = "generated layer"


@pytest.fixture(scope="session")
def generated_schema(request: pytest.FixtureRequest, target: Any, owner: Any, profile: str) -> Any:
    return load_generated_schema(
        target.base_url,
        access_token=owner.creds.access_token,
        budget=budget_for(profile),
        seed=int(request.config.getoption("hypothesis_seed")),
    )


@pytest.fixture
def arena(
    request: pytest.FixtureRequest, owner: Any, ledger: Any, target: Any, features: Any, make_token: Any
) -> Any:
    try:
        peer = request.getfixturevalue("peer")
    except pytest.skip.Exception:
        peer = None  # isolation probes need a second user; the rest runs without one
    world = Arena(
        owner=owner,
        peer=peer,
        ledger=ledger,
        generation=target.generation,
        mint=lambda actor: make_token(actor=actor).id,
        checks_user_header=features.checks_new_api_user,
    )
    with activate(world):
        yield world


schema = schemathesis.pytest.from_fixture("generated_schema")


@pytest.mark.clause("DEL-GEN-1")
@schema.parametrize()
def test_generated(
    case: schemathesis.Case,
    arena: Arena,
    requests_session: Any,
    recorder: Any,
    redactor: Any,
    ledger: Any,
    profile: str,
    request: pytest.FixtureRequest,
) -> None:
    try:
        with recorder.scope(SCOPE):
            case.call_and_validate(session=requests_session)
    except Exception as exc:
        exc.add_note(f"curl: {redactor.text(case.as_curl_command())}")
        seed = request.config.getoption("hypothesis_seed", None)
        exc.add_note(f"replay: {replay_command(run_settings(request.config), request.node, seed)}")
        raise
    finally:
        owned = frozenset(entry.token_id for entry in ledger.entries())
        taken = recorder.take(SCOPE)
        for exchange in taken:
            if exchange.method == "DELETE":
                SENT.append((exchange.url, owned))
        # Back into the test's own scope, for the report (attached: added once, not twice, to
        # the run's history and model).
        recorder.attach(taken, counted=True)


@pytest.mark.clause("DEL-GEN-2")
def test_generated_traffic_stayed_in_ledger(run_context) -> None:
    """Every generated DELETE acted on an id no row can have or on a token this run made."""
    run_context.reported_here.add("DEL-GEN-2")  # not judged again at this worker's end
    if not SENT:
        pytest.skip("the generated test sent nothing in this process (deselected or skipped)")
    found = strays(SENT)
    assert not found, f"[DEL-GEN-2] generated DELETEs reached ids outside the ledger: {found}"
