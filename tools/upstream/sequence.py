"""The differential check's scripted requests: loaded from YAML, run against one server.

A sequence file (`sequence.yaml`, `limits_sequence.yaml`) is a list of steps; a step says
what to send and what to remember:

    - name: alice creates a1            # unique; the key of known differences
      method: POST                      # default GET
      path: /api/token/                 # sent as written (percent escapes kept)
      as: alice                         # Authorization: Bearer ${alice_token} + New-Api-User
      headers: {New-Api-User: null}     # added / replaced; null removes
      cookies: {session: "${root_session}"}
      json: {name: a1}                  # or content: "raw body"
      capture: {a1_id: "body.data.items[name=a1].id", root_session: "cookie:session"}
      generations: [legacy]             # default: both
      foreach: {odd: ["0", "+5"]}       # one step per value, ${odd} in name and request
      sleep: 3                          # seconds to wait before sending

`${var}` names a capture or a starting variable; a JSON string that is exactly `${var}`
takes the variable's type (ids stay integers). Captures: `body.<path>` (dots, `[N]`
indices, `[field=value]` to pick a list item), `header:<name>`, `cookie:<name>`; `a | b`
takes the first that is there.
"""

from __future__ import annotations

import copy
import gzip
import http.client
import itertools
import json
import re
import string
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tools.upstream.compare import Answer

__all__ = [
    "HERE",
    "Outcome",
    "Step",
    "extract",
    "load_sequence",
    "odd_id_segments",
    "run_sequence",
    "send",
]

HERE = Path(__file__).resolve().parent
_KNOWN_KEYS = {
    "name",
    "method",
    "path",
    "as",
    "headers",
    "cookies",
    "json",
    "content",
    "capture",
    "generations",
    "foreach",
    "sleep",
}
_SELECTOR = re.compile(r"([^.\[\]]+)|\[(\d+)\]|\[([^=\]]+)=([^\]]*)\]")


@dataclass(frozen=True)
class Step:
    name: str
    method: str = "GET"
    path: str = "/"
    actor: str | None = None
    headers: dict[str, str | None] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: str | None = None
    capture: dict[str, str] = field(default_factory=dict)
    generations: tuple[str, ...] = ("legacy", "current")
    sleep: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """One step as one server saw it: the answer, or why it was not sent."""

    step: Step
    answer: Answer
    not_sent: str | None = None


def _expand(raw: dict[str, Any]) -> Iterator[dict[str, Any]]:
    foreach = raw.get("foreach")
    if not foreach:
        yield raw
        return
    names = list(foreach)
    for values in itertools.product(*(foreach[n] for n in names)):
        bound = {n: str(v) for n, v in zip(names, values, strict=True)}
        item = {k: v for k, v in raw.items() if k != "foreach"}
        yield _substitute(item, bound, partial=True)


def load_sequence(path: Path) -> list[Step]:
    raw_steps = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    steps: list[Step] = []
    for raw in raw_steps:
        unknown = set(raw) - _KNOWN_KEYS
        if unknown:
            raise ValueError(f"{path}: step {raw.get('name')!r}: unknown keys {sorted(unknown)}")
        for item in _expand(raw):
            steps.append(
                Step(
                    name=str(item["name"]),
                    method=str(item.get("method", "GET")).upper(),
                    path=str(item.get("path", "/")),
                    actor=item.get("as"),
                    headers=dict(item.get("headers") or {}),
                    cookies=dict(item.get("cookies") or {}),
                    json=item.get("json"),
                    content=item.get("content"),
                    capture=dict(item.get("capture") or {}),
                    generations=tuple(item.get("generations", ("legacy", "current"))),
                    sleep=float(item.get("sleep", 0)),
                )
            )
    names = [s.name for s in steps]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"{path}: step names must be unique: {duplicates}")
    return steps


def odd_id_segments() -> list[str]:
    """The odd path ids of the main sequence (the Go Atoi table must hold each, decoded)."""
    raw_steps = yaml.safe_load((HERE / "sequence.yaml").read_text(encoding="utf-8"))
    out: list[str] = []
    for raw in raw_steps:
        for value in (raw.get("foreach") or {}).get("odd", []):
            if str(value) not in out:
                out.append(str(value))
    return out


class _Missing(KeyError):
    pass


def _template(text: str, variables: dict[str, Any], partial: bool) -> Any:
    whole = re.fullmatch(r"\$\{(\w+)\}", text)
    if whole and whole.group(1) in variables:
        return variables[whole.group(1)]
    if partial:
        return string.Template(text).safe_substitute({k: str(v) for k, v in variables.items()})
    try:
        return string.Template(text).substitute({k: str(v) for k, v in variables.items()})
    except KeyError as exc:
        raise _Missing(exc.args[0]) from None


def _substitute(value: Any, variables: dict[str, Any], partial: bool = False) -> Any:
    if isinstance(value, str):
        return _template(value, variables, partial)
    if isinstance(value, list):
        return [_substitute(v, variables, partial) for v in value]
    if isinstance(value, dict):
        return {
            _substitute(k, variables, partial): _substitute(v, variables, partial) for k, v in value.items()
        }
    return value


def extract(answer: Answer, expression: str) -> Any:
    """The value a capture expression names in an answer; KeyError if it is not there."""
    if expression.startswith("header:"):
        return answer.headers[expression.removeprefix("header:").lower()]
    if expression.startswith("cookie:"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(answer.headers.get("set-cookie", ""))
        return jar[expression.removeprefix("cookie:")].value
    if not expression.startswith("body"):
        raise ValueError(f"capture {expression!r}: expected body..., header:NAME or cookie:NAME")
    current: Any = json.loads(answer.body)
    for name, index, field_name, field_value in _SELECTOR.findall(expression.removeprefix("body")):
        if name:
            current = current[name]
        elif index:
            current = current[int(index)]
        else:
            current = next(item for item in current if str(item.get(field_name)) == field_value)
    return current


def _request(step: Step, variables: dict[str, Any]) -> tuple[str, dict[str, str], bytes | None]:
    """(path, headers, body) of a step, variables filled in; _Missing if one is unknown."""
    headers: dict[str, str | None] = {"Accept-Encoding": "gzip"}
    if step.actor:
        headers["Authorization"] = f"Bearer ${{{step.actor}_token}}"
        headers["New-Api-User"] = f"${{{step.actor}_id}}"
    headers.update(step.headers)
    sent = {k: str(_substitute(v, variables)) for k, v in headers.items() if v is not None}
    if step.cookies:
        cookies = _substitute(step.cookies, variables)
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if step.json is not None:
        body = json.dumps(_substitute(copy.deepcopy(step.json), variables), ensure_ascii=False).encode()
        sent.setdefault("Content-Type", "application/json")
    elif step.content is not None:
        body = str(_substitute(step.content, variables)).encode()
    return str(_substitute(step.path, variables)), sent, body


def send(base_url: str, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Answer:
    """One request with http.client: the path and header values go out exactly as given
    (httpx refuses a header value with a leading space, which is one of the checked forms);
    no redirect is followed; a gzip or deflate body is inflated."""
    origin = urlsplit(base_url)
    connection = http.client.HTTPConnection(origin.hostname, origin.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        content = response.read()
        received: dict[str, str] = {}
        for name, value in response.getheaders():
            received.setdefault(name.lower(), value)
    finally:
        connection.close()
    encoding = received.get("content-encoding", "")
    if content and encoding == "gzip":
        content = gzip.decompress(content)
    elif content and encoding == "deflate":
        content = zlib.decompress(content)
    return Answer(response.status, received, content)


def run_sequence(
    base_url: str, steps: list[Step], generation: str, variables: dict[str, Any]
) -> tuple[list[Outcome], dict[str, Any]]:
    """Send every step of `generation` in order; the outcomes and the final variables.

    Nothing is kept between steps but the captured variables: a step sends exactly the
    headers and cookies it names (a legacy session never leaks into another step).
    """
    variables = dict(variables)
    outcomes = []
    for step in steps:
        if generation not in step.generations:
            continue
        if step.sleep:
            time.sleep(step.sleep)
        try:
            path, headers, body = _request(step, variables)
        except _Missing as missing:
            outcomes.append(Outcome(step, Answer(0, {}, b""), f"no variable {missing.args[0]!r}"))
            continue
        answer = send(base_url, step.method, path, headers, body)
        outcomes.append(Outcome(step, answer))
        for name, expressions in step.capture.items():
            variables.pop(name, None)
            for expression in expressions.split("|"):  # the first that is there
                try:
                    variables[name] = extract(answer, expression.strip())
                    break
                except (KeyError, IndexError, StopIteration, TypeError, ValueError):
                    continue
    return outcomes, variables
