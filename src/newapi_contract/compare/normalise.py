"""Answers made comparable: what differs between two healthy servers by nature becomes a
placeholder, and the rest becomes a flat map `where -> value`.

Shared by the release check (`compare`) and the developers' differential check against real
upstream (`tools/upstream`). An answer becomes a tree: `status`, the headers that matter
(`COMPARED_HEADERS`), and the JSON body (or its text). Replaced by placeholders: times (`*_time`,
`*_at`), request ids, the version, session ids (UUIDs), cookie values and expiry dates, and
every secret or id a caller captured (each side's own value becomes `<name>`); keys, masked
keys and JWTs nobody captured become `<key>`, `<masked-key>`, `<jwt>`. `flat` then names every
leaf: `status`, `header:<name>`, `body` or `body.<path>` (`body.data.items[0].name`).

`comparable` adds what the release check needs on top: each step makes its own tokens, so
their ids, names and keys, and the users' ids, become the names the scenario gives them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ABSENT",
    "COMPARED_HEADERS",
    "PRESENCE_ONLY",
    "ROAD_HEADERS",
    "Wire",
    "comparable",
    "flat",
    "flatten",
    "normalise",
]

ABSENT = "<absent>"
# Headers whose value is compared (after normalising); the rest are ignored.
COMPARED_HEADERS = (
    "content-type",
    "content-encoding",
    "location",
    "retry-after",
    "cache-control",
    "cache-version",
    "auth-version",
    "set-cookie",
    "x-oneapi-request-id",
    "x-new-api-version",
)
# Headers whose value differs by nature: only their presence is compared.
PRESENCE_ONLY = ("x-oneapi-request-id", "x-new-api-version")
_KEY = re.compile(r"^[0-9A-Za-z]{48}$")
_MASKED_KEY = re.compile(r"^[0-9A-Za-z]{4}\*{10}[0-9A-Za-z]{4}$")
_JWT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
_REQUEST_ID = re.compile(r"\(request id: [^)]*\)")
_TIME_FIELD = re.compile(r"(^|_)(time|at)$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_ID_FIELDS = ("id", "user_id")
_COOKIE_DROPPED = ("expires",)  # a date: differs by nature


@dataclass(frozen=True)
class Wire:
    """What a server answered, as it came (headers lower-case keyed, first value each)."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def _placeholder_for(value: str, secrets: Mapping[str, str]) -> str | None:
    for name, secret in secrets.items():
        if secret and value == secret:
            return f"<{name}>"
    return None


def _normalise_value(key: str | None, value: Any, captures: Mapping[str, Any]) -> Any:
    secrets = {k: v for k, v in captures.items() if isinstance(v, str)}
    ids = {v: k for k, v in captures.items() if k.endswith("_id") and isinstance(v, int)}
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            shown = f"<{ids[int(k)]}>" if k.isdigit() and int(k) in ids else k
            out[shown] = _normalise_value(k, v, captures)
        return out
    if isinstance(value, list):
        return [_normalise_value(key, item, captures) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if key in _ID_FIELDS and value in ids:
            return f"<{ids[value]}>"
        if key is not None and _TIME_FIELD.search(key) and value > 1_000_000_000:
            return "<time>"
        return value
    if isinstance(value, str):
        if key == "version":
            return "<version>"
        named = _placeholder_for(value, secrets) or _placeholder_for(value.removeprefix("sk-"), secrets)
        if named:
            return named
        if _KEY.match(value):
            return "<key>"
        if _MASKED_KEY.match(value):
            return "<masked-key>"
        if _JWT.match(value):
            return "<jwt>"
        if _UUID.match(value):
            return "<uuid>"
        return _REQUEST_ID.sub("(request id: <rid>)", value)
    return value


def _cookie(value: str) -> str:
    """`name=<value>; attr; attr` with attribute names lower-cased, sorted, dates dropped, and
    a long Max-Age to the minute: upstream computes it from the expiry at the moment of the
    answer (current's service/auth_session.go), so a second more or less is the clock, not a change."""
    parts = [p.strip() for p in value.split(";") if p.strip()]
    name = parts[0].split("=", 1)[0] if parts else ""
    attrs = []
    for part in parts[1:]:
        attr, _, attr_value = part.partition("=")
        if attr.strip().lower() == "max-age" and attr_value.strip().isdigit() and int(attr_value) >= 60:
            attr_value = str(round(int(attr_value) / 60) * 60)
        if attr.strip().lower() not in _COOKIE_DROPPED:
            attrs.append(
                f"{attr.strip().lower()}={attr_value.strip()}" if attr_value else attr.strip().lower()
            )
    return "; ".join([f"{name}=<value>", *sorted(attrs)])


def normalise(answer: Wire, captures: Mapping[str, Any]) -> dict[str, Any]:
    """The answer as a comparable tree: status, the headers that matter, the body."""
    headers: dict[str, Any] = {}
    for name in COMPARED_HEADERS:
        if name not in answer.headers:
            continue
        value = answer.headers[name]
        if name in PRESENCE_ONLY:
            headers[name] = "<present>"
        elif name == "set-cookie":
            headers[name] = _cookie(value)
        else:
            headers[name] = value
    text = answer.body.decode("utf-8", "replace")
    body: Any
    try:
        body = _normalise_value(None, json.loads(text), captures) if text else ""
    except ValueError:
        body = _normalise_value(None, text, captures)
    return {"status": answer.status, "headers": headers, "body": body}


def flatten(tree: Any, prefix: str) -> dict[str, Any]:
    """`{"a": {"b": [1]}}` -> `{"<prefix>.a.b[0]": 1}`; empty containers stay as leaves."""
    if isinstance(tree, dict) and tree:
        out: dict[str, Any] = {}
        for key, value in tree.items():
            out.update(flatten(value, f"{prefix}.{key}"))
        return out
    if isinstance(tree, list) and tree:
        out = {}
        for index, value in enumerate(tree):
            out.update(flatten(value, f"{prefix}[{index}]"))
        return out
    return {prefix: tree}


def flat(normalised: Mapping[str, Any]) -> dict[str, Any]:
    """A normalised answer's leaves: `status`, `header:<name>`, `body...`."""
    out = {"status": normalised["status"]}
    out.update({f"header:{k}": v for k, v in normalised["headers"].items()})
    out.update(flatten(normalised["body"], "body"))
    return out


def _named(
    value: Any, token_ids: Mapping[int, str], user_ids: Mapping[int, str], texts: Mapping[str, str]
) -> Any:
    """`id` fields naming a token of the step and `user_id` fields naming a test user
    replaced by the name (`<t>`, `<owner>`), and the tokens' names and keys wherever they
    appear in a string (`<t.name>`, `<t.key>`): ids and keys differ between servers, names
    do not."""
    if isinstance(value, str):
        for text, shown in texts.items():
            value = value.replace(text, shown)
        return value
    if isinstance(value, list):
        return [_named(v, token_ids, user_ids, texts) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "id" and isinstance(item, int) and item in token_ids:
            out[key] = f"<{token_ids[item]}>"
        elif key == "user_id" and isinstance(item, int) and item in user_ids:
            out[key] = f"<{user_ids[item]}>"
        else:
            out[key] = _named(item, token_ids, user_ids, texts)
    return out


def _focus_list(body: Any, token_ids: Mapping[int, str]) -> Any:
    """A list or search answer holds every live token of the user (other steps' too, which
    differ from run to run): only the step's own tokens are kept, and the total is a count
    of the user's tokens, not of the step's."""
    data = body.get("data") if isinstance(body, dict) else None
    if not (isinstance(data, dict) and isinstance(data.get("items"), list)):
        return body
    kept = [i for i in data["items"] if isinstance(i, dict) and i.get("id") in token_ids]
    focused = {**data, "items": kept}
    if "total" in focused:
        focused["total"] = "<total>"
    return {**body, "data": focused}


# How the answer travelled, not what the server answered: a CDN or proxy in front of one
# server compresses otherwise than the other's, and no client reads it (httpx decodes it).
ROAD_HEADERS = ("content-encoding",)


def _model_lists(body: Any) -> Any:
    """A relay's model list is its channels' configuration, which differs between any two
    servers: the lists (and the ids naming their ends) become placeholders."""
    if not isinstance(body, dict):
        return body
    out = dict(body)
    for key, value in body.items():
        if isinstance(value, list):
            out[key] = "<model list>"
        elif key in ("first_id", "last_id"):
            out[key] = "<model>"
    return out


def comparable(
    status: int,
    headers: Mapping[str, str],
    text: str,
    tokens: Mapping[str, Any],
    users: Mapping[str, int],
    *,
    relay: bool = False,
) -> dict[str, Any]:
    """One answer of a release-check step as a normalised tree: the step's token ids and
    the users' ids become their names, its tokens' names and keys `<t.name>`, `<t.key>`,
    list answers are cut to the step's tokens, Location names the token, a relay's model
    list is a placeholder (`relay`); then `normalise`. `tokens` maps step names to objects
    with `id`, `name` and `key` (None if not revealed)."""
    token_ids = {t.id: name for name, t in tokens.items()}
    user_ids = {user_id: name for name, user_id in users.items()}
    shown = {k.lower(): v for k, v in headers.items() if k.lower() not in ROAD_HEADERS}
    location = shown.get("location")
    if location:

        def named(found: re.Match[str]) -> str:
            token_id = int(found.group(2))
            return found.group(1) + (f"<{token_ids[token_id]}>" if token_id in token_ids else found.group(2))

        shown["location"] = re.sub(r"(/api/token/)(\d+)", named, location)
    texts: dict[str, str] = {}
    for name, token in tokens.items():
        if getattr(token, "key", None):
            texts[token.key] = f"<{name}.key>"
        if token.name:
            texts[token.name] = f"<{name}.name>"
    # Longest first: a name that contains another is replaced whole.
    texts = dict(sorted(texts.items(), key=lambda item: -len(item[0])))
    try:
        decoded = json.loads(text) if text else None
    except ValueError:
        decoded = None
    if decoded is None:
        body = str(_named(text, token_ids, user_ids, texts)).encode("utf-8")
    else:
        decoded = _model_lists(decoded) if relay else _focus_list(decoded, token_ids)
        decoded = _named(decoded, token_ids, user_ids, texts)
        body = json.dumps(decoded, ensure_ascii=False).encode("utf-8")
    return normalise(Wire(status, shown, body), {})
