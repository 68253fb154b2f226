"""`newapi-contract convert` / `lint` through the CLI entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from apifox_docs import DATA

from newapi_contract.cli import main
from newapi_contract.paths import EFFECTIVE_CONTRACT, OVERLAY_FILE, PLAIN_CONTRACT, SEED_SOURCE


def test_check_passes_on_the_committed_contracts(capsys) -> None:
    assert main(["convert", "--check"]) == 0
    assert "2 contract file(s) up to date" in capsys.readouterr().out


@pytest.fixture
def copies(tmp_path: Path) -> tuple[Path, Path]:
    plain, effective = tmp_path / "plain.json", tmp_path / "effective.json"
    shutil.copyfile(PLAIN_CONTRACT, plain)
    shutil.copyfile(EFFECTIVE_CONTRACT, effective)
    return plain, effective


def check(plain: Path, effective: Path) -> int:
    return main(
        [
            "convert",
            str(SEED_SOURCE),
            "--check",
            "--out",
            str(plain),
            "--overlay",
            str(OVERLAY_FILE),
            "--effective-out",
            str(effective),
        ]
    )


def test_check_on_fresh_copies_passes(copies, capsys) -> None:
    assert check(*copies) == 0


def test_check_names_a_stale_file_and_writes_nothing(copies, capsys) -> None:
    plain, effective = copies
    effective.write_text(effective.read_text(encoding="utf-8").replace("删除令牌", "x"), encoding="utf-8")
    stale = effective.read_bytes()
    assert check(plain, effective) == 1
    out = capsys.readouterr().out
    assert "effective.json: stale" in out and "plain.json" not in out
    assert effective.read_bytes() == stale


def test_check_names_a_missing_file(copies, capsys) -> None:
    plain, effective = copies
    plain.unlink()
    assert check(plain, effective) == 1
    assert "plain.json: missing" in capsys.readouterr().out
    assert not plain.exists()


def test_convert_writes_both_files_and_check_then_passes(tmp_path, capsys) -> None:
    plain, effective = tmp_path / "out" / "p.json", tmp_path / "out" / "e.json"
    args = [
        "convert",
        str(SEED_SOURCE),
        "--out",
        str(plain),
        "--overlay",
        str(OVERLAY_FILE),
        "--effective-out",
        str(effective),
    ]
    assert main(args) == 0
    assert plain.read_bytes() == PLAIN_CONTRACT.read_bytes()
    assert effective.read_bytes() == EFFECTIVE_CONTRACT.read_bytes()
    assert main([*args, "--check"]) == 0
    assert sorted(p.name for p in plain.parent.iterdir()) == ["e.json", "p.json"]  # no temp files


def test_convert_to_stdout_keeps_stdout_pure_json(capsys) -> None:
    assert main(["convert", str(DATA / "gfcli-2021.apifox.json"), "--lint"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["openapi"] == "3.1.0"
    assert "[path-leading-slash]" in captured.err


def test_lint_text(capsys) -> None:
    assert main(["lint", str(SEED_SOURCE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "000_delete_token.apifox.txt: 参数.header[0]: [content-type-header] required "
        "content-type header dropped: the operation has no request body" in lines
    )


def test_lint_json(capsys) -> None:
    assert main(["lint", str(DATA / "midway-chat.openapi-3.0.json"), "--format", "json"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert {
        "rule": "malformed-server-dropped",
        "message": "server URL 'ws//192.168.88.128:29999' is not a URL: dropped",
        "where": "midway-chat.openapi-3.0.json: /servers/3",
    } in findings


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty file"),
        (b"  \n", "empty file"),
        (b'{"apifoxProject": "1.0.0", "apiCollection": [', "malformed JSON (truncated?)"),
        (b'{"info": {}}', "unknown format"),
        (b"hello\nworld\n", "unknown format"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b'{"apifoxProject": "1.0.0", "apiCollection": 5}', "/apiCollection: 5 is not of type"),
        (b'{"swagger": "2.0", "info": {}}', "'paths' is a required property"),
        (b'{"swagger": "1.2", "paths": {}}', "Swagger 1.2 is not supported"),
    ],
)
@pytest.mark.parametrize("command", ["convert", "lint"])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, command, content, message) -> None:
    source = tmp_path / "in.json"
    if content is not None:
        source.write_bytes(content)
    out = tmp_path / "out.json"
    args = [command, str(source)] + (["--out", str(out)] if command == "convert" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("newapi-contract: error: ")
    assert "in.json" in err and message in err
    assert not out.exists()


def test_overlay_without_effective_out_is_a_usage_error(capsys) -> None:
    assert main(["convert", str(SEED_SOURCE), "--overlay", str(OVERLAY_FILE)]) == 2
    assert "--overlay and --effective-out go together" in capsys.readouterr().err


REFUSED = {
    "openapi": "3.0.1",
    "info": {"title": "t", "version": "1"},
    "paths": {"/x": {"get": "an operation that is not an object"}},  # its only operation is lost
    "externalDocs": {"description": "the manual, but no url"},  # repaired (dropped), not refused
}


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_lint_reports_what_convert_did_also_when_the_output_is_refused(tmp_path, capsys, fmt) -> None:
    source = tmp_path / "refused.json"
    source.write_text(json.dumps(REFUSED), encoding="utf-8")
    assert main(["lint", str(source), "--format", fmt]) == 2
    captured = capsys.readouterr()
    assert "openapi-version-upgraded" in captured.out  # the findings made before the refusal
    assert captured.err.count("\n") == 1
    expected = (
        "refused.json: no operation can be made valid OpenAPI (first dropped at refused.json: /paths/~1x/get"
    )
    assert expected in captured.err
    assert main(["convert", str(source), "--lint"]) == 2
    captured = capsys.readouterr()
    assert "openapi-version-upgraded" in captured.err and captured.out == ""


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("api.yaml", "openapi: 3.0.1\npaths:\n  /x: [get\n", "malformed YAML at line 3"),
        ("page.md", "# T\n\n```yaml\nopenapi: 3.0.1\npaths: [\n```\n", "without a readable spec block"),
        ("notes.md", "# Notes\n\nprose only\n", "unknown format"),
        ("v2.yaml", "swagger: '2.0'\npaths: []\n", "/paths: [] is not of type 'object'"),
    ],
)
def test_bad_yaml_and_markdown_input_is_one_line_exit_2(tmp_path, capsys, name, content, message) -> None:
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    assert main(["lint", str(source)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and name in err


def test_convert_reads_a_markdown_page_to_stdout(tmp_path, capsys) -> None:
    source = tmp_path / "page.md"
    spec = (
        "openapi: 3.1.0\ninfo: {title: '', version: '1'}\n"
        "paths:\n  /x: {get: {responses: {'200': {description: ok}}}}\n"
    )
    source.write_text(f"# 列表\n\n```yaml\n{spec}```\n", encoding="utf-8")
    assert main(["convert", str(source)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["info"]["title"] == "列表" and list(doc["paths"]) == ["/x"]


def test_findings_as_json_beside_written_files_are_one_json_document(tmp_path, capsys) -> None:
    # `convert SOURCE --out F --lint --format json` printed "wrote F" before the JSON on stdout.
    out = tmp_path / "o.json"
    source = str(DATA / "gfcli-2021.apifox.json")
    assert main(["convert", source, "--out", str(out), "--lint", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert any(f["rule"] == "path-leading-slash" for f in json.loads(captured.out))
    assert captured.err.startswith("wrote ")
    assert json.loads(out.read_text())["openapi"] == "3.1.0"
