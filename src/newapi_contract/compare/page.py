"""`compare.html`: the comparison as one self-contained page, from `outputs.as_dict`'s
(redacted) document.

In reading order: the verdict (coloured, the count of steps per class, both servers), the
steps that differ with their first differences, then every step (those that differ open,
the others folded): clause verdicts that changed, each place that differs with both values
and its kind, and the normalised answers side by side with their curl lines. The markup is
the Jinja2 template `templates/compare.html.j2` (autoescaped, as the report's pages).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup

from newapi_contract.compare.classify import CLASSES
from newapi_contract.errors import Exit
from newapi_contract.report.cards import html_environment

__all__ = ["page_title", "render_page"]

_SEEN_SHOWN = 6  # steps named per change before the rest folds
_FACT_KEYS = (
    "base_url",
    "generation",
    "version",
    "run_prefix",
    "requests",
    "throttled",
    "pacing_waited_s",
    "road_faults",
)


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


def _side(side: dict[str, Any]) -> str:
    faults = f", faults {', '.join(side['faults'])}" if side.get("faults") else ""
    return f"{side['target']} ({side.get('generation')}, version {side.get('version') or 'unknown'}{faults})"


def page_title(document: dict[str, Any]) -> str:
    """The tab's title: the distinct changes per kind, as the headline counts them (the
    verdict line and the "changes" chips; the "steps" chips count steps, not changes)."""
    counts = document["change_counts"]
    shown = ", ".join(f"{counts[k]} {k}" for k in ("contract", "shape", "text"))
    return (
        f"newapi-contract compare: {shown} change(s) ({document['baseline']['target']} -> "
        f"{document['candidate']['target']})"
    )


def _anchor(step_id: str) -> str:
    return "step-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in step_id)


def _seen_links(change: dict[str, Any]) -> list[tuple[str, str]]:
    """The steps (and calls) that show a change, each once: (step, label)."""
    return list(
        dict.fromkeys((seen["step"], f"{seen['step']} {seen['call']}".strip()) for seen in change["seen_in"])
    )


def _answer_text(answer: Any) -> str:
    return json.dumps(answer, indent=2, ensure_ascii=False) if answer is not None else "(none)"


@cache
def _page() -> Any:
    environment = html_environment("compare")
    environment.globals.update(
        value=_value,
        anchor=_anchor,
        side=_side,
        run_class=lambda code: _RUN_CLASS.get(code, "other"),
        classes=CLASSES,
        seen_links=_seen_links,
        seen_shown=_SEEN_SHOWN,
        answer_text=_answer_text,
        step_clauses=lambda step: ", ".join(step["clauses"]) or "no clause",
        open_classes=("contract", "shape", "text", "unverified"),
        fact_keys=_FACT_KEYS,
    )
    return environment.get_template("compare.html.j2")


def render_page(document: dict[str, Any]) -> str:
    css = Markup(_css())  # the package's own stylesheets
    page = _page().render(
        document=document, allowed=set(document["allowed"]), title=page_title(document), css=css
    )
    return page + "\n"
