"""Assembly of drafts into one OpenAPI 3.1 document, its validation and its rendering.

Every operation of the source gets a place: paths are normalised unless that would
merge two operations (then the path stays as written), and repeated operationIds get
a suffix. Defaults and examples are checked against their schemas (see
`value_checks`). The result must be valid OpenAPI 3.1: what the validator rejects is
repaired or dropped, the smallest part first (a null text, a key OpenAPI does not
allow, a malformed part; then a component; then an operation), each with a finding.
A document whose operations are all lost, or that still is not valid, is refused with
`ConversionRefused` (which carries the findings so far, for `lint`).

The same source always gives the same bytes: dicts keep the source's order, shared
maps are sorted, and `render` fixes the JSON layout.
"""

from __future__ import annotations

import json
import re
from typing import Any

from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing.exceptions import Unresolvable

from newapi_contract.apifox.draft import Components, Draft
from newapi_contract.apifox.model import ConversionRefused, Finding, FindingLog
from newapi_contract.apifox.operation_rules import (
    apply_operation_rules,
    is_new_api,
    normalise_path,
    rooted,
)
from newapi_contract.apifox.places import place
from newapi_contract.apifox.schemas import child
from newapi_contract.apifox.security import unknown_scheme
from newapi_contract.apifox.value_checks import drop_invalid_values
from newapi_contract.errors import InputError

__all__ = [
    "assemble",
    "callbacks_are_valid",
    "clean_servers",
    "first_error",
    "one_line",
    "render",
    "validate",
]

OPENAPI_VERSION = "3.1.0"
# scheme://host..., a relative URL, or a templated one ({scheme}://...)
_SERVER_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/\s]+|\{[^}]+\}[^\s]*|/)[^\s]*$")
# How openapi-spec-validator names an operation in errors that carry no location.
_OPERATION_IN_MESSAGE = re.compile(r"for '(\w+)'(?: operation)? in '([^']*)'")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TOP_ORDER = ("webhooks", "components", "security", "tags", "externalDocs")
# How many single parts `_valid` may drop before it gives up on a document.
_PART_REPAIRS = 200
_UNEXPECTED = re.compile(
    r"(?:Unevaluated|Additional) properties are not allowed \((.*) (?:was|were) unexpected\)"
)
_OPERATION_POINTER = re.compile(
    r"/paths/[^/]+/(?:get|put|post|delete|options|head|patch|trace)$|Collection/(?:\d+/(?:items|children)/)*\d+$"
)
_QUOTED = re.compile(r"'([^']*)'")
_APIFOX_VARIABLE = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_URL_VARIABLE = re.compile(r"\{([^{}]+)\}")


def clean_servers(servers: list[tuple[Any, str]], log: FindingLog) -> list[dict[str, Any]]:
    """Keep servers whose `url` is a URL; each comes with where it is in the source."""
    kept = []
    for server, where in servers:
        url = server.get("url") if isinstance(server, dict) else None
        if isinstance(url, str) and _SERVER_URL.match(url):
            kept.append(_with_variables(server, where, log))
        else:
            log.add("malformed-server-dropped", f"server URL {url!r} is not a URL: dropped", where)
    return kept


def _with_variables(server: dict[str, Any], where: str, log: FindingLog) -> dict[str, Any]:
    """A server whose URL is a template OpenAPI reads: an Apifox variable (`{{subdomain}}`) as
    `{subdomain}`, and each variable with its `default` (what the export says, else its name)."""
    url = _APIFOX_VARIABLE.sub(lambda m: "{" + m[1] + "}", server["url"])
    names = list(dict.fromkeys(_URL_VARIABLE.findall(url)))
    given: dict[str, Any] = server["variables"] if isinstance(server.get("variables"), dict) else {}
    if url == server["url"] and all(isinstance(given.get(n), dict) and "default" in given[n] for n in names):
        return server
    variables = dict(given)
    added = []
    for name in names:
        entry = dict(variables[name]) if isinstance(variables.get(name), dict) else {}
        if "default" not in entry:
            enum = entry.get("enum")
            entry["default"] = str(enum[0]) if isinstance(enum, list) and enum else name
            entry.setdefault(
                "description", f"Variable {name} of the server URL (its default is a placeholder)"
            )
            added.append(f"{name} (default {entry['default']!r})")
        variables[name] = entry
    said = f"server URL {server['url']!r}" + (f" read as {url!r}" if url != server["url"] else "")
    log.add(
        "server-variable-templated", said + (f"; {', '.join(added)} given a default" if added else ""), where
    )
    return {**server, "url": url, "variables": variables}


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
    top: dict[str, Any] | None = None,
) -> dict[str, Any]:
    webhooks = [d for d in drafts if d.webhook is not None]
    placed = _place([d for d in drafts if d.webhook is None], components, log)
    _unique_operation_ids([*placed, *webhooks], log)
    paths: dict[str, dict[str, Any]] = {}
    for draft in placed:
        item = paths.setdefault(draft.path, {})
        for key, value in draft.path_fields.items():
            item.setdefault(key, value)
        item[draft.method] = draft.operation()
    doc: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info}
    if servers:
        doc["servers"] = servers
    doc["paths"] = paths
    extra = {**(top or {})}
    for draft in webhooks:
        assert draft.webhook is not None
        extra.setdefault("webhooks", {}).setdefault(draft.webhook, {})[draft.method] = draft.operation()
    if components.as_dict():
        extra["components"] = components.as_dict()
    if security is not None:
        extra["security"] = security
    doc.update({k: extra.pop(k) for k in _TOP_ORDER if k in extra})
    doc.update(extra)  # x- extensions of the source
    doc["x-source"] = x_source
    drop_invalid_values(doc, source, log)
    valid = _valid(doc, source, {(d.path, d.method): d for d in placed}, log)
    first = next((f for f in log.findings() if _drops_an_operation(f)), None)
    if (drafts or first) and not _operation_count(valid):
        # The source has operations and none survived: an empty contract would pass for one.
        why = f"first dropped at {first.where}: {first.message}" if first else "all dropped"
        raise ConversionRefused(
            f"{source}: no operation can be made valid OpenAPI ({one_line(why, 240)})", log.findings()
        )
    return valid


def callbacks_are_valid(callbacks: Any, schemas: dict[str, Any]) -> bool:
    """Whether `callbacks` is a Callbacks map valid OpenAPI 3.1 (its schemas resolved in `schemas`)."""
    probe = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "callbacks", "version": "1"},
        "paths": {"/": {"get": {"responses": {"200": {"description": ""}}, "callbacks": callbacks}}},
        "components": {"schemas": schemas},
    }
    return first_error(probe) is None


def _drops_an_operation(finding: Finding) -> bool:
    if finding.rule in ("operation-invalid-dropped", "duplicate-operation", "operation-unreadable-dropped"):
        return True
    if finding.rule in ("not-converted", "field-not-converted"):
        return "is not an HTTP API" in finding.message or "neither an API nor a folder" in finding.message
    # A part dropped before conversion (its shape) that was an operation or an API item.
    return finding.rule == "malformed-part-dropped" and bool(_OPERATION_POINTER.search(finding.where))


def _operation_count(doc: dict[str, Any]) -> int:
    paths = sum(1 for item in doc.get("paths", {}).values() for m in item if m in _METHODS)
    hooks = sum(1 for item in (doc.get("webhooks") or {}).values() for m in item if m in _METHODS)
    return paths + hooks


def _place(drafts: list[Draft], components: Components, log: FindingLog) -> list[Draft]:
    """Apply the operation rules; no two operations may end up at one method and path."""
    scratch = FindingLog()
    planned = [normalise_path(d.path, d.path_where, scratch)[0] for d in drafts]
    new_api = is_new_api(planned)
    # Operations whose path needs no change claim their place first.
    order = sorted(range(len(drafts)), key=lambda i: planned[i] != drafts[i].path)
    taken: set[tuple[str, str]] = set()
    normalise: dict[int, bool] = {}
    for i in order:
        draft = drafts[i]
        if (draft.method, planned[i]) not in taken:
            taken.add((draft.method, planned[i]))
            normalise[i] = True
            continue
        literal = rooted(draft.path, draft.path_where, scratch)
        if literal != planned[i] and (draft.method, literal) not in taken:
            taken.add((draft.method, literal))
            normalise[i] = False
            log.add(
                "path-normalisation-skipped",
                f"{draft.path!r} would become {planned[i]!r}, where another {draft.method.upper()} "
                "already is: kept as written",
                draft.path_where,
            )
            continue
        log.add(
            "duplicate-operation",
            f"{draft.method.upper()} {planned[i]} is already defined: this one is dropped",
            draft.where,
        )
    for i, draft in enumerate(drafts):
        if i in normalise:
            apply_operation_rules(draft, components, log, normalise=normalise[i], new_api=new_api)
    return [d for i, d in enumerate(drafts) if i in normalise]


def _unique_operation_ids(drafts: list[Draft], log: FindingLog) -> None:
    seen: set[str] = set()
    for draft in drafts:
        operation_id = draft.fields.get("operationId")
        if operation_id is None:
            continue
        operation_id = str(operation_id)
        unique, n = operation_id, 2
        while unique in seen:
            unique, n = f"{operation_id}_{n}", n + 1
        if unique != operation_id:
            log.add(
                "duplicate-operation-id",
                f"operationId {operation_id!r} is already used: this one is {unique!r}",
                child(draft.where, "operationId"),
            )
        draft.fields["operationId"] = unique
        seen.add(unique)


def _valid(
    doc: dict[str, Any], source: str, drafts: dict[tuple[str, str], Draft], log: FindingLog
) -> dict[str, Any]:
    """`doc`, less each part that is not valid OpenAPI; ConversionRefused if still invalid.

    One validation pass lists every error; each is repaired in the same round unless an
    earlier repair of the round touched its place (a list that lost an item shifts its
    indices): it is found again, at its new place, in the next pass. Validating a large
    document takes seconds, so a round per error would not do.
    """
    budget = len(drafts) + sum(len(v) for v in doc.get("components", {}).values() if isinstance(v, dict))
    repairs = 0
    while repairs <= budget + _PART_REPAIRS:
        problems = all_errors(doc)
        if not problems:
            return doc
        done = _repair_round(doc, problems, source, drafts, log)
        if not done:  # nothing could be repaired on its own: the first error's operation goes
            at, message = problems[0]
            operation = _operation_of(at, message, doc) or _bisect(doc)
            if operation is None:
                shown = at or "the document"
                raise ConversionRefused(
                    f"{source}: converts to invalid OpenAPI at {shown}: {one_line(message)}", log.findings()
                )
            _drop_operation(doc, operation, message, source, drafts, log)
            done = 1
        repairs += done
    raise ConversionRefused(f"{source}: converts to invalid OpenAPI", log.findings())


def _repair_round(
    doc: dict[str, Any],
    problems: list[tuple[str, str]],
    source: str,
    drafts: dict[tuple[str, str], Draft],
    log: FindingLog,
) -> int:
    """Repair each of `problems` whose place no earlier repair of this round touched; how many."""
    touched: list[list[str]] = []
    done = 0
    for at, message in problems:
        parts = _parts(at)
        operation = None if parts else _operation_of(at, message, doc)
        region = ["paths", *operation] if operation else parts
        if (not parts and operation is None) or any(_overlap(region, t) for t in touched):
            continue  # the whole document is at fault (see `_valid`), or its place moved
        if _repair_null(doc, at, message, source, log):
            touched.append(parts)
        elif _drop_part(doc, at, message, source, log):
            touched.append(parts if _UNEXPECTED.search(message) else parts[:-1])
        elif _drop_component(doc, at, message, source, log):
            touched.append(parts[:3])
        else:
            operation = operation or _operation_of(at, message, doc)
            if operation is None:
                continue
            _drop_operation(doc, operation, message, source, drafts, log)
            touched.append(["paths", *operation])
        done += 1
    return done


def _drop_operation(
    doc: dict[str, Any],
    operation: tuple[str, str],
    message: str,
    source: str,
    drafts: dict[tuple[str, str], Draft],
    log: FindingLog,
) -> None:
    path, method = operation
    draft = drafts.get((path, method))
    log.add(
        "operation-invalid-dropped",
        f"{method.upper()} {path} is not valid OpenAPI once converted ({one_line(message, 160)}): dropped",
        draft.where if draft else source,
    )
    del doc["paths"][path][method]
    if not any(k in doc["paths"][path] for k in _METHODS):
        del doc["paths"][path]


def _parts(at: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in at.split("/")[1:]]


def _overlap(a: list[str], b: list[str]) -> bool:
    """Whether one place holds the other."""
    return a[: len(b)] == b or b[: len(a)] == a


def _drop_part(doc: dict[str, Any], at: str, message: str, source: str, log: FindingLog) -> bool:
    """Drop the one part an error is about, when it is less than an operation or a component.

    A key OpenAPI does not allow (`Unevaluated properties ... ('k' was unexpected)`), or a
    value of the wrong type deep inside an operation, a component or a top-level list, costs
    itself only; so does an object that lacks a required field (a response without its
    description).
    """
    parts = _parts(at)
    unexpected = _UNEXPECTED.search(message)
    targets = [[*parts, key] for key in _QUOTED.findall(unexpected[1])] if unexpected else [parts]
    if not unexpected and not _deep_enough(parts):
        return False
    # Named before anything is deleted: the operation's x-source says where it comes from.
    places = {
        tuple(t): place(doc, "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in t), source)
        for t in targets
    }
    # A key OpenAPI does not allow goes wherever it is, but for what a document needs.
    allowed = _not_vital if unexpected else _deep_enough
    dropped = [target for target in targets if allowed(target) and _delete(doc, target)]
    for target in dropped:
        log.add(
            "malformed-part-dropped",
            f"not valid OpenAPI once converted ({one_line(message, 160)}): dropped",
            places[tuple(target)],
        )
    return bool(dropped)


def _deep_enough(parts: list[str]) -> bool:
    """Whether `parts` is a part that may go alone: less than an operation, a component or
    what a document cannot be without (`openapi`, `info`'s title and version, `paths`)."""
    if not parts:
        return False
    if parts[0] == "paths":
        return (len(parts) >= 4 and parts[2] in _METHODS) or (len(parts) >= 3 and parts[2] not in _METHODS)
    if parts[0] in ("components", "webhooks"):
        return len(parts) >= 4
    if parts[0] == "info":
        return len(parts) >= 2 and parts[1] not in ("title", "version")
    return parts[0] not in ("openapi", "x-source")


def _not_vital(parts: list[str]) -> bool:
    return parts not in (["openapi"], ["info"], ["paths"], ["info", "title"], ["info", "version"])


def _delete(doc: dict[str, Any], parts: list[str]) -> bool:
    node: Any = doc
    for part in parts[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    last = parts[-1]
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        del node[int(last)]
        return True
    return False


def _repair_null(doc: dict[str, Any], at: str, message: str, source: str, log: FindingLog) -> bool:
    """A `null` where OpenAPI wants text: dropped, or made empty where the field is required."""
    if not message.startswith(("None is not of type", "null is not of type")):
        return False
    parts = _parts(at)
    node: Any = doc
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part)]
        else:
            node = node.get(part) if isinstance(node, dict) else None
    if not parts or not isinstance(node, dict) or node.get(parts[-1], 0) is not None:
        return False
    key = parts[-1]
    required = key == "description" and len(parts) >= 2 and parts[-3:-2] == ["responses"]
    if required or (parts[:1] == ["info"] and key in ("title", "version")):
        node[key] = ""
        what = "made empty (the field is required)"
    else:
        del node[key]
        what = "dropped"
    log.add("null-value-repaired", f"`{key}` is null, not text: {what}", place(doc, at, source))
    return True


def _drop_component(doc: dict[str, Any], at: str, message: str, source: str, log: FindingLog) -> bool:
    """Repair an invalid component (not a schema: those were checked as they were cleaned)."""
    parts = _parts(at)
    if len(parts) < 3 or parts[0] != "components" or parts[1] == "schemas":
        return False
    kind, name = parts[1], parts[2]
    entries = doc["components"].get(kind)
    if not isinstance(entries, dict) or name not in entries:
        return False
    where = f"{source}: /components/{kind}/{name} (as converted)"
    if kind == "securitySchemes":
        entries[name] = unknown_scheme(f"scheme {name!r} could not be made valid OpenAPI")
        log.add("component-invalid-dropped", f"{one_line(message, 160)}: kept as an unknown scheme", where)
    else:
        del entries[name]
        log.add("component-invalid-dropped", f"{one_line(message, 160)}: dropped", where)
    return True


def first_error(doc: dict[str, Any]) -> tuple[str, str] | None:
    """The validator's first error in `doc` as (pointer, message); None when it is valid."""
    found = _errors(doc, limit=1)
    return found[0] if found else None


def all_errors(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Every error the validator finds in `doc`, in its order, each as (pointer, message)."""
    return _errors(doc, limit=None)


def _errors(doc: dict[str, Any], limit: int | None) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    try:
        for error in OpenAPIV31SpecValidator(_interned(doc)).iter_errors():
            path = getattr(error, "absolute_path", ())
            message = error.message.split("Failed validating", 1)[0]  # the schema dump says nothing more
            at = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
            found.append((at, message.strip()))
            if limit is not None and len(found) >= limit:
                break
    except (
        RecursionError,
        OpenAPIValidationError,
        ValueError,
        TypeError,
        KeyError,
        AttributeError,
        AssertionError,  # its keyword checks assert shapes its schema check reported first
        Unresolvable,
    ) as exc:
        found.append(
            ("", str(exc) or type(exc).__name__)
        )  # the validator stopped (a reference to nothing, ...)
    return found


def _interned(node: Any, memo: dict[str, Any] | None = None) -> Any:
    """`node` rebuilt with equal objects shared: the validator checks each object once, and
    Apifox repeats the same schemas (an envelope per response) hundreds of times."""
    memo = {} if memo is None else memo
    if isinstance(node, dict):
        rebuilt = {k: _interned(v, memo) for k, v in node.items()}
        return memo.setdefault(json.dumps(rebuilt, sort_keys=True, ensure_ascii=False), rebuilt)
    if isinstance(node, list):
        return [_interned(v, memo) for v in node]
    return node


def _operation_of(at: str, message: str, doc: dict[str, Any]) -> tuple[str, str] | None:
    """The operation an error is in: from its location, or as the validator's message names it."""
    parts = _parts(at)
    if len(parts) >= 3 and parts[0] == "paths" and parts[2] in _METHODS:
        return (parts[1], parts[2]) if parts[2] in doc["paths"].get(parts[1], {}) else None
    named = _OPERATION_IN_MESSAGE.search(message)
    if named and named[1] in doc["paths"].get(named[2], {}):
        return named[2], named[1]
    return None


def _bisect(doc: dict[str, Any]) -> tuple[str, str] | None:
    """An operation whose presence alone makes `doc` invalid (None: the rest is at fault)."""
    operations = [(p, m) for p, item in doc["paths"].items() for m in item if m in _METHODS]
    if not operations or first_error(_with_only(doc, [])) is not None:
        return None
    while len(operations) > 1:
        half = operations[: len(operations) // 2]
        operations = half if first_error(_with_only(doc, half)) is not None else operations[len(half) :]
    return operations[0] if first_error(_with_only(doc, operations)) is not None else None


def _with_only(doc: dict[str, Any], operations: list[tuple[str, str]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in operations:
        item = paths.setdefault(path, {k: v for k, v in doc["paths"][path].items() if k not in _METHODS})
        item[method] = doc["paths"][path][method]
    return {**doc, "paths": paths}


def validate(doc: dict[str, Any], source: str) -> None:
    """Raise InputError unless `doc` is valid OpenAPI 3.1."""
    problem = first_error(doc)
    if problem is not None:
        at, message = problem
        raise InputError(
            f"{source}: converts to invalid OpenAPI at {at or 'the document'}: {one_line(message)}"
        )


def one_line(message: str, limit: int = 200) -> str:
    """An error message fit for one line of CLI output."""
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
