"""Component names OpenAPI rejects, renamed instead of costing the whole document.

OpenAPI allows component keys of `^[a-zA-Z0-9._-]+$` only; Apifox users name
schemas, responses and security schemes in Chinese (`记录不存在`) or with spaces
(`400 Bad Request`). Each such key gets a valid, unique name, every `$ref` to it
(and every security requirement naming it) is rewritten, and the original name
stays in the component: as `title` for a schema that has none, else as
`x-apifox-original-name`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from newapi_contract.apifox.model import FindingLog

__all__ = ["ORIGINAL_NAME", "VALID_NAME", "rename_invalid_components", "valid_name"]

VALID_NAME = re.compile(r"[A-Za-z0-9._-]+")
ORIGINAL_NAME = "x-apifox-original-name"
_INVALID_RUN = re.compile(r"[^A-Za-z0-9._-]+")
# The prefix of a name made for a key with no usable character (`记录不存在`).
_PREFIX = {
    "schemas": "Schema",
    "responses": "Response",
    "parameters": "Parameter",
    "examples": "Example",
    "requestBodies": "RequestBody",
    "headers": "Header",
    "securitySchemes": "SecurityScheme",
    "links": "Link",
    "callbacks": "Callback",
    "pathItems": "PathItem",
}

Where = Callable[..., str]


def valid_name(name: str, taken: set[str], kind: str = "") -> str:
    """A component name OpenAPI accepts, stable for `name` and not in `taken`.

    Runs of other characters become `_`; when that loses characters outside ASCII, a
    short hash of the original keeps two Chinese names apart (`JWT令牌` vs `JWT密钥`).
    """
    base = _INVALID_RUN.sub("_", name).strip("_")
    lost_text = any(ord(c) > 127 for c in name)
    digest = hashlib.sha1(name.encode("utf-8")).hexdigest()[:8]
    if not re.search(r"[A-Za-z0-9]", base):
        base = f"{_PREFIX.get(kind, 'Component')}-{digest}"
    elif lost_text:
        base = f"{base}-{digest}"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def rename_invalid_components(data: dict[str, Any], where: Where, log: FindingLog) -> None:
    """Rename, in place, each component of an OpenAPI document whose key OpenAPI rejects."""
    components = data.get("components")
    if not isinstance(components, dict):
        return
    renamed: dict[str, dict[str, str]] = {}  # kind -> old -> new
    for kind, entries in components.items():
        if not isinstance(entries, dict) or all(VALID_NAME.fullmatch(str(k)) for k in entries):
            continue
        taken = {str(k) for k in entries if VALID_NAME.fullmatch(str(k))}
        fresh: dict[str, Any] = {}
        for name, value in entries.items():
            key = str(name)
            if VALID_NAME.fullmatch(key):
                fresh[key] = value
                continue
            new = valid_name(key, taken, kind)
            taken.add(new)
            renamed.setdefault(kind, {})[key] = new
            fresh[new] = _with_original_name(kind, value, key)
        components[kind] = fresh
    if not renamed:
        return
    counts = _rewrite_references(data, renamed)
    for kind, names in renamed.items():
        for old, new in names.items():
            kept = "title" if kind == "schemas" else ORIGINAL_NAME
            log.add(
                "component-renamed",
                f"{kind} name {old!r} is not a valid component name: renamed {new!r} (the original "
                f"kept as {kept}; {counts.get((kind, old), 0)} reference(s) rewritten)",
                where("components", kind, old),
            )


def _with_original_name(kind: str, value: Any, name: str) -> Any:
    if not isinstance(value, dict) or "$ref" in value:
        return value
    if kind == "schemas" and "title" not in value:
        return {"title": name, **value}
    return {**value, ORIGINAL_NAME: name}


def _rewrite_references(data: Any, renamed: dict[str, dict[str, str]]) -> dict[tuple[str, str], int]:
    """Rewrite `$ref`s, discriminator mappings, security requirements and combination members."""
    counts: dict[tuple[str, str], int] = {}
    schemes = renamed.get("securitySchemes", {})

    def ref(value: str) -> str:
        match = re.fullmatch(r"#/components/([^/]+)/([^/]+)(/.*)?", value)
        if not match or match[1] not in renamed:
            return value
        name = unquote(match[2]).replace("~1", "/").replace("~0", "~")
        new = renamed[match[1]].get(name)
        if new is None:
            return value
        counts[(match[1], name)] = counts.get((match[1], name), 0) + 1
        return f"#/components/{match[1]}/{new}{match[3] or ''}"

    def requirement_names(requirements: Any) -> Any:
        if not isinstance(requirements, list):
            return requirements
        out = []
        for requirement in requirements:
            if isinstance(requirement, dict):
                requirement = {_count(schemes.get(k), k, counts): v for k, v in requirement.items()}
            out.append(requirement)
        return out

    def walk(node: Any, key: str = "") -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                out[k] = ref(v)
            elif k == "mapping" and key == "discriminator" and isinstance(v, dict):
                out[k] = {m: ref(t) if isinstance(t, str) else t for m, t in v.items()}
            elif k == "security" and schemes and isinstance(v, list):
                out[k] = requirement_names(walk(v))
            elif k == "group" and schemes and isinstance(v, list):  # Apifox combination members
                out[k] = [
                    {**m, "id": _count(schemes.get(str(m.get("id"))), str(m.get("id")), counts)}
                    if isinstance(m, dict) and str(m.get("id")) in schemes
                    else m
                    for m in walk(v)
                ]
            else:
                out[k] = walk(v, k)
        return out

    data.update(walk(data))
    return counts


def _count(new: str | None, old: str, counts: dict[tuple[str, str], int]) -> str:
    if new is None:
        return old
    counts[("securitySchemes", old)] = counts.get(("securitySchemes", old), 0) + 1
    return new
