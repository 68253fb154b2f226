"""Helpers for the converter's tests: small Apifox documents built in code, the test data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newapi_contract.apifox import Conversion, convert_text

DATA = Path(__file__).resolve().parents[1] / "data" / "apifox"


def native_project(*apis: dict[str, Any], **extra: Any) -> str:
    """A native Apifox project export holding `apis` in one folder."""
    items = [{"name": f"api {i}", "api": api} for i, api in enumerate(apis)]
    return json.dumps(
        {
            "apifoxProject": "1.0.0",
            "info": {"name": "t"},
            "apiCollection": [{"name": "root", "items": items}],
            **extra,
        }
    )


def convert_api(**api: Any) -> Conversion:
    """Convert one native API (method GET and path /x unless given)."""
    return convert_text(native_project({"method": "get", "path": "/x", **api}), "t.json")


def rules(conversion: Conversion) -> list[str]:
    return [f.rule for f in conversion.findings]


def only_operation(conversion: Conversion) -> tuple[str, dict[str, Any]]:
    ((path, item),) = conversion.document["paths"].items()
    ((_method, operation),) = item.items()
    return path, operation
