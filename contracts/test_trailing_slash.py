"""DELETE /api/token/{id}/: gin redirects it (reference §1); a server that answers it
directly must not claim a deletion it did not do (one-api PR #2206, reference §9)."""

from __future__ import annotations

import pytest

from newapi_contract.client.api import token_path
from newapi_contract.client.origin import route_path
from newapi_contract.contract.answers import assert_outcome, describe
from newapi_contract.contract.probes import assert_unreadable
from newapi_contract.contract.verdict import require


@pytest.mark.clause("DEL-SLASH-1")
def test_trailing_slash_is_redirected(owner, make_token):
    token = make_token()
    answer = owner.api.call("DELETE", token_path(token.id, "/"))
    # Behind a reverse proxy serving new-api under a prefix, the Location is under it too.
    location = route_path(answer.headers.get("location", ""))
    require(
        answer.status == 307 and location == token_path(token.id),
        expected=f"HTTP 307 with Location {token_path(token.id)}",
        observed=f"{describe(answer)}, Location {answer.headers.get('location')!r}",
        answer=answer,
    )
    # Following it deletes the token: success here also shows the slashed request had not
    # deleted it (a second delete answers "record not found").
    assert_outcome(owner.api.call("DELETE", location), success=True, message="")
    assert_unreadable(owner.api, token.id)
