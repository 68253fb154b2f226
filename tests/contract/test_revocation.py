"""The revocation watch on a fake clock: probes until refused or past the bound, then later."""

from __future__ import annotations

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.contract.doors import is_refusal
from newapi_contract.contract.revocation import DoorWatch, Probe, refused_within, watch

OK = Answer(200, httpx.Headers(), "{}", {})
NO = Answer(401, httpx.Headers(), "{}", {})


class FakeTime:
    """A clock that moves only when slept on or when a request takes time."""

    def __init__(self) -> None:
        self.now = 100.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def door(fake: FakeTime, dies_at: float | None, took: float = 0.002):
    """A door that accepts the key until `dies_at` seconds after the start (None: never)."""
    start = fake.now

    def send() -> Answer:
        fake.now += took
        alive = dies_at is None or fake.now - start < dies_at
        return OK if alive else NO

    return send


def test_a_key_dead_at_once_is_refused_on_the_first_probe_and_later():
    fake = FakeTime()
    found = watch(
        {"a": door(fake, 0.0)},
        started=fake.now,
        bound_s=2.0,
        refused=is_refusal,
        clock=fake.clock,
        sleep=fake.sleep,
    )["a"]
    assert len(found.probes) == 1 and found.probes[0].refused
    assert found.later is not None and found.later.refused and found.later.sent_s >= 1.5
    figures = found.figures(2.0)
    assert (
        figures["first_probe_refused"] and figures["within_bound"] and figures["accepted_after_delete"] == 0
    )


def test_a_late_eviction_within_the_bound_holds_and_is_measured():
    fake = FakeTime()
    found = watch(
        {"a": door(fake, 0.12)},
        started=fake.now,
        bound_s=2.0,
        refused=is_refusal,
        clock=fake.clock,
        sleep=fake.sleep,
    )["a"]
    assert found.alive_past(2.0) is None and found.first_refusal is not None
    figures = found.figures(2.0)
    assert figures["accepted_after_delete"] == 3  # at 0, 50 and 100 ms (polls every 50 ms)
    assert 120 <= figures["refused_at_ms"] <= 160 and figures["within_bound"]


def test_a_key_that_never_dies_is_seen_alive_past_the_bound():
    fake = FakeTime()
    found = watch(
        {"a": door(fake, None)},
        started=fake.now,
        bound_s=0.5,
        refused=is_refusal,
        clock=fake.clock,
        sleep=fake.sleep,
    )["a"]
    alive = found.alive_past(0.5)
    assert alive is not None and alive.sent_s >= 0.5 and found.first_refusal is None
    assert not found.figures(0.5)["within_bound"]


def test_bound_zero_demands_the_very_first_probe():
    fake = FakeTime()
    found = watch(
        {"a": door(fake, 0.01)},
        started=fake.now,
        bound_s=0.0,
        refused=is_refusal,
        clock=fake.clock,
        sleep=fake.sleep,
    )["a"]
    assert len(found.probes) == 1 and found.alive_past(0.0) is found.probes[0]


def test_doors_are_probed_in_turn_and_each_stops_at_its_refusal():
    fake = FakeTime()
    sends = {"early": door(fake, 0.0), "late": door(fake, 0.2)}
    found = watch(
        sends, started=fake.now, bound_s=2.0, refused=is_refusal, clock=fake.clock, sleep=fake.sleep
    )
    assert len(found["early"].probes) == 1 and len(found["late"].probes) > 1
    assert found["late"].probes[0].sent_s > found["early"].probes[0].sent_s


def test_a_key_accepted_again_later_shows_in_the_later_probe():
    fake = FakeTime()
    answers = iter([NO, OK])  # refused at once, re-cached and accepted a moment later
    found = watch(
        {"a": lambda: next(answers)},
        started=fake.now,
        bound_s=2.0,
        refused=is_refusal,
        clock=fake.clock,
        sleep=fake.sleep,
    )["a"]
    assert found.first_refusal is not None and found.later is not None and not found.later.refused
    assert found.figures(2.0)["later_refused"] is False


def test_refused_within_answers_the_first_refusal_or_the_proof_of_life():
    fake = FakeTime()
    assert refused_within(door(fake, 0.07), 2.0, is_refusal, clock=fake.clock, sleep=fake.sleep).status == 401
    fake = FakeTime()
    assert refused_within(door(fake, None), 0.3, is_refusal, clock=fake.clock, sleep=fake.sleep).status == 200


def test_the_figures_of_a_watch_to_the_tenth_of_a_millisecond():
    probes = [
        Probe(0.0123456, 0.0133333, OK, False),
        Probe(0.0321234, 0.0334567, OK, False),
        Probe(0.0521234, 0.0534567, OK, False),
        Probe(0.1, 0.1023456, NO, True),
    ]
    found = DoorWatch(probes, later=Probe(1.5004321, 1.5021, NO, True))
    assert found.figures(2.0) == {
        "bound_ms": 2000,
        "probes": 4,
        "accepted_after_delete": 3,
        "last_accepted_ms": 52.1,
        "refused_at_ms": 102.3,
        "first_probe_refused": False,
        "later_ms": 1500.4,
        "later_refused": True,
        "within_bound": True,
    }


def test_the_figures_of_a_watch_that_saw_no_refusal_or_nothing():
    alive = DoorWatch([Probe(0.0, 0.001, OK, False), Probe(0.5, 0.501, OK, False)])
    figures = alive.figures(2.0)
    assert figures["within_bound"] is False and figures["refused_at_ms"] is None
    assert figures["later_ms"] is None and figures["later_refused"] is None
    assert DoorWatch().figures(0.5) == {
        "bound_ms": 500,
        "probes": 0,
        "accepted_after_delete": 0,
        "last_accepted_ms": None,
        "refused_at_ms": None,
        "first_probe_refused": False,
        "later_ms": None,
        "later_refused": None,
        "within_bound": False,
    }


def test_the_later_probe_is_sent_later_s_after_the_delete_and_timed():
    fake = FakeTime()
    found = watch(
        {"a": door(fake, 0.0, took=0.002)},
        started=fake.now,
        bound_s=2.0,
        refused=is_refusal,
        clock=fake.clock,
        sleep=fake.sleep,
    )["a"]
    assert found.probes[0].sent_s == 0.0 and found.probes[0].answered_s == pytest.approx(0.002)
    later = found.later
    assert later is not None and later.answer is NO
    assert later.sent_s == pytest.approx(1.5) and later.answered_s == pytest.approx(1.502)


def test_refused_within_makes_no_later_probe_and_sleeps_between_probes():
    fake = FakeTime()
    calls: list[float] = []
    slept: list[float] = []
    send = door(fake, 0.011, took=0.005)

    def counted() -> Answer:
        calls.append(fake.now)
        return send()

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        fake.sleep(seconds)

    assert refused_within(counted, 2.0, is_refusal, clock=fake.clock, sleep=sleep).status == 401
    assert len(calls) == 2 and slept == [0.05]


def test_a_later_wait_under_a_second_is_still_waited():
    fake = FakeTime()
    found = watch(
        {"a": door(fake, 0.0, took=0.7)},
        started=fake.now,
        bound_s=2.0,
        refused=is_refusal,
        clock=fake.clock,
        sleep=fake.sleep,
    )["a"]
    assert found.later is not None and found.later.sent_s == pytest.approx(1.5)
