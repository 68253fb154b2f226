"""The release check's scenario as data: `scenario.yaml` loaded into steps, calls and checks.

A step makes its own tokens (`tokens`), sends its calls in order and judges them with the
clause checks of `expect`. `each` repeats a step once per label (its variables, `{label}` and
`{form}` or the keys given, are filled in as text before anything else); `each_call` repeats
the calls whose name holds `{label}` the same way, inside one step. What the templates left
(`{t}`, `{t.name}`, `{owner}`, ...) is filled in per server when the step runs (`render`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from newapi_contract.client.ids import encode_path_segment
from newapi_contract.compare.judge import REGISTRY
from newapi_contract.errors import InputError

__all__ = [
    "AUTH_FORMS",
    "CHECKS",
    "NEVER_EXISTED",
    "Call",
    "Check",
    "Send",
    "Step",
    "TokenSpec",
    "load_scenario",
    "parse_scenario",
    "render",
]

NEVER_EXISTED = 2**63 - 1  # no row has the largest int64 (reference §3)
# Beyond int64 by a multiple of 2**64: a server that wraps around lands on the token itself.
_WRAP = 5421010862 * 2**64
AUTH_FORMS = ("bearer", "raw", "none", "unknown-bearer", "unknown-raw", "relay-key")
# Check kinds and the type of their argument, read from `compare.judge`'s registry (their one
# home: a kind is named where it is implemented).
CHECKS: dict[str, type] = {name: kind.arg for name, kind in REGISTRY.items()}
_STEP_KEYS = {"id", "title", "tokens", "calls", "each", "each_call"}
_CALL_KEYS = {"name", "as", "send", "expect", "compare"}
_SEND_KEYS = {
    "method",
    "path",
    "id",
    "suffix",
    "query",
    "json",
    "auth",
    "key",
    "new_api_user",
    "relay",
    "within_bound",
    "parallel",
    "until_throttled",
    "follow",
}
_TEMPLATE = re.compile(r"\{(\w+)(?:\.(\w+))?\}")
_USERS = ("owner", "peer")


@dataclass(frozen=True)
class TokenSpec:
    name: str
    role: str  # owner or peer
    reveal: bool = False  # its key is revealed before the step's calls


@dataclass(frozen=True)
class Check:
    kind: str
    arg: Any
    clause: str | None = None


@dataclass(frozen=True)
class Send:
    """What one call sends (see the module doc of scenario.yaml)."""

    method: str = "GET"
    path: str | None = None  # a route, sent as written
    id: str | None = None  # or a token id segment: /api/token/<id><suffix>
    suffix: str = ""
    query: dict[str, str] = field(default_factory=dict)
    json: Any = None
    auth: str = "bearer"
    key: str | None = None  # a token (its key) or "never" (a key nobody issued)
    new_api_user: str | None = None  # None: the sender's own id; "absent": none at all
    relay: str | None = None  # a door of the relay (contract.doors)
    within_bound: bool = False  # probe until refused, up to the revocation bound
    parallel: int = 1
    until_throttled: int = 0  # send up to N times without waiting; the first 429 is the answer
    follow: str | None = None  # an earlier call whose Location is the path


@dataclass(frozen=True)
class Call:
    name: str
    actor: str
    send: Send
    expect: tuple[Check, ...] = ()
    # False (`compare: verdict`): the answers vary on a healthy server by nature (which of
    # parallel deletes wins, and how many do): shown, judged by their clause, not compared.
    compared: bool = True


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    tokens: tuple[TokenSpec, ...]
    calls: tuple[Call, ...]

    @property
    def clauses(self) -> list[str]:
        """The clauses the step's checks belong to, in order of first use."""
        found = [c.clause for call in self.calls for c in call.expect if c.clause]
        if any(call.send.method == "DELETE" for call in self.calls):
            found.append("DEL-SHAPE-1")  # every answer of a delete is judged for its shape
        return list(dict.fromkeys(found))


def _fill(value: Any, variables: dict[str, str]) -> Any:
    """`{name}` of `variables` replaced as text, everywhere in a YAML value (keys too)."""
    if isinstance(value, str):
        for name, text in variables.items():
            value = value.replace("{" + name + "}", text)
        return value
    if isinstance(value, list):
        return [_fill(v, variables) for v in value]
    if isinstance(value, dict):
        return {_fill(k, variables): _fill(v, variables) for k, v in value.items()}
    return value


def _variables(label: str, value: Any, where: str) -> dict[str, str]:
    if isinstance(value, str):
        return {"label": label, "form": value}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {"label": label, **value}
    raise InputError(f"{where}: each {label!r}: expected a string or a mapping of strings")


def _expand(raw: dict[str, Any], where: str) -> list[dict[str, Any]]:
    each = raw.get("each")
    if each is None:
        return [raw]
    if not isinstance(each, dict) or not each:
        raise InputError(f"{where}: each: expected a mapping of labels")
    base = {k: v for k, v in raw.items() if k != "each"}
    return [_fill(base, _variables(str(label), value, where)) for label, value in each.items()]


def _expand_calls(raw: dict[str, Any], where: str) -> list[Any]:
    calls = raw.get("calls")
    if not isinstance(calls, list) or not calls:
        raise InputError(f"{where}: calls: expected a non-empty list")
    each = raw.get("each_call")
    if each is None:
        return calls
    if not isinstance(each, dict) or not each:
        raise InputError(f"{where}: each_call: expected a mapping of labels")
    out: list[Any] = []
    for call in calls:
        if isinstance(call, dict) and "{label}" in str(call.get("name", "")):
            out += [_fill(call, _variables(str(label), value, where)) for label, value in each.items()]
        else:
            out.append(call)
    return out


def _tokens(raw: Any, where: str) -> tuple[TokenSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise InputError(f"{where}: tokens: expected a mapping name -> owner|peer")
    specs = []
    for name, role in raw.items():
        name = str(name)
        reveal = name.endswith("!")
        name = name.rstrip("!")
        if role not in _USERS or not name.isidentifier() or name in (*_USERS, "never"):
            raise InputError(f"{where}: token {name!r}: a plain name for an owner or peer token")
        specs.append(TokenSpec(name, role, reveal))
    return tuple(specs)


def _check(raw: Any, where: str) -> Check:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a check is a mapping")
    clause = raw.get("clause")
    kinds = [k for k in raw if k != "clause"]
    if len(kinds) != 1 or kinds[0] not in CHECKS:
        raise InputError(f"{where}: a check names one of {', '.join(CHECKS)}: {raw!r}")
    kind = kinds[0]
    if not isinstance(raw[kind], CHECKS[kind]):
        raise InputError(f"{where}: {kind}: expected {CHECKS[kind].__name__}, not {raw[kind]!r}")
    return Check(kind, raw[kind], None if clause is None else str(clause))


def _send(raw: Any, where: str) -> Send:
    if not isinstance(raw, dict) or set(raw) - _SEND_KEYS:
        unknown = sorted(set(raw) - _SEND_KEYS) if isinstance(raw, dict) else raw
        raise InputError(f"{where}: send: unknown keys {unknown}")
    send = Send(**{k: v for k, v in raw.items()})
    send = Send(**{**send.__dict__, "method": str(send.method).upper()})
    if send.auth not in AUTH_FORMS:
        raise InputError(f"{where}: auth {send.auth!r}: one of {', '.join(AUTH_FORMS)}")
    targets = [x for x in (send.path, send.id, send.relay, send.follow) if x is not None]
    if len(targets) != 1:
        raise InputError(f"{where}: send one of path, id, relay or follow")
    if (send.auth == "relay-key" or send.relay) and not send.key:
        raise InputError(f"{where}: a relay key needs `key: <token>` (or never)")
    return send


def _step(raw: dict[str, Any], where: str) -> Step:
    unknown = set(raw) - _STEP_KEYS
    if unknown:
        raise InputError(f"{where}: unknown keys {sorted(unknown)}")
    step_id = str(raw.get("id", ""))
    where = f"{where} ({step_id})"
    tokens = _tokens(raw.get("tokens"), where)
    calls: list[Call] = []
    for raw_call in _expand_calls(raw, where):
        if not isinstance(raw_call, dict) or set(raw_call) - _CALL_KEYS or "name" not in raw_call:
            raise InputError(f"{where}: a call has a name, as, send, expect: {raw_call!r}")
        name = str(raw_call["name"])
        actor = str(raw_call.get("as", "owner"))
        if actor not in _USERS:
            raise InputError(f"{where}: call {name}: as owner or peer")
        expect = tuple(_check(c, f"{where} {name}") for c in raw_call.get("expect") or ())
        mode = raw_call.get("compare", "answers")
        if mode not in ("answers", "verdict"):
            raise InputError(f"{where}: call {name}: compare answers or verdict")
        send = _send(raw_call.get("send"), f"{where} {name}")
        calls.append(Call(name, actor, send, expect, compared=mode == "answers"))
    names = [c.name for c in calls]
    if len(set(names)) != len(names) or not step_id:
        raise InputError(f"{where}: a step needs an id and calls with unique names")
    _check_references(where, tokens, calls)
    return Step(step_id, str(raw.get("title", step_id)), tokens, tuple(calls))


def _check_references(where: str, tokens: tuple[TokenSpec, ...], calls: list[Call]) -> None:
    """Every template names a token of the step, a user or `never`; keys are revealed."""
    known = {t.name for t in tokens}
    revealed = {t.name for t in tokens if t.reveal}
    for call in calls:
        texts = [call.send.path, call.send.id, *call.send.query.values(), str(call.send.json)]
        texts.append(call.send.new_api_user)
        for text in (t for t in texts if t):
            for name, _ in _TEMPLATE.findall(text):
                if name not in known | {*_USERS, "never"}:
                    raise InputError(f"{where} {call.name}: {{{name}}} is no token of the step")
        if call.send.key not in (None, "never") and call.send.key not in revealed:
            raise InputError(f"{where} {call.name}: key {call.send.key!r}: declare the token as `name!`")


def parse_scenario(document: Any, where: str = "scenario") -> list[Step]:
    steps_raw = document.get("steps") if isinstance(document, dict) else None
    if not isinstance(steps_raw, list) or not steps_raw:
        raise InputError(f"{where}: expected `steps:`, a list")
    steps: list[Step] = []
    for index, raw in enumerate(steps_raw):
        if not isinstance(raw, dict):
            raise InputError(f"{where}: step {index + 1} is not a mapping")
        steps += [
            _step(item, f"{where} step {index + 1}") for item in _expand(raw, f"{where} step {index + 1}")
        ]
    ids = [s.id for s in steps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"{where}: step ids must be unique: {duplicates}")
    return steps


@cache
def load_scenario() -> tuple[Step, ...]:
    """The packaged scenario (`compare/scenario.yaml`)."""
    text = resources.files("newapi_contract.compare").joinpath("scenario.yaml").read_text(encoding="utf-8")
    return tuple(parse_scenario(yaml.safe_load(text), "scenario.yaml"))


def _in_digits(number: int, zero: str) -> str:
    return encode_path_segment("".join(chr(ord(zero) + int(d)) for d in str(number)))


def _value(name: str, attribute: str, tokens: dict[str, Any], users: dict[str, int]) -> Any:
    if name == "never":
        return NEVER_EXISTED
    if name in users:
        return users[name]
    token = tokens[name]
    if not attribute:
        return token.id
    n = token.id
    forms = {
        "name": lambda: token.name,
        "key": lambda: token.key,
        "hex": lambda: f"{n:x}",
        "arabic": lambda: _in_digits(n, "\u0660"),
        "fullwidth": lambda: _in_digits(n, "\uff10"),
        "overflow": lambda: n + _WRAP,
    }
    if attribute not in forms:
        raise KeyError(f"{name}.{attribute}")
    return forms[attribute]()


def render(value: Any, tokens: dict[str, Any], users: dict[str, int]) -> Any:
    """Templates filled in: `tokens` maps names to objects with id, name (and key);
    `users` maps owner and peer to their ids. A string that is exactly one template keeps
    the value's type (an id stays an integer in a JSON body)."""
    if isinstance(value, str):
        whole = _TEMPLATE.fullmatch(value)
        if whole:
            return _value(whole.group(1), whole.group(2) or "", tokens, users)
        return _TEMPLATE.sub(lambda m: str(_value(m.group(1), m.group(2) or "", tokens, users)), value)
    if isinstance(value, list):
        return [render(v, tokens, users) for v in value]
    if isinstance(value, dict):
        return {k: render(v, tokens, users) for k, v in value.items()}
    return value
