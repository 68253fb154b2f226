"""A base URL with a path prefix (a reverse proxy serving new-api under /newapi/): the guard
judges paths under the prefix as upstream routes them and refuses anything outside it; every
reader of paths (pacing, the road, the recorder, the model feed) sees the route."""

from __future__ import annotations

import pytest

from newapi_contract.client.guard import Guard
from newapi_contract.client.ledger import Ledger
from newapi_contract.client.limits import buckets_for
from newapi_contract.client.origin import prefix_of, route_path, under_prefix
from newapi_contract.client.road import Attempt
from newapi_contract.errors import GuardRefusal

BASE = "http://proxy.test:8080/newapi/"
ROOT = "http://proxy.test:8080/newapi"


@pytest.fixture
def guard() -> Guard:
    ledger = Ledger("nac-test-")
    for token_id in (4, 5, 6):
        ledger.record(token_id, f"nac-test-{token_id}", owner_id=2)
    return Guard(ledger, BASE)


def test_the_prefix_of_a_base_url() -> None:
    assert prefix_of(BASE) == prefix_of(ROOT) == "/newapi"
    assert prefix_of("https://host") == prefix_of("https://host/") == ""
    assert under_prefix("/newapi", "/newapi") and under_prefix("/newapi/api/x", "/newapi")
    assert not under_prefix("/newapix/api", "/newapi") and under_prefix("/anything", "")


def test_paths_under_the_prefix_are_judged_as_routes(guard: Guard) -> None:
    guard.admit("GET", ROOT + "/api/token/?p=1", None)
    guard.admit("DELETE", ROOT + "/api/token/5", None)
    guard.admit("GET", ROOT + "/api/status", None)
    with pytest.raises(GuardRefusal, match="not in the ledger"):
        guard.admit("DELETE", ROOT + "/api/token/9", None)


@pytest.mark.parametrize(
    "url",
    [
        "http://proxy.test:8080/api/token/5",  # the origin's root: not the new-api under test
        "http://proxy.test:8080/newapix/api/token/5",
        "http://proxy.test:8080/other/newapi/api/token/5",
    ],
)
def test_anything_outside_the_prefix_is_refused(guard: Guard, url: str) -> None:
    with pytest.raises(GuardRefusal, match="outside the path prefix /newapi"):
        guard.admit("DELETE", url, None)
    assert guard.refusals[-1].startswith("outside the path prefix /newapi: DELETE /")


def test_every_reader_sees_the_route(guard: Guard) -> None:
    assert route_path(ROOT + "/api/token/5/key") == "/api/token/5/key"
    assert route_path("/newapi/api/token/5") == "/api/token/5"  # a Location header's path
    assert route_path("http://elsewhere.test/newapi/api/token/5") == "/newapi/api/token/5"
    assert route_path(ROOT) == "/"
    assert Attempt("DELETE", ROOT + "/api/token/5", None, {}).path == "/api/token/5"
    assert buckets_for("GET", route_path(ROOT + "/api/token/5"), {}) == ("global",)
