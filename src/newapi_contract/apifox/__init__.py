"""Apifox -> OpenAPI 3.1: a pure converter with findings, plus the overlay step.

`convert_text(text, source)` and `convert_file(path)` detect the input format by
content (endpoint page, native project export, OpenAPI export) and return a
`Conversion`: the OpenAPI document and the `Finding`s (what was normalised, where).
"""

from __future__ import annotations

from pathlib import Path

from newapi_contract.apifox.model import RULES, Conversion, Finding
from newapi_contract.apifox.openapi_export import convert_openapi
from newapi_contract.apifox.page import convert_page
from newapi_contract.apifox.project import convert_project
from newapi_contract.apifox.source import detect, read_text
from newapi_contract.errors import InputError

__all__ = ["RULES", "Conversion", "Finding", "convert_file", "convert_text"]


def convert_text(text: str, source: str) -> Conversion:
    """Convert one Apifox document; `source` names it in findings and errors."""
    kind, content = detect(text, source)
    try:
        if kind == "apifox-page":
            doc, log = convert_page(content, source)
        elif kind == "apifox-project":
            doc, log = convert_project(content, source)
        else:
            doc, log = convert_openapi(content, source)
    except RecursionError as exc:  # schemas are walked recursively
        raise InputError(f"{source}: nested too deeply to convert") from exc
    return Conversion(document=doc, findings=log.findings())


def convert_file(path: Path) -> Conversion:
    """Read and convert `path`; findings and errors name the file by its name."""
    return convert_text(read_text(path), path.name)
