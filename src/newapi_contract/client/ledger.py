"""The ownership ledger: the tokens this run created, the only ones it may touch.

Every token the suite deletes, it created first with the run prefix in its name, and
recorded here. With a path, each change is written atomically as JSON, so a crashed run's
leftovers can still be found and cleaned by `newapi-contract cleanup`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import tempfile
import threading
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from newapi_contract.errors import InputError

__all__ = ["Ledger", "LedgerEntry", "new_run_prefix"]

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


class Ledger:
    """Thread-safe record of the tokens one process of a run created."""

    def __init__(self, run_prefix: str, path: Path | None = None) -> None:
        self._run_prefix = run_prefix
        self._path = path
        self._entries: dict[int, LedgerEntry] = {}
        self._kin: set[int] = set()
        self._lock = threading.Lock()
        # The file appears with the first token: a run that created nothing leaves nothing.

    @property
    def run_prefix(self) -> str:
        return self._run_prefix

    @property
    def path(self) -> Path | None:
        return self._path

    def record(self, token_id: int, name: str, owner_id: int) -> None:
        with self._lock:
            self._entries[token_id] = LedgerEntry(token_id, name, owner_id)
            self._save()

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
