"""Keys revealed a batch at a time (`run.tokens.KeyRing`): each reveal counts against
upstream's critical limit (20 per 20 min), so the tokens whose keys the run sends have them
revealed in one request; a server without the batch route gets single reveals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from newapi_contract.run.tokens import KeyRing, TokenRef


@dataclass
class Api:
    """Records the reveals asked for; `batch` False: a server without /batch/keys."""

    batch: bool = True
    calls: list[tuple[str, list[int]]] = field(default_factory=list)

    def reveal_keys(self, ids: list[int]) -> dict[int, str]:
        self.calls.append(("batch", ids))
        return {i: f"key-{i}" for i in ids} if self.batch else {}

    def reveal_key(self, token_id: int) -> str:
        self.calls.append(("one", [token_id]))
        return f"key-{token_id}"


@dataclass
class Actor:
    api: Api


def _refs(api: Api, ids: list[int], ring: KeyRing) -> list[TokenRef]:
    actor: Any = Actor(api)
    return [TokenRef(i, f"nac-t-{i}", 2, actor, ring) for i in ids]


def test_revealed_keys_cost_one_request_for_all() -> None:
    api, ring = Api(), KeyRing()
    refs = _refs(api, [10, 11, 12, 13], ring)
    ring.reveal(refs)
    assert [ref.key() for ref in refs] == ["key-10", "key-11", "key-12", "key-13"]
    assert api.calls == [("batch", [10, 11, 12, 13])]


def test_only_keys_not_yet_known_are_asked_for() -> None:
    api, ring = Api(), KeyRing()
    a, b = _refs(api, [10, 11], ring)
    ring.reveal([a])
    ring.reveal([a, b])
    ring.reveal([a, b])  # nothing left to ask
    assert api.calls == [("batch", [10]), ("batch", [11])]


def test_a_key_not_revealed_in_a_batch_is_revealed_alone_once() -> None:
    api, ring = Api(batch=False), KeyRing()
    a, b = _refs(api, [10, 11], ring)
    ring.reveal([a, b])
    assert (a.key(), b.key(), a.key()) == ("key-10", "key-11", "key-10")
    assert api.calls == [("batch", [10, 11]), ("one", [10]), ("one", [11])]


def test_a_key_asked_for_without_a_batch_is_revealed_alone_once() -> None:
    api, ring = Api(), KeyRing()
    (ref,) = _refs(api, [10], ring)
    assert (ref.key(), ref.key()) == ("key-10", "key-10")
    assert api.calls == [("one", [10])]
