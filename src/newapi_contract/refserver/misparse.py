"""Path-id parsers of broken servers: what a DELETE acts on when the id is read wrongly.

Upstream reads `c.Param("id")` with Go's `strconv.Atoi` and ignores the error (`goparse`).
A server built another way, or in another language, reads the same text differently; each
function here is one such reading, as a fault mode of `DELETE /api/token/:id` (`faults`).
Every one takes the percent-decoded segment, answers 0 where it finds no number (as
upstream does on a parse error) and keeps the result in int64 (clamped, except where the
fault is the wrap-around itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from newapi_contract.refserver.goparse import MAX_INT64, MIN_INT64, atoi

__all__ = [
    "MISPARSERS",
    "first_digit_run",
    "float_truncated",
    "go_parse_int_base0",
    "leading_digits",
    "overflow_wraps",
    "python_int",
    "whitespace_trimmed",
]

_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_C_SPACE = " \t\n\v\f\r"
# Go's unicode.IsSpace, which strings.TrimSpace trims.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501
_DIGIT_RUN = re.compile(r"[0-9]+")


def _clamp(value: int) -> int:
    return max(MIN_INT64, min(MAX_INT64, value))


def python_int(text: str) -> int:
    """Python's `int(text)`: Unicode decimal digits count (`٣` is 3, `１` is 1), and so do
    surrounding whitespace and underscores between digits."""
    try:
        return _clamp(int(text))
    except ValueError:
        return 0


def float_truncated(text: str) -> int:
    """A float parse (decimals, exponents), then truncation toward zero: `1.5` is 1,
    `1e3` is 1000 (as `int64(strconv.ParseFloat(s, 64))` or `Math.trunc(Number(s))`)."""
    if not _FLOAT.fullmatch(text):
        return 0
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        return MAX_INT64 if value > 0 else MIN_INT64
    return _clamp(int(value))


def leading_digits(text: str) -> int:
    """C `strtol(s, NULL, 10)` / JavaScript `parseInt(s, 10)`: leading whitespace skipped,
    an optional sign, the digits that follow; trailing junk ignored (`12abc` is 12, ` 1` is 1)."""
    rest = text.lstrip(_C_SPACE)
    sign = -1 if rest[:1] == "-" else 1
    rest = rest[1:] if rest[:1] in ("+", "-") else rest
    digits = _DIGIT_RUN.match(rest)
    return _clamp(sign * int(digits.group())) if digits else 0


def _underscore_ok(text: str) -> bool:
    """Go's `strconv.underscoreOK`: underscores only between digits (or after a base prefix)."""
    saw, i, hexa = "^", 0, False
    if text[:1] in ("+", "-"):
        text = text[1:]
    if len(text) >= 2 and text[0] == "0" and text[1].lower() in "box":
        i, saw, hexa = 2, "0", text[1].lower() == "x"
    for char in text[i:]:
        if "0" <= char <= "9" or (hexa and "a" <= char.lower() <= "f"):
            saw = "0"
        elif char == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def go_parse_int_base0(text: str) -> int:
    """Go's `strconv.ParseInt(s, 0, 64)`, error ignored: base prefixes `0x`, `0o`, `0b` and
    a leading `0` for octal, underscores between digits (`0x10` is 16, `010` is 8, `0b10`
    is 2, `1_000` is 1000); a syntax error is 0, an overflow clamps."""
    negative = text[:1] == "-"
    body = text[1:] if text[:1] in ("+", "-") else text
    if not body:
        return 0
    base, digits = 10, body
    if body[0] == "0":
        prefix = body[1:2].lower()
        if len(body) >= 3 and prefix in ("b", "o", "x"):
            base, digits = {"b": 2, "o": 8, "x": 16}[prefix], body[2:]
        else:
            base, digits = 8, body[1:]
    value = 0
    for char in digits:
        if char == "_":
            continue
        if not char.isascii() or not char.isalnum():
            return 0
        digit = int(char, 36)
        if digit >= base:
            return 0
        value = value * base + digit
        if value > 2**64 - 1:  # ParseUint stops at the overflow, before any later junk
            return MIN_INT64 if negative else MAX_INT64
    if "_" in body and not _underscore_ok(body):
        return 0
    return _clamp(-value if negative else value)


def whitespace_trimmed(text: str) -> int:
    """`strconv.Atoi(strings.TrimSpace(s))`: Go's Unicode whitespace trimmed first."""
    return atoi(text.strip(_GO_SPACE)).value


def first_digit_run(text: str) -> int:
    """The first run of ASCII digits anywhere, sign dropped (`-5` is 5, `id7` is 7, as a
    `/\\d+/` match would read it)."""
    run = _DIGIT_RUN.search(text)
    return _clamp(int(run.group())) if run else 0


def overflow_wraps(text: str) -> int:
    """Atoi's syntax, but an overflow wraps around in 64 bits instead of clamping
    (`2^64 + 5` is 5), as a hand-rolled `n = n*10 + d` loop in int64 does."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not all("0" <= char <= "9" for char in digits):
        return 0
    value = int(digits) * (-1 if text[0] == "-" else 1)
    return (value - MIN_INT64) % 2**64 + MIN_INT64


# fault name -> the id its DELETE acts on, for the segment as routed (percent-decoded).
MISPARSERS: dict[str, Callable[[str], int]] = {
    "id-unicode-digits": python_int,
    "id-float-truncated": float_truncated,
    "id-leading-digits": leading_digits,
    "id-base-prefix": go_parse_int_base0,
    "id-whitespace-trimmed": whitespace_trimmed,
    "id-first-digit-run": first_digit_run,
    "id-overflow-wraps": overflow_wraps,
}
