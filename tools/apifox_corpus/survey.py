"""Convert every document of folders and say what became of each.

`python -m tools.apifox_corpus.survey DIR...`

Per document: converted (operations in the source, in the output, dropped with a
finding) or refused (the one line why). The operations of a source are counted here,
independently of the converter, from what each format states: an OpenAPI document's
path and webhook methods (an HTML export's: those of the spec it holds inline), a native
project's APIs (`apiCollection`, Apifox 1.1's `httpCollection`), a Markdown export's
`## METHOD ...` headings.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newapi_contract.apifox import Conversion, ConversionRefused, convert_file
from newapi_contract.errors import InputError

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SUFFIXES = (".json", ".yaml", ".yml", ".md", ".txt", ".html")
# Findings that say an operation of the source is not in the output.
DROP_RULES = ("duplicate-operation", "operation-invalid-dropped", "operation-unreadable-dropped")
# Why a real document may be refused: it is not an Apifox document, or nothing valid is left.
ACCEPTED_REFUSALS = ("a Postman collection", "no operation can be made valid OpenAPI")
# Where an operation or a native API is (a part dropped whole before conversion).
_OPERATION_PLACE = re.compile(
    rf"/paths/[^/]+/(?:{'|'.join(METHODS)})$|Collection/(?:\d+/(?:items|children)/)*\d+(?:/api)?$"
)
_HTML_SPEC = re.compile(r"\bspec\s*:\s*\{")
_MARKDOWN_OPERATION = re.compile(r"^## (GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|TRACE) ", re.M)


@dataclass
class Outcome:
    name: str
    source_operations: int | None
    operations: int = 0
    dropped: int = 0
    refused: str = ""


def corpus_documents(folders: Iterable[Path]) -> list[Path]:
    """The documents of `folders` (not their NOTICE or SOURCES files)."""
    found: list[Path] = []
    for folder in folders:
        for path in sorted(folder.iterdir()):
            if (
                path.is_file()
                and path.suffix in SUFFIXES
                and not path.stem.upper().startswith(("NOTICE", "SOURCES"))
            ):
                found.append(path)
    return found


def source_operations(path: Path) -> int | None:
    """How many operations the document states (None: a format not counted here)."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix == ".md":
        return len(_MARKDOWN_OPERATION.findall(text))
    try:
        if path.suffix == ".html":  # Swagger UI with the spec inline: `spec: {...}`
            data = next(filter(None, (_decoded(text, m.end() - 1) for m in _HTML_SPEC.finditer(text))), None)
        else:
            data = json.loads(text) if text.lstrip()[:1] in "{[" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return None
    if not isinstance(data, dict):
        return None
    if "openapi" in data or isinstance(data.get("paths"), dict):  # a header cut off: still OpenAPI
        paths = data.get("paths") or {}
        hooks = data.get("webhooks") or {}
        return sum(
            1
            for item in [*paths.values(), *hooks.values()]
            if isinstance(item, dict)
            for m, op in item.items()
            # a method written otherwise (`GET`) is one when it holds an operation, as the converter reads it
            if m in METHODS or (isinstance(m, str) and m.strip().lower() in METHODS and isinstance(op, dict))
        )
    if "apifoxProject" in data or "apidogProject" in data:
        collection = data.get("apiCollection") or data.get("httpCollection") or []
        return sum(1 for _ in _native_apis(collection))
    return None


def _decoded(text: str, at: int) -> Any:
    try:
        return json.JSONDecoder().raw_decode(text, at)[0]
    except ValueError:
        return None


def _native_apis(items: Any) -> Iterator[dict[str, Any]]:
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("api"), dict):
            yield item["api"]
        elif isinstance(item.get("method"), str) and isinstance(item.get("path"), str):
            yield item
        for key in ("items", "children"):
            yield from _native_apis(item.get(key))


def operations_of(conversion: Conversion) -> int:
    doc = conversion.document
    items = [*doc.get("paths", {}).values(), *(doc.get("webhooks") or {}).values()]
    return sum(1 for item in items for m in item if m in METHODS)


def dropped_of(conversion: Conversion) -> int:
    """Operations of the source a finding says are not in the output."""
    return sum(
        1
        for f in conversion.findings
        if f.rule in DROP_RULES
        or (f.rule == "not-converted" and "is not an HTTP API" in f.message)
        or (f.rule == "malformed-part-dropped" and _OPERATION_PLACE.search(f.where))
    )


def survey_one(path: Path) -> tuple[Outcome, Conversion | None]:
    outcome = Outcome(path.name, source_operations(path))
    try:
        conversion = convert_file(path)
    except (ConversionRefused, InputError) as exc:
        outcome.refused = str(exc)
        return outcome, None
    outcome.operations = operations_of(conversion)
    outcome.dropped = dropped_of(conversion)
    return outcome, conversion


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folders", type=Path, nargs="+")
    args = parser.parse_args(argv)
    outcomes = [survey_one(path)[0] for path in corpus_documents(args.folders)]
    for o in outcomes:
        if o.refused:
            print(f"REFUSED   {o.name}: {o.refused}")
        else:
            counts = f"{o.operations} operation(s) of {o.source_operations}, {o.dropped} dropped"
            print(f"converted {o.name}: {counts}")
    refused = [o for o in outcomes if o.refused]
    print(
        f"{len(outcomes)} documents: {len(outcomes) - len(refused)} convert, {len(refused)} refused; "
        f"{sum(o.operations for o in outcomes)} operations out"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
