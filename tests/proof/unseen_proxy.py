"""Broken new-api servers the suite was never built against: a fault-injecting reverse proxy.

The reference server's fault modes (`refserver/faults.py`) are the cases the suite was built
against. The cases here come by another road, so they are independent of it: a small HTTP
proxy of its own (standard library only, nothing of `newapi_contract` imported) stands in
front of a healthy reference server and rewrites, delays, replays or adds requests and answers
so that, seen from outside, the pair is one broken server. It learns what a client would see
(each user's access token from the list answers it carries, token items, keys revealed,
relay answers) and acts through the server's public API: a "delete that also removes a
sibling" really deletes a second token with the owner's own credentials, a "key cached on one
door" replays the door's last 200.

Each `Case` is one broken (or healthy but unusual) server: `expect` names the clauses a good
suite must fail (empty: the run must not turn red). `python tests/proof/unseen_proxy.py CASE`
runs one case end to end and prints the verdict; `--list` lists them.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}
_DELETE = re.compile(r"/api/token/(\d+)")
_ANY_DELETE = re.compile(r"/api/token/([^/]+)")
ROOT_PASSWORD = "unseen-root-pw"


# -- requests and answers ------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as received
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def with_header(self, name: str, value: str | None) -> Request:
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return replace(self, headers=kept + (((name, value),) if value is not None else ()))

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None

    def deleted_id(self) -> int | None:
        """The id of `DELETE /api/token/<digits>` (canonical digits only), else None."""
        m = _DELETE.fullmatch(self.path)
        return int(m.group(1)) if self.method == "DELETE" and m and not m.group(1).startswith("0") else None


@dataclass(frozen=True)
class Reply:
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    @property
    def success(self) -> Any:
        body = self.json()
        return body.get("success") if isinstance(body, dict) else None

    def with_json(self, body: Any, status: int | None = None) -> Reply:
        kept = tuple((k, v) for k, v in self.headers if k.lower() != "content-type")
        headers = (*kept, ("Content-Type", "application/json; charset=utf-8"))
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return Reply(self.status if status is None else status, headers, text)


DROP = Reply(0)  # close the connection without an answer


def json_reply(status: int, body: Any) -> Reply:
    return Reply(status).with_json(body)


def list_items(reply: Reply) -> list[dict[str, Any]] | None:
    """The items of a list or search answer (paged `data.items`, or a bare array)."""
    body = reply.json()
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        data = data.get("items")
    return [i for i in data if isinstance(i, dict)] if isinstance(data, list) else None


def with_items(reply: Reply, found: list[dict[str, Any]], total_delta: int = 0) -> Reply:
    body = reply.json()
    if isinstance(body.get("data"), dict):
        data = dict(body["data"], items=found)
        if isinstance(data.get("total"), int):
            data["total"] += total_delta
        return reply.with_json(dict(body, data=data))
    return reply.with_json(dict(body, data=found))


def bare_access_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    value = authorization.strip()
    return value[7:].strip() if value.lower().startswith("bearer ") else value


# -- the relay's doors, as a cache in front of one would tell them apart ------------------


def relay_key(req: Request) -> tuple[str, str] | None:
    """(door, key) of a relay request, the key as TokenAuth keeps it (no `sk-`, cut at `-`)."""
    if not req.path.startswith(("/v1/", "/v1beta/")):
        return None
    door, raw = None, None
    protocol = req.header("Sec-WebSocket-Protocol") or ""
    for part in protocol.split(","):
        part = part.strip()
        if part.startswith("openai-insecure-api-key."):
            door, raw = "websocket", part[len("openai-insecure-api-key.") :]
    if raw is None and req.header("x-api-key"):
        door, raw = "x-api-key", req.header("x-api-key")
    if raw is None and "key" in req.query:
        door, raw = "gemini-query", req.query["key"][0]
    if raw is None and req.header("x-goog-api-key"):
        door, raw = "gemini-header", req.header("x-goog-api-key")
    auth = req.header("Authorization") or ""
    if raw is None and auth and auth != "midjourney-proxy":
        door, raw = "authorization", auth
        for prefix in ("Bearer ", "bearer "):
            if raw.startswith(prefix):
                raw = raw[len(prefix) :]
                break
    if raw is None and req.header("mj-api-secret"):
        door, raw = "mj", req.header("mj-api-secret")
    if raw is None or door is None:
        return None
    raw = raw.removeprefix("sk-").split("-", 1)[0]
    return door, raw


# -- what the proxy learned -------------------------------------------------------------


@dataclass
class World:
    lock: threading.RLock = field(default_factory=threading.RLock)
    auth_of: dict[int, str] = field(default_factory=dict)  # user id -> access token
    user_of: dict[str, int] = field(default_factory=dict)  # access token -> user id
    items: dict[int, dict[str, Any]] = field(default_factory=dict)  # token id -> last item seen
    keys: dict[int, str] = field(default_factory=dict)  # token id -> full key
    relay_ok: dict[tuple[str, str], Reply] = field(default_factory=dict)  # (door, path) -> a 200
    deleted: dict[int, float] = field(default_factory=dict)  # token id -> when its delete answered

    def token_of_key(self, key: str) -> int | None:
        with self.lock:
            return next((tid for tid, k in self.keys.items() if k == key), None)

    def headers_of(self, user_id: int) -> tuple[tuple[str, str], ...] | None:
        token = self.auth_of.get(user_id)
        if token is None:
            return None
        return (("Authorization", f"Bearer {token}"), ("New-Api-User", str(user_id)))


# -- the proxy ---------------------------------------------------------------------------


class Upstream:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        assert self.host in ("127.0.0.1", "localhost"), "traffic goes to 127.0.0.1 only"

    def send(self, req: Request) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.putrequest(req.method, req.target, skip_host=True, skip_accept_encoding=True)
            for name, value in req.headers:
                if name.lower() not in _HOP and name.lower() != "accept-encoding":
                    connection.putheader(name, value)
            connection.putheader("Accept-Encoding", "identity")
            if req.body or req.method in ("POST", "PUT", "PATCH"):
                connection.putheader("Content-Length", str(len(req.body)))
            connection.endheaders(req.body or None)
            answer = connection.getresponse()
            body = answer.read()
            headers = tuple((k, v) for k, v in answer.getheaders() if k.lower() not in _HOP)
            return Reply(answer.status, headers, body)
        finally:
            connection.close()


class Proxy:
    """Forwards to the upstream, learns from every exchange, and lets `case` bend it."""

    def __init__(self, upstream: str, case: Case, seed: int = 1) -> None:
        self.upstream = Upstream(upstream)
        self.case = case
        self.world = World()
        self.random = random.Random(seed)
        self.injected: dict[str, int] = {}
        self.errors: list[str] = []

    # The proxy's own calls to the upstream, as a user (through the real API).
    def call(self, method: str, path: str, user_id: int, body: Any = None) -> Reply:
        headers = self.world.headers_of(user_id) or ()
        data = json.dumps(body).encode() if body is not None else b""
        if body is not None:
            headers = (*headers, ("Content-Type", "application/json"))
        return self.forward(Request(method, path, (("Host", "127.0.0.1"), *headers), data))

    def list_of(self, user_id: int) -> list[dict[str, Any]]:
        reply = self.call("GET", "/api/token/?p=1&page_size=100&size=100", user_id)
        return list_items(reply) or []

    def count(self, what: str) -> None:
        with self.world.lock:
            self.injected[what] = self.injected.get(what, 0) + 1

    def forward(self, req: Request) -> Reply:
        reply = self.upstream.send(req)
        try:
            self._learn(req, reply)
        except Exception as exc:  # learning must never break the road
            self.errors.append(f"learn {req.method} {req.path}: {exc!r}")
        return reply

    def user_of(self, req: Request) -> int | None:
        token = bare_access_token(req.header("Authorization"))
        with self.world.lock:
            return self.world.user_of.get(token) if token else None

    def _learn(self, req: Request, reply: Reply) -> None:
        w = self.world
        body = reply.json()
        ok = reply.status == 200 and isinstance(body, dict) and body.get("success") is True
        with w.lock:
            listed = ok and req.method == "GET" and req.path.startswith("/api/token/")
            found = list_items(reply) if listed else None
            token = bare_access_token(req.header("Authorization"))
            for item in found or []:
                if isinstance(item.get("id"), int):
                    w.items[item["id"]] = item
                    if isinstance(item.get("key"), str) and "*" not in item["key"] and item["key"]:
                        w.keys[item["id"]] = item["key"]
                    if token and isinstance(item.get("user_id"), int):
                        w.user_of[token] = item["user_id"]
                        w.auth_of.setdefault(item["user_id"], token)
            m = _DELETE.fullmatch(req.path)
            if ok and req.method == "GET" and m and isinstance(body.get("data"), dict):
                w.items[int(m.group(1))] = body["data"]
            key_m = re.fullmatch(r"/api/token/(\d+)/key", req.path)
            if ok and req.method == "POST" and key_m and isinstance(body.get("data"), dict):
                w.keys[int(key_m.group(1))] = str(body["data"].get("key"))
            if ok and req.method == "POST" and req.path == "/api/token/batch/keys":
                for tid, key in (body.get("data") or {}).get("keys", {}).items():
                    w.keys[int(tid)] = key
            if ok and req.deleted_id() is not None:
                w.deleted[req.deleted_id()] = time.monotonic()  # type: ignore[index]
            if ok and req.method == "POST" and req.path == "/api/token/batch":
                user = w.user_of.get(token or "")
                for tid in (req.json() or {}).get("ids", []):
                    if isinstance(tid, int) and w.items.get(tid, {}).get("user_id") == user:
                        w.deleted.setdefault(tid, time.monotonic())
            door = relay_key(req)
            if door is not None and reply.status == 200:
                w.relay_ok[(door[0], req.target.split("?")[0])] = reply

    def handle(self, req: Request) -> Reply:
        return self.case.handle(req, self)

    @contextmanager
    def running(self) -> Iterator[str]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            wbufsize = 1 << 16  # head and body leave in one write

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                req = Request(self.command, self.path, tuple(self.headers.items()), body)
                try:
                    reply = proxy.handle(req)
                except Exception as exc:
                    proxy.errors.append(f"{req.method} {req.path}: {exc!r}")
                    reply = Reply(502, (("Content-Type", "text/plain"),), b"proxy error\n")
                if reply.status == 0:  # DROP
                    self.close_connection = True
                    with suppress(OSError):
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = reply.body
                self.send_response_only(reply.status)
                for name, value in reply.headers:
                    if name.lower() not in _HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()


# -- the cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One server: healthy (`expect` empty) or broken (a good suite fails `expect`)."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    expect: ClassVar[frozenset[str]] = frozenset()
    generation: ClassVar[str] = "current"

    def handle(self, req: Request, px: Proxy) -> Reply:
        return px.forward(req)


CASES: dict[str, type[Case]] = {}


def case(cls: type[Case]) -> type[Case]:
    assert cls.name and cls.name not in CASES
    CASES[cls.name] = cls
    return cls


def _delete_ok(reply: Reply) -> bool:
    return reply.status == 200 and reply.success is True


@case
class PassThrough(Case):
    name = "healthy-pass-through"
    summary = "a plain reverse proxy: nothing bent (the control)"


@case
class RecreateSameName(Case):
    name = "recreate-same-name"
    summary = "the delete answers success, and a token of the same name and fields is made again"
    expect = frozenset({"DEL-ALL-5"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid, user = req.deleted_id(), px.user_of(req)
        if tid is None or user is None:
            return px.forward(req)
        before = px.call("GET", f"/api/token/{tid}", user).json() or {}
        reply = px.forward(req)
        item = before.get("data") if isinstance(before, dict) else None
        if _delete_ok(reply) and isinstance(item, dict):
            fields = ("name", "expired_time", "remain_quota", "unlimited_quota", "model_limits_enabled")
            px.call("POST", "/api/token/", user, {k: item[k] for k in fields if k in item})
            px.count("recreated")
        return reply


@case
class DeleteRandomSibling(Case):
    name = "delete-random-sibling"
    summary = "each successful delete also deletes a random other live token of the same user"
    expect = frozenset({"DEL-ALL-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid, user = req.deleted_id(), px.user_of(req)
        reply = px.forward(req)
        if tid is not None and user is not None and _delete_ok(reply):
            others = [i["id"] for i in px.list_of(user) if i.get("id") != tid]
            if others:
                victim = px.random.choice(others)
                px.call("DELETE", f"/api/token/{victim}", user)
                px.count("sibling deleted")
        return reply


class _Stale(Case):
    """A read path that keeps a deleted token for `for_s` seconds after its delete's answer."""

    for_s: ClassVar[float] = 3.0

    def stale_ids(self, px: Proxy) -> list[int]:
        now = time.monotonic()
        with px.world.lock:
            return [tid for tid, at in px.world.deleted.items() if now - at < self.for_s]

    def add_stale(self, reply: Reply, px: Proxy, user: int | None, keyword: str | None = None) -> Reply:
        found = list_items(reply)
        if found is None or reply.success is not True or user is None:
            return reply
        have = {i.get("id") for i in found}
        extra = []
        for tid in self.stale_ids(px):
            item = px.world.items.get(tid)
            if item is None or item.get("user_id") != user or tid in have:
                continue
            if keyword is not None and keyword.replace("%", "") not in str(item.get("name")):
                continue
            extra.append(item)
        if not extra:
            return reply
        px.count("stale items shown")
        merged = sorted([*found, *extra], key=lambda i: -int(i.get("id") or 0))
        return with_items(reply, merged, len(extra))


@case
class ListStale(_Stale):
    name = "list-stale-3s"
    summary = "the list keeps showing a deleted token for 3 s after its delete"
    expect = frozenset({"DEL-OWN-3"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        if req.method == "GET" and req.path == "/api/token/":
            return self.add_stale(reply, px, px.user_of(req))
        return reply


@case
class SearchStale(_Stale):
    name = "search-stale"
    summary = "search answers from an index refreshed every 30 s: a deleted token stays findable"
    expect = frozenset({"DEL-OWN-4"})
    for_s = 30.0

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        if req.method == "GET" and req.path == "/api/token/search":
            keyword = (req.query.get("keyword") or [""])[0]
            return self.add_stale(reply, px, px.user_of(req), keyword)
        return reply


@case
class GetStale(_Stale):
    name = "get-stale-2s"
    summary = "GET /api/token/{id} still answers a deleted token for the first 2 s"
    expect = frozenset({"DEL-OWN-2"})
    for_s = 2.0

    def handle(self, req: Request, px: Proxy) -> Reply:
        m = _DELETE.fullmatch(req.path)
        if req.method == "GET" and m and int(m.group(1)) in self.stale_ids(px):
            item = px.world.items.get(int(m.group(1)))
            if item is not None and item.get("user_id") == px.user_of(req):
                px.count("stale GET")
                return json_reply(200, {"data": item, "message": "", "success": True})
        return px.forward(req)


class _DoorCache(Case):
    """A cache in front of one door: a key it once saw accepted stays accepted there."""

    door: ClassVar[str] = ""

    def handle(self, req: Request, px: Proxy) -> Reply:
        found = relay_key(req)
        reply = px.forward(req)
        if found is None or found[0] != self.door:
            return reply
        cache = px.world.__dict__.setdefault("door_cache", {})
        if reply.status == 200:
            cache[(found[1], req.target)] = reply
        elif reply.status == 401 and (found[1], req.target) in cache:
            px.count(f"stale key on {self.door}")
            return cache[(found[1], req.target)]
        return reply


@case
class DoorCacheAnthropic(_DoorCache):
    name = "door-cache-x-api-key"
    summary = "an Anthropic adapter caches keys: x-api-key accepts a deleted key"
    expect = frozenset({"DEL-DOOR-3"})
    door = "x-api-key"


@case
class DoorCacheGemini(_DoorCache):
    name = "door-cache-gemini-query"
    summary = "a Gemini adapter caches keys: ?key= on /v1beta/models accepts a deleted key"
    expect = frozenset({"DEL-DOOR-4"})
    door = "gemini-query"


@case
class DoorCacheWebsocket(_DoorCache):
    name = "door-cache-websocket"
    summary = "the WebSocket subprotocol door accepts a deleted key from a cache"
    expect = frozenset({"DEL-DOOR-5"})
    door = "websocket"


@case
class DoorCacheMidjourney(_DoorCache):
    name = "door-cache-mj"
    summary = "the Midjourney door (mj-api-secret) accepts a deleted key from a cache"
    expect = frozenset({"DEL-DOOR-6"})
    door = "mj"


class _RewriteDelete(Case):
    """The delete acts as upstream's; only its successful answer is rewritten."""

    def rewrite(self, reply: Reply) -> Reply:
        raise NotImplementedError

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        if req.method == "DELETE" and _ANY_DELETE.fullmatch(req.path) and _delete_ok(reply):
            px.count("answer rewritten")
            return self.rewrite(reply)
        return reply


@case
class SaysFalseButDeleted(_RewriteDelete):
    name = "false-but-deleted"
    summary = "the delete deletes, but answers HTTP 200 success:false with an empty message"
    expect = frozenset({"DEL-OWN-1"})

    def rewrite(self, reply: Reply) -> Reply:
        return reply.with_json({"message": "", "success": False})


@case
class SuccessSaysFailed(_RewriteDelete):
    name = "success-says-failed"
    summary = 'the delete answers success:true with message "删除失败" (deletion failed)'
    expect = frozenset({"DEL-OWN-1"})

    def rewrite(self, reply: Reply) -> Reply:
        return reply.with_json({"message": "删除失败", "success": True})


@case
class SuccessString(Case):
    name = "success-string"
    summary = 'every delete answer carries success as a string: "true" / "false"'
    expect = frozenset({"DEL-SHAPE-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        body = reply.json()
        if req.method == "DELETE" and isinstance(body, dict) and isinstance(body.get("success"), bool):
            px.count("success as a string")
            return reply.with_json(dict(body, success=str(body["success"]).lower()))
        return reply


_ODD = re.compile(r"(0\d+|\+.*|.*[eE].*|%20.*|.*%20|\d{19,}|-\d{19,})")


@case
class OddIdCrash(Case):
    name = "odd-id-500"
    summary = "ids like 007, +5, 1e3, %20 and 20-digit ones crash the handler: HTTP 500 text/plain"
    expect = frozenset({"DEL-ID-1", "DEL-ID-2", "DEL-ID-3"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        m = _ANY_DELETE.fullmatch(req.path)
        if req.method == "DELETE" and m and _ODD.fullmatch(m.group(1)):
            px.count("500")
            return Reply(500, (("Content-Type", "text/plain; charset=utf-8"),), b"Internal Server Error")
        return px.forward(req)


@case
class OddIdNewest(Case):
    name = "odd-id-deletes-newest"
    summary = "a non-canonical id (+N, 00N, %2BN) falls back to the caller's newest token"
    expect = frozenset({"DEL-ID-3"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        m = _ANY_DELETE.fullmatch(req.path)
        user = px.user_of(req)
        if req.method == "DELETE" and m and re.fullmatch(r"(\+|%2B|0|%30)+\d+", m.group(1)) and user:
            newest = max((i["id"] for i in px.list_of(user)), default=None)
            if newest is not None:
                px.count("newest deleted")
                return px.forward(replace(req, target=f"/api/token/{newest}"))
        return px.forward(req)


@case
class BatchCountsUnscoped(Case):
    name = "batch-count-unscoped"
    summary = "batch counts every own id asked, already-deleted ones too (a count without deleted_at)"
    expect = frozenset({"DEL-BATCH-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        user = px.user_of(req)
        if req.method == "POST" and req.path == "/api/token/batch" and reply.success is True:
            ids = [i for i in (req.json() or {}).get("ids", []) if isinstance(i, int)]
            mine = [i for i in ids if px.world.items.get(i, {}).get("user_id") == user]
            body = reply.json()
            if isinstance(body.get("data"), int) and len(mine) != body["data"]:
                px.count("count rewritten")
                return reply.with_json(dict(body, data=len(mine)))
        return reply


@case
class BatchRange(Case):
    name = "batch-deletes-range"
    summary = "batch deletes every own token with min(ids) <= id <= max(ids) (BETWEEN, not IN)"
    expect = frozenset({"DEL-ALL-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        user = px.user_of(req)
        if req.method == "POST" and req.path == "/api/token/batch" and user is not None:
            ids = [i for i in (req.json() or {}).get("ids", []) if isinstance(i, int)]
            if ids:
                between = [i["id"] for i in px.list_of(user) if min(ids) <= i["id"] <= max(ids)]
                extra = sorted(set(between) - set(ids))
                if extra:
                    px.count("range delete")
                    px.call("POST", "/api/token/batch", user, {"ids": extra})
        return px.forward(req)


@case
class AuthFromUserHeader(Case):
    name = "auth-from-user-header"
    summary = "a delete with New-Api-User but a missing, unknown or sk- Authorization acts as that user"
    expect = frozenset({"DEL-AUTH-1", "DEL-AUTH-2", "DEL-AUTH-7"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        header = req.header("New-Api-User") or ""
        if req.method == "DELETE" and header.isdigit() and px.user_of(req) is None:
            token = px.world.auth_of.get(int(header))
            if token is not None:
                px.count("auth taken from New-Api-User")
                req = req.with_header("Authorization", f"Bearer {token}")
        return px.forward(req)


@case
class ActsAsHeaderUser(Case):
    name = "acts-as-header-user"
    summary = "a delete acts as the user New-Api-User names, not the credential's"
    expect = frozenset({"DEL-AUTH-6"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        header, user = req.header("New-Api-User") or "", px.user_of(req)
        if req.method == "DELETE" and header.isdigit() and user is not None and int(header) != user:
            token = px.world.auth_of.get(int(header))
            if token is not None:
                px.count("acted as header user")
                req = req.with_header("Authorization", f"Bearer {token}")
        return px.forward(req)


@case
class Resurrects(_Stale):
    name = "resurrect-after-3s"
    summary = "3 s after a delete the token is back: list, search, GET and the relay (a replica rolling back)"
    expect = frozenset({"DEL-ALL-3"})

    def back(self, px: Proxy) -> set[int]:
        now = time.monotonic()
        with px.world.lock:
            return {tid for tid, at in px.world.deleted.items() if now - at >= 3.0}

    def stale_ids(self, px: Proxy) -> list[int]:
        return sorted(self.back(px))

    def handle(self, req: Request, px: Proxy) -> Reply:
        if req.deleted_id() is not None and req.deleted_id() in self.back(px):
            return px.forward(req)  # a delete again: upstream answers for itself
        m = _DELETE.fullmatch(req.path)
        user = px.user_of(req)
        if req.method == "GET" and m and int(m.group(1)) in self.back(px):
            item = px.world.items.get(int(m.group(1)))
            if item is not None and item.get("user_id") == user:
                px.count("resurrected GET")
                return json_reply(200, {"data": item, "message": "", "success": True})
        door = relay_key(req)
        reply = px.forward(req)
        if door is not None and reply.status == 401:
            tid = px.world.token_of_key(door[1])
            live = px.world.relay_ok.get((door[0], req.target.split("?")[0]))
            if tid in self.back(px) and live is not None:
                px.count("resurrected key")
                return live
        if req.method == "GET" and req.path == "/api/token/":
            return self.add_stale(reply, px, user)
        if req.method == "GET" and req.path == "/api/token/search":
            return self.add_stale(reply, px, user, (req.query.get("keyword") or [""])[0])
        return reply


@case
class SiblingQuota(Case):
    name = "sibling-loses-quota"
    summary = "a delete also sets remain_quota of the owner's previous live token to 0 (a wrong UPDATE)"
    expect = frozenset({"DEL-ALL-2"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid, user = req.deleted_id(), px.user_of(req)
        reply = px.forward(req)
        if tid is None or user is None or not _delete_ok(reply):
            return reply
        older = [i for i in px.list_of(user) if i.get("id", 0) < tid and i.get("remain_quota") != 0]
        if older:
            item = max(older, key=lambda i: i["id"])
            px.call("PUT", "/api/token/", user, dict(item, remain_quota=0))
            px.count("sibling quota zeroed")
        return reply


@case
class AlsoDeletesPeer(Case):
    name = "also-deletes-peer-token"
    summary = "an owner's delete also deletes the newest token of another user (a cache keyed without user)"
    expect = frozenset({"DEL-ALL-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid, user = req.deleted_id(), px.user_of(req)
        reply = px.forward(req)
        if tid is None or user is None or not _delete_ok(reply):
            return reply
        for other in list(px.world.auth_of):
            if other != user:
                theirs = [i["id"] for i in px.list_of(other)]
                if theirs:
                    px.call("DELETE", f"/api/token/{max(theirs)}", other)
                    px.count("peer token deleted")
                break
        return reply


@case
class NoopButHidden(Case):
    name = "noop-but-hidden"
    summary = "the delete is never sent: the token is only hidden from list, search and GET; its key lives"
    expect = frozenset({"DEL-OWN-5"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        hidden: set[int] = px.world.__dict__.setdefault("hidden", set())
        tid, user = req.deleted_id(), px.user_of(req)
        if tid is not None and user is not None:
            if tid in hidden:
                return json_reply(200, {"message": "record not found", "success": False})
            if px.world.items.get(tid, {}).get("user_id") == user:
                hidden.add(tid)
                px.count("hidden, not deleted")
                return json_reply(200, {"message": "", "success": True})
        m = _DELETE.fullmatch(req.path)
        if req.method == "GET" and m and int(m.group(1)) in hidden:
            return json_reply(200, {"message": "record not found", "success": False})
        reply = px.forward(req)
        found = list_items(reply)
        if req.method == "GET" and found is not None and req.path in ("/api/token/", "/api/token/search"):
            kept = [i for i in found if i.get("id") not in hidden]
            if len(kept) != len(found):
                return with_items(reply, kept, len(kept) - len(found))
        return reply


@case
class SlashDeletes(Case):
    name = "slash-deletes"
    summary = "DELETE /api/token/{id}/ deletes the token and answers 200 instead of redirecting"
    expect = frozenset({"DEL-SLASH-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        m = re.fullmatch(r"/api/token/(\d+)/", req.path)
        if req.method == "DELETE" and m:
            px.count("slash deleted")
            return px.forward(replace(req, target=f"/api/token/{m.group(1)}"))
        return px.forward(req)


@case
class AgainSucceeds(Case):
    name = "again-succeeds"
    summary = "a delete of a token already deleted answers success:true again (an idempotent-delete fork)"
    expect = frozenset({"DEL-AGAIN-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid = req.deleted_id()
        reply = px.forward(req)
        again = tid is not None and tid in px.world.deleted
        mine = px.world.items.get(tid or -1, {}).get("user_id") == px.user_of(req)
        if again and mine and reply.json() == {"message": "record not found", "success": False}:
            px.count("again success")
            return reply.with_json({"message": "", "success": True})
        return reply


@case
class NotFound404(Case):
    name = "not-found-404"
    summary = "a RESTful fork: a missing or already deleted id answers HTTP 404 (same body)"
    expect = frozenset({"DEL-AGAIN-1", "DEL-MISSING-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        if (
            req.method == "DELETE"
            and reply.status == 200
            and reply.json()
            == {
                "message": "record not found",
                "success": False,
            }
        ):
            px.count("404")
            return replace(reply, status=404)
        return reply


@case
class ForeignForbidden(Case):
    name = "foreign-403"
    summary = "another user's delete of an existing token answers 403 无权操作 (tells it exists)"
    expect = frozenset({"DEL-ISO-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid, user = req.deleted_id(), px.user_of(req)
        reply = px.forward(req)
        owner = px.world.items.get(tid or -1, {}).get("user_id")
        foreign = tid is not None and owner is not None and user is not None and owner != user
        if foreign and tid not in px.world.deleted and reply.success is False:
            px.count("403")
            return reply.with_json({"message": "无权操作此令牌", "success": False}, status=403)
        return reply


@case
class RaceLocked(Case):
    name = "race-500"
    summary = "a delete of a token another delete is working on answers 500 database is locked"
    expect = frozenset({"DEL-RACE-1"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid = req.deleted_id()
        if tid is None:
            return px.forward(req)
        busy: set[int] = px.world.__dict__.setdefault("busy", set())
        with px.world.lock:
            clash = tid in busy
            busy.add(tid)
        if clash:
            px.count("locked")
            return Reply(500, (("Content-Type", "text/plain"),), b"database is locked")
        try:
            time.sleep(0.2)  # the transaction holds its lock
            return px.forward(req)
        finally:
            with px.world.lock:
                busy.discard(tid)


@case
class KeyLives5s(Case):
    name = "key-lives-5s"
    summary = "every door accepts a deleted key for 5 s after its delete (eviction after a delay)"
    expect = frozenset({"DEL-OWN-5"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        door = relay_key(req)
        reply = px.forward(req)
        if door is not None and reply.status == 401:
            tid = px.world.token_of_key(door[1])
            at = px.world.deleted.get(tid or -1)
            live = px.world.relay_ok.get((door[0], req.target.split("?")[0]))
            if at is not None and time.monotonic() - at < 5.0 and live is not None:
                px.count("key alive")
                return live
        return reply


@case
class DisabledNotDeleted(Case):
    name = "disable-instead-of-delete"
    summary = "the delete only disables the token (status 2): GET and the list still show it"
    expect = frozenset({"DEL-OWN-2", "DEL-OWN-3"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid, user = req.deleted_id(), px.user_of(req)
        if tid is None or user is None:
            return px.forward(req)
        item = px.world.items.get(tid)
        if item is None or item.get("user_id") != user:
            return px.forward(req)
        if item.get("status") == 2:
            return json_reply(200, {"message": "record not found", "success": False})
        px.call("PUT", "/api/token/?status_only=1", user, {"id": tid, "status": 2})
        px.world.items[tid] = dict(item, status=2)
        px.count("disabled")
        return json_reply(200, {"message": "", "success": True})


@case
class AsyncDelete(Case):
    name = "async-delete-1s"
    summary = "the delete answers success at once and runs 1 s later (a queue): GET still answers it"
    # DEL-OWN-2 asks GET only once the relay refused the key (1 s here, within the bound): the
    # second delete, the generated layer and the audit see it.
    expect = frozenset({"DEL-OWN-2", "DEL-AGAIN-1", "DEL-GEN-1", "DEL-ALL-3"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid, user = req.deleted_id(), px.user_of(req)
        if tid is None or user is None or px.world.items.get(tid, {}).get("user_id") != user:
            return px.forward(req)
        if tid in px.world.__dict__.setdefault("queued", set()):
            return px.forward(req)
        px.world.__dict__["queued"].add(tid)
        threading.Timer(1.0, lambda: px.forward(req)).start()
        px.count("queued")
        return json_reply(200, {"message": "", "success": True})


@case
class EvictsWrongKey(Case):
    name = "evicts-sibling-key"
    summary = "a delete evicts by masked key: the owner's other tokens' keys are refused for 10 s"
    expect = frozenset({"DEL-ALL-2"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        tid = req.deleted_id()
        if tid is not None:
            reply = px.forward(req)
            if _delete_ok(reply):
                px.world.__dict__["evicted_at"] = time.monotonic()
            return reply
        door = relay_key(req)
        at = px.world.__dict__.get("evicted_at")
        if door is not None and at is not None and time.monotonic() - at < 10.0:
            tid = px.world.token_of_key(door[1])
            if tid is not None and tid not in px.world.deleted:
                px.count("sibling key refused")
                return json_reply(
                    401, {"error": {"code": "", "message": "Invalid token", "type": "new_api_error"}}
                )
        return px.forward(req)


@case
class ListTotalStale(Case):
    name = "list-total-counts-deleted"
    summary = "the list's total counts deleted tokens too (a COUNT without deleted_at)"
    expect = frozenset({"DEL-ALL-5"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        if req.method == "GET" and req.path == "/api/token/" and reply.success is True:
            user = px.user_of(req)
            gone = [t for t in px.world.deleted if px.world.items.get(t, {}).get("user_id") == user]
            if gone:
                px.count("total miscounted")
                return with_items(reply, list_items(reply) or [], len(gone))
        return reply


@case
class RelayPanics(Case):
    name = "relay-500-for-deleted"
    summary = "the relay panics on a deleted key: HTTP 500 instead of 401 (one-api #1728, #2389)"
    expect = frozenset({"DEL-OWN-5"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        door = relay_key(req)
        reply = px.forward(req)
        if door is not None and reply.status == 401 and px.world.token_of_key(door[1]) in px.world.deleted:
            px.count("relay 500")
            return Reply(500, (("Content-Type", "text/plain; charset=utf-8"),), b"runtime error: nil pointer")
        return reply


@case
class Delete500ButDeleted(_RewriteDelete):
    name = "delete-500-but-deleted"
    summary = "the delete deletes, then answers HTTP 500 (a failing after-delete hook)"
    expect = frozenset({"DEL-OWN-1"})

    def rewrite(self, reply: Reply) -> Reply:
        return reply.with_json({"message": "cache eviction failed", "success": False}, status=500)


@case
class KeyRevealAfterDelete(Case):
    name = "key-reveal-after-delete"
    summary = "POST /api/token/{id}/key still reveals a deleted token's key (an unscoped lookup)"
    expect = frozenset({"DEL-OWN-2"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        m = re.fullmatch(r"/api/token/(\d+)/key", req.path)
        if req.method == "POST" and m and int(m.group(1)) in px.world.deleted:
            tid = int(m.group(1))
            key = px.world.keys.get(tid)
            if key is not None and px.world.items.get(tid, {}).get("user_id") == px.user_of(req):
                px.count("deleted key revealed")
                return json_reply(200, {"data": {"key": key}, "message": "", "success": True})
        return px.forward(req)


@case
class ListCachedByUrl(Case):
    name = "list-cache-by-url"
    summary = "a caching proxy keeps GET /api/token/ answers 5 s by URL alone (one-api #260)"
    # The cached list first hides the run's new tokens (DEL-ALL-5: a created token is listed),
    # which stops most clauses before their delete; DEL-OWN-3 when a delete comes first.
    expect = frozenset({"DEL-OWN-3", "DEL-ALL-5"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        if req.method != "GET" or req.path != "/api/token/":
            return px.forward(req)
        cache = px.world.__dict__.setdefault("list_cache", {})
        now = time.monotonic()
        hit = cache.get(req.target)
        if hit is not None and now - hit[0] < 5.0:
            px.count("cached list")
            return hit[1]
        reply = px.forward(req)
        if reply.status == 200:
            cache[req.target] = (now, reply)
        return reply


@case
class KeyReused(Case):
    name = "key-reused-after-create"
    summary = "a deleted key comes back once the owner makes a new token (its key recycled)"
    expect = frozenset({"DEL-ALL-3"})

    def handle(self, req: Request, px: Proxy) -> Reply:
        reborn: set[int] = px.world.__dict__.setdefault("reborn", set())
        if req.method == "POST" and req.path == "/api/token/":
            reply = px.forward(req)
            with px.world.lock:
                reborn.update(t for t in px.world.deleted if t in px.world.keys)
            return reply
        door = relay_key(req)
        reply = px.forward(req)
        if door is not None and reply.status == 401 and px.world.token_of_key(door[1]) in reborn:
            live = px.world.relay_ok.get((door[0], req.target.split("?")[0]))
            if live is not None:
                px.count("recycled key accepted")
                return live
        return reply


@case
class GatewayFillsUser(Case):
    name = "legacy-gateway-fills-user"
    summary = (
        "legacy behind a gateway that sets New-Api-User from the credential: a missing, "
        "malformed or foreign one is never refused"
    )
    expect = frozenset({"DEL-AUTH-4", "DEL-AUTH-5", "DEL-AUTH-6"})
    generation = "legacy"

    def handle(self, req: Request, px: Proxy) -> Reply:
        user = px.user_of(req)
        if req.path.startswith("/api/token") and user is not None and req.header("New-Api-User") != str(user):
            px.count("New-Api-User filled")
            req = req.with_header("New-Api-User", str(user))
        return px.forward(req)


@case
class BusyButDeleted(_RewriteDelete):
    name = "busy-but-deleted"
    summary = 'the delete deletes, then answers 200 "database is locked" (the lock hit a later statement)'
    expect = frozenset({"DEL-OWN-1"})

    def rewrite(self, reply: Reply) -> Reply:
        return reply.with_json({"message": "database is locked", "success": False})


# Healthy but unusual: none of these may turn the run red.


@case
class LostDeleteAnswers(Case):
    name = "healthy-lost-delete-answers"
    summary = "8 % of DELETE answers are lost after the server acted (a connection cut on the way back)"

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        if req.method == "DELETE" and px.random.random() < 0.08:
            px.count("delete answer lost")
            return DROP
        return reply


@case
class ThrottledRelay(Case):
    name = "healthy-429-relay"
    summary = "a gateway also limits the relay: 5 % of /v1 requests get 429 (no Retry-After), unsent"

    def handle(self, req: Request, px: Proxy) -> Reply:
        if req.path.startswith(("/v1/", "/v1beta/")) and px.random.random() < 0.05:
            px.count("relay 429")
            return Reply(429, (("Content-Type", "text/plain"),), b"Too Many Requests")
        return px.forward(req)


@case
class Busy(Case):
    name = "healthy-busy"
    summary = 'SQLite busy now and then: 5 % of writes answer 200 "database is locked", unsent'

    def handle(self, req: Request, px: Proxy) -> Reply:
        write = req.method in ("DELETE", "PUT") or (
            req.method == "POST" and req.path.startswith("/api/token")
        )
        if write and px.random.random() < 0.05:
            px.count("busy")
            return json_reply(200, {"message": "database is locked", "success": False})
        return px.forward(req)


@case
class ManyTokens(Case):
    name = "healthy-many-tokens"
    summary = "each user already has 130 tokens of its own (a staging account with history): lists span pages"

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        user = px.user_of(req)
        seeded: set[int] = px.world.__dict__.setdefault("seeded", set())
        if user is not None and user not in seeded:
            seeded.add(user)
            for n in range(130):
                px.call("POST", "/api/token/", user, {"name": f"old-{user}-{n}", "unlimited_quota": True})
            px.count("tokens seeded")
        return reply


@case
class EvictionWindow(Case):
    name = "healthy-eviction-window"
    summary = (
        "every door accepts a deleted key for 0.5 s after its delete (legacy's async eviction, "
        "within the 2 s bound)"
    )

    def handle(self, req: Request, px: Proxy) -> Reply:
        door = relay_key(req)
        reply = px.forward(req)
        if door is not None and reply.status == 401:
            at = px.world.deleted.get(px.world.token_of_key(door[1]) or -1)
            live = px.world.relay_ok.get((door[0], req.target.split("?")[0]))
            if at is not None and time.monotonic() - at < 0.5 and live is not None:
                px.count("key alive in window")
                return live
        return reply


@case
class ProxyPages(Case):
    name = "healthy-503-pages"
    summary = "a load balancer answers 4 % of requests with its own 502/503 HTML page, unsent"

    def handle(self, req: Request, px: Proxy) -> Reply:
        if px.random.random() < 0.04:
            px.count("503 page")
            status = px.random.choice((502, 503))
            page = f"<html><body><h1>{status} Bad Gateway</h1>nginx</body></html>".encode()
            return Reply(status, (("Content-Type", "text/html"), ("Server", "nginx")), page)
        return px.forward(req)


@case
class SlowAnswers(Case):
    name = "healthy-slow"
    summary = "every answer 100-700 ms late (a busy server, within any default limit)"

    def handle(self, req: Request, px: Proxy) -> Reply:
        time.sleep(px.random.uniform(0.1, 0.7))
        return px.forward(req)


@case
class ExtraFields(Case):
    name = "healthy-extra-fields"
    summary = "a gateway adds headers, and a request_id to every JSON body; pretty-printed, keys reordered"

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        body = reply.json()
        request_id = f"{px.random.getrandbits(64):x}"
        extra = (("Via", "1.1 nginx"), ("X-Request-Id", request_id), ("Server", "nginx"))
        if isinstance(body, dict):
            body = {"request_id": f"{px.random.getrandbits(32):x}", **dict(reversed(list(body.items())))}
            text = json.dumps(body, ensure_ascii=False, indent=2).encode()
            kept = tuple((k, v) for k, v in reply.headers if k.lower() != "content-type")
            return Reply(reply.status, (*kept, *extra, ("Content-Type", "application/json")), text)
        return replace(reply, headers=(*reply.headers, *extra))


@case
class Throttled(Case):
    name = "healthy-429s"
    summary = "a gateway answers 429 (empty body, Retry-After: 1) to 6 % of /api requests, unsent"

    def handle(self, req: Request, px: Proxy) -> Reply:
        if req.path.startswith("/api/") and px.random.random() < 0.06:
            px.count("429")
            return Reply(429, (("Retry-After", "1"),), b"")
        return px.forward(req)


@case
class Drops(Case):
    name = "healthy-drops"
    summary = "3 % of requests lose their connection before the server; 2 % of GETs lose the answer"

    def handle(self, req: Request, px: Proxy) -> Reply:
        if px.random.random() < 0.03:
            px.count("dropped before")
            return DROP
        reply = px.forward(req)
        if req.method == "GET" and px.random.random() < 0.02:
            px.count("dropped after")
            return DROP
        return reply


@case
class Gzipped(Case):
    name = "healthy-gzip"
    summary = "a gateway gzips every answer the client accepts gzip for, and adds a static item field"

    def handle(self, req: Request, px: Proxy) -> Reply:
        reply = px.forward(req)
        found = list_items(reply)
        if found is not None and reply.success is True:
            reply = with_items(reply, [dict(i, remark="") for i in found])
        if "gzip" in (req.header("Accept-Encoding") or "") and reply.body:
            headers = (*reply.headers, ("Content-Encoding", "gzip"))
            return Reply(reply.status, headers, gzip.compress(reply.body))
        return reply


# -- one case end to end -------------------------------------------------------------------


@dataclass
class Outcome:
    case: str
    exit_code: int
    failed: list[str]
    root_causes: list[str]
    unverified: list[str]
    injected: dict[str, int]
    proxy_errors: list[str]
    report_dir: Path
    seconds: float
    summary: dict[str, Any] = field(repr=False)

    @property
    def caught(self) -> bool:
        expect = CASES[self.case].expect
        if not expect:
            return self.exit_code in (0, 3)
        return self.exit_code == 1 and bool(expect & set(self.failed))


def suite_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWAPI_") and k != "PYTEST_BASE_URL"}
    return {**env, "NEWAPI_ROOT_USERNAME": "root", "NEWAPI_ROOT_PASSWORD": ROOT_PASSWORD}


def run_case(
    name: str,
    report_dir: Path,
    *,
    extra: tuple[str, ...] = (),
    timeout: float = 900,
    start_server: Callable[[str], Any] | None = None,
) -> Outcome:
    """Start a fresh healthy reference server, the proxy in front with case `name`, and run
    the suite through the proxy (a subprocess, as a user would)."""
    if start_server is None:
        from newapi_contract.refserver.server import ServerConfig, start  # the server under test

        def start_server(generation: str) -> Any:
            return start(ServerConfig(generation=generation))

    spec = CASES[name]()
    began = time.monotonic()
    with start_server(spec.generation) as server:
        proxy = Proxy(server.base_url, spec)
        with proxy.running() as url:
            command = [
                sys.executable,
                "-m",
                "newapi_contract.cli",
                "run",
                "--base-url",
                url,
                "--report-dir",
                str(report_dir),
                *extra,
            ]
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, env=suite_env(), check=False
            )
    summary_file = report_dir / "summary.json"
    summary = json.loads(summary_file.read_text(encoding="utf-8")) if summary_file.exists() else {}
    clauses = summary.get("clauses", {})
    (report_dir / "output.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    return Outcome(
        name,
        done.returncode,
        sorted(c for c, row in clauses.items() if row.get("verdict") == "failed"),
        sorted(_root_ids(summary)),
        sorted(c for c, row in clauses.items() if row.get("verdict") == "unverified"),
        dict(proxy.injected),
        list(proxy.errors),
        report_dir,
        time.monotonic() - began,
        summary,
    )


def _root_ids(summary: dict[str, Any]) -> list[str]:
    roots = summary.get("root_causes") or []
    out = []
    for root in roots:
        if isinstance(root, str):
            out.append(root)
        elif isinstance(root, dict):
            out.append(str(root.get("clause") or root.get("id")))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", nargs="*", help="case names (default: all)")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--report-root", default=None, help="where each case's reports go")
    parser.add_argument("--json", default=None, help="append each outcome as a JSON line here")
    args, extra = parser.parse_known_args(argv)
    if args.list:
        for cls in CASES.values():
            print(f"{cls.name:<28} {', '.join(sorted(cls.expect)) or 'healthy':<36} {cls.summary}")
        return 0
    root = Path(args.report_root or tempfile.mkdtemp(prefix="unseen-"))
    bad = 0
    for name in args.case or list(CASES):
        outcome = run_case(name, root / name, extra=tuple(extra))
        verdict = "caught" if outcome.caught else "MISSED"
        bad += not outcome.caught
        print(
            f"{name:<28} exit {outcome.exit_code}  {verdict:<7} expect {sorted(CASES[name].expect)} "
            f"failed {outcome.failed} roots {outcome.root_causes} unverified {outcome.unverified} "
            f"injected {outcome.injected} {outcome.seconds:.0f}s"
            + (f" proxy errors {outcome.proxy_errors[:3]}" if outcome.proxy_errors else ""),
            flush=True,
        )
        if args.json:
            row = {k: v for k, v in outcome.__dict__.items() if k not in ("summary", "report_dir")} | {
                "report_dir": str(outcome.report_dir),
                "caught": outcome.caught,
            }
            with open(args.json, "a", encoding="utf-8") as out:
                out.write(json.dumps(row) + "\n")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
