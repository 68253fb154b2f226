"""The top of the HTML report, above pytest-html's results table (its summary hook).

In reading order: the verdict (coloured, with the counts of held / failed / unverified /
skipped / not run, and whether the run was interrupted); the failures as bug reports, root
causes first and the failures they probably explain folded under them; the clause table;
the run's facts; where the Apifox page and the server differ; the sections of the notes on
the real server that the clauses' sources cite (their "§N" link there). Also the page title.
"""

from __future__ import annotations

from html import escape
from typing import Any

from newapi_contract.report.cards import anchor, failure_card, verdict_badge
from newapi_contract.report.failure import Failure
from newapi_contract.report.sources import cited_sections, source_html, sources_html
from newapi_contract.report.summary import VERDICTS, ClauseTally

__all__ = ["differences_html", "page_title", "run_summary_html", "verdict_sentence"]

_FACTS = {
    "target": "Target",
    "generation": "Generation",
    "server_version": "Server version",
    "server_features": "What the server offers",
    "redaction": "Redaction",
    "contract": "Contract",
    "contract_sha256": "Contract SHA-256",
    "run_prefix": "Run prefix",
    "seed": "Seed (--hypothesis-seed)",
    "profile": "Profile",
    "requests": "Requests sent",
    "pacing_waited_s": "Waited for pacing and 429s (s)",
    "throttled": "429 answers",
}


def verdict_sentence(tally: ClauseTally) -> str:
    """The run's verdict in one sentence (banner, terminal, stderr)."""
    counts = tally.counts()
    total = len(tally.clauses)
    verdict = tally.verdict()
    stopped = " The run was interrupted: it is incomplete." if tally.interrupted else ""
    if verdict == "failed":
        roots = tally.root_causes().roots
        share = ""
        if len(roots) < counts["failed"]:
            share = f"; root cause{'s' if len(roots) > 1 else ''}: {', '.join(roots)}"
        return f"FAILED: the server breaks {counts['failed']} of {total} clauses{share}.{stopped}"
    if verdict == "interrupted":
        return f"INTERRUPTED: the run stopped before its end; {counts['not run']} clause(s) not run."
    if verdict == "unverified":
        return (
            f"UNVERIFIED: {counts['unverified']} clause(s) could not be checked (the road to the "
            "server failed: throttling, network, a proxy), none failed."
        )
    if verdict == "held":
        return f"HELD: every clause checked held ({counts['held']} of {total})."
    return "NO VERDICT: no clause was checked."


def page_title(tally: ClauseTally) -> str:
    info = tally.run_info
    target = info.get("target") or "no target"
    return f"newapi-contract: {tally.verdict()}, {tally.counts()['failed']} failed ({target})"


def _banner(tally: ClauseTally) -> str:
    counts = tally.counts()
    chips = "".join(
        f"<span class='nac-chip nac-v-{escape(v.replace(' ', '-'))}{' nac-zero' if not counts[v] else ''}'>"
        f"{counts[v]} {escape(v)}</span>"
        for v in VERDICTS
    )
    if tally.interrupted:
        chips += "<span class='nac-chip nac-v-interrupted'>interrupted</span>"
    info = tally.run_info
    shown = [
        f"{label} {escape(str(info.get(key)))}"
        for key, label in (
            ("target", "target"),
            ("generation", "generation"),
            ("server_version", "version"),
            ("seed", "seed"),
            ("requests", "requests"),
        )
        if info.get(key) not in (None, "")
    ]
    if info.get("pacing_waited_s") not in (None, ""):
        shown.append(f"waited {escape(str(info['pacing_waited_s']))} s for rate limits")
    if info.get("throttled"):
        shown.append(f"{escape(str(info['throttled']))} answers 429 (waited out, never judged)")
    faults = sum((info.get("network_faults") or {}).values())
    if faults:
        shown.append(f"{faults} network faults (resent or unverified, never judged)")
    facts = " · ".join(shown)
    return (
        f"<div class='nac-verdict nac-run-{escape(tally.verdict().replace(' ', '-'))}'>"
        f"<p class='nac-verdict-line'>{escape(verdict_sentence(tally))}</p>"
        f"<p class='nac-chips'>{chips}</p><p class='nac-run-facts'>{facts}</p></div>"
    )


def _first(failures: list[Failure]) -> Failure | None:
    return failures[0] if failures else None


def _failures(tally: ClauseTally) -> str:
    causes = tally.root_causes()
    if not causes.roots:
        return ""
    parts = ["<h2>Failures, root cause first</h2>"]
    for root in causes.roots:
        failure = _first(tally.failures.get(root, []))
        clause = tally.clauses.get(root)
        if failure is None:  # failed outside a test's call (set-up, teardown)
            parts.append(f"<p>{verdict_badge('failed')} {escape(root)}: see its rows below.</p>")
            continue
        more = len(tally.failures[root]) - 1
        extra = f" <small>(and {more} more failing test{'s' if more > 1 else ''})</small>" if more else ""
        parts.append(failure_card(failure, clause, title_extra=extra, anchored=True))
        dependents = causes.dependents(root)
        if dependents:
            parts.append(
                f"<div class='nac-also'><h3>Also failing, probably because of {escape(root)} "
                f"({len(dependents)})</h3>"
            )
            for cid in dependents:
                parts.append(_folded_failure(tally, cid))
            parts.append("</div>")
    return "".join(parts)


def _folded_failure(tally: ClauseTally, cid: str) -> str:
    clause = tally.clauses.get(cid)
    failure = _first(tally.failures.get(cid, []))
    title = clause.title if clause else ""
    roots = ", ".join(tally.root_causes().because.get(cid, ()))
    summary = (
        f"{verdict_badge('failed')} <b>{escape(cid)}</b>: {escape(title)}"
        f" <span class='nac-why'>(relies on {escape(roots)})</span>"
    )
    body = failure_card(failure, clause) if failure else "<p>See its rows below.</p>"
    return (
        f"<details class='nac-also-item' id='{escape(anchor(cid))}'>"
        f"<summary>{summary}</summary>{body}</details>"
    )


def _clause_table(tally: ClauseTally) -> str:
    rows = []
    data = tally.as_dict()["clauses"]
    roots = set(tally.root_causes().roots)
    for cid, row in data.items():
        note = ""
        if row["verdict"] == "skipped" and row["skipped"]:
            note = row["skipped"][0]["reason"]
        elif row["verdict"] == "unverified" and row["unverified_reasons"]:
            note = row["unverified_reasons"][0]
        elif row["probably_because_of"]:
            note = f"probably because of {', '.join(row['probably_because_of'])}"
        elif cid in roots:
            note = "root cause: see its bug report above"
        link = (
            f"<a href='#{escape(anchor(cid))}'>{escape(cid)}</a>"
            if row["verdict"] == "failed"
            else escape(cid)
        )
        rows.append(
            f"<tr class='verdict-{escape(row['verdict'].replace(' ', '-'))}'><td>{link}</td>"
            f"<td>{verdict_badge(row['verdict'])}</td><td>{escape(row['title'])}</td>"
            f"<td>{escape(note)}</td><td>{source_html(row['source'])}</td></tr>"
        )
    return (
        "<h2>Clauses</h2><table class='newapi-clauses'><colgroup><col class='c-id'><col class='c-v'>"
        "<col class='c-t'><col class='c-n'><col class='c-s'></colgroup><tr><th>Clause</th><th>Verdict</th>"
        f"<th>Promise</th><th>Why</th><th>Source</th></tr>{''.join(rows)}</table>"
    )


def _run_facts(tally: ClauseTally) -> str:
    info = tally.run_info
    labels = dict(_FACTS)
    if info.get("generation_detected"):
        labels["generation"] = "Detected generation"
    facts = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(str(info.get(key, '')))}</td></tr>"
        for key, label in labels.items()
    )
    return (
        f"<details class='nac-fold'><summary>Run</summary><table class='newapi-run'>{facts}</table></details>"
    )


def differences_html(contract: dict[str, Any]) -> str:
    """Where the Apifox page and the real server differ, as the effective contract records it
    (`x-newapi-differences`, added by the overlay)."""
    rows = "".join(
        f"<tr><td>{escape(str(d.get('apifox', '')))}</td><td>{escape(str(d.get('server', '')))}</td></tr>"
        for d in _find_differences(contract)
    )
    if not rows:
        return ""
    return (
        "<details class='nac-fold'><summary>Where the Apifox page and the server differ</summary>"
        "<table class='newapi-differences'>"
        "<tr><th>The Apifox page says</th><th>The server does (the contract follows it)</th></tr>"
        f"{rows}</table></details>"
    )


def _find_differences(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        found = node.get("x-newapi-differences")
        if isinstance(found, list):
            return [d for d in found if isinstance(d, dict)]
        return [d for v in node.values() for d in _find_differences(v)]
    if isinstance(node, list):
        return [d for v in node for d in _find_differences(v)]
    return []


def run_summary_html(
    tally: ClauseTally,
    contract: dict[str, Any] | None = None,
    notes: dict[str, tuple[str, str]] | None = None,
) -> list[str]:
    """The top of the report, in reading order (see the module doc); `notes`: the sections of
    the notes on the real server (`report.sources.notes_sections`), which the sources cite."""
    cited = [number for clause in tally.clauses.values() for number in cited_sections(clause.source)]
    return [
        _banner(tally),
        _failures(tally),
        _clause_table(tally),
        _run_facts(tally),
        differences_html(contract or {}),
        sources_html(notes or {}, cited),
        "<h2>Tests</h2>",
    ]
