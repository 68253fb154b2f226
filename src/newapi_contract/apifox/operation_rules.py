"""Rules every operation goes through, whatever format it came from.

Paths: leading slash, Apifox variables (`{{name}}`) and `:name` segments (Express, gin,
Postman) as OpenAPI templates, hard-coded numeric ids (a request URL pasted as the path,
whose trailing slash goes with it), path parameters that match the template. Parameters:
one per name and place. Headers: Content-Type (OpenAPI ignores it), Authorization (a
security scheme, not a parameter), New-Api-User (new-api's required user-id header).

A trailing slash is otherwise kept: gin routes `/api/models` and `/api/models/`
separately (new-api declares `GET /api/token/` and redirects `/api/token` to it), so
the two are different operations, as in OpenAPI.
"""

from __future__ import annotations

import re

from newapi_contract.apifox.draft import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SCHEME,
    AUTHORIZATION_HEADER_SCHEME,
    Components,
    Draft,
    Param,
)
from newapi_contract.apifox.model import FindingLog

__all__ = ["NEW_API_USER", "apply_operation_rules", "is_new_api", "normalise_path", "read_status", "rooted"]

NEW_API_USER = "New-Api-User"
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
_NUMERIC = re.compile(r"[0-9]+")
# A status code as sources write it: 200, 200.0, "2xx", "200 OK", "404 记录不存在".
_STATUS_TEXT = re.compile(r"([1-5][0-9][0-9])(?:\.0+)?(?:\s+\S.*)?|([1-5])[xX]{2}|default", re.S)
# An Apifox variable, replaced when the request is sent: `{{id}}`.
_VARIABLE = re.compile(r"\{\{\s*([^{}/\s]+)\s*\}\}")
# A path that starts with a variable (no slash before it): the variable holds the server.
_ORIGIN_VARIABLE = re.compile(r"\{\{\s*([^{}/\s]+)\s*\}\}(?=/|\?|$)")
# A whole segment `:id`: a path parameter as Express, gin and Postman write it.
_COLON_SEGMENT = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")


def is_new_api(paths: list[str]) -> bool:
    """Whether a document is new-api's own: it has new-api's token API (`/api/token...`).

    Only then does a converted part use new-api's wording (the access-token scheme).
    """
    return any(path.lstrip("/").startswith("api/token") for path in paths)


def apply_operation_rules(
    draft: Draft, components: Components, log: FindingLog, *, normalise: bool = True, new_api: bool = True
) -> None:
    """Apply every rule; `normalise=False` keeps the path as written (but for its leading slash);
    `new_api=False`: the document is not new-api's, its parts get neutral wording."""
    _drop_unnamed(draft, log)
    _drop_repeated(draft, log)
    if normalise:
        draft.path, new_ids = normalise_path(draft.path, draft.path_where, log)
    else:
        draft.path, new_ids = rooted(draft.path, draft.path_where, log), []
    draft.params[0:0] = [Param(_id_parameter(name, value), draft.path_where) for name, value in new_ids]
    _reconcile_path_params(draft, log)
    _content_type(draft, log)
    _authorization(draft, components, log, new_api)
    _new_api_user(draft, log)


def read_status(value: object) -> str | None:
    """The status code OpenAPI wants for what a source writes (`200.0`, `'2xx'`, `'200 OK'`:
    `'200'`, `'2XX'`, `'200'`); None when it is no status code."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if isinstance(value, int | str) else ""
    match = _STATUS_TEXT.fullmatch(text)
    if match is None:
        return None
    return match[1] or (f"{match[2]}XX" if match[2] else "default")


def rooted(path: str, where: str, log: FindingLog) -> str:
    """`path` as OpenAPI can hold it, whether it is normalised or not: a leading slash, and
    each path parameter written as a template (`{{id}}`, `:id` -> `{id}`)."""
    origin = _ORIGIN_VARIABLE.match(path)
    if origin:
        log.add(
            "path-variable-templated",
            f"{origin[0]!r} at the start of {path!r} is a variable holding the server: "
            "dropped from the path (the document's servers apply)",
            where,
        )
        path = path[origin.end() :]
    if not path.startswith("/"):
        log.add("path-leading-slash", f"path {path!r} gets a leading slash", where)
        path = "/" + path
    return _templated(path, where, log)


def _templated(path: str, where: str, log: FindingLog) -> str:
    taken = set(_TEMPLATE.findall(_VARIABLE.sub("", path)))
    names: dict[str, str] = {}  # what the source writes -> its template name

    def template(name: str, written: str) -> str:
        if written not in names:
            names[written] = _free_name(name, taken)
            taken.add(names[written])
        return "{" + names[written] + "}"

    templated = _VARIABLE.sub(lambda m: template(m[1], m[0]), path)
    segments = templated.split("/")
    for i, segment in enumerate(segments):
        colon = _COLON_SEGMENT.fullmatch(segment)
        if colon:
            segments[i] = template(colon[1], segment)
    templated = "/".join(segments)
    if templated != path:
        log.add(
            "path-variable-templated",
            f"{path!r} becomes {templated!r}: {', '.join(names)} "
            f"{'is a path parameter' if len(names) == 1 else 'are path parameters'}",
            where,
        )
    return templated


def normalise_path(path: str, where: str, log: FindingLog) -> tuple[str, list[tuple[str, int]]]:
    """Return the normalised path and the `{name}` parameters made from numeric segments."""
    path = rooted(path, where, log)
    hardcoded = any(_NUMERIC.fullmatch(segment) for segment in path.split("/"))
    if hardcoded and len(path) > 1 and path.endswith("/"):
        log.add(
            "path-trailing-slash",
            f"trailing slash removed from {path!r} (a request URL with a hard-coded id, not a route)",
            where,
        )
        path = path.rstrip("/") or "/"
    taken = set(_TEMPLATE.findall(path))
    segments, new_ids = [], []
    for segment in path.split("/"):
        if _NUMERIC.fullmatch(segment):
            name = _free_name("id", taken)
            taken.add(name)
            new_ids.append((name, int(segment)))
            log.add(
                "path-hardcoded-id",
                f"hard-coded id {segment} in {path!r} becomes integer path parameter {{{name}}}",
                where,
            )
            segment = f"{{{name}}}"
        segments.append(segment)
    return "/".join(segments), new_ids


def _free_name(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}{n}" in taken:
        n += 1
    return f"{base}{n}"


def _id_parameter(name: str, value: int) -> dict[str, object]:
    # No `example`: the hard-coded value is somebody's real resource, and test
    # generators (schemathesis) send examples first.
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"Resource id (hard-coded as {value} in the Apifox path).",
        "schema": {"type": "integer", "format": "int64"},
    }


def _drop_unnamed(draft: Draft, log: FindingLog) -> None:
    for param in [p for p in draft.params if not p.name.strip()]:
        log.add(
            "parameter-unnamed-dropped", f"{param.location} parameter without a name dropped", param.where
        )
        draft.params.remove(param)


def _drop_repeated(draft: Draft, log: FindingLog) -> None:
    seen: set[tuple[str, str]] = set()
    for param in list(draft.params):
        # Header names are case-insensitive in HTTP.
        name = param.name.lower() if param.location == "header" else param.name
        if (name, param.location) in seen:
            log.add(
                "duplicate-parameter",
                f"{param.location} parameter {param.name!r} is already declared: this one is dropped",
                param.where,
            )
            draft.params.remove(param)
        seen.add((name, param.location))


def _reconcile_path_params(draft: Draft, log: FindingLog) -> None:
    names = _TEMPLATE.findall(draft.path)
    for param in [p for p in draft.params if p.location == "path" and p.name not in names]:
        log.add(
            "path-parameter-unused",
            f"path parameter {param.name!r} is not in {draft.path!r}: dropped",
            param.where,
        )
        draft.params.remove(param)
    declared = {p.name for p in draft.params if p.location == "path"}
    for name in names:
        if name not in declared:
            log.add(
                "path-parameter-undeclared",
                f"{{{name}}} in {draft.path!r} had no parameter: declared as a string",
                draft.path_where,
            )
            spec = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            draft.params.append(Param(spec, draft.path_where))
    for param in draft.params:
        if param.location == "path":
            param.spec["required"] = True


def _headers_named(draft: Draft, name: str) -> list[Param]:
    return [p for p in draft.params if p.location == "header" and p.name.lower() == name.lower()]


def _content_type(draft: Draft, log: FindingLog) -> None:
    for param in _headers_named(draft, "content-type"):
        if draft.request_body is None:
            why = "the operation has no request body"
        else:
            why = "the request body's media type already says it"
        required = "required " if param.spec.get("required") else ""
        log.add("content-type-header", f"{required}{param.name} header dropped: {why}", param.where)
        draft.params.remove(param)


def _authorization(draft: Draft, components: Components, log: FindingLog, new_api: bool) -> None:
    """An Authorization header parameter is a credential: a security requirement.

    It becomes one more way to authenticate, beside what the operation already states
    (or inherits: the caller makes that explicit first). An optional header adds the
    empty requirement only when nothing else is required; it does not make another
    stated requirement optional.
    """
    for param in _headers_named(draft, "authorization"):
        required = bool(param.spec.get("required"))
        scheme = ACCESS_TOKEN_SCHEME if new_api else AUTHORIZATION_HEADER_SCHEME
        name = components.add_scheme(ACCESS_TOKEN, dict(scheme))
        existing = [r for r in draft.security or [] if r]
        requirement: list[dict[str, list[str]]] = [{name: []}]
        if not required and not existing:
            requirement.append({})  # optional, as the source says; the overlay may tighten it
        state = "required" if required else "optional"
        log.add(
            "authorization-header",
            f"{param.name} header parameter becomes security scheme {name} ({state})",
            param.where,
        )
        draft.params.remove(param)
        if draft.security == []:
            log.add(
                "authorization-header",
                f"the {state} {param.name} header turns this operation's `security: []` (no auth) "
                f"into a requirement of {name}" + ("" if required else " or none"),
                draft.security_where or draft.where,
            )
        draft.security = [*requirement, *(r for r in draft.security or [] if r not in requirement)]


def _new_api_user(draft: Draft, log: FindingLog) -> None:
    for param in _headers_named(draft, NEW_API_USER):
        spec = param.spec
        changes = []
        if spec.get("name") != NEW_API_USER:
            changes.append(f"name {spec.get('name')!r} -> {NEW_API_USER!r}")
        if spec.get("required") is not True:
            changes.append("made required")
        schema = {"type": "string", "pattern": "^[0-9]+$"}
        if spec.get("schema") != schema:
            changes.append("schema: a string holding the user's integer id")
        example = spec.get("example")
        param.spec = {
            "name": NEW_API_USER,
            "in": "header",
            "required": True,
            "description": spec.get("description") or "Id of the user the credential belongs to.",
            "schema": schema,
            **({"example": str(example)} if _NUMERIC.fullmatch(str(example)) else {}),
        }
        if changes:
            log.add("new-api-user-header", "; ".join(changes), param.where)
