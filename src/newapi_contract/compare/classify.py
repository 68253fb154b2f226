"""Telling differences apart, the way Diffy does: every step goes to the baseline twice
(each time on fresh tokens) and once to the candidate. Where the baseline's two answers
differ from each other, a difference from the candidate is *noise*; everything else the
candidate answers differently is a real change, of one of three kinds:

- *contract*: a clause verdict changed (held on the baseline, failed on the candidate, or
  the other way round), each server judged by its own generation's promises;
- *shape*: the status, a header's presence or value, a body key appearing or vanishing, a
  type or any other value a client reads;
- *text*: only the wording of a `message` (messages are translated and renamed between
  releases; `--allow text` accepts them).

Pure functions over normalised answers (`view`) and verdicts (`judge.Verdict`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from newapi_contract.compare.normalise import ABSENT
from newapi_contract.errors import Exit

__all__ = [
    "ALLOWABLE",
    "CLASSES",
    "Change",
    "ClauseChange",
    "Difference",
    "StepResult",
    "classify_place",
    "clause_changes",
    "differences",
    "exit_code",
    "group_changes",
    "view",
]

# A step's class is the most serious kind it shows, in this order.
CLASSES = ("contract", "shape", "text", "noise", "same", "unverified")
ALLOWABLE = ("text", "shape")  # a contract change is never allowed


@dataclass(frozen=True)
class Difference:
    """One place of one call where the candidate answered otherwise than the baseline."""

    call: str
    where: str
    baseline: Any
    candidate: Any
    second: Any  # the baseline's second answer at that place
    kind: str  # shape, text or noise


@dataclass(frozen=True)
class ClauseChange:
    clause: str
    baseline: str  # held or failed
    candidate: str
    detail: str  # the failed side's expected and observed


@dataclass
class StepResult:
    """A step compared: its class, what differs, and why it was not compared (unverified)."""

    step_id: str
    title: str
    clauses: list[str]
    differences: list[Difference] = field(default_factory=list)
    changes: list[ClauseChange] = field(default_factory=list)
    noisy_clauses: list[str] = field(default_factory=list)  # verdicts the baseline disagreed on
    unverified: str | None = None

    def kinds(self) -> set[str]:
        """Every kind of difference the step shows."""
        found = {d.kind for d in self.differences}
        if self.changes:
            found.add("contract")
        if self.noisy_clauses:
            found.add("noise")
        return found

    @property
    def kind(self) -> str:
        if self.unverified is not None:
            return "unverified"
        found = self.kinds()
        return next((c for c in CLASSES if c in found), "same")


def view(trees: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One call's normalised answer(s) as one tree to compare: `status`, `header:<name>`,
    `body`; several (parallel) answers as `[0]`, `[1]`... in a stable order (by their text),
    so that which thread got which answer is no difference."""

    def one(tree: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"status": tree["status"]}
        out.update({f"header:{k}": v for k, v in tree["headers"].items()})
        out["body"] = tree["body"]
        return out

    if len(trees) == 1:
        return one(trees[0])
    ordered = sorted((one(t) for t in trees), key=lambda t: json.dumps(t, sort_keys=True, default=str))
    return {f"[{i}]": t for i, t in enumerate(ordered)}


def classify_place(where: str, baseline: Any, candidate: Any) -> str:
    """`text` when only a message's wording differs, else `shape`."""
    last = where.rsplit(".", 1)[-1]
    present = ABSENT not in (baseline, candidate)
    if last == "message" and present and isinstance(baseline, str) and isinstance(candidate, str):
        return "text"
    return "shape"


def _child(where: str, key: Any, in_list: bool) -> str:
    if in_list:
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


def _walk(where: str, a: Any, b: Any, c: Any) -> Iterator[tuple[str, Any, Any, Any]]:
    """Places where the three values are not all equal; a key or item that one side lacks
    is one place (its whole subtree), not one per leaf."""
    if a == b == c:
        return
    if all(isinstance(v, dict) for v in (a, b, c)) and (a or b or c):
        for key in dict.fromkeys([*a, *b, *c]):
            yield from _walk(
                _child(where, key, False), a.get(key, ABSENT), b.get(key, ABSENT), c.get(key, ABSENT)
            )
        return
    if all(isinstance(v, list) for v in (a, b, c)) and (a or b or c):
        for index in range(max(len(a), len(b), len(c))):
            values = (v[index] if index < len(v) else ABSENT for v in (a, b, c))
            yield from _walk(_child(where, index, True), *values)
        return
    yield where, a, b, c


def differences(
    call: str, baseline: Mapping[str, Any], second: Mapping[str, Any], candidate: Mapping[str, Any]
) -> list[Difference]:
    """Every place where the candidate differs from the baseline, or the baseline from
    itself (noise), in the baseline's order, then the candidate's new places. The arguments
    are one call's `view`s."""
    found = []
    for where, a, b, c in _walk("", dict(baseline), dict(second), dict(candidate)):
        if a == b:
            kind = classify_place(where, a, c)
        elif ABSENT not in (a, b) and c == ABSENT:
            kind = "shape"  # the baseline always has it (whatever its noise inside), the candidate not
        else:
            kind = "noise"
        found.append(Difference(call, where, a, c, b, kind))
    return found


def clause_changes(
    baseline: Mapping[str, Any], second: Mapping[str, Any], candidate: Mapping[str, Any]
) -> tuple[list[ClauseChange], list[str]]:
    """Clause verdicts (`judge.Verdict`) that changed from baseline to candidate, and those
    the baseline itself disagreed on (noise, not a change)."""
    changes, noisy = [], []
    for clause in dict.fromkeys([*baseline, *candidate]):
        a, b, c = baseline.get(clause), second.get(clause), candidate.get(clause)
        if a is None or c is None:
            continue
        if b is not None and a.held != b.held:
            noisy.append(clause)
        elif a.held != c.held:
            detail = c.detail if not c.held else a.detail
            changes.append(ClauseChange(clause, a.name, c.name, detail))
    return changes, noisy


def exit_code(results: Iterable[StepResult], allowed: Iterable[str] = ()) -> Exit:
    """1 when a step shows a change that is not allowed (contract always counts), else 3
    when a step could not be compared (the road failed), else 0 (nothing but noise)."""
    blocking = {"contract", "shape", "text"} - set(allowed)
    results = list(results)
    if any(r.unverified is None and r.kinds() & blocking for r in results):
        return Exit.FAILED
    if any(r.unverified is not None for r in results):
        return Exit.TARGET
    return Exit.HELD


@dataclass
class Change:
    """One change as a reader names it, however many steps show it: a kind, a place (list
    indices dropped) and both values, or a clause whose verdict changed."""

    kind: str
    where: str  # `body.data.items[].auto_groups`, or the clause of a contract change
    baseline: Any
    candidate: Any
    seen_in: list[tuple[str, str]] = field(default_factory=list)  # (step, call)


_INDEX = re.compile(r"\[\d+\]")


def _generic(value: Any, names: Iterable[str]) -> Any:
    """A value with the step's own token names made generic (`<t>` and `<mine>` alike)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for name in names:
        text = text.replace(f"<{name}>", "<token>").replace(f"<{name}.", "<token.")
    return json.loads(text)


def group_changes(results: Iterable[StepResult], tokens: Mapping[str, Iterable[str]]) -> list[Change]:
    """Every contract, shape and text difference of compared steps, grouped (see `Change`);
    `tokens` names each step's tokens. Most serious kind first, then by first appearance."""
    groups: dict[str, Change] = {}
    for result in results:
        if result.unverified is not None:
            continue
        names = list(tokens.get(result.step_id, ()))
        for change in result.changes:
            key = json.dumps(["contract", change.clause, change.baseline, change.candidate])
            groups.setdefault(key, Change("contract", change.clause, change.baseline, change.candidate))
            groups[key].seen_in.append((result.step_id, ""))
        for d in result.differences:
            if d.kind == "noise":
                continue
            where = _INDEX.sub("[]", d.where)
            baseline, candidate = _generic(d.baseline, names), _generic(d.candidate, names)
            key = json.dumps([d.kind, where, baseline, candidate], ensure_ascii=False, sort_keys=True)
            groups.setdefault(key, Change(d.kind, where, baseline, candidate))
            groups[key].seen_in.append((result.step_id, d.call))
    order = {kind: n for n, kind in enumerate(CLASSES)}
    return sorted(groups.values(), key=lambda c: order[c.kind])
