"""Generated layer: schemathesis on the effective contract, aimed only at tokens this run owns.

schemathesis generates `DELETE /api/token/{id}` requests (positive and negative: ids, the
`New-Api-User` header, the `Authorization` credential). Before a request leaves, `Arena.aim`
decides what it may touch, judging the id as the server parses it (`token_id_acted_on`):

- an id no row can have (<= 0, or the overflow clamp) is sent as generated, or in the same
  form built on an own id where a broken server could read it as someone else's;
- any other id could hit a real token, so it is replaced by a live token this run created for
  the purpose (the owner's, or every third one the peer's to probe isolation); this is the only
  way a generated request reaches an existing token;
- a well-formed `New-Api-User` with an even value is aimed at the owner, so positive cases can
  succeed in legacy; odd values stay as a mismatching user, malformed ones stay malformed.

The arena also judges each request as the server should (`Aim.deserves_success`) and, after the
answer, settles what happened to the token (`Arena.settle`); the custom checks in
`contract.checks` turn that into failures. The transport guard stays the last line of defence.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import unquote

from newapi_contract.client.ids import confine, go_atoi, is_harmless, plausible_targets, token_id_acted_on
from newapi_contract.contract.audit import vanished

__all__ = [
    "OVERFLOW_CLAMP",
    "SENT",
    "Aim",
    "Arena",
    "Party",
    "Settlement",
    "TargetKind",
    "activate",
    "active_arena",
    "credential_is_valid",
]

# Go's strconv.Atoi clamps an overflowing id to MaxInt64; ids are autoincrement, so no row has it.
OVERFLOW_CLAMP = 9223372036854775807


class Party(Protocol):
    """A user the layer acts as (the plugin's `Actor`): credentials and its API helpers."""

    @property
    def creds(self) -> Any: ...

    @property
    def api(self) -> Any: ...


class TargetKind(StrEnum):
    HARMLESS = "harmless"  # no row can have the id the server acts on
    OWN = "own"  # a ledger token of the caller
    PEER = "peer"  # a ledger token of the second user


@dataclass(frozen=True)
class Aim:
    """What one generated request targets, judged before it is sent."""

    segment: str
    token_id: int
    kind: TargetKind
    live: bool
    credential_ok: bool
    user_header_ok: bool
    generation: str
    # Whether the server checks New-Api-User for access tokens (`contract.features`): legacy
    # does, current and releases before 2025-01 do not (reference §2, §10).
    checks_user_header: bool | None = None

    @property
    def auth_ok(self) -> bool:
        checks = self.generation != "current" if self.checks_user_header is None else self.checks_user_header
        # A server that ignores New-Api-User: dropping it does not make a request invalid.
        return self.credential_ok and (not checks or self.user_header_ok)

    @property
    def deserves_success(self) -> bool:
        return self.auth_ok and self.kind is TargetKind.OWN and self.live

    def why_invalid(self) -> str:
        if not self.credential_ok:
            return "the credential is missing or not the owner's access token"
        if not self.auth_ok:
            return "this server needs New-Api-User equal to the owner's id"
        if self.kind is TargetKind.HARMLESS:
            return f"id {self.segment!r} acts on {self.token_id}, which no token can have"
        if self.kind is TargetKind.PEER:
            return f"token {self.token_id} belongs to another user"
        return f"token {self.token_id} was already deleted"


@dataclass(frozen=True)
class Settlement:
    """What became of the targeted token after the answer (read back through the API)."""

    aim: Aim
    success: Any
    still_there: bool | None  # None: nothing to look at (harmless id)
    still_listed: bool | None  # None: not looked up (the answer claimed no deletion)
    missing_bystanders: tuple[int, ...] = ()


def credential_is_valid(value: str | None, access_token: str, generation: str) -> bool:
    """Whether the server accepts this `Authorization` value as the owner's (reference §2)."""
    if value is None:
        return False
    if generation == "current":
        text = value.strip()
        scheme, _, rest = text.partition(" ")
        if scheme.lower() == "bearer" and rest:
            text = rest.strip()
        return text == access_token
    # legacy: Go trims the header value, then one literal "Bearer " is removed
    text = value.strip()
    return text.removeprefix("Bearer ") == access_token


def _user_header_is(value: str | None, user_id: int) -> bool:
    if value is None:
        return False
    number, ok = go_atoi(value.strip())
    return ok and number == user_id


@dataclass
class Arena:
    """Per-test state of the generated layer: who acts, which tokens it may touch."""

    owner: Party
    peer: Party | None
    ledger: Any
    generation: str
    mint: Callable[[Party], int]  # creates a token for the party, records it in the ledger
    checks_user_header: bool | None = None  # None: as the generation (see Aim)
    _pools: dict[TargetKind, list[int]] = field(default_factory=dict)
    _minted: list[int] = field(default_factory=list)
    _aims: dict[str, Aim] = field(default_factory=dict)
    _settled: dict[str, Settlement] = field(default_factory=dict)

    def _live_target(self, party: Party, kind: TargetKind) -> int:
        """The oldest live token of the pool; the owner's pool keeps a newer spare beside it,
        so a delete that hits a neighbouring id (off by one) shows as a missing bystander."""
        pool = [i for i in self._pools.setdefault(kind, []) if self._is_live(i)]
        while len(pool) < (2 if kind is TargetKind.OWN else 1):
            token_id = self.mint(party)
            pool.append(token_id)
            self._minted.append(token_id)
        self._pools[kind] = pool
        return pool[0]

    def _is_live(self, token_id: int) -> bool:
        return any(e.token_id == token_id and not e.deleted for e in self.ledger.entries())

    def _owner_of(self, token_id: int) -> int | None:
        for entry in self.ledger.entries():
            if entry.token_id == token_id:
                return entry.owner_id
        return None

    def aim(self, case: Any) -> Aim:
        """Confine and record one case before it is sent (called by the `before_call` hook)."""
        segment = str(case.path_parameters.get("id", ""))
        if "/" in unquote(segment) or unquote(segment) in ("", ".", ".."):
            # Such an id leaves DELETE /api/token/{id} (gin routes the decoded path elsewhere:
            # a 404, a redirect or another route): not this operation's traffic. Send 0 instead.
            segment = case.path_parameters["id"] = "0"
        acted = token_id_acted_on(segment)
        if is_harmless(acted):
            # As generated, but built on an own id wherever a broken server could read the
            # text as some other token's (the guard's rule, `ids.plausible_targets`).
            safe = confine(segment, self.ledger.knows, self._an_own_id())
            if safe != segment:
                segment = case.path_parameters["id"] = safe
            kind = TargetKind.HARMLESS
        elif acted in self._minted and self._safe(segment):
            # Only the arena's own tokens are aimed at as generated: it alone knows whether
            # they are still live (other tests' ledger tokens may be deleted already).
            kind = self._kind_of(acted)
        else:
            use_peer = self.peer is not None and acted % 3 == 0
            party, kind = (self.peer, TargetKind.PEER) if use_peer else (self.owner, TargetKind.OWN)
            assert party is not None  # the peer is only chosen when there is one
            acted = self._live_target(party, kind)
            segment = str(acted)
            case.path_parameters["id"] = segment
        headers = case.headers if case.headers is not None else {}
        user_header = headers.get("New-Api-User")
        if user_header is not None:
            number, ok = go_atoi(user_header.strip())
            if ok and number % 2 == 0:
                headers["New-Api-User"] = str(self.owner.creds.user_id)
        creds = self.owner.creds
        aim = Aim(
            segment=segment,
            token_id=acted,
            kind=kind,
            live=kind is not TargetKind.HARMLESS and self._is_live(acted),
            credential_ok=credential_is_valid(
                headers.get("Authorization"), creds.access_token, self.generation
            ),
            user_header_ok=_user_header_is(headers.get("New-Api-User"), creds.user_id),
            generation=self.generation,
            checks_user_header=self.checks_user_header,
        )
        self._aims[case.id] = aim
        self._settled.pop(case.id, None)
        return aim

    def _an_own_id(self) -> int:
        entries = self.ledger.entries()
        return entries[-1].token_id if entries else self._live_target(self.owner, TargetKind.OWN)

    def _safe(self, segment: str) -> bool:
        return all(is_harmless(t) or self.ledger.knows(t) for t in plausible_targets(segment))

    def _kind_of(self, token_id: int) -> TargetKind:
        owner_id = self._owner_of(token_id)
        return TargetKind.OWN if owner_id == self.owner.creds.user_id else TargetKind.PEER

    def settle(self, case_id: str, body: Any) -> Settlement | None:
        """Read back the targeted token once per case; None for cases this arena did not aim."""
        if case_id in self._settled:
            return self._settled[case_id]
        aim = self._aims.get(case_id)
        if aim is None:
            return None
        success = body.get("success") if isinstance(body, dict) else None
        settlement = Settlement(aim, success, None, None)
        if aim.kind is not TargetKind.HARMLESS:
            party = self.owner if aim.kind is TargetKind.OWN else self.peer
            assert party is not None  # a peer target is only chosen when a peer exists
            still_there = party.api.get_token(aim.token_id).success is True
            if not still_there:
                self.ledger.mark_deleted(aim.token_id)
            listed: bool | None = None
            missing: tuple[int, ...] = ()
            if success is True:
                listed, missing = self._look_in_list(party, aim.token_id)
            settlement = Settlement(aim, success, still_there, listed, missing)
        self._settled[case_id] = settlement
        return settlement

    def _look_in_list(self, party: Party, token_id: int) -> tuple[bool, tuple[int, ...]]:
        """Every page of the list: is the token still listed, and which other tokens minted
        here went missing."""
        listing = party.api.list_all()
        listed_ids = listing.ids()
        owner_id = party.creds.user_id
        expected = [
            e.token_id
            for e in self.ledger.entries()
            if e.token_id in self._minted
            and e.owner_id == owner_id
            and not e.deleted
            and e.token_id != token_id
        ]
        missing = [i for i in expected if i not in listed_ids]
        # The run's model: any token of this user the run never asked to delete, made by any
        # test of this process, that this delete took with it (GET confirms).
        model = getattr(self.ledger, "model", None)
        if model is not None:
            others = vanished(model(), listing, owner_id, party.api.get_token, besides=[token_id, *missing])
            missing += others
        return token_id in listed_ids, tuple(missing)

    def aimed(self) -> list[Aim]:
        return list(self._aims.values())


_ACTIVE: list[Arena] = []

# Every DELETE the generated test sent in this process, as recorded: (url, ledger ids then).
# DEL-GEN-2 judges them (`strays`): in its test, or, under xdist in a worker that ran the
# generated test but not DEL-GEN-2's, at that worker's session's end (`suite.plugin`).
SENT: list[tuple[str, frozenset[int]]] = []


def strays(sent: list[tuple[str, frozenset[int]]]) -> list[str]:
    """The sent DELETEs that acted, as the server parses their id, on an id a row can have and
    the ledger did not hold then."""
    found = []
    for url, owned in sent:
        segment = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        acted = token_id_acted_on(segment)
        if acted > 0 and acted != OVERFLOW_CLAMP and acted not in owned:
            found.append(f"{url} (acts on {acted})")
    return found


def active_arena() -> Arena | None:
    """The arena of the test running now; checks and hooks are process-global in schemathesis."""
    return _ACTIVE[-1] if _ACTIVE else None


@contextlib.contextmanager
def activate(arena: Arena) -> Iterator[Arena]:
    _ACTIVE.append(arena)
    try:
        yield arena
    finally:
        _ACTIVE.remove(arena)
