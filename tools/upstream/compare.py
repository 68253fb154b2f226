"""Comparing one answer of the reference server with upstream's, after normalising both.

Normalising (placeholders for what differs by nature, the flat `where -> value` map) is
`newapi_contract.compare.normalise`, shared with the release check (`newapi-contract
compare`); this module compares two normalised answers place by place.

`Difference`s are then explained by `known_differences.yaml` entries (step and where as
shell-style patterns, the kind, the generations, and the reason) or left unexplained.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newapi_contract.compare.normalise import (
    ABSENT,
    COMPARED_HEADERS,
    flat,
    flatten,
    normalise,
)
from newapi_contract.compare.normalise import Wire as Answer

__all__ = [
    "ABSENT",
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


def compare(step: str, reference: Mapping[str, Any], upstream: Mapping[str, Any]) -> list[Difference]:
    """Every place where two normalised answers differ."""
    ours, theirs = flat(reference), flat(upstream)
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
