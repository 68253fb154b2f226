"""The verdict per clause, gathered from test reports (also across xdist workers),
written as `summary.json` and printed at the end of the run."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.contract.clauses import Clause

__all__ = ["VERDICTS", "ClauseTally"]

VERDICTS = ("held", "failed", "unverified", "skipped", "not run")


@dataclass
class _ClauseResult:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # Tests of this clause stopped by another clause's violation: this one was not verified.
    unverified: list[str] = field(default_factory=list)
    unverified_reasons: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    requests: int = 0

    @property
    def verdict(self) -> str:
        if self.failed:
            return "failed"
        if self.unverified:
            return "unverified"
        if self.passed:
            return "held"
        return "skipped" if self.skipped else "not run"


@dataclass
class ClauseTally:
    clauses: dict[str, Clause]
    results: dict[str, _ClauseResult] = field(default_factory=lambda: defaultdict(_ClauseResult))
    errors: list[str] = field(default_factory=list)
    # (test, kind, reason) of every test the road stopped (RoadFault): exit 3, not 1.
    road_faults: list[tuple[str, str, str]] = field(default_factory=list)
    # The latest facts of each process (xdist worker), by its run prefix.
    _infos: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def run_info(self) -> dict[str, Any]:
        """The run's facts; counters summed over workers, prefixes listed."""
        infos = list(self._infos.values())
        if not infos:
            return {}
        merged = dict(infos[0])
        for counter in ("requests", "throttled", "pacing_waited_s"):
            merged[counter] = round(sum(i.get(counter) or 0 for i in infos), 1)
        merged["run_prefix"] = ", ".join(sorted(self._infos))
        return merged

    def add(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if "run_info" in props:
            info = json.loads(props["run_info"])
            self._infos[info.get("run_prefix", "")] = info
        clause = props.get("clause")
        if clause is None:
            return
        result = self.results[clause]
        result.requests += int(props.get("requests", 0))
        if report.failed:
            broken = props.get("failed_clause", clause)
            if report.when == "call":
                self.results[broken].failed.append(report.nodeid)
                if broken != clause:
                    result.unverified.append(report.nodeid)
            else:
                result.failed.append(report.nodeid)
                self.errors.append(report.nodeid)
        elif report.skipped and "unverified" in props:
            # The road (429s, network, a proxy) kept the test from a real answer.
            result.unverified.append(report.nodeid)
            result.unverified_reasons.append(str(props["unverified"]))
            self.road_faults.append(
                (report.nodeid, str(props.get("road_fault", "")), str(props["unverified"]))
            )
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            result.skipped.append((report.nodeid, reason))
        elif report.when == "call":
            result.passed.append(report.nodeid)

    def counts(self) -> dict[str, int]:
        verdicts = [self.results[c].verdict if c in self.results else "not run" for c in self.clauses]
        return {v: verdicts.count(v) for v in VERDICTS}

    def as_dict(self) -> dict[str, Any]:
        clauses = {}
        for cid, clause in self.clauses.items():
            result = self.results.get(cid, _ClauseResult())
            clauses[cid] = {
                "title": clause.title,
                "source": clause.source,
                "verdict": result.verdict,
                "passed": result.passed,
                "failed": result.failed,
                "unverified": result.unverified,
                "unverified_reasons": result.unverified_reasons,
                "skipped": [{"test": t, "reason": r} for t, r in result.skipped],
                "requests": result.requests,
            }
        return {
            "run": self.run_info,
            "totals": self.counts(),
            "errors": self.errors,
            "road_faults": [{"test": t, "kind": k, "reason": r} for t, k, r in self.road_faults],
            "clauses": clauses,
        }

    def write(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        """Write `summary.json`; `extra` adds top-level sections (latency, revocation)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        body = {**self.as_dict(), **(extra or {})}
        tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    def lines(self) -> list[str]:
        out = []
        for cid in self.clauses:
            if cid not in self.results:
                continue
            result = self.results[cid]
            line = f"{result.verdict:>7}  {cid}  {self.clauses[cid].title}"
            if result.verdict == "skipped" and result.skipped:
                line += f"  ({result.skipped[0][1]})"
            out.append(line)
        return out
