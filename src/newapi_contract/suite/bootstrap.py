"""First contact with a target: is it a new-api, which generation, and who the test users are.

Everything goes through the public API and the guarded client stack, exactly as
against staging: the embedded reference server is bootstrapped the same way.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import httpx

from newapi_contract.client.api import Answer, Credentials, NewApi
from newapi_contract.client.redaction import Redactor
from newapi_contract.errors import CredentialsRejected, NotNewApi, RoadFault, TargetUnreachable, UsageError
from newapi_contract.suite.settings import RunSettings, UserSecret

__all__ = [
    "Probe",
    "TestUsers",
    "block_cookies",
    "check_given_users",
    "derived_password",
    "embedded_root",
    "no_cookie_policy",
    "probe",
    "resolve_users",
]

ROLE_ROOT = 100
# Dedicated test users, reused run after run so that staging does not fill up with them;
# their passwords derive from the root password, so nothing has to be stored.
OWNER_NAME, PEER_NAME = "nacowner", "nacpeer"


class _NoCookies(DefaultCookiePolicy):
    def set_ok(self, cookie: Any, request: Any) -> bool:
        return False


def no_cookie_policy() -> DefaultCookiePolicy:
    """A cookie policy that keeps none: in legacy a session cookie wins over
    Authorization (ref §2), so a test client must never carry one."""
    return _NoCookies()


def block_cookies(client: httpx.Client) -> httpx.Client:
    client.cookies.jar.set_policy(no_cookie_policy())
    return client


@dataclass(frozen=True)
class Probe:
    generation: str
    version: str
    setup_done: bool
    detected: bool  # False when --server-generation overrode detection


@dataclass(frozen=True)
class TestUsers:
    owner: Credentials
    peer: Credentials | None
    origin: str  # "given" (from the environment) or "bootstrapped" (created with root)


def _answer(
    client: httpx.Client, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
) -> Answer:
    """One request with no credentials but the given headers; network failures become
    TargetUnreachable (exit 3)."""
    try:
        return NewApi(client, None).call(method, path, json=json, headers=headers)
    except RoadFault as fault:
        if fault.kind == "throttled":
            raise
        raise TargetUnreachable(f"{client.base_url}: cannot connect or no answer ({fault})") from None


def probe(client: httpx.Client, generation: str | None) -> Probe:
    """`GET /api/status` must answer like new-api; an anonymous `GET /api/user/self`
    tells the generation: 401 without `code` is legacy, with `code` current (ref §2)."""
    status = _answer(client, "GET", "/api/status")
    body = status.json
    if not (isinstance(body, dict) and body.get("success") is True and isinstance(body.get("data"), dict)):
        raise NotNewApi(
            f"{client.base_url}: GET /api/status answered HTTP {status.status} "
            f"({status.content_type or 'no content type'}), not new-api's status JSON"
        )
    data = body["data"]
    version = str(data.get("version") or "")
    setup_done = data.get("setup", True) is not False
    if generation is not None:
        return Probe(generation, version, setup_done, detected=False)
    anonymous = _answer(client, "GET", "/api/user/self")
    self_body = anonymous.json
    if anonymous.status != 401 or not isinstance(self_body, dict) or self_body.get("success") is not False:
        raise NotNewApi(
            f"{client.base_url}: GET /api/user/self without credentials answered HTTP "
            f"{anonymous.status}, not new-api's 401; give --server-generation to skip detection"
        )
    detected = "current" if "code" in self_body else "legacy"
    return Probe(detected, version, setup_done, detected=True)


def _check_user(client: httpx.Client, creds: Credentials, label: str) -> None:
    answer = NewApi(client, creds).self_info()
    data = answer.data if isinstance(answer.data, dict) else {}
    id_variable = label.replace("ACCESS_TOKEN", "USER_ID")
    if answer.status == 200 and answer.success is True and data.get("id") != creds.user_id:
        raise CredentialsRejected(
            f"{label} works but belongs to user {data.get('id')}, not {id_variable}={creds.user_id}: "
            f"set {id_variable} to {data.get('id')}, or give that user's access token"
        )
    if answer.status != 200 or answer.success is not True:
        raise CredentialsRejected(
            f"{label}: the server refused the access token for user {creds.user_id} "
            f"(GET /api/user/self answered HTTP {answer.status}: {answer.message!r})"
        )
    if int(data.get("role") or 0) >= ROLE_ROOT:
        raise UsageError(
            f"{label}: user {creds.user_id} is root; the suite needs common users "
            "(root may act on other users' tokens in newer builds, ref §9)"
        )


def _from_secret(secret: UserSecret, redactor: Redactor, placeholder: str) -> Credentials:
    redactor.add_secret(secret.access_token, placeholder)
    return Credentials(secret.user_id, secret.access_token)


class _RootSession:
    """Root's dashboard session (cookie in legacy, JWT in current): root's own access
    token is never rotated, so nothing of root's on staging changes."""

    def __init__(self, make_client: Any, redactor: Redactor) -> None:
        self._make_client = make_client
        self._redactor = redactor

    def login(self, username: str, password: str) -> tuple[httpx.Client, dict[str, str], int]:
        """Log in; a client holding the session, headers that authenticate it, the user id."""
        self._redactor.add_password(password)
        client: httpx.Client = self._make_client()
        answer = _answer(client, "POST", "/api/user/login", json={"username": username, "password": password})
        data = answer.data if isinstance(answer.data, dict) else {}
        if answer.success is not True:
            client.close()
            raise CredentialsRejected(f"login as {username!r} refused: {answer.message!r}")
        nested = data.get("user")
        user = nested if isinstance(nested, dict) else data
        user_id = int(user.get("id") or 0)
        headers = {"New-Api-User": str(user_id)}
        jwt = data.get("access_token")
        if isinstance(jwt, str) and jwt:
            self._redactor.add_secret(jwt)
            headers["Authorization"] = f"Bearer {jwt}"
        for cookie in client.cookies.jar:
            if cookie.value:
                self._redactor.add_secret(cookie.value)
        return client, headers, user_id

    def access_token_of(self, username: str, password: str, placeholder: str) -> Credentials:
        client, headers, user_id = self.login(username, password)
        try:
            answer = _answer(client, "GET", "/api/user/token", headers=headers)
        finally:
            client.close()
        if answer.success is not True or not isinstance(answer.data, str) or not answer.data:
            raise CredentialsRejected(f"could not get an access token for {username!r}: {answer.message!r}")
        self._redactor.add_secret(answer.data, placeholder)
        return Credentials(user_id, answer.data)

    def create_user(
        self, root: tuple[httpx.Client, dict[str, str]], username: str, password: str
    ) -> str | None:
        """Create a test user: None, or the server's refusal. The road resends a create whose
        answer was lost, and the resend is refused as a taken name if the first went through:
        the caller's login tells which."""
        client, headers = root
        created = _answer(
            client,
            "POST",
            "/api/user/",
            headers=headers,
            json={"username": username, "password": password, "display_name": username},
        )
        if created.success is not True:
            return f"root could not create test user {username!r}: {created.message!r}"
        return None


def check_given_users(settings: RunSettings, client: httpx.Client, redactor: Redactor) -> TestUsers:
    """The users given in the environment, checked: their tokens work, they are not root."""
    assert settings.owner is not None
    owner = _from_secret(settings.owner, redactor, "$NEWAPI_ACCESS_TOKEN")
    _check_user(client, owner, "NEWAPI_ACCESS_TOKEN")
    peer = None
    if settings.peer is not None:
        peer = _from_secret(settings.peer, redactor, "$NEWAPI_PEER_ACCESS_TOKEN")
        if peer.user_id == owner.user_id:
            raise UsageError("NEWAPI_PEER_USER_ID names the same user as NEWAPI_USER_ID")
        _check_user(client, peer, "NEWAPI_PEER_ACCESS_TOKEN")
    return TestUsers(owner, peer, origin="given")


def derived_password(root_password: str, username: str) -> str:
    """The password of a test user: derived from root's, so nothing has to be stored."""
    digest = hashlib.sha256(f"newapi-contract:{root_password}:{username}".encode()).hexdigest()
    return digest[:20]


def resolve_users(
    settings: RunSettings,
    client: httpx.Client,
    make_client: Any,
    redactor: Redactor,
    setup_done: bool,
) -> TestUsers:
    """The owner (and peer) credentials: given in the environment, or bootstrapped with root."""
    if settings.owner is not None:
        return check_given_users(settings, client, redactor)
    if not (settings.root_username and settings.root_password):
        raise UsageError(
            "no credentials: set NEWAPI_ACCESS_TOKEN and NEWAPI_USER_ID (and the NEWAPI_PEER_* "
            "pair), or NEWAPI_ROOT_USERNAME and NEWAPI_ROOT_PASSWORD"
        )
    root = _RootSession(make_client, redactor)
    redactor.add_password(settings.root_password)
    if not setup_done:
        answer = _answer(
            client,
            "POST",
            "/api/setup",
            json={
                "username": settings.root_username,
                "password": settings.root_password,
                "confirmPassword": settings.root_password,
            },
        )
        # A resent setup (its first answer lost on the way) answers "already initialised".
        if answer.success is not True and _setup_pending(client):
            raise CredentialsRejected(f"first-time setup refused: {answer.message!r}")
    # Logins count against upstream's critical limit (20 per 20 min, ref §7): the test
    # users are logged in once each, and created only when that login fails.
    users: dict[str, Credentials] = {}
    missing: list[tuple[str, str, str]] = []
    for name, placeholder in (
        (OWNER_NAME, "$NEWAPI_ACCESS_TOKEN"),
        (PEER_NAME, "$NEWAPI_PEER_ACCESS_TOKEN"),
    ):
        password = derived_password(settings.root_password, name)
        if not setup_done:  # a fresh instance has no users yet: no login to try
            missing.append((name, password, placeholder))
            continue
        try:
            users[name] = root.access_token_of(name, password, placeholder)
        except CredentialsRejected:
            missing.append((name, password, placeholder))
    if missing:
        root_client, root_headers, _ = root.login(settings.root_username, settings.root_password)
        try:
            refused = {
                name: refusal
                for name, password, _placeholder in missing
                if (refusal := root.create_user((root_client, root_headers), name, password))
            }
        finally:
            root_client.close()
        for name, password, placeholder in missing:
            try:
                users[name] = root.access_token_of(name, password, placeholder)
            except CredentialsRejected:
                if name in refused:  # the refusal says more than the failed login
                    raise CredentialsRejected(refused[name]) from None
                raise
    owner, peer = users[OWNER_NAME], users[PEER_NAME]
    return TestUsers(owner, peer, origin="bootstrapped")


def _setup_pending(client: httpx.Client) -> bool:
    """`GET /api/setup` says the instance still waits for its first-time setup (ref §6)."""
    data = _answer(client, "GET", "/api/setup").data
    return not (isinstance(data, dict) and data.get("status") is True)


# What releases before /api/setup create at first start (model/main.go createRootAccountIfNeed,
# reference §10).
DEFAULT_ROOT = ("root", "123456")


def embedded_root(profile: str = "current") -> tuple[str, str]:
    """Root credentials for a fresh embedded server: set up by the run (username <= 12 bytes,
    ref §6), or the default root a late-2024 release creates itself (ref §10)."""
    if profile == "late2024":
        return DEFAULT_ROOT
    return "root", secrets.token_urlsafe(12)
