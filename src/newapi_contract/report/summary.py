"""The verdict per clause, gathered from test reports (also across xdist workers),
written as `summary.json` and printed at the end of the run."""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.contract.clauses import Clause
from newapi_contract.report.failure import ABOUT_ANSWER, Failure
from newapi_contract.report.known import KnownFailures
from newapi_contract.report.rootcause import RootCauses, explain

__all__ = ["NOT_APPLICABLE", "VERDICTS", "ClauseTally", "why_not"]

# "known": failed, but listed in --known-failures with an `until` not yet passed (report.known).
# "not applicable": the clause (or each of its tests) does not apply to this server's release
# or to the run's options (no latency budget, a door of the thorough profile): its tests were
# deselected at collection, or found so at run time (a route the release lacks). "skipped":
# it applies but could not be checked (no peer user given).
VERDICTS = ("held", "failed", "known", "unverified", "not applicable", "skipped", "not run")
NOT_APPLICABLE = "not applicable"  # also the prefix of the reason a test gives when it skips so
# The run's verdict, worst first: what the top of every output says.
RUN_VERDICTS = ("failed", "interrupted", "unverified", "held", "no verdict")


@dataclass
class _ClauseResult:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    # Tests of this clause stopped by another clause's violation: this one was not verified.
    unverified: list[str] = field(default_factory=list)
    unverified_reasons: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)  # (test, why)
    # The tests of this clause selected to run when some others were deselected as not
    # applicable: the clause is not applicable only once each of them said so too.
    selected: set[str] = field(default_factory=set)
    requests: int = 0

    @property
    def verdict(self) -> str:
        if self.failed:
            return "failed"
        if self.unverified:
            return "unverified"
        if self.passed:
            return "held"
        if self.skipped:
            return "skipped"
        if self.not_applicable and self.selected <= {test for test, _ in self.not_applicable}:
            return NOT_APPLICABLE
        return "not run"


@dataclass
class ClauseTally:
    clauses: dict[str, Clause]
    results: dict[str, _ClauseResult] = field(default_factory=lambda: defaultdict(_ClauseResult))
    errors: list[str] = field(default_factory=list)
    # (test, kind, reason) of every test the road stopped (RoadFault): exit 3, not 1.
    road_faults: list[tuple[str, str, str]] = field(default_factory=list)
    # Each failed clause's bug reports (`report.failure.Failure`), by the clause broken.
    failures: dict[str, list[Failure]] = field(default_factory=lambda: defaultdict(list))
    interrupted: bool = False  # Ctrl-C, SIGTERM, or -x stopped the run before its end
    known: KnownFailures | None = None  # --known-failures: failed clauses with a ticket
    # The latest facts of each process (xdist worker), by its run prefix.
    _infos: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def run_info(self) -> dict[str, Any]:
        """The run's facts; counters summed over workers, prefixes listed."""
        infos = list(self._infos.values())
        if not infos:
            return {}
        merged = dict(infos[0])
        for counter in ("requests", "throttled", "pacing_waited_s", "network_resends"):
            merged[counter] = round(sum(i.get(counter) or 0 for i in infos), 1)
        for counters in ("requests_by_limiter", "network_faults"):
            summed: dict[str, int] = {}
            for info in infos:
                for key, value in (info.get(counters) or {}).items():
                    summed[key] = summed.get(key, 0) + value
            merged[counters] = summed
        merged["run_prefix"] = ", ".join(sorted(self._infos))
        return merged

    def note_info(self, info: dict[str, Any]) -> None:
        """The latest facts of one process of the run (keyed by its run prefix)."""
        self._infos[info.get("run_prefix", "")] = info

    def add(self, report: pytest.TestReport) -> None:
        props: dict[str, Any] = dict(report.user_properties)
        if "run_info" in props:
            info = json.loads(props["run_info"])
            self.note_info(info)
        clause = props.get("clause")
        if clause is None:
            return
        result = self.results[clause]
        result.requests += int(props.get("requests", 0))
        if "failure" in props:
            failure = Failure.from_dict(json.loads(props["failure"]))
            self.failures[failure.clause].append(failure)
        if report.failed or (report.skipped and "known" in props):  # known: xfailed, still failed
            broken = props.get("failed_clause", clause)
            if broken != clause:  # another clause's violation, met in the call or a fixture
                self.results[broken].failed.append(report.nodeid)
                result.unverified.append(report.nodeid)
                result.unverified_reasons.append(f"stopped by a failure of {broken}")
            else:
                result.failed.append(report.nodeid)
                if report.when != "call":
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
            reason = reason.removeprefix("Skipped: ")
            kind = result.not_applicable if reason.startswith(NOT_APPLICABLE) else result.skipped
            kind.append((report.nodeid, reason))
        elif report.when == "call":
            result.passed.append(report.nodeid)

    def note_verdict(
        self, clause: str, test: str, verdict: str, failure: Failure | None = None, reason: str = ""
    ) -> None:
        """A verdict reached outside any test (an xdist worker's audit at its session's end, a
        test deselected as not applicable): "held", "failed" (with its bug report),
        "unverified", "not applicable" or "skipped" (with the reason)."""
        result = self.results[clause]
        if verdict == "held":
            result.passed.append(test)
        elif verdict == "failed":
            result.failed.append(test)
            if failure is not None:
                self.failures[clause].append(failure)
        elif verdict == "unverified":
            result.unverified.append(test)
            result.unverified_reasons.append(reason)
        elif verdict == NOT_APPLICABLE:
            if (test, reason) not in result.not_applicable:  # each xdist worker tells the same
                result.not_applicable.append((test, reason))
        else:
            result.skipped.append((test, reason))

    def judged(self) -> bool:
        """Whether some clause got a verdict on the server (held, failed, known, unverified)."""
        counts = self.counts()
        return any(counts[v] for v in ("held", "failed", "known", "unverified"))

    def not_applicable_reasons(self) -> dict[str, str]:
        """Each not-applicable clause and its first reason."""
        return {
            cid: why_not(self.results[cid].not_applicable[0][1])
            for cid in self.clauses
            if self.verdict_of(cid) == NOT_APPLICABLE
        }

    def note_selected(self, clause: str, tests: Collection[str]) -> None:
        """The tests of `clause` that run although others of it were deselected (not applicable)."""
        self.results[clause].selected.update(tests)

    def verdict_of(self, cid: str) -> str:
        verdict = self.results[cid].verdict if cid in self.results else "not run"
        if verdict == "failed" and self.known is not None and self.known.shields(cid):
            return "known"
        return verdict

    def verdicts(self) -> dict[str, str]:
        return {cid: self.verdict_of(cid) for cid in self.clauses}

    def known_warnings(self) -> list[str]:
        """The --known-failures entries to update: expired, or their clause now holds."""
        return self.known.warnings(self.verdicts()) if self.known is not None else []

    def counts(self) -> dict[str, int]:
        verdicts = [self.verdict_of(c) for c in self.clauses]
        return {v: verdicts.count(v) for v in VERDICTS}

    def verdict(self) -> str:
        """The run's verdict (RUN_VERDICTS): a failed clause outweighs everything else."""
        counts = self.counts()
        if counts["failed"]:
            return "failed"
        if self.interrupted:
            return "interrupted"
        if counts["unverified"]:
            return "unverified"
        return "held" if counts["held"] else "no verdict"

    def root_causes(self) -> RootCauses:
        failed = [c for c in self.clauses if self.verdict_of(c) == "failed"]
        return explain(failed, self.clauses, self.failures)  # the run's evidence first

    def as_dict(self) -> dict[str, Any]:
        causes = self.root_causes()
        clauses = {}
        for cid, clause in self.clauses.items():
            result = self.results.get(cid, _ClauseResult())
            entry = self.known.entries.get(cid) if self.known is not None else None
            clauses[cid] = {
                "title": clause.title,
                "source": clause.source,
                "verdict": self.verdict_of(cid),
                **({"known": entry.as_dict()} if entry is not None else {}),
                "relies_on": list(clause.relies_on),
                "probably_because_of": list(causes.because.get(cid, ())),
                "failures": [_failure_summary(f) for f in self.failures.get(cid, ())],
                "passed": result.passed,
                "failed": result.failed,
                "unverified": result.unverified,
                "unverified_reasons": result.unverified_reasons,
                "skipped": [{"test": t, "reason": r} for t, r in result.skipped],
                "not_applicable": [{"test": t, "reason": r} for t, r in result.not_applicable],
                "requests": result.requests,
            }
        return {
            "verdict": self.verdict(),
            "interrupted": self.interrupted,
            "run": self.run_info,
            "totals": self.counts(),
            "root_causes": list(causes.roots),
            "errors": self.errors,
            "road_faults": [{"test": t, "kind": k, "reason": r} for t, k, r in self.road_faults],
            "clauses": clauses,
            **({"known_failures": self.known.as_dict(self.verdicts())} if self.known is not None else {}),
        }

    def write(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        """Write `summary.json`; `extra` adds top-level sections (latency, revocation)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        body = {**self.as_dict(), **(extra or {})}
        tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)

    def lines(self) -> list[str]:
        """One line per clause that ran: verdict, id, title (and why it was skipped or is not
        applicable)."""
        out = []
        for cid in self.clauses:
            if cid not in self.results:
                continue
            result = self.results[cid]
            verdict = self.verdict_of(cid)
            line = f"{verdict:>7}  {cid}  {self.clauses[cid].title}"
            if verdict == "skipped" and result.skipped:
                line += f"  ({result.skipped[0][1]})"
            elif verdict == NOT_APPLICABLE and result.not_applicable:
                line = f"    n/a  {cid}  {self.clauses[cid].title}  ({why_not(result.not_applicable[0][1])})"
            elif verdict == "known" and self.known is not None and (entry := self.known.shields(cid)):
                line += f"  (known: {entry.ticket}, until {entry.until.isoformat()})"
            out.append(line)
        return out


def why_not(reason: str) -> str:
    """A not-applicable reason without its leading "not applicable: " (the verdict says it)."""
    return reason.removeprefix(NOT_APPLICABLE).lstrip(": ") or reason


def _failure_summary(failure: Failure) -> dict[str, Any]:
    """What summary.json says of one failure (the HTML report has the exchanges)."""
    ex = failure.about_exchange()
    answer = None
    if ex is not None and failure.about_why == ABOUT_ANSWER:
        try:
            body: Any = json.loads(ex.response_body)
        except ValueError:
            body = ex.response_body
        answer = {"status": ex.status, "body": body}  # the answer judged, whole and parsed
    return {
        "test": failure.test,
        "headline": failure.headline(),
        "expected": failure.expected,
        "observed": failure.observed,
        "observed_answer": answer,
        "check": failure.check,
        "about": failure.about_line(),
        "curl": ex.curl() if ex is not None else None,
        "key": failure.key_line(),
        "replay": failure.replay,
    }
