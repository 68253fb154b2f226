"""What a native Apifox/Apidog project holds beside HTTP APIs: named, never dropped in silence.

A project export carries test cases (`apiTestCaseCollection`, `cases` on an API),
mock expectations (`mocks`), docs, socket/WebSocket/gRPC items, quick requests and
editor state. OpenAPI has no place for them: each is named by a finding with its
pointer (a collection with how many items it holds). Project settings that say
nothing about the API (scripts, variables, database connections) are listed in one
finding. Native callbacks (an OpenAPI Callbacks map kept as text) are mapped when
they read as one; otherwise kept as `x-apifox-callbacks` with a finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from newapi_contract.apifox.model import FindingLog, Locator

__all__ = ["callbacks_of", "report_api_extras", "report_unconverted"]

_READ = frozenset(
    (
        "apifoxProject",
        "apidogProject",
        "$schema",
        "info",
        "apiCollection",
        "httpCollection",
        "schemaCollection",
        "dataSchemaCollection",
        "responseCollection",
        "securitySchemeCollection",
        "environments",
        "commonParameters",
        "projectSetting",
    )
)
# Collections of things that are not HTTP APIs (counted by their leaves).
_CONTENT = {
    "apiTestCaseCollection": "test case(s)",
    "testCaseReferences": "test case reference(s)",
    "requestCollection": "quick request(s)",
    "docCollection": "doc page(s)",
    "socketCollection": "socket API(s)",
    "webSocketCollection": "WebSocket API(s)",
    "socketIOCollection": "Socket.IO API(s)",
    "grpcCollection": "gRPC API(s)",
    "graphqlCollection": "GraphQL API(s)",
    "mcpClientCollection": "MCP client(s)",
    "customEndpointCollection": "custom endpoint folder(s)",
    "oasComponentCollection": "OpenAPI component(s)",
    "mockCollection": "mock(s)",
}
# Per API: what it holds that OpenAPI has no place for.
_API_EXTRAS = {"cases": "test case(s)", "mocks": "mock expectation(s)", "mockScript": "mock script"}


def report_unconverted(data: dict[str, Any], log: FindingLog, label: str) -> None:
    """A finding for each non-empty part of a project the converter does not read."""
    settings = []
    for key, value in data.items():
        if key in _READ or value in (None, "", [], {}, False):
            continue
        if key in _CONTENT:
            count = sum(1 for _ in _leaves(value))
            if count:
                log.add(
                    "not-converted",
                    f"{key} holds {count} {_CONTENT[key]}: not HTTP APIs, OpenAPI has no place for them",
                    f"{label}: /{key}",
                )
        else:
            settings.append(key)
    if settings:
        log.add(
            "not-converted",
            f"project settings without a place in OpenAPI are not converted: {', '.join(settings)}",
            f"{label}: /",
        )


def report_api_extras(api: dict[str, Any], loc: Locator, log: FindingLog) -> None:
    """A finding for each test case list, mock list or mock script an API holds."""
    for key, what in _API_EXTRAS.items():
        value = api.get(key)
        if value in (None, "", [], {}):
            continue
        count = f"{len(value)} " if isinstance(value, list) else ""
        log.add(
            "not-converted", f"the API holds {count}{what}: not converted (not part of a contract)", loc(key)
        )


def callbacks_of(api: dict[str, Any]) -> tuple[dict[str, Any] | None, Any]:
    """(the callbacks as an OpenAPI Callbacks map, or None; what the source holds)."""
    raw = api.get("callbacks")
    if raw in (None, "", [], {}):
        return None, None
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            return None, raw
    if isinstance(value, dict) and all(
        isinstance(expressions, dict) and all(isinstance(item, dict) for item in expressions.values())
        for expressions in value.values()
    ):
        return value, raw
    return None, raw


def _leaves(collection: Any) -> Iterator[Any]:
    """The items of a collection, folders (`items`, `children`) walked."""
    for node in collection if isinstance(collection, list) else [collection]:
        if isinstance(node, dict) and any(isinstance(node.get(k), list) for k in ("items", "children")):
            for key in ("items", "children"):
                yield from _leaves(node.get(key) or [])
        elif node not in (None, {}, []):
            yield node
