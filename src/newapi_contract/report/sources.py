"""A clause's source, linked: every "§N" a clause cites is a section of the notes on the real
server (`docs/server-notes.md`), shown folded in the report itself so that the link works
wherever the one-file report is opened (a CI artifact, a laptop).

Pure: the caller reads the notes; here they are split into sections and rendered, by the
macros of `templates/sources.html.j2` (autoescaped, as every page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from markupsafe import Markup

__all__ = ["cited_sections", "notes_sections", "source_html", "sources_html"]

_CITED = re.compile(r"§(\d+)")
_HEADING = re.compile(r"^## §(\d+)\b[ \t]*(.*)$", re.MULTILINE)


def _anchor(section: str) -> str:
    return f"nac-ref-{section}"


def cited_sections(source: str) -> list[str]:
    """The notes' sections a clause source cites ("ref §3, §5" -> ["3", "5"])."""
    return list(dict.fromkeys(_CITED.findall(source)))


def notes_sections(text: str) -> dict[str, tuple[str, str]]:
    """Section number -> (title, markdown body) of the notes' `## §N title` headings."""
    found = list(_HEADING.finditer(text))
    sections = {}
    for index, match in enumerate(found):
        end = found[index + 1].start() if index + 1 < len(found) else len(text)
        sections[match.group(1)] = (match.group(2).strip(), text[match.end() : end].strip())
    return sections


@cache
def _macros() -> Any:
    """The macros of `sources.html.j2`, with the anchors their links point to."""
    # Imported here: report.cards links a card's source with `source_html`.
    from newapi_contract.report.cards import report_template

    return report_template("sources.html.j2").make_module({"ref_anchor": _anchor})


def source_html(source: str) -> str:
    """The source, escaped, with each "§N" a link to that section (`sources_html`)."""
    parts: list[tuple[str, str | None]] = []
    at = 0
    for match in _CITED.finditer(source):
        parts += [(source[at : match.start()], None), ("", match.group(1))]
        at = match.end()
    parts.append((source[at:], None))
    return str(_macros().source(parts))


def sources_html(notes: dict[str, tuple[str, str]], cited: Iterable[str]) -> str:
    """The cited sections of the notes, folded, each with the anchor its links point to."""
    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark", {"html": False}).enable("table").render
    wanted = [number for number in dict.fromkeys(cited) if number in notes]
    if not wanted:
        return ""
    sections = [
        (number, notes[number][0], Markup(render(notes[number][1])))  # markdown-it escapes the text
        for number in sorted(wanted, key=int)
    ]
    return str(_macros().sources(sections))
