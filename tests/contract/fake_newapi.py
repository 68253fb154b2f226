"""A tiny in-memory new-api for the judging layer's unit tests: the token reads, delete,
batch delete, key reveal and the relay's model list, as `client.api.NewApi` offers them,
answering `Answer`s the way upstream does (ref §3-§5). `faults` break it on purpose.
No sockets: the tests judge these answers directly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import count
from types import SimpleNamespace
from typing import Any

import httpx

from newapi_contract.client.api import Answer
from newapi_contract.client.ids import token_id_acted_on
from newapi_contract.client.ledger import Ledger
from newapi_contract.client.listing import Listing, read_all

JSON = "application/json; charset=utf-8"


def answer(status: int, body: Any, ctype: str = JSON) -> Answer:
    return Answer(status, httpx.Headers({"content-type": ctype}), json.dumps(body, ensure_ascii=False), body)


def business(success: bool, message: str = "", **extra: Any) -> Answer:
    return answer(200, {"success": success, "message": message, **extra})


@dataclass
class Server:
    faults: set[str] = field(default_factory=set)
    tokens: dict[int, dict[str, Any]] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: count(100))
    requests: int = 0

    def create(self, user_id: int) -> int:
        token_id = next(self.ids)
        self.tokens[token_id] = {
            "id": token_id,
            "user_id": user_id,
            "key": f"k{token_id:047d}",
            "deleted": False,
        }
        return token_id

    def live(self, token_id: int, user_id: int | None = None) -> dict[str, Any] | None:
        token = self.tokens.get(token_id)
        if token is None or token["deleted"] or (user_id is not None and token["user_id"] != user_id):
            return None
        return token

    def delete(self, segment: str, user_id: int) -> Answer:
        self.requests += 1
        if segment.endswith("/"):
            if "trailing-slash-deletes-nothing" in self.faults:
                return business(True)
            return answer(307, None, "text/html")
        if "nonnumeric-500" in self.faults and not segment.lstrip("+-").isdigit():
            return answer(500, None, "text/plain")
        if "html-answers" in self.faults:
            return answer(200, {"success": True, "message": ""}, "text/html")
        if "success-as-string" in self.faults:
            return answer(200, {"success": "true", "message": ""})
        token_id = token_id_acted_on(segment)
        if token_id == 0:
            return business(False, "id 或 userId 为空！")
        if "off-by-one" in self.faults:
            token_id += 1
        owner = None if "ignores-owner" in self.faults else user_id
        token = self.live(token_id, owner)
        if "refuses-deletes" in self.faults:
            return business(False, "record not found")
        if token is None:
            again = self.tokens.get(token_id)
            if "second-delete-succeeds" in self.faults and again and again["user_id"] == user_id:
                return business(True)
            return business(False, "record not found")
        if "delete-noop" not in self.faults:
            token["deleted"] = True
        neighbour = self.live(token_id + 1, user_id) if "deletes-neighbour" in self.faults else None
        if neighbour is not None:
            neighbour["deleted"] = True
        return business(True)

    def relay(self, key: str) -> Answer:
        token = next((t for t in self.tokens.values() if t["key"] == key), None)
        stale = "stale-relay-key" in self.faults and token is not None
        refuses = "relay-refuses-live" in self.faults  # every key, live or not, is refused
        if token is not None and (not token["deleted"] or stale) and not refuses:
            return answer(200, {"object": "list", "data": [], "success": True})
        message = f"Invalid token (request id: 2026{self.requests})"
        if "relay-quotes-key" in self.faults and token is not None:
            message = f"Invalid token {key}"
        if "relay-tells-deleted" in self.faults and token is not None:
            message = "Token deleted"
        return answer(401, {"error": {"message": message, "type": "new_api_error", "code": ""}})


@dataclass
class FakeApi:
    """`client.api.NewApi`'s surface as one user of `server`."""

    server: Server
    user_id: int

    def get_token(self, token_id: int) -> Answer:
        token = self.server.live(token_id, self.user_id)
        if token is None:
            return business(False, "record not found")
        return business(True, data={k: v for k, v in token.items() if k != "deleted"})

    def list_tokens(self, page: int | None = None, page_size: int = 10) -> Answer:
        page = page or 1  # no `p`: the first page
        mine = [t for t in self.server.tokens.values() if self.server.live(t["id"], self.user_id)]
        if "list-keeps-deleted" in self.server.faults:
            mine = [t for t in self.server.tokens.values() if t["user_id"] == self.user_id]
        newest = [{"id": t["id"], "user_id": t["user_id"]} for t in reversed(mine)]
        items = newest[(page - 1) * page_size : page * page_size]  # `p` counts from 1
        if "list-bare" in self.server.faults:
            return business(True, data=items)
        return business(True, data={"page": page, "page_size": page_size, "total": len(mine), "items": items})

    def list_all(self) -> Listing:
        return read_all(lambda page: self.list_tokens(page=page, page_size=100))

    def search_tokens(self, keyword: str) -> Answer:
        return self.list_tokens()

    def delete_token(self, segment: int | str) -> Answer:
        return self.server.delete(str(segment), self.user_id)

    def batch_delete(self, ids: list[int]) -> Answer:
        faults = self.server.faults
        # `batch-spills-quietly`: deletes foreign ids too, but counts only the caller's own
        quiet = "batch-spills-quietly" in faults
        deleted = 0
        for token_id in ids:
            owner = None if "batch-ignores-owner" in faults or quiet else self.user_id
            token = self.server.live(token_id, owner)
            if token is not None:
                if "batch-deletes-nothing" not in faults:  # counts what it would delete
                    token["deleted"] = True
                if not quiet or token["user_id"] == self.user_id:
                    deleted += 1
        return business(True, data=deleted)

    def reveal_key(self, token_id: int) -> str:
        return str(self.server.tokens[token_id]["key"])

    def relay_models(self, key: str) -> Answer:
        return self.server.relay(key)


def actor(server: Server, user_id: int) -> Any:
    creds = SimpleNamespace(user_id=user_id, access_token=f"access-{user_id}")
    return SimpleNamespace(creds=creds, api=FakeApi(server, user_id), user_id=user_id)


def world_parts(server: Server, *, with_peer: bool = True) -> dict[str, Any]:
    """What `LifecycleWorld` needs: two actors on `server`, a ledger and a mint."""
    ledger = Ledger("nac-unit-")
    owner, peer = actor(server, 2), actor(server, 3) if with_peer else None

    def mint(who: Any) -> Any:
        token_id = server.create(who.user_id)
        ledger.record(token_id, f"nac-unit-{token_id}", who.user_id)
        return SimpleNamespace(id=token_id)

    return {"owner": owner, "peer": peer, "mint": mint, "ledger": ledger}
