"""How a broken promise is reported: expected (with its source) versus observed.

A `ClauseViolation` is an AssertionError, so pytest counts it as a failure; the
plugin renders `expected` and `observed` as a bug report. `clause` names the
clause broken when it is not the one the test is about (for instance a shape
violation noticed by an isolation test belongs to DEL-SHAPE-1).

`answer` (optional) is the server's answer the judgement is about, when `observed`
describes one answer: the report then marks that exchange as the failing one and shows
its body in full, parsed, instead of the one-line description.

`vanished` (optional, the audit's DEL-ALL-1) names the tokens found gone that the run never
asked to delete, each `{"token": id, "made_for": test}`: the report takes a failure that judged
one of them, and did not remove it itself, as a consequence of this one (`report.rootcause`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

__all__ = ["ClauseViolation", "Violations", "require"]


class ClauseViolation(AssertionError):
    def __init__(
        self,
        expected: str,
        observed: str,
        clause: str | None = None,
        *,
        answer: Any = None,
        vanished: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        self.expected = expected
        self.observed = observed
        self.clause = clause
        self.answer = answer  # a client.api.Answer (raw: the report shows it redacted)
        self.vanished = [dict(item) for item in vanished]
        super().__init__(f"expected: {expected}\nobserved: {observed}")


def require(
    condition: bool, *, expected: str, observed: str, clause: str | None = None, answer: Any = None
) -> None:
    """Raise a ClauseViolation unless `condition` holds."""
    if not condition:
        raise ClauseViolation(expected, observed, clause, answer=answer)


class Violations:
    """Collects the violations of many cases of one clause, to report them together.

    with found.case("zero"): ...   # a ClauseViolation inside is recorded, not raised
    found.raise_if_any()
    """

    def __init__(self) -> None:
        self._found: list[tuple[str, ClauseViolation]] = []

    @contextmanager
    def case(self, label: str) -> Iterator[None]:
        try:
            yield
        except ClauseViolation as violation:
            self._found.append((label, violation))

    def raise_if_any(self) -> None:
        if not self._found:
            return
        clauses = {violation.clause for _, violation in self._found}
        answers = [violation.answer for _, violation in self._found if violation.answer is not None]
        raise ClauseViolation(
            expected="; ".join(dict.fromkeys(f"{v.expected}" for _, v in self._found)),
            observed="; ".join(f"[{label}] {v.observed}" for label, v in self._found),
            clause=clauses.pop() if len(clauses) == 1 else None,
            # The first broken case's answer: the exchange the report marks.
            answer=answers[0] if answers else None,
        )
