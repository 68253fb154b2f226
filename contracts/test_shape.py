"""Every answer of DELETE /api/token/{id} is JSON with a boolean success and a string
message (Apifox: json response; reference §2, §3; the overlay's response schemas)."""

from __future__ import annotations

import pytest

from newapi_contract.contract.answers import assert_shape

NEVER_EXISTED = 2**63 - 1


@pytest.mark.clause("DEL-SHAPE-1")
def test_every_kind_of_answer_is_json_with_success_and_message(owner, make_token):
    token = make_token()
    answers = {
        "deleted": owner.api.delete_token(token.id),
        "deleted again": owner.api.delete_token(token.id),
        "never existed": owner.api.delete_token(NEVER_EXISTED),
        "unparsable id": owner.api.delete_token("abc"),
        "no Authorization": owner.api.delete_token(
            token.id, auth=False, headers={"New-Api-User": str(owner.user_id)}
        ),
    }
    for answer in answers.values():
        assert_shape(answer)
