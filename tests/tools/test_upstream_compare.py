"""The differential check's own logic, without upstream: normalising, comparing, explaining,
and the scripted sequences (loaded, expanded, run against the reference server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newapi_contract.refserver.server import ServerConfig, start
from tools.upstream.compare import (
    ABSENT,
    Answer,
    Difference,
    KnownDifference,
    compare,
    flatten,
    judge,
    load_known_differences,
    normalise,
)
from tools.upstream.differential import START_VARIABLES
from tools.upstream.sequence import HERE, Step, extract, load_sequence, run_sequence

KEY = "A" * 44 + "wxyz"


def answer(body: Any, status: int = 200, **headers: str) -> Answer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Answer(status, {k.replace("_", "-"): v for k, v in headers.items()}, raw)


# -- normalising ------------------------------------------------------------------------


def test_what_differs_by_nature_becomes_a_placeholder() -> None:
    body = {
        "data": {
            "id": 7,
            "user_id": 2,
            "created_time": 1796157635,
            "expired_time": -1,
            "access_expires_at": 1796158482,
            "key": "abcd**********wxyz",
            "version": "v0.0.0",
            "sid": "24728795-8809-4025-98e1-6255de64f0b5",
            "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOjF9.c2ln",
            "full": KEY,
            "message": "Invalid token (request id: 2026120120403532)",
        }
    }
    tree = normalise(answer(body), {"a5_id": 7, "alice_id": 2})
    assert tree["body"]["data"] == {
        "id": "<a5_id>",
        "user_id": "<alice_id>",
        "created_time": "<time>",
        "expired_time": -1,
        "access_expires_at": "<time>",
        "key": "<masked-key>",
        "version": "<version>",
        "sid": "<uuid>",
        "jwt": "<jwt>",
        "full": "<key>",
        "message": "Invalid token (request id: <rid>)",
    }


def test_captured_secrets_are_named_and_other_numbers_kept() -> None:
    body = {"data": {"keys": {"1": KEY}, "total": 1, "page_size": 2, "token": "sk-" + KEY}}
    tree = normalise(answer(body), {"a1_id": 1, "a1_key": KEY})
    assert tree["body"]["data"] == {
        "keys": {"<a1_id>": "<a1_key>"},
        "total": 1,
        "page_size": 2,
        "token": "<a1_key>",
    }


def test_headers_kept_compared_or_reduced_to_presence() -> None:
    got = normalise(
        answer(
            b"",
            429,
            x_oneapi_request_id="2026abc",
            x_new_api_version="v0.0.0",
            retry_after="180",
            date="Tue, 01 Dec 2026",
            set_cookie="session=abc; Path=/; Expires=Thu, 31 Dec 2026 20:38:20 GMT; Max-Age=5; HttpOnly",
        ),
        {},
    )
    assert got == {
        "status": 429,
        "headers": {
            "retry-after": "180",
            "set-cookie": "session=<value>; httponly; max-age=5; path=/",
            "x-oneapi-request-id": "<present>",
            "x-new-api-version": "<present>",
        },
        "body": "",
    }


def test_a_body_that_is_not_json_is_compared_as_text() -> None:
    assert normalise(answer(b"<a href>x</a>"), {})["body"] == "<a href>x</a>"


# -- comparing and explaining -----------------------------------------------------------------


def test_flatten_names_every_leaf() -> None:
    tree = {"a": {"b": [1, {"c": 2}], "e": {}, "f": []}}
    assert flatten(tree, "body") == {"body.a.b[0]": 1, "body.a.b[1].c": 2, "body.a.e": {}, "body.a.f": []}


def test_compare_reports_each_place_with_its_kind() -> None:
    ours = normalise(answer({"success": True, "message": "", "ours": 1}), {})
    theirs = normalise(answer({"success": False, "message": "", "theirs": 2}, 401), {})
    found = {d.where: d for d in compare("s", ours, theirs)}
    assert set(found) == {"status", "body.success", "body.ours", "body.theirs"}
    assert found["status"].kind == "value"
    assert found["body.ours"].kind == "extra" and found["body.ours"].upstream == ABSENT
    assert found["body.theirs"].kind == "missing" and found["body.theirs"].reference == ABSENT
    assert compare("s", ours, ours) == []


def test_known_differences_explain_by_step_place_kind_and_generation() -> None:
    missing = Difference("status after setup", "body.data.logo", ABSENT, "")
    changed = Difference("status after setup", "body.data.setup", True, False)
    entry = KnownDifference("status*", "body.data.*", "UI settings", kind="missing")
    verdict = judge([missing, changed], [entry], "legacy")
    assert [d for d, _ in verdict.explained] == [missing]
    assert verdict.unexplained == [changed]  # a value both have is never hidden by "missing"
    only_current = KnownDifference("status*", "body.data.*", "x", generations=("current",))
    assert judge([missing], [only_current], "legacy").unexplained == [missing]
    assert judge([], [entry], "legacy").unused == [entry]


def test_the_committed_known_differences_load_and_each_has_a_reason() -> None:
    entries = load_known_differences(HERE / "known_differences.yaml")
    assert entries and all(len(e.reason) > 40 for e in entries)


def test_a_known_difference_without_a_reason_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "k.yaml"
    bad.write_text("- {step: a, where: b}\n")
    with pytest.raises(ValueError, match="step, where and reason"):
        load_known_differences(bad)


# -- the sequences ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sequence.yaml", "limits_sequence.yaml"])
def test_sequences_load_with_unique_step_names(name: str) -> None:
    steps = load_sequence(HERE / name)
    assert len({s.name for s in steps}) == len(steps) > 10


def test_main_sequence_stays_within_upstreams_default_limits() -> None:
    steps = load_sequence(HERE / "sequence.yaml")
    for generation in ("legacy", "current"):
        mine = [s for s in steps if generation in s.generations]
        api = [s for s in mine if s.path.startswith("/api/")]
        assert len(api) <= 170  # legacy allows 180 per 180 s
        critical = [
            s
            for s in mine
            if s.path in ("/api/user/login", "/api/user/register")
            or (s.method == "POST" and s.path.endswith(("/key", "/keys")))
            or (generation == "current" and s.path == "/api/user/token")
        ]
        assert len(critical) < 20


def test_foreach_expands_names_paths_and_capture_keys() -> None:
    steps = {s.name: s for s in load_sequence(HERE / "sequence.yaml")}
    assert steps["delete odd id %D9%A3"].path == "/api/token/%D9%A3"
    assert steps["access token of bob (legacy)"].capture == {"bob_token": "body.data"}
    assert steps["access token of bob (legacy)"].headers == {"New-Api-User": "${bob_id}"}


def test_extract_reads_body_paths_headers_and_cookies() -> None:
    got = answer(
        {"data": {"items": [{"name": "a", "id": 1}, {"name": "b", "id": 2}]}},
        set_cookie="session=xyz; Path=/",
        x_oneapi_request_id="rid",
    )
    assert extract(got, "body.data.items[name=b].id") == 2
    assert extract(got, "body.data.items[0].name") == "a"
    assert extract(got, "cookie:session") == "xyz"
    assert extract(got, "header:X-Oneapi-Request-Id") == "rid"
    with pytest.raises(KeyError):
        extract(got, "body.data.nothing")


@pytest.fixture(scope="module")
def reference_pair() -> Any:
    with start(ServerConfig(generation="legacy")) as one, start(ServerConfig(generation="legacy")) as two:
        yield one.base_url, two.base_url


def test_a_step_with_an_unknown_variable_is_not_sent(reference_pair: Any) -> None:
    outcomes, _ = run_sequence(reference_pair[0], [Step("x", path="/api/token/${nope}")], "legacy", {})
    assert outcomes[0].not_sent == "no variable 'nope'"


def test_variables_keep_their_type_in_json_and_captures_chain(reference_pair: Any) -> None:
    steps = [
        Step(
            "setup",
            "POST",
            "/api/setup",
            json={"username": "root", "password": "${pw}", "confirmPassword": "${pw}"},
        ),
        Step(
            "login",
            "POST",
            "/api/user/login",
            json={"username": "root", "password": "${pw}"},
            capture={"root_id": "body.data.user.id | body.data.id"},
        ),
        Step("manage", "POST", "/api/user/manage", json={"id": "${root_id}", "action": "disable"}),
    ]
    outcomes, variables = run_sequence(reference_pair[0], steps, "legacy", {"pw": "password123"})
    assert variables["root_id"] == 1
    assert outcomes[2].answer.status == 401  # sent with an int id; no credentials


def _differences_between(first: str, second: str, generation: str) -> list[Difference]:
    steps = load_sequence(HERE / "sequence.yaml")
    ours, ours_vars = run_sequence(first, steps, generation, START_VARIABLES)
    theirs, theirs_vars = run_sequence(second, steps, generation, START_VARIABLES)
    out: list[Difference] = []
    for mine, their in zip(ours, theirs, strict=True):
        assert mine.not_sent is None and their.not_sent is None
        out += compare(
            mine.step.name, normalise(mine.answer, ours_vars), normalise(their.answer, theirs_vars)
        )
    return out


@pytest.mark.parametrize("generation", ["legacy", "current"])
def test_two_fresh_reference_servers_show_no_difference(generation: str) -> None:
    """Everything that differs between two correct servers (keys, times, request ids,
    sessions, JWTs) is normalised away: the check cannot cry wolf by itself."""
    with start(ServerConfig(generation=generation)) as one, start(ServerConfig(generation=generation)) as two:
        assert _differences_between(one.base_url, two.base_url, generation) == []


def test_a_server_that_deletes_the_wrong_token_shows_up() -> None:
    healthy = ServerConfig(generation="legacy")
    broken = ServerConfig(generation="legacy", faults=("delete-off-by-one",))
    with start(healthy) as one, start(broken) as two:
        steps = {d.step for d in _differences_between(one.base_url, two.base_url, "legacy")}
    assert {"delete odd id 007", "a5 is gone after 007", "get a2 after delete"} <= steps
