"""`compare.html`: the comparison as one self-contained page, from `outputs.as_dict`'s
(redacted) document.

In reading order: the verdict (coloured, the count of steps per class, both servers), the
steps that differ with their first differences, then every step (those that differ open,
the others folded): clause verdicts that changed, each place that differs with both values
and its kind, and the normalised answers side by side with their curl lines.
"""

from __future__ import annotations

import json
from html import escape
from importlib import resources
from typing import Any

from newapi_contract.compare.classify import CLASSES
from newapi_contract.errors import Exit

__all__ = ["page_title", "render_page"]

_SEEN_SHOWN = 6  # steps named per change before the rest folds


# The verdict box's colour for compare's exit code: held, failed, unverified.
_RUN_CLASS = {Exit.HELD: "held", Exit.FAILED: "failed", Exit.TARGET: "unverified"}


def _css() -> str:
    package = resources.files("newapi_contract")
    shared = package.joinpath("report", "verdict.css").read_text(encoding="utf-8")
    return shared + package.joinpath("compare", "compare.css").read_text(encoding="utf-8")


def _value(value: Any) -> str:
    if isinstance(value, str) and value:
        return value
    return json.dumps(value, ensure_ascii=False)  # "" shows as "", not as nothing


def _badge(kind: str, allowed: bool = False) -> str:
    extra = " cmp-allowed" if allowed else ""
    label = f"{kind} (allowed)" if allowed else kind
    return f"<span class='nac-badge cmp-k-{escape(kind)}{extra}'>{escape(label)}</span>"


def _side(side: dict[str, Any]) -> str:
    faults = f", faults {', '.join(side['faults'])}" if side.get("faults") else ""
    return (
        f"{escape(str(side['target']))} ({escape(str(side.get('generation')))}, version "
        f"{escape(str(side.get('version') or 'unknown'))}{escape(faults)})"
    )


def page_title(document: dict[str, Any]) -> str:
    counts = document["counts"]
    shown = ", ".join(f"{counts[k]} {k}" for k in ("contract", "shape", "text"))
    return (
        f"newapi-contract compare: {shown} ({document['baseline']['target']} -> "
        f"{document['candidate']['target']})"
    )


def _chips(counts: dict[str, int], kinds: tuple[str, ...], allowed: set[str], what: str) -> str:
    return (
        "".join(
            f"<span class='nac-chip cmp-k-{k}{' nac-zero' if not counts[k] else ''}"
            f"{' cmp-allowed' if k in allowed else ''}'>{counts[k]} {k}</span>"
            for k in kinds
        )
        + f" <span class='cmp-note'>{escape(what)}</span>"
    )


def _banner(document: dict[str, Any]) -> str:
    allowed = set(document["allowed"])
    changes = _chips(document["change_counts"], ("contract", "shape", "text"), allowed, "changes")
    steps = _chips(document["counts"], CLASSES, allowed, "steps")
    note = f" · allowed: {escape(', '.join(sorted(allowed)))}" if allowed else ""
    steps_total = len(document["steps"])
    return (
        f"<div class='nac-verdict nac-run-{_RUN_CLASS.get(document['exit_code'], 'other')}'>"
        f"<p class='nac-verdict-line'>{escape(document['verdict'])} (exit {document['exit_code']})</p>"
        f"<p class='cmp-chips'>{changes}</p><p class='cmp-chips cmp-steps'>{steps}</p>"
        f"<p class='cmp-sides'>baseline {_side(document['baseline'])} → candidate "
        f"{_side(document['candidate'])} · {steps_total} steps, each sent to the baseline twice and to "
        f"the candidate once · {document['elapsed_s']} s{note}</p></div>"
    )


def _anchor(step_id: str) -> str:
    return "step-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in step_id)


def _seen_in(change: dict[str, Any]) -> str:
    links = []
    for seen in change["seen_in"]:
        label = f"{seen['step']} {seen['call']}".strip()
        links.append(f"<a href='#{_anchor(seen['step'])}'>{escape(label)}</a>")
    links = list(dict.fromkeys(links))
    if len(links) <= _SEEN_SHOWN:
        return ", ".join(links)
    rest = ", ".join(links[_SEEN_SHOWN:])
    return (
        ", ".join(links[:_SEEN_SHOWN])
        + f"<details><summary>and {len(links) - _SEEN_SHOWN} more</summary>{rest}</details>"
    )


def _summary(document: dict[str, Any]) -> str:
    """The distinct changes, most serious first, each with the steps that show it."""
    allowed = set(document["allowed"])
    if not document["changes"]:
        return ""
    rows = "".join(
        f"<tr><td>{_badge(c['kind'], c['kind'] in allowed)}</td><td><code>{escape(c['where'])}</code></td>"
        f"<td><code>{escape(_value(c['baseline']))}</code></td>"
        f"<td><code>{escape(_value(c['candidate']))}</code></td><td>{_seen_in(c)}</td></tr>"
        for c in document["changes"]
    )
    return (
        "<h2>What changed</h2><table class='cmp-summary'><colgroup><col class='s-kind'>"
        "<col class='s-where'><col class='s-value'><col class='s-value'><col></colgroup>"
        "<tr><th>Kind</th><th>Where</th><th>Baseline</th><th>Candidate</th><th>Seen in (step call)</th></tr>"
        f"{rows}</table>"
    )


def _changes(step: dict[str, Any]) -> str:
    if not step["changes"] and not step["noisy_clauses"]:
        return ""
    items = "".join(
        f"<li>{_badge('contract')} <b>{escape(c['clause'])}</b>: {escape(c['baseline'])} on the "
        f"baseline, {escape(c['candidate'])} on the candidate<pre>{escape(c['detail'])}</pre></li>"
        for c in step["changes"]
    )
    items += "".join(
        f"<li>{_badge('noise')} <b>{escape(clause)}</b>: the baseline's two passes disagreed</li>"
        for clause in step["noisy_clauses"]
    )
    return f"<h4>Clause verdicts</h4><ul class='cmp-changes'>{items}</ul>"


def _differences(step: dict[str, Any]) -> str:
    if not step["differences"]:
        return ""
    rows = "".join(
        f"<tr><td>{escape(d['call'])}</td><td><code>{escape(d['where'])}</code></td>"
        f"<td><code>{escape(_value(d['baseline']))}</code></td>"
        f"<td><code>{escape(_value(d['candidate']))}</code>"
        + (
            f"<br><span class='cmp-note'>baseline again: {escape(_value(d['second_baseline']))}</span>"
            if d["kind"] == "noise"
            else ""
        )
        + f"</td><td>{_badge(d['kind'])}</td></tr>"
        for d in step["differences"]
    )
    return (
        "<h4>Where the answers differ</h4><table class='cmp-diffs'><colgroup><col class='d-call'>"
        "<col class='d-where'><col><col><col class='d-kind'></colgroup><tr><th>Call</th><th>Where</th>"
        f"<th>Baseline</th><th>Candidate</th><th>Kind</th></tr>{rows}</table>"
    )


def _answers(step: dict[str, Any]) -> str:
    parts = []
    for call in step["calls"]:
        columns = []
        for label, key in (("baseline", "baseline"), ("candidate", "candidate")):
            shown = json.dumps(call[key], indent=2, ensure_ascii=False) if call[key] is not None else "(none)"
            curl = call.get(f"{key}_curl")
            curl_html = f"<pre class='cmp-curl'>{escape(curl)}</pre>" if curl else ""
            columns.append(f"<div><h5>{label}</h5><pre>{escape(shown)}</pre>{curl_html}</div>")
        judged = (
            ""
            if call.get("compared", True)
            else " <span class='cmp-note'>(varies by nature: judged by its clause, not compared)</span>"
        )
        parts.append(
            f"<h4>{escape(call['name'])} "
            f"<span class='cmp-request'>{escape(call['request'])}</span>{judged}</h4>"
            f"<div class='cmp-pair'>{''.join(columns)}</div>"
        )
    summary = "<summary>Answers side by side (normalised)</summary>"
    return f"<details class='cmp-answers'>{summary}{''.join(parts)}</details>"


def _step(step: dict[str, Any], allowed: set[str]) -> str:
    kind = step["class"]
    is_open = " open" if kind in ("contract", "shape", "text", "unverified") else ""
    unverified = (
        f"<p class='cmp-note'>Not compared: {escape(step['unverified'])}</p>" if step["unverified"] else ""
    )
    clauses = escape(", ".join(step["clauses"])) or "no clause"
    return (
        f"<details class='cmp-step cmp-c-{escape(kind)}' id='{_anchor(step['id'])}'{is_open}>"
        f"<summary>{_badge(kind, kind in allowed)} <b>{escape(step['id'])}</b> "
        f"<span class='cmp-title'>{escape(step['title'])}</span> <span class='cmp-note'>({clauses})</span>"
        f"</summary>{unverified}{_changes(step)}{_differences(step)}{_answers(step)}</details>"
    )


def _facts(document: dict[str, Any]) -> str:
    keys = ("base_url", "generation", "version", "run_prefix", "requests", "throttled", "pacing_waited_s")
    rows = "".join(
        f"<tr><th>{escape(key)}</th><td>{escape(_value(document['baseline'].get(key)))}</td>"
        f"<td>{escape(_value(document['candidate'].get(key)))}</td></tr>"
        for key in (*keys, "road_faults")
    )
    problems = "".join(f"<li>{escape(p)}</li>" for p in document.get("cleanup_problems", []))
    cleanup = f"<p>Cleanup:</p><ul>{problems}</ul>" if problems else ""
    return (
        "<details class='cmp-fold'><summary>Run facts</summary><table class='cmp-facts'>"
        f"<tr><th></th><th>baseline</th><th>candidate</th></tr>{rows}</table>{cleanup}</details>"
    )


def render_page(document: dict[str, Any]) -> str:
    allowed = set(document["allowed"])
    steps = "".join(_step(s, allowed) for s in document["steps"])
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(page_title(document))}</title><style>{_css()}</style></head><body>"
        f"<h1>Release check: {escape(document['baseline']['target'])} → "
        f"{escape(document['candidate']['target'])}</h1>"
        f"{_banner(document)}{_summary(document)}<h2>Every step</h2>{steps}{_facts(document)}"
        "</body></html>\n"
    )
