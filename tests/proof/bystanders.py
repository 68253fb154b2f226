"""Tokens the run did not create, around the ids it will use, on a reference server in this
process: the test users' own earlier tokens and other users' tokens, made through the public
API before the run (low ids, and the ids today's odd ids name: 1-30 and 1000) and while it
runs (interleaved with the run's ids, and above them). Each is remembered as the store
held it right after its creation, every column, so any later change shows.

Users are made the data-safety benchmark's way (`bench/data_safety.py`).
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import threading
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import httpx

from newapi_contract.paths import PROJECT_ROOT
from newapi_contract.refserver.server import RunningServer


def _load_population() -> ModuleType:
    path = PROJECT_ROOT / "bench" / "data_safety.py"
    spec = importlib.util.spec_from_file_location("data_safety", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


population = _load_population()
RUN_PREFIX = "nac-"
# Ids the owner holds before the run: where a mis-read odd id lands (today's suite sends
# `%D9%A3`, `%EF%BC%91`, `1.5`, `1e3`, `0x10`, `1_000`, ` 1`...: 3, 1, 16, 1000).
OWNER_IDS = {*range(1, 31), *range(1000, 1011)}
LAST_BEFORE = max(OWNER_IDS)


@dataclass
class Bystanders:
    """The server's users and every foreign token, as it was when made."""

    server: RunningServer
    owner: Any
    peer: Any
    others: list[Any]
    tokens: dict[int, dict[str, Any]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _names: Any = field(default_factory=lambda: itertools.count(1))

    def env(self) -> dict[str, str]:
        """The NEWAPI_* variables of a tester running as owner, with peer."""
        return {
            "NEWAPI_ACCESS_TOKEN": self.owner.access_token,
            "NEWAPI_USER_ID": str(self.owner.id),
            "NEWAPI_PEER_ACCESS_TOKEN": self.peer.access_token,
            "NEWAPI_PEER_USER_ID": str(self.peer.id),
        }

    def _create(self, client: httpx.Client, user: Any) -> int:
        name = f"foreign-{user.username}-{next(self._names):05d}"
        body = {"name": name, "remain_quota": 700, "expired_time": -1}
        answer = client.post("/api/token/", json=body, headers=user.headers).json()
        assert answer["success"] is True, answer
        (row,) = self.server.store.all_tokens(name)
        self.tokens[row["id"]] = row
        return row["id"]

    def populate(self) -> None:
        """Ids 1 to LAST_BEFORE: the owner's at OWNER_IDS, the others' in between."""
        fillers = itertools.cycle([self.peer, *self.others])
        with httpx.Client(base_url=self.server.base_url, timeout=10) as client:
            for token_id in range(1, LAST_BEFORE + 1):
                user = self.owner if token_id in OWNER_IDS else next(fillers)
                assert self._create(client, user) == token_id

    def keep_creating(self, every_s: float = 0.05) -> None:
        """While the run goes on, a token every `every_s` seconds, owners taking turns."""

        def loop() -> None:
            users = itertools.cycle([self.owner, self.peer, *self.others])
            with httpx.Client(base_url=self.server.base_url, timeout=10) as client:
                while not self._stop.wait(every_s):
                    self._create(client, next(users))

        self._thread = threading.Thread(target=loop, name="bystanders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def changes(self) -> list[str]:
        """One line per foreign token that is gone or differs in any column now."""
        now = {row["id"]: row for row in self.server.store.all_tokens()}
        lines = []
        for token_id, before in sorted(self.tokens.items()):
            after = now.get(token_id)
            if after is None:
                lines.append(f"token {token_id} ({before['name']}): gone from the store")
                continue
            changed = sorted(column for column in before if before[column] != after[column])
            if changed:
                shown = ", ".join(f"{c} {before[c]!r} -> {after[c]!r}" for c in changed)
                lines.append(f"token {token_id} ({before['name']}): {shown}")
        return lines

    def run_ids(self) -> list[int]:
        """Ids of the tokens the run created (its `nac-` prefix)."""
        return [row["id"] for row in self.server.store.all_tokens() if row["name"].startswith(RUN_PREFIX)]


def bystanders(server: RunningServer) -> Bystanders:
    """Root set up, the tester's two users and two others registered; nothing created yet."""
    base_url = server.base_url
    population.setup_root(base_url)
    owner, peer, *others = (
        population.register_user(base_url, name, f"{name}-password")
        for name in ("qa-owner", "qa-peer", "other-1", "other-2")
    )
    return Bystanders(server, owner, peer, others)
