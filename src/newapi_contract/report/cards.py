"""HTML of one test in the report: a failure as a bug report card, and HTTP exchanges.

A card holds the clause (promise, source), which request the failure is about, expected
against observed (the answer's JSON body parsed, pretty and in full), the replay line, and
the test's exchanges: the failing one open and marked, with its request and response
labelled and a curl line; earlier and later ones folded. Every text is escaped; it comes
from the recorder and the failure, which hold only redacted text. Styles: `report.css`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from newapi_contract.client.recording import Exchange
from newapi_contract.contract.clauses import Clause
from newapi_contract.report.failure import ABOUT_ANSWER, Failure, pretty_body
from newapi_contract.report.sources import source_html

__all__ = ["anchor", "exchange_html", "exchanges_html", "failure_card", "passed_html", "verdict_badge"]

# A body longer than this many lines is folded (with its length shown) instead of shown open.
_FOLD_LINES = 40


def anchor(clause_id: str) -> str:
    return f"clause-{clause_id}"


def verdict_badge(verdict: str) -> str:
    css = verdict.replace(" ", "-")
    return f"<span class='nac-badge nac-v-{escape(css)}'>{escape(verdict)}</span>"


def _pre(text: str, css: str = "") -> str:
    klass = f" class='{css}'" if css else ""
    return f"<pre{klass}>{escape(text)}</pre>"


def _body(text: str) -> str:
    if not text:
        return "<p class='nac-empty'>(no body)</p>"
    pretty = pretty_body(text)
    lines = pretty.count("\n") + 1
    if lines <= _FOLD_LINES:
        return _pre(pretty)
    return f"<details><summary>body: {lines} lines, {len(text)} characters</summary>{_pre(pretty)}</details>"


def _headers(headers: dict[str, str]) -> str:
    return "\n".join(f"{k}: {v}" for k, v in headers.items())


def _outcome(ex: Exchange) -> str:
    return ex.error or f"HTTP {ex.status} in {ex.elapsed_ms:.0f} ms"


def exchange_html(ex: Exchange, number: int, total: int, *, marked: str | None = None) -> str:
    """One exchange: the request and the response, labelled, and its curl line; open and
    marked when it is the one a failure is about, else folded under its one-line summary."""
    title = f"#{number} of {total}: {ex.method} {ex.url} → {_outcome(ex)}"
    inner = (
        "<div class='nac-pair'>"
        "<div class='nac-request'><h5>Request</h5>"
        f"{_pre(f'{ex.method} {ex.url}' + chr(10) + _headers(ex.request_headers))}"
        f"{_body(ex.request_body) if ex.request_body else ''}</div>"
        f"<div class='nac-response'><h5>Response: {escape(_outcome(ex))}</h5>"
        f"{_pre(_headers(ex.response_headers))}{_body(ex.response_body)}</div>"
        "</div>"
        f"<h5>curl</h5>{_pre(ex.curl(), 'nac-curl')}"
    )
    if marked is not None:
        return (
            "<div class='nac-exchange nac-marked'>"
            f"<p class='nac-mark'>▶ The failing exchange, {escape(title)} ({escape(marked)})</p>"
            f"{inner}</div>"
        )
    return f"<details class='nac-exchange'><summary>{escape(title)}</summary>{inner}</details>"


def exchanges_html(exchanges: Sequence[Exchange], about: int | None = None, why: str | None = None) -> str:
    """Every exchange of a test; the one at `about` open and marked, the others folded."""
    total = len(exchanges)
    if not total:
        return "<p class='nac-empty'>No HTTP exchange was recorded for this test.</p>"
    if about is None or not 0 <= about < total:
        items = "".join(exchange_html(ex, n, total) for n, ex in enumerate(exchanges, 1))
        return f"<div class='nac-exchanges'><h4>HTTP exchanges ({total})</h4>{items}</div>"
    before = "".join(exchange_html(ex, n, total) for n, ex in enumerate(exchanges[:about], 1))
    after = "".join(exchange_html(ex, n, total) for n, ex in enumerate(exchanges[about + 1 :], about + 2))
    parts = [f"<div class='nac-exchanges'><h4>HTTP exchanges ({total})</h4>"]
    if before:
        parts.append(
            f"<details class='nac-fold'><summary>{about} earlier exchange(s)</summary>{before}</details>"
        )
    parts.append(exchange_html(exchanges[about], about + 1, total, marked=why or ""))
    if after:
        parts.append(
            f"<details class='nac-fold'><summary>{total - about - 1} later exchange(s)</summary>"
            f"{after}</details>"
        )
    parts.append("</div>")
    return "".join(parts)


def _is_description(failure: Failure) -> bool:
    """Whether `observed` is only the one-line description of the answer judged (then the
    answer itself is shown instead)."""
    text = failure.observed
    return failure.about_why == ABOUT_ANSWER and text.startswith("HTTP ") and text.count("HTTP ") == 1


def _observed(failure: Failure) -> str:
    ex = failure.about_exchange()
    if ex is not None and _is_description(failure):
        ctype = ex.response_headers.get("content-type") or ex.response_headers.get("Content-Type") or ""
        head = f"HTTP {ex.status}" + (f", {ctype}" if ctype else "")
        return _pre(head, "nac-status") + _body(ex.response_body)
    return _pre(failure.observed)


def _fact(label: str, value: str, code: bool = False) -> str:
    shown = f"<code>{escape(value)}</code>" if code else escape(value)
    return f"<dt>{escape(label)}</dt><dd>{shown}</dd>"


def _source(clause: Clause) -> str:
    return f"<dt>Source</dt><dd>{source_html(clause.source)}</dd>"


def failure_card(
    failure: Failure, clause: Clause | None, *, title_extra: str = "", anchored: bool = False
) -> str:
    """A failed clause as a bug report (see the module doc); `anchored`: the card the clause
    table links to (one per clause and page: the top of the report's)."""
    title = clause.title if clause else ""
    facts = []
    if clause is not None:
        facts.append(_fact("Promise", clause.statement))
        facts.append(_source(clause))
    facts.append(_fact("Test", failure.test, code=True))
    if failure.test_clause != failure.clause:
        facts.append(_fact("Noticed while checking", failure.test_clause))
    if failure.check:
        facts.append(_fact("Check", failure.check))
    if about := failure.about_line():
        facts.append(_fact("About", about))
    expected = failure.expected if failure.expected is not None else "what the promise above says"
    id_attr = f" id='{escape(anchor(failure.clause))}'" if anchored else ""
    parts = [
        f"<section class='nac-card nac-failed'{id_attr}>",
        f"<h3>{verdict_badge('failed')} {escape(failure.clause)}: {escape(title)}{title_extra}</h3>",
        f"<dl class='nac-facts'>{''.join(facts)}</dl>",
        "<div class='nac-eo'>",
        f"<div class='nac-expected'><h4>Expected</h4>{_pre(expected)}</div>",
        f"<div class='nac-observed'><h4>Observed</h4>{_observed(failure)}</div>",
        "</div>",
    ]
    if failure.details:
        parts.append(
            "<details class='nac-fold'><summary>More from the failure</summary>"
            f"{_pre(failure.details)}</details>"
        )
    if failure.replay:
        parts.append(f"<h4>Replay this test</h4>{_pre(failure.replay, 'nac-curl')}")
    exchanges = [Exchange(**data) for data in failure.exchanges]
    parts.append(exchanges_html(exchanges, failure.about, failure.about_why))
    parts.append("</section>")
    return "".join(parts)


def passed_html(clause: Clause, verdict: str, exchanges: Sequence[Exchange], note: str = "") -> str:
    """A test that did not fail: its clause and verdict, its exchanges folded."""
    extra = f"<p>{escape(note)}</p>" if note else ""
    return (
        f"<section class='nac-card nac-v-{escape(verdict)}-card'>"
        f"<h3>{verdict_badge(verdict)} {escape(clause.id)}: {escape(clause.title)}</h3>"
        f"<dl class='nac-facts'>{_fact('Promise', clause.statement)}{_source(clause)}</dl>"
        f"{extra}<details class='nac-fold'><summary>{len(exchanges)} HTTP exchange(s)</summary>"
        f"{exchanges_html(exchanges)}</details></section>"
    )
