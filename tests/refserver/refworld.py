"""A bootstrapped reference server as the tests see it: HTTP client, root, two users."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import httpx

from newapi_contract.refserver.server import RunningServer, ServerConfig, start

PASSWORD = "password123"
_names = itertools.count(1)


def unique(prefix: str = "t") -> str:
    return f"{prefix}{next(_names)}"


@dataclass
class User:
    id: int
    name: str
    access_token: str

    def headers(self, **extra: str) -> dict[str, str]:
        """The portable header set: access token plus New-Api-User."""
        return {"Authorization": f"Bearer {self.access_token}", "New-Api-User": str(self.id), **extra}


@dataclass
class World:
    """A started server, its HTTP client, root and two common users."""

    server: RunningServer
    http: httpx.Client
    generation: str
    root: User = field(init=False)
    alice: User = field(init=False)
    bob: User = field(init=False)

    @property
    def current(self) -> bool:
        return self.generation == "current"

    @property
    def late2024(self) -> bool:
        """Upstream c6ae8273: root/123456 at first start, full keys, array lists."""
        return self.generation == "late2024"

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        """Log in; the client keeps no cookie (tests that want the session use `session`)."""
        answer = self.http.post("/api/user/login", json={"username": name, "password": password})
        self.http.cookies.clear()
        return answer

    def session(self, cookies: httpx.Cookies) -> httpx.Client:
        """A second client carrying a legacy session cookie."""
        return httpx.Client(base_url=self.server.base_url, cookies=cookies, timeout=10)

    def user(self, name: str, password: str = PASSWORD) -> User:
        """Log in as `name` and fetch a fresh access token with the dashboard session."""
        answer = self.login(name, password)
        data = answer.json()["data"]
        if self.current:
            headers = {"Authorization": f"Bearer {data['access_token']}"}
            rotated = self.http.get("/api/user/token", headers=headers)
            return User(data["user"]["id"], name, rotated.json()["data"])
        with self.session(answer.cookies) as session:
            rotated = session.get("/api/user/token", headers={"New-Api-User": str(data["id"])})
        return User(data["id"], name, rotated.json()["data"])

    def register(self, name: str | None = None) -> User:
        """A new common user with an access token."""
        name = name or unique("user")
        body = {"username": name, "password": PASSWORD}
        assert self.http.post("/api/user/register", json=body).json()["success"] is True
        return self.user(name)

    def bootstrap(self) -> World:
        if self.late2024:  # c6ae8273 model/main.go createRootAccountIfNeed
            self.root = self.user("root", "123456")
        else:
            setup = {"username": "root", "password": PASSWORD, "confirmPassword": PASSWORD}
            assert self.http.post("/api/setup", json=setup).json()["success"] is True
            self.root = self.user("root")
        self.alice, self.bob = self.register("alice"), self.register("bob")
        return self

    # token helpers ---------------------------------------------------------------------
    def create(self, user: User, name: str | None = None, **fields: Any) -> int:
        """Create a token (unlimited unless told) and return its id, found by its name."""
        name = name or unique()
        # late2024 stores an omitted expired_time as 0, which its relay takes as expired.
        never = {"expired_time": -1} if self.late2024 else {}
        body = {"name": name, "unlimited_quota": True, **never, **fields}
        assert self.http.post("/api/token/", json=body, headers=user.headers()).json() == {
            "success": True,
            "message": "",
        }
        return self.find(user, name)

    def find(self, user: User, name: str) -> int:
        """The id of `user`'s token `name`: from the list, else (a fault hides it) the store."""
        found = [item["id"] for item in self.items(user) if item["name"] == name]
        if not found:
            found = [row["id"] for row in self.server.store.all_tokens(name) if row["user_id"] == user.id]
        return int(found[0])

    def items(self, user: User, **query: Any) -> list[dict[str, Any]]:
        if self.late2024:  # c6ae8273 controller/token.go GetAllTokens: `size`, an array
            answer = self.http.get("/api/token/", params={"size": 100, **query}, headers=user.headers())
            return list(answer.json()["data"])
        answer = self.http.get("/api/token/", params={"page_size": 100, **query}, headers=user.headers())
        return answer.json()["data"]["items"]

    def search(self, user: User, **query: Any) -> list[dict[str, Any]]:
        answer = self.http.get("/api/token/search", params=query, headers=user.headers())
        data = answer.json()["data"]
        return list(data) if self.late2024 else list(data["items"])

    def key(self, user: User, token_id: int) -> str:
        if self.late2024:  # no key reveal: GET carries the full key
            return str(self.get(user, token_id).json()["data"]["key"])
        answer = self.http.post(f"/api/token/{token_id}/key", headers=user.headers())
        return answer.json()["data"]["key"]

    def delete(self, user: User, token_id: int | str) -> httpx.Response:
        return self.http.delete(f"/api/token/{token_id}", headers=user.headers())

    def get(self, user: User, token_id: int | str) -> httpx.Response:
        return self.http.get(f"/api/token/{token_id}", headers=user.headers())

    def relay(self, key: str, **headers: str) -> httpx.Response:
        return self.http.get("/v1/models", headers={"Authorization": f"Bearer sk-{key}", **headers})


def open_world(config: ServerConfig, bootstrap: bool = True) -> World:
    server = start(config)
    world = World(server, httpx.Client(base_url=server.base_url, timeout=10), config.generation)
    return world.bootstrap() if bootstrap else world


def close_world(world: World) -> None:
    world.http.close()
    world.server.stop()
