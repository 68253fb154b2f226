"""Root cause first: which failed clauses nothing else explains, and which probably follow.

The catalogue says what each clause's test takes for granted (`relies_on`, e.g. most clauses
rely on a delete that answers success and removes the token, DEL-OWN-1/2). One defect (a
delete that does nothing) then fails many clauses; the report leads with the failed clauses
none of whose relied-on clauses failed (the roots) and lists each other failure as "also
failing, probably because of" the roots it relies on, directly or through other clauses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from newapi_contract.contract.clauses import Clause

__all__ = ["RootCauses", "explain"]


@dataclass(frozen=True)
class RootCauses:
    roots: tuple[str, ...]  # failed clauses that no other failure explains, catalogue order
    # failed clause -> the roots it probably fails because of (catalogue order)
    because: dict[str, tuple[str, ...]]

    def dependents(self, root: str) -> list[str]:
        """The failures probably explained by `root`."""
        return [cid for cid, roots in self.because.items() if root in roots]


def _relied_on(cid: str, clauses: Mapping[str, Clause]) -> set[str]:
    """Every clause `cid` relies on, directly or through others (the catalogue has no cycle)."""
    seen: set[str] = set()
    todo = list(clauses[cid].relies_on) if cid in clauses else []
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(clauses[dep].relies_on if dep in clauses else ())
    return seen


def explain(failed: Iterable[str], clauses: Mapping[str, Clause]) -> RootCauses:
    failed_set = set(failed)
    order = [cid for cid in clauses if cid in failed_set] + sorted(failed_set - set(clauses))
    because: dict[str, tuple[str, ...]] = {}
    roots = []
    for cid in order:
        failed_below = _relied_on(cid, clauses) & failed_set
        # A relied-on failure that is itself explained points further down, to its roots.
        root_set = {dep for dep in failed_below if not (_relied_on(dep, clauses) & failed_set)}
        if root_set:
            because[cid] = tuple(c for c in order if c in root_set)
        else:
            roots.append(cid)
    return RootCauses(tuple(roots), because)
