"""HTML of one test in the report: a failure as a bug report card, and HTTP exchanges.

A card holds the clause (promise, source), which request the failure is about, expected
against observed (the answer's JSON body parsed, pretty and in full), the replay line, and
the test's exchanges: the failing one open and marked, with its request and response
labelled and a curl line; earlier and later ones folded. The markup is the Jinja2 template
`templates/cards.html.j2`, autoescaped: every text is escaped (it comes from the recorder and
the failure, which hold only redacted text). Styles: `report.css`.

`html_environment` is the pages' one way to their templates (the report's and compare's).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from html import escape
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, Template
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from newapi_contract.client.recording import Exchange
from newapi_contract.contract.clauses import Clause
from newapi_contract.report.failure import ABOUT_ANSWER, Failure, pretty_body
from newapi_contract.report.known import KnownFailure
from newapi_contract.report.sources import source_html

__all__ = [
    "anchor",
    "exchange_html",
    "exchanges_html",
    "failure_card",
    "html_environment",
    "passed_html",
    "report_template",
    "verdict_badge",
]

# A body longer than this many lines is folded (with its length shown) instead of shown open.
_FOLD_LINES = 40


_BREAK = re.compile(r"\n[ \t]*")


class _Spaceless(Extension):
    """A line break in a template's markup and the indentation after it are for the reader:
    they are taken out of the template's text (never out of a value), so the page reads as
    the markup on one line would."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        for token in stream:
            if token.type == "data":
                yield Token(token.lineno, "data", _BREAK.sub("", token.value))
            else:
                yield token


def _escaped(value: Any) -> Any:
    """Every value a template shows is escaped (`autoescape`), with the entities the pages
    have always had (`html.escape`: `&quot;`, `&#x27;`). Only `Markup` passes as it is: a
    fragment one of our templates rendered, a clause's source linked by `report.sources`, the
    package's stylesheets; never a text of the server's or the run's."""
    if value is None or isinstance(value, Markup):
        return value
    return Markup(escape(str(value)))


def html_environment(folder: str) -> Environment:
    """The Jinja2 environment of the templates in `newapi_contract/<folder>/templates`
    (shipped in the wheel with the package), autoescaped; a name a template does not know
    is an error, not an empty string."""
    return Environment(
        loader=PackageLoader("newapi_contract", f"{folder}/templates"),
        autoescape=True,
        finalize=_escaped,
        extensions=[_Spaceless],
        undefined=StrictUndefined,
        lstrip_blocks=True,
    )


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers.items())


def _outcome(ex: Exchange) -> str:
    return ex.error or f"HTTP {ex.status} in {ex.elapsed_ms:.0f} ms"


@cache
def _report() -> Environment:
    """The report's templates (`report/templates`) and what they call."""
    environment = html_environment("report")
    environment.globals.update(
        pretty_body=pretty_body,
        fold_lines=_FOLD_LINES,
        header_lines=_headers,
        outcome=_outcome,
        anchor=anchor,
        failure_card=lambda *args, **options: Markup(failure_card(*args, **options)),  # our template's
    )
    return environment


def report_template(name: str) -> Template:
    """A template of `report/templates`, e.g. `page.html.j2` (its macros: `.module`)."""
    return _report().get_template(name)


def _cards() -> Any:
    """The macros of `cards.html.j2`."""
    return report_template("cards.html.j2").module


def anchor(clause_id: str) -> str:
    return f"clause-{clause_id}"


def verdict_badge(verdict: str) -> str:
    return str(_cards().badge(verdict))


def exchange_html(ex: Exchange, number: int, total: int, *, marked: str | None = None) -> str:
    """One exchange: the request and the response, labelled, and its curl line; open and
    marked when it is the one a failure is about, else folded under its one-line summary."""
    return str(_cards().exchange(ex, number, total, marked=marked))


def exchanges_html(exchanges: Sequence[Exchange], about: int | None = None, why: str | None = None) -> str:
    """Every exchange of a test; the one at `about` open and marked, the others folded."""
    return str(_cards().exchanges(list(exchanges), about, why))


def _is_description(failure: Failure) -> bool:
    """Whether `observed` is only the one-line description of the answer judged (then the
    answer itself is shown instead)."""
    text = failure.observed
    return failure.about_why == ABOUT_ANSWER and text.startswith("HTTP ") and text.count("HTTP ") == 1


def _source(clause: Clause) -> Markup:
    return Markup(source_html(clause.source))  # escaped and linked by report.sources


def failure_card(
    failure: Failure,
    clause: Clause | None,
    *,
    title_extra: str = "",
    anchored: bool = False,
    known: KnownFailure | None = None,
) -> str:
    """A failed clause as a bug report (see the module doc); `anchored`: the card the clause
    table links to (one per clause and page: the top of the report's). `title_extra`: a
    fragment after the title (`Markup` from one of the report's templates; text is escaped).
    `known`: the --known-failures entry that makes the failure known (its ticket shown)."""
    facts: list[tuple[str, Any, bool]] = []
    if known is not None:
        facts.append(
            ("Known defect", f"{known.ticket}, until {known.until.isoformat()}: {known.reason}", False)
        )
    if clause is not None:
        facts.append(("Promise", clause.statement, False))
        facts.append(("Source", _source(clause), False))
    facts.append(("Test", failure.test, True))
    if failure.test_clause != failure.clause:
        facts.append(("Noticed while checking", failure.test_clause, False))
    if failure.check:
        facts.append(("Check", failure.check, False))
    if about := failure.about_line():
        facts.append(("About", about, False))
    if key := failure.key_line():
        facts.append(("Relay key", key, False))
    observed_exchange = failure.about_exchange() if _is_description(failure) else None
    observed_head = ""
    if observed_exchange is not None:
        headers = observed_exchange.response_headers
        ctype = headers.get("content-type") or headers.get("Content-Type") or ""
        observed_head = f"HTTP {observed_exchange.status}" + (f", {ctype}" if ctype else "")
    card = {
        "anchor": anchor(failure.clause) if anchored else "",
        "verdict": "failed" if known is None else "known",
        "clause": failure.clause,
        "title": clause.title if clause else "",
        "title_extra": title_extra,
        "facts": facts,
        "expected": failure.expected if failure.expected is not None else "what the promise above says",
        "observed": failure.observed,
        "observed_exchange": observed_exchange,
        "observed_head": observed_head,
        "details": failure.details,
        "replay": failure.replay,
        "exchanges": [Exchange(**data) for data in failure.exchanges],
        "about": failure.about,
        "about_why": failure.about_why,
    }
    return str(_cards().failure_card(card))


def passed_html(clause: Clause, verdict: str, exchanges: Sequence[Exchange], note: str = "") -> str:
    """A test that did not fail: its clause and verdict, its exchanges folded."""
    return str(_cards().passed(clause, verdict, list(exchanges), note, _source(clause)))
