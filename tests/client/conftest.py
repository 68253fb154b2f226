"""Fixtures for the client layer's tests: one guarded stack, no sockets, no real sleeping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from newapi_contract.client.guard import Guard
from newapi_contract.client.ledger import Ledger
from newapi_contract.client.pacing import Pacer
from newapi_contract.client.recording import Recorder
from newapi_contract.client.redaction import Redactor
from newapi_contract.client.road import Road

BASE = "http://127.0.0.1:3000"
OWNER_TOKEN = "q8+Zk/3mPq0v9Rr1Lm2Nn3Oo4Pp5Qq6="


class FakeTime:
    """A clock that moves only when slept on; one time for monotonic and wall clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def pacer(self, rate: float | None, **kwargs: Any) -> Pacer:
        return Pacer(rate, clock=self.clock, sleep=self.sleep, wall_clock=self.clock, **kwargs)

    def road(self, **kwargs: Any) -> Road:
        return Road(clock=self.clock, sleep=self.sleep, **kwargs)


@dataclass
class Stack:
    """Everything one guarded client needs, and the sleeps its pacer asked for."""

    ledger: Ledger
    guard: Guard
    pacer: Pacer
    recorder: Recorder
    redactor: Redactor
    time: FakeTime
    road: Road
    base: str = BASE
    owner_token: str = OWNER_TOKEN

    @property
    def sleeps(self) -> list[float]:
        return self.time.sleeps


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def stack(fake_time: FakeTime) -> Stack:
    ledger = Ledger("nac-test-")
    ledger.record(5, "nac-test-a", owner_id=2)
    ledger.note_kin({4, 6})  # the run's tokens either side: the guard's off-by-one fence
    redactor = Redactor()
    redactor.add_secret(OWNER_TOKEN, "$NEWAPI_ACCESS_TOKEN")
    pacer = fake_time.pacer(None)
    return Stack(ledger, Guard(ledger, BASE), pacer, Recorder(), redactor, fake_time, fake_time.road())
