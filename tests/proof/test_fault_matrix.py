"""The suite kills every deletion-related fault of the reference server, on the clause the
fault breaks (`newapi-contract selftest` runs the full matrix; this is its fast core).

Each run selects only the killing clause and the generated layer (`--clause`), so the matrix
fits in CI. In the same run the generated layer must catch every deletion-related fault on
its own (DEL-GEN-1 or DEL-STATE-1). The healthy runs in test_healthy.py show the same clauses
hold on a correct server.
"""

from __future__ import annotations

import pytest
from mistargeting import MISTARGETING
from tiers import cases

from newapi_contract.refserver.faults import FAULTS
from newapi_contract.suite.selftest import TOLERATED

# fault -> (generation, the clause that must fail). Faults left out are not about deletion
# (FAULTS[...].deletion_related is False) or tolerated with a reason (selftest.TOLERATED).
KILLS = {
    "delete-noop": ("current", "DEL-OWN-2"),
    "delete-ignores-owner": ("current", "DEL-ISO-1"),
    "new-api-user-unchecked": ("legacy", "DEL-AUTH-4"),
    "missing-auth-accepted": ("current", "DEL-AUTH-1"),
    "stale-relay-key": ("legacy", "DEL-OWN-5"),
    "relay-ignores-deleted": ("current", "DEL-OWN-5"),
    "list-shows-deleted": ("current", "DEL-OWN-3"),
    "get-shows-deleted": ("legacy", "DEL-OWN-2"),
    "nonnumeric-id-500": ("current", "DEL-ID-1"),
    "second-delete-succeeds": ("legacy", "DEL-AGAIN-1"),
    "wrong-content-type": ("current", "DEL-SHAPE-1"),
    "missing-content-type": ("legacy", "DEL-SHAPE-1"),
    "success-missing": ("current", "DEL-SHAPE-1"),
    "success-as-string": ("legacy", "DEL-SHAPE-1"),
    "delete-off-by-one": ("current", "DEL-ID-3"),
    "batch-ignores-owner": ("legacy", "DEL-BATCH-2"),
    "batch-count-wrong": ("current", "DEL-BATCH-1"),
    "delete-answers-failure": ("legacy", "DEL-OWN-1"),
    "relay-tells-deleted": ("current", "DEL-OWN-6"),
    "relay-echoes-key": ("legacy", "DEL-OWN-6"),
    "delete-trailing-slash-noop": ("current", "DEL-SLASH-1"),
}


GENERATED = ("DEL-GEN-1", "DEL-STATE-1")

# Faults that keep a deleted key alive on one door of the relay only -> the door's clause.
# The generated layer uses the one door every client uses (`Bearer sk-<key>`), so these are
# killed by their door clause alone, in both generations, and by no other relay clause.
DOOR_KILLS = {
    "stale-key-authorization": "DEL-DOOR-1",
    "stale-key-channel-suffix": "DEL-DOOR-2",
    "stale-key-x-api-key": "DEL-DOOR-3",
    "stale-key-gemini": "DEL-DOOR-4",
    "stale-key-websocket": "DEL-DOOR-5",
    "stale-key-midjourney": "DEL-DOOR-6",
}
RELAY_CLAUSES = ("DEL-OWN-5", "DEL-OWN-6", *sorted(set(DOOR_KILLS.values())))


# Defects a check of the target alone, right after its own delete, cannot see (issue 18): the
# audit of the whole run (contracts/test_audit.py) or the batch's full check kills each in a
# default run (every clause), in both generations, on the clause named here.
AUDIT_KILLS = {
    "delete-also-removes-sibling": "DEL-ALL-1",
    "delete-modifies-sibling": "DEL-ALL-2",
    "delete-refunds-quota": "DEL-ALL-2",
    "delete-resurrects": "DEL-ALL-3",
    "batch-keeps-listed": "DEL-ALL-4",
    "batch-keeps-key": "DEL-ALL-4",
    "batch-deletes-one": "DEL-ALL-4",
    "list-hides-live": "DEL-ALL-5",
}
# What the bug report must name for each audit clause (summary.json's observed text).
AUDIT_NAMES = {
    "DEL-ALL-1": (
        "vanished",
        "made for contracts/",
        "last seen alive",
        "likely culprit first: DELETE /api/token/",
    ),
    "DEL-ALL-2": ("was",),
    "DEL-ALL-3": ("deleted", "by DELETE /api/token/"),
    "DEL-ALL-4": ("token",),
    "DEL-ALL-5": ("token",),
}
AUDIT_CORE = {"delete-also-removes-sibling-legacy", "delete-resurrects-current"}


def test_every_deletion_related_fault_has_a_killer():
    # The id-mistargeting faults are killed in test_misparsing_servers.py's runs.
    killed = set(KILLS) | set(DOOR_KILLS) | set(MISTARGETING) | set(AUDIT_KILLS)
    related = {name for name, fault in FAULTS.items() if fault.deletion_related} - set(TOLERATED)
    assert related <= killed, f"deletion-related faults with no killing clause: {related - killed}"


# The default run's core: one fault per clause family (ownership, isolation, both auth
# forms, a key kept alive, odd ids, a lying body, batches); `pytest -m slow` runs the rest.
CORE = {
    "delete-noop", "delete-ignores-owner", "new-api-user-unchecked", "missing-auth-accepted",
    "stale-relay-key", "nonnumeric-id-500", "success-as-string", "batch-ignores-owner",
}  # fmt: skip
DOOR_CORE = {"stale-key-authorization-legacy", "stale-key-websocket-current"}


@pytest.mark.parametrize(
    ("fault", "generation", "clause"), cases(((f, (f, *gc)) for f, gc in KILLS.items()), CORE)
)
def test_fault_is_killed_by_its_clause(run_suite, fault, generation, clause):
    selected = [arg for cid in (clause, *GENERATED) for arg in ("--clause", cid)]
    run = run_suite("--embedded-generation", generation, "--embedded-faults", fault, *selected, "--", "-q")
    assert run.exit_code == 1, run.output[-3000:]
    failed = run.clauses("failed")
    assert clause in failed, run.summary["clauses"][clause]
    if FAULTS[fault].deletion_related:  # caught by the generated layer alone, too
        assert failed & set(GENERATED), {cid: run.summary["clauses"][cid] for cid in GENERATED}


@pytest.mark.parametrize(
    ("fault", "clause", "generation"),
    cases(
        (
            (f"{fault}-{gen}", (fault, clause, gen))
            for fault, clause in DOOR_KILLS.items()
            for gen in ("legacy", "current")
        ),
        DOOR_CORE,
    ),
)
def test_door_fault_is_killed_by_its_door_clause_alone(run_suite, fault, clause, generation):
    selected = [arg for cid in RELAY_CLAUSES for arg in ("--clause", cid)]
    run = run_suite("--embedded-generation", generation, "--embedded-faults", fault, *selected, "--", "-q")
    assert run.exit_code == 1, run.output[-3000:]
    assert run.clauses("failed") == {clause}, {cid: run.summary["clauses"][cid] for cid in RELAY_CLAUSES}
    # the failure names the door, and the report's revocation table shows it alive
    alive = [row for row in run.summary["revocation"] if row["verdict"] != "revoked"]
    assert alive and {row["clause"] for row in alive} == {clause}, run.summary["revocation"]


@pytest.mark.parametrize(
    ("fault", "clause", "generation"),
    cases(
        (
            (f"{fault}-{gen}", (fault, clause, gen))
            for fault, clause in AUDIT_KILLS.items()
            for gen in ("legacy", "current")
        ),
        AUDIT_CORE,
    ),
)
def test_whole_effect_fault_turns_a_default_run_red_on_the_audit(run_suite, fault, clause, generation):
    run = run_suite("--embedded-generation", generation, "--embedded-faults", fault, "--", "-q")
    assert run.exit_code == 1, run.output[-3000:]
    row = run.summary["clauses"][clause]
    assert row["verdict"] == "failed", row
    observed = " ".join(f["observed"] for f in row["failures"])
    for name in AUDIT_NAMES[clause]:
        assert name in observed, observed[:2000]


@pytest.mark.parametrize(
    ("fault", "verdict"),
    cases(
        [
            ("healthy", (None, "held")),
            ("delete-also-removes-sibling", ("delete-also-removes-sibling", "failed")),
        ],
        {"healthy"},
    ),
)
def test_under_xdist_every_workers_tokens_are_audited(run_suite, fault, verdict):
    """Each worker audits its own ledger: by the audit's tests where they run, at the end of
    every other worker (before its cleanup); another worker's deletes are never judged."""
    faults = ["--embedded-faults", fault] if fault else []
    run = run_suite("--embedded-generation", "legacy", *faults, "--", "-q", "-n", "2")
    assert run.exit_code == (1 if fault else 0), run.output[-3000:]
    rows = run.summary["clauses"]
    clauses = ("DEL-ALL-1",) if fault else ("DEL-ALL-1", "DEL-ALL-2", "DEL-ALL-3", "DEL-ALL-5")
    for cid in clauses:
        assert rows[cid]["verdict"] == verdict, rows[cid]
        judged = rows[cid]["passed"] + rows[cid]["failed"]
        # both workers' tokens, one verdict each (a worker whose tokens a broken server spared
        # holds while the other fails: the clause fails)
        assert len(judged) == 2, judged
    prefixes = run.summary["run"]["run_prefix"]
    assert "-gw0-" in prefixes and "-gw1-" in prefixes, prefixes
