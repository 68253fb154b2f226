"""A Markdown page of an Apifox-published documentation site -> OpenAPI 3.1.

Each spec block of the page is read as an OpenAPI export (its locations prefixed by
`page.md:LINE`), then the blocks are merged: operations side by side, components
once (a name defined differently by two blocks is a finding), each block's default
security given to its own operations. A page holding an Apifox project instead is
converted as one.
"""

from __future__ import annotations

from typing import Any

from newapi_contract.apifox.document import assemble
from newapi_contract.apifox.draft import Components, Draft
from newapi_contract.apifox.markdown_page import MarkdownPage
from newapi_contract.apifox.model import FindingLog
from newapi_contract.apifox.openapi_export import ExportRead, read_export, unique_tags
from newapi_contract.apifox.project import convert_project, pointer
from newapi_contract.apifox.shapes import repair_shape
from newapi_contract.errors import InputError

__all__ = ["convert_blocks"]


def convert_blocks(page: MarkdownPage, source: str) -> tuple[dict[str, Any], FindingLog]:
    """A Markdown page: its OpenAPI blocks read one by one, then merged into one document."""
    log = FindingLog()
    for line, why in page.skipped:
        log.add("markdown-block-skipped", why, f"{source}:{line}")
    for block in page.blocks:
        for line, key in block.duplicate_keys:
            log.add(
                "yaml-duplicate-key", f"key {key!r} appears again: the last value is read", f"{source}:{line}"
            )
    openapi = [b for b in page.blocks if "openapi" in b.data]
    if not openapi:  # an Apifox project pasted into a page
        first, *rest = page.blocks
        for block in rest:
            log.add(
                "markdown-block-skipped",
                "a second Apifox project on the page is not converted",
                f"{source}:{block.line}",
            )
        doc, project_log = convert_project(first.data, source, f"{source}:{first.line}")
        return doc, _joined(log, project_log)
    for block in page.blocks:
        if block not in openapi:
            log.add(
                "markdown-block-skipped",
                "an Apifox project beside OpenAPI blocks is not converted",
                f"{source}:{block.line}",
            )
    reads: list[tuple[ExportRead, str]] = []
    for block in openapi:
        label = f"{source}:{block.line}"
        try:
            repair_shape(block.data, "openapi", label, log)
        except InputError as exc:
            log.add(
                "markdown-block-skipped", f"not an OpenAPI document the converter can read ({exc})", label
            )
            continue
        reads.append((read_export(block.data, label, log, line=block.line), label))
    if not reads:
        raise InputError(f"{source}: no spec block of the page can be read")
    components = _merged_components(reads, log)
    drafts: list[Draft] = []
    for export, _label in reads:
        for draft in export.drafts:
            if len(reads) > 1 and draft.security is None and export.security is not None:
                draft.security = [dict(r) for r in export.security]  # each block's own default
            drafts.append(draft)
    head = reads[0][0]
    title = next((r.info["title"] for r, _ in reads if r.info.get("title")), page.title or source)
    info = {**head.info, "title": title, "version": str(head.info.get("version", "1.0.0"))}
    servers: list[dict[str, Any]] = []
    for read, _label in reads:
        servers += [s for s in read.servers if s not in servers]
    top: dict[str, Any] = {}
    for read, _label in reads:
        for key, value in read.top.items():
            if key == "tags" and isinstance(value, list):
                top["tags"] = unique_tags([*top.get("tags", []), *value])
            else:
                top.setdefault(key, value)
    doc = assemble(
        source=source,
        info=info,
        servers=servers,
        drafts=drafts,
        components=components,
        log=log,
        x_source={"file": source, "format": "apifox-markdown", "blocks": len(reads)},
        security=head.security if len(reads) == 1 else None,
        top=top,
    )
    return doc, log


def _merged_components(reads: list[tuple[ExportRead, str]], log: FindingLog) -> Components:
    merged = Components()
    for read, label in reads:
        parts = [("schemas", merged.schemas, read.components.schemas)]
        parts.append(("securitySchemes", merged.security_schemes, read.components.security_schemes))
        for kind, entries in read.components.others.items():
            parts.append((kind, merged.others.setdefault(kind, {}), entries))
        for kind, into, entries in parts:
            for name, value in entries.items():
                if name not in into:
                    into[name] = value
                elif into[name] != value:
                    log.add(
                        "component-conflict",
                        f"{kind} {name!r} differs from the one an earlier block defines: the first is kept",
                        f"{label}: {pointer('components', kind, name)}",
                    )
    return merged


def _joined(first: FindingLog, second: FindingLog) -> FindingLog:
    for finding in second.findings():
        first.add(finding.rule, finding.message, finding.where)
    return first
