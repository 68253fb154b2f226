"""What a comparison leaves in the report directory: `compare.json` (everything, for
scripts), `compare-junit.xml` (one test case per step, for CI) and `compare.html` (`page`).

Every string goes through the redactor on its way out: the answers hold no secret once
normalised (keys and names are placeholders), and curl lines were redacted when recorded,
but nothing relies on that alone.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from newapi_contract.client.recording import token_key_line
from newapi_contract.client.redaction import REDACTOR
from newapi_contract.compare.classify import StepResult
from newapi_contract.compare.runner import Observed
from newapi_contract.compare.scenario import Call
from newapi_contract.compare.session import Comparison

__all__ = [
    "HTML_FILE",
    "JSON_FILE",
    "JUNIT_FILE",
    "OUTPUT_FILES",
    "as_dict",
    "change_counts",
    "describe_call",
    "remove_outputs",
    "verdict_sentence",
    "write_outputs",
]

HTML_FILE, JSON_FILE, JUNIT_FILE = "compare.html", "compare.json", "compare-junit.xml"
OUTPUT_FILES = (HTML_FILE, JSON_FILE, JUNIT_FILE)
_SHOWN_IN_MESSAGE = 4  # differences named in a JUnit failure message


def remove_outputs(report_dir: Path) -> None:
    """An earlier comparison's outputs must never pass for this one's."""
    for name in OUTPUT_FILES:
        (report_dir / name).unlink(missing_ok=True)


def describe_call(call: Call) -> str:
    """What a call sends, as a reader of the report needs it: `DELETE /api/token/{t} ...`."""
    send = call.send
    if send.relay is not None:
        key = "a never-issued key" if send.key == "never" else f"the key of {{{send.key}}}"
        probe = ", probed until refused" if send.within_bound else ""
        return f"relay door {send.relay} with {key}{probe}"
    if send.follow is not None:
        target = f"the Location of {send.follow}"
    elif send.id is not None:
        target = f"/api/token/{send.id}{send.suffix}"
    else:
        target = str(send.path)
    parts = [f"{send.method} {target}", f"as {call.actor}"]
    if send.query:
        parts.append("?" + "&".join(f"{k}={v}" for k, v in send.query.items()))
    if send.json is not None:
        parts.append(json.dumps(send.json, ensure_ascii=False))
    if send.auth != "bearer":
        parts.append(f"Authorization: {send.auth}")
    if send.new_api_user is not None:
        parts.append(f"New-Api-User: {send.new_api_user}")
    if send.parallel > 1:
        parts.append(f"{send.parallel} in parallel")
    if send.until_throttled:
        parts.append(f"up to {send.until_throttled} times, until a 429")
    return ", ".join(parts)


def change_counts(comparison: Comparison) -> dict[str, int]:
    """Distinct changes per kind (`classify.Change`)."""
    counts = dict.fromkeys(("contract", "shape", "text"), 0)
    for change in comparison.changes():
        counts[change.kind] += 1
    return counts


def verdict_sentence(comparison: Comparison) -> str:
    steps = comparison.counts()
    changes = change_counts(comparison)
    allowed = set(comparison.allowed)
    real = [(k, n) for k, n in changes.items() if n]
    listed = ", ".join(f"{n} {k}{' (allowed)' if k in allowed else ''}" for k, n in real)
    differing = sum(steps[k] for k in ("contract", "shape", "text"))
    where = f" in {differing} of {len(comparison.results)} steps"
    noise = f"; {steps['noise']} step(s) with noise only" if steps["noise"] else ""
    code = comparison.exit_code
    if code == 1:
        return f"DIFFERENT: {listed} change(s){where}{noise}."
    if code == 3:
        found = f"; {listed} change(s){where}" if real else ""
        return (
            f"INCONCLUSIVE: {steps['unverified']} step(s) unverified (the road to a server failed, "
            f"not the server){found}{noise}."
        )
    if real:
        return f"NO BLOCKING DIFFERENCE: {listed} change(s){where}{noise}."
    return f"NO DIFFERENCE: every step answered as on the baseline{noise}."


def _verdicts(seen: Observed) -> dict[str, str]:
    return {clause: verdict.name for clause, verdict in seen.verdicts.items()}


def _step_dict(step_call: dict[str, Call], result: StepResult, observed: tuple[Observed, ...]) -> dict:
    first, second, candidate = observed
    calls = []
    for name, call in step_call.items():
        entry: dict[str, Any] = {"name": name, "request": describe_call(call), "compared": call.compared}
        for label, seen in (("baseline", first), ("candidate", candidate), ("second_baseline", second)):
            entry[label] = seen.view(name) if name in seen.calls else None
            exchanges = seen.calls[name].exchanges if name in seen.calls else []
            entry[f"{label}_curl"] = exchanges[-1].curl() if exchanges else None
            # A relay key in the curl line is $NEWAPI_TOKEN_KEY: how to get it (as bug reports say).
            carries = bool(exchanges) and exchanges[-1].carries_key()
            entry[f"{label}_key"] = token_key_line(seen.calls[name].key_of) if carries else None
        calls.append(entry)
    return {
        "id": result.step_id,
        "title": result.title,
        "class": result.kind,
        "clauses": result.clauses,
        "unverified": result.unverified,
        "changes": [c.__dict__ for c in result.changes],
        "noisy_clauses": result.noisy_clauses,
        "differences": [
            {
                "call": d.call,
                "where": d.where,
                "kind": d.kind,
                "baseline": d.baseline,
                "candidate": d.candidate,
                "second_baseline": d.second,
            }
            for d in result.differences
        ],
        "verdicts": {
            "baseline": _verdicts(first),
            "candidate": _verdicts(candidate),
            "second_baseline": _verdicts(second),
        },
        "calls": calls,
    }


def as_dict(comparison: Comparison) -> dict[str, Any]:
    """The whole comparison as plain data (compare.json), redacted."""
    steps = {step.id: step for step in comparison.steps}
    document = {
        "verdict": verdict_sentence(comparison),
        "exit_code": comparison.exit_code,
        "allowed": list(comparison.allowed),
        "counts": comparison.counts(),
        "change_counts": change_counts(comparison),
        "changes": [
            {
                "kind": c.kind,
                "where": c.where,
                "baseline": c.baseline,
                "candidate": c.candidate,
                "seen_in": [{"step": step, "call": call} for step, call in c.seen_in],
            }
            for c in comparison.changes()
        ],
        "baseline": comparison.baseline,
        "candidate": comparison.candidate,
        "elapsed_s": comparison.elapsed_s,
        "cleanup_problems": comparison.cleanup,
        "steps": [
            _step_dict(
                {call.name: call for call in steps[r.step_id].calls}, r, comparison.observed[r.step_id]
            )
            for r in comparison.results
        ],
    }
    return REDACTOR.json(document)


def _failure_message(result: StepResult) -> str:
    parts = [f"{c.clause} {c.baseline} -> {c.candidate}" for c in result.changes]
    parts += [
        f"{d.kind}: {d.call} {d.where} {d.baseline!r} -> {d.candidate!r}"
        for d in result.differences
        if d.kind != "noise"
    ]
    shown = "; ".join(parts[:_SHOWN_IN_MESSAGE])
    more = f"; and {len(parts) - _SHOWN_IN_MESSAGE} more" if len(parts) > _SHOWN_IN_MESSAGE else ""
    return f"{result.kind}: {shown}{more}"


def _junit(comparison: Comparison) -> ET.Element:
    blocking = {"contract", "shape", "text"} - set(comparison.allowed)
    results = comparison.results
    failed = [r for r in results if r.unverified is None and r.kinds() & blocking]
    skipped = [r for r in results if r.unverified is not None]
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="newapi-contract compare",
        tests=str(len(results)),
        failures=str(len(failed)),
        errors="0",
        skipped=str(len(skipped)),
        time=str(comparison.elapsed_s),
    )
    properties = ET.SubElement(suite, "properties")
    for role, side in (("baseline", comparison.baseline), ("candidate", comparison.candidate)):
        ET.SubElement(properties, "property", name=role, value=f"{side['target']} ({side['generation']})")
    for result in results:
        case = ET.SubElement(suite, "testcase", classname="compare", name=result.step_id, time="0")
        case_props = ET.SubElement(case, "properties")
        ET.SubElement(case_props, "property", name="class", value=result.kind)
        for clause in result.clauses:
            ET.SubElement(case_props, "property", name="clause", value=clause)
        if result in skipped:
            ET.SubElement(case, "skipped", message=f"unverified: {result.unverified}")
        elif result in failed:
            failure = ET.SubElement(case, "failure", message=_failure_message(result), type=result.kind)
            failure.text = "\n".join(
                [f"{c.clause}: {c.baseline} -> {c.candidate}: {c.detail}" for c in result.changes]
                + [
                    f"{d.kind}: {d.call} {d.where}: baseline {d.baseline!r}, candidate {d.candidate!r}"
                    for d in result.differences
                ]
            )
        elif result.differences:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(f"{d.kind}: {d.call} {d.where}" for d in result.differences)
    return suites


def _redacted_tree(element: ET.Element) -> None:
    for node in element.iter():
        node.attrib = {k: REDACTOR.text(v) for k, v in node.attrib.items()}
        if node.text:
            node.text = REDACTOR.text(node.text)


def write_outputs(comparison: Comparison, report_dir: Path) -> list[Path]:
    """The three outputs; returns their paths."""
    from newapi_contract.compare.page import render_page

    report_dir.mkdir(parents=True, exist_ok=True)
    document = as_dict(comparison)
    paths = [report_dir / JSON_FILE, report_dir / JUNIT_FILE, report_dir / HTML_FILE]
    paths[0].write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    junit = _junit(comparison)
    _redacted_tree(junit)
    ET.indent(junit)
    ET.ElementTree(junit).write(paths[1], encoding="utf-8", xml_declaration=True)
    paths[2].write_text(render_page(document), encoding="utf-8")
    return paths
