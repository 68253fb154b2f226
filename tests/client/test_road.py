"""The road: what is resent after a network fault or a proxy's page, and what is unverified."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from newapi_contract.client.road import Attempt, is_busy_answer, is_proxy_answer
from newapi_contract.errors import RoadFault

if TYPE_CHECKING:
    from tests.client.conftest import FakeTime

NGINX_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


@dataclass
class Answer:
    status_code: int
    content: bytes = b'{"success":true,"message":""}'
    headers: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    def close(self) -> None:
        self.closed = True


class Reset(Exception):
    """Stands for a transport error that may have reached the server."""


class Refused(Exception):
    """Stands for a transport error before anything was sent."""


def _unclear(exc: BaseException) -> bool | None:
    return {Reset: True, Refused: False}.get(type(exc))


def _script(*steps: object):
    """send_once that raises or answers the steps in turn; `calls` counts the sends."""
    queue = list(steps)
    calls: list[int] = []

    def send_once() -> Answer:
        calls.append(1)
        step = queue.pop(0)
        if isinstance(step, BaseException):
            raise step
        assert isinstance(step, Answer)
        return step

    return send_once, calls


GET = Attempt("GET", "http://h/api/token/5", None, {})
DELETE = Attempt("DELETE", "http://h/api/token/5", None, {})
CREATE = Attempt("POST", "http://h/api/token/", b'{"name":"nac-x"}', {})


@pytest.mark.parametrize(
    ("status", "content", "proxy"),
    [
        (502, NGINX_502, True),
        (503, b"Service Temporarily Unavailable", True),
        (504, b"", True),
        (502, b'{"success":false,"message":"upstream"}', False),  # new-api's own JSON
        (503, b'{"error":{"message":"no channel","type":"new_api_error"}}', False),
        (503, b"[1, 2]", True),
        (500, b"<html>panic</html>", False),  # a 500 is the server's: a defect, not the road
        (429, b"", False),  # the pacer's business
    ],
)
def test_what_counts_as_a_proxy_answer(status: int, content: bytes, proxy: bool) -> None:
    assert is_proxy_answer(status, content) is proxy


def test_not_sent_is_resent_whatever_the_method(fake_time: FakeTime) -> None:
    road = fake_time.road()
    send, calls = _script(Refused(), Refused(), Answer(200))
    assert road.send(DELETE, send, _unclear).status_code == 200
    assert len(calls) == 3 and road.faults["not sent"] == 2 and fake_time.sleeps == [0.25, 0.5]


def test_an_unclear_read_is_resent(fake_time: FakeTime) -> None:
    road = fake_time.road()
    send, calls = _script(Reset(), Answer(200))
    assert road.send(GET, send, _unclear).status_code == 200 and len(calls) == 2


def test_a_proxy_page_is_closed_and_a_read_resent(fake_time: FakeTime) -> None:
    road = fake_time.road()
    page = Answer(502, NGINX_502)
    send, _ = _script(page, Answer(200))
    assert road.send(GET, send, _unclear).status_code == 200
    assert page.closed and road.faults["proxy"] == 1


@pytest.mark.parametrize("failure", [Reset(), Answer(502, NGINX_502)], ids=["reset", "proxy"])
def test_an_unclear_delete_of_a_token_still_there_is_resent(fake_time: FakeTime, failure: object) -> None:
    asked: list[Attempt] = []
    road = fake_time.road(settler=lambda attempt: asked.append(attempt) or False)
    send, calls = _script(failure, Answer(200))
    assert road.send(DELETE, send, _unclear).status_code == 200
    assert asked == [DELETE] and len(calls) == 2


@pytest.mark.parametrize(("acted", "words"), [(True, "acted"), (None, "may have acted")])
def test_an_unclear_delete_that_may_have_acted_is_lost(
    fake_time: FakeTime, acted: bool | None, words: str
) -> None:
    road = fake_time.road(settler=lambda attempt: acted)
    send, calls = _script(Reset(), Answer(200))
    with pytest.raises(RoadFault) as caught:
        road.send(DELETE, send, _unclear)
    assert caught.value.kind == "lost" and words in str(caught.value) and len(calls) == 1


def test_without_a_settler_nothing_unsafe_is_resent(fake_time: FakeTime) -> None:
    road = fake_time.road()
    send, calls = _script(Reset(), Answer(200))
    with pytest.raises(RoadFault, match="lost"):
        road.send(CREATE, send, _unclear)
    assert len(calls) == 1


def test_patience_runs_out_as_a_network_or_proxy_fault(fake_time: FakeTime) -> None:
    road = fake_time.road(patience_s=10)
    send, _ = _script(*[Refused()] * 50)
    with pytest.raises(RoadFault) as caught:
        road.send(GET, send, _unclear)
    assert caught.value.kind == "network" and sum(fake_time.sleeps) <= 10
    send, _ = _script(*[Answer(503, b"redeploying")] * 50)
    with pytest.raises(RoadFault) as caught:
        road.send(GET, send, _unclear)
    assert caught.value.kind == "proxy"


def test_other_exceptions_are_not_the_roads(fake_time: FakeTime) -> None:
    road = fake_time.road()
    send, calls = _script(ValueError("a bug"))
    with pytest.raises(ValueError):
        road.send(GET, send, _unclear)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("method", "path", "safe"),
    [
        ("GET", "/api/token/5", True),
        ("POST", "/api/token/5/key", True),
        ("POST", "/api/user/login", True),
        ("POST", "/api/token/", False),
        ("POST", "/api/token/batch", False),
        ("DELETE", "/api/token/5", False),
        ("PUT", "/api/token/", False),
    ],
)
def test_safe_requests(method: str, path: str, safe: bool) -> None:
    assert Attempt(method, "http://h" + path, None, {}).is_safe() is safe


def test_a_locked_database_is_written_again(fake_time: FakeTime) -> None:
    # SQLite's busy lock (upstream's default store) refused the write: it did not happen.
    locked = Answer(200, b'{"message":"database is locked (5) (SQLITE_BUSY)","success":false}')
    road = fake_time.road()
    send, calls = _script(locked, locked, Answer(200))
    assert (
        road.send(Attempt("POST", "http://h/api/token/batch", b"{}", {}), send, _unclear).status_code == 200
    )
    assert len(calls) == 3 and road.faults["busy"] == 2 and locked.closed


LOCKED = b'{"message":"database is locked (5) (SQLITE_BUSY)","success":false}'


@pytest.mark.parametrize(
    ("status", "content", "busy"),
    [
        (200, LOCKED, True),
        (200, LOCKED.ljust(499), True),
        # the lock answer is short: 500 bytes and more that quote the words (a token list) are an answer
        (200, LOCKED.ljust(500), False),
        (500, LOCKED, False),
    ],
)
def test_what_counts_as_a_busy_answer(status: int, content: bytes, busy: bool) -> None:
    assert is_busy_answer(status, content) is busy


def test_patience_runs_out_on_a_locked_database_as_a_busy_fault(fake_time: FakeTime) -> None:
    road = fake_time.road(patience_s=0.1)
    send, _ = _script(Answer(200, LOCKED))
    with pytest.raises(RoadFault) as caught:
        road.send(GET, send, _unclear)
    assert caught.value.kind == "busy"
    assert "(the server's database was locked)" in str(caught.value)


def test_a_message_that_only_mentions_a_lock_is_the_servers_answer(fake_time: FakeTime) -> None:
    road = fake_time.road()
    answer = Answer(200, b'{"message":"record not found","success":false}')
    send, _ = _script(answer)
    assert road.send(DELETE, send, _unclear) is answer


@pytest.mark.parametrize(
    ("method", "path", "safe"),
    [
        ("POST", "/api/setup", True),
        ("POST", "/api/user/login/", True),
        ("POST", "/api/token/5/key/", True),
        ("POST", "/api/setup/x", False),
        ("POST", "/api/setupX", False),
        ("POST", "/api/user/", True),  # root creates a user: usernames are unique
        ("POST", "/api/user", True),
        ("PUT", "/api/user/", False),
        ("POST", "/api/user/register", False),
        ("POST", "/api/token/batch/keys", True),  # reveals only
    ],
)
def test_safe_requests_with_or_without_a_trailing_slash(method: str, path: str, safe: bool) -> None:
    assert Attempt(method, "http://h" + path, None, {}).is_safe() is safe


@pytest.mark.parametrize(
    ("content", "proxy"),
    [
        (b'{"other":1}', True),  # an object, but none of new-api's keys
        (b'{"success":false}', False),
        (b'{"message":"x"}', False),
        (b'{"error":"x"}', False),
    ],
)
def test_new_apis_json_is_any_object_with_one_of_its_keys(content: bytes, proxy: bool) -> None:
    assert is_proxy_answer(502, content) is proxy


def test_a_502_in_new_apis_json_is_the_servers_answer(fake_time: FakeTime) -> None:
    road = fake_time.road()
    own = Answer(502, b'{"success":false,"message":"upstream"}')
    send, calls = _script(own, Answer(200))
    assert road.send(DELETE, send, _unclear) is own and len(calls) == 1 and road.resent == 0


def test_the_road_counts_resends_waits_and_unclear_faults(fake_time: FakeTime) -> None:
    road = fake_time.road()
    assert (road.resent, road.waited_s, dict(road.faults)) == (0, 0.0, {})
    send, _ = _script(Reset(), Refused(), Answer(200))
    road.send(GET, send, _unclear)
    assert (road.resent, road.waited_s) == (2, 0.75)
    assert road.faults == {"unclear": 1, "not sent": 1}


def test_the_pause_doubles_up_to_eight_seconds(fake_time: FakeTime) -> None:
    road = fake_time.road(patience_s=1000)
    send, _ = _script(*[Refused()] * 8, Answer(200))
    road.send(GET, send, _unclear)
    assert fake_time.sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_a_resend_that_ends_exactly_at_the_patience_is_still_made(fake_time: FakeTime) -> None:
    road = fake_time.road(patience_s=0.25)
    send, calls = _script(Refused(), Answer(200))
    assert road.send(GET, send, _unclear).status_code == 200 and len(calls) == 2


def test_a_proxy_fault_says_what_answered(fake_time: FakeTime) -> None:
    road = fake_time.road(patience_s=0.1)
    send, _ = _script(Answer(503, b"redeploying"))
    with pytest.raises(RoadFault) as caught:
        road.send(GET, send, _unclear)
    assert "(HTTP 503 from something in front of new-api (not its JSON))" in str(caught.value)


@pytest.mark.parametrize(
    ("acted", "words"), [(True, "the server acted;"), (None, "the server may have acted;")]
)
def test_a_lost_answer_says_whether_the_server_acted(
    fake_time: FakeTime, acted: bool | None, words: str
) -> None:
    road = fake_time.road(settler=lambda attempt: acted)
    send, _ = _script(Reset())
    with pytest.raises(RoadFault) as caught:
        road.send(DELETE, send, _unclear)
    assert words in str(caught.value)
