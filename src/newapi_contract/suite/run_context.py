"""The run's shared objects, built once per process (per xdist worker) and lazily.

Nothing touches the network until a contract test asks for the target: plain
`pytest` over the harness's own tests never starts a server or probes a URL.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from newapi_contract.client.api import Credentials, NewApi
from newapi_contract.client.guard import Guard
from newapi_contract.client.ledger import Ledger, new_run_prefix
from newapi_contract.client.pacing import Pacer
from newapi_contract.client.recording import Recorder
from newapi_contract.client.redaction import REDACTOR
from newapi_contract.client.transport import build_client
from newapi_contract.contract.probes import items
from newapi_contract.errors import UsageError
from newapi_contract.suite.bootstrap import (
    Probe,
    block_cookies,
    check_given_users,
    embedded_root,
    probe,
    resolve_users,
)
from newapi_contract.suite.settings import RunSettings

__all__ = ["Actor", "RunContext", "Target"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    base_url: str
    generation: str
    version: str
    embedded: bool
    detected: bool

    def describe(self) -> str:
        where = "embedded reference server" if self.embedded else self.base_url
        how = "detected" if self.detected else "given by --server-generation"
        return f"{where}, generation {self.generation} ({how}), version {self.version or 'unknown'}"


@dataclass
class Actor:
    """A user of the target and the API client that acts as them."""

    role: str  # "owner" or "peer"
    creds: Credentials
    api: NewApi

    @property
    def user_id(self) -> int:
        return self.creds.user_id


@dataclass
class RunContext:
    settings: RunSettings
    worker: str | None = None
    redactor: Any = REDACTOR
    recorder: Recorder = field(default_factory=Recorder)
    ledger: Ledger = field(init=False)
    pacer: Pacer = field(init=False)
    guard: Guard | None = None
    target: Target | None = None
    owner: Actor | None = None
    peer: Actor | None = None
    users_origin: str = ""
    _base_url: str = ""
    ledger_file: bool = True  # persist the ledger, so `cleanup` finds leftovers of a crash
    _server: Any = None
    _probe: Probe | None = None
    _clients: list[httpx.Client] = field(default_factory=list)

    def __post_init__(self) -> None:
        prefix = new_run_prefix(self.worker)
        ledger_path = None
        if self.ledger_file:
            self.settings.report_dir.mkdir(parents=True, exist_ok=True)
            ledger_path = self.settings.report_dir / f"ledger-{prefix.strip('-')}.json"
        self.ledger = Ledger(prefix, ledger_path)
        self.pacer = Pacer(self.settings.rate)

    @property
    def run_prefix(self) -> str:
        return self.ledger.run_prefix

    # -- the target ---------------------------------------------------------------
    def check_target(self) -> Probe:
        """Reach the target (starting the embedded server if there is none) and probe it;
        check credentials given in the environment. No login, no change on the server."""
        if self._probe is not None:
            return self._probe
        base_url = self.settings.base_url or self._start_embedded()
        self.guard = Guard(self.ledger, base_url)
        self._base_url = base_url
        self._probe = probe(self.client(base_url), self.settings.generation)
        if self.settings.owner is not None and self.settings.base_url is not None:
            check_given_users(self.settings, self.client(base_url), self.redactor)
        return self._probe

    def start(self) -> Target:
        """Probe the target, then find (or bootstrap) the test users."""
        if self.target is not None:
            return self.target
        found = self.check_target()
        base_url = self._base_url
        settings = self.settings
        if settings.base_url is None:  # the embedded server is always bootstrapped with root
            username, password = embedded_root()
            settings = replace(
                settings, owner=None, peer=None, root_username=username, root_password=password
            )
        users = resolve_users(
            settings,
            self.client(base_url),
            lambda: self.client(base_url, cookies=True),
            self.redactor,
            found.setup_done,
        )
        self.target = Target(
            base_url,
            found.generation,
            found.version,
            embedded=self.settings.base_url is None,
            detected=found.detected,
        )
        self.owner = Actor("owner", users.owner, NewApi(self.client(base_url), users.owner))
        if users.peer is not None:
            self.peer = Actor("peer", users.peer, NewApi(self.client(base_url), users.peer))
        self.users_origin = users.origin
        return self.target

    def share(self) -> dict[str, Any]:
        """What xdist workers need to use this process's target and users (see `adopt`)."""
        target = self.start()
        assert self.owner is not None
        return {
            "target": [target.base_url, target.generation, target.version, target.embedded, target.detected],
            "owner": [self.owner.user_id, self.owner.creds.access_token],
            "peer": [self.peer.user_id, self.peer.creds.access_token] if self.peer else None,
            "users_origin": self.users_origin,
        }

    def adopt(self, shared: dict[str, Any]) -> None:
        """Use the target and users another process found (the xdist controller): no probe,
        no login, no token rotation in this process."""
        base_url = shared["target"][0]
        self.guard = Guard(self.ledger, base_url)
        self._base_url = base_url
        self.target = Target(*shared["target"])
        for role, placeholder in (("owner", "$NEWAPI_ACCESS_TOKEN"), ("peer", "$NEWAPI_PEER_ACCESS_TOKEN")):
            if shared[role] is None:
                continue
            user_id, token = shared[role]
            self.redactor.add_secret(token, placeholder)
            creds = Credentials(int(user_id), token)
            setattr(self, role, Actor(role, creds, NewApi(self.client(base_url), creds)))
        self.users_origin = shared["users_origin"]

    def adopt_leftovers(self, prefix: str, pages: int = 20) -> list[int]:
        """Record in the ledger the test users' live tokens named `prefix...` (an earlier run's,
        or this run's own that an interrupt kept from being recorded)."""
        adopted: list[int] = []
        for actor in (self.owner, self.peer):
            if actor is None:
                continue
            for page in range(1, pages + 1):
                found = items(actor.api.list_tokens(page=page))
                for item in found:
                    name = str(item.get("name", ""))
                    if name.startswith(prefix) and isinstance(item.get("id"), int):
                        self.ledger.record(item["id"], name, actor.user_id)
                        adopted.append(item["id"])
                if len(found) < 100:
                    break
        return adopted

    def _start_embedded(self) -> str:
        from newapi_contract.target.faults import FAULTS
        from newapi_contract.target.server import ServerConfig, start

        unknown = [f for f in self.settings.embedded_faults if f not in FAULTS]
        if unknown:
            raise UsageError(
                f"unknown fault mode(s) {', '.join(unknown)}; see `newapi-contract serve --list-faults`"
            )
        self._server = start(
            ServerConfig(
                generation=self.settings.embedded_generation,
                faults=self.settings.embedded_faults,
                rate_limits=self.settings.embedded_rate_limits,
                token_cache=self.settings.embedded_token_cache,
                db_path=None,  # in memory: a fresh database for every run
            )
        )
        return self._server.base_url

    def client(self, base_url: str, *, cookies: bool = False) -> httpx.Client:
        """A client on the guarded, paced, recording, redacting stack."""
        assert self.guard is not None
        client = build_client(
            base_url,
            guard=self.guard,
            pacer=self.pacer,
            recorder=self.recorder,
            redactor=self.redactor,
            timeout=self.settings.timeout,
        )
        if not cookies:
            block_cookies(client)
        self._clients.append(client)
        return client

    def actor(self, user_id: int) -> Actor | None:
        return next((a for a in (self.owner, self.peer) if a and a.user_id == user_id), None)

    # -- the end ------------------------------------------------------------------
    def cleanup(self, report: Callable[[str], None] = log.warning) -> list[int]:
        """Delete every live token this run created, one batch call per user (requests are
        rate-limited upstream); return the ids that could not be deleted."""
        left: list[int] = []
        with self.recorder.scope("(cleanup)"):
            # A token whose create was answered but whose id was not yet recorded (an
            # interrupt in between) still carries this run's unique prefix: adopt it.
            try:
                self.adopt_leftovers(self.run_prefix, pages=3)
            except Exception as exc:  # the ledger's own entries are still cleaned up below
                report(f"cleanup could not list this run's tokens: {exc}")
            for owner_id in sorted({entry.owner_id for entry in self.ledger.live()}):
                ids = [e.token_id for e in self.ledger.live() if e.owner_id == owner_id]
                actor = self.actor(owner_id)
                if actor is None:
                    left.extend(ids)
                    continue
                try:
                    answer = actor.api.batch_delete(ids)
                    remaining = {item.get("id") for item in items(actor.api.list_tokens())} & set(ids)
                except Exception as exc:  # cleanup goes on for the other user, and says what failed
                    report(f"cleanup of tokens {ids} failed: {exc}")
                    left.extend(ids)
                    continue
                if answer.success is not True:
                    report(f"cleanup: batch delete of {ids} answered {answer.message!r}")
                for token_id in ids:
                    if token_id in remaining or answer.success is not True:
                        left.append(token_id)
                    else:
                        self.ledger.mark_deleted(token_id)
        if not left and self.ledger.path is not None:
            with contextlib.suppress(FileNotFoundError):
                Path(self.ledger.path).unlink()
        return left

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        if self._server is not None:
            self._server.stop()
            self._server = None
