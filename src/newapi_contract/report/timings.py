"""Latency and revocation figures: observations for the report, verdicts only under a budget.

Every answered exchange of a clause test counts towards its operation (create, list, search,
get, delete, batch, key, relay, other): p50 / p95 / max, and outliers named (an answer far
slower than its operation's median, e.g. a 3 s delete among 10 ms ones). Throttled (429) and
unanswered exchanges are the road's, not the server's, and are left out. The revocation rows
come from the door clauses (DEL-DOOR-*): per door, how long after the delete's answer the
deleted key was first refused.

Tests hand their figures over as report properties ("timings", "revocation"), so the
controller of an xdist run sees every worker's. `summary.json` gets `latency` and
`revocation`; the HTML report gets `timings_html()`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from newapi_contract.report.cards import report_template
from newapi_contract.run.settings import BUDGET_OPERATIONS

__all__ = [
    "BUDGET_OPERATIONS",
    "OPERATIONS",
    "RunTimings",
    "Sample",
    "operation",
    "samples_of",
    "slower_than",
]

OPERATIONS = ("create", "list", "search", "get", "delete", "batch", "key", "relay", "other")
# Operations a user may give a budget (`--latency-budget delete=500ms,...`), each judged by
# its own clause (DEL-LAT-1..4).
# An answer is an outlier when slower than both: a factor of its operation's median and a
# margin above it (so that 3 ms against 1 ms is not news).
OUTLIER_FACTOR = 5.0
OUTLIER_MARGIN_MS = 250.0
_MAX_OUTLIERS = 10
_TOKEN_ID = re.compile(r"^/api/token/[^/]+/?$")


def operation(method: str, url: str) -> str:
    """The operation of one request, from its method and path."""
    path = urlsplit(url).path or "/"
    method = method.upper()
    if path.startswith(("/v1/", "/v1beta/")) or path == "/v1":
        return "relay"
    if path in ("/api/token/", "/api/token"):
        return {"POST": "create", "GET": "list"}.get(method, "other")
    if path == "/api/token/search":
        return "search" if method == "GET" else "delete" if method == "DELETE" else "other"
    if path == "/api/token/batch" and method == "POST":
        return "batch"
    if path == "/api/token/batch/keys" or (path.endswith("/key") and method == "POST"):
        return "key"
    if _TOKEN_ID.match(path):
        return {"GET": "get", "DELETE": "delete"}.get(method, "other")
    return "other"


@dataclass(frozen=True)
class Sample:
    """One answered request: its operation, time, and where it came from."""

    op: str
    ms: float
    method: str
    path: str
    status: int
    test: str = ""

    def as_row(self) -> list[Any]:
        return [self.op, round(self.ms, 1), self.method, self.path, self.status]

    @classmethod
    def from_row(cls, row: Sequence[Any], test: str) -> Sample:
        op, ms, method, path, status = row
        return cls(str(op), float(ms), str(method), str(path), int(status), test)

    def describe(self) -> str:
        where = f" ({self.test})" if self.test else ""
        return f"{self.method} {self.path} {self.ms:.0f} ms, HTTP {self.status}{where}"


def samples_of(exchanges: Iterable[Any], test: str = "") -> list[Sample]:
    """Samples of recorded exchanges (`client.recording.Exchange`); the road's are left out."""
    found = []
    for ex in exchanges:
        if ex.status is None or ex.error or ex.status == 429:
            continue
        path = urlsplit(ex.url).path or "/"
        found.append(Sample(operation(ex.method, ex.url), ex.elapsed_ms, ex.method, path, ex.status, test))
    return found


def _percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of an ascending list."""
    rank = max(1, math.ceil(q / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


def slower_than(samples: Iterable[Sample], op: str, budget_ms: float) -> list[Sample]:
    """The answers of `op` slower than `budget_ms`, slowest first."""
    return sorted((s for s in samples if s.op == op and s.ms > budget_ms), key=lambda s: -s.ms)


@dataclass
class RunTimings:
    """The run's samples and revocation rows, gathered from test reports."""

    samples: list[Sample] = field(default_factory=list)
    revocation: list[dict[str, Any]] = field(default_factory=list)
    budgets_ms: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:  # pytest prints fixture values in failure tracebacks
        return f"RunTimings({len(self.samples)} samples, {len(self.revocation)} revocation rows)"

    def add(self, properties: Iterable[tuple[str, Any]], test: str, when: str = "teardown") -> None:
        """Read one test report's properties; a test's own rows ride on every report of it
        after they were set, so only its teardown report counts."""
        if when != "teardown":
            return
        for name, value in properties:
            if name == "timings":
                self.samples.extend(Sample.from_row(row, test) for row in json.loads(value))
            elif name == "revocation":
                self.revocation.append(json.loads(value))

    def latency(self) -> dict[str, dict[str, Any]]:
        """Per operation seen: n, p50, p95, max (ms), its budget if any, and its outliers."""
        table: dict[str, dict[str, Any]] = {}
        for op in OPERATIONS:
            mine = sorted((s for s in self.samples if s.op == op), key=lambda s: s.ms)
            if not mine:
                continue
            times = [s.ms for s in mine]
            p50 = _percentile(times, 50)
            limit = max(p50 * OUTLIER_FACTOR, p50 + OUTLIER_MARGIN_MS)
            outliers = [s for s in reversed(mine) if s.ms > limit][:_MAX_OUTLIERS]
            row: dict[str, Any] = {
                "n": len(mine),
                "p50_ms": round(p50, 1),
                "p95_ms": round(_percentile(times, 95), 1),
                "max_ms": round(times[-1], 1),
                "slowest": mine[-1].describe(),
                "outliers": [s.describe() for s in outliers],
            }
            if op in self.budgets_ms:
                budget = self.budgets_ms[op]
                row["budget_ms"] = budget
                row["over_budget"] = len(slower_than(mine, op, budget))
            table[op] = row
        return table

    def as_dict(self) -> dict[str, Any]:
        return {"latency": self.latency(), "revocation": sorted(self.revocation, key=lambda r: r["door"])}

    def lines(self) -> list[str]:
        """A few terminal lines: one per operation, outliers named."""
        out = []
        for op, row in self.latency().items():
            line = (
                f"{op:>7}  p50 {row['p50_ms']:.0f}  p95 {row['p95_ms']:.0f}  max {row['max_ms']:.0f} ms"
                f"  (n={row['n']})"
            )
            if "budget_ms" in row:
                line += f"  budget {row['budget_ms']:.0f} ms, {row['over_budget']} over"
            out.append(line)
            out.extend(f"           outlier: {text}" for text in row["outliers"][:3])
        late = [r for r in self.revocation if r.get("accepted_after_delete")]
        for row in late:
            refused = row.get("refused_at_ms")
            when = "never refused it" if refused is None else f"first refused it at {refused} ms"
            out.append(
                f"revocation: door {row['door']} accepted the deleted key {row['accepted_after_delete']} "
                f"time(s) after the delete and {when} (bound {row.get('bound_ms')} ms)"
            )
        return out


def _cell(value: Any) -> Any:
    """A table cell's value: nothing for None, words for a boolean (not Python's True/False)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def timings_html(timings: RunTimings) -> str:
    """The report's fragment: latency per operation, then revocation per door
    (`templates/timings.html.j2`)."""
    parts: Any = report_template("timings.html.j2").module
    out = []
    latency = timings.latency()
    if latency:
        out.append(
            str(
                parts.latency(
                    [
                        (
                            op,
                            row["n"],
                            row["p50_ms"],
                            row["p95_ms"],
                            row["max_ms"],
                            _cell(row.get("budget_ms")),
                            _cell(row.get("over_budget")),
                            list(row["outliers"]),
                        )
                        for op, row in latency.items()
                    ]
                )
            )
        )
    if timings.revocation:
        rows = [
            (
                r["door"],
                r["clause"],
                r["sends"],
                _cell(r.get("verdict")),
                "never"
                if r.get("refused_at_ms") is None and r.get("accepted_after_delete")
                else _cell(r.get("refused_at_ms")),
                _cell(r.get("accepted_after_delete")),
                _cell(r.get("last_accepted_ms")),
                _cell(r.get("later_refused")),
                _cell(r.get("bound_ms")),
            )
            for r in sorted(timings.revocation, key=lambda r: r["door"])
        ]
        out.append(str(parts.revocation(rows)))
    return "".join(out)
