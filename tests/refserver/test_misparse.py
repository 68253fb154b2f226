"""The mis-parsing servers' id readers, as plain functions (their HTTP effect is checked
per fault in test_faults.py). Where one imitates a real library, the expected values are
that library's: Python int(), C strtol, Go strconv.ParseInt(s, 0, 64), Go TrimSpace."""

from __future__ import annotations

import pytest

from newapi_contract.refserver.faults import FAULTS
from newapi_contract.refserver.goparse import MAX_INT64, MIN_INT64, atoi
from newapi_contract.refserver.misparse import (
    MISPARSERS,
    first_digit_run,
    float_truncated,
    go_parse_int_base0,
    leading_digits,
    overflow_wraps,
    python_int,
    whitespace_trimmed,
)

# Ids a correct server reads as the same number: every reader must agree on them.
PLAIN = {"5": 5, "123": 123, "0": 0}


@pytest.mark.parametrize("reader", MISPARSERS.values(), ids=list(MISPARSERS))
@pytest.mark.parametrize(("text", "value"), PLAIN.items())
def test_plain_ids_read_as_atoi_reads_them(reader, text, value):
    assert reader(text) == value == atoi(text).value


def test_every_reader_is_a_deletion_fault():
    assert set(MISPARSERS) <= {name for name, fault in FAULTS.items() if fault.deletion_related}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("٣", 3),
        ("１", 1),
        ("１２", 12),
        ("߇", 7),
        (" 4 ", 4),
        ("1_000", 1000),
        ("-٣", -3),
        ("1.5", 0),
        ("x", 0),
    ],
)
def test_python_int(text, value):
    assert python_int(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1.5", 1), ("1e3", 1000), ("-2.7", -2), (".9", 0), ("7.", 7), ("2E2", 200), ("1e400", MAX_INT64),
        ("-1e400", MIN_INT64), ("1.5x", 0), ("inf", 0), ("nan", 0), (" 1", 0), ("٣", 0),
    ],
)  # fmt: skip
def test_float_truncated(text, value):
    assert float_truncated(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12abc", 12), (" 1", 1), ("\t-3x", -3), ("+4 ", 4), ("abc", 0), ("0x10", 0), ("1.9", 1),
        ("99999999999999999999x", MAX_INT64), ("- 1", 0),
    ],
)  # fmt: skip
def test_leading_digits_like_strtol(text, value):
    assert leading_digits(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0x10", 16), ("0X1f", 31), ("010", 8), ("0b10", 2), ("0o17", 15), ("1_000", 1000), ("0x_1", 1),
        ("-0x10", -16), ("+010", 8), ("08", 0), ("0x", 0), ("1__0", 0), ("_1", 0), ("1_", 0), ("0b2", 0),
        ("0x8000000000000000", MAX_INT64), ("-0x8000000000000000", MIN_INT64),
        ("99999999999999999999x", MAX_INT64), ("1e3", 0), (" 1", 0),
    ],
)  # fmt: skip
def test_go_parse_int_base0(text, value):
    assert go_parse_int_base0(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [(" 1", 1), ("2 ", 2), ("\t3\n", 3), ("\u00a04\u3000", 4), ("1 2", 0), (" +5", 5), ("٣", 0)],
)
def test_whitespace_trimmed_like_go(text, value):
    assert whitespace_trimmed(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("-5", 5),
        ("id7", 7),
        ("x12y3", 12),
        ("1.5", 1),
        ("1e3", 1),
        ("abc", 0),
        ("٣", 0),
        ("9" * 30, MAX_INT64),
    ],
)
def test_first_digit_run(text, value):
    assert first_digit_run(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (str(2**64 + 5), 5), (str(2**63), MIN_INT64), (str(2**64 - 1), -1), ("-" + str(2**63 + 1), MAX_INT64),
        (str(MAX_INT64), MAX_INT64), ("1x", 0), ("", 0),
    ],
)  # fmt: skip
def test_overflow_wraps(text, value):
    assert overflow_wraps(text) == value
