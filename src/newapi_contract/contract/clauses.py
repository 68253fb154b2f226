"""The clause catalogue (`contracts/clauses.yaml`) as typed data."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from newapi_contract.errors import InputError
from newapi_contract.paths import CLAUSES_FILE

__all__ = ["GENERATIONS", "NEEDS", "NO_PEER", "Clause", "load_clauses"]

GENERATIONS = ("legacy", "current")
# What a clause may need beyond the owner's credentials: a second user, or a feature some
# releases lack (full keys for the relay, batch delete, search: `Features.absent_reason`).
NEEDS = ("peer", "relay", "batch", "search")
NO_PEER = (
    "needs a second non-root user: set NEWAPI_PEER_ACCESS_TOKEN and NEWAPI_PEER_USER_ID, "
    "or NEWAPI_ROOT_USERNAME and NEWAPI_ROOT_PASSWORD"
)


@dataclass(frozen=True)
class Clause:
    id: str
    title: str
    statement: str
    source: str
    generations: tuple[str, ...]
    needs: tuple[str, ...] = field(default=())
    # Clauses whose promises this clause's test takes for granted (a delete that works, ...):
    # when one of them fails too, this failure is probably its consequence (report.rootcause).
    relies_on: tuple[str, ...] = field(default=())

    def applies_to(self, generation: str) -> bool:
        return generation in self.generations

    def not_applicable(self, generation: str, absent: str | None = None) -> str | None:
        """Why the clause does not apply to this server (its generation, or `absent`: the
        server's reason when a feature the clause needs is missing,
        `Features.absent_reason(clause.needs)`), or None if it applies."""
        if not self.applies_to(generation):
            return f"not applicable: {self.id} applies to {', '.join(self.generations)} servers only"
        return absent

    def skip_reason(self, generation: str, has_peer: bool, absent: str | None = None) -> str | None:
        """Why a run against this target cannot check the clause, or None if it can: it does
        not apply (`not_applicable`), or it needs a second user the run does not have."""
        if reason := self.not_applicable(generation, absent):
            return reason
        if "peer" in self.needs and not has_peer:
            return NO_PEER
        return None


def _clause(raw: dict, where: str) -> Clause:
    try:
        clause = Clause(
            id=str(raw["id"]),
            title=str(raw["title"]),
            statement=" ".join(str(raw["statement"]).split()),
            source=str(raw["source"]),
            generations=tuple(raw["generations"]),
            needs=tuple(raw.get("needs", ())),
            relies_on=tuple(str(cid) for cid in raw.get("relies_on", ())),
        )
    except (KeyError, TypeError) as exc:
        raise InputError(f"{where}: clause entry lacks {exc}") from None
    unknown = set(clause.generations) - set(GENERATIONS) | set(clause.needs) - set(NEEDS)
    if unknown:
        raise InputError(f"{where}: clause {clause.id} names unknown {sorted(unknown)}")
    return clause


@cache
def load_clauses(path: Path = CLAUSES_FILE) -> dict[str, Clause]:
    """Clauses by id, in catalogue order; refuses duplicates and unknown fields."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: cannot read the clause catalogue ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("clauses"), list):
        raise InputError(f"{path}: expected a mapping with a 'clauses' list")
    clauses: dict[str, Clause] = {}
    for index, entry in enumerate(raw["clauses"]):
        clause = _clause(entry, f"{path.name}: clauses[{index}]")
        if clause.id in clauses:
            raise InputError(f"{path.name}: duplicate clause id {clause.id}")
        clauses[clause.id] = clause
    _check_reliances(clauses, path.name)
    return clauses


def _check_reliances(clauses: dict[str, Clause], where: str) -> None:
    """`relies_on` names known clauses, never the clause itself, and has no cycle."""
    for clause in clauses.values():
        unknown = [cid for cid in clause.relies_on if cid not in clauses or cid == clause.id]
        if unknown:
            raise InputError(f"{where}: {clause.id} relies_on {unknown}: unknown, or itself")
    done: set[str] = set()

    def visit(cid: str, path: tuple[str, ...]) -> None:
        if cid in path:
            raise InputError(f"{where}: relies_on cycle {' -> '.join((*path, cid))}")
        if cid in done:
            return
        for dep in clauses[cid].relies_on:
            visit(dep, (*path, cid))
        done.add(cid)

    for cid in clauses:
        visit(cid, ())
