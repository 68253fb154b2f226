"""The pacer, on a fake clock, against a model of upstream's sliding-log limiter."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING

import pytest

from newapi_contract.client.pacing import Pacer, _Log
from newapi_contract.errors import RoadFault

if TYPE_CHECKING:
    from tests.client.conftest import FakeTime


@dataclass
class FakeResponse:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    def close(self) -> None:
        self.closed = True


@dataclass
class SlidingLog:
    """Upstream's in-memory limiter (common/rate-limit.go): a request passes while fewer
    than `limit` passed in the last `window` seconds; a refused one is not counted."""

    time: FakeTime
    limit: int
    window: float
    retry_after: str | None = None  # current sends the whole window; legacy nothing
    passed: deque[float] = field(default_factory=deque)
    refused: int = 0

    def answer(self) -> FakeResponse:
        now = self.time.now
        while self.passed and now - self.passed[0] >= self.window:
            self.passed.popleft()
        if len(self.passed) < self.limit:
            self.passed.append(now)
            return FakeResponse(200)
        self.refused += 1
        return FakeResponse(429, {"Retry-After": self.retry_after} if self.retry_after else {})


def _floor_s(requests: int, limit: int, window: float) -> float:
    """The least time the limiter allows for `requests` sent at once: one window per
    allowance after the first."""
    return (math.ceil(requests / limit) - 1) * window


def test_burst_then_one_per_interval(fake_time: FakeTime) -> None:
    time = fake_time
    pacer = time.pacer(rate=2.0, burst=3)
    for _ in range(5):
        pacer.acquire()
    assert time.sleeps == [0.5, 0.5]
    assert pacer.sent == 5 and pacer.waited_s == pytest.approx(1.0)


def test_the_bucket_refills_while_idle(fake_time: FakeTime) -> None:
    time = fake_time
    pacer = time.pacer(rate=1.0, burst=2)
    pacer.acquire()
    pacer.acquire()
    time.now += 10  # idle: refills up to the burst, not beyond
    for _ in range(3):
        pacer.acquire()
    assert time.sleeps == [1.0]


def test_no_limit_known_never_sleeps(fake_time: FakeTime) -> None:
    time = fake_time
    pacer = time.pacer(rate=None)
    server = SlidingLog(time, limit=10_000, window=180)
    for _ in range(1000):
        assert pacer.send(server.answer).status_code == 200
    assert time.sleeps == [] and pacer.sent == 1000 and pacer.throttled == 0


@pytest.mark.parametrize(("rate", "burst", "budget"), [(0, 1, 1), (-1.0, 1, 1), (1.0, 0, 1), (None, 1, -1)])
def test_bad_settings(rate: float | None, burst: int, budget: float) -> None:
    with pytest.raises(ValueError):
        Pacer(rate, burst, budget_s=budget)


@pytest.mark.parametrize(
    ("limit", "retry_after", "requests"),
    [(180, None, 500), (360, "180", 800), (20, None, 70)],
    ids=["legacy-default", "current-default", "small"],
)
def test_a_throttled_run_waits_out_every_429_near_the_floor(
    fake_time: FakeTime, limit: int, retry_after: str | None, requests: int
) -> None:
    time = fake_time
    server = SlidingLog(time, limit=limit, window=180, retry_after=retry_after)
    pacer = time.pacer(rate=None, budget_s=10_000)
    start = time.now
    for _ in range(requests):
        time.now += 0.01  # each answer takes 10 ms
        assert pacer.send(server.answer).status_code == 200
    floor = _floor_s(requests, limit, 180)
    assert time.now - start <= 1.1 * floor + requests * 0.01
    assert pacer.learned()["global"]["limit"] == limit
    # The first window's probes find when slots open; later ones cost a 429 or two each.
    assert server.refused <= 8 + 3 * math.ceil(requests / limit)


@pytest.mark.parametrize("window", [5.0, 30.0, 600.0])
def test_a_window_the_operator_changed_is_measured(fake_time: FakeTime, window: float) -> None:
    time = fake_time
    server = SlidingLog(time, limit=50, window=window)
    pacer = time.pacer(rate=None, budget_s=100_000)
    start = time.now
    for _ in range(400):
        time.now += 0.01
        assert pacer.send(server.answer).status_code == 200
    floor = _floor_s(400, 50, window)
    assert time.now - start <= 1.5 * floor + 10  # not upstream's 180 s per window
    assert pacer._logs["global"].window_s == pytest.approx(window, rel=0.5)


def test_traffic_of_others_in_the_window_is_waited_out_and_relearned(fake_time: FakeTime) -> None:
    time = fake_time
    server = SlidingLog(time, limit=180, window=180)
    server.passed.extend([time.now - 60] * 100)  # an earlier run, a minute ago
    pacer = time.pacer(rate=None, budget_s=10_000)
    start = time.now
    for _ in range(400):
        time.now += 0.01
        assert pacer.send(server.answer).status_code == 200
    # All passed (above), and the run did not stay slowed down by the first, too small, guess.
    assert time.now - start <= 2 * _floor_s(500, 180, 180)


def test_throttled_by_traffic_it_never_saw_it_probes(fake_time: FakeTime) -> None:
    time = fake_time
    server = SlidingLog(time, limit=5, window=20)
    server.passed.extend([time.now] * 5)  # somebody else filled the window just now
    pacer = time.pacer(rate=None)
    assert pacer.send(server.answer).status_code == 200
    assert time.sleeps[:3] == [1.0, 2.0, 4.0] and sum(time.sleeps) >= 20


def test_retry_after_is_honoured_when_nothing_of_ours_explains_the_429(fake_time: FakeTime) -> None:
    time = fake_time
    answers = [FakeResponse(429, {"Retry-After": "7"}), FakeResponse(200)]
    pacer = time.pacer(rate=None)
    assert pacer.send(lambda: answers.pop(0)).status_code == 200
    assert time.sleeps == [7.0] and pacer.throttled == 1


def test_a_429_where_upstream_has_no_limiter_backs_off_and_is_never_an_error(fake_time: FakeTime) -> None:
    # The relay has no limiter upstream (keys ()): a gateway's 429 there once made the pacer
    # crash (min() of nothing), and every relay clause failed on a healthy server.
    time = fake_time
    pacer = time.pacer(rate=None)
    answers = [FakeResponse(429), FakeResponse(429), FakeResponse(429), FakeResponse(200)]
    assert pacer.send(lambda: answers.pop(0), ()).status_code == 200
    assert time.sleeps == [1.0, 2.0, 4.0] and pacer.throttled == 3
    answers = [FakeResponse(429, {"Retry-After": "3"}), FakeResponse(200)]
    assert pacer.send(lambda: answers.pop(0), ()).status_code == 200
    assert time.sleeps[-1] == 3.0
    assert pacer.learned() == {}  # nothing learned of upstream's limiters
    stuck = time.pacer(rate=None, budget_s=5)
    with pytest.raises(RoadFault) as caught:
        stuck.send(lambda: FakeResponse(429), ())
    assert caught.value.kind == "throttled"


def test_retry_after_as_http_date(fake_time: FakeTime) -> None:
    time = fake_time
    time.now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 11, 28, 12, 0, 42, tzinfo=UTC), usegmt=True)
    answers = [FakeResponse(429, {"Retry-After": later}), FakeResponse(200)]
    pacer = time.pacer(rate=None)
    pacer.send(lambda: answers.pop(0))
    assert time.sleeps == [42.0]


def test_out_of_budget_is_a_road_fault_not_an_answer(fake_time: FakeTime) -> None:
    time = fake_time
    server = SlidingLog(time, limit=3, window=180)
    pacer = time.pacer(rate=None, budget_s=60)
    for _ in range(3):
        pacer.send(server.answer)
    with pytest.raises(RoadFault) as caught:
        pacer.send(server.answer)
    assert caught.value.kind == "throttled" and "--max-wait" in str(caught.value)
    assert pacer.waited_s <= 60


def test_a_429_answer_is_closed_and_never_returned(fake_time: FakeTime) -> None:
    time = fake_time
    answers = [FakeResponse(429), FakeResponse(429), FakeResponse(200)]
    seen = list(answers)
    pacer = time.pacer(rate=None)
    final = pacer.send(lambda: answers.pop(0))
    assert final is seen[2] and seen[0].closed and seen[1].closed and not final.closed
    assert (pacer.sent, pacer.throttled) == (3, 2)


def test_search_429s_teach_the_search_limit_not_the_global_one(fake_time: FakeTime) -> None:
    time = fake_time
    search = SlidingLog(time, limit=10, window=60)
    pacer = time.pacer(rate=None)
    keys = ("global", "search:abc")
    for _ in range(25):
        time.now += 0.01
        pacer.send(search.answer, keys)
        pacer.send(lambda: FakeResponse(200))  # other API traffic goes on meanwhile
    learned = pacer.learned()
    assert learned["search:abc"]["limit"] == 10 and "global" not in learned


def test_a_learned_limit_holds_back_its_own_limiter_only(fake_time: FakeTime) -> None:
    time = fake_time
    server = SlidingLog(time, limit=2, window=180)
    pacer = time.pacer(rate=None)
    pacer.send(server.answer)
    pacer.send(server.answer)
    time.now += 10
    pacer.send(server.answer)  # 429: learns 2 per window, probes until the first ages out
    for _ in range(40):  # each window narrows the bracket on the window's length
        if pacer._logs["global"].window_confirmed:
            break
        pacer.send(server.answer)
    assert pacer._logs["global"].window_s == pytest.approx(180, abs=1)
    pacer.acquire()  # one slot of the two is free again
    slept, refused = sum(time.sleeps), server.refused
    pacer.acquire(())  # a relay request passes no limiter: no wait
    assert sum(time.sleeps) == slept
    pacer.acquire()  # the limiter is full under the learned limit: waits, no 429 needed
    assert sum(time.sleeps) > slept and server.refused == refused


def _script(*answers: FakeResponse):
    queue = list(answers)
    return lambda: queue.pop(0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate_per_s": 0}, "rate_per_s must be positive or None, not 0"),
        ({"burst": 0}, "burst must be at least 1, not 0"),
        ({"budget_s": -1}, "budget_s must be 0 or more, not -1"),
    ],
)
def test_bad_settings_are_named(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Pacer(**kwargs)


def test_the_smallest_settings_are_fine() -> None:
    assert Pacer(1.0, burst=1, budget_s=0).budget_s == 0
    assert Pacer(None, burst=1, budget_s=0.5).burst == 1


def test_the_default_burst_is_ten(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=1.0)
    for _ in range(10):
        pacer.acquire()
    assert fake_time.sleeps == []
    pacer.acquire()
    assert fake_time.sleeps == [1.0]


def test_a_wait_of_exactly_the_budget_is_still_waited(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=1.0, burst=1, budget_s=1.0)
    pacer.acquire()
    pacer.acquire()
    assert fake_time.sleeps == [1.0] and pacer.waited_s == 1.0


def test_each_kind_of_wait_names_itself_when_over_the_budget(fake_time: FakeTime) -> None:
    rate = fake_time.pacer(rate=1.0, burst=1, budget_s=0)
    rate.acquire()
    with pytest.raises(RoadFault) as caught:
        rate.acquire()
    assert str(caught.value) == (
        "throttled by the server's rate limits: --rate, 1 s more needed after 0 s of waiting, "
        "over the budget of 0 s (--max-wait)"
    )
    answered = fake_time.pacer(rate=None, budget_s=0)
    with pytest.raises(RoadFault, match="rate limits: answered 429, 7 s more"):
        answered.send(_script(FakeResponse(429, {"Retry-After": "7"})))
    # the 429 blocked the limiter: the next request waits, and says why
    with pytest.raises(RoadFault, match="rate limits: the server's rate limit, 7 s more"):
        answered.acquire()


def test_requests_are_counted_per_limiter_kind(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None)
    pacer.acquire(("global", "search:abc"))
    pacer.acquire(("global", "search:def"))
    pacer.acquire(("global", "critical"))
    assert pacer.sent_by_limiter == {"global": 3, "search": 2, "critical": 1}


def test_retry_after_in_lower_case(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None)
    pacer.send(_script(FakeResponse(429, {"retry-after": "7"}), FakeResponse(200)))
    assert fake_time.sleeps == [7.0]


def test_retry_after_in_the_past_is_no_wait(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None)
    fake_time.now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC).timestamp()
    earlier = format_datetime(datetime(2026, 11, 28, 11, 0, 0, tzinfo=UTC), usegmt=True)
    assert pacer._parse_retry_after(earlier) == 0.0
    assert pacer._parse_retry_after("") is None and pacer._parse_retry_after("soon") is None


def test_the_culprit_is_a_used_up_critical_limiter_before_the_global_one(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None, budget_s=10_000)
    for _ in range(160):
        pacer.acquire()
    for _ in range(20):
        pacer.acquire(("global", "critical"))
    fake_time.now += 1
    pacer.send(_script(FakeResponse(429, {"Retry-After": "1"}), FakeResponse(200)), ("global", "critical"))
    assert set(pacer.learned()) == {"critical"}


def test_the_culprit_is_global_when_it_has_traffic_and_nothing_specific_is_used_up(
    fake_time: FakeTime,
) -> None:
    pacer = fake_time.pacer(rate=None)
    keys = ("global", "search:abc")
    pacer.acquire(keys)
    pacer.send(_script(FakeResponse(429, {"Retry-After": "1"}), FakeResponse(200)), keys)
    assert set(pacer.learned()) == {"global"}


def test_without_global_the_culprit_is_the_specific_limiter_with_traffic(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None)
    pacer.acquire()  # global traffic, but this request does not pass the global limiter
    pacer.acquire(("search:abc",))
    pacer.send(_script(FakeResponse(429, {"Retry-After": "1"}), FakeResponse(200)), ("search:abc",))
    assert set(pacer.learned()) == {"search:abc"}


def _bracketed(lo: float, hi: float | None, limit: int | None = None, limit_until: float = 0.0) -> _Log:
    """A global limiter's log (default window 180 s) whose window is known to lie in (lo, hi]."""
    return _Log(180.0, limit=limit, limit_until=limit_until, window_lo=lo, window_hi=hi)


@pytest.mark.parametrize(
    ("lo", "hi", "now", "streak", "expected"),
    [
        (9.8, 10.0, 101.0, 0, 110.05),  # confirmed: when the oldest pass ages out, plus slack
        (9.8, 10.0, 120.0, 0, 120.0),  # confirmed, and that moment is past: now
        (0.0, 10.0, 101.0, 0, 105.0),  # bracketed: its middle
        (0.0, 10.0, 105.0, 0, 110.05),  # the middle is now, not ahead: the bracket's end
        (0.0, 10.0, 107.0, 0, 110.05),  # the middle is past: the bracket's end
        (0.0, None, 101.0, 0, 102.0),  # unmeasured: 1, 2, 4 ... s apart
        (0.0, None, 279.5, 1, 280.05),  # ... but not past the default window's end
        (0.0, None, 280.05, 1, 282.05),  # which is now: probing goes on
    ],
)
def test_the_next_probe_after_a_429(
    lo: float, hi: float | None, now: float, streak: int, expected: float
) -> None:
    assert _bracketed(lo, hi).next_probe(now, 100.0, streak) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("lo", "hi", "seen", "expected"),
    [
        (0.0, 10.0, 10.0, (10.0, 10.0)),  # refused at the bound a pass set: the window is confirmed
        (0.0, 10.0, 12.0, (12.0, None)),  # refused later than a pass said: measured again
        (5.0, None, 3.0, (5.0, None)),  # the lower bound only rises
    ],
)
def test_a_refused_probe_raises_the_windows_lower_bound(
    lo: float, hi: float | None, seen: float, expected: tuple[float, float | None]
) -> None:
    log = _bracketed(lo, hi)
    log.refused_at(100.0 + seen, 100.0)
    assert (log.window_lo, log.window_hi) == expected


@pytest.mark.parametrize(
    ("lo", "hi", "seen", "expected"),
    [
        (10.0, None, 10.0, (10.0, 10.0)),  # a pass at the lower bound keeps it
        (10.0, None, 5.0, (0.0, 5.0)),  # earlier than a refusal said: the lower bound is dropped
        (0.0, 10.0, 15.0, (0.0, 10.0)),  # the upper bound only falls
        (0.0, 10.0, 8.0, (0.0, 8.0)),
    ],
)
def test_a_pass_after_429s_lowers_the_windows_upper_bound(
    lo: float, hi: float | None, seen: float, expected: tuple[float, float | None]
) -> None:
    log = _bracketed(lo, hi)
    log.passed_at(100.0 + seen, 100.0)
    assert (log.window_lo, log.window_hi) == expected


@pytest.mark.parametrize(("valid_for", "expected"), [(1.0, 105.05), (0.0, 100.0)], ids=["valid", "expired"])
def test_a_learned_limit_holds_requests_back_until_it_expires(valid_for: float, expected: float) -> None:
    log = _bracketed(9.8, 10.0, limit=1, limit_until=100.0 + valid_for)
    log.passed = [95.0]
    assert log.ready_at(100.0) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("before", "valid_for", "own", "after", "renewed"),
    [
        (None, 0.0, 0, None, False),  # nothing of ours in the window: nothing to learn from
        (None, 0.0, 2, 2, True),
        (3, 10.0, 2, 2, True),  # a smaller count lowers a valid limit
        (2, 10.0, 3, 2, False),  # a larger one does not raise it
        (2, 10.0, 2, 2, False),  # the same count does not extend it
        (2, 0.0, 3, 3, True),  # expiring right now: replaced
    ],
)
def test_a_429_learns_the_own_count_as_the_limit(
    fake_time: FakeTime, before: int | None, valid_for: float, own: int, after: int | None, renewed: bool
) -> None:
    pacer = fake_time.pacer(rate=None)
    for _ in range(own):
        pacer.acquire()
    log = pacer._log("global")
    start = fake_time.now
    until = start + valid_for if before else 0.0
    log.limit, log.limit_until = before, until
    pacer.send(_script(FakeResponse(429, {"Retry-After": "1"}), FakeResponse(200)))
    assert (log.limit, log.limit_until) == (after, start + 180 if renewed else until)


def test_retry_after_caps_the_probe_when_own_traffic_explains_the_429(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None)
    pacer.acquire()
    pacer.send(_script(FakeResponse(429, {"Retry-After": "100"}), FakeResponse(200)))
    assert fake_time.sleeps == [1.0]  # the first probe, not upstream's whole window


def test_learned_reports_limit_and_window(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None, budget_s=0)
    pacer.acquire()
    pacer.acquire()
    with pytest.raises(RoadFault):
        pacer.send(_script(FakeResponse(429, {"Retry-After": "1"})), ("global", "search:abc"))
    pacer.acquire(("search:def",))
    assert pacer.learned() == {"global": {"limit": 2, "window_s": 180.0}}


def test_allow_grants_more_waiting_from_what_was_already_spent(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=1.0, burst=1, budget_s=2.0)
    for _ in range(3):
        pacer.acquire()
    assert pacer.waited_s == 2.0
    pacer.allow(1.0)
    pacer.acquire()
    assert fake_time.sleeps == [1.0, 1.0, 1.0]
    with pytest.raises(RoadFault):
        pacer.acquire()


def test_allow_never_lowers_the_budget(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None, budget_s=100.0)
    pacer.allow(5.0)
    assert pacer.budget_s == 100.0


def test_a_request_whose_answer_was_lost_still_counts(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None)

    def lost() -> FakeResponse:
        raise ConnectionError("reset by peer")

    with pytest.raises(ConnectionError):
        pacer.send(lost)
    pacer.send(_script(FakeResponse(429, {"Retry-After": "1"}), FakeResponse(200)))
    assert pacer.learned()["global"]["limit"] == 1


def test_an_answer_slower_than_the_window_is_counted_when_it_comes(fake_time: FakeTime) -> None:
    pacer = fake_time.pacer(rate=None, budget_s=0)

    def slow() -> FakeResponse:
        fake_time.now += 200  # longer than the global window: the reservation ages out
        # Meanwhile another thread's request is refused and gives up (the budget is spent).
        with pytest.raises(RoadFault):
            pacer.send(_script(FakeResponse(429, {"Retry-After": "7"})))
        return FakeResponse(200)

    assert pacer.send(slow).status_code == 200
    assert pacer._logs["global"].passed == [fake_time.now]
