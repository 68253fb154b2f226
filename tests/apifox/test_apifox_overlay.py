"""Overlay 1.0 application: merge, remove, strictness about targets that match nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from newapi_contract.apifox import convert_file
from newapi_contract.apifox.overlay import apply_overlay, load_overlay, merge
from newapi_contract.errors import InputError
from newapi_contract.paths import OVERLAY_FILE, SEED_SOURCE


@pytest.mark.parametrize(
    ("target", "update", "expected"),
    [
        ({"a": 1, "b": {"c": 1}}, {"b": {"d": 2}}, {"a": 1, "b": {"c": 1, "d": 2}}),
        ({"a": 1}, {"a": {"x": 1}}, {"a": {"x": 1}}),
        ({"l": [1]}, {"l": [2, 3]}, {"l": [1, 2, 3]}),
        ([1], 2, [1, 2]),
        ([1], [2], [1, 2]),
    ],
)
def test_merge(target, update, expected) -> None:
    merge(target, update, "t")
    assert target == expected


def test_merge_refuses_an_object_into_a_scalar_target() -> None:
    with pytest.raises(InputError):
        merge("text", {"a": 1}, "t")


@pytest.fixture
def plain() -> dict:
    return convert_file(SEED_SOURCE).document


def overlay(*actions: dict) -> dict:
    return {"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": list(actions)}


OPERATION = "$.paths['/api/token/{id}'].delete"


def test_the_input_document_is_not_changed(plain) -> None:
    before = repr(plain)
    apply_overlay(plain, load_overlay(OVERLAY_FILE), "overlay.yaml")
    assert repr(plain) == before


def test_remove_an_array_element(plain) -> None:
    result = apply_overlay(
        plain,
        overlay({"target": f"{OPERATION}.parameters[?(@.name == 'New-Api-User')]", "remove": True}),
        "o",
    )
    assert [p["name"] for p in result["paths"]["/api/token/{id}"]["delete"]["parameters"]] == ["id"]


def test_target_matching_nothing_is_an_error(plain) -> None:
    with pytest.raises(InputError, match="matches nothing"):
        apply_overlay(plain, overlay({"target": "$.paths['/nope'].get", "remove": True}), "o.yaml")


def test_action_without_update_or_remove_is_an_error(plain) -> None:
    with pytest.raises(InputError, match="neither"):
        apply_overlay(plain, overlay({"target": "$.info"}), "o.yaml")


def test_result_must_stay_valid_openapi(plain) -> None:
    with pytest.raises(InputError, match="invalid OpenAPI"):
        apply_overlay(plain, overlay({"target": "$.info", "update": {"version": 5}}), "o.yaml")


def test_every_action_of_the_project_overlay_names_a_reference_section() -> None:
    for action in load_overlay(OVERLAY_FILE)["actions"]:
        assert "reference §" in action["description"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("overlay: 1.0.0\ninfo: {title: t, version: '1'}\n", "not an Overlay 1.0 document"),
        ("actions: [\n", "malformed YAML"),
        (
            "overlay: 2.0.0\ninfo: {title: t, version: '1'}\nactions: [{target: '$'}]\n",
            "not an Overlay 1.0 document",
        ),
    ],
)
def test_bad_overlay_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "o.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_overlay(path)
