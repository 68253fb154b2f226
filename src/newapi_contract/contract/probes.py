"""Observing a token's state through the public API, as the contract's clauses need.

A claim that something is absent is only worth something next to a positive control
(reference §9): callers check presence before the delete with the same probe.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from newapi_contract.client.api import Answer, NewApi
from newapi_contract.client.listing import Listing, items
from newapi_contract.contract.answers import NOT_FOUND, assert_outcome, describe
from newapi_contract.contract.verdict import require

__all__ = [
    "assert_readable",
    "assert_unreadable",
    "comparable_relay_error",
    "found_by_search",
    "items",
    "listed",
    "require_alive_before",
    "require_listing",
    "require_readable",
]

_REQUEST_ID = re.compile(r"\s*\(request id: [^)]*\)")


def listed(api: NewApi, token_id: int) -> bool:
    """Whether every page of the caller's list holds the token."""
    return require_listing(api.list_all()).has(token_id)


def require_listing(listing: Listing) -> Listing:
    """The listing, once every page of it answered success:true."""
    refused = listing.refused
    require(
        refused is None,
        expected="GET /api/token/ answers success:true with the caller's tokens, on every page",
        observed=describe(refused) if refused is not None else "",
        answer=refused,
    )
    require(
        listing.complete,
        expected="the caller's whole token list in at most 50 pages",
        observed=f"{len(listing.tokens)} tokens in {len(listing.answers)} pages, and more pages still",
        answer=listing.last,
    )
    return listing


def found_by_search(api: NewApi, name: str, token_id: int) -> bool:
    answer = api.search_tokens(name)
    require(
        answer.status == 200 and answer.success is True,
        expected="GET /api/token/search answers success:true",
        observed=describe(answer),
        answer=answer,
    )
    return any(item.get("id") == token_id for item in items(answer))


def assert_readable(api: NewApi, token_id: int) -> None:
    """GET /api/token/{id} answers the token (it is alive and the caller's)."""
    require_readable(api.get_token(token_id), token_id)


def require_readable(answer: Answer, token_id: int) -> None:
    """This answer to GET /api/token/{id} is the token."""
    data = answer.data if isinstance(answer.data, dict) else {}
    require(
        answer.status == 200 and answer.success is True and data.get("id") == token_id,
        expected=f"GET /api/token/{token_id} answers success:true with token {token_id}",
        observed=describe(answer),
        answer=answer,
    )


def assert_unreadable(api: NewApi, token_id: int) -> None:
    """GET /api/token/{id} answers `record not found` (ref §5)."""
    assert_outcome(api.get_token(token_id), success=False, message=NOT_FOUND)


def comparable_relay_error(answer: Answer) -> tuple[int, Any, Any]:
    """The relay's answer with the per-request id removed (ref §4 quotes it in the message)."""
    body = answer.json if isinstance(answer.json, dict) else {}
    found = body.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    message = error.get("message")
    if isinstance(message, str):
        message = _REQUEST_ID.sub("", message)
    return answer.status, error.get("type"), message


VANISHED_CLAUSE, CHANGED_CLAUSE = "DEL-ALL-1", "DEL-ALL-2"


def require_alive_before(
    token_id: int,
    *,
    before: str,
    get: Answer | Callable[[], Answer] | None,
    relay: Answer | None = None,
) -> None:
    """The positive control of a test about token `token_id`, taken just before `before` (the
    request under test): GET answers the token and, when `relay` is given, its key worked on
    the relay. A token already gone, or alive with its key refused, is not the failure of the
    clause the test is about: an earlier request broke what the audit promises (DEL-ALL-1, a
    delete removes only its target; DEL-ALL-2, it leaves the others as they were, keys
    working), so the violation names that clause and the report leads with it, not with the
    request under test. `get` is an answer already taken, or a callable asked only when the
    relay refused the key (one request more, on the failure path only), or None (the relay
    alone is the control)."""
    if relay is not None and relay.status == 200 and not isinstance(get, Answer):
        return
    answer = get() if callable(get) else get
    if answer is not None:
        require(
            not (answer.success is False and answer.message == NOT_FOUND),
            expected=f"token {token_id}, which the run never asked to delete, is alive when the test begins",
            observed=(
                f"GET /api/token/{token_id} answers {NOT_FOUND!r} just before {before}: an earlier "
                "request removed it (the audit's DEL-ALL-1 names the likely culprit)"
            ),
            answer=answer,
            clause=VANISHED_CLAUSE,
        )
        require_readable(answer, token_id)  # any other failure of the control: the test's own clause
    if relay is not None:
        alive = ", while GET answers the token" if answer is not None else ""
        require(
            relay.status == 200,
            expected=f"the key of token {token_id}, alive and never asked to delete, works on the relay",
            observed=f"{describe(relay)} just before {before}{alive}",
            answer=relay,
            clause=CHANGED_CLAUSE,
        )
