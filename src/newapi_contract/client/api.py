"""Typed helpers over new-api's token API, as the suite uses it.

Every helper returns the server's answer as it came (`Answer`); judging it is the tests'
job. Path segments are sent as given (`+5`, `%2B5`, `1e3`, `٣`): httpx keeps `+` and
existing escapes, percent-encodes non-ASCII as UTF-8 and spaces as `%20`, all of which the
server decodes back to the given text. Only `?` and `#` are escaped (they would end the
path), and a `.` or `..` segment, which httpx would remove (RFC 3986), is sent as `%2E`s.
"""

from __future__ import annotations

import json as jsonlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from newapi_contract.client.ids import token_id_acted_on
from newapi_contract.client.listing import Listing, read_all
from newapi_contract.client.redaction import REDACTOR, Redactor
from newapi_contract.errors import FeatureAbsent, TargetError

__all__ = [
    "ANTHROPIC_VERSION",
    "OPTIONAL_ROUTES",
    "Answer",
    "Credentials",
    "NewApi",
    "create_body",
    "token_path",
]

# Routes some releases lack (reference §10: a late-2024 release has none of them; batch delete
# came in 2025-06, key reveal in 2026-03, batch keys in 2026-04). A request to one that answers
# the router's 404 raises FeatureAbsent: the clause that needs it is not applicable.
OPTIONAL_ROUTES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("POST", re.compile(r"/api/token/batch"), "batch delete"),
    ("POST", re.compile(r"/api/token/batch/keys"), "batch key reveal"),
    ("POST", re.compile(r"/api/token/[^/]+/key"), "key reveal"),
    ("GET", re.compile(r"/api/token/search"), "token search"),
)

# Spellings of a relay key in `Authorization` (middleware/auth.go TokenAuth strips one
# `Bearer ` or `bearer `, then one `sk-`).
_RELAY_FORMS = {
    "bearer-sk": "Bearer sk-",
    "bearer": "Bearer ",
    "lower-bearer-sk": "bearer sk-",
    "lower-bearer": "bearer ",
    "raw": "",
    "raw-sk": "sk-",
}
ANTHROPIC_VERSION = "2023-06-01"
_GEMINI_PATHS = ("/v1beta/models", "/v1beta/openai/models", "/v1/models")


@dataclass(frozen=True)
class Credentials:
    """A user's access token and id: the header set that works on both generations."""

    user_id: int
    access_token: str = field(repr=False)  # pytest prints fixture values in tracebacks

    def headers(self, form: str = "bearer") -> dict[str, str]:
        """`Authorization` as `Bearer <token>` ("bearer") or the bare token ("raw"),
        plus `New-Api-User` (required by legacy, ignored by current)."""
        if form not in ("bearer", "raw"):
            raise ValueError(f"credential form must be 'bearer' or 'raw', not {form!r}")
        value = f"Bearer {self.access_token}" if form == "bearer" else self.access_token
        return {"Authorization": value, "New-Api-User": str(self.user_id)}


@dataclass(frozen=True)
class Answer:
    """One answer: status, headers, body text, and the body as JSON (None if not JSON)."""

    status: int
    headers: httpx.Headers
    text: str
    json: Any | None

    def _field(self, name: str) -> Any:
        return self.json.get(name) if isinstance(self.json, dict) else None

    @property
    def success(self) -> Any:
        """The raw `success` field (a contract test checks it is a boolean), None if absent."""
        return self._field("success")

    @property
    def message(self) -> Any:
        return self._field("message")

    @property
    def data(self) -> Any:
        return self._field("data")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def route_missing(self) -> bool:
        """The router's answer to a path it has no route for: HTTP 404 with the relay-style
        `{"error": {"message": "Invalid URL (...)"}}` body (reference §1)."""
        error = self._field("error")
        message = error.get("message") if isinstance(error, dict) else None
        return self.status == 404 and isinstance(message, str) and message.startswith("Invalid URL")


def create_body(name: str, **fields: Any) -> dict[str, Any]:
    """The body `NewApi.create_token` sends: unlimited quota, never expiring, unless `fields`
    say otherwise (the run's model keeps it as what the token was made with)."""
    return {"name": name, "unlimited_quota": True, "expired_time": -1, **fields}


def token_path(segment: int | str, suffix: str = "") -> str:
    """`/api/token/<segment><suffix>` with the segment sent as given (see module doc)."""
    text = str(segment)
    if text in (".", ".."):
        text = text.replace(".", "%2E")
    return "/api/token/" + text.replace("?", "%3F").replace("#", "%23") + suffix


class NewApi:
    """new-api's token API over a (guarded) httpx client, as user `creds`."""

    def __init__(
        self,
        client: httpx.Client,
        creds: Credentials | None,
        *,
        redactor: Redactor = REDACTOR,
        on_deleted: Callable[[list[int], int], None] | None = None,
        on_route: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.client = client
        self.creds = creds
        self._redactor = redactor
        # Told (ids asked, number deleted) of every delete and batch delete answered success.
        self._on_deleted = on_deleted
        # Told (feature, whether the route exists) of every request to an OPTIONAL_ROUTES route.
        self._on_route = on_route
        if creds is not None:
            redactor.add_secret(creds.access_token)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str | None] | None = None,
        auth: bool = True,
    ) -> Answer:
        """Send one request. `headers` replace the defaults of the same name (a None value
        drops that header); `auth=False` sends no credentials."""
        sent = httpx.Headers(self.creds.headers() if auth and self.creds else {})
        for name, value in (headers or {}).items():
            sent.pop(name, None)
            if value is not None:
                sent[name] = value
        response = self.client.request(method, path, json=json, params=params, headers=sent)
        try:
            decoded = jsonlib.loads(response.text)
        except ValueError:
            decoded = None
        answer = Answer(response.status_code, response.headers, response.text, decoded)
        for route_method, pattern, feature in OPTIONAL_ROUTES:
            if method == route_method and pattern.fullmatch(path):
                if self._on_route is not None:
                    self._on_route(feature, not answer.route_missing)
                if answer.route_missing:
                    raise FeatureAbsent(
                        feature, f"this release has no {feature} ({method} {path} answered the router's 404)"
                    )
                break
        return answer

    def create_token(self, name: str, **fields: Any) -> Answer:
        """Create a token (unlimited quota, never expiring, unless `fields` say otherwise).
        Upstream answers no id: find it by its unique name in `list_tokens()` (newest first)."""
        return self.call("POST", "/api/token/", json=create_body(name, **fields))

    def list_tokens(self, page: int | None = None, page_size: int = 100) -> Answer:
        """Newest first. Without `page` no `p` is sent, so that a build counting pages from 0
        (releases before 2025-06, one-api) answers the newest tokens too. The page size is sent
        as `page_size` and as `size` (releases before 2025-07-14, 38c5e0e9, read only `size`, ref §10)."""
        params: dict[str, int] = {} if page is None else {"p": page}
        params.update(page_size=page_size, size=page_size)
        return self.call("GET", "/api/token/", params=params)

    def list_all(self) -> Listing:
        """Every page of the caller's tokens (see `client.listing`)."""
        return read_all(lambda page: self.list_tokens(page=page))

    def search_all(self, keyword: str) -> Listing:
        """Every page of a search (`keyword` matches names; a `%` makes it a pattern)."""

        def page(number: int | None) -> Answer:
            params: dict[str, Any] = {"keyword": keyword, "page_size": 100, "size": 100}
            if number is not None:
                params["p"] = number
            return self.call("GET", "/api/token/search", params=params)

        return read_all(page)

    def get_token(self, token_id: int | str) -> Answer:
        return self.call("GET", token_path(token_id))

    def search_tokens(self, keyword: str) -> Answer:
        return self.call("GET", "/api/token/search", params={"keyword": keyword})

    def delete_token(
        self,
        token_id: int | str,
        *,
        headers: Mapping[str, str | None] | None = None,
        auth: bool = True,
    ) -> Answer:
        answer = self.call("DELETE", token_path(token_id), headers=headers, auth=auth)
        if answer.success is True and self._on_deleted is not None:
            self._on_deleted([token_id_acted_on(str(token_id))], 1)
        return answer

    def batch_delete(self, ids: list[int]) -> Answer:
        answer = self.call("POST", "/api/token/batch", json={"ids": ids})
        if answer.success is True and self._on_deleted is not None and isinstance(answer.data, int):
            self._on_deleted(ids, answer.data)
        return answer

    def reveal_key(self, token_id: int) -> str:
        """The full key of an own token (48 characters, no `sk-`), registered as a secret."""
        answer = self.call("POST", token_path(token_id, "/key"))
        key = answer.data.get("key") if isinstance(answer.data, dict) else None
        if answer.success is not True or not isinstance(key, str):
            raise TargetError(
                f"revealing the key of token {token_id} failed: "
                f"HTTP {answer.status}, {self._redactor.text(answer.text)[:200]}"
            )
        self._redactor.add_secret(key)
        return key

    def reveal_keys(self, token_ids: list[int]) -> dict[int, str]:
        """The full keys of own tokens in one `POST /api/token/batch/keys` (at most 100 ids;
        one request against the critical limit for all), each registered as a secret. Ids the
        answer leaves out are absent; {} when the server refuses or has no such route."""
        try:
            answer = self.call("POST", "/api/token/batch/keys", json={"ids": token_ids})
        except FeatureAbsent:  # before 2026-04 (reference §10): the caller reveals them one by one
            return {}
        keys = answer.data.get("keys") if isinstance(answer.data, dict) else None
        if answer.success is not True or not isinstance(keys, dict):
            return {}
        found = {}
        for token_id, key in keys.items():
            if isinstance(key, str) and key and str(token_id).isdigit() and int(token_id) in token_ids:
                self._redactor.add_secret(key)
                found[int(token_id)] = key
        return found

    # -- the relay's doors (reference §4): each reads the key from another place -----------
    # Only model lists and lookups are used: they read nothing and cost nothing upstream.

    def relay_models(self, key: str | None, form: str = "bearer-sk") -> Answer:
        """`GET /v1/models` with relay key `key` (None: no key at all) in `Authorization`,
        spelled as `form`: "bearer-sk" (`Bearer sk-<key>`), "bearer" (`Bearer <key>`),
        "lower-bearer-sk", "lower-bearer", "raw" (`<key>`) or "raw-sk" (`sk-<key>`)."""
        if form not in _RELAY_FORMS:
            raise ValueError(f"relay key form must be one of {sorted(_RELAY_FORMS)}, not {form!r}")
        headers = {} if key is None else {"Authorization": _RELAY_FORMS[form] + key}
        return self._relay("/v1/models", headers)

    def relay_channel_pin(self, key: str, channel: str = "1") -> Answer:
        """`Authorization: Bearer sk-<key>-<channel>`: the key is cut at its first `-`, the
        rest pins a channel (refused with 403 to a common user's valid key)."""
        return self._relay("/v1/models", {"Authorization": f"Bearer sk-{key}-{channel}"})

    def relay_anthropic(self, key: str, *, version: bool = False, model: str | None = None) -> Answer:
        """`x-api-key: sk-<key>` (Anthropic style) on `/v1/models` or `/v1/models/<model>`;
        with `version`, also `anthropic-version` (answers in Anthropic's shape)."""
        headers = {"x-api-key": f"sk-{key}"}
        if version:
            headers["anthropic-version"] = ANTHROPIC_VERSION
        return self._relay("/v1/models" + (f"/{model}" if model else ""), headers)

    def relay_gemini(self, key: str, *, via: str = "query", path: str = "/v1beta/models") -> Answer:
        """Gemini style: the key as `?key=` (`via="query"`) or `x-goog-api-key` ("header"),
        on `path` (`/v1beta/models`, `/v1beta/openai/models`, `/v1/models[/<model>]`)."""
        if via not in ("query", "header") or not path.startswith(_GEMINI_PATHS):
            raise ValueError(f"Gemini door: via must be query or header, path one of {_GEMINI_PATHS}")
        if via == "query":
            return self._relay(path, {}, params={"key": key})
        return self._relay(path, {"x-goog-api-key": key})

    def relay_websocket(self, key: str) -> Answer:
        """`Sec-WebSocket-Protocol: realtime, openai-insecure-api-key.sk-<key>, ...` (as OpenAI's
        browser SDK sends it) on `GET /v1/models`: the header replaces `Authorization`."""
        protocol = f"realtime, openai-insecure-api-key.sk-{key}, openai-beta.realtime-v1"
        return self._relay("/v1/models", {"Sec-WebSocket-Protocol": protocol})

    def relay_midjourney(self, key: str, *, proxy_marker: bool = False) -> Answer:
        """`mj-api-secret: <key>`, read when `Authorization` is empty or (`proxy_marker`)
        the literal `midjourney-proxy`."""
        headers = {"mj-api-secret": key}
        if proxy_marker:
            headers = {"Authorization": "midjourney-proxy", "mj-api-secret": f"sk-{key}"}
        return self._relay("/v1/models", headers)

    def _relay(
        self, path: str, headers: Mapping[str, str], params: Mapping[str, str] | None = None
    ) -> Answer:
        return self.call("GET", path, headers=headers, params=params, auth=False)

    def self_info(self) -> Answer:
        return self.call("GET", "/api/user/self")
