"""pytest-html extras: a failing clause as a bug report, with its HTTP exchanges.

Everything placed in the report is escaped, and comes from the recorder, which
holds only redacted text.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from newapi_contract.client.recording import Exchange
from newapi_contract.contract.clauses import Clause
from newapi_contract.contract.verdict import ClauseViolation
from newapi_contract.report.summary import ClauseTally

__all__ = ["clause_html", "differences_html", "exchanges_html", "run_summary_html"]

_MAX_BODY = 4000


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_BODY else text[:_MAX_BODY] + f"... ({len(text)} characters)"


def clause_html(clause: Clause, violation: ClauseViolation | None, verdict: str) -> str:
    broken = clause.id if violation is None or violation.clause is None else violation.clause
    rows = [
        f"<h3>Clause {escape(clause.id)}: {escape(clause.title)} ({escape(verdict)})</h3>",
        f"<p><b>Promise:</b> {escape(clause.statement)}</p>",
        f"<p><b>Source:</b> {escape(clause.source)}</p>",
    ]
    if violation is not None:
        if broken != clause.id:
            rows.append(
                f"<p><b>Broken clause:</b> {escape(broken)} (noticed while checking {escape(clause.id)})</p>"
            )
        wrap = "style='white-space: pre-wrap; word-break: break-all'"
        rows.append(f"<p><b>Expected:</b></p><pre {wrap}>{escape(violation.expected)}</pre>")
        rows.append(f"<p><b>Observed:</b></p><pre {wrap}>{escape(violation.observed)}</pre>")
    return "<div class='newapi-clause'>" + "".join(rows) + "</div>"


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers.items())


def exchanges_html(exchanges: Sequence[Exchange]) -> str:
    if not exchanges:
        return "<p>No HTTP exchange was recorded for this test.</p>"
    parts = [f"<details open><summary>{len(exchanges)} HTTP exchange(s)</summary>"]
    for n, ex in enumerate(exchanges, 1):
        outcome = ex.error or f"HTTP {ex.status} in {ex.elapsed_ms:.0f} ms"
        parts.append(
            "<div class='newapi-exchange'>"
            f"<p><b>#{n} {escape(ex.method)} {escape(ex.url)}</b> -> {escape(outcome)}</p>"
            f"<pre>{escape(_headers(ex.request_headers))}\n\n{escape(_clip(ex.request_body))}</pre>"
            f"<pre>{escape(_headers(ex.response_headers))}\n\n{escape(_clip(ex.response_body))}</pre>"
            f"<p>curl:</p><pre>{escape(ex.curl())}</pre>"
            "</div>"
        )
    parts.append("</details>")
    return "".join(parts)


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
        "<h2>Where the Apifox page and the server differ</h2><table class='newapi-differences'>"
        "<tr><th>The Apifox page says</th><th>The server does (the contract follows it)</th></tr>"
        f"{rows}</table>"
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


def run_summary_html(tally: ClauseTally, contract: dict[str, Any] | None = None) -> list[str]:
    """The top of the report: what ran against what, each clause's verdict, and where the
    Apifox page and the server differ."""
    info = tally.run_info
    labels = {
        "target": "Target",
        "generation": "Detected generation" if info.get("generation_detected") else "Generation",
        "server_version": "Server version",
        "contract": "Contract",
        "contract_sha256": "Contract SHA-256",
        "run_prefix": "Run prefix",
        "seed": "Seed (--hypothesis-seed)",
        "profile": "Profile",
        "requests": "Requests sent",
        "pacing_waited_s": "Waited for pacing and 429s (s)",
        "throttled": "429 answers",
    }
    facts = "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(str(info.get(key, '')))}</td></tr>"
        for key, label in labels.items()
    )
    verdicts = "".join(
        f"<tr class='verdict-{escape(row['verdict'])}'><td>{escape(cid)}</td>"
        f"<td>{escape(row['verdict'])}</td>"
        f"<td>{escape(row['title'])}</td><td>{escape(row['source'])}</td></tr>"
        for cid, row in tally.as_dict()["clauses"].items()
    )
    return [
        f"<h2>Run</h2><table class='newapi-run'>{facts}</table>",
        "<h2>Clauses</h2><table class='newapi-clauses'><tr><th>Clause</th><th>Verdict</th>"
        f"<th>Promise</th><th>Source</th></tr>{verdicts}</table>",
        differences_html(contract or {}),
    ]
