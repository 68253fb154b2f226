"""The top of the HTML report, above pytest-html's results table (its summary hook).

In reading order: the verdict (coloured, with the counts of held / failed / known /
unverified / skipped / not run, whether the run was interrupted, and the --known-failures
entries to update); the failures as bug reports, root causes first and the failures they
probably explain folded under them; the known defects (every entry of --known-failures with
its clause's verdict, each known failure's bug report folded); the clause table;
the run's facts; where the Apifox page and the server differ; the sections of the notes on
the real server that the clauses' sources cite (their "§N" link there). Also the page title.
The markup is the Jinja2 template `templates/page.html.j2` (autoescaped), one macro a part.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from newapi_contract.report.cards import failure_card, report_template
from newapi_contract.report.failure import Failure
from newapi_contract.report.sources import cited_sections, source_html, sources_html
from newapi_contract.report.summary import NOT_APPLICABLE, VERDICTS, ClauseTally

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
    # Every count is of the clauses that apply to this run (server and options): one denominator.
    total = len(tally.clauses) - counts["not applicable"]
    aside = f"; {counts['not applicable']} not applicable to this run" if counts["not applicable"] else ""
    verdict = tally.verdict()
    stopped = " The run was interrupted: it is incomplete." if tally.interrupted else ""
    if verdict == "failed":
        roots = tally.root_causes().roots
        share = ""
        if len(roots) < counts["failed"]:
            share = f"; root cause{'s' if len(roots) > 1 else ''}: {', '.join(roots)}"
        known = (
            f" (and {counts['known']} known defect{'s' if counts['known'] > 1 else ''})"
            if counts["known"]
            else ""
        )
        return (
            f"FAILED: the server breaks {counts['failed']} of {total} clauses{known}{share}{aside}.{stopped}"
        )
    if verdict == "interrupted":
        return f"INTERRUPTED: the run stopped before its end; {counts['not run']} clause(s) not run."
    if verdict == "unverified":
        return (
            f"UNVERIFIED: {counts['unverified']} clause(s) could not be checked (the road to the "
            "server failed: throttling, network, a proxy), none failed."
        )
    if verdict == "held" and counts["known"]:
        return (
            f"HELD, WITH KNOWN DEFECTS: {counts['held']} of {total} clauses held; {counts['known']} "
            f"failed as listed in --known-failures (known, with a ticket){aside}."
        )
    if verdict == "held":
        return f"HELD: every clause checked held ({counts['held']} of {total}{aside})."
    return "NO VERDICT: no clause was checked."


def page_title(tally: ClauseTally) -> str:
    info = tally.run_info
    target = info.get("target") or "no target"
    counts = tally.counts()
    known = f", {counts['known']} known" if counts["known"] else ""
    return f"newapi-contract: {tally.verdict()}, {counts['failed']} failed{known} ({target})"


def _parts() -> Any:
    """The macros of `page.html.j2`."""
    return report_template("page.html.j2").module


def _banner(tally: ClauseTally) -> str:
    counts = tally.counts()
    info = tally.run_info
    shown = [
        f"{label} {info.get(key)}"
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
        shown.append(f"waited {info['pacing_waited_s']} s for rate limits")
    if info.get("throttled"):
        shown.append(f"{info['throttled']} answers 429 (waited out, never judged)")
    faults = sum((info.get("network_faults") or {}).values())
    if faults:
        shown.append(f"{faults} network faults (resent or unverified, never judged)")
    chips = [(v, counts[v]) for v in VERDICTS]
    warnings = tally.known_warnings()  # as the terminal says them
    return str(
        _parts().banner(tally.verdict(), verdict_sentence(tally), chips, tally.interrupted, shown, warnings)
    )


def _first(failures: list[Failure]) -> Failure | None:
    return failures[0] if failures else None


def _failures(tally: ClauseTally) -> str:
    causes = tally.root_causes()
    if not causes.roots:
        return ""
    roots = []
    for root in causes.roots:
        failure = _first(tally.failures.get(root, []))
        more = len(tally.failures[root]) - 1 if failure is not None else 0
        dependents = [
            (
                cid,
                clause.title if (clause := tally.clauses.get(cid)) else "",
                causes.shown[cid][1]
                if cid in causes.shown
                else f"relies on {', '.join(causes.because[cid])}",
                _first(tally.failures.get(cid, [])),
                clause,
            )
            for cid in causes.dependents(root)
        ]
        roots.append((root, failure, tally.clauses.get(root), more, dependents))
    return str(_parts().failures(roots))


def _known_section(tally: ClauseTally) -> str:
    """Every --known-failures entry with its clause's verdict (the stale ones flagged), then
    each known failure's bug report, folded."""
    if tally.known is None or not tally.known.entries:
        return ""
    listed = tally.known.as_dict(tally.verdicts())
    rows = [
        (e["clause"], tally.verdict_of(e["clause"]), e["ticket"], e["until"], e["reason"], e["note"])
        for e in listed["entries"]
    ]
    cards = []
    for cid, entry in tally.known.entries.items():
        failure = _first(tally.failures.get(cid, []))
        if tally.verdict_of(cid) == "known" and failure is not None:
            card = failure_card(failure, tally.clauses.get(cid), known=entry)
            cards.append((cid, entry.ticket, Markup(card)))  # rendered by cards.html.j2
    return str(_parts().known(listed["file"], rows, cards))


def _clause_table(tally: ClauseTally) -> str:
    rows = []
    data = tally.as_dict()["clauses"]
    roots = set(tally.root_causes().roots)
    stale = {entry.clause: why for entry, why in tally.known.stale(tally.verdicts())} if tally.known else {}
    for cid, row in data.items():
        if row["verdict"] == NOT_APPLICABLE:
            continue  # listed apart (`_not_applicable`): not a promise this run could check
        note = ""
        if row["verdict"] == "skipped" and row["skipped"]:
            note = row["skipped"][0]["reason"]
        elif row["verdict"] == "unverified" and row["unverified_reasons"]:
            note = row["unverified_reasons"][0]
        elif row["verdict"] == "known" and "known" in row:
            known = row["known"]
            note = f"known defect {known['ticket']} (until {known['until']}): {known['reason']}"
        elif row["probably_because_of"]:
            note = f"probably because of {', '.join(row['probably_because_of'])}"
        elif cid in roots:
            note = "root cause: see its bug report above"
        if cid in stale:
            why = f"--known-failures ({row['known']['ticket']}): {stale[cid]}"
            note = f"{note}; {why}" if note else why
        source = Markup(source_html(row["source"]))  # escaped and linked by report.sources
        linked = row["verdict"] in ("failed", "known")
        rows.append((cid, row["verdict"], row["title"], note, source, linked, cid in stale))
    return str(_parts().clause_table(rows))


def _not_applicable(tally: ClauseTally) -> str:
    """The clauses that do not apply to this server or to the run's options, and why."""
    reasons = tally.not_applicable_reasons()
    rows = [(cid, tally.clauses[cid].title, why) for cid, why in reasons.items()]
    return str(_parts().not_applicable(rows))


def _run_facts(tally: ClauseTally) -> str:
    info = tally.run_info
    labels = dict(_FACTS)
    if info.get("generation_detected"):
        labels["generation"] = "Detected generation"
    return str(_parts().run_facts([(label, info.get(key, "")) for key, label in labels.items()]))


def differences_html(contract: dict[str, Any]) -> str:
    """Where the Apifox page and the real server differ, as the effective contract records it
    (`x-newapi-differences`, added by the overlay)."""
    rows = [(d.get("apifox", ""), d.get("server", "")) for d in _find_differences(contract)]
    return str(_parts().differences(rows))


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
        _known_section(tally),
        _clause_table(tally),
        _not_applicable(tally),
        _run_facts(tally),
        differences_html(contract or {}),
        sources_html(notes or {}, cited),
        "<h2>Tests</h2>",
    ]
