"""A bug of the converter costs the part it fails on, or ends in one line: never a traceback.

Real documents the converter has never seen may reach code paths no test took. One API
(or OpenAPI operation) it fails on is dropped by name and the others are converted; a
failure anywhere else ends `convert` and `lint` with one line and exit 4 (an internal
error: the document may well be fine). Bugs are simulated here by making a step raise.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from apifox_docs import native_project, rules

from newapi_contract.apifox import ConverterFault, convert_text, native_api, openapi_export
from newapi_contract.cli import main
from newapi_contract.errors import InputError


def _broken_on(path: str, real):  # the step, failing for one path only
    def step(*args, **kwargs):
        if any(getattr(a, "path", None) == path or a == path for a in args):
            raise TypeError("unhashable type: 'list'")
        return real(*args, **kwargs)

    return step


def test_one_native_api_the_converter_fails_on_costs_only_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    real = native_api._query_in_path
    monkeypatch.setattr(native_api, "_query_in_path", _broken_on("/b", real))
    text = native_project({"method": "get", "path": "/a"}, {"method": "get", "path": "/b"})
    conversion = convert_text(text, "p.json")
    assert list(conversion.document["paths"]) == ["/a"]
    (finding,) = [f for f in conversion.findings if f.rule == "operation-unreadable-dropped"]
    assert finding.where == "p.json: /apiCollection/0/items/1/api"
    assert finding.message.startswith(
        "GET /b: the converter failed on it (TypeError: unhashable type: 'list' at "
    )


def test_one_openapi_operation_the_converter_fails_on_costs_only_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = openapi_export._Converter._draft
    monkeypatch.setattr(openapi_export._Converter, "_draft", _broken_on("/b", real))
    ok = {"responses": {"200": {"description": "ok"}}}
    text = json.dumps(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": ok}, "/b": {"get": ok}},
        }
    )
    conversion = convert_text(text, "e.json")
    assert list(conversion.document["paths"]) == ["/a"]
    assert rules(conversion) == ["operation-unreadable-dropped"]


def test_the_time_bound_is_not_taken_for_one_operations_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    def expire(*_args, **_kwargs):
        raise InputError("p.json: conversion took longer than 30 s: stopped")

    monkeypatch.setattr(native_api, "_query_in_path", expire)
    with pytest.raises(InputError, match="took longer"):
        convert_text(native_project({"method": "get", "path": "/a"}), "p.json")


@pytest.mark.parametrize("command", ["convert", "lint"])
def test_a_fault_elsewhere_is_one_line_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    def broken(*_args, **_kwargs):
        raise ValueError("servers\n  in two lines")

    monkeypatch.setattr(openapi_export, "assemble", broken)
    source = tmp_path / "e.json"
    source.write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}))
    assert main([command, str(source)]) == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "e.json: the converter failed on this document (ValueError: servers in two lines at " in err
    with pytest.raises(ConverterFault):
        convert_text(source.read_text(), "e.json")
