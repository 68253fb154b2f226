"""Every exchange of the run into the run's model of its tokens (`client.ledger`, issue 18):
the deletes asked for (single and batch, with their outcome and sender), every sighting in a
list, a search or a GET, and the owner's account quota. `RunContext` listens to its recorder
and feeds each exchange here, whatever layer sent it."""

from __future__ import annotations

import json
import re
from typing import Any

from newapi_contract.client.ids import plausible_targets, token_id_acted_on
from newapi_contract.client.ledger import DeleteIntent, Ledger, Sighting
from newapi_contract.client.origin import route_path
from newapi_contract.client.recording import Exchange
from newapi_contract.contract.answers import NOT_FOUND

__all__ = ["TOKEN_ID_PATH", "delete_intent", "observe_exchange"]

TOKEN_ID_PATH = re.compile(r"/api/token/([^/]+)(/?)")


def _outcome(exchange: Exchange) -> str:
    if exchange.error is not None or exchange.status is None:
        return "lost"
    if exchange.status == 429:
        return "throttled"  # limiters run before the handler: no effect (ref §7)
    if 300 <= exchange.status < 400 or exchange.status in (401, 403, 404):
        return "refused"  # a redirect runs no handler (ref §1); auth refused; no route
    try:
        body = json.loads(exchange.response_body)
    except ValueError:
        body = None
    success = body.get("success") if isinstance(body, dict) else None
    if exchange.status == 200 and success is True:
        return "success"
    if exchange.status == 200 and success is False:
        return "refused"
    return f"http {exchange.status}"


def _message(exchange: Exchange) -> Any:
    body = _json(exchange.response_body)
    return body.get("message") if isinstance(body, dict) else None


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def delete_intent(exchange: Exchange, scope: str, now: float, by: int | None = None) -> DeleteIntent | None:
    """The request to delete that `exchange` is (a DELETE of a token, a batch), or None."""
    path = route_path(exchange.url)  # a base URL's path prefix removed
    found = TOKEN_ID_PATH.fullmatch(path)
    if exchange.method == "DELETE" and found:
        token_id = token_id_acted_on(found.group(1))
        outcome = _outcome(exchange)  # gin redirects "N/" (307: refused, it ran no handler)
        readings = tuple(sorted(plausible_targets(found.group(1)) - {token_id}))
        gone = outcome == "refused" and _message(exchange) == NOT_FOUND
        return DeleteIntent(
            (token_id,), f"DELETE {path}", scope, now, outcome, by=by, readings=readings, not_found=gone
        )
    if exchange.method == "POST" and path == "/api/token/batch":
        sent = _json(exchange.request_body)
        asked = sent.get("ids") if isinstance(sent, dict) else None
        ids = [i for i in asked if type(i) is int] if isinstance(asked, list) else []
        answer = _json(exchange.response_body)
        data = answer.get("data") if isinstance(answer, dict) else None
        count = data if isinstance(data, int) and not isinstance(data, bool) else None
        request = f"POST /api/token/batch {ids}"
        return DeleteIntent(tuple(ids), request, scope, now, _outcome(exchange), count, by)
    return None


def observe_exchange(
    ledger: Ledger, exchange: Exchange, scope: str, now: float, by: int | None = None
) -> None:
    """One exchange into the model (see `RunContext._observe`)."""
    intent = delete_intent(exchange, scope, now, by)
    if intent is not None:
        ledger.note_intent(intent)
        return
    path = route_path(exchange.url)
    found = TOKEN_ID_PATH.fullmatch(path)
    if (exchange.method, path) in (("POST", "/api/user/login"), ("GET", "/api/user/self")):
        _observe_quota(ledger, exchange, now)
        return
    if exchange.method != "GET" or exchange.status != 200:
        return
    body = _json(exchange.response_body)
    if not isinstance(body, dict) or body.get("success") is not True:
        return
    if path in ("/api/token/", "/api/token/search"):
        data = body.get("data")
        listed = data.get("items") if isinstance(data, dict) else data
        shown = [i.get("id") for i in listed if isinstance(i, dict)] if isinstance(listed, list) else []
        how = "list" if path == "/api/token/" else "search"
        ledger.note_seen([i for i in shown if isinstance(i, int)], Sighting(now, scope, how))
    elif found and not found.group(2):
        item = body.get("data")
        read = item.get("id") if isinstance(item, dict) else None
        if isinstance(read, int):
            ledger.note_seen([read], Sighting(now, scope, "get"))


def _observe_quota(ledger: Ledger, exchange: Exchange, now: float) -> None:
    """A user's account quota from a login (legacy `data`, current `data.user`) or a
    GET /api/user/self answer."""
    body = _json(exchange.response_body)
    if exchange.status != 200 or not isinstance(body, dict) or body.get("success") is not True:
        return
    data = body.get("data")
    user = data.get("user") if isinstance(data, dict) and isinstance(data.get("user"), dict) else data
    if isinstance(user, dict) and type(user.get("id")) is int and type(user.get("quota")) is int:
        ledger.note_quota(user["id"], user["quota"], now)
