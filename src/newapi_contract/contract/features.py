"""What the server under test offers: detected once before the run, completed at first use.

Stagings run many releases (reference §10), and upstream added the token API's parts over
time: `New-Api-User` checked for access tokens from 2025-01-05 (530e846a), paged list answers
(`{"page","page_size","total","items"}`, a 1-based `p`) from 2025-06-12 (a5060129; the page size
still read from `size` alone until 2025-07-14, 38c5e0e9, then `page_size` > `ps` > `size`), batch delete
from 2025-06-22 (1ad9c97d), masked keys with `POST /api/token/:id/key` from 2026-03-08
(d67f446b), batch key reveal from 2026-04-06 (12a48c62). A clause needs some of these facts;
one whose feature is absent is not applicable, never failed.

Detection costs one list request (and, on a release of the ambiguous era, one
`GET /api/user/self`). Routes behind the critical rate limit (key reveal, batch keys) and
batch delete are not probed: the first request to them tells (`client.api.OPTIONAL_ROUTES`
raise `FeatureAbsent` on the router's 404), and `note_absent` records it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from newapi_contract.client.api import NewApi
from newapi_contract.client.listing import items

__all__ = ["Features", "detect", "full_key"]

_KEY_ALPHABET = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def full_key(value: Any) -> str | None:
    """The key of a list or GET item when it is the full key (releases before 2026-03 answer
    it whole; later ones mask it as `abcd**********wxyz`), else None."""
    if isinstance(value, str) and len(value) >= 32 and set(value) <= _KEY_ALPHABET:
        return value
    return None


@dataclass
class Features:
    """Facts about the server, as detected; `None` for a route not tried yet."""

    generation: str  # "legacy" (no `code` in auth failures) or "current"
    paged_list: bool  # list answers are {"page","page_size","total","items"}
    # Whether the server refuses an access-token request whose New-Api-User is missing or not
    # the credential's user, and why the suite expects so.
    checks_new_api_user: bool
    new_api_user_reason: str
    keys_in_list: bool | None = None  # list/GET items carry the full key (seen with the first token)
    routes: dict[str, bool | None] = field(
        default_factory=lambda: {
            "batch delete": None,
            "key reveal": None,
            "batch key reveal": None,
            "token search": None,
        }
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def note_absent(self, feature: str) -> None:
        self.note_route(feature, False)

    def note_route(self, feature: str, present: bool) -> None:
        """What a request to an optional route told (`client.api.OPTIONAL_ROUTES`)."""
        with self._lock:
            self.routes[feature] = present

    def note_keys_in_list(self, seen: bool) -> None:
        with self._lock:
            if self.keys_in_list is None:
                self.keys_in_list = seen

    def absent_reason(self, needs: tuple[str, ...]) -> str | None:
        """Why a clause needing `needs` cannot be checked on this server, or None."""
        with self._lock:
            if "batch" in needs and self.routes.get("batch delete") is False:
                return "not applicable: this release has no batch delete (POST /api/token/batch)"
            if "search" in needs and self.routes.get("token search") is False:
                return "not applicable: this release has no token search"
            if "relay" in needs and self.keys_in_list is False and self.routes.get("key reveal") is False:
                return "not applicable: this release gives no full key (masked in lists, no key reveal)"
        return None

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "generation": self.generation,
                "paged_list": self.paged_list,
                "checks_new_api_user": self.checks_new_api_user,
                "new_api_user_reason": self.new_api_user_reason,
                "keys_in_list": self.keys_in_list,
                "routes": dict(self.routes),
            }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Features:
        return cls(
            data["generation"],
            data["paged_list"],
            data["checks_new_api_user"],
            data["new_api_user_reason"],
            data.get("keys_in_list"),
            dict(data["routes"]),
        )

    def describe(self) -> list[str]:
        """One line a fact, for doctor and the report."""
        facts = self.as_dict()

        def route(name: str) -> str:
            state = facts["routes"][name]
            return "yes" if state else "absent" if state is False else "told by its first use"

        auth = "with a code field (current)" if self.generation == "current" else "no code field (legacy)"
        # A paged release reads `page_size` (from 2025-07-14, 38c5e0e9) or only `size` (2025-06-12 to
        # 2025-07-14, e.g. 2a1ed607); the suite sends both and cannot tell which one it read.
        paging = (
            "paged object, p from 1, page_size or size" if self.paged_list else "bare array, p from 0, size"
        )
        checked = "checked" if self.checks_new_api_user else "not checked"
        keys = {
            True: "in list and GET answers",
            False: "masked; by key reveal",
            None: "seen with the first token",
        }
        return [
            f"auth failures: {auth}",
            f"token list: {paging}",
            f"New-Api-User: {checked} ({self.new_api_user_reason})",
            f"full keys: {keys[facts['keys_in_list']]}",
            f"batch delete: {route('batch delete')}",
            f"key reveal: {route('key reveal')}; batch key reveal: {route('batch key reveal')}",
            f"token search: {route('token search')}",
        ]


def detect(api: NewApi, generation: str) -> Features:
    """The facts one list request (and at most one more) tells, as user `api`."""
    first = api.list_tokens()
    paged = isinstance(first.data, dict)
    keys_seen = [full_key(item.get("key")) for item in items(first) if "key" in item]
    if generation == "current":
        checks, why = False, "this generation reads identity from the credential alone"
    elif paged:
        checks, why = True, "a release with paged token lists (2025-06 on) checks it (530e846a, 2025-01)"
    else:
        # Before 2025-06: the check came on 2025-01-05 (530e846a). Only the server tells which
        # side of that it is; either way identity must come from the credential.
        answer = api.call("GET", "/api/user/self", headers={"New-Api-User": None})
        checks = not (answer.status == 200 and answer.success is True)
        why = "observed on this release (older than 2025-06; new-api checks it from 2025-01-05, 530e846a)"
    features = Features(generation, paged, checks, why)
    if not paged:
        # Batch delete (2025-06-22) and the key reveals (2026-03, 2026-04) came after paged
        # lists (2025-06-12): a release answering a bare array has none of them. Told now, the
        # clauses needing them are not applicable from the start (a fork that added one is
        # only not checked there, never failed).
        for route in ("batch delete", "key reveal", "batch key reveal"):
            features.note_absent(route)
    if keys_seen:
        features.note_keys_in_list(all(keys_seen))
    return features
