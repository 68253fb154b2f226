"""§2: user auth of both generations."""

from __future__ import annotations

import pytest
from refworld import World, unique

from newapi_contract.refserver.credentials import JwtSigner

AUTH_VERSION = "864b7076dbcd0a3c01b5520316720ebf"


def fail(message: str, code: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"success": False, "message": message}
    if code:
        body["code"] = code
    return body


# legacy ------------------------------------------------------------------------------------
def test_legacy_without_authorization_is_401(legacy: World) -> None:
    answer = legacy.http.get("/api/token/", headers={"New-Api-User": str(legacy.alice.id)})
    assert answer.status_code == 401
    assert answer.json() == fail("Unauthorized, not logged in and no access token provided")


@pytest.mark.parametrize("value", ["nope", "bearer {t}", "Bearer  {t}", "Token {t}"])
def test_legacy_unknown_access_token_is_200_failure(legacy: World, value: str) -> None:
    headers = {
        "Authorization": value.format(t=legacy.alice.access_token),
        "New-Api-User": str(legacy.alice.id),
    }
    answer = legacy.http.get("/api/token/", headers=headers)
    assert answer.status_code == 200
    assert answer.json() == fail("Unauthorized, invalid access token")
    assert "auth-version" not in answer.headers


def test_legacy_accepts_the_raw_access_token(legacy: World) -> None:
    headers = {"Authorization": legacy.alice.access_token, "New-Api-User": str(legacy.alice.id)}
    answer = legacy.http.get("/api/token/", headers=headers)
    assert answer.json()["success"] is True
    assert answer.headers["auth-version"] == AUTH_VERSION


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "Unauthorized, New-Api-User header not provided"),
        ("abc", "Unauthorized, New-Api-User header format error"),
        ("1.0", "Unauthorized, New-Api-User header format error"),
        ("other", "Unauthorized, New-Api-User does not match logged in user"),
    ],
)
def test_legacy_new_api_user_is_mandatory(legacy: World, value: str | None, message: str) -> None:
    headers = {"Authorization": f"Bearer {legacy.alice.access_token}"}
    if value is not None:
        headers["New-Api-User"] = str(legacy.bob.id) if value == "other" else value
    answer = legacy.http.get("/api/token/", headers=headers)
    assert (answer.status_code, answer.json()) == (401, fail(message))


@pytest.mark.parametrize("form", ["+{id}", "0{id}", "+00{id}"])
def test_legacy_new_api_user_parses_like_atoi(legacy: World, form: str) -> None:
    headers = legacy.alice.headers()
    headers["New-Api-User"] = form.format(id=legacy.alice.id)
    assert legacy.http.get("/api/token/", headers=headers).json()["success"] is True


def test_legacy_messages_follow_accept_language(legacy: World) -> None:
    headers = {"Authorization": f"Bearer {legacy.alice.access_token}"}
    zh = legacy.http.get("/api/token/", headers={**headers, "Accept-Language": "zh-CN,en"})
    assert zh.json()["message"] == "无权进行此操作，未提供 New-Api-User"
    tw = legacy.http.get("/api/token/", headers={**headers, "Accept-Language": "zh-TW"})
    assert tw.json()["message"] == "無權進行此操作，未提供 New-Api-User"
    en = legacy.http.get("/api/token/", headers={**headers, "Accept-Language": "en,zh"})
    assert en.json()["message"] == "Unauthorized, New-Api-User header not provided"


def test_legacy_session_cookie_wins_and_needs_new_api_user(legacy: World) -> None:
    login = legacy.login("alice")
    assert login.json()["data"]["id"] == legacy.alice.id
    assert "session" in login.cookies
    with legacy.session(login.cookies) as session:
        bad_token = {"Authorization": "Bearer wrong", "New-Api-User": str(legacy.alice.id)}
        assert session.get("/api/token/", headers=bad_token).json()["success"] is True
        missing = session.get("/api/token/")
        assert missing.status_code == 401
        assert missing.json()["message"] == "Unauthorized, New-Api-User header not provided"


def test_legacy_disabled_user_and_low_role(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("legacy")
    login = world.login("bob")
    manage = world.http.post(
        "/api/user/manage", json={"id": world.bob.id, "action": "disable"}, headers=world.root.headers()
    )
    assert manage.json() == {"success": True, "message": "", "data": {"role": 1, "status": 2}}
    banned = world.http.get("/api/token/", headers=world.bob.headers())
    assert (banned.status_code, banned.json()) == (200, fail("User has been banned"))
    with world.session(login.cookies) as session:  # a session keeps the status it had
        kept = session.get("/api/token/", headers={"New-Api-User": str(world.bob.id)})
        assert kept.json()["success"] is True
    low = world.http.post(
        "/api/user/manage", json={"id": 1, "action": "disable"}, headers=world.alice.headers()
    )
    assert (low.status_code, low.json()) == (200, fail("Unauthorized, insufficient privileges"))


# current -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [None, "", "nope", "Bearer nope", "Bearer sk-{key}"])
def test_current_bad_credentials_are_401_with_code(current: World, value: str | None) -> None:
    headers = {"New-Api-User": str(current.alice.id)}
    if value is not None:
        key = current.key(current.alice, current.create(current.alice)) if "key" in value else ""
        headers["Authorization"] = value.format(key=key)
    answer = current.http.get("/api/token/", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == fail("Unauthorized, invalid access token", "AUTH_UNAUTHORIZED")


@pytest.mark.parametrize("form", ["Bearer {t}", "bearer {t}", "BEARER   {t}", "{t}"])
def test_current_reads_bearer_in_any_form_and_ignores_new_api_user(current: World, form: str) -> None:
    for extra in ({}, {"New-Api-User": str(current.bob.id)}, {"New-Api-User": "abc"}):
        headers = {"Authorization": form.format(t=current.alice.access_token), **extra}
        answer = current.http.get("/api/user/self", headers=headers)
        assert answer.json()["data"]["id"] == current.alice.id
        assert answer.headers["auth-version"] == AUTH_VERSION


def test_current_login_gives_a_jwt_and_ignores_cookies(current: World) -> None:
    data = current.login("alice").json()["data"]
    assert data["user"]["id"] == current.alice.id and data["access_token"].count(".") == 2
    own = current.http.get("/api/user/self", headers={"Authorization": f"Bearer {data['access_token']}"})
    assert own.json()["data"]["username"] == "alice"
    tampered = data["access_token"][:-2] + ("AA" if data["access_token"][-2:] != "AA" else "BB")
    bad = current.http.get("/api/user/self", headers={"Authorization": f"Bearer {tampered}"})
    assert bad.json()["code"] == "AUTH_UNAUTHORIZED"
    with current.session({"session": "anything"}) as session:  # type: ignore[arg-type]
        assert session.get("/api/user/self").status_code == 401


def test_jwt_signer_tells_expired_from_bad() -> None:
    signer = JwtSigner(lifetime_s=-1)
    assert signer.verify(signer.sign(7)) == JwtSigner.EXPIRED
    assert JwtSigner().verify(signer.sign(7)) is None
    assert JwtSigner().verify("a.b") is None


def test_current_disabled_user_and_low_role(make_world) -> None:  # type: ignore[no-untyped-def]
    world: World = make_world("current")
    jwt = world.login("bob").json()["data"]["access_token"]
    world.http.post(
        "/api/user/manage", json={"id": world.bob.id, "action": "disable"}, headers=world.root.headers()
    )
    by_token = world.http.get("/api/user/self", headers=world.bob.headers())
    assert (by_token.status_code, by_token.json()) == (
        401,
        fail("User has been banned", "AUTH_USER_DISABLED"),
    )
    by_jwt = world.http.get("/api/user/self", headers={"Authorization": f"Bearer {jwt}"})
    assert (by_jwt.status_code, by_jwt.json()["code"]) == (401, "AUTH_SESSION_REVOKED")
    low = world.http.post(
        "/api/user/manage", json={"id": 1, "action": "disable"}, headers=world.alice.headers()
    )
    assert (low.status_code, low.json()) == (
        403,
        fail("Unauthorized, insufficient privileges", "AUTH_INSUFFICIENT_PRIVILEGE"),
    )


def test_current_messages_follow_accept_language(current: World) -> None:
    answer = current.http.get("/api/token/", headers={"Accept-Language": "zh"})
    assert answer.json()["message"] == "无权进行此操作，access token 无效"


def test_identity_comes_from_the_credential(world: World) -> None:
    """Portable headers of alice reach alice's tokens only, in both generations."""
    name = unique("own")
    world.create(world.alice, name)
    assert any(item["name"] == name for item in world.items(world.alice))
    assert not any(item["name"] == name for item in world.items(world.bob))
