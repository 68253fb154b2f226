"""The HTML of a failure card and of exchanges: escaped, the failing exchange marked and
labelled, earlier ones folded, bodies parsed and whole."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from importlib import resources

from markupsafe import Markup

from newapi_contract.client.recording import Exchange
from newapi_contract.contract.clauses import load_clauses
from newapi_contract.report.cards import exchanges_html, failure_card, passed_html
from newapi_contract.report.failure import ABOUT_ANSWER, ABOUT_LAST, Failure

LONG = json.dumps(
    {"data": {"items": [{"id": n, "name": f"nac-{n:04d}"} for n in range(300)]}, "success": True}
)


def _ex(method: str, status: int, body: str, url: str = "http://127.0.0.1:9/api/token/5") -> Exchange:
    return Exchange(method, url, {"authorization": "Bearer $NEWAPI_ACCESS_TOKEN"}, "", status, {}, body, 2.0)


def _failure(**fields) -> Failure:
    exchanges = [_ex("POST", 200, '{"success":true}'), _ex("DELETE", 200, "{}"), _ex("GET", 200, LONG)]
    base = {
        "test": "contracts/t.py::test_x",
        "clause": "DEL-OWN-2",
        "test_clause": "DEL-OWN-2",
        "kind": "violation",
        "expected": "record not found",
        "observed": "HTTP 200, application/json, body '{...'",
        "exchanges": [asdict(e) for e in exchanges],
        "about": 2,
        "about_why": ABOUT_ANSWER,
        "replay": "newapi-contract run -- 'contracts/t.py::test_x'",
    }
    return Failure(**{**base, **fields})


def test_card_marks_the_failing_exchange_and_folds_the_earlier_ones() -> None:
    html = failure_card(_failure(), load_clauses()["DEL-OWN-2"])
    assert "2 earlier exchange(s)</summary>" in html
    marked = html[html.index("nac-marked") :]
    assert "The failing exchange, #3 of 3: GET" in marked
    assert "<h5>Request</h5>" in marked and "<h5>Response: HTTP 200 in 2 ms</h5>" in marked
    assert "curl -X GET" in marked and "$NEWAPI_ACCESS_TOKEN" in marked
    assert (
        "Promise" in html
        and "ref <a class='nac-ref' href='#nac-ref-3'>§3</a>" in html
        and "Replay this test" in html
    )


def test_observed_answer_is_parsed_pretty_and_whole_long_ones_folded() -> None:
    html = failure_card(_failure(), None)
    observed = html[html.index("<h4>Observed</h4>") : html.index("Replay this test")]
    assert "nac-0299" in observed  # the whole body, not 300 characters of it
    assert "&quot;success&quot;: true" in observed  # indented JSON, not a Python-quoted string
    assert "<details><summary>body: " in observed  # 600 lines fold under their length


def test_an_observation_that_is_no_single_answer_is_shown_as_said() -> None:
    html = failure_card(_failure(observed="GET /api/token/ still lists it", about_why=ABOUT_LAST), None)
    observed = html[html.index("<h4>Observed</h4>") :]
    assert "GET /api/token/ still lists it" in observed[:200]


def test_everything_is_escaped() -> None:
    evil = "<script>alert(1)</script>"
    failure = _failure(expected=evil, observed=evil, test=evil)
    html = failure_card(failure, None) + exchanges_html([_ex("GET", 200, evil, url=f"http://x/{evil}")])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_passing_detail_is_folded() -> None:
    html = passed_html(load_clauses()["DEL-OWN-1"], "held", [_ex("DELETE", 200, "{}")])
    assert "nac-v-held" in html and "<details class='nac-fold'><summary>1 HTTP exchange(s)</summary>" in html
    assert "<details open" not in html


def test_no_exchange_says_so() -> None:
    assert "No HTTP exchange" in exchanges_html([])


def test_a_values_line_breaks_and_indentation_are_kept() -> None:
    # The templates' own line breaks stay out of the page; a value's are its text.
    text = 'line one\n    indented "two"\n\tthree'
    html = failure_card(_failure(expected=text, details=text), None)
    assert "<pre>line one\n    indented &quot;two&quot;\n\tthree</pre>" in html
    assert "\n<" not in html.replace("\n    indented", "").replace("\n\tthree", "")


def test_only_a_fragment_of_the_reports_own_templates_is_taken_as_markup() -> None:
    told = failure_card(_failure(), None, title_extra="<b>(and 1 more)</b>")
    assert "&lt;b&gt;(and 1 more)&lt;/b&gt;" in told and "<b>(and 1 more)</b>" not in told
    made = failure_card(_failure(), None, title_extra=Markup(" <small>(and 1 more)</small>"))
    assert " <small>(and 1 more)</small></h3>" in made


def test_templates_live_in_the_package_and_a_page_renders_before_any_card() -> None:
    for folder, name in (
        ("report", "cards.html.j2"),
        ("report", "page.html.j2"),
        ("compare", "compare.html.j2"),
    ):
        assert resources.files("newapi_contract").joinpath(folder, "templates", name).is_file()
    # A fresh process whose first HTML is the page's top, with a failure card in it.
    code = """if True:
        import json, pytest
        from newapi_contract.contract.clauses import load_clauses
        from dataclasses import asdict
        from newapi_contract.client.recording import Exchange
        from newapi_contract.report.failure import ABOUT_ANSWER, Failure
        from newapi_contract.report.page import run_summary_html
        from newapi_contract.report.summary import ClauseTally
        answer = Exchange("GET", "http://x/api/token/5", {}, "", 200, {}, '{"success":true}', 2.0)
        failure = Failure(
            "t.py::x", "DEL-OWN-2", "DEL-OWN-2", "violation", "HTTP 200, body", expected="gone",
            exchanges=[asdict(answer)], about=0, about_why=ABOUT_ANSWER,
        )
        report = pytest.TestReport(
            "x", ("t.py", 1, "x"), {}, "failed", None, "call",
            user_properties=[("clause", "DEL-OWN-2"), ("failure", json.dumps(failure.as_dict()))],
        )
        tally = ClauseTally(load_clauses())
        tally.add(report)
        print("".join(run_summary_html(tally)))
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "id='clause-DEL-OWN-2'" in done.stdout and "<pre>gone</pre>" in done.stdout
    assert "&quot;success&quot;: true" in done.stdout  # the answer judged, parsed and pretty
