"""The pacer: a token bucket and patience with 429s, on a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING

import pytest

from newapi_contract.client.pacing import Pacer

if TYPE_CHECKING:
    from tests.client.conftest import FakeTime


@dataclass
class FakeResponse:
    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    def close(self) -> None:
        self.closed = True


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


def test_unlimited_never_sleeps(fake_time: FakeTime) -> None:
    time = fake_time
    pacer = time.pacer(rate=None)
    for _ in range(1000):
        pacer.acquire()
    assert time.sleeps == [] and pacer.sent == 1000


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1.0, 1), (1.0, 0)])
def test_bad_settings(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        Pacer(rate, burst)


@pytest.mark.parametrize(
    ("status", "headers", "attempt", "wait"),
    [
        (200, {}, 0, None),
        (503, {"Retry-After": "3"}, 0, None),  # only 429 is known to have had no effect
        (429, {"Retry-After": "7"}, 0, 7.0),
        (429, {"retry-after": " 7 "}, 0, 7.0),
        (429, {}, 0, 1.0),
        (429, {}, 1, 2.0),
        (429, {}, 3, 8.0),
        (429, {}, 6, None),  # max_retries reached
        (429, {"Retry-After": "1200"}, 0, 300.0),  # capped at max_wait_s
        (429, {"Retry-After": "soon"}, 2, 4.0),  # unparseable: backoff
        (429, {"Retry-After": "-5"}, 0, 1.0),  # not a number of seconds either
    ],
)
def test_retry_after(
    fake_time: FakeTime, status: int, headers: dict[str, str], attempt: int, wait: float | None
) -> None:
    assert fake_time.pacer(rate=None).retry_after(status, headers, attempt) == wait


def test_retry_after_as_http_date(fake_time: FakeTime) -> None:
    time = fake_time
    time.now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC).timestamp()
    later = format_datetime(datetime(2026, 11, 28, 12, 0, 42, tzinfo=UTC), usegmt=True)
    earlier = format_datetime(datetime(2026, 11, 28, 11, 0, 0, tzinfo=UTC), usegmt=True)
    pacer = time.pacer(rate=None)
    assert pacer.retry_after(429, {"Retry-After": later}) == 42.0
    assert pacer.retry_after(429, {"Retry-After": earlier}) == 0.0


def test_send_resends_after_429_and_counts(fake_time: FakeTime) -> None:
    time = fake_time
    pacer = time.pacer(rate=None)
    answers = [FakeResponse(429, {"Retry-After": "5"}), FakeResponse(429), FakeResponse(200)]
    sent: list[FakeResponse] = []

    def send_once() -> FakeResponse:
        sent.append(answers[len(sent)])
        return sent[-1]

    final = pacer.send(send_once)
    assert final.status_code == 200 and len(sent) == 3
    assert sent[0].closed and sent[1].closed and not final.closed
    assert time.sleeps == [5.0, 2.0]  # Retry-After, then backoff for the second retry
    assert (pacer.sent, pacer.throttled, pacer.waited_s) == (3, 2, 7.0)


def test_send_gives_up_after_max_retries(fake_time: FakeTime) -> None:
    time = fake_time
    pacer = time.pacer(rate=None, max_retries=2)
    final = pacer.send(lambda: FakeResponse(429))
    assert final.status_code == 429 and not final.closed  # handed to the caller as it came
    assert pacer.throttled == 3 and time.sleeps == [1.0, 2.0]


def test_a_429_holds_back_other_requests_too(fake_time: FakeTime) -> None:
    time = fake_time
    pacer = time.pacer(rate=None, max_retries=0)
    pacer._resume_at = time.now + 9  # as left by another thread's 429
    pacer.acquire()
    assert time.sleeps == [9.0]
