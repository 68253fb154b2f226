"""Redaction of secrets from everything the suite writes: reports, JUnit, logs, curl lines.

Two kinds of secret: those registered as they pass through (access tokens, revealed keys,
passwords), each with a placeholder, and those recognised by their shape (`sk-` keys, bare
48-character keys, JWTs, `session` cookies, JSON password and access-token fields). A
placeholder like `$NEWAPI_ACCESS_TOKEN` keeps a curl line copy-pasteable with an env var.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from newapi_contract.errors import UsageError

__all__ = ["REDACTED", "REDACTOR", "RedactingFilter", "Redactor", "install_log_filter"]

REDACTED = "[REDACTED]"
_MAX_WRAPPER = 8  # characters a credential header may keep around a redacted key: `sk-`, `-12`
_MIN_SECRET = 8  # shorter values would mangle unrelated text; upstream's are all longer

# Header names whose value is a credential whatever it looks like.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "mj-api-secret",
        "x-goog-api-key",
    }
)

# JSON fields that hold a password or an access token, whatever their value looks like.
_SECRET_FIELDS = ("password", "confirmPassword", "original_password", "access_token")

# Patterns that open with a literal (`eyJ`, `sk-`, `session=`) are searched fast by `re`; a
# leading look-behind would make it try every position, 20-50 times slower on a list
# answer. Redacting a little more when the literal ends a longer word is harmless.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(rf'("(?:{"|".join(_SECRET_FIELDS)})"\s*:\s*)"(?:[^"\\]|\\.)*"'),
        rf'\1"{REDACTED}"',
    ),
    (re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*"), REDACTED),  # JWT (a JSON header, base64url)
    (re.compile(r"sk-[0-9A-Za-z]{48}(?![0-9A-Za-z])"), f"sk-{REDACTED}"),
    (re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{48}(?![0-9A-Za-z])"), REDACTED),  # bare key
    # A session cookie value (gorilla/sessions: long base64), not `session=` in source text.
    (re.compile(r"(session=)[^;,\s\"')]{24,}"), rf"\1{REDACTED}"),
)

# Answers that hand out a secret no pattern recognises: (method, path) -> JSON field.
_SECRET_ANSWERS = {("GET", "/api/user/token"): "data"}


class Redactor:
    """Thread-safe set of secrets and the patterns above; idempotent on its own output."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._placeholders: dict[str, str] = {}  # registered secret -> placeholder
        self._variants: list[tuple[str, str]] = []  # (text to find, replacement)
        # Passwords too short to replace in free text (`add_password`): masked only where they
        # stand, in password fields and credential headers. The report says so.
        self.short_passwords = 0

    def add_password(self, value: str) -> None:
        """A password: redacted everywhere like any secret when it is long enough; a shorter
        one (new-api's default root password `123456`, releases before 2025, reference §10)
        would mangle unrelated text, so it is only masked where it stands (the JSON password
        fields and credential headers every exchange is already cleaned of)."""
        if len(value) >= _MIN_SECRET:
            self.add_secret(value)
            return
        with self._lock:
            self.short_passwords += 1

    def add_secret(self, value: str, placeholder: str = REDACTED) -> None:
        """Redact `value` (and its URL-encoded and base64 forms) as `placeholder` from now on.

        Registering a value again with the default placeholder keeps a specific one given
        earlier, so a helper that meets the owner's token does not undo `$NEWAPI_ACCESS_TOKEN`.
        """
        if len(value) < _MIN_SECRET:
            raise UsageError(f"a secret shorter than {_MIN_SECRET} characters cannot be redacted")
        with self._lock:
            if placeholder == REDACTED and value in self._placeholders:
                return
            self._placeholders[value] = placeholder
            variants: dict[str, str] = {}
            for secret, shown in self._placeholders.items():
                encoded = base64.b64encode(secret.encode()).decode()
                quoted = quote(secret, safe="")
                for form in (
                    secret,
                    quoted,
                    re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quoted),
                    quote_plus(secret),
                    encoded,
                    encoded.rstrip("="),
                ):
                    variants.setdefault(form, shown)
            # Longest first, so a secret that contains another is replaced whole.
            self._variants = sorted(variants.items(), key=lambda item: -len(item[0]))

    def placeholder(self, value: str) -> str | None:
        """The placeholder of a registered secret, None for anything else."""
        with self._lock:
            return self._placeholders.get(value)

    def text(self, s: str) -> str:
        with self._lock:
            variants = self._variants
        for secret, shown in variants:
            s = s.replace(secret, shown)
        for pattern, replacement in _PATTERNS:
            s = pattern.sub(replacement, s)
        return s

    def headers(self, mapping: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """Headers with credential values replaced (by the secret's placeholder if it is a
        registered one); other values go through `text`."""
        items = mapping.items() if isinstance(mapping, Mapping) else mapping
        out: dict[str, str] = {}
        for name, value in items:
            if name.lower() in SENSITIVE_HEADERS:
                out[name] = self._credential(value)
            else:
                out[name] = self.text(value)
        return out

    def json(self, obj: Any) -> Any:
        """A copy of a decoded JSON value with every string (keys too) redacted."""
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, list):
            return [self.json(item) for item in obj]
        if isinstance(obj, dict):
            return {
                self.text(key): REDACTED if key in _SECRET_FIELDS else self.json(value)
                for key, value in obj.items()
            }
        return obj

    def learn(self, method: str, path: str, answer: bytes | None) -> None:
        """Register the secret an answer hands out, for answers no pattern would catch."""
        field = _SECRET_ANSWERS.get((method.upper(), path))
        if not field or not answer:
            return
        try:
            value = json.loads(answer).get(field)
        except (ValueError, AttributeError):
            return
        if isinstance(value, str) and len(value) >= _MIN_SECRET:
            self.add_secret(value)

    def _credential(self, value: str) -> str:
        # The auth scheme word is kept (`Bearer [REDACTED]`): it is no secret, and clauses
        # about credential forms (Bearer, bearer, raw) need it in the report and curl line.
        scheme, _, rest = value.strip().partition(" ")
        if rest and scheme.lower() in ("bearer", "basic"):
            return f"{scheme} {self._credential_value(rest.strip())}"
        return self._credential_value(value.strip())

    def _credential_value(self, value: str) -> str:
        shown = self.placeholder(value)
        if shown is not None:
            return shown
        # A key in a known spelling keeps the spelling (`sk-[REDACTED]-1`: a channel suffix,
        # `sk-[REDACTED]` on x-api-key), so the curl line sends what the door was sent; a
        # value with more left around the redaction than such a wrapper is redacted whole.
        text = self.text(value)
        if REDACTED in text and len(text.replace(REDACTED, "")) <= _MAX_WRAPPER:
            return text
        return REDACTED


class RedactingFilter(logging.Filter):
    """Redacts each log record's message (httpx logs full URLs, query strings included)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor.text(record.getMessage())
        record.args = None
        return True


def install_log_filter(
    redactor: Redactor, loggers: Iterable[str] = ("httpx", "urllib3.connectionpool")
) -> None:
    """Put a RedactingFilter for `redactor` on each named logger, once.

    A logger's filters see only records logged on that very logger, not its children's, so
    these are the loggers that write URLs: httpx at INFO, urllib3's pool at DEBUG.
    """
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) and f.redactor is redactor for f in logger.filters):
            logger.addFilter(RedactingFilter(redactor))


REDACTOR = Redactor()
