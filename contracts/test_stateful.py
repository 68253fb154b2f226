"""Generated layer: the token lifecycle as a state machine, with a second user interleaved.

See `newapi_contract.contract.lifecycle_machine` for why this is a hypothesis rule-based
machine over the client layer rather than schemathesis's link-driven state machine.
A failure's replay line (`report.replay`) runs this test again with the run's seed and options.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis.stateful import run_state_machine_as_test

from newapi_contract.contract.generated_schema import budget_for
from newapi_contract.contract.lifecycle_machine import LifecycleWorld, TokenLifecycle
from newapi_contract.report.replay import replay_command
from newapi_contract.suite.handover import run_settings

# Full-key reveals the machine may spend per run: upstream's critical limit is 20 per 20 min
# per IP, shared with the hand-written clauses (reference §7).
RELAY_REVEALS = 2


@pytest.mark.clause("DEL-STATE-1")
def test_lifecycle(
    request: pytest.FixtureRequest, owner: Any, ledger: Any, make_token: Any, revocation_bound: float
) -> None:
    try:
        peer = request.getfixturevalue("peer")
    except pytest.skip.Exception:
        peer = None  # the peer's interleaved attempts (DEL-STATE-2 messages) need a second user
    refs: dict[int, Any] = {}

    def mint(actor: Any) -> Any:
        ref = make_token(actor=actor)
        refs[ref.id] = ref  # its key() comes from the list where a release answers keys whole
        return ref

    def mint_keyed(actor: Any) -> Any:
        ref = make_token.keyed(actor)
        refs[ref.id] = ref
        return ref

    world = LifecycleWorld(
        owner=owner,
        peer=peer,
        mint=mint,
        mint_keyed=mint_keyed,
        key_of=lambda token_id: refs[token_id].key(),
        ledger=ledger,
        relay_reveals=RELAY_REVEALS,
        revocation_bound_s=revocation_bound,
    )
    budget = budget_for(request.getfixturevalue("profile"))
    try:
        run_state_machine_as_test(TokenLifecycle.for_world(world), settings=budget.machine_settings())
    except Exception as exc:
        seed = request.config.getoption("hypothesis_seed", None)
        exc.add_note(f"replay: {replay_command(run_settings(request.config), request.node, seed)}")
        raise
