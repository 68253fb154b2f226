"""go_atoi imitates Go's strconv.Atoi; token_id_acted_on the id DeleteToken acts on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newapi_contract.client.ids import (
    MAX_INT64,
    MIN_INT64,
    go_atoi,
    go_unescape_path,
    token_id_acted_on,
)

# Results of Go 1.22 `strconv.Atoi` (value, err == nil).
GO_ATOI = [
    ("5", 5, True),
    ("+5", 5, True),
    ("-5", -5, True),
    ("007", 7, True),
    ("-0", 0, True),
    ("0", 0, True),
    ("", 0, False),
    ("+", 0, False),
    ("-", 0, False),
    ("+-5", 0, False),
    (" 1", 0, False),
    ("1 ", 0, False),
    ("1_000", 0, False),
    ("1.5", 0, False),
    ("1e3", 0, False),
    ("0x10", 0, False),
    ("abc", 0, False),
    ("٣", 0, False),  # ARABIC-INDIC DIGIT THREE: a digit to Python, not to Go
    ("１", 0, False),  # FULLWIDTH DIGIT ONE
    ("9223372036854775807", MAX_INT64, True),
    ("9223372036854775808", MAX_INT64, False),
    ("-9223372036854775808", MIN_INT64, True),
    ("-9223372036854775809", MIN_INT64, False),
    ("99999999999999999999", MAX_INT64, False),
    ("-99999999999999999999", MIN_INT64, False),
    ("18446744073709551615", MAX_INT64, False),
    # ParseUint notices the overflow digit by digit, before reaching the bad character...
    ("99999999999999999999x", MAX_INT64, False),
    # ...but a bad character before any overflow is a syntax error.
    ("9223372036854775808x", 0, False),
]


@pytest.mark.parametrize(("text", "value", "ok"), GO_ATOI)
def test_go_atoi_matches_go(text: str, value: int, ok: bool) -> None:
    assert go_atoi(text) == (value, ok)


@given(st.integers(min_value=MIN_INT64, max_value=MAX_INT64), st.integers(0, 5))
def test_every_int64_round_trips_with_leading_zeros(n: int, zeros: int) -> None:
    sign = "-" if n < 0 else "+"
    assert go_atoi(str(n)) == (n, True)
    assert go_atoi(f"{sign}{'0' * zeros}{abs(n)}") == (n, True)


@given(st.text(alphabet="0123456789", min_size=1, max_size=40), st.sampled_from(["", "+", "-"]))
def test_digit_strings_clamp_on_overflow(digits: str, sign: str) -> None:
    exact = int(sign + digits)
    clamped = min(max(exact, MIN_INT64), MAX_INT64)
    assert go_atoi(sign + digits) == (clamped, clamped == exact)


@given(st.text(max_size=30))
def test_ok_only_for_a_sign_and_ascii_digits(text: str) -> None:
    value, ok = go_atoi(text)
    if ok:
        assert re.fullmatch(r"[+-]?[0-9]+", text)
        assert value == int(text)
    elif not re.fullmatch(r"[+-]?[0-9]+", text):
        # A syntax error is 0, unless ASCII digits overflowed before the first bad character.
        assert value in (0, MAX_INT64, MIN_INT64)


ACTED_ON = [
    ("5", 5),
    ("+5", 5),
    ("%2B5", 5),
    ("%2b5", 5),
    ("007", 7),
    ("%30", 0),
    ("%35", 5),
    ("%2D5", -5),
    ("1e3", 0),
    ("%D9%A3", 0),  # ٣ as UTF-8
    ("٣", 0),
    ("%201", 0),  # " 1": Go's router does not trim path segments
    ("abc", 0),
    ("%", 0),  # bad escape: Go answers 400, no handler runs
    ("%zz", 0),
    ("99999999999999999999", MAX_INT64),
    ("-99999999999999999999", MIN_INT64),
]


@pytest.mark.parametrize(("segment", "acted_on"), ACTED_ON)
def test_token_id_acted_on(segment: str, acted_on: int) -> None:
    assert token_id_acted_on(segment) == acted_on


@pytest.mark.parametrize("raw", ["%", "%z", "%zz", "a%2", "%G0"])
def test_go_unescape_path_rejects_bad_escapes(raw: str) -> None:
    with pytest.raises(ValueError):
        go_unescape_path(raw)


def test_go_unescape_path_keeps_plus_and_decodes_utf8() -> None:
    assert go_unescape_path("a+b%20c%2Fd%D9%A3") == "a+b c/d٣"


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_any_percent_encoding_of_a_number_acts_on_its_clamp(n: int) -> None:
    encoded = "".join(f"%{ord(c):02X}" for c in str(n))
    assert token_id_acted_on(encoded) == go_atoi(str(n))[0]
