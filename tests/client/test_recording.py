"""Exchanges are redacted when recorded, give runnable curl lines, and land in their scope."""

from __future__ import annotations

import shlex
import subprocess
import threading

from newapi_contract.client.recording import SESSION_SCOPE, Exchange, Recorder
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
