"""Exchanges are redacted when recorded, give runnable curl lines, and land in their scope."""

from __future__ import annotations

import shlex
import subprocess
import threading

from newapi_contract.client.recording import SESSION_SCOPE, Exchange, Observation, Recorder
from newapi_contract.client.redaction import REDACTED, Redactor

KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefghijkl"
TOKEN = "q8+Zk/3mPq0v9Rr1Lm2Nn3Oo4Pp5Qq6="


def exchange(redactor: Redactor, **overrides: object) -> Exchange:
    parts: dict[str, object] = {
        "method": "post",
        "url": f"http://127.0.0.1:3000/api/token/5/key?k={TOKEN}",
        "request_headers": {
            "Host": "127.0.0.1:3000",
            "Authorization": f"Bearer {TOKEN}",
            "New-Api-User": "2",
            "Content-Type": "application/json",
            "Content-Length": "9",
        },
        "request_body": b'{"it\'s": 1}',
        "status": 200,
        "response_headers": {"Set-Cookie": "session=abc"},
        "response_body": f'{{"success":true,"data":{{"key":"{KEY}"}}}}'.encode(),
        "elapsed_ms": 3.0,
    }
    parts.update(overrides)
    return Exchange.capture(redactor, **parts)  # type: ignore[arg-type]


def test_capture_redacts_everything() -> None:
    redactor = Redactor()
    redactor.add_secret(TOKEN, "$NEWAPI_ACCESS_TOKEN")
    recorded = exchange(redactor)
    assert recorded.method == "POST"
    assert TOKEN not in repr(recorded) and KEY not in repr(recorded)
    assert recorded.request_headers["Authorization"] == "Bearer $NEWAPI_ACCESS_TOKEN"
    assert recorded.response_headers == {"Set-Cookie": REDACTED}
    assert recorded.url.endswith("?k=$NEWAPI_ACCESS_TOKEN")


def test_capture_learns_secrets_handed_out_by_the_route() -> None:
    redactor = Redactor()
    fresh = "Zm9vYmFyYmF6cXV4cXV1eHF1dXo="
    recorded = exchange(
        redactor,
        method="GET",
        url="http://127.0.0.1:3000/api/user/token",
        response_body=f'{{"success":true,"data":"{fresh}"}}'.encode(),
    )
    assert fresh not in recorded.response_body
    assert redactor.text(fresh) == REDACTED  # and in every later exchange


def test_curl_line_is_shell_safe_and_keeps_env_placeholders() -> None:
    redactor = Redactor()
    redactor.add_secret(TOKEN, "$NEWAPI_ACCESS_TOKEN")
    line = exchange(redactor).curl()
    words = shlex.split(line)
    assert words[:4] == ["curl", "-X", "POST", "http://127.0.0.1:3000/api/token/5/key?k=$NEWAPI_ACCESS_TOKEN"]
    assert "Authorization: Bearer $NEWAPI_ACCESS_TOKEN" in words
    assert words[-2:] == ["--data-raw", '{"it\'s": 1}']
    assert not any(w.startswith(("Host:", "Content-Length:")) for w in words)
    # The shell expands the placeholder and nothing else.
    echoed = subprocess.run(
        ["sh", "-c", line.replace("curl", "printf '%s\\n'", 1)],
        env={"NEWAPI_ACCESS_TOKEN": "tok$en"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert "Authorization: Bearer tok$en" in echoed
    assert '{"it\'s": 1}' in echoed


def test_curl_without_body_or_headers() -> None:
    recorded = Exchange("GET", "http://h/api/status", {}, "", 200, {}, "", 1.0)
    assert recorded.curl() == "curl -X GET http://h/api/status"


def test_scopes_take_and_counts() -> None:
    recorder, redactor = Recorder(), Redactor()
    recorder.add(exchange(redactor))
    with recorder.scope("test_a"):
        recorder.add(exchange(redactor))
        recorder.add(exchange(redactor))
    assert len(recorder.take("test_a")) == 2
    assert recorder.take("test_a") == []
    assert len(recorder.take(SESSION_SCOPE)) == 1
    assert recorder.count_by_scope() == {SESSION_SCOPE: 1, "test_a": 2}


def test_threads_started_in_a_scope_land_in_it() -> None:
    recorder, redactor = Recorder(), Redactor()
    with recorder.scope("test_parallel"):
        threads = [threading.Thread(target=recorder.add, args=(exchange(redactor),)) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert recorder.count_by_scope() == {"test_parallel": 5}


def test_contextvar_scope_wins_in_its_own_thread() -> None:
    recorder, redactor = Recorder(), Redactor()
    done = threading.Event()

    def other_test() -> None:
        with recorder.scope("test_other"):
            recorder.add(exchange(redactor))
        done.set()

    with recorder.scope("test_main"):
        threading.Thread(target=other_test).start()
        done.wait(5)
        recorder.add(exchange(redactor))
    assert recorder.count_by_scope() == {"test_other": 1, "test_main": 1}


def test_an_empty_word_is_quoted_for_the_shell() -> None:
    assert Exchange("GET", "", {}, "", 200, {}, "", 1.0).curl() == "curl -X GET ''"


def test_each_header_goes_after_dash_h() -> None:
    recorded = Exchange("GET", "http://h/api/status", {"X-A": "1"}, "", 200, {}, "", 1.0)
    assert recorded.curl() == "curl -X GET http://h/api/status -H 'X-A: 1'"


def test_capture_of_no_body_and_of_a_body_that_is_no_utf8() -> None:
    redactor = Redactor()
    empty = exchange(redactor, request_body=None, response_body=b"")
    assert (empty.request_body, empty.response_body) == ("", "")
    odd = exchange(redactor, response_body=b"ok \xff")
    assert odd.response_body == "ok \ufffd"


def test_capture_keeps_the_time_and_defaults_to_zero() -> None:
    redactor = Redactor()
    assert exchange(redactor, elapsed_ms=3.5).elapsed_ms == 3.5
    bare = Exchange.capture(redactor, method="GET", url="http://h/", request_headers={}, request_body=None)
    assert bare.elapsed_ms == 0.0 and bare.status is None


def test_the_history_keeps_the_latest_5000_exchanges() -> None:
    recorder = Recorder()
    first = Exchange("GET", "http://h/first", {}, "", 200, {}, "", 1.0)
    later = Exchange("GET", "http://h/later", {}, "", 200, {}, "", 1.0)
    recorder.add(first)
    assert recorder.history() == [first]
    for _ in range(5000):
        recorder.add(later)
    history = recorder.history()
    assert len(history) == 5000 and first not in history


def test_attached_exchanges_land_in_the_given_current_or_innermost_scope() -> None:
    recorder = Recorder()
    one = Exchange("GET", "http://h/1", {}, "", 200, {}, "", 1.0)
    two = Exchange("GET", "http://h/2", {}, "", 200, {}, "", 1.0)
    recorder.attach([one], counted=True)  # no scope open: the session's
    with recorder.scope("outer"), recorder.scope("inner"):
        recorder.attach([one, two], counted=True)
        recorder.attach([two], counted=False, scope="elsewhere")
    assert recorder.take(SESSION_SCOPE) == [one]
    assert recorder.take("inner") == [one, two] and recorder.take("outer") == []
    assert recorder.take("elsewhere") == [two]
    assert recorder.count_by_scope() == {SESSION_SCOPE: 1, "inner": 2}


def test_attached_exchanges_of_a_thread_go_to_the_innermost_open_scope() -> None:
    recorder = Recorder()
    one = Exchange("GET", "http://h/1", {}, "", 200, {}, "", 1.0)
    with recorder.scope("outer"), recorder.scope("middle"), recorder.scope("inner"):
        for _ in range(2):
            thread = threading.Thread(target=lambda: recorder.attach([one], counted=True))
            thread.start()
            thread.join()
    assert recorder.take("inner") == [one, one] and recorder.count_by_scope() == {"inner": 2}


def test_an_observation_is_recorded_once_and_counted_for_its_first_test_only() -> None:
    recorder = Recorder()
    seen = Observation(recorder, "tokens")
    one = Exchange("GET", "http://h/1", {}, "", 200, {}, "", 1.0)
    with seen.recording():
        recorder.add(one)
    assert seen.exchanges == [one]
    seen.attach_to("test_a")
    seen.attach_to("test_b")
    assert recorder.take("test_a") == [one] and recorder.take("test_b") == [one]
    assert recorder.count_by_scope() == {"(shared: tokens)": 1, "test_a": 1}


def test_a_relay_key_is_a_shell_variable_in_the_curl_line_never_redacted() -> None:
    key = "k" * 48
    redactor = Redactor()
    for headers, url in (
        ({"Authorization": f"Bearer sk-{key}"}, "http://h/v1/models"),
        ({"mj-api-secret": key}, "http://h/mj/task/list"),
        ({"sec-websocket-protocol": f"realtime, openai-insecure-api-key.sk-{key}"}, "http://h/v1/realtime"),
        ({}, f"http://h/v1beta/models?key={key}"),
    ):
        recorded = Exchange.capture(
            redactor, method="GET", url=url, request_headers=headers, request_body=None
        )
        line = recorded.curl()
        assert key not in line and REDACTED not in line and recorded.carries_key()
        echoed = subprocess.run(
            ["sh", "-c", line.replace("curl", "printf '%s\\n'", 1)],
            env={"NEWAPI_TOKEN_KEY": "the-key"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "the-key" in echoed


def test_a_management_request_keeps_its_redaction() -> None:
    recorded = Exchange(
        "GET", "http://h/api/user/self", {"Cookie": f"session={REDACTED}"}, "", 200, {}, "", 1.0
    )
    assert "$NEWAPI_TOKEN_KEY" not in recorded.curl() and not recorded.carries_key()


def test_a_relay_key_sent_to_the_management_api_is_a_shell_variable_too() -> None:
    recorded = Exchange(
        "DELETE", "http://h/api/token/2", {"authorization": f"Bearer {REDACTED}"}, "", 200, {}, "", 1.0
    )
    assert REDACTED not in recorded.curl() and recorded.carries_key()
