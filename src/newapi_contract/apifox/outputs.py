"""The generated files under openapi/: building them, writing them atomically, checking them.

All outputs are built in memory first; only then is anything written, each file
through a temporary file in the same folder and `os.replace`, so a failure never
leaves a half-written or half-updated contract behind.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newapi_contract.apifox import Conversion, convert_file
from newapi_contract.apifox.document import render
from newapi_contract.apifox.overlay import apply_overlay, load_overlay

__all__ = ["Outputs", "build_outputs", "stale_files", "write_atomically"]


@dataclass
class Outputs:
    conversion: Conversion
    files: dict[Path, str]  # destination -> exact text


def build_outputs(source: Path, plain: Path | None, overlay: Path | None, effective: Path | None) -> Outputs:
    """Convert `source`; render the plain contract, and the effective one when an overlay is given."""
    conversion = convert_file(source)
    files: dict[Path, str] = {}
    if plain is not None:
        files[plain] = render(conversion.document)
    if overlay is not None and effective is not None:
        doc = apply_overlay(conversion.document, load_overlay(overlay), overlay.name)
        files[effective] = render(doc)
    return Outputs(conversion, files)


def stale_files(files: dict[Path, str]) -> list[tuple[Path, str]]:
    """(file, "missing" | "stale") for each file whose content is not exactly the expected text."""
    problems = []
    for path, text in files.items():
        if not path.is_file():
            problems.append((path, "missing"))
        elif path.read_bytes() != text.encode("utf-8"):
            problems.append((path, "stale"))
    return problems


def write_atomically(files: dict[Path, str]) -> None:
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
