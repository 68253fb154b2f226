"""Comparing one answer of the reference server with upstream's, after normalising both.

An answer becomes a flat map `where -> value`: `status`, `header:<name>` for the headers
that matter, and `body` or `body.<path>` for a JSON body (`body.data.items[0].name`).
What legitimately differs between two fresh servers is replaced by a placeholder before
the comparison: times (`*_time`, `*_at`), request ids, the version, session ids (UUIDs),
cookie values and expiry dates, and every secret or id a step captured (each side's own
value becomes `<name>`); keys, masked keys and JWTs nobody captured become `<key>`,
`<masked-key>`, `<jwt>`.

`Difference`s are then explained by `known_differences.yaml` entries (step and where as
shell-style patterns, the kind, the generations, and the reason) or left unexplained.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "COMPARED_HEADERS",
    "Answer",
    "Difference",
    "KnownDifference",
    "Verdict",
    "compare",
    "flatten",
    "judge",
    "load_known_differences",
    "normalise",
]

ABSENT = "<absent>"
# Headers whose value is compared (after normalising); the rest are ignored.
COMPARED_HEADERS = (
    "content-type",
    "content-encoding",
    "location",
    "retry-after",
    "cache-control",
    "cache-version",
    "auth-version",
    "set-cookie",
    "x-oneapi-request-id",
    "x-new-api-version",
)
# Headers whose value differs by nature: only their presence is compared.
_PRESENCE_ONLY = ("x-oneapi-request-id", "x-new-api-version")
_KEY = re.compile(r"^[0-9A-Za-z]{48}$")
_MASKED_KEY = re.compile(r"^[0-9A-Za-z]{4}\*{10}[0-9A-Za-z]{4}$")
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_REQUEST_ID = re.compile(r"\(request id: [^)]*\)")
_TIME_FIELD = re.compile(r"(^|_)(time|at)$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ID_FIELDS = ("id", "user_id")
_COOKIE_DROPPED = ("expires",)  # a date: differs by nature


@dataclass(frozen=True)
class Answer:
    """What a server answered to one step (headers lower-case keyed, first value each)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class Difference:
    step: str
    where: str
    reference: Any
    upstream: Any

    @property
    def kind(self) -> str:
        """`missing` (the reference lacks it), `extra` (upstream lacks it) or `value`."""
        if self.reference == ABSENT:
            return "missing"
        if self.upstream == ABSENT:
            return "extra"
        return "value"

    def __str__(self) -> str:
        return f"{self.step}: {self.where}: reference {self.reference!r}, upstream {self.upstream!r}"


@dataclass(frozen=True)
class KnownDifference:
    """One explained difference: patterns on step and where, a kind, and why."""

    step: str
    where: str
    reason: str
    kind: str = "any"
    generations: tuple[str, ...] = ("legacy", "current")

    def explains(self, difference: Difference, generation: str) -> bool:
        return (
            generation in self.generations
            and self.kind in ("any", difference.kind)
            and fnmatch.fnmatchcase(difference.step, self.step)
            and fnmatch.fnmatchcase(difference.where, self.where)
        )


@dataclass
class Verdict:
    """Differences of one generation's run, split by whether an entry explains them."""

    explained: list[tuple[Difference, KnownDifference]] = field(default_factory=list)
    unexplained: list[Difference] = field(default_factory=list)
    unused: list[KnownDifference] = field(default_factory=list)


def load_known_differences(path: Path) -> list[KnownDifference]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    entries = []
    for item in raw:
        if not isinstance(item, dict) or not {"step", "where", "reason"} <= item.keys():
            raise ValueError(f"{path}: every entry needs step, where and reason: {item!r}")
        if item.get("kind", "any") not in ("any", "missing", "extra", "value"):
            raise ValueError(f"{path}: kind must be any, missing, extra or value: {item!r}")
        gens = tuple(item.get("generations", ("legacy", "current")))
        entries.append(
            KnownDifference(item["step"], item["where"], item["reason"], item.get("kind", "any"), gens)
        )
    return entries


def _placeholder_for(value: str, secrets: Mapping[str, str]) -> str | None:
    for name, secret in secrets.items():
        if secret and value == secret:
            return f"<{name}>"
    return None


def _normalise_value(key: str | None, value: Any, captures: Mapping[str, Any]) -> Any:
    secrets = {k: v for k, v in captures.items() if isinstance(v, str)}
    ids = {v: k for k, v in captures.items() if k.endswith("_id") and isinstance(v, int)}
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            shown = f"<{ids[int(k)]}>" if k.isdigit() and int(k) in ids else k
            out[shown] = _normalise_value(k, v, captures)
        return out
    if isinstance(value, list):
        return [_normalise_value(key, item, captures) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if key in _ID_FIELDS and value in ids:
            return f"<{ids[value]}>"
        if key is not None and _TIME_FIELD.search(key) and value > 1_000_000_000:
            return "<time>"
        return value
    if isinstance(value, str):
        if key == "version":
            return "<version>"
        named = _placeholder_for(value, secrets) or _placeholder_for(value.removeprefix("sk-"), secrets)
        if named:
            return named
        if _KEY.match(value):
            return "<key>"
        if _MASKED_KEY.match(value):
            return "<masked-key>"
        if _JWT.match(value):
            return "<jwt>"
        if _UUID.match(value):
            return "<uuid>"
        return _REQUEST_ID.sub("(request id: <rid>)", value)
    return value


def _cookie(value: str, captures: Mapping[str, Any]) -> str:
    """`name=<value>; attr; attr` with attribute names lower-cased, sorted, dates dropped."""
    parts = [p.strip() for p in value.split(";") if p.strip()]
    name = parts[0].split("=", 1)[0] if parts else ""
    attrs = []
    for part in parts[1:]:
        attr, _, attr_value = part.partition("=")
        if attr.strip().lower() not in _COOKIE_DROPPED:
            attrs.append(
                f"{attr.strip().lower()}={attr_value.strip()}" if attr_value else attr.strip().lower()
            )
    return "; ".join([f"{name}=<value>", *sorted(attrs)])


def normalise(answer: Answer, captures: Mapping[str, Any]) -> dict[str, Any]:
    """The answer as a comparable tree: status, the headers that matter, the body."""
    headers: dict[str, Any] = {}
    for name in COMPARED_HEADERS:
        if name not in answer.headers:
            continue
        value = answer.headers[name]
        if name in _PRESENCE_ONLY:
            headers[name] = "<present>"
        elif name == "set-cookie":
            headers[name] = _cookie(value, captures)
        else:
            headers[name] = value
    text = answer.body.decode("utf-8", "replace")
    body: Any
    try:
        body = _normalise_value(None, json.loads(text), captures) if text else ""
    except ValueError:
        body = _normalise_value(None, text, captures)
    return {"status": answer.status, "headers": headers, "body": body}


def flatten(tree: Any, prefix: str) -> dict[str, Any]:
    """`{"a": {"b": [1]}}` -> `{"<prefix>.a.b[0]": 1}`; empty containers stay as leaves."""
    if isinstance(tree, dict) and tree:
        out: dict[str, Any] = {}
        for key, value in tree.items():
            out.update(flatten(value, f"{prefix}.{key}"))
        return out
    if isinstance(tree, list) and tree:
        out = {}
        for index, value in enumerate(tree):
            out.update(flatten(value, f"{prefix}[{index}]"))
        return out
    return {prefix: tree}


def _flat(normalised: Mapping[str, Any]) -> dict[str, Any]:
    flat = {"status": normalised["status"]}
    flat.update({f"header:{k}": v for k, v in normalised["headers"].items()})
    flat.update(flatten(normalised["body"], "body"))
    return flat


def compare(step: str, reference: Mapping[str, Any], upstream: Mapping[str, Any]) -> list[Difference]:
    """Every place where two normalised answers differ."""
    ours, theirs = _flat(reference), _flat(upstream)
    differences = []
    for where in list(ours) + [w for w in theirs if w not in ours]:
        mine, their = ours.get(where, ABSENT), theirs.get(where, ABSENT)
        if mine != their:
            differences.append(Difference(step, where, mine, their))
    return differences


def judge(differences: Iterable[Difference], known: list[KnownDifference], generation: str) -> Verdict:
    verdict = Verdict()
    used: set[int] = set()
    for difference in differences:
        entry = next((k for k in known if k.explains(difference, generation)), None)
        if entry is None:
            verdict.unexplained.append(difference)
        else:
            used.add(id(entry))
            verdict.explained.append((difference, entry))
    verdict.unused = [k for k in known if id(k) not in used and generation in k.generations]
    return verdict
