"""The run's shared objects, built once per process (per xdist worker) and lazily.

Nothing touches the network until a contract test asks for the target: plain
`pytest` over the harness's own tests never starts a server or probes a URL.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from newapi_contract.client.api import Credentials, NewApi
from newapi_contract.client.guard import Guard
from newapi_contract.client.ids import MAX_INT64, token_id_acted_on
from newapi_contract.client.ledger import Ledger, new_run_prefix
from newapi_contract.client.pacing import Pacer
from newapi_contract.client.recording import Exchange, Recorder
from newapi_contract.client.redaction import REDACTOR
from newapi_contract.client.road import Attempt, Road
from newapi_contract.client.transport import build_client
from newapi_contract.contract.answers import NOT_FOUND
from newapi_contract.contract.features import Features, detect
from newapi_contract.contract.probes import items
from newapi_contract.errors import UsageError
from newapi_contract.run.bootstrap import (
    Probe,
    block_cookies,
    check_given_users,
    embedded_root,
    probe,
    resolve_users,
)
from newapi_contract.run.cleanup import clean_up, hint
from newapi_contract.run.model_feed import TOKEN_ID_PATH, observe_exchange
from newapi_contract.run.settings import RunSettings

__all__ = ["NETWORK_FILE", "Actor", "RunContext", "Target", "preflight"]

# In the report directory after a run behind `--embedded-network flaky...`: its spec and
# what it injected, per kind.
NETWORK_FILE = "network.json"

log = logging.getLogger(__name__)

CLEANUP_PATIENCE_S = 120.0


@dataclass(frozen=True)
class Target:
    base_url: str
    generation: str
    version: str
    embedded: bool
    detected: bool
    features: Features | None = field(default=None, compare=False)  # set once the users are known

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
    run_id: str | None = None  # the xdist controller's, shared by its workers
    redactor: Any = REDACTOR
    recorder: Recorder = field(default_factory=Recorder)
    ledger: Ledger = field(init=False)
    pacer: Pacer = field(init=False)
    road: Road = field(init=False)
    guard: Guard | None = None
    target: Target | None = None
    owner: Actor | None = None
    peer: Actor | None = None
    users_origin: str = ""
    _base_url: str = ""
    ledger_file: bool = True  # persist the ledger, so `cleanup` finds leftovers of a crash
    _server: Any = None
    _proxy: Any = None  # the flaky network in front of the embedded server, if asked for
    _probe: Probe | None = None
    _clients: list[httpx.Client] = field(default_factory=list)
    # Names of tokens asked for whose ids are not in the ledger yet (an interrupt or a lost
    # answer in between): cleanup then looks for them by the run prefix.
    pending_names: set[str] = field(default_factory=set)
    audited: bool = False  # the audit (contract.audit) has looked at this process's tokens
    audit_result: Any = None  # its (findings, tokens, observation), shared by its clauses
    # Clauses a test of this process reported that, under xdist, a worker that ran none of
    # their tests judges at its session's end instead (the audit's, DEL-GEN-2: suite.plugin).
    reported_here: set[str] = field(default_factory=set)
    # Under xdist: the verdicts of those clauses no test of this worker reported, judged at its
    # session's end (suite.plugin), for the controller's tally.
    audit_verdicts: dict[str, Any] = field(default_factory=dict)
    closed: bool = False  # `close` ran: clients closed, servers stopped

    def __post_init__(self) -> None:
        prefix = new_run_prefix(self.worker, self.run_id)
        ledger_path = None
        if self.ledger_file:
            self.settings.report_dir.mkdir(parents=True, exist_ok=True)
            ledger_path = self.settings.report_dir / f"ledger-{prefix.strip('-')}.json"
        self.ledger = Ledger(prefix, ledger_path)
        self.pacer = Pacer(self.settings.rate, budget_s=self.settings.max_wait)
        self.road = Road(self._settle, patience_s=self.settings.network_patience)
        self.recorder.listen(self._observe)

    @property
    def run_prefix(self) -> str:
        return self.ledger.run_prefix

    @property
    def run_family(self) -> str:
        """The prefix every process of this run shares (`nac-<run id>-`)."""
        return "-".join(self.run_prefix.split("-")[:2]) + "-"

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
            username, password = embedded_root(self.settings.embedded_generation)
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
        self.owner = Actor("owner", users.owner, self._api(base_url, users.owner))
        if users.peer is not None:
            self.peer = Actor("peer", users.peer, self._api(base_url, users.peer))
        self.users_origin = users.origin
        self.target = Target(
            base_url,
            found.generation,
            found.version,
            embedded=self.settings.base_url is None,
            detected=found.detected,
            features=detect(self.owner.api, found.generation),
        )
        return self.target

    def share(self) -> dict[str, Any]:
        """What xdist workers need to use this process's target and users (see `adopt`)."""
        target = self.start()
        assert self.owner is not None
        assert target.features is not None
        return {
            "target": [target.base_url, target.generation, target.version, target.embedded, target.detected],
            "features": target.features.as_dict(),
            "owner": [self.owner.user_id, self.owner.creds.access_token],
            "peer": [self.peer.user_id, self.peer.creds.access_token] if self.peer else None,
            "users_origin": self.users_origin,
            "run_id": self.run_family.split("-")[1],
        }

    def adopt(self, shared: dict[str, Any]) -> None:
        """Use the target and users another process found (the xdist controller): no probe,
        no login, no token rotation in this process."""
        base_url = shared["target"][0]
        self.guard = Guard(self.ledger, base_url)
        self._base_url = base_url
        base, generation, version, embedded, detected = shared["target"]
        features = Features.from_dict(shared["features"])
        self.target = Target(base, generation, version, embedded, detected, features=features)
        for role, placeholder in (("owner", "$NEWAPI_ACCESS_TOKEN"), ("peer", "$NEWAPI_PEER_ACCESS_TOKEN")):
            if shared[role] is None:
                continue
            user_id, token = shared[role]
            self.redactor.add_secret(token, placeholder)
            creds = Credentials(int(user_id), token)
            setattr(self, role, Actor(role, creds, self._api(base_url, creds)))
        self.users_origin = shared["users_origin"]

    def adopt_leftovers(self, prefix: str) -> list[int]:
        """Record in the ledger the test users' live tokens named `prefix...` (an earlier run's,
        or this run's own that an interrupt kept from being recorded)."""
        adopted: list[int] = []
        for actor in (self.owner, self.peer):
            if actor is None:
                continue
            for item in actor.api.list_all().tokens:
                name = str(item.get("name", ""))
                if name.startswith(prefix) and isinstance(item.get("id"), int):
                    self.ledger.record(item["id"], name, actor.user_id)
                    adopted.append(item["id"])
        return adopted

    def _start_embedded(self) -> str:
        from newapi_contract.refserver.faults import FAULTS
        from newapi_contract.refserver.ratelimit import RateLimits, parse_limit_spec
        from newapi_contract.refserver.server import ServerConfig, start

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
                limits=parse_limit_spec(spec) if (spec := self.settings.embedded_limit) else RateLimits(),
                token_cache=self.settings.embedded_token_cache,
                db_path=None,  # in memory: a fresh database for every run
            )
        )
        network = self.settings.embedded_network
        if network is None:
            return self._server.base_url
        from newapi_contract.refserver.flaky import start_proxy

        self._proxy = start_proxy(self._server.base_url, network)
        return self._proxy.base_url

    def client(self, base_url: str, *, cookies: bool = False) -> httpx.Client:
        """A client on the guarded, paced, recording, redacting stack."""
        assert self.guard is not None
        client = build_client(
            base_url,
            guard=self.guard,
            pacer=self.pacer,
            recorder=self.recorder,
            redactor=self.redactor,
            road=self.road,
            timeout=self.settings.timeout,
        )
        if not cookies:
            block_cookies(client)
        self._clients.append(client)
        return client

    def _api(self, base_url: str, creds: Credentials) -> NewApi:
        def answered_deleted(ids: list[int], deleted: int) -> None:
            self._answered_deleted(creds.user_id, ids, deleted)

        def route_seen(feature: str, present: bool) -> None:
            if self.target is not None and self.target.features is not None:
                self.target.features.note_route(feature, present)

        return NewApi(self.client(base_url), creds, on_deleted=answered_deleted, on_route=route_seen)

    def _answered_deleted(self, user_id: int, ids: list[int], deleted: int) -> None:
        """Note what the server says it deleted, when that is unambiguous: the number deleted
        is the number of the user's own live ids asked for (cleanup still checks, see
        `_cleanup_once`)."""
        live = {e.token_id for e in self.ledger.live() if e.owner_id == user_id}
        asked = [i for i in dict.fromkeys(ids) if i in live]
        if len(asked) == deleted:
            for token_id in asked:
                self.ledger.mark_deleted(token_id)

    def _observe(self, exchange: Exchange, scope: str) -> None:
        """Feed the run's model (`client.ledger`) from every exchange of every layer: what
        each delete and batch delete was meant to delete and what came of it, and which
        tokens each list, search and GET answer showed alive."""
        observe_exchange(self.ledger, exchange, scope, time.time(), self._sender(exchange))

    def _sender(self, exchange: Exchange) -> int | None:
        """Whose credential a recorded request carried (its Authorization is redacted: the
        actors' access tokens are compared in the redacted form), 0 for none at all."""
        sent = next((v for k, v in exchange.request_headers.items() if k.lower() == "authorization"), None)
        if not sent:
            return 0
        shown = {
            actor.user_id: self.redactor.text(actor.creds.access_token)
            for actor in (self.owner, self.peer)
            if actor is not None
        }
        if len(set(shown.values())) < len(shown):
            return None  # one placeholder for both: the run cannot tell them apart
        return next((user for user, text in shown.items() if text in sent), None)

    def actor(self, user_id: int) -> Actor | None:
        return next((a for a in (self.owner, self.peer) if a and a.user_id == user_id), None)

    def _actor_by_header(self, headers: Any) -> Actor | None:
        sent = headers.get("authorization") or ""
        return next(
            (a for a in (self.owner, self.peer) if a and a.creds.headers()["Authorization"] == sent), None
        )

    # -- the road's settler -------------------------------------------------------------
    def _settle(self, attempt: Attempt) -> bool | None:
        """Did a request whose answer was lost act? Read the server's state back: a token
        still there was not deleted, a name not listed was not created (see `client.road`)."""
        path = attempt.path
        found = TOKEN_ID_PATH.fullmatch(path)
        if attempt.method == "DELETE" and found:
            if found.group(2):
                return False  # gin redirects the trailing-slash form without acting (ref §1)
            token_id = token_id_acted_on(found.group(1))
            if token_id <= 0 or token_id == MAX_INT64:
                return False  # no row has such an id: nothing could be deleted
            entry = next((e for e in self.ledger.entries() if e.token_id == token_id), None)
            actor = self.actor(entry.owner_id) if entry is not None else None
            if entry is None or actor is None:
                return None
            answer = actor.api.get_token(token_id)
            if answer.success is True:
                return False
            return True if answer.message == NOT_FOUND else None
        if attempt.method == "POST" and path == "/api/token/":
            actor = self._actor_by_header(attempt.headers)
            try:
                name = json.loads(attempt.body or b"{}").get("name")
            except (ValueError, AttributeError):
                return None
            if actor is None or not isinstance(name, str):
                return None
            return any(item.get("name") == name for item in items(actor.api.list_tokens()))
        return None

    # -- the end ------------------------------------------------------------------
    def cleanup(
        self,
        report: Callable[[str], None] = log.warning,
        patience_s: float = CLEANUP_PATIENCE_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> list[int]:
        """Delete every live token this run created (see `run.cleanup`); the ids left."""
        return clean_up(self, report, patience_s, sleep)

    def cleanup_hint(self, left: list[int]) -> str:
        """What to tell the user about tokens the cleanup could not delete."""
        return hint(self, left)

    def _record_network(self) -> None:
        """What the flaky network injected, in the report directory (`NETWORK_FILE`)."""
        proxy = self._proxy
        record = {
            "spec": proxy.spec.describe(),
            "requests": proxy.requests,
            "connections": proxy.connections,
            "injected": proxy.injected(),
        }
        path = self.settings.report_dir / NETWORK_FILE
        with contextlib.suppress(OSError):
            path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")

    def close(self) -> None:
        self.closed = True
        for client in self._clients:
            client.close()
        self._clients.clear()
        if self._proxy is not None:
            self._proxy.stop()
            self._record_network()
            self._proxy = None
        if self._server is not None:
            self._server.stop()
            self._server = None


PREFLIGHT_TIMEOUT_S = 5.0


def preflight(settings: RunSettings) -> None:
    """Reach the target and check the given credentials within seconds, before any
    report is touched (`run` before pytest starts, `compare` for each URL side)."""
    quick = replace(settings, timeout=PREFLIGHT_TIMEOUT_S, rate=None, network_patience=PREFLIGHT_TIMEOUT_S)
    ctx = RunContext(quick, ledger_file=False)
    try:
        ctx.check_target()
    finally:
        ctx.close()
