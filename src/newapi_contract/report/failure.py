"""A failed test as a bug report: the clause, what was expected and observed, and the
exchange it is about, built once from the exception and the test's recorded exchanges.

Three kinds of failure reach the report:
- a `ClauseViolation` (the hand-written clauses): expected, observed, maybe the answer judged;
- an AssertionError or a schemathesis failure whose text says `[DEL-X-N label] message`
  (the generated layer's checks and the state machine): the label is the check, the message
  what was observed, the promise is the clause's own;
- anything else (a guard refusal, a crash in a helper): its type and first line.

Everything here is plain data (`as_dict` / `from_dict`), so that it travels from an xdist
worker to the controller inside a report's user properties, and every text in it is
redacted before it is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from newapi_contract.client.recording import Exchange, token_key_line
from newapi_contract.contract.verdict import ClauseViolation

__all__ = ["ABOUT_ANSWER", "ABOUT_CASE", "ABOUT_LAST", "Failure", "failure_from", "pretty_body"]

# Why an exchange is marked as the one a failure is about.
ABOUT_ANSWER = "the answer the verdict judged"
ABOUT_CASE = "the generated case that failed"
ABOUT_LAST = "the last request before the failure"

_TAGGED = re.compile(r"\[(DEL-[A-Z]+-\d+)(?: ([^\]\n]+))?\] ([^\n]+)")
_CURL = re.compile(r"curl -X (\w+)\b.*?'?(https?://[^\s']+)'?")
_HEADLINE_MAX = 600
_KEY_REQUEST = re.compile(r"/api/token/(\d+)/key$")
_TOKEN_PATH = re.compile(r"/api/token/(\d+)$")


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Failure:
    test: str  # the test's node id (a subtest's is the test's own, with the operation)
    clause: str  # the clause broken
    test_clause: str  # the clause the test is about (differs when, e.g., DEL-SHAPE-1 broke)
    kind: str  # "violation", "check" or "error"
    observed: str
    expected: str | None = None
    check: str | None = None  # the generated layer's check label ("deleted is gone")
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    about: int | None = None  # index into exchanges of the exchange the failure is about
    about_why: str | None = None
    replay: str = ""
    details: str = ""  # what else the exception said (hypothesis steps, more failures)
    # Tokens this failure found gone though the run never asked to delete them (the audit's
    # DEL-ALL-1), each {"token": id, "made_for": test}: evidence for `report.rootcause`.
    vanished: list[dict[str, Any]] = field(default_factory=list)

    # -- text forms ------------------------------------------------------------------

    def headline(self) -> str:
        """One line: the clause and what failed (JUnit message, terminal short summary)."""
        if self.expected is not None:
            text = f"{self.clause} failed: expected {self.expected}; observed {self.observed}"
        elif self.check:
            text = f"{self.clause} failed ({self.check}): {self.observed}"
        else:
            text = f"{self.clause} failed: {self.observed}"
        text = _one_line(text)
        return text if len(text) <= _HEADLINE_MAX else text[: _HEADLINE_MAX - 3] + "..."

    def about_exchange(self) -> Exchange | None:
        if self.about is None or not 0 <= self.about < len(self.exchanges):
            return None
        return Exchange(**self.exchanges[self.about])

    def about_line(self) -> str | None:
        """Which request the failure is about: '#3 of 5 GET <url> -> HTTP 200 (why)'."""
        ex = self.about_exchange()
        if ex is None:
            return None
        outcome = ex.error or f"HTTP {ex.status}"
        number = f"#{(self.about or 0) + 1} of {len(self.exchanges)}"
        return f"{number}: {ex.method} {ex.shown_url()} -> {outcome} ({self.about_why})"

    def key_line(self) -> str | None:
        """How to get the relay key the curl line names as `$NEWAPI_TOKEN_KEY` (None when it
        names none): the run never writes a key down, so the line says where it came from."""
        ex = self.about_exchange()
        if ex is None or not ex.carries_key():
            return None
        exchanges = [Exchange(**data) for data in self.exchanges[: self.about]]
        token = next(
            (
                m.group(1)
                for e in reversed(exchanges)
                if e.method == "POST" and (m := _KEY_REQUEST.search(e.url.split("?")[0]))
            ),
            None,
        ) or next(
            (
                m.group(1)
                for e in reversed(exchanges)
                if e.method == "DELETE" and (m := _TOKEN_PATH.search(e.url.split("?")[0]))
            ),
            None,
        )
        return token_key_line(token)

    def text_block(self) -> str:
        """The bug report as plain text (terminal, JUnit details)."""
        lines = [self.headline()]
        if self.expected is not None:
            lines.append(f"  expected: {_one_line(self.expected)}")
        lines.append(f"  observed: {_one_line(self.observed)}")
        if about := self.about_line():
            lines.append(f"  about:    {about}")
            ex = self.about_exchange()
            if ex is not None:
                lines.append(f"  curl:     {ex.curl()}")
                if key := self.key_line():
                    lines.append(f"  key:      {key}")
        if self.replay:
            lines.append(f"  replay:   {self.replay}")
        return "\n".join(lines)

    # -- plain data ------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Failure:
        return cls(**data)


def pretty_body(body: str) -> str:
    """A JSON body indented, in full; any other body as it came."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return body
    return json.dumps(parsed, indent=2, ensure_ascii=False)


def _texts(exc: BaseException) -> list[str]:
    """The exception's message, its sub-exceptions' (groups) and its notes."""
    out = [str(exc)]
    for sub in getattr(exc, "exceptions", ()) or ():
        out.extend(_texts(sub))
    out.extend(str(note) for note in getattr(exc, "__notes__", ()) or ())
    return out


def _index_of_answer(answer: Any, exchanges: Sequence[Exchange], redact: Callable[[str], str]) -> int | None:
    """The exchange that answered `answer`: same status and body, and of those the one whose
    headers agree most (a request id tells apart the same answer to several requests, e.g.
    each door's probe); the latest on a tie."""
    text = redact(getattr(answer, "text", ""))
    status = getattr(answer, "status", None)
    raw = getattr(answer, "headers", None) or {}
    headers = {str(k).lower(): redact(str(v)) for k, v in raw.items()}
    best: tuple[int, int] | None = None
    for index in range(len(exchanges) - 1, -1, -1):
        ex = exchanges[index]
        if ex.status == status and ex.response_body == text:
            agree = sum(1 for k, v in ex.response_headers.items() if headers.get(k.lower()) == v)
            if best is None or agree > best[0]:
                best = (agree, index)
    return None if best is None else best[1]


def _index_of_request(method: str, url: str, exchanges: Sequence[Exchange]) -> int | None:
    for index in range(len(exchanges) - 1, -1, -1):
        if exchanges[index].method == method.upper() and exchanges[index].url == url:
            return index
    return None


def failure_from(
    exc: BaseException,
    *,
    test: str,
    test_clause: str,
    exchanges: Sequence[Exchange],
    redact: Callable[[str], str],
    replay: str = "",
) -> Failure:
    """The bug report of `exc`, raised by the test `test` of clause `test_clause`."""
    last = len(exchanges) - 1 if exchanges else None
    common: dict[str, Any] = {
        "test": test,
        "test_clause": test_clause,
        "exchanges": [asdict(ex) for ex in exchanges],
        "replay": replay,
    }
    if isinstance(exc, ClauseViolation):
        about = _index_of_answer(exc.answer, exchanges, redact) if exc.answer is not None else None
        return Failure(
            clause=exc.clause or test_clause,
            kind="violation",
            expected=redact(exc.expected),
            observed=redact(exc.observed),
            about=about if about is not None else last,
            about_why=ABOUT_ANSWER if about is not None else ABOUT_LAST,
            vanished=[dict(item) for item in exc.vanished],
            **common,
        )
    texts = [redact(text) for text in _texts(exc)]
    joined = "\n".join(texts)
    tagged = _TAGGED.findall(joined)
    if tagged:
        clause, check, observed = tagged[0]
        curl = _CURL.search(joined)
        about = _index_of_request(curl.group(1), curl.group(2), exchanges) if curl else None
        others = list(dict.fromkeys(f"[{c} {k}] {o}".replace(" ]", "]") for c, k, o in tagged[1:]))
        steps = [t for t in texts if t.startswith(("Falsifying", "Failing test case", "state."))]
        return Failure(
            clause=clause,
            kind="check",
            check=check or None,
            observed=observed,
            about=about if about is not None else last,
            about_why=ABOUT_CASE if about is not None else ABOUT_LAST,
            details="\n".join([*others, *steps]),
            **common,
        )
    first = texts[0].strip().splitlines()[0] if texts[0].strip() else ""
    return Failure(
        clause=test_clause,
        kind="error",
        observed=f"{type(exc).__name__}: {first}".rstrip(": "),
        about=last,
        about_why=ABOUT_LAST if last is not None else None,
        details="\n".join(texts[1:]),
        **common,
    )
