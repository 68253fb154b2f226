"""Assembly of drafts into one OpenAPI 3.1 document, its validation and its rendering.

The same source always gives the same bytes: dicts keep the source's order, shared
maps are sorted, and `render` fixes the JSON layout.
"""

from __future__ import annotations

import json
import re
from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from newapi_contract.apifox.draft import Components, Draft
from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.operation_rules import apply_operation_rules
from newapi_contract.errors import InputError

__all__ = ["assemble", "clean_servers", "one_line", "render", "validate"]

OPENAPI_VERSION = "3.1.0"
# scheme://host..., a relative URL, or a templated one ({scheme}://...)
_SERVER_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/\s]+|\{[^}]+\}[^\s]*|/)[^\s]*$")


def clean_servers(servers: list[tuple[dict[str, Any], str]], log: FindingLog) -> list[dict[str, Any]]:
    """Keep servers whose `url` is a URL; each comes with where it is in the source."""
    kept = []
    for server, where in servers:
        url = server.get("url")
        if isinstance(url, str) and _SERVER_URL.match(url):
            kept.append(server)
        else:
            log.add("malformed-server-dropped", f"server URL {url!r} is not a URL: dropped", where)
    return kept


def assemble(
    *,
    source: str,
    info: dict[str, Any],
    servers: list[dict[str, Any]],
    drafts: list[Draft],
    components: Components,
    log: FindingLog,
    x_source: dict[str, Any],
    security: list[dict[str, list[str]]] | None = None,
) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for draft in drafts:
        apply_operation_rules(draft, components, log)
        draft.security = _defined_only(draft.security, components, draft.where, log)
        item = paths.setdefault(draft.path, {})
        if draft.method in item:
            log.add(
                "duplicate-operation",
                f"{draft.method.upper()} {draft.path} already defined: this one is dropped",
                draft.where,
            )
            continue
        item[draft.method] = draft.operation()
    doc: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info}
    if servers:
        doc["servers"] = servers
    doc["paths"] = paths
    security = _defined_only(security, components, f"{source}: /security", log)
    if security is not None:
        doc["security"] = security
    if components.as_dict():
        doc["components"] = components.as_dict()
    doc["x-source"] = x_source
    validate(doc, source)
    return doc


def _defined_only(
    security: list[dict[str, list[str]]] | None,
    components: Components,
    where: str,
    log: FindingLog,
) -> list[dict[str, list[str]]] | None:
    if security is None:
        return None
    kept = []
    for requirement in security:
        unknown = sorted(n for n in requirement if n not in components.security_schemes)
        for name in unknown:
            log.add("security-undefined-dropped", f"security scheme {name!r} is not defined", where)
        if requirement and len(unknown) == len(requirement):
            continue
        reduced = {n: s for n, s in requirement.items() if n not in unknown}
        if reduced not in kept:
            kept.append(reduced)
    return kept or None


def validate(doc: dict[str, Any], source: str) -> None:
    """Raise InputError unless `doc` is valid OpenAPI 3.1."""
    try:
        error = next(iter(OpenAPIV31SpecValidator(doc).iter_errors()), None)
    except (RecursionError, OpenAPIValidationError, ValueError, TypeError) as exc:
        raise InputError(f"{source}: converts to invalid OpenAPI ({one_line(str(exc))})") from exc
    if error is not None:
        at = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
        raise InputError(f"{source}: converts to invalid OpenAPI at {at}: {one_line(error.message)}")


def one_line(message: str, limit: int = 200) -> str:
    """An error message fit for one line of CLI output."""
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
