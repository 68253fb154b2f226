"""What a tester has at hand: users on a server (created the data-safety benchmark's way,
`bench/data_safety.py`, so the benchmark's population code is tested too) and the
NEWAPI_* variables they would export."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType
from typing import Any

from newapi_contract.paths import PROJECT_ROOT


def _load_population() -> ModuleType:
    path = PROJECT_ROOT / "bench" / "data_safety.py"
    spec = importlib.util.spec_from_file_location("data_safety", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


population = _load_population()


def user_env(owner: Any, peer: Any = None) -> dict[str, str]:
    """The NEWAPI_* variables a tester would export for these users."""
    env = {"NEWAPI_ACCESS_TOKEN": owner.access_token, "NEWAPI_USER_ID": str(owner.id)}
    if peer is not None:
        env |= {"NEWAPI_PEER_ACCESS_TOKEN": peer.access_token, "NEWAPI_PEER_USER_ID": str(peer.id)}
    return env
