"""The ownership guard: one policy for every request the suite sends, judged before sending.

A request is admitted only if it goes to the target's origin, its (method, route) is one the
suite uses, and a mutating call can touch nothing but tokens in the ledger. Paths and ids are
judged as the server reads them: gin routes on Go's percent-decoded `URL.Path`, the id goes
through `strconv.Atoi` (see `ids.py`), and JSON bodies are decoded as Go's encoding/json does,
which matches field names case-insensitively. What cannot be proved safe is refused.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import TypeGuard
from urllib.parse import urlsplit

from newapi_contract.client.ids import go_unescape_path, is_harmless, plausible_targets, token_id_acted_on
from newapi_contract.client.ledger import Ledger
from newapi_contract.client.origin import origin_of, prefix_of, register, under_prefix
from newapi_contract.errors import GuardRefusal

__all__ = ["ALLOWED_ROUTES", "Guard"]

# (method, route) pairs the suite may use; `{seg}` is any one segment, `{id}` one judged as
# a token id. A trailing slash is part of a route, as it is for gin.
ALLOWED_ROUTES: dict[str, tuple[str, ...]] = {
    "GET": (
        "/api/status",
        "/api/setup",
        "/api/user/self",
        "/api/user/token",
        "/api/token/",
        "/api/token",  # answers 301: probed, never followed blindly
        "/api/token/search",
        "/api/token/{seg}",  # reading is harmless whatever the segment
        "/api/token/{seg}/",
        # The relay's doors (reference §4): model lists and lookups only.
        "/v1/models",
        "/v1/models/{seg}",
        "/v1beta/models",
        "/v1beta/openai/models",
    ),
    "POST": (
        "/api/setup",
        "/api/user/login",
        "/api/user/register",
        "/api/user/",
        "/api/token/",
        "/api/token/{id}/key",
        "/api/token/batch",
        "/api/token/batch/keys",
    ),
    "PUT": ("/api/token/",),
    # gin answers 307 from `/api/token/5/` to `/api/token/5`, and requests follows 307s by
    # re-sending the DELETE: both hops are judged.
    "DELETE": ("/api/token/{id}", "/api/token/{id}/"),
}


class _Pairs(list[tuple[str, object]]):
    """A JSON object as its key/value pairs in order, duplicates kept."""


def _origin(url: str) -> tuple[str, str, int]:
    return origin_of(url)


class Guard:
    """Admits or refuses each request; keeps what it refused in `refusals`."""

    def __init__(self, ledger: Ledger, origin: str) -> None:
        self._ledger = ledger
        self._origin = _origin(origin)
        # A base URL with a path (https://host/newapi/): the prefix is part of the origin. A
        # request outside it is refused; inside, its path is judged with the prefix removed.
        self._prefix = prefix_of(origin)
        register(origin)
        self._refusals: list[str] = []
        self._lock = threading.Lock()
        self._vouched: set[int] = set()

    def vouch(self, token_id: int) -> None:
        """`token_id` is no token of the caller's (its GET answered `record not found`): an
        off-by-one server that keeps the owner filter could not harm anything by hitting it.
        Lets the clean-up of a release without batch delete (reference §10) delete the run's
        newest token, whose upper neighbour is not the run's."""
        with self._lock:
            self._vouched.add(token_id)

    def _beside_is_safe(self, token_id: int) -> bool:
        with self._lock:
            vouched = token_id in self._vouched
        return vouched or self._ledger.knows(token_id)

    @property
    def refusals(self) -> list[str]:
        with self._lock:
            return list(self._refusals)

    def admit(self, method: str, url: str, body: bytes | None) -> None:
        """Return if the request may be sent; raise GuardRefusal (and remember it) if not."""
        method = method.upper()
        raw_path = urlsplit(url).path or "/"
        if under_prefix(raw_path, self._prefix):
            why = self._judge(method, url, raw_path[len(self._prefix) :] or "/", body)
        else:
            why = f"outside the path prefix {self._prefix}"
        if why is not None:
            message = f"{why}: {method} {raw_path}"
            with self._lock:
                self._refusals.append(message)
            raise GuardRefusal(message)

    def _judge(self, method: str, url: str, raw_path: str, body: bytes | None) -> str | None:
        try:
            if _origin(url) != self._origin:
                return "foreign origin"
        except ValueError:
            return "unparseable URL"
        raw_segments = raw_path.split("/")
        decoded = [_decode(segment) for segment in raw_segments]
        if method != "GET":
            if "//" in raw_path:
                return "empty path segment"
            if None in decoded:
                return "bad percent-escape in path"
            if any(s in (".", "..") or "/" in s for s in decoded if s is not None):
                return "dot segment or encoded slash in path"
        for route in ALLOWED_ROUTES.get(method, ()):
            pattern = route.split("/")
            if _matches(pattern, raw_segments, decoded):
                segment = raw_segments[pattern.index("{id}")] if "{id}" in pattern else ""
                return self._check(method, route, segment, body)
        return "route not allowed"

    def _check(self, method: str, route: str, segment: str, body: bytes | None) -> str | None:
        owns = self._ledger.owns
        if method == "DELETE":
            return self._check_delete(segment)
        if route == "/api/token/{id}/key":
            acted_on = token_id_acted_on(segment)
            return None if owns(acted_on) else f"token {acted_on} is not in the ledger"
        if method == "PUT":
            return _body_ids(body, "id", lambda v: _is_int(v) and owns(v), required=True)
        if route in ("/api/token/batch", "/api/token/batch/keys"):
            return _body_ids(
                body, "ids", lambda v: isinstance(v, list) and all(_is_int(i) and owns(i) for i in v)
            )
        return None

    def _check_delete(self, segment: str) -> str | None:
        """A DELETE may act only on the run's tokens, as a correct server reads its id and as
        a broken one might (every reading in `ids.plausible_targets`, and the ids either side
        of the target, which an off-by-one server hits). No row has an id <= 0 (ids
        autoincrement from 1), and none has MaxInt64, the value an overflowing id clamps to
        (SQLite and MySQL fail the insert first, and new-api ignores `id` on create)."""
        acted_on = token_id_acted_on(segment)
        if not is_harmless(acted_on) and not self._ledger.owns(acted_on):
            return f"token {acted_on} is not in the ledger"
        knows = self._ledger.knows
        risky = {t for t in plausible_targets(segment) if not is_harmless(t) and not knows(t)}
        if risky:
            return f"a server that misreads the id could act on {sorted(risky)}, outside the ledger"
        if not is_harmless(acted_on):
            beside = [
                n for n in (acted_on - 1, acted_on + 1) if not is_harmless(n) and not self._beside_is_safe(n)
            ]
            if beside:
                return f"an off-by-one server would act on {beside}, outside the ledger"
        return None


def _decode(segment: str) -> str | None:
    try:
        return go_unescape_path(segment)
    except ValueError:
        return None


def _matches(pattern: list[str], raw: list[str], decoded: list[str | None]) -> bool:
    if len(pattern) != len(raw):
        return False
    for want, raw_seg, seg in zip(pattern, raw, decoded, strict=True):
        if want in ("{seg}", "{id}"):
            if not raw_seg:
                return False
        elif want != (seg if seg is not None else raw_seg):
            return False
    return True


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _body_ids(
    body: bytes | None, field: str, safe: Callable[[object], bool], *, required: bool = False
) -> str | None:
    """Check every value Go's decoder could assign to `field` (any key that case-folds to it).

    An absent field is harmless unless `required`: the server then has nothing to act on.
    """
    try:
        document = json.loads(body or b"", object_pairs_hook=_Pairs)
    except ValueError:
        return "unparseable JSON body"
    if not isinstance(document, _Pairs):
        return "JSON body is not an object"
    values = [value for key, value in document if key.casefold() == field]
    if required and not values:
        return f"JSON body has no {field!r}"
    if all(safe(value) for value in values):
        return None
    return f"body {field!r} names a token not in the ledger"
