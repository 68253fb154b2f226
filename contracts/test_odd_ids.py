"""Odd path ids: the server parses them with Go strconv.Atoi and ignores the error
(reference §3). Each must get its documented answer, never a 5xx, and must never
delete a token other than the one it names.

Every odd id is built on the id N of one of the run's own tokens (`{n}` below; `{hex}`,
`{arabic}` and `{fullwidth}` are N in hex and in other digits): a correct server reads none
of them as N, but a broken one that reads Unicode digits, truncates floats, drops junk or
signs, or reads hex or octal lands on that token, which then vanishes from the list and
fails the clause, and never on anyone else's (the guard checks every such reading before
sending, `client.ids.plausible_targets`). Ids are sent as they go on the wire:
percent-encoded where a raw character could not appear in a URL path. Each clause is one
test over all its cases: upstream's rate limits make requests the scarce resource.
"""

from __future__ import annotations

import pytest

from newapi_contract.client.ids import encode_path_segment, is_harmless, plausible_targets
from newapi_contract.contract.answers import EMPTY_ID, NOT_FOUND, assert_outcome, describe
from newapi_contract.contract.probes import require_listing
from newapi_contract.contract.verdict import Violations, require

UNPARSABLE = {
    "zero": "0",
    "letters": "abc",
    "decimal": "{n}.5",
    "exponent": "{n}e0",
    "hex": "0x{hex}",
    "underscore": "{n}_",
    "leading-space": "%20{n}",
    "trailing-space": "{n}%20",
    "arabic-indic-digits": "{arabic}",
    "fullwidth-digits": "{fullwidth}",
    "encoded-letters": "%61bc",
    "static-segment": "search",
}
# Beyond int64 by a multiple of 2**64, so a server that wraps around lands on N.
_WRAP = 5421010862 * 2**64
NOT_FOUND_IDS = {
    "negative": "-{n}",
    "int64-min": "-9223372036854775808",
    "int64-max-plus-one": "9223372036854775808",
    "overflow": "{overflow}",
    "negative-overflow": "-{overflow}",
}
SAME_TOKEN_FORMS = {
    "plus": "+{n}",
    "leading-zeros": "00{n}",
    "encoded-plus": "%2B{n}",
    "encoded-zero": "%30{n}",
    "plus-and-zeros": "+00{n}",
}


def _in_digits(number: int, zero: str) -> str:
    return encode_path_segment("".join(chr(ord(zero) + int(d)) for d in str(number)))


def odd_id(form: str, n: int) -> str:
    return form.format(
        n=n,
        hex=f"{n:x}",
        arabic=_in_digits(n, "\u0660"),
        fullwidth=_in_digits(n, "\uff10"),
        overflow=n + _WRAP,
    )


@pytest.fixture(scope="module")
def bystanders(token_factory):
    """Owner's tokens the odd ids are built on: they must outlive this module."""
    return token_factory.many(2)


def _listed_ids(owner) -> set[int]:
    return require_listing(owner.api.list_all()).ids()


def _require_listed(owner, tokens) -> None:
    listed = _listed_ids(owner)
    missing = [t.id for t in tokens if t.id not in listed]
    require(
        not missing,
        expected="every token the odd ids are built on still listed",
        observed=f"token(s) {missing} vanished from GET /api/token/: the server read an odd id as theirs",
    )


def _each_answers(owner, cases: dict[str, str], *, message: str, bystanders) -> None:
    found = Violations()
    n = bystanders[0].id
    for label, form in cases.items():
        raw = odd_id(form, n)
        with found.case(f"{label} {raw!r}"):
            answer = owner.api.delete_token(raw)
            require(answer.status < 500, expected="no 5xx", observed=describe(answer), answer=answer)
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
def test_plus_and_zeros_name_the_same_token(owner, token_factory, ledger, bystanders):
    def safe(form: str):
        # Only ids whose every misreading is the run's own (an octal reading of "00N", say).
        return lambda n: all(is_harmless(t) or ledger.knows(t) for t in plausible_targets(odd_id(form, n)))

    targets = {label: token_factory(where=safe(form)) for label, form in SAME_TOKEN_FORMS.items()}
    (last,) = token_factory.many(1)  # newer than every target: a delete of id+1 shows
    found = Violations()
    for label, form in SAME_TOKEN_FORMS.items():
        raw = odd_id(form, targets[label].id)
        with found.case(f"{label} {raw!r}"):
            answer = owner.api.delete_token(raw)
            require(answer.status < 500, expected="no 5xx", observed=describe(answer), answer=answer)
            assert_outcome(answer, success=True, message="")
    listed = _listed_ids(owner)
    gone = {t.id for t in targets.values()}
    kept = {last.id, *(b.id for b in bystanders)}
    with found.case("afterwards"):
        require(
            not listed & gone and kept <= listed,
            expected=f"tokens {sorted(gone)} gone, {sorted(kept)} still listed",
            observed=f"listed now: {sorted(i for i in listed if isinstance(i, int))[-12:]}",
        )
    found.raise_if_any()
