"""Generated layer: the token lifecycle as a hypothesis rule-based state machine.

create -> find the id (create answers none: list newest first, match the unique name) ->
delete -> verify gone (GET, list, relay) -> delete again, interleaved with the second user's
attempts on the owner's tokens and the owner's on the peer's.

Why not schemathesis's state machine: the effective contract holds only DELETE, so OpenAPI links
have no create or list to chain from, and `schema.as_state_machine()` under pytest failed
intermittently against a live server (FlakyStrategyDefinition, tooling facts). This machine
drives the suite's own client layer, so the guard, pacing, recording and redaction apply.

Every example opens with the same fixed scenario (`opening`), so each deletion fault is met
whatever the seed; the random rules after it add interleavings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule

from newapi_contract.client.ids import confine, is_harmless, plausible_targets
from newapi_contract.contract.audit import vanished
from newapi_contract.contract.doors import is_refusal
from newapi_contract.contract.revocation import refused_within
from newapi_contract.errors import FeatureAbsent

__all__ = ["INVALID_IDS", "LifecycleWorld", "TokenLifecycle"]

# Path ids that name no token (reference §3): never success, never a 5xx. Built on an own
# token's id `{n}`, so that a server that misreads one hits the run's own token (the guard's
# rule, `client.ids.plausible_targets`); `confine` rebuilds what still could not be sent.
INVALID_IDS = ("0", "-{n}", "abc", "{n}.5", "{n}e0", "%20", "%D9%A3", "9223372036854775808")


@dataclass
class LifecycleWorld:
    """What the machine needs from the run, handed in by the test (fixtures)."""

    owner: Any  # Actor: .creds, .api, .user_id
    peer: Any | None
    mint: Callable[[Any], Any]  # actor -> TokenRef (recorded in the ledger)
    ledger: Any
    relay_reveals: int  # full-key reveals this run may spend (critical limit 20 / 20 min)
    revocation_bound_s: float = 0.0  # how long a deleted key may still work (--revocation-bound)
    spent_reveals: list[int] = field(default_factory=list)
    # token id -> its full key (a TokenRef's key(): from the list on releases that answer keys
    # whole); None: revealed with POST /api/token/{id}/key
    key_of: Callable[[int], str] | None = None
    # actor -> a TokenRef whose key was revealed with others' in one request (`TokenFactory.keyed`);
    # None: the opening's token is minted and its key revealed alone
    mint_keyed: Callable[[Any], Any] | None = None


ISOLATION = "DEL-STATE-1 isolation"  # the second user's attempts, interleaved


def _fail(clause: str, message: str) -> None:
    raise AssertionError(f"[{clause}] {message}")


class TokenLifecycle(RuleBasedStateMachine):
    world: LifecycleWorld  # set by `for_world`

    @classmethod
    def for_world(cls, world: LifecycleWorld) -> type[TokenLifecycle]:
        return type("TokenLifecycle", (cls,), {"world": world})

    def __init__(self) -> None:
        super().__init__()
        self.live: list[int] = []  # the owner's live tokens made by this example
        self.deleted: list[int] = []
        self.peer_live: list[int] = []

    # -- helpers ---------------------------------------------------------------------

    def _delete(self, api: Any, segment: str) -> Any:
        answer = api.delete_token(segment)
        if answer.status >= 500:
            _fail("DEL-STATE-1", f"DELETE /api/token/{segment} answered HTTP {answer.status}")
        if answer.status == 200:
            if not answer.content_type.startswith("application/json"):
                _fail("DEL-STATE-1", f"delete answered Content-Type {answer.content_type!r}")
            if not isinstance(answer.success, bool) or not isinstance(answer.message, str):
                _fail("DEL-STATE-1", f"delete answered {answer.text!r}: need success bool, message str")
        return answer

    def _exists(self, api: Any, token_id: int) -> bool:
        return api.get_token(token_id).success is True

    def _listed_ids(self, api: Any) -> set[int]:
        return set(self._listing(api).ids())

    def _listing(self, api: Any) -> Any:
        listing = api.list_all()
        if not listing.complete:
            _fail("DEL-STATE-1", f"the token list could not be read to its end: {listing.last.text[:200]!r}")
        return listing

    def _new(self, actor: Any) -> int:
        return int(self.world.mint(actor).id)

    def _own_form(self, form: str) -> str:
        """`form` on one of the owner's tokens of this example, safe to send."""
        own = (self.deleted or self.live)[0]
        ledger = self.world.ledger
        return confine(form.format(n=own), ledger.knows, own)

    def _owner_deletes(self, token_id: int, segment: str | None = None) -> None:
        answer = self._delete(self.world.owner.api, segment or str(token_id))
        if answer.success is not True:
            _fail("DEL-STATE-1", f"the owner's delete of live token {token_id} answered {answer.text!r}")
        self.live.remove(token_id)
        self.deleted.append(token_id)
        self.world.ledger.mark_deleted(token_id)
        if self._exists(self.world.owner.api, token_id):
            _fail("DEL-STATE-1", f"token {token_id} answered deleted but GET still finds it")
        listing = self._listing(self.world.owner.api)
        listed = set(listing.ids())
        if token_id in listed:
            _fail("DEL-STATE-1", f"token {token_id} answered deleted but is still listed")
        gone = [i for i in self.live if i not in listed]
        if gone:
            _fail("DEL-STATE-1", f"deleting token {token_id} also removed live tokens {gone}")
        self._nothing_else_vanished(listing, token_id)

    def _nothing_else_vanished(self, listing: Any, token_id: int) -> None:
        """The run's model (`client.ledger`): no token of the owner the run never asked to
        delete, made by any test of this process, went with this delete (GET confirms)."""
        model = getattr(self.world.ledger, "model", None)
        if model is None:
            return
        owner = self.world.owner
        others = vanished(model(), listing, owner.user_id, owner.api.get_token, besides=[token_id])
        if others:
            _fail(
                "DEL-STATE-1",
                f"deleting token {token_id} also removed tokens {others} that the run never asked "
                "to delete (absent from the whole list, GET answers record not found)",
            )

    # -- the fixed opening -----------------------------------------------------------

    @initialize()
    def opening(self) -> None:
        owner, peer = self.world.owner, self.world.peer
        keyed = self.world.mint_keyed is not None and len(self.world.spent_reveals) < self.world.relay_reveals
        first = int(self.world.mint_keyed(owner).id) if keyed and self.world.mint_keyed else self._new(owner)
        bystander = self._new(owner)
        self.live += [first, bystander]
        key = self._warm_key(first)
        if peer is not None:
            answer = self._delete(peer.api, str(first))
            if answer.success is not False or not self._exists(owner.api, first):
                _fail(ISOLATION, f"the peer's delete of the owner's token {first}: {answer.text!r}")
            self.peer_live.append(self._new(peer))
        self._owner_deletes(first)
        if key is not None:
            self._relay_rejects(key)
        again = self._delete(owner.api, str(first))
        if again.success is not False:
            _fail("DEL-STATE-1", f"a second delete of token {first} answered {again.text!r}")
        for segment in ("abc", "0"):
            if self._delete(owner.api, segment).success is not False:
                _fail("DEL-STATE-1", f"DELETE /api/token/{segment} answered success")
        self._trailing_slash()
        if peer is not None:
            self._batch_spares_foreign()

    def _trailing_slash(self) -> None:
        """gin redirects `DELETE /api/token/N/` (307); a server that answers success must delete."""
        token_id = self._new(self.world.owner)
        self.live.append(token_id)
        answer = self.world.owner.api.delete_token(f"{token_id}/")
        if answer.status in (301, 307, 308):
            return
        if answer.success is True:
            self.live.remove(token_id)
            self.world.ledger.mark_deleted(token_id)
            if self._exists(self.world.owner.api, token_id):
                _fail("DEL-STATE-1", f"DELETE /api/token/{token_id}/ answered success, deleted nothing")

    def _batch_spares_foreign(self) -> None:
        own, foreign = self._new(self.world.owner), self.peer_live[0]
        try:
            answer = self.world.owner.api.batch_delete([own, foreign])
        except FeatureAbsent:
            self.live.append(own)  # a release without batch delete (ref §10): nothing to judge
            return
        self.deleted.append(own)
        self.world.ledger.mark_deleted(own)
        if answer.success is not True or answer.data != 1:
            _fail(ISOLATION, f"batch delete of 1 own + 1 foreign id answered {answer.text!r}")
        if self._exists(self.world.owner.api, own):
            _fail("DEL-STATE-1", f"batch delete answered success but token {own} is still there")
        assert self.world.peer is not None  # peer tokens exist only with a peer
        if not self._exists(self.world.peer.api, foreign):
            _fail(ISOLATION, f"the owner's batch delete removed the peer's token {foreign}")

    def _warm_key(self, token_id: int) -> str | None:
        """Reveal one key and use it on the relay, so a cache that is never evicted shows."""
        if len(self.world.spent_reveals) >= self.world.relay_reveals:
            return None
        self.world.spent_reveals.append(token_id)
        key_of = self.world.key_of or self.world.owner.api.reveal_key
        key = key_of(token_id)
        warm = self.world.owner.api.relay_models(key)
        if warm.status != 200:
            _fail("DEL-STATE-1", f"a live key was refused by the relay: HTTP {warm.status}")
        return key

    def _relay_rejects(self, key: str) -> None:
        api = self.world.owner.api
        deleted = refused_within(lambda: api.relay_models(key), self.world.revocation_bound_s, is_refusal)
        never = api.relay_models("0" * 48)
        if deleted.status != 401:
            _fail("DEL-STATE-1", f"the relay answered HTTP {deleted.status} to a deleted key")
        if key in deleted.text:
            _fail("DEL-STATE-1", "the relay's answer to a deleted key quotes the key")
        if _relay_error_type(deleted) != _relay_error_type(never):
            _fail(
                "DEL-STATE-1",
                f"the relay tells a deleted key ({deleted.text!r}) from a never-issued one ({never.text!r})",
            )

    # -- interleaved rules -----------------------------------------------------------

    @rule()
    def owner_creates(self) -> None:
        self.live.append(self._new(self.world.owner))

    @precondition(lambda self: bool(self.live))
    @rule(pick=st.integers(min_value=0), form=st.sampled_from(["{}", "+{}", "00{}", "%2B{}"]))
    def owner_deletes(self, pick: int, form: str) -> None:
        token_id = self.live[pick % len(self.live)]
        segment = form.format(token_id)
        if any(not is_harmless(t) and not self.world.ledger.knows(t) for t in plausible_targets(segment)):
            segment = str(token_id)  # "00N" read as octal would be someone else's token
        self._owner_deletes(token_id, segment)

    @precondition(lambda self: bool(self.deleted))
    @rule(pick=st.integers(min_value=0))
    def owner_deletes_again(self, pick: int) -> None:
        token_id = self.deleted[pick % len(self.deleted)]
        answer = self._delete(self.world.owner.api, str(token_id))
        if answer.success is not False:
            _fail("DEL-STATE-1", f"a repeated delete of token {token_id} answered {answer.text!r}")

    @precondition(lambda self: self.world.peer is not None and bool(self.live))
    @rule(pick=st.integers(min_value=0))
    def peer_attempts(self, pick: int) -> None:
        token_id = self.live[pick % len(self.live)]
        assert self.world.peer is not None  # the precondition
        answer = self._delete(self.world.peer.api, str(token_id))
        if answer.success is not False or not self._exists(self.world.owner.api, token_id):
            _fail(ISOLATION, f"the peer's delete of the owner's token {token_id}: {answer.text!r}")

    @precondition(lambda self: bool(self.peer_live))
    @rule(pick=st.integers(min_value=0))
    def owner_attempts_peer_token(self, pick: int) -> None:
        token_id = self.peer_live[pick % len(self.peer_live)]
        assert self.world.peer is not None  # peer tokens exist only with a peer
        answer = self._delete(self.world.owner.api, str(token_id))
        if answer.success is not False or not self._exists(self.world.peer.api, token_id):
            _fail(ISOLATION, f"the owner's delete of the peer's token {token_id}: {answer.text!r}")

    @rule(segment=st.sampled_from(INVALID_IDS))
    def owner_deletes_invalid_id(self, segment: str) -> None:
        segment = self._own_form(segment)
        if self._delete(self.world.owner.api, segment).success is not False:
            _fail("DEL-STATE-1", f"DELETE /api/token/{segment} answered success")


def _relay_error_type(answer: Any) -> tuple[int, Any]:
    body = answer.json if isinstance(answer.json, dict) else {}
    found = body.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    message = str(error.get("message", ""))
    # the request id differs per answer: compare the message up to it
    return answer.status, (error.get("type"), message.split(" (request id")[0])
