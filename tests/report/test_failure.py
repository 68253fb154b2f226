"""A failure becomes a bug report: which exchange it is about, expected and observed, redacted."""

from __future__ import annotations

import json

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.recording import Exchange
from newapi_contract.client.redaction import Redactor
from newapi_contract.contract.verdict import ClauseViolation, Violations
from newapi_contract.report.failure import ABOUT_ANSWER, ABOUT_CASE, ABOUT_LAST, Failure, failure_from

SECRET = "s3cr3t-access-token-0123456789abcd"


def _exchange(method: str, path: str, status: int, body: str) -> Exchange:
    return Exchange(method, f"http://127.0.0.1:9/api/token/{path}", {}, "", status, {}, body, 1.0)


def _answer(status: int, body: str) -> Answer:
    return Answer(status, httpx.Headers({"content-type": "application/json"}), body, json.loads(body))


GOT = '{"data":{"id":5},"message":"","success":true}'
EXCHANGES = [
    _exchange("POST", "", 200, '{"success":true}'),
    _exchange("DELETE", "5", 200, '{"message":"","success":true}'),
    _exchange("GET", "5", 200, GOT),
    _exchange("GET", "", 200, '{"data":{"items":[]},"success":true}'),
]


def _redactor() -> Redactor:
    redactor = Redactor()
    redactor.add_secret(SECRET, "$NEWAPI_ACCESS_TOKEN")
    return redactor


def _failure(exc: BaseException, exchanges=EXCHANGES) -> Failure:
    return failure_from(
        exc, test="t.py::test", test_clause="DEL-OWN-2", exchanges=exchanges, redact=_redactor().text
    )


def test_a_violation_with_its_answer_marks_that_exchange_not_the_last() -> None:
    exc = ClauseViolation("record not found", "HTTP 200 ...", answer=_answer(200, GOT))
    failure = _failure(exc)
    assert failure.kind == "violation" and failure.clause == "DEL-OWN-2"
    assert failure.about == 2 and failure.about_why == ABOUT_ANSWER
    assert failure.about_line().startswith("#3 of 4: GET http://127.0.0.1:9/api/token/5 -> HTTP 200")


def test_a_violation_without_an_answer_marks_the_last_request() -> None:
    failure = _failure(ClauseViolation("gone from the list", "still listed"))
    assert failure.about == 3 and failure.about_why == ABOUT_LAST
    assert failure.headline() == "DEL-OWN-2 failed: expected gone from the list; observed still listed"


def test_collected_violations_mark_the_first_broken_case() -> None:
    found = Violations()
    with found.case("zero"):
        raise ClauseViolation("empty id", "HTTP 200 ...", answer=_answer(200, GOT))
    with pytest.raises(ClauseViolation) as caught:
        found.raise_if_any()
    assert _failure(caught.value).about == 2


def test_the_vanished_tokens_a_violation_names_travel_in_the_plain_data() -> None:
    vanished = [{"token": 5, "made_for": "t.py::test_other"}]
    failure = _failure(ClauseViolation("still there", "token 5 vanished", "DEL-ALL-1", vanished=vanished))
    assert failure.vanished == vanished
    assert Failure.from_dict(json.loads(json.dumps(failure.as_dict()))).vanished == vanished
    assert _failure(ClauseViolation("x", "y")).vanished == []
    assert _failure(AssertionError("[DEL-GEN-1 others survive] gone")).vanished == []


def test_the_clause_a_violation_names_wins() -> None:
    failure = _failure(ClauseViolation("json", "text/html", clause="DEL-SHAPE-1"))
    assert failure.clause == "DEL-SHAPE-1" and failure.test_clause == "DEL-OWN-2"


def test_a_generated_check_names_clause_check_and_the_case() -> None:
    text = (
        "Schemathesis found 1 distinct failure\n\n- Custom check failed\n\n"
        "    [DEL-GEN-1 deleted is gone] token 5 answered deleted but GET still finds it\n\n"
        "Reproduce with:\n\n    curl -X DELETE -H 'Authorization: [Filtered]' http://127.0.0.1:9/api/token/5\n"
    )
    failure = _failure(AssertionError(text))
    assert (failure.clause, failure.check, failure.kind) == ("DEL-GEN-1", "deleted is gone", "check")
    assert failure.observed == "token 5 answered deleted but GET still finds it"
    assert failure.about == 1 and failure.about_why == ABOUT_CASE
    assert (
        failure.headline()
        == "DEL-GEN-1 failed (deleted is gone): token 5 answered deleted but GET still finds it"
    )


def test_a_state_machine_failure_keeps_its_steps() -> None:
    exc = AssertionError("[DEL-STATE-1] token 46 answered deleted but GET still finds it")
    exc.add_note("Failing test case: <state machine>")
    exc.add_note("state.opening()")
    failure = _failure(exc)
    assert failure.clause == "DEL-STATE-1" and failure.check is None
    assert "state.opening()" in failure.details


def test_any_other_error_says_its_type_and_first_line() -> None:
    failure = _failure(RuntimeError("guard refused DELETE /api/token/9\nmore"))
    assert failure.kind == "error" and failure.observed == "RuntimeError: guard refused DELETE /api/token/9"


def test_every_text_is_redacted_and_the_dict_form_is_json() -> None:
    exc = ClauseViolation(f"a key other than {SECRET}", f"Bearer {SECRET}")
    failure = _failure(exc, exchanges=[])
    assert SECRET not in json.dumps(failure.as_dict())
    assert "$NEWAPI_ACCESS_TOKEN" in failure.observed
    assert Failure.from_dict(json.loads(json.dumps(failure.as_dict()))) == failure
    assert failure.about is None and failure.about_line() is None


def test_the_headline_is_one_line_and_bounded() -> None:
    failure = _failure(ClauseViolation("x\ny", "z" * 2000))
    headline = failure.headline()
    assert "\n" not in headline and len(headline) <= 600 and headline.endswith("...")


def test_the_same_answer_to_several_requests_marks_the_one_judged_by_its_request_id() -> None:
    body = '{"object":"list","data":[]}'
    doors = [
        Exchange(
            "GET",
            "http://127.0.0.1:9/v1/models",
            {"x-api-key": "[REDACTED]"},
            "",
            200,
            {"x-oneapi-request-id": rid},
            body,
            1.0,
        )
        for rid in ("r1", "r2", "r3")
    ]
    answer = Answer(200, httpx.Headers({"X-Oneapi-Request-Id": "r2"}), body, json.loads(body))
    failure = _failure(ClauseViolation("refused", "accepted", answer=answer), exchanges=doors)
    assert failure.about == 1 and failure.about_why == ABOUT_ANSWER


def test_a_relay_key_in_the_curl_line_comes_with_how_to_get_it() -> None:
    body = '{"object":"list","data":[]}'
    exchanges = [
        Exchange(
            "POST",
            "http://127.0.0.1:9/api/token/7/key",
            {},
            "",
            200,
            {},
            '{"data":{"key":"[REDACTED]"}}',
            1.0,
        ),
        Exchange(
            "GET",
            "http://127.0.0.1:9/v1/models",
            {"authorization": "Bearer sk-[REDACTED]"},
            "",
            200,
            {},
            body,
            1.0,
        ),
    ]
    answer = Answer(200, httpx.Headers({}), body, json.loads(body))
    failure = _failure(ClauseViolation("HTTP 401", "HTTP 200", answer=answer), exchanges=exchanges)
    block = failure.text_block()
    assert (
        "'authorization: Bearer sk-'\"$NEWAPI_TOKEN_KEY\"" in block
        and "[REDACTED]" not in block.split("curl:")[1]
    )
    line = failure.key_line() or ""
    assert line.startswith("NEWAPI_TOKEN_KEY=the key of a token of yours") and "(here token 7)" in line
    # The run's token is gone by the end of the run: the line says how to make one to repeat it.
    assert "POST /api/token/" in line and "is deleted by its end" in line
    assert _failure(ClauseViolation("x", "y", answer=_answer(200, GOT))).key_line() is None
