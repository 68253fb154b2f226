"""Token ids as upstream's Go server reads them.

new-api's DeleteToken does `id, _ := strconv.Atoi(c.Param("id"))` on the percent-decoded
path segment (gin routes on Go's `URL.Path`) and ignores the error, so the id it acts on is
not always the text a client sent: `+5`, `007` and `%2B5` act on tokens 5 and 7, a syntax
error acts on 0, an overflow on the clamped value. The guard judges ids with these functions.
"""

from __future__ import annotations

__all__ = [
    "MAX_INT64",
    "MIN_INT64",
    "go_atoi",
    "go_unescape_path",
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
