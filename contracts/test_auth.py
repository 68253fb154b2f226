"""Who may delete: the credential and New-Api-User (reference §2)."""

from __future__ import annotations

import secrets

import pytest

from newapi_contract.contract.answers import NOT_FOUND, assert_outcome, assert_rejected
from newapi_contract.contract.probes import assert_readable
from newapi_contract.contract.verdict import Violations


def _unknown_access_token() -> str:
    # Same alphabet and length as upstream's access tokens (ref §6), never issued.
    return secrets.token_urlsafe(24)


@pytest.mark.clause("DEL-AUTH-1")
def test_delete_without_authorization_is_refused(owner, make_token, expect):
    token = make_token()
    answer = owner.api.delete_token(token.id, auth=False, headers={"New-Api-User": str(owner.user_id)})
    assert_rejected(answer, expect.missing_authorization)
    assert_readable(owner.api, token.id)


@pytest.mark.clause("DEL-AUTH-2")
def test_unknown_access_token_is_refused(owner, make_token, expect):
    token = make_token()
    found = Violations()
    for label, form in (("bearer", "Bearer {}"), ("raw", "{}")):
        with found.case(label):
            headers = {
                "Authorization": form.format(_unknown_access_token()),
                "New-Api-User": str(owner.user_id),
            }
            assert_rejected(
                owner.api.delete_token(token.id, auth=False, headers=headers), expect.unknown_access_token
            )
    with found.case("afterwards"):
        assert_readable(owner.api, token.id)
    found.raise_if_any()


@pytest.mark.clause("DEL-AUTH-3")
@pytest.mark.parametrize("form", ["bearer", "raw"])
def test_access_token_works_in_both_forms(owner, make_token, form):
    token = make_token()
    answer = owner.api.delete_token(token.id, auth=False, headers=owner.creds.headers(form))
    assert_outcome(answer, success=True, message="")  # that it is gone is DEL-OWN-2's


def _without_new_api_user(owner) -> dict[str, str]:
    return {"Authorization": f"Bearer {owner.creds.access_token}"}


def _refused_or_acted(owner, token, answer, rejection) -> None:
    """legacy refuses (the token survives); current ignores New-Api-User (the delete acts)."""
    if rejection is not None:
        assert_rejected(answer, rejection)
        assert_readable(owner.api, token.id)
    else:  # ignored: the credential alone says who acts (that it is gone is DEL-OWN-2's)
        assert_outcome(answer, success=True, message="")


@pytest.mark.clause("DEL-AUTH-4")
def test_missing_new_api_user(owner, make_token, expect):
    token = make_token()
    answer = owner.api.delete_token(token.id, auth=False, headers=_without_new_api_user(owner))
    _refused_or_acted(owner, token, answer, expect.new_api_user_missing)


@pytest.mark.clause("DEL-AUTH-5")
def test_malformed_new_api_user(owner, make_token, expect):
    rejection = expect.new_api_user_malformed
    token = make_token()
    found = Violations()
    for n, value in enumerate(("abc", "1.0")):
        if n and rejection is None:  # current ignores the header: each delete acts on its token
            token = make_token()
        with found.case(f"New-Api-User {value!r}"):
            headers = {**_without_new_api_user(owner), "New-Api-User": value}
            answer = owner.api.delete_token(token.id, auth=False, headers=headers)
            if rejection is not None:  # legacy: refused, so one token serves every value
                assert_rejected(answer, rejection)
            else:
                _refused_or_acted(owner, token, answer, None)
    if rejection is not None:
        with found.case("afterwards"):
            assert_readable(owner.api, token.id)
    found.raise_if_any()


@pytest.mark.clause("DEL-AUTH-6")
def test_new_api_user_of_another_user_changes_nothing(owner, peer, make_token, expect):
    mine = make_token()
    theirs = make_token(peer)
    as_peer = {**_without_new_api_user(owner), "New-Api-User": str(peer.user_id)}

    # The peer's token, with the owner's credential claiming to be the peer.
    answer = owner.api.delete_token(theirs.id, auth=False, headers=as_peer)
    if expect.new_api_user_mismatch is not None:
        assert_rejected(answer, expect.new_api_user_mismatch)
    else:
        assert_outcome(answer, success=False, message=NOT_FOUND)
    assert_readable(peer.api, theirs.id)

    # The owner's own token, same headers: current acts as the owner, legacy refuses.
    answer = owner.api.delete_token(mine.id, auth=False, headers=as_peer)
    _refused_or_acted(owner, mine, answer, expect.new_api_user_mismatch)


@pytest.mark.clause("DEL-AUTH-7")
def test_relay_key_is_not_a_management_credential(owner, make_token, expect):
    token = make_token.keyed()
    headers = {"Authorization": f"Bearer sk-{token.key()}", "New-Api-User": str(owner.user_id)}
    answer = owner.api.delete_token(token.id, auth=False, headers=headers)
    assert_rejected(answer, expect.relay_key_as_access_token)
    assert_readable(owner.api, token.id)
