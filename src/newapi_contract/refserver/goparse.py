"""Go's `strconv.Atoi` and `strconv.Quote`, as new-api's handlers use them on path ids.

gin hands every path segment to the handler as a string; the handler parses it with
`strconv.Atoi`, which accepts an optional sign and ASCII digits only (`+5`, `007`),
rejects everything else (`5abc`, ` 1`, `1.5`, `1e3`, `١`), and on overflow returns the
value clamped to the int64 range together with an error. Like Go's `ParseUint`, the
digits are read left to right and an overflow ends the reading: `99999999999999999999x`
is out of range (MaxInt64), not a syntax error. The cases both ports of Atoi must agree on,
and that Go itself is checked against, are in `tests/data/go_atoi_cases.json`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_INT64", "MIN_INT64", "AtoiResult", "atoi", "go_quote"]

MAX_INT64 = 2**63 - 1
MIN_INT64 = -(2**63)
_MAX_UINT64 = 2**64 - 1

_SHORT_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


@dataclass(frozen=True)
class AtoiResult:
    """What `strconv.Atoi` returns: the value (0, or clamped on overflow) and the error text."""

    value: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def go_quote(text: str) -> str:
    """`strconv.Quote`: double quotes, Go escapes for control and non-printable characters."""
    out = []
    for ch in text:
        if ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def atoi(text: str) -> AtoiResult:
    """Parse `text` exactly as Go's `strconv.Atoi` does on a 64-bit platform."""
    negative = text[:1] == "-"
    digits = text[1:] if text[:1] in ("+", "-") else text
    syntax = AtoiResult(0, f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax")
    out_of_range = AtoiResult(
        MIN_INT64 if negative else MAX_INT64, f"strconv.Atoi: parsing {go_quote(text)}: value out of range"
    )
    if not digits:
        return syntax
    magnitude = 0
    for char in digits:
        if not "0" <= char <= "9":
            return syntax
        magnitude = magnitude * 10 + ord(char) - ord("0")
        if magnitude > _MAX_UINT64:  # ParseUint stops here, before any later character
            return out_of_range
    value = -magnitude if negative else magnitude
    return AtoiResult(value, None) if MIN_INT64 <= value <= MAX_INT64 else out_of_range
