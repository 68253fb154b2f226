"""Bounded: whatever the input, a conversion ends within seconds, in one line past a bound."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from apifox_docs import native_project

from newapi_contract.apifox import convert_text, limits
from newapi_contract.errors import InputError

# 424 bytes: nine levels of nine aliases each, 9**9 (387 million) strings once expanded.
ALIAS_BOMB = (
    "# a billion laughs, as a CI job may get it.\n"
    "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
    "x-a: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(
        f"x-{b}: &{b} [{','.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
    )
)


def _cli(path: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "newapi_contract.cli", "convert", str(path)]
    return subprocess.run(command, capture_output=True, text=True, check=False, env=env, timeout=60)


def test_the_alias_bomb_is_424_bytes() -> None:
    assert len(ALIAS_BOMB.encode()) == 424


def test_an_alias_bomb_is_refused_within_two_seconds() -> None:
    started = time.monotonic()
    with pytest.raises(InputError, match="aliases are expanded"):
        convert_text(ALIAS_BOMB, "bomb.yaml")
    assert time.monotonic() - started < 2.0


def test_the_command_refuses_an_alias_bomb_in_one_line(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB)
    done = _cli(bomb)
    assert done.returncode == 2
    assert done.stdout == "" and done.stderr.count("\n") == 1, done.stderr
    assert "bomb.yaml: YAML too big to convert" in done.stderr


def test_shared_aliases_of_a_real_size_still_convert() -> None:
    text = (
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /x:\n    get:\n      responses:\n        '200': &ok {description: ok}\n"
        "  /y:\n    get:\n      responses:\n        '200': *ok\n"
    )
    assert set(convert_text(text, "t.yaml").document["paths"]) == {"/x", "/y"}


def test_a_recursive_alias_is_refused() -> None:
    text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-loop: &l [*l]\n"
    with pytest.raises(InputError, match="contains it"):
        convert_text(text, "t.yaml")


def test_nesting_deeper_than_the_bound_is_refused() -> None:
    deep = "[" * (limits.MAX_DEPTH + 5) + "]" * (limits.MAX_DEPTH + 5)
    text = '{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "x-deep": ' + deep + "}"
    with pytest.raises(InputError, match="levels deep"):
        convert_text(text, "t.json")


def test_an_output_past_its_bound_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_OUTPUT_BYTES", 100)
    monkeypatch.setattr("newapi_contract.apifox.MAX_OUTPUT_BYTES", 100)
    with pytest.raises(InputError, match=r"MiB of OpenAPI, more than"):
        convert_text(native_project({"method": "get", "path": "/x"}), "p.json")


def test_a_conversion_past_its_time_is_stopped(tmp_path: Path) -> None:
    source = tmp_path / "p.json"
    apis = [{"method": "get", "path": f"/x{i}"} for i in range(400)]
    source.write_text(native_project(*apis))
    env = {"PATH": "/usr/bin:/bin", "NEWAPI_APIFOX_TIME_LIMIT": "0.05"}
    done = _cli(source, env)
    assert done.returncode == 2 and "took longer than 0.05 s" in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr


def test_a_time_limit_that_is_not_a_number_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "p.json"
    source.write_text(native_project({"method": "get", "path": "/x"}))
    done = _cli(source, {"PATH": "/usr/bin:/bin", "NEWAPI_APIFOX_TIME_LIMIT": "soon"})
    assert done.returncode == 2 and "NEWAPI_APIFOX_TIME_LIMIT" in done.stderr


def test_an_overlay_with_an_alias_bomb_is_refused_in_one_line(tmp_path: Path) -> None:
    from newapi_contract.apifox.overlay import load_overlay

    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(ALIAS_BOMB.replace("openapi: 3.1.0", "overlay: 1.0.0"))
    started = time.monotonic()
    with pytest.raises(InputError, match="aliases are expanded"):
        load_overlay(overlay)
    assert time.monotonic() - started < 2.0


def test_many_invalid_parts_are_repaired_in_a_few_validation_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    # A real Apidog export (250 APIs) had 30 operations the validator rejected; a pass over
    # the whole document per error took over 30 s. Every error a pass finds is repaired at once.
    from newapi_contract.apifox import document

    passes: list[int] = []
    real_all_errors = document.all_errors

    def counted(doc: dict[str, object]) -> list[tuple[str, str]]:
        passes.append(1)
        return real_all_errors(doc)

    monkeypatch.setattr(document, "all_errors", counted)
    bad = {"responses": {"200": {"description": "d", "content": 5}}}
    paths = {f"/op{i}": {"get": bad, "post": bad} for i in range(20)}
    text = json.dumps({"openapi": "3.0.1", "info": {"title": "t", "version": "1"}, "paths": paths})
    conversion = convert_text(text, "many.json")
    document.validate(conversion.document, "many.json")
    assert sum(len(item) for item in conversion.document["paths"].values()) == 40
    assert [f.rule for f in conversion.findings].count("malformed-part-dropped") == 40
    assert len(passes) <= 3
