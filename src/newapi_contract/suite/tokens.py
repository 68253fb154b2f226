"""Tokens the run creates: the only tokens the suite will ever delete.

Each is named with the run prefix, found by name (create answers no id, reference §5)
and recorded in the ledger before any test may touch it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import count
from typing import Any

from newapi_contract.contract.probes import items
from newapi_contract.suite.run_context import Actor, RunContext

__all__ = ["TokenFactory", "TokenRef"]


@dataclass(frozen=True)
class TokenRef:
    id: int
    name: str
    owner_id: int
    _actor: Actor

    def key(self) -> str:
        """The full key, revealed on demand: upstream limits reveals to 20 per 20 min (ref §5)."""
        return self._actor.api.reveal_key(self.id)


class TokenFactory:
    """`factory()` makes one token (2 requests); `factory.many(n)` makes n with one list."""

    def __init__(self, ctx: RunContext, default_actor: Actor) -> None:
        self._ctx = ctx
        self._default = default_actor
        self._serial = count(1)

    def __call__(self, actor: Actor | None = None, **fields: Any) -> TokenRef:
        return self.many(1, actor, **fields)[0]

    def many(self, n: int, actor: Actor | None = None, **fields: Any) -> list[TokenRef]:
        """n new tokens, oldest (lowest id) first."""
        actor = actor or self._default
        names = [
            f"{self._ctx.run_prefix}{next(self._serial):03d}{random.randrange(16**4):04x}" for _ in range(n)
        ]
        for name in names:
            created = actor.api.create_token(name, **fields)
            if created.success is not True:
                raise RuntimeError(f"could not create a test token: {created.message!r}")
        listed = {item.get("name"): item.get("id") for item in items(actor.api.list_tokens())}
        missing = [name for name in names if not isinstance(listed.get(name), int)]
        if missing:
            raise RuntimeError(f"created token(s) {missing} do not appear in the newest 100 of the list")
        refs = [TokenRef(int(listed[name]), name, actor.user_id, actor) for name in names]
        for ref in refs:
            self._ctx.ledger.record(ref.id, ref.name, actor.user_id)
        return sorted(refs, key=lambda ref: ref.id)
