"""Recording of HTTP exchanges, redacted as they are recorded, grouped by test.

The report shows each test's exchanges with a copy-paste curl line. An exchange holds only
redacted text: secrets are removed when it is built, never later, so nothing downstream
(report writers, JUnit, logs) can leak what it never received.
"""

from __future__ import annotations

import contextvars
import re
import shlex
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from newapi_contract.client.origin import route_path
from newapi_contract.client.redaction import Redactor

__all__ = ["SESSION_SCOPE", "TOKEN_KEY_VAR", "Exchange", "Observation", "Recorder", "token_key_line"]

SESSION_SCOPE = "(session)"

# Headers a curl line leaves to curl: it computes them itself, and a stale Content-Length
# or a gzip Accept-Encoding would break the copy-pasted command.
_CURL_SKIPS = frozenset({"host", "content-length", "accept-encoding", "connection"})
# Placeholders that name an env var; a curl line lets the shell expand them.
_ENV_PLACEHOLDER = re.compile(r"(\$NEWAPI_[A-Z0-9_]+)")
# The shell variable a curl line holds a relay key in (the key as new-api stores it, without
# "sk-"); the report says how to get it. Only relay requests (paths outside /api/) carry one.
TOKEN_KEY_VAR = "NEWAPI_TOKEN_KEY"


def token_key_line(token: int | str | None = None) -> str:
    """How to get the relay key a curl line names as `$NEWAPI_TOKEN_KEY`, of `token` when the
    run knows which (the one home of this sentence: bug reports and the compare page)."""
    mine = f" (here token {token})" if token else ""
    return (
        f'{TOKEN_KEY_VAR}=the key of a token of yours, without "sk-": every token of the run{mine} '
        "is deleted by its end, its key with it, and the run never writes keys down. To repeat "
        "it: create a token (POST /api/token/), read its key (POST /api/token/{id}/key answers "
        "data.key; releases without that route list full keys in GET /api/token/), do what the "
        "test did before this request (for a deleted key: send this curl line once while the "
        "token lives, as the test's positive control did, then DELETE /api/token/{id}), then "
        "send the curl line"
    )


_REDACTED = "[REDACTED]"
# Where a relay request carries its key: any header (Authorization, x-api-key, mj-api-secret,
# the WebSocket subprotocol...) but a cookie, and the query's `key=` (Gemini). A management
# request redacted as [REDACTED] in these headers carries a relay key too (DEL-AUTH-7 sends
# one there): the access tokens have placeholders of their own.
_NOT_KEY_HEADERS = frozenset({"cookie"})
_KEY_HEADERS = frozenset({"authorization", "x-api-key", "mj-api-secret", "x-goog-api-key"})
_KEY_QUERY = re.compile(r"([?&]key=)\[REDACTED\]")


def _shell_word(text: str) -> str:
    """`text` quoted for a POSIX shell, leaving `$NEWAPI_*` placeholders expandable."""
    parts = [part for part in _ENV_PLACEHOLDER.split(text) if part]
    if not parts:
        return "''"
    return "".join(f'"{part}"' if _ENV_PLACEHOLDER.fullmatch(part) else shlex.quote(part) for part in parts)


def _body_text(body: bytes | None) -> str:
    return "" if not body else body.decode("utf-8", "replace")


@dataclass(frozen=True)
class Exchange:
    """One request and its answer (or the error instead), all text already redacted."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_headers: dict[str, str]
    response_body: str
    elapsed_ms: float
    error: str | None = None

    @classmethod
    def capture(
        cls,
        redactor: Redactor,
        *,
        method: str,
        url: str,
        request_headers: Mapping[str, str],
        request_body: bytes | None,
        status: int | None = None,
        response_headers: Mapping[str, str] | None = None,
        response_body: bytes | None = None,
        elapsed_ms: float = 0.0,
        error: str | None = None,
    ) -> Exchange:
        """Build an exchange from raw parts, redacting every one of them.

        First the redactor learns any secret the answer hands out that only its route tells
        apart (the access token `GET /api/user/token` answers), so it is redacted here too.
        """
        redactor.learn(method, route_path(url), response_body)
        return cls(
            method=method.upper(),
            url=redactor.text(url),
            request_headers=redactor.headers(request_headers),
            request_body=redactor.text(_body_text(request_body)),
            status=status,
            response_headers=redactor.headers(response_headers or {}),
            response_body=redactor.text(_body_text(response_body)),
            elapsed_ms=elapsed_ms,
            error=None if error is None else redactor.text(error),
        )

    @property
    def is_relay(self) -> bool:
        """A relay request (`/v1/...`, `/v1beta/...`, `/mj/...`): any redacted secret it sends
        is a token's key."""
        path = route_path(self.url)
        return not (path == "/api" or path.startswith("/api/"))

    def shown_url(self) -> str:
        """The URL as the curl line has it: a relay key in the query is `$NEWAPI_TOKEN_KEY`."""
        if not self.is_relay:
            return self.url
        return _KEY_QUERY.sub(lambda m: m.group(1) + f"${TOKEN_KEY_VAR}", self.url)

    def carries_key(self) -> bool:
        """Whether its curl line names the relay key as `$NEWAPI_TOKEN_KEY`."""
        return f"${TOKEN_KEY_VAR}" in self.curl()

    def curl(self) -> str:
        """A curl command line that repeats the request; a relay key, redacted when recorded,
        is the shell variable `$NEWAPI_TOKEN_KEY` (never `[REDACTED]`, which no one can paste)."""
        url, relay, var = self.shown_url(), self.is_relay, f"${TOKEN_KEY_VAR}"
        words = ["curl", "-X", self.method, _shell_word(url)]
        for name, value in self.request_headers.items():
            if name.lower() not in _CURL_SKIPS:
                if name.lower() in _KEY_HEADERS or (relay and name.lower() not in _NOT_KEY_HEADERS):
                    value = value.replace(_REDACTED, var)
                words += ["-H", _shell_word(f"{name}: {value}")]
        if self.request_body:
            words += ["--data-raw", _shell_word(self.request_body)]
        return " ".join(words)


_current_scope: contextvars.ContextVar[str] = contextvars.ContextVar("newapi_contract_scope")


def current_scope(default: str = "(session)") -> str:
    """The scope exchanges recorded here and now go to (a test's node id, usually)."""
    return _current_scope.get(default)


class Recorder:
    """Thread-safe store of exchanges by scope (a test's node id, usually).

    The scope is a contextvar, set by `scope()`. Threads started inside a scope do not
    inherit contextvars, so an exchange recorded where none is set goes to the innermost
    scope open in the process (one test runs at a time per process, xdist or not), and to
    `"(session)"` when none is open.
    """

    def __init__(self, history: int = 5000) -> None:
        self._lock = threading.Lock()
        self._by_scope: dict[str, list[Exchange]] = {}
        self._counts: dict[str, int] = {}
        self._open: list[str] = []
        # The latest exchanges of the whole process, for clauses that judge every answer of
        # a kind the run received (DEL-SHAPE-1), whatever test sent it.
        self._history: deque[Exchange] = deque(maxlen=history)
        # Told (exchange, scope) of every exchange added (the run's model, `client.ledger`).
        self._listeners: list[Callable[[Exchange, str], None]] = []

    def listen(self, listener: Callable[[Exchange, str], None]) -> None:
        """Call `listener(exchange, scope)` for every exchange added from now on."""
        with self._lock:
            self._listeners.append(listener)

    @contextmanager
    def scope(self, name: str) -> Iterator[None]:
        token = _current_scope.set(name)
        with self._lock:
            self._open.append(name)
        try:
            yield
        finally:
            with self._lock:
                self._open.remove(name)
            _current_scope.reset(token)

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            fallback = self._open[-1] if self._open else SESSION_SCOPE
            name = _current_scope.get(fallback)
            self._by_scope.setdefault(name, []).append(exchange)
            self._counts[name] = self._counts.get(name, 0) + 1
            self._history.append(exchange)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(exchange, name)

    def attach(self, exchanges: list[Exchange], *, counted: bool, scope: str | None = None) -> None:
        """Put exchanges recorded elsewhere (an observation several tests share) into `scope`
        (default: the current one), for its report; `counted` adds them to its request count."""
        with self._lock:
            fallback = self._open[-1] if self._open else SESSION_SCOPE
            name = scope or _current_scope.get(fallback)
            self._by_scope.setdefault(name, []).extend(exchanges)
            if counted:
                self._counts[name] = self._counts.get(name, 0) + len(exchanges)

    def history(self) -> list[Exchange]:
        """Every exchange recorded in this process (the latest few thousand), oldest first."""
        with self._lock:
            return list(self._history)

    def take(self, name: str) -> list[Exchange]:
        """Remove and return the exchanges of scope `name` (oldest first)."""
        with self._lock:
            return self._by_scope.pop(name, [])

    def count_by_scope(self) -> dict[str, int]:
        """Requests recorded per scope since the start, including those already taken."""
        with self._lock:
            return dict(self._counts)


class Observation:
    """What one observation shared by several tests (a module fixture) sent and received:
    recorded once, in a scope of its own, and shown in the report of every test that judges
    it (the plugin attaches it; the first such test counts its requests)."""

    def __init__(self, recorder: Recorder, name: str) -> None:
        self._recorder = recorder
        self._scope = f"(shared: {name})"
        self.exchanges: list[Exchange] = []
        self._counted = False

    @contextmanager
    def recording(self) -> Iterator[None]:
        try:
            with self._recorder.scope(self._scope):
                yield
        finally:
            self.exchanges.extend(self._recorder.take(self._scope))

    def attach_to(self, scope: str) -> None:
        self._recorder.attach(self.exchanges, counted=not self._counted, scope=scope)
        self._counted = True
