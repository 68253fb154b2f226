"""Odd path ids: the server parses them with Go strconv.Atoi and ignores the error
(reference §3). Each must get its documented answer, never a 5xx, and must never
delete a token other than the one it names.

Ids are sent as they go on the wire: percent-encoded where a raw character could not
appear in a URL path.
"""

from __future__ import annotations

import pytest

from newapi_contract.contract.answers import EMPTY_ID, NOT_FOUND, assert_outcome, describe
from newapi_contract.contract.probes import assert_readable, assert_unreadable, items
from newapi_contract.contract.verdict import require

UNPARSABLE = {
    "zero": "0",
    "minus-zero": "-0",
    "letters": "abc",
    "decimal": "1.5",
    "exponent": "1e3",
    "hex": "0x10",
    "underscore": "1_000",
    "leading-space": "%201",
    "trailing-space": "1%20",
    "arabic-indic-digit": "%D9%A3",
    "fullwidth-digit": "%EF%BC%91",
    "encoded-letters": "%61bc",
    "static-segment": "search",
}
NOT_FOUND_IDS = {
    "negative": "-1",
    "int64-min": "-9223372036854775808",
    "int64-max-plus-one": "9223372036854775808",
    "overflow": "99999999999999999999999",
    "negative-overflow": "-99999999999999999999999",
}
SAME_TOKEN_FORMS = {
    "plus": "+{}",
    "leading-zeros": "00{}",
    "encoded-plus": "%2B{}",
    "encoded-zero": "%30{}",
    "plus-and-zeros": "+00{}",
}


@pytest.fixture(scope="module")
def bystanders(token_factory):
    """Owner's tokens that no odd id names: they must outlive this module."""
    return [token_factory(), token_factory()]


def _assert_all_listed(owner, tokens) -> None:
    listed_ids = {item.get("id") for item in items(owner.api.list_tokens())}
    missing = [t.id for t in tokens if t.id not in listed_ids]
    require(
        not missing,
        expected="every other token of the owner still listed",
        observed=f"token(s) {missing} vanished from GET /api/token/",
    )


@pytest.mark.clause("DEL-ID-1")
@pytest.mark.parametrize("raw", UNPARSABLE.values(), ids=UNPARSABLE.keys())
def test_unparsable_id_names_no_token(owner, bystanders, raw):
    answer = owner.api.delete_token(raw)
    require(answer.status < 500, expected="no 5xx", observed=describe(answer))
    assert_outcome(answer, success=False, message=EMPTY_ID)
    _assert_all_listed(owner, bystanders)


@pytest.mark.clause("DEL-ID-2")
@pytest.mark.parametrize("raw", NOT_FOUND_IDS.values(), ids=NOT_FOUND_IDS.keys())
def test_negative_and_overflowing_ids_are_not_found(owner, bystanders, raw):
    answer = owner.api.delete_token(raw)
    require(answer.status < 500, expected="no 5xx", observed=describe(answer))
    assert_outcome(answer, success=False, message=NOT_FOUND)
    _assert_all_listed(owner, bystanders)


@pytest.mark.clause("DEL-ID-3")
@pytest.mark.parametrize("form", SAME_TOKEN_FORMS.values(), ids=SAME_TOKEN_FORMS.keys())
def test_plus_and_zeros_name_the_same_token(owner, make_token, bystanders, form):
    before, token, after = make_token(), make_token(), make_token()
    answer = owner.api.delete_token(form.format(token.id))
    require(answer.status < 500, expected="no 5xx", observed=describe(answer))
    assert_outcome(answer, success=True, message="")
    assert_unreadable(owner.api, token.id)
    assert_readable(owner.api, before.id)
    assert_readable(owner.api, after.id)
    _assert_all_listed(owner, bystanders)
