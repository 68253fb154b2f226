"""The test users' bootstrap with root (`run.bootstrap.resolve_users`) against a scripted
new-api: a create the road resent (its first answer lost, the user made) is refused as a
taken name, and the login that follows still finds the user."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import httpx
import pytest

from newapi_contract.client.redaction import Redactor
from newapi_contract.errors import CredentialsRejected
from newapi_contract.run.bootstrap import OWNER_NAME, PEER_NAME, derived_password, resolve_users
from newapi_contract.run.settings import RunSettings

ROOT_PASSWORD = "root-password-1"
TAKEN = "UNIQUE constraint failed: users.username"  # what upstream's SQLite store answers


@dataclasses.dataclass
class Users:
    """Username -> password, and the ids they log in as; `made_before` are users whose create
    went through although its answer was lost (the road resends it)."""

    passwords: dict[str, str]
    made_before: dict[str, str] = dataclasses.field(default_factory=dict)
    creates: list[str] = dataclasses.field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content or b"{}")
        if request.url.path == "/api/user/login":
            name = body["username"]
            if self.passwords.get(name) != body["password"]:
                return _answer(False, "用户名或密码错误，或用户已被封禁")
            return _answer(True, "", {"id": list(self.passwords).index(name) + 1, "username": name})
        if request.url.path == "/api/user/" and request.method == "POST":
            name = body["username"]
            self.creates.append(name)
            if name in self.made_before:  # the first attempt, whose answer was lost
                self.passwords[name] = self.made_before.pop(name)
            if name in self.passwords:
                return _answer(False, TAKEN)
            self.passwords[name] = body["password"]
            return _answer(True, "")
        if request.url.path == "/api/user/token":
            return _answer(True, "", f"token-of-user-{request.headers['New-Api-User']}")
        return httpx.Response(404)


def _answer(success: bool, message: str, data: object = None) -> httpx.Response:
    return httpx.Response(200, json={"success": success, "message": message, "data": data})


def _settings() -> RunSettings:
    return RunSettings(
        base_url="http://staging.test",
        generation="legacy",
        owner=None,
        peer=None,
        root_username="root",
        root_password=ROOT_PASSWORD,
        report_dir=Path("reports"),
        rate=None,
        profile="quick",
        timeout=5.0,
        max_wait=1.0,
        network_patience=1.0,
        embedded_generation="current",
        embedded_faults=(),
        embedded_rate_limits=False,
    )


def _resolve(users: Users):  # type: ignore[no-untyped-def]
    transport = httpx.MockTransport(users.handle)

    def make_client() -> httpx.Client:
        return httpx.Client(base_url="http://staging.test", transport=transport)

    return resolve_users(_settings(), make_client(), make_client, Redactor(), setup_done=True)


def test_missing_users_are_created_once_and_logged_in() -> None:
    users = Users({"root": ROOT_PASSWORD})
    resolved = _resolve(users)
    assert users.creates == [OWNER_NAME, PEER_NAME]
    assert resolved.origin == "bootstrapped" and resolved.peer is not None
    assert (resolved.owner.user_id, resolved.peer.user_id) == (2, 3)


def test_a_resent_create_refused_as_taken_still_logs_the_user_in() -> None:
    # The owner was created by the first attempt, whose answer the network lost: its login
    # below failed before the create, the resend is refused, the login after it works.
    made = {OWNER_NAME: derived_password(ROOT_PASSWORD, OWNER_NAME)}
    users = Users({"root": ROOT_PASSWORD}, made_before=made)
    resolved = _resolve(users)
    assert users.creates == [OWNER_NAME, PEER_NAME]
    assert resolved.owner.user_id == 2 and resolved.owner.access_token == "token-of-user-2"


def test_a_refused_create_whose_user_cannot_log_in_says_why() -> None:
    # Somebody else's user by that name (another password): the create's refusal is the reason.
    users = Users({"root": ROOT_PASSWORD, OWNER_NAME: "not-ours"})
    with pytest.raises(CredentialsRejected) as caught:
        _resolve(users)
    assert str(caught.value) == f"root could not create test user {OWNER_NAME!r}: {TAKEN!r}"
