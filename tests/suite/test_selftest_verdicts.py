"""How `newapi-contract selftest` reads one run of the matrix (`suite.selftest._verdict`)."""

from __future__ import annotations

import pytest

from newapi_contract.errors import Exit
from newapi_contract.refserver.faults import ABSENT_IN, FAULTS
from newapi_contract.suite.selftest import HEALTHY, Outcome, _verdict


def _outcome(generation: str, fault: str, exit_code: int, failed: tuple[str, ...] = ()) -> Outcome:
    return Outcome(generation, fault, exit_code, failed, 1.0)


def test_a_fault_a_profile_cannot_have_is_not_a_survivor() -> None:
    assert _verdict(_outcome("late2024", "batch-keeps-key", Exit.HELD), True).startswith("n/a (late2024")
    assert _verdict(_outcome("current", "batch-keeps-key", Exit.HELD), True) == "SURVIVED"


def test_killed_clean_and_false_alarm() -> None:
    assert _verdict(_outcome("late2024", "delete-noop", Exit.FAILED, ("DEL-OWN-2",)), True) == "killed"
    assert _verdict(_outcome("late2024", HEALTHY, Exit.HELD), False) == "clean"
    assert _verdict(_outcome("late2024", HEALTHY, Exit.FAILED, ("DEL-OWN-2",)), False) == "FALSE ALARM"


@pytest.mark.parametrize("profile", sorted(ABSENT_IN))
def test_absent_faults_are_known_faults(profile: str) -> None:
    assert ABSENT_IN[profile] <= set(FAULTS)
