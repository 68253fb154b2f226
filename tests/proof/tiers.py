"""Which cases of a proof matrix the default `pytest` run holds, and which only `pytest -m
slow` runs.

Each matrix is a whole-suite subprocess run per case (5-60 s each); all of them together
would take CI past ten minutes on two cores. The default run keeps a core that covers every
family of the matrix (each clause family, each generation, the mix of every network fault);
the rest carry the `slow` marker, deselected by pyproject's `addopts` and run by
`pytest -m slow` (and, for the fault matrix, by `newapi-contract selftest`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import pytest


def cases(rows: Iterable[tuple[str, tuple[Any, ...]]], core: Collection[str]) -> list[Any]:
    """pytest params named by the first item of each row; those not in `core` are slow."""
    params = []
    for name, values in rows:
        marks = () if name in core else (pytest.mark.slow,)
        params.append(pytest.param(*values, id=name, marks=marks))
    unknown = set(core) - {p.id for p in params}
    assert not unknown, f"core cases that the matrix does not have: {sorted(unknown)}"
    return params
