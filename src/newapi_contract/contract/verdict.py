"""How a broken promise is reported: expected (with its source) versus observed.

A `ClauseViolation` is an AssertionError, so pytest counts it as a failure; the
plugin renders `expected` and `observed` as a bug report. `clause` names the
clause broken when it is not the one the test is about (for instance a shape
violation noticed by an isolation test belongs to DEL-SHAPE-1).
"""

from __future__ import annotations

__all__ = ["ClauseViolation", "require"]


class ClauseViolation(AssertionError):
    def __init__(self, expected: str, observed: str, clause: str | None = None) -> None:
        self.expected = expected
        self.observed = observed
        self.clause = clause
        super().__init__(f"expected: {expected}\nobserved: {observed}")


def require(condition: bool, *, expected: str, observed: str, clause: str | None = None) -> None:
    """Raise a ClauseViolation unless `condition` holds."""
    if not condition:
        raise ClauseViolation(expected, observed, clause)
