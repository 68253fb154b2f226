"""go_atoi imitates Go's strconv.Atoi; token_id_acted_on the id DeleteToken acts on."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newapi_contract.client.ids import (
    MAX_INT64,
    MIN_INT64,
    confine,
    encode_path_segment,
    go_atoi,
    go_unescape_path,
    is_harmless,
    plausible_targets,
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


@pytest.mark.parametrize(("raw", "shown"), [("%zz1", "%zz"), ("a%2", "%2"), ("%", "%"), ("%G0x", "%G0")])
def test_a_bad_escape_is_named_in_the_error(raw: str, shown: str) -> None:
    with pytest.raises(ValueError) as caught:
        go_unescape_path(raw)
    assert str(caught.value) == f"invalid URL escape {shown!r}"


@pytest.mark.parametrize(("raw", "decoded"), [("%FF%41", "\udcffA"), ("\udcff%41", "\udcffA")])
def test_go_unescape_path_keeps_bytes_that_are_not_utf8(raw: str, decoded: str) -> None:
    # Go's URL.Path holds any bytes; here they are surrogate escapes, both ways.
    assert go_unescape_path(raw) == decoded


@given(st.integers(min_value=-(10**30), max_value=10**30))
def test_any_percent_encoding_of_a_number_acts_on_its_clamp(n: int) -> None:
    encoded = "".join(f"%{ord(c):02X}" for c in str(n))
    assert token_id_acted_on(encoded) == go_atoi(str(n))[0]


# -- what a broken server might read -------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "targets"),
    [
        ("57", {57}),
        ("abc", {0}),
        ("57.5", {0, 57}),  # truncated float, leading digits
        ("1e3", {0, 1, 1000}),  # leading digit, float
        ("0x39", {0, 57}),  # hex
        ("0057", {47, 57}),  # octal for Go's ParseInt(s, 0, 64)
        ("0058", {58}),  # not octal
        ("1_000", {0, 1, 1000}),  # Python's int() takes underscores
        ("%2057", {0, 57}),  # trimmed
        ("%D9%A5%D9%A7", {0, 57}),  # Arabic-Indic 57
        ("%EF%BC%95%EF%BC%97", {0, 57}),  # fullwidth 57
        ("-57", {-57, 57}),  # the sign dropped
        ("id57", {0, 57}),  # leading junk dropped
        ("%zz", {0}),  # Go answers 400 before any handler
        ("-5x", {-5, 0, 5}),  # strtol keeps the sign the digit run drops
        # Go's ParseInt(s, 0, 64): underscores after the prefix, each base, the sign
        ("0x_ff", {0, 255}),
        ("0b101", {0, 5}),
        ("0o17", {0, 15}),
        ("017", {15, 17}),
        ("-0x10", {-16, 0}),
        # beyond int64: the clamp on the reading's side, the 64- and 32-bit wraps
        ("0x8000000000000000", {0, MAX_INT64, MIN_INT64}),
        ("-0x8000000000000001", {0, MIN_INT64, MAX_INT64, -1}),
        ("18446744073709551611", {0, MAX_INT64, -5, -1}),  # 2**64 - 5; Atoi's clamp wraps to -1
        # beyond int32: a 32-bit server wraps
        ("2147483648", {2**31, -(2**31)}),
        ("4294967301", {2**32 + 5, 5}),
        # bytes that are not UTF-8 still hold a digit run a lenient server may read
        ("%FF5", {0, 5}),
        ("\udcff5", {0, 5}),  # the same byte, surrogate-escaped in the segment
    ],
)
def test_plausible_targets(segment: str, targets: set[int]) -> None:
    assert plausible_targets(segment) == targets


def test_an_overflow_may_wrap_onto_a_real_id():
    wrapping = str(57 + 5421010862 * 2**64)
    assert 57 in plausible_targets(wrapping) and MAX_INT64 in plausible_targets(wrapping)
    assert all(is_harmless(t) or t == 57 for t in plausible_targets(wrapping))


@given(st.text(max_size=30))
def test_property_the_true_reading_is_always_plausible(text):
    segment = encode_path_segment(text)
    assert token_id_acted_on(segment) in plausible_targets(segment)


@pytest.mark.parametrize(
    ("segment", "confined"),
    [
        ("abc", "abc"),  # nothing to read: as it is
        ("-5", "-57"),  # built on the run's own id
        ("1.5", "57.57"),
        ("%D9%A3", "%D9%A5%D9%A7"),  # in the same digits: Arabic-Indic 57
        ("99999999999999999999", "0"),  # "57" would not be harmless any more
    ],
)
def test_confine_keeps_the_form_on_an_own_id(segment, confined):
    assert confine(segment, {57}.__contains__, 57) == confined


@given(st.text(max_size=20))
def test_property_confined_segments_are_safe_and_keep_harmlessness(text):
    segment = encode_path_segment(text)
    owned = {57}
    out = confine(segment, owned.__contains__, 57)
    assert all(is_harmless(t) or t in owned for t in plausible_targets(out))
    assert is_harmless(token_id_acted_on(out)) == is_harmless(token_id_acted_on(segment)) or out == "0"
