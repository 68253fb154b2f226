"""The converter's result types and the catalogue of normalisation rules.

Every change the converter makes to what an Apifox document says is a `Finding`
with a stable rule id from `RULES`, so lint output can be filtered and tested.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["RULES", "Conversion", "Finding", "FindingLog", "Locator"]

# A locator turns a path inside one Apifox object into a `where` string that points
# into the source file (a page section like `参数.header[0]`, or a JSON pointer).
Locator = Callable[..., str]

RULES: dict[str, str] = {
    "path-leading-slash": "a path without a leading slash gets one",
    "path-trailing-slash": "a trailing slash is removed from a path",
    "path-hardcoded-id": "a numeric path segment is a hard-coded id: it becomes an integer {id}",
    "path-parameter-undeclared": "a templated path segment without a declared parameter gets one",
    "path-parameter-unused": "a declared path parameter missing from the path is dropped",
    "body-none-with-schema": "a body of type none has no requestBody, whatever schema it carries",
    "example-schema-mismatch": "an example that does not match its schema (or is not JSON) is dropped",
    "example-json-text-parsed": "an example given as JSON text (often with CRLF) is parsed to JSON",
    "content-type-header": "a Content-Type header parameter is dropped (OpenAPI ignores it)",
    "authorization-header": "an Authorization header becomes the AccessToken security scheme",
    "new-api-user-header": "New-Api-User is a required header: canonical casing, integer string",
    "auth-secret-dropped": "an Apifox auth setting keeps its scheme but loses its credential",
    "combination-security-expanded": "an Apifox `combination` security scheme is expanded",
    "security-undefined-dropped": "a security requirement naming no defined scheme is dropped",
    "dangling-ref-removed": "a $ref to nothing is removed",
    "apifox-refs-expanded": "x-apifox-refs become allOf members",
    "placeholder-property-removed": "an Apifox placeholder property (x-tmp-pending-properties) is removed",
    "apifox-noise-dropped": "Apifox editor fields (x-apifox-orders, mock, ...) are dropped",
    "duplicate-operation": "a second operation with the same method and path is dropped",
    "duplicate-response": "a second response with the same status code is dropped",
    "response-code-invalid": "a response whose status code is not an HTTP status is dropped",
    "parameter-unnamed-dropped": "a parameter without a name is dropped",
    "parameter-disabled-dropped": "a parameter disabled in Apifox is dropped",
    "malformed-server-dropped": "a server whose URL is not a URL is dropped",
    "openapi-version-upgraded": "an OpenAPI 3.0 document is rewritten as 3.1",
}


@dataclass(frozen=True, order=True)
class Finding:
    """One normalisation: which rule, what was done, where in the source."""

    rule: str
    message: str
    where: str

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "message": self.message, "where": self.where}

    def line(self) -> str:
        return f"{self.where}: [{self.rule}] {self.message}"


@dataclass
class Conversion:
    """An OpenAPI 3.1 document and the findings made while producing it."""

    document: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)


class FindingLog:
    """Collects findings while converting; editor noise is counted, not listed one by one."""

    def __init__(self) -> None:
        self._findings: list[Finding] = []
        self._noise: dict[str, tuple[int, str]] = {}

    def add(self, rule: str, message: str, where: str) -> None:
        if rule not in RULES:  # a typo here would make lint output unfilterable
            raise KeyError(f"unknown rule id {rule!r}")
        self._findings.append(Finding(rule, message, where))

    def noise(self, key: str, where: str) -> None:
        count, first = self._noise.get(key, (0, where))
        self._noise[key] = (count + 1, first)

    def findings(self) -> list[Finding]:
        summary = [
            Finding(
                "apifox-noise-dropped",
                f"dropped {count} `{key}` field(s) (first here)",
                first,
            )
            for key, (count, first) in sorted(self._noise.items())
        ]
        return [*self._findings, *summary]
