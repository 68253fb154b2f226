"""Token ids as upstream's Go server reads them, and as a broken server might.

new-api's DeleteToken does `id, _ := strconv.Atoi(c.Param("id"))` on the percent-decoded
path segment (gin routes on Go's `URL.Path`) and ignores the error, so the id it acts on is
not always the text a client sent: `+5`, `007` and `%2B5` act on tokens 5 and 7, a syntax
error acts on 0, an overflow on the clamped value (`token_id_acted_on`).

A staging server may be broken, and read an odd id otherwise. `plausible_targets` lists the
ids a segment could act on under every reading a real parser makes (the guard's rule: each
must be harmless or the run's own): Go's Atoi; whitespace trimmed; Python's `int()`
(Unicode digits, underscores); the leading number with trailing junk ignored (C `strtol`,
JS `parseInt`); the first digit run with leading junk and sign dropped; a float, truncated;
Go's `ParseInt(s, 0, 64)` (hex `0x`, octal `0`/`0o`, binary `0b`); and, for integer
readings beyond int64, the clamp and 64- and 32-bit wrap-around.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable

__all__ = [
    "MAX_INT64",
    "MIN_INT64",
    "confine",
    "encode_path_segment",
    "go_atoi",
    "go_unescape_path",
    "is_harmless",
    "plausible_targets",
    "token_id_acted_on",
]

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
_MAX_UINT64 = 2**64 - 1
_HEX = "0123456789abcdefABCDEF"


def go_atoi(text: str) -> tuple[int, bool]:
    """Go's `strconv.Atoi(text)` as (value, ok).

    An optional `+`/`-` sign, then ASCII digits only. A syntax error gives (0, False); an
    overflow gives the clamped int64 with ok False. Like Go's ParseUint, the overflow is
    noticed digit by digit, so `99999999999999999999x` overflows before the `x` is seen and
    answers the clamp, not a syntax error.
    """
    negative = text[:1] == "-"
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits:
        return 0, False
    value = 0
    for char in digits:
        if not "0" <= char <= "9":
            return 0, False
        value = value * 10 + ord(char) - ord("0")
        if value > _MAX_UINT64:
            return (MIN_INT64 if negative else MAX_INT64), False
    if negative:
        return (-value, True) if value <= -MIN_INT64 else (MIN_INT64, False)
    return (value, True) if value <= MAX_INT64 else (MAX_INT64, False)


def go_unescape_path(raw: str) -> str:
    """Percent-decode a raw URL path as Go's `URL.Path` does; ValueError on a bad escape.

    Unlike query decoding, `+` stays `+`. Go's HTTP server answers 400 to a request whose
    path has a bad escape (`%`, `%zz`) before any handler runs.
    """
    out = bytearray()
    i = 0
    data = raw.encode("utf-8", "surrogateescape")
    while i < len(data):
        if data[i] == ord("%"):
            pair = data[i + 1 : i + 3].decode("latin-1")
            if len(pair) != 2 or any(c not in _HEX for c in pair):
                raise ValueError(f"invalid URL escape {data[i : i + 3].decode('latin-1')!r}")
            out.append(int(pair, 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def token_id_acted_on(segment: str) -> int:
    """The token id upstream's DeleteToken acts on for the raw path segment `segment`.

    Percent-decoded as `URL.Path`, then Atoi with the error ignored: a syntax error is 0 and
    an overflow the clamped value. A segment with a bad escape never reaches the handler (Go
    answers 400), so nothing is acted on: 0, like any id no row can have.
    """
    try:
        decoded = go_unescape_path(segment)
    except ValueError:
        return 0
    return go_atoi(decoded)[0]


# -- readings of a broken server -------------------------------------------------------

_LEADING = re.compile(r"\s*[+-]?\d+")  # \d: Unicode decimal digits too
_DIGIT_RUN = re.compile(r"\d+")
_BASE_PREFIXED = re.compile(r"([+-]?)0([xX][0-9a-fA-F_]+|[bB][01_]+|[oO]?[0-7_]+)")


def is_harmless(token_id: int) -> bool:
    """No row can have this id: ids autoincrement from 1 and never reach the int64 clamp."""
    return token_id <= 0 or token_id == MAX_INT64


def _python_int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _float_truncated(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        return None
    # A float far beyond int64 lands on no row (Go's conversion gives MinInt64 on amd64).
    return int(value) if abs(value) < 2**63 else 0


def _go_base_prefixed(text: str) -> int | None:
    found = _BASE_PREFIXED.fullmatch(text.strip())
    if not found:
        return None
    sign, body = found.groups()
    digits = body.replace("_", "")
    base = {"x": 16, "b": 2, "o": 8}.get(body[0].lower(), 8)
    digits = digits[1:] if body[0].lower() in "xbo" else digits
    try:
        value = int(digits or "0", base)
    except ValueError:
        return None
    return -value if sign == "-" else value


def _integer_readings(text: str) -> list[int]:
    readings = [go_atoi(text.strip())[0], _python_int(text), _go_base_prefixed(text)]
    leading = _LEADING.match(text)
    readings.append(int(leading.group()) if leading else None)
    run = _DIGIT_RUN.search(text)
    readings.append(int(run.group()) if run else None)
    return [value for value in readings if value is not None]


def _wrapped(value: int, bits: int) -> int:
    value %= 2**bits
    return value - 2**bits if value >= 2 ** (bits - 1) else value


def plausible_targets(segment: str) -> frozenset[int]:
    """Every id a server could act on for the raw path segment `segment` (see module doc)."""
    try:
        text = go_unescape_path(segment)
    except ValueError:
        return frozenset({0})  # Go answers 400 before any handler
    targets = {go_atoi(text)[0]}
    for value in _integer_readings(text):
        if MIN_INT64 <= value <= MAX_INT64:
            targets.add(value)
        else:
            targets.update({MAX_INT64 if value > 0 else MIN_INT64, _wrapped(value, 64)})
        if abs(value) >= 2**31:
            targets.add(_wrapped(value, 32))
    truncated = _float_truncated(text)
    if truncated is not None:
        targets.add(truncated)
    return frozenset(targets)


def confine(segment: str, owns: Callable[[int], bool], own_id: int) -> str:
    """`segment`, or the same form built on `own_id`, or `"0"`: whichever first has every
    plausible target harmless or owned, and is harmless exactly when `segment` is."""
    harmless = is_harmless(token_id_acted_on(segment))
    try:
        text = go_unescape_path(segment)
    except ValueError:
        return segment  # never reaches a handler
    rebuilt = _DIGIT_RUN.sub(lambda run: _in_digits_of(run.group(), own_id), text)
    for candidate in (segment, encode_path_segment(rebuilt)):
        if is_harmless(token_id_acted_on(candidate)) != harmless:
            continue
        if all(is_harmless(t) or owns(t) for t in plausible_targets(candidate)):
            return candidate
    return "0"


def _in_digits_of(run: str, number: int) -> str:
    """`number` written in the digit family of `run` (ASCII, Arabic-Indic, fullwidth ...)."""
    zero = ord(run[0]) - unicodedata.digit(run[0])
    return "".join(chr(zero + int(d)) for d in str(number))


def encode_path_segment(text: str) -> str:
    """Percent-encode what cannot stand raw in a path segment (it stays the same text for Go)."""
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char in "-._~+!$&'()*,;=:@"):
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)
