"""Fixtures for the reference server's own tests: started servers and bootstrapped users.

Every test talks HTTP to a server started with `newapi_contract.refserver.server.start` on a
free loopback port. `world` is a healthy server per generation shared by a module (tests
use unique token names); `make_world(...)` starts a fresh one with other settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from refworld import World, close_world, open_world

from newapi_contract.refserver.server import ServerConfig


@pytest.fixture(scope="module", params=["legacy", "current"])
def world(request: pytest.FixtureRequest) -> Iterator[World]:
    """A healthy bootstrapped server of each generation, shared by the module."""
    opened = open_world(ServerConfig(generation=request.param))
    yield opened
    close_world(opened)


@pytest.fixture(scope="module")
def legacy() -> Iterator[World]:
    opened = open_world(ServerConfig(generation="legacy"))
    yield opened
    close_world(opened)


@pytest.fixture(scope="module")
def current() -> Iterator[World]:
    opened = open_world(ServerConfig(generation="current"))
    yield opened
    close_world(opened)


@pytest.fixture
def make_world() -> Iterator[Callable[..., World]]:
    """Start fresh servers: `make_world(generation, faults=..., bootstrap=True, ...)`."""
    opened: list[World] = []

    def make(generation: str = "current", bootstrap: bool = True, **settings: Any) -> World:
        opened.append(open_world(ServerConfig(generation=generation, **settings), bootstrap))
        return opened[-1]

    yield make
    for each in opened:
        close_world(each)
