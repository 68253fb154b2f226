"""Where a repair made on the assembled document is, told in the source's terms.

Repairs made once the document is assembled (a null text, a part OpenAPI rejects, a
default its schema rejects) know the place in the converted document. Inside an
operation read from an OpenAPI document (an export, a Markdown block or export), the
operation's `x-source` says where it was in the source, and the rest of the pointer
is the same there: the finding names the source place. Elsewhere (native projects
keep another structure) it names the converted place, saying so, and the API it belongs to.
"""

from __future__ import annotations

from typing import Any

__all__ = ["place"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SAME_POINTERS = ("apifox-openapi", "apifox-markdown", "apifox-markdown-export")


def place(doc: dict[str, Any], pointer: str, source: str) -> str:
    """`source: pointer` of what `pointer` (in `doc`) is in the source."""
    parts = pointer.split("/")[1:]
    if len(parts) >= 3 and parts[0] == "paths" and parts[2] in _METHODS:
        path = parts[1].replace("~1", "/").replace("~0", "~")
        operation = (doc.get("paths") or {}).get(path, {}).get(parts[2])
        origin = operation.get("x-source") if isinstance(operation, dict) else None
        fmt = (doc.get("x-source") or {}).get("format")
        if isinstance(origin, dict) and isinstance(origin.get("pointer"), str) and fmt in _SAME_POINTERS:
            label = f"{source}:{origin['line']}" if origin.get("line") else source
            rest = "".join(f"/{p}" for p in parts[3:])
            return f"{label}: {origin['pointer']}{rest}"
        if isinstance(origin, dict) and isinstance(origin.get("pointer"), str):
            # A native API: its parts are elsewhere in the source; say which API it is.
            return f"{source}: {pointer} (as converted, of the API at {origin['pointer']})"
    return f"{source}: {pointer} (as converted)"
