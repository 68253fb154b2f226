"""The road to the server: what is done when a request gets no real answer.

Between the suite and new-api there may be a proxy, a load balancer, a flaky network or a
server that is restarting. Their failures are facts about the road, not answers of the
server, so they never reach a clause:

- the request was surely not sent (connection refused, no connection in time): resend;
- it may have been sent (reset, timeout, closed without an answer), or something in front
  of new-api answered 502/503/504 with a page that is not new-api's JSON: resend when that
  is safe (reading, or a request the settler proves had no effect), otherwise raise
  `RoadFault("lost")`: the clause is unverified;
- new-api answered that its database was locked (SQLite's SQLITE_BUSY): the write did not
  happen, so it is sent again;
- after `patience_s` of trying, `RoadFault("network")`, `"proxy"` or `"busy"`.

The settler (given by the run, which knows the ledger and the users) answers "did this
request act?" by reading the server's state back: a DELETE of a token that is still there
did nothing, so sending it again gives its real answer.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from newapi_contract.client.origin import route_path
from newapi_contract.errors import RoadFault

__all__ = ["DEFAULT_PATIENCE_S", "Attempt", "Road", "Settler", "is_busy_answer", "is_proxy_answer"]

DEFAULT_PATIENCE_S = 60.0
_PROXY_STATUSES = frozenset({502, 503, 504})
# Requests that change nothing on the server (or nothing a resend could hurt): sent again
# after an unclear failure. POST /api/token/{id}/key and /batch/keys only reveal; login and setup answer
# the same the second time; GET /api/user/token rotates, and the newest token is the valid one;
# root's POST /api/user/ creates a user by a username upstream keeps unique (model/user.go,
# `gorm:"unique"`, both generations): a second create is refused, the bootstrap then logs in.
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SAFE_POSTS = frozenset({"/api/user/login", "/api/setup", "/api/user", "/api/token/batch/keys"})


class _Response(Protocol):
    status_code: int

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes: ...

    def close(self) -> None: ...


R = TypeVar("R", bound=_Response)


@dataclass(frozen=True)
class Attempt:
    """The request a failure happened to, as the settler needs it."""

    method: str
    url: str
    body: bytes | None
    headers: Mapping[str, str]

    @property
    def path(self) -> str:
        return route_path(self.url)  # as upstream routes it: a base URL's path prefix removed

    def is_safe(self) -> bool:
        if self.method in _SAFE_METHODS:
            return True
        path = self.path.rstrip("/")
        return self.method == "POST" and (path.endswith("/key") or path in _SAFE_POSTS)


# acted: True (it did act: its answer is lost), False (it did not: resend), None (cannot tell)
Settler = Callable[[Attempt], bool | None]


# A write the server's database refused for a moment: SQLite's busy lock (the default store
# of new-api, `model/main.go`), reported by GORM in the answer's message. The statement did
# not run, so sending it again is safe; it comes from the run's own parallel writes (-n 2,
# DEL-RACE-1) or other traffic, not from a broken contract.
_BUSY = re.compile(rb"database is locked|SQLITE_BUSY")


def is_busy_answer(status: int, content: bytes) -> bool:
    """new-api's answer that its database was locked (the request changed nothing)."""
    return status == 200 and len(content) < 500 and _BUSY.search(content) is not None


def is_proxy_answer(status: int, content: bytes) -> bool:
    """A 502/503/504 whose body is not new-api's JSON (an object with `success`, `message`
    or `error`): a proxy's or load balancer's page, not the server's answer."""
    if status not in _PROXY_STATUSES:
        return False
    try:
        body = json.loads(content or b"")
    except ValueError:
        return True
    return not (isinstance(body, dict) and ({"success", "message", "error"} & set(body)))


class Road:
    """Resends what is safe to resend; counts every road fault by kind (`faults`)."""

    def __init__(
        self,
        settler: Settler | None = None,
        patience_s: float = DEFAULT_PATIENCE_S,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settler = settler
        self.patience_s = patience_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self.faults: Counter[str] = Counter()  # "not sent", "unclear", "proxy", "busy"
        self.resent = 0
        self.waited_s = 0.0

    def send(
        self,
        attempt: Attempt,
        send_once: Callable[[], R],
        unclear: Callable[[BaseException], bool | None],
    ) -> R:
        """Send, resending after road faults as far as it is safe and patience lasts.

        `unclear(exc)` classifies a transport exception: False (surely not sent), True (may
        have been sent), None (not a road fault: raised as it is).
        """
        started = self._clock()
        pause = 0.25
        while True:
            try:
                response = send_once()
            except Exception as exc:  # classified just below
                maybe_sent = unclear(exc)
                if maybe_sent is None:
                    raise
                kind, why = "network", f"{type(exc).__name__}: {exc}"
                self._count("unclear" if maybe_sent else "not sent")
            else:
                if is_busy_answer(response.status_code, response.content):
                    # Sent and refused: nothing happened, so it goes again whatever it is.
                    maybe_sent, kind, why = False, "busy", "the server's database was locked"
                    response.close()
                    self._count("busy")
                elif not is_proxy_answer(response.status_code, response.content):
                    return response
                else:
                    maybe_sent, kind = True, "proxy"
                    why = f"HTTP {response.status_code} from something in front of new-api (not its JSON)"
                    response.close()
                    self._count("proxy")
            if maybe_sent and not attempt.is_safe():
                acted = self.settler(attempt) if self.settler is not None else None
                if acted is not False:
                    outcome = "acted" if acted else "may have acted"
                    raise RoadFault(
                        "lost",
                        f"{attempt.method} {attempt.path}: the answer was lost ({why}) and the server "
                        f"{outcome}; its real answer cannot be known",
                    )
            elapsed = self._clock() - started
            if elapsed + pause > self.patience_s:
                raise RoadFault(
                    kind,
                    f"{attempt.method} {attempt.path}: no answer from the server after {elapsed:.0f} s "
                    f"of trying ({why})",
                )
            with self._lock:
                self.resent += 1
                self.waited_s += pause
            self._sleep(pause)
            pause = min(pause * 2, 8.0)

    def _count(self, what: str) -> None:
        with self._lock:
            self.faults[what] += 1
