"""SQLite storage of users and tokens, shaped like new-api's GORM models.

Tokens are soft-deleted (`deleted_at`), so every lookup hides deleted rows unless asked
(`include_deleted`, which only fault modes use). One connection serves every thread of
the server, guarded by a lock; multi-statement operations run in one transaction under it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

__all__ = ["ROLE_ADMIN", "ROLE_COMMON", "ROLE_ROOT", "TOKEN_FIELDS", "Store", "Term"]

ROLE_COMMON, ROLE_ADMIN, ROLE_ROOT = 1, 10, 100
Term = tuple[str, bool]

# Token columns in the order new-api's model.Token serialises them.
TOKEN_FIELDS = (
    "id",
    "user_id",
    "key",
    "status",
    "name",
    "created_time",
    "accessed_time",
    "expired_time",
    "remain_quota",
    "unlimited_quota",
    "model_limits_enabled",
    "model_limits",
    "allow_ips",
    "used_quota",
    "group",
    "cross_group_retry",
)
_BOOL_FIELDS = ("unlimited_quota", "model_limits_enabled", "cross_group_retry")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password TEXT NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    role INTEGER NOT NULL DEFAULT 1,
    status INTEGER NOT NULL DEFAULT 1,
    email TEXT NOT NULL DEFAULT '',
    access_token TEXT UNIQUE,
    "group" TEXT NOT NULL DEFAULT 'default',
    quota INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    key TEXT NOT NULL UNIQUE,
    status INTEGER NOT NULL DEFAULT 1,
    name TEXT NOT NULL DEFAULT '',
    created_time INTEGER NOT NULL,
    accessed_time INTEGER NOT NULL,
    expired_time INTEGER NOT NULL DEFAULT -1,
    remain_quota INTEGER NOT NULL DEFAULT 0,
    unlimited_quota INTEGER NOT NULL DEFAULT 0,
    model_limits_enabled INTEGER NOT NULL DEFAULT 0,
    model_limits TEXT NOT NULL DEFAULT '',
    allow_ips TEXT NOT NULL DEFAULT '',
    used_quota INTEGER NOT NULL DEFAULT 0,
    "group" TEXT NOT NULL DEFAULT '',
    cross_group_retry INTEGER NOT NULL DEFAULT 0,
    auto_groups TEXT,
    deleted_at TEXT
);
CREATE INDEX IF NOT EXISTS idx_tokens_user ON tokens (user_id, deleted_at);
"""


def _token(row: sqlite3.Row) -> dict[str, Any]:
    token = dict(row)
    for field in _BOOL_FIELDS:
        token[field] = bool(token[field])
    token["auto_groups"] = json.loads(token["auto_groups"]) if token["auto_groups"] else None
    return token


def _live_or(also: Iterable[int], args: list[Any]) -> str:
    """`deleted_at IS NULL`, or also the rows `also` names (args extended)."""
    shown = list(also)
    if not shown:
        return "deleted_at IS NULL"
    args.extend(shown)
    return f"(deleted_at IS NULL OR id IN ({', '.join('?' for _ in shown)}))"


def _none_of(ids: Iterable[int], args: list[Any]) -> str:
    left_out = list(ids)
    if not left_out:
        return ""
    args.extend(left_out)
    return f" AND id NOT IN ({', '.join('?' for _ in left_out)})"


class Store:
    """Users and tokens in SQLite (`path` None: in memory)."""

    def __init__(self, path: str | None = None) -> None:
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _one(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Row | None:
        with self._lock:
            return self._db.execute(sql, tuple(args)).fetchone()

    def _run(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, tuple(args))

    # users -------------------------------------------------------------------------
    def root_exists(self) -> bool:
        return self._one("SELECT 1 FROM users WHERE role = ?", (ROLE_ROOT,)) is not None

    def any_user(self) -> bool:
        return self._one("SELECT 1 FROM users") is not None

    def create_user(
        self, username: str, password_hash: str, role: int, display_name: str, quota: int = 0
    ) -> int | None:
        """The new user's id, or None when the username is taken."""
        try:
            cursor = self._run(
                "INSERT INTO users (username, password, role, display_name, quota) VALUES (?,?,?,?,?)",
                (username, password_hash, role, display_name, quota),
            )
        except sqlite3.IntegrityError:
            return None
        return int(cursor.lastrowid or 0)

    def user(self, user_id: int) -> dict[str, Any] | None:
        row = self._one("SELECT * FROM users WHERE id = ?", (user_id,))
        return dict(row) if row else None

    def user_by_name(self, username: str) -> dict[str, Any] | None:
        row = self._one("SELECT * FROM users WHERE username = ?", (username,))
        return dict(row) if row else None

    def user_by_access_token(self, access_token: str) -> dict[str, Any] | None:
        row = self._one("SELECT * FROM users WHERE access_token = ?", (access_token,))
        return dict(row) if row else None

    def set_access_token(self, user_id: int, access_token: str) -> None:
        self._run("UPDATE users SET access_token = ? WHERE id = ?", (access_token, user_id))

    def set_user_fields(self, user_id: int, role: int, status: int) -> None:
        self._run("UPDATE users SET role = ?, status = ? WHERE id = ?", (role, status, user_id))

    # tokens ------------------------------------------------------------------------
    def count_live_tokens(self, user_id: int) -> int:
        row = self._one("SELECT COUNT(*) FROM tokens WHERE user_id = ? AND deleted_at IS NULL", (user_id,))
        return int(row[0]) if row else 0

    def insert_token(self, fields: dict[str, Any]) -> int:
        columns = [f for f in TOKEN_FIELDS if f != "id" and f in fields] + ["auto_groups"]
        values = [int(v) if isinstance(v, bool) else v for v in (fields[c] for c in columns[:-1])]
        values.append(json.dumps(fields["auto_groups"]) if fields.get("auto_groups") else None)
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        cursor = self._run(f"INSERT INTO tokens ({quoted}) VALUES ({marks})", values)
        return int(cursor.lastrowid or 0)

    def update_token(self, token_id: int, fields: dict[str, Any]) -> None:
        assignments = ", ".join(f'"{c}" = ?' for c in fields)
        values = [
            json.dumps(v) if c == "auto_groups" and v else (int(v) if isinstance(v, bool) else v)
            for c, v in fields.items()
        ]
        self._run(f"UPDATE tokens SET {assignments} WHERE id = ?", [*values, token_id])

    def token(
        self, token_id: int, user_id: int | None, include_deleted: bool = False
    ) -> dict[str, Any] | None:
        """One token by id, owned by `user_id` (None: any owner)."""
        sql = "SELECT * FROM tokens WHERE id = ?"
        args: list[Any] = [token_id]
        if user_id is not None:
            sql += " AND user_id = ?"
            args.append(user_id)
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        row = self._one(sql, args)
        return _token(row) if row else None

    def token_by_key(self, key: str, include_deleted: bool = False) -> dict[str, Any] | None:
        sql = "SELECT * FROM tokens WHERE key = ?"
        if not include_deleted:
            sql += " AND deleted_at IS NULL"
        row = self._one(sql, (key,))
        return _token(row) if row else None

    def tokens(
        self,
        user_id: int,
        offset: int,
        limit: int,
        *,
        name: Term | None = None,
        key: Term | None = None,
        include_deleted: bool = False,
        also: Iterable[int] = (),
        exclude: Iterable[int] = (),
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of a user's tokens, newest first, and the total matching.

        A `Term` is (text, is_pattern): a LIKE pattern whose `%` are wildcards and `_`
        literal, or an exact value. `also`: deleted ids shown all the same, `exclude`: ids
        left out (both only for fault modes)."""
        where = "user_id = ?"
        args: list[Any] = [user_id]
        if not include_deleted:
            where += " AND " + _live_or(also, args)
        where += _none_of(exclude, args)
        for column, term in (("name", name), ("key", key)):
            if term is not None:
                text, is_pattern = term
                where += f" AND {column} LIKE ? ESCAPE '!'" if is_pattern else f" AND {column} = ?"
                args.append(text.replace("!", "!!").replace("_", "!_") if is_pattern else text)
        with self._lock:
            total = self._db.execute(f"SELECT COUNT(*) FROM tokens WHERE {where}", args)
            count = int(total.fetchone()[0])
            rows = self._db.execute(
                f"SELECT * FROM tokens WHERE {where} ORDER BY id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return [_token(row) for row in rows], count

    def tokens_like(
        self,
        user_id: int,
        name: str,
        key: str,
        *,
        include_deleted: bool = False,
        also: Iterable[int] = (),
        exclude: Iterable[int] = (),
    ) -> list[dict[str, Any]]:
        """late2024's search (c6ae8273 `model/token.go SearchUserTokens`): every token of the
        user whose name is `LIKE '%<name>%'` and key `LIKE '%<key>%'`, with the user's `%` and
        `_` live as wildcards (SQLite's LIKE: ASCII case-insensitive), no order asked (SQLite
        gives ids ascending), no limit."""
        where = "user_id = ? AND name LIKE ? AND key LIKE ?"
        args: list[Any] = [user_id, f"%{name}%", f"%{key}%"]
        if not include_deleted:
            where += " AND " + _live_or(also, args)
        where += _none_of(exclude, args)
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM tokens WHERE {where} ORDER BY id", args).fetchall()
        return [_token(row) for row in rows]

    def soft_delete(self, token_id: int) -> bool:
        """Mark one live token deleted; False when it was not live."""
        cursor = self._run(
            "UPDATE tokens SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
            (datetime.now(UTC).isoformat(), token_id),
        )
        return cursor.rowcount == 1

    def delete_owned(self, token_id: int, user_id: int | None) -> dict[str, Any] | None:
        """Atomically find a live token of `user_id` and soft-delete it; the token or None."""
        with self._lock:
            token = self.token(token_id, user_id)
            if token is not None:
                self.soft_delete(token_id)
            return token

    def delete_many(self, ids: Iterable[int], user_id: int | None) -> list[dict[str, Any]]:
        """Soft-delete the live tokens among `ids` (of `user_id`, None: anyone's)."""
        deleted = []
        with self._lock:
            for token_id in dict.fromkeys(ids):
                token = self.token(token_id, user_id)
                if token is not None and self.soft_delete(token_id):
                    deleted.append(token)
        return deleted

    def keys_of(self, ids: Iterable[int], user_id: int) -> dict[int, str]:
        found = {}
        for token_id in dict.fromkeys(ids):
            token = self.token(token_id, user_id)
            if token is not None:
                found[token_id] = token["key"]
        return found

    def all_tokens(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every token row (named `name`, if given), deleted ones too, with every column as
        stored, by id: what tests compare to see that nothing unexpected changed."""
        where, args = ("WHERE name = ?", (name,)) if name is not None else ("", ())
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM tokens {where} ORDER BY id", args).fetchall()
        return [dict(row) for row in rows]

    def neighbour(self, user_id: int, token_id: int, after: bool) -> dict[str, Any] | None:
        """The user's live token with the next id after (or before) `token_id`, or None."""
        comparison, order = (">", "") if after else ("<", " DESC")
        sql = (
            f"SELECT * FROM tokens WHERE user_id = ? AND deleted_at IS NULL AND id {comparison} ? "
            f"ORDER BY id{order} LIMIT 1"
        )
        row = self._one(sql, (user_id, token_id))
        return _token(row) if row else None

    def oldest_live(self, user_id: int) -> int | None:
        row = self._one("SELECT MIN(id) FROM tokens WHERE user_id = ? AND deleted_at IS NULL", (user_id,))
        return int(row[0]) if row and row[0] is not None else None

    def restore(self, token_id: int) -> None:
        """Undo a soft delete (fault `delete-resurrects`); a closed store is left alone."""
        with contextlib.suppress(sqlite3.ProgrammingError):
            self._run("UPDATE tokens SET deleted_at = NULL WHERE id = ?", (token_id,))

    def add_user_quota(self, user_id: int, quota: int) -> None:
        self._run("UPDATE users SET quota = quota + ? WHERE id = ?", (quota, user_id))

    def set_token_status(self, token_id: int, status: int) -> None:
        self._run("UPDATE tokens SET status = ? WHERE id = ?", (status, token_id))

    @staticmethod
    def now() -> int:
        return int(time.time())
