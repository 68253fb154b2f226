"""The run as a CI step summary: when `GITHUB_STEP_SUMMARY` names a file (GitHub Actions sets
it for every step), `newapi-contract run` appends its verdict, each failed clause with its
one-line bug report, the known defects with their tickets, and where the reports are, as
Markdown. Nothing is written when the variable is unset."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from newapi_contract.report.page import verdict_sentence
from newapi_contract.report.summary import ClauseTally

__all__ = ["STEP_SUMMARY_ENV", "append_step_summary", "error_markdown", "run_markdown"]

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def _cell(text: str) -> str:
    """Text safe in one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def run_markdown(tally: ClauseTally, code: int, report_dir: Path, written: Sequence[str]) -> str:
    """The Markdown of one run that reached a verdict (`code`: its exit code)."""
    verdict = tally.verdict().upper()
    lines = [f"## newapi-contract: {verdict} (exit {code})", "", verdict_sentence(tally), ""]
    failed = [cid for cid in tally.clauses if tally.verdict_of(cid) == "failed"]
    if failed:
        causes = tally.root_causes()
        lines += ["| failed clause | bug report |", "|---|---|"]
        for cid in failed:
            failures = tally.failures.get(cid, [])
            report = failures[0].headline() if failures else f"{cid} failed: see the report"
            because = causes.because.get(cid)
            if because:
                report += f" (probably because of {', '.join(because)})"
            lines.append(f"| {cid} | {_cell(report)} |")
        lines.append("")
    known = [cid for cid in tally.clauses if tally.verdict_of(cid) == "known"]
    if known and tally.known is not None:
        lines += ["| known defect | ticket | until | bug report |", "|---|---|---|---|"]
        for cid in known:
            entry = tally.known.entries[cid]
            failures = tally.failures.get(cid, [])
            report = failures[0].headline() if failures else ""
            lines.append(f"| {cid} | {_cell(entry.ticket)} | {entry.until.isoformat()} | {_cell(report)} |")
        lines.append("")
    for warning in tally.known_warnings():
        lines.append(f"- :warning: {_cell(warning)}")
    if tally.known_warnings():
        lines.append("")
    where = ", ".join(f"`{report_dir / name}`" for name in written) or "none written"
    lines += [f"Reports: {where}", ""]
    return "\n".join(lines)


def error_markdown(message: str, code: int) -> str:
    """The Markdown of a run that stopped before any verdict (exit 2, 3 or 4)."""
    return f"## newapi-contract: NO VERDICT (exit {code})\n\n{_cell(message)}\n"


def append_step_summary(markdown: str) -> Path | None:
    """Append to the file `GITHUB_STEP_SUMMARY` names; None when unset. A file that cannot be
    written costs the summary, never the run's verdict."""
    target = os.environ.get(STEP_SUMMARY_ENV, "").strip()
    if not target:
        return None
    try:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
    except OSError:
        return None
    return Path(target)
