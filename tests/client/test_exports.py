"""The client layer's public surface: what other rooms code against exists and is exported."""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest

PUBLIC = {
    "ids": {"go_atoi", "token_id_acted_on"},
    "ledger": {"Ledger", "LedgerEntry", "new_run_prefix"},
    "guard": {"Guard"},
    "pacing": {"Pacer"},
    "limits": {"buckets_for"},
    "road": {"Road", "Attempt", "is_proxy_answer"},
    "redaction": {"REDACTOR", "RedactingFilter", "Redactor"},
    "recording": {"Exchange", "Recorder"},
    "transport": {"GuardTransport", "PacingTransport", "RecordingTransport", "RoadTransport", "build_client"},
    "requests_adapter": {"guarded_session"},
    "api": {"Answer", "Credentials", "NewApi"},
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_public_names_are_exported(module: str) -> None:
    loaded = importlib.import_module(f"newapi_contract.client.{module}")
    assert PUBLIC[module] <= set(loaded.__all__)
    assert all(hasattr(loaded, name) for name in loaded.__all__)


def test_client_imports_only_errors_from_the_package() -> None:
    # ARCHITECTURE.md: `client` imports only the standard library, httpx, requests and errors.
    root = pathlib.Path(importlib.import_module("newapi_contract.client").__file__).parent
    for source in root.glob("*.py"):
        for imported in re.findall(r"^\s*(?:from|import) (newapi_contract\S*)", source.read_text(), re.M):
            assert imported == "newapi_contract.errors" or imported.startswith("newapi_contract.client"), (
                f"{source.name} imports {imported}"
            )
