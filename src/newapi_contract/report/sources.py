"""A clause's source, linked: every "§N" a clause cites is a section of the notes on the real
server (`docs/server-notes.md`), shown folded in the report itself so that the link works
wherever the one-file report is opened (a CI artifact, a laptop).

Pure: the caller reads the notes; here they are split into sections and rendered.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

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


def source_html(source: str) -> str:
    """The source, escaped, with each "§N" a link to that section (`sources_html`)."""

    def link(match: re.Match[str]) -> str:
        return f"<a class='nac-ref' href='#{_anchor(match.group(1))}'>§{match.group(1)}</a>"

    return _CITED.sub(link, escape(source))


def sources_html(notes: dict[str, tuple[str, str]], cited: Iterable[str]) -> str:
    """The cited sections of the notes, folded, each with the anchor its links point to."""
    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark", {"html": False}).enable("table").render
    wanted = [number for number in dict.fromkeys(cited) if number in notes]
    if not wanted:
        return ""
    parts = "".join(
        f"<section class='nac-ref-section' id='{_anchor(number)}'>"
        f"<h3>§{escape(number)} {escape(notes[number][0])}</h3>{render(notes[number][1])}</section>"
        for number in sorted(wanted, key=int)
    )
    return (
        "<details class='nac-fold nac-sources'><summary>Sources: the notes on the real server "
        "(docs/server-notes.md) the clauses cite</summary>"
        f"{parts}</details>"
    )
