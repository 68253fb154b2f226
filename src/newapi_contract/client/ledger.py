"""The ownership ledger: the tokens this run created, the only ones it may touch.

Every token the suite deletes, it created first with the run prefix in its name, and
recorded here. With a path, each change is written atomically as JSON, so a crashed run's
leftovers can still be found and cleaned by `newapi-contract cleanup`.

It is also the run's model of the world it touched (issue 18), kept in memory only: for
each token the fields it was created with, the item the list first showed, its key when
known (never written to disk: keys are secrets), every request meant to delete it (with
the test that sent it, when, and its outcome), and when it was last seen alive. The audit
(`contract.audit`) checks the server's visible world against it at the end of the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from newapi_contract.errors import InputError

__all__ = ["DeleteIntent", "Ledger", "LedgerEntry", "Sighting", "TokenModel", "new_run_prefix"]

# Upstream rejects token names over 50 bytes: "nac-" + 8 hex + "-" + a worker of at most
# 16 characters + "-" is 30 bytes, which leaves room for a 12-character suffix.
_WORKER = re.compile(r"[0-9A-Za-z]{1,16}")


def new_run_prefix(worker: str | None = None, run_id: str | None = None) -> str:
    """A fresh run prefix, `nac-3f2a9c1b-`, or `nac-3f2a9c1b-gw0-` for an xdist worker
    (workers of one run share the controller's `run_id`, so each can tell its siblings'
    tokens by name)."""
    if worker is not None and not _WORKER.fullmatch(worker):
        raise ValueError(f"worker name must be 1-16 ASCII letters or digits, not {worker!r}")
    if run_id is not None and not re.fullmatch(r"[0-9a-f]{8}", run_id):
        raise ValueError(f"run id must be 8 hex digits, not {run_id!r}")
    return f"nac-{run_id or secrets.token_hex(4)}-" + (f"{worker}-" if worker else "")


@dataclass(frozen=True)
class LedgerEntry:
    token_id: int
    name: str
    owner_id: int
    deleted: bool = False


@dataclass(frozen=True)
class DeleteIntent:
    """One request meant to delete tokens (a DELETE, a batch): the ids it acts on as the
    server reads them, how it was sent, by which test, when (wall clock, `time.time()`), and
    its outcome: "success", "refused" (answered success:false), "throttled" (429: no
    effect), "lost" (no answer: it may have acted) or "http <status>"."""

    token_ids: tuple[int, ...]
    request: str  # "DELETE /api/token/12" or "POST /api/token/batch [12, 13]"
    test: str
    at: float
    outcome: str
    deleted: int | None = None  # a batch's answered count
    # Who sent it: a user id; 0 for no credential at all; None when the run cannot tell.
    by: int | None = None
    # Every id a broken server could read it as (`client.ids.plausible_targets`), beyond
    # `token_ids`; and whether it answered `record not found` (what it named was gone already).
    readings: tuple[int, ...] = ()
    not_found: bool = False

    @property
    def may_have_acted(self) -> bool:
        return self.outcome not in ("refused", "throttled")

    def may_have_deleted(self, token_id: int, owner_id: int) -> bool:
        """Whether this request may rightly have deleted `token_id` of user `owner_id`: it
        named the token, may have acted, and was sent by its owner (or by someone the run
        cannot tell: no false alarm). The peer's, or a credential-less one, never may."""
        return token_id in self.token_ids and self.may_have_acted and self.by in (owner_id, None)

    def may_have_named(self, token_id: int) -> bool:
        """Whether this request may have acted on `token_id` as its target, rightly or not.
        Named by Go's reading: unless throttled or answered that the token was gone already (a
        refusal counts: a broken server may act and answer failure, `delete-answers-failure`).
        Named only by a broken server's reading: when it may have acted (a server that misreads
        an id and acts answers as if it acted; a refusal is the right answer to an odd id)."""
        if token_id in self.token_ids:
            return self.outcome != "throttled" and not self.not_found
        return token_id in self.readings and self.may_have_acted


@dataclass(frozen=True)
class Sighting:
    """A token seen alive: in a list or search page, or answered by GET."""

    at: float
    test: str
    how: str  # "list", "search", "get"


@dataclass(frozen=True)
class TokenModel:
    """What the run knows of one of its tokens (see the module doc)."""

    token_id: int
    name: str
    owner_id: int
    deleted: bool
    created_with: Mapping[str, Any]  # the body fields the suite sent to create it
    first_item: Mapping[str, Any] | None  # the first list item seen (key as a fingerprint)
    key: str | None = field(repr=False)
    intents: tuple[DeleteIntent, ...]
    last_seen: Sighting | None
    deleted_at: float | None  # when a delete of it was answered success (wall clock)
    used_by: str = ""  # the test the token was handed to (made for)
    last_listed: Sighting | None = None  # the last whole-list answer that showed it

    @property
    def asked(self) -> bool:
        """Some request that may rightly have deleted it was sent (see `DeleteIntent`)."""
        return any(i.may_have_deleted(self.token_id, self.owner_id) for i in self.intents)


def fingerprint(key: str) -> str:
    """A key's stand-in where the model keeps a list item: never the key itself."""
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]


class Ledger:
    """Thread-safe record of the tokens one process of a run created."""

    def __init__(self, run_prefix: str, path: Path | None = None) -> None:
        self._run_prefix = run_prefix
        self._path = path
        self._entries: dict[int, LedgerEntry] = {}
        self._kin: set[int] = set()
        self._lock = threading.Lock()
        # The model (memory only, see the module doc).
        self._created_with: dict[int, dict[str, Any]] = {}
        self._first_item: dict[int, dict[str, Any]] = {}
        self._keys: dict[int, str] = {}
        self._intents: list[DeleteIntent] = []
        self._seen: dict[int, Sighting] = {}
        self._listed: dict[int, Sighting] = {}
        self._deleted_at: dict[int, float] = {}
        self._names_asked: set[str] = set()
        self._names_created: set[str] = set()
        self._quota_first: dict[int, tuple[int, float]] = {}
        self._quota_last: dict[int, tuple[int, float]] = {}
        self._used_by: dict[int, str] = {}
        # The file appears with the first token: a run that created nothing leaves nothing.

    @property
    def run_prefix(self) -> str:
        return self._run_prefix

    @property
    def path(self) -> Path | None:
        return self._path

    def record(
        self,
        token_id: int,
        name: str,
        owner_id: int,
        *,
        created_with: Mapping[str, Any] | None = None,
        item: Mapping[str, Any] | None = None,
    ) -> None:
        """A token the run created: with the body it was created with and the list item
        that showed it, when the caller has them (the model's reference for "unchanged")."""
        with self._lock:
            self._entries[token_id] = LedgerEntry(token_id, name, owner_id)
            if created_with is not None:
                self._created_with[token_id] = dict(created_with)
            if item is not None:
                self._first_item.setdefault(token_id, _masked(item))
            self._save()

    # -- the model (memory only) ---------------------------------------------------------

    def note_asked(self, name: str) -> None:
        """A name the run asked to create (a token listed under it is the run's own, even if
        its create's answer was lost)."""
        with self._lock:
            self._names_asked.add(name)

    def asked_for(self, name: str) -> bool:
        with self._lock:
            return name in self._names_asked

    def note_quota(self, user_id: int, quota: int, at: float) -> None:
        """A user's account quota as an answer showed it (login, GET /api/user/self): the first
        one is the run's baseline (a delete must not move it: `delete-refunds-quota`)."""
        with self._lock:
            self._quota_first.setdefault(user_id, (quota, at))
            self._quota_last[user_id] = (quota, at)

    def quota_seen(self, user_id: int) -> tuple[tuple[int, float] | None, tuple[int, float] | None]:
        """(first, latest) (quota, when) seen of the user, None where none was."""
        with self._lock:
            return self._quota_first.get(user_id), self._quota_last.get(user_id)

    def note_created(self, name: str) -> None:
        """A create of `name` answered success: the token exists, and the list must show it."""
        with self._lock:
            self._names_created.add(name)

    def created_unrecorded(self) -> list[str]:
        """Names whose create answered success but which no token of the ledger carries (the
        list that should have found them did not show them)."""
        with self._lock:
            recorded = {e.name for e in self._entries.values()}
            return sorted(self._names_created - recorded)

    def note_used_by(self, token_ids: Iterable[int], test: str) -> None:
        """The test these tokens were handed to (the bug report names it)."""
        with self._lock:
            for token_id in token_ids:
                self._used_by[token_id] = test

    def note_key(self, token_id: int, key: str) -> None:
        """A token's full key, kept in memory only."""
        with self._lock:
            self._keys.setdefault(token_id, key)

    def note_intent(self, intent: DeleteIntent) -> None:
        with self._lock:
            self._intents.append(intent)
            if intent.outcome == "success" and (intent.deleted is None or intent.deleted >= 1):
                for token_id in intent.token_ids:
                    entry = self._entries.get(token_id)
                    if entry is not None and intent.may_have_deleted(token_id, entry.owner_id):
                        self._deleted_at.setdefault(token_id, intent.at)

    def intents(self) -> list[DeleteIntent]:
        with self._lock:
            return list(self._intents)

    def note_seen(self, token_ids: Iterable[int], sighting: Sighting) -> None:
        """These tokens were seen alive (also ids not recorded yet: a new token is listed
        before the ledger records it)."""
        with self._lock:
            for token_id in token_ids:
                self._seen[token_id] = sighting
                if sighting.how == "list":
                    self._listed[token_id] = sighting

    def model(self) -> list[TokenModel]:
        """Every token of this process, as the run knows it now."""
        with self._lock:
            return [
                TokenModel(
                    token_id=e.token_id,
                    name=e.name,
                    owner_id=e.owner_id,
                    deleted=e.deleted,
                    created_with=dict(self._created_with.get(e.token_id, {})),
                    first_item=self._first_item.get(e.token_id),
                    key=self._keys.get(e.token_id),
                    intents=tuple(i for i in self._intents if e.token_id in i.token_ids),
                    last_seen=self._seen.get(e.token_id),
                    deleted_at=self._deleted_at.get(e.token_id),
                    used_by=self._used_by.get(e.token_id, ""),
                    last_listed=self._listed.get(e.token_id),
                )
                for e in self._entries.values()
            ]

    def owns(self, token_id: int) -> bool:
        """True for every id this run created, deleted or not (deleting twice is harmless)."""
        with self._lock:
            return token_id in self._entries

    def note_kin(self, token_ids: set[int]) -> None:
        """Ids of tokens other processes of the same run created (xdist siblings, seen by
        their names in a list): this process may not delete them, but a broken server that
        hits one of them instead of its target harms nothing of anyone else's."""
        with self._lock:
            self._kin.update(token_ids)

    def knows(self, token_id: int) -> bool:
        """Owned by this process, or created by a sibling process of the same run."""
        with self._lock:
            return token_id in self._entries or token_id in self._kin

    def mark_deleted(self, token_id: int) -> None:
        """Note that `token_id` is gone; KeyError if the run never created it."""
        with self._lock:
            self._entries[token_id] = replace(self._entries[token_id], deleted=True)
            self._deleted_at.setdefault(token_id, time.time())
            self._save()

    def entries(self) -> list[LedgerEntry]:
        with self._lock:
            return list(self._entries.values())

    def live(self) -> list[LedgerEntry]:
        return [entry for entry in self.entries() if not entry.deleted]

    @classmethod
    def load(cls, path: Path) -> Ledger:
        """The ledger saved at `path`, which it goes on saving to."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = [LedgerEntry(**item) for item in data["tokens"]]
            prefix = data["run_prefix"]
        except FileNotFoundError as exc:
            raise InputError(f"no ledger at {path}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"malformed ledger {path}: {exc}") from exc
        ledger = cls(prefix)
        ledger._entries = {entry.token_id: entry for entry in entries}
        ledger._path = path
        return ledger

    def _save(self) -> None:
        # Called with the lock held. Write a sibling file, then rename over: a crash leaves
        # the old ledger or the new one, never half of one.
        if self._path is None:
            return
        data = {
            "run_prefix": self._run_prefix,
            "tokens": [asdict(entry) for entry in self._entries.values()],
        }
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=f".{self._path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
            os.replace(tmp, self._path)
        except BaseException:
            # An interrupt (SIGINT, SIGTERM as KeyboardInterrupt) may land after the rename:
            # the temporary file is gone then, and the interrupt must go on, not this.
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise


# Fields of a list item that change with use, not with a delete of another token.
VOLATILE_FIELDS = frozenset({"accessed_time", "used_quota", "DeletedAt", "deleted_at"})


def _masked(item: Mapping[str, Any]) -> dict[str, Any]:
    """A list item as the model keeps it: a full key (older releases list keys whole) only as
    its fingerprint."""
    kept = {name: value for name, value in item.items() if name not in VOLATILE_FIELDS}
    value = kept.get("key")
    if isinstance(value, str) and "*" not in value:
        kept["key"] = fingerprint(value)
    return kept


def comparable_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A list item seen now, in the form `TokenModel.first_item` keeps."""
    return _masked(item)
