"""Root cause first: which failed clauses nothing else explains, and which probably follow.

The catalogue says what each clause's test takes for granted (`relies_on`, e.g. most clauses
rely on a delete that answers success and removes the token, DEL-OWN-1/2). One defect (a
delete that does nothing) then fails many clauses; the report leads with the failed clauses
none of whose relied-on clauses failed (the roots) and lists each other failure as "also
failing, probably because of" the roots it relies on, directly or through other clauses.

The run's own evidence comes before the catalogue. A failure may name tokens found gone that
the run never asked to delete (`Failure.vanished`: the audit's DEL-ALL-1, "a delete removes
only its target"). A failed clause each of whose failures judged one of those tokens (the one
its marked answer is about; else one handed to its test or named by its requests under some
reading) and sent no request that may have removed it, failed because another request
removed its token: it follows from that clause, whatever the catalogue says, and the
catalogue's reliance the other way round (DEL-ALL-1 relies on DEL-ID-1, say) is set aside
for this run, or each would be the other's consequence. A failure whose own request may have
removed the token (a misread odd id, a delete by the wrong user) keeps the catalogue's order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from newapi_contract.client.ids import plausible_targets
from newapi_contract.client.origin import route_path
from newapi_contract.client.recording import Exchange
from newapi_contract.contract.clauses import Clause
from newapi_contract.report.failure import ABOUT_ANSWER, ABOUT_CASE, Failure
from newapi_contract.run.model_feed import delete_intent

__all__ = ["RootCauses", "explain", "shown_by_evidence"]

_TOKEN_PATH = re.compile(r"/api/token/([^/]+)(?:/key)?/?")
_BATCH_PATH = "/api/token/batch"


@dataclass(frozen=True)
class RootCauses:
    roots: tuple[str, ...]  # failed clauses that no other failure explains, catalogue order
    # failed clause -> the roots it probably fails because of (catalogue order)
    because: dict[str, tuple[str, ...]]
    # failed clause -> (the failed clause the run's evidence shows it follows from, why)
    shown: dict[str, tuple[str, str]] = field(default_factory=dict)

    def dependents(self, root: str) -> list[str]:
        """The failures probably explained by `root`."""
        return [cid for cid, roots in self.because.items() if root in roots]


def _named(exchanges: Iterable[Mapping[str, Any]]) -> set[int]:
    """Every token id these requests named under some reading (Go's, or a broken server's:
    `client.ids.plausible_targets`), and a batch's ids."""
    ids: set[int] = set()
    for data in exchanges:
        path = route_path(str(data.get("url", "")))
        if path == _BATCH_PATH:
            try:
                sent = json.loads(str(data.get("request_body") or ""))
            except ValueError:
                continue
            asked = sent.get("ids") if isinstance(sent, dict) else None
            if isinstance(asked, list):
                ids.update(i for i in asked if type(i) is int)
        elif found := _TOKEN_PATH.fullmatch(path):
            ids.update(plausible_targets(found.group(1)))
    return ids


def _judged(failure: Failure, made_for: Mapping[int, str]) -> set[int]:
    """The tokens a failure judged: those its marked exchange names (the answer judged, the
    generated case that failed); when that names none, those handed to its test (`made_for`:
    token -> test) and those any of its requests named."""
    if failure.about_why in (ABOUT_ANSWER, ABOUT_CASE) and failure.about is not None:
        about = _named(failure.exchanges[failure.about : failure.about + 1])
        if about:
            return about
    return _named(failure.exchanges) | {t for t, test in made_for.items() if test == failure.test}


def _removed_itself(failure: Failure, token_id: int) -> bool:
    """Whether one of the failure's own requests may have acted on the token as its target
    (`DeleteIntent.may_have_named`): then its failure may be why the token is gone."""
    for data in failure.exchanges:
        intent = delete_intent(Exchange(**data), failure.test, 0.0)
        if intent is not None and intent.may_have_named(token_id):
            return True
    return False


def _judged_gone(failure: Failure, vanished: Mapping[int, str]) -> list[int]:
    """The vanished tokens (token -> the test it was made for) this failure judged and did not
    remove itself: it failed because another request removed them."""
    judged = _judged(failure, vanished) & set(vanished)
    return sorted(t for t in judged if not _removed_itself(failure, t))


def shown_by_evidence(
    failed: Iterable[str], failures: Mapping[str, Sequence[Failure]]
) -> dict[str, tuple[str, str]]:
    """Failed clause -> (the failed clause it follows from, why), from the failures' evidence:
    a clause each of whose failures judged a token that another clause's failure found gone
    (`Failure.vanished`), removed by a request that was not the failure's own."""
    failed_set = set(failed)
    gone: dict[str, dict[int, str]] = {}  # clause -> vanished token -> the test it was made for
    for cid in sorted(failed_set):
        for failure in failures.get(cid, ()):
            for item in failure.vanished:
                token = item.get("token")
                if type(token) is int:
                    gone.setdefault(cid, {})[token] = str(item.get("made_for") or "")
    shown: dict[str, tuple[str, str]] = {}
    for cause, tokens in gone.items():
        for cid in sorted(failed_set - set(gone) - set(shown)):
            judged = [_judged_gone(f, tokens) for f in failures.get(cid, ())]
            if judged and all(judged):
                ids = sorted({t for found in judged for t in found})
                shown[cid] = (
                    cause,
                    f"its token{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))} removed by "
                    f"another request ({cause})",
                )
    return shown


def _walk(start: str, deps: Mapping[str, Iterable[str]]) -> set[str]:
    """Every clause `start` relies on, directly or through others."""
    seen: set[str] = set()
    todo = list(deps.get(start, ()))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(deps.get(dep, ()))
    return seen


def _reliances(clauses: Mapping[str, Clause], shown: Mapping[str, tuple[str, str]]) -> dict[str, set[str]]:
    """Who relies on whom in this run: the catalogue, plus the evidence's ties; a cause's
    reliances on clauses that follow from it (directly or through others) are set aside."""
    deps = {cid: set(clause.relies_on) for cid, clause in clauses.items()}
    for cid, (cause, _) in shown.items():
        deps.setdefault(cid, set()).add(cause)
    for cause in sorted({cause for cause, _ in shown.values()}):
        follows = {cid for cid in deps if cid != cause and cause in _walk(cid, deps)}
        deps[cause] = deps.get(cause, set()) - follows
    return deps


def explain(
    failed: Iterable[str],
    clauses: Mapping[str, Clause],
    failures: Mapping[str, Sequence[Failure]] | None = None,
) -> RootCauses:
    """The roots among `failed` and what follows from each; `failures` (each failed clause's
    bug reports) adds the run's evidence to the catalogue's reliances."""
    failed_set = set(failed)
    order = [cid for cid in clauses if cid in failed_set] + sorted(failed_set - set(clauses))
    shown = shown_by_evidence(order, failures or {})
    deps = _reliances(clauses, shown)
    below = {cid: _walk(cid, deps) & failed_set for cid in order}
    because: dict[str, tuple[str, ...]] = {}
    roots = []
    for cid in order:
        # A relied-on failure that is itself explained points further down, to its roots.
        root_set = {dep for dep in below[cid] if not below[dep]}
        if below[cid]:
            because[cid] = tuple(c for c in order if c in root_set)
        else:
            roots.append(cid)
    return RootCauses(tuple(roots), because, shown)
