"""A failed test's failure text (pytest's `longrepr`), redacted and headed by its bug report.

pytest's structured failure (an `ExceptionChainRepr`) stays structured: xdist carries it to
the controller, and its crash message is what the terminal's short summary and JUnit's
`message` show. So that message becomes the failure's headline (the clause, expected and
observed), the bug report is added as a section after the traceback (JUnit's details, the
terminal's failure section), and every text in it passes the redactor: pytest prints
fixture values in tracebacks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["BUG_REPORT_SECTION", "HeadedText", "headed", "redact_longrepr"]

BUG_REPORT_SECTION = "newapi-contract: the bug report"


def _redact_tree(node: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(node, str):
        return redact(node)
    if isinstance(node, list):
        node[:] = [_redact_tree(item, redact) for item in node]
        return node
    if isinstance(node, tuple):
        return tuple(_redact_tree(item, redact) for item in node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            setattr(node, f.name, _redact_tree(getattr(node, f.name), redact))
    return node


def redact_longrepr(longrepr: Any, redact: Callable[[str], str]) -> Any:
    """The same failure with every text redacted (in place where it is structured)."""
    if longrepr is None or isinstance(longrepr, (str, tuple)) or dataclasses.is_dataclass(longrepr):
        return _redact_tree(longrepr, redact)
    return redact(str(longrepr))


@dataclasses.dataclass
class _Crash:
    """What pytest and JUnit read as a failure's one-line message."""

    path: str
    lineno: int
    message: str


class HeadedText:
    """A text failure (not a traceback) with a one-line headline, for pytest's reporters:
    `reprcrash.message` is the headline, `str()` and the terminal show the whole text."""

    def __init__(self, headline: str, text: str, path: str = "", lineno: int = 0) -> None:
        self.reprcrash = _Crash(path, lineno, headline)
        self.text = text

    def toterminal(self, tw: Any) -> None:
        for line in self.text.splitlines():
            tw.line(line)

    def __str__(self) -> str:
        return self.text


def headed(longrepr: Any, headline: str, bug_report: str) -> Any:
    """`longrepr` with `headline` as its crash message and `bug_report` after the traceback."""
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None and hasattr(longrepr, "addsection") and hasattr(longrepr, "reprtraceback"):
        crash.message = headline
        if not any(name == BUG_REPORT_SECTION for name, *_ in getattr(longrepr, "sections", ())):
            longrepr.addsection(BUG_REPORT_SECTION, bug_report)
        return longrepr
    return HeadedText(headline, f"{bug_report}\n\n{longrepr}" if longrepr else bug_report)
