"""Every clause's source resolves to something a user can read in the repository: a section
of the notes on the real server (`docs/server-notes.md`, "ref §N"), the Apifox page, a file
of the contract, or a README section; and the report links the "§N" to the notes."""

from __future__ import annotations

import re
from html import escape

import pytest
from markdown_it import MarkdownIt

from newapi_contract.contract.clauses import load_clauses
from newapi_contract.paths import CHECKOUT, PROJECT_ROOT, SEED_SOURCE, SERVER_NOTES
from newapi_contract.report.sources import cited_sections, notes_sections, source_html, sources_html

NOTES = notes_sections(SERVER_NOTES.read_text(encoding="utf-8"))
CLAUSES = load_clauses()
_GO_FILE = re.compile(r"\b[a-z][\w-]*/[\w.-]+\.go\b")
_TITLED = re.compile(r'§(\d+) "([^"]+)"')  # ref §4 "Every door of the relay": a subsection
_FILE = re.compile(r"\b(?:contracts|openapi)/[\w./-]+")


def _resolve(part: str) -> str | None:
    """Why one `;`-separated part of a source does not resolve, or None."""
    part = part.strip()
    if part.startswith("ref "):
        cited = cited_sections(part)
        if not cited:
            return f"{part!r} cites no section"
        if missing := [n for n in cited if n not in NOTES]:
            return f"{part!r}: no section §{', §'.join(missing)} in {SERVER_NOTES.name}"
        text = "\n".join(NOTES[n][1] for n in cited)
        for number, title in _TITLED.findall(part):
            if not re.search(rf"^###+ {re.escape(title)}$", NOTES[number][1], re.M):
                return f"{part!r}: §{number} has no subsection {title!r}"
        if missing_files := [f for f in _GO_FILE.findall(part) if f not in text]:
            return f"{part!r}: the cited sections never name {', '.join(missing_files)}"
        return None
    if part.startswith("apifox"):
        return None if SEED_SOURCE.is_file() else f"{part!r}: no Apifox page at {SEED_SOURCE}"
    if part.startswith("effective contract"):
        files = _FILE.findall(part)
        if not files or not all((PROJECT_ROOT / f.rstrip(").")).is_file() for f in files):
            return f"{part!r}: names no file of the repository"
        return None
    if match := re.fullmatch(r'README "([^"]+)"', part):
        assert CHECKOUT is not None
        readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
        found = re.search(rf"^#+ {re.escape(match.group(1))}$", readme, re.M)
        return None if found else f"{part!r}: README has no such section"
    if _GO_FILE.fullmatch(part):  # an upstream file the notes name
        text = "\n".join(body for _, body in NOTES.values())
        return None if part in text else f"{part!r}: the notes never name it"
    return f"{part!r}: not a kind of source this repository can resolve"


def _parts(source: str) -> list[str]:
    """The `;`-separated parts of a source, leaving `;` inside parentheses alone."""
    parts, depth, current = [], 0, ""
    for char in source:
        depth += (char == "(") - (char == ")")
        if char == ";" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


@pytest.mark.parametrize("cid", sorted(CLAUSES))
def test_every_clause_source_resolves(cid):
    source = CLAUSES[cid].source
    problems = [why for part in _parts(source) if (why := _resolve(part))]
    assert not problems, problems


def test_the_notes_have_the_ten_sections_and_name_both_commits_and_the_late_2024_one():
    assert list(NOTES) == [str(n) for n in range(1, 11)]
    text = SERVER_NOTES.read_text(encoding="utf-8")
    assert "4ca47ee2" in text and "e2c7aa7b" in text and "c6ae8273" in text


def test_the_resolver_refuses_what_does_not_resolve():
    assert _resolve("ref §12") is not None
    assert _resolve('ref §4 "No such door"') is not None
    assert _resolve("ref §5 (controller/token.go AddToken)") is None
    assert _resolve("ref §7 (controller/token.go)") is not None  # §7 never names that file
    assert _resolve('README "No such heading"') is not None
    assert _resolve("effective contract (openapi/missing.json)") is not None
    assert _resolve("a blog post") is not None


def test_a_source_links_each_cited_section_and_the_page_holds_them():
    html = source_html("ref §3 (<model/token.go>), §5")
    assert html == (
        "ref <a class='nac-ref' href='#nac-ref-3'>§3</a> (&lt;model/token.go&gt;), "
        "<a class='nac-ref' href='#nac-ref-5'>§5</a>"
    )
    page = sources_html(NOTES, ["5", "3", "3", "42"])
    assert page.index("id='nac-ref-3'") < page.index("id='nac-ref-5'")
    assert page.count("class='nac-ref-section'") == 2
    assert "<ul>" in page and "<code>record not found</code>" in page  # rendered Markdown
    assert "<table>" in sources_html(NOTES, ["1"])  # §1's route table
    assert sources_html(NOTES, ["42"]) == ""


def test_notes_are_rendered_without_raw_html():
    notes = {"1": ("Routes", "a <script>alert(1)</script> b")}
    assert "<script>" not in sources_html(notes, ["1"])


def _source_html_as_it_was(source: str) -> str:
    """`source_html` as f-strings built it before the template (the bytes must not change)."""
    cited = re.compile(r"§(\d+)")
    return cited.sub(
        lambda m: f"<a class='nac-ref' href='#nac-ref-{m.group(1)}'>§{m.group(1)}</a>", escape(source)
    )


def _sources_html_as_it_was(notes: dict[str, tuple[str, str]], cited: list[str]) -> str:
    """`sources_html` as f-strings built it before the template."""
    render = MarkdownIt("commonmark", {"html": False}).enable("table").render
    wanted = [number for number in dict.fromkeys(cited) if number in notes]
    if not wanted:
        return ""
    parts = "".join(
        f"<section class='nac-ref-section' id='nac-ref-{number}'>"
        f"<h3>§{escape(number)} {escape(notes[number][0])}</h3>{render(notes[number][1])}</section>"
        for number in sorted(wanted, key=int)
    )
    return (
        "<details class='nac-fold nac-sources'><summary>Sources: the notes on the real server "
        f"(docs/server-notes.md) the clauses cite</summary>{parts}</details>"
    )


def test_the_template_renders_the_bytes_the_f_strings_did():
    odd = ["", "§", "§§3", "a<b>&'\"§1§2 §x §12 ", "ref §3, §5 (x & y) 'q'\n§4"]
    for source in [clause.source for clause in CLAUSES.values()] + odd:
        assert source_html(source) == _source_html_as_it_was(source), source
    notes = {**NOTES, "11": ("<Odd> & 'title'", "*a* <b>raw</b> & `c`\n\n| x |\n|---|\n| 1 |")}
    for cited in (list(notes), ["3"], ["5", "3", "3", "42"], [], ["11"]):
        assert sources_html(notes, cited) == _sources_html_as_it_was(notes, cited), cited
