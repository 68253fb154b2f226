"""The judging of answers (`contract.answers`, `verdict`, `expectations`): each judgement
with a healthy answer, which passes, and broken ones, which fail with the expected and
observed a bug report shows. Hand-built answers, no server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.redaction import REDACTOR
from newapi_contract.contract.answers import (
    EMPTY_ID,
    NOT_FOUND,
    SHAPE_CLAUSE,
    assert_outcome,
    assert_rejected,
    assert_shape,
    describe,
    same_answer,
)
from newapi_contract.contract.expectations import TABLE, Expectations, Rejection, for_generation
from newapi_contract.contract.verdict import ClauseViolation, Violations, require

JSON = "application/json; charset=utf-8"


def answer(status: int = 200, body: Any = None, ctype: str | None = JSON, text: str | None = None) -> Answer:
    headers = httpx.Headers({"content-type": ctype} if ctype is not None else {})
    raw = text if text is not None else json.dumps(body, ensure_ascii=False)
    return Answer(status, headers, raw, body)


OK = answer(200, {"success": True, "message": ""})
MISSING = answer(200, {"success": False, "message": NOT_FOUND})


def violation(call: Any, *args: Any, **kwargs: Any) -> ClauseViolation:
    with pytest.raises(ClauseViolation) as raised:
        call(*args, **kwargs)
    return raised.value


# -- describe --------------------------------------------------------------------------------


def test_describe_says_status_content_type_and_body():
    body = '{"success": false, "message": "record not found"}'
    assert describe(MISSING) == f"HTTP 200, application/json; charset=utf-8, body {body!r}"
    assert describe(answer(502, None, None, "")) == "HTTP 502, no Content-Type, body ''"


def test_describe_shortens_long_bodies_at_300_characters():
    exact = answer(200, None, "text/plain", "a" * 300)
    assert describe(exact) == f"HTTP 200, text/plain, body {'a' * 300!r}"
    long = answer(200, None, "text/plain", "a" * 300 + "b")
    assert describe(long) == f"HTTP 200, text/plain, body {'a' * 300 + '...'!r}"


def test_describe_redacts_registered_secrets():
    REDACTOR.add_secret("s3cr3t-access-value", "$NEWAPI_ACCESS_TOKEN")
    shown = describe(answer(200, None, "text/plain", "token s3cr3t-access-value here"))
    assert "s3cr3t-access-value" not in shown and "$NEWAPI_ACCESS_TOKEN" in shown


# -- assert_shape (DEL-SHAPE-1) ----------------------------------------------------------------

SHAPE_EXPECTED = (
    'Content-Type application/json, a JSON object with "success" (boolean) and "message" (string)'
)


def test_a_json_answer_with_boolean_success_and_string_message_has_the_shape():
    assert assert_shape(OK) == {"success": True, "message": ""}
    assert assert_shape(answer(200, {"success": False, "message": "x"}, "Application/JSON ; charset=utf-8"))


@pytest.mark.parametrize(
    "broken",
    [
        answer(200, {"success": True, "message": ""}, "text/html"),
        answer(200, {"success": True, "message": ""}, None),
        answer(200, {"success": True, "message": ""}, "application/json-patch"),
        answer(200, ["success", "message"]),
        answer(200, None, JSON, "not json"),
        answer(200, {"success": "true", "message": ""}),
        answer(200, {"success": 1, "message": ""}),
        answer(200, {"message": ""}),
        answer(200, {"success": True}),
        answer(200, {"success": True, "message": None}),
        answer(200, {"success": True, "message": 0}),
    ],
    ids=lambda a: a.text[:40] + " " + a.content_type,
)
def test_anything_else_breaks_the_shape_clause(broken):
    found = violation(assert_shape, broken)
    assert found.clause == SHAPE_CLAUSE == "DEL-SHAPE-1"
    assert found.expected == SHAPE_EXPECTED
    assert found.observed == describe(broken)
    assert found.answer is broken


# -- assert_outcome ----------------------------------------------------------------------------


def test_the_expected_outcome_holds():
    assert_outcome(OK, success=True, message="")
    assert_outcome(OK, success=True)
    assert_outcome(MISSING, success=False, message=NOT_FOUND)
    assert_outcome(answer(200, {"success": False, "message": "anything", "data": 1}), success=False)


def test_an_outcome_requires_http_200_even_with_the_right_body():
    found = violation(assert_outcome, answer(500, {"success": True, "message": ""}), success=True)
    assert found.expected == 'HTTP 200, body with {"success": true}'
    assert found.observed.startswith("HTTP 500, ")
    assert found.clause is None  # the test's own clause
    violation(assert_outcome, answer(201, {"success": True, "message": ""}), success=True)
    violation(assert_outcome, answer(404, {"success": False, "message": NOT_FOUND}), success=False)


def test_an_outcome_requires_the_success_and_the_exact_message():
    found = violation(assert_outcome, OK, success=False, message=NOT_FOUND)
    assert found.expected == 'HTTP 200, body with {"success": false, "message": "record not found"}'
    assert found.answer is OK
    violation(assert_outcome, MISSING, success=True)
    wrong = answer(200, {"success": False, "message": "record not found."})
    violation(assert_outcome, wrong, success=False, message=NOT_FOUND)
    empty = violation(assert_outcome, MISSING, success=False, message=EMPTY_ID)
    assert empty.expected == 'HTTP 200, body with {"success": false, "message": "id 或 userId 为空！"}'


def test_an_outcome_checks_the_shape_first():
    found = violation(
        assert_outcome, answer(200, {"success": True, "message": ""}, "text/plain"), success=True
    )
    assert found.clause == SHAPE_CLAUSE


def test_the_delete_handlers_fixed_strings():
    assert NOT_FOUND == "record not found"
    assert EMPTY_ID == "id 或 userId 为空！"


# -- assert_rejected ---------------------------------------------------------------------------

LEGACY = TABLE["legacy"]
CURRENT = TABLE["current"]


def test_a_legacy_refusal_is_200_or_401_without_code():
    assert_rejected(answer(200, {"success": False, "message": "Unauthorized"}), LEGACY.unknown_access_token)
    assert_rejected(answer(401, {"success": False, "message": "未登录"}), LEGACY.missing_authorization)


def test_a_current_refusal_is_401_with_its_code():
    refusal = {"success": False, "message": "Unauthorized", "code": "AUTH_UNAUTHORIZED"}
    assert_rejected(answer(401, refusal), CURRENT.unknown_access_token)
    found = violation(
        assert_rejected, answer(401, {**refusal, "code": "AUTH_TOKEN_EXPIRED"}), CURRENT.unknown_access_token
    )
    assert found.expected == CURRENT.unknown_access_token.describe()
    violation(
        assert_rejected,
        answer(401, {"success": False, "message": "Unauthorized"}),
        CURRENT.unknown_access_token,
    )


@pytest.mark.parametrize(
    "broken",
    [
        answer(200, {"success": True, "message": ""}),  # accepted
        answer(401, {"success": False, "message": "x"}),  # the wrong status for this refusal
        answer(200, {"success": False, "message": ""}),  # no message
        answer(200, {"success": False, "message": "x"}, "text/plain"),
    ],
)
def test_a_refusal_in_another_shape_fails(broken):
    found = violation(assert_rejected, broken, LEGACY.unknown_access_token)
    assert found.answer is broken
    assert found.observed == describe(broken)


# -- expectations ------------------------------------------------------------------------------


def test_the_generations_table():
    assert for_generation("legacy") is LEGACY and for_generation("current") is CURRENT
    assert LEGACY.generation == "legacy" and CURRENT.generation == "current"
    assert LEGACY.checks_new_api_user and not CURRENT.checks_new_api_user
    assert LEGACY.missing_authorization == Rejection(
        401, None, "Unauthorized, not logged in and no access token provided"
    )
    assert (
        LEGACY.unknown_access_token
        == LEGACY.relay_key_as_access_token
        == Rejection(200, None, "Unauthorized, invalid access token")
    )
    assert LEGACY.new_api_user_missing == Rejection(
        401, None, "Unauthorized, New-Api-User header not provided"
    )
    assert LEGACY.new_api_user_malformed == Rejection(
        401, None, "Unauthorized, New-Api-User header format error"
    )
    assert LEGACY.new_api_user_mismatch == Rejection(
        401, None, "Unauthorized, New-Api-User does not match logged in user"
    )
    unauthorized = Rejection(401, "AUTH_UNAUTHORIZED", "Unauthorized, invalid access token")
    assert CURRENT.missing_authorization == CURRENT.unknown_access_token == unauthorized
    assert CURRENT.relay_key_as_access_token == unauthorized
    assert (CURRENT.new_api_user_missing, CURRENT.new_api_user_malformed, CURRENT.new_api_user_mismatch) == (
        None,
        None,
        None,
    )
    with pytest.raises(KeyError):
        for_generation("future")


def test_a_rejection_describes_itself():
    assert Rejection(401, "AUTH_UNAUTHORIZED", "Nope").describe() == (
        "HTTP 401, success:false, code AUTH_UNAUTHORIZED ('Nope' in English)"
    )
    assert (
        Rejection(200, None, "Nope").describe()
        == "HTTP 200, success:false, no code field ('Nope' in English)"
    )


def test_expectations_without_new_api_user_checks():
    row = Expectations("x", *(Rejection(401, None, "m"),) * 3, None, None, None)
    assert not row.checks_new_api_user


# -- verdict -----------------------------------------------------------------------------------


def test_require_passes_a_holding_condition_and_reports_a_broken_one():
    require(True, expected="e", observed="o")
    found = violation(require, False, expected="e", observed="o", clause="DEL-X-1", answer=OK)
    assert (found.expected, found.observed, found.clause, found.answer) == ("e", "o", "DEL-X-1", OK)
    assert str(found) == "expected: e\nobserved: o"
    assert isinstance(found, AssertionError)
    plain = ClauseViolation("e", "o")
    assert plain.clause is None and plain.answer is None


def test_violations_collect_cases_and_report_them_together():
    found = Violations()
    with found.case("zero"):
        require(False, expected="record not found", observed="HTTP 500", clause="DEL-ID-2", answer=OK)
    with found.case("fine"):
        pass
    with found.case("minus"):
        require(False, expected="record not found", observed="HTTP 502", clause="DEL-ID-2", answer=MISSING)
    with pytest.raises(ClauseViolation) as raised:
        found.raise_if_any()
    merged = raised.value
    assert merged.expected == "record not found"  # the same expectation once
    assert merged.observed == "[zero] HTTP 500; [minus] HTTP 502"
    assert merged.clause == "DEL-ID-2"
    assert merged.answer is OK  # the first broken case's


def test_violations_of_several_clauses_or_without_answers():
    found = Violations()
    with found.case("a"):
        require(False, expected="x", observed="1", clause="DEL-ID-1")
    with found.case("b"):
        require(False, expected="y", observed="2", clause="DEL-ID-2")
    with pytest.raises(ClauseViolation) as raised:
        found.raise_if_any()
    assert raised.value.clause is None
    assert raised.value.expected == "x; y"
    assert raised.value.answer is None


def test_no_violation_raises_nothing_and_other_errors_pass_through():
    found = Violations()
    found.raise_if_any()
    with pytest.raises(ValueError), found.case("boom"):
        raise ValueError("not a verdict")
    found.raise_if_any()  # the ValueError was not recorded


# -- what each failed judgement carries into the report ------------------------------------------


def test_a_failed_outcome_carries_the_answer_and_its_description_at_every_step():
    wrong_status = answer(500, {"success": True, "message": ""})
    found = violation(assert_outcome, wrong_status, success=True)
    assert found.answer is wrong_status and found.observed == describe(wrong_status)
    found = violation(assert_outcome, OK, success=False)
    assert found.answer is OK and found.observed == describe(OK)


def test_a_failed_refusal_carries_the_rejection_the_answer_and_its_description_at_every_step():
    refusal = CURRENT.unknown_access_token
    cases = [
        answer(200, {"success": False, "message": "Unauthorized", "code": "AUTH_UNAUTHORIZED"}),  # status
        answer(401, {"success": True, "message": "x", "code": "AUTH_UNAUTHORIZED"}),  # accepted
        answer(401, {"success": False, "message": "x", "code": "AUTH_OTHER"}),  # the wrong code
    ]
    for broken in cases:
        found = violation(assert_rejected, broken, refusal)
        assert found.expected == refusal.describe()
        assert found.observed == describe(broken)
        assert found.answer is broken


# -- same_answer: indistinguishable up to per-request noise (found behind the unseen proxy's
# healthy-extra-fields gateway, which adds a request id to every body) ----------------------


def _resender(*bodies: Any, status: int = 200):
    sent = []

    def again() -> Answer:
        sent.append(1)
        return answer(status, bodies[len(sent) - 1])

    return again, sent


def test_same_answer_is_equality_without_a_resend_when_the_bodies_agree():
    again, sent = _resender()
    assert same_answer(
        answer(body={"success": False, "message": NOT_FOUND}),
        answer(body={"message": NOT_FOUND, "success": False}),
        again,
    )
    assert sent == []  # nothing more asked of a server without noise


def test_a_field_that_differs_between_two_answers_to_one_request_is_noise():
    base = {"success": False, "message": NOT_FOUND, "request_id": "a1"}
    again, sent = _resender({**base, "request_id": "b2"})
    assert same_answer(answer(body={**base, "request_id": "c3"}), answer(body=base), again)
    assert sent == [1]


def test_a_difference_that_is_not_noise_tells_the_answers_apart():
    base = {"success": False, "message": NOT_FOUND, "request_id": "a1"}
    again, _ = _resender({**base, "request_id": "b2"})
    told = {"success": False, "message": "无权操作此令牌", "request_id": "c3"}
    assert not same_answer(answer(body=told), answer(body=base), again)
    # A field only one side has is never noise, nor is another status.
    assert not same_answer(answer(body={**base, "owner": 5}), answer(body=base), _resender(base)[0])
    assert not same_answer(answer(403, base), answer(body=base), _resender(base)[0])
    # Without a way to ask again, any difference counts.
    assert not same_answer(answer(body={**base, "request_id": "c3"}), answer(body=base))


def test_a_resend_of_another_kind_proves_no_noise():
    base = {"success": False, "message": NOT_FOUND, "request_id": "a1"}
    throttled, _ = _resender(None, status=429)
    assert not same_answer(answer(body={**base, "request_id": "c3"}), answer(body=base), throttled)


def test_nested_noise_and_a_normaliser():
    def body(rid: str, trace: str) -> dict[str, Any]:
        return {
            "error": {
                "message": f"Invalid token (request id: {rid})",
                "type": "new_api_error",
                "trace": trace,
            }
        }

    again, _ = _resender(body("y", "t2"), status=401)
    scrub = lambda b: {"error": {**b["error"], "message": b["error"]["message"].split(" (")[0]}}  # noqa: E731
    assert same_answer(answer(401, body("z", "t3")), answer(401, body("x", "t1")), again, normalise=scrub)
    again, _ = _resender(body("y", "t1"), status=401)  # the trace does not vary: it tells
    assert not same_answer(answer(401, body("z", "t3")), answer(401, body("x", "t1")), again, normalise=scrub)
