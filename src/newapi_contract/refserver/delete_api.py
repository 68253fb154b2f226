"""`DELETE /api/token/:id` (reference doc §3) and every fault mode that bends it.

Healthy: the id is parsed with Atoi and a parse error ignored (id 0 or clamped); the token
is found by id AND owner among live rows and soft-deleted in one step; every answer after
auth is HTTP 200 JSON. The relay cache (if any) forgets the key before the answer goes out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import Response

from newapi_contract.refserver.goparse import MAX_INT64, MIN_INT64, atoi
from newapi_contract.refserver.instance import Instance
from newapi_contract.refserver.messages import text
from newapi_contract.refserver.misparse import MISPARSERS
from newapi_contract.refserver.pipeline import Call
from newapi_contract.refserver.responses import GinJSON, empty, go_json
from newapi_contract.refserver.token_api import ID_EMPTY, NOT_FOUND, after_delete

TOKEN_DISABLED = 2

__all__ = ["delete_token", "delete_token_trailing_slash"]

# Fault `concurrent-double-delete`: the gap between the check and the act.
_RACE_WINDOW_S = 0.2


def _answer(inst: Instance, success: bool, message: str) -> Response:
    """The delete's JSON answer, bent by the answer-shape faults."""
    body: dict[str, Any] = {"message": message}
    if not inst.has("success-missing"):
        body["success"] = ("true" if success else "false") if inst.has("success-as-string") else success
    if inst.has("missing-content-type"):
        return Response(go_json(body))  # no media type: no Content-Type header
    if inst.has("wrong-content-type"):
        return Response(go_json(body), media_type="text/plain; charset=utf-8")
    return GinJSON(body)


async def _remove(inst: Instance, token_id: int, owner: int | None) -> dict[str, Any] | None:
    """Find and soft-delete; the token that was found, or None."""
    racy = inst.has("concurrent-double-delete") or inst.has("second-delete-succeeds")
    if not racy and not inst.has("delete-noop"):
        return inst.store.delete_owned(token_id, owner)
    token = inst.store.token(token_id, owner, include_deleted=inst.has("second-delete-succeeds"))
    if token is None or inst.has("delete-noop"):
        return token
    if inst.has("concurrent-double-delete"):
        await asyncio.sleep(_RACE_WINDOW_S)
    inst.store.soft_delete(token_id)  # its "nothing to delete" is ignored: that is the bug
    return token


def _read_id(inst: Instance, segment: str, parsed: int) -> int:
    """The id as the handler reads it: Atoi's, or a mis-parsing fault's (`misparse`)."""
    misparse = next((MISPARSERS[name] for name in inst.faults if name in MISPARSERS), None)
    return misparse(segment) if misparse is not None else parsed


def _target(inst: Instance, token_id: int) -> int:
    """The id the delete acts on: the one read, or a neighbour (the off-by-one faults)."""
    if inst.has("delete-off-by-one"):
        return min(token_id + 1, MAX_INT64)
    if inst.has("delete-off-by-minus-one"):
        return max(token_id - 1, MIN_INT64)
    return token_id


def _beyond_target(inst: Instance, token: dict[str, Any]) -> None:
    """The whole-effect faults (issue 18): what else a delete does besides its target."""
    owner, token_id = token["user_id"], token["id"]
    if inst.has("delete-also-removes-sibling"):
        sibling = inst.store.neighbour(owner, token_id, after=True)
        if sibling is not None and inst.store.soft_delete(sibling["id"]) and inst.cache is not None:
            inst.cache.forget(sibling["key"])
    if inst.has("delete-modifies-sibling"):
        sibling = inst.store.neighbour(owner, token_id, after=False) or inst.store.neighbour(
            owner, token_id, after=True
        )
        if sibling is not None:
            inst.store.set_token_status(sibling["id"], TOKEN_DISABLED)
            if inst.cache is not None:
                inst.cache.forget(sibling["key"])
    after_delete(inst, token)


async def delete_token(inst: Instance, call: Call) -> Response:
    segment = call.request.path_params["id"]
    parsed = atoi(segment)
    if not parsed.ok and inst.has("nonnumeric-id-500"):
        return empty(500)
    if inst.has("slow-delete"):
        await asyncio.sleep(inst.config.slow_delete_s)
    token_id = _read_id(inst, segment, parsed.value)
    if token_id == 0:
        return _answer(inst, False, ID_EMPTY)
    target = _target(inst, token_id)
    owner = None if inst.has("delete-ignores-owner") else call.user_id
    token = await _remove(inst, target, owner)
    if token is None:
        return _answer(inst, False, NOT_FOUND)
    if inst.cache is not None and not inst.has("delete-noop"):
        inst.cache.forget(token["key"])
    if not inst.has("delete-noop"):
        _beyond_target(inst, token)
    if inst.has("delete-answers-failure"):
        return _answer(inst, False, text("common.delete_failed", call.lang))
    return _answer(inst, True, "")


async def delete_token_trailing_slash(inst: Instance, call: Call) -> Response:
    """Fault `delete-trailing-slash-noop`: `/api/token/5/` answers success, deletes nothing."""
    return _answer(inst, True, "")
