"""Known defects (`--known-failures FILE`): failed clauses a team has a ticket for.

The file is YAML, a list of entries:

    - clause: DEL-OWN-3
      ticket: JIRA-1234
      reason: the list still shows deleted tokens until the cache expires
      until: 2027-01-31

A failed clause listed with an `until` of today or later is "known": reported with its
ticket everywhere (terminal, HTML, summary.json), it does not fail the run. So the file stays
honest, an entry whose `until` has passed shields nothing (its clause fails the run as any
other) and is reported as expired, and a listed clause that now holds is reported as one to
remove. A file that cannot be read is a usage error (one line, exit 2) found before the run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from newapi_contract.errors import UsageError

__all__ = ["KnownFailure", "KnownFailures", "load_known_failures"]

_FIELDS = ("clause", "ticket", "reason", "until")


@dataclass(frozen=True)
class KnownFailure:
    clause: str
    ticket: str
    reason: str
    until: dt.date

    def expired(self, today: dt.date) -> bool:
        return self.until < today

    def as_dict(self) -> dict[str, str]:
        return {
            "clause": self.clause,
            "ticket": self.ticket,
            "reason": self.reason,
            "until": self.until.isoformat(),
        }


@dataclass(frozen=True)
class KnownFailures:
    """The entries of one file, judged on `today` (UTC)."""

    path: str
    entries: dict[str, KnownFailure]
    today: dt.date

    def shields(self, clause: str) -> KnownFailure | None:
        """The entry that makes a failure of `clause` known, if one is in force."""
        entry = self.entries.get(clause)
        return entry if entry is not None and not entry.expired(self.today) else None

    def expired(self) -> list[KnownFailure]:
        return [e for e in self.entries.values() if e.expired(self.today)]

    def stale(self, verdicts: dict[str, str]) -> list[tuple[KnownFailure, str]]:
        """Entries the file should lose: expired ones, and clauses that now hold."""
        out = [(e, f"expired on {e.until.isoformat()}: no longer shields its clause") for e in self.expired()]
        out += [
            (e, "the clause now holds: remove the entry")
            for e in self.entries.values()
            if verdicts.get(e.clause) == "held" and not e.expired(self.today)
        ]
        return out

    def warnings(self, verdicts: dict[str, str]) -> list[str]:
        """One line per stale entry, naming its ticket."""
        return [f"known-failures: {e.clause} ({e.ticket}) {why}" for e, why in self.stale(verdicts)]

    def as_dict(self, verdicts: dict[str, str]) -> dict[str, Any]:
        """summary.json's `known_failures` section."""
        stale = {e.clause: why for e, why in self.stale(verdicts)}
        return {
            "file": self.path,
            "today": self.today.isoformat(),
            "entries": [
                {
                    **e.as_dict(),
                    "status": "expired"
                    if e.expired(self.today)
                    else (
                        "known" if verdicts.get(e.clause) == "known" else verdicts.get(e.clause, "not run")
                    ),
                    "note": stale.get(e.clause, ""),
                }
                for e in self.entries.values()
            ],
        }


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def load_known_failures(
    path: str | Path, clauses: Iterable[str], today: dt.date | None = None
) -> KnownFailures:
    """Read and check the file; any fault is one `UsageError` naming the file and the entry."""
    where = f"--known-failures {path}"
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{where}: cannot read it ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise UsageError(f"{where}: not valid YAML{at}") from None
    if data is None:
        data = []
    if not isinstance(data, list):
        raise UsageError(f"{where}: expected a list of entries (clause, ticket, reason, until)")
    known = set(clauses)
    entries: dict[str, KnownFailure] = {}
    for index, item in enumerate(data, 1):
        at = f"{where}: entry {index}"
        if not isinstance(item, dict):
            raise UsageError(f"{at}: expected a mapping with {', '.join(_FIELDS)}")
        missing = [f for f in _FIELDS if item.get(f) in (None, "")]
        if missing:
            raise UsageError(f"{at}: missing {', '.join(missing)}")
        if extra := sorted(set(map(str, item)) - set(_FIELDS)):
            raise UsageError(f"{at}: unknown field(s) {', '.join(extra)} (expected {', '.join(_FIELDS)})")
        clause = str(item["clause"])
        if clause not in known:
            raise UsageError(f"{at}: unknown clause {clause} (contracts/clauses.yaml)")
        if clause in entries:
            raise UsageError(f"{at}: {clause} is listed twice")
        until = item["until"]
        if isinstance(until, dt.datetime):
            until = until.date()
        elif isinstance(until, str):
            try:
                until = dt.date.fromisoformat(until.strip())
            except ValueError:
                until = None
        if not isinstance(until, dt.date):
            raise UsageError(f"{at}: until {item['until']!r} is not a date (YYYY-MM-DD)")
        entries[clause] = KnownFailure(clause, str(item["ticket"]), str(item["reason"]), until)
    return KnownFailures(str(path), entries, today or _today())
