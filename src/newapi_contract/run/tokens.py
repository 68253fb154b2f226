"""Tokens the run creates: the only tokens the suite will ever delete.

Each is named with the run prefix, found by name (create answers no id, reference §5) and
recorded in the ledger before any test may touch it. Tokens are made in batches, one list
call finding a whole batch's ids, and kept in a pool per user. A token is handed out only
when the ids on both sides of it are the run's too (the guard's off-by-one rule): a broken
server that deletes a neighbour then hits the run's own token, never anyone else's. The
newest token of a batch is such a fence until the next batch is made.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from newapi_contract.client.api import create_body
from newapi_contract.client.recording import current_scope
from newapi_contract.contract.features import full_key
from newapi_contract.contract.probes import items
from newapi_contract.contract.verdict import ClauseViolation
from newapi_contract.errors import RoadFault, TargetError
from newapi_contract.run.context import Actor, RunContext

__all__ = ["KeyRing", "TokenFactory", "TokenRef"]

BATCH = 8  # tokens made at a time: one list call finds them all
# The second user's batch: it needs few tokens (DEL-AUTH-6, DEL-BATCH-2, the state machine's and
# at times the generated layer's): four, of which the newest fences until the owner's next batch,
# cover them in one batch where three took two (four requests more).
PEER_BATCH = 4
# What each token is made with besides its name (`NewApi.create_token`: unlimited, never
# expiring): a remaining quota too, which an unlimited token never spends, so that a delete
# that credits it to the owner's account shows there (the audit, DEL-ALL-2).
MADE_WITH = {"remain_quota": 1000}
# Tokens whose keys are revealed together: one for each test that sends a key (DEL-AUTH-7,
# DEL-ISO-1, the owner's deletion of DEL-OWN-1..6, the relay doors, the batch of DEL-ALL-4
# (two), the state machine's opening): one critical request, not seven.
KEYED = 7


@dataclass(frozen=True, order=True)
class TokenRef:
    id: int
    name: str = field(compare=False)
    owner_id: int = field(compare=False)
    _actor: Actor = field(compare=False, repr=False)
    _keys: KeyRing = field(compare=False, repr=False)

    def key(self) -> str:
        """The full key, revealed on demand: upstream limits reveals to 20 per 20 min (ref §5)."""
        return self._keys.key_of(self)


class KeyRing:
    """The keys of the run's tokens, once revealed. Reveals count against upstream's critical
    limit (20 per 20 min per IP, ref §7, with the logins), so `reveal` asks for several in one
    `POST /api/token/batch/keys`; a key not revealed that way (a server without the route, or
    refusing it) is revealed alone when asked for."""

    def __init__(self, note: Callable[[int, str], None] | None = None) -> None:
        self._keys: dict[int, str] = {}
        self._lock = threading.Lock()
        self._note = note  # the run's model is told every key (in memory only)

    def _told(self, found: dict[int, str]) -> None:
        if self._note is not None:
            for token_id, key in found.items():
                self._note(token_id, key)

    def learn(self, token_id: int, key: str) -> None:
        """A key the list answered whole (releases before 2026-03, reference §10)."""
        with self._lock:
            self._keys.setdefault(token_id, key)
        self._told({token_id: key})

    def reveal(self, refs: list[TokenRef]) -> None:
        with self._lock:
            wanted = [ref.id for ref in refs if ref.id not in self._keys]
            found = refs[0]._actor.api.reveal_keys(wanted[:100]) if wanted else {}
            self._keys.update(found)
        self._told(found)

    def key_of(self, ref: TokenRef) -> str:
        with self._lock:
            if ref.id not in self._keys:
                self._keys[ref.id] = ref._actor.api.reveal_key(ref.id)
            key = self._keys[ref.id]
        self._told({ref.id: key})
        return key


class TokenFactory:
    """`factory()` hands out one token, `factory.many(n)` n tokens (lowest id first)."""

    def __init__(self, ctx: RunContext, default_actor: Actor, batch: int = BATCH) -> None:
        self._ctx = ctx
        self._default = default_actor
        self._batch = batch
        self._serial = count(1)
        self._pools: dict[int, list[TokenRef]] = {}
        self._lock = threading.Lock()
        self.keys = KeyRing(ctx.ledger.note_key)
        self._account_seen = False
        self._keyed: dict[int, list[TokenRef]] = {}

    def __call__(self, actor: Actor | None = None, where: Callable[[int], bool] | None = None) -> TokenRef:
        return self.many(1, actor, where)[0]

    def many(
        self, n: int, actor: Actor | None = None, where: Callable[[int], bool] | None = None
    ) -> list[TokenRef]:
        """n tokens of `actor` (the owner by default), each fenced by the run's own ids, and
        each with an id `where` accepts (one more batch is made at most for that)."""
        actor = actor or self._default
        with self._lock:
            pool = self._pools.setdefault(actor.user_id, [])
            extra_batches = 1
            while True:
                usable = [ref for ref in sorted(pool) if self._fenced(ref.id)]
                chosen = [ref for ref in usable if where is None or where(ref.id)]
                if len(chosen) >= n:
                    for ref in chosen[:n]:
                        pool.remove(ref)
                    self._ctx.ledger.note_used_by([ref.id for ref in chosen[:n]], current_scope())
                    return chosen[:n]
                if len(usable) >= n:  # enough tokens, none of them as `where` wants
                    if extra_batches == 0:
                        raise LookupError(f"no {n} token id(s) of the kind asked for in the pool")
                    extra_batches -= 1
                # One more than missing: the newest of the batch fences the others. The
                # second user needs few tokens: a small batch (PEER_BATCH).
                batch = self._batch if actor is self._default else PEER_BATCH
                pool.extend(self._make(actor, max(batch, n - len(chosen) + 1)))

    def keyed(self, actor: Actor | None = None) -> TokenRef:
        """One token whose key `key()` gives without a request of its own: KEYED tokens at a
        time are taken from the pool and their keys revealed in one request."""
        actor = actor or self._default
        while True:
            with self._lock:
                spare = self._keyed.setdefault(actor.user_id, [])
                if spare:
                    ref = spare.pop(0)
                    self._ctx.ledger.note_used_by([ref.id], current_scope())
                    return ref
            refs = self.many(KEYED, actor)
            self.keys.reveal(refs)
            with self._lock:
                spare.extend(refs)

    def _learn_keys(self, made: list[dict[str, Any]]) -> None:
        """Keep the full keys a release answers in its list (before 2026-03): no reveal needed."""
        keys = {item["id"]: full_key(item.get("key")) for item in made if isinstance(item.get("id"), int)}
        features = self._ctx.target.features if self._ctx.target is not None else None
        if keys and features is not None:
            features.note_keys_in_list(all(keys.values()))
        for token_id, key in keys.items():
            if key is not None:
                self._ctx.redactor.add_secret(key)
                self.keys.learn(token_id, key)

    def _fenced(self, token_id: int) -> bool:
        knows = self._ctx.ledger.knows
        return (token_id - 1 <= 0 or knows(token_id - 1)) and knows(token_id + 1)

    def _make(self, actor: Actor, n: int) -> list[TokenRef]:
        if actor is self._default and not self._account_seen:
            # The owner's account before any token of the run exists, let alone is deleted: the
            # audit's baseline for "a delete moves nothing but its token" (one request a run,
            # none when the start-up already read it: given users' check, older releases).
            self._account_seen = True
            if self._ctx.ledger.quota_seen(actor.user_id)[0] is None:
                actor.api.self_info()
        prefix = self._ctx.run_prefix
        names = [f"{prefix}{next(self._serial):03d}{random.randrange(16**4):04x}" for _ in range(n)]
        self._ctx.pending_names.update(names)
        for name in names:
            self._ctx.ledger.note_asked(name)
        answered: list[str] = []  # the creates that answered success
        for name in names:
            try:
                created = actor.api.create_token(name, **MADE_WITH)
            except RoadFault as fault:
                if fault.kind != "lost":
                    raise
                continue  # it may exist: the list below tells
            if created.success is not True:
                # The suite's set-up, not the contract: the clause is unverified (exit 3).
                raise TargetError(f"could not create a test token: {created.message!r}")
            self._ctx.ledger.note_created(name)
            answered.append(name)
        listing = actor.api.list_tokens()
        listed = items(listing)
        by_name = {item.get("name"): item.get("id") for item in listed}
        item_of = {item.get("name"): item for item in listed}
        self._learn_keys([item for item in listed if item.get("name") in names])
        kin = self._ctx.run_family
        self._ctx.ledger.note_kin(
            {
                item["id"]
                for item in listed
                if isinstance(item.get("id"), int) and str(item.get("name", "")).startswith(kin)
            }
        )
        refs = []
        for name in names:
            token_id = by_name.get(name)
            if isinstance(token_id, int):
                self._ctx.ledger.record(
                    token_id,
                    name,
                    actor.user_id,
                    created_with=create_body(name, **MADE_WITH),
                    item=item_of[name],
                )
                refs.append(TokenRef(token_id, name, actor.user_id, actor, self.keys))
            self._ctx.pending_names.discard(name)  # recorded, or never made (not listed)
        if not refs and answered:  # created, yet not listed: the list hides live tokens
            raise ClauseViolation(
                "a token whose create answered success is in its user's list (newest first)",
                f"created {answered}; the newest {len(listed)} of the list do not show them",
                "DEL-ALL-5",
                answer=listing,
            )
        if not refs:
            raise TargetError(f"the tokens asked for ({names}) were not made: every create's answer was lost")
        return refs
