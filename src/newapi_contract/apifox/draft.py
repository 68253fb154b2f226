"""The format-neutral intermediate form: an OpenAPI operation that remembers its source.

Each input format (endpoint page, native project export, OpenAPI export, Markdown
page) produces `Draft`s; the operation rules and the document assembly work on
drafts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["ACCESS_TOKEN_SCHEME", "AUTHORIZATION_HEADER_SCHEME", "Components", "Draft", "Param"]

ACCESS_TOKEN = "AccessToken"
ACCESS_TOKEN_SCHEME: dict[str, Any] = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": (
        "new-api access token of the user. The header value is `Bearer <access token>` "
        "or the raw access token."
    ),
}
# The same scheme in a document that is not new-api's: it says only what the source says.
AUTHORIZATION_HEADER_SCHEME: dict[str, Any] = {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": (
        "A credential sent in the Authorization header (the source declares it as a header parameter)."
    ),
}
# The Operation Object's fields before parameters and after responses, in output order.
_HEAD = ("summary", "description", "operationId", "tags", "deprecated", "externalDocs")
_TAIL = ("callbacks",)


@dataclass
class Param:
    """An OpenAPI Parameter Object and where in the source it came from."""

    spec: dict[str, Any]
    where: str

    @property
    def name(self) -> str:
        return str(self.spec.get("name", ""))

    @property
    def location(self) -> str:
        return str(self.spec.get("in", ""))


@dataclass
class Draft:
    """One operation on its way to the OpenAPI document."""

    method: str  # lower case
    path: str
    where: str  # the operation in the source
    path_where: str  # the path (or method + path) in the source
    params: list[Param] = field(default_factory=list)
    request_body: dict[str, Any] | None = None
    responses: dict[str, Any] = field(default_factory=dict)
    security: list[dict[str, list[str]]] | None = None  # None: the source states nothing
    security_where: str = ""  # where the source states it (the operation, or what it inherits from)
    servers: list[dict[str, Any]] | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # summary, tags, x-source, ...
    path_fields: dict[str, Any] = field(default_factory=dict)  # of the path item (summary, servers, x-)
    webhook: str | None = None  # the name of the webhook this operation is (then it has no path)

    def operation(self) -> dict[str, Any]:
        op: dict[str, Any] = {k: self.fields[k] for k in _HEAD if k in self.fields}
        if self.params:
            op["parameters"] = [p.spec for p in self.params]
        if self.request_body is not None:
            op["requestBody"] = self.request_body
        op["responses"] = self.responses or {"default": {"description": "Not documented"}}
        op.update({k: self.fields[k] for k in _TAIL if k in self.fields})
        if self.security is not None:
            op["security"] = self.security
        if self.servers:
            op["servers"] = self.servers
        op.update({k: v for k, v in self.fields.items() if k.startswith("x-")})
        return op


@dataclass
class Components:
    """Shared parts of the output document, filled while drafts are made."""

    schemas: dict[str, Any] = field(default_factory=dict)
    security_schemes: dict[str, Any] = field(default_factory=dict)
    others: dict[str, Any] = field(default_factory=dict)  # responses, parameters, ... as given

    def add_scheme(self, name: str, scheme: dict[str, Any]) -> str:
        """Register `scheme` as `name`, or as `name2`... when `name` means something else."""
        candidate, n = name, 2
        while candidate in self.security_schemes and self.security_schemes[candidate] != scheme:
            candidate, n = f"{name}{n}", n + 1
        self.security_schemes[candidate] = scheme
        return candidate

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.others)
        if self.schemas:
            out["schemas"] = self.schemas
        if self.security_schemes:
            out["securitySchemes"] = dict(sorted(self.security_schemes.items()))
        return out
