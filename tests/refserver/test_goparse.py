"""The strconv.Atoi clone: properties over generated text, and the cases the contract uses."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newapi_contract.refserver.goparse import MAX_INT64, MIN_INT64, atoi, go_quote

signs = st.sampled_from(["", "+", "-"])
ascii_digits = st.text(alphabet=string.digits, min_size=1, max_size=40)


@given(st.integers(min_value=MIN_INT64, max_value=MAX_INT64), st.integers(0, 5))
def test_every_int64_round_trips_with_leading_zeros(value: int, zeros: int) -> None:
    sign = "-" if value < 0 else "+"
    text = f"{sign}{'0' * zeros}{abs(value)}"
    assert atoi(text).value == value and atoi(text).ok
    assert atoi(str(value)).value == value


@given(signs, ascii_digits)
def test_signed_ascii_digits_parse_or_clamp(sign: str, digits: str) -> None:
    exact = int(sign + digits)
    result = atoi(sign + digits)
    if MIN_INT64 <= exact <= MAX_INT64:
        assert (result.value, result.error) == (exact, None)
    else:
        assert result.value == (MAX_INT64 if exact > 0 else MIN_INT64)
        assert result.error == f'strconv.Atoi: parsing "{sign}{digits}": value out of range'


def _leading_digits(text: str) -> int:
    return next((i for i, c in enumerate(text) if c not in string.digits), len(text))


# at most 19 digits before the first other character: no uint64 overflow comes first
@given(signs, st.text(min_size=1).filter(lambda s: _leading_digits(s) < min(len(s), 20)))
def test_anything_but_ascii_digits_is_a_syntax_error(sign: str, rest: str) -> None:
    result = atoi(sign + rest)
    assert result.value == 0
    assert result.error is not None and result.error.endswith(": invalid syntax")


@given(signs, st.text(alphabet=string.digits, min_size=1, max_size=25), st.text(min_size=1))
def test_a_bad_character_after_a_uint64_overflow_is_out_of_range(sign: str, digits: str, rest: str) -> None:
    """Go reads digits left to right and stops at the overflow (`99999999999999999999x`)."""
    text = sign + digits + rest
    first_bad = next((i for i, c in enumerate(rest) if c not in string.digits), None)
    if first_bad is None:
        return
    head = digits + rest[:first_bad]
    result = atoi(text)
    if int(head) > 2**64 - 1:
        assert result.value == (MIN_INT64 if sign == "-" else MAX_INT64)
        assert result.error is not None and result.error.endswith(": value out of range")
    else:
        assert (result.value, result.error) == (0, f"strconv.Atoi: parsing {go_quote(text)}: invalid syntax")


@pytest.mark.parametrize(
    "text", ["", "+", "-", " 1", "1 ", "1.5", "1e3", "5abc", "0x10", "1_000", "١", "٣", "１"]
)
def test_rejected_examples(text: str) -> None:
    assert not atoi(text).ok


@pytest.mark.parametrize(("text", "value"), [("+5", 5), ("007", 7), ("-0", 0), ("-12", -12)])
def test_accepted_examples(text: str, value: int) -> None:
    assert atoi(text).value == value


def test_error_quotes_like_go() -> None:
    assert atoi("abc").error == 'strconv.Atoi: parsing "abc": invalid syntax'
    assert go_quote('a"b\\c\t\x01é') == '"a\\"b\\\\c\\t\\x01é"'
