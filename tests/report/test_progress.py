"""The progress line: tests done of the total, requests, waiting, time left; plain lines come
at most every `every_s` seconds; the live line is erased before pytest writes."""

from __future__ import annotations

import os

from newapi_contract.report.progress import Counters, Progress, format_duration


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_status_says_done_total_requests_waiting_and_time_left() -> None:
    clock = _Clock()
    progress = Progress(lambda: Counters(140, 0, 0), clock=clock)
    progress.total = 31
    assert progress.status() == "newapi-contract: 0/31 tests, 140 requests"
    for _ in range(10):
        progress.done += 1
    clock.now += 50  # 5 s a test, 21 tests left
    assert progress.status().endswith("about 1 min 45 s left")


def test_a_rate_limit_wait_is_said_and_never_extrapolated() -> None:
    """Issue 21: "about 69 min 08 s left" while the run waited out a 179 s window."""
    clock, counters = _Clock(), {"waited": 0.0, "throttled": 0}
    progress = Progress(lambda: Counters(140, counters["waited"], counters["throttled"]), clock=clock)
    progress.total = 12
    clock.now += 10
    progress.done = 10  # 1 s a test
    counters["waited"], counters["throttled"] = 179.0, 1  # the pacer starts a 179 s wait
    assert progress.status() == (
        "newapi-contract: 10/12 tests, 140 requests, waiting 2 min 59 s for the server's rate limit, "
        "about 3 min 01 s left"
    )
    clock.now += 100
    assert "waiting 1 min 19 s for the server's rate limit, about 1 min 21 s left" in progress.status()
    clock.now += 79 + 1  # the wait is over; one more second of work
    progress.done = 11
    assert progress.status() == (
        "newapi-contract: 11/12 tests, 140 requests, waited 179 s for rate limits (1 answers 429), "
        "about 1 s left"
    )


def test_plain_lines_come_at_most_every_period() -> None:
    clock, lines = _Clock(), []
    progress = Progress(lambda: Counters(0, 0, 0), write_line=lines.append, every_s=15, clock=clock)
    progress.total = 3
    progress.test_finished()
    assert lines == []
    clock.now += 16
    progress.test_finished()
    clock.now += 1
    progress.test_finished()
    assert lines == ["newapi-contract: 2/3 tests, 0 requests, about 8 s left"]


def test_erase_clears_what_was_drawn() -> None:
    read, write = os.pipe()
    try:
        progress = Progress(lambda: Counters(0, 0, 0), live_fd=write)
        progress.test_started()
        progress._drawn = True  # as the drawing thread leaves it
        progress.erase()
        assert os.read(read, 100) == b"\x1b[K"
        progress.erase()  # nothing drawn: nothing written
        os.write(write, b"x")
        assert os.read(read, 100) == b"x"
    finally:
        os.close(read)
        os.close(write)


def test_durations_read_well() -> None:
    assert (
        format_duration(4.4) == "4 s" and format_duration(65) == "1 min 05 s" and format_duration(-1) == "0 s"
    )


def test_a_narrow_terminal_gets_the_wait_first_then_the_time_left() -> None:
    """Issue 21 (QA at 80 columns): the live line showed nothing during a wait, or cut it."""
    clock, counters = _Clock(), {"waited": 0.0}
    progress = Progress(lambda: Counters(140, counters["waited"], 1), clock=clock)
    progress.total = 12
    clock.now += 10
    progress.done = 10
    counters["waited"] = 25.0
    assert progress.fitted(200) == progress.status()  # room enough: the whole line
    assert progress.fitted(45) == "waiting 25 s (rate limit), about 27 s left"
    assert progress.fitted(40) == "waiting 25 s (rate limit), 10/12 tests"  # what fits, in order
    assert progress.fitted(26) == "waiting 25 s (rate limit)"
    assert progress.fitted(10) == "wait 25s"  # a long test name at 80 columns: the wait in brief
    assert progress.fitted(8) == "wait 25s"  # 13 columns left after the name: still shown
    assert progress.fitted(7) == ""  # not even that fits: nothing, never a cut word
    counters["waited"] = 25.0
    clock.now += 30  # the wait is over
    assert progress.fitted(30) == "about 3 s left, 10/12 tests"  # the wait is not extrapolated
