"""§1: routes, gin's redirects and 404s, static segments against `:id`, headers."""

from __future__ import annotations

import pytest
from refworld import World

INVALID_URL = {"type": "invalid_request_error", "param": "", "code": ""}


@pytest.mark.parametrize(
    ("method", "path", "status", "location"),
    [
        ("POST", "/api/token", 307, "/api/token/"),
        ("GET", "/api/token", 301, "/api/token/"),
        ("DELETE", "/api/token/5/", 307, "/api/token/5"),
        ("GET", "/api/token/5/", 301, "/api/token/5"),
        ("GET", "/api/token/search/?keyword=x", 301, "/api/token/search?keyword=x"),
    ],
)
def test_trailing_slash_redirects_run_no_middleware(
    world: World, method: str, path: str, status: int, location: str
) -> None:
    answer = world.http.request(method, path, headers=world.alice.headers())
    assert (answer.status_code, answer.headers["location"]) == (status, location)
    assert "x-oneapi-request-id" not in answer.headers
    assert "x-new-api-version" not in answer.headers
    assert "auth-version" not in answer.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", "/api/token/"),
        ("PUT", "/api/token/5/"),
        ("GET", "/api/nope"),
        ("PATCH", "/api/token/5"),
        ("GET", "/api/token/5/key"),
        ("GET", "/v1/nope"),
    ],
)
def test_no_route_is_the_json_404(world: World, method: str, path: str) -> None:
    answer = world.http.request(method, path, headers=world.alice.headers())
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    assert answer.json() == {"error": {"message": f"Invalid URL ({method} {path})", **INVALID_URL}}
    assert answer.headers["x-oneapi-request-id"]


def test_no_route_runs_the_web_chain_gzip_and_cache_headers(world: World) -> None:
    answer = world.http.delete("/api/token/", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["cache-control"] == "max-age=604800"
    assert (
        answer.headers["cache-version"] == "b688f2fb5be447c25e5aa3bd063087a83db32a288bf6a4f35f2d8db310e40b14"
    )
    assert answer.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("path", ["/", "/console/token", "/apix"])
def test_other_unrouted_paths_get_the_web_page_or_the_404(world: World, path: str) -> None:
    answer = world.http.get(path)
    if path == "/apix":  # the prefix test is on the raw request URI: "/api" matches "/apix"
        assert answer.status_code == 404 and answer.json()["error"]["message"] == "Invalid URL (GET /apix)"
        return
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == "no-cache"


def test_a_get_redirect_has_gos_small_html_body(world: World) -> None:
    answer = world.http.get("/api/token/5/", headers=world.alice.headers())
    assert answer.status_code == 301 and answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.text == '<a href="/api/token/5">Moved Permanently</a>.\n\n'
    other = world.http.delete("/api/token/5/", headers=world.alice.headers())
    assert other.status_code == 307 and other.content == b"" and "content-type" not in other.headers


def test_static_segments_win_only_for_their_own_method(world: World) -> None:
    headers = world.alice.headers()
    delete_search = world.http.delete("/api/token/search", headers=headers)
    assert delete_search.json() == {"success": False, "message": "id 或 userId 为空！"}
    get_batch = world.http.get("/api/token/batch", headers=headers)
    assert get_batch.json() == {"success": False, "message": 'strconv.Atoi: parsing "batch": invalid syntax'}
    post_batch = world.http.post("/api/token/batch", headers=headers, content=b"{}")
    assert post_batch.json() == {"success": False, "message": "Invalid parameters"}


def test_auto_groups_route_exists_only_in_current(world: World) -> None:
    answer = world.http.get("/api/token/auto-groups", headers=world.alice.headers()).json()
    if world.current:
        assert answer["success"] is True and "groups" in answer["data"]
    else:
        assert answer["message"] == 'strconv.Atoi: parsing "auto-groups": invalid syntax'


def test_path_is_percent_decoded_before_the_handler_parses_it(world: World) -> None:
    token_id = world.create(world.alice)
    answer = world.http.delete(f"/api/token/%2B{token_id}", headers=world.alice.headers())
    assert answer.json() == {"success": True, "message": ""}
    assert world.get(world.alice, token_id).json()["message"] == "record not found"


def test_answers_carry_request_id_and_version_in_both_generations(world: World) -> None:
    answer = world.http.get("/api/status")
    assert len(answer.headers["x-oneapi-request-id"]) > 20
    assert answer.headers["x-new-api-version"] == answer.json()["data"]["version"]
    other = world.http.get("/api/status")
    assert other.headers["x-oneapi-request-id"] != answer.headers["x-oneapi-request-id"]


def test_api_answers_are_gzipped_for_clients_that_accept_it(world: World) -> None:
    answer = world.http.get("/api/status", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.json()["success"] is True
    plain = world.http.get("/api/status", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
