"""The one line a run with unverified clauses ends with (`suite.commands._road_line`)."""

from __future__ import annotations

from types import SimpleNamespace

from newapi_contract.suite.commands import _road_line

LOST = "unverified (lost): DELETE /api/token/14: the answer was lost (ReadTimeout: timed out)"


def _tally(faults: list[tuple[str, str, str]], unverified: int) -> SimpleNamespace:
    return SimpleNamespace(
        road_faults=faults, run_info={"pacing_waited_s": 12.5}, counts=lambda: {"unverified": unverified}
    )


def test_tests_sharing_one_lost_answer_count_it_once() -> None:
    doors = [(f"test_door[{n}]", "lost", LOST) for n in range(17)]
    line = _road_line(_tally([*doors, ("test_race", "lost", "another"), ("t", "throttled", "x")], 7))
    assert line == (
        "newapi-contract: 7 clause(s) unverified: the road to the server failed "
        "(2 lost, 1 throttled; waited 12.5 s for rate limits), not the server; see the report"
    )
