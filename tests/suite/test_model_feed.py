"""Every exchange of every layer feeds the run's model (`RunContext._observe`): what each
delete was meant to delete and what came of it, which tokens each answer showed alive."""

from __future__ import annotations

import json
from typing import Any

import pytest

from newapi_contract.client.api import Credentials
from newapi_contract.client.ledger import DeleteIntent, Ledger
from newapi_contract.client.recording import Exchange
from newapi_contract.client.redaction import Redactor
from newapi_contract.run.context import Actor, RunContext
from newapi_contract.run.model_feed import delete_intent, observe_exchange
from newapi_contract.run.settings import RunSettings

BASE = "http://127.0.0.1:9"
OWNER_TOKEN, PEER_TOKEN = "o" * 32, "p" * 32


def exchange(
    method: str, path: str, body: Any = None, status: int | None = 200, sent: Any = None, **kw: Any
) -> Exchange:
    return Exchange(
        method=method,
        url=BASE + path,
        request_headers=kw.get("headers", {"Authorization": "Bearer $NEWAPI_ACCESS_TOKEN"}),
        request_body=json.dumps(sent) if sent is not None else "",
        status=status,
        response_headers={},
        response_body=json.dumps(body) if body is not None else "",
        elapsed_ms=1.0,
        error=kw.get("error"),
    )


def fed(*exchanges: Exchange) -> Ledger:
    ledger = Ledger("nac-1-")
    for token_id in (5, 6, 7):
        ledger.record(token_id, f"nac-1-{token_id}", 2)
    for ex in exchanges:
        observe_exchange(ledger, ex, "test_x", 10.0, by=2)
    return ledger


@pytest.mark.parametrize(
    ("ex", "outcome"),
    [
        (exchange("DELETE", "/api/token/5", {"success": True, "message": ""}), "success"),
        (exchange("DELETE", "/api/token/5", {"success": False, "message": "record not found"}), "refused"),
        (exchange("DELETE", "/api/token/5", None, status=429), "throttled"),
        (exchange("DELETE", "/api/token/5", None, status=None, error="connection reset"), "lost"),
        (exchange("DELETE", "/api/token/5/", None, status=307), "refused"),
        (exchange("DELETE", "/api/token/%2B5", {"success": True, "message": ""}), "success"),
        (exchange("DELETE", "/api/token/5", None, status=500), "http 500"),
    ],
)
def test_each_delete_is_an_intent_with_its_outcome(ex: Exchange, outcome: str) -> None:
    (intent,) = fed(ex).intents()
    assert (intent.token_ids, intent.outcome, intent.test, intent.at, intent.by) == (
        (5,),
        outcome,
        "test_x",
        10.0,
        2,
    )


def test_a_batch_is_an_intent_for_each_id_it_named_with_its_count() -> None:
    ex = exchange(
        "POST", "/api/token/batch", {"success": True, "message": "", "data": 2}, sent={"ids": [5, 6, True]}
    )
    (intent,) = fed(ex).intents()
    assert intent == DeleteIntent((5, 6), "POST /api/token/batch [5, 6]", "test_x", 10.0, "success", 2, 2)


def test_lists_searches_and_gets_are_sightings() -> None:
    ledger = fed(
        exchange("GET", "/api/token/?p=1", {"success": True, "data": {"items": [{"id": 5}, {"id": 99}]}}),
        exchange("GET", "/api/token/search?keyword=x", {"success": True, "data": [{"id": 6}]}),
        exchange("GET", "/api/token/7", {"success": True, "data": {"id": 7}}),
        exchange("GET", "/api/token/6", {"success": False, "message": "record not found"}),
    )
    seen = {t.token_id: (t.last_seen.how if t.last_seen else None) for t in ledger.model()}
    assert seen == {5: "list", 6: "search", 7: "get"}
    assert [t.last_listed is not None for t in ledger.model()] == [True, False, False]


def test_the_sender_is_told_by_the_redacted_credential() -> None:
    redactor = Redactor()
    redactor.add_secret(OWNER_TOKEN, "$NEWAPI_ACCESS_TOKEN")
    redactor.add_secret(PEER_TOKEN, "$NEWAPI_PEER_ACCESS_TOKEN")
    ctx = RunContext(RunSettings.from_values({}), redactor=redactor, ledger_file=False)
    ctx.owner = Actor("owner", Credentials(2, OWNER_TOKEN), None)  # type: ignore[arg-type]
    ctx.peer = Actor("peer", Credentials(3, PEER_TOKEN), None)  # type: ignore[arg-type]

    def sender(headers: dict[str, str]) -> int | None:
        return ctx._sender(exchange("DELETE", "/api/token/5", headers=headers))

    assert sender({"Authorization": "Bearer $NEWAPI_ACCESS_TOKEN"}) == 2
    assert sender({"authorization": "bearer  $NEWAPI_PEER_ACCESS_TOKEN"}) == 3
    assert sender({}) == 0 and sender({"Authorization": ""}) == 0
    assert sender({"Authorization": "Bearer something-else"}) is None


def test_a_delete_knows_every_reading_of_its_id_and_whether_it_found_nothing() -> None:
    gone = {"success": False, "message": "record not found"}
    (odd, plain, failed, batch) = fed(
        exchange("DELETE", "/api/token/0011", {"success": True, "message": ""}),
        exchange("DELETE", "/api/token/6", gone),
        exchange("DELETE", "/api/token/7", {"success": False, "message": "Deletion failed"}),
        exchange("POST", "/api/token/batch", gone, sent={"ids": [5]}),
    ).intents()
    # "0011": Go reads 11; octal, 9 (and nothing else a broken server could make of it).
    assert (odd.token_ids, odd.readings, odd.not_found) == ((11,), (9,), False)
    assert (plain.readings, plain.not_found) == ((), True)
    assert not failed.not_found and not batch.not_found  # only a single delete says "not found"
    assert delete_intent(exchange("GET", "/api/token/5", gone), "t", 0.0) is None
