"""Every answer of DELETE /api/token/{id} is JSON with a boolean success and a string
message (Apifox: json response; reference §2, §3; the overlay's response schemas).

Judged on every such answer this process received (the other clause tests and the generated
layer run first: the test is marked to run last), plus one request of each kind of answer
the run has not seen yet (all of them when the clause runs alone).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import httpx
import pytest

from newapi_contract.client.api import Answer
from newapi_contract.client.road import is_proxy_answer
from newapi_contract.contract.answers import EMPTY_ID, NOT_FOUND, assert_shape
from newapi_contract.contract.verdict import Violations

NEVER_EXISTED = 2**63 - 1
_DELETE_PATH = re.compile(r"/api/token/[^/]+")


def _answer(exchange) -> Answer:
    try:
        body = json.loads(exchange.response_body)
    except ValueError:
        body = None
    return Answer(exchange.status, httpx.Headers(exchange.response_headers), exchange.response_body, body)


def _kind(answer: Answer) -> str:
    if answer.status in (401, 403) or (answer.success is False and "nauthorized" in str(answer.message)):
        return "refused"
    if answer.success is True:
        return "deleted"
    return {NOT_FOUND: "not found", EMPTY_ID: "empty id"}.get(answer.message, "other")


def _received(recorder) -> list[tuple[str, Answer]]:
    """The run's answers to DELETE /api/token/{id}: the server's own (no redirect, no 429,
    no proxy page, no lost answer)."""
    out = []
    for exchange in recorder.history():
        if exchange.method != "DELETE" or not _DELETE_PATH.fullmatch(urlsplit(exchange.url).path):
            continue
        status = exchange.status
        if (
            status is None
            or status in (301, 307, 429)
            or is_proxy_answer(status, exchange.response_body.encode())
        ):
            continue
        out.append((f"DELETE {urlsplit(exchange.url).path} -> HTTP {status}", _answer(exchange)))
    return out


@pytest.mark.clause("DEL-SHAPE-1")
@pytest.mark.judges_the_run
def test_every_kind_of_answer_is_json_with_success_and_message(owner, make_token, recorder):
    answers = _received(recorder)
    seen = {_kind(answer) for _, answer in answers}
    if "deleted" not in seen:
        answers.append(("own token", owner.api.delete_token(make_token().id)))
    if "not found" not in seen:
        answers.append(("never existed", owner.api.delete_token(NEVER_EXISTED)))
    if "empty id" not in seen:
        answers.append(("unparsable id", owner.api.delete_token("abc")))
    if "refused" not in seen:
        answers.append(
            (
                "no Authorization",
                owner.api.delete_token(
                    NEVER_EXISTED, auth=False, headers={"New-Api-User": str(owner.user_id)}
                ),
            )
        )
    found = Violations()
    for label, answer in answers:
        with found.case(label):
            assert_shape(answer)
    found.raise_if_any()
