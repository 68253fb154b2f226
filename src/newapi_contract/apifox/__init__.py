"""Apifox -> OpenAPI 3.1: a pure converter with findings, plus the overlay step.

`convert_text(text, source)` and `convert_file(path)` detect the input format by
content (endpoint page, native project export, OpenAPI export as JSON or YAML,
Markdown page of an Apifox documentation site, Markdown export of a project) and return a `Conversion`: the
OpenAPI document and the `Finding`s (what was normalised, where). A source that
cannot be made into valid OpenAPI raises `ConversionRefused` (an `InputError`) that
still carries the findings.
"""

from __future__ import annotations

import json
from pathlib import Path

from newapi_contract.apifox.doc_site import convert_blocks
from newapi_contract.apifox.limits import MAX_INPUT_BYTES, MAX_OUTPUT_BYTES, time_limit
from newapi_contract.apifox.model import (
    RULES,
    Conversion,
    ConversionRefused,
    ConverterFault,
    Finding,
    FindingLog,
)
from newapi_contract.apifox.openapi_export import convert_markdown_export, convert_openapi
from newapi_contract.apifox.page import convert_page
from newapi_contract.apifox.project import convert_project
from newapi_contract.apifox.source import detect, read_text
from newapi_contract.errors import ContractError, InputError

__all__ = [
    "RULES",
    "Conversion",
    "ConversionRefused",
    "ConverterFault",
    "Finding",
    "convert_file",
    "convert_text",
]


def convert_text(text: str, source: str) -> Conversion:
    """Convert one Apifox document; `source` names it in findings and errors.

    Bounded in time, nodes, depth and output size (see `limits`): past a bound, InputError.
    """
    with time_limit(source):
        try:
            conversion = _convert(text, source)
        except ContractError:
            raise
        except Exception as exc:  # a bug of the converter: one line and exit 4, never a traceback
            raise ConverterFault.of(source, exc) from exc
    size = len(json.dumps(conversion.document, ensure_ascii=False))
    if size > MAX_OUTPUT_BYTES:
        raise InputError(
            f"{source}: converts to {size // 2**20} MiB of OpenAPI, more than {MAX_OUTPUT_BYTES // 2**20} MiB"
        )
    return conversion


def _convert(text: str, source: str) -> Conversion:
    if len(text) > MAX_INPUT_BYTES:
        raise InputError(f"{source}: larger than {MAX_INPUT_BYTES // 2**20} MiB: not converted")
    parsed = detect(text, source)
    early = FindingLog()
    for line, key in parsed.duplicate_keys:
        early.add(
            "yaml-duplicate-key", f"key {key!r} appears again: the last value is read", f"{source}:{line}"
        )
    if parsed.html_line is not None:
        early.add(
            "html-export-read",
            "an HTML export: the spec it holds inline is read (locations below are in that spec)",
            f"{source}:{parsed.html_line}",
        )
    try:
        if parsed.kind == "apifox-page":
            doc, log = convert_page(parsed.content, source)
        elif parsed.kind == "apifox-project":
            doc, log = convert_project(parsed.content, source)
        elif parsed.kind == "apifox-markdown":
            doc, log = convert_blocks(parsed.content, source)
        elif parsed.kind == "apifox-markdown-export":
            doc, log = convert_markdown_export(parsed.content, source)
        else:
            doc, log = convert_openapi(parsed.content, source)
    except ConversionRefused as exc:
        exc.findings[0:0] = early.findings()
        raise
    except RecursionError as exc:  # schemas are walked recursively
        raise InputError(f"{source}: nested too deeply to convert") from exc
    return Conversion(document=doc, findings=[*early.findings(), *log.findings()])


def convert_file(path: Path) -> Conversion:
    """Read and convert `path`; findings and errors name the file by its name."""
    return convert_text(read_text(path), path.name)
