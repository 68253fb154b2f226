"""Judging new-api's answers against the contract.

new-api answers business errors with HTTP 200 and `{"success": false, "message": ...}`
(reference §3) and auth failures with 401/200 depending on the generation (§2), so
these helpers read the body as well as the status. Messages of the delete handler
are fixed strings (`record not found`, `id 或 userId 为空！`, never translated, §2);
auth messages may be translated, so only their presence is required.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from newapi_contract.client.api import Answer
from newapi_contract.client.redaction import REDACTOR
from newapi_contract.contract.expectations import Rejection
from newapi_contract.contract.verdict import require

__all__ = [
    "EMPTY_ID",
    "NOT_FOUND",
    "SHAPE_CLAUSE",
    "assert_outcome",
    "assert_rejected",
    "assert_shape",
    "describe",
    "same_answer",
]

NOT_FOUND = "record not found"
EMPTY_ID = "id 或 userId 为空！"
SHAPE_CLAUSE = "DEL-SHAPE-1"
_BODY_PREVIEW = 300


def describe(answer: Answer) -> str:
    """One line: status, content type and (redacted, shortened) body."""
    body = answer.text if len(answer.text) <= _BODY_PREVIEW else answer.text[:_BODY_PREVIEW] + "..."
    ctype = answer.content_type or "no Content-Type"
    return REDACTOR.text(f"HTTP {answer.status}, {ctype}, body {body!r}")


def assert_shape(answer: Answer) -> dict[str, Any]:
    """The answer is JSON with a boolean `success` and a string `message` (DEL-SHAPE-1)."""
    expected = 'Content-Type application/json, a JSON object with "success" (boolean) and "message" (string)'
    require(
        answer.content_type.split(";")[0].strip().lower() == "application/json",
        expected=expected,
        observed=describe(answer),
        answer=answer,
        clause=SHAPE_CLAUSE,
    )
    body = answer.json
    require(
        isinstance(body, dict)
        and isinstance(body.get("success"), bool)
        and isinstance(body.get("message"), str),
        expected=expected,
        observed=describe(answer),
        answer=answer,
        clause=SHAPE_CLAUSE,
    )
    return body  # type: ignore[return-value]


def assert_outcome(answer: Answer, *, success: bool, message: str | None = None) -> None:
    """HTTP 200 with the given `success` (and exact `message`, when given)."""
    wanted: dict[str, Any] = {"success": success}
    if message is not None:
        wanted["message"] = message
    expected = f"HTTP 200, body with {json.dumps(wanted, ensure_ascii=False)}"
    require(answer.status == 200, expected=expected, observed=describe(answer), answer=answer)
    body = assert_shape(answer)
    require(
        all(body.get(k) == v for k, v in wanted.items()),
        expected=expected,
        observed=describe(answer),
        answer=answer,
    )


def assert_rejected(answer: Answer, rejection: Rejection) -> None:
    """Refused by user auth, in the generation's shape (reference §2)."""
    expected = rejection.describe()
    require(answer.status == rejection.status, expected=expected, observed=describe(answer), answer=answer)
    body = assert_shape(answer)
    require(
        body["success"] is False and bool(body["message"]),
        expected=expected,
        observed=describe(answer),
        answer=answer,
    )
    if rejection.code is not None:
        require(
            body.get("code") == rejection.code, expected=expected, observed=describe(answer), answer=answer
        )


def _flat(value: Any, at: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    """A JSON value as {path: leaf}; an empty object or array is a leaf of its own."""
    if isinstance(value, dict) and value:
        return {p: v for k, item in value.items() for p, v in _flat(item, (*at, k)).items()}
    if isinstance(value, list) and value:
        return {p: v for i, item in enumerate(value) for p, v in _flat(item, (*at, i)).items()}
    return {at: value}


def _body(answer: Answer, normalise: Callable[[Any], Any]) -> dict[tuple[Any, ...], Any]:
    return _flat(normalise(answer.json if answer.json is not None else answer.text))


def same_answer(
    answer: Answer,
    baseline: Answer,
    again: Callable[[], Answer] | None = None,
    *,
    normalise: Callable[[Any], Any] = lambda body: body,
) -> bool:
    """Whether `answer` tells nothing `baseline` does not: the same status, the same fields,
    and the same values, up to the values that differ between two answers to the very same
    request (a request id, a timestamp a gateway adds: noise). `again` sends the baseline's
    request once more; it is called only when the two bodies differ, so a server without
    noise costs nothing more. `normalise` prepares a parsed body (the relay's request id)."""
    if answer.status != baseline.status:
        return False
    got, want = _body(answer, normalise), _body(baseline, normalise)
    if got == want:
        return True
    if again is None or set(got) != set(want):
        return False
    resent = again()
    other = _body(resent, normalise)
    if resent.status != baseline.status or set(other) != set(want):
        return False  # not the same kind of answer (a 429, say): no evidence of noise
    noise = {path for path in want if other[path] != want[path]}
    return all(got[path] == want[path] for path in want if path not in noise)
