"""Odd path ids: the server parses them with Go strconv.Atoi and ignores the error
(reference §3). Each must get its documented answer, never a 5xx, and must never
delete a token other than the one it names.

Ids are sent as they go on the wire: percent-encoded where a raw character could not
appear in a URL path. Each clause is one test over all its cases (one request a case,
one list at the end): upstream's rate limits make requests the scarce resource.
"""

from __future__ import annotations

import pytest

from newapi_contract.contract.answers import EMPTY_ID, NOT_FOUND, assert_outcome, describe
from newapi_contract.contract.probes import items
from newapi_contract.contract.verdict import Violations, require

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
    return token_factory.many(2)


def _listed_ids(owner) -> set[int]:
    return {item.get("id") for item in items(owner.api.list_tokens())}


def _require_listed(owner, tokens) -> None:
    listed = _listed_ids(owner)
    missing = [t.id for t in tokens if t.id not in listed]
    require(
        not missing,
        expected="every other token of the owner still listed",
        observed=f"token(s) {missing} vanished from GET /api/token/",
    )


def _each_answers(owner, cases: dict[str, str], *, message: str, bystanders) -> None:
    found = Violations()
    for label, raw in cases.items():
        with found.case(f"{label} {raw!r}"):
            answer = owner.api.delete_token(raw)
            require(answer.status < 500, expected="no 5xx", observed=describe(answer))
            assert_outcome(answer, success=False, message=message)
    _require_listed(owner, bystanders)
    found.raise_if_any()


@pytest.mark.clause("DEL-ID-1")
def test_unparsable_ids_name_no_token(owner, bystanders):
    _each_answers(owner, UNPARSABLE, message=EMPTY_ID, bystanders=bystanders)


@pytest.mark.clause("DEL-ID-2")
def test_negative_and_overflowing_ids_are_not_found(owner, bystanders):
    _each_answers(owner, NOT_FOUND_IDS, message=NOT_FOUND, bystanders=bystanders)


@pytest.mark.clause("DEL-ID-3")
def test_plus_and_zeros_name_the_same_token(owner, token_factory, bystanders):
    # Consecutive ids, plus one more: a delete that hits the wrong id shows up at once.
    *targets, last = token_factory.many(len(SAME_TOKEN_FORMS) + 1)
    found = Violations()
    for (label, form), token in zip(SAME_TOKEN_FORMS.items(), targets, strict=True):
        raw = form.format(token.id)
        with found.case(f"{label} {raw!r}"):
            answer = owner.api.delete_token(raw)
            require(answer.status < 500, expected="no 5xx", observed=describe(answer))
            assert_outcome(answer, success=True, message="")
    listed = _listed_ids(owner)
    with found.case("afterwards"):
        require(
            not listed & {t.id for t in targets} and {last.id, *(b.id for b in bystanders)} <= listed,
            expected=f"tokens {[t.id for t in targets]} gone, {last.id} and the bystanders still listed",
            observed=f"listed now: {sorted(i for i in listed if isinstance(i, int))[-12:]}",
        )
    found.raise_if_any()
