"""Bounds on what one conversion may cost, whatever the input.

CI jobs convert documents they did not write. A few hundred bytes of YAML can
stand for billions of nodes (aliases of aliases: a "billion laughs"), JSON can
nest deeper than Python recurses, and a converted document can be far larger
than its source. Past each bound the conversion stops with one line (an
`InputError`: exit 2) instead of running for minutes or filling the memory:

- input size: `MAX_INPUT_BYTES`;
- nodes, with every YAML alias expanded: `MAX_NODES`;
- nesting depth of the data: `MAX_DEPTH`;
- output size: `MAX_OUTPUT_BYTES`;
- wall time: `time_limit()` (`MAX_SECONDS`, or `NEWAPI_APIFOX_TIME_LIMIT` seconds).

The largest real export seen (2.2 MB, 3,000 schemas) stays far below each bound.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from newapi_contract.errors import InputError

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_NODES",
    "MAX_OUTPUT_BYTES",
    "MAX_SECONDS",
    "TooBig",
    "check_depth",
    "expanded_size",
    "time_limit",
]

MAX_INPUT_BYTES = 64 * 1024 * 1024
MAX_NODES = 5_000_000
MAX_DEPTH = 256
MAX_OUTPUT_BYTES = 128 * 1024 * 1024
MAX_SECONDS = 30.0


class TooBig(Exception):
    """A bound was passed; the message says which."""


def check_depth(data: Any, source: str) -> None:
    """InputError when `data` nests deeper than MAX_DEPTH (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    seen: set[int] = set()  # YAML aliases share objects: each is walked once
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InputError(f"{source}: nested more than {MAX_DEPTH} levels deep: not converted")
        if isinstance(node, dict | list) and id(node) not in seen:
            seen.add(id(node))
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def expanded_size(root: Any) -> int:
    """The number of nodes of a composed YAML node graph once every alias is expanded.

    An alias shares the node it names, so the graph stays small while its expansion
    may not: sizes are memoised per node, and counting stops at MAX_NODES or MAX_DEPTH
    (TooBig). A node that contains itself (a recursive alias) is TooBig too.
    """
    sizes: dict[int, int] = {}
    visiting: set[int] = set()

    def size(node: Any, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise TooBig(f"nested more than {MAX_DEPTH} levels deep")
        if key in visiting:
            raise TooBig("an alias refers to a node that contains it (a recursive structure)")
        value = getattr(node, "value", None)
        total = 1
        if isinstance(value, list):
            visiting.add(key)
            for item in value:
                for part in item if isinstance(item, tuple) else (item,):  # mapping: (key, value)
                    total += size(part, depth + 1)
                    if total > MAX_NODES:
                        raise TooBig(f"more than {MAX_NODES:,} nodes once its aliases are expanded")
            visiting.discard(key)
        sizes[key] = total
        return total

    return size(root, 1)


def _seconds_from_environment() -> float:
    text = os.environ.get("NEWAPI_APIFOX_TIME_LIMIT") or ""
    try:
        return float(text) if text.strip() else MAX_SECONDS
    except ValueError as exc:
        raise InputError(f"NEWAPI_APIFOX_TIME_LIMIT={text!r} is not a number of seconds") from exc


@contextmanager
def time_limit(source: str, seconds: float | None = None) -> Iterator[None]:
    """Stop the conversion with InputError after `seconds` (main thread only; elsewhere no limit)."""
    limit = seconds if seconds is not None else _seconds_from_environment()
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable or limit <= 0:
        yield
        return

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise InputError(f"{source}: conversion took longer than {limit:g} s: stopped")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
