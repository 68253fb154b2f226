"""The converter's result types and the catalogue of normalisation rules.

Every change the converter makes to what an Apifox document says is a `Finding`
with a stable rule id from `RULES`, so lint output can be filtered and tested. The
converter's promise: nothing the source says is lost or changed without a finding
that names the place and what was done.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newapi_contract.errors import ContractError, Exit, InputError

__all__ = ["RULES", "Conversion", "ConversionRefused", "ConverterFault", "Finding", "FindingLog", "Locator"]

# A locator turns a path inside one Apifox object into a `where` string that points
# into the source file (a page section like `参数.header[0]`, or a JSON pointer).
Locator = Callable[..., str]

RULES: dict[str, str] = {
    # paths
    "path-leading-slash": "a path without a leading slash gets one",
    "path-whitespace-trimmed": "spaces around a native API's path are removed",
    "method-normalised": "an HTTP method written in another case or with spaces ('GET', 'post ') "
    "is read as that method",
    "path-variable-templated": "an Apifox variable `{{id}}` or a `:id` segment in a path becomes the "
    "path parameter `{id}`; a variable the path starts with (the server) is dropped from it",
    "path-absolute-url": "a path given as a whole URL: its origin becomes the operation's server",
    "path-query-moved": "a query string in a path is removed; its parameters are query parameters",
    "path-trailing-slash": "a path holding a hard-coded id (a pasted request URL) loses its trailing slash",
    "path-hardcoded-id": "a numeric path segment is a hard-coded id: it becomes an integer {id}",
    "path-normalisation-skipped": "a path is kept as written where normalising it would merge two operations",
    "path-parameter-undeclared": "a templated path segment without a declared parameter gets one",
    "path-parameter-unused": "a declared path parameter missing from the path is dropped",
    "duplicate-operation": "a second operation with the same method and path is dropped",
    "duplicate-operation-id": "a repeated operationId gets a numbered suffix",
    "operation-invalid-dropped": "an operation that does not convert to valid OpenAPI is dropped",
    "operation-unreadable-dropped": "an operation the converter itself fails on (a bug of the converter: "
    "report it with the document) is dropped; the others are converted",
    "component-invalid-dropped": "a component that does not convert to valid OpenAPI is dropped (or, "
    "for a security scheme, kept as an explicit unknown)",
    # parameters and headers
    "parameter-unnamed-dropped": "a parameter without a name is dropped",
    "parameter-disabled-dropped": "a parameter disabled in Apifox is dropped",
    "duplicate-parameter": "a parameter repeated in one operation (same name and place) is dropped",
    "common-parameter-undefined": "a common parameter the project does not define is declared as a string",
    "content-type-header": "a Content-Type header parameter is dropped (OpenAPI ignores it)",
    "authorization-header": "an Authorization header parameter becomes a security scheme (AccessToken)",
    "new-api-user-header": "New-Api-User is a required header: canonical casing, integer string",
    # security
    "auth-secret-dropped": "an Apifox auth setting keeps its scheme but loses its credential",
    "auth-type-mapped": "an Apifox auth type OpenAPI has no type for becomes the HTTP scheme it sends",
    "auth-type-unknown": "an Apifox auth setting that cannot be read becomes an explicit unknown scheme",
    "combination-security-expanded": "an Apifox `combination` security scheme is expanded into its members",
    "security-undefined-kept": "a security scheme named but not defined is kept as an explicit unknown",
    "security-scheme-repaired": "a security scheme OpenAPI cannot read is rewritten or kept as unknown",
    "security-requirement-malformed": "a security requirement that is not a map of names to scopes is fixed",
    # bodies, responses, examples
    "body-none-with-schema": "a body of type none is left out, whatever schema it carries",
    "example-schema-mismatch": "an example that does not match its schema (or is not JSON) is dropped",
    "example-json-text-parsed": "an example given as JSON text (often with CRLF) is parsed to JSON",
    "example-unattached": "a response example whose response is missing or has no body is dropped",
    "duplicate-response": "a second response with the same status code is dropped",
    "response-code-invalid": "a response whose status code is not an HTTP status is dropped",
    "response-code-repaired": "a status code written with its reason ('200 OK') or as a lowercase range "
    "('2xx') is read as the code OpenAPI wants",
    # schemas
    "dangling-ref-removed": "a $ref to nothing is removed",
    "apifox-refs-expanded": "x-apifox-refs become allOf members",
    "apifox-overrides-applied": "a $ref with x-apifox-overrides is inlined with the overrides applied",
    "placeholder-property-removed": "an Apifox placeholder property (x-tmp-pending-properties) is removed",
    "schema-keyword-invalid": "a schema keyword whose value JSON Schema rejects is dropped",
    "schema-keyword-coerced": "a schema keyword written as another tool writes it ('255' as maxLength, "
    "`double` or `int64` as a type) is read as JSON Schema says it (a type keeps its format)",
    "schema-default-invalid": "a default value its own schema rejects is dropped",
    "example-coerced": "a default or example given as text is read as the number or boolean its schema wants",
    "schema-example-invalid": "a schema's or parameter's example its schema rejects is dropped",
    "schema-required-deduplicated": "a name repeated in a `required` list is kept once",
    # documents
    "apifox-noise-dropped": "Apifox editor fields (x-apifox-orders, mock, ...) are dropped",
    "malformed-server-dropped": "a server whose URL is not a URL is dropped",
    "server-variable-templated": "an Apifox variable in a server URL (`{{host}}`) becomes an OpenAPI "
    "server variable; a variable without a default gets one (the export's value, else a placeholder)",
    "openapi-version-upgraded": "an OpenAPI 3.0 document is rewritten as 3.1",
    "swagger-upgraded": "a Swagger 2.0 document is read as the OpenAPI 3.0 document it states",
    "openapi-header-completed": "a document without its `openapi` version or `info` title and version "
    "gets them (3.0, or 3.1 when it uses 3.1; the file name; 1.0.0)",
    "yaml-duplicate-key": "a key repeated in one YAML mapping: the last value is the one read",
    "markdown-block-skipped": "a fenced block of a Markdown page that looks like a spec but cannot be read",
    "malformed-part-dropped": "a part of the source whose type the converter cannot read is dropped",
    "component-renamed": "a component whose name OpenAPI rejects is renamed; references follow it",
    "null-value-repaired": "a null where OpenAPI wants text is dropped (or made empty where required)",
    "example-empty-dropped": "an empty example (no value) is dropped",
    "not-converted": "a part of the source OpenAPI has no place for (test cases, mocks, docs, ...)",
    "webhook-mapped": "an Apifox webhook becomes an entry of the document's `webhooks`",
    "markdown-export-read": "an operation read from the tables and code blocks of a Markdown export",
    "html-export-read": "an HTML export (Swagger UI): the OpenAPI spec it holds inline is read",
    "component-conflict": "blocks of one Markdown page define a component differently: the first is kept",
    "field-not-converted": "a field the converter has no place for in OpenAPI",
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


class ConversionRefused(InputError):
    """The source was read, but no valid OpenAPI could be made of it.

    Carries the findings made up to the refusal, so that `lint` can still say what the
    converter did (and why it stopped).
    """

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = list(findings)


class ConverterFault(ContractError):
    """The converter failed on a document (a bug of the converter, not of the document).

    Ends `convert` and `lint` with one line naming where it failed, and exit 4 (internal
    error), never a traceback: the document may be fine, and a CI log should say so."""

    exit_code = Exit.INTERNAL

    @classmethod
    def of(cls, source: str, exc: BaseException) -> ConverterFault:
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
        said = " ".join(str(exc).split())[:200]
        return cls(
            f"{source}: the converter failed on this document ({type(exc).__name__}: {said}{at}); "
            "a bug of the converter: please report it with the document"
        )


def unreadable(what: str, exc: Exception) -> str:
    """The finding's message for a part the converter failed on."""
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
    said = " ".join(str(exc).split())[:200]
    return (
        f"{what}: the converter failed on it ({type(exc).__name__}: {said}{at}); dropped, the rest "
        "converted (a bug of the converter: please report it with the document)"
    )


class FindingLog:
    """Collects findings while converting.

    Editor noise is counted per key and repeated facts (`tally`) per subject, each
    reported once at its first place, so a large export does not bury the reader.
    """

    def __init__(self) -> None:
        self._findings: list[Finding] = []
        self._tallies: dict[tuple[str, str], list[Any]] = {}
        self._noise: dict[str, tuple[int, str]] = {}

    def add(self, rule: str, message: str, where: str) -> None:
        _check_rule(rule)
        self._findings.append(Finding(rule, message, where))

    def tally(self, rule: str, subject: str, message: str, where: str) -> None:
        """Count one more occurrence of `subject`; `message` may say `{count}`."""
        _check_rule(rule)
        entry = self._tallies.setdefault((rule, subject), [0, message, where])
        entry[0] += 1

    def noise(self, key: str, where: str) -> None:
        count, first = self._noise.get(key, (0, where))
        self._noise[key] = (count + 1, first)

    def findings(self) -> list[Finding]:
        tallies = [
            # Not str.format: the message may quote source text holding braces.
            Finding(rule, message.replace("{count}", str(count)), where)
            for (rule, _subject), (count, message, where) in self._tallies.items()
        ]
        summary = [
            Finding(
                "apifox-noise-dropped",
                f"dropped {count} `{key}` field(s) (first here)",
                first,
            )
            for key, (count, first) in sorted(self._noise.items())
        ]
        return [*self._findings, *tallies, *summary]


def _check_rule(rule: str) -> None:
    if rule not in RULES:  # a typo here would make lint output unfilterable
        raise KeyError(f"unknown rule id {rule!r}")
