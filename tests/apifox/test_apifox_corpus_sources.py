"""tools/apifox_corpus: the source list names every document fully, and the fetcher asks for it right."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from apifox_docs import DATA

from tools.apifox_corpus import fetch
from tools.apifox_corpus.survey import corpus_documents, source_operations

ENTRIES = fetch.documents()


def test_at_least_thirty_documents_each_named_by_repository_path_commit_and_licence() -> None:
    assert len(ENTRIES) >= 30
    for entry in ENTRIES:
        assert set(entry) >= {"file", "repo", "path", "commit", "licence", "format", "bytes"}, entry
        assert re.fullmatch(r"[0-9a-f]{40}", entry["commit"]), entry
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", entry["repo"]), entry
    assert len({e["file"] for e in ENTRIES}) == len(ENTRIES)


def test_a_path_outside_ascii_is_quoted_in_its_raw_url() -> None:
    entry = {"repo": "o/r", "commit": "a" * 40, "path": "docs/默认模块.md"}
    assert (
        fetch.url(entry)
        == f"https://raw.githubusercontent.com/o/r/{'a' * 40}/docs/%E9%BB%98%E8%AE%A4%E6%A8%A1%E5%9D%97.md"
    )


def test_fetch_writes_each_document_under_its_file_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "documents:\n  - {file: a.json, repo: o/r, path: x/a.json, commit: " + "b" * 40 + ", bytes: 2}\n"
    )
    asked: list[str] = []

    def urlopen(url: str, timeout: float) -> io.BytesIO:
        asked.append(url)
        return io.BytesIO(b"{}")

    monkeypatch.setattr(fetch.urllib.request, "urlopen", urlopen)
    assert fetch.fetch(tmp_path / "out", sources=sources) == 0
    assert asked == [f"https://raw.githubusercontent.com/o/r/{'b' * 40}/x/a.json"]
    assert (tmp_path / "out" / "a.json").read_bytes() == b"{}"
    assert fetch.fetch(tmp_path / "out", sources=sources) == 0 and len(asked) == 1  # there: not asked again


def test_the_survey_counts_operations_from_what_each_format_states(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(
        '{"openapi": "3.0.1", "paths": {"/x": {"get": {}, "post": {}, "parameters": []}}}'
    )
    (tmp_path / "b.json").write_text(
        '{"apifoxProject": "1.1.0", "httpCollection": [{"items": [{"method": "get", "path": "/y"}],'
        ' "children": [{"items": [{"method": "put", "path": "/z"}]}]}]}'
    )
    (tmp_path / "c.md").write_text("## GET one\n\nGET /one\n\n## POST two\n\nPOST /two\n")
    (tmp_path / "NOTICE.md").write_text("## GET not a document\n")
    found = corpus_documents([tmp_path])
    assert [p.name for p in found] == ["a.json", "b.json", "c.md"]
    assert [source_operations(p) for p in found] == [2, 2, 2]


def test_an_operation_dropped_before_conversion_counts_as_named(tmp_path: Path) -> None:
    from tools.apifox_corpus.survey import survey_one

    source = tmp_path / "a.json"
    ok = '{"responses": {"200": {"description": "ok"}}}'
    source.write_text(
        '{"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, '
        f'"paths": {{"/x": {{"get": "soon", "post": {ok}}}}}}}'
    )
    outcome, conversion = survey_one(source)
    assert conversion is not None
    assert (outcome.source_operations, outcome.operations, outcome.dropped) == (2, 1, 1)


def test_the_cli_check_runs_a_document_as_a_user_would(tmp_path: Path) -> None:
    import sys

    from tools.apifox_corpus.check import check_one

    command = [sys.executable, "-m", "newapi_contract.cli"]
    row = check_one(DATA / "gfcli-2021.apifox.json", command, tmp_path)
    assert (row.kind, row.exit, row.source_operations, row.operations, row.problems) == (
        "apifox-native",
        0,
        3,
        3,
        [],
    )
    assert row.findings and row.findings > 0
    refused = tmp_path / "postman.json"
    refused.write_text('{"info": {"schema": "https://schema.getpostman.com/x"}, "item": []}')
    row = check_one(refused, command, tmp_path)
    assert (row.exit, row.problems) == (2, [])


def test_the_fuzz_tells_a_fault_from_a_refusal() -> None:
    from tools.apifox_corpus.fuzz import fault_of

    assert fault_of("{", "a.json") is None  # malformed: refused, as it should be
    assert fault_of((DATA / "gfcli-2021.apifox.json").read_text(encoding="utf-8"), "g.json") is None
