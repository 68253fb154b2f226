"""Secrets the server hands out: relay keys, access tokens, dashboard JWTs, password hashes.

- Relay keys: 48 characters of `[0-9A-Za-z]`, stored without `sk-`, masked in lists as
  first 4 + `**********` + last 4.
- Access tokens: 32 characters of standard base64 (may contain `+` and `/`), new on each
  `GET /api/user/token`.
- Dashboard JWTs (current generation): HS256, 15 minutes, signed with a per-process secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import string
import time

__all__ = [
    "JWT_LIFETIME_S",
    "JwtSigner",
    "check_password",
    "hash_password",
    "mask_key",
    "new_access_token",
    "new_key",
    "new_request_id",
]

JWT_LIFETIME_S = 15 * 60
_KEY_ALPHABET = string.ascii_letters + string.digits
_PBKDF2_ROUNDS = 1_000  # a test server: cheap on purpose, logins must stay fast


def new_key() -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(48))


def mask_key(key: str) -> str:
    return key[:4] + "**********" + key[-4:]


def new_access_token() -> str:
    return base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def new_request_id() -> str:
    """Like upstream's: a timestamp with nanoseconds, then 8 random characters."""
    now = time.time_ns()
    stamp = time.strftime("%Y%m%d%H%M%S", time.localtime(now // 1_000_000_000))
    tail = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(8))
    return f"{stamp}{now % 1_000_000_000:09d}{tail}"


def hash_password(password: str) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS)
    return f"{salt}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    salt, _, expected = stored.partition("$")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), _PBKDF2_ROUNDS)
    return hmac.compare_digest(digest.hex(), expected)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class JwtSigner:
    """HS256 tokens carrying the user id; `verify` tells bad from expired."""

    EXPIRED = "expired"

    def __init__(self, lifetime_s: int = JWT_LIFETIME_S) -> None:
        self._secret = secrets.token_bytes(32)
        self._lifetime_s = lifetime_s

    def sign(self, user_id: int) -> str:
        now = int(time.time())
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        claims = {"sub": str(user_id), "iat": now, "exp": now + self._lifetime_s}
        payload = _b64url(json.dumps(claims).encode())
        signature = hmac.new(self._secret, f"{header}.{payload}".encode(), "sha256").digest()
        return f"{header}.{payload}.{_b64url(signature)}"

    def verify(self, token: str) -> int | str | None:
        """The user id; `EXPIRED` for a good but expired token; None for anything else."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        header, payload, signature = parts
        expected = hmac.new(self._secret, f"{header}.{payload}".encode(), "sha256").digest()
        try:
            if not hmac.compare_digest(_unb64url(signature), expected):
                return None
            claims = json.loads(_unb64url(payload))
            user_id = int(claims["sub"])
            expires = int(claims["exp"])
        except (ValueError, KeyError, TypeError):
            return None
        return self.EXPIRED if expires <= time.time() else user_id
